package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.History;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.transfer.Transfer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ONNX classifier whose head runs on the typed path (Flatten and a Gemm on the float layers, then a Transpose that
 * moves the batch axis, a MatMul with a learned weight, a Transpose back and a bias Add) as a layer: ModelLoader
 * gives it where the float import refuses the file, the library's Trainer fine-tunes it (float and typed weights),
 * it is saved and read back as a model file, and transfer learning gives it a new head.
 */
class OnnxProgramLayerTest {
    @TempDir
    Path dir;

    private static Attribute ints(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    /** x [N, 1, H, W] -> Flatten -> Gemm -> Relu -> Transpose -> MatMul(Wt, .) -> Transpose -> Add(bias). */
    static OnnxModel.Model classifier(int side, int hidden, int classes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int in = side * side;
        float[] w1 = new float[in * hidden];
        float[] wt = new float[classes * hidden];
        for (int k = 0; k < w1.length; k++) {
            w1[k] = (float) rnd.nextDouble(-0.3, 0.3);
        }
        for (int k = 0; k < wt.length; k++) {
            wt[k] = (float) rnd.nextDouble(-0.3, 0.3);
        }
        List<TensorData> inits = List.of(
                new TensorData("W1", OnnxModel.FLOAT, new long[] {in, hidden}, w1, null),
                new TensorData("Wt", OnnxModel.FLOAT, new long[] {classes, hidden}, wt, null),
                new TensorData("bias", OnnxModel.FLOAT, new long[] {classes}, new float[classes], null));
        List<Node> nodes = List.of(
                new Node("flatten", "Flatten", "", List.of("x"), List.of("f"), Map.of()),
                new Node("fc1", "Gemm", "", List.of("f", "W1"), List.of("h"), Map.of()),
                new Node("relu", "Relu", "", List.of("h"), List.of("r"), Map.of()),
                new Node("t1", "Transpose", "", List.of("r"), List.of("rt"), Map.of("perm", ints("perm", 1, 0))),
                new Node("head", "MatMul", "", List.of("Wt", "rt"), List.of("st"), Map.of()),
                new Node("t2", "Transpose", "", List.of("st"), List.of("s"), Map.of("perm", ints("perm", 1, 0))),
                new Node("bias_add", "Add", "", List.of("s", "bias"), List.of("logits"), Map.of()));
        return new OnnxModel.Model(8, Map.of("", 13L), "test", "", new OnnxModel.Graph("typed_head", nodes, inits,
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 1, side, side}, true)),
                List.of(new ValueInfo("logits", OnnxModel.FLOAT, new long[] {-1, classes}, true)), List.of()));
    }

    /** Class k: a bright k-th band of rows, plus noise. */
    static ArrayDataset bands(int n, int side, int classes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * side * side];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            for (int p = 0; p < side * side; p++) {
                int row = p / side;
                boolean on = row * classes / side == labels[i];
                x[i * side * side + p] = (float) ((on ? 0.8 : 0.1) + rnd.nextDouble(-0.1, 0.1));
            }
        }
        List<String> names = new java.util.ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add("band" + k);
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, side, side), labels, names);
    }

    @Test
    void theTrainerFineTunesAnImportedProgramAndItsModelFileReadsBack() throws Exception {
        OnnxModel.Model onnx = classifier(6, 8, 3, 5);
        assertThrows(UnsupportedOnnxException.class, () -> OnnxImporter.importModel(onnx, "float layers only"));
        Path file = dir.resolve("typed_head.onnx");
        OnnxWriter.writeModel(file, onnx);
        SavedModel loaded = ModelLoader.load(file);
        assertTrue(loaded.description().contains("typed_path"), loaded.description());
        Sequential model = (Sequential) loaded.model();
        OnnxProgramLayer layer = (OnnxProgramLayer) model.layers().get(0);
        assertEquals(Shape.of(3), model.outputShape());
        Map<String, Parameter> params = model.learnableParameters();
        assertTrue(params.keySet().stream().anyMatch(k -> k.endsWith("typed_Wt")), params.keySet().toString());
        assertTrue(params.keySet().stream().anyMatch(k -> k.endsWith("typed_bias")), params.keySet().toString());
        assertEquals(6 * 6 * 8 + 3 * 8 + 3, model.parameterCount(), params.keySet().toString());

        float[] wtBefore = layer.program().parameters().get(0).value().data().clone();
        float[] w1Before = layer.program().graph().namedParameters().values().iterator().next().value().data().clone();
        ArrayDataset data = bands(60, 6, 3, 9);
        History h = Trainer.fit(model, data, null, TrainConfig.builder(new Adam(model, 0.01)).epochs(6).batchSize(10)
                .seed(3).build());
        double[] loss = h.series(History.TRAIN_LOSS);
        assertTrue(loss[loss.length - 1] < 0.5 * loss[0], java.util.Arrays.toString(loss));
        assertTrue(!java.util.Arrays.equals(wtBefore, layer.program().parameters().get(0).value().data()),
                "the typed MatMul's weight was learned");
        assertTrue(!java.util.Arrays.equals(w1Before, layer.program().graph().namedParameters().values().iterator()
                .next().value().data()), "the float Gemm's weight was learned");

        Path c4j = dir.resolve("tuned.c4j");
        ModelFiles.save(model, c4j);
        Sequential back = (Sequential) ModelFiles.read(c4j).model();
        assertEquals(OnnxProgramLayer.TYPE, back.layers().get(0).type());
        float[] first = new float[36];
        data.copySample(0, first, 0);
        Tensor x = Tensor.wrap(first, Shape.of(1, 1, 6, 6));
        assertArrayEquals(model.predict(x).data(), back.predict(x).data(), 0f, "the saved weights, not the file's");

        // transfer: the typed head gets 2 outputs, fresh; the float layers keep their tuned weights
        Sequential two = Transfer.withNewHead(back, List.of("a", "b"), 7);
        assertEquals(Shape.of(2), two.outputShape());
        OnnxProgramLayer resized = (OnnxProgramLayer) two.layers().get(0);
        assertArrayEquals(((OnnxProgramLayer) back.layers().get(0)).program().graph().namedParameters().values()
                .iterator().next().value().data(), resized.program().graph().namedParameters().values().iterator()
                .next().value().data(), 0f);
        assertEquals(List.of(2, 8), java.util.Arrays.stream(resized.program().parameters().get(0).shape().dims())
                .boxed().toList());
        History h2 = Trainer.fit(two, bands(40, 6, 2, 11), null, TrainConfig.builder(new Adam(two, 0.01)).epochs(4)
                .batchSize(10).seed(3).build());
        double[] loss2 = h2.series(History.TRAIN_LOSS);
        assertTrue(loss2[loss2.length - 1] < loss2[0], java.util.Arrays.toString(loss2));
    }
    /**
     * A 3-D convolutional net (the float layers have no 3-D convolution, so Conv, Relu, MaxPool, Flatten and the
     * Gemm all run on the typed path): imported as a layer, the Trainer learns its Conv and Gemm weights.
     */
    @Test
    void aThreeDimensionalNetTrainsOnTheTypedPath() {
        SplittableRandom rnd = new SplittableRandom(33);
        float[] w = new float[2 * 1 * 2 * 3 * 3];
        float[] fc = new float[2 * 1 * 2 * 2 * 3];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) rnd.nextDouble(-0.5, 0.5);
        }
        for (int k = 0; k < fc.length; k++) {
            fc[k] = (float) rnd.nextDouble(-0.5, 0.5);
        }
        // x [N, 1, 3, 6, 6] -> Conv 2x3x3 (2 filters) [N, 2, 2, 4, 4] -> Relu -> MaxPool 2x2x2 stride 2
        // [N, 2, 1, 2, 2] -> Flatten [N, 8] -> Gemm (transB) [N, 3]
        List<TensorData> inits = List.of(
                new TensorData("W", OnnxModel.FLOAT, new long[] {2, 1, 2, 3, 3}, w, null),
                new TensorData("B", OnnxModel.FLOAT, new long[] {2}, new float[2], null),
                new TensorData("F", OnnxModel.FLOAT, new long[] {3, 8}, java.util.Arrays.copyOf(fc, 24), null),
                new TensorData("C", OnnxModel.FLOAT, new long[] {3}, new float[3], null));
        List<Node> nodes = List.of(
                new Node("conv", "Conv", "", List.of("x", "W", "B"), List.of("c"), Map.of()),
                new Node("relu", "Relu", "", List.of("c"), List.of("r"), Map.of()),
                new Node("pool", "MaxPool", "", List.of("r"), List.of("p"), Map.of("kernel_shape",
                        ints("kernel_shape", 2, 2, 2), "strides", ints("strides", 2, 2, 2))),
                new Node("flat", "Flatten", "", List.of("p"), List.of("f"), Map.of()),
                new Node("fc", "Gemm", "", List.of("f", "F", "C"), List.of("y"), Map.of("transB",
                        new Attribute("transB", Attribute.INT, 0, 1, null, null, null, null, null))));
        OnnxModel.Model onnx = new OnnxModel.Model(8, Map.of("", 13L), "test", "", new OnnxModel.Graph("conv3d",
                nodes, inits, List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 1, 3, 6, 6}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, 3}, true)), List.of()));
        Sequential model = OnnxProgramLayer.of(onnx, "conv3d");
        OnnxProgramLayer layer = (OnnxProgramLayer) model.layers().get(0);
        assertEquals(List.of("W", "B", "F", "C"), List.copyOf(layer.program().parameterSources().values()));
        // class k: the k-th third of the rows bright in every slice
        int n = 45;
        float[] x = new float[n * 108];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int p = 0; p < 108; p++) {
                int row = (p / 6) % 6;
                x[i * 108 + p] = (float) ((row / 2 == labels[i] ? 0.9 : 0.1) + rnd.nextDouble(-0.1, 0.1));
            }
        }
        ArrayDataset data = ArrayDataset.ofFloats(x, Shape.of(1, 3, 6, 6), labels, List.of("a", "b", "c"));
        float[] before = layer.program().parameters().get(0).value().data().clone();
        History h = Trainer.fit(model, data, null, TrainConfig.builder(new Adam(model, 0.02)).epochs(8).batchSize(9)
                .seed(4).build());
        double[] loss = h.series(History.TRAIN_LOSS);
        assertTrue(loss[loss.length - 1] < 0.5 * loss[0], java.util.Arrays.toString(loss));
        assertTrue(!java.util.Arrays.equals(before, layer.program().parameters().get(0).value().data()),
                "the 3-D convolution's weights were learned");
    }
}
