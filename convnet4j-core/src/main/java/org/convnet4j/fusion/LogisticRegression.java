package org.convnet4j.fusion;

import org.convnet4j.tensor.RowOps;

/**
 * Multinomial logistic regression (softmax regression) with L2 penalty, fitted by full-batch gradient descent
 * with backtracking line search: the meta-classifier of stacking. Small and hand-written on purpose: its inputs
 * are a few hundred to a few thousand rows of M*K probabilities. The loss
 * {@code mean_i -log softmax(W x_i + b)[y_i] + l2/2 |W|^2} is convex, so descent with Armijo steps converges to
 * its minimum; it stops when the gradient norm falls below {@code 1e-6} or after {@code maxIterations}.
 */
public final class LogisticRegression {
    private final double[][] w; // [K][D]
    private final double[] b;   // [K]

    private LogisticRegression(double[][] w, double[] b) {
        this.w = w;
        this.b = b;
    }

    public double[][] weights() {
        return w;
    }

    public double[] bias() {
        return b;
    }

    /** Fits on rows {@code x} [n][D] with labels 0..classes-1. */
    public static LogisticRegression fit(double[][] x, int[] y, int classes, double l2, int maxIterations) {
        int n = x.length;
        if (n == 0 || n != y.length) {
            throw new IllegalArgumentException("LogisticRegression: " + n + " rows and " + y.length + " labels");
        }
        int d = x[0].length;
        for (int label : y) {
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("LogisticRegression: label " + label + " outside 0.." + (classes - 1));
            }
        }
        double[][] w = new double[classes][d];
        double[] b = new double[classes];
        double[][] gw = new double[classes][d];
        double[] gb = new double[classes];
        double step = 1.0;
        double loss = lossAndGradient(x, y, w, b, l2, gw, gb);
        for (int it = 0; it < maxIterations; it++) {
            double gg = 0;
            for (int c = 0; c < classes; c++) {
                gg += gb[c] * gb[c];
                for (int j = 0; j < d; j++) {
                    gg += gw[c][j] * gw[c][j];
                }
            }
            if (Math.sqrt(gg) < 1e-6) {
                break;
            }
            // Armijo backtracking: halve the step until the loss drops by at least step * |g|^2 / 2
            double[][] w2 = new double[classes][d];
            double[] b2 = new double[classes];
            double[][] gw2 = new double[classes][d];
            double[] gb2 = new double[classes];
            double next;
            while (true) {
                for (int c = 0; c < classes; c++) {
                    b2[c] = b[c] - step * gb[c];
                    for (int j = 0; j < d; j++) {
                        w2[c][j] = w[c][j] - step * gw[c][j];
                    }
                }
                next = lossAndGradient(x, y, w2, b2, l2, gw2, gb2);
                if (next <= loss - 0.5 * step * gg || step < 1e-10) {
                    break;
                }
                step /= 2;
            }
            w = w2;
            b = b2;
            gw = gw2;
            gb = gb2;
            loss = next;
            step = Math.min(step * 2, 64); // let the step grow back
        }
        return new LogisticRegression(w, b);
    }

    /** Class probabilities of one row. */
    public double[] probabilities(double[] row) {
        double[] z = new double[b.length];
        for (int c = 0; c < b.length; c++) {
            double s = b[c];
            for (int j = 0; j < row.length; j++) {
                s += w[c][j] * row[j];
            }
            z[c] = s;
        }
        RowOps.softmaxInPlace(z);
        return z;
    }

    static double lossAndGradient(double[][] x, int[] y, double[][] w, double[] b, double l2, double[][] gw,
                                  double[] gb) {
        int n = x.length;
        int k = b.length;
        int d = w[0].length;
        for (int c = 0; c < k; c++) {
            java.util.Arrays.fill(gw[c], 0);
        }
        java.util.Arrays.fill(gb, 0);
        double loss = 0;
        double[] z = new double[k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                double s = b[c];
                for (int j = 0; j < d; j++) {
                    s += w[c][j] * x[i][j];
                }
                z[c] = s;
            }
            RowOps.softmaxInPlace(z);
            loss -= Math.log(Math.max(z[y[i]], 1e-300));
            for (int c = 0; c < k; c++) {
                double g = (z[c] - (c == y[i] ? 1 : 0)) / n;
                gb[c] += g;
                for (int j = 0; j < d; j++) {
                    gw[c][j] += g * x[i][j];
                }
            }
        }
        loss /= n;
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                loss += 0.5 * l2 * w[c][j] * w[c][j];
                gw[c][j] += l2 * w[c][j];
            }
        }
        return loss;
    }
}
