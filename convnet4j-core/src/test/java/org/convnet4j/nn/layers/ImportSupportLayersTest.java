package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.GradientCheck;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerFactory;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The layers added for ONNX import: hand-computed forwards, finite-difference gradients, spec round trips. */
class ImportSupportLayersTest {

    private static Tensor randn(long seed, int... dims) {
        return Tensor.randn(new Random(seed), 1f, dims);
    }

    /**
     * MOD (fmod) jumps by the divisor where dividend / divisor crosses an integer, so a finite difference across a
     * jump is no derivative: moves the operand of shape {@code out} (the dividend if {@code nudgeDividend}, else the
     * divisor; the other may be broadcast, a constant without the batch axis included) until every quotient is at
     * least 0.1 from an integer (the checks' eps of 1e-2 then moves a quotient by less than that).
     */
    static void awayFromModJumps(Tensor dividend, Tensor divisor, int[] out, boolean nudgeDividend) {
        int[] aMap = Broadcasting.indexMap(withBatch(dividend.shape().dims(), out), out);
        int[] bMap = Broadcasting.indexMap(withBatch(divisor.shape().dims(), out), out);
        float[] a = dividend.data();
        float[] b = divisor.data();
        for (int k = 0; k < aMap.length; k++) {
            for (int tries = 0; ; tries++) {
                double q = (double) a[aMap[k]] / b[bMap[k]];
                if (Math.abs(q - Math.rint(q)) >= 0.1) {
                    break;
                }
                assertTrue(tries < 20, "no MOD operands away from the jumps at output " + k);
                if (nudgeDividend) {
                    a[aMap[k]] += 0.3f * Math.abs(b[bMap[k]]);
                } else {
                    b[bMap[k]] *= 1.13f;
                }
            }
        }
    }

    private static int[] withBatch(int[] dims, int[] out) {
        return dims.length == out.length ? dims : prependOne(dims);
    }

    @Test
    void arithmeticBroadcastsByHand() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
        Tensor b = Tensor.of(new float[] {10, 20}, 1, 2, 1);
        Layer sub = new Arithmetic(ArithmeticOp.SUB);
        assertEquals(Shape.of(2, 3), sub.outputShape(List.of(Shape.of(2, 3), Shape.of(2, 1))));
        assertArrayEquals(new float[] {-9, -8, -7, -16, -15, -14}, sub.forward(List.of(a, b), false).data());
        Layer div = new Arithmetic(ArithmeticOp.DIV);
        assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f, 0.2f, 0.25f, 0.3f}, div.forward(List.of(a, b), false).data(),
                1e-6f);
        assertThrows(IllegalArgumentException.class,
                () -> sub.outputShape(List.of(Shape.of(2, 3), Shape.of(3, 2))));
    }

    @Test
    void arithmeticGradients() {
        for (ArithmeticOp op : ArithmeticOp.values()) {
            Layer l = new Arithmetic(op);
            Tensor b = randn(2, 2, 3, 1, 4);
            Tensor a = randn(1, 2, 3, 2, 4);
            if (op == ArithmeticOp.DIV || op == ArithmeticOp.MOD) {
                for (int i = 0; i < b.size(); i++) {
                    b.data()[i] = Math.copySign(1.5f + Math.abs(b.data()[i]), op == ArithmeticOp.MOD ? b.data()[i] : 1f); // away from 0
                }
            }
            if (op == ArithmeticOp.MOD) {
                for (int i = 0; i < a.size(); i++) {
                    a.data()[i] *= 3; // several periods of the divisor, both signs
                }
                awayFromModJumps(a, b, new int[] {2, 3, 2, 4}, true);
            }
            l.outputShape(List.of(Shape.of(3, 2, 4), Shape.of(3, 1, 4)));
            GradientCheck.Result r = GradientCheck.check(l, List.of(a, b), GradientCheck.Options.training(30, 3));
            assertTrue(r.passed(), op + ": " + r);
        }
    }

    /**
     * The index maps are kept per input shape: a pass with another batch size after the first still broadcasts
     * right (forward and backward), and a scalar constant (no maps) too.
     */
    @Test
    void constantArithmeticKeepsItsMapsPerInputShape() {
        ConstantArithmetic sub = new ConstantArithmetic(ArithmeticOp.SUB, Tensor.of(new float[] {1, 2}, 2, 1),
                ConstantArithmetic.Order.INPUT_FIRST, ConstantArithmetic.Kind.LEARNABLE);
        assertArrayEquals(new float[] {9, 18}, sub.forward(Tensor.of(new float[] {10, 20}, 1, 2, 1), true).data());
        Tensor two = sub.forward(Tensor.of(new float[] {10, 20, 30, 40, 50, 60}, 3, 2, 1), true);
        assertArrayEquals(new float[] {9, 18, 29, 38, 49, 58}, two.data());
        sub.parameters().get(0).zeroGrad();
        Tensor dx = sub.backward(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2, 1));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, dx.data());
        assertArrayEquals(new float[] {-9, -12}, sub.parameters().get(0).grad().data()); // -(1 + 3 + 5), -(2 + 4 + 6)
        assertArrayEquals(new float[] {9, 18}, sub.forward(Tensor.of(new float[] {10, 20}, 1, 2, 1), false).data());
        ConstantArithmetic div = new ConstantArithmetic(ArithmeticOp.DIV, Tensor.of(new float[] {4}, 1, 1),
                ConstantArithmetic.Order.CONSTANT_FIRST, ConstantArithmetic.Kind.FIXED);
        assertArrayEquals(new float[] {2, -1, 0.5f}, div.forward(Tensor.of(new float[] {2, -4, 8}, 3, 1, 1), false)
                .data());
        assertArrayEquals(new float[] {-1, -0.25f, -0.0625f}, div.backward(Tensor.of(new float[] {1, 1, 1}, 3, 1,
                1)).data()); // d(4 / x) = -4 / x^2
    }

    /**
     * Arithmetic keeps its broadcast maps per pair of operand shapes (built once, not per pass): after another pair
     * whose maps differ, and back, every result is checked by hand; two operands of one shape take no maps at all.
     */
    @Test
    void arithmeticKeepsItsMapsPerShapePairAndSkipsThemForEqualShapes() {
        Arithmetic sub = new Arithmetic(ArithmeticOp.SUB);
        Tensor a = Tensor.of(new float[] {1, 2}, 1, 2, 1);
        Tensor b = Tensor.of(new float[] {10, 20, 30}, 1, 1, 3);
        assertArrayEquals(new float[] {-9, -19, -29, -8, -18, -28}, sub.forward(List.of(a, b), true).data());
        List<Tensor> d = sub.backwardAll(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3));
        assertArrayEquals(new float[] {6, 15}, d.get(0).data()); // 1 + 2 + 3, 4 + 5 + 6
        assertArrayEquals(new float[] {-5, -7, -9}, d.get(1).data()); // -(1 + 4), -(2 + 5), -(3 + 6)
        Tensor full = Tensor.of(new float[] {10, 20, 30, 40, 50, 60}, 1, 2, 3);
        assertArrayEquals(new float[] {-9, -19, -29, -38, -48, -58}, sub.forward(List.of(a, full), true).data());
        d = sub.backwardAll(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3));
        assertArrayEquals(new float[] {6, 15}, d.get(0).data());
        assertArrayEquals(new float[] {-1, -2, -3, -4, -5, -6}, d.get(1).data());
        assertArrayEquals(new float[] {-9, -19, -29, -8, -18, -28}, sub.forward(List.of(a, b), false).data());
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        Tensor z = Tensor.of(new float[] {4, 5, 6}, 1, 3);
        Tensor g = Tensor.of(new float[] {1, 1, 2}, 1, 3);
        Arithmetic mul = new Arithmetic(ArithmeticOp.MUL);
        assertArrayEquals(new float[] {4, 10, 18}, mul.forward(List.of(x, z), true).data());
        d = mul.backwardAll(g);
        assertArrayEquals(new float[] {4, 5, 12}, d.get(0).data());
        assertArrayEquals(new float[] {1, 2, 6}, d.get(1).data());
        Arithmetic div = new Arithmetic(ArithmeticOp.DIV);
        assertArrayEquals(new float[] {1f / 4, 2f / 5, 3f / 6}, div.forward(List.of(x, z), true).data());
        d = div.backwardAll(g);
        assertArrayEquals(new float[] {1f / 4, 1f / 5, 2 * (1f / 6)}, d.get(0).data());
        assertArrayEquals(new float[] {-1f / (4 * 4), -2f / (5 * 5), 2 * (-3f / (6 * 6))}, d.get(1).data());
        // after equal shapes, a broadcast pair again uses maps of its own shapes
        assertArrayEquals(new float[6], sub.forward(List.of(full, full), true).data());
        assertArrayEquals(new float[] {-9, -19, -29, -38, -48, -58}, sub.forward(List.of(a, full), true).data());
    }

    /**
     * A constant over one run of consecutive axes (a bias [1, 1, C] over channels-last, a scale [C, 1, 1] over
     * [N, C, H, W], a row [1, H, 1], a scalar) is read with a period instead of index maps. For every op and
     * operand order the forward, the input gradient and the constant's gradient (accumulated over two passes) have
     * the same bits as the index-map loop, written out here as it was; shapes that need maps (a constant over two
     * separate axes, a stretched input) still take them and agree too.
     */
    @Test
    void constantArithmeticPeriodicPathHasTheIndexMapsBits() {
        int[][][] cases = { // {constant, input} (the input's batch axis first)
            {{1, 1, 5}, {2, 3, 4, 5}}, {{3, 1, 1}, {2, 3, 4, 5}}, {{1, 4, 1}, {2, 3, 4, 5}}, {{1, 1, 1}, {2, 3, 4, 5}},
            {{4, 5}, {3, 4, 5}}, {{3, 1, 5}, {2, 3, 4, 5}}, {{3, 4, 1}, {1, 1, 4, 5}}, {{1, 4, 5}, {2, 3, 4, 5}}};
        int[] expectedRepeat = {1, 20, 5, 120, 1, 0, -1, 1}; // -1: input stretched, maps
        for (int n = 0; n < cases.length; n++) {
            int[] cDims = cases[n][0];
            int[] inDims = cases[n][1];
            int[] out = Broadcasting.shape(inDims, prependOne(cDims));
            if (expectedRepeat[n] >= 0) {
                assertEquals(expectedRepeat[n], ConstantArithmetic.periodicRepeat(prependOne(cDims), out),
                        java.util.Arrays.toString(cDims));
            }
            for (ArithmeticOp op : ArithmeticOp.values()) {
                for (ConstantArithmetic.Order order : ConstantArithmetic.Order.values()) {
                    Tensor c = randn(10 + n, cDims);
                    Tensor x = randn(20 + n, inDims);
                    if (op == ArithmeticOp.DIV || op == ArithmeticOp.MOD) {
                        Tensor divisor = order == ConstantArithmetic.Order.CONSTANT_FIRST ? x : c;
                        for (int i = 0; i < divisor.size(); i++) {
                            divisor.data()[i] = 0.5f + Math.abs(divisor.data()[i]);
                        }
                    }
                    ConstantArithmetic l = new ConstantArithmetic(op, c, order, ConstantArithmetic.Kind.LEARNABLE);
                    l.parameters().get(0).zeroGrad();
                    boolean first = order == ConstantArithmetic.Order.CONSTANT_FIRST;
                    String what = op + " " + order + " " + java.util.Arrays.toString(cDims) + " on "
                            + java.util.Arrays.toString(inDims);
                    float[] dcRef = new float[c.size()];
                    for (int pass = 0; pass < 2; pass++) {
                        Tensor g = randn(30 + pass, out);
                        float[][] ref = indexMapPass(op, first, x, c, g, out, dcRef);
                        assertArrayEquals(ref[0], l.forward(x, true).data(), what);
                        assertArrayEquals(ref[1], l.backward(g).data(), what);
                        assertArrayEquals(dcRef, l.parameters().get(0).grad().data(), what);
                    }
                }
            }
        }
    }

    private static int[] prependOne(int[] dims) {
        int[] r = new int[dims.length + 1];
        r[0] = 1;
        System.arraycopy(dims, 0, r, 1, dims.length);
        return r;
    }

    /** The index-map forward and backward (the layer's code before the periodic path); adds into {@code dc}. */
    private static float[][] indexMapPass(ArithmeticOp op, boolean first, Tensor x, Tensor c, Tensor g, int[] out,
            float[] dc) {
        int[] xMap = Broadcasting.indexMap(x.shape().dims(), out);
        int[] cMap = Broadcasting.indexMap(prependOne(c.shape().dims()), out);
        float[] xd = x.data();
        float[] cd = c.data();
        float[] gd = g.data();
        float[] y = new float[xMap.length];
        float[] dx = new float[xd.length];
        for (int k = 0; k < y.length; k++) {
            float v = xd[xMap[k]];
            float w = cd[cMap[k]];
            y[k] = first ? op.apply(w, v) : op.apply(v, w);
            dx[xMap[k]] += gd[k] * (first ? op.dB(w, v) : op.dA(v, w));
            dc[cMap[k]] += gd[k] * (first ? op.dA(w, v) : op.dB(v, w));
        }
        return new float[][] {y, dx};
    }

    @Test
    void constantArithmeticByHandAndGradient() {
        ConstantArithmetic sub = new ConstantArithmetic(ArithmeticOp.SUB, Tensor.of(new float[] {1, 2}, 2, 1), true);
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
        assertArrayEquals(new float[] {0, -1, -2, -2, -3, -4}, sub.forward(x, false).data());
        for (ArithmeticOp op : ArithmeticOp.values()) {
            for (boolean first : new boolean[] {false, true}) {
                Tensor c = Tensor.of(new float[] {1.5f, -2f, 2.5f}, 3, 1);
                ConstantArithmetic l = new ConstantArithmetic(op, c, first);
                Tensor in = randn(4, 2, 3, 4);
                if ((op == ArithmeticOp.DIV || op == ArithmeticOp.MOD) && first) {
                    for (int i = 0; i < in.size(); i++) {
                        in.data()[i] = 1.5f + Math.abs(in.data()[i]);
                    }
                }
                if (op == ArithmeticOp.MOD) {
                    awayFromModJumps(first ? c : in, first ? in : c, new int[] {2, 3, 4}, !first);
                }
                LayerGradientTest.check(l, in, true);
            }
        }
    }

    @Test
    void learnableConstantGetsGradientsAndTrains() {
        // the constant of an imported initializer (a layer scale, a MatMul + Add bias) is a parameter: its
        // gradient is checked by finite differences for every op and operand order
        for (ArithmeticOp op : ArithmeticOp.values()) {
            for (boolean first : new boolean[] {false, true}) {
                Tensor c = Tensor.of(new float[] {1.5f, -2f, 2.5f}, 3, 1);
                ConstantArithmetic l = new ConstantArithmetic(op, c, first, true);
                assertTrue(l.learnable());
                assertEquals(1, l.parameters().stream().filter(p -> p.isLearnable()).count(), op + ": one learnable parameter");
                Tensor in = randn(4, 2, 3, 4);
                for (int i = 0; i < in.size(); i++) {
                    in.data()[i] = 1.5f + Math.abs(in.data()[i]); // away from 0 (DIV) and from the constants (MAX/MIN)
                    if (Math.abs(in.data()[i] - 2.5f) < 0.05f) {
                        in.data()[i] += 0.1f;
                    }
                }
                if (op == ArithmeticOp.MOD) {
                    awayFromModJumps(first ? c : in, first ? in : c, new int[] {2, 3, 4}, !first);
                }
                l.outputShape(List.of(in.shape().dropFirst()));
                GradientCheck.Result r = GradientCheck.check(l, List.of(in), GradientCheck.Options.training(11, 5));
                assertTrue(r.passed(), op + " first=" + first + ": " + r);
                assertEquals(11 + 3, r.checked(), "11 input positions and the 3 constants compared: " + r);
            }
        }
        // by hand: y = x * c summed, dL/dc = sum over the broadcast axes of x
        ConstantArithmetic mul = new ConstantArithmetic(ArithmeticOp.MUL, Tensor.of(new float[] {2, 3}, 2, 1), false, true);
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
        mul.forward(x, true);
        mul.zeroGrad();
        mul.backward(Tensor.full(Shape.of(1, 2, 3), 1f));
        assertArrayEquals(new float[] {6, 15}, mul.parameters().get(0).grad().data());
        // a fixed constant has no gradient and stays a buffer
        assertTrue(!new ConstantArithmetic(ArithmeticOp.MUL, Tensor.of(new float[] {2}, 1), false)
                .parameters().get(0).isLearnable());
        // the spec keeps the flag
        Graph g = Graph.builder("g").input("x", Shape.of(2, 3))
                .add("scale", new ConstantArithmetic(ArithmeticOp.MUL, randn(3, 2, 1), false, true), "x")
                .add("shift", new ConstantArithmetic(ArithmeticOp.ADD, randn(4, 2, 1), false, false), "scale").build();
        Model back = ModelSpec.fromMap(ModelSpec.toMap(g));
        assertTrue(((ConstantArithmetic) ((Graph) back).node("scale").layer()).learnable());
        assertTrue(!((ConstantArithmetic) ((Graph) back).node("shift").layer()).learnable());
        assertEquals(g.learnableParameters().keySet(), back.learnableParameters().keySet());
    }

    @Test
    void clipByHandAndGradient() {
        Clip c = new Clip(-1, 2);
        assertArrayEquals(new float[] {-1, 0.5f, 2}, c.forward(Tensor.of(new float[] {-3, 0.5f, 7}, 1, 3), false).data());
        Tensor dx = c.backward(Tensor.of(new float[] {1, 1, 1}, 1, 3));
        assertArrayEquals(new float[] {0, 1, 0}, dx.data());
        LayerGradientTest.check(new Clip(-0.5, 0.7), randn(5, 2, 3, 4), true);
        assertThrows(IllegalArgumentException.class, () -> new Clip(2, 1));
    }

    @Test
    void axisSoftmaxMatchesNaiveAndGradients() {
        Tensor x = randn(6, 2, 3, 4);
        Tensor y = new AxisSoftmax(0, 1, false).forward(x, false);
        // naive: along per-sample axis 0 (size 3) for each (n, j)
        for (int n = 0; n < 2; n++) {
            for (int j = 0; j < 4; j++) {
                double s = 0;
                for (int i = 0; i < 3; i++) {
                    s += Math.exp(x.get(n, i, j));
                }
                for (int i = 0; i < 3; i++) {
                    assertEquals(Math.exp(x.get(n, i, j)) / s, y.get(n, i, j), 1e-6);
                }
            }
        }
        Tensor logAll = new AxisSoftmax(0, -1, true).forward(x, false);
        for (int n = 0; n < 2; n++) {
            double s = 0;
            for (int i = 0; i < 12; i++) {
                s += Math.exp(x.data()[n * 12 + i]);
            }
            for (int i = 0; i < 12; i++) {
                assertEquals(x.data()[n * 12 + i] - Math.log(s), logAll.data()[n * 12 + i], 1e-5);
            }
        }
        LayerGradientTest.check(new AxisSoftmax(0, 1, false), randn(7, 2, 3, 4), true);
        LayerGradientTest.check(new AxisSoftmax(1, -1, true), randn(8, 2, 3, 4), true);
    }

    @Test
    void padModesByHandAndGradients() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        assertArrayEquals(new float[] {3, 2, 1, 2, 3, 2, 1},
                new PadNd(new int[] {2}, new int[] {2}, PadNd.Mode.REFLECT, 0).forward(x, false).data());
        assertArrayEquals(new float[] {1, 1, 1, 2, 3, 3},
                new PadNd(new int[] {2}, new int[] {1}, PadNd.Mode.EDGE, 0).forward(x, false).data());
        assertArrayEquals(new float[] {9, 1, 2, 3, 9, 9},
                new PadNd(new int[] {1}, new int[] {2}, PadNd.Mode.CONSTANT, 9).forward(x, false).data());
        for (PadNd.Mode m : PadNd.Mode.values()) {
            LayerGradientTest.check(new PadNd(new int[] {0, 1, 2}, new int[] {1, 2, 1}, m, 0.5), randn(9, 2, 2, 3, 4),
                    true);
        }
    }

    @Test
    void reshapeRoundTripAndGradient() {
        Reshape r = new Reshape(Shape.of(4, 3));
        assertEquals(Shape.of(4, 3), r.outputShape(Shape.of(2, 6)));
        assertThrows(IllegalArgumentException.class, () -> r.outputShape(Shape.of(5)));
        LayerGradientTest.check(new Reshape(Shape.of(12)), randn(10, 2, 3, 4), true);
    }

    @Test
    void specRoundTripOfEveryNewLayer() {
        Graph g = Graph.builder("g")
                .input("x", Shape.of(2, 3, 4))
                .add("pad", new PadNd(new int[] {0, 1, 1}, new int[] {0, 1, 1}, PadNd.Mode.REFLECT, 0), "x")
                .add("clip", new Clip(-1, 1), "pad")
                .add("scale", new ConstantArithmetic(ArithmeticOp.MUL, randn(11, 2, 1, 1), false), "clip")
                .add("mix", new Arithmetic(ArithmeticOp.ADD), "scale", "clip")
                .add("flat", new Reshape(Shape.of(2, 30)), "mix")
                .add("sm", new AxisSoftmax(1, -1, true), "flat")
                .build();
        Map<String, Object> spec = ModelSpec.toMap(g);
        Model back = ModelSpec.fromMap(spec);
        ((ConstantArithmetic) ((Graph) back).node("scale").layer()).constant().data()[0] =
                ((ConstantArithmetic) g.node("scale").layer()).constant().data()[0];
        ((ConstantArithmetic) ((Graph) back).node("scale").layer()).constant().data()[1] =
                ((ConstantArithmetic) g.node("scale").layer()).constant().data()[1];
        Tensor x = randn(12, 2, 2, 3, 4);
        assertEquals(0f, g.predict(x).maxAbsDiff(back.predict(x)));
        assertEquals(ModelSpec.toMap(g), ModelSpec.toMap(back));
        assertTrue(LayerFactory.types().containsAll(
                List.of("PadNd", "Clip", "ConstantArithmetic", "Arithmetic", "Reshape", "AxisSoftmax")));
    }
}
