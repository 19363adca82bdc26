package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.GradientCheck;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerFactory;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The layers of the ONNX tensor graph (issue 16): values by hand or from a closed form, finite-difference
 * gradients, and a rebuild from the saved config (the layer registry) that computes the same.
 */
class TensorGraphLayersTest {

    private static Tensor randn(long seed, int... dims) {
        return Tensor.randn(new Random(seed), 1f, dims);
    }

    /** Gradient check plus: LayerFactory rebuilds the layer from type + config and it computes the same. */
    private static void checkAndRebuild(Layer l, Tensor x) {
        l.outputShape(x.shape().dropFirst());
        LayerGradientTest.check(l, x, true);
        Layer copy = LayerFactory.create(l.type(), l.config());
        copy.outputShape(x.shape().dropFirst());
        for (int i = 0; i < l.parameters().size(); i++) {
            copy.parameters().get(i).load(l.parameters().get(i).value());
        }
        assertArrayEquals(l.forward(x, false).data(), copy.forward(x, false).data(), 0f, l.describe());
    }

    /**
     * The table erf (Taylor polynomials about points 1/64 apart) against the series it is built from, off the grid
     * over [-7, 7], and against published values between grid points (0.1, 0.3, 0.7, 1.3).
     */
    @Test
    void tableErfAgreesWithTheSeries() {
        assertEquals(0.1124629160182849, Elementwise.erf(0.1), 1e-15);
        assertEquals(0.3286267594591274, Elementwise.erf(0.3), 1e-15);
        assertEquals(-0.6778011938374185, Elementwise.erf(-0.7), 1e-15);
        assertEquals(0.9340079449406524, Elementwise.erf(1.3), 1e-15);
        double worst = 0;
        double worstSmall = 0; // below |x| = 1.5 the series' terms are small and it is good to about 1e-16
        for (int i = -70_000; i <= 70_000; i++) {
            double x = i / 10_000.0 + 0.3e-5; // never on a grid point
            double err = Math.abs(Elementwise.erf(x) - Elementwise.erfSeries(x));
            worst = Math.max(worst, err);
            worstSmall = Math.abs(x) < 1.5 ? Math.max(worstSmall, err) : worstSmall;
        }
        assertTrue(worstSmall < 1e-15, "largest difference from the series below 1.5: " + worstSmall);
        // near |x| = 3 the series loses ~3 digits to cancellation (terms up to ~170): that is the difference here
        assertTrue(worst < 2e-13, "largest difference from the series " + worst);
        assertTrue(Double.isNaN(Elementwise.erf(Double.NaN)));
        assertEquals(1.0, Elementwise.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, Elementwise.erf(-6.0));
        assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(Elementwise.erf(-0.0)));
    }

    @Test
    void elementwiseValuesAndGradients() {
        assertEquals(0.8427007929497149, Elementwise.erf(1), 1e-15);
        assertEquals(-0.9953222650189527, Elementwise.erf(-2), 1e-15);
        assertEquals(0.9999779095030014, Elementwise.erf(3), 1e-15);
        assertEquals(0.9999999845827421, Elementwise.erf(4), 1e-15);
        Tensor hs = new Elementwise(Elementwise.Fn.HARD_SWISH).forward(Tensor.of(new float[] {-4, -1, 0, 2, 5}, 1, 5), false);
        assertArrayEquals(new float[] {0, -1f / 3, 0, 2 * 5f / 6, 5}, hs.data(), 1e-6f);
        for (Elementwise.Fn fn : Elementwise.Fn.values()) {
            Tensor x = randn(fn.ordinal(), 2, 3, 4);
            boolean positive = fn == Elementwise.Fn.LOG || fn == Elementwise.Fn.SQRT || fn == Elementwise.Fn.POW
                    || fn == Elementwise.Fn.RECIPROCAL;
            for (int i = 0; i < x.size(); i++) {
                float v = x.data()[i];
                // away from the kinks (0, +-3, the floor steps, the rounding steps at halves) where a finite
                // difference straddles two pieces
                v = Math.abs(v) < 0.1f ? v + 0.3f : v;
                if (Math.abs(Math.abs(v) - 3) < 0.1f || Math.abs(v - Math.rint(v)) < 0.05f
                        || Math.abs(v - Math.rint(v)) > 0.45f) {
                    v += 0.2f;
                }
                x.data()[i] = positive ? 0.5f + Math.abs(v) : v;
            }
            Elementwise l = fn == Elementwise.Fn.POW ? new Elementwise(fn, 2.5, 0) : new Elementwise(fn);
            checkAndRebuild(l, x);
        }
    }

    @Test
    void rearrangementsByHandAndGradients() {
        Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, new Transpose(1, 0).forward(x, false).data());
        assertArrayEquals(new float[] {2, 0, 5, 3},
                new Slice(new int[] {0, 2}, new int[] {2, -1}, new int[] {1, -2}).forward(x, false).data());
        assertArrayEquals(new float[] {2, 2, 5, 5}, new Take(1, new int[] {2, 2}, false).forward(x, false).data());
        assertEquals(Shape.of(3), new Take(0, new int[] {1}, true).outputShape(Shape.of(2, 3)));
        checkAndRebuild(new Transpose(2, 0, 1), randn(1, 2, 3, 4, 5));
        checkAndRebuild(new Slice(new int[] {1, 0, 4}, new int[] {3, 4, -1}, new int[] {1, 2, -2}), randn(2, 2, 3, 4, 5));
        checkAndRebuild(new Take(1, new int[] {3, 0, 3}, false), randn(3, 2, 3, 4));
    }

    @Test
    void reductionsByHandAndGradients() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
        assertArrayEquals(new float[] {2, 5}, new Reduce(Reduce.Op.MEAN, new int[] {1}, false).forward(x, false).data());
        assertArrayEquals(new float[] {4, 5, 6}, new Reduce(Reduce.Op.MAX, new int[] {0}, true).forward(x, false).data());
        assertEquals(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)),
                new Reduce(Reduce.Op.LOG_SUM_EXP, new int[] {1}, false).forward(x, false).data()[0], 1e-6);
        for (Reduce.Op op : Reduce.Op.values()) {
            checkAndRebuild(new Reduce(op, new int[] {1, 2}, op.ordinal() % 2 == 0), randn(op.ordinal() + 10, 2, 3, 4, 2));
        }
    }

    @Test
    void layerNormMatchesTheFormulaAndGradients() {
        LayerNorm ln = new LayerNorm(1, 1e-5);
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 10, 20, 30, 40}, 2, 4);
        ln.outputShape(Shape.of(4));
        float[] y = ln.forward(x, false).data();
        double sd = Math.sqrt(1.25 + 1e-5);
        assertEquals(-1.5 / sd, y[0], 1e-5);
        assertEquals(1.5 / Math.sqrt(125 + 1e-5) * 10, y[7], 1e-5);
        LayerNorm two = new LayerNorm(2, 1e-3);
        two.outputShape(Shape.of(3, 4, 5));
        two.gamma().load(randn(7, 4, 5));
        two.beta().load(randn(8, 4, 5));
        checkAndRebuild(two, randn(9, 2, 3, 4, 5));
    }

    /**
     * The vector rows' default: the property decides when given; else on only with a JVM trap limit of at least 1000
     * (the launcher's 10000), off with HotSpot's 100 or an unreadable limit. The limit read is this JVM's: its
     * {@code -XX:PerMethodTrapLimit=} argument, else HotSpot's default of 100.
     */
    @Test
    void layerNormVectorRowsFollowTheTrapLimitUnlessThePropertyDecides() {
        assertTrue(LayerNorm.vectorRowsByDefault(null, 10000));
        assertTrue(LayerNorm.vectorRowsByDefault(null, 1000));
        assertFalse(LayerNorm.vectorRowsByDefault(null, 999));
        assertFalse(LayerNorm.vectorRowsByDefault(null, 100));
        assertFalse(LayerNorm.vectorRowsByDefault(null, -1));
        assertFalse(LayerNorm.vectorRowsByDefault("false", 10000));
        assertTrue(LayerNorm.vectorRowsByDefault("true", 100));
        long expected = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:PerMethodTrapLimit=")).map(a -> Long.parseLong(a.substring(23)))
                .reduce((a, b) -> b).orElse(100L);
        assertEquals(expected, LayerNorm.perMethodTrapLimit());
    }

    /**
     * {@code -Dconvnet4j.layernorm.vector=true}: the rows on the kernels (float-block statistics) agree with the scalar
     * double loops within the block sums' rounding ((d + 8) * 2^-24 in units of the output, d at most
     * Kernels.WIDE_BLOCK here); parameter gradients and input gradients alike.
     */
    @Test
    void layerNormOnTheKernelsAgreesWithTheScalarRows() {
        for (int axes : new int[] {1, 2}) {
            int[] sample = axes == 1 ? new int[] {7, 96} : new int[] {3, 8, 40};
            int[] dims = new int[sample.length + 1];
            dims[0] = 4;
            System.arraycopy(sample, 0, dims, 1, sample.length);
            Tensor x = randn(21, dims);
            Tensor dy = randn(22, x.shape().dims());
            float[][] results = new float[2][];
            float[][] dGamma = new float[2][];
            boolean before = LayerNorm.vectorRows;
            for (int v = 0; v < 2; v++) {
                LayerNorm.vectorRows = v == 1;
                try {
                    LayerNorm ln = new LayerNorm(axes, 1e-5);
                    ln.outputShape(x.shape().dropFirst());
                    ln.gamma().load(randn(23, ln.gamma().value().shape().dims()));
                    ln.beta().load(randn(24, ln.beta().value().shape().dims()));
                    float[] y = ln.forward(x, true).data();
                    float[] dx = ln.backward(dy).data();
                    results[v] = concat(y, dx);
                    dGamma[v] = concat(ln.gamma().grad().data(), ln.beta().grad().data());
                } finally {
                    LayerNorm.vectorRows = before;
                }
            }
            int d = axes == 1 ? sample[1] : sample[1] * sample[2];
            double eps = Math.ulp(1f) / 2;
            for (int i = 0; i < results[0].length; i++) {
                double tol = (d + 8) * eps * 4 * (1 + Math.abs(results[0][i]));
                assertEquals(results[0][i], results[1][i], tol, "axes " + axes + " at " + i);
            }
            for (int i = 0; i < dGamma[0].length; i++) {
                double tol = (d + 8) * eps * 4 * x.size() / d * (1 + Math.abs(dGamma[0][i]));
                assertEquals(dGamma[0][i], dGamma[1][i], tol, "axes " + axes + " parameter gradient " + i);
            }
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void matMulAndDenseOverTheLastAxis() {
        MatMul mm = new MatMul();
        Tensor a = randn(1, 2, 3, 4, 5);
        Tensor b = randn(2, 2, 3, 5, 2);
        assertEquals(Shape.of(3, 4, 2), mm.outputShape(List.of(Shape.of(3, 4, 5), Shape.of(3, 5, 2))));
        Tensor y = mm.forward(List.of(a, b), false);
        double want = 0;
        for (int k = 0; k < 5; k++) {
            want += a.get(1, 2, 3, k) * b.get(1, 2, k, 1);
        }
        assertEquals(want, y.get(1, 2, 3, 1), 1e-5);
        GradientCheck.Result r = GradientCheck.check(mm, List.of(a, b), GradientCheck.Options.training(30, 3));
        assertTrue(r.passed(), r.toString());
        Dense d = new Dense(3).over(Dense.Over.LAST_AXIS);
        assertEquals(Shape.of(4, 6, 3), d.outputShape(Shape.of(4, 6, 5)));
        @SuppressWarnings("deprecation") // the old boolean form delegates to over(...)
        Dense old = new Dense(3).overLastAxis(true);
        @SuppressWarnings("deprecation")
        Dense whole = new Dense(3).overLastAxis(false);
        assertTrue(d.isOverLastAxis() && old.isOverLastAxis() && !whole.isOverLastAxis()
                && !new Dense(3).isOverLastAxis() && !new Dense(3).over(Dense.Over.WHOLE_SAMPLE).isOverLastAxis());
        assertEquals(d.outputShape(Shape.of(4, 6, 5)), old.outputShape(Shape.of(4, 6, 5)));
        checkAndRebuild(d, randn(4, 2, 4, 6, 5));
    }

    @Test
    void preluArgMaxResizeAndConcatAlongAnAxis() {
        PRelu p = new PRelu(Shape.of(2, 1));
        p.outputShape(Shape.of(2, 3));
        p.slope().load(Tensor.of(new float[] {0.1f, -0.5f}, 2, 1));
        assertArrayEquals(new float[] {-0.1f, 2, 3, 0.5f, 5, 3},
                p.forward(Tensor.of(new float[] {-1, 2, 3, -1, 5, 3}, 1, 2, 3), false).data(), 1e-6f);
        checkAndRebuild(p, randn(5, 2, 2, 3));

        ArgMax am = new ArgMax(1, false, false);
        assertArrayEquals(new float[] {2, 0}, am.forward(Tensor.of(new float[] {1, 2, 7, 9, 3, 9}, 1, 2, 3), false).data());
        assertArrayEquals(new float[] {2, 2}, new ArgMax(1, true, true)
                .forward(Tensor.of(new float[] {1, 2, 7, 9, 3, 9}, 1, 2, 3), false).data());

        // linear 2 -> 4 along the last axis (align-corners taps): 0, 1/3, 2/3, 1 of the way
        AxisResize r = new AxisResize(1, new int[] {0, 0, 0, 1}, new int[] {1, 1, 1, 1},
                new float[] {0f, 1f / 3, 2f / 3, 0f});
        assertArrayEquals(new float[] {0, 1, 2, 3}, r.forward(Tensor.of(new float[] {0, 3}, 1, 1, 2), false).data(), 1e-6f);
        checkAndRebuild(r, randn(6, 2, 3, 2));

        Concat c = new Concat(1);
        assertEquals(Shape.of(2, 5), c.outputShape(List.of(Shape.of(2, 2), Shape.of(2, 3))));
        assertArrayEquals(new float[] {1, 2, 5, 6, 7, 3, 4, 8, 9, 10}, c.forward(List.of(
                Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2), Tensor.of(new float[] {5, 6, 7, 8, 9, 10}, 1, 2, 3)), false)
                .data());
        GradientCheck.Result g = GradientCheck.check(c, List.of(randn(7, 2, 2, 2), randn(8, 2, 2, 3)), GradientCheck.Options.training(30, 3));
        assertTrue(g.passed(), g.toString());
    }

    @Test
    void dilatedMaxPoolByHandAndGradient() {
        // 1 x 4 x 4, kernel 2 x 2 with dilation 2: the taps of output (0, 0) are (0,0), (0,2), (2,0), (2,2)
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) {
            v[i] = (i * 7) % 16;
        }
        DilatedMaxPool2d p = new DilatedMaxPool2d(new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 2},
                new int[] {0, 0, 0, 0}, false);
        Tensor y = p.forward(Tensor.of(v, 1, 1, 4, 4), false);
        assertEquals(Shape.of(1, 1, 2, 2), y.shape());
        assertEquals(Math.max(Math.max(v[0], v[2]), Math.max(v[8], v[10])), y.data()[0]);
        assertEquals(Math.max(Math.max(v[5], v[7]), Math.max(v[13], v[15])), y.data()[3]);
        DilatedMaxPool2d q = new DilatedMaxPool2d(new int[] {3, 2}, new int[] {2, 1}, new int[] {2, 3},
                new int[] {1, 2, 1, 0}, true);
        checkAndRebuild(q, randn(11, 2, 3, 7, 6));
    }

    @Test
    void dilatedAvgPoolByHandAndGradient() {
        // the ONNX operator documentation's example: 1..16 in 4 x 4, kernel 2, dilation 2 -> 6, 7, 10, 11
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) {
            v[i] = i + 1;
        }
        DilatedAvgPool2d p = new DilatedAvgPool2d(new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 2},
                new int[] {0, 0, 0, 0}, true, false);
        assertArrayEquals(new float[] {6, 7, 10, 11}, p.forward(Tensor.of(v, 1, 1, 4, 4), false).data(), 1e-6f);
        // one pad on top: output (0, 0) has taps rows -1, 1 and columns 0, 2; two inside the image
        DilatedAvgPool2d q = new DilatedAvgPool2d(new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 2},
                new int[] {1, 0, 0, 0}, false, false);
        assertEquals((v[4] + v[6]) / 2, q.forward(Tensor.of(v, 1, 1, 4, 4), false).data()[0], 1e-6f);
        DilatedAvgPool2d qi = new DilatedAvgPool2d(new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 2},
                new int[] {1, 0, 0, 0}, false, true);
        assertEquals((v[4] + v[6]) / 4, qi.forward(Tensor.of(v, 1, 1, 4, 4), false).data()[0], 1e-6f);
        for (boolean include : new boolean[] {false, true}) {
            checkAndRebuild(new DilatedAvgPool2d(new int[] {3, 2}, new int[] {2, 1}, new int[] {2, 3},
                    new int[] {1, 2, 1, 0}, true, include), randn(12, 2, 3, 7, 6));
        }
    }

    @Test
    void axisTapsByHandAndGradient() {
        // two outputs from 3 inputs, 3 taps each: 0.5 x0 + 0.25 x1 + 0.25 x2 and -0.1 x0 + 1.1 x2 + 0 x2
        AxisTaps t = new AxisTaps(1, 3, new int[] {0, 1, 2, 0, 2, 2}, new float[] {0.5f, 0.25f, 0.25f, -0.1f, 1.1f, 0f});
        assertArrayEquals(new float[] {2.25f, 4.3f}, t.forward(Tensor.of(new float[] {1, 3, 4}, 1, 1, 3), false).data(),
                1e-6f);
        assertEquals(Shape.of(2, 2), t.outputShape(List.of(Shape.of(2, 3))));
        checkAndRebuild(t, randn(13, 2, 3, 3));
        AxisTaps rows = new AxisTaps(0, 4, new int[] {0, 0, 1, 2, 0, 1, 2, 2}, new float[] {-0.1f, 0.6f, 0.6f, -0.1f,
            0.2f, 0.3f, 0.3f, 0.2f});
        checkAndRebuild(rows, randn(14, 2, 3, 4));
    }
}
