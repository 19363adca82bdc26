package org.convnet4j.io.onnx;

import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.LayerType;

/**
 * The layer type of the ONNX import (a LayerType service): an imported program with a typed path, for model files;
 * its ONNX form writes the program back with its current weights ({@link OnnxProgramExport}); its example, for the
 * conformance tests, is a small classifier whose head runs on the typed path, with a double-precision forward.
 */
public final class OnnxLayers extends LayerType.Definition<OnnxProgramLayer> {
    /** The example's sizes: a 1x2x2 picture, 3 hidden units (float graph), 2 classes (typed path). */
    private static final int IN = 4;
    private static final int HIDDEN = 3;
    private static final int CLASSES = 2;

    public OnnxLayers() {
        super(LayerType.of(OnnxProgramLayer.TYPE, OnnxProgramLayer.class, OnnxProgramLayer::fromConfig)
                .onnx(new OnnxProgramExport())
                .example("OnnxProgram float Gemm+Relu, typed MatMul+Add+Reshape", () -> new OnnxProgramLayer(
                        example(), "the OnnxProgram example"), new int[][] {{2, 1, 2, 2}}, OnnxLayers::exampleForward));
    }

    /** The float Gemm's fixed weight W1 [IN, HIDDEN] (the float graph's, not one of the layer's own parameters). */
    private static float w1(int i, int h) {
        return (float) (0.25 * ((i * HIDDEN + h) % 5 - 2) + 0.1);
    }

    /**
     * x [N, 1, 2, 2] -> Flatten -> Gemm(W1) -> Relu (the float graph), then on the typed path Transpose -> MatMul(Wt,
     * .) -> Transpose -> Add(bias) -> Reshape to [-1, 2] by an int64 constant: Wt [2, 3] and bias [2] are the typed
     * path's learned weights.
     */
    static OnnxModel.Model example() {
        float[] w1 = new float[IN * HIDDEN];
        for (int i = 0; i < IN; i++) {
            for (int h = 0; h < HIDDEN; h++) {
                w1[i * HIDDEN + h] = w1(i, h);
            }
        }
        float[] wt = new float[CLASSES * HIDDEN];
        for (int k = 0; k < wt.length; k++) {
            wt[k] = 0.2f * (k - 2);
        }
        Attribute perm = new Attribute("perm", Attribute.INTS, 0, 0, null, null, null, new long[] {1, 0}, null);
        List<TensorData> inits = List.of(
                new TensorData("W1", OnnxModel.FLOAT, new long[] {IN, HIDDEN}, w1, null),
                new TensorData("Wt", OnnxModel.FLOAT, new long[] {CLASSES, HIDDEN}, wt, null),
                new TensorData("bias", OnnxModel.FLOAT, new long[] {CLASSES}, new float[] {0.1f, -0.1f}, null),
                TensorData.ofLongs("shape", new long[] {-1, CLASSES}, 2));
        List<Node> nodes = List.of(
                new Node("flatten", "Flatten", "", List.of("x"), List.of("f"), Map.of()),
                new Node("fc1", "Gemm", "", List.of("f", "W1"), List.of("h"), Map.of()),
                new Node("relu", "Relu", "", List.of("h"), List.of("r"), Map.of()),
                new Node("t1", "Transpose", "", List.of("r"), List.of("rt"), Map.of("perm", perm)),
                new Node("head", "MatMul", "", List.of("Wt", "rt"), List.of("st"), Map.of()),
                new Node("t2", "Transpose", "", List.of("st"), List.of("s"), Map.of("perm", perm)),
                new Node("bias_add", "Add", "", List.of("s", "bias"), List.of("b"), Map.of()),
                new Node("reshape", "Reshape", "", List.of("b", "shape"), List.of("logits"), Map.of()));
        return new OnnxModel.Model(8, Map.of("", 13L), "convnet4j", "", new OnnxModel.Graph("typed_head_example",
                nodes, inits, List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 1, 2, 2}, true)),
                List.of(new ValueInfo("logits", OnnxModel.FLOAT, new long[] {-1, CLASSES}, true)), List.of()));
    }

    /** The example's function from its definition: logits = relu(x W1) Wt^T + bias, per sample. */
    private static double[] exampleForward(double[][] inputs, Map<String, double[]> parameters) {
        double[] x = inputs[0];
        double[] wt = parameters.get("typed_Wt");
        double[] bias = parameters.get("typed_bias");
        int n = x.length / IN;
        double[] y = new double[n * CLASSES];
        for (int s = 0; s < n; s++) {
            double[] r = new double[HIDDEN];
            for (int h = 0; h < HIDDEN; h++) {
                double sum = 0;
                for (int i = 0; i < IN; i++) {
                    sum += x[s * IN + i] * w1(i, h);
                }
                r[h] = Math.max(0, sum);
            }
            for (int c = 0; c < CLASSES; c++) {
                double sum = bias[c];
                for (int h = 0; h < HIDDEN; h++) {
                    sum += wt[c * HIDDEN + h] * r[h];
                }
                y[s * CLASSES + c] = sum;
            }
        }
        return y;
    }
}
