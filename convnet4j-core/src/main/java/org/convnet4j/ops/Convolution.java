package org.convnet4j.ops;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * 2-D convolution as CNNs use it: cross-correlation (the kernel is not flipped), with stride, dilation,
 * padding (zero/replicate/reflect) and channel groups.
 *
 * <p>Shapes: x [N, C, H, W]; w [F, C/groups, KH, KW]; bias [F] or null; y [N, F, OH, OW]. Output channel f
 * belongs to group {@code f / (F/groups)} and sees input channels {@code g*C/groups .. (g+1)*C/groups - 1}.
 *
 * <p>Padding is applied by materialising the padded input once ({@link Pad}) and then running a "valid"
 * convolution on it, so every pad mode shares one inner loop; the backward pass runs the same steps in reverse
 * (valid-convolution transpose, then {@link Pad#padBackward}). The loops are ordered so the innermost one
 * walks an output row and an input row with constant strides.
 */
public final class Convolution {
    private Convolution() {
    }

    /** Output shape, validating ranks and channel/group compatibility; messages name both shapes. */
    public static Shape outputShape(Shape x, Shape w, ConvParams p) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("conv2d: input must be [N, C, H, W], got shape " + x
                    + " (weights " + w + ")");
        }
        if (w.rank() != 4) {
            throw new IllegalArgumentException("conv2d: weights must be [F, C/groups, KH, KW], got shape " + w
                    + " (input " + x + ")");
        }
        int c = x.dim(1);
        int f = w.dim(0);
        int g = p.groups();
        if (c % g != 0) {
            throw new IllegalArgumentException("conv2d: groups=" + g + " does not divide the " + c
                    + " input channels of input " + x + " (weights " + w + ")");
        }
        if (f % g != 0) {
            throw new IllegalArgumentException("conv2d: groups=" + g + " does not divide the " + f
                    + " filters of weights " + w + " (input " + x + ")");
        }
        if (w.dim(1) != c / g) {
            throw new IllegalArgumentException("conv2d: weights " + w + " expect " + w.dim(1)
                    + " input channels per group, but input " + x + " has " + c + " channels"
                    + (g > 1 ? " in " + g + " groups (" + (c / g) + " per group)" : ""));
        }
        int oh = ConvGeometry.outputSize("conv2d (height)", x.dim(2), w.dim(2), p.strideH(), p.dilationH(),
                p.padding().top(), p.padding().bottom());
        int ow = ConvGeometry.outputSize("conv2d (width)", x.dim(3), w.dim(3), p.strideW(), p.dilationW(),
                p.padding().left(), p.padding().right());
        return Shape.of(x.dim(0), f, oh, ow);
    }

    /** y = conv(x, w) + bias. Returns a new tensor [N, F, OH, OW]. */
    public static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        Shape ys = outputShape(x.shape(), w.shape(), p);
        requireBias("conv2d", bias, w);
        Tensor xp = padded(x, p);
        int n = x.dim(0);
        int c = x.dim(1);
        int hp = xp.dim(2);
        int wp = xp.dim(3);
        int f = w.dim(0);
        int kh = w.dim(2);
        int kw = w.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        int g = p.groups();
        int cg = c / g;
        int fg = f / g;
        int sh = p.strideH();
        int sw = p.strideW();
        int dh = p.dilationH();
        int dw = p.dilationW();
        Tensor y = Tensor.zeros(ys);
        float[] xd = xp.data();
        float[] wd = w.data();
        float[] yd = y.data();
        int plane = hp * wp;
        int outPlane = oh * ow;
        for (int b = 0; b < n; b++) {
            for (int fo = 0; fo < f; fo++) {
                int yBase = (b * f + fo) * outPlane;
                if (bias != null) {
                    java.util.Arrays.fill(yd, yBase, yBase + outPlane, bias.data()[fo]);
                }
                int c0 = (fo / fg) * cg;
                for (int ci = 0; ci < cg; ci++) {
                    int xBase = (b * c + c0 + ci) * plane;
                    int wBase = (fo * cg + ci) * kh * kw;
                    for (int i = 0; i < kh; i++) {
                        for (int j = 0; j < kw; j++) {
                            float wv = wd[wBase + i * kw + j];
                            int xOff = xBase + i * dh * wp + j * dw;
                            for (int r = 0; r < oh; r++) {
                                int xi = xOff + r * sh * wp;
                                int yi = yBase + r * ow;
                                for (int q = 0; q < ow; q++) {
                                    yd[yi + q] += wv * xd[xi + q * sw];
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    /** dL/dx of shape {@code xShape}, given dL/dy. */
    public static Tensor backwardInput(Tensor dy, Tensor w, Shape xShape, ConvParams p) {
        Shape ys = outputShape(xShape, w.shape(), p);
        if (!dy.shape().equals(ys)) {
            throw new IllegalArgumentException("conv2d backward: gradient shape " + dy.shape()
                    + " does not match the output shape " + ys + " of input " + xShape + " and weights " + w.shape());
        }
        Padding pad = p.padding();
        int n = xShape.dim(0);
        int c = xShape.dim(1);
        int hp = pad.paddedHeight(xShape.dim(2));
        int wp = pad.paddedWidth(xShape.dim(3));
        int f = w.dim(0);
        int kh = w.dim(2);
        int kw = w.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        int g = p.groups();
        int cg = c / g;
        int fg = f / g;
        int sh = p.strideH();
        int sw = p.strideW();
        int dh = p.dilationH();
        int dw = p.dilationW();
        Tensor dxp = Tensor.zeros(n, c, hp, wp);
        float[] dxd = dxp.data();
        float[] wd = w.data();
        float[] dyd = dy.data();
        int plane = hp * wp;
        int outPlane = oh * ow;
        for (int b = 0; b < n; b++) {
            for (int fo = 0; fo < f; fo++) {
                int yBase = (b * f + fo) * outPlane;
                int c0 = (fo / fg) * cg;
                for (int ci = 0; ci < cg; ci++) {
                    int xBase = (b * c + c0 + ci) * plane;
                    int wBase = (fo * cg + ci) * kh * kw;
                    for (int i = 0; i < kh; i++) {
                        for (int j = 0; j < kw; j++) {
                            float wv = wd[wBase + i * kw + j];
                            int xOff = xBase + i * dh * wp + j * dw;
                            for (int r = 0; r < oh; r++) {
                                int xi = xOff + r * sh * wp;
                                int yi = yBase + r * ow;
                                for (int q = 0; q < ow; q++) {
                                    dxd[xi + q * sw] += wv * dyd[yi + q];
                                }
                            }
                        }
                    }
                }
            }
        }
        if (pad.isZero()) {
            return dxp;
        }
        return Pad.padBackward(dxp, xShape, pad, p.padMode());
    }

    /**
     * Adds dL/dw into {@code dw} [F, C/groups, KH, KW] and dL/dbias into {@code dbias} [F] (may be null).
     * Accumulates (+=) so that callers can sum over several batches; each new contribution is summed in double
     * before being added, to keep large batches accurate.
     */
    public static void backwardWeights(Tensor x, Tensor dy, Tensor dw, Tensor dbias, ConvParams p) {
        Shape ys = outputShape(x.shape(), dw.shape(), p);
        if (!dy.shape().equals(ys)) {
            throw new IllegalArgumentException("conv2d backward: gradient shape " + dy.shape()
                    + " does not match the output shape " + ys + " of input " + x.shape() + " and weights "
                    + dw.shape());
        }
        requireBias("conv2d backward", dbias, dw);
        Tensor xp = padded(x, p);
        int n = x.dim(0);
        int c = x.dim(1);
        int hp = xp.dim(2);
        int wp = xp.dim(3);
        int f = dw.dim(0);
        int kh = dw.dim(2);
        int kw = dw.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        int g = p.groups();
        int cg = c / g;
        int fg = f / g;
        int sh = p.strideH();
        int sw = p.strideW();
        int dh = p.dilationH();
        int dwl = p.dilationW();
        float[] xd = xp.data();
        float[] dyd = dy.data();
        float[] dwd = dw.data();
        int plane = hp * wp;
        int outPlane = oh * ow;
        for (int fo = 0; fo < f; fo++) {
            int c0 = (fo / fg) * cg;
            for (int ci = 0; ci < cg; ci++) {
                int wBase = (fo * cg + ci) * kh * kw;
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        double acc = 0;
                        for (int b = 0; b < n; b++) {
                            int yBase = (b * f + fo) * outPlane;
                            int xOff = (b * c + c0 + ci) * plane + i * dh * wp + j * dwl;
                            for (int r = 0; r < oh; r++) {
                                int xi = xOff + r * sh * wp;
                                int yi = yBase + r * ow;
                                float rowAcc = 0f;
                                for (int q = 0; q < ow; q++) {
                                    rowAcc += dyd[yi + q] * xd[xi + q * sw];
                                }
                                acc += rowAcc;
                            }
                        }
                        dwd[wBase + i * kw + j] += (float) acc;
                    }
                }
            }
        }
        if (dbias != null) {
            float[] db = dbias.data();
            for (int fo = 0; fo < f; fo++) {
                double acc = 0;
                for (int b = 0; b < n; b++) {
                    int yBase = (b * f + fo) * outPlane;
                    for (int k = 0; k < outPlane; k++) {
                        acc += dyd[yBase + k];
                    }
                }
                db[fo] += (float) acc;
            }
        }
    }

    /** Pads the H and W dimensions; see {@link Pad#pad}. */
    public static Tensor pad(Tensor x, Padding p, PadMode mode) {
        return Pad.pad(x, p, mode);
    }

    /** Gradient of {@link #pad}; see {@link Pad#padBackward}. */
    public static Tensor padBackward(Tensor dPadded, Shape xShape, Padding p, PadMode mode) {
        return Pad.padBackward(dPadded, xShape, p, mode);
    }

    private static Tensor padded(Tensor x, ConvParams p) {
        return p.padding().isZero() ? x : Pad.pad(x, p.padding(), p.padMode());
    }

    private static void requireBias(String op, Tensor bias, Tensor w) {
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != w.dim(0))) {
            throw new IllegalArgumentException(op + ": bias must have shape [" + w.dim(0) + "] to match weights "
                    + w.shape() + ", got " + bias.shape());
        }
    }
}
