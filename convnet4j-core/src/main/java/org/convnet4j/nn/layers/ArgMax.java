package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * The index of the largest (or, with {@code selectLast}, the last largest) value along a per-sample axis, as
 * a float (ONNX ArgMax). Piecewise constant, so its gradient is zero.
 */
public final class ArgMax extends UnaryLayer {
    private final int axis;
    private final boolean keepDims;
    private final boolean selectLast;
    private Shape inShape;

    /** Whether the reduced axis stays (with length 1, ONNX keepdims=1) or is dropped. */
    public enum Dims { KEEP, DROP }

    /** Which index a tie gives: the first largest value (ONNX's default) or the last (select_last_index=1). */
    public enum Ties { FIRST, LAST }

    /** The index of the first largest value along {@code axis}, the axis kept with length 1. */
    public ArgMax(int axis) {
        this(axis, Dims.KEEP, Ties.FIRST);
    }

    public ArgMax(int axis, Dims dims, Ties ties) {
        this(axis, dims == Dims.KEEP, ties == Ties.LAST, true);
    }

    /**
     * @deprecated positional booleans: use {@link #ArgMax(int, Dims, Ties)}
     */
    @Deprecated
    public ArgMax(int axis, boolean keepDims, boolean selectLast) {
        this(axis, keepDims, selectLast, true);
    }

    private ArgMax(int axis, boolean keepDims, boolean selectLast, boolean checked) {
        if (axis < 0) {
            throw new IllegalArgumentException("ArgMax: per-sample axis must be >= 0, got " + axis);
        }
        this.axis = axis;
        this.keepDims = keepDims;
        this.selectLast = selectLast;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (axis >= input.rank()) {
            throw new IllegalArgumentException(describe() + ": axis " + axis + " of " + input);
        }
        if (keepDims) {
            return input.withDim(axis, 1);
        }
        if (input.rank() == 1) {
            throw new IllegalArgumentException(describe() + ": would leave no per-sample axis (use keepdims)");
        }
        int[] d = new int[input.rank() - 1];
        for (int i = 0, k = 0; i < input.rank(); i++) {
            if (i != axis) {
                d[k++] = input.dim(i);
            }
        }
        return Shape.of(d);
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Shape out = outputShapeOf(x.shape().dropFirst()).prepend(x.dim(0));
        int len = x.dim(axis + 1);
        int inner = x.shape().sizeFrom(axis + 2);
        int outer = x.size() / (len * inner);
        Tensor y = Tensor.zeros(out);
        float[] xd = x.data();
        float[] yd = y.data();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                int best = 0;
                for (int k = 1; k < len; k++) {
                    float v = xd[base + k * inner];
                    float b = xd[base + best * inner];
                    if (v > b || selectLast && v == b) {
                        best = k;
                    }
                }
                yd[o * inner + i] = best;
            }
        }
        inShape = x.shape();
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        return Tensor.zeros(fromForward(inShape));
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", axis);
        c.put("keep_dims", keepDims);
        c.put("select_last", selectLast);
        return c;
    }
}
