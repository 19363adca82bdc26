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
                    float[] b = Gaussians.floats(random, len + 3 * storedRows + 11);
                    int bOff = 5;
                    int[] rows = new int[storedRows];
                    for (int r = 0; r < storedRows; r++) {
                        rows[r] = random.nextInt(3 * storedRows + 6);
                    }
                    float[] copy = new float[storedRows * len];
                    for (int r = 0; r < storedRows; r++) {
                        System.arraycopy(b, bOff + rows[r], copy, r * len, len);
                    }
                    float[] a = Gaussians.floats(random, m * kk);
                    for (float beta : new float[] {0f, 1f}) {
                        float[] c0 = Gaussians.floats(new Random(m + n), m * n);
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
}
