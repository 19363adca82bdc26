package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exporter's memory, held so that it cannot grow back (issue 16). {@link OnnxExporter#export} cloned every weight
 * into its initializer, and {@link OnnxWriter} built each nested message as a byte array of its own (each tensor's
 * raw bytes, the tensor message, the graph's, the model's, each in a growing buffer): exporting
 * {@link OnnxImportHeapTest}'s 40.7 MB of weights allocated 470 MB (11.6x) and ran out of memory in a 128 MB heap
 * that held the model. Now the initializers refer to the model's arrays and the writer streams them into the file in
 * chunks of {@link OnnxWriter#CHUNK} bytes, the message lengths computed ahead: 4.1 MB (0.10x), the same bytes.
 *
 * <p>A child JVM with a 128 MB heap (G1, the memory limit lifted) imports the fixture and exports it; the thread's
 * allocation for the export is held to 0.5x the weights. The export, imported here, gives the fixture's outputs.
 */
class OnnxExportHeapTest {
    /** Allowed allocation for exporting, in units of the weights' float32 bytes. */
    static final double ALLOCATED_PER_WEIGHT = 0.5;

    @TempDir
    Path dir;

    @Test
    void exportsWithinABudgetedHeapAndTheExportRunsAsTheFile() throws Exception {
        Path file = dir.resolve("heavy-head.onnx");
        Path exported = dir.resolve("exported.onnx");
        long weightBytes = OnnxImportHeapTest.writeFixture(file);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx128m", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "--add-modules", "jdk.incubator.vector", "-Dconvnet4j.maxInputBytes=64g",
                "-cp", System.getProperty("java.class.path"), ExportHeapMain.class.getName(), file.toString(),
                exported.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not end: " + out);
        assertEquals(0, p.exitValue(), "exporting " + weightBytes + " bytes of weights with -Xmx128m: " + out);
        String line = out.lines().filter(l -> l.startsWith("exported ")).findFirst().orElseThrow();
        long allocated = Long.parseLong(line.replaceAll(".*allocated (\\d+) bytes.*", "$1"));
        assertTrue(allocated <= ALLOCATED_PER_WEIGHT * weightBytes, "allocated " + allocated + " bytes, "
                + String.format("%.2f", (double) allocated / weightBytes) + "x the weights (at most "
                + ALLOCATED_PER_WEIGHT + "x): " + line);

        Graph original = OnnxImporter.importModel(OnnxReader.readModel(file), file.toString());
        Graph back = OnnxImporter.importModel(OnnxReader.readModel(exported), exported.toString());
        Tensor x = Tensor.randn(new java.util.Random(5), 1f, 2, 16, 16, 16);
        assertEquals(0f, original.predict(x).maxAbsDiff(back.predict(x)), "the export gives the file's outputs");
    }
}
