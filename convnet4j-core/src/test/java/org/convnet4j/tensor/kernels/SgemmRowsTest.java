package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels#sgemmRows} and {@link Kernels#sgemmPreparedRows} (B by row offsets, rows overlapping) against
 * {@link Kernels#sgemm} on B copied into a matrix: the same bits, on the few-rows path, the tall-narrow one, the
 * general loop order and the dot products, B transposed or not, on one thread and two, vector and scalar kernels.
 */
class SgemmRowsTest {

    @Test
    void givesTheBitsOfTheCopiedMatrix() {
        int[][] shapes = {
            {24, 230, 576},   // few rows (a 3x3 tile's forward)
            {200, 222, 300},  // more rows than MC, narrow: tall-narrow with a prepared A, general without
            {200, 500, 300},  // more rows than MC, wide: the general loop order
            {3, 40, 1100},    // three rows against a transposed B: dot products
            {9, 7, 5},        // edges only
            {13, 100, 40},    // full panels read in place by the first 8 rows, packed for the last 5
        };
        Random random = new Random(17);
        for (Kernels k : new Kernels[] {KernelProvider.vector(1), KernelProvider.vector(2), KernelProvider.scalar()}) {
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int kk = s[2];
                if (!k.name().startsWith("vector") && (long) m * n * kk > 200_000) {
                    continue; // the scalar twin is the interface's default either way: small shapes suffice
                }
                for (boolean transB : new boolean[] {false, true}) {
                    int storedRows = transB ? n : kk;
                    int len = transB ? kk : n;
                    // rows start anywhere in a buffer shorter than the matrix: they overlap
                    float[] b = randoms(random, len + 3 * storedRows + 11);
                    int bOff = 5;
                    int[] rows = new int[storedRows];
                    for (int r = 0; r < storedRows; r++) {
                        rows[r] = random.nextInt(3 * storedRows + 6);
                    }
                    float[] copy = new float[storedRows * len];
                    for (int r = 0; r < storedRows; r++) {
                        System.arraycopy(b, bOff + rows[r], copy, r * len, len);
                    }
                    float[] a = randoms(random, m * kk);
                    for (float beta : new float[] {0f, 1f}) {
                        float[] c0 = randoms(new Random(m + n), m * n);
                        float[] expected = c0.clone();
                        k.sgemm(false, transB, m, n, kk, 1f, a, 0, kk, copy, 0, len, beta, expected, 0, n);
                        for (boolean threaded : new boolean[] {false, true}) {
                            String what = k.name() + " " + m + "x" + n + "x" + kk + " transB " + transB + " beta "
                                    + beta + " threaded " + threaded;
                            float[] c = c0.clone();
                            if (threaded) {
                                k.sgemmRowsThreaded(false, transB, m, n, kk, a, 0, kk, b, bOff, rows, beta, c, 0, n);
                            } else {
                                k.sgemmRows(false, transB, m, n, kk, a, 0, kk, b, bOff, rows, beta, c, 0, n);
                            }
                            assertArrayEquals(expected, c, what);
                            c = c0.clone();
                            PreparedMatrix p = k.prepareA(false, m, kk, 1f, a, 0, kk);
                            if (threaded) {
                                k.sgemmPreparedRowsThreaded(p, transB, n, b, bOff, rows, beta, c, 0, n);
                            } else {
                                k.sgemmPreparedRows(p, transB, n, b, bOff, rows, beta, c, 0, n);
                            }
                            assertArrayEquals(expected, c, "prepared " + what);
                        }
                    }
                }
            }
        }
    }

    /**
     * With {@link VectorGemm#rowsInPlace} (off by default) the few-rows path's full tiles read B's rows in place
     * ({@code microKernel8x3Rows}) instead of a packed panel: still the bits of sgemm on the copy, with edge rows
     * (13 rows: 8 in place, 5 packed), KC slices after the first (k = 576) and two threads.
     */
    @Test
    void rowsReadInPlaceGiveTheSameBits() {
        boolean before = VectorGemm.rowsInPlace;
        VectorGemm.rowsInPlace = true;
        try {
            Random random = new Random(23);
            for (int[] s : new int[][] {{24, 230, 576}, {13, 100, 40}}) {
                int m = s[0];
                int n = s[1];
                int kk = s[2];
                float[] b = randoms(random, n + 3 * kk + 11);
                int[] rows = new int[kk];
                for (int r = 0; r < kk; r++) {
                    rows[r] = random.nextInt(3 * kk + 6);
                }
                float[] copy = new float[kk * n];
                for (int r = 0; r < kk; r++) {
                    System.arraycopy(b, 5 + rows[r], copy, r * n, n);
                }
                float[] a = randoms(random, m * kk);
                for (float beta : new float[] {0f, 1f}) {
                    float[] c0 = randoms(new Random(m + n), m * n);
                    float[] expected = c0.clone();
                    KernelProvider.vector(1).sgemm(false, false, m, n, kk, 1f, a, 0, kk, copy, 0, n, beta, expected, 0,
                            n);
                    VectorGemm.rowsInPlace = false;
                    float[] packed = c0.clone();
                    KernelProvider.vector(1).sgemmRows(false, false, m, n, kk, a, 0, kk, b, 5, rows, beta, packed, 0, n);
                    VectorGemm.rowsInPlace = true;
                    assertArrayEquals(expected, packed, "packed panels " + m + "x" + n + "x" + kk);
                    for (Kernels k : new Kernels[] {KernelProvider.vector(1), KernelProvider.vector(2)}) {
                        float[] c = c0.clone();
                        k.sgemmRowsThreaded(false, false, m, n, kk, a, 0, kk, b, 5, rows, beta, c, 0, n);
                        assertArrayEquals(packed, c, k.name() + " " + m + "x" + n + "x" + kk + " beta " + beta);
                        c = c0.clone();
                        k.sgemmPreparedRows(k.prepareA(false, m, kk, 1f, a, 0, kk), false, n, b, 5, rows, beta, c, 0,
                                n);
                        assertArrayEquals(packed, c, "prepared " + k.name() + " " + m + "x" + n + "x" + kk);
                    }
                }
            }
        } finally {
            VectorGemm.rowsInPlace = before;
        }
    }

    @Test
    void refusesARowOutsideItsArray() {
        Kernels k = KernelProvider.vector(1);
        float[] b = new float[20];
        float[] c = new float[4];
        assertThrows(IllegalArgumentException.class, () -> k.sgemmRows(false, false, 2, 2, 2, new float[4], 0, 2, b, 0,
                new int[] {0, 19}, 0f, c, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> KernelProvider.scalar().sgemmRows(false, false, 2, 2, 2,
                new float[4], 0, 2, b, 0, new int[] {-1, 0}, 0f, c, 0, 2));
    }

    private static float[] randoms(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
