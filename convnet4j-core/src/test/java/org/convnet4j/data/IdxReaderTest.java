package org.convnet4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.convnet4j.data.IdxFiles.gzip;
import static org.convnet4j.data.IdxFiles.idx;
import static org.convnet4j.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;

class IdxReaderTest {
    @TempDir
    Path dir;

    private String error(Path f, String what) {
        return assertThrows(DatasetFormatException.class, () -> IdxReader.read(f, what)).getMessage();
    }

    @Test
    void readsRawAndGzippedFilesRecognisingGzipByMagicNotName() throws IOException {
        byte[] pixels = IdxFiles.imagePixels(3, 2, 4);
        byte[] raw = idx(8, new int[] {3, 2, 4}, pixels);
        // deliberately misleading names: the content decides
        Path rawNamedGz = write(dir.resolve("a.gz"), raw);
        Path gzNamedRaw = write(dir.resolve("b.idx"), gzip(raw));
        for (Path f : new Path[] {rawNamedGz, gzNamedRaw}) {
            IdxReader.IdxData d = IdxReader.read(f);
            assertArrayEquals(new int[] {3, 2, 4}, d.dims());
            assertArrayEquals(pixels, d.data());
            assertEquals(3, d.count());
        }
    }

    @Test
    void wrongMagicIsRefused() throws IOException {
        byte[] bytes = idx(8, new int[] {2}, new byte[] {1, 2});
        bytes[1] = 7;
        Path f = write(dir.resolve("m.idx"), bytes);
        String m = error(f, "data");
        assertTrue(m.startsWith(f + ": not an IDX file (starts with 00 07 08 01"), m);
    }

    @Test
    void unsupportedElementTypesAreRefusedByName() throws IOException {
        Path f = write(dir.resolve("float.idx"), idx(0x0D, new int[] {1}, new byte[4]));
        assertEquals(f + ": IDX element type 0x0d (32-bit float) is not supported; only 0x08 (unsigned byte)",
                error(f, "data"));
        Path g = write(dir.resolve("odd.idx"), idx(0x42, new int[] {1}, new byte[1]));
        assertTrue(error(g, "data").contains("0x42 (unknown type)"));
    }

    @Test
    void dimensionCountAndDimensionValuesAreChecked() throws IOException {
        Path none = write(dir.resolve("r0.idx"), new byte[] {0, 0, 8, 0});
        assertTrue(error(none, "data").contains("declares 0 dimensions"));
        Path nine = write(dir.resolve("r9.idx"), idx(8, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, new byte[1]));
        assertTrue(error(nine, "data").contains("declares 9 dimensions"));
        Path zero = write(dir.resolve("z.idx"), idx(8, new int[] {4, 0}, new byte[0]));
        assertTrue(error(zero, "data").contains("IDX dimension 1 is 0"));
        Path negative = write(dir.resolve("n.idx"), idx(8, new int[] {-1}, new byte[0]));
        assertTrue(error(negative, "data").contains("IDX dimension 0 is 4294967295"));
        Path shortHeader = write(dir.resolve("s.idx"), new byte[] {0, 0, 8, 3, 0, 0, 0, 5});
        assertEquals(shortHeader + ": too short for an IDX header (ends after 8 bytes)", error(shortHeader, "data"));
    }

    @Test
    void hugeDeclaredSizesAreRefusedBeforeAllocating() throws IOException {
        // 60000 x 60000 x 60000 bytes would be 216 TB; the file has 10 bytes of content
        Path raw = write(dir.resolve("huge.idx"), idx(8, new int[] {60000, 60000, 60000}, new byte[10]));
        String m = error(raw, "image data");
        assertTrue(m.contains("declares 60000x60000x... elements, more than"), m);
        // 2 GB - small: fits an array, but the raw file is far shorter, so the size check comes first
        Path big = write(dir.resolve("big.idx"), idx(8, new int[] {40000, 50000}, new byte[10]));
        assertEquals(big + ": expected 2000000000 bytes of image data, found 10", error(big, "image data"));
        // the same inside gzip: memory grows only with data that actually arrives, so this fails without a 2 GB array
        Path bigGz = write(dir.resolve("big.gz"), gzip(idx(8, new int[] {40000, 50000}, new byte[10])));
        try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "100g");
                TemporaryProperty cap = TemporaryProperty.set(MemoryBudget.UNSTORED_PROPERTY, "100g")) {
            assertEquals(bigGz + ": expected 2000000000 bytes of image data, found 10", error(bigGz, "image data"));
            // a gzip bomb: refused from its header, before anything is inflated, when the budget is smaller
            budget.change("1g");
            String bomb = assertThrows(MemoryBudget.TooLargeException.class, () -> IdxReader.read(bigGz, "image data"))
                    .getMessage();
            assertTrue(bomb.startsWith(bigGz + ": image data 40000x50000 (gzip) needs 4.0 GB, above the limit of 1.1 GB"),
                    bomb);
        }
        // and whatever the heap: a compressed stream may declare 16 times its size + 64 MB (here a memory limit of
        // 100 GB, the default per-file cap)
        try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "100g")) {
            String bomb = assertThrows(MemoryBudget.TooLargeException.class, () -> IdxReader.read(bigGz, "image data"))
                    .getMessage();
            long size = Files.size(bigGz);
            assertTrue(bomb.startsWith(bigGz + ": image data 40000x50000 (gzip) needs 4.0 GB, more than the " + size
                    + " bytes it stores allow (67 MB: a file may ask for 16 times what it stores + 67 MB; if the file is"
                    + " genuine, raise it with --max-model-memory SIZE"), bomb);
            // a small file that inflates about 1000:1 (600 black 28x28 pictures) is within the 64 MB allowance
            Path fine = write(dir.resolve("fine.gz"), gzip(idx(8, new int[] {600, 28, 28}, new byte[600 * 28 * 28])));
            assertEquals(600 * 28 * 28, IdxReader.read(fine, "image data").data().length);
        }
    }

    @Test
    void contentMustMatchTheHeaderExactly() throws IOException {
        int[] mnist = {60000, 28, 28};
        Path shortRaw = write(dir.resolve("short.idx"), idx(8, mnist, new byte[123]));
        assertEquals(shortRaw + ": expected 47040000 bytes of image data, found 123", error(shortRaw, "image data"));
        // short content inside a complete gzip stream
        Path shortGz = write(dir.resolve("short.gz"), gzip(idx(8, new int[] {1000, 28, 28}, new byte[123])));
        assertEquals(shortGz + ": expected 784000 bytes of image data, found 123", error(shortGz, "image data"));
        Path longRaw = write(dir.resolve("long.idx"), idx(8, new int[] {5}, new byte[8]));
        assertEquals(longRaw + ": expected 5 bytes of label data, found 8", error(longRaw, "label data"));
        Path longGz = write(dir.resolve("long.gz"), gzip(idx(8, new int[] {5}, new byte[8])));
        assertEquals(longGz + ": expected 5 bytes of label data, found 8", error(longGz, "label data"));
    }

    @Test
    void truncatedGzipIsNamed() throws IOException {
        byte[] gz = gzip(idx(8, new int[] {100, 10, 10}, IdxFiles.imagePixels(100, 10, 10)));
        for (int cut : new int[] {gz.length - 4, gz.length / 2, 12}) {
            Path f = write(dir.resolve("cut" + cut + ".gz"), Arrays.copyOf(gz, cut));
            assertEquals(f + ": truncated gzip stream", error(f, "image data"), "cut at " + cut);
        }
        byte[] bad = gz.clone();
        bad[bad.length - 6] ^= 0x55; // damage the CRC
        Path crc = write(dir.resolve("crc.gz"), bad);
        assertTrue(error(crc, "image data").startsWith(crc + ": corrupt gzip data: "));
    }

    @Test
    void missingFileIsNamed() {
        Path f = dir.resolve("none.gz");
        assertEquals(f + ": file not found", error(f, "data"));
    }
}
