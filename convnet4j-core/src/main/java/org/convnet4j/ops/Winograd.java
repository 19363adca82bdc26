package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.PreparedMatrix;

/**
 * Stride-1 3x3 convolutions by Winograd's minimal filtering, F(m x m, 3x3) with m = 4 or 2 (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2016): each output tile of m x m pixels is computed from its
 * (m + 2) x (m + 2) input tile with (m + 2)^2 multiplications per channel and filter where the direct convolution does
 * 9 m^2 (F(4x4): 36 against 144; F(2x2): 16 against 36).
 *
 * <p>Per block of output tiles (whole tile rows of one or more samples, a rule of the shapes only, {@link Plan}):
 * <ol>
 *   <li>the input transform {@code V = B^T d B} of every channel's tiles ({@link Kernels#winogradInputRows}, from
 *       the channel's rows laid side by side) into one [C x tiles] matrix per transform element e;</li>
 *   <li>one product per element, {@code M_e [F x tiles] = U_e [F x C] * V_e} (the kernels' SGEMM), with the weights
 *       transformed once per call ({@code U = G g G^T}, {@link Kernels#winogradFilters}), or once per weight version
 *       in inference ({@link PackedWeights#getWinograd});</li>
 *   <li>the output transform {@code Y = A^T M A} plus the bias ({@link Kernels#winogradOutputRows}, into flat
 *       output rows), copied into y, and the layer's epilogue on each filter's finished rows.</li>
 * </ol>
 * The data gradient of a stride-1 3x3 layer is the same kind of convolution ({@link FastConvolution#backward}: dy with
 * the filters rotated and their channel roles swapped), so {@link #backwardInput} runs this forward pass on it.
 *
 * <p>Bits: each output is the same chain of operations whatever the thread count: the blocks depend on the shapes
 * only, the transforms work tile by tile, and each product is one single-threaded SGEMM call of the same shapes on
 * any thread. They are not the direct path's bits (another algorithm); the error is measured in
 * docs/PERFORMANCE.md ("Session 21, the Winograd engineer") and held by WinogradTest to FastConvolutionTest's bound.
 */
final class Winograd {
    /**
     * Whether stride-1 3x3 layers take this path where {@link #tile} says so; {@code -Dconvnet4j.conv.winograd=false}
     * keeps them direct (A/B runs). On: the process's CPU per image in alternated runs (FlagAB, AMD, loaded) was 0.95 of
     * the direct path's for ResNet-50 training at batch 8, 0.91 / 0.87 for its inference at batch 1 / 8, 0.56 for
     * VGG16 at batch 1 (docs/PERFORMANCE.md, "Session 21, the Winograd engineer").
     */
    static volatile boolean enabled = !"false".equals(System.getProperty("convnet4j.conv.winograd"));
    /**
     * Switch for A/B runs ({@code -Dconvnet4j.conv.winogradPackedFilters=false}): a training call's weights transformed
     * into a plain U, packed again by every product (as before), instead of straight into the products' packed layout.
     * The same bits either way.
     */
    static volatile boolean packedFilters = !"false".equals(System.getProperty("convnet4j.conv.winogradPackedFilters"));
    /**
     * Switch for A/B runs ({@code -Dconvnet4j.conv.winogradContiguousInput=false}): the input transform reads each
     * channel's rows laid side by side with plain loads ({@link Kernels#winogradInputRows}) instead of gathering each
     * tile's pixels through its origin ({@link Kernels#winogradInput}: the Vector API checks every gathered index),
     * for F(4x4): one thread's CPU per call 0.94-0.96 of the gathers' on ResNet-50's 56 x 56 layer; F(2x2) keeps the
     * gathers (1.03-1.04 on 7 x 7 at batch 8). The same bits either way.
     */
    static volatile boolean contiguousInput =
            !"false".equals(System.getProperty("convnet4j.conv.winogradContiguousInput"));
    /**
     * Switch for A/B runs ({@code -Dconvnet4j.conv.winogradContiguousOutput=false}): the output transform writes each
     * output row of a block's tiles as one flat row with plain stores ({@link Kernels#winogradOutputRows}) instead of
     * scattering each tile's outputs through its origin ({@link Kernels#winogradOutput}): one thread's CPU per call
     * 0.82 / 0.91 of the scatters' (forward / data gradient, ResNet-50's 56 x 56 layer at batch 8), 0.95-0.98 on its
     * other layers (AMD, loaded). The same bits either way.
     */
    static volatile boolean contiguousOutput =
            !"false".equals(System.getProperty("convnet4j.conv.winogradContiguousOutput"));
    /**
     * Switch for A/B runs ({@code -Dconvnet4j.conv.winogradKeptPacked=false}): inference keeps each layer's transformed
     * weights in the products' packed layout instead of a plain U that every product packs again on every call (at
     * batch 1 on 14 x 14 by F(2x2): 1 M floats per call): ResNet-50 at batch 1, one thread's CPU per call 0.92 / 0.80 /
     * 0.89 of the plain U's on 56 x 56 / 28 x 28 / 14 x 14 (AMD, loaded). The same bits either way.
     */
    static volatile boolean keptPacked = !"false".equals(System.getProperty("convnet4j.conv.winogradKeptPacked"));
    /**
     * Whether the weight gradients of stride-1 3x3 layers run by F(3x3, m x m) ({@link #weightGradient}, where {@link
     * #weightTile} says so) instead of the direct path; {@code -Dconvnet4j.conv.winogradWeightGradient=false} keeps them
     * direct (A/B runs). On: one thread's CPU per call 0.46-0.73 of the direct path's on ResNet-50's 3x3 layers at batch
     * 8, and the process's CPU per W6 step 0.94 (paired, every round below 1; AMD, loaded; docs/PERFORMANCE.md,
     * "Session 23, the 3x3 weight-gradient engineer").
     */
    static volatile boolean weightGradient =
            !"false".equals(System.getProperty("convnet4j.conv.winogradWeightGradient"));
    /** The largest output tile m of F(m x m, 3x3) a layer takes: 4, or 2 ({@code -Dconvnet4j.conv.winogradTile=2}). */
    static volatile int outputTile = Integer.getInteger("convnet4j.conv.winogradTile", 4);
    /**
     * Fewest tiles a call must have for a tile size ({@code -Dconvnet4j.conv.winogradMinTiles}): the products' columns,
     * one 48-wide panel of the GEMM's micro-tile (AVX-512; 24 with AVX2, where it was not measured). Below it the
     * products run mostly empty panels: ResNet-50's 512-filter 3x3 layer on 7 x 7 at batch 1 (4 tiles of F(4x4)) took
     * 4.0x the direct path's CPU, the 256-filter one on 14 x 14 (16 tiles) 1.09x.
     */
    static final int MIN_TILES = Integer.getInteger("convnet4j.conv.winogradMinTiles", 48);
    /**
     * Fewest tiles a weight gradient call must have for a tile size ({@code -Dconvnet4j.conv.winogradWeightMinTiles}):
     * the products' depth. With fewer, each product adds a few multiply-adds per element of its sums (F x C per
     * transform element, written and read back per block), and the sums have few terms for the transforms' rounding to
     * hide in (a 2 x 2 plane erred 7-15x the direct path's bound, WinogradTest).
     */
    static final int MIN_WEIGHT_TILES = Integer.getInteger("convnet4j.conv.winogradWeightMinTiles", 32);
    /**
     * Fewest input channels (the products' depth) a layer needs to take this path
     * ({@code -Dconvnet4j.conv.winogradMinChannels}: 1 sends the reduced-width fixture networks through it too).
     */
    static final int MIN_CHANNELS = Integer.getInteger("convnet4j.conv.winogradMinChannels", 16);
    /** Most tiles (the products' columns) per block. */
    static final int MAX_TILES = 192;
    /** Most floats of one block's transformed inputs and products together (8 MB). */
    static final int BLOCK_FLOATS = 1 << 21;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Winograd() {
    }

    /** Whether layer d's forward pass takes this path. */
    static boolean applies(ConvDims d) {
        return enabled && threeByThree(d) && tile(d) > 0;
    }

    /** Whether layer d's weight gradient takes this path ({@link #weightGradient}, {@link #weightTile}). */
    static boolean appliesWeightGradient(ConvDims d) {
        return enabled && weightGradient && threeByThree(d) && weightTile(d) > 0;
    }

    /**
     * The weight gradient's tile: F(3x3, 4x4) where the call has {@link #MIN_WEIGHT_TILES} of them, else F(3x3, 2x2)
     * where it has that many of those, else direct; never below {@link #MIN_CHANNELS} channels. Not the forward's rule:
     * here the tiles are the products' depth (summed over), not their columns, so no panel runs empty, and F(4x4) took
     * 0.62 of the direct path's CPU on ResNet-50's 512-filter layer on 7 x 7 at batch 8 (32 tiles) against F(2x2)'s
     * 0.73 (AMD, loaded).
     */
    static int weightTile(ConvDims d) {
        return tileWith(d, MIN_WEIGHT_TILES);
    }

    /** Whether the data gradient of layer d (its transposed convolution, {@link FastConvolution#backward}) does. */
    static boolean appliesBackward(ConvDims d) {
        return enabled && threeByThree(d) && tile(FastConvolution.backward(d)) > 0;
    }

    private static boolean threeByThree(ConvDims d) {
        return d.groups() == 1 && d.kh() == 3 && d.kw() == 3 && d.sh() == 1 && d.sw() == 1 && d.dh() == 1
                && d.dw() == 1;
    }

    /**
     * The output tile this layer takes, or 0 where it stays direct: F(4x4) where the call has {@link #MIN_TILES} of
     * them, else F(2x2) where it has that many of those (four times as many tiles, each 2.25x fewer multiplications than
     * direct instead of 4x), else direct; never below {@link #MIN_CHANNELS} channels.
     */
    static int tile(ConvDims d) {
        return tileWith(d, MIN_TILES);
    }

    /** F(4x4) where the call has {@code minTiles} of its tiles, else F(2x2) where it has as many, else 0 (direct). */
    private static int tileWith(ConvDims d, int minTiles) {
        if (d.c() < MIN_CHANNELS) {
            return 0;
        }
        if (outputTile == 4 && tiles(d, 4) >= minTiles) {
            return 4;
        }
        return tiles(d, 2) >= minTiles ? 2 : 0;
    }

    /** Output tiles of F(m x m) in a call. */
    private static long tiles(ConvDims d, int m) {
        return (long) d.n() * FastConvolution.ceilDiv(d.oh(), m) * FastConvolution.ceilDiv(d.ow(), m);
    }

    /**
     * Weights transformed for F(m x m, 3x3) as kept between inference calls, made on first use: in the products' packed
     * layout ({@link #keptPacked}; as large as U when the filters are a multiple of 16), or a plain U [element][F][C]
     * (4x the layer's weights with F(4x4), 16/9 with F(2x2)) that each product packs again. One of the two in a run;
     * both only when an A/B run flips the switch.
     */
    static final class Kept {
        final int m;
        volatile PreparedMatrix[] prepared;
        volatile float[] plain;

        Kept(int m) {
            this.m = m;
        }
    }

    /**
     * How a call is cut into blocks: F(m x m) tiles, {@code tilesH x tilesW} per sample; the tile rows of all samples
     * in turn, {@code rows} per block (as many as fit {@link #MAX_TILES} and {@link #BLOCK_FLOATS}, spread evenly);
     * {@code width}: a padded input row (the tiles' columns plus the kernel's reach).
     */
    record Plan(int m, int tilesH, int tilesW, int rows, int blocks, int width) {
        static Plan of(ConvDims d, int m) {
            int tilesH = FastConvolution.ceilDiv(d.oh(), m);
            int tilesW = FastConvolution.ceilDiv(d.ow(), m);
            int total = d.n() * tilesH;
            long perTile = (long) (m + 2) * (m + 2) * (d.c() + d.f());
            int maxTiles = (int) Math.max(1, Math.min(MAX_TILES, BLOCK_FLOATS / perTile));
            int blocks = FastConvolution.ceilDiv(total, Math.max(1, Math.min(total, maxTiles / tilesW)));
            return new Plan(m, tilesH, tilesW, FastConvolution.ceilDiv(total, blocks), blocks, tilesW * m + 2);
        }

        int a() {
            return m + 2;
        }

        int elements() {
            return a() * a();
        }
    }

    /** y = epilogue(conv(x, w) + bias) by F(m x m, 3x3); every output of yd written. */
    static void forward(Kernels k, ConvDims d, int m, float[] xd, float[] wd, float[] bd, float[] yd,
                        ConvEpilogue epilogue, PackedWeights packed) {
        Plan plan = Plan.of(d, m);
        Scratch own = SCRATCH.get();
        PreparedMatrix[] u = filters(k, d, m, wd, packed, own);
        int threads = k.threads();
        if (threads > 1 && plan.blocks() >= threads
                && (plan.blocks() % threads == 0 || plan.blocks() >= 2 * threads)) {
            k.parallelFor(plan.blocks(), b -> block(k, false, d, plan, b, xd, u, bd, yd, epilogue, SCRATCH.get()));
        } else {
            for (int b = 0; b < plan.blocks(); b++) {
                block(k, threads > 1, d, plan, b, xd, u, bd, yd, epilogue, own);
            }
        }
    }

    /** dx of stride-1 3x3 layer d: the forward pass of its transposed convolution; every element of dxd written. */
    static void backwardInput(Kernels k, ConvDims d, float[] dyd, float[] wd, float[] dxd) {
        backwardInput(k, d, tile(FastConvolution.backward(d)), dyd, wd, dxd);
    }

    /** As above by F(m x m, 3x3). */
    static void backwardInput(Kernels k, ConvDims d, int m, float[] dyd, float[] wd, float[] dxd) {
        float[] flipped = FastConvolution.flipped(k, d, wd, FastConvolution.scratch().flipped(wd.length));
        forward(k, FastConvolution.backward(d), m, dyd, flipped, null, dxd, null, null);
    }

    /**
     * dW += the weight gradient of stride-1 3x3 layer d by F(3x3, m x m) (Lavin and Gray, section 4.3): the correlation
     * of x with dy is F(m x m, 3x3) transposed, dy's m x m tiles in the filter's role. Per block of tile rows ({@link
     * Plan}, the forward's blocks): x's tiles by the forward's input transform ({@code B^T x B} into V_e [C x tiles]),
     * dy's tiles by {@link Kernels#winogradGradientRows} ({@code A dy A^T} into D_e [F x tiles]); then one product per
     * element summing over the block's tiles, {@code M_e [F x C] += D_e V_e^T}, the blocks in order; at the end, per
     * filter-channel pair, {@code G^T M G} added to dw ({@link Kernels#winogradWeightOutputs}). F(4x4): 36 products per
     * tile, pair and tile row against the direct 144; F(2x2): 16 against 36.
     *
     * <p>Bits: every M_e is one single-threaded product per block on whichever thread runs element e, added in block
     * order; the blocks and transforms depend on the shapes only; so the same bits at any thread count (not the direct
     * path's: another algorithm, held to its error bound by WinogradTest). Memory: the sums (elements x F x C floats,
     * the calling thread's, like a training call's transformed weights) and one block's transformed tiles.
     */
    static void weightGradient(Kernels k, ConvDims d, int m, float[] xd, float[] dyd, float[] dwd) {
        Plan plan = Plan.of(d, m);
        Scratch own = SCRATCH.get();
        int elements = plan.elements();
        int c = d.c();
        int f = d.f();
        float[] sums = own.sums(elements * f * c);
        boolean threaded = k.threads() > 1;
        for (int b = 0; b < plan.blocks(); b++) {
            int g0 = b * plan.rows();
            int g1 = Math.min(d.n() * plan.tilesH(), g0 + plan.rows());
            int tiles = (g1 - g0) * plan.tilesW();
            float[] v = own.v(elements * c * tiles);
            float[] dys = own.products(elements * f * tiles);
            int[] in = origins(plan, tiles, own);
            over(k, threaded, c + f, (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    if (i < c) {
                        input(k, d, plan, g0, g1, xd, i, in, v);
                    } else {
                        gradientTiles(k, d, plan, g0, g1, dyd, i - c, dys);
                    }
                }
            });
            float beta = b == 0 ? 0f : 1f;
            over(k, threaded, elements, (e0, e1) -> {
                for (int e = e0; e < e1; e++) {
                    k.sgemmSingleThread(false, true, f, c, tiles, 1f, dys, e * f * tiles, tiles, v, e * c * tiles,
                            tiles, beta, sums, e * f * c, c);
                }
            });
        }
        over(k, threaded, f, (f0, f1) -> k.winogradWeightOutputs(m, (f1 - f0) * c, sums, f0 * c, f * c, dwd,
                9 * f0 * c));
    }

    /**
     * Filter fo's dy tiles of tile rows [g0, g1) transformed into {@code dys} ([element][F][tiles]): its rows laid side
     * by side in this thread's buffer (row i of tile row r at {@code i * tiles * m + r * tilesW * m}; zeros past the
     * plane's edges), then {@link Kernels#winogradGradientRows}.
     */
    private static void gradientTiles(Kernels k, ConvDims d, Plan plan, int g0, int g1, float[] dyd, int fo,
                                      float[] dys) {
        int m = plan.m();
        int tiles = (g1 - g0) * plan.tilesW();
        int main = plan.tilesW() * m;
        int ldK = tiles * m;
        int ow = d.ow();
        float[] rows = SCRATCH.get().rows(m * ldK);
        for (int g = g0; g < g1; g++) {
            int sample = g / plan.tilesH();
            int top = g % plan.tilesH() * m;
            for (int i = 0; i < m; i++) {
                int at = i * ldK + (g - g0) * main;
                if (top + i < d.oh()) {
                    System.arraycopy(dyd, ((sample * d.f() + fo) * d.oh() + top + i) * ow, rows, at, ow);
                    java.util.Arrays.fill(rows, at + ow, at + main, 0f);
                } else {
                    java.util.Arrays.fill(rows, at, at + main, 0f);
                }
            }
        }
        k.winogradGradientRows(m, tiles, rows, 0, ldK, dys, fo * tiles, d.f() * tiles);
    }

    /**
     * The products' left operands U_e. Inference (weights kept, {@code packed} given) keeps them per weight version
     * when of this tile size: in the products' packed layout ({@link #keptPacked}), or as a plain U that each product
     * packs again. Training transforms them per call straight into the products' packed layout in this thread's
     * buffers ({@link Kernels#winogradFiltersPrepared}: one pass instead of the transform and then a packing per
     * product), or into a plain U ({@link #packedFilters} off). The same values every way, so the same bits.
     */
    private static PreparedMatrix[] filters(Kernels k, ConvDims d, int m, float[] wd, PackedWeights packed,
                                            Scratch own) {
        int elements = (m + 2) * (m + 2);
        int f = d.f();
        int c = d.c();
        if (packed != null && packed.getWinograd(k, () -> new Kept(m)) instanceof Kept kept && kept.m == m) {
            if (keptPacked) {
                if (kept.prepared == null) {
                    kept.prepared = prepared(k, d, m, wd, new float[elements][(f + 15) / 16 * 16 * c]);
                }
                return kept.prepared;
            }
            if (kept.plain == null) {
                kept.plain = transform(k, d, m, wd, new float[elements * f * c]);
            }
            return unpacked(kept.plain, f, c, new PreparedMatrix[elements]);
        }
        if (!packedFilters) {
            return unpacked(transform(k, d, m, wd, own.unpacked(elements * f * c)), f, c, new PreparedMatrix[elements]);
        }
        return prepared(k, d, m, wd, own.prepared(elements, (f + 15) / 16 * 16 * c));
    }

    /**
     * The weights transformed into the products' packed layout in {@code buffers} (one per element), blocks of 16
     * filters shared out over the kernels' threads when many; the products' left operands over them.
     */
    private static PreparedMatrix[] prepared(Kernels k, ConvDims d, int m, float[] wd, float[][] buffers) {
        int elements = (m + 2) * (m + 2);
        int f = d.f();
        int c = d.c();
        int blocks = (f + 15) / 16;
        int tasks = (int) Math.max(1, Math.min(Math.min(blocks, k.threads()),
                (long) f * c * elements / DirectTiles.PACK_TASK));
        k.parallelFor(tasks, task -> k.winogradFiltersPrepared(m, f, c, wd, blocks * task / tasks * 16,
                Math.min(f, blocks * (task + 1) / tasks * 16), buffers));
        PreparedMatrix[] out = new PreparedMatrix[elements];
        for (int e = 0; e < elements; e++) {
            out[e] = k.winogradPrepared(f, c, buffers[e]);
        }
        return out;
    }

    /** U [element][F][C] as the products' left operands, each packed by its product. */
    private static PreparedMatrix[] unpacked(float[] u, int f, int c, PreparedMatrix[] out) {
        for (int e = 0; e < out.length; e++) {
            out[e] = new PreparedMatrix(false, f, c, 1f, u, e * f * c, c, null);
        }
        return out;
    }

    /** U [element][F][C] into {@code u} (kept for inference), filter-channel pairs shared out over the kernels' threads. */
    private static float[] transform(Kernels k, ConvDims d, int m, float[] wd, float[] u) {
        int pairs = d.f() * d.c();
        int tasks = (int) Math.max(1, Math.min(k.threads(), (long) pairs * (m + 2) * (m + 2) / DirectTiles.PACK_TASK));
        k.parallelFor(tasks, t -> {
            int p0 = (int) ((long) pairs * t / tasks);
            int p1 = (int) ((long) pairs * (t + 1) / tasks);
            k.winogradFilters(m, p1 - p0, wd, 9 * p0, u, p0, pairs);
        });
        return u;
    }

    /** A range [from, to) of a block's channels, elements or filters. */
    private interface Range {
        void run(int from, int to);
    }

    /** {@code body} over [0, count): on every thread in even ranges when {@code threaded}, else on the caller. */
    private static void over(Kernels k, boolean threaded, int count, Range body) {
        int tasks = threaded ? Math.min(count, k.threads()) : 1;
        if (tasks < 2) {
            body.run(0, count);
            return;
        }
        k.parallelFor(tasks, t -> body.run(count * t / tasks, count * (t + 1) / tasks));
    }

    /**
     * Block b: its tile rows' inputs transformed, the products, the outputs transformed into y. {@code threaded}: each
     * phase shared out over the kernels' threads (channels, elements, filters), else all on the calling thread.
     */
    private static void block(Kernels k, boolean threaded, ConvDims d, Plan plan, int b, float[] xd, PreparedMatrix[] u,
                              float[] bd, float[] yd, ConvEpilogue epilogue, Scratch s) {
        int m = plan.m();
        int g0 = b * plan.rows();
        int g1 = Math.min(d.n() * plan.tilesH(), g0 + plan.rows());
        int tilesW = plan.tilesW();
        int tiles = (g1 - g0) * tilesW;
        int outWidth = tilesW * m;
        int c = d.c();
        int f = d.f();
        int elements = plan.elements();
        float[] v = s.v(elements * c * tiles);
        float[] products = s.products(elements * f * tiles);
        int[] in = origins(plan, tiles, s);
        int[] out = s.out(tiles);
        for (int t = 0; t < tiles; t++) {
            out[t] = t / tilesW * m * outWidth + t % tilesW * m;
        }
        over(k, threaded, c, (c0, c1) -> {
            for (int ci = c0; ci < c1; ci++) {
                input(k, d, plan, g0, g1, xd, ci, in, v);
            }
        });
        boolean contiguousOut = contiguousOutput;
        over(k, threaded, elements, (e0, e1) -> {
            for (int e = e0; e < e1; e++) {
                k.sgemmPrepared(u[e], false, tiles, v, e * c * tiles, tiles, 0f, products, e * f * tiles, tiles);
            }
        });
        over(k, threaded, f, (f0, f1) -> {
            float[] plane = SCRATCH.get().plane((g1 - g0) * m * outWidth);
            for (int fo = f0; fo < f1; fo++) {
                float bias = bd == null ? -0f : bd[fo];
                if (contiguousOut) { // output row i of tile row r at i * tiles * m + r * outWidth
                    k.winogradOutputRows(m, tiles, products, fo * tiles, f * tiles, bias, plane, 0, tiles * m);
                    copyOut(k, d, plan, g0, g1, plane, outWidth, tiles * m, fo, yd, epilogue);
                } else { // output row i of tile row r at (r * m + i) * outWidth
                    k.winogradOutput(m, tiles, products, fo * tiles, f * tiles, bias, plane, 0, outWidth, out, 0);
                    copyOut(k, d, plan, g0, g1, plane, m * outWidth, outWidth, fo, yd, epilogue);
                }
            }
        });
    }

    /** The block's tiles' first input pixels in {@link #padRows}' layout ({@link Scratch#in}). */
    private static int[] origins(Plan plan, int tiles, Scratch s) {
        int[] in = s.in(tiles);
        for (int t = 0; t < tiles; t++) {
            in[t] = t / plan.tilesW() * plan.a() * plan.width() + t % plan.tilesW() * plan.m();
        }
        return in;
    }

    /**
     * Channel ci's tiles of tile rows [g0, g1) transformed into {@code v} ([element][C][tiles]): from its rows laid side
     * by side ({@link #contiguousInput}, F(4x4): F(2x2)'s gathers were as fast, AMD, loaded) or gathered through the
     * tiles' origins {@code in}; the rows in this thread's buffer.
     */
    private static void input(Kernels k, ConvDims d, Plan plan, int g0, int g1, float[] xd, int ci, int[] in,
                              float[] v) {
        int m = plan.m();
        int a = plan.a();
        int tiles = (g1 - g0) * plan.tilesW();
        int c = d.c();
        int ldK = tiles * m; // winogradInputRows' layout: row k of every tile row side by side, then the fringe
        if (contiguousInput && m == 4) {
            float[] rows = SCRATCH.get().rows(a * ldK + (g1 - g0) * a * 2);
            sideBySide(d, plan, g0, g1, xd, ci, rows, ldK);
            k.winogradInputRows(m, tiles, plan.tilesW(), rows, 0, ldK, a * ldK, v, ci * tiles, c * tiles);
        } else {
            float[] rows = SCRATCH.get().rows((g1 - g0) * a * plan.width());
            padRows(d, plan, g0, g1, xd, ci, rows);
            k.winogradInput(m, tiles, rows, 0, plan.width(), in, 0, v, ci * tiles, c * tiles);
        }
    }

    /**
     * Channel ci's input rows of tile rows [g0, g1) into {@code rows}: for each tile row its a rows of
     * {@link Plan#width} pixels from the tile row's first input pixel (zeros where they fall outside the image).
     */
    private static void padRows(ConvDims d, Plan plan, int g0, int g1, float[] xd, int ci, float[] rows) {
        int a = plan.a();
        int width = plan.width();
        int lo = Math.max(0, Math.min(width, d.padLeft()));
        int hi = Math.max(lo, Math.min(width, d.padLeft() + d.w()));
        for (int g = g0; g < g1; g++) {
            int sample = g / plan.tilesH();
            int top = g % plan.tilesH() * plan.m() - d.padTop();
            for (int r = 0; r < a; r++) {
                int at = ((g - g0) * a + r) * width;
                int in = top + r;
                if (in < 0 || in >= d.h() || lo == hi) {
                    java.util.Arrays.fill(rows, at, at + width, 0f);
                    continue;
                }
                java.util.Arrays.fill(rows, at, at + lo, 0f);
                System.arraycopy(xd, ((sample * d.c() + ci) * d.h() + in) * d.w() + lo - d.padLeft(), rows, at + lo,
                        hi - lo);
                java.util.Arrays.fill(rows, at + hi, at + width, 0f);
            }
        }
    }

    /**
     * Channel ci's input rows of tile rows [g0, g1) in {@link Kernels#winogradInputRows}' layout: row k of tile row
     * r, its first {@code tilesW * m} pixels from the tile row's first input pixel, at {@code k * ldK + r * tilesW * m};
     * its next two pixels at {@code a * ldK + (r * a + k) * 2}; zeros where they fall outside the image.
     */
    private static void sideBySide(ConvDims d, Plan plan, int g0, int g1, float[] xd, int ci, float[] rows, int ldK) {
        int a = plan.a();
        int main = plan.tilesW() * plan.m();
        int lo = Math.max(0, Math.min(main, d.padLeft()));
        int hi = Math.max(lo, Math.min(main, d.padLeft() + d.w()));
        for (int g = g0; g < g1; g++) {
            int sample = g / plan.tilesH();
            int top = g % plan.tilesH() * plan.m() - d.padTop();
            for (int k = 0; k < a; k++) {
                int at = k * ldK + (g - g0) * main;
                int in = top + k;
                boolean inside = in >= 0 && in < d.h();
                int x0 = ((sample * d.c() + ci) * d.h() + in) * d.w() - d.padLeft(); // the row's pixel x at x0 + x
                if (!inside || lo == hi) {
                    java.util.Arrays.fill(rows, at, at + main, 0f);
                } else {
                    java.util.Arrays.fill(rows, at, at + lo, 0f);
                    System.arraycopy(xd, x0 + lo, rows, at + lo, hi - lo);
                    java.util.Arrays.fill(rows, at + hi, at + main, 0f);
                }
                for (int j = 0; j < 2; j++) {
                    int col = main + j - d.padLeft();
                    rows[a * ldK + ((g - g0) * a + k) * 2 + j] = inside && col >= 0 && col < d.w()
                            ? xd[x0 + main + j] : 0f;
                }
            }
        }
    }

    /**
     * Filter fo's outputs of tile rows [g0, g1) from {@code plane} (output row i of the block's tile row r at
     * {@code r * rowStep + i * iStep}) into y, then the epilogue on each sample's rows.
     */
    private static void copyOut(Kernels k, ConvDims d, Plan plan, int g0, int g1, float[] plane, int rowStep, int iStep,
                                int fo, float[] yd, ConvEpilogue epilogue) {
        int m = plan.m();
        int oh = d.oh();
        int ow = d.ow();
        for (int g = g0; g < g1; g++) {
            int sample = g / plan.tilesH();
            int top = g % plan.tilesH() * m;
            int rows = Math.min(m, oh - top);
            int y0 = ((sample * d.f() + fo) * oh + top) * ow;
            for (int i = 0; i < rows; i++) {
                System.arraycopy(plane, (g - g0) * rowStep + i * iStep, yd, y0 + i * ow, ow);
            }
            boolean sampleEnds = g + 1 == g1 || (g + 1) % plan.tilesH() == 0;
            if (epilogue != null && sampleEnds) { // this sample's rows of the block are done: one run
                int first = Math.max(g0, g - g % plan.tilesH()) % plan.tilesH() * m;
                int start = ((sample * d.f() + fo) * oh + first) * ow;
                epilogue.apply(k, yd, start, (top + rows - first) * ow, fo);
            }
        }
    }

    /** Per-thread buffers, grown to the largest need and then reused. */
    private static final class Scratch {
        private float[][] prepared = new float[0][];
        private float[] unpacked = new float[0];
        private float[] v = new float[0];
        private float[] products = new float[0];
        private float[] sums = new float[0];
        private float[] rows = new float[0];
        private float[] plane = new float[0];
        private int[] in = new int[0];
        private int[] out = new int[0];

        /** A training call's U, unpacked ({@link #packedFilters} off). */
        float[] unpacked(int size) {
            unpacked = unpacked.length < size ? new float[size] : unpacked;
            return unpacked;
        }

        /** A training call's transformed weights, one buffer per element, each at least {@code size} long. */
        float[][] prepared(int elements, int size) {
            if (prepared.length < elements) {
                prepared = java.util.Arrays.copyOf(prepared, elements);
            }
            for (int e = 0; e < elements; e++) {
                if (prepared[e] == null || prepared[e].length < size) {
                    prepared[e] = new float[size];
                }
            }
            return prepared;
        }

        /** The weight gradient's sums M_e, [element][F][C]. */
        float[] sums(int size) {
            sums = sums.length < size ? new float[size] : sums;
            return sums;
        }

        /** A block's transformed inputs, [element][C][tiles]. */
        float[] v(int size) {
            v = v.length < size ? new float[size] : v;
            return v;
        }

        /** A block's products, [element][F][tiles] (the weight gradient's transformed dy tiles). */
        float[] products(int size) {
            products = products.length < size ? new float[size] : products;
            return products;
        }

        /** One channel's padded input rows of a block. */
        float[] rows(int size) {
            rows = rows.length < size ? new float[size] : rows;
            return rows;
        }

        /** One filter's output tiles of a block. */
        float[] plane(int size) {
            plane = plane.length < size ? new float[size] : plane;
            return plane;
        }

        /** The tiles' first input pixels in {@link #rows}. */
        int[] in(int size) {
            in = in.length < size ? new int[size] : in;
            return in;
        }

        /** The tiles' first output pixels in {@link #plane}. */
        int[] out(int size) {
            out = out.length < size ? new int[size] : out;
            return out;
        }
    }
}
