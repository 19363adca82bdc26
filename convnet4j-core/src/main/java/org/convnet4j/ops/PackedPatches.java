package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.PanelLayout;

/**
 * im2col written straight into the GEMM's packed right-operand layout ({@link PanelLayout}) for one output-row
 * tile of one sample: the forward pass of a convolution then copies its patches once (here) where it used to copy
 * them twice (im2col into a K x T matrix, then the GEMM's packing of that matrix into panels). The values are those
 * of {@link FastConvolution#im2col} at the places the GEMM's own packing would put them, padding columns zero, so
 * the products are bit for bit those of the two-copy path.
 *
 * <p>{@link #writeNaive} is the obvious per-element twin (each value at {@link PanelLayout#index}); tests compare
 * the two and the two-copy path.
 */
final class PackedPatches {
    private PackedPatches() {
    }

    /**
     * Rows of the channels [c0, c1) of group g (K rows {@code c0*KH*KW .. c1*KH*KW}) of the patch matrix of output
     * rows [r0, r1) of sample b, into {@code buf} in {@code layout} (T = (r1 - r0) * ow columns), each row's padding
     * columns zeroed. Channel ranges of one tile may be written by different threads (disjoint floats).
     */
    static void write(ConvDims d, float[] xd, int b, int g, int r0, int r1, PanelLayout layout, float[] buf, int c0,
                      int c1) {
        int ow = d.ow();
        int h = d.h();
        int w = d.w();
        int sw = d.sw();
        int kk = d.patch();
        int t = (r1 - r0) * ow;
        int width = layout.width();
        int depth = layout.depth();
        int nPad = layout.paddedColumns(t);
        int row = c0 * d.kh() * d.kw();
        for (int ci = c0; ci < c1; ci++) {
            int xBase = (b * d.c() + g * d.cg() + ci) * h * w;
            for (int i = 0; i < d.kh(); i++) {
                for (int j = 0; j < d.kw(); j++, row++) {
                    int pc = row - row % depth;
                    int panelStride = width * Math.min(depth, kk - pc); // floats from one panel to the next
                    int rowBase = pc * nPad + (row - pc) * width;       // column 0 of this row
                    int colOff = j * d.dw() - d.padLeft();
                    int qlo = FastConvolution.firstInside(colOff, sw, ow);
                    int qhi = Math.max(qlo, FastConvolution.endInside(colOff, sw, ow, w));
                    // the place of tile column 0 of this row: panel 0, offset 0; moving right by one column is
                    // +1, except at a panel's end, where the next panel starts panelStride - width further on
                    int panel = 0;
                    int inPanel = 0;
                    int dst = rowBase;
                    for (int r = r0; r < r1; r++) {
                        int ih = r * d.sh() - d.padTop() + i * d.dh();
                        boolean inside = ih >= 0 && ih < h;
                        int lo = inside ? qlo : ow;
                        int hi = inside ? qhi : ow;
                        int src = xBase + ih * w + colOff;
                        int q = 0;
                        while (q < ow) {
                            // one panel's share of the output row: zeros, values, zeros
                            int len = Math.min(ow - q, width - inPanel);
                            int end = q + len;
                            int a = Math.max(q, Math.min(end, lo));
                            int e = Math.max(a, Math.min(end, hi));
                            if (a > q) {
                                java.util.Arrays.fill(buf, dst, dst + a - q, 0f);
                            }
                            int d0 = dst + a - q;
                            if (sw == 1) {
                                if (e > a) {
                                    System.arraycopy(xd, src + a, buf, d0, e - a);
                                }
                            } else {
                                for (int u = a; u < e; u++) {
                                    buf[d0 + u - a] = xd[src + u * sw];
                                }
                            }
                            if (end > e) {
                                java.util.Arrays.fill(buf, d0 + e - a, dst + len, 0f);
                            }
                            dst += len;
                            q = end;
                            inPanel += len;
                            if (inPanel == width) {
                                inPanel = 0;
                                panel++;
                                dst = rowBase + panel * panelStride;
                            }
                        }
                    }
                    // the last panel's padding columns
                    if (inPanel != 0) {
                        java.util.Arrays.fill(buf, dst, dst + width - inPanel, 0f);
                    }
                }
            }
        }
    }

    /** The per-element twin of {@link #write} for the whole tile: value (p, j) of im2col at layout.index(K, T, p, j). */
    static void writeNaive(ConvDims d, float[] xd, int b, int g, int r0, int r1, PanelLayout layout, float[] buf) {
        int t = (r1 - r0) * d.ow();
        int kk = d.patch();
        float[] col = new float[kk * t];
        FastConvolution.im2col(d, xd, b, g, r0, r1, col, 0, t);
        int nPad = layout.paddedColumns(t);
        for (int p = 0; p < kk; p++) {
            for (int j = 0; j < nPad; j++) {
                buf[layout.index(kk, t, p, j)] = j < t ? col[p * t + j] : 0f;
            }
        }
    }
}
