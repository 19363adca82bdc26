package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.Kernels;

/**
 * The weight gradient of a shifted tile ({@link ShiftedPatches}) by the direct pixel kernel ({@link
 * Kernels#directPixels}), the taps in the role of its pixels and the tile's columns in the role of its taps:
 * {@code dW^T[tap][fo] = sum over columns p of slice[offset(tap) + p] * dy[fo][p]}, 16 filters along a vector, each tap
 * a broadcast from the slice where it lies.
 *
 * <p>Why: the GEMM took this product as {@code dy · patches^T} and packed patches^T into its B panels, a transposing
 * copy of K x T floats (576 x 230 per 56x56 tile) for every tile; for a layer with few filters that copy costs a large
 * share of the arithmetic it feeds (64 filters: one packed float per 64 multiply-adds). ResNet-50's weight gradients
 * per layer at batch 8 took 1.77x PyTorch's CPU at 56x56 and 1.61x at 28x28, 1.07x at 7x7 (docs/PERFORMANCE.md,
 * session 18). Here dy alone is copied, into blocks of 16 filters (F x T floats), and the slice is read where it lies.
 *
 * <p>The tile's sums come out transposed, {@code [tap][filter]}: the batch chunks' partials ({@code
 * FastConvolution.partials}) hold dW^T, and their sum in chunk order is written transposed into dw. Bits: each tile's
 * sum is one chain of fused multiply-adds over its columns in order (dropped columns multiply a zero), added to the
 * chunk's partial after the first tile; chunks summed in double in order as before. Not the GEMM's bits (the
 * reference's tolerance holds both), the same on any thread count (the taps are shared out, never a sum).
 */
final class DirectWeightGradient {
    /**
     * Off unless {@code -Dconvnet4j.conv.directWeightGradient=true} (a field for A/B runs, {@code FlagAB}). One
     * thread's CPU against the GEMM on the slice, ResNet-50's layers at batch 8 (bench/ConvPassesCpu.java, AMD EPYC
     * Zen 4, loaded; docs/PERFORMANCE.md, session 19): 64 filters on 56x56 0.885-0.921 of the GEMM's, but 128 filters
     * on 28x28 1.06-1.07, 256 on 14x14 1.15, 512 on 7x7 1.24, 3x3/2 128 56->28 1.05: past 64 filters the pixel kernel
     * (about two thirds of the FMA peak here) loses more than the transposing copy costs. And in one of three JVMs its
     * {@code tile4x6} stayed about 12x slower for the whole run (the strided 56->28 layer 383 ms instead of 31, the
     * stem 433 instead of 38), the trap the twenty-fourth pass saw once in the forward pixel tiles: until that is
     * understood, a default that a W6 step could fall into costs far more than the 56x56 layers' 2-3 ms a call saved.
     */
    static volatile boolean enabled = "true".equals(System.getProperty("convnet4j.conv.directWeightGradient"));

    /**
     * Narrowest output rows that go this way: the slice's rule for gradients ({@link
     * ShiftedPatches#GRADIENT_MIN_WIDTH}) unless {@code -Dconvnet4j.conv.directWeightGradientMinWidth} says otherwise
     * (A/B runs of narrower layers, where the dropped columns cost more: a 14x14 tile computes 209 columns for 196).
     */
    static final int MIN_WIDTH = Integer.getInteger("convnet4j.conv.directWeightGradientMinWidth",
            ShiftedPatches.GRADIENT_MIN_WIDTH);

    private DirectWeightGradient() {
    }

    /**
     * Whether layer d's weight gradient goes this way: shifted patches (more than one tap), output rows at least
     * {@link #MIN_WIDTH} wide, one group, whole blocks of 16 filters, vectors of 16 floats (elsewhere the pixel kernel
     * is its scalar twin).
     */
    static boolean applies(Kernels k, ConvDims d) {
        return enabled && FastConvolution.shiftedWeightGradient && ShiftedPatches.applies(d) && d.ow() >= MIN_WIDTH
                && d.groups() == 1 && d.f() % Kernels.DIRECT_LANES == 0
                && k.floatsPerVector() == Kernels.DIRECT_LANES;
    }

    /**
     * Adds the tile's dW^T ([patch][f]) to {@code partial} at {@code off} ({@code first}: writes it); the taps shared
     * out over the kernels' threads when {@code threaded}.
     */
    static void tile(Kernels k, boolean threaded, ConvDims d, float[] xd, float[] dyd, float[] partial, int off,
                     FastConvolution.Tile tile, boolean first) {
        FastConvolution.Scratch scratch = FastConvolution.scratch();
        int kk = d.patch();
        int f = d.f();
        int cols = ShiftedPatches.columns(d, tile);
        float[] slice = scratch.col(ShiftedPatches.sliceSize(d, tile));
        float[] dyBlocks = scratch.rows(f * cols);
        int[] taps = ShiftedPatches.offsets(d, tile, scratch.offsets(kk));
        int[] columns = scratch.positions(cols);
        for (int p = 0; p < cols; p++) {
            columns[p] = p;
        }
        ShiftedPatches.fill(d, xd, tile, 0, slice);
        gatherBlocks(d, dyd, tile, cols, dyBlocks);
        int chunk = Math.max(6, CHUNK_FLOATS / f / 6 * 6);
        int chunks = (kk + chunk - 1) / chunk;
        int tasks = threaded ? Math.min(k.threads(), chunks) : 1;
        if (tasks <= 1) {
            for (int c = 0; c < chunks; c++) {
                chunk(k, d, cols, dyBlocks, columns, taps, slice, c * chunk, Math.min(kk, (c + 1) * chunk), partial,
                        off, first);
            }
        } else {
            k.parallelFor(tasks, task -> {
                for (int c = chunks * task / tasks; c < chunks * (task + 1) / tasks; c++) {
                    chunk(k, d, cols, dyBlocks, columns, taps, slice, c * chunk, Math.min(kk, (c + 1) * chunk),
                            partial, off, first);
                }
            });
        }
    }

    /**
     * Floats of a kernel call's sums ({@code taps x f}, 128 KB): they are stored and loaded back once per 64 of the
     * kernel's columns ({@code VectorDirectPixels.DEPTH}), so they must stay in L2 between those passes. In one call
     * over all taps a 512-filter 7x7 layer's 9.4 MB of sums went to L3 and back every 64 columns: 1.5x the GEMM's CPU.
     */
    static final int CHUNK_FLOATS = 32 * 1024;

    /** Taps [t0, t1) of a tile: written into the chunk's partial ({@code first}) or added to it, while in cache. */
    private static void chunk(Kernels k, ConvDims d, int cols, float[] dyBlocks, int[] columns, int[] taps,
                              float[] slice, int t0, int t1, float[] partial, int off, boolean first) {
        int f = d.f();
        if (first) {
            k.directPixels(f, cols, dyBlocks, 0, columns, taps, t0, t1 - t0, slice, 0, null, 0, partial,
                    off + t0 * f, f);
            return;
        }
        float[] sums = FastConvolution.scratch().tapRows((t1 - t0) * f); // this thread's
        k.directPixels(f, cols, dyBlocks, 0, columns, taps, t0, t1 - t0, slice, 0, null, 0, sums, 0, f);
        int at = off + t0 * f;
        for (int i = 0; i < (t1 - t0) * f; i++) {
            partial[at + i] += sums[i];
        }
    }

    /**
     * The tile's dy into {@code into} as the pixel kernel's weights: filter fo's value at GEMM column c (see {@link
     * ShiftedPatches#gather}) at {@code (fo / 16 * cols + c) * 16 + fo % 16}; dropped columns zero.
     */
    private static void gatherBlocks(ConvDims d, float[] dyd, FastConvolution.Tile tile, int cols, float[] into) {
        int l = Kernels.DIRECT_LANES;
        int f = d.f();
        java.util.Arrays.fill(into, 0, f * cols, 0f);
        int wp = ShiftedPatches.width(d);
        int ow = d.ow();
        int nb = tile.nb();
        int plane = d.outPlane();
        for (int fo = 0; fo < f; fo++) {
            int block = fo / l * cols * l + fo % l;
            for (int s = 0; s < nb; s++) {
                int src = ((tile.b0() + s) * f + fo) * plane + tile.r0() * ow;
                for (int r = tile.r0(), c = s * wp; r < tile.r1(); r++, src += ow, c += nb * wp) {
                    for (int q = 0; q < ow; q++) {
                        into[block + (c + q) * l] = dyd[src + q];
                    }
                }
            }
        }
    }

    /**
     * {@code dw[fo][tap] += } the sum of the partials' dW^T[tap][fo] over chunks in order, in double, for filters
     * [f0, f1).
     */
    static void addTransposed(ConvDims d, float[] partial, int parts, float[] dwd, int f0, int f1) {
        int kk = d.patch();
        int f = d.f();
        int size = f * kk;
        for (int fo = f0; fo < f1; fo++) {
            for (int t = 0; t < kk; t++) {
                double s = 0;
                for (int part = 0; part < parts; part++) {
                    s += partial[part * size + t * f + fo];
                }
                dwd[fo * kk + t] += (float) s;
            }
        }
    }
}
