package org.convnet4j.nn.layers;

import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * An element-wise activation whose derivative is a function of its own output (sigmoid: y(1-y),
 * tanh: 1-y^2), so backward needs only the cached output, not the input.
 */
abstract class OutputDerivedActivation extends UnaryLayer {
    private Tensor y;

    /** y = f(x) for one element. */
    protected abstract float apply(float x);

    /** dy/dx expressed through y. */
    protected abstract float derivativeFromOutput(float y);

    @Override
    protected final Shape outputShapeOf(Shape input) {
        return input;
    }

    @Override
    public final Tensor forward(Tensor x, boolean training) {
        Tensor out = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] b = out.data();
        for (int i = 0; i < a.length; i++) {
            b[i] = apply(a[i]);
        }
        this.y = GradMode.keep(out);
        return out;
    }

    @Override
    public final Tensor backward(Tensor dy) {
        Tensor dx = Tensor.zeros(dy.shape());
        float[] g = dy.data();
        float[] o = fromForward(y).data();
        float[] d = dx.data();
        for (int i = 0; i < g.length; i++) {
            d[i] = g[i] * derivativeFromOutput(o[i]);
        }
        return dx;
    }
}
