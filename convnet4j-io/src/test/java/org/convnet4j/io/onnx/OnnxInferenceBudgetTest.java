package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory budget charges what a use needs (issue 16). A model's build charged every parameter's value and gradient
 * (8 bytes), so vgg11_bn (0.53 GB of weights) was refused below ~2.2 GB of heap though it imports in 1.3 GB and
 * inference never makes a gradient. Now importing (and inspecting, running, exporting, serving) charges the values, and
 * training charges the gradients and the optimiser's state when it starts, with its own one-line refusal.
 *
 * <p>A child JVM with a 128 MB heap and the default limit (at most half the heap: 67 MB) imports
 * {@link OnnxImportHeapTest}'s 40.7 MB fixture (the old charge, 81 MB, was refused), runs one sample, and is refused
 * training with plain SGD (values + gradients 81 MB) before a gradient is made.
 */
class OnnxInferenceBudgetTest {
    @TempDir
    Path dir;

    @Test
    void importAndPredictFitTheDefaultLimitAndTrainingIsRefusedWhenItStarts() throws Exception {
        Path file = dir.resolve("heavy-head.onnx");
        long weightBytes = OnnxImportHeapTest.writeFixture(file);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx128m", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "--add-modules", "jdk.incubator.vector", "-Dconvnet4j.threads=1",
                "-cp", System.getProperty("java.class.path"), InferenceBudgetMain.class.getName(), file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not end: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("imported " + weightBytes / 4 + " parameters\npredicted [1, 256]\n"), out);
        String refused = out.lines().filter(l -> l.startsWith("refused: ")).findFirst().orElseThrow(() ->
                new AssertionError("training was not refused: " + out));
        assertTrue(refused.startsWith("refused: training a model (10,163,216 parameters, 10,163,216 trainable) needs"
                + " 41 MB more for gradients and the optimiser's state; with the model's 41 MB of values that is above"
                + " the limit of "), refused);
        assertTrue(refused.contains(" for one model (Java heap 134 MB); give Java more memory"), refused);
        assertTrue(out.contains("gradients made: 0"), out);
    }
}
