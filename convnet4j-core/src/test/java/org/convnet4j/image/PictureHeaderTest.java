package org.convnet4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.testsupport.LargePictures;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: what a picture needs is estimated from its header (size, bands, bit depth, colour model) before decoding.
 * The estimate must bound what decoding really takes (else a picture that "fits" exhausts the heap) and stay close to
 * it (else genuine pictures are refused); a picture too large is refused having allocated almost nothing.
 */
class PictureHeaderTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    private static BufferedImage noise(BufferedImage b) {
        Random r = new Random(5);
        for (int y = 0; y < b.getHeight(); y += 3) {
            for (int x = 0; x < b.getWidth(); x++) {
                b.setRGB(x, y, r.nextInt());
            }
        }
        return b;
    }

    private static BufferedImage sixteenBit(boolean alpha, int w, int h) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        return noise(new BufferedImage(cm, cm.createCompatibleWritableRaster(w, h), false, null));
    }

    private Path write(BufferedImage b, String format, String name) throws Exception {
        Path f = dir.resolve(name);
        assertTrue(ImageIO.write(b, format, f.toFile()), name);
        return f;
    }

    /**
     * Bytes this thread allocates reading {@code f} (after one read to load the decoder's classes): an upper bound of
     * what decoding holds at once, which the estimate must not fall below.
     */
    private static long allocatedReading(Path f) throws Exception {
        Images.read(f);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Tensor t = Images.read(f);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(t.size() > 0);
        return allocated;
    }

    @Test
    void theEstimateBoundsWhatDecodingTakesAndStaysCloseToIt() throws Exception {
        int w = 1000;
        int h = 800;
        List<Path> files = new ArrayList<>(List.of(
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR)), "png", "rgb.png"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR)), "png", "rgba.png"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY)), "png", "grey.png"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY)), "png", "grey16.png"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED)), "png", "palette.png"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY)), "png", "binary.png"),
                write(sixteenBit(false, w, h), "png", "rgb16.png"),
                write(sixteenBit(true, w, h), "png", "rgba16.png"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR)), "jpeg", "rgb.jpg"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY)), "jpeg", "grey.jpg"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR)), "bmp", "rgb.bmp"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED)), "bmp", "palette.bmp"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED)), "gif", "palette.gif"),
                write(noise(new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR)), "tiff", "rgb.tif"),
                write(sixteenBit(false, w, h), "tiff", "rgb16.tif"),
                LargePictures.jpeg(dir.resolve("flat.jpg"), w, h, 3),
                LargePictures.bmpRle8(dir.resolve("rle.bmp"), w, h, 0x123456),
                LargePictures.gif(dir.resolve("lzw.gif"), w, h, 0x123456),
                LargePictures.tiff(dir.resolve("deflate.tif"), w, h, 9)));
        StringBuilder table = new StringBuilder();
        for (Path f : files) {
            PictureHeader header = Images.header(f);
            assertEquals(w, header.width(), f.toString());
            assertEquals(h, header.height(), f.toString());
            long estimate = header.decodingBytes();
            long allocated = allocatedReading(f);
            table.append(String.format("%s %s: estimate %d, allocated %d%n", f.getFileName(), header, estimate, allocated));
            // a bound (1 MB for the decoder's own tables and buffers) ...
            assertTrue(allocated <= estimate + (1 << 20), "estimate below what decoding allocated:\n" + table);
            // ... and not a loose one: genuine pictures are not refused for a fraction of the budget
            assertTrue(estimate <= 2 * allocated + (1 << 20), "estimate far above what decoding allocated:\n" + table);
        }
        // what each header says
        assertEquals("1000x800 PNG, 3 bands of 8 bits -> 3 channels", Images.header(files.get(0)).toString());
        assertEquals("1000x800 PNG, 1 band of 16 bits -> 1 channel", Images.header(files.get(3)).toString());
        assertEquals("1000x800 PNG, 4 bands of 16 bits -> 3 channels", Images.header(files.get(7)).toString());
        assertEquals(1000L * 800 * 12, Images.header(files.get(0)).tensorBytes());
    }

    /** A CMYK JPEG is decoded through a raster of its own four bands besides the RGB one: still bounded. */
    @Test
    void cmykJpegsAreBounded() throws Exception {
        Path cmyk = Path.of(PictureHeaderTest.class.getResource("cmyk.jpg").toURI());
        PictureHeader header = Images.header(cmyk);
        assertEquals(4, header.bands());
        assertEquals(3, header.channels());
        // the fixture is tiny (48x16): the decoder's fixed costs (colour profile) dominate; bounded with 1 MB of slack
        assertTrue(allocatedReading(cmyk) <= header.decodingBytes() + (1 << 20));
    }

    /** 100 megapixels of every format we read: refused from the header, naming the file and the size, cheaply. */
    @Test
    void aHundredMegapixelPictureOfEveryFormatIsRefusedFromItsHeader() throws Exception {
        int side = 10_000;
        List<Path> pictures = List.of(
                LargePictures.png(dir.resolve("rgb.png"), side, side, 2, 8, 1),
                LargePictures.png(dir.resolve("grey16.png"), side, side, 0, 16, 1),
                LargePictures.jpeg(dir.resolve("grey.jpg"), side, side, 1),
                LargePictures.jpeg(dir.resolve("rgb.jpg"), side, side, 3),
                LargePictures.bmpRle8(dir.resolve("rle.bmp"), side, side, 0x445566),
                LargePictures.gif(dir.resolve("lzw.gif"), side, side, 0x445566),
                LargePictures.tiff(dir.resolve("deflate.tif"), side, side, 1),
                Path.of(PictureHeaderTest.class.getResource("large/uniform_100mp.webp").toURI()));
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "500m")) {
            for (Path f : pictures) {
                PictureHeader header = Images.header(f);
                assertEquals(side, header.width());
                assertEquals(100_000_000L, header.pixels());
                assertTrue(header.decodingBytes() > 500_000_000L, header + ": " + header.decodingBytes());
                long before = THREADS.getCurrentThreadAllocatedBytes();
                long t0 = System.nanoTime();
                ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(f));
                double seconds = (System.nanoTime() - t0) / 1e9;
                long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
                assertTrue(e.getMessage().startsWith(f + ": a 10000x10000 picture (" + header.format().toUpperCase(
                        java.util.Locale.ROOT)), e.getMessage());
                assertTrue(e.getMessage().contains("above the limit of 524 MB"), e.getMessage());
                assertTrue(allocated < 16L << 20, allocated + " bytes allocated: " + e.getMessage());
                assertTrue(seconds < 5, seconds + " s: " + e.getMessage());
            }
        }
    }

    /**
     * The work a caller announces is part of the estimate: a picture whose decoding fits but whose processing does
     * not is refused before decoding (the old order decoded it first), and read when both fit.
     */
    @Test
    void workThatDoesNotFitIsRefusedBeforeDecoding() throws Exception {
        Path png = LargePictures.png(dir.resolve("p.png"), 2000, 2000, 2, 8, 50);
        PictureHeader header = Images.header(png);
        long decoding = header.decodingBytes();
        long work = 5 * header.tensorBytes();
        assertTrue(decoding < work);
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, Long.toString((decoding + work) / 2))) {
            assertEquals(3, Images.read(png).dim(0)); // decoding alone fits
            long before = THREADS.getCurrentThreadAllocatedBytes();
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.readToProcess(png, 4));
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertTrue(e.getMessage().contains(png + ": a 2000x2000 picture (PNG, 3 bands of 8 bits), decoded and"
                    + " processed with 4 working copies of it as floats, needs " + MemoryBudget.human(work)), e.getMessage());
            assertTrue(allocated < 4L << 20, allocated + " bytes allocated");
        }
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, Long.toString(work))) {
            assertEquals(2000, Images.readToProcess(png, 4).dim(2));
        }
    }
}
