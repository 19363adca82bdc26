package org.convnet4j.ops;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * The naive twin of {@link Convolution}: straightforward direct loops, no GEMM, single-threaded. It is the
 * oracle the tests compare the fast path with, and what {@link Convolution} runs when the scalar kernels are
 * selected ({@code -Dconvnet4j.kernels=scalar}). Same API, shapes and semantics as {@link Convolution}.
 *
 * <p>Padding is applied by materialising the padded input once ({@link Pad}) and then running a "valid"
 * convolution on it, so every pad mode shares one inner loop; the backward pass runs the same steps in reverse
 * (valid-convolution transpose, then {@link Pad#padBackward}). The loops are ordered so the innermost one
 * walks an output row and an input row with constant strides.
 *
 * <p>The loops are split into one method per independent unit of work (an output plane, a group of one
 * sample, a filter), which the fast path reuses, in parallel, for depthwise convolutions.
 */
public final class ConvolutionReference {
    private ConvolutionReference() {
    }

    /** y = conv(x, w) + bias. Returns a new tensor [N, F, OH, OW]. */
    public static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        return forward(x, w, bias, p, null);
    }

    /**
     * As above; {@code into} (may be null), shaped like y with any contents, is cleared, filled and returned
     * instead of a new tensor (a training step's reused output buffer), as on the fast path.
     */
    public static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor into) {
        Shape ys = Convolution.outputShape(x.shape(), w.shape(), p);
        Convolution.requireBias("conv2d", bias, w);
        if (into != null && !into.shape().equals(ys)) {
            throw new IllegalArgumentException("conv2d: output buffer " + into.shape() + " does not have the shape "
                    + ys);
        }
        Tensor xp = padded(x, p);
        ConvDims d = ConvDims.of(x.shape(), w.shape(), ys, p).onPadded(xp.dim(2), xp.dim(3));
        Tensor y = into == null ? Tensor.zeros(ys) : into;
        if (into != null) {
            java.util.Arrays.fill(y.data(), 0f); // the loops below add into it
        }
        float[] bd = bias == null ? null : bias.data();
        for (int b = 0; b < d.n(); b++) {
            for (int fo = 0; fo < d.f(); fo++) {
                forwardPlane(d, xp.data(), w.data(), bd, y.data(), b, fo);
            }
        }
        return y;
    }

    /** dL/dx of shape {@code xShape}, given dL/dy. */
    public static Tensor backwardInput(Tensor dy, Tensor w, Shape xShape, ConvParams p) {
        return backwardInput(dy, w, xShape, p, null);
    }

    /**
     * As above; {@code into} (may be null), shaped like x with any contents, is cleared, filled and returned: a
     * caller that took it from a pool (the memory plan's gradients) gets it back as the result, as from the fast
     * path.
     */
    public static Tensor backwardInput(Tensor dy, Tensor w, Shape xShape, ConvParams p, Tensor into) {
        Shape ys = Convolution.checkGradient(dy, w.shape(), xShape, p);
        if (into != null && !into.shape().equals(xShape)) {
            throw new IllegalArgumentException("conv2d: output buffer " + into.shape() + " does not have the shape "
                    + xShape);
        }
        if (into != null) {
            java.util.Arrays.fill(into.data(), 0f); // the loops below (or padBackward) add into it
        }
        Padding pad = p.padding();
        ConvDims d = ConvDims.of(xShape, w.shape(), ys, p)
                .onPadded(pad.paddedHeight(xShape.dim(2)), pad.paddedWidth(xShape.dim(3)));
        Tensor dxp = pad.isZero() && into != null ? into : Tensor.zeros(d.n(), d.c(), d.h(), d.w());
        for (int b = 0; b < d.n(); b++) {
            for (int g = 0; g < d.groups(); g++) {
                backwardInputGroup(d, dy.data(), w.data(), dxp.data(), b, g);
            }
        }
        if (pad.isZero()) {
            return dxp;
        }
        return Pad.padBackward(dxp, xShape, pad, p.padMode(), into);
    }

    /**
     * Adds dL/dw into {@code dw} [F, C/groups, KH, KW] and dL/dbias into {@code dbias} [F] (may be null).
     * Accumulates (+=) so that callers can sum over several batches; each new contribution is summed in double
     * before being added, to keep large batches accurate.
     */
    public static void backwardWeights(Tensor x, Tensor dy, Tensor dw, Tensor dbias, ConvParams p) {
        Shape ys = Convolution.checkGradient(dy, dw.shape(), x.shape(), p);
        Convolution.requireBias("conv2d backward", dbias, dw);
        Tensor xp = padded(x, p);
        ConvDims d = ConvDims.of(x.shape(), dw.shape(), ys, p).onPadded(xp.dim(2), xp.dim(3));
        for (int fo = 0; fo < d.f(); fo++) {
            backwardWeightsFilter(d, xp.data(), dy.data(), dw.data(), fo);
        }
        if (dbias != null) {
            for (int fo = 0; fo < d.f(); fo++) {
                biasGradient(d, dy.data(), dbias.data(), fo);
            }
        }
    }

    /** Output plane (b, fo): bias, then every input channel of the filter's group. Input already padded. */
    static void forwardPlane(ConvDims d, float[] xd, float[] wd, float[] bias, float[] yd, int b, int fo) {
        int kh = d.kh();
        int kw = d.kw();
        int wp = d.w();
        int oh = d.oh();
        int ow = d.ow();
        int sh = d.sh();
        int sw = d.sw();
        int cg = d.cg();
        int plane = d.inPlane();
        int outPlane = d.outPlane();
        int yBase = (b * d.f() + fo) * outPlane;
        if (bias != null) {
            java.util.Arrays.fill(yd, yBase, yBase + outPlane, bias[fo]);
        }
        int c0 = (fo / d.fg()) * cg;
        for (int ci = 0; ci < cg; ci++) {
            int xBase = (b * d.c() + c0 + ci) * plane;
            int wBase = (fo * cg + ci) * kh * kw;
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    float wv = wd[wBase + i * kw + j];
                    int xOff = xBase + i * d.dh() * wp + j * d.dw();
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

    /** Adds into the padded input gradient of sample b the contributions of every filter of group g. */
    static void backwardInputGroup(ConvDims d, float[] dyd, float[] wd, float[] dxd, int b, int g) {
        int kh = d.kh();
        int kw = d.kw();
        int wp = d.w();
        int oh = d.oh();
        int ow = d.ow();
        int sh = d.sh();
        int sw = d.sw();
        int cg = d.cg();
        int fg = d.fg();
        int plane = d.inPlane();
        int outPlane = d.outPlane();
        for (int fo = g * fg; fo < (g + 1) * fg; fo++) {
            int yBase = (b * d.f() + fo) * outPlane;
            int c0 = g * cg;
            for (int ci = 0; ci < cg; ci++) {
                int xBase = (b * d.c() + c0 + ci) * plane;
                int wBase = (fo * cg + ci) * kh * kw;
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        float wv = wd[wBase + i * kw + j];
                        int xOff = xBase + i * d.dh() * wp + j * d.dw();
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

    /** Adds the weight gradient of filter fo (all its input channels and taps), summed over the batch. */
    static void backwardWeightsFilter(ConvDims d, float[] xd, float[] dyd, float[] dwd, int fo) {
        int kh = d.kh();
        int kw = d.kw();
        int wp = d.w();
        int oh = d.oh();
        int ow = d.ow();
        int sh = d.sh();
        int sw = d.sw();
        int cg = d.cg();
        int plane = d.inPlane();
        int outPlane = d.outPlane();
        int c0 = (fo / d.fg()) * cg;
        for (int ci = 0; ci < cg; ci++) {
            int wBase = (fo * cg + ci) * kh * kw;
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    double acc = 0;
                    for (int b = 0; b < d.n(); b++) {
                        int yBase = (b * d.f() + fo) * outPlane;
                        int xOff = (b * d.c() + c0 + ci) * plane + i * d.dh() * wp + j * d.dw();
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

    /** Adds dL/dbias[fo]: the sum of output plane fo's gradient over the batch, in double. */
    static void biasGradient(ConvDims d, float[] dyd, float[] db, int fo) {
        int outPlane = d.outPlane();
        double acc = 0;
        for (int b = 0; b < d.n(); b++) {
            int yBase = (b * d.f() + fo) * outPlane;
            for (int k = 0; k < outPlane; k++) {
                acc += dyd[yBase + k];
            }
        }
        db[fo] += (float) acc;
    }

    static Tensor padded(Tensor x, ConvParams p) {
        return p.padding().isZero() ? x : Pad.pad(x, p.padding(), p.padMode());
    }
}
