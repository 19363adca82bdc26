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
 * modules: convolutions, pooling, batch norms, activations, linear layers): each case that loads as a model
 * ({@link ModelLoader}, as {@code convnet4j import} and {@code transfer --base} load it) is differentiated on the
 * case's own input, and the gradients of the loss {@code sum(y * r)} (r fixed, random) with respect to the input and to
 * a few elements of every learned weight are compared with central finite differences of the model's own forward
 * pass ({@link GradientCheck}, inference mode: batch norms on their running statistics, as a fine-tuning step of an
 * imported eval-mode model runs them frozen; float32, step 1e-2, its documented tolerances). Then one SGD step along
 * those gradients must lower the loss. A case that does not load as a model is trained as a program elsewhere
 * (OnnxProgramLayer tests); here it is counted and listed in target/onnx-pytorch-training-left-out.tsv.
 */
class OnnxPytorchSuitesTrainingTest {
    private static final Path DATA = Path.of("/usr/share/libonnx-testdata/data/pytorch-converted");
    /** Cases checked when this was written (2026-12-06), and of those, cases with learned weights. */
    static final int MIN_CHECKED = 80;
    static final int MIN_WITH_WEIGHTS = 41;

    @Test
    void everyCaseThatLoadsAsAModelHasFiniteDifferenceGradientsAndAnSgdStepLowersItsLoss() throws Exception {
        long cpu0 = ProgramRoundTrips.processCpuNanos();
        Assumptions.assumeTrue(Files.isDirectory(DATA), "libonnx-testdata is not installed");
        Map<String, String> excluded = OnnxNodeTests.exclusions("/onnx-pytorch-exclusions.tsv");
        Map<String, String> leftOut = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int checked = 0;
        int withWeights = 0;
        int values = 0;
        List<Path> dirs;
        try (Stream<Path> s = Files.list(DATA)) {
            dirs = s.sorted().toList();
        }
        for (Path d : dirs) {
            String name = "pytorch-converted/" + d.getFileName();
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
            GradientCheck.Result r = GradientCheck.check(model, inputs, program ? GradientCheck.Options.training(3, 16)
                    : GradientCheck.Options.inference(3, 16));
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
        System.out.println("ONNX pytorch-converted training (" + (ProgramRoundTrips.processCpuNanos() - cpu0) / 1_000_000
                + " ms of JVM CPU): " + checked + " cases gradient-checked (" + withWeights
                + " with learned weights, " + values + " values against finite differences), " + leftOut.size()
                + " not a model (target/onnx-pytorch-training-left-out.tsv), " + failures.size() + " failed");
        assertEquals(List.of(), failures);
        assertTrue(checked >= MIN_CHECKED && withWeights >= MIN_WITH_WEIGHTS, checked + " checked, " + withWeights
                + " with weights; at least " + MIN_CHECKED + " and " + MIN_WITH_WEIGHTS + " expected");
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
