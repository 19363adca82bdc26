package org.convnet4j.ops;

import java.util.function.IntConsumer;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * Direct convolution for small layers (LeNet-5's: 6 and 16 filters over 25 and 150 taps), where the GEMM path
 * spends more on im2col, packing and mostly-empty edge tiles than on arithmetic.
 *
 * <p>A chunk of nb samples is copied into a zero-padded buffer laid out {@code [channel][padded row][sample][wp]}
 * ({@code wp = ow + kw - 1}): the same row of all samples side by side, rows end to end. Output pixel (r, q) of sample
 * s then sits at position {@code p = (r * nb + s) * wp + q} of a flat run, and tap (ci, i, j) reads the input at
 * {@code p} plus one constant offset {@code (ci * hp + i) * nb * wp + j}; a whole run of pixels is a row of {@link Kernels#shiftedProducts} (no im2col, no packing), and the weight
 * gradient a table of {@link Kernels#shiftedDots}. Positions whose column q lies in the padding (q >= ow) are computed
 * and dropped (forward) or meet a zero gradient (weights): (kw - 1) / wp of the work, where samples one after the
 * other would also waste the kh - 1 padding rows of every sample. The run stops at the chunk's last output pixel, so
 * no read leaves the buffer. Backward data is the same forward pass over the gradient, padded by {@code k - 1 - pad}, with
 * the filters flipped and input/output channels swapped.
 *
 * <p>Used for groups = 1, stride 1, dilation 1, zero padding, at most {@link #MAX_TAPS} taps and {@link #MAX_OUT}
 * output channels, and samples small enough that a chunk stays in L2 ({@link #CHUNK_FLOATS}). Bits: forward and
 * backward data sum the taps of each output in tap order with fused multiply-adds, so every element is the same
 * whatever the chunking or thread count; the weight gradient is summed per fixed batch chunk
 * ({@link FastConvolution#partials}) and sub-chunk, both functions of the shapes only, so it too is independent of
 * the thread count. An infinite input pixel can turn a dropped position's {@code inf * 0} into NaN in the weight
 * gradient where the reference has no such product; with finite inputs the results are the reference's up to
 * rounding.
 */
final class DirectConvolution {
    /** Most taps (input channels x kernel pixels) per output: LeNet's conv2 backward data has 16 x 25. */
    static final int MAX_TAPS = 400;
    /** Most output channels: a GEMM tile pays its way above this (and larger nets keep their tested path). */
    static final int MAX_OUT = 32;
    /** Floats of one chunk's padded input plus its output (128 KB): several samples fit, still within L2. */
    static final int CHUNK_FLOATS = 32 * 1024;
    /** {@code -Dconvnet4j.conv.direct=false} sends every layer through the GEMM path (for A/B measurements). */
    static volatile boolean enabled = !"false".equals(System.getProperty("convnet4j.conv.direct"));

    private DirectConvolution() {
    }

    /** One direct pass: source planes (cin, h x w) zero-padded to (hp x wp), kernel kh x kw, cout output planes. */
    record Geometry(int n, int cin, int h, int w, int padTop, int padLeft, int kh, int kw, int cout, int oh, int ow) {
        int wp() {
            return ow + kw - 1;
        }

        int hp() {
            return oh + kh - 1;
        }

        int plane() {
            return hp() * wp();
        }

        int taps() {
            return cin * kh * kw;
        }

        /** Flat positions from the chunk's first output pixel to its last one, inclusive. */
        int len(int nb) {
            return (oh - 1) * nb * wp() + (nb - 1) * wp() + ow;
        }

        /** Where padded row r, column q of chunk sample s sits in one channel's run. */
        int at(int nb, int s, int r, int q) {
            return (r * nb + s) * wp() + q;
        }

        /** Samples per chunk: as many as fit {@link #CHUNK_FLOATS}, but at least four chunks per call. */
        int chunk() {
            int perSample = (cin + cout) * plane();
            return Math.max(1, Math.min(CHUNK_FLOATS / perSample, (n + 3) / 4));
        }

        boolean fits() {
            return taps() <= MAX_TAPS && cout <= MAX_OUT && (long) (cin + cout) * plane() <= CHUNK_FLOATS
                    && padTop >= 0 && padLeft >= 0 && hp() >= padTop + h && wp() >= padLeft + w;
        }

        int[] offsets(int nb) {
            int[] off = new int[taps()];
            int t = 0;
            for (int ci = 0; ci < cin; ci++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        off[t++] = ci * nb * plane() + i * nb * wp() + j;
                    }
                }
            }
            return off;
        }
    }

    private static boolean plain(ConvDims d, ConvParams p) {
        return enabled && d.groups() == 1 && d.sh() == 1 && d.sw() == 1 && d.dh() == 1 && d.dw() == 1
                && (p.padding().isZero() || p.padMode() == PadMode.ZERO);
    }

    static Geometry forwardGeometry(ConvDims d) {
        return new Geometry(d.n(), d.c(), d.h(), d.w(), d.padTop(), d.padLeft(), d.kh(), d.kw(), d.f(), d.oh(),
                d.ow());
    }

    /** Backward data as a forward pass over dy: padded by k - 1 - pad, output the input's planes. */
    static Geometry backwardGeometry(ConvDims d) {
        return new Geometry(d.n(), d.f(), d.oh(), d.ow(), d.kh() - 1 - d.padTop(), d.kw() - 1 - d.padLeft(), d.kh(),
                d.kw(), d.c(), d.h(), d.w());
    }

    /** Whether forward and the weight gradient of this layer take the direct path. */
    static boolean applies(ConvDims d, ConvParams p) {
        return plain(d, p) && forwardGeometry(d).fits();
    }

    /** Whether the data gradient takes the direct path. */
    static boolean appliesBackward(ConvDims d, ConvParams p) {
        return plain(d, p) && backwardGeometry(d).fits();
    }

    static void forward(Kernels k, ConvDims d, float[] xd, float[] wd, float[] bd, float[] yd, ConvEpilogue epilogue) {
        planes(k, forwardGeometry(d), xd, wd, bd, yd, epilogue);
    }

    static void backwardInput(Kernels k, ConvDims d, float[] dyd, float[] wd, float[] dxd) {
        // w'[ci][fo][i][j] = w[fo][ci][kh-1-i][kw-1-j]
        int kh = d.kh();
        int kw = d.kw();
        float[] flipped = new float[wd.length];
        for (int fo = 0; fo < d.f(); fo++) {
            for (int ci = 0; ci < d.c(); ci++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        flipped[((ci * d.f() + fo) * kh + i) * kw + j] =
                                wd[((fo * d.c() + ci) * kh + kh - 1 - i) * kw + kw - 1 - j];
                    }
                }
            }
        }
        planes(k, backwardGeometry(d), dyd, flipped, null, dxd, null);
    }

    /** dst[b][co] = bias[co] + the direct convolution of src[b] with wk, every sample; chunks in parallel. */
    private static void planes(Kernels k, Geometry g, float[] src, float[] wk, float[] bias, float[] dst,
                               ConvEpilogue epilogue) {
        int nb = g.chunk();
        int chunks = (g.n() + nb - 1) / nb;
        k.parallelFor(chunks, c -> {
            int b0 = c * nb;
            int cnt = Math.min(nb, g.n() - b0);
            FastConvolution.Scratch buf = FastConvolution.scratch();
            int len = g.len(cnt);
            float[] xp = buf.col(g.cin() * cnt * g.plane());
            float[] yp = buf.rows(g.cout() * len);
            pad(g, src, g.cin(), b0, cnt, xp);
            k.shiftedProducts(g.cout(), g.taps(), wk, 0, g.offsets(cnt), xp, 0, len, yp, 0, len);
            int outPlane = g.oh() * g.ow();
            for (int s = 0; s < cnt; s++) {
                for (int co = 0; co < g.cout(); co++) {
                    float b = bias == null ? 0f : bias[co];
                    int dstPlane = ((b0 + s) * g.cout() + co) * outPlane;
                    for (int r = 0; r < g.oh(); r++) {
                        int o = dstPlane + r * g.ow();
                        int y = co * len + g.at(cnt, s, r, 0);
                        if (bias == null) {
                            System.arraycopy(yp, y, dst, o, g.ow());
                        } else {
                            for (int q = 0; q < g.ow(); q++) {
                                dst[o + q] = b + yp[y + q];
                            }
                        }
                    }
                    if (epilogue != null) {
                        epilogue.apply(k, dst, dstPlane, outPlane, co);
                    }
                }
            }
        });
    }

    /**
     * dW += sum over the batch of dy ⋆ x: each fixed batch chunk ({@link FastConvolution#partials}) sums its
     * sub-chunks in order into its own partial buffer, the partials are added in chunk order in double.
     */
    static void weightGradient(Kernels k, ConvDims d, float[] xd, float[] dyd, float[] dwd) {
        weightGradient(k, d, xd, dyd, dwd, 0, null);
    }

    /**
     * As above, and {@code extra.accept(i)} for {@code i < extraTasks} (the bias gradient's filters) in the same
     * parallel call, after the chunks: one hand-off to the kernels' threads per layer's backward instead of two.
     * The extra tasks must be independent of the chunks; bits do not change (each task writes what it wrote alone).
     */
    static void weightGradient(Kernels k, ConvDims d, float[] xd, float[] dyd, float[] dwd, int extraTasks,
                               IntConsumer extra) {
        Geometry g = forwardGeometry(d);
        int size = g.cout() * g.taps();
        int parts = FastConvolution.partials(d);
        // Longer runs than forward: every run ends in one lane reduction per (filter, tap), 2,400 for conv2.
        int nb = Math.max(1, 4 * CHUNK_FLOATS / ((g.cin() + g.cout()) * g.plane()));
        float[] partial = FastConvolution.scratch().reduction(parts * size); // the tasks use the other buffers
        k.parallelFor(parts + extraTasks, part -> {
            if (part >= parts) {
                extra.accept(part - parts);
                return;
            }
            int b0 = (int) ((long) d.n() * part / parts);
            int b1 = (int) ((long) d.n() * (part + 1) / parts);
            FastConvolution.Scratch buf = FastConvolution.scratch();
            float[] sums = buf.partials(size);
            for (int b = b0; b < b1; b += nb) {
                int cnt = Math.min(nb, b1 - b);
                int len = g.len(cnt);
                int chan = cnt * g.plane();
                float[] xp = buf.col(g.cin() * chan);
                float[] dyp = buf.rows(g.cout() * chan);
                pad(g, xd, g.cin(), b, cnt, xp);
                spread(g, dyd, b, cnt, dyp);
                k.shiftedDots(g.cout(), g.taps(), dyp, 0, chan, g.offsets(cnt), xp, 0, len, sums, 0);
                int off = part * size;
                if (b == b0) {
                    System.arraycopy(sums, 0, partial, off, size);
                } else {
                    for (int i = 0; i < size; i++) {
                        partial[off + i] += sums[i];
                    }
                }
            }
        });
        for (int i = 0; i < size; i++) {
            double s = 0;
            for (int part = 0; part < parts; part++) {
                s += partial[part * size + i];
            }
            dwd[i] += (float) s;
        }
    }

    /** xp[ci][row][s][wp] = src[b0 + s][ci] placed at (padTop, padLeft), zeros around. */
    private static void pad(Geometry g, float[] src, int channels, int b0, int cnt, float[] xp) {
        int plane = g.plane();
        int chan = cnt * plane;
        java.util.Arrays.fill(xp, 0, channels * chan, 0f);
        int inPlane = g.h() * g.w();
        for (int ci = 0; ci < channels; ci++) {
            for (int s = 0; s < cnt; s++) {
                int from = ((b0 + s) * channels + ci) * inPlane;
                for (int r = 0; r < g.h(); r++) {
                    System.arraycopy(src, from + r * g.w(), xp, ci * chan + g.at(cnt, s, g.padTop() + r, g.padLeft()),
                            g.w());
                }
            }
        }
    }

    /** dyp[co][row][s][wp] = dy[b0 + s][co] at the output positions, zeros in between. */
    private static void spread(Geometry g, float[] dyd, int b0, int cnt, float[] dyp) {
        int plane = g.plane();
        int chan = cnt * plane;
        java.util.Arrays.fill(dyp, 0, g.cout() * chan, 0f);
        int outPlane = g.oh() * g.ow();
        for (int co = 0; co < g.cout(); co++) {
            for (int s = 0; s < cnt; s++) {
                int from = ((b0 + s) * g.cout() + co) * outPlane;
                for (int r = 0; r < g.oh(); r++) {
                    System.arraycopy(dyd, from + r * g.ow(), dyp, co * chan + g.at(cnt, s, r, 0), g.ow());
                }
            }
        }
    }
}
