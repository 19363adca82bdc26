package org.convnet4j.ops;

import org.convnet4j.tensor.Shape;

/**
 * Every size of one convolution call, computed once: batch, channels and spatial sizes of the input
 * ({@code h x w}, unpadded), kernel, output, groups, strides, dilations and the padding on each side.
 * Both the reference loops and the GEMM path index arrays with these numbers.
 */
record ConvDims(int n, int c, int h, int w, int f, int kh, int kw, int oh, int ow, int groups,
                int sh, int sw, int dh, int dw, int padTop, int padLeft) {

    /** Sizes for input {@code x}, weights {@code wt} [F, C/g, KH, KW] and output {@code y} (already validated). */
    static ConvDims of(Shape x, Shape wt, Shape y, ConvParams p) {
        return new ConvDims(x.dim(0), x.dim(1), x.dim(2), x.dim(3), wt.dim(0), wt.dim(2), wt.dim(3), y.dim(2),
                y.dim(3), p.groups(), p.strideH(), p.strideW(), p.dilationH(), p.dilationW(),
                p.padding().top(), p.padding().left());
    }

    /** The same convolution on an input that was already padded to {@code hp x wp}: no padding left. */
    ConvDims onPadded(int hp, int wp) {
        return new ConvDims(n, c, hp, wp, f, kh, kw, oh, ow, groups, sh, sw, dh, dw, 0, 0);
    }

    /** Input channels per group. */
    int cg() {
        return c / groups;
    }

    /** Filters per group. */
    int fg() {
        return f / groups;
    }

    /** Length of one patch (one row of the weight matrix): {@code C/groups * KH * KW}. */
    int patch() {
        return cg() * kh * kw;
    }

    int inPlane() {
        return h * w;
    }

    int outPlane() {
        return oh * ow;
    }
}
