package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.Kernels;

/**
 * The product of a shifted tile ({@link ShiftedPatches}) as a direct convolution ({@link Kernels#directProducts}):
 * the register tiles read the tile's padded slice where it lies, one offset per tap, instead of the GEMM packing a B
 * panel from it for every 48 columns, and the weights are packed once per call (or kept packed between inference
 * calls) 8 filters side by side per tap. The slice, the dropped columns and the copy into y stay as they are.
 *
 * <p>Bits: each output is the bias (or 0) followed by one fused multiply-add per tap in tap order; the GEMM sums the
 * taps in its own order (depth slices, bias added with beta = 1), so the two paths differ in the last bits. The bits
 * of this path do not depend on the thread count or on how a tile's filters are shared out.
 */
final class DirectTiles {
    /**
     * Whether the direct products are on: {@code -Dconvnet4j.conv.directTiles=false} sends shifted tiles back to the
     * GEMM (A/B runs), {@code =true} forces them; without the property, {@link #byDefault}.
     */
    static volatile boolean enabled = byDefault(System.getProperty("convnet4j.conv.directTiles"),
            countedLoopSafepoints());

    /**
     * The property's value if given; else on unless this JVM's C2 drops the safepoints of counted loops
     * ({@code -XX:-UseCountedLoopSafepoints}, the default that comes with ParallelGC and SerialGC; G1, the JVM's
     * default collector, turns them on with {@code LoopStripMiningIter=1000}). Without them C2 compiled the register
     * tiles' loops so that a ResNet-50 3x3 layer took 1.04-1.19x the GEMM's CPU instead of 0.76-0.92x, and the whole
     * ResNet-50 b8 pass 1.13x (docs/PERFORMANCE.md, twenty-fourth pass, kernels). Unknown (not HotSpot): on.
     */
    static boolean byDefault(String property, Boolean loopSafepoints) {
        return property != null ? !"false".equals(property) : !Boolean.FALSE.equals(loopSafepoints);
    }

    /** This JVM's {@code -XX:UseCountedLoopSafepoints}, or null where it cannot be read (not HotSpot). */
    static Boolean countedLoopSafepoints() {
        try {
            return Boolean.valueOf(java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("UseCountedLoopSafepoints")
                    .getValue());
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /**
     * Whether the direct tiles run where the kernels' vectors hold fewer than {@link Kernels#DIRECT_LANES} floats (AVX2:
     * 8): off, so there the GEMM takes these tiles; {@code -Dconvnet4j.conv.directTilesNarrowVectors=true} sends them
     * through the direct products too (A/B runs, {@code FlagAB}). The direct tiles were measured and chosen on AVX-512;
     * on an AVX2 EPYC guest (session 25, bench/ConvPassesCpu.java, batch 8, one thread's CPU, loaded) they cost the
     * GEMM's 1.35-1.6x on the strided 3x3 layers' forward passes and data gradients (2-4.3x in a second run) and 1.4-1.6x
     * on the reducing 1x1 layers' forward passes (4.3-4.5x on 28x28 in another run), and nowhere less; a W6 step 7% more
     * CPU per image, W4 b8 25% more (docs/PERFORMANCE.md).
     */
    static volatile boolean narrowVectors = "true".equals(System.getProperty("convnet4j.conv.directTilesNarrowVectors"));

    /** Whether kernels {@code k} take the direct tiles at all: vectors of 16 floats, or {@link #narrowVectors}. */
    static boolean suits(Kernels k) {
        return narrowVectors || k.floatsPerVector() >= Kernels.DIRECT_LANES;
    }

    /**
     * Pixel by pixel, filters along the vectors ({@link Kernels#directPixels}): only the tile's output pixels are
     * computed (no dropped columns, no partly empty column tiles), the results transposed into y. For layers whose
     * output rows are at most {@link #pixelsMaxWidth} wide and whose filters fill whole blocks of 16;
     * {@code -Dconvnet4j.conv.directPixels=false} keeps them on the column tiles (A/B runs).
     */
    static volatile boolean pixels = "true".equals(System.getProperty("convnet4j.conv.directPixels"));
    /** Widest output row that takes the pixel tiles ({@code -Dconvnet4j.conv.directPixelsMaxWidth}). */
    static volatile int pixelsMaxWidth = Integer.getInteger("convnet4j.conv.directPixelsMaxWidth", Integer.MAX_VALUE);

    private DirectTiles() {
    }

    /**
     * Columns a direct column tile computes: the slice's, rounded up to 16 (a whole AVX-512 vector), so that no output
     * is left to a scalar tail (6 of 230 columns at 56 x 56 cost as much as a fifth of the vector work). The extra
     * columns are dropped ones; they read past the slice's end into its buffer's slack, whatever it holds.
     */
    static int paddedColumns(int cols) {
        return (cols + 15) / 16 * 16;
    }

    /** Whether this layer's tiles take the pixel tiles (else the column tiles). */
    static boolean byPixels(ConvDims d) {
        return pixels && !FastConvolution.isPointwise(d) && d.ow() <= pixelsMaxWidth
                && d.fg() % Kernels.DIRECT_LANES == 0;
    }

    /**
     * Whether other kernels than the measured ones (3x3 at stride 1 or 2, 7x7 at stride 2: the stem) take the direct
     * product too (5x5, other strides, dilated): off until measured; {@code -Dconvnet4j.conv.directAnyKernel=true}.
     */
    static volatile boolean anyKernel = "true".equals(System.getProperty("convnet4j.conv.directAnyKernel"));

    /**
     * Whether the tiles through the slice of this layer take the direct product: a rule of the shapes only. Not for
     * planes smaller than a tile's 192 columns taken one sample at a time (batch 1 to 4 at 7 x 7): a 49-pixel tile
     * padded to 64 columns cost 1.05x the GEMM, which computes such a tile transposed.
     */
    static boolean applies(ConvDims d) {
        return ShiftedPatches.applies(d) && (anyKernel || measured(d)) && tilesFit(d);
    }

    /** Whether the direct tiles are on and fit this layer's shapes: a block of filters, no lone plane under a tile. */
    static boolean tilesFit(ConvDims d) {
        return enabled && d.fg() >= Kernels.DIRECT_ROWS
                && !(d.outPlane() < FastConvolution.MIN_COLS && FastConvolution.Tiling.of(d).perTile() == 1);
    }

    /**
     * The kernels measured (bench/ConvPassesCpu.java, batch 8, one thread, CPU of the GEMM over the direct path):
     * 3x3 stride 1 forward 1.15-1.25, data gradient 1.20-1.33; 3x3 stride 2 forward 1.15-1.16; the 7x7/2 stem 1.09.
     */
    private static boolean measured(ConvDims d) {
        boolean square = d.sh() == d.sw() && d.dh() == 1 && d.dw() == 1;
        return square && (d.kh() == 3 && d.kw() == 3 && d.sh() <= 2 || d.kh() == 7 && d.kw() == 7 && d.sh() == 2);
    }

    /**
     * Pointwise (1x1, stride 1) layers through the direct products too: a one-sample tile reads x where it lies (one
     * channel per tap) and writes y, no B panel, no copy; joined small planes read im2col's copy of them.
     * {@code -Dconvnet4j.conv.directPointwise=false} leaves them to the GEMM (A/B runs).
     */
    static volatile boolean pointwise = !"false".equals(System.getProperty("convnet4j.conv.directPointwise"));

    /**
     * Whether this pointwise layer's tiles take the direct products (the same size rules as {@link #applies}): only
     * layers with at least twice as many input channels as filters (a bottleneck's reducing 1x1). ResNet-50's 1x1
     * layers at batch 8, one thread, CPU direct / GEMM (bench/DirectTilesCpu.java -Dpointwise=true, load 33-36):
     * 256->64 on 56 0.87-0.99, 512->128 on 28 0.73-0.80, 1024->256 on 14 0.81, 2048->512 on 7 0.85; the expanding
     * ones were mixed (64->256 on 56 1.01-1.03, 128->512 on 28 1.18-1.35, 256->1024 on 14 0.94-1.00, 512->2048 on 7
     * 0.81-0.92): for each 48 columns every filter block's weights pass, and with many filters they come from L2.
     */
    static boolean appliesPointwise(ConvDims d) {
        return pointwise && FastConvolution.isPointwise(d) && d.cg() >= 2 * d.fg() && tilesFit(d);
    }

    /**
     * A pointwise tile: {@code out[cOff + fo * ldc + p] = bias + sum over c of w[fo][c] * src[srcOff + c * ld + p]},
     * {@code p < t}; on every thread (filters shared out in whole blocks) when {@code threaded}.
     */
    static void pointwise(Kernels k, boolean threaded, ConvDims d, float[] wp, float[] src, int srcOff, int ld, int t,
                          float[] bias, int g, float[] out, int cOff, int ldc) {
        int kk = d.patch();
        int[] offsets = FastConvolution.scratch().offsets(kk);
        for (int c = 0; c < kk; c++) {
            offsets[c] = c * ld;
        }
        run(k, threaded, d, wp, offsets, src, srcOff, t, bias, g, out, cOff, ldc);
    }

    /** The products of one group's tile, on every thread when {@code threaded} (filters in whole blocks). */
    private static void run(Kernels k, boolean threaded, ConvDims d, float[] wp, int[] offsets, float[] x, int xOff,
                            int len, float[] bias, int g, float[] out, int outOff, int ldo) {
        int fg = d.fg();
        int kk = d.patch();
        int r = Kernels.DIRECT_ROWS;
        int blocks = (fg + r - 1) / r;
        int tasks = threaded ? Math.min(blocks, k.threads()) : 1;
        if (tasks <= 1) {
            k.directProducts(fg, kk, wp, 0, offsets, x, xOff, len, bias, g * fg, out, outOff, ldo);
            return;
        }
        k.parallelFor(tasks, task -> {
            int f0 = blocks * task / tasks * r;
            int f1 = Math.min(fg, blocks * (task + 1) / tasks * r);
            k.directProducts(f1 - f0, kk, wp, f0 * kk, offsets, x, xOff, len, bias, g * fg + f0, out,
                    outOff + f0 * ldo, ldo);
        });
    }

    /** A layer's packed weights: filters per block (the layout) and each group's array. */
    record Packed(int block, float[][] groups) {
    }

    /**
     * The weights for this call: {@code kept} (a layer's packing kept between inference calls, or null) when it has
     * the layout this layer takes now (a switch flipped between calls changes it), else packed anew.
     */
    static float[][] packed(Kernels k, ConvDims d, float[] wd, Object kept) {
        int block = byPixels(d) ? Kernels.DIRECT_LANES : Kernels.DIRECT_ROWS;
        if (kept instanceof Packed p && p.block() == block) {
            return p.groups();
        }
        if (d.groups() > 1) {
            return pack(d, wd).groups();
        }
        float[] buf = transientBuffer(roundUp(d.fg(), block) * d.patch());
        int fg = d.fg();
        java.util.Arrays.fill(buf, fg * d.patch(), roundUp(fg, block) * d.patch(), 0f);
        overBlocks(k, (fg + block - 1) / block, block * d.patch(),
                (b0, b1) -> packFilters(d, wd, 0, block, buf, b0 * block, Math.min(fg, b1 * block)));
        return new float[][] {buf};
    }

    /**
     * The direct weights of {@code back}, the transposed convolution that is stride-1 layer d's data gradient
     * ({@code FastConvolution.backward}), read straight from d's weights {@code wd}: the floats {@link #packed} puts in
     * its layout from {@code FastConvolution.flipped}'s copy, in one pass instead of two. The flip alone wrote 36-byte
     * runs 18 KB apart (a 3x3 512-filter layer: 2.4 M floats per call); here each block of filters' channels reads one
     * run per filter and writes its packing in order.
     */
    static float[][] packedFlipped(Kernels k, ConvDims d, ConvDims back, float[] wd) {
        int r = byPixels(back) ? Kernels.DIRECT_LANES : Kernels.DIRECT_ROWS;
        int fg = back.fg();
        int kk = back.patch();
        int blocks = (fg + r - 1) / r;
        float[][] out = new float[back.groups()][];
        for (int g = 0; g < back.groups(); g++) {
            float[] wp = back.groups() > 1 ? new float[blocks * r * kk] : transientBuffer(blocks * r * kk);
            java.util.Arrays.fill(wp, fg * kk, blocks * r * kk, 0f);
            int gg = g;
            overBlocks(k, blocks, r * kk, (b0, b1) -> flippedBlocks(d, wd, gg, r, wp, b0, b1));
            out[g] = wp;
        }
        return out;
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} flips a direct data gradient's weights into a copy and packs
     * that ({@code -Dconvnet4j.conv.flipWhilePacking=false}); the same floats in the same places either way.
     */
    static volatile boolean flipWhilePacking = !"false".equals(System.getProperty("convnet4j.conv.flipWhilePacking"));

    /** Blocks [b0, b1) of {@link #packedFlipped}'s group g: back filter ci, tap (fo, t) = wd[fo][ci][taps - 1 - t]. */
    private static void flippedBlocks(ConvDims d, float[] wd, int g, int r, float[] wp, int b0, int b1) {
        int taps = d.kh() * d.kw();
        int cg = d.cg();
        int fg = d.fg();
        int kk = fg * taps;
        for (int blk = b0; blk < b1; blk++) {
            int c0 = blk * r;
            int c1 = Math.min(cg, c0 + r);
            for (int fo = 0; fo < fg; fo++) {
                int src = (g * fg + fo) * cg * taps + taps - 1;
                int dst = blk * kk * r + fo * taps * r - c0;
                for (int t = 0; t < taps; t++, dst += r) {
                    for (int ci = c0; ci < c1; ci++) {
                        wp[dst + ci] = wd[src + ci * taps - t];
                    }
                }
            }
        }
    }

    /**
     * The direct weights of each phase of strided layer d's data gradient ({@link StridedInputGradient}; column tiles,
     * one group), read straight from d's weights {@code wd} in one pass: phase p's filter ci (d's input channel), tap
     * (fo, m, n) = {@code wd[fo][ci][rows[p][m]][cols[p][n]]}. A block of channels reads each filter's run of 9 x 8
     * floats once for all the phases (a 512-channel layer's weights are 9.4 MB: a pass per phase read them four times).
     */
    static float[][] packedPhases(Kernels k, ConvDims d, int[][] rows, int[][] cols, float[] wd) {
        int r = Kernels.DIRECT_ROWS;
        int phases = rows.length;
        int blocks = (d.cg() + r - 1) / r;
        float[][] bufs = PHASE_BUFFERS.get();
        if (bufs.length < phases) {
            bufs = java.util.Arrays.copyOf(bufs, phases);
            PHASE_BUFFERS.set(bufs);
        }
        int[] kk = new int[phases];
        for (int p = 0; p < phases; p++) {
            kk[p] = d.fg() * rows[p].length * cols[p].length;
            int size = blocks * r * kk[p];
            if (bufs[p] == null || bufs[p].length < size) {
                bufs[p] = new float[size];
            }
            java.util.Arrays.fill(bufs[p], d.cg() * kk[p], size, 0f);
        }
        float[][] out = java.util.Arrays.copyOf(bufs, phases);
        overBlocks(k, blocks, r * d.fg() * d.kh() * d.kw(), (b0, b1) -> phaseBlocks(d, wd, rows, cols, kk, r, out, b0,
                b1));
        return out;
    }

    /** This thread's per-call packings of {@link #packedPhases}, one per phase, each reused by its next call. */
    private static final ThreadLocal<float[][]> PHASE_BUFFERS = ThreadLocal.withInitial(() -> new float[0][]);

    /** Blocks [b0, b1) of {@link #packedPhases}. */
    private static void phaseBlocks(ConvDims d, float[] wd, int[][] rows, int[][] cols, int[] kk, int r, float[][] wp,
                                    int b0, int b1) {
        int taps = d.kh() * d.kw();
        int cg = d.cg();
        for (int blk = b0; blk < b1; blk++) {
            int c0 = blk * r;
            int c1 = Math.min(cg, c0 + r);
            for (int fo = 0; fo < d.fg(); fo++) {
                int src = fo * cg * taps;
                for (int p = 0; p < wp.length; p++) {
                    float[] to = wp[p];
                    int dst = blk * kk[p] * r + fo * rows[p].length * cols[p].length * r - c0;
                    for (int i : rows[p]) {
                        for (int j : cols[p]) {
                            int tap = src + i * d.kw() + j;
                            for (int ci = c0; ci < c1; ci++) {
                                to[dst + ci] = wd[tap + ci * taps];
                            }
                            dst += r;
                        }
                    }
                }
            }
        }
    }

    /** Blocks [b0, b1) of a packing's filter blocks. */
    private interface BlockRange {
        void run(int b0, int b1);
    }

    /**
     * {@code body} over a per-call packing's blocks of {@code perBlock} floats each: on the kernels' threads when the
     * packing is large ({@link #parallelPacking}, {@link #PACK_TASK}), else on the calling thread.
     */
    private static void overBlocks(Kernels k, int blocks, int perBlock, BlockRange body) {
        int tasks = parallelPacking ? (int) Math.min(blocks, (long) blocks * perBlock / PACK_TASK) : 1;
        if (tasks < 2) {
            body.run(0, blocks);
            return;
        }
        k.parallelFor(tasks, t -> body.run(blocks * t / tasks, blocks * (t + 1) / tasks));
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} packs a training call's weights on the calling thread alone
     * ({@code -Dconvnet4j.conv.directParallelPacking=false}), as before. A W6 step packs every direct layer's weights
     * per call (forward, and the flipped ones of a data gradient): 11 of 46 samples of what the caller did alone while
     * the second thread waited (JFR, default flags, docs/PERFORMANCE.md twenty-fourth pass, threads). A copy: the
     * same floats in the same places on any split.
     */
    static volatile boolean parallelPacking =
            !"false".equals(System.getProperty("convnet4j.conv.directParallelPacking"));

    /** Packed floats per task of a per-call packing on the kernels' threads (256 KB; fewer than two: on the caller). */
    static final int PACK_TASK = 64 * 1024;

    /**
     * This thread's per-call packing (training: as the GEMM's transient packing, no 45 MB per ResNet-50 step), reused
     * by its next call (a call is done with it before the next one packs), at least {@code size} long.
     */
    private static float[] transientBuffer(int size) {
        float[] buf = TRANSIENT.get();
        if (buf.length < size) {
            buf = new float[size];
            TRANSIENT.set(buf);
        }
        return buf;
    }

    private static final ThreadLocal<float[]> TRANSIENT = ThreadLocal.withInitial(() -> new float[0]);

    private static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    /** Group g's weights into {@code wp} (blocks of {@code r} filters, tap after tap; a short last block zero-padded). */
    private static void packGroup(ConvDims d, float[] wd, int g, int r, float[] wp) {
        int fg = d.fg();
        int kk = d.patch();
        java.util.Arrays.fill(wp, fg * kk, roundUp(fg, r) * kk, 0f);
        packFilters(d, wd, g, r, wp, 0, fg);
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} packs filter after filter, each filter's taps written
     * {@code r} floats apart ({@code -Dconvnet4j.conv.packTapsInOrder=false}); on, a block's taps are written in order,
     * its r filters read side by side. The same floats in the same places either way.
     */
    static volatile boolean packTapsInOrder = !"false".equals(System.getProperty("convnet4j.conv.packTapsInOrder"));

    /**
     * Filters [f0, f1) of group g into their places in {@code wp} ({@code f0} the first of a block). Filter after
     * filter, a 512-filter 3x3 layer's 2.4 M floats (packed again on every training call) went out as single floats 32
     * bytes apart over a block's 147 KB, each cache line written 16 times over; in tap order a block's packing is one
     * sequential run, from r read streams.
     */
    private static void packFilters(ConvDims d, float[] wd, int g, int r, float[] wp, int f0, int f1) {
        int fg = d.fg();
        int kk = d.patch();
        if (packTapsInOrder) {
            for (int b0 = f0; b0 < f1; b0 += r) {
                int n = Math.min(r, f1 - b0);
                int src = (g * fg + b0) * kk;
                int dst = b0 * kk;
                if (n == 8 && r == 8) { // a whole block of the column tiles: its eight streams by name
                    for (int t = 0; t < kk; t++, dst += 8) {
                        int s = src + t;
                        wp[dst] = wd[s];
                        wp[dst + 1] = wd[s + kk];
                        wp[dst + 2] = wd[s + 2 * kk];
                        wp[dst + 3] = wd[s + 3 * kk];
                        wp[dst + 4] = wd[s + 4 * kk];
                        wp[dst + 5] = wd[s + 5 * kk];
                        wp[dst + 6] = wd[s + 6 * kk];
                        wp[dst + 7] = wd[s + 7 * kk];
                    }
                    continue;
                }
                for (int t = 0; t < kk; t++, dst += r) {
                    for (int i = 0; i < n; i++) {
                        wp[dst + i] = wd[src + i * kk + t];
                    }
                }
            }
            return;
        }
        for (int fo = f0; fo < f1; fo++) {
            int src = (g * fg + fo) * kk;
            int dst = fo / r * kk * r + fo % r;
            for (int t = 0; t < kk; t++) {
                wp[dst + t * r] = wd[src + t];
            }
        }
    }

    /**
     * Each group's weights in {@link Kernels#directProducts}' layout, or {@link Kernels#directPixels}' for a layer
     * {@link #byPixels} (a last block of filters padded with zeros).
     */
    static Packed pack(ConvDims d, float[] wd) {
        int r = byPixels(d) ? Kernels.DIRECT_LANES : Kernels.DIRECT_ROWS;
        float[][] out = new float[d.groups()][];
        for (int g = 0; g < d.groups(); g++) {
            out[g] = new float[roundUp(d.fg(), r) * d.patch()];
            packGroup(d, wd, g, r, out[g]);
        }
        return new Packed(r, out);
    }

    /**
     * {@code out [fg x cols] = bias + W_g * patches} of one group, the patches at {@code offsets} in the slice; on
     * every thread (the filters shared out in whole blocks) when {@code threaded}.
     */
    static void product(Kernels k, boolean threaded, ConvDims d, float[] wp, int[] offsets, float[] slice, int cols,
                        float[] bias, int g, float[] out) {
        run(k, threaded, d, wp, offsets, slice, 0, cols, bias, g, out, 0, cols);
    }

    /**
     * {@code out [pixels x fg] = bias + W_g * patches} of one group pixel by pixel, the tile's pixels in the order
     * sample, row, column ({@link #positions}); on every thread (the pixels shared out) when {@code threaded}.
     */
    static void pixelProduct(Kernels k, boolean threaded, ConvDims d, float[] wp, int[] offsets, int[] positions,
                             int count, float[] slice, float[] bias, int g, float[] out) {
        int fg = d.fg();
        int kk = d.patch();
        int tasks = threaded ? Math.min(k.threads(), Math.max(1, count / 24)) : 1;
        if (tasks <= 1) {
            k.directPixels(fg, kk, wp, 0, offsets, positions, 0, count, slice, 0, bias, g * fg, out, 0, fg);
            return;
        }
        k.parallelFor(tasks, task -> {
            int p0 = count * task / tasks;
            int p1 = count * (task + 1) / tasks;
            k.directPixels(fg, kk, wp, 0, offsets, positions, p0, p1 - p0, slice, 0, bias, g * fg, out, p0 * fg, fg);
        });
    }

    /** Where each output pixel of the tile (sample, row, column order) starts in its slice; returns the count. */
    static int positions(ConvDims d, FastConvolution.Tile tile, int[] into) {
        int wp = ShiftedPatches.width(d);
        int nb = tile.nb();
        int ow = d.ow();
        int n = 0;
        for (int s = 0; s < nb; s++) {
            for (int rr = 0; rr < tile.r1() - tile.r0(); rr++) {
                int at = (rr * nb + s) * wp;
                for (int q = 0; q < ow; q++) {
                    into[n++] = at + q;
                }
            }
        }
        return n;
    }

    /** Filters [f0, f1) of a pixel product ({@code out}, pixels x fg) into their planes of y. */
    static void scatterPixels(ConvDims d, float[] out, FastConvolution.Tile tile, int g, float[] yd, int f0, int f1) {
        int fg = d.fg();
        int plane = d.outPlane();
        int run = (tile.r1() - tile.r0()) * d.ow();
        int block = Kernels.DIRECT_LANES;
        for (int s = 0; s < tile.nb(); s++) {
            int y0 = ((tile.b0() + s) * d.f() + g * fg) * plane + tile.r0() * d.ow();
            int o0 = s * run * fg;
            for (int b0 = f0; b0 < f1; b0 += block) { // a line of out at a time, into 16 planes
                int b1 = Math.min(f1, b0 + block);
                for (int i = 0; i < run; i++) {
                    int src = o0 + i * fg;
                    int dst = y0 + i;
                    for (int fo = b0; fo < b1; fo++) {
                        yd[dst + fo * plane] = out[src + fo];
                    }
                }
            }
        }
    }
}
