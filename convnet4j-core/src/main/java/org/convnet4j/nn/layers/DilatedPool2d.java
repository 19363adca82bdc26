package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;

/**
 * What {@link DilatedMaxPool2d} and {@link DilatedAvgPool2d} share: the window parameters, the output geometry
 * (floor or ceil mode) and the walk over a window's taps, kept in one place so the two poolings cannot drift
 * apart. Subclasses only decide what to do with the taps.
 */
abstract class DilatedPool2d extends UnaryLayer {
    protected final int[] k;
    protected final int[] s;
    protected final int[] d;
    protected final int[] pad; // top, left, bottom, right
    protected final boolean ceil;

    DilatedPool2d(String name, int[] kernel, int[] strides, int[] dilations, int[] pads, boolean ceilMode) {
        if (kernel.length != 2 || strides.length != 2 || dilations.length != 2 || pads.length != 4) {
            throw new IllegalArgumentException(name + ": 2 kernel sizes, strides, dilations and 4 pads");
        }
        for (int i = 0; i < 2; i++) {
            if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + 2] < 0) {
                throw new IllegalArgumentException(name + ": sizes must be positive, pads non-negative");
            }
        }
        this.k = kernel.clone();
        this.s = strides.clone();
        this.d = dilations.clone();
        this.pad = pads.clone();
        this.ceil = ceilMode;
    }

    /** Output length along {@code axis} (0 = height, 1 = width) for an input of {@code in} cells. */
    protected final int out(int in, int axis) {
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

    /** What a pooling does with one window; the tap array is reused, valid only during the call. */
    @FunctionalInterface
    interface Window {
        /**
         * @param base start of the window's plane in the input
         * @param at   index of the window's output (plane, row, column)
         * @param cell row * outW + column (the same for every plane)
         * @param tap  offsets within the plane of the window's taps inside the image, in row-major order
         * @param n    how many of {@code tap} are filled
         */
        void visit(int base, int at, int cell, int[] tap, int n);
    }

    /**
     * Calls {@code fn} for every output window of an input of shape [N, C, H, W], plane by plane, row by row,
     * with the taps listed in the order both poolings have always visited them in (so sums and first-maximum
     * ties stay bit-identical).
     */
    protected final void forEachWindow(Shape in, Window fn) {
        int planes = in.dim(0) * in.dim(1);
        int h = in.dim(2);
        int w = in.dim(3);
        int oh = out(h, 0);
        int ow = out(w, 1);
        int[] tap = new int[k[0] * k[1]];
        for (int p = 0; p < planes; p++) {
            int base = p * h * w;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    fn.visit(base, (p * oh + i) * ow + j, i * ow + j, tap, taps(i, j, h, w, tap));
                }
            }
        }
    }

    /** Fills {@code into} with the in-image taps of window (i, j) as plane offsets r * w + c; returns how many. */
    private int taps(int i, int j, int h, int w, int[] into) {
        int n = 0;
        for (int a = 0; a < k[0]; a++) {
            int r = i * s[0] - pad[0] + a * d[0];
            if (r < 0 || r >= h) {
                continue;
            }
            for (int b = 0; b < k[1]; b++) {
                int c = j * s[1] - pad[1] + b * d[1];
                if (c >= 0 && c < w) {
                    into[n++] = r * w + c;
                }
            }
        }
        return n;
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
