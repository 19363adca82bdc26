package org.convnet4j.ops;

/**
 * A convolution tile's patch matrix without im2col: the GEMM reads each of its K rows straight out of a zero-padded
 * copy of the tile's input rows, at one offset per kernel tap ({@code Kernels.sgemmRows}), and packs its B panels
 * from there. im2col wrote K x T floats (9 copies of every input pixel for a 3x3 kernel) that the GEMM's packing then
 * read back; the slice holds each input pixel about once.
 *
 * <p>Stride 1 first. The slice of a tile (output rows [r0, r1) of samples [b0, b0 + nb)) is laid out
 * {@code [ci][row][s][wp]}: the padded input rows r0 .. r1 - 1 + (kh - 1) * dh, each sample's row after the other,
 * {@code wp = ow + (kw - 1) * dw} wide (the input row with its left and right padding; on narrow rows less the
 * zero columns it shares with the next row, {@link #shared}). Output pixel (r, q) of sample s is column
 * {@code ((r - r0) * nb + s) * wp + q} of the GEMM, and tap (ci, i, j) its row at offset
 * {@code (ci * rows + i * dh) * nb * wp + j * dw}: row p of the patch matrix, column t, is {@code slice[offset(p) + t]},
 * the very value im2col puts at (p, t). Columns with {@code q >= ow} are computed too (they straddle two input rows)
 * and dropped when the tile is copied out; the last column is the tile's last output pixel, so no row runs past the
 * slice (past its rows only into the zero slack of shared columns).
 *
 * <p>Stride s: the padded input is cut into s_h x s_w phases (rows {@code ≡ u}, columns {@code ≡ v} modulo the
 * strides), each phase laid out as above. Tap (i, j) reads phase ({@code i*dh mod sh}, {@code j*dw mod sw}) shifted
 * by ({@code i*dh / sh}, {@code j*dw / sw}); a phase no tap reads (a strided 1x1 kernel reads one of four) is not
 * written. Stride 1 is the one-phase case.
 *
 * <p>Forward: each output is the same sum of the same products in the same order as with im2col (the GEMM's result
 * for a column does not depend on where the column sits), so the same bits. Extra work: {@code (kw - 1) * dw / sw}
 * dropped columns per output row, less the shared ones. For ResNet-50's stride-1 3x3 layers at batch 8 the tiles keep
 * their count of 48-wide GEMM panels (224 to 230 columns at 56x56, 196 to 208 at 28x28, 196 to 222 at 14x14, 98 to
 * 124 for two joined 7x7 planes, 111 with the shared column).
 */
final class ShiftedPatches {
    private ShiftedPatches() {
    }

    /**
     * More than one tap. A pointwise tile needs no patches at all; a strided 1x1 kernel's im2col is already one copy
     * of a quarter of the input, which the slice would copy just the same and then its output be copied out once
     * more: the 1x1/2 layers of ResNet-50 took 15% more CPU forward this way (bench/ConvPassesCpu.java).
     */
    static boolean applies(ConvDims d) {
        return d.kh() * d.kw() > 1;
    }

    /** Narrowest output plane whose gradients take the slice; see {@link #appliesToGradients}. */
    static final int GRADIENT_MIN_WIDTH = 28;

    /**
     * Whether the gradients take the slice as well: only for output rows at least {@link #GRADIENT_MIN_WIDTH} wide.
     * In the weight gradient the dropped columns are part of the GEMM's depth and cost their full share (14x14: 222
     * columns for 196 pixels, 13% more products; 7x7: 27%), and the data gradient as a transposed convolution packs
     * nine times as many B rows as the column buffer's GEMM did, which col2im's saving pays for only on wide rows.
     * Measured at one thread on ResNet-50's layers at batch 8 (bench/ConvPassesCpu.java, CPU of the column buffer
     * over the slice's): data gradient 1.16 at 56x56, 1.14 at 28x28, 0.96 at 14x14, 0.82 at 7x7; weight gradient
     * 1.01, 1.04, 0.95, 0.91, the 7x7/2 stem 1.38, 3x3/2 to 28x28 1.07, to 7x7 0.99.
     */
    static boolean appliesToGradients(ConvDims d) {
        return applies(d) && d.ow() >= GRADIENT_MIN_WIDTH;
    }

    /**
     * Width of one slice row: the output row and the kernel's reach in its phase, less the zero columns it shares with
     * the next row ({@link #shared}).
     */
    static int width(ConvDims d) {
        return d.ow() + (d.kw() - 1) * d.dw() / d.sw() - shared(d);
    }

    /**
     * Whether a stride-1 slice row shares its right padding with the next row's left padding ({@link #shared});
     * {@code -Dconvnet4j.conv.sharedPadding=false} keeps each row's own padding (A/B runs).
     */
    static volatile boolean sharedPadding = !"false".equals(System.getProperty("convnet4j.conv.sharedPadding"));

    /**
     * Zero columns a slice row leaves to the next one. A stride-1 row holds the padded input row, zeros on both sides;
     * an output near the right edge reads as many columns past the row's end as the right padding is wide, and where
     * those are the next row's left padding (zeros too: the next sample's row, the next channel's first row, or
     * {@link #fill}'s zero slack after the last row) they need not be stored twice. A 3x3 layer with padding 1 on 7x7
     * planes gets 8-wide rows instead of 9: two joined samples' tile computes 111 columns (7 whole vectors) instead of
     * 124 (8) for its 98 outputs. Only below {@link #GRADIENT_MIN_WIDTH}, where only forward passes read the slice and
     * each output's sum is the same whatever the width (wider rows keep the count of whole vectors and GEMM panels);
     * stride 1 both ways, as with row phases the next row may lie in a phase no tap reads, which is not written.
     */
    static int shared(ConvDims d) {
        if (!sharedPadding || d.sh() != 1 || d.sw() != 1 || d.ow() >= GRADIENT_MIN_WIDTH) {
            return 0;
        }
        int padRight = d.ow() + (d.kw() - 1) * d.dw() - d.padLeft() - d.w();
        return Math.max(0, Math.min(d.padLeft(), padRight));
    }

    /** Rows of one phase of a tile's slice. */
    static int rows(ConvDims d, FastConvolution.Tile tile) {
        return tile.r1() - tile.r0() + (d.kh() - 1) * d.dh() / d.sh();
    }

    /** Floats of a tile's slice (one group's channels, every phase, the zero slack of {@link #shared}). */
    static int sliceSize(ConvDims d, FastConvolution.Tile tile) {
        return rowsEnd(d, tile) + shared(d);
    }

    /** Where the slice's rows end (its zero slack starts). */
    private static int rowsEnd(ConvDims d, FastConvolution.Tile tile) {
        return d.cg() * d.sh() * d.sw() * rows(d, tile) * tile.nb() * width(d);
    }

    /** The GEMM's columns: from the tile's first output pixel to its last one, dropped columns included. */
    static int columns(ConvDims d, FastConvolution.Tile tile) {
        return ((tile.r1() - tile.r0() - 1) * tile.nb() + tile.nb() - 1) * width(d) + d.ow();
    }

    /** Where each of the K rows of the patch matrix starts in the slice, into {@code off} (at least K long). */
    static int[] offsets(ConvDims d, FastConvolution.Tile tile, int[] off) {
        int wp = width(d);
        int line = tile.nb() * wp; // one slice row of all samples
        int plane = rows(d, tile) * line;
        int p = 0;
        for (int ci = 0; ci < d.cg(); ci++) {
            for (int i = 0; i < d.kh(); i++) {
                int u = i * d.dh() % d.sh();
                int a = i * d.dh() / d.sh();
                for (int j = 0; j < d.kw(); j++) {
                    int v = j * d.dw() % d.sw();
                    int b = j * d.dw() / d.sw();
                    off[p++] = ((ci * d.sh() + u) * d.sw() + v) * plane + a * line + b;
                }
            }
        }
        return off;
    }

    /** Writes the phases some tap reads of group g's channels for the tile into {@code buf}. */
    static void fill(ConvDims d, float[] xd, FastConvolution.Tile tile, int g, float[] buf) {
        fill(d, xd, tile, g, buf, 0, d.cg());
    }

    /**
     * {@link #fill} of the group's channels [c0, c1) only (each channel's part of the slice is its own; the part with
     * the last channel writes the zero slack).
     */
    static void fill(ConvDims d, float[] xd, FastConvolution.Tile tile, int g, float[] buf, int c0, int c1) {
        if (c1 == d.cg()) {
            int end = rowsEnd(d, tile);
            java.util.Arrays.fill(buf, end, end + shared(d), 0f);
        }
        int sh = d.sh();
        int sw = d.sw();
        boolean[] rowPhase = phases(d.kh(), d.dh(), sh);
        boolean[] colPhase = phases(d.kw(), d.dw(), sw);
        int wp = width(d);
        int h = d.h();
        int w = d.w();
        int rows = rows(d, tile);
        int nb = tile.nb();
        for (int ci = c0; ci < c1; ci++) {
            for (int u = 0; u < sh; u++) {
                if (!rowPhase[u]) {
                    continue;
                }
                for (int v = 0; v < sw; v++) {
                    if (!colPhase[v]) {
                        continue;
                    }
                    // slice column c holds input column sw * c + v - padLeft: inside for c in [lo, hi)
                    int lo = Math.min(wp, Math.max(0, ceilDiv(d.padLeft() - v, sw)));
                    int hi = Math.max(lo, Math.min(wp, ceilDiv(d.padLeft() + w - v, sw)));
                    int dst = ((ci * sh + u) * sw + v) * rows * nb * wp;
                    for (int rr = 0; rr < rows; rr++) {
                        int ih = (tile.r0() + rr) * sh + u - d.padTop();
                        for (int s = 0; s < nb; s++, dst += wp) {
                            if (ih < 0 || ih >= h || hi == lo) {
                                java.util.Arrays.fill(buf, dst, dst + wp, 0f);
                                continue;
                            }
                            int src = ((tile.b0() + s) * d.c() + g * d.cg() + ci) * h * w + ih * w + v - d.padLeft();
                            java.util.Arrays.fill(buf, dst, dst + lo, 0f);
                            if (sw == 1) {
                                System.arraycopy(xd, src + lo, buf, dst + lo, hi - lo);
                            } else {
                                for (int c = lo; c < hi; c++) {
                                    buf[dst + c] = xd[src + c * sw];
                                }
                            }
                            java.util.Arrays.fill(buf, dst + hi, dst + wp, 0f);
                        }
                    }
                }
            }
        }
    }

    /** Which residues modulo {@code stride} some tap {@code t * dilation} (t < taps) has. */
    private static boolean[] phases(int taps, int dilation, int stride) {
        boolean[] used = new boolean[stride];
        for (int t = 0; t < taps; t++) {
            used[t * dilation % stride] = true;
        }
        return used;
    }

    /** The ceiling of x / y for y > 0 and any x. */
    private static int ceilDiv(int x, int y) {
        return -Math.floorDiv(-x, y);
    }

    /**
     * Copies the tile's kept columns of {@code out} (fg rows of {@code ld} floats, filter-major) into group g's output
     * planes of {@code yd} ([N, F, oh, ow]).
     */
    static void scatter(ConvDims d, float[] out, int ld, FastConvolution.Tile tile, int g, float[] yd) {
        scatter(d, out, ld, tile, g, yd, 0, d.fg());
    }

    /** {@link #scatter} of the group's filters [f0, f1) only. */
    static void scatter(ConvDims d, float[] out, int ld, FastConvolution.Tile tile, int g, float[] yd, int f0,
                        int f1) {
        int wp = width(d);
        int ow = d.ow();
        int nb = tile.nb();
        int plane = d.outPlane();
        for (int fo = f0; fo < f1; fo++) {
            for (int s = 0; s < nb; s++) {
                int dst = ((tile.b0() + s) * d.f() + g * d.fg() + fo) * plane + tile.r0() * ow;
                int src = fo * ld + s * wp;
                for (int r = tile.r0(); r < tile.r1(); r++, dst += ow, src += nb * wp) {
                    System.arraycopy(out, src, yd, dst, ow);
                }
            }
        }
    }

    /**
     * The inverse of {@link #scatter} for a gradient: group g's planes of {@code dyd} for the tile into {@code buf}
     * (fg rows of {@code ld} floats), each kept column at its GEMM column and every dropped column zero.
     */
    static void gather(ConvDims d, float[] dyd, FastConvolution.Tile tile, int g, float[] buf, int ld) {
        int wp = width(d);
        int ow = d.ow();
        int nb = tile.nb();
        int plane = d.outPlane();
        int cols = columns(d, tile);
        for (int fo = 0; fo < d.fg(); fo++) {
            for (int s = 0; s < nb; s++) {
                int src = ((tile.b0() + s) * d.f() + g * d.fg() + fo) * plane + tile.r0() * ow;
                int dst = fo * ld + s * wp;
                for (int r = tile.r0(); r < tile.r1(); r++, src += ow, dst += nb * wp) {
                    System.arraycopy(dyd, src, buf, dst, ow);
                    int end = Math.min(dst + wp, fo * ld + cols);
                    java.util.Arrays.fill(buf, dst + ow, end, 0f);
                }
            }
        }
    }
}
