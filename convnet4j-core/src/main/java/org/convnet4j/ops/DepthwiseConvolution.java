package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.Kernels;

/**
 * Forward pass of depthwise convolutions (one input channel per group: MobileNet's and EfficientNet's 3x3 and 5x5
 * layers, stride 1 or 2) as vectorised direct convolution, one task per sample and group.
 *
 * <p>A task copies its input plane into a per-thread buffer, zero-padded and split into its {@code sh x sw}
 * polyphase components: padded pixel (row, col) goes to component {@code (row % sh, col % sw)} at
 * {@code (row / sh, col / sw)}, each component a {@code hq x wq} plane with its rows laid end to end. Output pixel
 * (r, q) then reads tap (i, j) at component {@code (i dh % sh, j dw % sw)}, position
 * {@code (r + i dh / sh) * wq + q + j dw / sw}: flat position {@code p = r * wq + q} plus one constant offset per
 * tap, for any stride and dilation. A whole plane is thus one run of {@link Kernels#shiftedProducts} (the same
 * vector loads and fused multiply-adds as the small-layer direct path, every filter of the group at once), of
 * which the positions with {@code q >= ow} (a few columns per row) are computed and dropped. The run is rounded up
 * to whole vectors over a zero tail, so no scalar remainder runs. The bias is added while copying the rows out,
 * and the epilogue (batch norm, activation) runs on the plane while it is in cache.
 *
 * <p>Bits: every output is the fused multiply-add chain of its taps in tap order from 0, then plus the bias, the
 * same in the vector kernels and their scalar twin ({@code Kernels.shiftedProducts}' contract) and independent of
 * the thread count (a task computes whole planes). The reference ({@link ConvolutionReference}) starts from the
 * bias and rounds each product: the two agree up to rounding. The backward passes ({@link #backwardInput},
 * {@link #weightGradient}) run on the same buffers and kernels; the reference's loops stay their twin
 * ({@code -Dconvnet4j.conv.depthwiseDirect=false}).
 */
final class DepthwiseConvolution {
    /** {@code -Dconvnet4j.conv.depthwiseDirect=false} restores the reference loops (for A/B measurements). */
    static volatile boolean enabled = !"false".equals(System.getProperty("convnet4j.conv.depthwiseDirect"));

    private DepthwiseConvolution() {
    }

    /** Sizes of one call's polyphase buffer (from {@link ConvDims}, whose padding is zero padding). */
    record Geometry(ConvDims d, int hq, int wq, int len, int run, int offsetSpan) {
        static Geometry of(ConvDims d, int floatsPerVector) {
            int hp = (d.oh() - 1) * d.sh() + (d.kh() - 1) * d.dh() + 1;
            int wp = (d.ow() - 1) * d.sw() + (d.kw() - 1) * d.dw() + 1;
            int hq = ceilDiv(hp, d.sh());
            int wq = ceilDiv(wp, d.sw());
            int len = (d.oh() - 1) * wq + d.ow();
            int run = ceilDiv(len, floatsPerVector) * floatsPerVector;
            return new Geometry(d, hq, wq, len, run, d.sh() * d.sw() * hq * wq);
        }

        int[] offsets() {
            int[] off = new int[d.kh() * d.kw()];
            int component = hq * wq;
            for (int i = 0; i < d.kh(); i++) {
                for (int j = 0; j < d.kw(); j++) {
                    int ri = i * d.dh();
                    int cj = j * d.dw();
                    off[i * d.kw() + j] = ((ri % d.sh()) * d.sw() + cj % d.sw()) * component + (ri / d.sh()) * wq
                            + cj / d.sw();
                }
            }
            return off;
        }

        /** Floats of the input buffer: every component, plus the zero tail the rounded-up run may read. */
        int bufferFloats() {
            return offsetSpan + (run - len);
        }
    }

    static boolean applies(ConvDims d) {
        return enabled && FastConvolution.isDepthwise(d);
    }

    /**
     * Switch for A/B runs of the backward passes alone ({@code FlagAB}): false runs the reference's loops for them.
     */
    static volatile boolean backwardEnabled = true;

    static boolean appliesBackward(ConvDims d) {
        return backwardEnabled && applies(d);
    }

    /**
     * y = epilogue(conv(x, w) + bias) for a depthwise convolution; {@code d} describes x as given (zero padding
     * {@code d.padTop()/padLeft()} still to apply; other pad modes were materialised by the caller).
     */
    static void forward(Kernels k, ConvDims d, float[] xd, float[] wd, float[] bd, float[] yd, ConvEpilogue epilogue) {
        Geometry geo = Geometry.of(d, k.floatsPerVector());
        int[] offsets = geo.offsets();
        int blocked = DepthwiseBlocked.channels(k, d); // small planes: whole blocks of channels, one per lane
        if (blocked > 0) {
            DepthwiseBlocked.forward(k, geo, offsets, blocked, xd, wd, bd, yd, epilogue);
        }
        int rest = d.groups() - blocked;
        if (rest > 0) {
            k.parallelFor(d.n() * rest, t -> plane(k, geo, offsets, xd, wd, bd, yd, t / rest, blocked + t % rest,
                    epilogue));
        }
    }

    private static void plane(Kernels k, Geometry geo, int[] offsets, float[] xd, float[] wd, float[] bd, float[] yd,
                              int b, int g, ConvEpilogue epilogue) {
        ConvDims d = geo.d();
        FastConvolution.Scratch scratch = FastConvolution.scratch();
        float[] buf = scratch.depthwise(geo.bufferFloats());
        float[] out = scratch.rows(d.fg() * geo.run());
        if (keepZeros && scratch.depthwiseZeros(geo)) {
            fillPixels(k, geo, xd, (b * d.c() + g) * d.inPlane(), buf);
        } else {
            fill(k, geo, xd, (b * d.c() + g) * d.inPlane(), buf);
            scratch.depthwiseZerosOf(geo);
        }
        int taps = d.kh() * d.kw();
        k.shiftedProducts(d.fg(), taps, wd, g * d.fg() * taps, offsets, buf, 0, geo.run(), out, 0, geo.run());
        int ow = d.ow();
        for (int fl = 0; fl < d.fg(); fl++) {
            int fo = g * d.fg() + fl;
            int yBase = (b * d.f() + fo) * d.outPlane();
            int src = fl * geo.run();
            if (vectorCopyOut) {
                k.rowsPlusBias(d.oh(), ow, out, src, geo.wq(), bd == null ? -0f : bd[fo], yd, yBase);
            } else if (bd == null) {
                for (int r = 0; r < d.oh(); r++) {
                    System.arraycopy(out, src + r * geo.wq(), yd, yBase + r * ow, ow);
                }
            } else {
                float bias = bd[fo];
                for (int r = 0; r < d.oh(); r++) {
                    int s = src + r * geo.wq();
                    int y = yBase + r * ow;
                    for (int q = 0; q < ow; q++) {
                        yd[y + q] = out[s + q] + bias;
                    }
                }
            }
            if (epilogue != null) {
                epilogue.apply(k, yd, yBase, d.outPlane(), fo);
            }
        }
    }

    /**
     * Switch for A/B runs ({@code -Dconvnet4j.conv.depthwiseVectorCopyOut=false}): the run's rows are copied out
     * (plus the bias) by the scalar loops as before instead of {@link Kernels#rowsPlusBias} (whole vectors per row;
     * a 14 x 14 plane is 14 vector additions instead of 196 scalar ones). Same bits: one rounded addition of the
     * bias either way; without a bias the kernel adds -0f, which is exact.
     */
    static volatile boolean vectorCopyOut =
            !"false".equals(System.getProperty("convnet4j.conv.depthwiseVectorCopyOut"));

    /**
     * Switch for A/B runs ({@code -Dconvnet4j.conv.depthwiseVectorStridedFill=false}): a strided layer's polyphase
     * components are filled by the scalar loop as before instead of {@link Kernels#stridedCopy} (a gather of every
     * second pixel per vector at stride 2) for rows of a vector or more. The same values either way (a copy).
     */
    static volatile boolean vectorStridedFill =
            !"false".equals(System.getProperty("convnet4j.conv.depthwiseVectorStridedFill"));

    /**
     * Switch for A/B runs ({@code -Dconvnet4j.conv.depthwiseKeepZeros=false}): the forward pass writes its whole
     * buffer for every plane again, zeros included, instead of only the input pixels when the thread's buffer still
     * holds the zeros of the same geometry (same bits either way).
     */
    static volatile boolean keepZeros = !"false".equals(System.getProperty("convnet4j.conv.depthwiseKeepZeros"));

    /**
     * Writes every float of the buffer: the zero-padded input plane at {@code xBase}, split into polyphase
     * components, then the zero tail.
     */
    static void fill(Kernels k, Geometry geo, float[] xd, int xBase, float[] buf) {
        fill(k, geo, xd, xBase, buf, true);
    }

    /**
     * Writes the input pixels of the plane at {@code xBase} into their slots of {@link #fill}'s layout and nothing
     * else: the buffer's other floats must already be the zeros {@link #fill} wrote for an equal geometry (the slots
     * of the pixels are the same for every plane of a geometry, so the previous plane's pixels are all overwritten).
     */
    static void fillPixels(Kernels k, Geometry geo, float[] xd, int xBase, float[] buf) {
        fill(k, geo, xd, xBase, buf, false);
    }

    private static void fill(Kernels k, Geometry geo, float[] xd, int xBase, float[] buf, boolean zeros) {
        ConvDims d = geo.d();
        int sh = d.sh();
        int sw = d.sw();
        int hq = geo.hq();
        int wq = geo.wq();
        int component = hq * wq;
        for (int ph = 0; ph < sh; ph++) {
            for (int pw = 0; pw < sw; pw++) {
                int base = (ph * sw + pw) * component;
                // padded column pw + sw * c reads input column pw + sw * c - padLeft: the first c inside and the end
                int c0 = Math.min(wq, Math.max(0, ceilDiv(d.padLeft() - pw, sw)));
                int c1 = Math.max(c0, Math.min(wq, ceilDiv(d.w() + d.padLeft() - pw, sw)));
                for (int rq = 0; rq < hq; rq++) {
                    int row = base + rq * wq;
                    int ih = ph + sh * rq - d.padTop();
                    if (ih < 0 || ih >= d.h()) {
                        if (zeros) {
                            java.util.Arrays.fill(buf, row, row + wq, 0f);
                        }
                        continue;
                    }
                    if (zeros) {
                        java.util.Arrays.fill(buf, row, row + c0, 0f);
                        java.util.Arrays.fill(buf, row + c1, row + wq, 0f);
                    }
                    int src = xBase + ih * d.w() + pw - d.padLeft();
                    if (sw == 1) {
                        System.arraycopy(xd, src + c0, buf, row + c0, c1 - c0);
                    } else if (vectorStridedFill && c1 - c0 >= k.floatsPerVector()) { // a vector's worth, or the call costs
                        k.stridedCopy(c1 - c0, xd, src + sw * c0, sw, buf, row + c0);
                    } else {
                        for (int c = c0; c < c1; c++) {
                            buf[row + c] = xd[src + sw * c];
                        }
                    }
                }
            }
        }
        if (zeros) {
            java.util.Arrays.fill(buf, geo.offsetSpan(), geo.bufferFloats(), 0f);
        }
    }

    /**
     * dx for a depthwise convolution, the adjoint of {@link #forward} done as a direct convolution too: the forward
     * pass reads buffer slot {@code p + offsets[t]} for output position p, so the gradient of slot s is
     * {@code sum over (fo, t) of w[fo][t] * dy_fo[s - offsets[t]]}, with dy laid out as the forward's output run
     * (rows {@code wq} apart, zeros in the dropped columns) behind a zero margin of the largest offset: one run of
     * {@link Kernels#shiftedProducts} per plane over the negated offsets (the group's filters as further taps). Each
     * input pixel has exactly one slot, so dx is written, not added to: pixels no window reads get 0.
     * Bits: each element is the fused multiply-add chain over (filter, tap) in order from 0, on any thread count.
     * {@code d} describes zero padding (other pad modes are materialised by the caller).
     */
    static void backwardInput(Kernels k, ConvDims d, float[] dyd, float[] wd, float[] dxd) {
        Geometry geo = Geometry.of(d, k.floatsPerVector());
        int[] off = geo.offsets();
        int taps = off.length;
        int margin = java.util.Arrays.stream(off).max().orElse(0);
        int slots = ceilDiv(geo.offsetSpan(), k.floatsPerVector()) * k.floatsPerVector();
        int plane = margin + slots; // one filter's spread gradient, margin first
        int fg = d.fg();
        int[] adjoint = new int[fg * taps];
        for (int fl = 0; fl < fg; fl++) {
            for (int t = 0; t < taps; t++) {
                adjoint[fl * taps + t] = fl * plane + margin - off[t];
            }
        }
        k.parallelFor(d.n() * d.groups(), task -> {
            int b = task / d.groups();
            int g = task % d.groups();
            FastConvolution.Scratch scratch = FastConvolution.scratch();
            float[] spread = scratch.col(fg * plane);
            float[] slotGrad = scratch.rows(slots);
            for (int fl = 0; fl < fg; fl++) {
                spreadRows(geo, dyd, (b * d.f() + g * fg + fl) * d.outPlane(), spread, fl * plane + margin,
                        plane - margin);
                java.util.Arrays.fill(spread, fl * plane, fl * plane + margin, 0f);
            }
            k.shiftedProducts(1, fg * taps, wd, g * fg * taps, adjoint, spread, 0, slots, slotGrad, 0, slots);
            unfill(geo, slotGrad, dxd, (b * d.c() + g) * d.inPlane());
        });
    }

    /**
     * Adds dW for a depthwise convolution: per sample and group, the input plane in {@link #fill}'s layout and dy in
     * the forward run's layout (zeros in the dropped columns and the tail), then {@link Kernels#shiftedDots}
     * ({@code dw[fo][t] = sum over p of dy_fo[p] * buf[p + offsets[t]]}) into a per-sample partial; the samples are
     * then added in batch order in double. So the bits do not depend on the thread count. (As in the direct path, an
     * infinite input pixel meets a dropped column's zero: NaN where the reference gives an infinity.)
     */
    static void weightGradient(Kernels k, ConvDims d, float[] xd, float[] dyd, float[] dwd) {
        Geometry geo = Geometry.of(d, k.floatsPerVector());
        int[] off = geo.offsets();
        int taps = off.length;
        int fg = d.fg();
        int perSample = d.f() * taps;
        float[] partial = FastConvolution.scratch().partials(d.n() * perSample);
        k.parallelFor(d.n() * d.groups(), task -> {
            int b = task / d.groups();
            int g = task % d.groups();
            FastConvolution.Scratch scratch = FastConvolution.scratch();
            float[] buf = scratch.col(geo.bufferFloats());
            float[] dyq = scratch.rows(fg * geo.run());
            fill(k, geo, xd, (b * d.c() + g) * d.inPlane(), buf);
            for (int fl = 0; fl < fg; fl++) {
                spreadRows(geo, dyd, (b * d.f() + g * fg + fl) * d.outPlane(), dyq, fl * geo.run(), geo.run());
            }
            k.shiftedDots(fg, taps, dyq, 0, geo.run(), off, buf, 0, geo.run(), partial, b * perSample + g * fg * taps);
        });
        int n = d.n();
        k.parallelFor(d.f(), fo -> {
            for (int i = fo * taps; i < (fo + 1) * taps; i++) {
                double s = 0;
                for (int b = 0; b < n; b++) {
                    s += partial[b * perSample + i];
                }
                dwd[i] += (float) s;
            }
        });
    }

    /** dy's plane at {@code src} in the forward run's layout at {@code dst}: rows wq apart, zeros to {@code size}. */
    private static void spreadRows(Geometry geo, float[] dyd, int src, float[] dst, int dstOff, int size) {
        ConvDims d = geo.d();
        int ow = d.ow();
        int wq = geo.wq();
        for (int r = 0; r < d.oh(); r++) {
            int row = dstOff + r * wq;
            System.arraycopy(dyd, src + r * ow, dst, row, ow);
            int end = Math.min(row + wq, dstOff + size);
            java.util.Arrays.fill(dst, row + ow, Math.max(row + ow, end), 0f);
        }
        int used = (d.oh() - 1) * wq + ow;
        if (used < size) {
            java.util.Arrays.fill(dst, dstOff + used, dstOff + size, 0f);
        }
    }

    /** The adjoint of {@link #fill}: each input pixel of the plane at {@code xBase} from its slot (0 if it has none). */
    private static void unfill(Geometry geo, float[] buf, float[] dxd, int xBase) {
        ConvDims d = geo.d();
        int sh = d.sh();
        int sw = d.sw();
        int hq = geo.hq();
        int wq = geo.wq();
        int component = hq * wq;
        for (int ih = 0; ih < d.h(); ih++) {
            int prow = ih + d.padTop();
            int rq = prow / sh;
            int dst = xBase + ih * d.w();
            if (rq >= hq) {
                java.util.Arrays.fill(dxd, dst, dst + d.w(), 0f);
                continue;
            }
            int rowBase = (prow % sh) * sw * component + rq * wq;
            for (int iw = 0; iw < d.w(); iw++) {
                int pcol = iw + d.padLeft();
                int c = pcol / sw;
                dxd[dst + iw] = c < wq ? buf[rowBase + (pcol % sw) * component + c] : 0f;
            }
        }
    }

    private static int ceilDiv(int x, int y) {
        return Math.floorDiv(x + y - 1, y);
    }
}
