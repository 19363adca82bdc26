package org.convnet4j.nn.layers;

import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

/**
 * An element-wise activation whose derivative is a function of its own output (sigmoid: y(1-y),
 * tanh: 1-y^2), so backward needs only the cached output, not the input.
 */
abstract class OutputDerivedActivation extends UnaryLayer {
    private Tensor y;

    /** y = f(x) for one element. */
    protected abstract float apply(float x);

    /** Values per parallel task: large activations use the kernels' threads, small ones stay on this thread. */
    private static final int CHUNK = 1 << 15;

    /** b[i] = f(a[i]) for i in [from, to): element by element unless a subclass has a vectorised kernel. */
    protected void applyRun(float[] a, float[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            b[i] = apply(a[i]);
        }
    }

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
        int tasks = (a.length + CHUNK - 1) / CHUNK;
        if (tasks > 1) {
            KernelProvider.get().parallelFor(tasks, t -> applyRun(a, b, t * CHUNK, Math.min(a.length, (t + 1) * CHUNK)));
        } else {
            applyRun(a, b, 0, a.length);
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
