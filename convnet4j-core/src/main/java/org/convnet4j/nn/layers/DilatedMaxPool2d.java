package org.convnet4j.nn.layers;

import org.convnet4j.nn.GradMode;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Max pooling whose window taps are {@code dilation} apart (ONNX MaxPool with dilations, PyTorch's
 * MaxPool2d(dilation=...)): output (oh, ow) is the maximum of x[oh*sh - top + i*dh, ow*sw - left + j*dw] over
 * the taps inside the image (padding never wins, as if it were -infinity). The gradient goes to the first
 * maximum of each window. {@code outH}/{@code outW} are fixed by the importer (floor or ceil mode).
 */
public final class DilatedMaxPool2d extends DilatedPool2d {
    private Shape inShape;
    private int[] arg;

    public DilatedMaxPool2d(int[] kernel, int[] strides, int[] dilations, int[] pads, PoolRounding rounding) {
        super("DilatedMaxPool2d", kernel, strides, dilations, pads, rounding == PoolRounding.CEIL);
    }

    /**
     * @deprecated a positional boolean: use {@link #DilatedMaxPool2d(int[], int[], int[], int[], PoolRounding)}
     */
    @Deprecated
    public DilatedMaxPool2d(int[] kernel, int[] strides, int[] dilations, int[] pads, boolean ceilMode) {
        this(kernel, strides, dilations, pads, PoolRounding.ceilMode(ceilMode));
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor y = Tensor.zeros(outputShapeOf(x.shape().dropFirst()).prepend(x.dim(0)));
        int[] am = new int[y.size()];
        float[] xd = x.data();
        float[] yd = y.data();
        forEachWindow(x.shape(), (base, at, cell, tap, n) -> {
            float best = Float.NEGATIVE_INFINITY;
            int where = -1;
            for (int t = 0; t < n; t++) {
                float v = xd[base + tap[t]];
                if (where < 0 || v > best) {
                    best = v;
                    where = base + tap[t];
                }
            }
            yd[at] = best;
            am[at] = where;
        });
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
}
