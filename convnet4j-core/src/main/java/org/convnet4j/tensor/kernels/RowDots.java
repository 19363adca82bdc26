package org.convnet4j.tensor.kernels;

/**
 * The scalar twin of {@link Kernels#rowDots} and the two pieces every implementation shares: the argument checks and
 * the lanes' tree sum. The order it fixes (per element: {@link Kernels#ROW_DOT_LANES} chains of fused multiply-adds,
 * lane {@code l} taking the positions {@code l, l + L, l + 2L, ...} of every segment with zeros past a segment's end,
 * then the lanes added as a tree) is the order of the vector kernel's registers, so the two give the same bits.
 */
final class RowDots {
    private static final int L = Kernels.ROW_DOT_LANES;

    private RowDots() {
    }

    static void check(int m, int n, int len, int segs, float[] a, int aOff, int lda, int aSeg, float[] b, int bOff,
                      int ldb, int bSeg, float[] c, int cOff, int ldi, int ldj) {
        if (m < 0 || n < 0 || len < 0 || segs < 0 || lda < len || ldb < len || ldi < 0 || ldj < 0) {
            throw new IllegalArgumentException("rowDots: m=" + m + " n=" + n + " len=" + len + " segs=" + segs
                    + " lda=" + lda + " ldb=" + ldb + " ldi=" + ldi + " ldj=" + ldj);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (len > 0 && segs > 0) {
            Checks.range("rowDots", "a", a, aOff, (segs - 1) * aSeg + (m - 1) * lda + len);
            Checks.range("rowDots", "b", b, bOff, (segs - 1) * bSeg + (n - 1) * ldb + len);
        }
        Checks.range("rowDots", "c", c, cOff, (m - 1) * ldi + (n - 1) * ldj + 1);
    }

    /** The sum of the L lanes at {@code off}: {@code lanes[l] += lanes[l + h]} for {@code h = L/2, L/4, ..., 1}. */
    static float tree(float[] lanes, int off) {
        for (int h = L / 2; h > 0; h /= 2) {
            for (int l = off; l < off + h; l++) {
                lanes[l] += lanes[l + h];
            }
        }
        return lanes[off];
    }

    static void scalar(int m, int n, int len, int segs, float[] a, int aOff, int lda, int aSeg, float[] b, int bOff,
                       int ldb, int bSeg, boolean add, float[] c, int cOff, int ldi, int ldj) {
        float[] lanes = new float[L];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                java.util.Arrays.fill(lanes, 0f);
                for (int s = 0; s < segs; s++) {
                    int ar = aOff + s * aSeg + i * lda;
                    int br = bOff + s * bSeg + j * ldb;
                    for (int t0 = 0; t0 < len; t0 += L) {
                        for (int l = 0; l < L; l++) {
                            int t = t0 + l;
                            // past the end the vector kernel's masked loads read zeros: fma(0, 0, -0) is +0 there too
                            lanes[l] = Math.fma(t < len ? a[ar + t] : 0f, t < len ? b[br + t] : 0f, lanes[l]);
                        }
                    }
                }
                int o = cOff + i * ldi + j * ldj;
                float sum = tree(lanes, 0);
                c[o] = add ? c[o] + sum : sum;
            }
        }
    }
}
