package org.convnet4j.ops;

import java.util.function.IntConsumer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.PanelLayout;
import org.convnet4j.tensor.kernels.ParallelChunks;
import org.convnet4j.tensor.kernels.PreparedMatrix;

/**
 * The fast path behind {@link Convolution}: every pass becomes matrix products on the kernels' SGEMM.
 *
 * <p>Per sample and channel group, with K = C/groups * KH * KW and a tile of T output pixels:
 * <ul>
 *   <li>forward: {@code Y[fg x T] = W[fg x K] * col[K x T]};</li>
 *   <li>backward data: {@code dcol[K x T] = W^T * dY[fg x T]}, then col2im adds dcol into dx;</li>
 *   <li>backward weights: {@code dW[fg x K] += dY[fg x T] * col^T}.</li>
 * </ul>
 * {@code col} (im2col) holds, for each of the K kernel taps, the input pixel each output pixel of the tile sees
 * through that tap. The output is processed in tiles of whole output rows so that the column buffer stays
 * around {@link #COL_BUDGET} floats (cache-resident between im2col and the GEMM's packing). Zero padding is
 * handled inside im2col/col2im (out-of-image taps read as zero, their gradient is dropped); replicate/reflect
 * padding is materialised first with {@link Pad} and the convolution then runs unpadded. A 1x1, stride-1,
 * unpadded convolution needs no im2col at all: the input plane already is the column matrix.
 *
 * <p>Depthwise-like convolutions (one input channel per group) would be GEMMs with a single row: all three passes
 * run {@link DepthwiseConvolution}'s vectorised direct convolutions (the reference's direct loops when it is
 * switched off), one sample and group per task.
 *
 * <p><b>Threads.</b> One level of parallelism per call: when there are at least as many independent tasks
 * (samples, row tiles, sample chunks) as threads, and either at least two per thread or each tile's GEMM is
 * small ({@link #TASK_MAX_MACS}), the tasks run in parallel and each GEMM runs on its own thread; otherwise
 * tasks run one after another and each GEMM uses all threads. Tasks write disjoint
 * outputs, and the SGEMM gives the same bits for any thread count, so results never depend on the thread
 * count. The weight gradient is a sum over the batch: the batch is cut into a fixed number of chunks that
 * depends only on the shapes ({@link #partials}), each chunk sums into its own partial buffer, and the
 * partials are added in chunk order.
 *
 * <p>Scratch buffers are per thread and grow to the largest need, so steady-state training allocates only
 * the returned tensors (and the padded copy for replicate/reflect padding).
 */
final class FastConvolution {
    /** Floats in one column tile: 128 Ki floats = 512 KB, about half of a 1 MB L2. */
    static final int COL_BUDGET = Integer.getInteger("convnet4j.conv.colFloats", 128 * 1024);
    /**
     * Most partial weight-gradient buffers (batch chunks) one backward-weights call uses: two per thread of
     * the usual 2-core machine. With 8, ResNet-50's 14x14 3x3 layer (2.4 MB per buffer) went through 7 buffers
     * and their reduction and ran at 100 GFLOPS; with 4, 115 (2: 123, but 1x1 layers at 56x56 then had too
     * few tasks for two threads and fell from 81 to 64). A constant, not the thread count: the chunks fix the
     * summation order.
     */
    static final int MAX_PARTIALS = Integer.getInteger("convnet4j.conv.maxPartials", 4);
    /** Most floats all partial weight-gradient buffers of one call may take together (16 MB). */
    static final int PARTIAL_BUDGET = 4 << 20;
    /**
     * Fewest output pixels a tile's GEMM should have when the shapes allow it (four 48-wide column panels);
     * see {@link Tiling}.
     */
    static final int MIN_COLS = Integer.getInteger("convnet4j.conv.minCols", 192);
    /** Fewest tiles a batch is cut into when samples are joined (see {@link Tiling}). */
    static final int MIN_GROUPS = 4;

    /**
     * With only a few tasks (fewer than two per thread), tiles whose GEMM has at least this many multiply-adds
     * run one after another with threaded GEMMs, so that an odd task count does not leave a thread idle;
     * smaller ones (LeNet's 0.1-0.3 M) run as parallel tasks, since they would spend more on thread hand-offs
     * than on arithmetic. With two or more tasks per thread, tasks always run in parallel: on the quiet
     * 2-vCPU machine the W2 layer (8.3 M per tile, 112 tiles) went from 63 to 124-130 GFLOPS forward that
     * way, because im2col then runs on both threads and a tile's GEMM (n = 224, under five B panels) no
     * longer has to be split in two (see docs/PERFORMANCE.md, "Engine overheads").
     */
    static final long TASK_MAX_MACS = 2L << 20;

    /**
     * Outputs of a tile from which its epilogue runs on the kernels' threads when the tile's GEMM did (tiles in turn):
     * on the caller alone, a batch-1 layer's SiLU over a 96 x 73 x 112 tile left the second core idle.
     */
    static final long EPILOGUE_PARALLEL = 16 * 1024;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    /**
     * Weights packed once per call when tiles run in turn with threaded GEMMs (as they always were for tiles in
     * parallel); {@code -Dconvnet4j.conv.preparedInTurn=false} packs them per tile again (same bits; A/B runs:
     * {@code org.convnet4j.bench.PackingAB} flips this field).
     */
    static volatile boolean preparedInTurn = !"false".equals(System.getProperty("convnet4j.conv.preparedInTurn"));

    /**
     * Packed weights of an ungrouped convolution go into the calling thread's reusable buffer
     * ({@link Kernels#prepareATransient}) instead of a new array per call; {@code -Dconvnet4j.conv.transientWeights=false}
     * allocates them again (same bits; for A/B runs).
     */
    static volatile boolean transientWeights = !"false".equals(System.getProperty("convnet4j.conv.transientWeights"));

    private FastConvolution() {
    }

    static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p, Kernels k) {
        return forward(x, w, bias, p, k, null, null);
    }

    static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p, Kernels k, ConvEpilogue epilogue,
                          Tensor into) {
        return forward(x, w, bias, p, k, epilogue, into, null);
    }

    static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p, Kernels k, ConvEpilogue epilogue,
                          Tensor into, PackedWeights packed) {
        Shape ys = Convolution.outputShape(x.shape(), w.shape(), p);
        Convolution.requireBias("conv2d", bias, w);
        ConvDims d0 = ConvDims.of(x.shape(), w.shape(), ys, p);
        Tensor y = anyInto(ys, into); // every path below writes every output (the reference loops zero it first)
        float[] bd = bias == null ? null : bias.data();
        float[] wd = w.data();
        float[] yd = y.data();
        if (DepthwiseConvolution.applies(d0)) {
            Tensor xs = materialisePadding(p) ? Pad.pad(x, p.padding(), p.padMode()) : x;
            ConvDims d = xs == x ? d0 : d0.onPadded(xs.dim(2), xs.dim(3));
            DepthwiseConvolution.forward(k, d, xs.data(), wd, bd, yd, epilogue);
            return y;
        }
        if (isDepthwise(d0)) {
            Tensor xp = ConvolutionReference.padded(x, p);
            ConvDims d = d0.onPadded(xp.dim(2), xp.dim(3));
            float[] xd = xp.data();
            if (into != null) {
                java.util.Arrays.fill(yd, 0f); // the reference loops add into the output
            }
            k.parallelFor(d.n() * d.f(), t -> {
                ConvolutionReference.forwardPlane(d, xd, wd, bd, yd, t / d.f(), t % d.f());
                if (epilogue != null) {
                    epilogue.apply(k, yd, t * d.outPlane(), d.outPlane(), t % d.f());
                }
            });
            return y;
        }
        if (DirectConvolution.applies(d0, p)) {
            DirectConvolution.forward(k, d0, x.data(), wd, bd, yd, epilogue);
            return y;
        }
        Tensor xs = materialisePadding(p) ? Pad.pad(x, p.padding(), p.padMode()) : x;
        ConvDims d = xs == x ? d0 : d0.onPadded(xs.dim(2), xs.dim(3));
        if (Winograd.applies(d)) {
            Winograd.forward(k, d, Winograd.tile(d), xs.data(), wd, bd, yd, epilogue, packed);
            return y;
        }
        gemmForward(k, d, xs.data(), wd, bd, yd, epilogue, packed);
        return y;
    }

    /** Whether a layer's tiles take the direct products ({@link DirectTiles}: shifted 3x3 or reducing 1x1 tiles). */
    private static boolean takesDirectTiles(Kernels k, ConvDims d) {
        return !packedPatches && DirectTiles.suits(k)
                && (shiftedPatches && DirectTiles.applies(d) || DirectTiles.appliesPointwise(d));
    }

    /** The GEMM path's forward pass: every output of {@code yd} written (tiles of im2col or shifted patches). */
    private static void gemmForward(Kernels k, ConvDims d, float[] xd, float[] wd, float[] bd, float[] yd,
                                    ConvEpilogue epilogue, PackedWeights packed) {
        gemmForward(k, d, xd, wd, bd, yd, epilogue, packed, null);
    }

    /** The forward pass of d (no bias, no epilogue; every output of yd written) on direct weights packed by the caller. */
    static void directForward(Kernels k, ConvDims d, float[] xd, float[] yd, float[][] packedDirect) {
        gemmForward(k, d, xd, null, null, yd, null, null, packedDirect);
    }

    /** {@link #gemmForward}; {@code packedDirect}: this layer's direct weights, packed by the caller (then wd is unused). */
    private static void gemmForward(Kernels k, ConvDims d, float[] xd, float[] wd, float[] bd, float[] yd,
                                    ConvEpilogue epilogue, PackedWeights packed, float[][] packedDirect) {
        // Shifted tiles with the direct product read the weights in its own packing (kept between inference calls)
        // (every tile of such a layer, one-sample tiles that the GEMM would compute transposed too: whether a layer is
        // direct depends on its shapes only, so every output gets the same bits whatever the tiling and thread count)
        float[][] direct = packedDirect != null ? packedDirect : takesDirectTiles(k, d)
                ? DirectTiles.packed(k, d, wd,
                        packed == null ? null : packed.getDirect(k, () -> DirectTiles.pack(d, wd)))
                : null;
        Tiling tiling = direct != null && joinsSamples(d) ? Tiling.of(d).joined() : Tiling.of(d);
        boolean inParallel = taskParallel(k, tiling.tasks(), tiling.macs(d));
        if (inParallel && balancedTiles) {
            tiling = tiling.balanced(k.threads());
        }
        Tiling rowTiles = !inParallel && direct == null ? rowTiles(k, d, tiling) : null;
        if (rowTiles != null) {
            tiling = rowTiles;
        }
        boolean parallel = inParallel || rowTiles != null;
        Tiling tiles = tiling;
        // Every tile multiplies the same weights: pack them once per call (tiles in parallel run single-threaded
        // GEMMs on them, tiles in turn threaded ones), not once per tile and task.
        // With a cache (inference), weights packed by an earlier call serve every tile, a lone one too.
        // Tiles that write their patches packed have the product pack the weights (it reads both operands packed)
        PreparedMatrix[] weights = everyTilePacksPatches(k, d, tiles) || direct != null ? null
                : packed != null && anyTileUsesPackedWeights(k, d, tiles)
                ? packed.get(k, () -> prepare(k, d, false, wd, true))
                : tiles.tasks() > 1 && (parallel || preparedInTurn) ? prepare(k, d, false, wd) : null;
        // Tiles computed transposed have the weights on the right: with a cache, packed once as the right operand.
        PreparedMatrix[] weightsRight = direct == null && packed != null && preparedRight
                && anyTileTransposed(k, d, tiles) ? packed.getRight(k, () -> prepareRight(k, d, wd)) : null;
        IntConsumer tile = t -> forwardTile(k, !parallel && k.threads() > 1, d, xd, wd, weights, weightsRight, direct,
                bd, yd, tiles.tile(t), epilogue);
        if (parallel && pixelBands && d.n() == 1 && tiles.perTile() == 1) {
            k.parallelForInBlocks(tiles.tasks(), tile); // row tiles in order: each thread one band of the plane
        } else {
            run(k, parallel, tiles.tasks(), tile);
        }
    }

    /**
     * Whether a direct layer's one-sample tiles of narrow rows join two samples in the forward pass
     * ({@link Tiling#joined}): a 14x14 plane's slice rows are 15 wide, so one sample's tile computes 209 columns, 224
     * as whole vectors, for 196 outputs (14% more), two samples' 419 (432) for 392 (10%). Only where the slice of two
     * samples fits {@link #COL_BUDGET}, and only forward passes (the transposed convolution of a data gradient too):
     * their tiles fix no summation order, and a direct output's chain does not depend on its tile.
     * {@code -Dconvnet4j.conv.joinedNarrowTiles=false}: one sample per tile (A/B runs).
     */
    static volatile boolean joinedNarrowTiles = !"false".equals(System.getProperty("convnet4j.conv.joinedNarrowTiles"));

    private static boolean joinsSamples(ConvDims d) {
        Tiling tiling = Tiling.of(d);
        Tiling joined = tiling.joined();
        return joinedNarrowTiles && joined != tiling && !DirectTiles.byPixels(d) && ShiftedPatches.applies(d)
                && d.ow() < ShiftedPatches.GRADIENT_MIN_WIDTH
                && ShiftedPatches.sliceSize(d, joined.tile(0)) <= COL_BUDGET;
    }

    static Tensor backwardInput(Tensor dy, Tensor w, Shape xShape, ConvParams p, Kernels k) {
        return backwardInput(dy, w, xShape, p, k, null);
    }

    static Tensor backwardInput(Tensor dy, Tensor w, Shape xShape, ConvParams p, Kernels k, Tensor into) {
        Shape ys = Convolution.checkGradient(dy, w.shape(), xShape, p);
        Padding pad = p.padding();
        ConvDims d0 = ConvDims.of(xShape, w.shape(), ys, p);
        float[] wd = w.data();
        float[] dyd = dy.data();
        if (DepthwiseConvolution.appliesBackward(d0)) {
            boolean materialise = materialisePadding(p);
            ConvDims d = materialise ? d0.onPadded(pad.paddedHeight(d0.h()), pad.paddedWidth(d0.w())) : d0;
            Tensor dx = materialise ? Tensor.zeros(d.n(), d.c(), d.h(), d.w()) : anyInto(xShape, into);
            DepthwiseConvolution.backwardInput(k, d, dyd, wd, dx.data()); // writes every element
            return materialise ? Pad.padBackward(dx, xShape, pad, p.padMode(), zerosInto(k, xShape, into)) : dx;
        }
        if (isDepthwise(d0)) {
            ConvDims d = d0.onPadded(pad.paddedHeight(d0.h()), pad.paddedWidth(d0.w()));
            Tensor dxp = pad.isZero() ? zerosInto(k, xShape, into) : Tensor.zeros(d.n(), d.c(), d.h(), d.w());
            float[] dxd = dxp.data();
            k.parallelFor(d.n() * d.groups(), t -> ConvolutionReference.backwardInputGroup(d, dyd, wd, dxd,
                    t / d.groups(), t % d.groups()));
            return pad.isZero() ? dxp : Pad.padBackward(dxp, xShape, pad, p.padMode(), zerosInto(k, xShape, into));
        }
        if (DirectConvolution.appliesBackward(d0, p)) {
            Tensor dx = anyInto(xShape, into); // the direct planes write every element
            DirectConvolution.backwardInput(k, d0, dyd, wd, dx.data());
            return dx;
        }
        boolean materialise = materialisePadding(p);
        ConvDims d = materialise ? d0.onPadded(pad.paddedHeight(d0.h()), pad.paddedWidth(d0.w())) : d0;
        if (Winograd.appliesBackward(d)) { // its transposed convolution by Winograd: every element written
            Tensor dx = materialise ? Tensor.zeros(d.n(), d.c(), d.h(), d.w()) : anyInto(xShape, into);
            Winograd.backwardInput(k, d, dyd, wd, dx.data());
            return materialise ? Pad.padBackward(dx, xShape, pad, p.padMode(), zerosInto(k, xShape, into)) : dx;
        }
        if (shiftedInputGradient && shiftsBack(k, d)) {
            // the forward pass of the transposed convolution: no column buffer, no col2im; it writes every element
            Tensor dx = materialise ? Tensor.zeros(d.n(), d.c(), d.h(), d.w()) : anyInto(xShape, into);
            ConvDims back = backward(d);
            if (takesDirectTiles(k, back) && DirectTiles.flipWhilePacking) { // flipped straight into the direct packing
                gemmForward(k, back, dyd, null, null, dx.data(), null, null, DirectTiles.packedFlipped(k, d, back, wd));
            } else {
                gemmForward(k, back, dyd, flipped(k, d, wd, SCRATCH.get().flipped(wd.length)), null, dx.data(), null,
                        null);
            }
            return materialise ? Pad.padBackward(dx, xShape, pad, p.padMode(), zerosInto(k, xShape, into)) : dx;
        }
        // a stride-1 convolution of dy per phase of dx through the direct tiles: every element written
        if (DirectTiles.suits(k) && StridedInputGradient.applies(d)) {
            Tensor dx = materialise ? Tensor.zeros(d.n(), d.c(), d.h(), d.w()) : anyInto(xShape, into);
            StridedInputGradient.backwardInput(k, d, dyd, wd, dx.data());
            return materialise ? Pad.padBackward(dx, xShape, pad, p.padMode(), zerosInto(k, xShape, into)) : dx;
        }
        // col2im adds into dx; a pointwise convolution's GEMMs (beta 0) or plane copies write every element
        Tensor dx = materialise ? Tensor.zeros(d.n(), d.c(), d.h(), d.w())
                : isPointwise(d) ? anyInto(xShape, into) : zerosInto(k, xShape, into);
        float[] dxd = dx.data();
        Tiling tiling = Tiling.of(d);
        // Neighbouring row tiles of one sample add into overlapping input rows, so a task is a whole sample
        // (or a whole group of samples): all of its row tiles in turn.
        boolean parallel = taskParallel(k, tiling.sampleGroups(), tiling.macs(d));
        // W^T per group, packed once per call
        PreparedMatrix[] weightsT = tiling.sampleGroups() * tiling.rowTiles() > 1 && (parallel || preparedInTurn)
                ? prepare(k, d, true, wd) : null;
        run(k, parallel, tiling.sampleGroups(), group -> {
            for (int rt = 0; rt < tiling.rowTiles(); rt++) {
                backwardInputTile(k, !parallel && k.threads() > 1, d, dyd, wd, weightsT, dxd,
                        tiling.tile(group * tiling.rowTiles() + rt));
            }
        });
        return materialise ? Pad.padBackward(dx, xShape, pad, p.padMode(), zerosInto(k, xShape, into)) : dx;
    }

    /**
     * The data gradient of a stride-1 convolution as the forward pass of another one ({@link #backward}) when its
     * padding is at most the kernel's reach (so the other one's is not negative): its tiles then read shifted
     * patches of dy ({@link ShiftedPatches}) instead of writing a column buffer and adding it back with col2im. Each
     * input gradient is then one GEMM sum over (filter, tap) where it was a GEMM sum over filters per tap, the taps
     * added after: not the column buffer's bits (FastConvolutionTest holds both to the reference's tolerance), but the
     * same bits on any thread count. {@code -Dconvnet4j.conv.shiftedInputGradient=false} restores col2im (A/B runs).
     */
    static volatile boolean shiftedInputGradient =
            !"false".equals(System.getProperty("convnet4j.conv.shiftedInputGradient"));

    private static boolean shiftsBack(Kernels k, ConvDims d) {
        boolean reach = d.sh() == 1 && d.sw() == 1 && d.padTop() <= (d.kh() - 1) * d.dh()
                && d.padLeft() <= (d.kw() - 1) * d.dw();
        return reach && (ShiftedPatches.appliesToGradients(d) || directNarrowInputGradient && shiftedPatches
                && !packedPatches && d.w() >= DIRECT_GRADIENT_MIN_WIDTH && ShiftedPatches.applies(d)
                && DirectTiles.suits(k) && DirectTiles.applies(backward(d)));
    }

    /**
     * Whether the data gradient of a layer with rows narrower than {@link ShiftedPatches#GRADIENT_MIN_WIDTH} (but at
     * least {@link #DIRECT_GRADIENT_MIN_WIDTH}) is the transposed convolution too when that one takes the direct tiles:
     * the narrow-row rule was measured on the slice's GEMM, which packs nine times the B rows of col2im's GEMM; the
     * direct tiles pack no B panel. ResNet-50's 3x3 256 on 14x14 at batch 8, one thread's CPU (bench/ConvPassesCpu.java,
     * AMD EPYC, loaded): col2im / direct 1.087; on 7x7 0.903 (the direct data gradient 34.8 ms against the same
     * layer's forward 27.8: likely the flip of its 2.4 M weights per call, which the forward pass does not do).
     * {@code -Dconvnet4j.conv.directNarrowInputGradient=false}: col2im below 28 (A/B runs).
     */
    static volatile boolean directNarrowInputGradient =
            !"false".equals(System.getProperty("convnet4j.conv.directNarrowInputGradient"));

    /**
     * Narrowest input rows (the transposed convolution's output rows) of {@link #directNarrowInputGradient}
     * ({@code -Dconvnet4j.conv.directGradientMinWidth}, for A/B runs).
     */
    static final int DIRECT_GRADIENT_MIN_WIDTH = Integer.getInteger("convnet4j.conv.directGradientMinWidth", 14);

    /**
     * dx of a stride-1 convolution d is the convolution of dy with the filters flipped and their channel roles
     * swapped ({@link #flipped}), dy padded by the kernel's reach less d's padding: its dims (input dy, output dx).
     */
    static ConvDims backward(ConvDims d) {
        return new ConvDims(d.n(), d.f(), d.oh(), d.ow(), d.c(), d.kh(), d.kw(), d.h(), d.w(), d.groups(), 1, 1,
                d.dh(), d.dw(), (d.kh() - 1) * d.dh() - d.padTop(), (d.kw() - 1) * d.dw() - d.padLeft());
    }

    /**
     * w' [C, F/groups, KH, KW] of {@link #backward}: w'[g*cg + ci][fo][i][j] = w[g*fg + fo][ci][KH-1-i][KW-1-j]; the
     * filters shared out over the kernels' threads when large ({@link DirectTiles#parallelPacking}: a copy, the same
     * floats on any split; ResNet-50's 7x7 layers flip 2.4 M floats per training step's call).
     */
    static float[] flipped(Kernels k, ConvDims d, float[] wd, float[] out) {
        int filters = d.groups() * d.fg();
        int perFilter = d.cg() * d.kh() * d.kw();
        int tasks = DirectTiles.parallelPacking ? (int) Math.min(filters, (long) filters * perFilter
                / DirectTiles.PACK_TASK) : 1;
        if (tasks < 2) {
            flipFilters(d, wd, out, 0, filters);
        } else {
            k.parallelFor(tasks, t -> flipFilters(d, wd, out, (int) ((long) filters * t / tasks),
                    (int) ((long) filters * (t + 1) / tasks)));
        }
        return out;
    }

    /** Filters [f0, f1) (all groups', in order) of {@link #flipped}. */
    private static void flipFilters(ConvDims d, float[] wd, float[] out, int f0, int f1) {
        int taps = d.kh() * d.kw();
        for (int f = f0; f < f1; f++) {
            int g = f / d.fg();
            int fo = f % d.fg();
            for (int ci = 0; ci < d.cg(); ci++) {
                int src = (f * d.cg() + ci) * taps;
                int dst = ((g * d.cg() + ci) * d.fg() + fo) * taps;
                for (int t = 0; t < taps; t++) {
                    out[dst + t] = wd[src + taps - 1 - t];
                }
            }
        }
    }

    static void backwardWeights(Tensor x, Tensor dy, Tensor dw, Tensor dbias, ConvParams p, Kernels k) {
        Shape ys = Convolution.checkGradient(dy, dw.shape(), x.shape(), p);
        Convolution.requireBias("conv2d backward", dbias, dw);
        ConvDims d0 = ConvDims.of(x.shape(), dw.shape(), ys, p);
        float[] dyd = dy.data();
        float[] dwd = dw.data();
        if (DepthwiseConvolution.appliesBackward(d0)) {
            Tensor xs = materialisePadding(p) ? Pad.pad(x, p.padding(), p.padMode()) : x;
            ConvDims d = xs == x ? d0 : d0.onPadded(xs.dim(2), xs.dim(3));
            DepthwiseConvolution.weightGradient(k, d, xs.data(), dyd, dwd);
        } else if (isDepthwise(d0)) {
            Tensor xp = ConvolutionReference.padded(x, p);
            ConvDims d = d0.onPadded(xp.dim(2), xp.dim(3));
            float[] xd = xp.data();
            k.parallelFor(d.f(), fo -> ConvolutionReference.backwardWeightsFilter(d, xd, dyd, dwd, fo));
        } else if (DirectConvolution.applies(d0, p)) {
            // the bias gradient's filters join the weight gradient's parallel call (one hand-off, not two)
            float[] db = dbias == null ? null : dbias.data();
            DirectConvolution.weightGradient(k, d0, x.data(), dyd, dwd, db == null ? 0 : d0.f(),
                    fo -> biasGradient(k, d0, dyd, db, fo));
            return;
        } else {
            Tensor xs = materialisePadding(p) ? Pad.pad(x, p.padding(), p.padMode()) : x;
            ConvDims d = xs == x ? d0 : d0.onPadded(xs.dim(2), xs.dim(3));
            if (Winograd.appliesWeightGradient(d)) {
                Winograd.weightGradient(k, d, Winograd.weightTile(d), xs.data(), dyd, dwd);
            } else {
                weightGradient(k, d, xs.data(), dyd, dwd);
            }
        }
        if (dbias != null) {
            float[] db = dbias.data();
            k.parallelFor(d0.f(), fo -> biasGradient(k, d0, dyd, db, fo));
        }
    }

    /**
     * db[fo] += the sum of dy over filter fo's planes: each plane by the kernels' wide sum (float lanes in blocks,
     * blocks in double), planes in batch order in double. The reference's one chain of dependent double additions
     * (LeNet's conv1: 50,176 per filter, 300 K per step) costs about 0.1 ms on add latency alone, a few percent of
     * a LeNet step; the wide sum runs a vector of independent lanes.
     */
    private static void biasGradient(Kernels k, ConvDims d, float[] dyd, float[] db, int fo) {
        int outPlane = d.outPlane();
        double acc = 0;
        for (int b = 0; b < d.n(); b++) {
            acc += k.sumWide(outPlane, dyd, (b * d.f() + fo) * outPlane);
        }
        db[fo] += (float) acc;
    }

    /** dW += sum over the batch, via per-chunk partial sums added in chunk order. */
    private static void weightGradient(Kernels k, ConvDims d, float[] xd, float[] dyd, float[] dwd) {
        int size = d.f() * d.patch();
        int parts = partials(d);
        float[] partial = SCRATCH.get().partials(parts * size);
        Tiling tiling = Tiling.of(d);
        boolean parallel = taskParallel(k, parts, tiling.macs(d));
        boolean threadedGemm = !parallel && k.threads() > 1;
        boolean byTaps = DirectWeightGradient.applies(k, d); // partials of dW^T
        boolean byRowDots = PointwiseWeightGradient.applies(k, d);
        run(k, parallel, parts, part -> {
            int b0 = (int) ((long) d.n() * part / parts);
            int b1 = (int) ((long) d.n() * (part + 1) / parts);
            if (byRowDots) {
                PointwiseWeightGradient.chunk(k, threadedGemm, d, xd, dyd, partial, part * size, b0, b1);
                return;
            }
            boolean first = true;
            for (Tile tile : tiling.within(b0, b1)) {
                if (byTaps) {
                    DirectWeightGradient.tile(k, threadedGemm, d, xd, dyd, partial, part * size, tile, first);
                } else {
                    weightGradientTile(k, threadedGemm, d, xd, dyd, partial, part * size, tile, first);
                }
                first = false;
            }
        });
        if (byTaps) {
            // filters in disjoint ranges, each element summed in chunk order: the same bits on any thread count
            int tasks = parallelReduce && k.threads() > 1 && size >= REDUCE_PARALLEL
                    ? Math.min(d.f(), ceilDiv(size, REDUCE_BLOCK)) : 1;
            run(k, tasks > 1, tasks, t -> DirectWeightGradient.addTransposed(d, partial, parts, dwd,
                    (int) ((long) d.f() * t / tasks), (int) ((long) d.f() * (t + 1) / tasks)));
        } else if (parallelReduce && k.threads() > 1 && size >= REDUCE_PARALLEL) {
            // disjoint element ranges, each element summed in chunk order as below: the same bits on any thread count
            int blocks = ceilDiv(size, REDUCE_BLOCK);
            k.parallelFor(blocks, blk -> addPartials(k, partial, parts, size, dwd, blk * REDUCE_BLOCK,
                    Math.min(size, (blk + 1) * REDUCE_BLOCK)));
        } else {
            addPartials(k, partial, parts, size, dwd, 0, size);
        }
    }

    /** Switch for A/B runs ({@code FlagAB}): false adds the partials on the calling thread alone (same bits). */
    static volatile boolean parallelReduce = true;

    /** Weight gradients from this many elements add their partials on all threads (ResNet-50: 4 K to 2.4 M). */
    static final int REDUCE_PARALLEL = 64 * 1024;
    private static final int REDUCE_BLOCK = 16 * 1024;

    /**
     * dw[i] += the partials' sum for i in [from, to), chunks in order, in double: the scalar loop below, or with
     * {@code -Dconvnet4j.conv.vectorPartials=true} {@link Kernels#addPartials} (on vectors with the vector kernels, the
     * same bits). Warm, the vector route allocates nothing more (5 MB per W6 step either way: the ~150 MB once seen
     * with it on were VectorGemm.mergeTile's boxed vectors, fixed there) and uses ~6% less CPU per W6 step (paired,
     * load 40); it stays off because before C2 compiles it, it boxes its vectors: ~0.5 GB more garbage in the first
     * ResNet-50 step, and with the JVM's default collector a peak RSS of 2.28 GB against 1.71 (docs/PERFORMANCE.md,
     * session 12).
     */
    private static void addPartials(Kernels k, float[] partial, int parts, int size, float[] dwd, int from, int to) {
        if (vectorPartials) {
            k.addPartials(to - from, parts, partial, from, size, dwd, from);
            return;
        }
        if (parts == 4 && fourPartialsWritten) {
            // the loop below with its inner loop written out: the same additions in the same order (0 + the first
            // included: it turns a -0 sum into +0 as the loop does), as one straight body the JIT unrolls over i
            for (int i = from; i < to; i++) {
                dwd[i] += (float) ((((0.0 + partial[i]) + partial[size + i]) + partial[2 * size + i])
                        + partial[3 * size + i]);
            }
            return;
        }
        for (int i = from; i < to; i++) {
            double s = 0;
            for (int part = 0; part < parts; part++) {
                s += partial[part * size + i];
            }
            dwd[i] += (float) s;
        }
    }

    /**
     * Four partials (most weight gradients of ResNet-50 at batch 8) summed by one written-out expression per element
     * rather than an inner loop of four trips, whose loop control C2 keeps per element; the same bits.
     * {@code -Dconvnet4j.conv.fourPartialsWritten=false}: the loop (A/B runs).
     */
    static volatile boolean fourPartialsWritten =
            !"false".equals(System.getProperty("convnet4j.conv.fourPartialsWritten"));

    /** Switch for A/B runs ({@code FlagAB}): true adds the partials with {@link Kernels#addPartials} (same bits). */
    static volatile boolean vectorPartials = "true".equals(System.getProperty("convnet4j.conv.vectorPartials"));

    /**
     * How many batch chunks the weight gradient is summed in: up to {@link #MAX_PARTIALS}, no more than the
     * batch, within {@link #PARTIAL_BUDGET}. A function of the shapes only, never of the thread count, so
     * the summation order (and hence every bit of the result) is the same on any machine.
     */
    static int partials(ConvDims d) {
        long size = (long) d.f() * d.patch();
        return (int) Math.max(1, Math.min(Math.min(d.n(), MAX_PARTIALS), PARTIAL_BUDGET / size));
    }

    private static void forwardTile(Kernels k, boolean threadedGemm, ConvDims d, float[] xd, float[] wd,
                                    PreparedMatrix[] weights, PreparedMatrix[] weightsRight, float[][] directWeights,
                                    float[] bias, float[] yd, Tile tile, ConvEpilogue epilogue) {
        int t = tile.cols();
        int kk = d.patch();
        boolean pointwise = isPointwise(d);
        boolean direct = tile.nb() == 1;
        // A narrow tile (one sample's 7x7 plane: T = 49) against many filters is computed transposed.
        boolean transposed = direct && directWeights == null && k.fillsBetterTransposed(d.fg(), t);
        if (shiftedPatches && !transposed && !packedPatches && ShiftedPatches.applies(d)) {
            shiftedTile(k, threadedGemm, d, xd, wd, weights, directWeights, bias, yd, tile, epilogue);
            return;
        }
        Scratch scratch = SCRATCH.get();
        float[] col = pointwise && direct ? null : scratch.col(kk * t);
        // One sample: the GEMM writes straight into y's rows; several: into a [fg x T] buffer, scattered after.
        float[] out = direct ? yd : scratch.rows(d.fg() * t);
        int ldc = direct ? d.outPlane() : t;
        // The patches straight into the GEMM's packed layout, where its product reads them so (one copy, not two)
        PanelLayout panels = packedPatches && direct && !pointwise && !transposed ? k.patchPanels(d.fg(), kk, t) : null;
        for (int g = 0; g < d.groups(); g++) {
            int cOff = direct ? (tile.b0() * d.f() + g * d.fg()) * d.outPlane() + tile.r0() * d.ow() : 0;
            if (panels != null) {
                packedTileProduct(k, threadedGemm, d, xd, wd, bias, g, tile, panels, scratch, out, cOff, ldc);
            } else {
                float[] src = threadedGemm && direct && !pointwise && parallelIm2col
                        && (long) kk * t >= IM2COL_PARALLEL
                        ? patchesOnAllThreads(k, d, xd, tile, g, col) : patches(d, pointwise, xd, tile, g, col);
                int srcOff = src == xd ? (tile.b0() * d.c() + g * d.cg()) * d.inPlane() + tile.r0() * d.ow() : 0;
                int ld = src == xd ? d.inPlane() : t;
                if (transposed) {
                    float[] ct = scratch.rows(t * d.fg());
                    transposedProduct(k, threadedGemm, d, wd, weightsRight == null ? null : weightsRight[g], bias, g,
                            src, srcOff, ld, t, ct);
                    if (threadedGemm && parallelTileRows && (long) d.fg() * t >= EPILOGUE_PARALLEL) {
                        // the tile's GEMM ran on every thread: so do its copy back and its epilogue, in one call
                        int g0 = g * d.fg();
                        int fg = d.fg();
                        forFilterBlocks(k, fg, (f0, f1) -> {
                            copyBack(ct, fg, t, f0, f1, out, cOff, ldc);
                            if (epilogue != null) {
                                for (int fo = f0; fo < f1; fo++) {
                                    epilogue.apply(k, out, cOff + fo * ldc, t, g0 + fo);
                                }
                            }
                        });
                        continue;
                    }
                    copyBack(ct, d.fg(), t, 0, d.fg(), out, cOff, ldc);
                } else if (directWeights != null) { // a pointwise tile: x (or its joined planes) read where it lies
                    DirectTiles.pointwise(k, threadedGemm, d, directWeights[g], src, srcOff, ld, t, bias, g, out, cOff,
                            ldc);
                } else {
                    tileProduct(k, threadedGemm, d, wd, weights, bias, g, src, srcOff, ld, t, out, cOff, ldc);
                }
            }
            // A residual is indexed by the output's positions: a tile of joined samples gets it after the scatter.
            boolean onRows = epilogue != null && (direct || epilogue.residual() == null);
            if (onRows) { // while the tile is still in cache
                int fg = d.fg();
                int g0 = g * fg;
                int c0 = cOff;
                if (threadedGemm && (long) fg * t >= EPILOGUE_PARALLEL) {
                    // the tile's GEMM ran on every thread: so does its epilogue (channels are independent)
                    if (parallelTileRows) {
                        forFilterBlocks(k, fg, (f0, f1) -> {
                            for (int fo = f0; fo < f1; fo++) {
                                epilogue.apply(k, out, c0 + fo * ldc, t, g0 + fo);
                            }
                        });
                    } else {
                        k.parallelFor(fg, fo -> epilogue.apply(k, out, c0 + fo * ldc, t, g0 + fo));
                    }
                } else {
                    for (int fo = 0; fo < fg; fo++) {
                        epilogue.apply(k, out, c0 + fo * ldc, t, g0 + fo);
                    }
                }
            }
            if (!direct) {
                scatterPlanes(out, t, yd, d.f(), g * d.fg(), d.fg(), d.outPlane(), tile);
                if (epilogue != null && !onRows) {
                    int g0 = g * d.fg();
                    if (threadedGemm && (long) d.fg() * t >= EPILOGUE_PARALLEL) {
                        k.parallelFor(d.fg(), fo -> epilogueOnTile(k, epilogue, d, yd, tile, g0 + fo, 0, d.outPlane()));
                    } else {
                        for (int fo = 0; fo < d.fg(); fo++) {
                            epilogueOnTile(k, epilogue, d, yd, tile, g0 + fo, 0, d.outPlane());
                        }
                    }
                }
            }
        }
    }

    /**
     * Stride-1 tiles read their patches from a padded slice of the input ({@link ShiftedPatches}) instead of im2col's
     * column buffer: the same bits. {@code -Dconvnet4j.conv.shiftedPatches=false} builds the column buffer again (for
     * A/B runs).
     */
    static volatile boolean shiftedPatches = !"false".equals(System.getProperty("convnet4j.conv.shiftedPatches"));

    /**
     * {@link #forwardTile} of a stride-1 tile through {@link ShiftedPatches}: per group, the slice, then
     * {@code out [fg x T'] = bias + W_g · patches} (T' columns, dropped ones included) on the prepared weights when
     * there are, the kept columns copied into y and the epilogue run on them there. With {@code direct} weights the
     * product is a direct convolution on the slice ({@link DirectTiles}): by columns as the GEMM's, or by pixels
     * ({@code out [T x fg]}, the tile's output pixels only), transposed into y.
     */
    private static void shiftedTile(Kernels k, boolean threadedGemm, ConvDims d, float[] xd, float[] wd,
                                    PreparedMatrix[] weights, float[][] direct, float[] bias, float[] yd, Tile tile,
                                    ConvEpilogue epilogue) {
        Scratch scratch = SCRATCH.get();
        int kk = d.patch();
        int fg = d.fg();
        int cols = ShiftedPatches.columns(d, tile);
        boolean byPixels = direct != null && DirectTiles.byPixels(d);
        // direct column tiles run to a whole vector (16 floats): a few more dropped columns, read past the slice's end
        int ld = direct != null && !byPixels ? DirectTiles.paddedColumns(cols) : cols;
        float[] slice = scratch.col(ShiftedPatches.sliceSize(d, tile) + ld - cols);
        float[] out = scratch.rows(fg * (byPixels ? tile.cols() : ld));
        int[] offsets = ShiftedPatches.offsets(d, tile, scratch.offsets(kk));
        int pixels = byPixels ? DirectTiles.positions(d, tile, scratch.positions(tile.cols())) : 0;
        int[] positions = byPixels ? scratch.positions(tile.cols()) : null;
        boolean rowsOnAll = threadedGemm && parallelTileRows && (long) fg * tile.cols() >= EPILOGUE_PARALLEL;
        for (int g = 0; g < d.groups(); g++) {
            int gg = g;
            int sliceSize = ShiftedPatches.sliceSize(d, tile);
            if (rowsOnAll && sliceSize >= (smallSlicesOnAllThreads ? IM2COL_TASK : IM2COL_PARALLEL)) {
                int tasks = Math.min(d.cg(), Math.max(smallSlicesOnAllThreads ? 2 : 1, sliceSize / IM2COL_TASK));
                k.parallelFor(tasks, task -> ShiftedPatches.fill(d, xd, tile, gg, slice,
                        (int) ((long) d.cg() * task / tasks), (int) ((long) d.cg() * (task + 1) / tasks)));
            } else {
                ShiftedPatches.fill(d, xd, tile, g, slice);
            }
            if (pixels > 0) {
                DirectTiles.pixelProduct(k, threadedGemm, d, direct[g], offsets, positions, pixels, slice, bias, g,
                        out);
            } else if (direct != null) {
                DirectTiles.product(k, threadedGemm, d, direct[g], offsets, slice, ld, bias, g, out);
            } else {
                gemmOnSlice(k, threadedGemm, d, wd, weights, bias, g, slice, offsets, cols, out);
            }
            int g0 = g * fg;
            int plane = d.outPlane();
            int run = tile.nb() == 1 ? tile.cols() : plane;
            int at = tile.nb() == 1 ? tile.r0() * d.ow() : 0;
            if (rowsOnAll) { // the copy into y and the epilogue of each block of filters, on every thread
                forFilterBlocks(k, fg, (f0, f1) -> {
                    if (byPixels) {
                        DirectTiles.scatterPixels(d, out, tile, gg, yd, f0, f1);
                    } else {
                        ShiftedPatches.scatter(d, out, ld, tile, gg, yd, f0, f1);
                    }
                    if (epilogue != null) {
                        for (int fo = f0; fo < f1; fo++) {
                            epilogueOnTile(k, epilogue, d, yd, tile, g0 + fo, at, run);
                        }
                    }
                });
                continue;
            }
            if (byPixels) {
                DirectTiles.scatterPixels(d, out, tile, g, yd, 0, fg);
            } else {
                ShiftedPatches.scatter(d, out, ld, tile, g, yd);
            }
            if (epilogue != null) { // on y, while the tile is still in cache
                if (threadedGemm && (long) fg * tile.cols() >= EPILOGUE_PARALLEL) {
                    k.parallelFor(fg, fo -> epilogueOnTile(k, epilogue, d, yd, tile, g0 + fo, at, run));
                } else {
                    for (int fo = 0; fo < fg; fo++) {
                        epilogueOnTile(k, epilogue, d, yd, tile, g0 + fo, at, run);
                    }
                }
            }
        }
    }

    /** {@code out [fg x cols] = bias + W_g · patches} of a shifted tile by the GEMM (on prepared weights if any). */
    private static void gemmOnSlice(Kernels k, boolean threadedGemm, ConvDims d, float[] wd, PreparedMatrix[] weights,
                                    float[] bias, int g, float[] slice, int[] offsets, int cols, float[] out) {
        int fg = d.fg();
        int kk = d.patch();
        float beta = fillBias(d, bias, g, out, 0, cols, cols);
        if (weights != null) {
            if (threadedGemm) {
                k.sgemmPreparedRowsThreaded(weights[g], false, cols, slice, 0, offsets, beta, out, 0, cols);
            } else {
                k.sgemmPreparedRows(weights[g], false, cols, slice, 0, offsets, beta, out, 0, cols);
            }
        } else if (threadedGemm) {
            k.sgemmRowsThreaded(false, false, fg, cols, kk, wd, g * fg * kk, kk, slice, 0, offsets, beta, out, 0,
                    cols);
        } else {
            k.sgemmRows(false, false, fg, cols, kk, wd, g * fg * kk, kk, slice, 0, offsets, beta, out, 0, cols);
        }
    }

    /** The epilogue of channel {@code fo} over the tile's outputs in y: a run per sample. */
    private static void epilogueOnTile(Kernels k, ConvEpilogue epilogue, ConvDims d, float[] yd, Tile tile, int fo,
                                       int at, int run) {
        for (int s = 0; s < tile.nb(); s++) {
            epilogue.apply(k, yd, ((tile.b0() + s) * d.f() + fo) * d.outPlane() + at, run, fo);
        }
    }

    /**
     * Whether some tile of the call multiplies the weights as the left operand (a one-sample tile computed
     * transposed has them as the right one): only then is a cache asked for packed weights.
     */
    private static boolean anyTileUsesPackedWeights(Kernels k, ConvDims d, Tiling tiling) {
        for (int t = 0; t < tiling.tasks(); t++) {
            Tile tile = tiling.tile(t);
            if (tile.nb() != 1 || !k.fillsBetterTransposed(d.fg(), tile.cols())) {
                return true;
            }
        }
        return false;
    }

    /** Whether every tile of the call writes its patches in the packed layout ({@link #packedTileProduct}). */
    private static boolean everyTilePacksPatches(Kernels k, ConvDims d, Tiling tiling) {
        if (!packedPatches || isPointwise(d)) {
            return false;
        }
        for (int t = 0; t < tiling.tasks(); t++) {
            Tile tile = tiling.tile(t);
            if (tile.nb() != 1 || k.fillsBetterTransposed(d.fg(), tile.cols())
                    || k.patchPanels(d.fg(), d.patch(), tile.cols()) == null) {
                return false;
            }
        }
        return true;
    }

    /** Whether some tile of the call is a one-sample tile computed transposed (weights as the right operand). */
    private static boolean anyTileTransposed(Kernels k, ConvDims d, Tiling tiling) {
        for (int t = 0; t < tiling.tasks(); t++) {
            Tile tile = tiling.tile(t);
            if (tile.nb() == 1 && k.fillsBetterTransposed(d.fg(), tile.cols())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a one-sample pointwise layer on the GEMM whose tiles would run in turn with threaded GEMMs runs as parallel
     * row tiles instead ({@link #rowTiles}). <b>Off by default</b> ({@code -Dconvnet4j.conv.pointwiseRowTiles=true}
     * turns it on; a field for A/B runs): it removes 31 of a ResNet-50 b1 predict's 139 hand-offs, but by the span
     * accounting on a loaded machine it did not shorten the pass (span 0.991..1.011 of the old split, either way inside
     * the noise), and a hand-off's latency shows only on the clock of a quiet one (docs/PERFORMANCE.md, session 21,
     * the threads engineer). {@link #pixelBands} (on) cuts these layers so too, and runs their tiles in blocks.
     */
    static volatile boolean pointwiseRowTiles = Boolean.getBoolean("convnet4j.conv.pointwiseRowTiles");

    /**
     * Whether a one-sample forward pass cuts its output into bands of rows, one block of bands per thread, the same cut in
     * every layer whose rows allow it (on; {@code -Dconvnet4j.conv.pixelBands=false} turns it off, a field for A/B
     * runs). Its row tiles in parallel (1x1 layers on the GEMM: {@link #rowTiles}; the direct tiles were
     * parallel row tiles already) run in blocks ({@link Kernels#parallelForInBlocks}): the caller the top half of the
     * plane, the worker the bottom half, in every such layer, so that a layer reads what the same thread wrote in the
     * layer before (a 1x1 layer exactly its band, a 3x3 one a row more, a strided one the matching band) instead of half
     * of it from the other core: on the AMD guest, data the other vCPU has just written is read 2.6x slower when the host
     * puts the two vCPUs on cores that share no last-level cache (docs/PERFORMANCE.md, session 20, the JIT engineer).
     * The weights are read by both threads, so only where the activations outweigh them: planes that keep
     * {@link #MIN_COLS} columns per tile (ResNet-50's 112x112, 56x56 and 28x28 layers; the 14x14 and 7x7 ones keep
     * their split by filters). ResNet-50 at batch 1, the two threads pinned to the two vCPUs, on against off in one JVM
     * (AMD, loaded): 0.93 of the clock time per predict in the far placement, 0.99 in the near one (docs/PERFORMANCE.md,
     * session 22, the batch-1 threads engineer). A tile fixes no output's summation order: the same bits.
     */
    static volatile boolean pixelBands = !"false".equals(System.getProperty("convnet4j.conv.pixelBands"));

    /**
     * A one-sample 1x1 layer's rows as two tiles per thread, each tile a one-thread GEMM with its epilogue, instead of its
     * tiles in turn with threaded GEMMs: pointwise layers with {@link #pointwiseRowTiles} or {@link #pixelBands}, strided
     * ones (on im2col's buffer) with {@link #pixelBands}; null where that does not apply. A threaded GEMM costs a
     * hand-off to pack B's panels, one to multiply, one for the epilogue: ResNet-50's 1x1 64->256 layers on 56x56 at
     * batch 1 were two tiles (36 and 20 rows) of three hand-offs each, the second thread reading what the first wrote at
     * each. Only where each tile keeps at least {@link #MIN_COLS} columns (the 56x56 and 28x28 planes, not 14x14), where
     * a strided tile's column buffer fits {@link #COL_BUDGET} (a pointwise tile reads x where it lies), and not for tiles
     * computed transposed. Forward only: a tile fixes no output's summation order, so the same bits.
     */
    private static Tiling rowTiles(Kernels k, ConvDims d, Tiling tiling) {
        boolean pointwise = isPointwise(d);
        boolean applies = pointwise ? pointwiseRowTiles || pixelBands : pixelBands && d.kh() * d.kw() == 1;
        if (!applies || k.threads() < 2 || d.n() != 1 || tiling.perTile() != 1) {
            return null;
        }
        int tiles = 2 * k.threads();
        int rows = ceilDiv(d.oh(), tiles);
        if (ceilDiv(d.oh(), rows) < tiles || (long) rows * d.ow() < MIN_COLS
                || !pointwise && (long) d.patch() * rows * d.ow() > COL_BUDGET
                || k.fillsBetterTransposed(d.fg(), rows * d.ow())) {
            return null;
        }
        return new Tiling(d.n(), d.oh(), d.ow(), 1, rows, ceilDiv(d.oh(), rows));
    }

    /**
     * Forward row tiles re-cut so that parallel tasks share out evenly ({@link Tiling#balanced});
     * {@code -Dconvnet4j.conv.balancedTiles=false} keeps the tiles of the other passes (same bits; for A/B runs).
     */
    static volatile boolean balancedTiles = !"false".equals(System.getProperty("convnet4j.conv.balancedTiles"));

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} packs the right-operand weights of transposed tiles on every
     * call again, as before they were kept with the left-operand packing (same bits);
     * {@code -Dconvnet4j.conv.preparedRight=false}.
     */
    static volatile boolean preparedRight = !"false".equals(System.getProperty("convnet4j.conv.preparedRight"));

    /** Each group's W_g^T [K x fg] as a prepared right operand (stored W_g is fg x K: transB). */
    private static PreparedMatrix[] prepareRight(Kernels k, ConvDims d, float[] wd) {
        int kk = d.patch();
        PreparedMatrix[] out = new PreparedMatrix[d.groups()];
        for (int g = 0; g < d.groups(); g++) {
            out[g] = k.prepareB(true, kk, d.fg(), wd, g * d.fg() * kk, kk);
        }
        return out;
    }

    /**
     * Forward patches written straight into the packed layout the kernels' prepared-B product reads
     * ({@link Kernels#patchPanels}, {@link PackedPatches}) instead of im2col and the GEMM's own packing (same bits).
     * <b>Off by default</b>; {@code -Dconvnet4j.conv.packedPatches=true} turns it on (for A/B runs). Measured on one
     * thread (CPU time, ResNet-50's b8 layers, docs/PERFORMANCE.md "Thirteenth pass"), it costs more than the copy it
     * saves: 3x3 64 on 56x56 1.10x, 3x3 128 on 28x28 1.17x, the stem 0.99x. The packed layout cuts each patch row
     * into 48-wide panel pieces (the writer runs 1.7-1.9x longer than im2col's whole-row copies), the whole packed
     * tile (553 KB-1.1 MB) is read back from L2/L3 instead of one panel packed just before use, and the product
     * packs the weights per tile. Winning this copy back needs the GEMM to pack each B panel from the input right
     * before it uses it (an implicit GEMM: a panel source in VectorGemm's few-rows loop).
     */
    static volatile boolean packedPatches = "true".equals(System.getProperty("convnet4j.conv.packedPatches"));

    /**
     * {@link #tileProduct} of a one-sample tile with its patches written once, into {@code panels}' layout: the same
     * bias, the same products (the packed values are those the GEMM's packing of im2col would hold), the same bits.
     * The weights are packed by the product itself (a few-rows left operand, 37-147 K floats for ResNet-50's
     * 56x56 and 28x28 layers, against a patch matrix of 138-276 K).
     */
    private static void packedTileProduct(Kernels k, boolean threadedGemm, ConvDims d, float[] xd, float[] wd,
                                          float[] bias, int g, Tile tile, PanelLayout panels, Scratch scratch,
                                          float[] out, int cOff, int ldc) {
        int kk = d.patch();
        int t = tile.cols();
        float[] buf = scratch.col((int) panels.size(kk, t));
        if (threadedGemm && parallelIm2col && (long) kk * t >= IM2COL_PARALLEL) {
            int perChannel = d.kh() * d.kw() * t;
            int tasks = Math.min(d.cg(), Math.max(1, (int) ((long) d.cg() * perChannel / IM2COL_TASK)));
            k.parallelFor(tasks, task -> PackedPatches.write(d, xd, tile.b0(), g, tile.r0(), tile.r1(), panels, buf,
                    (int) ((long) d.cg() * task / tasks), (int) ((long) d.cg() * (task + 1) / tasks)));
        } else {
            PackedPatches.write(d, xd, tile.b0(), g, tile.r0(), tile.r1(), panels, buf, 0, d.cg());
        }
        float beta = fillBias(d, bias, g, out, cOff, ldc, t);
        PreparedMatrix patches = new PreparedMatrix(false, kk, t, 1f, buf, 0, t, buf);
        if (threadedGemm) {
            k.sgemmPreparedBThreaded(false, d.fg(), wd, g * d.fg() * kk, kk, patches, beta, out, cOff, ldc);
        } else {
            k.sgemmPreparedB(false, d.fg(), wd, g * d.fg() * kk, kk, patches, beta, out, cOff, ldc);
        }
    }

    /** Each output row of the tile set to its filter's bias: beta 1 for the product then, else 0 (nothing written). */
    private static float fillBias(ConvDims d, float[] bias, int g, float[] out, int cOff, int ldc, int t) {
        if (bias == null) {
            return 0f;
        }
        for (int fo = 0; fo < d.fg(); fo++) {
            int row = cOff + fo * ldc;
            java.util.Arrays.fill(out, row, row + t, bias[g * d.fg() + fo]);
        }
        return 1f;
    }

    /** out[fg x T] (rows ldc apart) = bias + W_g · patches. */
    private static void tileProduct(Kernels k, boolean threadedGemm, ConvDims d, float[] wd, PreparedMatrix[] weights,
                                    float[] bias, int g, float[] src, int srcOff, int ld, int t, float[] out,
                                    int cOff, int ldc) {
        int kk = d.patch();
        float beta = fillBias(d, bias, g, out, cOff, ldc, t);
        if (weights != null) {
            preparedGemm(k, threadedGemm, weights[g], t, src, srcOff, ld, beta, out, cOff, ldc);
        } else {
            gemm(k, threadedGemm, false, false, d.fg(), t, kk, wd, g * d.fg() * kk, kk, src, srcOff, ld,
                    beta, out, cOff, ldc);
        }
    }

    /**
     * As {@link #tileProduct}, computed as its transpose {@code C^T [T x fg] = patches^T · W_g^T} in {@code ct}
     * ({@link #copyBack} copies it back: bias first, then the products, as there). Whether a shape is computed
     * transposed depends only on the shapes, so results stay independent of the thread count.
     */
    private static void transposedProduct(Kernels k, boolean threadedGemm, ConvDims d, float[] wd,
                                          PreparedMatrix right, float[] bias, int g, float[] src, int srcOff, int ld,
                                          int t, float[] ct) {
        int kk = d.patch();
        int fg = d.fg();
        float beta = 0f;
        if (bias != null) {
            for (int j = 0; j < t; j++) {
                System.arraycopy(bias, g * fg, ct, j * fg, fg);
            }
            beta = 1f;
        }
        if (right != null) { // W_g^T packed once (kept between calls): the same products, the same bits
            if (threadedGemm) {
                k.sgemmPreparedBThreaded(true, t, src, srcOff, ld, right, beta, ct, 0, fg);
            } else {
                k.sgemmPreparedB(true, t, src, srcOff, ld, right, beta, ct, 0, fg);
            }
        } else {
            gemm(k, threadedGemm, true, true, t, fg, kk, src, srcOff, ld, wd, g * fg * kk, kk, beta, ct, 0, fg);
        }
    }

    /** Filters [f0, f1) of a transposed tile ({@code ct}, T x fg) into their rows of {@code out} (ldc apart). */
    private static void copyBack(float[] ct, int fg, int t, int f0, int f1, float[] out, int cOff, int ldc) {
        for (int fo = f0; fo < f1; fo++) {
            int row = cOff + fo * ldc;
            for (int j = 0; j < t; j++) {
                out[row + j] = ct[j * fg + fo];
            }
        }
    }

    /** A range of filters [f0, f1) of one task of {@link #forFilterBlocks}. */
    private interface FilterRange {
        void run(int f0, int f1);
    }

    /** Filters per task when a threaded tile's rows are finished on every thread (a 64-byte line of a transposed tile). */
    private static final int FILTER_BLOCK = 16;

    /** Runs {@code body} over filters [0, fg) in blocks of {@link #FILTER_BLOCK}, one parallel call. */
    private static void forFilterBlocks(Kernels k, int fg, FilterRange body) {
        int tasks = ceilDiv(fg, FILTER_BLOCK);
        k.parallelFor(tasks, task -> body.run(task * FILTER_BLOCK, Math.min(fg, (task + 1) * FILTER_BLOCK)));
    }

    /**
     * Whether a tile whose GEMM ran threaded also finishes its rows on every thread: the copy of a transposed tile back
     * into y, the shifted patches' slice and the copy of its kept columns into y, each with the epilogue in the same
     * parallel call (before, those copies ran on the caller alone while the second thread waited: ResNet-50's 7x7 and
     * 14x14 layers at batch 1). The same values in the same places, the same bits; {@code
     * -Dconvnet4j.conv.parallelTileRows=false} runs the copies on the caller again (for A/B runs).
     */
    static volatile boolean parallelTileRows = !"false".equals(System.getProperty("convnet4j.conv.parallelTileRows"));

    /**
     * The K x T patch matrix of a tile, group g. A one-sample pointwise tile is the input itself (no copy; rows
     * of length inPlane), otherwise it is built in {@code col} (rows of length T): im2col, or for a pointwise
     * convolution over several samples a copy of their input planes side by side.
     */
    private static float[] patches(ConvDims d, boolean pointwise, float[] xd, Tile tile, int g, float[] col) {
        if (pointwise && tile.nb() == 1) {
            return xd;
        }
        int t = tile.cols();
        for (int s = 0; s < tile.nb(); s++) {
            int b = tile.b0() + s;
            if (pointwise) {
                for (int ci = 0; ci < d.cg(); ci++) {
                    System.arraycopy(xd, (b * d.c() + g * d.cg() + ci) * d.inPlane(), col, ci * t + s * d.outPlane(),
                            d.outPlane());
                }
            } else {
                im2col(d, xd, b, g, tile.r0(), tile.r1(), col, s * d.outPlane(), t);
            }
        }
        return col;
    }

    /**
     * {@link #patches} of a one-sample tile, its channels shared out over the kernels' threads: the tile's GEMM runs on
     * every thread, but its im2col ran on the caller alone (ResNet-50's 14x14 and 7x7 3x3 layers at batch 1 are one
     * tile each: 450 K and 225 K values copied while the second core waited). The same values in the same places.
     */
    private static float[] patchesOnAllThreads(Kernels k, ConvDims d, float[] xd, Tile tile, int g, float[] col) {
        int t = tile.cols();
        int perChannel = d.kh() * d.kw() * t;
        int tasks = Math.min(d.cg(), Math.max(1, (int) ((long) d.cg() * perChannel / IM2COL_TASK)));
        k.parallelFor(tasks, task -> {
            int c0 = (int) ((long) d.cg() * task / tasks);
            int c1 = (int) ((long) d.cg() * (task + 1) / tasks);
            im2col(d, xd, tile.b0(), g, tile.r0(), tile.r1(), col, 0, t, c0, c1);
        });
        return col;
    }

    /**
     * {@link #patches} (im2col) of a tile of one or several samples, each sample's channels shared out over the kernels'
     * threads: for the weight gradient's tiles that run in turn with threaded GEMMs (one partial sum: ResNet-50's last
     * strided 3x3 and 1x1 layers at batch 8), whose im2col ran on the caller alone (JFR: the largest part of what the
     * caller still did alone in a W6 step after the weight packing). The same values in the same places.
     */
    private static float[] samplePatchesOnAllThreads(Kernels k, ConvDims d, float[] xd, Tile tile, int g, float[] col) {
        int t = tile.cols();
        int perChannel = d.kh() * d.kw() * (tile.r1() - tile.r0()) * d.ow();
        int perSample = Math.min(d.cg(), Math.max(1, (int) ((long) d.cg() * perChannel / IM2COL_TASK)));
        k.parallelFor(tile.nb() * perSample, task -> {
            int s = task / perSample;
            int part = task % perSample;
            int c0 = (int) ((long) d.cg() * part / perSample);
            int c1 = (int) ((long) d.cg() * (part + 1) / perSample);
            im2col(d, xd, tile.b0() + s, g, tile.r0(), tile.r1(), col, s * d.outPlane(), t, c0, c1);
        });
        return col;
    }

    /**
     * The weight gradient's im2col on every thread ({@link #samplePatchesOnAllThreads});
     * {@code -Dconvnet4j.conv.parallelGradientIm2col=false}: on the caller alone (same values; for A/B runs).
     */
    static volatile boolean parallelGradientIm2col =
            !"false".equals(System.getProperty("convnet4j.conv.parallelGradientIm2col"));

    /** Patch values of a one-sample tile from which its im2col runs on every thread when its GEMM does. */
    static final int IM2COL_PARALLEL = 64 * 1024;

    /**
     * Switch for A/B runs ({@code FlagAB}; {@code -Dconvnet4j.conv.smallSlicesOnAllThreads=false}): a threaded shifted
     * tile's slice of at least {@link #IM2COL_TASK} floats (not {@link #IM2COL_PARALLEL}) is filled on every thread,
     * in at least two tasks. ResNet-50's 14x14 3x3 layers at batch 1 have slices of 256 x 16 x 15 = 61,440 floats,
     * just under the old bound: filled on the caller alone while the second thread waited, 0.4 ms of serial CPU per
     * pass over the five calls (docs/PERFORMANCE.md, session 21, the threads engineer). A copy: the same floats.
     */
    static volatile boolean smallSlicesOnAllThreads =
            !"false".equals(System.getProperty("convnet4j.conv.smallSlicesOnAllThreads"));
    /** Patch values per im2col task. */
    static final int IM2COL_TASK = 32 * 1024;

    /**
     * im2col of a threaded tile on every thread ({@link #patchesOnAllThreads});
     * {@code -Dconvnet4j.conv.parallelIm2col=false}: on the caller alone (same values; for A/B runs).
     */
    static volatile boolean parallelIm2col = !"false".equals(System.getProperty("convnet4j.conv.parallelIm2col"));

    /**
     * Copies the rows of a several-sample tile buffer [rowsPerSample... x T] back into NCHW planes: row r of
     * the buffer, columns [s*plane, (s+1)*plane), is plane {@code first + r} of sample {@code b0 + s} in an
     * array with {@code channels} planes per sample.
     */
    private static void scatterPlanes(float[] buf, int t, float[] dst, int channels, int first, int count, int plane,
                                      Tile tile) {
        for (int s = 0; s < tile.nb(); s++) {
            for (int r = 0; r < count; r++) {
                System.arraycopy(buf, r * t + s * plane, dst, ((tile.b0() + s) * channels + first + r) * plane, plane);
            }
        }
    }

    /** The inverse of {@link #scatterPlanes}: gathers planes of several samples side by side into {@code buf}. */
    private static void gatherPlanes(float[] src, int channels, int first, int count, int plane, Tile tile,
                                     float[] buf, int t) {
        for (int s = 0; s < tile.nb(); s++) {
            for (int r = 0; r < count; r++) {
                System.arraycopy(src, ((tile.b0() + s) * channels + first + r) * plane, buf, r * t + s * plane, plane);
            }
        }
    }

    private static void backwardInputTile(Kernels k, boolean threadedGemm, ConvDims d, float[] dyd, float[] wd,
                                          PreparedMatrix[] weightsT, float[] dxd, Tile tile) {
        int t = tile.cols();
        int kk = d.patch();
        int ohw = d.outPlane();
        boolean pointwise = isPointwise(d);
        boolean direct = tile.nb() == 1;
        Scratch scratch = SCRATCH.get();
        float[] col = pointwise && direct ? null : scratch.col(kk * t);
        float[] dyRows = direct ? dyd : scratch.rows(d.fg() * t);
        int ldDy = direct ? ohw : t;
        for (int g = 0; g < d.groups(); g++) {
            int dyOff = direct ? (tile.b0() * d.f() + g * d.fg()) * ohw + tile.r0() * d.ow() : 0;
            if (!direct) {
                gatherPlanes(dyd, d.f(), g * d.fg(), d.fg(), ohw, tile, dyRows, t);
            }
            if (pointwise && direct) {
                int dxOff = (tile.b0() * d.c() + g * d.cg()) * d.inPlane() + tile.r0() * d.ow();
                if (weightsT != null) {
                    preparedGemm(k, threadedGemm, weightsT[g], t, dyRows, dyOff, ldDy, 0f, dxd, dxOff, d.inPlane());
                } else {
                    gemm(k, threadedGemm, true, false, d.cg(), t, d.fg(), wd, g * d.fg() * kk, kk, dyRows, dyOff,
                            ldDy, 0f, dxd, dxOff, d.inPlane());
                }
            } else {
                if (weightsT != null) {
                    preparedGemm(k, threadedGemm, weightsT[g], t, dyRows, dyOff, ldDy, 0f, col, 0, t);
                } else {
                    gemm(k, threadedGemm, true, false, kk, t, d.fg(), wd, g * d.fg() * kk, kk, dyRows, dyOff,
                            ldDy, 0f, col, 0, t);
                }
                if (pointwise) {
                    scatterPlanes(col, t, dxd, d.c(), g * d.cg(), d.cg(), d.inPlane(), tile);
                } else {
                    for (int s = 0; s < tile.nb(); s++) {
                        col2im(d, col, dxd, tile.b0() + s, g, tile.r0(), tile.r1(), s * ohw, t);
                    }
                }
            }
        }
    }

    /**
     * Stride-1 weight gradients read shifted patches of x ({@link ShiftedPatches}) instead of im2col's column buffer,
     * against dy gathered with zeros at the dropped columns: the products of the column buffer plus zero ones, so the
     * same sums up to the sign of a zero as long as a tile has at most the GEMM's slice depth of columns, and
     * within the reference's tolerance otherwise (the slices then cut the sums elsewhere); the same bits on any
     * thread count. {@code -Dconvnet4j.conv.shiftedWeightGradient=false} restores the column buffer (A/B runs).
     */
    static volatile boolean shiftedWeightGradient =
            !"false".equals(System.getProperty("convnet4j.conv.shiftedWeightGradient"));

    private static void weightGradientTile(Kernels k, boolean threadedGemm, ConvDims d, float[] xd, float[] dyd,
                                           float[] partial, int partialOff, Tile tile, boolean first) {
        if (shiftedWeightGradient && ShiftedPatches.appliesToGradients(d)) {
            Scratch scratch = SCRATCH.get();
            int kk = d.patch();
            int cols = ShiftedPatches.columns(d, tile);
            float[] slice = scratch.col(ShiftedPatches.sliceSize(d, tile));
            float[] dyRows = scratch.rows(d.fg() * cols);
            int[] offsets = ShiftedPatches.offsets(d, tile, scratch.offsets(kk));
            for (int g = 0; g < d.groups(); g++) {
                ShiftedPatches.fill(d, xd, tile, g, slice);
                ShiftedPatches.gather(d, dyd, tile, g, dyRows, cols);
                float beta = first ? 0f : 1f;
                int cOff = partialOff + g * d.fg() * kk;
                if (threadedGemm) {
                    k.sgemmRowsThreaded(false, true, d.fg(), kk, cols, dyRows, 0, cols, slice, 0, offsets, beta,
                            partial, cOff, kk);
                } else {
                    k.sgemmRows(false, true, d.fg(), kk, cols, dyRows, 0, cols, slice, 0, offsets, beta, partial, cOff,
                            kk);
                }
            }
            return;
        }
        int t = tile.cols();
        int kk = d.patch();
        int ohw = d.outPlane();
        boolean pointwise = isPointwise(d);
        boolean direct = tile.nb() == 1;
        Scratch scratch = SCRATCH.get();
        float[] col = pointwise && direct ? null : scratch.col(kk * t);
        float[] dyRows = direct ? dyd : scratch.rows(d.fg() * t);
        int ldDy = direct ? ohw : t;
        for (int g = 0; g < d.groups(); g++) {
            float[] src = threadedGemm && !pointwise && parallelGradientIm2col && (long) kk * t >= IM2COL_PARALLEL
                    ? samplePatchesOnAllThreads(k, d, xd, tile, g, col) : patches(d, pointwise, xd, tile, g, col);
            int srcOff = src == xd ? (tile.b0() * d.c() + g * d.cg()) * d.inPlane() + tile.r0() * d.ow() : 0;
            int ld = src == xd ? d.inPlane() : t;
            int dyOff = direct ? (tile.b0() * d.f() + g * d.fg()) * ohw + tile.r0() * d.ow() : 0;
            if (!direct) {
                gatherPlanes(dyd, d.f(), g * d.fg(), d.fg(), ohw, tile, dyRows, t);
            }
            gemm(k, threadedGemm, false, true, d.fg(), kk, t, dyRows, dyOff, ldDy, src, srcOff, ld,
                    first ? 0f : 1f, partial, partialOff + g * d.fg() * kk, kk);
        }
    }

    /**
     * Fills {@code col} [K x T] for output rows [r0, r1) of sample b, group g: row (ci, i, j) holds, for each
     * output pixel of the tile, the input pixel that tap (i, j) of channel ci sees, or 0 in the zero padding.
     * Row r starts at {@code col[start + r * ld]} (several samples' tiles sit side by side in one buffer).
     */
    static void im2col(ConvDims d, float[] xd, int b, int g, int r0, int r1, float[] col, int start, int ld) {
        im2col(d, xd, b, g, r0, r1, col, start, ld, 0, d.cg());
    }

    /** {@link #im2col} for the channels [c0, c1) of the group only: the rows of those channels' taps. */
    static void im2col(ConvDims d, float[] xd, int b, int g, int r0, int r1, float[] col, int start, int ld, int c0,
                       int c1) {
        int ow = d.ow();
        int h = d.h();
        int w = d.w();
        int sw = d.sw();
        int row = c0 * d.kh() * d.kw();
        for (int ci = c0; ci < c1; ci++) {
            int xBase = (b * d.c() + g * d.cg() + ci) * h * w;
            for (int i = 0; i < d.kh(); i++) {
                for (int j = 0; j < d.kw(); j++, row++) {
                    int colOff = j * d.dw() - d.padLeft();
                    int qlo = firstInside(colOff, sw, ow);
                    int qhi = Math.max(qlo, endInside(colOff, sw, ow, w));
                    int dst = start + row * ld;
                    for (int r = r0; r < r1; r++, dst += ow) {
                        int ih = r * d.sh() - d.padTop() + i * d.dh();
                        if (ih < 0 || ih >= h) {
                            java.util.Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        java.util.Arrays.fill(col, dst, dst + qlo, 0f);
                        int src = xBase + ih * w + colOff;
                        if (sw == 1) {
                            if (qhi > qlo) { // a tap wholly in the padding has an empty range (and src may lie past x)
                                System.arraycopy(xd, src + qlo, col, dst + qlo, qhi - qlo);
                            }
                        } else {
                            for (int q = qlo; q < qhi; q++) {
                                col[dst + q] = xd[src + q * sw];
                            }
                        }
                        java.util.Arrays.fill(col, dst + qhi, dst + ow, 0f);
                    }
                }
            }
        }
    }

    /** The transpose of {@link #im2col}: adds each column entry to the input pixel it came from. */
    static void col2im(ConvDims d, float[] col, float[] dxd, int b, int g, int r0, int r1, int start, int ld) {
        int ow = d.ow();
        int h = d.h();
        int w = d.w();
        int sw = d.sw();
        int row = 0;
        for (int ci = 0; ci < d.cg(); ci++) {
            int xBase = (b * d.c() + g * d.cg() + ci) * h * w;
            for (int i = 0; i < d.kh(); i++) {
                for (int j = 0; j < d.kw(); j++, row++) {
                    int colOff = j * d.dw() - d.padLeft();
                    int qlo = firstInside(colOff, sw, ow);
                    int qhi = Math.max(qlo, endInside(colOff, sw, ow, w));
                    int src = start + row * ld;
                    for (int r = r0; r < r1; r++, src += ow) {
                        int ih = r * d.sh() - d.padTop() + i * d.dh();
                        if (ih < 0 || ih >= h) {
                            continue;
                        }
                        int dst = xBase + ih * w + colOff;
                        if (sw == 1) {
                            for (int q = qlo; q < qhi; q++) {
                                dxd[dst + q] += col[src + q];
                            }
                        } else {
                            for (int q = qlo; q < qhi; q++) {
                                dxd[dst + q * sw] += col[src + q];
                            }
                        }
                    }
                }
            }
        }
    }

    /** The first output column q whose input column {@code colOff + q*sw} is >= 0 (at most ow). */
    static int firstInside(int colOff, int sw, int ow) {
        return colOff >= 0 ? 0 : Math.min(ow, ceilDiv(-colOff, sw));
    }

    /** One past the last output column q whose input column {@code colOff + q*sw} is < w. */
    static int endInside(int colOff, int sw, int ow, int w) {
        return colOff > w - 1 ? 0 : Math.min(ow, (w - 1 - colOff) / sw + 1);
    }

    /** Output rows per tile: as many as keep the K x T column buffer within {@link #COL_BUDGET}, at least one. */
    static int tileRows(ConvDims d) {
        long perRow = (long) d.patch() * d.ow();
        return (int) Math.max(1, Math.min(d.oh(), COL_BUDGET / perRow));
    }

    /** Output columns of one task: rows [r0, r1) of sample b0, or whole planes of samples [b0, b0 + nb). */
    record Tile(int b0, int nb, int r0, int r1, int cols) {
    }

    /**
     * How a call's output pixels are cut into tiles (the GEMMs' column count T). Rows of one sample, as many
     * as {@link #tileRows} allows but at least {@link #MIN_COLS} columns when the plane has them; output planes
     * smaller than that (ResNet's 14x14 and 7x7 stages, LeNet's 10x10) are joined across samples instead, so
     * that a 7x7 layer runs GEMMs with T = 196 rather than 49 (a GEMM's column panels are 48 wide: T = 49 would
     * waste almost half of the second one, and every B panel would be packed for very little work).
     */
    record Tiling(int n, int oh, int ow, int perTile, int rows, int rowTiles) {
        static Tiling of(ConvDims d) {
            int plane = d.outPlane();
            long samplePatches = (long) d.patch() * plane;
            if (d.n() > 1 && (plane < MIN_COLS || samplePatches * 2 <= COL_BUDGET)) {
                // Whole planes of several samples: enough for MIN_COLS columns, and as many more as fit the
                // column budget (fewer, larger GEMMs for small layers such as LeNet's), but never fewer than
                // MIN_GROUPS tiles per call, so that both threads get work (a rule of the shapes only: the
                // tiles also fix the weight gradient's summation order, which must not depend on threads).
                int perTile = (int) Math.max(ceilDiv(MIN_COLS, plane), COL_BUDGET / samplePatches);
                perTile = Math.max(1, Math.min(perTile, ceilDiv(d.n(), MIN_GROUPS)));
                return new Tiling(d.n(), d.oh(), d.ow(), perTile, d.oh(), 1);
            }
            int rows = Math.min(d.oh(), Math.max(tileRows(d), ceilDiv(MIN_COLS, d.ow())));
            return new Tiling(d.n(), d.oh(), d.ow(), 1, rows, ceilDiv(d.oh(), rows));
        }

        int sampleGroups() {
            return ceilDiv(n, perTile);
        }

        /**
         * The forward pass's row tiles re-cut so that the tasks share out evenly over {@code threads}: as many
         * tiles per sample as make the task count a multiple of the thread count (never fewer than before), rows
         * spread evenly over them. At batch 1, ResNet-50's 1x1 512->128 layer on 28x28 was cut into tiles of 9, 9,
         * 9 and 1 rows (one thread did 18 rows, the other 10) and its 1x1 256->64 layer on 56x56 into 7 tiles.
         * Only for the forward pass, where the tiles do not fix any summation order: every output is computed by
         * the same GEMM operations whatever tile it falls in. Samples joined into one tile are left as they are.
         */
        Tiling balanced(int threads) {
            if (perTile != 1 || threads < 2) {
                return this;
            }
            int tiles = rowTiles;
            while (tiles < oh && (long) n * tiles % threads != 0) {
                tiles++;
            }
            int even = ceilDiv(oh, tiles);
            return new Tiling(n, oh, ow, 1, even, ceilDiv(oh, even));
        }

        /**
         * Two samples' whole planes per tile instead of one's, where the batch still gives {@link #MIN_GROUPS} tiles
         * (else this tiling): for forward passes only ({@link #joinedNarrowTiles}).
         */
        Tiling joined() {
            return perTile == 1 && rowTiles == 1 && n >= 2 * MIN_GROUPS ? new Tiling(n, oh, ow, 2, oh, 1) : this;
        }

        int tasks() {
            return sampleGroups() * rowTiles;
        }

        /** Multiply-adds of a full tile's GEMM, for {@link #taskParallel}. */
        long macs(ConvDims d) {
            return (long) d.fg() * d.patch() * perTile * rows * ow;
        }

        /** Tile t: sample group t / rowTiles, row tile t % rowTiles. */
        Tile tile(int t) {
            return tile(t / rowTiles * perTile, t % rowTiles * rows);
        }

        private Tile tile(int b0, int r0) {
            int nb = Math.min(perTile, n - b0);
            int r1 = Math.min(oh, r0 + rows);
            return new Tile(b0, nb, r0, r1, nb * (r1 - r0) * ow);
        }

        /** The tiles covering samples [b0, b1) in order (a weight-gradient batch chunk); groups stop at b1. */
        java.util.List<Tile> within(int b0, int b1) {
            java.util.List<Tile> out = new java.util.ArrayList<>();
            for (int b = b0; b < b1; b += perTile) {
                for (int r0 = 0; r0 < oh; r0 += rows) {
                    Tile full = tile(b, r0);
                    int nb = Math.min(full.nb(), b1 - b);
                    out.add(new Tile(b, nb, full.r0(), full.r1(), nb * (full.r1() - full.r0()) * ow));
                }
            }
            return out;
        }
    }

    /** One input channel per group and several groups: a GEMM would have one row; direct loops do better. */
    static boolean isDepthwise(ConvDims d) {
        return d.groups() > 1 && d.cg() == 1;
    }

    /** 1x1 kernel, stride 1, no padding: the input plane is already the column matrix. */
    static boolean isPointwise(ConvDims d) {
        return d.kh() == 1 && d.kw() == 1 && d.sh() == 1 && d.sw() == 1 && d.padTop() == 0 && d.padLeft() == 0
                && d.oh() == d.h() && d.ow() == d.w();
    }

    /** Replicate/reflect padding is copied out first; zero padding is handled inside im2col/col2im. */
    private static boolean materialisePadding(ConvParams p) {
        return !p.padding().isZero() && p.padMode() != PadMode.ZERO;
    }

    /** One level of parallelism: tasks in parallel (single-threaded GEMMs) or GEMMs threaded; see TASK_MAX_MACS. */
    private static boolean taskParallel(Kernels k, int tasks, long tileMacs) {
        return k.threads() > 1 && tasks >= k.threads() && (tileMacs < TASK_MAX_MACS || tasks >= 2 * k.threads());
    }

    private static void run(Kernels k, boolean parallel, int tasks, IntConsumer body) {
        if (parallel) {
            k.parallelFor(tasks, body);
        } else {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
        }
    }

    private static void gemm(Kernels k, boolean threaded, boolean transA, boolean transB, int m, int n, int kk,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                             float[] c, int cOff, int ldc) {
        if (threaded) {
            k.sgemm(transA, transB, m, n, kk, 1f, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            k.sgemmSingleThread(transA, transB, m, n, kk, 1f, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** A product with a prepared left operand, threaded or on the caller alone: the bits of {@link #gemm}'s call. */
    private static void preparedGemm(Kernels k, boolean threaded, PreparedMatrix a, int n, float[] b, int bOff,
                                     int ldb, float beta, float[] c, int cOff, int ldc) {
        if (threaded) {
            k.sgemmPreparedThreaded(a, false, n, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            k.sgemmPrepared(a, false, n, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * Each group's weight matrix W [fg x K] (or its transpose, for backward data), prepared for the many tiles
     * of one call. For a pointwise convolution K = C/groups, so W^T is the [C/groups x fg] matrix the data
     * gradient needs either way.
     */
    private static PreparedMatrix[] prepare(Kernels k, ConvDims d, boolean transposed, float[] wd) {
        return prepare(k, d, transposed, wd, false);
    }

    /** As above; {@code kept}: the packing outlives the call (a cache's), so never this thread's reusable buffer. */
    private static PreparedMatrix[] prepare(Kernels k, ConvDims d, boolean transposed, float[] wd, boolean kept) {
        int kk = d.patch();
        PreparedMatrix[] out = new PreparedMatrix[d.groups()];
        if (d.groups() == 1 && transientWeights && !kept) { // one matrix, dead when this call returns: this thread's buffer
            out[0] = transposed ? k.prepareATransient(true, kk, d.fg(), 1f, wd, 0, kk)
                    : k.prepareATransient(false, d.fg(), kk, 1f, wd, 0, kk);
            return out;
        }
        for (int g = 0; g < d.groups(); g++) {
            out[g] = transposed ? k.prepareA(true, kk, d.fg(), 1f, wd, g * d.fg() * kk, kk)
                    : k.prepareA(false, d.fg(), kk, 1f, wd, g * d.fg() * kk, kk);
        }
        return out;
    }

    /**
     * {@code into} as it is (any contents: the caller writes every element) when given, else a new tensor. Saves
     * the zero fill of an activation- or gradient-sized buffer per call (training reuses its buffers).
     */
    private static Tensor anyInto(Shape shape, Tensor into) {
        if (into == null) {
            return Tensor.zeros(shape);
        }
        if (!into.shape().equals(shape)) {
            throw new IllegalArgumentException("conv2d: output buffer " + into.shape() + " does not have the shape "
                    + shape);
        }
        return into;
    }

    /**
     * {@code into} filled with zeros when given (the caller adds into it; on the kernels' threads when long,
     * {@link ParallelChunks}), else a new tensor of zeros.
     */
    private static Tensor zerosInto(Kernels k, Shape shape, Tensor into) {
        Tensor t = anyInto(shape, into);
        if (t == into) {
            float[] a = t.data();
            ParallelChunks.run(k, a.length, parallelZeros, (from, to) -> java.util.Arrays.fill(a, (int) from, (int) to,
                    0f));
        }
        return t;
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} clears a given input gradient buffer on the calling thread
     * alone ({@code -Dconvnet4j.conv.parallelZeros=false}); zeros are zeros on any split. In a ResNet-50 training step
     * the strided 3x3 layers' col2im adds into such buffers (JFR: the caller's next serial cost after the weight packing).
     */
    static volatile boolean parallelZeros = !"false".equals(System.getProperty("convnet4j.conv.parallelZeros"));

    /** x / y rounded up, for positive x and y (the package's one copy; Math.ceilDiv needs Java 18). */
    static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /** This thread's scratch buffers (also used by {@link DirectConvolution}). */
    static Scratch scratch() {
        return SCRATCH.get();
    }

    /** Per-thread buffers, grown to the largest need and then reused. */
    static final class Scratch {
        private float[] col = new float[0];
        private float[] partials = new float[0];
        private float[] rows = new float[0];
        private float[] reduction = new float[0];
        private float[] depthwise = new float[0];
        private int[] offsets = new int[0];
        private int[] positions = new int[0];
        private float[] flipped = new float[0];
        private float[] phase = new float[0];
        private float[] tapRows = new float[0];
        private Object depthwiseLayout; // the geometry whose zero borders {@link #depthwise} holds, or null

        /**
         * The depthwise forward pass's input buffer, at least {@code floats} long. Only that pass writes it; it
         * records which geometry's zeros the buffer holds ({@link #depthwiseZerosOf}) so that the next plane of an
         * equal geometry on this thread only writes its input pixels ({@link #depthwiseZeros}).
         */
        float[] depthwise(int floats) {
            if (depthwise.length < floats) {
                depthwise = new float[floats];
                depthwiseLayout = null;
            }
            return depthwise;
        }

        boolean depthwiseZeros(Object layout) {
            return layout.equals(depthwiseLayout);
        }

        void depthwiseZerosOf(Object layout) {
            depthwiseLayout = layout;
        }

        /** The direct weight gradient's chunk partials (the chunks' tasks use col, rows and partials). */
        float[] reduction(int size) {
            if (reduction.length < size) {
                reduction = new float[size];
            }
            return reduction;
        }

        float[] rows(int size) {
            if (rows.length < size) {
                rows = new float[size];
            }
            return rows;
        }

        float[] col(int size) {
            if (col.length < size) {
                col = new float[size];
            }
            return col;
        }

        /** The flipped filters of a data gradient ({@link #flipped}); only backwardInput writes it. */
        float[] flipped(int size) {
            if (flipped.length < size) {
                flipped = new float[size];
            }
            return flipped;
        }

        /** A tile's dW^T before it is added to its chunk's partial ({@link DirectWeightGradient}). */
        float[] tapRows(int size) {
            if (tapRows.length < size) {
                tapRows = new float[size];
            }
            return tapRows;
        }

        /** One phase's outputs of a strided data gradient ({@link StridedInputGradient}); only that pass writes it. */
        float[] phase(int size) {
            if (phase.length < size) {
                phase = new float[size];
            }
            return phase;
        }

        int[] offsets(int size) {
            if (offsets.length < size) {
                offsets = new int[size];
            }
            return offsets;
        }

        /** The output pixels' places in a tile's slice ({@link DirectTiles#positions}). */
        int[] positions(int size) {
            if (positions.length < size) {
                positions = new int[size];
            }
            return positions;
        }

        float[] partials(int size) {
            if (partials.length < size) {
                partials = new float[size];
            }
            return partials;
        }
    }
}
