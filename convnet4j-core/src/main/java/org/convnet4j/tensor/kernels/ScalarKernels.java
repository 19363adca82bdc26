package org.convnet4j.tensor.kernels;

/**
 * Plain-loop kernels: the obviously-correct reference that tests compare {@link VectorKernels} against, and
 * the run-time fallback when the Vector API is missing. Clarity beats speed here, but loops still run in a
 * cache-friendly order so the fallback stays usable.
 */
final class ScalarKernels implements Kernels {

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

    @Override
    public double sumWide(int n, float[] x, int xOff) {
        Checks.range("sumWide", "x", x, xOff, n);
        double total = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            float block = 0f;
            for (int i = start; i < end; i++) {
                block += x[xOff + i];
            }
            total += block;
        }
        return total;
    }

    @Override
    public double dotWide(int n, float[] x, int xOff, float[] y, int yOff) {
        Checks.range("dotWide", "x", x, xOff, n);
        Checks.range("dotWide", "y", y, yOff, n);
        double total = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            float block = 0f;
            for (int i = start; i < end; i++) {
                float p = x[xOff + i] * y[yOff + i];
                block += p;
            }
            total += block;
        }
        return total;
    }

    @Override
    public double sumSquaredDeviations(int n, float[] x, int xOff, float mean) {
        Checks.range("sumSquaredDeviations", "x", x, xOff, n);
        double total = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            float block = 0f;
            for (int i = start; i < end; i++) {
                float d = x[xOff + i] - mean;
                float sq = d * d;
                block += sq;
            }
            total += block;
        }
        return total;
    }

    @Override
    public void normalizeAffine(int n, float[] x, int xOff, float mean, float invStd, float gamma, float beta,
                                float[] xhat, int hOff, float[] out, int outOff) {
        Checks.range("normalizeAffine", "x", x, xOff, n);
        Checks.range("normalizeAffine", "xhat", xhat, hOff, n);
        Checks.range("normalizeAffine", "out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            float h = (x[xOff + i] - mean) * invStd;
            xhat[hOff + i] = h;
            float scaled = gamma * h;
            out[outOff + i] = scaled + beta;
        }
    }

    /** Its {@link #sumWide} and {@link #dotWide} loops over the masked values, one pass: the same bits. */
    @Override
    public void sumAndDotWideMasked(int n, float[] x, int xOff, float[] mask, int mOff, float[] y, int yOff,
                                    double[] out) {
        Checks.range("sumAndDotWideMasked", "x", x, xOff, n);
        Checks.range("sumAndDotWideMasked", "mask", mask, mOff, n);
        Checks.range("sumAndDotWideMasked", "y", y, yOff, n);
        double sumTotal = 0;
        double dotTotal = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            float sumBlock = 0f;
            float dotBlock = 0f;
            for (int i = start; i < end; i++) {
                float v = mask[mOff + i] > 0f ? x[xOff + i] : 0f;
                sumBlock += v;
                float p = v * y[yOff + i];
                dotBlock += p;
            }
            sumTotal += sumBlock;
            dotTotal += dotBlock;
        }
        out[0] = sumTotal;
        out[1] = dotTotal;
    }

    @Override
    public void batchNormBackward(int n, float[] dy, int dyOff, float[] xhat, int hOff, float scale, float meanDy,
                                  float meanDyXhat, float[] dx, int dxOff) {
        Checks.range("batchNormBackward", "dy", dy, dyOff, n);
        Checks.range("batchNormBackward", "xhat", xhat, hOff, n);
        Checks.range("batchNormBackward", "dx", dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            float centred = dy[dyOff + i] - meanDy;
            float projection = xhat[hOff + i] * meanDyXhat;
            dx[dxOff + i] = scale * (centred - projection);
        }
    }

    @Override
    public void sgdUpdate(int n, float[] w, int wOff, float[] grad, int gOff, float[] buf, int bOff, float lr,
                          float weightDecay, float momentum, float oneMinusDampening, boolean nesterov,
                          boolean first) {
        Checks.range("sgdUpdate", "w", w, wOff, n);
        Checks.range("sgdUpdate", "grad", grad, gOff, n);
        if (buf != null) {
            Checks.range("sgdUpdate", "buf", buf, bOff, n);
        }
        for (int i = 0; i < n; i++) {
            float decay = weightDecay * w[wOff + i];
            float g = grad[gOff + i] + decay;
            if (buf != null) {
                float b;
                if (first) {
                    b = g;
                } else {
                    float old = momentum * buf[bOff + i];
                    float fresh = oneMinusDampening * g;
                    b = old + fresh;
                }
                buf[bOff + i] = b;
                if (nesterov) {
                    float ahead = momentum * b;
                    g = g + ahead;
                } else {
                    g = b;
                }
            }
            float step = lr * g;
            w[wOff + i] = w[wOff + i] - step;
        }
    }

    @Override
    public void adamUpdate(int n, float[] w, int wOff, float[] grad, int gOff, float[] m, int mOff, float[] v,
                           int vOff, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float l2,
                           float shrink, float stepSize, float sqrtCorrection2, float eps) {
        Checks.range("adamUpdate", "w", w, wOff, n);
        Checks.range("adamUpdate", "grad", grad, gOff, n);
        Checks.range("adamUpdate", "m", m, mOff, n);
        Checks.range("adamUpdate", "v", v, vOff, n);
        for (int i = 0; i < n; i++) {
            float decay = l2 * w[wOff + i];
            float g = grad[gOff + i] + decay;
            float mOld = beta1 * m[mOff + i];
            float mNew = mOld + oneMinusBeta1 * g;
            float g2 = g * g;
            float vOld = beta2 * v[vOff + i];
            float vNew = vOld + oneMinusBeta2 * g2;
            m[mOff + i] = mNew;
            v[vOff + i] = vNew;
            float denom = (float) Math.sqrt(vNew) / sqrtCorrection2 + eps;
            float step = stepSize * mNew / denom;
            float shrunk = w[wOff + i] * shrink;
            w[wOff + i] = shrunk - step;
        }
    }
}
