package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * {@code x} for x &gt; 0, {@code alpha * x} otherwise. The default slope 0.01 is PyTorch's (Keras uses 0.3
 * or 0.2 depending on the version: importers pass theirs explicitly).
 */
public final class LeakyReLU extends UnaryLayer {
    private final float alpha;
    private Tensor x;

    public LeakyReLU() {
        this(0.01);
    }

    public LeakyReLU(double alpha) {
        if (!(alpha >= 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("LeakyReLU: alpha must be a finite number >= 0, got " + alpha);
        }
        this.alpha = (float) alpha;
    }

    public float alpha() {
        return alpha;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        this.x = input;
        Tensor out = Tensor.zeros(input.shape());
        float[] a = input.data();
        float[] b = out.data();
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i] > 0f ? a[i] : alpha * a[i];
        }
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = Tensor.zeros(dy.shape());
        float[] g = dy.data();
        float[] a = x.data();
        float[] d = dx.data();
        for (int i = 0; i < g.length; i++) {
            d[i] = a[i] > 0f ? g[i] : alpha * g[i];
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("alpha", (double) alpha);
        return c;
    }
}
