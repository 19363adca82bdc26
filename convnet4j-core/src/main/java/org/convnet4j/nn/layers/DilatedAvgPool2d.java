package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Average pooling whose window taps are {@code dilation} apart (ONNX AveragePool with dilations, opset 19):
 * output (oh, ow) is the mean of x[oh*sh - top + i*dh, ow*sw - left + j*dw] over the taps of the window. The
 * divisor is the number of taps inside the image ({@code countIncludePad} false) or inside the image and its
 * padding (true; taps that only the ceil mode adds beyond the padding never count), as in the ONNX reference and
 * PyTorch. The geometry (output size, ceil mode) is {@link DilatedMaxPool2d}'s.
 */
public final class DilatedAvgPool2d extends UnaryLayer {
    private final int[] k;
    private final int[] s;
    private final int[] d;
    private final int[] pad; // top, left, bottom, right
    private final boolean ceil;
    private final boolean includePad;
    private Shape inShape;

    public DilatedAvgPool2d(int[] kernel, int[] strides, int[] dilations, int[] pads, boolean ceilMode,
                            boolean countIncludePad) {
        if (kernel.length != 2 || strides.length != 2 || dilations.length != 2 || pads.length != 4) {
            throw new IllegalArgumentException("DilatedAvgPool2d: 2 kernel sizes, strides, dilations and 4 pads");
        }
        for (int i = 0; i < 2; i++) {
            if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + 2] < 0) {
                throw new IllegalArgumentException("DilatedAvgPool2d: sizes must be positive, pads non-negative");
            }
        }
        this.k = kernel.clone();
        this.s = strides.clone();
        this.d = dilations.clone();
        this.pad = pads.clone();
        this.ceil = ceilMode;
        this.includePad = countIncludePad;
    }

    private int out(int in, int axis) {
        int span = (k[axis] - 1) * d[axis] + 1;
        int total = in + pad[axis] + pad[axis + 2] - span;
        if (total < 0) {
            throw new IllegalArgumentException(describe() + ": window of span " + span + " does not fit " + in
                    + " cells plus padding");
        }
        int o = (ceil ? (total + s[axis] - 1) / s[axis] : total / s[axis]) + 1;
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

    /** Taps counted by the divisor along one axis for output position {@code o}. */
    private int counted(int o, int len, int axis) {
        int lo = includePad ? -pad[axis] : 0;
        int hi = includePad ? len + pad[axis + 2] : len;
        int n = 0;
        for (int a = 0; a < k[axis]; a++) {
            int r = o * s[axis] - pad[axis] + a * d[axis];
            if (r >= lo && r < hi) {
                n++;
            }
        }
        return n;
    }

    /** 1 / divisor for every output position [oh * ow] (the same for every channel). */
    public float[] reciprocalCounts(int h, int w) {
        int oh = out(h, 0);
        int ow = out(w, 1);
        float[] r = new float[oh * ow];
        for (int i = 0; i < oh; i++) {
            int ch = counted(i, h, 0);
            for (int j = 0; j < ow; j++) {
                int cw = counted(j, w, 1);
                r[i * ow + j] = ch * cw == 0 ? 0f : 1f / (ch * cw);
            }
        }
        return r;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Shape o = outputShapeOf(x.shape().dropFirst());
        int planes = x.dim(0) * x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = o.dim(1);
        int ow = o.dim(2);
        float[] inv = reciprocalCounts(h, w);
        Tensor y = Tensor.zeros(o.prepend(x.dim(0)));
        float[] xd = x.data();
        float[] yd = y.data();
        for (int p = 0; p < planes; p++) {
            int base = p * h * w;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float sum = 0;
                    for (int a = 0; a < k[0]; a++) {
                        int r = i * s[0] - pad[0] + a * d[0];
                        if (r < 0 || r >= h) {
                            continue;
                        }
                        for (int b = 0; b < k[1]; b++) {
                            int c = j * s[1] - pad[1] + b * d[1];
                            if (c >= 0 && c < w) {
                                sum += xd[base + r * w + c];
                            }
                        }
                    }
                    yd[(p * oh + i) * ow + j] = sum * inv[i * ow + j];
                }
            }
        }
        inShape = x.shape();
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Shape in = fromForward(inShape);
        Tensor dx = Tensor.zeros(in);
        int planes = in.dim(0) * in.dim(1);
        int h = in.dim(2);
        int w = in.dim(3);
        int oh = out(h, 0);
        int ow = out(w, 1);
        float[] inv = reciprocalCounts(h, w);
        float[] g = dy.data();
        float[] dd = dx.data();
        for (int p = 0; p < planes; p++) {
            int base = p * h * w;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float v = g[(p * oh + i) * ow + j] * inv[i * ow + j];
                    for (int a = 0; a < k[0]; a++) {
                        int r = i * s[0] - pad[0] + a * d[0];
                        if (r < 0 || r >= h) {
                            continue;
                        }
                        for (int b = 0; b < k[1]; b++) {
                            int c = j * s[1] - pad[1] + b * d[1];
                            if (c >= 0 && c < w) {
                                dd[base + r * w + c] += v;
                            }
                        }
                    }
                }
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

    public boolean countIncludePad() {
        return includePad;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        IndexMapLayer.put(c, "kernel", k);
        IndexMapLayer.put(c, "strides", s);
        IndexMapLayer.put(c, "dilations", d);
        IndexMapLayer.put(c, "pads", pad);
        c.put("ceil_mode", ceil);
        c.put("count_include_pad", includePad);
        return c;
    }
}
