package org.convnet4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import javax.imageio.ImageIO;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Images#rgbSamples}, the raster read that replaces {@code getRGB} for 8-bit sRGB pictures, gives exactly
 * what {@code getRGB} gives (the reference here is computed from {@code getRGB} pixel by pixel), for every layout it
 * takes: bytes in BGR, ABGR and RGB order (what ImageIO's PNG and JPEG readers make), ints in RGB, ARGB and BGR, and
 * sub-images (a raster whose samples start inside its buffer). Premultiplied alpha, which {@code getRGB} divides out,
 * is left to {@code getRGB}.
 */
class RgbSamplesTest {

    /** [3, H, W] from getRGB, as toTensor computed it before the raster read. */
    private static float[] viaGetRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int plane = w * h;
        float[] d = new float[3 * plane];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                d[y * w + x] = (p >> 16) & 0xff;
                d[plane + y * w + x] = (p >> 8) & 0xff;
                d[2 * plane + y * w + x] = p & 0xff;
            }
        }
        return d;
    }

    private static BufferedImage noisy(BufferedImage img, long seed) {
        Random r = new Random(seed);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, r.nextInt()); // alpha too, where the image has it
            }
        }
        return img;
    }

    /** Bytes in R, G, B order, one band each (the layout of ImageIO's PNG reader for 8-bit RGB). */
    private static BufferedImage rgbBytes(int w, int h) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {8, 8, 8},
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 3 * w, 3, new int[] {0, 1, 2},
                null);
        return new BufferedImage(cm, raster, false, null);
    }

    @Test
    void everyLayoutItReadsGivesWhatGetRgbGives() {
        int[] types = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_RGB,
                BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_INT_BGR};
        int seed = 0;
        for (int type : types) {
            BufferedImage img = noisy(new BufferedImage(37, 23, type), seed++);
            check("type " + type, img);
            check("type " + type + ", sub-image", img.getSubimage(5, 3, 20, 11));
        }
        BufferedImage rgb = noisy(rgbBytes(31, 17), seed);
        check("RGB bytes", rgb);
        check("RGB bytes, sub-image", rgb.getSubimage(2, 7, 13, 9));
    }

    private static void check(String what, BufferedImage img) {
        float[] direct = Images.rgbSamples(img.getColorModel(), img.getRaster(), img.getWidth(), img.getHeight());
        assertNotNull(direct, what + ": read from the raster");
        float[] expected = viaGetRgb(img);
        assertArrayEquals(expected, direct, 0f, what);
        Tensor t = Images.toTensor(img);
        assertArrayEquals(new int[] {3, img.getHeight(), img.getWidth()}, t.shape().dims(), what);
        assertArrayEquals(expected, t.data(), 0f, what);
    }

    @Test
    void premultipliedAlphaAndGreyAreLeftToGetRgb() {
        BufferedImage pre = noisy(new BufferedImage(9, 7, BufferedImage.TYPE_4BYTE_ABGR_PRE), 11);
        assertNull(Images.rgbSamples(pre.getColorModel(), pre.getRaster(), 9, 7));
        assertArrayEquals(viaGetRgb(pre), Images.toTensor(pre).data(), 0f, "premultiplied, through getRGB");
        BufferedImage linear = new BufferedImage(new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_LINEAR_RGB),
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE),
                Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 9, 7, 3, null), false, null);
        assertNull(Images.rgbSamples(linear.getColorModel(), linear.getRaster(), 9, 7), "linear RGB is converted");
        BufferedImage ushort = new BufferedImage(9, 7, BufferedImage.TYPE_USHORT_565_RGB);
        assertNull(Images.rgbSamples(ushort.getColorModel(), ushort.getRaster(), 9, 7), "5-6-5 bits are scaled");
    }

    @Test
    void decodedPngAndJpegPicturesEqualGetRgbOfTheSameDecode() throws Exception {
        BufferedImage src = noisy(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), 5);
        for (String format : new String[] {"png", "jpg", "bmp"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(src, format, out);
            byte[] bytes = out.toByteArray();
            BufferedImage decoded = ImageIO.read(new java.io.ByteArrayInputStream(bytes));
            assertNotNull(Images.rgbSamples(decoded.getColorModel(), decoded.getRaster(), 64, 48), format);
            Tensor read = Images.read(bytes, "upload." + format);
            assertEquals(3, read.dim(0), format);
            assertArrayEquals(viaGetRgb(decoded), read.data(), 0f, format);
        }
    }
}
