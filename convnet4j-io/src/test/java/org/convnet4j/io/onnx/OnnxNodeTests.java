package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs one ONNX backend node test case (model.onnx and test_data_set_0/input_N.pb, output_N.pb) through
 * the importer and our engine. Inputs whose first axis differs from the first input's (a weight matrix or
 * a broadcast operand fed as an input) are bound as constants, since axis 0 is our batch axis.
 */
final class OnnxNodeTests {
    static final Path ROOT = Path.of("/usr/share/libonnx-testdata/data/node");
    /**
     * Cases in the same layout for what that suite (onnx 1.12) does not cover, written by
     * tools/fixtures/onnx_extra_node_cases.py with PyTorch's outputs: dilated AveragePool (opset 19), Gelu (20), Mish
     * (18), GroupNormalization (18 and 21).
     */
    static final Path EXTRA = Path.of("src/test/resources/fixtures/onnx_node_extra");
    static final double RTOL = 1e-3;
    static final double ATOL = 1e-5;

    private OnnxNodeTests() {
    }

    /** case name -> reason, from onnx-node-exclusions.tsv. */
    static Map<String, String> exclusions() throws IOException {
        return exclusions("/onnx-node-exclusions.tsv");
    }

    /** case name -> reason, from a tab-separated test resource ({@code #} starts a comment line). */
    static Map<String, String> exclusions(String resource) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                OnnxNodeTests.class.getResourceAsStream(resource), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\t", 2);
                out.put(parts[0].trim(), parts.length > 1 ? parts[1].trim() : "");
            }
        }
        return out;
    }

    /**
     * The test of one case: it must reproduce its outputs, or, when excluded with a reason, must still fail (so
     * that the exclusion list stays true).
     */
    static org.junit.jupiter.api.DynamicTest caseTest(String name, Path dir, String reason, String listFile) {
        if (reason == null) {
            return org.junit.jupiter.api.DynamicTest.dynamicTest(name, () -> run(dir));
        }
        return org.junit.jupiter.api.DynamicTest.dynamicTest(name + " (excluded: " + reason + ")", () -> {
            boolean passed;
            try {
                run(dir);
                passed = true;
            } catch (AssertionError | Exception e) {
                passed = false;
            }
            if (passed) {
                fail(name + " passes now: remove it from " + listFile);
            }
        });
    }

    /** Cases whose every operator the importer supports, sorted by name. */
    static List<Path> supportedCases() throws IOException {
        return supportedCases(new java.util.TreeMap<>());
    }

    /** As {@link #supportedCases()}; every case left out is put in {@code leftOut} with the reason. */
    static List<Path> supportedCases(Map<String, String> leftOut) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(ROOT)) {
            for (Path dir : dirs.sorted().toList()) {
                Path model = dir.resolve("model.onnx");
                if (!Files.isRegularFile(model)) {
                    continue;
                }
                OnnxModel.Model m;
                try {
                    m = OnnxReader.readModel(model);
                } catch (OnnxFormatException e) {
                    // e.g. string or float16 tensors: not a case of a supported op
                    leftOut.put(dir.getFileName().toString(), "unreadable here: " + e.getMessage());
                    continue;
                }
                List<String> problems = OnnxImporter.check(m);
                if (problems.isEmpty()) {
                    out.add(dir);
                } else {
                    leftOut.put(dir.getFileName().toString(), String.join("; ", problems));
                }
            }
        }
        return out;
    }

    /** The committed cases of {@link #EXTRA}, sorted by name: every one is expected to reproduce, export and train. */
    static List<Path> extraCases() throws IOException {
        try (Stream<Path> dirs = Files.list(EXTRA)) {
            return dirs.filter(Files::isDirectory).sorted().toList();
        }
    }

    /** Imports and runs the case; throws (assertion or import error) if it does not reproduce the outputs. */
    static void run(Path dir) throws IOException {
        try {
            runCase(dir);
        } catch (AssertionError e) {
            throw new AssertionError(dir.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /** A case read as the runner feeds it: the model, the inputs bound as constants, the inputs fed, the outputs. */
    record Prepared(OnnxModel.Model model, Map<String, TensorData> bound, List<TensorData> feed,
                    List<TensorData> want, List<TensorData> all) {
    }

    /**
     * Reads a case: inputs whose first axis differs from the first input's (a weight or a broadcast operand fed as an
     * input), integer operands beside float data and operands an operator takes as a constant are bound; the rest fed.
     */
    static Prepared prepare(Path dir) throws IOException {
        OnnxModel.Model m = OnnxReader.readModel(dir.resolve("model.onnx"));
        List<String> inputs = OnnxImporter.runtimeInputs(m);
        Path data = dir.resolve("test_data_set_0");
        Map<String, TensorData> bound = new LinkedHashMap<>();
        java.util.Set<String> constantSlots = constantSlots(m);
        List<TensorData> feed = new ArrayList<>();
        List<TensorData> all = new ArrayList<>();
        long batch = -1;
        boolean typedFirst = false;
        for (int i = 0; i < inputs.size(); i++) {
            TensorData t = bfloat16Bits(OnnxReader.readTensor(data.resolve("input_" + i + ".pb")),
                    declaredType(m.graph().inputs(), inputs.get(i)));
            all.add(t);
            long lead = t.dims().length == 0 ? -2 : t.dims()[0];
            if (i == 0) {
                batch = lead;
                // a case whose first input is integer or boolean computes on such data: its inputs are all data
                typedFirst = t.isInteger();
            }
            // beside float data, an integer input is an operand the float layers take as a constant (indices,
            // shapes, repeats), as is an input without the batch axis of the first (a weight fed as an input)
            boolean constant = i > 0 && (lead != batch && !typedFirst || t.isInteger() && !typedFirst
                    || constantSlots.contains(inputs.get(i)));
            if (constant) {
                bound.put(inputs.get(i), t);
            } else {
                feed.add(t);
            }
        }
        List<TensorData> want = new ArrayList<>();
        for (int i = 0; i < m.graph().outputs().size(); i++) {
            want.add(bfloat16Bits(OnnxReader.readTensor(data.resolve("output_" + i + ".pb")),
                    m.graph().outputs().get(i).elemType()));
        }
        return new Prepared(m, bound, feed, want, all);
    }

    private static void runCase(Path dir) throws IOException {
        Prepared c = OnnxNodeSuite.prepared(dir);
        OnnxProgram p = OnnxNodeSuite.program(dir);
        List<TensorData> got = p.run(c.feed());
        String wrong = mismatch(c.want(), got);
        if (wrong != null) {
            fail(wrong);
        }
        assertTrue(got.size() > 0);
    }

    /** Null when {@code got} reproduces {@code want} within the runner's tolerance, else what differs (one line). */
    static String mismatch(List<TensorData> want, List<TensorData> got) {
        if (want.size() != got.size()) {
            return "number of outputs: " + got.size() + ", expected " + want.size();
        }
        for (int i = 0; i < got.size(); i++) {
            TensorData w = want.get(i);
            TensorData g = got.get(i);
            if (!Arrays.equals(w.dims(), g.dims())) {
                return "output " + i + " shape " + Arrays.toString(g.dims()) + ", expected " + Arrays.toString(w.dims());
            }
            if (w.isInteger()) {
                // integer and boolean outputs: the same type and exactly the same values
                if (w.dataType() != g.dataType()) {
                    return "output " + i + " element type " + OnnxModel.typeName(g.dataType()) + ", expected "
                            + OnnxModel.typeName(w.dataType());
                }
                if (!Arrays.equals(w.longs(), g.longs())) {
                    return "output " + i + " values " + Arrays.toString(g.longs()) + ", expected "
                            + Arrays.toString(w.longs());
                }
                continue;
            }
            float[] a = g.floats();
            float[] e = w.floats();
            if (e.length != a.length) {
                return "output " + i + " element count " + a.length + ", expected " + e.length;
            }
            if (w.dataType() == OnnxModel.FLOAT16 || w.dataType() == OnnxModel.BFLOAT16) {
                // 16-bit floats come from the typed path, rounded once: the same type and the same values
                if (w.dataType() != g.dataType() || !Arrays.equals(e, a)) {
                    return "output " + i + ": " + OnnxModel.typeName(g.dataType()) + " " + Arrays.toString(a)
                            + ", expected " + OnnxModel.typeName(w.dataType()) + " " + Arrays.toString(e);
                }
                continue;
            }
            for (int k = 0; k < e.length; k++) {
                // equal infinities and NaN where NaN is expected match (log(0), 0/0 of the operator tests)
                boolean same = a[k] == e[k] || Float.isNaN(a[k]) && Float.isNaN(e[k]);
                if (!same && !(Math.abs(a[k] - e[k]) <= ATOL + RTOL * Math.abs(e[k]))) {
                    return "output " + i + " element " + k + ": got " + a[k] + ", expected " + e[k];
                }
            }
        }
        return null;
    }

    private static int declaredType(List<OnnxModel.ValueInfo> values, String name) {
        return values.stream().filter(v -> v.name().equals(name)).mapToInt(OnnxModel.ValueInfo::elemType).findFirst()
                .orElse(0);
    }

    /**
     * The test data of onnx 1.12 (Debian's libonnx-testdata) stores a BFLOAT16 tensor as UINT16 holding its bit
     * patterns (the cast tests' generator views the float32 array as uint16 halves): such data is read as the
     * BFLOAT16 values those bits are, where the model declares BFLOAT16.
     */
    private static TensorData bfloat16Bits(TensorData t, int declared) {
        if (declared != OnnxModel.BFLOAT16 || t.dataType() != OnnxModel.UINT16) {
            return t;
        }
        float[] f = new float[t.longs().length];
        for (int k = 0; k < f.length; k++) {
            f[k] = Float.intBitsToFloat((int) t.longs()[k] << 16);
        }
        return new TensorData(t.name(), OnnxModel.BFLOAT16, t.dims(), f, null);
    }

    /** Operator inputs the importer takes only as constants (weights, shapes, pads, bounds), by op type. */
    private static final Map<String, int[]> CONSTANT_SLOTS = Map.of(
            "Conv", new int[] {1, 2}, "ConvTranspose", new int[] {1, 2}, "Gemm", new int[] {1, 2}, "MatMul", new int[] {1},
            "BatchNormalization", new int[] {1, 2, 3, 4}, "Reshape", new int[] {1}, "Pad", new int[] {1, 2},
            "Clip", new int[] {1, 2}, "Dropout", new int[] {1, 2});

    private static java.util.Set<String> constantSlots(OnnxModel.Model m) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (OnnxModel.Node n : m.graph().nodes()) {
            for (int slot : CONSTANT_SLOTS.getOrDefault(n.opType(), new int[0])) {
                if (slot < n.inputs().size()) {
                    out.add(n.inputs().get(slot));
                }
            }
        }
        return out;
    }
}
