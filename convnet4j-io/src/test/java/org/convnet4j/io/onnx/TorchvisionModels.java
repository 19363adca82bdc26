package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;

/**
 * One torchvision export written by tools/fixtures/torchvision_onnx.py (model.onnx, input_0.pb, output_0.pb):
 * imports it, compares with torch's output (max |ours - torch| within 1e-4 of max |torch|), fine-tunes a few
 * SGD steps (the loss must fall, gradients finite) and exports the fine-tuned graph, which must import again
 * and compute the same.
 */
final class TorchvisionModels {
    static final double RTOL = 1e-4;

    private TorchvisionModels() {
    }

    /** Returns a one-line result ("max rel err 3e-7, loss 2.31 -> 1.02, export ok"). */
    static String check(Path dir, int steps) throws IOException {
        OnnxModel.Model m = OnnxReader.readModel(dir.resolve("model.onnx"));
        Graph g = OnnxImporter.importModel(m, dir.getFileName().toString());
        Tensor x = OnnxReader.readTensor(dir.resolve("input_0.pb")).toTensor();
        TensorData want = OnnxReader.readTensor(dir.resolve("output_0.pb"));
        Tensor y = g.predict(x);
        int[] wantDims = java.util.Arrays.stream(want.dims()).mapToInt(d -> (int) d).toArray();
        assertArrayEquals(wantDims, y.shape().dims(), dir + ": output shape");
        double rel = relErr(y.data(), want.floats());
        assertTrue(rel <= RTOL, dir + ": max relative error " + rel);
        String tuned = steps > 0 ? fineTune(g, x, steps) : "";
        OnnxModel.Model exported = OnnxExporter.toOnnx(g);
        Graph again = OnnxImporter.importModel(exported, dir.getFileName() + " (exported)");
        double back = relErr(again.predict(x).data(), g.predict(x).data());
        assertTrue(back <= 1e-5, dir + ": the exported model differs by " + back);
        return String.format("max rel err %.1e%s, export ok", rel, tuned);
    }

    static double relErr(float[] got, float[] want) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < want.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        return maxDiff / Math.max(maxRef, 1e-12);
    }

    /** A few SGD steps on labels of our choosing: finite gradients that lower the loss. */
    static String fineTune(Graph g, Tensor x, int steps) {
        int classes = g.outputShape().dim(0);
        int[] labels = new int[x.dim(0)];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (i * 7 + 3) % classes;
        }
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        double before = Double.NaN;
        double lr = 0.02;
        for (int step = 0; step < steps; step++) {
            g.zeroGrad();
            Tensor logits = g.forward(List.of(x), false);
            org.convnet4j.train.loss.Loss.LossValue r = loss.compute(logits, labels);
            if (step == 0) {
                before = r.value();
            }
            g.backwardAll(r.gradient());
            g.learnableParameters().values().forEach(p -> {
                float[] v = p.value().data();
                float[] d = p.grad().data();
                for (int i = 0; i < v.length; i++) {
                    assertTrue(Float.isFinite(d[i]), p.name() + ": gradient not finite");
                    v[i] -= (float) lr * d[i];
                }
            });
        }
        double after = loss.compute(g.forward(List.of(x), false), labels).value();
        assertTrue(after < before, "fine-tuning: loss " + before + " -> " + after);
        return String.format(", loss %.3f -> %.3f", before, after);
    }
}
