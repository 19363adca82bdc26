package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.junit.jupiter.api.Test;

/**
 * A PyTorch CNN whose head, logits = (W @ h.t()).t() + b, exports to nodes on the typed path
 * (tools/fixtures/typed_head_fixture.py): imported by ModelLoader as an OnnxProgramLayer, its outputs match PyTorch's
 * and the gradients of the mean cross-entropy with respect to the typed path's weights W and b match PyTorch's
 * autograd.
 */
class TorchTypedHeadTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/typed_head");

    private static void close(Tensor want, Tensor got, double tolerance, String what) {
        assertEquals(want.size(), got.size(), what);
        double scale = 0;
        for (float v : want.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < want.size(); k++) {
            assertEquals(want.data()[k], got.data()[k], tolerance * Math.max(scale, 1e-3), what + "[" + k + "]");
        }
    }

    @Test
    void outputsAndTypedWeightGradientsMatchPyTorch() throws Exception {
        Sequential model = (Sequential) ModelLoader.load(DIR.resolve("model.onnx")).model();
        OnnxProgramLayer layer = (OnnxProgramLayer) model.layers().get(0);
        assertTrue(layer.program().typedNodeCount() >= 3, layer.toString());
        Path data = DIR.resolve("test_data_set_0");
        Tensor x = OnnxReader.readTensor(data.resolve("input_0.pb")).toTensor();
        close(OnnxReader.readTensor(data.resolve("output_0.pb")).toTensor(), model.predict(x), 1e-5, "logits");

        long[] raw = OnnxReader.readTensor(data.resolve("labels.pb")).longs();
        int[] labels = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            labels[i] = (int) raw[i];
        }
        model.zeroGrad();
        Loss.LossValue loss = new SoftmaxCrossEntropy().compute(model.forward(x, true), labels);
        model.backwardParameters(loss.gradient());
        Map<String, String> sources = layer.program().parameterSources();
        int compared = 0;
        for (Parameter p : layer.program().parameters()) {
            String file = "grad_" + sources.get(p.name()) + ".pb";
            close(OnnxReader.readTensor(data.resolve(file)).toTensor(), p.grad(), 1e-4, p.name());
            compared++;
        }
        assertEquals(2, compared, sources.toString());
    }
}
