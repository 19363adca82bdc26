package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The element-wise primitives of {@link VectorKernels} against {@link ScalarKernels}, at lengths around the
 * vector length so both the vector body and the scalar tail run, and at non-zero offsets. Lane-wise
 * operations perform the same single roundings in both, so they must agree bit for bit; reductions (dot,
 * sum) add in a different order and are held to the float summation bound n * 2^-24 * sum|terms|.
 */
class ElementwiseKernelsTest {
    private static final int VL = VectorKernels.vectorLength();
    private static final int[] LENGTHS = {0, 1, VL - 1, VL, VL + 1, 2 * VL - 1, 3 * VL + 5, 1000, 4099};

    private final Kernels scalar = new ScalarKernels();
    private final Kernels vector = new VectorKernels();
    private final Random random = new Random(7);

    @Test
    void lanewiseOperationsMatchScalarTwinExactly() {
        for (int n : LENGTHS) {
            for (int off : new int[] {0, 3}) {
                float[] x = randomArray(n + off + 2);
                float[] y = randomArray(n + off + 2);

                float[] ys = y.clone();
                float[] yv = y.clone();
                scalar.axpy(n, -1.25f, x, off, ys, off);
                vector.axpy(n, -1.25f, x, off, yv, off);
                assertArrayEquals(ys, yv, "axpy n=" + n);

                float[] xs = x.clone();
                float[] xv = x.clone();
                scalar.scale(n, 0.3f, xs, off);
                vector.scale(n, 0.3f, xv, off);
                assertArrayEquals(xs, xv, "scale n=" + n);

                float[] outS = new float[n + 1];
                float[] outV = new float[n + 1];
                scalar.add(n, x, off, y, 1, outS, 1);
                vector.add(n, x, off, y, 1, outV, 1);
                assertArrayEquals(outS, outV, "add n=" + n);
                for (int i = 0; i < n; i++) {
                    assertEquals(x[off + i] + y[1 + i], outV[1 + i], "add value");
                }
            }
        }
    }

    /**
     * allFinite: true for finite values up to the largest and the smallest subnormal; false with one NaN (any payload),
     * infinity or minus infinity at any place of the vector body or the tail, and only inside the range asked about.
     */
    @Test
    void allFiniteFindsOneBadValueAnywhereAndOnlyInItsRange() {
        float[] bad = {Float.NaN, Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffffffff),
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (Kernels k : new Kernels[] {scalar, vector}) {
            for (int n : LENGTHS) {
                for (int off : new int[] {0, 3}) {
                    float[] x = randomArray(n + off + 2);
                    if (n > 0) {
                        x[off] = Float.MAX_VALUE;
                        x[off + n - 1] = -Float.MIN_VALUE;
                    }
                    assertTrue(k.allFinite(n, x, off), k.name() + " n=" + n);
                    x[off + n] = Float.NaN; // just past the range, and just before it
                    if (off > 0) {
                        x[off - 1] = Float.POSITIVE_INFINITY;
                    }
                    assertTrue(k.allFinite(n, x, off), k.name() + " n=" + n + ": outside the range");
                    for (int at = 0; at < n; at += Math.max(1, n / 40)) {
                        for (float b : bad) {
                            float keep = x[off + at];
                            x[off + at] = b;
                            assertEquals(false, k.allFinite(n, x, off), k.name() + " n=" + n + " " + b + " at " + at);
                            x[off + at] = keep;
                        }
                    }
                    if (n > 0) {
                        x[off + n - 1] = Float.NEGATIVE_INFINITY; // the last element (the tail or a full vector)
                        assertEquals(false, k.allFinite(n, x, off), k.name() + " n=" + n + " last");
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> vector.allFinite(5, new float[4], 0));
    }

    @Test
    void axpyAndScaleComputeWhatTheySay() {
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
            26, 27, 28, 29, 30, 31, 32, 33, 34, 35};
        float[] y = new float[x.length];
        Arrays.fill(y, 1f);
        vector.axpy(x.length, 2f, x, 0, y, 0);
        for (int i = 0; i < x.length; i++) {
            assertEquals(1f + 2f * x[i], y[i]);
        }
        vector.scale(x.length, -0.5f, y, 0);
        for (int i = 0; i < x.length; i++) {
            assertEquals(-0.5f * (1f + 2f * x[i]), y[i]);
        }
    }

    @Test
    void reductionsMatchWithinSummationBound() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n + 5);
            float[] y = randomArray(n + 5);
            double exactDot = 0;
            double absDot = 0;
            double exactSum = 0;
            double absSum = 0;
            for (int i = 0; i < n; i++) {
                exactDot += (double) x[2 + i] * y[5 + i - 3];
                absDot += Math.abs((double) x[2 + i] * y[5 + i - 3]);
                exactSum += x[2 + i];
                absSum += Math.abs(x[2 + i]);
            }
            double eps = Math.ulp(1.0f) / 2;
            for (Kernels kernels : new Kernels[] {scalar, vector}) {
                double dot = kernels.dot(n, x, 2, y, 2);
                double sum = kernels.sum(n, x, 2);
                assertTrue(Math.abs(dot - exactDot) <= (n + 1) * eps * absDot + Float.MIN_NORMAL,
                        kernels.name() + " dot n=" + n + ": " + dot + " vs " + exactDot);
                assertTrue(Math.abs(sum - exactSum) <= (n + 1) * eps * absSum + Float.MIN_NORMAL,
                        kernels.name() + " sum n=" + n + ": " + sum + " vs " + exactSum);
            }
        }
        // Small integers add exactly in any order.
        float[] ints = new float[3 * VL + 7];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = i % 7 - 3;
        }
        assertEquals(scalar.sum(ints.length, ints, 0), vector.sum(ints.length, ints, 0));
        assertEquals(scalar.dot(ints.length, ints, 0, ints, 0), vector.dot(ints.length, ints, 0, ints, 0));
    }

    @Test
    void reluForwardAndBackwardMaskByPositiveInput() {
        for (int n : LENGTHS) {
            float[] x = randomArray(n);
            // Special values must behave like the scalar comparison x > 0: NaN, -0 and +0 all map to 0.
            if (n >= 4) {
                x[0] = Float.NaN;
                x[1] = -0f;
                x[2] = 0f;
                x[3] = Float.POSITIVE_INFINITY;
            }
            float[] g = randomArray(n);
            for (Kernels kernels : new Kernels[] {scalar, vector}) {
                float[] out = new float[n];
                float[] gradIn = new float[n];
                kernels.reluForward(n, x, 0, out, 0);
                kernels.reluBackward(n, x, 0, g, 0, gradIn, 0);
                for (int i = 0; i < n; i++) {
                    boolean positive = x[i] > 0f;
                    assertEquals(Float.floatToRawIntBits(positive ? x[i] : 0f), Float.floatToRawIntBits(out[i]),
                            kernels.name() + " relu forward at " + i + " of x=" + x[i]);
                    assertEquals(positive ? g[i] : 0f, gradIn[i], kernels.name() + " relu backward at " + i);
                }
            }
            // In place works too.
            float[] inPlace = x.clone();
            vector.reluForward(n, inPlace, 0, inPlace, 0);
            float[] expected = new float[n];
            scalar.reluForward(n, x, 0, expected, 0);
            assertArrayEquals(expected, inPlace);
        }
    }

    @Test
    void rejectsOutOfRangeSlices() {
        float[] x = new float[10];
        for (Kernels kernels : new Kernels[] {scalar, vector}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.axpy(8, 1f, x, 3, x, 0));
            assertTrue(e.getMessage().startsWith("axpy: x["), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> kernels.sum(-1, x, 0));
            assertThrows(IllegalArgumentException.class, () -> kernels.reluBackward(5, x, 0, x, 6, x, 0));
        }
    }

    private float[] randomArray(int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
