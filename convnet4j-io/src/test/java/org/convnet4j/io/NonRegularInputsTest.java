package org.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer --input}'s readers ({@link OnnxInputs#read}: .npy, .json, TensorProto) refuse what is not a regular file
 * in one line naming it, at once: a device that never ends ({@code /dev/zero}, whose size is 0, so a budget from the
 * size passes; the .npy reader read it until the heap ran out) and a directory. And a .npy file is budgeted before its
 * bytes are read.
 */
class NonRegularInputsTest {
    @TempDir
    Path dir;

    private static void refused(Path file, String part) {
        Exception e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(Exception.class, () -> OnnxInputs.read(file)));
        assertTrue(e instanceof IllegalArgumentException || e instanceof java.io.IOException, e::toString);
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ": ") && m.contains(part) && !m.contains("\n"), m);
    }

    @Test
    void devicesAndDirectoriesAreRefusedAtOnce() throws Exception {
        Path zero = Path.of("/dev/zero");
        assertTrue(Files.exists(zero), "this test needs /dev/zero");
        for (String name : new String[] {"z.npy", "z.json", "z.pb"}) {
            Path link = Files.createSymbolicLink(dir.resolve(name), zero);
            refused(link, "not a regular file");
            Path folder = Files.createDirectory(dir.resolve("folder-" + name));
            refused(folder, "not a regular file");
        }
    }

    @Test
    void aNpyFileIsBudgetedBeforeItsBytesAreRead() throws Exception {
        Path npy = dir.resolve("big.npy");
        Npy.write(npy, Tensor.zeros(2, 256, 1024)); // 2 MiB of float32
        try (TemporaryProperty limit = TemporaryProperty.set(MemoryBudget.PROPERTY, "1m")) {
            long before = allocated();
            refused(npy, "a .npy file of " + Files.size(npy) + " bytes needs");
            long used = allocated() - before;
            assertTrue(used < 1 << 20, "allocated " + used + " bytes before refusing");
        }
        // within the limit it reads, the file's bytes and the decoded floats counted together
        try (TemporaryProperty limit = TemporaryProperty.set(MemoryBudget.PROPERTY, "5m")) {
            assertTrue(OnnxInputs.read(npy).floats().length == 2 * 256 * 1024);
        }
        try (TemporaryProperty limit = TemporaryProperty.set(MemoryBudget.PROPERTY, "3m")) {
            refused(npy, "<f4 array of 524288 elements needs");
        }
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
