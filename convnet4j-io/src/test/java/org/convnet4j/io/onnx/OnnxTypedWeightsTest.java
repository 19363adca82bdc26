package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.ParamGroup;
import org.junit.jupiter.api.Test;

/**
 * Weights held by typed nodes (a Gemm's B and C, a LayerNormalization's scale and bias, a PRelu slope, a MatMul's
 * weight, a bias Add, after a Softmax across the batch that sends everything to the typed path) are parameters of
 * the imported program: their gradients against central differences of the program's own float32 forward pass,
 * Constant nodes stay fixed, and a few optimiser steps over them lower the loss.
 */
class OnnxTypedWeightsTest {
    private final SplittableRandom rnd = new SplittableRandom(1617);

    private static Attribute i(String name, long v) {
        return new Attribute(name, Attribute.INT, 0, v, null, null, null, null, null);
    }

    private TensorData weight(String name, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) rnd.nextDouble(-1, 1);
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, v, null);
    }

    /** x [2, 3] -> Gemm (float graph) -> Softmax over the batch -> typed Gemm, LayerNorm, PRelu, MatMul, Add, Mul. */
    static OnnxModel.Model model(List<TensorData> weights) {
        TensorData half = new TensorData("half", OnnxModel.FLOAT, new long[] {3}, new float[] {0.5f, -0.25f, 2f}, null);
        List<Node> nodes = List.of(
                new Node("g1", "Gemm", "", List.of("x", "B1"), List.of("h"), Map.of()),
                new Node("s", "Softmax", "", List.of("h"), List.of("p"), Map.of("axis", i("axis", 0))),
                new Node("g2", "Gemm", "", List.of("p", "B2", "C2"), List.of("q"), Map.of()),
                new Node("ln", "LayerNormalization", "", List.of("q", "S", "Bn"), List.of("r"), Map.of()),
                new Node("pr", "PRelu", "", List.of("r", "slope"), List.of("u"), Map.of()),
                new Node("mm", "MatMul", "", List.of("u", "W"), List.of("v"), Map.of()),
                new Node("ad", "Add", "", List.of("v", "bias"), List.of("w"), Map.of()),
                new Node("k", "Constant", "", List.of(), List.of("c"), Map.of("value", new Attribute("value",
                        Attribute.TENSOR, 0, 0, null, half, null, null, null))),
                new Node("mu", "Mul", "", List.of("w", "c"), List.of("z"), Map.of()));
        return new OnnxModel.Model(8, Map.of("", 17L), "test", "", new OnnxModel.Graph("typed_weights", nodes,
                weights, List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {2, 3}, true)),
                List.of(new ValueInfo("z", OnnxModel.FLOAT, new long[] {2, 3}, true)), List.of()));
    }

    List<TensorData> weights() {
        return List.of(weight("B1", 3, 4), weight("B2", 4, 5), weight("C2", 5), weight("S", 5), weight("Bn", 5),
                weight("slope", 5), weight("W", 5, 3), weight("bias", 3));
    }

    private static double loss(OnnxProgram p, TensorData in, float[] target) {
        float[] z = p.run(List.of(in)).get(0).floats();
        double l = 0;
        for (int k = 0; k < z.length; k++) {
            l += 0.5 * (z[k] - target[k]) * (z[k] - target[k]);
        }
        return l;
    }

    private static TensorData gradient(OnnxProgram p, TensorData in, float[] target) {
        float[] z = p.forwardForTraining(List.of(in)).get(0).floats();
        float[] g = new float[z.length];
        for (int k = 0; k < z.length; k++) {
            g[k] = z[k] - target[k];
        }
        return new TensorData("dz", OnnxModel.FLOAT, new long[] {2, 3}, g, null);
    }

    @Test
    void typedWeightsAreParametersWithFiniteDifferenceGradients() {
        OnnxProgram p = OnnxImporter.importProgram(model(weights()), "typed weights");
        Map<String, String> sources = p.parameterSources();
        assertEquals(List.of("B2", "C2", "S", "Bn", "slope", "W", "bias"), new ArrayList<>(sources.values()),
                "the Constant node 'c' is not learned: " + sources);
        TensorData in = weight("x", 2, 3);
        float[] target = weight("t", 2, 3).floats();
        p.backward(List.of(gradient(p, in, target)));
        float eps = 1e-2f;
        int checked = 0;
        for (Parameter w : p.parameters()) {
            float[] v = w.value().data();
            float[] g = w.grad().data().clone();
            double norm = 0;
            for (int k = 0; k < v.length; k++) {
                float keep = v[k];
                v[k] = keep + eps;
                double up = loss(p, in, target);
                v[k] = keep - eps;
                double down = loss(p, in, target);
                v[k] = keep;
                double numeric = (up - down) / (2 * eps);
                norm += numeric * numeric;
                assertEquals(numeric, g[k], 2e-3 + 1e-2 * Math.abs(numeric), w.name() + "[" + k + "]");
                checked++;
            }
            assertTrue(norm > 1e-6, w.name() + ": the gradient is not trivially zero (" + norm + ")");
        }
        assertEquals(4 * 5 + 4 * 5 + 5 * 3 + 3, checked); // B2, C2 S Bn slope, W, bias
    }

    @Test
    void anOptimiserOverTheTypedWeightsLowersTheLoss() {
        OnnxProgram p = OnnxImporter.importProgram(model(weights()), "typed weights");
        TensorData in = weight("x", 2, 3);
        float[] target = weight("t", 2, 3).floats();
        Map<String, Parameter> all = new LinkedHashMap<>();
        p.parameters().forEach(w -> all.put(w.name(), w));
        p.graph().namedParameters().forEach(all::put);
        Adam opt = new Adam(List.of(ParamGroup.of("all", all)), 0.05);
        float[] before = p.parameters().get(0).value().data().clone();
        double first = loss(p, in, target);
        for (int step = 0; step < 30; step++) {
            all.values().forEach(Parameter::zeroGrad);
            p.backward(List.of(gradient(p, in, target)));
            opt.step();
        }
        double last = loss(p, in, target);
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
        Tensor after = p.parameters().get(0).value();
        assertTrue(!java.util.Arrays.equals(before, after.data()), "the typed Gemm's B moved");
    }
}
