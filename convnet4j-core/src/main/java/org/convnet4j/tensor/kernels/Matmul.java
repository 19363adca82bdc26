package org.convnet4j.tensor.kernels;

/**
 * Temporary row-major GEMM entry point for layers until the kernel provider lands; same semantics as
 * BLAS sgemm: C = alpha op(A) op(B) + beta C, op(A) m x k, op(B) k x n, beta == 0 overwrites C.
 */
public final class Matmul {
    private Matmul() {
    }

    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    acc += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * acc : alpha * acc + beta * c[ci];
            }
        }
    }
}
