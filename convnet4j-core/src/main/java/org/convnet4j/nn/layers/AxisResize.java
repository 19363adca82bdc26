package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.tensor.Shape;

/**
 * Resamples one per-sample axis to {@code size} positions: output position o is
 * {@code (1 - w[o]) * x[lo[o]] + w[o] * x[hi[o]]} — linear interpolation, and nearest neighbour when every
 * weight is 0. ONNX Resize and Upsample are one such layer per resized axis (separable), with the source
 * coordinates computed by the importer from the coordinate transformation mode.
 */
public final class AxisResize extends AxisResampler {
    private final int[] lo;
    private final int[] hi;
    private final float[] w;

    public AxisResize(int axis, int[] lo, int[] hi, float[] w) {
        super(axis);
        if (axis < 0 || lo.length == 0 || lo.length != hi.length || lo.length != w.length) {
            throw new IllegalArgumentException("AxisResize: axis " + axis + ", " + lo.length + "/" + hi.length + "/"
                    + w.length + " taps");
        }
        this.lo = lo.clone();
        this.hi = hi.clone();
        this.w = w.clone();
    }

    @Override
    int size() {
        return lo.length;
    }

    /** The interpolation matrix [out, in] (for export as a matrix product). */
    public float[][] matrix(int inLength) {
        float[][] m = new float[lo.length][inLength];
        for (int o = 0; o < lo.length; o++) {
            m[o][lo[o]] += 1 - w[o];
            m[o][hi[o]] += w[o];
        }
        return m;
    }

    @Override
    protected void checkSources(Shape input, int len) {
        for (int o = 0; o < lo.length; o++) {
            if (lo[o] < 0 || hi[o] < 0 || lo[o] >= len || hi[o] >= len) {
                throw new IllegalArgumentException(describe() + ": source positions outside axis " + axis + " of "
                        + input);
            }
        }
    }

    @Override
    protected void forwardAt(float[] x, int xb, float[] y, int yo, int o, int inner) {
        int a = xb + lo[o] * inner;
        int c = xb + hi[o] * inner;
        float t = w[o];
        for (int i = 0; i < inner; i++) {
            y[yo + i] = (1 - t) * x[a + i] + t * x[c + i];
        }
    }

    @Override
    protected void backwardAt(float[] g, int yo, float[] dx, int xb, int o, int inner) {
        int a = xb + lo[o] * inner;
        int c = xb + hi[o] * inner;
        float t = w[o];
        for (int i = 0; i < inner; i++) {
            dx[a + i] += (1 - t) * g[yo + i];
            dx[c + i] += t * g[yo + i];
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        IndexMapLayer.put(c, "lo", lo);
        IndexMapLayer.put(c, "hi", hi);
        c.put("weights", weightList(w));
        return c;
    }
}
