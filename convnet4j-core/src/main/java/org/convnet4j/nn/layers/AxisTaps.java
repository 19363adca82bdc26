package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Resamples one per-sample axis with a fixed number of taps per output position: output position o is
 * {@code sum_k weight[o * taps + k] * x[index[o * taps + k]]}. ONNX's cubic Resize is one such layer per resized
 * axis with four taps (the importer computes the positions, clamped to the axis as the edge padding of the
 * reference does, and the cubic coefficients, renormalised when {@code exclude_outside} drops the outside ones).
 * {@link AxisResize} is the two-tap (linear, nearest) case kept in its own form for saved models.
 */
public final class AxisTaps extends UnaryLayer {
    private final int axis;
    private final int taps;
    private final int[] index;
    private final float[] weight;
    private Shape inShape;

    public AxisTaps(int axis, int taps, int[] index, float[] weight) {
        if (axis < 0 || taps < 1 || index.length == 0 || index.length % taps != 0 || index.length != weight.length) {
            throw new IllegalArgumentException("AxisTaps: axis " + axis + ", " + taps + " taps, " + index.length + "/"
                    + weight.length + " positions/weights");
        }
        this.axis = axis;
        this.taps = taps;
        this.index = index.clone();
        this.weight = weight.clone();
    }

    public int axis() {
        return axis;
    }

    /** Number of output positions along the axis. */
    public int size() {
        return index.length / taps;
    }

    /** The interpolation matrix [out, in] (for export as a matrix product). */
    public float[][] matrix(int inLength) {
        float[][] m = new float[size()][inLength];
        for (int j = 0; j < index.length; j++) {
            m[j / taps][index[j]] += weight[j];
        }
        return m;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (axis >= input.rank()) {
            throw new IllegalArgumentException(describe() + ": axis " + axis + " of " + input);
        }
        for (int i : index) {
            if (i < 0 || i >= input.dim(axis)) {
                throw new IllegalArgumentException(describe() + ": source position " + i + " outside axis " + axis
                        + " of " + input);
            }
        }
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
                int yo = yb + o * inner;
                for (int k = 0; k < taps; k++) {
                    int src = xb + index[o * taps + k] * inner;
                    float t = weight[o * taps + k];
                    if (t == 0f) {
                        continue;
                    }
                    for (int i = 0; i < inner; i++) {
                        yd[yo + i] += t * xd[src + i];
                    }
                }
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
                int yo = yb + o * inner;
                for (int k = 0; k < taps; k++) {
                    int src = xb + index[o * taps + k] * inner;
                    float t = weight[o * taps + k];
                    for (int i = 0; i < inner; i++) {
                        d[src + i] += t * g[yo + i];
                    }
                }
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", axis);
        c.put("taps", taps);
        IndexMapLayer.put(c, "index", index);
        List<Double> ws = new ArrayList<>();
        for (float v : weight) {
            ws.add((double) v);
        }
        c.put("weights", ws);
        return c;
    }
}
