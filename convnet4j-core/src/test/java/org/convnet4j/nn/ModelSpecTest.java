package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.BatchNorm1d;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.GlobalMaxPool2d;
import org.convnet4j.nn.layers.LRN;
import org.convnet4j.nn.layers.LeakyReLU;
import org.convnet4j.nn.layers.LpPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.nn.layers.Sigmoid;
import org.convnet4j.nn.layers.WeightedSum;
import org.convnet4j.nn.layers.Softmax;
import org.convnet4j.nn.layers.Tanh;
import org.convnet4j.nn.layers.ZeroPad2d;
import org.convnet4j.ops.PadMode;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ModelSpecTest {
    /** A model using every registered layer type, a nested residual Graph and a Sequential inside a Graph. */
    static Sequential everyLayer() {
        Graph residual = Graph.builder("res")
                .input("x", Shape.of(4, 6, 6))
                .add("conv1", new Conv2d(4, 3).padding("same").padMode(PadMode.REFLECT), "x")
                .add("bn1", new BatchNorm2d(), "conv1")
                .add("relu1", new ReLU(), "bn1")
                .add("conv2", new Conv2d(4, 3).padding(1).groups(2).useBias(false).padMode(PadMode.REPLICATE), "relu1")
                .add("bn2", new BatchNorm2d().momentum(0.01).eps(1e-3), "conv2")
                .add("sum", new Add(), "bn2", "x")
                .add("relu2", new ReLU(), "sum")
                .build();
        Graph head = Graph.builder("head")
                .input("x", Shape.of(6, 3, 3))
                .add("gap", new GlobalAvgPool2d(), "x")
                .add("mul", new org.convnet4j.nn.layers.Arithmetic(org.convnet4j.nn.layers.ArithmeticOp.MUL), "x", "x")
                .add("flat", new Flatten(), "mul")
                .add("seq", new Sequential("seq", Shape.of(6, 3, 3), new GlobalMaxPool2d(), Dense.withoutBias(5)), "x")
                .add("d1", new Dense(4), "gap")
                .add("d2", new Dense(4), "flat")
                .add("ws", new WeightedSum(), "d1", "d2")
                .add("late", new DecisionFusion(DecisionFusion.Mode.WEIGHTED), "d1", "d2")
                // the tensor-graph layers of ONNX import (issue 16)
                .add("dmp", new org.convnet4j.nn.layers.DilatedMaxPool2d(new int[] {2, 2}, new int[] {1, 1},
                        new int[] {2, 2}, new int[] {1, 1, 1, 1}, false), "x")
                .add("dap", new org.convnet4j.nn.layers.DilatedAvgPool2d(new int[] {2, 2}, new int[] {1, 1},
                        new int[] {2, 2}, new int[] {1, 1, 1, 1}, true, true), "x")
                .add("taps", new org.convnet4j.nn.layers.AxisTaps(2, 2, new int[] {0, 1, 0, 2, 1, 2},
                        new float[] {0.25f, 0.75f, -0.5f, 1.5f, 1f, 0f}), "dap")
                .add("pools", new org.convnet4j.nn.layers.Arithmetic(org.convnet4j.nn.layers.ArithmeticOp.ADD), "dmp",
                        "taps")
                .add("mm", new org.convnet4j.nn.layers.MatMul(), "pools", "x")
                .add("tr", new org.convnet4j.nn.layers.Transpose(1, 2, 0), "mm")
                .add("ln", new org.convnet4j.nn.layers.LayerNorm(1, 1e-5), "tr")
                .add("lin", new Dense(4).over(Dense.Over.LAST_AXIS), "ln")
                .add("gelu", new org.convnet4j.nn.layers.Elementwise(org.convnet4j.nn.layers.Elementwise.Fn.GELU), "lin")
                .add("prelu", new org.convnet4j.nn.layers.PRelu(Shape.of(1, 1, 4)), "gelu")
                .add("sl", new org.convnet4j.nn.layers.Slice(new int[] {0, 1, 0}, new int[] {3, 3, 4},
                        new int[] {1, 1, 2}), "prelu")
                .add("cat2", new Concat(1), "sl", "sl")
                .add("rs", new org.convnet4j.nn.layers.AxisResize(2, new int[] {0, 0, 1}, new int[] {1, 1, 1},
                        new float[] {0f, 0.5f, 0f}), "cat2")
                .add("red", new org.convnet4j.nn.layers.Reduce(org.convnet4j.nn.layers.Reduce.Op.MEAN,
                        new int[] {0, 1}, false), "rs")
                .add("tk", new org.convnet4j.nn.layers.Take(0, new int[] {1, 0, 1}, false), "red")
                .add("am", new org.convnet4j.nn.layers.ArgMax(0, true, false), "red")
                .add("cat", new Concat(), "gap", "flat", "seq", "ws", "late", "tk", "am")
                .build();
        Sequential m = new Sequential(Shape.of(3, 12, 12),
                new ZeroPad2d(1, 1, 1, 1),
                new Conv2d(4, 3).named("stem"),
                new BatchNorm2d(),
                new LeakyReLU(0.2),
                new LRN(3, 1e-2, 0.75, 2),
                new MaxPool2d(2),
                residual,
                new AvgPool2d(3).stride(1).padding(1).countIncludePad(true),
                new LpPool2d(3, 2),
                new Conv2d(6, 1).dilation(2),
                new Tanh(),
                new org.convnet4j.nn.layers.ConvTranspose2d(6, 3).stride(2).padding(1).outputPadding(1, 1).groups(2),
                // LeNet-5 (1998) pieces: a partial connection table (1x1 keeps 6x6), trainable 2x2 subsampling
                new org.convnet4j.nn.layers.ConnectionTableConv2d(new int[][] {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5},
                    {5, 0, 3}}, 1, 1).init(org.convnet4j.nn.init.Initializer.LECUN_UNIFORM),
                new org.convnet4j.nn.layers.TrainableSubsampling(2),
                new org.convnet4j.nn.layers.ScaledTanh(),
                new org.convnet4j.nn.layers.PadNd(new int[] {0, 1, 1}, new int[] {0, 1, 1},
                        org.convnet4j.nn.layers.PadNd.Mode.REFLECT, 0),
                new org.convnet4j.nn.layers.Clip(-0.9, 0.9),
                new org.convnet4j.nn.layers.ConstantArithmetic(org.convnet4j.nn.layers.ArithmeticOp.MUL,
                        Tensor.full(Shape.of(6, 1, 1), 0.5f), false),
                new AvgPool2d(3).stride(1),
                head,
                new org.convnet4j.nn.layers.Reshape(Shape.of(1, 77)), // 6 + 54 + 5 + 4 + 4 + 3 + 1 from the head
                new org.convnet4j.nn.layers.AxisSoftmax(1, -1, true),
                new org.convnet4j.nn.layers.Reshape(Shape.of(77)),
                new Dropout(0.25).seed(99),
                new Dense(8),
                new BatchNorm1d(),
                new Sigmoid(),
                new org.convnet4j.nn.layers.RbfOutput(5).seed(7),
                new org.convnet4j.nn.layers.RbfOutput(4).learnCentres(true),
                new org.convnet4j.nn.layers.ScaledTanh(1.5, 0.1),
                new Dense(3).init(org.convnet4j.nn.init.Initializer.HE_NORMAL),
                new Softmax());
        m.setClassNames(List.of("cat", "dog", "bird"));
        return m;
    }

    private static Set<String> types(Layer l, Set<String> out) {
        out.add(l.type());
        l.children().forEach(c -> types(c, out));
        return out;
    }

    @Test
    void everyLayerModelSurvivesAJsonRoundTrip() {
        Sequential original = everyLayer();
        original.initialize(4);
        original.layer("res").setTrainable(false);
        Set<String> used = types(original, new TreeSet<>());
        // ShallowClassifier holds a trained non-neural classifier (transfer Case 1): its save/load round trip is
        // tested in TransferTest and TribuoClassifiersTest, where a classifier exists
        Set<String> expected = new TreeSet<>(LayerFactory.types());
        expected.remove(org.convnet4j.transfer.ShallowClassifierLayer.TYPE);
        // a type that brings its own examples is round-tripped by everyRegisteredExampleSurvivesAJsonRoundTrip
        LayerTypes.all().stream().filter(t -> !t.examples().isEmpty()).forEach(t -> expected.remove(t.name()));
        assertTrue(used.containsAll(expected), "model misses " + expected + " minus " + used);

        Map<String, Object> spec = JsonLike.roundTrip(ModelSpec.toMap(original));
        Model rebuilt = ModelSpec.fromMap(spec);

        assertEquals(spec, JsonLike.roundTrip(ModelSpec.toMap(rebuilt)), "the spec is a fixed point");
        assertEquals(original.namedParameters().keySet(), rebuilt.namedParameters().keySet());
        original.namedParameters().forEach((k, p) -> {
            Parameter q = rebuilt.namedParameters().get(k);
            assertEquals(p.shape(), q.shape(), k);
            assertEquals(p.kind(), q.kind(), k);
            assertEquals(p.isFrozen(), q.isFrozen(), k);
            q.load(p.value());
        });
        assertTrue(rebuilt.namedParameters().get("res.conv1.kernel").isFrozen());
        assertFalse(rebuilt.namedParameters().get("stem.kernel").isFrozen());
        assertEquals(original.classNames(), rebuilt.classNames());
        assertEquals(original.totalMacs(), rebuilt.totalMacs());
        assertEquals(Shape.of(3), rebuilt.outputShape());

        Tensor x = Tensor.randn(new Random(3), 1f, 2, 3, 12, 12);
        assertEquals(0f, original.predict(x).maxAbsDiff(rebuilt.predict(x)));
        // training mode too: dropout masks come from the same saved seed, batch norm from the same batch
        assertEquals(0f, original.forward(x, true).maxAbsDiff(rebuilt.forward(x, true)));
    }

    /**
     * Every example a layer type brings ({@link LayerType#examples()}) is saved and read back through the model
     * file's JSON: the same config, the same parameters, the same outputs. A type added outside the library (the
     * test-only {@code TestScaledSoftsign}) is covered without being named here.
     */
    @Test
    void everyRegisteredExampleSurvivesAJsonRoundTrip() {
        int checked = 0;
        Set<String> seen = new TreeSet<>();
        for (LayerType<?> t : LayerTypes.all()) {
            for (LayerType.Example e : t.examples()) {
                int[] first = e.inputShapes()[0];
                Layer layer = e.layer().get();
                assertEquals(t.name(), layer.type(), e.name());
                assertTrue(t.layerClass().isInstance(layer), e.name());
                if (e.inputShapes().length != 1) {
                    continue; // a Sequential holds one-input layers; several inputs are round-tripped in graphs
                }
                Sequential original = new Sequential(Shape.of(first).dropFirst(), layer);
                original.initialize(5);
                Random random = new Random(9);
                for (Parameter p : original.namedParameters().values()) {
                    for (int i = 0; i < p.value().size(); i++) {
                        p.value().data()[i] = (float) random.nextGaussian();
                    }
                    p.changed(); // written in place: announced, as Parameter's contract asks (packings are kept)
                }
                Map<String, Object> spec = JsonLike.roundTrip(ModelSpec.toMap(original));
                Model rebuilt = ModelSpec.fromMap(spec);
                assertEquals(spec, JsonLike.roundTrip(ModelSpec.toMap(rebuilt)), e.name() + ": the spec is a fixed point");
                assertEquals(original.namedParameters().keySet(), rebuilt.namedParameters().keySet(), e.name());
                original.namedParameters().forEach((k, p) -> rebuilt.namedParameters().get(k).load(p.value()));
                Tensor x = Tensor.randn(new Random(3), 1f, first);
                assertEquals(0f, original.predict(x).maxAbsDiff(rebuilt.predict(x)), e.name());
                seen.add(t.name());
                checked++;
            }
        }
        assertTrue(seen.contains(org.convnet4j.nn.testlayer.ScaledSoftsign.TYPE), "the test-only layer type is "
                + "registered through its service entry alone: " + seen);
        assertTrue(checked >= 1);
    }

    @Test
    void badSpecsFailNamingTheProblem() {
        Map<String, Object> conv = new LinkedHashMap<>(Map.of("filters", 2.0, "kernel_size", List.of(3.0, 3.0)));
        assertEquals(Shape.of(2, 3, 3), LayerFactory.create("Conv2d", conv).outputShape(Shape.of(1, 5, 5)));
        conv.put("kernal_init", "he_normal");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerFactory.create("Conv2d", conv));
        assertTrue(e.getMessage().contains("kernal_init"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerFactory.create("Conv3d", Map.of()));
        assertTrue(e.getMessage().contains("Conv3d") && e.getMessage().contains("Conv2d"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerFactory.create("Dense", Map.of("units", 2.5)));
        assertTrue(e.getMessage().contains("units") && e.getMessage().contains("2.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerFactory.create("Dropout", Map.of()));
        assertTrue(e.getMessage().contains("rate"), e.getMessage());
        Map<String, Object> spec = ModelSpec.toMap(new Sequential(Shape.of(4), new Dense(2)));
        spec.put("spec_version", 99);
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromMap(spec));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
    }
}
