package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels written with the incubating Vector API ({@code jdk.incubator.vector}) at the platform's preferred
 * vector width. SGEMM is blocked, packed and multi-threaded (see {@link VectorGemm}); the element-wise
 * primitives are single-threaded vector loops with a scalar tail, since they are memory-bound.
 *
 * <p>This is the only place (with {@link VectorGemm}) that touches Vector API classes; loading this class
 * fails with a {@link LinkageError} when the module is missing, which {@link KernelProvider} catches.
 */
public final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();

    private final VectorGemm gemm;

    /** Uses {@code Runtime.availableProcessors()} threads for SGEMM, or the {@code convnet4j.threads} property. */
    public VectorKernels() {
        this(GemmPool.defaultThreads());
    }

    /** Uses at most {@code threads} threads (the caller included) for SGEMM. */
    public VectorKernels(int threads) {
        this.gemm = new VectorGemm(threads);
    }

    @Override
    public String name() {
        return "vector";
    }

    /** The most threads one SGEMM call uses. */
    public int threads() {
        return gemm.threads();
    }

    /** Floats per vector register on this machine (16 with AVX-512, 8 with AVX2). */
    public static int vectorLength() {
        return VL;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        Checks.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        gemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        Checks.range("axpy", "x", x, xOff, n);
        Checks.range("axpy", "y", y, yOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (; i < bound; i += VL) {
            FloatVector vx = FloatVector.fromArray(S, x, xOff + i);
            FloatVector vy = FloatVector.fromArray(S, y, yOff + i);
            // mul + add rather than fma: the same two roundings as the scalar twin.
            vx.mul(va).add(vy).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        Checks.range("dot", "x", x, xOff, n);
        Checks.range("dot", "y", y, yOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        for (; i < bound; i += VL) {
            acc = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += x[xOff + i] * y[yOff + i];
        }
        return s;
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        Checks.range("scale", "x", x, xOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector.fromArray(S, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
        }
        for (; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public void add(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        Checks.range("add", "a", a, aOff, n);
        Checks.range("add", "b", b, bOff, n);
        Checks.range("add", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        Checks.range("sum", "x", x, xOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        for (; i < bound; i += VL) {
            acc = acc.add(FloatVector.fromArray(S, x, xOff + i));
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    @Override
    public void reluForward(int n, float[] x, int xOff, float[] out, int outOff) {
        Checks.range("reluForward", "x", x, xOff, n);
        Checks.range("reluForward", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        for (; i < bound; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            // A comparison mask, not max(): max(NaN, 0) is NaN, while the contract (x > 0 ? x : 0) gives 0.
            VectorMask<Float> positive = v.compare(VectorOperators.GT, 0f);
            zero.blend(v, positive).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = v > 0f ? v : 0f;
        }
    }

    @Override
    public void reluBackward(int n, float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff) {
        Checks.range("reluBackward", "x", x, xOff, n);
        Checks.range("reluBackward", "gradOut", gradOut, gOff, n);
        Checks.range("reluBackward", "gradIn", gradIn, giOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        for (; i < bound; i += VL) {
            VectorMask<Float> positive = FloatVector.fromArray(S, x, xOff + i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(S, gradOut, gOff + i), positive).intoArray(gradIn, giOff + i);
        }
        for (; i < n; i++) {
            gradIn[giOff + i] = x[xOff + i] > 0f ? gradOut[gOff + i] : 0f;
        }
    }
}
