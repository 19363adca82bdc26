package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A PyTorch CNN exported in train mode (tools/fixtures/training_forms_fixture.py): Conv, BatchNormalization in its
 * training form (batch statistics), Relu, MaxPool returning its indices, Flatten, Linear. The batch norm runs on the
 * typed path, the layers after it as the second stage. One training pass must give PyTorch's logits and indices,
 * PyTorch's gradients of the mean cross-entropy for every parameter (the Conv's on the float layers, the batch norm's
 * on the typed path, the Linear's in the second stage) and the running statistics after the pass (the mean PyTorch's;
 * the variance as ONNX defines it, derived from PyTorch's).
 */
class TorchTrainingFormsTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/training_forms");

    private static void close(Tensor want, float[] got, double tolerance, String what) {
        assertEquals(want.size(), got.length, what);
        double scale = 0;
        for (float v : want.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < want.size(); k++) {
            assertEquals(want.data()[k], got[k], tolerance * Math.max(scale, 1e-3), what + "[" + k + "]");
        }
    }

    private static Tensor read(String file) throws Exception {
        return OnnxReader.readTensor(DIR.resolve("test_data_set_0").resolve(file)).toTensor();
    }

    @Test
    void aTrainingPassGivesPyTorchsOutputsGradientsAndRunningStatistics() throws Exception {
        OnnxProgram p = OnnxImporter.importProgram(OnnxReader.readModel(DIR.resolve("model.onnx")), "training_forms");
        TensorData x = TensorData.of("x", read("input_0.pb"));
        List<TensorData> out = p.forwardForTraining(List.of(x));
        close(read("output_0.pb"), out.get(0).floats(), 1e-5, "logits");
        long[] indices = OnnxReader.readTensor(DIR.resolve("test_data_set_0/output_1.pb")).longs();
        assertArrayEquals(indices, out.get(1).longs(), "MaxPool's Indices");
        assertEquals(1, p.secondStages(), p.toString());

        // the mean cross-entropy's gradient of the logits
        long[] labels = OnnxReader.readTensor(DIR.resolve("test_data_set_0/labels.pb")).longs();
        float[] g = meanCrossEntropyGradient(out.get(0).floats(), labels);
        p.graph().namedParameters().values().forEach(Parameter::zeroGrad);
        p.parameters().forEach(Parameter::zeroGrad);
        p.backward(Arrays.asList(new TensorData("dlogits", OnnxModel.FLOAT, out.get(0).dims(), g, null), null));
        for (String name : List.of("conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias")) {
            Parameter holder = p.holder(name);
            assertNotNull(holder, name);
            Tensor grad = p.holderTransposed(name) ? holder.grad().transposed() : holder.grad();
            if (name.equals("conv.bias")) {
                // zero in exact arithmetic (the batch norm's batch mean takes a per-channel shift away): both are
                // rounding noise of ~1e-7, compared on the scale of the convolution's weight gradient
                float[] want = read("grad_" + name + ".pb").data();
                for (int k = 0; k < want.length; k++) {
                    assertEquals(want[k], grad.data()[k], 1e-5, "gradient of " + name + "[" + k + "]");
                }
                continue;
            }
            close(read("grad_" + name + ".pb"), grad.data(), 1e-4, "gradient of " + name);
        }
        close(read("running_mean.pb"), p.holder("bn.running_mean").value().data(), 1e-5, "running mean");
        // the running variance as ONNX defines it (the batch's variance without Bessel's correction, as the ONNX
        // reference and the node suite's training cases compute it); PyTorch moves it by the unbiased variance, so
        // ONNX's value is derived from PyTorch's: file * m + (torch - file * m) * (count - 1) / count
        OnnxModel.Model file = OnnxReader.readModel(DIR.resolve("model.onnx"));
        float[] before = file.graph().initializers().stream().filter(t -> t.name().equals("bn.running_var"))
                .findFirst().orElseThrow().floats();
        float[] torch = read("running_var.pb").data();
        double m = 0.9;
        double count = x.dims()[0] * x.dims()[2] * x.dims()[3]; // per channel: N x H x W (the Conv keeps 8 x 8)
        float[] onnx = new float[torch.length];
        for (int c = 0; c < onnx.length; c++) {
            onnx[c] = (float) (before[c] * m + (torch[c] - before[c] * m) * (count - 1) / count);
        }
        close(Tensor.wrap(onnx, onnx.length), p.holder("bn.running_var").value().data(), 1e-5, "running variance");
    }

    /** The gradient of the mean cross-entropy over the rows of {@code logits} (one row per label), in double. */
    static float[] meanCrossEntropyGradient(float[] logits, long[] labels) {
        int n = labels.length;
        int classes = logits.length / n;
        float[] g = new float[logits.length];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[i * classes + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[i * classes + c] - max);
            }
            for (int c = 0; c < classes; c++) {
                double softmax = Math.exp(logits[i * classes + c] - max) / sum;
                g[i * classes + c] = (float) ((softmax - (c == labels[i] ? 1 : 0)) / n);
            }
        }
        return g;
    }
}
