package org.convnet4j.nn.layers;

import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/** Hyperbolic tangent; dy/dx = 1 - y^2. */
public final class Tanh extends UnaryLayer {
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
            b[i] = (float) Math.tanh(a[i]);
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
            d[i] = g[i] * (1f - o[i] * o[i]);
        }
        return dx;
    }
}
