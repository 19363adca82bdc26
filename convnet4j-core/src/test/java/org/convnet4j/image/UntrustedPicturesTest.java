package org.convnet4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pictures from outside: cut short, CMYK, rotated by EXIF, too large for memory, and the in-memory entry points
 * (byte[], InputStream, BufferedImage) that a classifier API builds on.
 */
class UntrustedPicturesTest {
    /** 32 wide, 16 high: left half white, right half black (flat areas survive JPEG well). */
    private static BufferedImage halves() {
        BufferedImage img = new BufferedImage(32, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, 0xffffff);
            }
        }
        return img;
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out));
        return out.toByteArray();
    }

    /** The JPEG with an APP1 EXIF segment (big-endian TIFF, IFD0 with one entry: orientation) after SOI. */
    private static byte[] withOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0,
            0, 0, 0, 0, 0, 0};
        int len = 2 + 6 + tiff.length;
        byte[] app1 = new byte[2 + len];
        app1[0] = (byte) 0xff;
        app1[1] = (byte) 0xe1;
        app1[2] = (byte) (len >> 8);
        app1[3] = (byte) len;
        System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, app1, 4, 6);
        System.arraycopy(tiff, 0, app1, 10, tiff.length);
        byte[] out = new byte[jpeg.length + app1.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(app1, 0, out, 2, app1.length);
        System.arraycopy(jpeg, 2, out, 2 + app1.length, jpeg.length - 2);
        return out;
    }

    private static double mean(Tensor t, int y0, int y1, int x0, int x1) {
        double s = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                s += t.get(0, y, x);
            }
        }
        return s / ((y1 - y0) * (x1 - x0));
    }

    @Test
    void exifOrientationIsHonoured() throws IOException {
        byte[] jpeg = encode(halves(), "jpeg");
        Tensor plain = Images.read(jpeg, "plain.jpg");
        assertEquals(Arrays.asList(3, 16, 32), Arrays.stream(plain.shape().dims()).boxed().toList());
        // 6: the camera was turned 90° clockwise; shown upright the left (white) half is on top
        Tensor turned = Images.read(withOrientation(jpeg, 6), "turned.jpg");
        assertEquals(Arrays.asList(3, 32, 16), Arrays.stream(turned.shape().dims()).boxed().toList());
        assertTrue(mean(turned, 0, 14, 0, 16) > 240 && mean(turned, 18, 32, 0, 16) < 15);
        // 8: anticlockwise, white at the bottom; 3: upside down, white on the right
        Tensor back = Images.read(withOrientation(jpeg, 8), "back.jpg");
        assertTrue(mean(back, 18, 32, 0, 16) > 240 && mean(back, 0, 14, 0, 16) < 15);
        Tensor flipped = Images.read(withOrientation(jpeg, 3), "flipped.jpg");
        assertTrue(mean(flipped, 0, 16, 18, 32) > 240 && mean(flipped, 0, 16, 0, 14) < 15);
    }

    /** {@code count} APP2 segments of {@code body} bytes each (ICC-profile-like padding) inserted after SOI. */
    private static byte[] withSegmentsFirst(byte[] jpeg, int count, int body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        for (int i = 0; i < count; i++) {
            out.write(0xff);
            out.write(0xe2);
            out.write((body + 2) >> 8);
            out.write(body + 2);
            out.write(new byte[body], 0, body);
        }
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /**
     * EXIF orientation is honoured however far into a file its segment lies (the headers are walked segment by
     * segment, skipping bodies, not read ahead by a fixed amount): here behind 1.5 MB of other segments. The walk
     * gives up after JpegHeader.MAX_SEGMENTS segments: then the picture is read as stored (what this shows).
     */
    @Test
    void exifOrientationBeyondTheFirstMegabyteIsHonoured(@TempDir Path dir) throws IOException {
        byte[] turned = withOrientation(encode(halves(), "jpeg"), 6);
        Path far = dir.resolve("far.jpg");
        Files.write(far, withSegmentsFirst(turned, 24, 65_533));
        assertTrue(Files.size(far) > 1_500_000);
        Tensor t = Images.read(far);
        assertEquals(Arrays.asList(3, 32, 16), Arrays.stream(t.shape().dims()).boxed().toList());
        assertTrue(mean(t, 0, 14, 0, 16) > 240 && mean(t, 18, 32, 0, 16) < 15);
        // beyond the segment limit the orientation is not looked for: stored as is, 16 rows of 32
        Path many = dir.resolve("many.jpg");
        Files.write(many, withSegmentsFirst(turned, JpegHeader.MAX_SEGMENTS, 0));
        Tensor stored = Images.read(many);
        assertEquals(Arrays.asList(3, 16, 32), Arrays.stream(stored.shape().dims()).boxed().toList());
    }

    @Test
    void truncatedPicturesAreRefusedNotFilledWithGrey() throws IOException {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 64 * 64; i++) {
            img.setRGB(i % 64, i / 64, i * 2654435761L > 0 ? (int) (i * 2654435761L) : i * 7919);
        }
        for (String format : new String[] {"jpeg", "png"}) {
            byte[] whole = encode(img, format);
            byte[] half = Arrays.copyOf(whole, whole.length / 2);
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(half, "half." + format));
            assertTrue(e.getMessage().startsWith("half." + format + ": "), e.getMessage());
        }
    }

    /**
     * A CMYK JPEG (tools/fixtures/cmyk_jpeg.py: stripes of pure cyan, magenta and yellow ink, Adobe-inverted as
     * Photoshop and Pillow write them) reads as those colours in RGB; the JDK's own decoder gave them wrong.
     */
    @Test
    void cmykJpegsReadInTheirColours() throws IOException {
        byte[] jpeg;
        try (var in = UntrustedPicturesTest.class.getResourceAsStream("cmyk.jpg")) {
            jpeg = in.readAllBytes();
        }
        Tensor t = Images.read(jpeg, "print.jpg");
        assertArrayEquals(new int[] {3, 16, 48}, t.shape().dims());
        float[][] rgb = new float[3][];
        for (int stripe = 0; stripe < 3; stripe++) {
            int x = 16 * stripe + 8;
            rgb[stripe] = new float[] {t.get(0, 8, x), t.get(1, 8, x), t.get(2, 8, x)};
        }
        String seen = java.util.Arrays.deepToString(rgb);
        // cyan: little red, green and blue; magenta: red and blue, little green; yellow: red and green, little blue
        assertTrue(rgb[0][0] < 80 && rgb[0][1] > 120 && rgb[0][2] > 180, "cyan stripe " + seen);
        assertTrue(rgb[1][0] > 180 && rgb[1][1] < 80 && rgb[1][2] > 80, "magenta stripe " + seen);
        assertTrue(rgb[2][0] > 200 && rgb[2][1] > 200 && rgb[2][2] < 80, "yellow stripe " + seen);
        // a damaged CMYK file is still refused in one line naming it
        byte[] cut = java.util.Arrays.copyOf(jpeg, jpeg.length / 2);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(cut, "print.jpg"));
        assertTrue(e.getMessage().startsWith("print.jpg: "), e.getMessage());
    }

    /**
     * A YCCK JPEG (tools/fixtures/ycck_jpeg.c, written by Debian's libjpeg-turbo: the same ink stripes as cmyk.jpg,
     * compressed as YCCK with Adobe transform 2; Pillow, through libjpeg, reads it back as the same inks) reads as the
     * same colours as the CMYK one: the YCC-to-CMY step is undone before the CMYK conversion.
     */
    @Test
    void ycckJpegsReadInTheSameColoursAsCmyk() throws IOException {
        Tensor ycck;
        Tensor cmyk;
        try (var a = UntrustedPicturesTest.class.getResourceAsStream("ycck.jpg");
             var b = UntrustedPicturesTest.class.getResourceAsStream("cmyk.jpg")) {
            ycck = Images.read(a.readAllBytes(), "ycck.jpg");
            cmyk = Images.read(b.readAllBytes(), "cmyk.jpg");
        }
        assertArrayEquals(new int[] {3, 16, 48}, ycck.shape().dims());
        for (int stripe = 0; stripe < 3; stripe++) {
            int x = 16 * stripe + 8;
            for (int c = 0; c < 3; c++) {
                // two lossy encodings of the same inks: within a few levels of each other
                assertEquals(cmyk.get(c, 8, x), ycck.get(c, 8, x), 6f, "stripe " + stripe + " channel " + c);
            }
        }
        // and the colours themselves (a reader that skipped the YCC step would give other hues)
        assertTrue(ycck.get(0, 8, 8) < 80 && ycck.get(2, 8, 8) > 180, "cyan");
        assertTrue(ycck.get(1, 8, 24) < 80 && ycck.get(0, 8, 24) > 180, "magenta");
        assertTrue(ycck.get(2, 8, 40) < 80 && ycck.get(1, 8, 40) > 200, "yellow");
    }

    @Test
    void theCapIsInBytesOfTheDecodedPictureAndSubsamplingFitsIt() throws IOException {
        byte[] png = encode(new BufferedImage(2000, 1000, BufferedImage.TYPE_BYTE_GRAY), "png");
        // 2 megapixels x 6 bytes (the decoder's grey picture, its stored form, the float tensor) = 12 MB is refused
        try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "10m")) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(png, "big.png"));
            assertTrue(e.getMessage().startsWith("big.png: a 2000x1000 picture (PNG, 1 band of 8 bits) needs 12 MB,"
                    + " above the limit of 10 MB"), e.getMessage());
            java.nio.file.Path f = java.nio.file.Files.createTempFile("big", ".png");
            try {
                java.nio.file.Files.write(f, png);
                Tensor small = Images.readAtLeast(f, 100, 100); // every 2nd pixel: 1000x500, 3 MB
                assertEquals(500, small.dim(1));
                assertEquals(1000, small.dim(2));
                // a model that needs nearly all of it: no subsampling keeps 900x1500, so it is refused
                assertThrows(ImageFormatException.class, () -> Images.readAtLeast(f, 900, 1500));
            } finally {
                java.nio.file.Files.delete(f);
            }
        }
    }

    /** 1200 x 1000 RGB noise: a PNG that does not compress (its file is about 3.6 MB). */
    private static java.nio.file.Path noisePng(java.nio.file.Path dir, String name) throws IOException {
        BufferedImage img = new BufferedImage(1200, 1000, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(4);
        for (int y = 0; y < 1000; y++) {
            for (int x = 0; x < 1200; x++) {
                img.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        java.nio.file.Path f = dir.resolve(name);
        java.nio.file.Files.write(f, encode(img, "png"));
        return f;
    }

    /**
     * A file larger than the whole budget is never held in memory: it is streamed and decoded subsampled, and
     * what comes out is exactly every n-th pixel of the full picture. Over the pixel limit, a caller that needs
     * less gets a subsampled picture within the limit (up to 16 times the limit in the file).
     */
    @Test
    void picturesOverTheBudgetOrPixelLimitAreStreamedSubsampled(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        java.nio.file.Path f = noisePng(dir, "noise.png");
        assertTrue(java.nio.file.Files.size(f) > 3_300_000L, "the file is larger than the budget below");
        Tensor full = Images.read(f);
        try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "3m")) {
            assertThrows(ImageFormatException.class, () -> Images.read(f));
            // 20 bytes x 1200 x 1000 / n^2 <= 3 MiB: n = 3, 400 x 334
            Tensor small = Images.readAtLeast(f, 100, 100);
            assertArrayEquals(new int[] {3, 334, 400}, small.shape().dims());
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 334; y++) {
                    for (int x = 0; x < 400; x++) {
                        assertEquals(full.get(c, 3 * y, 3 * x), small.get(c, y, x), "pixel " + c + "," + y + "," + x);
                    }
                }
            }
            // a folder of such pictures for a model that takes 32 x 32
            java.nio.file.Path data = dir.resolve("data");
            for (String cls : new String[] {"a", "b"}) {
                java.nio.file.Files.createDirectories(data.resolve(cls));
                java.nio.file.Files.copy(f, data.resolve(cls).resolve("1.png"));
            }
            org.convnet4j.data.Transform resize = (t, r) -> Images.resize(t, 32, 32);
            org.convnet4j.data.ImageFolderDataset ds = org.convnet4j.data.ImageFolderDataset.builder(data)
                    .transform(resize).decodeAtLeast(32, 32).build();
            assertEquals(2, ds.size());
            assertThrows(IOException.class, () -> org.convnet4j.data.ImageFolderDataset.builder(data)
                    .transform(resize).build(), "without decodeAtLeast the full picture does not fit");
        }
        // the pixel limit applies to the decoded picture: 300,000 pixels is every 2nd pixel
        ImageFormatException refused = assertThrows(ImageFormatException.class, () -> Images.read(f, 300_000));
        assertTrue(refused.getMessage().contains("exceeds the limit"), refused.getMessage());
        assertArrayEquals(new int[] {3, 500, 600}, Images.readAtLeast(f, 300_000, 100, 100).shape().dims());
        // 1.2 megapixels is more than 16 times a limit of 50,000: refused rather than decoded for a long time
        assertThrows(ImageFormatException.class, () -> Images.readAtLeast(f, 50_000, 10, 10));
    }

    @Test
    void streamsAndDecodedImagesGiveTheSameTensorAsFiles() throws IOException {
        BufferedImage img = halves();
        byte[] png = encode(img, "png");
        Tensor a = Images.read(png, "a.png");
        Tensor b = Images.read(new ByteArrayInputStream(png), "a.png");
        Tensor c = Images.fromImage(img);
        assertEquals(0f, a.maxAbsDiff(b));
        assertEquals(0f, a.maxAbsDiff(c));
    }

    /**
     * A lossless WebP cut short (tools/fixtures/webp_lossless_fixture.py): the VP8L decoder filled what was missing and
     * the picture was read, half its values wrong, without a word (JPEG and PNG decoders fail or warn). Refused now from
     * the RIFF header's length, from a file and from bytes; the whole file reads to its pixels exactly.
     */
    @Test
    void aLosslessWebpCutShortIsRefused(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(Path.of(getClass().getResource("lossless_32.webp").toURI()));
        byte[] rgb = Files.readAllBytes(Path.of(getClass().getResource("lossless_32.rgb").toURI()));
        Tensor t = Images.read(whole, "whole.webp");
        for (int i = 0; i < rgb.length; i++) {
            assertEquals(rgb[i] & 0xff, t.get(i % 3, i / 96, (i / 3) % 32), 0f, "value " + i);
        }
        for (int cut : new int[] {whole.length / 2, whole.length - 1}) {
            Path file = Files.write(dir.resolve("cut" + cut + ".webp"), Arrays.copyOf(whole, cut));
            String said = ": truncated WebP file (its header says " + whole.length + " bytes, the file has " + cut + ")";
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(file));
            assertEquals(file + said, e.getMessage());
            e = assertThrows(ImageFormatException.class, () -> Images.read(Arrays.copyOf(whole, cut), "upload.webp"));
            assertEquals("upload.webp" + said, e.getMessage());
        }
    }
}
