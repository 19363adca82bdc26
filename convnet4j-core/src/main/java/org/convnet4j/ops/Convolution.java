package org.convnet4j.ops;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * 2-D convolution as CNNs use it: cross-correlation (the kernel is not flipped), with stride, dilation,
 * padding (zero/replicate/reflect) and channel groups.
 *
 * <p>Shapes: x [N, C, H, W]; w [F, C/groups, KH, KW]; bias [F] or null; y [N, F, OH, OW]. Output channel f
 * belongs to group {@code f / (F/groups)} and sees input channels {@code g*C/groups .. (g+1)*C/groups - 1}.
 *
 * <p>With the vector kernels every pass runs on the kernels' SGEMM (im2col in cache-sized tiles, see
 * {@code FastConvolution}), in parallel, with results independent of the thread count; with the scalar
 * kernels the direct loops of {@link ConvolutionReference} run. The two agree up to float rounding.
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
        return forward(x, w, bias, p, null);
    }

    /**
     * y = epilogue(conv(x, w) + bias): the per-channel batch norm / ReLU of an inference pass applied to each
     * output tile right after it is computed (null: none). Bit-identical to applying them afterwards.
     */
    public static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p, ConvEpilogue epilogue) {
        return forward(x, w, bias, p, epilogue, null);
    }

    /**
     * As above; {@code into} (may be null), a tensor with the output's shape and any contents, may be overwritten
     * and returned instead of a new tensor (buffers reused between training steps).
     */
    public static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p, ConvEpilogue epilogue,
                                 Tensor into) {
        return forward(x, w, bias, p, epilogue, into, null);
    }

    /**
     * As above; {@code packed} (may be null) keeps {@code w} packed for the GEMM between calls (an inference cache:
     * the caller guarantees that it hands out weights packed from {@code w}'s current values). The same bits as
     * packing on every call.
     */
    public static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p, ConvEpilogue epilogue,
                                 Tensor into, PackedWeights packed) {
        Kernels k = KernelProvider.get();
        if (useReference(k)) {
            Tensor y = ConvolutionReference.forward(x, w, bias, p, into);
            if (epilogue != null) {
                epilogue.applyAll(k, y.data(), y.dim(0), y.dim(1), y.dim(2) * y.dim(3));
            }
            return y;
        }
        return FastConvolution.forward(x, w, bias, p, k, epilogue, into, packed);
    }

    /** dL/dx of shape {@code xShape}, given dL/dy. */
    public static Tensor backwardInput(Tensor dy, Tensor w, Shape xShape, ConvParams p) {
        return backwardInput(dy, w, xShape, p, null);
    }

    /**
     * As above; {@code into} (may be null), shaped like x with any contents, is overwritten and returned (the
     * paths that add into it clear it first).
     */
    public static Tensor backwardInput(Tensor dy, Tensor w, Shape xShape, ConvParams p, Tensor into) {
        Kernels k = KernelProvider.get();
        return useReference(k) ? ConvolutionReference.backwardInput(dy, w, xShape, p, into)
                : FastConvolution.backwardInput(dy, w, xShape, p, k, into);
    }

    /**
     * Adds dL/dw into {@code dw} [F, C/groups, KH, KW] and dL/dbias into {@code dbias} [F] (may be null).
     * Accumulates (+=) so that callers can sum over several batches; each new contribution is computed
     * completely (partial sums over the batch are combined in double) before being added.
     */
    public static void backwardWeights(Tensor x, Tensor dy, Tensor dw, Tensor dbias, ConvParams p) {
        Kernels k = KernelProvider.get();
        if (useReference(k)) {
            ConvolutionReference.backwardWeights(x, dy, dw, dbias, p);
        } else {
            FastConvolution.backwardWeights(x, dy, dw, dbias, p, k);
        }
    }

    /** The scalar kernels mean "no Vector API": run the plain loops, which beat a scalar SGEMM path. */
    private static boolean useReference(Kernels k) {
        return KernelProvider.isScalar(k);
    }

    /** Validates dy against the output shape of x and w; returns that shape. */
    static Shape checkGradient(Tensor dy, Shape w, Shape x, ConvParams p) {
        Shape ys = outputShape(x, w, p);
        if (!dy.shape().equals(ys)) {
            throw new IllegalArgumentException("conv2d backward: gradient shape " + dy.shape()
                    + " does not match the output shape " + ys + " of input " + x + " and weights " + w);
        }
        return ys;
    }

    /** Pads the H and W dimensions; see {@link Pad#pad}. */
    public static Tensor pad(Tensor x, Padding p, PadMode mode) {
        return Pad.pad(x, p, mode);
    }

    /** Gradient of {@link #pad}; see {@link Pad#padBackward}. */
    public static Tensor padBackward(Tensor dPadded, Shape xShape, Padding p, PadMode mode) {
        return Pad.padBackward(dPadded, xShape, p, mode);
    }

    static void requireBias(String op, Tensor bias, Tensor w) {
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != w.dim(0))) {
            throw new IllegalArgumentException(op + ": bias must have shape [" + w.dim(0) + "] to match weights "
                    + w.shape() + ", got " + bias.shape());
        }
    }
}
