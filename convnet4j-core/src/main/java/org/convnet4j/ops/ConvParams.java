package org.convnet4j.ops;

/**
 * Everything about a 2-D convolution except the tensors: strides, dilations, explicit padding, how padded
 * cells are filled, and the number of channel groups (1 = ordinary convolution, C = depthwise).
 */
public record ConvParams(int strideH, int strideW, int dilationH, int dilationW, Padding padding, PadMode padMode,
                         int groups) {

    public ConvParams {
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("conv params: stride must be >= 1, got " + strideH + "x" + strideW);
        }
        if (dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException("conv params: dilation must be >= 1, got " + dilationH + "x"
                    + dilationW);
        }
        if (groups < 1) {
            throw new IllegalArgumentException("conv params: groups must be >= 1, got " + groups);
        }
        if (padding == null) {
            throw new IllegalArgumentException("conv params: padding must not be null (use Padding.valid())");
        }
        if (padMode == null) {
            throw new IllegalArgumentException("conv params: pad mode must not be null");
        }
    }

    /** Stride 1, no padding, dilation 1, one group. */
    public static ConvParams defaults() {
        return new ConvParams(1, 1, 1, 1, Padding.valid(), PadMode.ZERO, 1);
    }

    /** Square stride and zero padding {@code padding} on all sides. */
    public static ConvParams of(int stride, int padding) {
        return of(stride, Padding.of(padding));
    }

    /** Square stride, explicit zero padding. */
    public static ConvParams of(int stride, Padding padding) {
        return new ConvParams(stride, stride, 1, 1, padding, PadMode.ZERO, 1);
    }

    public ConvParams withStride(int sh, int sw) {
        return new ConvParams(sh, sw, dilationH, dilationW, padding, padMode, groups);
    }

    public ConvParams withDilation(int d) {
        return withDilation(d, d);
    }

    public ConvParams withDilation(int dh, int dw) {
        return new ConvParams(strideH, strideW, dh, dw, padding, padMode, groups);
    }

    public ConvParams withGroups(int g) {
        return new ConvParams(strideH, strideW, dilationH, dilationW, padding, padMode, g);
    }

    public ConvParams withPadMode(PadMode mode) {
        return new ConvParams(strideH, strideW, dilationH, dilationW, padding, mode, groups);
    }

    public ConvParams withPadding(Padding p) {
        return new ConvParams(strideH, strideW, dilationH, dilationW, p, padMode, groups);
    }
}
