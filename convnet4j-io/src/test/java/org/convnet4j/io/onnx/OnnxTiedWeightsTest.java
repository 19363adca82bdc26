package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An initializer read by a float layer and by a typed node is one parameter (tied): the float layer's, which the typed
 * node reads (transposed back where the layer holds a Gemm weight as a Dense kernel) and into which both gradients
 * are summed. x [2, 3] -> Gemm(x, W, C) on the float layers (a Dense holding W transposed and C) -> Softmax over the
 * batch (typed) -> Add(., C) -> Gemm(., W, transB = 1) on the typed path.
 */
class OnnxTiedWeightsTest {
    private final SplittableRandom rnd = new SplittableRandom(1618);

    private TensorData values(String name, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) rnd.nextDouble(-1, 1);
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, v, null);
    }

    private OnnxModel.Model model() {
        Attribute axis0 = new Attribute("axis", Attribute.INT, 0, 0, null, null, null, null, null);
        Attribute transB = new Attribute("transB", Attribute.INT, 0, 1, null, null, null, null, null);
        List<Node> nodes = List.of(
                new Node("g1", "Gemm", "", List.of("x", "W", "C"), List.of("h"), Map.of()),
                new Node("s", "Softmax", "", List.of("h"), List.of("p"), Map.of("axis", axis0)),
                new Node("a", "Add", "", List.of("p", "C"), List.of("q"), Map.of()),
                new Node("g2", "Gemm", "", List.of("q", "W"), List.of("z"), Map.of("transB", transB)));
        return new OnnxModel.Model(8, Map.of("", 17L), "test", "", new OnnxModel.Graph("tied", nodes,
                List.of(values("W", 3, 4), values("C", 4)),
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {2, 3}, true)),
                List.of(new ValueInfo("z", OnnxModel.FLOAT, new long[] {2, 3}, true)), List.of()));
    }

    private static double loss(OnnxProgram p, TensorData in, float[] target) {
        float[] z = p.run(List.of(in)).get(0).floats();
        double l = 0;
        for (int k = 0; k < z.length; k++) {
            l += 0.5 * (z[k] - target[k]) * (z[k] - target[k]);
        }
        return l;
    }

    @Test
    void oneParameterPerInitializerWithBothGradientsSummed() {
        OnnxProgram p = OnnxImporter.importProgram(model(), "tied");
        assertEquals(List.of(), p.parameters(), "W and C are the float layer's, not copies");
        assertEquals(Set.of("W", "C"), p.tiedValues());
        Map<String, Parameter> params = p.graph().namedParameters();
        assertEquals(2, params.values().stream().filter(Parameter::isLearnable).count(), params.keySet().toString());

        TensorData in = values("x", 2, 3);
        float[] target = values("t", 2, 3).floats();
        float[] z = p.forwardForTraining(List.of(in)).get(0).floats();
        float[] g = new float[z.length];
        for (int k = 0; k < z.length; k++) {
            g[k] = z[k] - target[k];
        }
        params.values().forEach(Parameter::zeroGrad);
        p.backward(List.of(new TensorData("dz", OnnxModel.FLOAT, new long[] {2, 3}, g, null)));
        float eps = 1e-2f;
        int checked = 0;
        for (Parameter w : params.values()) {
            float[] v = w.value().data();
            float[] grad = w.grad().data().clone();
            for (int k = 0; k < v.length; k++) {
                float keep = v[k];
                // each write announced (Parameter's contract): inference keeps the Dense's W^T packed between calls
                v[k] = keep + eps;
                w.changed();
                double up = loss(p, in, target);
                v[k] = keep - eps;
                w.changed();
                double down = loss(p, in, target);
                v[k] = keep;
                w.changed();
                double numeric = (up - down) / (2 * eps);
                assertEquals(numeric, grad[k], 2e-3 + 1e-2 * Math.abs(numeric), w.name() + "[" + k + "]");
                checked++;
            }
        }
        assertEquals(3 * 4 + 4, checked);
    }

    @Test
    void theTypedNodeReadsTheFloatLayersCurrentValue() {
        OnnxProgram p = OnnxImporter.importProgram(model(), "tied");
        Parameter kernel = p.graph().namedParameters().values().stream().filter(w -> w.shape().rank() == 2)
                .findFirst().orElseThrow();
        java.util.Arrays.fill(kernel.value().data(), 0f);
        // z = (softmax(x W^T... ) + C) W^T with W = 0: all zeros only if the typed Gemm reads the same W
        for (float v : p.run(List.of(values("x", 2, 3))).get(0).floats()) {
            assertEquals(0f, v, 0f);
        }
        assertTrue(kernel.isLearnable());
    }

    @TempDir
    java.nio.file.Path dir;

    /**
     * After tuning, the export writes a tied initializer's current value for the typed path too (not the file's
     * original constant): the exported model, read back, gives the tuned outputs.
     */
    @Test
    void anExportAfterTuningWritesTheSharedWeightsAsTheyAreNow() throws Exception {
        Sequential model = OnnxProgramLayer.of(model(), "tied");
        OnnxProgramLayer layer = (OnnxProgramLayer) model.layers().get(0);
        Tensor x = Tensor.of(values("x", 2, 3).floats(), 2, 3);
        Tensor before = model.predict(x);
        for (Parameter w : layer.program().graph().namedParameters().values()) {
            float[] v = w.value().data();
            for (int k = 0; k < v.length; k++) {
                v[k] += 0.25f * (k % 3 - 1) + 0.1f;
            }
            w.changed();
        }
        Tensor tuned = model.predict(x);
        assertTrue(tuned.maxAbsDiff(before) > 1e-2, "the change moved the outputs");
        java.nio.file.Path file = dir.resolve("tied.onnx");
        OnnxExporter.export(model, file);
        assertEquals(0f, tuned.maxAbsDiff(ModelLoader.load(file).model().predict(x)), 1e-6f,
                "the exported model gives the tuned outputs");
    }
    /**
     * x [2, 3] -> Add(., A) -> LayerNormalization(., S, Bl) -> PRelu(., P) -> BatchNormalization(., G, Bb, M, V), all on
     * the float layers (ConstantArithmetic, LayerNorm, PRelu, BatchNorm1d) -> Softmax across the batch (typed) ->
     * Mul(., A) -> Mul(., S) -> Add(., P) -> Mul(., G) on the typed path: each of A, S, P and G is one parameter.
     */
    private OnnxModel.Model normsModel() {
        Attribute axis0 = new Attribute("axis", Attribute.INT, 0, 0, null, null, null, null, null);
        List<Node> nodes = List.of(
                new Node("add", "Add", "", List.of("x", "A"), List.of("h1"), Map.of()),
                new Node("ln", "LayerNormalization", "", List.of("h1", "S", "Bl"), List.of("h2"), Map.of()),
                new Node("prelu", "PRelu", "", List.of("h2", "P"), List.of("h3"), Map.of()),
                new Node("bn", "BatchNormalization", "", List.of("h3", "G", "Bb", "M", "V"), List.of("h4"), Map.of()),
                new Node("s", "Softmax", "", List.of("h4"), List.of("p"), Map.of("axis", axis0)),
                new Node("t1", "Mul", "", List.of("p", "A"), List.of("q1"), Map.of()),
                new Node("t2", "Mul", "", List.of("q1", "S"), List.of("q2"), Map.of()),
                new Node("t3", "Add", "", List.of("q2", "P"), List.of("q3"), Map.of()),
                new Node("t4", "Mul", "", List.of("q3", "G"), List.of("z"), Map.of()));
        TensorData var = values("V", 3);
        for (int k = 0; k < 3; k++) {
            var.floats()[k] = Math.abs(var.floats()[k]) + 0.5f;
        }
        return new OnnxModel.Model(8, Map.of("", 17L), "test", "", new OnnxModel.Graph("tied_norms", nodes,
                List.of(values("A", 3), values("S", 3), values("Bl", 3), values("P", 3), values("G", 3),
                        values("Bb", 3), values("M", 3), var),
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {2, 3}, true)),
                List.of(new ValueInfo("z", OnnxModel.FLOAT, new long[] {2, 3}, true)), List.of()));
    }

    /** The loss of a training pass (the batch norm on the batch's statistics, as the analytic gradient has it). */
    private static double trainingLoss(OnnxProgram p, TensorData in, float[] target) {
        float[] z = p.forwardForTraining(List.of(in)).get(0).floats();
        double l = 0;
        for (int k = 0; k < z.length; k++) {
            l += 0.5 * (z[k] - target[k]) * (z[k] - target[k]);
        }
        return l;
    }

    @Test
    void batchNormLayerNormPReluAndConstantArithmeticShareTheirInitializers() throws Exception {
        OnnxProgram p = OnnxImporter.importProgram(normsModel(), "tied_norms");
        assertEquals(List.of(), p.parameters(), "no typed copies");
        assertEquals(Set.of("A", "S", "P", "G"), p.tiedValues());

        // both gradients summed: every element of the four against central differences
        TensorData in = values("x", 2, 3);
        float[] target = values("t", 2, 3).floats();
        float[] z = p.forwardForTraining(List.of(in)).get(0).floats();
        float[] g = new float[z.length];
        for (int k = 0; k < z.length; k++) {
            g[k] = z[k] - target[k];
        }
        p.graph().namedParameters().values().forEach(Parameter::zeroGrad);
        p.backward(List.of(new TensorData("dz", OnnxModel.FLOAT, new long[] {2, 3}, g, null)));
        int checked = 0;
        float eps = 1e-2f;
        for (String v : List.of("A", "S", "P", "G")) {
            Parameter w = p.holder(v);
            float[] values = w.value().data();
            float[] grad = w.grad().data().clone();
            double norm = 0;
            for (int k = 0; k < values.length; k++) {
                float keep = values[k];
                values[k] = keep + eps;
                double up = trainingLoss(p, in, target);
                values[k] = keep - eps;
                double down = trainingLoss(p, in, target);
                values[k] = keep;
                double numeric = (up - down) / (2 * eps);
                norm += numeric * numeric;
                assertEquals(numeric, grad[k], 2e-3 + 1e-2 * Math.abs(numeric), v + "[" + k + "]");
                checked++;
            }
            assertTrue(norm > 1e-6, v + ": the gradient is not trivially zero");
        }
        assertEquals(12, checked);

        // tuning the float layer's value changes what the typed node reads: G = 0 makes z zero
        Parameter gamma = p.holder("G");
        java.util.Arrays.fill(gamma.value().data(), 0f);
        gamma.changed();
        for (float v : p.run(List.of(values("x", 2, 3))).get(0).floats()) {
            assertEquals(0f, v, 0f);
        }

        // the export writes the current values: read back, the same outputs as the changed model
        Sequential model = OnnxProgramLayer.of(normsModel(), "tied_norms");
        OnnxProgramLayer layer = (OnnxProgramLayer) model.layers().get(0);
        Tensor x = Tensor.of(values("x", 2, 3).floats(), 2, 3);
        Tensor before = model.predict(x);
        for (String v : List.of("A", "S", "P", "G")) {
            Parameter w = layer.program().holder(v);
            float[] values = w.value().data();
            for (int k = 0; k < values.length; k++) {
                values[k] += 0.3f * (k - 1) + 0.2f;
            }
            w.changed();
        }
        Tensor tuned = model.predict(x);
        assertTrue(tuned.maxAbsDiff(before) > 1e-2, "the change moved the outputs");
        java.nio.file.Path file = dir.resolve("tied_norms.onnx");
        OnnxExporter.export(model, file);
        assertEquals(0f, tuned.maxAbsDiff(ModelLoader.load(file).model().predict(x)), 1e-6f,
                "the exported model gives the tuned outputs");
    }
}
