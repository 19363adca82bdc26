package org.convnet4j.tensor.kernels;

/**
 * A double-precision naive SGEMM and the rounding-error bound any float implementation must meet, used to
 * judge both {@link ScalarKernels} and {@link VectorKernels} against something outside either of them.
 *
 * <p>Why this tolerance: a float dot product of length k accumulated in any order (with or without FMA)
 * satisfies |computed - exact| <= gamma * sum_p |a_ip * b_pj|, with gamma about k * 2^-24 (Higham,
 * "Accuracy and Stability of Numerical Algorithms", section 3.1). alpha and beta add a few more
 * roundings. So each element is checked against {@code (k + 4) * 2^-24 * (|alpha| * sum |a b| + |beta c|)}:
 * a rigorous worst-case bound that still catches a single missing, doubled or misplaced product term, whose
 * error is about |a b|, far above the bound for the shapes tested.
 */
final class GemmOracle {
    private static final double EPS = Math.ulp(1.0f) / 2; // 2^-24, the unit round-off of float

    /** Exact-ish reference result (double accumulation) for every element of C, row-major m x n. */
    final double[] expected;
    /** Per-element allowed absolute error. */
    final double[] tolerance;

    GemmOracle(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
               float beta, float[] c, int cOff, int ldc) {
        expected = new double[m * n];
        tolerance = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                    abs += Math.abs(av * bv);
                }
                double cTerm = beta == 0f ? 0 : (double) beta * c[cOff + i * ldc + j];
                expected[i * n + j] = alpha * s + cTerm;
                tolerance[i * n + j] = (k + 4) * EPS * (Math.abs(alpha) * abs + Math.abs(cTerm))
                        + Float.MIN_NORMAL;
            }
        }
    }
}
