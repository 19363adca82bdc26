package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batch-norm and optimiser primitives of {@link VectorKernels} against {@link ScalarKernels}, and both
 * against double-precision formulas written out here. Lane-wise primitives perform the same separately
 * rounded float operations in both twins and must agree bit for bit; the wide reductions add in a different
 * order and are held to the documented bound {@code (WIDE_BLOCK + 2) * 2^-24 * sum|terms|}.
 */
class TrainingKernelsTest {
    private static final int VL = VectorKernels.vectorLength();
    private static final int[] LENGTHS = {0, 1, VL - 1, VL, VL + 1, 3 * VL + 5, 1000, Kernels.WIDE_BLOCK,
        Kernels.WIDE_BLOCK + 1, 3 * Kernels.WIDE_BLOCK + 17, 25_088};
    private static final double EPS = Math.ulp(1.0f) / 2;

    private final Kernels scalar = new ScalarKernels();
    private final Kernels vector = new VectorKernels();
    private final Random random = new Random(11);

    @Test
    void wideReductionsStayWithinTheBlockBoundOfTheExactValue() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n + 3, 1.0);
            float[] y = randomArray(n + 3, 1.0);
            float mean = 0.37f;
            double sum = 0;
            double absSum = 0;
            double dot = 0;
            double absDot = 0;
            double dev = 0;
            for (int i = 0; i < n; i++) {
                sum += x[3 + i];
                absSum += Math.abs(x[3 + i]);
                dot += (double) x[3 + i] * y[2 + i];
                absDot += Math.abs((double) x[3 + i] * y[2 + i]);
                double d = (double) x[3 + i] - mean;
                dev += d * d;
            }
            double bound = (Kernels.WIDE_BLOCK + 2) * EPS;
            for (Kernels k : new Kernels[] {scalar, vector}) {
                assertTrue(Math.abs(k.sumWide(n, x, 3) - sum) <= bound * absSum + Float.MIN_NORMAL,
                        k.name() + " sumWide n=" + n);
                assertTrue(Math.abs(k.dotWide(n, x, 3, y, 2) - dot) <= bound * absDot + Float.MIN_NORMAL,
                        k.name() + " dotWide n=" + n);
                // Each difference and square is rounded too: 3 more roundings per term, relative to dev.
                assertTrue(Math.abs(k.sumSquaredDeviations(n, x, 3, mean) - dev) <= (bound + 3 * EPS) * dev
                        + Float.MIN_NORMAL, k.name() + " sumSquaredDeviations n=" + n);
            }
        }
        // Much longer than a block: block sums in double keep the error within the block bound, where a plain
        // float sum of 4M values of 0.1 is off by several percent.
        int n = 1 << 22;
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 0.1f);
        double exact = n * (double) 0.1f;
        for (Kernels k : new Kernels[] {scalar, vector}) {
            assertEquals(exact, k.sumWide(n, ones, 0), (Kernels.WIDE_BLOCK + 2) * EPS * exact, k.name());
        }
        // Small integers add exactly in any order, so the twins agree exactly.
        float[] ints = new float[3 * Kernels.WIDE_BLOCK + 7];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = i % 7 - 3;
        }
        assertEquals(scalar.sumWide(ints.length, ints, 0), vector.sumWide(ints.length, ints, 0));
        assertEquals(scalar.dotWide(ints.length, ints, 0, ints, 0), vector.dotWide(ints.length, ints, 0, ints, 0));
        assertEquals(scalar.sumSquaredDeviations(ints.length, ints, 0, 1f),
                vector.sumSquaredDeviations(ints.length, ints, 0, 1f));
    }

    /** Batch-norm backward's one-pass sums are, bit for bit, the two separate reductions of the same kernels. */
    @Test
    void sumAndDotWideGivesTheTwoReductionsBits() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n + 3, 1.0);
            float[] y = randomArray(n + 2, 3.0);
            if (n > 5) {
                x[7] = Float.NaN; // a NaN reaches both sums
                y[n / 2] = Float.POSITIVE_INFINITY;
            }
            for (Kernels k : new Kernels[] {scalar, vector}) {
                double[] out = {Double.NaN, Double.NaN};
                k.sumAndDotWide(n, x, 3, y, 2, out);
                assertEquals(Double.doubleToRawLongBits(k.sumWide(n, x, 3)), Double.doubleToRawLongBits(out[0]),
                        k.name() + " sum n=" + n);
                assertEquals(Double.doubleToRawLongBits(k.dotWide(n, x, 3, y, 2)), Double.doubleToRawLongBits(out[1]),
                        k.name() + " dot n=" + n);
                // ordinary values: the same doubles
                float[] clean = randomArray(n + 3, 1.0);
                k.sumAndDotWide(n, clean, 3, clean, 0, out);
                assertEquals(k.sumWide(n, clean, 3), out[0], k.name() + " clean sum n=" + n);
                assertEquals(k.dotWide(n, clean, 3, clean, 0), out[1], k.name() + " clean dot n=" + n);
            }
        }
        for (Kernels k : new Kernels[] {scalar, vector}) {
            assertThrows(IllegalArgumentException.class, () -> k.sumAndDotWide(11, new float[10], 0, new float[11], 0,
                    new double[2]));
            assertThrows(IllegalArgumentException.class, () -> k.sumAndDotWide(10, new float[10], 0, new float[10], 1,
                    new double[2]));
        }
    }

    @Test
    void reluMaskedSumsAndBackwardGiveTheBitsOfReluBackwardThenTheUnmaskedKernels() {
        // the mask (a ReLU's output) with zeros, -0, NaN and negatives; dy with NaN, infinity and -0 where the mask
        // passes and where it does not
        for (int n : LENGTHS) {
            float[] dy = randomArray(n + 3, 1.0);
            float[] mask = randomArray(n + 1, 1.0);
            float[] h = randomArray(n + 2, 2.0);
            for (int i = 0; i < mask.length; i += 5) {
                mask[i] = 0f;
            }
            for (int i = 2; i < mask.length; i += 17) {
                mask[i] = i % 2 == 0 ? -0f : Float.NaN;
            }
            if (n > 9) {
                dy[3 + 4] = Float.NaN;
                dy[3 + 5] = Float.NEGATIVE_INFINITY;
                dy[3 + 8] = -0f;
                mask[1 + 8] = 1f;
            }
            for (Kernels k : new Kernels[] {scalar, vector}) {
                float[] masked = new float[n];
                k.reluBackward(n, mask, 1, dy, 3, masked, 0);
                double[] expected = new double[2];
                k.sumAndDotWide(n, masked, 0, h, 2, expected);
                double[] actual = {Double.NaN, Double.NaN};
                k.sumAndDotWideMasked(n, dy, 3, mask, 1, h, 2, actual);
                assertEquals(Double.doubleToRawLongBits(expected[0]), Double.doubleToRawLongBits(actual[0]),
                        k.name() + " sum n=" + n);
                assertEquals(Double.doubleToRawLongBits(expected[1]), Double.doubleToRawLongBits(actual[1]),
                        k.name() + " dot n=" + n);
                float[] want = new float[n + 1];
                k.batchNormBackward(n, masked, 0, h, 2, 0.7f, 0.1f, -0.3f, want, 1);
                float[] got = new float[n + 1];
                k.batchNormBackwardMasked(n, dy, 3, mask, 1, h, 2, 0.7f, 0.1f, -0.3f, got, 1);
                for (int i = 0; i <= n; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                            k.name() + " dx n=" + n + " at " + i);
                }
                float[] inPlace = java.util.Arrays.copyOfRange(dy, 3, 3 + n);
                k.batchNormBackwardMasked(n, inPlace, 0, mask, 1, h, 2, 0.7f, 0.1f, -0.3f, inPlace, 0);
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i + 1]), Float.floatToRawIntBits(inPlace[i]),
                            k.name() + " dx over dy n=" + n + " at " + i);
                }
            }
        }
    }

    @Test
    void normalizeAffineIsBitIdenticalAndComputesTheFormula() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n + 1, 3.0);
            float[][] results = new float[2][];
            int r = 0;
            for (Kernels k : new Kernels[] {scalar, vector}) {
                float[] h = new float[n + 2];
                float[] out = new float[n];
                k.normalizeAffine(n, x, 1, 0.5f, 1.7f, -0.8f, 0.25f, h, 2, out, 0);
                for (int i = 0; i < n; i++) {
                    double expectedH = (x[1 + i] - 0.5) * 1.7;
                    assertEquals(expectedH, h[2 + i], 1e-6 * (1 + Math.abs(expectedH)));
                    assertEquals(-0.8 * h[2 + i] + 0.25, out[i], 1e-6 * (1 + Math.abs(out[i])));
                }
                float[] both = new float[2 * n];
                System.arraycopy(h, 2, both, 0, n);
                System.arraycopy(out, 0, both, n, n);
                results[r++] = both;
            }
            assertArrayEquals(results[0], results[1], "normalizeAffine n=" + n);
        }
    }

    /** LayerNorm's row pass with gamma and beta per position: the scalar twin's bits, and the formula. */
    @Test
    void layerNormRowIsBitIdenticalAndComputesTheFormula() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n + 1, 3.0);
            float[] gamma = randomArray(n, 1.0);
            float[] beta = randomArray(n, 1.0);
            float[][] results = new float[2][];
            int r = 0;
            for (Kernels k : new Kernels[] {scalar, vector}) {
                float[] h = new float[n + 2];
                float[] out = new float[n];
                k.layerNormRow(n, x, 1, 0.5f, 1.7f, gamma, beta, h, 2, out, 0);
                for (int i = 0; i < n; i++) {
                    double expectedH = (x[1 + i] - 0.5) * 1.7;
                    assertEquals(expectedH, h[2 + i], 2 * EPS * (1 + Math.abs(expectedH)));
                    double expected = (double) h[2 + i] * gamma[i] + beta[i];
                    assertEquals(expected, out[i], 2 * EPS * (Math.abs(h[2 + i] * gamma[i]) + Math.abs(beta[i])));
                }
                float[] both = new float[2 * n];
                System.arraycopy(h, 2, both, 0, n);
                System.arraycopy(out, 0, both, n, n);
                results[r++] = both;
            }
            assertArrayEquals(results[0], results[1], "layerNormRow n=" + n);
        }
    }

    /**
     * LayerNorm's row backward: dGamma and dBeta the twin's bits (element-wise additions), dx within the rounding of
     * the two block-wise sums and the element-wise operations of a double-precision evaluation of the formula.
     */
    @Test
    void layerNormBackwardRowMatchesTheFormula() {
        for (int n : LENGTHS) {
            if (n == 0) {
                continue;
            }
            float[] dy = randomArray(n + 3, 1.0);
            float[] gamma = randomArray(n, 1.0);
            float[] xhat = randomArray(n + 1, 1.0);
            float[] dg0 = randomArray(n, 1.0);
            float[] db0 = randomArray(n, 1.0);
            float invStd = 1.3f;
            double s1 = 0;
            double s2 = 0;
            double a1 = 0;
            double a2 = 0;
            for (int i = 0; i < n; i++) {
                double gy = (double) dy[3 + i] * gamma[i];
                s1 += gy;
                s2 += gy * xhat[1 + i];
                a1 += Math.abs(gy);
                a2 += Math.abs(gy * xhat[1 + i]);
            }
            double m1 = s1 / n;
            double m2 = s2 / n;
            float[][] grads = new float[2][];
            int r = 0;
            for (Kernels k : new Kernels[] {scalar, vector}) {
                float[] dg = dg0.clone();
                float[] db = db0.clone();
                float[] dx = new float[n + 2];
                k.layerNormBackwardRow(n, dy, 3, gamma, xhat, 1, invStd, dg, db, dx, 2);
                for (int i = 0; i < n; i++) {
                    double h = xhat[1 + i];
                    double gy = (double) dy[3 + i] * gamma[i];
                    double want = invStd * ((gy - m1) - h * m2);
                    double tol = invStd * ((Kernels.WIDE_BLOCK + 4) * EPS * (a1 / n + Math.abs(h) * a2 / n)
                            + 6 * EPS * (Math.abs(gy) + Math.abs(m1) + Math.abs(h * m2)));
                    assertEquals(want, dx[2 + i], tol, k.name() + " dx n=" + n + " at " + i);
                    assertEquals(Float.floatToRawIntBits(dg0[i] + dy[3 + i] * xhat[1 + i]),
                            Float.floatToRawIntBits(dg[i]), "dGamma");
                    assertEquals(Float.floatToRawIntBits(db0[i] + dy[3 + i]), Float.floatToRawIntBits(db[i]), "dBeta");
                }
                float[] both = new float[2 * n];
                System.arraycopy(dg, 0, both, 0, n);
                System.arraycopy(db, 0, both, n, n);
                grads[r++] = both;
            }
            assertArrayEquals(grads[0], grads[1], "dGamma and dBeta n=" + n);
        }
    }

    @Test
    void batchNormBackwardIsBitIdenticalAndComputesTheFormula() {
        for (int n : LENGTHS) {
            float[] dy = randomArray(n, 1.0);
            float[] h = randomArray(n + 4, 1.0);
            float[] dxS = new float[n];
            float[] dxV = new float[n];
            scalar.batchNormBackward(n, dy, 0, h, 4, 1.3f, 0.1f, -0.2f, dxS, 0);
            vector.batchNormBackward(n, dy, 0, h, 4, 1.3f, 0.1f, -0.2f, dxV, 0);
            assertArrayEquals(dxS, dxV, "batchNormBackward n=" + n);
            for (int i = 0; i < n; i++) {
                double expected = 1.3 * (dy[i] - 0.1 - h[4 + i] * -0.2);
                assertEquals(expected, dxV[i], 1e-6 * (1 + Math.abs(expected)));
            }
            // In place (dx = dy) gives the same.
            float[] inPlace = dy.clone();
            vector.batchNormBackward(n, inPlace, 0, h, 4, 1.3f, 0.1f, -0.2f, inPlace, 0);
            assertArrayEquals(dxS, inPlace);
        }
    }

    @Test
    void sgdUpdateIsBitIdenticalForEveryVariantAndFollowsTorchFormula() {
        for (int n : LENGTHS) {
            for (int variant = 0; variant < 4; variant++) {
                boolean momentum = variant > 0;
                boolean nesterov = variant == 2;
                float damp = variant == 3 ? 0.3f : 0f;
                float[] w0 = randomArray(n, 1.0);
                float[] grad = randomArray(n, 1.0);
                float[] buf0 = momentum ? randomArray(n, 0.5) : null;
                for (boolean first : new boolean[] {true, false}) {
                    float[] ws = w0.clone();
                    float[] wv = w0.clone();
                    float[] bs = buf0 == null ? null : buf0.clone();
                    float[] bv = buf0 == null ? null : buf0.clone();
                    scalar.sgdUpdate(n, ws, 0, grad, 0, bs, 0, 0.05f, 1e-3f, momentum ? 0.9f : 0f, 1 - damp, nesterov,
                            first);
                    vector.sgdUpdate(n, wv, 0, grad, 0, bv, 0, 0.05f, 1e-3f, momentum ? 0.9f : 0f, 1 - damp, nesterov,
                            first);
                    assertArrayEquals(ws, wv, "sgd weights variant " + variant + " n=" + n);
                    if (momentum) {
                        assertArrayEquals(bs, bv, "sgd buffer variant " + variant + " n=" + n);
                    }
                    for (int i = 0; i < n; i++) {
                        double g = grad[i] + 1e-3 * w0[i];
                        if (momentum) {
                            double b = first ? g : 0.9 * buf0[i] + (1 - damp) * g;
                            assertEquals(b, bv[i], 1e-6 * (1 + Math.abs(b)));
                            g = nesterov ? g + 0.9 * b : b;
                        }
                        double expected = w0[i] - 0.05 * g;
                        assertEquals(expected, wv[i], 1e-6 * (1 + Math.abs(expected)));
                    }
                }
            }
        }
    }

    @Test
    void adamUpdateIsBitIdenticalAndFollowsTheFormula() {
        for (int n : LENGTHS) {
            for (boolean decoupled : new boolean[] {false, true}) {
                float[] w0 = randomArray(n, 1.0);
                float[] grad = randomArray(n, 1.0);
                float[] m0 = randomArray(n, 0.1);
                float[] v0 = randomArray(n, 0.1);
                for (int i = 0; i < n; i++) {
                    v0[i] = Math.abs(v0[i]);
                }
                int t = 3;
                double lr = 1e-3;
                float stepSize = (float) (lr / (1 - Math.pow(0.9, t)));
                float corr = (float) Math.sqrt(1 - Math.pow(0.999, t));
                float l2 = decoupled ? 0f : 0.01f;
                float shrink = decoupled ? (float) (1 - lr * 0.01) : 1f;
                float[][] state = new float[6][];
                int r = 0;
                for (Kernels k : new Kernels[] {scalar, vector}) {
                    float[] w = w0.clone();
                    float[] m = m0.clone();
                    float[] v = v0.clone();
                    k.adamUpdate(n, w, 0, grad, 0, m, 0, v, 0, 0.9f, 0.1f, 0.999f, 0.001f, l2, shrink, stepSize, corr, 1e-8f);
                    state[r++] = w;
                    state[r++] = m;
                    state[r++] = v;
                }
                assertArrayEquals(state[0], state[3], "adam weights n=" + n);
                assertArrayEquals(state[1], state[4], "adam m n=" + n);
                assertArrayEquals(state[2], state[5], "adam v n=" + n);
                for (int i = 0; i < n; i++) {
                    double g = grad[i] + l2 * (double) w0[i];
                    double m = 0.9 * m0[i] + 0.1 * g;
                    double v = 0.999 * v0[i] + 0.001 * g * g;
                    double expected = w0[i] * (double) shrink - stepSize * m / (Math.sqrt(v) / corr + 1e-8);
                    assertEquals(m, state[4][i], 1e-6 * (1 + Math.abs(m)));
                    assertEquals(v, state[5][i], 1e-6 * v + 1e-12);
                    assertEquals(expected, state[3][i], 1e-6 * (1 + Math.abs(expected)));
                }
            }
        }
    }

    /**
     * The weight gradient's chunk sums: the vector kernels give the scalar twin's bits for every length and chunk
     * count (values of mixed magnitude, so the double sum and its one rounding matter; in every other lane a small
     * first part that two large later ones cancel, so the order of the parts matters; signed zeros and an infinity),
     * and both equal the formula written out here.
     */
    @Test
    void addPartialsGivesTheScalarTwinsBitsAndTheFormula() {
        for (int parts : new int[] {0, 1, 2, 3, 4, 7}) {
            for (int n : LENGTHS) {
                int stride = n + 5;
                float[] src = new float[3 + parts * stride];
                for (int i = 0; i < src.length; i++) {
                    src[i] = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(40) - 20));
                }
                for (int i = 0; parts >= 3 && i < n; i += 2) { // order matters: 2^-20 survives only if it comes last
                    src[3 + i] = 0x1p-20f * (1 + i % 7);
                    src[3 + stride + i] = 0x1p40f;
                    src[3 + 2 * stride + i] = -0x1p40f;
                }
                if (n > 2 && parts > 1) {
                    src[3 + n - 1] = -0f;
                    src[3 + stride + n - 1] = -0f;
                    src[3 + 1] = Float.POSITIVE_INFINITY;
                }
                float[] dst0 = randomArray(n + 2, 1.0);
                if (n > 0) {
                    dst0[2 + n - 1] = -0f;
                }
                float[] expected = dst0.clone();
                for (int i = 0; i < n; i++) {
                    double s = 0.0;
                    for (int p = 0; p < parts; p++) {
                        s = s + src[3 + p * stride + i];
                    }
                    expected[2 + i] = expected[2 + i] + (float) s;
                }
                for (Kernels k : new Kernels[] {scalar, vector}) {
                    float[] dst = dst0.clone();
                    k.addPartials(n, parts, src, 3, stride, dst, 2);
                    for (int i = 0; i < dst.length; i++) {
                        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(dst[i]),
                                k.name() + " parts=" + parts + " n=" + n + " at " + i);
                    }
                }
            }
        }
        for (Kernels k : new Kernels[] {scalar, vector}) {
            float[] x = new float[10];
            assertThrows(IllegalArgumentException.class, () -> k.addPartials(4, 3, x, 0, 4, x, 0));
            assertThrows(IllegalArgumentException.class, () -> k.addPartials(4, 1, x, 0, 4, x, 7));
        }
    }

    @Test
    void rejectsOutOfRangeSlices() {
        float[] x = new float[10];
        for (Kernels k : new Kernels[] {scalar, vector}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.sgdUpdate(10, x, 0, x, 1, null, 0, 0.1f, 0f, 0f, 1f, false, true));
            assertTrue(e.getMessage().startsWith("sgdUpdate: grad["), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.adamUpdate(5, x, 0, x, 0, x, 0, x, 6,
                    0.9f, 0.1f, 0.999f, 0.001f, 0f, 1f, 0.1f, 1f, 1e-8f));
            assertThrows(IllegalArgumentException.class, () -> k.sumWide(11, x, 0));
            assertThrows(IllegalArgumentException.class, () -> k.normalizeAffine(4, x, 0, 0f, 1f, 1f, 0f, x, 7, x, 0));
        }
    }

    private float[] randomArray(int size, double std) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (std * random.nextGaussian());
        }
        return x;
    }
}
