package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Local response normalisation across channels (AlexNet), with PyTorch's semantics:
 * {@code b_c = a_c / (k + alpha/n * sum_{c'} a_{c'}^2)^beta}, the sum running over the channels
 * {@code c - n/2 .. c + (n-1)/2} that exist (missing ones count as zero, the divisor stays {@code n}).
 * AlexNet uses n = 5, alpha = 1e-4, beta = 0.75, k = 2; the defaults here are PyTorch's (alpha 1e-4,
 * beta 0.75, k 1). Works on [C, H, W] and [C].
 */
public final class LRN extends UnaryLayer {
    private final int size;
    private final double alpha;
    private final double beta;
    private final double k;
    private Tensor x;
    private float[] denomBase; // S = k + alpha/n * window sum of squares, per element

    public LRN(int size) {
        this(size, 1e-4, 0.75, 1.0);
    }

    public LRN(int size, double alpha, double beta, double k) {
        if (size < 1) {
            throw new IllegalArgumentException("LRN: size must be >= 1, got " + size);
        }
        if (!(k > 0) || !(alpha >= 0) || !Double.isFinite(alpha) || !Double.isFinite(beta) || !Double.isFinite(k)) {
            throw new IllegalArgumentException("LRN: need k > 0 and finite alpha >= 0 and beta, got alpha=" + alpha
                    + ", beta=" + beta + ", k=" + k);
        }
        this.size = size;
        this.alpha = alpha;
        this.beta = beta;
        this.k = k;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 3 && input.rank() != 1) {
            throw new IllegalArgumentException(describe() + ": expects [C, H, W] or [C], got " + input);
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        this.x = GradMode.keep(input);
        int n = input.dim(0);
        int c = input.dim(1);
        int s = input.size() / (n * c);
        float[] a = input.data();
        Tensor y = Tensor.zeros(input.shape());
        float[] o = y.data();
        denomBase = new float[a.length];
        double scale = alpha / size;
        int before = size / 2;
        int after = (size - 1) / 2;
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int lo = Math.max(0, ch - before);
                int hi = Math.min(c - 1, ch + after);
                int out = (i * c + ch) * s;
                for (int q = 0; q < s; q++) {
                    double sum = 0;
                    for (int cc = lo; cc <= hi; cc++) {
                        float v = a[(i * c + cc) * s + q];
                        sum += (double) v * v;
                    }
                    double base = k + scale * sum;
                    denomBase[out + q] = (float) base;
                    o[out + q] = (float) (a[out + q] * Math.pow(base, -beta));
                }
            }
        }
        return y;
    }

    /**
     * {@code dx_j = dy_j S_j^-beta - (2 alpha beta / n) x_j sum_{c : j in window(c)} dy_c x_c S_c^(-beta-1)};
     * channel j lies in the window of c exactly when {@code j - (n-1)/2 <= c <= j + n/2}.
     */
    @Override
    public Tensor backward(Tensor dy) {
        Tensor x = fromForward(this.x);
        int n = x.dim(0);
        int c = x.dim(1);
        int s = x.size() / (n * c);
        float[] a = x.data();
        float[] g = dy.data();
        float[] t = new float[a.length]; // dy_c x_c S_c^(-beta-1)
        for (int i = 0; i < a.length; i++) {
            t[i] = (float) (g[i] * a[i] * Math.pow(denomBase[i], -beta - 1));
        }
        Tensor dx = Tensor.zeros(x.shape());
        float[] d = dx.data();
        double coef = 2 * alpha * beta / size;
        int before = size / 2;
        int after = (size - 1) / 2;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                int lo = Math.max(0, j - after);
                int hi = Math.min(c - 1, j + before);
                int at = (i * c + j) * s;
                for (int q = 0; q < s; q++) {
                    double sum = 0;
                    for (int cc = lo; cc <= hi; cc++) {
                        sum += t[(i * c + cc) * s + q];
                    }
                    d[at + q] = (float) (g[at + q] * Math.pow(denomBase[at + q], -beta) - coef * a[at + q] * sum);
                }
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("size", size);
        c.put("alpha", alpha);
        c.put("beta", beta);
        c.put("k", k);
        return c;
    }
}
