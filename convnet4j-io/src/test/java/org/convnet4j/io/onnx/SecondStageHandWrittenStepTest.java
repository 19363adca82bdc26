package org.convnet4j.io.onnx;

import static org.convnet4j.io.onnx.SecondStageBatchNormStateTest.init;
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
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A hand-written training loop ({@code w -= lr * g} on the arrays, no optimiser, no {@code changed()} call) on a
 * program with a second stage: its Gemm weight W is read by a float Dense of the first stage (tied with the program)
 * and by a Gemm of the second stage, and K and D only by the second stage, which holds copies of all three. The next
 * predict gives what a fresh import of the file with the written values gives: a training pass marks the stage's
 * copies to be taken again (before, only W followed, because the Dense gives its kernel a new version in a pass that
 * tracks gradients; K and D stayed at their old values).
 */
class SecondStageHandWrittenStepTest {
    private static final List<String> NAMES = List.of("W", "C", "sT", "bT", "mT", "vT", "K", "D");

    /**
     * x [N, 18] -> Gemm(x, W, C) on the float layers (a Dense holding W transposed) -> BatchNormalization training
     * form (typed) -> Reshape to [N, 2, 3, 3] -> Conv(K) (second stage) -> Flatten -> Gemm(., W, D) (second stage, its
     * copy of W) -> y [N, 18]; with {@code values} given, those initializers' values instead of the drawn ones.
     */
    static OnnxModel.Model model(Map<String, float[]> values) {
        SplittableRandom r = new SplittableRandom(1717);
        Attribute transB = new Attribute("transB", Attribute.INT, 0, 1, null, null, null, null, null);
        Attribute pads = new Attribute("pads", Attribute.INTS, 0, 0, null, null, null, new long[] {1, 1, 1, 1}, null);
        List<Node> nodes = List.of(
                new Node("g1", "Gemm", "", List.of("x", "W", "C"), List.of("h"), Map.of("transB", transB)),
                new Node("bn_t", "BatchNormalization", "", List.of("h", "sT", "bT", "mT", "vT"), List.of("t"),
                        Map.of("training_mode", new Attribute("training_mode", Attribute.INT, 0, 1, null, null, null,
                                null, null))),
                new Node("rs", "Reshape", "", List.of("t", "S"), List.of("r"), Map.of()),
                new Node("conv", "Conv", "", List.of("r", "K"), List.of("c"), Map.of("pads", pads)),
                new Node("flat", "Flatten", "", List.of("c"), List.of("f"), Map.of()),
                new Node("g2", "Gemm", "", List.of("f", "W", "D"), List.of("y"), Map.of("transB", transB)));
        List<TensorData> inits = new ArrayList<>(List.of(init("W", r, -0.3, 0.3, 18, 18),
                init("C", r, -0.1, 0.1, 18), init("sT", r, 0.5, 1.5, 18), init("bT", r, -0.3, 0.3, 18),
                init("mT", r, -0.2, 0.2, 18), init("vT", r, 0.5, 1.5, 18), init("K", r, -0.3, 0.3, 2, 2, 3, 3),
                init("D", r, -0.1, 0.1, 18)));
        if (values != null) {
            inits.replaceAll(t -> new TensorData(t.name(), t.dataType(), t.dims(), values.get(t.name()).clone(),
                    null));
        }
        inits.add(TensorData.ofLongs("S", new long[] {-1, 2, 3, 3}, 4));
        return new OnnxModel.Model(8, Map.of("", 15L), "test", "", new OnnxModel.Graph("tied_stage", nodes, inits,
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 18}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, 18}, true)), List.of()));
    }

    /** Every initializer's current value in the program, in the file's layout. */
    private static Map<String, float[]> current(OnnxProgram p) {
        return SecondStageBatchNormStateTest.current(p, NAMES);
    }

    @Test
    void aHandWrittenStepAfterAGradientPassReachesTheSecondStagesCopy() {
        Sequential model = OnnxProgramLayer.of(model(null), "tied_stage");
        OnnxProgram p = ((OnnxProgramLayer) model.layers().get(0)).program();
        assertTrue(p.toString().contains("second stage"), p.toString());
        assertTrue(p.tiedValues().contains("W"), p.tiedValues().toString());
        Tensor x = Tensor.randn(new java.util.Random(5), 1f, 6, 18);
        Tensor before = model.predict(x); // imports the second stage and copies W into it
        for (int step = 0; step < 2; step++) {
            model.namedParameters().values().forEach(Parameter::zeroGrad);
            Tensor y = model.forward(x, true); // a training pass (the program keeps what backward needs)
            Tensor g = Tensor.zeros(y.shape());
            for (int k = 0; k < g.data().length; k++) {
                g.data()[k] = y.data()[k] - (k % 18 == 1 ? 1f : 0f);
            }
            model.backwardParameters(g);
            for (Parameter w : model.learnableParameters().values()) {
                float[] v = w.value().data();
                float[] d = w.grad().data();
                for (int k = 0; k < v.length; k++) {
                    v[k] -= 0.5f * d[k];
                }
            }
            Tensor got = model.predict(x);
            assertTrue(got.maxAbsDiff(before) > 1e-3, "the step moved the outputs");
            Tensor want = OnnxProgramLayer.of(model(current(p)), "tied_stage written").predict(x);
            assertEquals(0f, want.maxAbsDiff(got), 1e-6f, "step " + step + ": the program against the file with"
                    + " the written values");
            before = got;
        }
    }
}
