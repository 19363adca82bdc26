package org.convnet4j.nn.layers;

import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/** max(0, x). The derivative at exactly 0 is taken as 0, as PyTorch does. */
public final class ReLU extends UnaryLayer {
    private Tensor y;

    @Override
    protected Shape outputShapeOf(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor out = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] b = out.data();
        for (int i = 0; i < a.length; i++) {
            b[i] = Math.max(0f, a[i]);
        }
        this.y = out;
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = Tensor.zeros(dy.shape());
        float[] g = dy.data();
        float[] o = y.data();
        float[] d = dx.data();
        for (int i = 0; i < g.length; i++) {
            d[i] = o[i] > 0f ? g[i] : 0f;
        }
        return dx;
    }
}
