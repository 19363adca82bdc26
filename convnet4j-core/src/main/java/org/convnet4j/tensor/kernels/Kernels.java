package org.convnet4j.tensor.kernels;

/**
 * The narrow set of compute primitives that layers and operators are built on. Every primitive works on
 * raw float arrays with explicit offsets, so callers can address a slice of a tensor's backing array
 * without copying.
 *
 * <p>Two implementations exist: {@link ScalarKernels}, plain loops that are obviously correct (the oracle
 * in tests and the fallback when the Vector API is unavailable), and {@link VectorKernels}, which uses
 * {@code jdk.incubator.vector}. {@link KernelProvider#get()} picks one once per JVM. The two agree up to
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
     * ReLU backward: {@code gradIn[i] = x[i] > 0 ? gradOut[i] : 0}, where {@code x} is the forward input.
     * {@code gradIn} may be {@code gradOut}.
     */
    void reluBackward(int n, float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff);
}
