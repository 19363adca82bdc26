package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.GradientCheck;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's "every CNN case of the ONNX test suites ... trains", per case of {@code pytorch-converted} (PyTorch's
 * modules: convolutions, pooling, batch norms, activations, linear layers) and {@code pytorch-operator} (single
 * operators and small graphs): each case that loads as a model
 * ({@link ModelLoader}, as {@code convnet4j import} and {@code transfer --base} load it) is differentiated on the
 * case's own input, and the gradients of the loss {@code sum(y * r)} (r fixed, random) with respect to the input and to
 * a few elements of every learned weight are compared with central finite differences of the model's own forward
 * pass ({@link GradientCheck}, inference mode: batch norms on their running statistics, as a fine-tuning step of an
 * imported eval-mode model runs them frozen; float32, step 1e-2, its documented tolerances). Then one SGD step along
 * those gradients must lower the loss. A case that does not load as a model is trained as a program elsewhere
 * (OnnxProgramLayer tests); here it is counted and listed in target/onnx-pytorch-training-left-out.tsv. And with PyTorch
 * as the reference: every case's gradients against autograd's (tools/fixtures/pytorch_suite_grads.py).
 */
class OnnxPytorchSuitesTrainingTest {
    private static final Path DATA = Path.of("/usr/share/libonnx-testdata/data/pytorch-converted");
    /** Cases checked when this was written (2026-12-06), and of those, cases with learned weights. */
    static final int MIN_CHECKED = 106;
    static final int MIN_WITH_WEIGHTS = 45;
    /** Cases whose gradients are compared with PyTorch's: every case of both suites (112 before the int64 and NaN cases). */
    static final int MIN_AGAINST_PYTORCH = 117;

    @Test
    void everyCaseThatLoadsAsAModelHasFiniteDifferenceGradientsAndAnSgdStepLowersItsLoss() throws Exception {
        long cpu0 = ProgramRoundTrips.processCpuNanos();
        Assumptions.assumeTrue(Files.isDirectory(DATA), "libonnx-testdata is not installed");
        Map<String, String> excluded = OnnxNodeTests.exclusions("/onnx-pytorch-exclusions.tsv");
        Map<String, String> leftOut = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        List<String> smallerStep = new ArrayList<>();
        int checked = 0;
        int withWeights = 0;
        int values = 0;
        List<Path> dirs = new ArrayList<>();
        for (Path suite : List.of(DATA, DATA.resolveSibling("pytorch-operator"))) {
            try (Stream<Path> s = Files.list(suite)) {
                dirs.addAll(s.sorted().toList());
            }
        }
        for (Path d : dirs) {
            String name = d.getParent().getFileName() + "/" + d.getFileName();
            if (excluded.containsKey(name)) {
                continue;
            }
            Model model;
            try {
                model = ModelLoader.load(d.resolve("model.onnx")).model();
            } catch (Exception e) {
                leftOut.put(name, "does not load as a model: " + ProgramRoundTrips.oneLine(e));
                continue;
            }
            List<Tensor> inputs = new ArrayList<>();
            Path data = d.resolve("test_data_set_0");
            for (int i = 0; Files.exists(data.resolve("input_" + i + ".pb")); i++) {
                inputs.add(OnnxReader.readTensor(data.resolve("input_" + i + ".pb")).toTensor());
            }
            // a program (typed path) differentiates its training pass (forwardForTraining); the float layers' inference one
            boolean program = model instanceof org.convnet4j.nn.Sequential s && s.layers().size() == 1
                    && s.layers().get(0) instanceof OnnxProgramLayer;
            GradientCheck.Result r;
            try {
                r = GradientCheck.check(model, inputs, program ? GradientCheck.Options.training(3, 16)
                        : GradientCheck.Options.inference(3, 16));
            } catch (RuntimeException e) {
                // loads, but its inputs do not run as a model's (a second input broadcast along the batch axis)
                leftOut.put(name, "does not run as a model: " + ProgramRoundTrips.oneLine(e));
                continue;
            }
            if (!r.passed()) {
                // an input or weight within the step of a kink (a Clip bound, a ReLU's 0, a max pool's tie) makes the
                // central difference straddle it: checked again with a step of 1e-3, the same positions and tolerances
                // (a wrong gradient fails at both steps; test_operator_clip's 0.5036 against the bound 0.5 needs it)
                GradientCheck.Options o = program ? GradientCheck.Options.training(3, 16)
                        : GradientCheck.Options.inference(3, 16);
                r = GradientCheck.check(model, inputs, o.withTolerances(1e-3, GradientCheck.ATOL, GradientCheck.RTOL));
                smallerStep.add(name);
            }
            checked++;
            values += r.checked();
            boolean weights = model.namedParameters().values().stream().anyMatch(Parameter::isLearnable);
            if (weights) {
                withWeights++;
            }
            if (!r.passed()) {
                failures.add(name + ": " + r);
                continue;
            }
            if (weights) {
                String step = sgdStepLowersTheLoss(model, inputs, program);
                if (step != null) {
                    failures.add(name + ": " + step);
                }
            }
        }
        StringBuilder report = new StringBuilder();
        leftOut.forEach((k, v) -> report.append(k).append('\t').append(v).append('\n'));
        Files.writeString(Path.of("target", "onnx-pytorch-training-left-out.tsv"), report);
        System.out.println("ONNX pytorch suites training (" + (ProgramRoundTrips.processCpuNanos() - cpu0) / 1_000_000
                + " ms of JVM CPU): " + checked + " cases gradient-checked (" + withWeights
                + " with learned weights, " + values + " values against finite differences), " + leftOut.size()
                + " not a model (target/onnx-pytorch-training-left-out.tsv), " + failures.size() + " failed; checked again"
                + " with a step of 1e-3 (a kink within 1e-2): " + smallerStep);
        assertEquals(List.of(), failures);
        assertTrue(checked >= MIN_CHECKED && withWeights >= MIN_WITH_WEIGHTS, checked + " checked, " + withWeights
                + " with weights; at least " + MIN_CHECKED + " and " + MIN_WITH_WEIGHTS + " expected");
    }

    /**
     * PyTorch as the reference: for every case of both suites (tools/fixtures/pytorch_suite_grads.py, 117; evaluated
     * there with torch operations, float64, reproducing PyTorch's stored outputs), the gradients of
     * L = sum(y * r), r[i] = sin(0.7 i + 0.3), with respect to every learned weight (each initializer, in its own layout,
     * through the parameter that holds it: a float layer's or the typed path's) and to 48 positions of each float input
     * must be autograd's: so one SGD step from our gradients is PyTorch's step. The program is imported as a user
     * imports it (every input fed) where it runs so, else as the node runner binds its inputs, and runs as imported: the
     * float graph's inference pass (batch norms on their running statistics, as the eval-mode export), the typed path's
     * training pass. Integer inputs (Embedding's indices) have no gradient on either side, and a graph of integers only
     * (test_operator_non_float_params) may learn nothing; sqrt and pow, NaN on the case's negative inputs, are
     * differentiated at the inputs' absolute values on both sides.
     */
    @Test
    void ourGradientsArePyTorchsSoAnSgdStepIsPyTorchsStep() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DATA), "libonnx-testdata is not installed");
        com.google.gson.JsonObject fixture;
        try (java.io.Reader r = new java.io.InputStreamReader(getClass().getResourceAsStream(
                "/fixtures/pytorch_suite_grads.json"), java.nio.charset.StandardCharsets.UTF_8)) {
            fixture = com.google.gson.JsonParser.parseReader(r).getAsJsonObject();
        }
        List<String> failures = new ArrayList<>();
        int cases = 0;
        int values = 0;
        for (Map.Entry<String, com.google.gson.JsonElement> e : fixture.getAsJsonObject("cases").entrySet()) {
            Path d = DATA.getParent().resolve(e.getKey());
            com.google.gson.JsonObject c = e.getValue().getAsJsonObject();
            OnnxNodeTests.Prepared c0 = OnnxNodeTests.prepare(d);
            OnnxModel.Model m = c0.model();
            // as a user imports it (every input fed, so every input has its gradient) where it runs so, else as the
            // node runner binds its inputs
            ProgramRoundTrips.Imported imported = ProgramRoundTrips.imported(e.getKey(), c0, true);
            OnnxProgram p = imported.program();
            List<TensorData> feed = imported.feed();
            if (c.has("abs_inputs")) {
                // sqrt and pow of the case's negative inputs are NaN: both sides differentiate at |x| (the generator's)
                feed = feed.stream().map(OnnxPytorchSuitesTrainingTest::abs).toList();
            }
            p.parameters().forEach(Parameter::zeroGrad);
            if (p.graph() != null) {
                p.graph().zeroGrad();
            }
            Map<String, double[]> dxs = new java.util.HashMap<>();
            boolean floatOnly = p.typedNodeCount() == 0 && p.deferred() == null && p.graph() != null
                    && p.graph().outputNames().size() == 1 && feed.size() == 1;
            if (floatOnly) {
                Tensor y = p.graph().forwardMulti(List.of(feed.get(0).toTensor()), false).get(0);
                List<Tensor> back = p.graph().backwardMulti(List.of(r(y.shape().dims())));
                float[] f = back.get(0).data();
                double[] dx = new double[f.length];
                for (int k = 0; k < f.length; k++) {
                    dx[k] = f[k];
                }
                dxs.put(p.inputNames().get(0), dx);
            } else {
                TensorData y = p.forwardForTraining(feed).get(0);
                int[] dims = java.util.Arrays.stream(y.dims()).mapToInt(v -> (int) v).toArray();
                // the loss reads output 0 (the generator's); the other outputs get no gradient
                List<TensorData> grads = new ArrayList<>();
                grads.add(TensorData.of(p.outputNames().get(0), r(dims)));
                while (grads.size() < p.outputNames().size()) {
                    grads.add(null);
                }
                dxs = p.backwardToInputs(grads);
            }
            // the first input's gradient ("x"), then the further float inputs' ("more_inputs", by input position)
            List<String> inputs = OnnxImporter.runtimeInputs(m);
            values += compareInput(e.getKey(), inputs.get(0), p, dxs, c.getAsJsonArray("x_at"), c.getAsJsonArray("x"),
                    failures);
            if (c.has("more_inputs")) {
                for (Map.Entry<String, com.google.gson.JsonElement> k : c.getAsJsonObject("more_inputs").entrySet()) {
                    com.google.gson.JsonObject g = k.getValue().getAsJsonObject();
                    values += compareInput(e.getKey(), inputs.get(Integer.parseInt(k.getKey())), p, dxs,
                            g.getAsJsonArray("at"), g.getAsJsonArray("g"), failures);
                }
            }
            if (c.getAsJsonObject("weights").size() == 0 && c.getAsJsonArray("x").size() == 0
                    && learnable(p) > 0) {
                // PyTorch has nothing to differentiate (integers only): neither may we learn anything
                failures.add(e.getKey() + ": " + learnable(p) + " learned parameters; PyTorch's graph has no float");
            }
            for (Map.Entry<String, com.google.gson.JsonElement> w : c.getAsJsonObject("weights").entrySet()) {
                Parameter h = p.holder(w.getKey());
                com.google.gson.JsonArray g = w.getValue().getAsJsonArray();
                double[] expect = new double[g.size()];
                for (int k = 0; k < expect.length; k++) {
                    expect[k] = g.get(k).getAsDouble();
                }
                Tensor ours;
                if (h != null && h.isLearnable()) {
                    ours = p.holderTransposed(w.getKey()) ? h.grad().transposed() : h.grad();
                } else {
                    // the importer records which parameter holds an initializer for the layers the typed path shares
                    // weights with; a 1-D convolution, a ConvTranspose or a bias-less Linear is found by its values
                    ours = byValue(p, m, w.getKey());
                    if (ours == null) {
                        failures.add(e.getKey() + " weight " + w.getKey() + ": no learned parameter holds it");
                        continue;
                    }
                }
                double[] have = new double[ours.data().length];
                for (int k = 0; k < have.length; k++) {
                    have[k] = ours.data()[k];
                }
                values += compare(e.getKey() + " weight " + w.getKey(), have, expect, failures);
            }
            cases++;
        }
        System.out.println("ONNX pytorch suites gradients against PyTorch's: " + cases + " cases, " + values
                + " values, " + failures.size() + " differ; left out by the generator: " + fixture.get("left_out"));
        assertEquals(List.of(), failures);
        assertEquals(0, fixture.getAsJsonObject("left_out").size(), "left out by the generator: " + fixture.get("left_out"));
        assertTrue(cases >= MIN_AGAINST_PYTORCH, cases + " cases, at least " + MIN_AGAINST_PYTORCH + " expected");
    }

    /**
     * Compares input {@code name}'s gradient at positions {@code at} with PyTorch's {@code want}; an input PyTorch
     * differentiates that our program binds as a constant (so has no gradient of) fails. Returns the count.
     */
    private static int compareInput(String c, String name, OnnxProgram p, Map<String, double[]> dxs,
                                    com.google.gson.JsonArray at, com.google.gson.JsonArray want, List<String> failures) {
        if (want.size() == 0) {
            return 0; // an integer input: no gradient on either side
        }
        if (!p.inputNames().contains(name)) {
            failures.add(c + " input " + name + ": bound as a constant here, PyTorch differentiates it");
            return 0;
        }
        double[] dx = dxs.get(name);
        double[] expect = new double[at.size()];
        double[] got = new double[at.size()];
        for (int k = 0; k < expect.length; k++) {
            expect[k] = want.get(k).getAsDouble();
            got[k] = dx == null ? 0 : dx[at.get(k).getAsInt()];
        }
        return compare(c + " input " + name, got, expect, failures);
    }

    /** Learned parameters of the program (its typed path's and its float graph's). */
    private static long learnable(OnnxProgram p) {
        long n = p.parameters().stream().filter(Parameter::isLearnable).count();
        return p.graph() == null ? n : n + p.graph().namedParameters().values().stream().filter(Parameter::isLearnable)
                .count();
    }

    /** A float input by its absolute values (integers as they are). */
    private static TensorData abs(TensorData t) {
        if (t.isInteger()) {
            return t;
        }
        float[] f = t.floats().clone();
        for (int k = 0; k < f.length; k++) {
            f[k] = Math.abs(f[k]);
        }
        double[] d = t.doubles() == null ? null : t.doubles().clone();
        if (d != null) {
            for (int k = 0; k < d.length; k++) {
                d[k] = Math.abs(d[k]);
            }
        }
        return new TensorData(t.name(), t.dataType(), t.dims(), f, t.longs(), d);
    }

    /** The gradient, in the initializer's layout, of the learned parameter whose values are initializer v's. */
    private static Tensor byValue(OnnxProgram p, OnnxModel.Model m, String v) {
        float[] init = m.graph().initializers().stream().filter(t -> t.name().equals(v)).findFirst().orElseThrow()
                .floats();
        List<Parameter> all = new ArrayList<>(p.parameters());
        if (p.graph() != null) {
            all.addAll(p.graph().namedParameters().values());
        }
        for (Parameter q : all) {
            if (!q.isLearnable() || q.value().data().length != init.length) {
                continue;
            }
            if (java.util.Arrays.equals(q.value().data(), init)) {
                return q.grad();
            }
            if (q.value().shape().rank() == 2 && java.util.Arrays.equals(q.value().transposed().data(), init)) {
                return q.grad().transposed();
            }
        }
        return null;
    }

    /** r[i] = sin(0.7 i + 0.3), the generator's. */
    private static Tensor r(int... dims) {
        Tensor t = Tensor.zeros(org.convnet4j.tensor.Shape.of(dims));
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) Math.sin(0.7 * i + 0.3);
        }
        return t;
    }

    /** Adds what differs beyond 1e-3 relative (plus 1e-4 of the tensor's largest gradient); returns the count. */
    private static int compare(String what, double[] got, double[] want, List<String> failures) {
        if (got.length != want.length) {
            failures.add(what + ": " + got.length + " values, PyTorch has " + want.length);
            return 0;
        }
        double scale = 0;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int k = 0; k < want.length; k++) {
            if (!(Math.abs(got[k] - want[k]) <= 1e-3 * Math.abs(want[k]) + 1e-4 * scale)) {
                failures.add(what + "[" + k + "]: " + got[k] + ", PyTorch " + want[k]);
                return want.length;
            }
        }
        return want.length;
    }

    /** Null when w -= lr * dL/dw (L = sum(y * r), lr small against the gradient) lowers L; else what happened. */
    private static String sgdStepLowersTheLoss(Model model, List<Tensor> inputs, boolean training) {
        Tensor y = model.forward(inputs, training);
        Tensor r = Tensor.uniform(new java.util.Random(5), -1f, 1f, y.shape().dims());
        double before = dot(y, r);
        model.zeroGrad();
        model.backwardAll(r.copy());
        double squared = 0;
        for (Parameter p : model.namedParameters().values()) {
            if (p.isLearnable()) {
                for (float g : p.grad().data()) {
                    squared += (double) g * g;
                }
            }
        }
        if (squared == 0) {
            return "every weight gradient is zero";
        }
        // a step that lowers a smooth L by about lr * |g|^2 = 1e-3 |L| scale: well above float32 noise
        double lr = 1e-3 * Math.max(1, Math.abs(before)) / squared;
        for (Parameter p : model.namedParameters().values()) {
            if (p.isLearnable()) {
                float[] v = p.value().data();
                float[] g = p.grad().data();
                for (int i = 0; i < v.length; i++) {
                    v[i] -= (float) (lr * g[i]);
                }
                p.changed();
            }
        }
        double after = dot(model.forward(inputs, training), r);
        return after < before ? null : "one SGD step (lr " + lr + ") took the loss from " + before + " to " + after;
    }

    private static double dot(Tensor y, Tensor r) {
        double s = 0;
        for (int i = 0; i < y.data().length; i++) {
            s += (double) y.data()[i] * r.data()[i];
        }
        return s;
    }
}
