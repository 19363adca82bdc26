package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A right operand prepared once ({@link Kernels#prepareB}, the weights of one-sample convolution tiles computed
 * transposed) gives the bits of the ordinary product: the few-rows path reads its panels instead of packing them,
 * every other shape takes the ordinary call.
 */
class PreparedRightOperandTest {
    @Test
    void preparedRightOperandGivesTheBitsOfTheOrdinaryCall() {
        int nr = VectorGemm.NR;
        int kc = VectorGemm.KC;
        // m x n x k: a one-sample 7x7 tile against 512 filters (few rows, several KC slices, an edge panel), a
        // single slice, an odd n, m too tall for the few-rows path, and a dot-product shape (m <= 4 with transB)
        int[][] shapes = {{49, 512, 2 * kc + 64}, {49, 3 * nr + 5, 200}, {17, nr - 3, kc + 1},
            {VectorGemm.MC + 9, 2 * nr + 1, 70}, {2, 70, 1100}};
        Random r = new Random(3);
        for (Kernels k : new Kernels[] {new VectorKernels(2), new VectorKernels(1), new VectorKernels(3),
            new ScalarKernels()}) {
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int kk = s[2];
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        for (float beta : new float[] {0f, 1f}) {
                            float[] a = Gaussians.floats(r, m * kk + 5);
                            float[] b = Gaussians.floats(r, kk * n + 2);
                            float[] c0 = Gaussians.floats(r, m * n);
                            if (beta == 0f) {
                                c0[0] = Float.NaN; // beta 0 never reads C
                            }
                            int lda = ta ? m : kk;
                            int ldb = tb ? kk : n;
                            String what = k.name() + " " + m + "x" + n + "x" + kk + " " + ta + tb + " beta " + beta;
                            PreparedMatrix p = k.prepareB(tb, kk, n, b, 2, ldb);
                            for (boolean threaded : new boolean[] {true, false}) {
                                float[] expected = c0.clone();
                                float[] actual = c0.clone();
                                if (threaded) {
                                    k.sgemm(ta, tb, m, n, kk, 1f, a, 5, lda, b, 2, ldb, beta, expected, 0, n);
                                } else {
                                    k.sgemmSingleThread(ta, tb, m, n, kk, 1f, a, 5, lda, b, 2, ldb, beta, expected, 0, n);
                                }
                                if (threaded) {
                                    k.sgemmPreparedBThreaded(ta, m, a, 5, lda, p, beta, actual, 0, n);
                                } else {
                                    k.sgemmPreparedB(ta, m, a, 5, lda, p, beta, actual, 0, n);
                                }
                                assertArrayEquals(expected, actual, what + (threaded ? " threaded" : ""));
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void sharedPackingAndPanelTasksGiveTheBitsOfOneThread() {
        // a one-sample 7x7 tile computed transposed against 512 filters: 49 pixels, 10 whole panels and one of 32
        // columns, 3 KC slices and a short one (the packed left operand is large enough to be packed on every
        // thread); the patches stored transposed (im2col's column buffer) and not
        int m = 49;
        int n = 512;
        int kk = 3 * VectorGemm.KC + 7;
        assertTrue((long) VectorGemm.roundUp(m, VectorGemm.MR) * kk >= 2L * ParallelChunks.VALUES,
                "the left operand is packed in more than one task");
        Random r = new Random(11);
        boolean sharedBefore = VectorGemm.sharedPackingWithPreparedB;
        boolean panelsBefore = VectorGemm.panelTasksWithPreparedB;
        try {
            for (boolean ta : new boolean[] {false, true}) {
                float[] a = Gaussians.floats(r, m * kk + 3);
                float[] b = Gaussians.floats(r, kk * n);
                int lda = ta ? m : kk;
                float[] expected = new float[m * n];
                new VectorKernels(1).sgemm(ta, true, m, n, kk, 1f, a, 3, lda, b, 0, kk, 0f, expected, 0, n);
                for (int threads : new int[] {2, 3}) {
                    Kernels k = new VectorKernels(threads);
                    PreparedMatrix p = k.prepareB(true, kk, n, b, 0, kk);
                    for (int variant = 0; variant < 4; variant++) {
                        VectorGemm.sharedPackingWithPreparedB = (variant & 1) == 0;
                        VectorGemm.panelTasksWithPreparedB = (variant & 2) == 0;
                        float[] actual = new float[m * n];
                        k.sgemmPreparedBThreaded(ta, m, a, 3, lda, p, 0f, actual, 0, n);
                        assertArrayEquals(expected, actual, threads + " threads, transA " + ta + ", shared packing "
                                + VectorGemm.sharedPackingWithPreparedB + ", panel tasks "
                                + VectorGemm.panelTasksWithPreparedB);
                    }
                }
            }
        } finally {
            VectorGemm.sharedPackingWithPreparedB = sharedBefore;
            VectorGemm.panelTasksWithPreparedB = panelsBefore;
        }
    }

    @Test
    void theVectorKernelsKeepThePackedPanels() {
        float[] w = Gaussians.floats(new Random(1), 512 * 576);
        PreparedMatrix p = new VectorKernels(2).prepareB(true, 576, 512, w, 0, 576);
        assertNotNull(p.packed(), "a 576 x 512 right operand is packed");
        assertTrue(p.packed().length >= 576 * 512);
    }
}
