package org.convnet4j.tensor;

/**
 * The per-row operations on class scores that every classifier, evaluator and command needs: softmax and
 * arg-max. One implementation each, so that every place that turns scores into answers agrees to the bit.
 */
public final class RowOps {
    private RowOps() {
    }

    /**
     * Softmax of {@code k} scores starting at {@code off}, in double precision, into {@code out[0..k)}.
     * Shifted by the maximum so that {@code exp} cannot overflow; a row of equal scores gives 1/k each.
     */
    public static double[] softmax(float[] scores, int off, int k, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, scores[off + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            out[c] = Math.exp(scores[off + c] - max);
            sum += out[c];
        }
        for (int c = 0; c < k; c++) {
            out[c] /= sum;
        }
        return out;
    }

    /** Softmax of a whole row of scores. */
    public static double[] softmax(float[] scores) {
        return softmax(scores, 0, scores.length, new double[scores.length]);
    }

    /** Softmax of a double row, in place (for scores already accumulated in double). */
    public static double[] softmaxInPlace(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int c = 0; c < z.length; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        for (int c = 0; c < z.length; c++) {
            z[c] /= sum;
        }
        return z;
    }

    /** Index of the largest of {@code k} values from {@code off}; the first one on ties. */
    public static int argmax(float[] v, int off, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (v[off + c] > v[off + best]) {
                best = c;
            }
        }
        return best;
    }

    /** Index of the largest value; the first one on ties. */
    public static int argmax(double[] v) {
        return argmax(v, 0, v.length);
    }

    /** Index of the largest of {@code k} doubles from {@code off}; the first one on ties. */
    public static int argmax(double[] v, int off, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (v[off + c] > v[off + best]) {
                best = c;
            }
        }
        return best;
    }

    /**
     * log(sum(exp(v))) of {@code k} scores from {@code off}, in double precision, shifted by their maximum so that
     * {@code exp} cannot overflow: a row's cross-entropy for class {@code y} is {@code logSumExp - v[off + y]}.
     */
    public static double logSumExp(float[] v, int off, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, v[off + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            sum += Math.exp(v[off + c] - max);
        }
        return max + Math.log(sum);
    }

    /** Log-softmax of a double row, in place: each value less the row's log-sum-exp (shifted by the maximum). */
    public static double[] logSoftmaxInPlace(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (double x : v) {
            sum += Math.exp(x - max);
        }
        double lse = max + Math.log(sum);
        for (int c = 0; c < v.length; c++) {
            v[c] -= lse;
        }
        return v;
    }

    /** The arg-max of every row of a [N, K] tensor (any rank: rows are the first dimension). */
    public static int[] argmaxRows(Tensor scores) {
        int n = scores.dim(0);
        int k = n == 0 ? 0 : scores.size() / n;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = argmax(scores.data(), i * k, k);
        }
        return out;
    }
}
