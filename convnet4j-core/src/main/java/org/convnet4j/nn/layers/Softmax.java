package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

/**
 * Softmax over the last axis (the features of [F]; Keras' default axis -1): y_i = e^(x_i - m) / sum_j e^(x_j - m)
 * with m the row maximum, so no exponent overflows. Backward is the Jacobian-vector product
 * dx_i = y_i (dy_i - sum_j dy_j y_j), computed without forming the Jacobian.
 */
public final class Softmax extends UnaryLayer {
    private Tensor y;

    @Override
    protected Shape outputShapeOf(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        int len = x.dim(-1);
        int rows = x.size() / len;
        Tensor out = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] b = out.data();
        for (int r = 0; r < rows; r++) {
            int base = r * len;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < len; i++) {
                max = Math.max(max, a[base + i]);
            }
            double sum = 0;
            for (int i = 0; i < len; i++) {
                double e = Math.exp(a[base + i] - max);
                b[base + i] = (float) e;
                sum += e;
            }
            KernelProvider.get().scale(len, (float) (1.0 / sum), b, base);
        }
        this.y = out;
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        int len = y.dim(-1);
        int rows = y.size() / len;
        Tensor dx = Tensor.zeros(dy.shape());
        float[] g = dy.data();
        float[] o = y.data();
        float[] d = dx.data();
        for (int r = 0; r < rows; r++) {
            int base = r * len;
            double dot = 0;
            for (int i = 0; i < len; i++) {
                dot += (double) g[base + i] * o[base + i];
            }
            for (int i = 0; i < len; i++) {
                d[base + i] = (float) (o[base + i] * (g[base + i] - dot));
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", -1);
        return c;
    }
}
