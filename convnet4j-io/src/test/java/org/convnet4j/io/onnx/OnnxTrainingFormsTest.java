package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.History;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imported graphs with BatchNormalization's training form (training_mode 1: batch statistics, as PyTorch exports a
 * model in train mode) and MaxPool's Indices output fine-tune: both run on the typed path with backward passes. The
 * program's gradients (input, the float graph's convolution, the typed batch norm's scale) against central differences
 * of its own float32 forward pass, SGD on them lowering a loss, and the library's Trainer fine-tuning a classifier
 * whose batch norm is in training form.
 */
class OnnxTrainingFormsTest {
    @TempDir
    Path dir;

    private final SplittableRandom rnd = new SplittableRandom(1619);

    private static Attribute i(String name, long v) {
        return new Attribute(name, Attribute.INT, 0, v, null, null, null, null, null);
    }

    private static Attribute is(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    private TensorData values(String name, double scale, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) rnd.nextDouble(-scale, scale);
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, v, null);
    }

    private static TensorData ones(String name, int n, float value) {
        float[] v = new float[n];
        Arrays.fill(v, value);
        return new TensorData(name, OnnxModel.FLOAT, new long[] {n}, v, null);
    }

    /**
     * x [N, 1, 6, 6] -> Conv 2 filters 3x3 pad 1 (float layers) -> BatchNormalization training_mode 1 -> Relu ->
     * MaxPool 2x2 stride 2 -> Flatten [N, 18] -> Gemm (transB) [N, classes]; with {@code indices} the MaxPool's
     * Indices output is a second graph output.
     */
    private OnnxModel.Model net(int classes, boolean indices) {
        List<Node> nodes = List.of(
                new Node("conv", "Conv", "", List.of("x", "W", "B"), List.of("c"), Map.of("pads",
                        is("pads", 1, 1, 1, 1))),
                new Node("bn", "BatchNormalization", "", List.of("c", "scale", "bias", "mean", "var"),
                        List.of("b", "running_mean", "running_var"), Map.of("training_mode", i("training_mode", 1))),
                new Node("relu", "Relu", "", List.of("b"), List.of("r"), Map.of()),
                new Node("pool", "MaxPool", "", List.of("r"), indices ? List.of("p", "idx") : List.of("p"),
                        Map.of("kernel_shape", is("kernel_shape", 2, 2), "strides", is("strides", 2, 2))),
                new Node("flat", "Flatten", "", List.of("p"), List.of("f"), Map.of()),
                new Node("fc", "Gemm", "", List.of("f", "F", "C"), List.of("y"), Map.of("transB", i("transB", 1))));
        List<TensorData> inits = List.of(values("W", 0.5, 2, 1, 3, 3), values("B", 0.1, 2), ones("scale", 2, 1),
                ones("bias", 2, 0), ones("mean", 2, 0), ones("var", 2, 1), values("F", 0.3, classes, 18),
                ones("C", classes, 0));
        List<ValueInfo> outputs = new ArrayList<>(List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {-1,
                classes}, true)));
        if (indices) {
            outputs.add(new ValueInfo("idx", OnnxModel.INT64, new long[] {-1, 2, 3, 3}, true));
        }
        return new OnnxModel.Model(8, Map.of("", 15L), "test", "", new OnnxModel.Graph("trainforms", nodes, inits,
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 1, 6, 6}, true)), outputs, List.of()));
    }

    private static double loss(OnnxProgram p, TensorData x, float[] w) {
        float[] y = p.run(List.of(x)).get(0).floats();
        double l = 0;
        for (int k = 0; k < y.length; k++) {
            l += w[k] * y[k] + 0.5 * y[k] * y[k];
        }
        return l;
    }

    private static float[] lossGradient(float[] y, float[] w) {
        float[] g = new float[y.length];
        for (int k = 0; k < y.length; k++) {
            g[k] = w[k] + y[k];
        }
        return g;
    }

    @Test
    void programGradientsThroughBothMatchFiniteDifferences() {
        OnnxProgram p = OnnxImporter.importProgram(net(3, true), "trainforms");
        // the batch norm's training form and the Relu on the typed path; the MaxPool, Flatten and Gemm after a typed
        // value in the second stage (imported at run time), the MaxPool with Indices on its typed path
        assertEquals(2, p.typedNodeCount(), p.toString());
        TensorData x = values("x", 1, 3, 1, 6, 6);
        float[] w = values("w", 1, 3, 3).floats();
        List<TensorData> out = p.forwardForTraining(List.of(x));
        assertEquals(1, p.secondStages(), p.toString());
        assertEquals(OnnxModel.INT64, out.get(1).dataType(), "Indices are computed");
        p.graph().namedParameters().values().forEach(Parameter::zeroGrad);
        p.parameters().forEach(Parameter::zeroGrad);
        List<org.convnet4j.tensor.Tensor> gx = p.backward(Arrays.asList(new TensorData("dy", OnnxModel.FLOAT,
                new long[] {3, 3}, lossGradient(out.get(0).floats(), w), null), null));

        List<float[]> checked = new ArrayList<>();
        List<float[]> analytic = new ArrayList<>();
        checked.add(x.floats());
        analytic.add(gx.get(0).data());
        Parameter conv = p.graph().namedParameters().values().stream().filter(q -> q.value().size() == 18)
                .findFirst().orElseThrow();
        checked.add(conv.value().data());
        analytic.add(conv.grad().data().clone());
        Parameter scale = p.parameters().stream().filter(q -> "scale".equals(p.parameterSources().get(q.name())))
                .findFirst().orElseThrow();
        checked.add(scale.value().data());
        analytic.add(scale.grad().data().clone());
        // small steps: a larger one moves some ReLU input or window maximum across its kink (float32 forward)
        float eps = 2e-3f;
        for (int j = 0; j < checked.size(); j++) {
            float[] v = checked.get(j);
            double norm = 0;
            for (int k = 0; k < v.length; k++) {
                float keep = v[k];
                v[k] = keep + eps;
                double up = loss(p, x, w);
                v[k] = keep - eps;
                double down = loss(p, x, w);
                v[k] = keep;
                double numeric = (up - down) / (2 * eps);
                norm += numeric * numeric;
                assertEquals(numeric, analytic.get(j)[k], 2e-3 + 1e-2 * Math.abs(numeric), "value " + j
                        + " element " + k);
            }
            assertTrue(norm > 1e-4, "value " + j + ": gradient not trivially zero (" + norm + ")");
        }

        // plain SGD over every weight (the float graph's and the typed path's) lowers the loss
        List<Parameter> all = new ArrayList<>(p.graph().namedParameters().values());
        all.addAll(p.parameters());
        double first = loss(p, x, w);
        for (int step = 0; step < 10; step++) {
            all.forEach(Parameter::zeroGrad);
            float[] y = p.forwardForTraining(List.of(x)).get(0).floats();
            p.backward(Arrays.asList(new TensorData("dy", OnnxModel.FLOAT, new long[] {3, 3}, lossGradient(y, w),
                    null), null));
            for (Parameter q : all) {
                if (q.isLearnable()) {
                    float[] v = q.value().data();
                    for (int k = 0; k < v.length; k++) {
                        v[k] -= 0.05f * q.grad().data()[k];
                    }
                    q.changed();
                }
            }
        }
        double last = loss(p, x, w);
        assertTrue(last < first - 0.5, "loss " + first + " -> " + last);
    }

    @Test
    void theTrainerFineTunesAClassifierWithBatchNormalizationInTrainingForm() throws Exception {
        Sequential model = OnnxProgramLayer.of(net(2, false), "trainforms");
        OnnxProgramLayer layer = (OnnxProgramLayer) model.layers().get(0);
        assertTrue(layer.program().typedNodeCount() >= 1, layer.program().toString());
        int n = 36;
        float[] x = new float[n * 36];
        int[] labels = new int[n];
        for (int s = 0; s < n; s++) {
            labels[s] = s % 2;
            for (int q = 0; q < 36; q++) {
                boolean on = (q / 6 < 3) == (labels[s] == 0);
                x[s * 36 + q] = (float) ((on ? 0.9 : 0.1) + rnd.nextDouble(-0.1, 0.1));
            }
        }
        ArrayDataset data = ArrayDataset.ofFloats(x, Shape.of(1, 6, 6), labels, List.of("top", "bottom"));
        Parameter scale = layer.program().parameters().stream()
                .filter(q -> "scale".equals(layer.program().parameterSources().get(q.name()))).findFirst().orElseThrow();
        float[] before = scale.value().data().clone();
        History h = Trainer.fit(model, data, null, TrainConfig.builder(new Adam(model, 0.02)).epochs(6).batchSize(6)
                .seed(5).build());
        double[] loss = h.series(History.TRAIN_LOSS);
        assertTrue(loss[loss.length - 1] < 0.5 * loss[0], Arrays.toString(loss));
        assertTrue(!Arrays.equals(before, scale.value().data()), "the batch norm's scale was learned");
        Parameter fc = layer.program().parameters().stream()
                .filter(q -> "F".equals(layer.program().parameterSources().get(q.name()))).findFirst().orElseThrow();
        assertTrue(!Arrays.equals(net(2, false).graph().initializers().stream().filter(t -> t.name().equals("F"))
                .findFirst().orElseThrow().floats(), fc.value().data()), "the second stage's Gemm weight was learned");

        // exported with the tuned weights (the second stage's too) and read back: the same outputs
        Path file = dir.resolve("tuned.onnx");
        OnnxExporter.export(model, file);
        Model back = ModelLoader.load(file).model();
        Tensor batch = Tensor.wrap(Arrays.copyOf(x, 6 * 36), 6, 1, 6, 6);
        assertEquals(0f, model.predict(batch).maxAbsDiff(back.predict(batch)), 1e-6f);
    }

    /**
     * The boundary of what trains: a second-stage float layer that takes a float value computed at run time as a
     * constant (here a Conv whose weights are scaled by a statistic across the batch) runs, and refuses training in
     * one line naming the node and the value.
     */
    @Test
    void aSecondStageThatCannotTrainIsRefusedNamingTheNode() {
        List<Node> nodes = List.of(
                new Node("softmax", "Softmax", "", List.of("x"), List.of("s"), Map.of("axis", i("axis", 0))),
                new Node("mean", "ReduceMean", "", List.of("s"), List.of("k"), Map.of("keepdims", i("keepdims", 1))),
                new Node("scale", "Mul", "", List.of("W", "k"), List.of("W2"), Map.of()),
                new Node("conv", "Conv", "", List.of("s", "W2"), List.of("y"), Map.of()));
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 13L), "test", "", new OnnxModel.Graph("bound",
                nodes, List.of(values("W", 0.5, 1, 1, 3, 3)),
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {2, 1, 4, 4}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {2, 1, 2, 2}, true)), List.of()));
        OnnxProgram p = OnnxImporter.importProgram(m, "bound.onnx");
        TensorData x = values("x", 1, 2, 1, 4, 4);
        assertEquals(8, p.run(List.of(x)).get(0).floats().length, "inference runs");
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> p.forwardForTraining(List.of(x)));
        assertTrue(e.getMessage().contains("Conv node 'conv'") && e.getMessage().contains("'W2'")
                && !e.getMessage().contains("\n"), e.getMessage());
    }
}
