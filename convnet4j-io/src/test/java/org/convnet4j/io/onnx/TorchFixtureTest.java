package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.Arithmetic;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.junit.jupiter.api.Test;

/**
 * A reduced torchvision-style network exported by PyTorch (tools/make_onnx_fixtures.py): our importer must
 * reproduce PyTorch's output within 1e-4 relative, and the imported model must train (finite gradients
 * that lower the loss).
 */
class TorchFixtureTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/torch_small");

    @Test
    void reproducesPyTorchOutput() throws Exception {
        Graph g = OnnxImporter.importModel(OnnxReader.readModel(DIR.resolve("model.onnx")), "torch_small");
        Tensor x = OnnxReader.readTensor(DIR.resolve("input_0.pb")).toTensor();
        TensorData want = OnnxReader.readTensor(DIR.resolve("output_0.pb"));
        Tensor y = g.predict(x);
        assertArrayEquals(new int[] {2, 10}, y.shape().dims());
        for (int i = 0; i < want.floats().length; i++) {
            float e = want.floats()[i];
            assertTrue(Math.abs(y.data()[i] - e) <= 1e-4 * Math.abs(e) + 1e-6,
                    "element " + i + ": " + y.data()[i] + " vs PyTorch " + e);
        }
    }

    @Test
    void importedTorchModelTrains() throws Exception {
        Graph g = OnnxImporter.importModel(OnnxReader.readModel(DIR.resolve("model.onnx")), "torch_small");
        Tensor x = Tensor.randn(new Random(5), 1f, 4, 3, 15, 15);
        int[] labels = {1, 2, 3, 4};
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        double before = 0;
        for (int step = 0; step < 5; step++) {
            g.zeroGrad();
            Tensor logits = g.forward(List.of(x), true);
            double l = lossValue(loss, logits, labels);
            if (step == 0) {
                before = l;
            }
            g.backwardAll(lossGrad(loss, logits, labels));
            g.learnableParameters().values().forEach(p -> {
                for (int i = 0; i < p.value().size(); i++) {
                    assertTrue(Float.isFinite(p.grad().data()[i]));
                    p.value().data()[i] -= 0.05f * p.grad().data()[i];
                }
            });
        }
        double after = lossValue(loss, g.forward(List.of(x), false), labels);
        assertTrue(after < before, "loss " + before + " -> " + after);
    }

    /**
     * The block's residual sum (Conv + the MaxPool skip, then Relu) imports as the engine's {@link Add} (in place,
     * the Relu taken into its pass in inference) instead of an {@link Arithmetic} ADD: the same bits forward (predict
     * and layer by layer) and backward as the Arithmetic import ({@code OnnxImporter.residualAdd} off).
     */
    @Test
    void theResidualSumIsTheEnginesAddWithArithmeticsBits() throws Exception {
        OnnxModel.Model m = OnnxReader.readModel(DIR.resolve("model.onnx"));
        Graph add = OnnxImporter.importModel(m, "torch_small");
        Graph arithmetic;
        OnnxImporter.residualAdd = false;
        try {
            arithmetic = OnnxImporter.importModel(m, "torch_small (Arithmetic)");
        } finally {
            OnnxImporter.residualAdd = true;
        }
        assertEquals(1, add.nodes().stream().filter(n -> n.layer() instanceof Add).count());
        assertEquals(0, add.nodes().stream().filter(n -> isArithmeticAdd(n.layer())).count());
        assertEquals(1, arithmetic.nodes().stream().filter(n -> isArithmeticAdd(n.layer())).count());
        Tensor x = Tensor.randn(new Random(8), 1f, 4, 3, 15, 15);
        float[] want = arithmetic.predict(x).data().clone();
        assertArrayEquals(want, add.predict(x).data());
        assertArrayEquals(want, add.forward(List.of(x), false).data()); // gradients tracked: layer by layer
        Tensor dy = Tensor.randn(new Random(9), 1f, 4, 10);
        arithmetic.forward(List.of(x), true);
        float[] dx = arithmetic.backwardAll(dy).get(0).data().clone();
        add.forward(List.of(x), true);
        assertArrayEquals(dx, add.backwardAll(dy).get(0).data());
    }

    private static boolean isArithmeticAdd(org.convnet4j.nn.Layer l) {
        return l instanceof Arithmetic a && a.op() == org.convnet4j.nn.layers.ArithmeticOp.ADD;
    }

    private static double lossValue(SoftmaxCrossEntropy loss, Tensor logits, int[] labels) {
        return loss.compute(logits, labels).value();
    }

    private static Tensor lossGrad(SoftmaxCrossEntropy loss, Tensor logits, int[] labels) {
        return loss.compute(logits, labels).gradient();
    }
}
