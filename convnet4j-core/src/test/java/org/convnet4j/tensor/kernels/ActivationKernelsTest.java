package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels#silu}, {@link Kernels#sigmoid} and {@link Kernels#gelu}: the vector kernels give the scalar twin's
 * bits (same operations per lane) at every length and offset, special values included; silu and sigmoid are within a
 * few units in the last place of the exact value ({@code Math.exp} in double, rounded once) over the float range,
 * gelu within 1e-6 relative of erfc integrated numerically in double.
 */
class ActivationKernelsTest {
    private static final int VL = VectorKernels.vectorLength();

    private final Kernels scalar = new ScalarKernels();
    private final Kernels vector = new VectorKernels();

    @Test
    void vectorGivesTheScalarTwinsBits() {
        Random random = new Random(3);
        for (int n : new int[] {0, 1, VL - 1, VL, VL + 1, 3 * VL + 5, 1000, 4099}) {
            for (int off : new int[] {0, 3}) {
                float[] x = new float[n + off];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) ((random.nextDouble() * 2 - 1) * Math.pow(10, random.nextInt(5) - 2));
                }
                float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 87f, -87f,
                    88f, -88f, 89f, -89f, 100f, -100f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE, 1e-30f};
                for (int i = 0; i < Math.min(n, special.length); i++) {
                    x[off + (i * 7) % n] = special[i];
                }
                for (String fn : new String[] {"silu", "sigmoid", "gelu"}) {
                    float[] ys = new float[n + 1];
                    float[] yv = new float[n + 1];
                    apply(scalar, fn, n, x, off, ys, 1);
                    apply(vector, fn, n, x, off, yv, 1);
                    for (int i = 0; i <= n; i++) {
                        assertEquals(Float.floatToRawIntBits(ys[i]), Float.floatToRawIntBits(yv[i]),
                                fn + " n=" + n + " i=" + i + " x=" + (i > 0 ? x[off + i - 1] : 0));
                    }
                }
                // in place
                float[] inPlace = x.clone();
                float[] out = new float[n + off];
                vector.silu(n, x, off, out, off);
                vector.silu(n, inPlace, off, inPlace, off);
                for (int i = off; i < n + off; i++) {
                    assertEquals(Float.floatToRawIntBits(out[i]), Float.floatToRawIntBits(inPlace[i]));
                }
            }
        }
    }

    @Test
    void withinThreeUlpOfTheExactValue() {
        Random random = new Random(5);
        int n = 1 << 20;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double scale = switch (i % 5) {
                case 0 -> 87;
                case 1 -> 10;
                case 2 -> 1;
                case 3 -> 1e-3;
                default -> 1e-20;
            };
            x[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        float[] silu = new float[n];
        float[] sigmoid = new float[n];
        vector.silu(n, x, 0, silu, 0);
        vector.sigmoid(n, x, 0, sigmoid, 0);
        double worstSilu = 0;
        double worstSigmoid = 0;
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double e = v / (1 + Math.exp(-v));
            double s = 1 / (1 + Math.exp(-v));
            worstSilu = Math.max(worstSilu, Math.abs(silu[i] - e) / Math.ulp((float) e));
            worstSigmoid = Math.max(worstSigmoid, Math.abs(sigmoid[i] - s) / Math.ulp((float) s));
        }
        assertTrue(worstSilu <= 3, "silu: worst " + worstSilu + " ulp");
        assertTrue(worstSigmoid <= 3, "sigmoid: worst " + worstSigmoid + " ulp");
        // the ends: saturation, and the clamp below -88 (tiny, negative, finite)
        assertEquals(100f, vector(x(100f)), 0f);
        assertEquals(0f, vector(x(-100f)), 1e-35f);
        assertTrue(vector(x(-100f)) <= 0f);
        assertEquals(Float.POSITIVE_INFINITY, vector(x(Float.POSITIVE_INFINITY)));
        assertTrue(Float.isNaN(vector(x(Float.NaN))));
        assertEquals(0f, vector(x(0f)));
        // sigmoid below the clamp: exactly 0 (the double path's float), not 1 / (1 + e^88)
        for (float v : new float[] {-88.5f, -100f, -200f, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY}) {
            float[] y = new float[VL];
            vector.sigmoid(VL, x(v), 0, y, 0);
            assertEquals(0f, y[VL - 1], "sigmoid(" + v + ")");
        }
        float[] y = new float[VL];
        vector.sigmoid(VL, x(-88f), 0, y, 0);
        assertTrue(y[VL - 1] > 0f && y[VL - 1] < 1e-37f, "sigmoid(-88) " + y[VL - 1]);
    }

    /**
     * GELU against 0.5 x erfc(-x / sqrt 2), with {@code erfc(a) = 2/sqrt(pi) e^(-a^2) * integral_0^L e^(-2as - s^2) ds}
     * by Simpson's rule in double (independent of the kernel's Chebyshev fit), over [-12, 12] where the result is
     * a normal float: relative error at most 1e-6 (the fit's 1.2e-7 plus the float evaluation); beyond -12 the result
     * is below 1e-30 in magnitude, and large positive x gives x.
     */
    @Test
    void geluWithinAMillionthOfTheExactValue() {
        Random random = new Random(9);
        int n = 3000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (i % 3 == 0 ? (random.nextDouble() * 2 - 1) * 12 : i % 3 == 1
                    ? (random.nextDouble() * 2 - 1) * 3 : (random.nextDouble() * 2 - 1) * 1e-3);
        }
        float[] y = new float[n];
        vector.gelu(n, x, 0, y, 0);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double erfc = erfcBySimpson(Math.abs(v) / Math.sqrt(2));
            double e = v < 0 ? 0.5 * v * erfc : v - 0.5 * v * erfc;
            worst = Math.max(worst, e == 0 ? Math.abs(y[i]) : Math.abs(y[i] - e) / Math.abs(e));
        }
        System.out.println("gelu: worst relative error " + worst + " over " + n + " values");
        assertTrue(worst <= 1e-6, "gelu: worst relative error " + worst);
        float[] ends = {-13f, -20f, -100f, -Float.MAX_VALUE, 20f, 100f, 1e30f, Float.POSITIVE_INFINITY};
        float[] out = new float[ends.length];
        vector.gelu(ends.length, ends, 0, out, 0);
        for (int i = 0; i < ends.length; i++) {
            if (ends[i] < 0) {
                assertTrue(out[i] <= 0f && out[i] > -1e-30f, "gelu(" + ends[i] + ") = " + out[i]);
            } else {
                assertEquals(ends[i], out[i], "gelu(" + ends[i] + ")");
            }
        }
        float[] nan = {Float.NaN};
        vector.gelu(1, nan, 0, nan, 0);
        assertTrue(Float.isNaN(nan[0]));
    }

    private static double erfcBySimpson(double a) {
        double len = Math.min(10, 30 / Math.max(a, 1e-9));
        int steps = 2000;
        double h = len / steps;
        double sum = 0;
        for (int k = 0; k <= steps; k++) {
            double s = k * h;
            double f = Math.exp(-2 * a * s - s * s);
            sum += (k == 0 || k == steps ? 1 : k % 2 == 1 ? 4 : 2) * f;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum * h / 3;
    }

    private float vector(float[] x) {
        float[] y = new float[x.length];
        vector.silu(x.length, x, 0, y, 0);
        return y[x.length - 1];
    }

    /** A full vector of v, so the vector body (not the tail) computes the last element. */
    private static float[] x(float v) {
        float[] x = new float[VL];
        java.util.Arrays.fill(x, v);
        return x;
    }

    private static void apply(Kernels k, String fn, int n, float[] x, int xOff, float[] y, int yOff) {
        if (fn.equals("silu")) {
            k.silu(n, x, xOff, y, yOff);
        } else if (fn.equals("gelu")) {
            k.gelu(n, x, xOff, y, yOff);
        } else {
            k.sigmoid(n, x, xOff, y, yOff);
        }
    }
}
