package org.convnet4j.nn.layers;

import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/** 1 / (1 + e^-x), computed without overflow for large |x|; dy/dx = y (1 - y). */
public final class Sigmoid extends UnaryLayer {
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
            b[i] = sigmoid(a[i]);
        }
        this.y = out;
        return out;
    }

    /** The logistic function; e^-|x| never overflows, so both branches stay finite. */
    static float sigmoid(float v) {
        if (v >= 0f) {
            return (float) (1.0 / (1.0 + Math.exp(-v)));
        }
        double e = Math.exp(v);
        return (float) (e / (1.0 + e));
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = Tensor.zeros(dy.shape());
        float[] g = dy.data();
        float[] o = y.data();
        float[] d = dx.data();
        for (int i = 0; i < g.length; i++) {
            d[i] = g[i] * o[i] * (1f - o[i]);
        }
        return dx;
    }
}
