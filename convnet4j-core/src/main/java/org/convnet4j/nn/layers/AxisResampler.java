package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * What {@link AxisResize} and {@link AxisTaps} share: both rebuild one per-sample axis position by position from
 * fixed source positions, so the shape rule and the walk over (outer block, output position) for forward and
 * backward live here once. Subclasses keep their own arithmetic per output position (each in its own form, so
 * saved models and outputs stay bit-identical).
 */
abstract class AxisResampler extends UnaryLayer {
    protected final int axis;
    private Shape inShape;

    AxisResampler(int axis) {
        this.axis = axis;
    }

    public int axis() {
        return axis;
    }

    /** Number of output positions along the axis. */
    abstract int size();

    /** Throws if a source position lies outside an axis of {@code len} cells of {@code input}. */
    protected abstract void checkSources(Shape input, int len);

    /**
     * Output position {@code o} of one outer block: {@code xb} is the block's start in {@code x}, {@code yo} the
     * position's start in {@code y} (zeroed), {@code inner} the elements per axis cell.
     */
    protected abstract void forwardAt(float[] x, int xb, float[] y, int yo, int o, int inner);

    /** Adds the gradient of output position {@code o} (at {@code yo} in {@code g}) into the block at {@code xb}. */
    protected abstract void backwardAt(float[] g, int yo, float[] dx, int xb, int o, int inner);

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (axis >= input.rank()) {
            throw new IllegalArgumentException(describe() + ": axis " + axis + " of " + input);
        }
        checkSources(input, input.dim(axis));
        return input.withDim(axis, size());
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Shape out = outputShapeOf(x.shape().dropFirst()).prepend(x.dim(0));
        int len = x.dim(axis + 1);
        int inner = x.shape().sizeFrom(axis + 2);
        int outer = x.size() / (len * inner);
        int size = size();
        Tensor y = Tensor.zeros(out);
        float[] xd = x.data();
        float[] yd = y.data();
        for (int b = 0; b < outer; b++) {
            int xb = b * len * inner;
            int yb = b * size * inner;
            for (int o = 0; o < size; o++) {
                forwardAt(xd, xb, yd, yb + o * inner, o, inner);
            }
        }
        inShape = x.shape();
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Shape in = fromForward(inShape);
        int len = in.dim(axis + 1);
        int inner = in.sizeFrom(axis + 2);
        int outer = in.size() / (len * inner);
        int size = size();
        Tensor dx = Tensor.zeros(in);
        float[] g = dy.data();
        float[] d = dx.data();
        for (int b = 0; b < outer; b++) {
            int xb = b * len * inner;
            int yb = b * size * inner;
            for (int o = 0; o < size; o++) {
                backwardAt(g, yb + o * inner, d, xb, o, inner);
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", axis);
        return c;
    }

    /** The weights as saved in {@link #config()} (doubles, as the config format stores numbers). */
    static List<Double> weightList(float[] weights) {
        List<Double> ws = new ArrayList<>();
        for (float v : weights) {
            ws.add((double) v);
        }
        return ws;
    }
}
