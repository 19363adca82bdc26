package org.convnet4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelFileTest {

    static void assertFails(String text, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelFile.parse(text, "k.txt"));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "'" + e.getMessage() + "' lacks '" + p + "'");
        }
    }

    @Test
    void parsesSeparatorsCommentsAndBlankLines() {
        Tensor k = KernelFile.parse("# Sobel-x\n\n1, 0, -1   # first row\n2\t0\t-2\r\n 1 0,-1 \n\n", "k.txt");
        assertEquals(Shape.of(3, 3), k.shape());
        assertArrayEquals(ClassicKernels.sobelX().data(), k.data());
        Tensor nonSquare = KernelFile.parse("0.5 -1.5e-1 2\n", "k.txt");
        assertArrayEquals(new float[] {0.5f, -0.15f, 2f}, nonSquare.data());
        assertEquals(Shape.of(1, 3), nonSquare.shape());
    }

    @Test
    void aKernelArgumentIsAFileOrAName(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("sobel-x"), "1 0 -1\n2 0 -2\n1 0 -1\n");
        assertArrayEquals(ClassicKernels.sobelX().data(), KernelFile.resolve(file.toString()).data());
        assertArrayEquals(ClassicKernels.sobelY().data(), KernelFile.resolve("sobel-y").data());
        String missing = dir.resolve("edge.txt").toString();
        assertEquals(missing + ": kernel file not found (and it is not a kernel name; see 'convnet4j kernels')",
                assertThrows(IllegalArgumentException.class, () -> KernelFile.resolve(missing)).getMessage());
        assertEquals(dir + ": kernel file is not a regular file",
                assertThrows(IllegalArgumentException.class, () -> KernelFile.resolve(dir.toString())).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KernelFile.resolve("sobel-z")).getMessage()
                .endsWith("; or give a kernel file (see 'convnet4j kernels')"));
        assertTrue(!assertThrows(IllegalArgumentException.class, () -> KernelFile.resolve("gaussian:abc")).getMessage()
                .contains("kernel file"), "a known family with a bad argument: no hint");
    }

    @Test
    void raggedRowsNameFileAndLine() {
        assertFails("1 2 3\n# c\n4 5\n", "k.txt: line 3:", "2 values", "line 1", "has 3");
    }

    @Test
    void nonNumbersNameFileAndLine() {
        assertFails("1 2\n3 x\n", "k.txt: line 2:", "'x' is not a number");
        assertFails("1 NaN\n", "k.txt: line 1:", "'NaN'");
        assertFails("1 Infinity\n", "k.txt: line 1:");
        assertFails("1 2f\n", "k.txt: line 1:", "'2f'");
    }

    @Test
    void emptyFileFails() {
        assertFails("", "k.txt: line 1:", "without any kernel row");
        assertFails("# only a comment\n\n", "k.txt: line 3:", "without any kernel row");
    }

    @Test
    void tooLargeKernelsFail() {
        String wide = "1 ".repeat(100) + "\n";
        assertFails(wide, "k.txt: line 1:", "100 values", "99");
        String tall = "1\n".repeat(100);
        assertFails(tall, "k.txt: line 100:", "more than 99 rows");
    }

    @Test
    void readsFromAFileAndNamesItInErrors(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("lap.txt");
        Files.writeString(good, "0 1 0\n1 -4 1\n0 1 0\n");
        assertArrayEquals(ClassicKernels.laplacian().data(), KernelFile.read(good).data());
        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "1 2\n3\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelFile.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ": line 2:"), e.getMessage());
        Path huge = dir.resolve("huge.txt");
        Files.write(huge, new byte[(int) KernelFile.MAX_BYTES + 1]);
        e = assertThrows(IllegalArgumentException.class, () -> KernelFile.read(huge));
        assertTrue(e.getMessage().contains("huge.txt") && e.getMessage().contains("bytes"), e.getMessage());
        assertThrows(java.io.UncheckedIOException.class, () -> KernelFile.read(dir.resolve("missing.txt")));
    }
}
