package org.convnet4j.ops;

/**
 * A stride-1 convolution tile's patch matrix without im2col: the GEMM reads each of its K rows straight out of a
 * zero-padded copy of the tile's input rows, at one offset per kernel tap ({@code Kernels.sgemmRows}), and packs its
 * B panels from there. im2col wrote K x T floats (9 copies of every input pixel for a 3x3 kernel) that the GEMM's
 * packing then read back; the padded slice holds each input pixel about once.
 *
 * <p>The slice of a tile (output rows [r0, r1) of samples [b0, b0 + nb)) is laid out {@code [ci][row][s][wp]}: the
 * padded input rows r0 .. r1 - 1 + (kh - 1) * dh, each sample's row after the other, {@code wp = ow + (kw - 1) * dw}
 * wide (the input row with its left and right padding). Output pixel (r, q) of sample s is column
 * {@code ((r - r0) * nb + s) * wp + q} of the GEMM, and tap (ci, i, j) its row at offset
 * {@code (ci * rows + i * dh) * nb * wp + j * dw}: row p of the patch matrix, column t, is
 * {@code slice[offset(p) + t]}, the very value im2col puts at (p, t). Columns with {@code q >= ow} are computed too
 * (they straddle two input rows) and dropped when the tile is copied out; the last column is the tile's last output
 * pixel, so no row runs past the slice. Each output is the same sum of the same products in the same order as with
 * im2col (the GEMM's result for a column does not depend on where the column sits): the same bits.
 *
 * <p>Extra work: {@code (kw - 1) * dw} dropped columns per output row. For ResNet-50's 3x3 layers at batch 8 the tiles
 * keep their count of 48-wide GEMM panels (224 to 230 columns at 56x56, 196 to 208 at 28x28, 196 to 222 at 14x14);
 * joined 7x7 planes go from 196 to 250 (five panels to six).
 */
final class ShiftedPatches {
    private ShiftedPatches() {
    }

    /** Stride 1 in both directions and not pointwise (a pointwise tile needs no patches at all). */
    static boolean applies(ConvDims d) {
        return d.sh() == 1 && d.sw() == 1 && !FastConvolution.isPointwise(d);
    }

    /** Width of one padded slice row. */
    static int width(ConvDims d) {
        return d.ow() + (d.kw() - 1) * d.dw();
    }

    /** Padded input rows of a tile's slice. */
    static int rows(ConvDims d, FastConvolution.Tile tile) {
        return tile.r1() - tile.r0() + (d.kh() - 1) * d.dh();
    }

    /** Floats of a tile's slice (one group's channels). */
    static int sliceSize(ConvDims d, FastConvolution.Tile tile) {
        return d.cg() * rows(d, tile) * tile.nb() * width(d);
    }

    /** The GEMM's columns: from the tile's first output pixel to its last one, dropped columns included. */
    static int columns(ConvDims d, FastConvolution.Tile tile) {
        return ((tile.r1() - tile.r0() - 1) * tile.nb() + tile.nb() - 1) * width(d) + d.ow();
    }

    /** Where each of the K rows of the patch matrix starts in the slice, into {@code off} (at least K long). */
    static int[] offsets(ConvDims d, FastConvolution.Tile tile, int[] off) {
        int wp = width(d);
        int line = tile.nb() * wp; // one padded row of all samples
        int plane = rows(d, tile) * line;
        int p = 0;
        for (int ci = 0; ci < d.cg(); ci++) {
            for (int i = 0; i < d.kh(); i++) {
                for (int j = 0; j < d.kw(); j++) {
                    off[p++] = ci * plane + i * d.dh() * line + j * d.dw();
                }
            }
        }
        return off;
    }

    /** Writes the slice of group g's channels for the tile into {@code buf}: every float of {@link #sliceSize}. */
    static void fill(ConvDims d, float[] xd, FastConvolution.Tile tile, int g, float[] buf) {
        int wp = width(d);
        int h = d.h();
        int w = d.w();
        int rows = rows(d, tile);
        int nb = tile.nb();
        int lo = Math.min(wp, d.padLeft());          // first slice column inside the input row
        int hi = Math.min(wp, d.padLeft() + w);      // one past the last
        int dst = 0;
        for (int ci = 0; ci < d.cg(); ci++) {
            for (int rr = 0; rr < rows; rr++) {
                int ih = tile.r0() + rr - d.padTop();
                for (int s = 0; s < nb; s++, dst += wp) {
                    if (ih < 0 || ih >= h || hi <= lo) {
                        java.util.Arrays.fill(buf, dst, dst + wp, 0f);
                        continue;
                    }
                    int src = ((tile.b0() + s) * d.c() + g * d.cg() + ci) * h * w + ih * w;
                    java.util.Arrays.fill(buf, dst, dst + lo, 0f);
                    System.arraycopy(xd, src + lo - d.padLeft(), buf, dst + lo, hi - lo);
                    java.util.Arrays.fill(buf, dst + hi, dst + wp, 0f);
                }
            }
        }
    }

    /**
     * Copies the tile's kept columns of {@code out} (fg rows of {@code ld} floats, filter-major) into group g's output
     * planes of {@code yd} ([N, F, oh, ow]).
     */
    static void scatter(ConvDims d, float[] out, int ld, FastConvolution.Tile tile, int g, float[] yd) {
        int wp = width(d);
        int ow = d.ow();
        int nb = tile.nb();
        int plane = d.outPlane();
        for (int fo = 0; fo < d.fg(); fo++) {
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
