package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.layers.BatchNorm;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A frozen BatchNormalization in training form (training_mode 1, on the typed path) behaves as a frozen float
 * BatchNorm2d (Keras' trainable=False, PyTorch's bn.eval()): it normalises with its running statistics, in training
 * passes too, keeps them, and passes gradients as that layer does. Checked against the same network with the batch
 * norm in inference form, which the float layers run, with the same weights and that layer frozen.
 */
class FrozenTypedBatchNormTest {
    private static final int N = 4;
    private static final int CLASSES = 3;

    private static Attribute i(String name, long v) {
        return new Attribute(name, Attribute.INT, 0, v, null, null, null, null, null);
    }

    private static Attribute is(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    private static TensorData values(SplittableRandom r, String name, double lo, double hi, long... dims) {
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
     * x [N, 2, 5, 5] -> Conv 3 filters 3x3 pad 1 -> BatchNormalization (training form or inference form, epsilon
     * 1e-3) -> Relu -> Flatten [N, 75] -> Gemm (transB) [N, 3]; the same weights for both forms, running statistics
     * far from the batch's.
     */
    private static OnnxModel.Model net(boolean trainingForm) {
        SplittableRandom r = new SplittableRandom(1605);
        Map<String, Attribute> bnAttrs = trainingForm ? Map.of("training_mode", i("training_mode", 1), "epsilon",
                new Attribute("epsilon", Attribute.FLOAT, 1e-3f, 0, null, null, null, null, null))
                : Map.of("epsilon", new Attribute("epsilon", Attribute.FLOAT, 1e-3f, 0, null, null, null, null, null));
        List<Node> nodes = List.of(
                new Node("conv", "Conv", "", List.of("x", "W", "B"), List.of("c"), Map.of("pads",
                        is("pads", 1, 1, 1, 1))),
                new Node("bn", "BatchNormalization", "", List.of("c", "scale", "bias", "mean", "var"),
                        trainingForm ? List.of("b", "running_mean", "running_var") : List.of("b"), bnAttrs),
                new Node("relu", "Relu", "", List.of("b"), List.of("r"), Map.of()),
                new Node("flat", "Flatten", "", List.of("r"), List.of("f"), Map.of()),
                new Node("fc", "Gemm", "", List.of("f", "F", "C"), List.of("y"), Map.of("transB", i("transB", 1))));
        List<TensorData> inits = List.of(values(r, "W", -0.5, 0.5, 3, 2, 3, 3), values(r, "B", -0.1, 0.1, 3),
                values(r, "scale", 0.5, 1.5, 3), values(r, "bias", -0.3, 0.3, 3), values(r, "mean", -0.6, 0.6, 3),
                values(r, "var", 0.3, 2.0, 3), values(r, "F", -0.3, 0.3, CLASSES, 75),
                values(r, "C", -0.1, 0.1, CLASSES));
        return new OnnxModel.Model(8, Map.of("", 15L), "test", "", new OnnxModel.Graph("frozenbn", nodes, inits,
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 2, 5, 5}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, CLASSES}, true)), List.of()));
    }

    /** The typed program's parameter that replaces initializer {@code source}. */
    private static Parameter typed(OnnxProgram p, String source) {
        return p.parameters().stream().filter(q -> source.equals(p.parameterSources().get(q.name()))).findFirst()
                .orElseThrow(() -> new AssertionError("no typed parameter for " + source + ": "
                        + p.parameterSources()));
    }

    private static BatchNorm batchNormLayer(OnnxProgram p) {
        return p.graph().nodes().stream().map(org.convnet4j.nn.Graph.Node::layer).filter(l -> l instanceof BatchNorm)
                .map(l -> (BatchNorm) l).findFirst().orElseThrow(() -> new AssertionError("no float batch norm: " + p));
    }

    private static Parameter convWeight(OnnxProgram p) {
        return p.graph().namedParameters().values().stream().filter(q -> q.value().size() == 54).findFirst()
                .orElseThrow();
    }

    /** One training pass and backward of sum(w * y): y, dL/dx, dL/dW (the float Conv) and dL/dF (the head). */
    private static List<float[]> pass(OnnxProgram p, TensorData x, float[] w, Parameter head) {
        p.graph().namedParameters().values().forEach(Parameter::zeroGrad);
        p.parameters().forEach(Parameter::zeroGrad);
        float[] y = p.forwardForTraining(List.of(x)).get(0).floats();
        List<Tensor> gx = p.backward(List.of(new TensorData("dy", OnnxModel.FLOAT, new long[] {N, CLASSES}, w,
                null)));
        return List.of(y, gx.get(0).data(), convWeight(p).grad().data().clone(), head.grad().data().clone());
    }

    private static float[] buffer(Parameter p) {
        return p.value().data().clone();
    }

    @Test
    void aFrozenTrainingFormBatchNormRunsOnItsRunningStatisticsAsAFrozenFloatBatchNorm() {
        OnnxProgram typedPath = OnnxImporter.importProgram(net(true), "training form");
        OnnxProgram floatPath = OnnxImporter.importProgram(net(false), "inference form");
        assertTrue(typedPath.typedNodeCount() >= 1, "the training form runs on the typed path: " + typedPath);
        assertEquals(0, floatPath.typedNodeCount(), "the inference form runs on the float layers: " + floatPath);
        SplittableRandom r = new SplittableRandom(16);
        TensorData x = values(r, "x", -1, 1.5, N, 2, 5, 5);
        float[] w = values(r, "w", -1, 1, N, CLASSES).floats();

        // freeze the batch norm in both: the typed node's scale and bias, the float layer
        typed(typedPath, "scale").setFrozen(true);
        typed(typedPath, "bias").setFrozen(true);
        BatchNorm layer = batchNormLayer(floatPath);
        layer.setTrainable(false);
        Parameter typedMean = typed(typedPath, "mean");
        Parameter typedVar = typed(typedPath, "var");
        float[] mean0 = buffer(typedMean);
        float[] var0 = buffer(typedVar);
        List<float[]> floatBuffers = new ArrayList<>();
        layer.parameters().stream().filter(q -> !q.isLearnable()).forEach(q -> floatBuffers.add(buffer(q)));
        assertEquals(2, floatBuffers.size(), "the float batch norm's running statistics");

        Parameter typedHead = typed(typedPath, "F"); // the head runs in the second stage, its weight the program's
        List<float[]> got = pass(typedPath, x, w, typedHead);
        List<float[]> want = pass(floatPath, x, w, floatHead(floatPath));
        String[] what = {"y", "dL/dx", "dL/dW of the conv", "dL/dF of the head"};
        for (int k = 0; k < what.length; k++) {
            assertClose(want.get(k), got.get(k), what[k]);
        }
        // inference as well
        assertClose(floatPath.run(List.of(x)).get(0).floats(), typedPath.run(List.of(x)).get(0).floats(),
                "y in inference");
        // neither moved its running statistics
        assertArrayEquals(mean0, typedMean.value().data(), "typed running mean");
        assertArrayEquals(var0, typedVar.value().data(), "typed running variance");
        int b = 0;
        for (Parameter q : layer.parameters()) {
            if (!q.isLearnable()) {
                assertArrayEquals(floatBuffers.get(b++), q.value().data(), "float " + q.name());
            }
        }

        // not frozen, the training form normalises with the batch's statistics (as its node says) and moves its
        // running statistics: far from the frozen outputs, so the comparison above tells the two apart
        typed(typedPath, "scale").setFrozen(false);
        typed(typedPath, "bias").setFrozen(false);
        float[] batchStats = pass(typedPath, x, w, typedHead).get(0);
        double far = 0;
        for (int k = 0; k < batchStats.length; k++) {
            far = Math.max(far, Math.abs(batchStats[k] - want.get(0)[k]));
        }
        assertTrue(far > 0.05, "batch statistics give other outputs: " + far);
        assertTrue(!java.util.Arrays.equals(mean0, typedMean.value().data()), "an unfrozen pass moves them");
    }

    private static Parameter floatHead(OnnxProgram p) {
        return p.graph().namedParameters().values().stream().filter(q -> q.value().size() == CLASSES * 75)
                .findFirst().orElseThrow();
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double scale = 0;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 1e-3, what + " is not trivially zero");
        for (int k = 0; k < want.length; k++) {
            assertEquals(want[k], got[k], 1e-5 * Math.max(1, scale), what + "[" + k + "]");
        }
    }
}
