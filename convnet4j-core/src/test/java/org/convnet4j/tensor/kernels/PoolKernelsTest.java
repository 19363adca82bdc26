package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels#maxPoolWindows}: the vector kernels give the scalar twin's bits (one comparison chain per output
 * and lane) for strides 1, 2 and 3, window sizes 1x1 to 3x5, counts around the vector length, with ties, signed
 * zeros and NaNs at window starts and inside windows; and both match a chain written out here; with the window's
 * taps walked in one flat loop (the default) and in nested row and column loops.
 */
class PoolKernelsTest {
    private static final int VL = VectorKernels.vectorLength();

    private final Kernels scalar = new ScalarKernels();
    private final Kernels vector = new VectorKernels();

    @Test
    void vectorGivesTheScalarTwinsBitsAndTheWrittenOutChain() {
        vectorGivesTheScalarTwinsBits();
    }

    /** The nested window loops kept for A/B runs ({@code -Dconvnet4j.pool.flatWindows=false}) give the same bits. */
    @Test
    void nestedWindowLoopsGiveTheSameBitsAsTheFlatOnes() {
        boolean was = VectorKernels.flatWindows;
        try {
            VectorKernels.flatWindows = !was;
            vectorGivesTheScalarTwinsBits();
        } finally {
            VectorKernels.flatWindows = was;
        }
    }

    private void vectorGivesTheScalarTwinsBits() {
        Random random = new Random(11);
        int ldx = 5 * VL + 9;
        float[] x = new float[ldx * 6];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextInt(5) - 2f; // many ties
        }
        for (int i = 0; i < x.length; i += 13) {
            x[i] = -0f;
        }
        for (int i = 5; i < x.length; i += 37) {
            x[i] = Float.NaN;
        }
        x[2] = Float.POSITIVE_INFINITY;
        x[ldx + 7] = Float.NEGATIVE_INFINITY;
        int checked = 0;
        for (int stride = 1; stride <= 3; stride++) {
            for (int rows = 1; rows <= 3; rows++) {
                for (int cols = 1; cols <= 5; cols += 2) {
                    for (int count : new int[] {0, 1, VL - 1, VL, VL + 1, 2 * VL + 3}) {
                        for (int off : new int[] {0, 1, ldx + 2}) {
                            float[] ys = new float[count + 2];
                            float[] yv = new float[count + 2];
                            scalar.maxPoolWindows(count, x, off, stride, ldx, rows, cols, ys, 1);
                            vector.maxPoolWindows(count, x, off, stride, ldx, rows, cols, yv, 1);
                            for (int q = 0; q < count + 2; q++) {
                                float expected = q == 0 || q == count + 1 ? 0f
                                        : chain(x, off + (q - 1) * stride, ldx, rows, cols);
                                String at = "stride " + stride + " window " + rows + "x" + cols + " count " + count
                                        + " offset " + off + " output " + q;
                                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(ys[q]), at);
                                assertEquals(Float.floatToRawIntBits(ys[q]), Float.floatToRawIntBits(yv[q]), at);
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        // every output of every case, whatever the vector length (4,536 with AVX2's 8 floats, 7,776 with 16)
        assertEquals(81 * (5 * VL + 16), checked, "outputs checked");
    }

    private static float chain(float[] x, int s, int ldx, int rows, int cols) {
        float m = x[s];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float v = x[s + i * ldx + j];
                if (v > m) {
                    m = v;
                }
            }
        }
        return m;
    }

    @Test
    void twoByTwoArgMaxVectorGivesTheScalarTwinsBitsAndTheWrittenOutChain() {
        twoByTwoVectorGivesTheScalarTwinsBits();
    }

    /** {@code -Dconvnet4j.pool.pairLoads=false} (A/B runs: maxPool2x2 on the scalar twin) gives the same bits. */
    @Test
    void twoByTwoWithoutPairLoadsGivesTheSameBits() {
        boolean was = VectorKernels.pairLoads;
        try {
            VectorKernels.pairLoads = !was;
            twoByTwoVectorGivesTheScalarTwinsBits();
        } finally {
            VectorKernels.pairLoads = was;
        }
    }

    private void twoByTwoVectorGivesTheScalarTwinsBits() {
        // maxPool2x2ArgMax and maxPool2x2 (no arg-max), scalar twins and vector kernels, against a chain written out
        // here. Plane counts and sizes so that vectors of outputs start and end inside planes and rows, rows narrower
        // than a vector (a row's last vector runs into the next rows), rows of several vectors, tails of 0 to VL - 1
        // outputs; odd plane sizes (last row and column unused); an offset start and guard values after the outputs
        // (nothing may be written past them); LeNet-5's pools at batch 1 and 8; GoogLeNet's 14x14 planes
        Random random = new Random(12);
        int[][] shapes = {{1, 2, 2}, {3, 4, 4}, {5, 9, 11}, {6, 28, 28}, {48, 28, 28}, {16, 10, 10}, {128, 10, 10},
            {2, 2 * VL, 6}, {1, 2, 2 * VL + 2}, {VL + 1, 2, 2}, {40, 14, 14}, {9, 15, 15}, {2, 6, 4 * VL + 2},
            {3, 5, 2 * VL}, {2, 4, 2 * VL + 1}, {1, 3, 6 * VL + 3}};
        int guard = 2 * VL + 3;
        int checked = 0;
        for (int[] shape : shapes) {
            int planes = shape[0];
            int h = shape[1];
            int w = shape[2];
            int oh = h / 2;
            int ow = w / 2;
            int xOff = 3;
            float[] x = new float[xOff + planes * h * w + 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextInt(4) - 1.5f; // many ties
            }
            for (int i = 1; i < x.length; i += 7) {
                x[i] = -0f;
            }
            for (int i = 2; i < x.length; i += 23) {
                x[i] = Float.NaN;
            }
            for (int i = 5; i < x.length; i += 11) {
                x[i] = 0f; // ties with -0f
            }
            x[xOff + 4] = Float.POSITIVE_INFINITY;
            int n = planes * oh * ow;
            float[] ys = new float[n + 1 + guard];
            float[] yv = new float[n + 1 + guard];
            float[] ysPlain = new float[n + 1 + guard];
            float[] yvPlain = new float[n + 1 + guard];
            int[] as = new int[n + 2 + guard];
            int[] av = new int[n + 2 + guard];
            scalar.maxPool2x2ArgMax(planes, x, xOff, h, w, oh, ow, ys, 1, as, 2);
            vector.maxPool2x2ArgMax(planes, x, xOff, h, w, oh, ow, yv, 1, av, 2);
            scalar.maxPool2x2(planes, x, xOff, h, w, oh, ow, ysPlain, 1);
            vector.maxPool2x2(planes, x, xOff, h, w, oh, ow, yvPlain, 1);
            for (int p = 0; p < planes; p++) {
                for (int r = 0; r < oh; r++) {
                    for (int q = 0; q < ow; q++) {
                        int o = (p * oh + r) * ow + q;
                        int k = xOff + p * h * w + 2 * r * w + 2 * q;
                        int best = k;
                        for (int e : new int[] {k + 1, k + w, k + w + 1}) {
                            if (x[e] > x[best]) {
                                best = e;
                            }
                        }
                        String at = planes + "x" + h + "x" + w + " output " + o;
                        assertEquals(Float.floatToRawIntBits(x[best]), Float.floatToRawIntBits(ys[1 + o]), at);
                        assertEquals(best, as[2 + o], at);
                        assertEquals(Float.floatToRawIntBits(ys[1 + o]), Float.floatToRawIntBits(yv[1 + o]), at);
                        assertEquals(as[2 + o], av[2 + o], at);
                        assertEquals(Float.floatToRawIntBits(ys[1 + o]), Float.floatToRawIntBits(ysPlain[1 + o]), at);
                        assertEquals(Float.floatToRawIntBits(ys[1 + o]), Float.floatToRawIntBits(yvPlain[1 + o]), at);
                        checked++;
                    }
                }
            }
            for (float[] y : new float[][] {yv, yvPlain}) {
                assertEquals(0f, y[0]);
                for (int i = n + 1; i < y.length; i++) {
                    assertEquals(0f, y[i], planes + "x" + h + "x" + w + ": written past the outputs at " + i);
                }
            }
            assertEquals(0, av[1]);
            for (int i = n + 2; i < av.length; i++) {
                assertEquals(0, av[i], planes + "x" + h + "x" + w + ": arg-max written past the outputs at " + i);
            }
        }
        assertEquals(true, checked > 1_000, "outputs checked: " + checked);
    }

    @Test
    void twoByTwoArgMaxRefusesPlanesOutsideTheArrays() {
        float[] x = new float[15];
        float[] y = new float[4];
        int[] a = new int[4];
        for (Kernels k : new Kernels[] {scalar, vector}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.maxPool2x2ArgMax(1, x, 0, 4, 4, 2, 2, y, 0, a, 0));
            assertEquals(true, e.getMessage().contains("maxPool2x2ArgMax"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.maxPool2x2ArgMax(1, x, 0, 3, 3, 2, 1, y, 0, a, 0));
            assertThrows(IllegalArgumentException.class, () -> k.maxPool2x2ArgMax(1, x, 0, 2, 2, 1, 1, y, 0, a, 4));
            e = assertThrows(IllegalArgumentException.class, () -> k.maxPool2x2(1, x, 0, 4, 4, 2, 2, y, 0));
            assertEquals(true, e.getMessage().contains("maxPool2x2"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.maxPool2x2(1, x, 0, 3, 3, 2, 1, y, 0));
            assertThrows(IllegalArgumentException.class, () -> k.maxPool2x2(2, x, 0, 2, 2, 1, 1, y, 3));
            assertEquals(0f, y[0]);
        }
    }

    @Test
    void windowsOutsideTheArrayAreRefusedBeforeAnythingIsWritten() {
        float[] x = new float[40];
        float[] y = new float[10];
        for (Kernels k : new Kernels[] {scalar, vector}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.maxPoolWindows(10, x, 0, 2, 10, 3, 3, y, 0));
            assertEquals(true, e.getMessage().contains("maxPoolWindows"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.maxPoolWindows(11, x, 0, 1, 10, 1, 1, y, 0));
            assertEquals(0f, y[0]);
        }
    }
}
