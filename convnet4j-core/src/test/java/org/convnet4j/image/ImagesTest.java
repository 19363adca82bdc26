package org.convnet4j.image;

import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagesTest {
    @TempDir
    Path dir;

    /** A smooth pattern with every byte value class represented; whole numbers so lossless formats round-trip exactly. */
    private static Tensor pattern(int c, int h, int w, long seed) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(c, h, w);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextInt(256);
        }
        return t;
    }

    @Test
    void pngAndBmpRoundTripExactlyForGreyAndRgb() throws IOException {
        for (String ext : List.of("png", "bmp")) {
            for (int c : new int[] {1, 3}) {
                Tensor img = pattern(c, 7, 11, c * 31 + ext.length());
                Path f = dir.resolve("img" + c + "." + ext);
                Images.write(img, f);
                Tensor back = Images.read(f);
                assertEquals(img.shape(), back.shape(), ext + " c=" + c);
                assertEquals(0f, img.maxAbsDiff(back), ext + " c=" + c);
            }
        }
    }

    @Test
    void jpegRoundTripIsClose() throws IOException {
        // Smooth images survive JPEG well; random noise would not, and would test the codec rather than us.
        for (int c : new int[] {1, 3}) {
            Tensor img = Tensor.zeros(c, 32, 32);
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        img.set(40 + 4 * x + 2 * y + 20 * ch, ch, y, x);
                    }
                }
            }
            Path f = dir.resolve("img" + c + ".jpeg");
            Images.write(img, f);
            Tensor back = Images.read(f);
            assertEquals(img.shape(), back.shape());
            double meanErr = 0;
            for (int i = 0; i < img.size(); i++) {
                meanErr += Math.abs(img.data()[i] - back.data()[i]);
            }
            meanErr /= img.size();
            assertTrue(meanErr < 4, "mean abs error " + meanErr);
            assertTrue(img.maxAbsDiff(back) < 30, "max error " + img.maxAbsDiff(back));
        }
        // .jpg is accepted as well as .jpeg
        Images.write(pattern(3, 4, 4, 1), dir.resolve("x.jpg"));
        assertEquals(3, Images.read(dir.resolve("x.jpg")).dim(0));
    }

    @Test
    void gifRoundTripsGreyAndFewColourImagesExactly() throws IOException {
        Tensor grey = pattern(1, 9, 13, 5);
        Images.write(grey, dir.resolve("g.gif"));
        Tensor g2 = Images.read(dir.resolve("g.gif"));
        assertEquals(grey.shape(), g2.shape());
        assertEquals(0f, grey.maxAbsDiff(g2));

        float[][] colours = {{255, 0, 0}, {0, 128, 255}, {10, 200, 30}, {255, 255, 255}};
        Tensor rgb = Tensor.zeros(3, 6, 8);
        Random r = new Random(3);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                float[] col = colours[r.nextInt(colours.length)];
                for (int ch = 0; ch < 3; ch++) {
                    rgb.set(col[ch], ch, y, x);
                }
            }
        }
        Images.write(rgb, dir.resolve("c.gif"));
        Tensor c2 = Images.read(dir.resolve("c.gif"));
        assertEquals(rgb.shape(), c2.shape());
        assertEquals(0f, rgb.maxAbsDiff(c2));
    }

    @Test
    void writeRoundsAndClampsAndAcceptsBatchOfOne() throws IOException {
        Tensor t = Tensor.of(new float[] {-5f, 0.4f, 0.6f, 254.5f, 300f, Float.NaN}, 1, 1, 2, 3);
        Path f = dir.resolve("clamp.png");
        Images.write(t, f);
        Tensor back = Images.read(f);
        assertArrayEquals(new float[] {0, 0, 1, 255, 255, 0}, back.data());
        assertEquals(List.of(1, 2, 3), Arrays.stream(back.shape().dims()).boxed().collect(Collectors.toList()));
    }

    @Test
    void paletteAlphaAnd16BitImagesAreExpanded() throws IOException {
        // colour palette -> RGB with the palette's colours
        byte[] rs = {(byte) 255, 0, 7};
        byte[] gs = {0, (byte) 255, 8};
        byte[] bs = {0, 0, 9};
        IndexColorModel icm = new IndexColorModel(2, 3, rs, gs, bs);
        BufferedImage indexed = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_BINARY, icm);
        indexed.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {2, 0, 1});
        Path pal = dir.resolve("pal.png");
        assertTrue(ImageIO.write(indexed, "png", pal.toFile()));
        Tensor p = Images.read(pal);
        assertEquals(3, p.dim(0));
        assertArrayEquals(new float[] {7, 255, 0, 8, 0, 255, 9, 0, 0}, p.data());

        // RGBA -> RGB, alpha dropped (not premultiplied into the colour)
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x10_20_30_40);
        argb.setRGB(1, 0, 0xff_01_02_03);
        Path a = dir.resolve("alpha.png");
        assertTrue(ImageIO.write(argb, "png", a.toFile()));
        assertArrayEquals(new float[] {0x20, 1, 0x30, 2, 0x40, 3}, Images.read(a).data());

        // 16-bit grey -> one channel scaled to 0..255
        BufferedImage g16 = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 65535, 257 * 100});
        Path f16 = dir.resolve("g16.png");
        assertTrue(ImageIO.write(g16, "png", f16.toFile()));
        Tensor g = Images.read(f16);
        assertEquals(1, g.dim(0));
        assertEquals(0f, g.get(0, 0, 0), 1e-4);
        assertEquals(255f, g.get(0, 0, 1), 1e-4);
        assertEquals(100f, g.get(0, 0, 2), 1e-4);
    }

    @Test
    void randomBytesWithPngNameAreNotASupportedImage() throws IOException {
        byte[] junk = new byte[500];
        new Random(1).nextBytes(junk);
        junk[0] = 'J'; // make sure it does not start with any image magic by chance
        Path f = dir.resolve("photo.png");
        Files.write(f, junk);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(f));
        assertTrue(e.getMessage().startsWith(f + ": not a supported image (PNG, JPEG, BMP, GIF, WebP, TIFF)"), e.getMessage());
    }

    @Test
    void truncatedPngIsCorruptImageData() throws IOException {
        Path good = dir.resolve("good.png");
        Images.write(pattern(3, 40, 40, 9), good);
        byte[] all = Files.readAllBytes(good);
        Path f = dir.resolve("cut.png");
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(f));
        assertTrue(e.getMessage().startsWith(f + ": corrupt image data: "), e.getMessage());
    }

    @Test
    void missingAndEmptyFilesAreNamed() throws IOException {
        Path missing = dir.resolve("nope.png");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(missing));
        assertEquals(missing + ": file not found", e.getMessage());
        Path empty = Files.createFile(dir.resolve("empty.jpg"));
        e = assertThrows(ImageFormatException.class, () -> Images.read(empty));
        assertTrue(e.getMessage().startsWith(empty + ": empty file"), e.getMessage());
    }

    /** A PNG whose IHDR claims the given size, followed by an IDAT that could never hold it. */
    static byte[] pngHeaderClaiming(int w, int h) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeInt(w);
        d.writeInt(h);
        d.write(new byte[] {8, 2, 0, 0, 0}); // 8-bit RGB, deflate, adaptive filter, no interlace
        writeChunk(out, "IHDR", ihdr.toByteArray());
        writeChunk(out, "IDAT", new byte[] {0x78, 0x01, 0x00});
        writeChunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }

    private static void writeChunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    @Test
    void hugeDimensionsInTheHeaderAreRefusedBeforeDecoding() throws IOException {
        Path f = dir.resolve("big.png");
        Files.write(f, pngHeaderClaiming(30000, 30000));
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(f));
        // Had the decoder run, it would have failed on the IDAT ("corrupt image data") or run out of memory.
        assertEquals(f + ": 30000x30000 = 900 megapixels exceeds the limit of 100 megapixels (set -Dconvnet4j.maxPixels)",
                e.getMessage());
        // and an explicit limit is honoured in the same way
        Path small = dir.resolve("small.png");
        Images.write(pattern(1, 20, 20, 2), small);
        e = assertThrows(ImageFormatException.class, () -> Images.read(small, 399));
        assertTrue(e.getMessage().contains("20x20"), e.getMessage());
        assertEquals(400, Images.read(small, 400).size());
    }

    @Test
    void unknownExtensionAndMissingDirectoryAreClearErrors() throws IOException {
        Tensor img = pattern(3, 2, 2, 1);
        Path tiff = dir.resolve("out.tiff");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.write(img, tiff));
        assertTrue(e.getMessage().contains("unknown image extension '.tiff'"), e.getMessage());
        Path noDir = dir.resolve("no/such/dir/out.png");
        IOException e2 = assertThrows(IOException.class, () -> Images.write(img, noDir));
        assertTrue(e2.getMessage().contains("output directory " + dir.resolve("no/such/dir") + " does not exist"),
                e2.getMessage());
        IOException e3 = assertThrows(IOException.class, () -> Images.writeCsv(img, noDir.resolveSibling("x.csv")));
        assertTrue(e3.getMessage().contains("does not exist"), e3.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Images.write(Tensor.zeros(2, 3, 3), dir.resolve("two.png")));
        assertThrows(IllegalArgumentException.class, () -> Images.write(Tensor.zeros(2, 3, 3, 3), dir.resolve("batch.png")));
        assertNoFilesBesides(List.of());
    }

    @Test
    void failedWriteLeavesNoPartialFileAndKeepsTheOldOne() throws IOException {
        Path f = dir.resolve("keep.png");
        Tensor first = pattern(1, 3, 3, 4);
        Images.write(first, f);
        byte[] before = Files.readAllBytes(f);
        // a rank-2 tensor is refused before anything is written
        assertThrows(IllegalArgumentException.class, () -> Images.write(Tensor.zeros(3, 3), f));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertNoFilesBesides(List.of("keep.png"));
    }

    private void assertNoFilesBesides(List<String> expected) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
            assertEquals(expected, names, "no temporary or partial files may remain");
        }
    }

    @Test
    void csvHasOneLinePerRowAndOneBlockPerChannel() throws IOException {
        Tensor t = Tensor.of(new float[] {1, 2.5f, -3, 0, 4, 5, 6, 7, 0.125f, 9, 10, 11}, 2, 2, 3);
        Path f = dir.resolve("t.csv");
        Images.writeCsv(t, f);
        assertEquals("1,2.5,-3\n0,4,5\n\n6,7,0.125\n9,10,11\n", Files.readString(f));
        Images.writeCsv(Tensor.of(new float[] {1, 2}, 2), dir.resolve("v.csv"));
        assertEquals("1,2\n", Files.readString(dir.resolve("v.csv")));
    }

    @Test
    void bilinearResizeMatchesHandComputedHalfPixelValues() {
        // 2x2 -> 4x4 with half-pixel centres: output x samples input at (x+0.5)/2-0.5 = -0.25 (clamped to 0),
        // 0.25, 0.75, 1.25 (clamped neighbour), so a row [1, 2] becomes [1, 1.25, 1.75, 2].
        Tensor in = Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2);
        Tensor out = Images.resize(in, 4, 4);
        float[] expected = {
            1.0f, 1.25f, 1.75f, 2.0f,
            1.5f, 1.75f, 2.25f, 2.5f,
            2.5f, 2.75f, 3.25f, 3.5f,
            3.0f, 3.25f, 3.75f, 4.0f};
        assertArrayEquals(expected, out.data(), 1e-6f);
        // 4 -> 2 along a row: samples at 0.5 and 2.5, i.e. means of neighbouring pairs
        Tensor row = Tensor.of(new float[] {0, 10, 20, 30}, 1, 1, 4);
        assertArrayEquals(new float[] {5, 25}, Images.resize(row, 1, 2).data(), 1e-6f);
        // channels are resized independently; same size is a copy
        Tensor two = Tensor.of(new float[] {1, 2, 3, 4, 10, 20, 30, 40}, 2, 2, 2);
        Tensor r = Images.resize(two, 4, 4);
        for (int i = 0; i < 16; i++) {
            assertEquals(expected[i] * 10, r.data()[16 + i], 1e-5f);
        }
        assertEquals(0f, Images.resize(two, 2, 2).maxAbsDiff(two));
    }

    @Test
    void greyIsTheBt601Luma() {
        Tensor rgb = Tensor.of(new float[] {255, 0, 10, 0, 255, 20, 0, 0, 30}, 3, 1, 3);
        Tensor g = Images.toGrey(rgb);
        assertArrayEquals(new float[] {0.299f * 255, 0.587f * 255, 0.299f * 10 + 0.587f * 20 + 0.114f * 30},
                g.data(), 1e-3f);
        assertEquals(List.of(1, 1, 3), Arrays.stream(g.shape().dims()).boxed().collect(Collectors.toList()));
        assertFalse(Images.toGrey(g) == g);
    }
}
