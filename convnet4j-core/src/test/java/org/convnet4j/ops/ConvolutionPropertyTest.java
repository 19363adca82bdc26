package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pad mode x stride x dilation x groups x padding combination of forward, backwardInput and
 * backwardWeights against (a) a naive double-precision reference written here independently (explicit
 * padding, then the plain 7-loop sum; backward passes as the exact adjoint of that reference, obtained by
 * feeding it unit vectors, since convolution is linear in x and in w) and (b) central finite differences of the
 * library's own forward.
 *
 * <p>Tolerances: inputs are N(0,1), outputs are sums of at most 2*2*3*2 = 24 float products, so float rounding
 * is ~1e-5 absolute; we allow 1e-4. Finite differences are exact for a linear map except for rounding: with
 * step 0.5 the float error of the double-summed loss (~1e-4) divided by 2*0.5 stays below 1e-3.
 */
class ConvolutionPropertyTest {
    static final int N = 2;
    static final int C = 4;
    static final int H = 7;
    static final int W = 6;
    static final int F = 4;
    static final int KH = 3;
    static final int KW = 2;

    static Stream<Arguments> combos() {
        List<Arguments> out = new ArrayList<>();
        Padding[] paddings = {Padding.valid(), new Padding(1, 2, 0, 1), Padding.of(2)};
        for (PadMode mode : PadMode.values()) {
            for (Padding pad : paddings) {
                for (int stride : new int[] {1, 2}) {
                    for (int dil : new int[] {1, 2}) {
                        for (int groups : new int[] {1, 2}) {
                            out.add(Arguments.of(mode, pad, stride, dil, groups));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    // ---- the independent reference -------------------------------------------------------------

    /** Source coordinate of padded coordinate c (already shifted by the leading pad), or -1 for zero. */
    static int refSource(int c, int n, PadMode mode) {
        if (c >= 0 && c < n) {
            return c;
        }
        switch (mode) {
            case ZERO:
                return -1;
            case REPLICATE:
                return Math.max(0, Math.min(n - 1, c));
            default:
                // mirror about the first/last pixel: -1 -> 1, -2 -> 2; n -> n-2, n+1 -> n-3
                return c < 0 ? -c : (n - 1) - (c - (n - 1));
        }
    }

    static double[][][][] refPad(double[][][][] x, Padding p, PadMode mode) {
        int h = x[0][0].length;
        int w = x[0][0][0].length;
        double[][][][] out = new double[x.length][x[0].length][h + p.top() + p.bottom()][w + p.left() + p.right()];
        for (int n = 0; n < x.length; n++) {
            for (int c = 0; c < x[0].length; c++) {
                for (int i = 0; i < out[0][0].length; i++) {
                    for (int j = 0; j < out[0][0][0].length; j++) {
                        int si = refSource(i - p.top(), h, mode);
                        int sj = refSource(j - p.left(), w, mode);
                        out[n][c][i][j] = si < 0 || sj < 0 ? 0 : x[n][c][si][sj];
                    }
                }
            }
        }
        return out;
    }

    /** Plain definition: y[n][f][r][q] = b[f] + sum_{c in group, i, j} w[f][c][i][j] * xp[n][c0+c][r*s+i*d][q*s+j*d]. */
    static double[][][][] refForward(double[][][][] x, double[][][][] w, double[] b, ConvParams p) {
        double[][][][] xp = refPad(x, p.padding(), p.padMode());
        int hp = xp[0][0].length;
        int wp = xp[0][0][0].length;
        int f = w.length;
        int cg = w[0].length;
        int kh = w[0][0].length;
        int kw = w[0][0][0].length;
        int oh = (hp - (p.dilationH() * (kh - 1) + 1)) / p.strideH() + 1;
        int ow = (wp - (p.dilationW() * (kw - 1) + 1)) / p.strideW() + 1;
        int fPerGroup = f / p.groups();
        double[][][][] y = new double[x.length][f][oh][ow];
        for (int n = 0; n < x.length; n++) {
            for (int fo = 0; fo < f; fo++) {
                int group = fo / fPerGroup;
                for (int r = 0; r < oh; r++) {
                    for (int q = 0; q < ow; q++) {
                        double s = b == null ? 0 : b[fo];
                        for (int c = 0; c < cg; c++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    s += w[fo][c][i][j] * xp[n][group * cg + c][r * p.strideH() + i * p.dilationH()]
                                            [q * p.strideW() + j * p.dilationW()];
                                }
                            }
                        }
                        y[n][fo][r][q] = s;
                    }
                }
            }
        }
        return y;
    }

    static double[][][][] to4(Tensor t) {
        int[] d = t.shape().dims();
        double[][][][] a = new double[d[0]][d[1]][d[2]][d[3]];
        float[] v = t.data();
        int k = 0;
        for (double[][][] a3 : a) {
            for (double[][] a2 : a3) {
                for (double[] a1 : a2) {
                    for (int i = 0; i < a1.length; i++) {
                        a1[i] = v[k++];
                    }
                }
            }
        }
        return a;
    }

    static double[] flat(double[][][][] a) {
        return java.util.Arrays.stream(a).flatMap(java.util.Arrays::stream).flatMap(java.util.Arrays::stream)
                .flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    static double dot(double[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static void assertClose(double expected, double actual, double tol, String what) {
        assertTrue(Math.abs(expected - actual) <= tol, () -> what + ": expected " + expected + " got " + actual);
    }

    // ---- the combination test ----------------------------------------------------------------------

    @ParameterizedTest(name = "{0} pad={1} stride={2} dilation={3} groups={4}")
    @MethodSource("combos")
    void matchesReferenceAndFiniteDifferences(PadMode mode, Padding pad, int stride, int dil, int groups) {
        Random rnd = new Random(31L * mode.ordinal() + 7L * stride + 3L * dil + groups + pad.hashCode());
        ConvParams p = ConvParams.of(stride, pad).withPadMode(mode).withDilation(dil).withGroups(groups);
        Tensor x = Tensor.randn(rnd, 1f, N, C, H, W);
        Tensor w = Tensor.randn(rnd, 1f, F, C / groups, KH, KW);
        Tensor b = Tensor.randn(rnd, 1f, F);

        // forward vs reference
        Tensor y = Convolution.forward(x, w, b, p);
        double[] yRef = flat(refForward(to4(x), to4(w), toD(b), p));
        assertEquals(yRef.length, y.size());
        assertEquals(Convolution.outputShape(x.shape(), w.shape(), p), y.shape());
        for (int i = 0; i < yRef.length; i++) {
            assertClose(yRef[i], y.data()[i], 1e-4, "forward[" + i + "]");
        }

        Tensor dy = Tensor.randn(rnd, 1f, y.shape().dims());
        Tensor dx = Convolution.backwardInput(dy, w, x.shape(), p);
        assertEquals(x.shape(), dx.shape());
        Tensor dw = Tensor.full(w.shape(), 0.5f); // accumulation: starts from 0.5, not zero
        Tensor db = Tensor.full(b.shape(), -1f);
        Convolution.backwardWeights(x, dy, dw, db, p);

        // (a) adjoint of the reference: dL/dx_i = <dy, refForward(e_i)> (bias 0), likewise for w.
        double[][][][] w4 = to4(w);
        double[][][][] x4 = to4(x);
        for (int i = 0; i < x.size(); i++) {
            Tensor e = Tensor.zeros(x.shape());
            e.data()[i] = 1;
            double expected = dot(flat(refForward(to4(e), w4, null, p)), dy.data());
            assertClose(expected, dx.data()[i], 1e-4, "dx[" + i + "] vs reference");
        }
        for (int i = 0; i < w.size(); i++) {
            Tensor e = Tensor.zeros(w.shape());
            e.data()[i] = 1;
            double expected = dot(flat(refForward(x4, to4(e), null, p)), dy.data());
            assertClose(expected + 0.5, dw.data()[i], 1e-4 * (1 + Math.abs(expected)), "dw[" + i + "] vs reference");
        }
        for (int f = 0; f < F; f++) {
            double s = 0;
            int plane = y.dim(2) * y.dim(3);
            for (int n = 0; n < N; n++) {
                for (int k = 0; k < plane; k++) {
                    s += dy.data()[(n * F + f) * plane + k];
                }
            }
            assertClose(s - 1, db.data()[f], 1e-4, "dbias[" + f + "]");
        }

        // (b) central finite differences of the library forward, loss L = sum(dy * y)
        double h = 0.5;
        for (int i = 0; i < x.size(); i += 3) {
            double fd = fd(x, i, h, () -> loss(Convolution.forward(x, w, b, p), dy));
            assertClose(fd, dx.data()[i], 1e-3, "dx[" + i + "] vs finite difference");
        }
        for (int i = 0; i < w.size(); i += 2) {
            double fd = fd(w, i, h, () -> loss(Convolution.forward(x, w, b, p), dy));
            assertClose(fd + 0.5, dw.data()[i], 1e-3, "dw[" + i + "] vs finite difference");
        }
        for (int i = 0; i < F; i++) {
            double fd = fd(b, i, h, () -> loss(Convolution.forward(x, w, b, p), dy));
            assertClose(fd - 1, db.data()[i], 1e-3, "db[" + i + "] vs finite difference");
        }
    }

    static double[] toD(Tensor t) {
        double[] d = new double[t.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.data()[i];
        }
        return d;
    }

    static double loss(Tensor y, Tensor dy) {
        double s = 0;
        for (int i = 0; i < y.size(); i++) {
            s += (double) y.data()[i] * dy.data()[i];
        }
        return s;
    }

    static double fd(Tensor t, int i, double h, java.util.function.DoubleSupplier f) {
        float orig = t.data()[i];
        t.data()[i] = (float) (orig + h);
        double plus = f.getAsDouble();
        t.data()[i] = (float) (orig - h);
        double minus = f.getAsDouble();
        t.data()[i] = orig;
        return (plus - minus) / (2 * h);
    }

    // ---- other properties ----------------------------------------------------------------------------

    @Test
    void nonSquareStrideAndDilationMatchReference() {
        Random rnd = new Random(5);
        ConvParams p = new ConvParams(2, 1, 1, 3, new Padding(0, 1, 2, 2), PadMode.REFLECT, 1);
        Tensor x = Tensor.randn(rnd, 1f, 1, 2, 6, 5);
        Tensor w = Tensor.randn(rnd, 1f, 3, 2, 2, 3);
        Tensor y = Convolution.forward(x, w, null, p);
        double[] ref = flat(refForward(to4(x), to4(w), null, p));
        assertEquals(Shape.of(1, 3, 3, 3), y.shape()); // H: floor((7-2)/2)+1 = 3; W: floor((9-7)/1)+1 = 3
        for (int i = 0; i < ref.length; i++) {
            assertClose(ref[i], y.data()[i], 1e-4, "y[" + i + "]");
        }
    }

    @Test
    void onePixelImages() {
        Tensor x = Tensor.of(new float[] {3}, 1, 1, 1, 1);
        Tensor w1 = Tensor.of(new float[] {2}, 1, 1, 1, 1);
        assertArrayEquals(new float[] {6}, Convolution.forward(x, w1, null, ConvParams.defaults()).data());
        Tensor w3 = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        // zero padding: only the centre weight sees the pixel; replicate: every weight sees it.
        assertArrayEquals(new float[] {15}, Convolution.forward(x, w3, null, ConvParams.of(1, 1)).data());
        assertArrayEquals(new float[] {135},
                Convolution.forward(x, w3, null, ConvParams.of(1, 1).withPadMode(PadMode.REPLICATE)).data());
        Tensor dx = Convolution.backwardInput(Tensor.of(new float[] {1}, 1, 1, 1, 1), w3, x.shape(),
                ConvParams.of(1, 1).withPadMode(PadMode.REPLICATE));
        assertArrayEquals(new float[] {45}, dx.data());
        assertThrows(IllegalArgumentException.class, () -> Convolution.forward(x, w3, null, ConvParams.defaults()));
    }

    @Test
    void backwardWeightsAccumulatesAndAcceptsNullBias() {
        Random rnd = new Random(9);
        Tensor x = Tensor.randn(rnd, 1f, 1, 1, 4, 4);
        Tensor dy = Tensor.randn(rnd, 1f, 1, 1, 2, 2);
        Tensor once = Tensor.zeros(1, 1, 3, 3);
        Convolution.backwardWeights(x, dy, once, null, ConvParams.defaults());
        Tensor twice = Tensor.zeros(1, 1, 3, 3);
        Convolution.backwardWeights(x, dy, twice, null, ConvParams.defaults());
        Convolution.backwardWeights(x, dy, twice, null, ConvParams.defaults());
        for (int i = 0; i < 9; i++) {
            assertEquals(2 * once.data()[i], twice.data()[i], 1e-6);
        }
    }

    @Test
    void impossibleSettingsFailClearly() {
        Tensor x = Tensor.zeros(1, 3, 4, 4);
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.forward(x, Tensor.zeros(2, 3, 5, 5), null, ConvParams.defaults()));
        assertTrue(e.getMessage().contains("larger than the padded input"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.forward(x, Tensor.zeros(2, 3, 7, 7), null, ConvParams.of(1, 1)));
        assertTrue(e.getMessage().contains("padded input of size 6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConvParams.of(0, 0));
        assertTrue(e.getMessage().contains("stride must be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.forward(x, Tensor.zeros(2, 1, 3, 3), null, ConvParams.defaults().withGroups(2)));
        assertTrue(e.getMessage().contains("groups=2 does not divide the 3 input channels")
                && e.getMessage().contains("[1, 3, 4, 4]") && e.getMessage().contains("[2, 1, 3, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.forward(Tensor.zeros(1, 4, 4, 4), Tensor.zeros(3, 2, 3, 3), null,
                        ConvParams.defaults().withGroups(2)));
        assertTrue(e.getMessage().contains("groups=2 does not divide the 3 filters"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.forward(x, Tensor.zeros(2, 2, 3, 3), null, ConvParams.defaults()));
        assertTrue(e.getMessage().contains("expect 2 input channels") && e.getMessage().contains("has 3 channels"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.forward(x, Tensor.zeros(2, 3, 3, 3), Tensor.zeros(3), ConvParams.defaults()));
        assertTrue(e.getMessage().contains("bias must have shape [2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.forward(Tensor.zeros(3, 4, 4), Tensor.zeros(2, 3, 3, 3), null, ConvParams.defaults()));
        assertTrue(e.getMessage().contains("[N, C, H, W]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.backwardInput(Tensor.zeros(1, 2, 3, 3), Tensor.zeros(2, 3, 3, 3), x.shape(),
                        ConvParams.defaults()));
        assertTrue(e.getMessage().contains("[1, 2, 2, 2]"), e.getMessage());
    }
}
