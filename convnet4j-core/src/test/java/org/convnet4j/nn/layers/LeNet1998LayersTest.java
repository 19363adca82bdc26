package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.convnet4j.nn.GradientCheck;
import org.convnet4j.nn.LayerFactory;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layers of LeCun et al. 1998's LeNet-5: {@link ScaledTanh}, {@link TrainableSubsampling},
 * {@link ConnectionTableConv2d} and {@link RbfOutput}. Forward values against hand-computed numbers and naive
 * twins, backward passes against finite differences (default tolerances), and the layer contract of
 * {@link LayerContractTest} (shapes, parameter counts, MACs, spec round trip, a gradient step).
 */
class LeNet1998LayersTest {

    static Stream<Arguments> contractCases() {
        return Stream.of(
                // 2 per map: coefficient and bias; one multiply per output value (3 maps of 2x3)
                new LayerContractTest.Case("subsampling 2", TrainableSubsampling::new, Shape.of(3, 4, 7), 6, 3L * 2 * 3),
                new LayerContractTest.Case("subsampling 3", () -> new TrainableSubsampling(3), Shape.of(2, 6, 6), 4, 2L * 2 * 2),
                new LayerContractTest.Case("scaled tanh", ScaledTanh::new, Shape.of(2, 3, 3), 0, 0),
                // 5 connections * 2x3 kernel + 3 biases; out 3x2 -> 6 positions * 5 connections * 6 taps
                new LayerContractTest.Case("connection table", () -> new ConnectionTableConv2d(
                        new int[][] {{0}, {0, 2}, {2, 1}}, 2, 3), Shape.of(3, 4, 4), 5 * 6 + 3, 3L * 2 * 5 * 6),
                // fixed codes are no parameters; 6 inputs * 4 units squared differences
                new LayerContractTest.Case("rbf fixed", () -> new RbfOutput(4), Shape.of(6), 0, 24),
                new LayerContractTest.Case("rbf learnable", () -> new RbfOutput(4).learnCentres(true), Shape.of(6), 24, 24)
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contractCases")
    void layerContract(LayerContractTest.Case c) {
        new LayerContractTest().layerContract(c);
    }

    // ---- ScaledTanh ------------------------------------------------------------------------------

    @Test
    void scaledTanhHasThePapersFixedPoints() {
        ScaledTanh f = new ScaledTanh();
        f.outputShape(Shape.of(4));
        Tensor y = f.forward(Tensor.of(new float[] {1f, -1f, 0f, 3f}, 1, 4), false);
        // A = 1.7159 was chosen so that f(1) = 1: 1.7159 * tanh(2/3) = 1.7159 * 0.582783 = 1.000000
        assertEquals(1.0, y.data()[0], 1e-4);
        assertEquals(-1.0, y.data()[1], 1e-4);
        assertEquals(0.0, y.data()[2], 0.0);
        assertEquals(1.7159 * 0.9640276, y.data()[3], 1e-5); // tanh(2) = 0.9640276
    }

    @Test
    void scaledTanhGradients() {
        Tensor x = LayerGradientTest.randn(31, 3, 7);
        LayerGradientTest.check(new ScaledTanh(), x, true);
        LayerGradientTest.check(new ScaledTanh(0.5, 3.0), x, true);
        assertThrows(IllegalArgumentException.class, () -> new ScaledTanh(0, 1));
    }

    // ---- TrainableSubsampling --------------------------------------------------------------------

    @Test
    void subsamplingIsCoefficientTimesWindowSumPlusBias() {
        TrainableSubsampling s = new TrainableSubsampling();
        assertEquals(Shape.of(1, 1, 2), s.outputShape(Shape.of(1, 3, 5))); // the odd row and column are left out
        s.weight().value().data()[0] = 0.5f;
        s.bias().value().data()[0] = 1f;
        Tensor x = Tensor.of(new float[] {
            1, 2, 3, 4, 100,
            5, 6, 7, 8, 100,
            100, 100, 100, 100, 100}, 1, 1, 3, 5);
        Tensor y = s.forward(x, false);
        // (1+2+5+6) * 0.5 + 1 = 8 and (3+4+7+8) * 0.5 + 1 = 12
        assertEquals(8f, y.data()[0]);
        assertEquals(12f, y.data()[1]);
    }

    @Test
    void subsamplingStartsAsAveragePooling() {
        Tensor x = LayerGradientTest.randn(32, 2, 3, 6, 4);
        TrainableSubsampling s = new TrainableSubsampling();
        AvgPool2d avg = new AvgPool2d(2);
        Sequential a = new Sequential(Shape.of(3, 6, 4), s);
        Sequential b = new Sequential(Shape.of(3, 6, 4), avg);
        a.initialize(5); // a model seed must not turn the averaging start into a random one
        assertEquals(0f, a.predict(x).maxAbsDiff(b.predict(x)), 1e-6f);
    }

    @Test
    void subsamplingGradients() {
        TrainableSubsampling s = new TrainableSubsampling();
        s.outputShape(Shape.of(3, 5, 6));
        s.weight().value().data()[1] = -1.3f; // distinct coefficients per map so a mixed-up channel shows
        s.bias().value().data()[2] = 0.4f;
        LayerGradientTest.check(s, LayerGradientTest.randn(33, 2, 3, 5, 6), true);
        LayerGradientTest.check(new TrainableSubsampling(3), LayerGradientTest.randn(34, 2, 2, 7, 6), true);
        assertThrows(IllegalArgumentException.class, () -> new TrainableSubsampling(3).outputShape(Shape.of(1, 2, 5)));
    }

    // ---- ConnectionTableConv2d -------------------------------------------------------------------

    @Test
    void theLeCunTableHasThePapersCounts() {
        int[][] t = ConnectionTableConv2d.LECUN_1998_C3;
        assertEquals(16, t.length);
        int[] perInput = new int[6];
        for (int f = 0; f < 16; f++) {
            int expected = f < 6 ? 3 : f < 15 ? 4 : 6;
            assertEquals(expected, t[f].length, "C3 map " + f);
            for (int i : t[f]) {
                perInput[i]++;
            }
        }
        // Table I: every S2 map feeds 10 of the 16 C3 maps
        assertEquals(List.of(10, 10, 10, 10, 10, 10), java.util.Arrays.stream(perInput).boxed().toList());
        ConnectionTableConv2d c3 = ConnectionTableConv2d.lecun1998C3();
        assertEquals(Shape.of(16, 10, 10), c3.outputShape(Shape.of(6, 14, 14)));
        // 6*3 + 6*4 + 3*4 + 6 = 60 connections of 5x5, plus 16 biases: the paper's 1,516 parameters
        assertEquals(60, c3.connections());
        assertEquals(60 * 25 + 16, c3.parameterCount());
        assertEquals(1516, c3.parameterCount());
        // the paper's 151,600 connections are 10x10 positions x (1,500 weights + 16 biases); the multiply-adds
        // are the weights' part, 100 x 1,500
        assertEquals(100L * 1500, c3.macs(List.of(Shape.of(6, 14, 14))));
    }

    @Test
    void connectionTableEqualsADenseConvWithZeroedSlices() {
        int[][] table = {{0, 2}, {1}, {2, 1, 0}};
        ConnectionTableConv2d sparse = new ConnectionTableConv2d(table, 2, 3);
        Conv2d dense = new Conv2d(3, 2, 3);
        Shape in = Shape.of(3, 5, 6);
        sparse.outputShape(in);
        dense.outputShape(in);
        float[] packed = sparse.kernel().value().data();
        float[] full = dense.kernel().value().data();
        java.util.Arrays.fill(full, 0f);
        int slot = 0;
        for (int f = 0; f < 3; f++) {
            for (int i : table[f]) {
                System.arraycopy(packed, slot * 6, full, (f * 3 + i) * 6, 6);
                slot++;
            }
        }
        for (int f = 0; f < 3; f++) {
            sparse.bias().value().data()[f] = 0.1f * (f + 1);
            dense.bias().value().data()[f] = 0.1f * (f + 1);
        }
        Tensor x = LayerGradientTest.randn(35, 2, 3, 5, 6);
        Tensor ys = sparse.forward(x, false);
        assertEquals(0f, ys.maxAbsDiff(dense.forward(x, false)), 1e-5f);

        // output map 1 reads input map 1 only: changing input maps 0 and 2 leaves it alone, but not map 0
        Tensor x2 = x.copy();
        for (int n = 0; n < 2; n++) {
            for (int i = 0; i < 30; i++) {
                x2.data()[(n * 3) * 30 + i] += 1f;
                x2.data()[(n * 3 + 2) * 30 + i] -= 2f;
            }
        }
        Tensor ys2 = sparse.forward(x2, false);
        for (int n = 0; n < 2; n++) {
            for (int p = 0; p < 16; p++) { // 4x4 output positions per map
                assertEquals(ys.data()[(n * 3 + 1) * 16 + p], ys2.data()[(n * 3 + 1) * 16 + p]);
            }
            assertNotEquals(ys.data()[(n * 3) * 16], ys2.data()[(n * 3) * 16]);
        }
    }

    @Test
    void connectionTableGradients() {
        LayerGradientTest.check(new ConnectionTableConv2d(new int[][] {{0, 2}, {1}, {2, 1, 0}, {3}}, 2, 3),
                LayerGradientTest.randn(36, 2, 4, 4, 5), true);
        LayerGradientTest.check(ConnectionTableConv2d.lecun1998C3(), LayerGradientTest.randn(37, 1, 6, 6, 6), true);
    }

    @Test
    void connectionTableInitUsesEachMapsOwnFanIn() {
        ConnectionTableConv2d c3 = ConnectionTableConv2d.lecun1998C3().init(org.convnet4j.nn.init.Initializer.LECUN_UNIFORM);
        c3.outputShape(Shape.of(6, 14, 14));
        float[] k = c3.kernel().value().data();
        // lecun_uniform: |w| <= sqrt(3 / fanIn); map 0 has fan-in 3*25, map 15 has 6*25 (its slices are the last 150)
        double max0 = 0;
        double max15 = 0;
        for (int i = 0; i < 75; i++) {
            max0 = Math.max(max0, Math.abs(k[i]));
        }
        for (int i = k.length - 150; i < k.length; i++) {
            max15 = Math.max(max15, Math.abs(k[i]));
        }
        assertTrue(max0 <= Math.sqrt(3.0 / 75) && max0 > Math.sqrt(3.0 / 150), "map 0 range " + max0);
        assertTrue(max15 <= Math.sqrt(3.0 / 150), "map 15 range " + max15);
    }

    @Test
    void badTablesFailNamingTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConnectionTableConv2d(new int[][] {{0, 1}, {}}, 3, 3));
        assertTrue(e.getMessage().contains("output map 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConnectionTableConv2d(new int[][] {{0, 1, 0}}, 3, 3));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ConnectionTableConv2d(new int[][] {{0}, {4}}, 3, 3).outputShape(Shape.of(3, 5, 5)));
        assertTrue(e.getMessage().contains("input map 4") && e.getMessage().contains("3 channel"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerFactory.create("ConnectionTableConv2d",
                Map.of("connections", List.of(1.0, 2.0), "kernel_size", List.of(3.0, 3.0))));
        assertTrue(e.getMessage().contains("connections"), e.getMessage());
    }

    // ---- RbfOutput -------------------------------------------------------------------------------

    @Test
    void rbfOutputsNegatedSquaredDistances() {
        RbfOutput rbf = new RbfOutput(2);
        rbf.outputShape(Shape.of(2));
        rbf.centres().load(Tensor.of(new float[] {1, -1, -1, -1}, 2, 2));
        Tensor y = rbf.forward(Tensor.of(new float[] {0.5f, 0f}, 1, 2), false);
        // unit 0: (0.5-1)^2 + (0+1)^2 = 1.25; unit 1: (0.5+1)^2 + (0+1)^2 = 3.25; negated so unit 0 wins
        assertEquals(-1.25f, y.data()[0]);
        assertEquals(-3.25f, y.data()[1]);
    }

    @Test
    void rbfFixedCodesArePlusMinusOneBuffersFromTheSeed() {
        RbfOutput a = new RbfOutput(10);
        Sequential m = new Sequential(Shape.of(84), a);
        Tensor before = a.centres().value().copy();
        m.initialize(123); // a model seed must not redraw the paper's fixed codes
        assertEquals(0f, before.maxAbsDiff(a.centres().value()));
        assertEquals(Parameter.Kind.BUFFER, a.centres().kind());
        assertEquals(0, m.parameterCount());
        int plus = 0;
        for (float v : a.centres().value().data()) {
            assertTrue(v == 1f || v == -1f, "code value " + v);
            plus += v > 0 ? 1 : 0;
        }
        assertTrue(plus > 840 / 2 - 60 && plus < 840 / 2 + 60, "about half the code values are +1: " + plus);
        RbfOutput b = new RbfOutput(10).seed(2);
        b.outputShape(Shape.of(84));
        assertTrue(b.centres().value().maxAbsDiff(a.centres().value()) > 0, "another seed, other codes");
    }

    @Test
    void rbfGradients() {
        Tensor x = LayerGradientTest.randn(38, 3, 6);
        LayerGradientTest.check(new RbfOutput(4), x, true);
        RbfOutput learn = new RbfOutput(4).learnCentres(true);
        learn.outputShape(Shape.of(6));
        GradientCheck.Result r = GradientCheck.check(learn, List.of(x), GradientCheck.Options.training(40, 3));
        assertTrue(r.passed(), r.toString());
        assertTrue(r.checked() == 18 + 24, "inputs and centres are both checked: " + r);
    }
}
