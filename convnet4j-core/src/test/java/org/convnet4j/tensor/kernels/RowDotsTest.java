package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels#rowDots}: the vector kernel ({@link VectorRowDots}: 4 x 4 register tiles, single elements at the
 * edges, the lanes' tree by shuffles) against the scalar twin bit for bit, over row counts on and off the tile's 4,
 * lengths below, at and past a vector, one and several segments, both output orientations, written and added (into
 * signed zeros too); and the sums against float64 within the float chains' error bound.
 */
class RowDotsTest {
    private static final int L = Kernels.ROW_DOT_LANES;

    private final Kernels scalar = new ScalarKernels();
    private final Kernels vector = new VectorKernels(1);
    private final Random random = new Random(17);

    @Test
    void vectorKernelEqualsTheScalarTwinBitForBit() {
        int checked = 0;
        for (int m : new int[] {1, 3, 4, 8, 9}) {
            for (int n : new int[] {1, 4, 6, 12}) {
                for (int len : new int[] {1, L - 1, L, L + 1, 3 * L + 5, 196}) {
                    for (int segs : new int[] {1, 3}) {
                        int lda = len + 3;
                        int ldb = len + 1;
                        int aSeg = m * lda + 2;
                        int bSeg = n * ldb + 5;
                        float[] a = Gaussians.floats(random, 7 + segs * aSeg);
                        float[] b = Gaussians.floats(random, 4 + segs * bSeg);
                        for (int orientation = 0; orientation < 2; orientation++) {
                            int ldi = orientation == 0 ? n : 1;
                            int ldj = orientation == 0 ? 1 : m;
                            for (boolean add : new boolean[] {false, true}) {
                                float[] expected = Gaussians.floats(random, m * n + 6);
                                for (int i = 0; i < expected.length; i += 5) {
                                    expected[i] = i % 2 == 0 ? -0f : 0f;
                                }
                                float[] actual = expected.clone();
                                scalar.rowDots(m, n, len, segs, a, 7, lda, aSeg, b, 4, ldb, bSeg, add, expected, 6, ldi,
                                        ldj);
                                vector.rowDots(m, n, len, segs, a, 7, lda, aSeg, b, 4, ldb, bSeg, add, actual, 6, ldi,
                                        ldj);
                                assertArrayEquals(expected, actual, "m=" + m + " n=" + n + " len=" + len + " segs="
                                        + segs + " ldi=" + ldi + " add=" + add);
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertEquals(5 * 4 * 6 * 2 * 2 * 2, checked);
    }

    /** Each chain sums at most ceil(len / L) * segs products: the float error stays within that many roundings. */
    @Test
    void sumsWithinTheFloatBoundOfFloat64() {
        for (Kernels k : new Kernels[] {scalar, vector}) {
            int m = 6;
            int n = 5;
            int len = 1000;
            int segs = 2;
            float[] a = Gaussians.floats(random, segs * m * len);
            float[] b = Gaussians.floats(random, segs * n * len);
            float[] c = new float[m * n];
            k.rowDots(m, n, len, segs, a, 0, len, m * len, b, 0, len, n * len, false, c, 0, n, 1);
            int terms = segs * ((len + L - 1) / L) + 4; // one chain, then the tree's 4 additions
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double exact = 0;
                    double abs = 0;
                    for (int s = 0; s < segs; s++) {
                        for (int t = 0; t < len; t++) {
                            double p = (double) a[s * m * len + i * len + t] * b[s * n * len + j * len + t];
                            exact += p;
                            abs += Math.abs(p);
                        }
                    }
                    double bound = terms * Math.ulp(1f) / 2 * abs;
                    assertTrue(Math.abs(c[i * n + j] - exact) <= bound,
                            "(" + i + ", " + j + "): " + c[i * n + j] + " against " + exact + ", bound " + bound);
                }
            }
        }
    }
}
