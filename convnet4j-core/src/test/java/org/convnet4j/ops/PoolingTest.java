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

class PoolingTest {
    /** A 4x4 image with distinct window maxima, pooled 2x2 with stride 2 (the lecture's setting). */
    static final Tensor X = Tensor.fromRows(new double[][] {
        {1, 3, 2, 4},
        {5, 6, 1, 2},
        {7, 2, 9, 0},
        {1, 8, 3, 4}}).reshape(1, 1, 4, 4);

    @Test
    void maxPoolingByHand() {
        Tensor y = Pooling.forward(X, PoolParams.max(2, 2));
        assertEquals(Shape.of(1, 1, 2, 2), y.shape());
        assertArrayEquals(new float[] {6, 4, 8, 9}, y.data());
        Tensor dx = Pooling.backward(X, y, Tensor.of(new float[] {10, 20, 30, 40}, 1, 1, 2, 2), PoolParams.max(2, 2));
        assertArrayEquals(Tensor.fromRows(new double[][] {
            {0, 0, 0, 20},
            {0, 10, 0, 0},
            {0, 0, 40, 0},
            {0, 30, 0, 0}}).data(), dx.data());
    }

    @Test
    void meanPoolingByHand() {
        Tensor y = Pooling.forward(X, PoolParams.avg(2, 2));
        // (1+3+5+6)/4, (2+4+1+2)/4, (7+2+1+8)/4, (9+0+3+4)/4
        assertArrayEquals(new float[] {3.75f, 2.25f, 4.5f, 4f}, y.data());
        Tensor dx = Pooling.backward(X, y, Tensor.of(new float[] {4, 8, 12, 16}, 1, 1, 2, 2), PoolParams.avg(2, 2));
        assertArrayEquals(Tensor.fromRows(new double[][] {
            {1, 1, 2, 2}, {1, 1, 2, 2}, {3, 3, 4, 4}, {3, 3, 4, 4}}).data(), dx.data()); // 1/m = 1/4
    }

    @Test
    void lpPoolingByHand() {
        Tensor y2 = Pooling.forward(X, PoolParams.lp(2, 2, 2));
        assertArrayEquals(new float[] {(float) Math.sqrt(71), 5f, (float) Math.sqrt(118), (float) Math.sqrt(106)},
                y2.data(), 1e-5f);
        // p = 1 is the sum of absolute values; signs must not matter.
        Tensor neg = X.copy();
        neg.data()[0] = -1;
        neg.data()[15] = -4;
        assertArrayEquals(new float[] {15, 9, 18, 16}, Pooling.forward(neg, PoolParams.lp(1, 2, 2)).data());
        // dy/dx_i = y^(1-p) |x_i|^(p-1) sign(x_i): for p = 2 that is x_i / y; window 2 has y = 5.
        Tensor dx = Pooling.backward(X, y2, Tensor.of(new float[] {0, 1, 0, 0}, 1, 1, 2, 2), PoolParams.lp(2, 2, 2));
        assertArrayEquals(new float[] {0.4f, 0.8f}, new float[] {dx.get(0, 0, 0, 2), dx.get(0, 0, 0, 3)}, 1e-6f);
        assertArrayEquals(new float[] {0.2f, 0.4f}, new float[] {dx.get(0, 0, 1, 2), dx.get(0, 0, 1, 3)}, 1e-6f);
        // For p = 1 the derivative is sign(x_i).
        Tensor y1 = Pooling.forward(neg, PoolParams.lp(1, 2, 2));
        Tensor d1 = Pooling.backward(neg, y1, Tensor.full(y1.shape(), 1f), PoolParams.lp(1, 2, 2));
        assertEquals(-1f, d1.data()[0]);
        assertEquals(1f, d1.data()[1]);
        assertEquals(-1f, d1.data()[15]);
    }

    @Test
    void lpGradientOfAnAllZeroWindowIsZero() {
        Tensor z = Tensor.zeros(1, 1, 2, 2);
        PoolParams p = PoolParams.lp(3, 2, 2);
        Tensor y = Pooling.forward(z, p);
        assertEquals(0f, y.data()[0]);
        Tensor dx = Pooling.backward(z, y, Tensor.full(y.shape(), 1f), p);
        assertArrayEquals(new float[4], dx.data());
    }

    @Test
    void maxTiesGoToTheFirstElementInRowMajorOrder() {
        Tensor x = Tensor.fromRows(new double[][] {{1, 5}, {5, 0}}).reshape(1, 1, 2, 2);
        PoolParams p = PoolParams.max(2, 2);
        Tensor y = Pooling.forward(x, p);
        Tensor dx = Pooling.backward(x, y, Tensor.full(y.shape(), 1f), p);
        assertArrayEquals(new float[] {0, 1, 0, 0}, dx.data());
        Tensor flat = Tensor.full(Shape.of(1, 1, 2, 2), 2f);
        Tensor dflat = Pooling.backward(flat, Pooling.forward(flat, p), Tensor.full(Shape.of(1, 1, 1, 1), 1f), p);
        assertArrayEquals(new float[] {1, 0, 0, 0}, dflat.data());
        // Why one element: shifting every input by e shifts the max by exactly e, so the gradient must sum to 1
        // (giving 1 to each tied element would sum to 4 here).
        double e = 0.25;
        Tensor shifted = flat.copy();
        for (int i = 0; i < 4; i++) {
            shifted.data()[i] += (float) e;
        }
        double directional = (Pooling.forward(shifted, p).data()[0] - Pooling.forward(flat, p).data()[0]) / e;
        assertEquals(directional, dflat.sum(), 1e-12);
    }

    @Test
    void maxPaddingNeverWins() {
        Tensor x = Tensor.full(Shape.of(1, 1, 3, 3), -5f);
        x.data()[4] = -7f;
        PoolParams p = PoolParams.max(3, 1).withPadding(Padding.of(1));
        Tensor y = Pooling.forward(x, p);
        for (float v : y.data()) {
            assertTrue(v == -5f, "a padded zero won: " + v);
        }
    }

    @Test
    void averageWithAndWithoutPaddingInTheDivisor() {
        Tensor x = Tensor.full(Shape.of(1, 1, 2, 2), 4f);
        PoolParams excl = PoolParams.avg(3, 1).withPadding(Padding.of(1));
        // Corner window of a 2x2 image padded by 1: 4 real cells of 9.
        assertArrayEquals(new float[] {4, 4, 4, 4}, Pooling.forward(x, excl).data());
        assertArrayEquals(new float[] {16f / 9, 16f / 9, 16f / 9, 16f / 9},
                Pooling.forward(x, excl.withCountIncludePad(true)).data(), 1e-6f);
    }

    @Test
    void invalidSettingsFailClearly() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PoolParams.lp(0.5, 2, 2)).getMessage()
                .contains("p >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PoolParams.max(2, 0)).getMessage()
                .contains("stride must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PoolParams.max(2, 2).withPadding(Padding.of(2))).getMessage().contains("at most half"));
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> Pooling.forward(Tensor.zeros(1, 1, 2, 2), PoolParams.max(3, 1)));
        assertTrue(e.getMessage().contains("maxpool2d") && e.getMessage().contains("larger than the padded input"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Pooling.backward(X, Tensor.zeros(1, 1, 2, 2), Tensor.zeros(1, 1, 3, 3), PoolParams.max(2, 2)));
        assertTrue(e.getMessage().contains("[1, 1, 3, 3]"), e.getMessage());
    }

    // ---- reference and finite differences --------------------------------------------------------

    static Stream<Arguments> configs() {
        List<Arguments> out = new ArrayList<>();
        List<PoolParams> bases = List.of(PoolParams.max(2, 2), PoolParams.avg(2, 2), PoolParams.lp(1, 2, 2),
                PoolParams.lp(2, 2, 2), PoolParams.lp(3.5, 2, 2));
        for (PoolParams b : bases) {
            out.add(Arguments.of(b));                                                        // disjoint
            out.add(Arguments.of(b.withKernel(3, 3).withStride(1, 1)));                      // overlapping
            out.add(Arguments.of(b.withKernel(3, 2).withStride(2, 1).withPadding(new Padding(1, 0, 1, 1))));
            out.add(Arguments.of(b.withKernel(3, 3).withStride(2, 2).withPadding(Padding.of(1))
                    .withCountIncludePad(true)));
        }
        return out.stream();
    }

    /** Independent double-precision pooling of one plane; padding cells are absent (-inf for max, 0 for Lp). */
    static double[] refPool(double[] x, int h, int w, PoolParams p) {
        int oh = (h + p.padding().top() + p.padding().bottom() - p.kh()) / p.strideH() + 1;
        int ow = (w + p.padding().left() + p.padding().right() - p.kw()) / p.strideW() + 1;
        double[] y = new double[oh * ow];
        for (int r = 0; r < oh; r++) {
            for (int q = 0; q < ow; q++) {
                double max = Double.NEGATIVE_INFINITY;
                double sum = 0;
                double sumP = 0;
                int real = 0;
                for (int i = 0; i < p.kh(); i++) {
                    for (int j = 0; j < p.kw(); j++) {
                        int yy = r * p.strideH() + i - p.padding().top();
                        int xx = q * p.strideW() + j - p.padding().left();
                        if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
                            continue;
                        }
                        double v = x[yy * w + xx];
                        max = Math.max(max, v);
                        sum += v;
                        sumP += Math.pow(Math.abs(v), p.p());
                        real++;
                    }
                }
                y[r * ow + q] = switch (p.type()) {
                    case MAX -> max;
                    case AVG -> sum / (p.countIncludePad() ? p.kh() * p.kw() : real);
                    case LP -> Math.pow(sumP, 1 / p.p());
                };
            }
        }
        return y;
    }

    /**
     * Library backward vs central differences (step 1e-6, in double) of the reference forward, and library
     * forward vs reference. Inputs are float values spaced at least 0.01 apart (no ties, none near 0), so the
     * max and |x| kinks are never straddled. Tolerance 1e-4: the library computes in float (~1e-7 relative)
     * and the double finite difference is accurate to ~1e-8.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void backwardMatchesFiniteDifferencesOfAReference(PoolParams p) {
        int n = 2;
        int c = 2;
        int h = 5;
        int w = 6;
        Random rnd = new Random(p.hashCode());
        Tensor x = Tensor.zeros(n, c, h, w);
        List<Integer> ranks = new ArrayList<>();
        for (int i = 0; i < x.size(); i++) {
            ranks.add(i);
        }
        java.util.Collections.shuffle(ranks, rnd);
        for (int i = 0; i < x.size(); i++) {
            int k = ranks.get(i) - x.size() / 2;
            x.data()[i] = (k >= 0 ? k + 1 : k) * 0.01f * 7; // distinct, non-zero, both signs
        }
        Tensor y = Pooling.forward(x, p);
        Tensor dy = Tensor.randn(rnd, 1f, y.shape().dims());
        Tensor dx = Pooling.backward(x, y, dy, p);
        int plane = h * w;
        int outPlane = y.dim(2) * y.dim(3);
        for (int pl = 0; pl < n * c; pl++) {
            double[] xs = new double[plane];
            for (int i = 0; i < plane; i++) {
                xs[i] = x.data()[pl * plane + i];
            }
            double[] yr = refPool(xs, h, w, p);
            assertEquals(outPlane, yr.length);
            for (int k = 0; k < outPlane; k++) {
                double expected = yr[k];
                double got = y.data()[pl * outPlane + k];
                assertTrue(Math.abs(expected - got) <= 1e-5 * (1 + Math.abs(expected)),
                        () -> "forward: expected " + expected + " got " + got);
            }
            for (int i = 0; i < plane; i++) {
                double orig = xs[i];
                double eps = 1e-6;
                xs[i] = orig + eps;
                double lp = weighted(refPool(xs, h, w, p), dy, pl * outPlane);
                xs[i] = orig - eps;
                double lm = weighted(refPool(xs, h, w, p), dy, pl * outPlane);
                xs[i] = orig;
                double fd = (lp - lm) / (2 * eps);
                double got = dx.data()[pl * plane + i];
                final int idx = i;
                assertTrue(Math.abs(fd - got) <= 1e-4 * (1 + Math.abs(fd)),
                        () -> "dx[" + idx + "]: finite difference " + fd + " got " + got);
            }
        }
    }

    static double weighted(double[] y, Tensor dy, int offset) {
        double s = 0;
        for (int k = 0; k < y.length; k++) {
            s += y[k] * dy.data()[offset + k];
        }
        return s;
    }

    /** The spellings the pool command and a Java caller share; anything else is one line naming the three. */
    @org.junit.jupiter.api.Test
    void poolTypesParseTheirNames() {
        assertEquals(PoolType.MAX, PoolType.parse("max"));
        assertEquals(PoolType.AVG, PoolType.parse(" Mean "));
        assertEquals(PoolType.AVG, PoolType.parse("AVG"));
        assertEquals(PoolType.LP, PoolType.parse("lp"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolType.parse("median"));
        assertEquals("pool type 'median' is unknown; use max, avg or lp", e.getMessage());
    }
}
