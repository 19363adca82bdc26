package org.convnet4j.io.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras files of 2 GB or more (issue 15): too large for the one memory map smaller files are read through, they go
 * through jHDF's channel storage, where a structure declaring 1 GB cost 1 GB before anything was read. Every read is
 * now checked first ({@link BoundedHdfStorage}). The files here are the fuzz corpus' VGG16 notop file and its 3-byte
 * mutation (an object header declaring 1 GB), each extended with a sparse hole to 2 GB + 1 MB (no disk space used).
 */
class KerasH5FileLargeTest {
    private static final long LARGE = (1L << 31) + (1L << 20);

    @TempDir
    Path dir;

    private Path large(String corpusName, String name) throws Exception {
        Path corpus = Path.of(KerasH5FileLargeTest.class.getResource(
                "/org/convnet4j/io/fuzz/ReaderFuzzTestInputs/kerasH5/" + corpusName).toURI());
        Path f = Files.copy(corpus, dir.resolve(name));
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(LARGE);
        }
        assertEquals(LARGE, Files.size(f));
        return f;
    }

    private static List<float[]> readAll(Path file) throws IOException {
        List<float[]> values = new ArrayList<>();
        try (KerasH5File h5 = KerasH5File.open(file)) {
            for (KerasH5File.Layer l : h5.weightedLayers()) {
                for (KerasH5File.Weight w : l.weights()) {
                    values.add(h5.read(l, w));
                }
            }
        }
        return values;
    }

    @Test
    void aLargeFileReadsTheSameWeightsAsTheSmallOne() throws Exception {
        Path small = Path.of(KerasH5FileLargeTest.class.getResource(
                "/org/convnet4j/io/fuzz/ReaderFuzzTestInputs/kerasH5/vgg16_notop").toURI());
        List<float[]> expected = readAll(small);
        List<float[]> got = readAll(large("vgg16_notop", "vgg16_notop_large.h5"));
        assertEquals(26, expected.size());
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), got.get(i));
        }
    }

    @Test
    void aHeaderDeclaringMoreThanTheBudgetIsRefusedWithoutAllocatingIt() throws Exception {
        Path bad = large("slow-unit-124fce5baa260fde31411595d87fe7c132044715", "mutated_large.h5");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "64m")) {
            long before = threads.getCurrentThreadAllocatedBytes();
            IOException e = assertThrows(IOException.class, () -> readAll(bad));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            String m = e.getMessage();
            assertTrue(m.startsWith(bad + ": ") && !m.contains("\n"), m);
            // the 1 GB header lies inside the 2 GB file: the budget is what refuses it
            assertTrue(m.contains(bad + ": an HDF5 structure of ") && m.contains("above the limit of 67 MB"), m);
            assertTrue(allocated < (64L << 20), "allocated " + allocated + " bytes to refuse it");
        }
    }
}
