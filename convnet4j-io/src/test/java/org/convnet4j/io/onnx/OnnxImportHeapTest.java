package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The importer's peak heap, held to a budget so it cannot grow back. vgg11_bn (133 M parameters, 0.53 GB of weights)
 * needed a 2.1 GB heap to import (and 8 GB for the torchvision sweep's whole check): reading held the file's bytes, a
 * copy of each tensor's raw bytes and its floats; importing held the file's floats, the model's values, their
 * gradients (allocated and zeroed with the values) and a clone (for a Gemm without transB or a MatMul, a transpose too)
 * of each initializer on its way in. Now the floats are decoded from the file's bytes where they lie, written straight
 * into the parameters, and a gradient is made at its first use: the file's floats plus the values, about 2x the weights
 * (vgg11_bn: 1.1 GB).
 *
 * <p>The fixture is generated here ({@link #writeFixture}): a vgg-like head of 40.7 MB of float32 weights (Conv, then
 * Gemm with transB 1 as torch exports a Linear, Gemm with transB 0, MatMul), written with {@link OnnxWriter}. A child
 * JVM with a 128 MB heap (G1, the default collector; the memory limit lifted, so that the heap itself is what is
 * measured) reads and imports it as {@code ModelLoader} does. It needs 96 MB; the code before needed 175 MB and ran out
 * of memory here, as did the copies' removal alone, with the gradients still made with the values. The child also counts
 * what its thread allocated, which every copy adds to: at most 3.5x the weights (now 3.2x: the file, its floats, the
 * values; before 6.3x).
 */
class OnnxImportHeapTest {
    /** The child's heap. */
    static final String HEAP = "-Xmx128m";
    /** Allowed allocation for reading and importing, in units of the weights' float32 bytes. */
    static final double ALLOCATED_PER_WEIGHT = 3.5;

    @TempDir
    Path dir;

    @Test
    void importsWithinABudgetedHeap() throws Exception {
        Path file = dir.resolve("heavy-head.onnx");
        long weightBytes = writeFixture(file);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(HEAP, "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "--add-modules", "jdk.incubator.vector",
                "-Dconvnet4j.maxInputBytes=64g", // the memory limit lifted: what is measured is the heap itself
                "-cp", System.getProperty("java.class.path"), ImportHeapMain.class.getName(), file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not end: " + out);
        assertEquals(0, p.exitValue(), "importing " + weightBytes + " bytes of weights with " + HEAP + ": " + out);
        String line = out.lines().filter(l -> l.startsWith("imported ")).findFirst().orElseThrow();
        assertTrue(line.startsWith("imported " + weightBytes / 4 + " parameters"), line);
        long allocated = Long.parseLong(line.replaceAll(".*allocated (\\d+) bytes.*", "$1"));
        assertTrue(allocated <= ALLOCATED_PER_WEIGHT * weightBytes, "allocated " + allocated + " bytes, "
                + String.format("%.2f", (double) allocated / weightBytes) + "x the weights (at most "
                + ALLOCATED_PER_WEIGHT + "x): " + line);
    }

    /**
     * Writes the fixture: x [N, 16, 16, 16] -> Conv 3x3 (16 -> 16, pads 1, bias) -> Relu -> Flatten (4096) -> Gemm
     * transB 1 (B [2048, 4096], C) -> Relu -> Gemm transB 0 (B [2048, 768], C) -> Relu -> MatMul (B [768, 256]); seeded
     * random weights. Returns the weights' float32 bytes.
     */
    static long writeFixture(Path file) throws IOException {
        SplittableRandom random = new SplittableRandom(16);
        List<TensorData> inits = List.of(
                weights(random, "conv.W", 16, 16, 3, 3), weights(random, "conv.B", 16),
                weights(random, "fc1.W", 2048, 4096), weights(random, "fc1.B", 2048),
                weights(random, "fc2.W", 2048, 768), weights(random, "fc2.B", 768),
                weights(random, "fc3.W", 768, 256));
        List<Node> nodes = List.of(
                node("Conv", List.of("x", "conv.W", "conv.B"), "c", ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1)),
                node("Relu", List.of("c"), "r0"),
                node("Flatten", List.of("r0"), "f", integer("axis", 1)),
                node("Gemm", List.of("f", "fc1.W", "fc1.B"), "g1", integer("transB", 1)),
                node("Relu", List.of("g1"), "r1"),
                node("Gemm", List.of("r1", "fc2.W", "fc2.B"), "g2"),
                node("Relu", List.of("g2"), "r2"),
                node("MatMul", List.of("r2", "fc3.W"), "y"));
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 17L), "OnnxImportHeapTest", "", new OnnxModel.Graph(
                "heavy_head", nodes, inits, List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 16, 16, 16}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, 256}, true)), List.of()));
        OnnxWriter.writeModel(file, m);
        return inits.stream().mapToLong(t -> 4 * t.elementCount()).sum();
    }

    private static TensorData weights(SplittableRandom random, String name, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextDouble() - 0.5) * 0.02f;
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, v, null);
    }

    private static Node node(String op, List<String> in, String out, Attribute... attrs) {
        Map<String, Attribute> m = new LinkedHashMap<>();
        for (Attribute a : attrs) {
            m.put(a.name(), a);
        }
        return new Node(out, op, "", in, List.of(out), m);
    }

    private static Attribute ints(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    private static Attribute integer(String name, long v) {
        return new Attribute(name, Attribute.INT, 0, v, null, null, null, null, null);
    }
}
