package org.convnet4j.transfer;

import java.util.Arrays;

/**
 * L2-regularised multinomial logistic regression fitted to convergence (L-BFGS), the new head of Cases 2 and 3
 * before any layer is unfrozen: the same model family, objective scale and feature standardisation as Case 1's
 * default classifier ({@code logreg}, C = 1 on standardised features), so the fine-tuning cases start where Case 1
 * ends. It is what scikit-learn's {@code LogisticRegression(C=1)} minimises:
 * <pre>
 *   0.5 · |W|² + C · Σ_i cross-entropy(softmax(W z_i + b), y_i),   z_i = (x_i - mean) / sd   (bias not penalised)
 * </pre>
 * The objective is strictly convex, so the answer does not depend on a learning rate, an epoch count or a
 * validation split. The fitted weights are returned in the raw feature space ({@code W / sd}, {@code b - W mean/sd}),
 * ready for a {@code Dense} layer on the unstandardised features. A feature's standard deviation is floored at a
 * tenth of the mean standard deviation: a feature that is almost constant on the training pictures (a ReLU that
 * rarely fires) would otherwise get a huge raw weight that amplifies every later change of the layers below it.
 */
public final class SoftmaxRegression {
    /** The fitted head: {@code kernel[class * dim + feature]} ({@code Dense}'s [units, in] order) and bias. */
    public record Fit(float[] kernel, float[] bias, int iterations, double objective, boolean converged) {
    }

    private static final int HISTORY = 10;

    private SoftmaxRegression() {
    }

    /**
     * Fits {@code x} (n rows of {@code dim}, row-major) with labels 0..classes-1 at inverse regularisation
     * {@code c}; stops when the largest gradient component is below {@code 1e-4 · max(1, n · c)}-relative tolerance
     * or after {@code maxIterations}.
     */
    public static Fit fit(float[] x, int dim, int[] y, int classes, double c, int maxIterations) {
        int n = y.length;
        if (n == 0 || (long) n * dim != x.length || classes < 1) {
            throw new IllegalArgumentException("SoftmaxRegression: " + x.length + " values, " + n + " labels, dim " + dim);
        }
        double[] mean = new double[dim];
        double[] sd = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                mean[j] += x[i * dim + j];
            }
        }
        for (int j = 0; j < dim; j++) {
            mean[j] /= n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                double d = x[i * dim + j] - mean[j];
                sd[j] += d * d;
            }
        }
        double meanSd = 0;
        for (int j = 0; j < dim; j++) {
            sd[j] = Math.sqrt(sd[j] / n);
            meanSd += sd[j] / dim;
        }
        double floor = Math.max(0.1 * meanSd, 1e-12);
        for (int j = 0; j < dim; j++) {
            sd[j] = Math.max(sd[j], floor);
        }
        double[] z = new double[n * dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                z[i * dim + j] = (x[i * dim + j] - mean[j]) / sd[j];
            }
        }
        Objective f = new Objective(z, n, dim, y, classes, c);
        int p = classes * (dim + 1);
        double[] w = new double[p];
        double[] g = new double[p];
        double fx = f.value(w, g);
        double tol = 1e-4 * Math.max(1, n * c);
        double[][] s = new double[HISTORY][];
        double[][] t = new double[HISTORY][];
        double[] rho = new double[HISTORY];
        int stored = 0;
        int it = 0;
        boolean converged = maxAbs(g) < tol;
        double[] dir = new double[p];
        double[] wNew = new double[p];
        double[] gNew = new double[p];
        double[] alpha = new double[HISTORY];
        while (!converged && it < maxIterations) {
            // two-loop recursion: dir = -H g
            System.arraycopy(g, 0, dir, 0, p);
            for (int k = stored - 1; k >= 0; k--) {
                alpha[k] = rho[k] * dot(s[k], dir);
                axpy(-alpha[k], t[k], dir);
            }
            if (stored > 0) {
                double gamma = dot(s[stored - 1], t[stored - 1]) / dot(t[stored - 1], t[stored - 1]);
                scale(dir, gamma);
            } else {
                scale(dir, 1 / Math.max(1, Math.sqrt(dot(g, g))));
            }
            for (int k = 0; k < stored; k++) {
                double beta = rho[k] * dot(t[k], dir);
                axpy(alpha[k] - beta, s[k], dir);
            }
            scale(dir, -1);
            double slope = dot(g, dir);
            if (!(slope < 0)) { // not a descent direction: restart from the gradient
                stored = 0;
                System.arraycopy(g, 0, dir, 0, p);
                scale(dir, -1 / Math.max(1, Math.sqrt(dot(g, g))));
                slope = dot(g, dir);
            }
            double step = 1;
            double fNew;
            int tries = 0;
            while (true) { // backtracking (Armijo)
                for (int k = 0; k < p; k++) {
                    wNew[k] = w[k] + step * dir[k];
                }
                fNew = f.value(wNew, gNew);
                if (fNew <= fx + 1e-4 * step * slope || ++tries > 40) {
                    break;
                }
                step *= 0.5;
            }
            if (!(fNew < fx) && tries > 40) {
                break; // no progress possible in float precision
            }
            double[] sk = new double[p];
            double[] tk = new double[p];
            for (int k = 0; k < p; k++) {
                sk[k] = wNew[k] - w[k];
                tk[k] = gNew[k] - g[k];
            }
            double st = dot(sk, tk);
            if (st > 1e-12) {
                if (stored == HISTORY) {
                    System.arraycopy(s, 1, s, 0, HISTORY - 1);
                    System.arraycopy(t, 1, t, 0, HISTORY - 1);
                    System.arraycopy(rho, 1, rho, 0, HISTORY - 1);
                    stored--;
                }
                s[stored] = sk;
                t[stored] = tk;
                rho[stored] = 1 / st;
                stored++;
            }
            System.arraycopy(wNew, 0, w, 0, p);
            System.arraycopy(gNew, 0, g, 0, p);
            fx = fNew;
            it++;
            converged = maxAbs(g) < tol;
        }
        float[] kernel = new float[classes * dim];
        float[] bias = new float[classes];
        for (int k = 0; k < classes; k++) {
            double b = w[k * (dim + 1) + dim];
            for (int j = 0; j < dim; j++) {
                double wk = w[k * (dim + 1) + j] / sd[j];
                kernel[k * dim + j] = (float) wk;
                b -= wk * mean[j];
            }
            bias[k] = (float) b;
        }
        return new Fit(kernel, bias, it, fx, converged);
    }

    /** The objective and its gradient; parameters are [class][dim + 1] with the bias last. */
    private record Objective(double[] z, int n, int dim, int[] y, int classes, double c) {
        double value(double[] w, double[] grad) {
            Arrays.fill(grad, 0);
            double loss = 0;
            double[] logits = new double[classes];
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < classes; k++) {
                    int o = k * (dim + 1);
                    double v = w[o + dim];
                    for (int j = 0; j < dim; j++) {
                        v += w[o + j] * z[i * dim + j];
                    }
                    logits[k] = v;
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int k = 0; k < classes; k++) {
                    logits[k] = Math.exp(logits[k] - max);
                    sum += logits[k];
                }
                loss += Math.log(sum) + max - (Math.log(logits[y[i]]) + max);
                for (int k = 0; k < classes; k++) {
                    double d = c * (logits[k] / sum - (k == y[i] ? 1 : 0));
                    int o = k * (dim + 1);
                    for (int j = 0; j < dim; j++) {
                        grad[o + j] += d * z[i * dim + j];
                    }
                    grad[o + dim] += d;
                }
            }
            double reg = 0;
            for (int k = 0; k < classes; k++) {
                int o = k * (dim + 1);
                for (int j = 0; j < dim; j++) {
                    reg += w[o + j] * w[o + j];
                    grad[o + j] += w[o + j];
                }
            }
            return 0.5 * reg + c * loss;
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static void scale(double[] x, double a) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= a;
        }
    }

    private static double maxAbs(double[] x) {
        double m = 0;
        for (double v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
