package org.convnet4j.io.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.io.keras.KerasH5File;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files of a few KB that declare gigabytes (tools/fixtures/hostile_fixtures.py writes them): refused from what
 * they declare, compared with what they store and with {@link MemoryBudget}, before anything is allocated or
 * built. Also external data reached through a hard link.
 */
class DeclaredVersusStoredTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) throws Exception {
        return Path.of(DeclaredVersusStoredTest.class.getResource("/fixtures/hostile/" + name).toURI());
    }

    @Test
    void kerasDatasetsDeclaredButNeverWrittenAreRefusedAtOpen() throws Exception {
        Path h5 = fixture("keras_declared_not_written.h5");
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> KerasH5File.open(h5));
        assertTrue(e.getMessage().startsWith(h5 + ": weight 'block1_conv1/kernel:0' of layer 'block1_conv1' declares"
                + " shape [3, 3, 3, 1280] (138 KB) but the file stores no data for it"), e.getMessage());
        assertThrows(IOException.class, () -> ModelLoader.load(h5)); // the model is never built
        assertTrue(System.nanoTime() - t0 < 5e9);
    }

    /**
     * A mutation of vgg16_notop.h5 found by the fuzzer (three bytes changed; one makes an object header declare 1 GB in a
     * 107 KB file). jHDF over a file channel allocated a heap buffer of the declared size before reading the few
     * bytes there (1 GB and 11 s under load, then the file even read). Over the memory map it is refused at once.
     * Measured as bytes allocated by this thread, not wall time.
     */
    @Test
    void kerasObjectHeaderReachingPastTheFileIsRefusedWithoutAllocatingIt() throws Exception {
        Path corpus = Path.of(DeclaredVersusStoredTest.class.getResource(
                "/org/convnet4j/io/fuzz/ReaderFuzzTestInputs/kerasH5/vgg16_notop").toURI());
        Path good = Files.copy(corpus, dir.resolve("vgg16_notop.h5"));
        Path bad = Files.copy(corpus.resolveSibling("slow-unit-124fce5baa260fde31411595d87fe7c132044715"),
                dir.resolve("mutated.h5"));
        assertEquals(3, mismatches(Files.readAllBytes(good), Files.readAllBytes(bad)));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        IOException e = assertThrows(IOException.class, () -> {
            try (KerasH5File h5 = KerasH5File.open(bad)) {
                for (KerasH5File.Layer l : h5.weightedLayers()) {
                    for (KerasH5File.Weight w : l.weights()) {
                        h5.read(l, w);
                    }
                }
            }
        });
        long refused = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().startsWith(bad + ": layer 'block2_conv1' lists weight 'block2_conv1/kernel:0' but the"
                + " HDF5 structure leading to it is broken ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("it reaches past the end of the file)"), e.getMessage());
        assertTrue(refused < (64L << 20), "allocated " + refused + " bytes to refuse a 107 KB file");

        // control: the file it came from (VGG16's notop layout at width 16: 26 tensors, 14,550 values) reads in
        // full, allocating little beyond its values
        before = threads.getCurrentThreadAllocatedBytes();
        long values = 0;
        try (KerasH5File h5 = KerasH5File.open(good)) {
            for (KerasH5File.Layer l : h5.weightedLayers()) {
                for (KerasH5File.Weight w : l.weights()) {
                    values += h5.read(l, w).length;
                }
            }
        }
        long read = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(values > 0);
        assertTrue(read < 4 * values + (64L << 20), "allocated " + read + " bytes to read " + values + " values");
    }

    private static int mismatches(byte[] a, byte[] b) {
        assertEquals(a.length, b.length);
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += a[i] == b[i] ? 0 : 1;
        }
        return n;
    }

    /**
     * 30 initializers of 256 MiB that all read the same sparse 256 MiB file: refused before the first is read, under a
     * memory limit of 8 GB (which would hold the first 8), with little allocated.
     */
    @Test
    void externalDataSharedBetweenTensorsIsRefusedBeforeAnyIsRead() throws Exception {
        Path model = Files.copy(fixture("onnx_shared_external.onnx"), dir.resolve("m.onnx"));
        try (RandomAccessFile big = new RandomAccessFile(dir.resolve("big.bin").toFile(), "rw")) {
            big.setLength(1L << 28); // sparse: 256 MiB that take no disk space
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "8g")) {
            long before = threads.getCurrentThreadAllocatedBytes();
            IOException e = assertThrows(IOException.class, () -> OnnxReader.readModel(model));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(model + ": 30 initializers ('w0', 'w1', 'w2', ...) declare 8.1 GB of external data in"
                    + " 'big.bin', which holds 268 MB: tensors that share one file's bytes are refused (each byte of"
                    + " external data may back one tensor)", e.getMessage());
            assertTrue(allocated < (16L << 20), "allocated " + allocated);
        }
    }

    @Test
    void externalDataThroughAHardLinkIsRefused() throws Exception {
        Path modelDir = Files.createDirectories(dir.resolve("model"));
        Path secret = Files.writeString(dir.resolve("secret.txt"), "x".repeat(1 << 10));
        Path model = Files.copy(fixture("onnx_shared_external.onnx"), modelDir.resolve("m.onnx"));
        try {
            Files.createLink(modelDir.resolve("big.bin"), secret);
        } catch (UnsupportedOperationException | IOException e) {
            org.junit.jupiter.api.Assumptions.abort("hard links not supported here: " + e);
        }
        IOException e = assertThrows(IOException.class, () -> OnnxReader.readModel(model));
        assertTrue(e.getMessage().contains("has 2 hard links"), e.getMessage());
    }

    /**
     * torch.save stores tensor data uncompressed, but a zip entry may be DEFLATE-compressed and declares its own
     * uncompressed size: tools/fixtures/pth_zip_bomb.py's file of about 16 KB holds 16 MiB of float32 zeros that way.
     * Held to what a file of its size may ask for (16 times its size plus the allowance, 1 MB here so that the case
     * stays small); before, only to the heap's budget, so the same file at 2^28 elements (about 1 MB) made {@code inspect}
     * inflate and allocate 1 GB.
     */
    @Test
    void aPthWhoseTensorDataIsCompressedIsHeldToWhatItStores() throws Exception {
        Path pth = fixture("pth_deflated_zeros.pth");
        assertTrue(Files.size(pth) < 64_000, Files.size(pth) + " bytes");
        try (TemporaryProperty allowance = TemporaryProperty.set(MemoryBudget.UNSTORED_PROPERTY, "1m")) {
            IOException e = assertThrows(IOException.class, () -> org.convnet4j.io.torch.PthFile.open(pth));
            assertTrue(e.getMessage().startsWith(pth + ": 1 tensors needs 17 MB, more than the 17 KB it stores allow (1.3 MB: "),
                    e.getMessage());
            assertThrows(IOException.class, () -> ModelLoader.load(pth));
        }
        // the default allowance (64 MB) takes it: 16 MiB of zeros, read in full
        assertEquals(4 << 20, org.convnet4j.io.torch.PthFile.open(pth).values("w").length);
    }
}
