package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;

/**
 * One torchvision export written by tools/fixtures/torchvision_onnx.py (model.onnx, input_0.pb, output_0.pb):
 * imports it, compares with torch's output (max |ours - torch| within 1e-4 of max |torch|), fine-tunes as torch
 * did (trajectory.txt: same learnable values, same losses and gradient norms step by step) and exports the
 * fine-tuned graph, which must import again and compute the same.
 */
final class TorchvisionModels {
    static final double RTOL = 1e-4;

    private TorchvisionModels() {
    }

    /** Returns a one-line result ("max rel err 3e-7, loss 2.31 -> 1.02, export ok"). */
    static String check(Path dir, boolean fineTune) throws IOException {
        OnnxModel.Model m = OnnxReader.readModel(dir.resolve("model.onnx"));
        Graph g = OnnxImporter.importModel(m, dir.getFileName().toString());
        Tensor x = OnnxReader.readTensor(dir.resolve("input_0.pb")).toTensor();
        TensorData want = OnnxReader.readTensor(dir.resolve("output_0.pb"));
        Tensor y = g.predict(x);
        int[] wantDims = java.util.Arrays.stream(want.dims()).mapToInt(d -> (int) d).toArray();
        assertArrayEquals(wantDims, y.shape().dims(), dir + ": output shape");
        double rel = relErr(y.data(), want.floats());
        assertTrue(rel <= RTOL, dir + ": max relative error " + rel);
        String tuned = fineTune ? fineTune(g, x, dir.resolve("trajectory.txt")) : "";
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

    /** Largest |ours - torch| / max(1, |torch|) of a loss value along the trajectory. */
    static final double LOSS_TOL = 1e-4;
    /** Largest relative difference of the gradient's global L2 norm (float32 sums in both engines). */
    static final double NORM_RTOL = 1e-3;

    /**
     * Fine-tunes as torch did in tools/fixtures/torchvision_onnx.py (trajectory.txt): the same labels
     * ({@code (i * 7 + 3) % classes}), softmax cross-entropy, eval-mode batch norm, SGD with the gradient clipped
     * to a global L2 norm. The number of learnable values must equal torch's, and at every step the loss and
     * the gradient's norm must equal torch's, and so must the loss after the last step.
     */
    static String fineTune(Graph g, Tensor x, Path trajectoryFile) throws IOException {
        assertTrue(Files.isRegularFile(trajectoryFile), trajectoryFile + " is missing: torch's fine-tuning reference,"
                + " written by tools/fixtures/torchvision_onnx.py (regenerate the case)");
        Map<String, String> t = new HashMap<>();
        for (String line : Files.readAllLines(trajectoryFile)) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                t.put(line.substring(0, sp), line.substring(sp + 1).trim());
            }
        }
        int steps = Integer.parseInt(t.get("steps"));
        double lr = Double.parseDouble(t.get("lr"));
        double maxNorm = Double.parseDouble(t.get("max_norm"));
        double[] torchLoss = Arrays.stream(t.get("losses").split(" ")).mapToDouble(Double::parseDouble).toArray();
        double[] torchNorm = Arrays.stream(t.get("grad_norms").split(" ")).mapToDouble(Double::parseDouble).toArray();
        assertEquals(Long.parseLong(t.get("parameters")), g.trainableParameterCount(),
                trajectoryFile + ": learnable values, ours vs torch's");
        int classes = g.outputShape().dim(0);
        int[] labels = new int[x.dim(0)];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (i * 7 + 3) % classes;
        }
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        double worstLoss = 0;
        double worstNorm = 0;
        StringBuilder ours = new StringBuilder();
        StringBuilder normDiffs = new StringBuilder();
        for (int step = 0; step <= steps; step++) {
            g.zeroGrad();
            Tensor logits = g.forward(List.of(x), false);
            org.convnet4j.train.loss.Loss.LossValue r = loss.compute(logits, labels);
            double lossErr = Math.abs(r.value() - torchLoss[step]) / Math.max(1, Math.abs(torchLoss[step]));
            worstLoss = Math.max(worstLoss, lossErr);
            ours.append(step == 0 ? "" : " -> ").append(String.format("%.4f", r.value()));
            assertTrue(lossErr <= LOSS_TOL, trajectoryFile + ": loss at step " + step + " " + r.value() + ", torch "
                    + torchLoss[step]);
            if (step == steps) {
                break;
            }
            g.backwardAll(r.gradient());
            List<org.convnet4j.nn.Parameter> trained = g.learnableParameters().values().stream()
                    .filter(p -> !p.isFrozen()).toList(); // frozen: e.g. the identity affine inside a GroupNorm
            double sq = 0;
            for (org.convnet4j.nn.Parameter p : trained) {
                for (float d : p.grad().data()) {
                    assertTrue(Float.isFinite(d), p.name() + ": gradient not finite");
                    sq += (double) d * d;
                }
            }
            double norm = Math.sqrt(sq);
            double normErr = Math.abs(norm - torchNorm[step]) / torchNorm[step];
            worstNorm = Math.max(worstNorm, normErr);
            normDiffs.append(step == 0 ? "" : " ").append(String.format("%.1e", normErr));
            assertTrue(normErr <= NORM_RTOL, trajectoryFile + ": gradient norm at step " + step + " " + norm
                    + ", torch " + torchNorm[step]);
            float coef = (float) Math.min(1.0, maxNorm / (norm + 1e-6)); // as clip_grad_norm_ (the generator sums in double too)
            for (org.convnet4j.nn.Parameter p : trained) {
                float[] v = p.value().data();
                float[] d = p.grad().data();
                for (int i = 0; i < v.length; i++) {
                    v[i] -= (float) lr * (d[i] * coef);
                }
            }
        }
        return String.format(", loss %s (torch %.4f -> %.4f), worst loss diff %.1e, grad norm rel diff per step %s",
                ours, torchLoss[0], torchLoss[steps], worstLoss, normDiffs);
    }
}
