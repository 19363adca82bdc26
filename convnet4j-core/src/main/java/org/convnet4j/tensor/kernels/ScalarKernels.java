package org.convnet4j.tensor.kernels;

/**
 * Plain-loop kernels: the obviously-correct reference that tests compare {@link VectorKernels} against, and
 * the run-time fallback when the Vector API is missing. Clarity beats speed here, but loops still run in a
 * cache-friendly order so the fallback stays usable.
 */
public final class ScalarKernels implements Kernels {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        Checks.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                // beta == 0 must overwrite, not multiply: 0 * NaN would be NaN.
                c[cRow + j] = beta == 0f ? 0f : beta * c[cRow + j];
            }
            if (alpha == 0f) {
                continue;
            }
            // i-p-j order: the innermost loop walks a row of C (and of B when B is not transposed).
            for (int p = 0; p < k; p++) {
                float aip = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
                for (int j = 0; j < n; j++) {
                    float bpj = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    c[cRow + j] += aip * bpj;
                }
            }
        }
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        Checks.range("axpy", "x", x, xOff, n);
        Checks.range("axpy", "y", y, yOff, n);
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        Checks.range("dot", "x", x, xOff, n);
        Checks.range("dot", "y", y, yOff, n);
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[xOff + i] * y[yOff + i];
        }
        return s;
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        Checks.range("scale", "x", x, xOff, n);
        for (int i = 0; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public void add(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        Checks.range("add", "a", a, aOff, n);
        Checks.range("add", "b", b, bOff, n);
        Checks.range("add", "out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        Checks.range("sum", "x", x, xOff, n);
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    @Override
    public void reluForward(int n, float[] x, int xOff, float[] out, int outOff) {
        Checks.range("reluForward", "x", x, xOff, n);
        Checks.range("reluForward", "out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = v > 0f ? v : 0f;
        }
    }

    @Override
    public void reluBackward(int n, float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff) {
        Checks.range("reluBackward", "x", x, xOff, n);
        Checks.range("reluBackward", "gradOut", gradOut, gOff, n);
        Checks.range("reluBackward", "gradIn", gradIn, giOff, n);
        for (int i = 0; i < n; i++) {
            gradIn[giOff + i] = x[xOff + i] > 0f ? gradOut[gOff + i] : 0f;
        }
    }
}
