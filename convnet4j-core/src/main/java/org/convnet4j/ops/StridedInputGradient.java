package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.Kernels;

/**
 * The data gradient of a strided convolution as one stride-1 convolution of dy per phase of dx, each through the direct
 * tiles ({@link DirectTiles}), instead of col2im's column buffer.
 *
 * <p>With stride s, input row {@code ih = s * a + u} (phase {@code u < s}) receives {@code w[i] * dy[oh]} for each
 * tap i and output row oh with {@code s * oh + i - padTop = ih}: the taps with {@code i - padTop - u} divisible by s,
 * tap i from dy row {@code a - e_i}, {@code e_i = (i - padTop - u) / s}. So the rows of phase u are a stride-1
 * convolution of dy with a sub-kernel of those taps (sub-kernel row {@code m = P - e_i}, P the largest e_i and the
 * padding above), and the same holds for the columns. The phases together multiply each tap once, as col2im's GEMM
 * does (a 3x3/2 layer: sub-kernels of 1, 2, 2 and 4 taps), but no K x T column buffer is written, read back and
 * added into dx (ResNet-50's 512-channel 14->7 layer: 1.8 MB per two-sample tile, past a 1 MB L2), and each product
 * runs over F x taps instead of F. A phase's outputs go through a buffer of their own and are then set into their
 * places of dx: every element of dx is in exactly one phase, so every element is written once.
 *
 * <p>Bits: each element of dx is one chain of fused multiply-adds over (filter, sub-kernel tap) in the direct tiles'
 * order: not col2im's bits (the reference's tolerance holds both), the same on any thread count.
 */
final class StridedInputGradient {
    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} leaves strided layers' data gradients to col2im
     * ({@code -Dconvnet4j.conv.phasedInputGradient=false}).
     */
    static volatile boolean enabled = !"false".equals(System.getProperty("convnet4j.conv.phasedInputGradient"));

    private StridedInputGradient() {
    }

    /** One axis of a phase: d's kernel taps in sub-kernel order, the padding before, the phase's output length. */
    record Axis(int[] taps, int pad, int out) {
    }

    /** Phase u of an axis of input length n, kernel k, stride s (dilation 1), padding {@code pad} before. */
    static Axis axis(int n, int k, int s, int pad, int u) {
        int[] taps = new int[k];
        int count = 0;
        for (int i = k - 1; i >= 0; i--) { // descending e_i: ascending sub-kernel position
            if (Math.floorMod(i - pad - u, s) == 0) {
                taps[count++] = i;
            }
        }
        int before = count == 0 ? 0 : Math.floorDiv(taps[0] - pad - u, s);
        return new Axis(java.util.Arrays.copyOf(taps, count), before, u < n ? (n - u + s - 1) / s : 0);
    }

    /** The stride-1 convolution of dy that is phase (rows, cols) of layer d's data gradient. */
    static ConvDims phase(ConvDims d, Axis rows, Axis cols) {
        return new ConvDims(d.n(), d.f(), d.oh(), d.ow(), d.c(), rows.taps().length, cols.taps().length, rows.out(),
                cols.out(), 1, 1, 1, 1, 1, rows.pad(), cols.pad());
    }

    /**
     * Whether layer d's data gradient goes by phases: the kernels measured (3x3 at stride 2, dilation 1, one group:
     * ResNet-50's strided 3x3 layers) with outputs at least {@link FastConvolution#DIRECT_GRADIENT_MIN_WIDTH} wide, the
     * direct tiles on, and every phase a convolution the direct tiles take (some taps, no negative padding, at least a
     * block of filters, no lone small plane). One thread's CPU, col2im / phases, ResNet-50's layers at batch 8
     * (bench/ConvPassesCpu.java, AMD EPYC Zen 4, loaded): 56->28 1.053, 28->14 1.052, 14->7 0.930: 7-wide phases stay
     * on col2im, as the 7x7 stride-1 data gradient does.
     */
    static boolean applies(ConvDims d) {
        if (!enabled || !DirectTiles.enabled || !FastConvolution.shiftedPatches || FastConvolution.packedPatches
                || d.groups() != 1 || d.kh() != 3 || d.kw() != 3 || d.sh() != 2 || d.sw() != 2 || d.dh() != 1
                || d.dw() != 1 || d.c() < Kernels.DIRECT_ROWS || d.ow() < FastConvolution.DIRECT_GRADIENT_MIN_WIDTH) {
            return false;
        }
        for (int u = 0; u < d.sh(); u++) {
            Axis rows = axis(d.h(), d.kh(), d.sh(), d.padTop(), u);
            for (int v = 0; v < d.sw(); v++) {
                Axis cols = axis(d.w(), d.kw(), d.sw(), d.padLeft(), v);
                if (rows.taps().length == 0 || cols.taps().length == 0 || rows.pad() < 0 || cols.pad() < 0
                        || rows.out() == 0 || cols.out() == 0 || !DirectTiles.tilesFit(phase(d, rows, cols))
                        || DirectTiles.byPixels(phase(d, rows, cols))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** dx (every element written) of layer d, which {@link #applies}. */
    static void backwardInput(Kernels k, ConvDims d, float[] dyd, float[] wd, float[] dxd) {
        int phases = d.sh() * d.sw();
        int[][] rows = new int[phases][];
        int[][] cols = new int[phases][];
        ConvDims[] dims = new ConvDims[phases];
        for (int p = 0; p < phases; p++) {
            Axis r = axis(d.h(), d.kh(), d.sh(), d.padTop(), p / d.sw());
            Axis c = axis(d.w(), d.kw(), d.sw(), d.padLeft(), p % d.sw());
            rows[p] = r.taps();
            cols[p] = c.taps();
            dims[p] = phase(d, r, c);
        }
        float[][] packed = DirectTiles.packedPhases(k, d, rows, cols, wd);
        for (int p = 0; p < phases; p++) {
            float[] out = FastConvolution.scratch().phase(d.n() * d.c() * dims[p].outPlane());
            FastConvolution.directForward(k, dims[p], dyd, out, new float[][] {packed[p]});
            place(k, d, dims[p], out, p / d.sw(), p % d.sw(), dxd);
        }
    }

    /** Phase (u, v)'s planes ({@code out}, [N, C, rows, cols]) into their places of dx, planes shared over threads. */
    private static void place(Kernels k, ConvDims d, ConvDims phase, float[] out, int u, int v, float[] dxd) {
        int planes = d.n() * d.c();
        int tasks = (int) Math.min(planes, (long) planes * phase.outPlane() / PLACE_TASK);
        if (tasks < 2) {
            placePlanes(d, phase, out, u, v, dxd, 0, planes);
        } else {
            k.parallelFor(tasks, t -> placePlanes(d, phase, out, u, v, dxd, (int) ((long) planes * t / tasks),
                    (int) ((long) planes * (t + 1) / tasks)));
        }
    }

    /** Values per task of {@link #place} on the kernels' threads (fewer than two tasks: the caller alone). */
    private static final int PLACE_TASK = 64 * 1024;

    private static void placePlanes(ConvDims d, ConvDims phase, float[] out, int u, int v, float[] dxd, int p0,
                                    int p1) {
        int ph = phase.oh();
        int pw = phase.ow();
        int sh = d.sh();
        int sw = d.sw();
        for (int p = p0; p < p1; p++) {
            int src = p * ph * pw;
            int plane = p * d.h() * d.w();
            for (int a = 0; a < ph; a++, src += pw) {
                int dst = plane + (a * sh + u) * d.w() + v;
                for (int q = 0; q < pw; q++) {
                    dxd[dst + q * sw] = out[src + q];
                }
            }
        }
    }
}
