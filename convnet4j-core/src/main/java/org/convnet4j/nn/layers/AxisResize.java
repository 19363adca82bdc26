package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Resamples one per-sample axis to {@code size} positions: output position o is
 * {@code (1 - w[o]) * x[lo[o]] + w[o] * x[hi[o]]} — linear interpolation, and nearest neighbour when every
 * weight is 0. ONNX Resize and Upsample are one such layer per resized axis (separable), with the source
 * coordinates computed by the importer from the coordinate transformation mode.
 */
public final class AxisResize extends UnaryLayer {
    private final int axis;
    private final int[] lo;
    private final int[] hi;
    private final float[] w;
    private Shape inShape;

    public AxisResize(int axis, int[] lo, int[] hi, float[] w) {
        if (axis < 0 || lo.length == 0 || lo.length != hi.length || lo.length != w.length) {
            throw new IllegalArgumentException("AxisResize: axis " + axis + ", " + lo.length + "/" + hi.length + "/"
                    + w.length + " taps");
        }
        this.axis = axis;
        this.lo = lo.clone();
        this.hi = hi.clone();
        this.w = w.clone();
    }

    public int axis() {
        return axis;
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
    protected Shape outputShapeOf(Shape input) {
        if (axis >= input.rank()) {
            throw new IllegalArgumentException(describe() + ": axis " + axis + " of " + input);
        }
        for (int o = 0; o < lo.length; o++) {
            if (lo[o] < 0 || hi[o] < 0 || lo[o] >= input.dim(axis) || hi[o] >= input.dim(axis)) {
                throw new IllegalArgumentException(describe() + ": source positions outside axis " + axis + " of "
                        + input);
            }
        }
        return input.withDim(axis, lo.length);
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Shape out = outputShapeOf(x.shape().dropFirst()).prepend(x.dim(0));
        int len = x.dim(axis + 1);
        int inner = x.shape().sizeFrom(axis + 2);
        int outer = x.size() / (len * inner);
        int size = lo.length;
        Tensor y = Tensor.zeros(out);
        float[] xd = x.data();
        float[] yd = y.data();
        for (int b = 0; b < outer; b++) {
            int xb = b * len * inner;
            int yb = b * size * inner;
            for (int o = 0; o < size; o++) {
                int a = xb + lo[o] * inner;
                int c = xb + hi[o] * inner;
                float t = w[o];
                int yo = yb + o * inner;
                for (int i = 0; i < inner; i++) {
                    yd[yo + i] = (1 - t) * xd[a + i] + t * xd[c + i];
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
        int size = lo.length;
        Tensor dx = Tensor.zeros(in);
        float[] g = dy.data();
        float[] d = dx.data();
        for (int b = 0; b < outer; b++) {
            int xb = b * len * inner;
            int yb = b * size * inner;
            for (int o = 0; o < size; o++) {
                int a = xb + lo[o] * inner;
                int c = xb + hi[o] * inner;
                float t = w[o];
                int yo = yb + o * inner;
                for (int i = 0; i < inner; i++) {
                    d[a + i] += (1 - t) * g[yo + i];
                    d[c + i] += t * g[yo + i];
                }
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", axis);
        IndexMapLayer.put(c, "lo", lo);
        IndexMapLayer.put(c, "hi", hi);
        java.util.List<Double> ws = new java.util.ArrayList<>();
        for (float v : w) {
            ws.add((double) v);
        }
        c.put("weights", ws);
        return c;
    }
}
