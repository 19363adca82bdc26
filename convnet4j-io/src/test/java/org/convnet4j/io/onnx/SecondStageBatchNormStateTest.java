package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.BatchNorm;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch norm applied twice (one module, as {@code self.bn} called at two places of a PyTorch forward): its four
 * initializers are read by a float BatchNorm2d of the first stage and by a BatchNormalization of the second stage.
 * Its scale and bias are one parameter of both, and its running statistics one state: in a training pass the first
 * stage's layer moves them, the second stage reads the moved values and moves them again, and both read what either
 * wrote. After fine-tuning, the program gives what a fresh import of the file with the tuned values gives, and its
 * export reads back with the same outputs.
 */
class SecondStageBatchNormStateTest {
    private static final List<String> NAMES = List.of("W1", "B1", "s", "b", "m", "v", "sT", "bT", "mT", "vT", "W2",
            "B2", "F", "C");

    @TempDir
    Path dir;

    private static Attribute ints(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    /** An initializer of the given dims drawn uniformly from [lo, hi) (the second-stage tests' weights). */
    static TensorData init(String name, SplittableRandom r, double lo, double hi, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) r.nextDouble(lo, hi);
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, v, null);
    }

    /**
     * x [N, 1, 8, 8] -> Conv (3 filters) -> bn (s, b, m, v) -> Relu -> BatchNormalization training form (typed path)
     * -> Conv (second stage) -> bn again (the same s, b, m, v) -> Relu -> MaxPool -> Flatten -> Gemm; with
     * {@code values} given, those initializers' values instead of the drawn ones.
     */
    static OnnxModel.Model model(Map<String, float[]> values) {
        SplittableRandom r = new SplittableRandom(1616);
        Attribute pads = ints("pads", 1, 1, 1, 1);
        List<Node> nodes = List.of(
                new Node("conv1", "Conv", "", List.of("x", "W1", "B1"), List.of("c1"), Map.of("pads", pads)),
                new Node("bn_a", "BatchNormalization", "", List.of("c1", "s", "b", "m", "v"), List.of("n1"), Map.of()),
                new Node("relu1", "Relu", "", List.of("n1"), List.of("r1"), Map.of()),
                new Node("bn_t", "BatchNormalization", "", List.of("r1", "sT", "bT", "mT", "vT"), List.of("t"),
                        Map.of("training_mode", new Attribute("training_mode", Attribute.INT, 0, 1, null, null, null,
                                null, null))),
                new Node("conv2", "Conv", "", List.of("t", "W2", "B2"), List.of("c2"), Map.of("pads", pads)),
                new Node("bn_b", "BatchNormalization", "", List.of("c2", "s", "b", "m", "v"), List.of("n2"), Map.of()),
                new Node("relu2", "Relu", "", List.of("n2"), List.of("r2"), Map.of()),
                new Node("pool", "MaxPool", "", List.of("r2"), List.of("p"), Map.of("kernel_shape",
                        ints("kernel_shape", 2, 2), "strides", ints("strides", 2, 2))),
                new Node("flat", "Flatten", "", List.of("p"), List.of("f"), Map.of()),
                new Node("fc", "Gemm", "", List.of("f", "F", "C"), List.of("y"), Map.of("transB",
                        new Attribute("transB", Attribute.INT, 0, 1, null, null, null, null, null))));
        List<TensorData> inits = new ArrayList<>(List.of(init("W1", r, -0.5, 0.5, 3, 1, 3, 3),
                init("B1", r, -0.1, 0.1, 3), init("s", r, 0.5, 1.5, 3), init("b", r, -0.3, 0.3, 3),
                init("m", r, -0.2, 0.2, 3), init("v", r, 0.5, 1.5, 3), init("sT", r, 0.5, 1.5, 3),
                init("bT", r, -0.3, 0.3, 3), init("mT", r, -0.2, 0.2, 3), init("vT", r, 0.5, 1.5, 3),
                init("W2", r, -0.3, 0.3, 3, 3, 3, 3), init("B2", r, -0.1, 0.1, 3), init("F", r, -0.2, 0.2, 3, 48),
                init("C", r, -0.1, 0.1, 3)));
        if (values != null) {
            inits.replaceAll(t -> new TensorData(t.name(), t.dataType(), t.dims(), values.get(t.name()).clone(),
                    null));
        }
        return new OnnxModel.Model(8, Map.of("", 15L), "test", "", new OnnxModel.Graph("bn_twice", nodes, inits,
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 1, 8, 8}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, 3}, true)), List.of()));
    }

    private static ArrayDataset pictures(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int k = 0; k < 64; k++) {
                x[i * 64 + k] = (float) (r.nextDouble() * 0.3 + (k / 8 / 2 == labels[i] ? 0.7 : 0));
            }
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 8, 8), labels, List.of("a", "b", "c"));
    }

    /** Every initializer's current value in the program, in the file's layout. */
    private static Map<String, float[]> current(OnnxProgram p) {
        return current(p, NAMES);
    }

    /** The named initializers' current values in the program, in the file's layout. */
    static Map<String, float[]> current(OnnxProgram p, List<String> names) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        for (String w : names) {
            Parameter h = p.holder(w);
            out.put(w, (p.holderTransposed(w) ? h.value().transposed() : h.value()).data().clone());
        }
        return out;
    }

    @Test
    void aBatchNormReadByBothStagesIsOneStateThroughFineTuningAndExport() throws Exception {
        Sequential model = OnnxProgramLayer.of(model(null), "bn_twice");
        OnnxProgram p = ((OnnxProgramLayer) model.layers().get(0)).program();
        assertTrue(p.toString().contains("second stage"), p.toString());
        // the float batch norm's own parameters and buffers, no copies on the program
        BatchNorm bn = (BatchNorm) p.graph().nodes().stream().map(n -> n.layer()).filter(l -> l instanceof BatchNorm)
                .findFirst().orElseThrow();
        assertSame(bn.runningMean(), p.holder("m"));
        assertSame(bn.runningVar(), p.holder("v"));
        assertSame(bn.gamma(), p.holder("s"));
        assertTrue(p.tiedValues().containsAll(List.of("s", "b", "m", "v")), p.tiedValues().toString());
        assertTrue(p.parameters().stream().noneMatch(q -> q.name().matches("typed_[sbmv]")),
                p.parameters().toString());

        float[] m0 = bn.runningMean().value().data().clone();
        Trainer.fit(model, pictures(24, 7), null, TrainConfig.builder(new Sgd(model, 0.05)).epochs(2).batchSize(6)
                .seed(2).build());
        assertFalse(Arrays.equals(m0, bn.runningMean().value().data()), "the running mean moved");

        // the tuned program computes what the file with the tuned values computes: both reads see the one state
        Map<String, float[]> tuned = current(p);
        ArrayDataset held = pictures(5, 9);
        Tensor x = Tensor.zeros(Shape.of(5, 1, 8, 8));
        for (int i = 0; i < 5; i++) {
            held.copySample(i, x.data(), i * 64);
        }
        Tensor got = model.predict(x);
        Tensor want = OnnxProgramLayer.of(model(tuned), "bn_twice tuned").predict(x);
        assertEquals(0f, want.maxAbsDiff(got), 1e-6f, "the tuned program against the file with its values");

        // the export reads back with the same outputs
        Path file = dir.resolve("tuned.onnx");
        OnnxExporter.export(model, file);
        Tensor back = ModelLoader.load(file).model().predict(x);
        assertEquals(0f, got.maxAbsDiff(back), 1e-6f, "exported and read back");
    }
}
