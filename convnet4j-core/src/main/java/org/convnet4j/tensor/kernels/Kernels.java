package org.convnet4j.tensor.kernels;

/**
 * The narrow set of compute primitives that layers and operators are built on. Every primitive works on
 * raw float arrays with explicit offsets, so callers can address a slice of a tensor's backing array
 * without copying.
 *
 * <p>Two implementations exist: the scalar kernels ({@link KernelProvider#scalar()}), plain loops that are
 * obviously correct (the oracle in tests and the fallback when the Vector API is unavailable), and the vector
 * kernels ({@link KernelProvider#vector(int)}), which use {@code jdk.incubator.vector}. {@link KernelProvider#get()} picks one once per JVM. The two agree up to
 * float rounding: sums may be accumulated in a different order, never to a different precision.
 *
 * <p>Implementations are thread-safe: several threads may call any method concurrently on disjoint outputs.
 */
public interface Kernels {

    /** A short name of the implementation, e.g. {@code "vector"} or {@code "scalar"}. */
    String name();

    /**
     * Single-precision general matrix multiply with row-major BLAS semantics:
     * {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(A)} is {@code m x k}, {@code op(B)} is
     * {@code k x n} and {@code C} is {@code m x n}.
     *
     * <p>Element {@code (i, j)} of a row-major matrix X lives at {@code x[xOff + i * ldx + j]}. When
     * {@code transA} is set, {@code A} is stored as a {@code k x m} matrix and transposed on the fly; likewise
     * {@code B} (stored {@code n x k}) when {@code transB} is set.
     *
     * <p>{@code beta == 0} means C is overwritten without being read (NaN or infinity in C does not leak into
     * the result); {@code alpha == 0} or {@code k == 0} means A and B are not read and {@code C = beta * C}.
     *
     * @throws IllegalArgumentException if a dimension is negative, a leading dimension is smaller than the
     *                                  row it must hold, or an array is too short for the described matrix
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
               float beta, float[] c, int cOff, int ldc);

    /** {@code y[i] += alpha * x[i]} for {@code i < n}. */
    void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);

    /** The dot product {@code sum(x[i] * y[i])} for {@code i < n}. */
    float dot(int n, float[] x, int xOff, float[] y, int yOff);

    /** {@code x[i] *= alpha} for {@code i < n}, in place. */
    void scale(int n, float alpha, float[] x, int xOff);

    /** {@code out[i] = a[i] + b[i]} for {@code i < n}; {@code out} may be {@code a} or {@code b}. */
    void add(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff);

    /** The sum of {@code x[i]} for {@code i < n}. */
    float sum(int n, float[] x, int xOff);

    /**
     * ReLU forward: {@code out[i] = x[i] > 0 ? x[i] : 0}; NaN maps to 0, like the comparison says.
     * {@code out} may be {@code x}.
     */
    void reluForward(int n, float[] x, int xOff, float[] out, int outOff);

    /**
     * SiLU (swish) forward: {@code out[i] = x[i] / (1 + e^-x[i])}, with the kernels' own single-precision
     * exponential (see {@code Activations}): a few units in the last place from the exact value, and the same bits
     * in every implementation. {@code out} may be {@code x}.
     */
    default void silu(int n, float[] x, int xOff, float[] out, int outOff) {
        Checks.range("silu", "x", x, xOff, n);
        Checks.range("silu", "out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Activations.silu(x[xOff + i]);
        }
    }

    /**
     * GELU forward: {@code out[i] = 0.5 x[i] (1 + erf(x[i] / sqrt 2))}, in single precision through erfc with the
     * exponential of {@link #silu} (see {@code Activations.gelu}): within about 1e-6 relative of the exact value
     * (ActivationKernelsTest), and the same bits in every implementation. {@code out} may be {@code x}.
     */
    default void gelu(int n, float[] x, int xOff, float[] out, int outOff) {
        Checks.range("gelu", "x", x, xOff, n);
        Checks.range("gelu", "out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Activations.gelu(x[xOff + i]);
        }
    }

    /**
     * Logistic sigmoid forward: {@code out[i] = 1 / (1 + e^-x[i])}, with the exponential of {@link #silu}; the same
     * bits in every implementation. {@code out} may be {@code x}.
     */
    default void sigmoid(int n, float[] x, int xOff, float[] out, int outOff) {
        Checks.range("sigmoid", "x", x, xOff, n);
        Checks.range("sigmoid", "out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Activations.sigmoid(x[xOff + i]);
        }
    }

    /**
     * ReLU backward: {@code gradIn[i] = x[i] > 0 ? gradOut[i] : 0}, where {@code x} is the forward input.
     * {@code gradIn} may be {@code gradOut}.
     */
    void reluBackward(int n, float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff);

    /**
     * Clip forward (ReLU6 is clip(0, 6)): {@code out[i] = Math.min(Math.max(x[i], lo), hi)} (NaN stays NaN). The
     * default is the scalar twin; every implementation gives its bits. {@code out} may be {@code x}.
     */
    default void clip(int n, float[] x, int xOff, float lo, float hi, float[] out, int outOff) {
        Checks.range("clip", "x", x, xOff, n);
        Checks.range("clip", "out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Math.min(Math.max(x[xOff + i], lo), hi);
        }
    }

    /**
     * Clip backward: {@code gradIn[i] = lo <= x[i] && x[i] <= hi ? gradOut[i] : 0}, where {@code x} is the forward
     * input (a NaN input passes no gradient). The default is the scalar twin. {@code gradIn} may be {@code gradOut}.
     */
    default void clipBackward(int n, float[] x, int xOff, float lo, float hi, float[] gradOut, int gOff,
                              float[] gradIn, int giOff) {
        Checks.range("clipBackward", "x", x, xOff, n);
        Checks.range("clipBackward", "gradOut", gradOut, gOff, n);
        Checks.range("clipBackward", "gradIn", gradIn, giOff, n);
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            gradIn[giOff + i] = v >= lo && v <= hi ? gradOut[gOff + i] : 0f;
        }
    }

    /**
     * Block length of the wide reductions ({@link #sumWide}, {@link #dotWide}, {@link #sumSquaredDeviations}):
     * each block of at most this many elements is summed in float (in any order), and the block sums are added
     * in double. The error is therefore at most about {@code (WIDE_BLOCK + 2) * 2^-24 * sum|terms|} however long
     * the input, where a plain float sum would grow with n.
     */
    int WIDE_BLOCK = 1024;

    /** {@code sum(x[i])} for {@code i < n}, accumulated as described at {@link #WIDE_BLOCK}. */
    double sumWide(int n, float[] x, int xOff);

    /** {@code sum(x[i] * y[i])} for {@code i < n}, each product rounded to float, accumulated as at {@link #WIDE_BLOCK}. */
    double dotWide(int n, float[] x, int xOff, float[] y, int yOff);

    /**
     * {@link #sumWide}{@code (n, x, xOff)} into {@code out[0]} and {@link #dotWide}{@code (n, x, xOff, y, yOff)} into
     * {@code out[1]}, bit for bit what the two calls return, in one pass over {@code x} (batch-norm backward's two
     * sums over the output gradient). The default makes the two calls.
     */
    default void sumAndDotWide(int n, float[] x, int xOff, float[] y, int yOff, double[] out) {
        out[0] = sumWide(n, x, xOff);
        out[1] = dotWide(n, x, xOff, y, yOff);
    }

    /**
     * {@link #sumAndDotWide} of {@code x} masked by a following ReLU's output, {@code x'[i] = mask[i] > 0 ? x[i] : 0}
     * (what {@link #reluBackward} makes of it): bit for bit what {@code sumAndDotWide(n, x', 0, y, yOff, out)} gives,
     * without writing {@code x'} (batch-norm backward taking the ReLU after it in the same pass). The default masks
     * into a temporary array and makes that call.
     */
    default void sumAndDotWideMasked(int n, float[] x, int xOff, float[] mask, int mOff, float[] y, int yOff,
                                     double[] out) {
        Checks.range("sumAndDotWideMasked", "mask", mask, mOff, n);
        Checks.range("sumAndDotWideMasked", "x", x, xOff, n);
        float[] masked = new float[n];
        reluBackward(n, mask, mOff, x, xOff, masked, 0);
        sumAndDotWide(n, masked, 0, y, yOff, out);
    }

    /**
     * {@code dst[dOff + i] += (float) (0.0 + src[sOff + i] + src[sOff + stride + i] + ... )} for {@code i < n}: per
     * element, the {@code parts} values at {@code sOff + p * stride + i} added to 0.0 in double in order of p,
     * rounded once to float and added to dst in float (a convolution's weight gradient summed from its fixed batch
     * chunks). Every element is independent of the others, so an implementation that runs several elements in
     * vector lanes gives the same bits. This default is the scalar twin.
     */
    default void addPartials(int n, int parts, float[] src, int sOff, int stride, float[] dst, int dOff) {
        Checks.partials(n, parts, src, sOff, stride, dst, dOff);
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int p = 0; p < parts; p++) {
                s += src[sOff + p * stride + i];
            }
            dst[dOff + i] += (float) s;
        }
    }

    /**
     * {@code sum((x[i] - mean)^2)} for {@code i < n}, each difference and square rounded to float, accumulated as at
     * {@link #WIDE_BLOCK}: the second pass of a two-pass variance.
     */
    double sumSquaredDeviations(int n, float[] x, int xOff, float mean);

    /**
     * Normalise, scale and shift (batch-norm forward for one channel segment):
     * {@code xhat[i] = (x[i] - mean) * invStd; out[i] = gamma * xhat[i] + beta}, each operation rounded to float
     * separately (no fused multiply-add), so every implementation gives the same bits.
     */
    void normalizeAffine(int n, float[] x, int xOff, float mean, float invStd, float gamma, float beta,
                         float[] xhat, int hOff, float[] out, int outOff);

    /**
     * Layer-norm forward for one row of {@code n} values, with a scale and shift per position (ConvNeXt's and
     * ONNX LayerNormalization's gamma and beta): {@code xhat[i] = (x[i] - mean) * invStd;
     * out[i] = xhat[i] * gamma[i] + beta[i]}, each operation rounded to float separately (no fused multiply-add), so
     * every implementation gives the same bits. The default is the scalar twin.
     */
    default void layerNormRow(int n, float[] x, int xOff, float mean, float invStd, float[] gamma, float[] beta,
                              float[] xhat, int hOff, float[] out, int outOff) {
        Checks.range("layerNormRow", "x", x, xOff, n);
        Checks.range("layerNormRow", "gamma", gamma, 0, n);
        Checks.range("layerNormRow", "beta", beta, 0, n);
        Checks.range("layerNormRow", "xhat", xhat, hOff, n);
        Checks.range("layerNormRow", "out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            float h = (x[xOff + i] - mean) * invStd;
            xhat[hOff + i] = h;
            float scaled = h * gamma[i];
            out[outOff + i] = scaled + beta[i];
        }
    }

    /**
     * Layer-norm backward for one row of {@code n} values: with {@code gy[i] = dy[i] * gamma[i]} (rounded),
     * {@code m1 = sum(gy) / n} and {@code m2 = sum(gy[i] * xhat[i]) / n} (each product rounded, both sums accumulated
     * as at {@link #WIDE_BLOCK}, then rounded to float), writes
     * {@code dx[i] = invStd * ((gy[i] - m1) - xhat[i] * m2)} and adds {@code dy[i] * xhat[i]} to {@code dGamma[i]} and
     * {@code dy[i]} to {@code dBeta[i]}, each operation rounded separately. The element-wise results are the same
     * bits in every implementation given the same m1 and m2; the two sums may differ in their last bits (their
     * order within a block is free). The default is the scalar twin.
     */
    default void layerNormBackwardRow(int n, float[] dy, int dyOff, float[] gamma, float[] xhat, int hOff,
                                      float invStd, float[] dGamma, float[] dBeta, float[] dx, int dxOff) {
        Checks.range("layerNormBackwardRow", "dy", dy, dyOff, n);
        Checks.range("layerNormBackwardRow", "gamma", gamma, 0, n);
        Checks.range("layerNormBackwardRow", "xhat", xhat, hOff, n);
        Checks.range("layerNormBackwardRow", "dGamma", dGamma, 0, n);
        Checks.range("layerNormBackwardRow", "dBeta", dBeta, 0, n);
        Checks.range("layerNormBackwardRow", "dx", dx, dxOff, n);
        double s1 = 0;
        double s2 = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            float b1 = 0;
            float b2 = 0;
            for (int i = start; i < end; i++) {
                float gy = dy[dyOff + i] * gamma[i];
                b1 += gy;
                float p = gy * xhat[hOff + i];
                b2 += p;
            }
            s1 += b1;
            s2 += b2;
        }
        float m1 = (float) (s1 / n);
        float m2 = (float) (s2 / n);
        for (int i = 0; i < n; i++) {
            float g = dy[dyOff + i];
            float h = xhat[hOff + i];
            float gh = g * h;
            dGamma[i] += gh;
            dBeta[i] += g;
            float gy = g * gamma[i];
            float centred = gy - m1;
            float projection = h * m2;
            dx[dxOff + i] = invStd * (centred - projection);
        }
    }

    /**
     * Batch-norm backward with batch statistics, for one channel segment:
     * {@code dx[i] = scale * ((dy[i] - meanDy) - xhat[i] * meanDyXhat)}, each operation rounded separately.
     * {@code dx} may be {@code dy}.
     */
    void batchNormBackward(int n, float[] dy, int dyOff, float[] xhat, int hOff, float scale, float meanDy,
                           float meanDyXhat, float[] dx, int dxOff);

    /**
     * {@link #batchNormBackward} of {@code dy} masked by a following ReLU's output:
     * {@code dx[i] = scale * (((mask[i] > 0 ? dy[i] : 0) - meanDy) - xhat[i] * meanDyXhat)}, each operation rounded
     * separately, so the bits of {@link #reluBackward} then {@link #batchNormBackward}. {@code dx} may be {@code dy}.
     * The default is the scalar twin.
     */
    default void batchNormBackwardMasked(int n, float[] dy, int dyOff, float[] mask, int mOff, float[] xhat, int hOff,
                                         float scale, float meanDy, float meanDyXhat, float[] dx, int dxOff) {
        Checks.range("batchNormBackwardMasked", "dy", dy, dyOff, n);
        Checks.range("batchNormBackwardMasked", "mask", mask, mOff, n);
        Checks.range("batchNormBackwardMasked", "xhat", xhat, hOff, n);
        Checks.range("batchNormBackwardMasked", "dx", dx, dxOff, n);
        for (int i = 0; i < n; i++) {
            float g = mask[mOff + i] > 0f ? dy[dyOff + i] : 0f;
            float centred = g - meanDy;
            float projection = xhat[hOff + i] * meanDyXhat;
            dx[dxOff + i] = scale * (centred - projection);
        }
    }

    /**
     * One SGD step in float arithmetic (PyTorch's {@code torch.optim.SGD}), each operation rounded separately:
     * <pre>
     *   g = grad[i] + weightDecay * w[i]
     *   if buf != null:  b = first ? g : momentum * buf[i] + oneMinusDampening * g;  buf[i] = b
     *                    g = nesterov ? g + momentum * b : b
     *   w[i] = w[i] - lr * g
     * </pre>
     * {@code oneMinusDampening} is passed in (computed in double by the caller) because {@code 1f - d} in float
     * loses digits. {@code buf} is null for plain SGD (no momentum).
     */
    void sgdUpdate(int n, float[] w, int wOff, float[] grad, int gOff, float[] buf, int bOff, float lr,
                   float weightDecay, float momentum, float oneMinusDampening, boolean nesterov, boolean first);

    /**
     * One Adam/AdamW step in float arithmetic, each operation rounded separately ({@code sqrt} correctly rounded):
     * <pre>
     *   g = grad[i] + l2 * w[i]
     *   m[i] = beta1 * m[i] + oneMinusBeta1 * g
     *   v[i] = beta2 * v[i] + oneMinusBeta2 * g * g
     *   w[i] = w[i] * shrink - stepSize * m[i] / (sqrt(v[i]) / sqrtCorrection2 + eps)
     * </pre>
     * {@code oneMinusBeta1/2} are passed in, computed in double by the caller: {@code 1f - 0.999f} in float is off by
     * 5e-5 relative. {@code g * g} is rounded before it is scaled. Adam passes {@code shrink = 1}, AdamW {@code l2 = 0}.
     */
    void adamUpdate(int n, float[] w, int wOff, float[] grad, int gOff, float[] m, int mOff, float[] v, int vOff,
                    float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float l2, float shrink,
                    float stepSize, float sqrtCorrection2, float eps);

    /**
     * {@link #sgemm} on the calling thread only. For callers that already run several independent GEMMs in
     * parallel (one per sample, say) and must not oversubscribe the cores. Results are identical to
     * {@link #sgemm}'s: implementations never make them depend on the thread count.
     */
    default void sgemmSingleThread(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                   float beta, float[] c, int cOff, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * Prepares {@code alpha * op(A)} ({@code m x k}) for several {@link #sgemmPrepared} calls; the default
     * keeps a reference, the vector kernels pack it. A must not change while the result is in use.
     */
    default PreparedMatrix prepareA(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda) {
        Checks.leftOperand(transA, m, k, a, aOff, lda);
        return new PreparedMatrix(transA, m, k, alpha, a, aOff, lda, null);
    }

    /**
     * {@link #prepareA}, but the packed copy may live in a buffer of the calling thread that this thread's next
     * {@code prepareATransient} call reuses (the vector kernels keep one, grown to the largest need): for a caller
     * that is done with the result before it prepares again on this thread, such as one convolution call, which so
     * no longer allocates its packed weights (up to 9 MB for ResNet-50) on every call. Same bits as
     * {@link #prepareA}; the default is {@link #prepareA}.
     */
    default PreparedMatrix prepareATransient(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda) {
        return prepareA(transA, m, k, alpha, a, aOff, lda);
    }

    /**
     * {@link #sgemmSingleThread} with a prepared left operand: {@code C = prepared * op(B) + beta * C}, with
     * exactly the bits of the unprepared call.
     */
    default void sgemmPrepared(PreparedMatrix a, boolean transB, int n, float[] b, int bOff, int ldb, float beta,
                               float[] c, int cOff, int ldc) {
        sgemmSingleThread(a.transA(), transB, a.m(), n, a.k(), a.alpha(), a.a(), a.aOff(), a.lda(), b, bOff, ldb,
                beta, c, cOff, ldc);
    }

    /**
     * {@link #sgemm} with a prepared left operand, on the kernels' threads: {@code C = prepared * op(B) + beta * C},
     * with exactly the bits of the unprepared call (which is also what the default runs).
     */
    default void sgemmPreparedThreaded(PreparedMatrix a, boolean transB, int n, float[] b, int bOff, int ldb,
                                       float beta, float[] c, int cOff, int ldc) {
        sgemm(a.transA(), transB, a.m(), n, a.k(), a.alpha(), a.a(), a.aOff(), a.lda(), b, bOff, ldb, beta, c, cOff,
                ldc);
    }

    /**
     * {@code C = op(A) op(B) + beta C} where B's stored rows lie anywhere in {@code b}: stored row r (row r of op(B)
     * when B is not transposed, n floats; column r of op(B) when it is, k floats) starts at {@code b[bOff + rows[r]]}.
     * Rows may overlap: a stride-1 convolution's patch matrix is its input's rows shifted by each tap (an implicit
     * im2col, no column buffer). On the caller's thread alone ({@link #sgemmRowsThreaded}: on every thread). Exactly the
     * bits of the {@link #sgemmSingleThread} call on B copied into a matrix, which is what this default does (the naive
     * twin).
     */
    default void sgemmRows(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                           float[] b, int bOff, int[] rows, float beta, float[] c, int cOff, int ldc) {
        float[] copy = RowsB.copy(transB, m, n, k, b, bOff, rows);
        sgemmSingleThread(transA, transB, m, n, k, 1f, a, aOff, lda, copy, 0, transB ? k : n, beta, c, cOff, ldc);
    }

    /** {@link #sgemmRows} on every thread (the bits of {@link #sgemm} on B's copy, which is what this default does). */
    default void sgemmRowsThreaded(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                                   float[] b, int bOff, int[] rows, float beta, float[] c, int cOff, int ldc) {
        float[] copy = RowsB.copy(transB, m, n, k, b, bOff, rows);
        sgemm(transA, transB, m, n, k, 1f, a, aOff, lda, copy, 0, transB ? k : n, beta, c, cOff, ldc);
    }

    /** {@link #sgemmRows} with a prepared left operand: the bits of {@link #sgemmPrepared} on B's copy (the default). */
    default void sgemmPreparedRows(PreparedMatrix a, boolean transB, int n, float[] b, int bOff, int[] rows,
                                   float beta, float[] c, int cOff, int ldc) {
        float[] copy = RowsB.copy(transB, a.m(), n, a.k(), b, bOff, rows);
        sgemmPrepared(a, transB, n, copy, 0, transB ? a.k() : n, beta, c, cOff, ldc);
    }

    /** {@link #sgemmPreparedRows} on every thread: the bits of {@link #sgemmPreparedThreaded} on B's copy. */
    default void sgemmPreparedRowsThreaded(PreparedMatrix a, boolean transB, int n, float[] b, int bOff, int[] rows,
                                           float beta, float[] c, int cOff, int ldc) {
        float[] copy = RowsB.copy(transB, a.m(), n, a.k(), b, bOff, rows);
        sgemmPreparedThreaded(a, transB, n, copy, 0, transB ? a.k() : n, beta, c, cOff, ldc);
    }

    /**
     * The right operand {@code op(B)} [k x n] of several products with different left operands, prepared once
     * (the weights of a one-sample convolution tile computed transposed). In the returned matrix {@code transA},
     * {@code m}, {@code k} and {@code lda} stand for transB, k, n and ldb; alpha is 1. {@code b} is never modified.
     */
    default PreparedMatrix prepareB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        Checks.leftOperand(transB, k, n, b, bOff, ldb);
        return new PreparedMatrix(transB, k, n, 1f, b, bOff, ldb, null);
    }

    /**
     * {@code C = op(A) op(B) + beta C} with B from {@link #prepareB}, on the caller alone: the bits of the
     * {@link #sgemmSingleThread} call with B itself.
     */
    default void sgemmPreparedB(boolean transA, int m, float[] a, int aOff, int lda, PreparedMatrix b, float beta,
                                float[] c, int cOff, int ldc) {
        sgemmSingleThread(transA, b.transA(), m, b.k(), b.m(), 1f, a, aOff, lda, b.a(), b.aOff(), b.lda(), beta, c,
                cOff, ldc);
    }

    /** As {@link #sgemmPreparedB} on every thread: the bits of the {@link #sgemm} call with B itself. */
    default void sgemmPreparedBThreaded(boolean transA, int m, float[] a, int aOff, int lda, PreparedMatrix b,
                                        float beta, float[] c, int cOff, int ldc) {
        sgemm(transA, b.transA(), m, b.k(), b.m(), 1f, a, aOff, lda, b.a(), b.aOff(), b.lda(), beta, c, cOff, ldc);
    }

    /**
     * The layout in which {@link #sgemmPreparedB} reads a prepared right operand op(B) [k x n] for an {@code m}-row
     * left operand without touching {@code b} itself, or null when it would read B unpacked (then the prepared form
     * must hold B in {@code a}). A convolution can write its patch matrix (im2col) straight into this layout and so
     * copy it once instead of twice (im2col, then the GEMM's own packing; off by default, see FastConvolution's
     * {@code packedPatches}): build
     * {@code new PreparedMatrix(false, k, n, 1f, buf, 0, n, buf)} over the written buffer and pass it to
     * {@link #sgemmPreparedB} with the same m; the products have exactly the bits of the call with B unpacked. The
     * scalar kernels pack nothing: null.
     */
    default PanelLayout patchPanels(int m, int k, int n) {
        return null;
    }

    /**
     * Whether {@link #sgemmPreparedB} / {@link #sgemmPreparedBThreaded} with an {@code m}-row left operand read the
     * packed copy {@link #prepareB} makes of op(B) [k x n] (so keeping that copy saves packing B on every call), or
     * would run the ordinary product on B itself (a few rows against a transposed B are dot products; an op(B) too
     * large to keep packed). False for kernels that pack nothing.
     */
    default boolean readsPreparedB(boolean transB, int m, int k, int n) {
        return false;
    }

    /**
     * Whether an {@code m x n} product fills this implementation's register tiles clearly better computed as
     * its transpose ({@code n x m}): a batch-1 convolution over a 7x7 map is a GEMM 49 columns wide, which a
     * 48-column tile covers with two tiles, the second almost empty. The scalar kernels have no tiles: false.
     */
    default boolean fillsBetterTransposed(int m, int n) {
        return false;
    }

    /**
     * Shifted products, the core of a direct convolution over a zero-padded input whose rows are laid end to end
     * (see {@code FastConvolution}'s direct path): for {@code fo < f} and {@code p < len},
     * <pre>
     *   out[outOff + fo * ldo + p] = sum over t = 0, 1, ..., taps - 1 of  w[wOff + fo * taps + t] * x[xOff + offsets[t] + p]
     * </pre>
     * summed in exactly that order of t, each step a fused multiply-add ({@link Math#fma}) starting from 0. Every
     * implementation therefore gives the same bits, whatever its vector width. {@code x} must hold every element
     * read ({@code xOff + offsets[t] + p} for all t and p).
     */
    default void shiftedProducts(int f, int taps, float[] w, int wOff, int[] offsets, float[] x, int xOff, int len,
                                 float[] out, int outOff, int ldo) {
        for (int fo = 0; fo < f; fo++) {
            int wRow = wOff + fo * taps;
            int oRow = outOff + fo * ldo;
            for (int p = 0; p < len; p++) {
                float acc = 0f;
                for (int t = 0; t < taps; t++) {
                    acc = Math.fma(w[wRow + t], x[xOff + offsets[t] + p], acc);
                }
                out[oRow + p] = acc;
            }
        }
    }

    /** Filters per block of {@link #directProducts}' packed weights. */
    int DIRECT_ROWS = 8;

    /**
     * A direct convolution's products with weights packed once per layer (no packed B panel: the input is read where
     * it lies, at one offset per tap, as in {@link #shiftedProducts}): for {@code fo < f} and {@code p < len},
     * <pre>
     *   acc = bias == null ? 0 : bias[biasOff + fo]
     *   for t = 0, 1, ..., taps - 1:  acc = fma(wp[wOff + (fo / R * taps + t) * R + fo % R], x[xOff + offsets[t] + p], acc)
     *   out[outOff + fo * ldo + p] = acc
     * </pre>
     * with {@code R = }{@link #DIRECT_ROWS}: the weights of R filters side by side, tap after tap (a last block of fewer
     * filters padded to R). Every implementation performs that chain for every output, so all give the same bits, and
     * how a caller cuts f or len into pieces (threads) does not change them. {@code x} must hold every element read.
     */
    default void directProducts(int f, int taps, float[] wp, int wOff, int[] offsets, float[] x, int xOff, int len,
                                float[] bias, int biasOff, float[] out, int outOff, int ldo) {
        int r = DIRECT_ROWS;
        for (int fo = 0; fo < f; fo++) {
            int w0 = wOff + fo / r * taps * r + fo % r;
            int oRow = outOff + fo * ldo;
            float b = bias == null ? 0f : bias[biasOff + fo];
            for (int p = 0; p < len; p++) {
                float acc = b;
                for (int t = 0; t < taps; t++) {
                    acc = Math.fma(wp[w0 + t * r], x[xOff + offsets[t] + p], acc);
                }
                out[oRow + p] = acc;
            }
        }
    }

    /** Filters per block of {@link #directPixels}' packed weights. */
    int DIRECT_LANES = 16;

    /**
     * A direct convolution's products computed pixel by pixel, the filters along the vectors (no dropped columns: only
     * the listed output pixels are computed): for {@code p < count} and {@code fo < f},
     * <pre>
     *   acc = bias == null ? 0 : bias[biasOff + fo]
     *   for t = 0, 1, ..., taps - 1:
     *       acc = fma(wp[wOff + (fo / L * taps + t) * L + fo % L], x[xOff + offsets[t] + positions[posOff + p]], acc)
     *   out[outOff + p * ldo + fo] = acc
     * </pre>
     * with {@code L = }{@link #DIRECT_LANES}: the weights of L filters side by side, tap after tap (a last block of
     * fewer filters padded to L). The chain of each output is {@link #directProducts}' (bias, then the taps in order),
     * so both and every implementation give the same bits, however a caller cuts the pixels or filters.
     */
    default void directPixels(int f, int taps, float[] wp, int wOff, int[] offsets, int[] positions, int posOff,
                              int count, float[] x, int xOff, float[] bias, int biasOff, float[] out, int outOff,
                              int ldo) {
        int l = DIRECT_LANES;
        for (int p = 0; p < count; p++) {
            int x0 = xOff + positions[posOff + p];
            for (int fo = 0; fo < f; fo++) {
                int w0 = wOff + fo / l * taps * l + fo % l;
                float acc = bias == null ? 0f : bias[biasOff + fo];
                for (int t = 0; t < taps; t++) {
                    acc = Math.fma(wp[w0 + t * l], x[x0 + offsets[t]], acc);
                }
                out[outOff + p * ldo + fo] = acc;
            }
        }
    }

    /**
     * Depthwise products of a block of {@code lanes} channels held interleaved (channel fastest: value {@code c} of
     * pixel slot {@code s} at {@code s * lanes + c}): for {@code i < count}, {@code c < lanes},
     * <pre>
     *   acc = 0; for t &lt; taps: acc = fma(w[wOff + t * lanes + c], x[xOff + (positions[i] + offsets[t]) * lanes + c], acc)
     *   out[outOff + i * lanes + c] = acc
     * </pre>
     * The chain of each output is {@link #shiftedProducts}' (taps in order from 0), so a channel-blocked depthwise
     * layer gives the same bits as one plane at a time; every implementation gives the same bits (vector kernels: one
     * channel per lane, when {@code lanes} is their vector length).
     */
    default void blockedProducts(int lanes, int taps, float[] w, int wOff, int[] offsets, int[] positions, int count,
                                 float[] x, int xOff, float[] out, int outOff) {
        for (int i = 0; i < count; i++) {
            int o = outOff + i * lanes;
            for (int c = 0; c < lanes; c++) {
                float acc = 0f;
                for (int t = 0; t < taps; t++) {
                    acc = Math.fma(w[wOff + t * lanes + c], x[xOff + (positions[i] + offsets[t]) * lanes + c], acc);
                }
                out[o + c] = acc;
            }
        }
    }

    /**
     * {@code lanes} planes {@code stride} apart into the interleaved layout of {@link #blockedProducts}: for
     * {@code p < n} with {@code slots[p] >= 0}, {@code c < lanes},
     * {@code dst[slots[p] * lanes + c] = src[srcOff + c * stride + p]}. A copy: every implementation gives the same bits.
     */
    default void interleave(int lanes, int n, float[] src, int srcOff, int stride, int[] slots, float[] dst) {
        for (int c = 0; c < lanes; c++) {
            int from = srcOff + c * stride;
            for (int p = 0; p < n; p++) {
                int slot = slots[p];
                if (slot >= 0) {
                    dst[slot * lanes + c] = src[from + p];
                }
            }
        }
    }

    /**
     * The interleaved outputs of {@link #blockedProducts} back to {@code lanes} planes {@code stride} apart, plus each
     * plane's bias: for {@code i < n}, {@code c < lanes},
     * {@code dst[dstOff + c * stride + i] = src[i * lanes + c] + bias[biasOff + c]} ({@code bias} null: {@code + -0f},
     * exact). One rounded addition per element in every implementation: the same bits.
     */
    default void deinterleavePlusBias(int lanes, int n, float[] src, float[] bias, int biasOff, float[] dst, int dstOff,
                                      int stride) {
        for (int c = 0; c < lanes; c++) {
            float b = bias == null ? -0f : bias[biasOff + c];
            int to = dstOff + c * stride;
            for (int i = 0; i < n; i++) {
                dst[to + i] = src[i * lanes + c] + b;
            }
        }
    }

    /**
     * Rows of a strided matrix plus one bias, packed: for {@code r < rows}, {@code q < cols},
     * <pre>
     *   dst[dstOff + r * cols + q] = src[srcOff + r * lds + q] + bias
     * </pre>
     * one rounded addition per element in every implementation (same bits; {@code bias = -0f} copies every value
     * exactly, signed zeros included). Writes nothing outside {@code dst[dstOff, dstOff + rows * cols)}; the vector
     * kernels may read {@code src} past a row's {@code cols} up to the array's end (the depthwise forward's copy-out:
     * its run's rows are {@code lds} apart with dropped columns between them).
     */
    default void rowsPlusBias(int rows, int cols, float[] src, int srcOff, int lds, float bias, float[] dst,
                              int dstOff) {
        Checks.range("rowsPlusBias", "dst", dst, dstOff, rows * cols);
        if (rows > 0) {
            Checks.range("rowsPlusBias", "src", src, srcOff, (rows - 1) * lds + cols);
        }
        for (int r = 0; r < rows; r++) {
            int s = srcOff + r * lds;
            int d = dstOff + r * cols;
            for (int q = 0; q < cols; q++) {
                dst[d + q] = src[s + q] + bias;
            }
        }
    }

    /**
     * Whether {@code x[xOff + i]} is finite (neither NaN nor an infinity) for every {@code i < n}: the check a server
     * makes on each binary input tensor before a model sees it (26 KB per 8-sample LeNet-5 request: a scalar loop
     * that stops at the first bad value cannot be vectorized by C2 and took about a third of the binary parse).
     * Every implementation gives the same answer.
     */
    default boolean allFinite(int n, float[] x, int xOff) {
        Checks.range("allFinite", "x", x, xOff, n);
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(x[xOff + i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Every {@code stride}-th element: {@code dst[dstOff + i] = src[srcOff + i * stride]} for {@code i < n} (the
     * polyphase split of a strided depthwise layer's input rows). A copy: every implementation gives the same bits.
     */
    default void stridedCopy(int n, float[] src, int srcOff, int stride, float[] dst, int dstOff) {
        Checks.range("stridedCopy", "dst", dst, dstOff, n);
        if (n > 0) {
            Checks.range("stridedCopy", "src", src, srcOff, (n - 1) * stride + 1);
        }
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = src[srcOff + i * stride];
        }
    }

    /**
     * Max pooling over windows that lie wholly inside the image, the inference path of {@code Pooling}: for
     * {@code q < count}, with {@code s = xOff + q * stride},
     * <pre>
     *   m = x[s]; for i &lt; rows, for j &lt; cols (row-major): v = x[s + i * ldx + j]; m = v &gt; m ? v : m
     *   y[yOff + q] = m
     * </pre>
     * Every implementation runs exactly this chain of comparisons for each output (vector kernels: one output per
     * lane), so all give the same bits, NaN and signed zeros included (a NaN at the window's first element wins, a
     * later one never does; of equal values the first is kept).
     */
    default void maxPoolWindows(int count, float[] x, int xOff, int stride, int ldx, int rows, int cols, float[] y,
                                int yOff) {
        Checks.poolWindows("maxPoolWindows", count, x, xOff, stride, ldx, rows, cols, y, yOff);
        for (int q = 0; q < count; q++) {
            int s = xOff + q * stride;
            float m = x[s];
            for (int i = 0; i < rows; i++) {
                int row = s + i * ldx;
                for (int j = 0; j < cols; j++) {
                    float v = x[row + j];
                    m = v > m ? v : m;
                }
            }
            y[yOff + q] = m;
        }
    }

    /**
     * 2x2 max pooling with stride 2 and its arg-max, the training path of {@code Pooling} (the arg-max is what the
     * backward pass scatters to). {@code planes} planes of {@code h x w} values lie one after the other from
     * {@code xOff}; each gives {@code oh x ow} outputs ({@code 2 oh <= h}, {@code 2 ow <= w}: every window inside its
     * plane), written one plane after the other from {@code yOff}, and for every output the index into {@code x}
     * of the element it took, from {@code aOff}. For the window whose top-left element is at {@code k}, with
     * {@code a = x[k], b = x[k + 1], c = x[k + w], d = x[k + w + 1]}:
     * <pre>
     *   best = b &gt; a ? k + 1 : k;          m = b &gt; a ? b : a
     *   best = c &gt; m ? k + w : best;      m = c &gt; m ? c : m
     *   best = d &gt; m ? k + w + 1 : best;  m = d &gt; m ? d : m
     *   y = m, argMax = best
     * </pre>
     * Every implementation runs exactly this chain for each output (vector kernels: one output per lane), so all
     * give the same bits and indices, NaN and signed zeros included (the first maximum in row-major order wins).
     */
    default void maxPool2x2ArgMax(int planes, float[] x, int xOff, int h, int w, int oh, int ow, float[] y,
                                  int yOff, int[] argMax, int aOff) {
        Checks.pool2x2("maxPool2x2ArgMax", planes, x, xOff, h, w, oh, ow, y, yOff, argMax, aOff);
        for (int p = 0; p < planes; p++) {
            for (int r = 0; r < oh; r++) {
                int row = xOff + p * h * w + 2 * r * w;
                int out = (p * oh + r) * ow;
                for (int q = 0; q < ow; q++) {
                    int k = row + 2 * q;
                    float a = x[k];
                    float b = x[k + 1];
                    float c = x[k + w];
                    float d = x[k + w + 1];
                    int best = b > a ? k + 1 : k;
                    float m = b > a ? b : a;
                    best = c > m ? k + w : best;
                    m = c > m ? c : m;
                    best = d > m ? k + w + 1 : best;
                    m = d > m ? d : m;
                    y[yOff + out + q] = m;
                    argMax[aOff + out + q] = best;
                }
            }
        }
    }

    /**
     * {@link #maxPool2x2ArgMax} without the arg-max, inference's 2x2 stride-2 max pooling: the same geometry and, for
     * every output, the same chain ({@code m = a; m = b > m ? b : m; m = c > m ? c : m; m = d > m ? d : m}), so
     * every implementation gives the bits of that method's outputs, NaN and signed zeros included.
     */
    default void maxPool2x2(int planes, float[] x, int xOff, int h, int w, int oh, int ow, float[] y, int yOff) {
        Checks.pool2x2("maxPool2x2", planes, x, xOff, h, w, oh, ow, y, yOff, null, Checks.NO_ARG_MAX);
        for (int p = 0; p < planes; p++) {
            for (int r = 0; r < oh; r++) {
                int row = xOff + p * h * w + 2 * r * w;
                int out = yOff + (p * oh + r) * ow;
                for (int q = 0; q < ow; q++) {
                    int k = row + 2 * q;
                    float m = x[k];
                    float b = x[k + 1];
                    float c = x[k + w];
                    float d = x[k + w + 1];
                    m = b > m ? b : m;
                    m = c > m ? c : m;
                    m = d > m ? d : m;
                    y[out + q] = m;
                }
            }
        }
    }

    /**
     * Shifted dot products, the weight gradient of {@link #shiftedProducts}: for {@code fo < f} and {@code t < taps},
     * <pre>
     *   out[outOff + fo * taps + t] = sum over p &lt; len of  dy[dyOff + fo * ldd + p] * x[xOff + offsets[t] + p]
     * </pre>
     * in an order of the implementation's choosing (the vector kernels keep one partial sum per lane), but the same
     * order on every call with the same arguments: the result does not depend on threads or timing.
     */
    default void shiftedDots(int f, int taps, float[] dy, int dyOff, int ldd, int[] offsets, float[] x, int xOff,
                             int len, float[] out, int outOff) {
        for (int fo = 0; fo < f; fo++) {
            for (int t = 0; t < taps; t++) {
                float acc = 0f;
                int xs = xOff + offsets[t];
                int ds = dyOff + fo * ldd;
                for (int p = 0; p < len; p++) {
                    acc = Math.fma(dy[ds + p], x[xs + p], acc);
                }
                out[outOff + fo * taps + t] = acc;
            }
        }
    }

    /**
     * The filter transform of Winograd's F(m x m, 3x3) ({@code m} = 2 or 4, {@code a = m + 2}): for {@code p < n}, the
     * 3 x 3 filter at {@code src[srcOff + 9 p ...]} (row-major) becomes {@code U = G g G^T} (a x a), element
     * {@code e = i * a + j} written to {@code dst[dstOff + e * ldE + p]} ({@code ldE >= n}). Every implementation evaluates the same
     * float expressions ({@code ScalarWinograd}), so all give the same bits. This default is the scalar twin.
     */
    default void winogradFilters(int m, int n, float[] src, int srcOff, float[] dst, int dstOff, int ldE) {
        ScalarWinograd.checkFilters(m, n, src, srcOff, dst, dstOff, ldE);
        ScalarWinograd.filters(m, n, src, srcOff, dst, dstOff, ldE);
    }

    /**
     * The input transform of Winograd's F(m x m, 3x3) ({@code m} = 2 or 4, {@code a = m + 2}): for {@code t < tiles},
     * the a x a input tile {@code d[r][s] = src[srcOff + origins[originsOff + t] + r * ld + s]} becomes
     * {@code V = B^T d B}, element {@code e = i * a + j} written to {@code dst[dstOff + e * ldE + t]} (tiles side by
     * side: one row of the GEMM operand per channel and element; {@code ldE >= tiles}). The same bits in every
     * implementation; this default is the scalar twin.
     */
    default void winogradInput(int m, int tiles, float[] src, int srcOff, int ld, int[] origins, int originsOff,
                               float[] dst, int dstOff, int ldE) {
        ScalarWinograd.checkTransform("winogradInput", m, tiles, dst, dstOff, ldE);
        ScalarWinograd.input(m, 0, tiles, src, srcOff, ld, origins, originsOff, dst, dstOff, ldE);
    }

    /**
     * {@link #winogradInput} of whole rows of {@code tilesW} tiles ({@code tiles} a multiple of it) whose input rows lie
     * side by side instead of behind origins: row k ({@code k < a}) of tile t is
     * {@code src[srcOff + k * ldK + t * m + s]} for its columns s, except that the last tile of each row of tiles
     * (t = r * tilesW + tilesW - 1) finds its columns s = m, m + 1 at {@code src[fringeOff + (r * a + k) * 2 + s - m]}
     * (so row k of every row of tiles is its first {@code tilesW * m} pixels, one row of tiles after the other, and the
     * two pixels past them lie aside; needs {@code ldK >= tiles * m}). Tiles m columns apart in one flat row: the
     * vector kernels read them with plain loads.
     * Output as {@link #winogradInput}, the same bits in every implementation; this default is the scalar twin.
     */
    default void winogradInputRows(int m, int tiles, int tilesW, float[] src, int srcOff, int ldK, int fringeOff,
                                   float[] dst, int dstOff, int ldE) {
        ScalarWinograd.checkRows(m, tiles, tilesW, src, srcOff, ldK, fringeOff, dst, dstOff, ldE);
        ScalarWinograd.inputRows(m, 0, tiles, tilesW, src, srcOff, ldK, fringeOff, dst, dstOff, ldE);
    }

    /**
     * The output transform of Winograd's F(m x m, 3x3) ({@code m} = 2 or 4, {@code a = m + 2}): for {@code t < tiles},
     * the a x a products {@code M[e] = src[srcOff + e * ldE + t]} become {@code Y = A^T M A}, and
     * {@code Y[i][q] + bias} is written to {@code dst[dstOff + origins[originsOff + t] + i * ld + q]} ({@code i, q < m};
     * tiles must not overlap, {@code ldE >= tiles}). The same bits in every implementation; this default is the
     * scalar twin.
     */
    default void winogradOutput(int m, int tiles, float[] src, int srcOff, int ldE, float bias, float[] dst,
                                int dstOff, int ld, int[] origins, int originsOff) {
        ScalarWinograd.checkTransform("winogradOutput", m, tiles, src, srcOff, ldE);
        ScalarWinograd.output(m, 0, tiles, src, srcOff, ldE, bias, dst, dstOff, ld, origins, originsOff);
    }

    /**
     * {@link #winogradOutput} with the tiles side by side: tile t's {@code Y[i][q] + bias} written to
     * {@code dst[dstOff + i * ldI + t * m + q]} ({@code ldI >= tiles * m}), so output row i of every tile is one flat
     * row (a row of tiles' output rows as they lie in the image, one row of tiles after the other): the vector kernels
     * store them with plain stores. The same bits in every implementation; this default is the scalar twin.
     */
    default void winogradOutputRows(int m, int tiles, float[] src, int srcOff, int ldE, float bias, float[] dst,
                                    int dstOff, int ldI) {
        ScalarWinograd.checkOutputRows(m, tiles, src, srcOff, ldE, dst, dstOff, ldI);
        ScalarWinograd.outputRows(m, 0, tiles, src, srcOff, ldE, bias, dst, dstOff, ldI);
    }

    /**
     * The weight gradient's transform of dy's tiles for Winograd's F(3x3, m x m) ({@code m} = 2 or 4, {@code a = m + 2};
     * the transpose of F(m x m, 3x3)'s output transform): for {@code t < tiles}, tile t's m x m values (value (i, q) at
     * {@code src[srcOff + i * ldK + t * m + q]}, the tiles' rows side by side) into {@code A y A^T}, element (i, j) at
     * {@code dst[dstOff + (i * a + j) * ldE + t]}. Every implementation evaluates the same float expressions
     * ({@code ScalarWinograd.gradient1d}), so all give the same bits. This default is the scalar twin.
     */
    default void winogradGradientRows(int m, int tiles, float[] src, int srcOff, int ldK, float[] dst, int dstOff,
                                      int ldE) {
        ScalarWinograd.checkGradientRows(m, tiles, src, srcOff, ldK, dst, dstOff, ldE);
        ScalarWinograd.gradientRows(m, 0, tiles, src, srcOff, ldK, dst, dstOff, ldE);
    }

    /**
     * The weight gradient's transform back for Winograd's F(3x3, m x m) (the transpose of F(m x m, 3x3)'s filter
     * transform): for {@code p < n}, the a x a sums of pair p (element e at {@code src[srcOff + e * ldE + p]}) into
     * {@code G^T M G}, added to the pair's 3 x 3 taps at {@code dst[dstOff + 9 p ..]}. The same float expressions in
     * every implementation ({@code ScalarWinograd.weights1d}), so the same bits; this default is the scalar twin.
     */
    default void winogradWeightOutputs(int m, int n, float[] src, int srcOff, int ldE, float[] dst, int dstOff) {
        ScalarWinograd.checkWeightOutputs(m, n, src, srcOff, ldE, dst, dstOff);
        ScalarWinograd.weightOutputs(m, 0, n, src, srcOff, ldE, dst, dstOff);
    }

    /**
     * {@link #winogradFilters} of a layer's {@code f x c} filters ({@code w}: [f][c][3][3] from 0), written as the left
     * operands of the products that take them ({@code C = U_e * B}, B not transposed): filters [f0, f1) ({@code f0} a
     * multiple of 16) of each element e into {@code buffers[e]}, each at least {@code roundUp(f, 16) * c} long, in the
     * layout {@link #winogradPrepared} hands to {@link #sgemmPrepared}: the transform and the products' packing of U
     * in one pass. This default writes U_e unpacked (f rows of c); the vector kernels write their packed layout. The
     * values are {@link #winogradFilters}' either way, so the products have the bits of the unprepared ones on U_e.
     */
    default void winogradFiltersPrepared(int m, int f, int c, float[] w, int f0, int f1, float[][] buffers) {
        int e = (m + 2) * (m + 2);
        ScalarWinograd.checkPrepared(m, f, c, w, f0, f1, buffers);
        float[] one = new float[e];
        float[] row = new float[m + 2];
        for (int p = f0 * c; p < f1 * c; p++) {
            ScalarWinograd.filters(m, 1, w, 9 * p, one, 0, 1, row);
            for (int i = 0; i < e; i++) {
                buffers[i][p] = one[i];
            }
        }
    }

    /** The left operand U_e [f x c] that {@link #winogradFiltersPrepared} wrote into {@code buffer}. */
    default PreparedMatrix winogradPrepared(int f, int c, float[] buffer) {
        return new PreparedMatrix(false, f, c, 1f, buffer, 0, c, null);
    }

    /** Lanes of {@link #rowDots}: the order of its sums, whatever the vector length. */
    int ROW_DOT_LANES = 16;

    /**
     * Dot products of rows, read where they lie (nothing packed): a weight gradient whose two operands both run along
     * the sum, as a 1x1 layer's {@code dW = dY x^T} does (dy's and x's rows are pixels). For {@code i < m}, {@code j <
     * n}: {@code c[cOff + i * ldi + j * ldj] = (add ? c[...] + S : S)} with S the sum over segments {@code s < segs}
     * and positions {@code t < len} of {@code a[aOff + s * aSeg + i * lda + t] * b[bOff + s * bSeg + j * ldb + t]},
     * taken in this order: {@code L = }{@link #ROW_DOT_LANES} float chains of fused multiply-adds, chain {@code l}
     * over the positions {@code t = l, l + L, ...} of each segment in turn (a segment's last run of fewer than L
     * positions multiplies zeros in the other chains: {@code fma(0, 0, acc)}), then the chains added as a tree
     * ({@code acc[l] += acc[l + h]} for {@code h = L/2, ..., 1}), rounded once to float before the add to c. Every
     * implementation gives the same bits; this default is the scalar twin (the vector kernels take it unless their
     * vectors hold L floats).
     */
    default void rowDots(int m, int n, int len, int segs, float[] a, int aOff, int lda, int aSeg, float[] b, int bOff,
                         int ldb, int bSeg, boolean add, float[] c, int cOff, int ldi, int ldj) {
        RowDots.check(m, n, len, segs, a, aOff, lda, aSeg, b, bOff, ldb, bSeg, c, cOff, ldi, ldj);
        RowDots.scalar(m, n, len, segs, a, aOff, lda, aSeg, b, bOff, ldb, bSeg, add, c, cOff, ldi, ldj);
    }

    /** How many threads {@link #parallelFor} and {@link #sgemm} use at most (1 for a single-threaded one). */
    default int threads() {
        return 1;
    }

    /** Floats per vector register these kernels compute with (16 with AVX-512, 8 with AVX2; 1 for scalar code). */
    default int floatsPerVector() {
        return 1;
    }

    /**
     * Runs {@code body.accept(t)} for every {@code t} in {@code 0 .. tasks-1}, possibly on several threads of
     * the kernels' persistent pool, and returns when all are done. Tasks must be independent and write
     * disjoint outputs; which thread runs which task varies. Nested calls (from inside a task) run serially.
     */
    default void parallelFor(int tasks, java.util.function.IntConsumer body) {
        for (int t = 0; t < tasks; t++) {
            body.accept(t);
        }
    }

    /**
     * {@link #parallelFor} with the tasks cut into one contiguous block per thread, the calling thread's the first (the
     * pool's fixed split, for this call): where consecutive tasks are neighbouring parts of an output (bands of image
     * rows), each thread writes the same part of every such call while none is late, so a layer reads mostly what the
     * same thread wrote in the layer before. A late thread's tasks are still taken by the others; which thread runs a
     * task never changes a result.
     */
    default void parallelForInBlocks(int tasks, java.util.function.IntConsumer body) {
        parallelFor(tasks, body);
    }
}
