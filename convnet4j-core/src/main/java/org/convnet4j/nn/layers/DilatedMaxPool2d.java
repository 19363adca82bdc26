package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Max pooling whose window taps are {@code dilation} apart (ONNX MaxPool with dilations, PyTorch's
 * MaxPool2d(dilation=...)): output (oh, ow) is the maximum of x[oh*sh - top + i*dh, ow*sw - left + j*dw] over
 * the taps inside the image (padding never wins, as if it were -infinity). The gradient goes to the first
 * maximum of each window. {@code outH}/{@code outW} are fixed by the importer (floor or ceil mode).
 */
public final class DilatedMaxPool2d extends UnaryLayer {
    private final int[] k;
    private final int[] s;
    private final int[] d;
    private final int[] pad; // top, left, bottom, right
    private final boolean ceil;
    private Shape inShape;
    private int[] arg;

    public DilatedMaxPool2d(int[] kernel, int[] strides, int[] dilations, int[] pads, boolean ceilMode) {
        if (kernel.length != 2 || strides.length != 2 || dilations.length != 2 || pads.length != 4) {
            throw new IllegalArgumentException("DilatedMaxPool2d: 2 kernel sizes, strides, dilations and 4 pads");
        }
        for (int i = 0; i < 2; i++) {
            if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + 2] < 0) {
                throw new IllegalArgumentException("DilatedMaxPool2d: sizes must be positive, pads non-negative");
            }
        }
        this.k = kernel.clone();
        this.s = strides.clone();
        this.d = dilations.clone();
        this.pad = pads.clone();
        this.ceil = ceilMode;
    }

    private int out(int in, int axis) {
        int span = (k[axis] - 1) * d[axis] + 1;
        int total = in + pad[axis] + pad[axis + 2] - span;
        if (total < 0) {
            throw new IllegalArgumentException(describe() + ": window of span " + span + " does not fit " + in
                    + " cells plus padding");
        }
        int o = (ceil ? (total + s[axis] - 1) / s[axis] : total / s[axis]) + 1;
        // as PyTorch: the last window must start inside the image or its leading padding
        if (ceil && (o - 1) * s[axis] >= in + pad[axis]) {
            o--;
        }
        return o;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(describe() + ": expects [C, H, W], got " + input);
        }
        return Shape.of(input.dim(0), out(input.dim(1), 0), out(input.dim(2), 1));
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Shape o = outputShapeOf(x.shape().dropFirst());
        int planes = x.dim(0) * x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = o.dim(1);
        int ow = o.dim(2);
        Tensor y = Tensor.zeros(o.prepend(x.dim(0)));
        int[] am = new int[y.size()];
        float[] xd = x.data();
        float[] yd = y.data();
        for (int p = 0; p < planes; p++) {
            int base = p * h * w;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float best = Float.NEGATIVE_INFINITY;
                    int where = -1;
                    for (int a = 0; a < k[0]; a++) {
                        int r = i * s[0] - pad[0] + a * d[0];
                        if (r < 0 || r >= h) {
                            continue;
                        }
                        for (int b = 0; b < k[1]; b++) {
                            int c = j * s[1] - pad[1] + b * d[1];
                            if (c < 0 || c >= w) {
                                continue;
                            }
                            float v = xd[base + r * w + c];
                            if (where < 0 || v > best) {
                                best = v;
                                where = base + r * w + c;
                            }
                        }
                    }
                    int at = (p * oh + i) * ow + j;
                    yd[at] = best;
                    am[at] = where;
                }
            }
        }
        inShape = x.shape();
        arg = GradMode.keep(am);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = Tensor.zeros(fromForward(inShape));
        int[] am = fromForward(arg);
        float[] g = dy.data();
        float[] dd = dx.data();
        for (int i = 0; i < g.length; i++) {
            if (am[i] >= 0) {
                dd[am[i]] += g[i];
            }
        }
        return dx;
    }

    public int[] kernel() {
        return k.clone();
    }

    public int[] strides() {
        return s.clone();
    }

    public int[] dilations() {
        return d.clone();
    }

    /** top, left, bottom, right. */
    public int[] pads() {
        return pad.clone();
    }

    public boolean ceilMode() {
        return ceil;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        IndexMapLayer.put(c, "kernel", k);
        IndexMapLayer.put(c, "strides", s);
        IndexMapLayer.put(c, "dilations", d);
        IndexMapLayer.put(c, "pads", pad);
        c.put("ceil_mode", ceil);
        return c;
    }
}
