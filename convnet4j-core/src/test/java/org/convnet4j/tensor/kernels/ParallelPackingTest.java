package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A prepared A packed on the kernels' threads ({@link VectorGemm#parallelPacking}) is the packing of the calling
 * thread alone, float for float: shapes with a partial last panel, several KC slices and a partial last one, a short
 * k, transposed or not, alpha not 1, an offset and a leading dimension wider than the matrix, into a reused buffer
 * holding other values. The shared packing takes exactly one hand-off; small ones none.
 */
class ParallelPackingTest {
    private static final int[][] SHAPES = {
        // m, k: a 3x3 convolution's W [filters x C*9] and W^T, pointwise ones, one row block, many
        {128, 576}, {576, 128}, {256, 1024}, {1024, 256}, {131, 777}, {777, 131}, {13, 5000}, {5003, 17}, {8, 8200},
    };

    @Test
    void sharedPackingHasTheCallersBits() {
        VectorGemm gemm = new VectorGemm(2);
        Random random = new Random(17);
        boolean before = VectorGemm.parallelPacking;
        try {
            for (int[] shape : SHAPES) {
                for (boolean transA : new boolean[] {false, true}) {
                    int m = shape[0];
                    int k = shape[1];
                    int rows = transA ? k : m;
                    int cols = transA ? m : k;
                    int lda = cols + 3;
                    int aOff = 5;
                    float[] a = new float[aOff + rows * lda];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = random.nextFloat() - 0.5f;
                    }
                    float alpha = transA ? 1f : 0.37f;
                    VectorGemm.parallelPacking = false;
                    float[] alone = gemm.packForFewRows(transA, m, k, alpha, a, aOff, lda);
                    VectorGemm.parallelPacking = true;
                    long h0 = GemmPool.handOffs();
                    float[] shared = gemm.packForFewRows(transA, m, k, alpha, a, aOff, lda);
                    long handOffs = GemmPool.handOffs() - h0;
                    String what = (transA ? "A^T " : "A ") + m + "x" + k;
                    assertNotNull(alone, what);
                    assertArrayEquals(alone, shared, what);
                    assertEquals(1, handOffs, what + ": one parallel call");
                    // the reused buffer (prepareATransient's; it may be longer than the packing): left full of NaN first
                    float[] junk = gemm.packForFewRows(transA, m, k, 9f, a, aOff, lda, true);
                    java.util.Arrays.fill(junk, Float.NaN);
                    float[] reused = gemm.packForFewRows(transA, m, k, alpha, a, aOff, lda, true);
                    assertArrayEquals(alone, java.util.Arrays.copyOf(reused, alone.length), what + " reused");
                }
            }
        } finally {
            VectorGemm.parallelPacking = before;
        }
    }

    @Test
    void smallPackingsStayOnTheCaller() {
        VectorGemm gemm = new VectorGemm(2);
        float[] a = new float[64 * 511];
        java.util.Arrays.fill(a, 1f);
        long h0 = GemmPool.handOffs();
        gemm.packForFewRows(false, 64, 511, 1f, a, 0, 511); // 32,704 floats: under two chunks
        gemm.packForFewRows(true, 511, 64, 1f, a, 0, 511);
        assertEquals(0, GemmPool.handOffs() - h0);
    }
}
