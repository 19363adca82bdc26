package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Average pooling whose window taps are {@code dilation} apart (ONNX AveragePool with dilations, opset 19):
 * output (oh, ow) is the mean of x[oh*sh - top + i*dh, ow*sw - left + j*dw] over the taps of the window. The
 * divisor is the number of taps inside the image ({@code countIncludePad} false) or inside the image and its
 * padding (true; taps that only the ceil mode adds beyond the padding never count), as in the ONNX reference and
 * PyTorch. The geometry (output size, ceil mode) is {@link DilatedPool2d}'s, shared with {@link DilatedMaxPool2d}.
 */
public final class DilatedAvgPool2d extends DilatedPool2d {
    private final boolean includePad;
    private Shape inShape;

    /** What the divisor counts: the taps inside the image, or inside the image and its padding. */
    public enum Divisor {
        IMAGE, IMAGE_AND_PADDING;

        /** {@code IMAGE_AND_PADDING} for true (as read from a file's count_include_pad). */
        public static Divisor countIncludePad(boolean countIncludePad) {
            return countIncludePad ? IMAGE_AND_PADDING : IMAGE;
        }
    }

    public DilatedAvgPool2d(int[] kernel, int[] strides, int[] dilations, int[] pads, PoolRounding rounding,
                            Divisor divisor) {
        super("DilatedAvgPool2d", kernel, strides, dilations, pads, rounding == PoolRounding.CEIL);
        this.includePad = divisor == Divisor.IMAGE_AND_PADDING;
    }

    /**
     * @deprecated positional booleans: use {@link #DilatedAvgPool2d(int[], int[], int[], int[], PoolRounding, Divisor)}
     */
    @Deprecated
    public DilatedAvgPool2d(int[] kernel, int[] strides, int[] dilations, int[] pads, boolean ceilMode,
                            boolean countIncludePad) {
        this(kernel, strides, dilations, pads, PoolRounding.ceilMode(ceilMode), Divisor.countIncludePad(countIncludePad));
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
        Tensor y = Tensor.zeros(outputShapeOf(x.shape().dropFirst()).prepend(x.dim(0)));
        float[] inv = reciprocalCounts(x.dim(2), x.dim(3));
        float[] xd = x.data();
        float[] yd = y.data();
        forEachWindow(x.shape(), (base, at, cell, tap, n) -> {
            float sum = 0;
            for (int t = 0; t < n; t++) {
                sum += xd[base + tap[t]];
            }
            yd[at] = sum * inv[cell];
        });
        inShape = x.shape();
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Shape in = fromForward(inShape);
        Tensor dx = Tensor.zeros(in);
        float[] inv = reciprocalCounts(in.dim(2), in.dim(3));
        float[] g = dy.data();
        float[] dd = dx.data();
        forEachWindow(in, (base, at, cell, tap, n) -> {
            float v = g[at] * inv[cell];
            for (int t = 0; t < n; t++) {
                dd[base + tap[t]] += v;
            }
        });
        return dx;
    }

    public boolean countIncludePad() {
        return includePad;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("count_include_pad", includePad);
        return c;
    }
}
