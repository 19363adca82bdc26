package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.tensor.Shape;

/**
 * Resamples one per-sample axis with a fixed number of taps per output position: output position o is
 * {@code sum_k weight[o * taps + k] * x[index[o * taps + k]]}. ONNX's cubic Resize is one such layer per resized
 * axis with four taps (the importer computes the positions, clamped to the axis as the edge padding of the
 * reference does, and the cubic coefficients, renormalised when {@code exclude_outside} drops the outside ones).
 * {@link AxisResize} is the two-tap (linear, nearest) case kept in its own form for saved models.
 */
public final class AxisTaps extends AxisResampler {
    private final int taps;
    private final int[] index;
    private final float[] weight;

    public AxisTaps(int axis, int taps, int[] index, float[] weight) {
        super(axis);
        if (axis < 0 || taps < 1 || index.length == 0 || index.length % taps != 0 || index.length != weight.length) {
            throw new IllegalArgumentException("AxisTaps: axis " + axis + ", " + taps + " taps, " + index.length + "/"
                    + weight.length + " positions/weights");
        }
        this.taps = taps;
        this.index = index.clone();
        this.weight = weight.clone();
    }

    /** Number of output positions along the axis. */
    @Override
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
    protected void checkSources(Shape input, int len) {
        for (int i : index) {
            if (i < 0 || i >= len) {
                throw new IllegalArgumentException(describe() + ": source position " + i + " outside axis " + axis
                        + " of " + input);
            }
        }
    }

    @Override
    protected void forwardAt(float[] x, int xb, float[] y, int yo, int o, int inner) {
        for (int k = 0; k < taps; k++) {
            int src = xb + index[o * taps + k] * inner;
            float t = weight[o * taps + k];
            if (t == 0f) {
                continue;
            }
            for (int i = 0; i < inner; i++) {
                y[yo + i] += t * x[src + i];
            }
        }
    }

    @Override
    protected void backwardAt(float[] g, int yo, float[] dx, int xb, int o, int inner) {
        for (int k = 0; k < taps; k++) {
            int src = xb + index[o * taps + k] * inner;
            float t = weight[o * taps + k];
            for (int i = 0; i < inner; i++) {
                dx[src + i] += t * g[yo + i];
            }
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("taps", taps);
        IndexMapLayer.put(c, "index", index);
        c.put("weights", weightList(weight));
        return c;
    }
}
