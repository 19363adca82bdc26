package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGEMM with the Vector API, organised like GotoBLAS/BLIS: C is computed in NC-wide column blocks; for each
 * KC-deep slice of the k dimension a KC x NC block of op(B) is packed into NR-wide panels (shared by all
 * threads), then for each MC-tall row block an MC x KC block of alpha * op(A) is packed into MR-tall panels,
 * and a register-blocked micro-kernel computes every MR x NR tile of C from one A panel and one B panel.
 *
 * <p>Packing does all the awkward work once: transposes (all four combinations look the same afterwards),
 * alpha, and zero padding at the edges, so the micro-kernel only ever sees full, contiguous panels. Edge
 * tiles of C are computed into a scratch tile (only the vectors a narrow edge panel covers: {@link #narrowEdges})
 * and merged with the micro-kernel's own store arithmetic.
 *
 * <p><b>Threads and reproducibility.</b> For each KC slice, the threads first pack B panels together, then
 * take tasks (row ranges of C, or column ranges when C has few rows) from a shared counter. Work is split by
 * partitioning C, never the k reduction. Each element of C is therefore computed by exactly the same
 * sequence of floating-point operations — KC slices in order, FMAs in k order inside a slice, the same
 * beta merge — whatever the number of threads and wherever the element falls in a tile. Results are
 * bit-identical for any thread count and any task order. (They do depend on KC, which is fixed.) A product of
 * one KC slice with n at most m is instead cut into one range of rows per thread, each the one-thread product
 * ({@link #privateRows}): the same bits again.
 */
final class VectorGemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector: 16 with AVX-512, 8 with AVX2. */
    static final int VL = S.length();
    /**
     * Rows of the micro-tile. With 512-bit vectors (AVX-512, 32 registers) 8 rows x 3 vectors = 24
     * accumulators plus 3 B vectors and a broadcast A value fit in registers; with 256-bit or narrower
     * vectors (AVX2: 16 registers) 4 rows x 3 vectors do.
     */
    static final int MR = VL >= 16 ? 8 : VL == 8 && Tile6x16.ON ? 6 : 4;
    /** Columns of the micro-tile: three vectors, or two with the 6-row tile ({@link Tile6x16}). */
    static final int NR = (MR == 6 ? 2 : 3) * VL;

    /**
     * On 8-float machines (AVX2: 16 ymm registers), a 6 x 16 micro-tile ({@link #microKernel6x2}: 12 accumulators, 2 B
     * vectors and 1 broadcast, 15 registers) instead of 4 x 24 ({@link #microKernel4x3}: 12 + 3 + 1, all 16), the shape
     * BLIS and OpenBLAS give Haswell and Zen: one register left for C2's own use, and a B micro-panel of KC x 16 floats
     * (32 KiB at KC 512, the size of the L1) instead of 48 KiB, streamed from L2 for every A micro-panel. On by default:
     * on the AVX2 guest (QEMU EPYC model) W1 at n = 1024 / 2048 on one thread ran 8% / 10% more GFLOPS per CPU second
     * (medians of nine pairs of fresh JVMs, 8 and 7 of them won, loaded; two threads 6-11% in two pairs;
     * docs/PERFORMANCE.md, "Session 26, the GEMM engineer").
     * {@code -Dconvnet4j.gemm.tile6x16=false} brings back 4 x 24. Read once: it fixes MR and NR, and with them every
     * packed layout. 16-float machines never read it: their tile, paths and bits stay as they are. Each value of C is
     * still one chain from zero, one FMA per k step in k order, merged by {@code fma(C, beta, acc)}: the tile's shape
     * changes no bit of any product (the pom's gemm-tile4x24 execution runs the GEMM's tests on the other tile). One
     * thing moves with it: {@link VectorWinograd#packs()} needs VL = 2 MR, so Winograd's filters are packed by the
     * generic path on this tile.
     */
    static final class Tile6x16 {
        static final boolean ON = !"false".equals(System.getProperty("convnet4j.gemm.tile6x16"));

        private Tile6x16() {
        }
    }
    /**
     * Depth of a packed slice. Long enough that the tile load/store at the end of each micro-kernel call is
     * amortised over many FMAs. Each slice passes over all of C once more (a load, an FMA and a store of every
     * value), and C is the one operand nothing prefetches: a micro-tile's 8 rows are a row stride apart, a new page
     * each at W1's sizes, so their lines arrive from L3 or memory while the FMAs wait. 512 (one slice at n = 512,
     * half the passes over C of 256) measured 3-24% more GFLOPS per CPU second than 256 at n = 512-2048 on one
     * thread of the AMD Zen 4 guest (docs/PERFORMANCE.md, "Session 20, the GEMM engineer"); 128 lost 5-18%. The
     * micro-kernel's B panel (KC x NR floats, 96 KB) is then read from L2 rather than L1 on either processor kind.
     * A per-machine choice measured on AMD only: {@code -Dconvnet4j.gemm.kc=256} restores the depth of before. The
     * depth fixes every product's summation order: other depths give other bits (the same for any thread count).
     */
    static final int KC = Integer.getInteger("convnet4j.gemm.kc", 512);
    /** Rows of a packed A block (a multiple of MR), sized so the block (MC x KC) stays in L2. */
    static final int MC = roundUp(Integer.getInteger("convnet4j.gemm.mc", 192), MR);
    /** Columns of a packed B block (a multiple of NR), sized so the block (KC x NC) stays in L2/L3. */
    static final int NC = roundUp(Integer.getInteger("convnet4j.gemm.nc", 3072), NR);
    /** Below this many multiply-adds a second thread costs more (hand-off, extra packing) than it saves. */
    static final long PARALLEL_THRESHOLD = 96L * 96 * 96;
    /** Most floats of packed op(A) the few-rows path keeps (4 MB): beyond that the general path is used. */
    static final long FEW_ROWS_MAX_PACKED_A = 1L << 20;
    /** {@code -Dconvnet4j.gemm.noFewRows=true} sends every shape down the general loop order (A/B runs). */
    static final boolean FEW_ROWS = !Boolean.getBoolean("convnet4j.gemm.noFewRows");
    /** Most rows of C that take the dot-product path ({@link #isDotShape}). */
    static final int DOT_MAX_ROWS = 4;
    /** Most values of C, and fewest terms per value, for which a small C takes the dot-product path. */
    static final int DOT_MAX_OUTPUTS = 256;
    static final int DOT_MIN_DEPTH = 1024;
    /** Rows of B (columns of C) per task on the dot-product path. */
    private static final int DOT_TASK_ROWS = 64;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    static {
        // Before any micro-kernel runs: let only C2 compile them (see JitDirectives for the trap this avoids).
        // Opt-in, because it changes the host JVM's compiler directives: the CLI, tests and benchmarks ask for it.
        if (Boolean.getBoolean(JitDirectives.PROPERTY)) {
            JitDirectives.install();
        }
    }

    private final int threads;
    private final boolean fewRowsPath;

    VectorGemm(int threads) {
        this(threads, FEW_ROWS);
    }

    /** With {@code fewRowsPath} false every shape takes the general loop order (for tests and A/B runs). */
    VectorGemm(int threads, boolean fewRowsPath) {
        this.fewRowsPath = fewRowsPath;
        if (threads < 1) {
            throw new IllegalArgumentException("VectorGemm: thread count must be positive, got " + threads);
        }
        this.threads = threads;
        GemmPool.ensureCapacity(threads);
    }

    int threads() {
        return threads;
    }

    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
               float beta, float[] c, int cOff, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, threads);
    }

    /** As above with at most {@code maxThreads} threads (1 = on the caller only); results do not change. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
               float beta, float[] c, int cOff, int ldc, int maxThreads) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        int parts = (long) m * n * k < PARALLEL_THRESHOLD ? 1 : GemmPool.allowedHere(Math.min(threads, maxThreads));
        if (isDotShape(transB, m, n, k)) {
            dotRows(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, parts);
            return;
        }
        Workspace own = WORKSPACE.get();
        if (fewRowsPath && isFewRows(m, k)) {
            fewRows(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, parts, own);
            return;
        }
        general(transA, transB, m, n, k, alpha, a, aOff, lda, null, b, bOff, ldb, null, beta, c, cOff, ldc, parts,
                own);
    }

    /**
     * The general loop order. With {@code prepackedA} (all of alpha * op(A) in {@link #packAllOfA}'s layout) no
     * task packs A: a row block's panels are read where the whole packing put them, the same values packA would
     * have written (blocks start at multiples of MR), so the same bits.
     */
    private void general(boolean transA, boolean transB, int m, int n, int k, float alpha,
                         float[] a, int aOff, int lda, float[] prepackedA, float[] b, int bOff, int ldb, int[] bRows,
                         float beta, float[] c, int cOff, int ldc, int parts, Workspace own) {
        if (parts > 1 && prepackedA == null && bRows == null) {
            boolean byRows = privateRows && n <= m && m >= 2 * parts * MR
                    && (k <= KC || privateRowsDeep || rowsWhenFar && k <= 2 * KC && GemmPool.farApart());
            if (byRows || privateColumns && n >= 2 * parts * NR) {
                privateProducts(byRows, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                        parts);
                return;
            }
        }
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int panels = (nc + NR - 1) / NR;
            // Tasks split the rows of C when there are enough of them (each task packs only its own rows of
            // A), else the columns (each task packs all of the few rows of A). Several tasks per thread,
            // taken dynamically, keep both cores busy even when another process steals one for a while.
            boolean splitRows = m >= parts * 2 * MR;
            int rowUnits = ceilDiv(m, MR);
            int tasks = parts == 1 ? 1 : Math.min(splitRows ? rowUnits : panels, parts * 3);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                // The first slice applies beta; later slices accumulate onto what the first wrote.
                boolean first = pc == 0;
                boolean overwrite = first && beta == 0f;
                float betaEff = first ? beta : 1f;
                // One packed B block, shared read-only by all tasks (the pool hand-off publishes it).
                float[] packedB = own.packedB(kc * panels * NR);
                int jcF = jc;
                int pcF = pc;
                GemmPool.forEach(parts, panels, q -> {
                    int col = q * NR;
                    packBPanel(transB, b, bOff, ldb, bRows, pcF, kc, jcF + col, Math.min(NR, nc - col), packedB,
                            col * kc);
                });
                GemmPool.forEach(parts, tasks, task -> {
                    // Task boundaries split whole micro-tiles as evenly as possible.
                    int i0 = splitRows ? (int) ((long) rowUnits * task / tasks) * MR : 0;
                    int i1 = splitRows ? Math.min(m, (int) ((long) rowUnits * (task + 1) / tasks) * MR) : m;
                    int cut = splitRows || !spreadTasks ? task : spread(task, tasks);
                    int q0 = splitRows ? 0 : (int) ((long) panels * cut / tasks);
                    int q1 = splitRows ? panels : (int) ((long) panels * (cut + 1) / tasks);
                    macroKernel(transA, alpha, a, aOff, lda, prepackedA, roundUp(m, MR), i0, i1, pcF, kc, packedB,
                            jcF, nc, q0, q1, c, cOff, ldc, betaEff, overwrite, WORKSPACE.get());
                });
            }
        }
    }

    /**
     * The general loop order cut into one part of C per thread, each part the one-thread product ({@link #privateRows},
     * {@link #privateColumns}): by rows, each thread packs its own rows of A and all of B; by columns, its own columns
     * of B and all of A. Rows are cut at whole micro-panels (MR), columns at whole vectors (even shares: at n = 512,
     * whole NR panels would give one thread 272 columns and the other 240). A value's arithmetic does not depend on
     * where its tile starts, so the bits are one thread's.
     */
    private void privateProducts(boolean byRows, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c,
                                 int cOff, int ldc, int parts) {
        int unit = byRows ? MR : VL;
        int units = ceilDiv(byRows ? m : n, unit);
        GemmPool.forEach(parts, parts, t -> {
            int from = (int) ((long) units * t / parts) * unit;
            int to = Math.min(byRows ? m : n, (int) ((long) units * (t + 1) / parts) * unit);
            if (byRows) {
                int aFrom = transA ? aOff + from : aOff + from * lda;
                general(transA, transB, to - from, n, k, alpha, a, aFrom, lda, null, b, bOff, ldb, null, beta, c,
                        cOff + from * ldc, ldc, 1, WORKSPACE.get());
            } else {
                int bFrom = transB ? bOff + from * ldb : bOff + from;
                general(transA, transB, m, to - from, k, alpha, a, aOff, lda, null, b, bFrom, ldb, null, beta, c,
                        cOff + from, ldc, 1, WORKSPACE.get());
            }
        });
    }

    /**
     * A handful of rows of C against a transposed B (rows of B contiguous): a fully connected layer on one to
     * four samples, {@code y = x W^T} with W [units x inputs]. Each C value is one dot product of two
     * contiguous rows; see {@link #dotRows}.
     */
    static boolean isDotShape(boolean transB, int m, int n, int k) {
        if (!transB || k < VL) {
            return false;
        }
        // A few rows; or a small C from long rows, as a small layer's weight gradient is (LeNet's first layer:
        // 6 x 25 values, each a sum over 4,704 pixels): there the packed path runs MR x NR = 8 x 48 tiles
        // for 6 x 25 useful values and re-packs a mostly empty B panel for every KC slice.
        return m <= DOT_MAX_ROWS || (long) m * n <= DOT_MAX_OUTPUTS && k >= DOT_MIN_DEPTH;
    }

    /**
     * C = alpha * op(A) B^T + beta * C as dot products, tasks taking ranges of B's rows. Why not the packed
     * path: with one row, a micro-kernel of MR = 8 rows does 8 times the arithmetic needed, and packing B
     * copies the whole weight matrix (VGG16's first dense layer: 411 MB) once more; the product is bound by
     * reading B, which this reads exactly once (3.5 GFLOPS before, at 7 GB/s of packing traffic). A value's
     * summation order depends only on k, so results are the same for any thread count.
     */
    private static void dotRows(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                                float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, int parts) {
        // op(A) row by row, contiguous: A itself unless transposed (then a copy; m is small)
        float[] rows = a;
        int rowsOff = aOff;
        int rowStride = lda;
        if (transA) {
            rows = new float[m * k];
            rowsOff = 0;
            rowStride = k;
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    rows[i * k + p] = a[aOff + p * lda + i];
                }
            }
        }
        float[] ar = rows;
        int ao = rowsOff;
        int as = rowStride;
        int tasks = ceilDiv(n, DOT_TASK_ROWS);
        GemmPool.forEach(parts, tasks, task -> {
            int j1 = Math.min(n, (task + 1) * DOT_TASK_ROWS);
            for (int j = task * DOT_TASK_ROWS; j < j1; j++) {
                for (int i = 0; i < m; i++) {
                    float dot = dot(k, ar, ao + i * as, b, bOff + j * ldb);
                    int at = cOff + i * ldc + j;
                    c[at] = beta == 0f ? alpha * dot : beta * c[at] + alpha * dot;
                }
            }
        });
    }

    /** Sum of x[xo + p] * y[yo + p] for p < k: four vector accumulators, added pairwise at the end. */
    static float dot(int k, float[] x, int xo, float[] y, int yo) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S);
        int p = 0;
        for (int bound = k - 4 * VL; p <= bound; p += 4 * VL) {
            s0 = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, y, yo + p), s0);
            s1 = FloatVector.fromArray(S, x, xo + p + VL).fma(FloatVector.fromArray(S, y, yo + p + VL), s1);
            s2 = FloatVector.fromArray(S, x, xo + p + 2 * VL).fma(FloatVector.fromArray(S, y, yo + p + 2 * VL), s2);
            s3 = FloatVector.fromArray(S, x, xo + p + 3 * VL).fma(FloatVector.fromArray(S, y, yo + p + 3 * VL), s3);
        }
        for (int bound = k - VL; p <= bound; p += VL) {
            s0 = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, y, yo + p), s0);
        }
        float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            sum += x[xo + p] * y[yo + p];
        }
        return sum;
    }

    /**
     * Few rows of C (at most one MC block) whose whole packed op(A) is small: the path for convolution tiles
     * (filters x pixels) and for fully connected layers with a small batch.
     */
    static boolean isFewRows(int m, int k) {
        return m <= MC && (long) roundUp(m, MR) * k <= FEW_ROWS_MAX_PACKED_A;
    }

    /**
     * SGEMM for {@link #isFewRows few rows}: all of alpha * op(A) is packed once (by the caller, shared
     * read-only), then tasks take ranges of NR-wide column panels; for each panel a task packs one KC slice
     * of op(B) at a time into a private, cache-resident buffer and runs every MR-tall A panel over it.
     *
     * <p>Why: with the general loop order and few rows, every task (a row range of just one or two micro
     * panels) streams the whole shared packed B block (6 MB at KC x NC) from L3 for each of its row panels,
     * and each KC slice costs two pool hand-offs. Here each B value is read from memory once, reused by all
     * m rows while it sits in L1/L2, and the call needs one hand-off. Each element of C still sees exactly
     * the same operations in the same order (KC slices in order, the same merge), so results are
     * bit-identical to the general path and across thread counts.
     */
    private static void fewRows(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc, int parts, Workspace own) {
        float[] packedA = packAllOfA(transA, m, k, alpha, a, aOff, lda, own.packedA(roundUp(m, MR) * k));
        fewRowsPacked(transB, m, n, k, packedA, b, bOff, ldb, null, null, beta, c, cOff, ldc, parts);
    }

    /** All of alpha * op(A) in the few-rows layout: slice pc at pc * mPad, MR-tall panels inside as packA lays them. */
    private static float[] packAllOfA(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda,
                                      float[] packedA) {
        int mPad = roundUp(m, MR);
        for (int pc = 0; pc < k; pc += KC) {
            packA(transA, alpha, a, aOff, lda, 0, m, pc, Math.min(KC, k - pc), packedA, pc * mPad);
        }
        return packedA;
    }

    /** Most floats of a prepared (packed) A (32 MB): a larger one is kept unpacked and packed per call. */
    static final long PREPARED_MAX_PACKED_A = 1L << 23;

    /**
     * A packed copy of alpha * op(A) for {@link #sgemmPrepared} (the few-rows layout, which the general loop
     * order reads as well), or null when it would be empty or larger than {@link #PREPARED_MAX_PACKED_A}.
     */
    float[] packForFewRows(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda) {
        return packForFewRows(transA, m, k, alpha, a, aOff, lda, false);
    }

    /**
     * As above; with {@code reuse} the copy goes into this thread's reusable buffer (packA writes every float of
     * the packed layout, padding rows included, so what an earlier use left there never shows).
     */
    float[] packForFewRows(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda,
                           boolean reuse) {
        if (m == 0 || k == 0 || (long) roundUp(m, MR) * k > PREPARED_MAX_PACKED_A) {
            return null;
        }
        int size = roundUp(m, MR) * k;
        float[] dst;
        if (reuse) {
            float[][] holder = TRANSIENT_PACKED.get();
            if (holder[0].length < size) {
                holder[0] = new float[size];
            }
            dst = holder[0];
        } else {
            dst = new float[size];
        }
        return packAllOfAShared(transA, m, k, alpha, a, aOff, lda, dst);
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} packs a prepared A on the calling thread alone
     * ({@code -Dconvnet4j.gemm.parallelPacking=false}). A training step packs every convolution's weights at least
     * once per pass (forward, data gradient): in ResNet-50 at batch 8 that was 61% of the calling thread's serial
     * samples while the second thread waited (JFR, docs/PERFORMANCE.md twenty-third pass, threads).
     */
    static volatile boolean parallelPacking = !"false".equals(System.getProperty("convnet4j.gemm.parallelPacking"));

    /**
     * {@link #packAllOfA} on the kernels' threads when large: tasks are (KC slice, block of rows) cells, each packing
     * its rows of its slice with {@link #packA} into the place the whole packing puts them (blocks are whole MR
     * panels), so every float is the same one multiplication by alpha, written to the same index: the same bits
     * on any thread count. A transposed A is read along its stored rows, so its blocks are at least 128 rows wide
     * (512 contiguous bytes per stored row; narrower blocks are the strided reads packATransposedByRows avoids).
     */
    private float[] packAllOfAShared(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda,
                                     float[] packedA) {
        int mPad = roundUp(m, MR);
        // a task packs about one ParallelChunks chunk (128 KB); under two chunks the packing stays on the caller
        int parts = !parallelPacking || (long) mPad * k < 2L * ParallelChunks.VALUES ? 1
                : GemmPool.allowedHere(threads);
        if (parts < 2) {
            return packAllOfA(transA, m, k, alpha, a, aOff, lda, packedA);
        }
        int slices = ceilDiv(k, KC);
        // whole MR panels either way (128 rows are 21 panels and 2 rows of the 6-row tile: rounded up)
        int rows = Math.max(transA ? roundUp(128, MR) : MR, ParallelChunks.VALUES / Math.min(KC, k) / MR * MR);
        int blocks = ceilDiv(m, rows);
        GemmPool.forEach(parts, slices * blocks, t -> {
            int pc = t / blocks * KC;
            int ic = t % blocks * rows;
            int kc = Math.min(KC, k - pc);
            packA(transA, alpha, a, aOff, lda, ic, Math.min(rows, m - ic), pc, kc, packedA, pc * mPad + ic * kc);
        });
        return packedA;
    }

    /** Per thread: the buffer of {@link Kernels#prepareATransient}'s packed copies. */
    private static final ThreadLocal<float[][]> TRANSIENT_PACKED = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * The single-threaded product with a prepared A: the few-rows path on the packed copy when this call would
     * take it (same dispatch as {@link #sgemm}, so the same bits), else the ordinary call.
     */
    void sgemmPrepared(PreparedMatrix p, boolean transB, int n, float[] b, int bOff, int ldb, float beta,
                       float[] c, int cOff, int ldc) {
        sgemmPrepared(p, transB, n, b, bOff, ldb, beta, c, cOff, ldc, 1);
    }

    /**
     * The product with a prepared A on at most {@code maxThreads} threads: the dispatch of {@link #sgemm} (same
     * paths, same bits), with the packing of A already done — once per convolution call instead of once per tile
     * and task.
     */
    void sgemmPrepared(PreparedMatrix p, boolean transB, int n, float[] b, int bOff, int ldb, float beta,
                       float[] c, int cOff, int ldc, int maxThreads) {
        int m = p.m();
        int k = p.k();
        boolean plain = p.packed() == null || m == 0 || n == 0 || k == 0 || p.alpha() == 0f
                || isDotShape(transB, m, n, k);
        if (plain) {
            sgemm(p.transA(), transB, m, n, k, p.alpha(), p.a(), p.aOff(), p.lda(), b, bOff, ldb, beta, c, cOff, ldc,
                    maxThreads);
            return;
        }
        int parts = (long) m * n * k < PARALLEL_THRESHOLD ? 1 : GemmPool.allowedHere(Math.min(threads, maxThreads));
        if (fewRowsPath && (isFewRows(m, k) || isTallNarrow(m, n))) {
            fewRowsPacked(transB, m, n, k, p.packed(), b, bOff, ldb, null, null, beta, c, cOff, ldc, parts);
            return;
        }
        general(p.transA(), transB, m, n, k, p.alpha(), p.a(), p.aOff(), p.lda(), p.packed(), b, bOff, ldb, null, beta,
                c, cOff, ldc, parts, WORKSPACE.get());
    }

    /**
     * op(B) [k x n] packed once for many products with different left operands ({@link Kernels#prepareB}: a
     * one-sample 7x7 convolution tile computed transposed has the weights on the right): every KC slice of every
     * NR-wide panel as {@link #packBPanel} writes it, slice pc at {@code pc * roundUp(n, NR)} and its panel q
     * {@code q * kc * NR} further. Null when larger than {@link #PREPARED_MAX_PACKED_A}.
     */
    float[] packForFewRowsB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        if (n == 0 || k == 0 || (long) roundUp(n, NR) * k > PREPARED_MAX_PACKED_A) {
            return null;
        }
        int nPad = roundUp(n, NR);
        float[] dst = new float[nPad * k];
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            for (int col = 0; col < n; col += NR) {
                packBPanel(transB, b, bOff, ldb, null, pc, kc, col, Math.min(NR, n - col), dst, pc * nPad + col * kc);
            }
        }
        return dst;
    }

    /**
     * C = op(A) op(B) + beta C with B prepared by {@link #packForFewRowsB} ({@code pb}: transA = transB, m = k,
     * k = n): the dispatch of {@link #sgemm}; on the few-rows path the tasks read B's panels from the prepared copy
     * instead of packing them (the same values, so the same bits), elsewhere the ordinary call.
     */
    void sgemmPreparedB(boolean transA, int m, float[] a, int aOff, int lda, PreparedMatrix pb, float beta, float[] c,
                        int cOff, int ldc, int maxThreads) {
        int k = pb.m();
        int n = pb.k();
        boolean transB = pb.transA();
        if (pb.packed() == null || m == 0 || n == 0 || k == 0 || (!exactRows && isDotShape(transB, m, n, k))
                || !fewRowsPath || !isFewRows(m, k)) {
            sgemm(transA, transB, m, n, k, 1f, a, aOff, lda, pb.a(), pb.aOff(), pb.lda(), beta, c, cOff, ldc,
                    maxThreads);
            return;
        }
        int parts = (long) m * n * k < PARALLEL_THRESHOLD ? 1 : GemmPool.allowedHere(Math.min(threads, maxThreads));
        float[] into = WORKSPACE.get().packedA(roundUp(m, MR) * k);
        float[] packedA = parts > 1 && sharedPackingWithPreparedB
                ? packAllOfAShared(transA, m, k, 1f, a, aOff, lda, into)
                : packAllOfA(transA, m, k, 1f, a, aOff, lda, into);
        fewRowsPacked(transB, m, n, k, packedA, pb.a(), pb.aOff(), pb.lda(), null, pb.packed(), beta, c, cOff, ldc,
                parts);
    }

    /**
     * Switch for A/B runs ({@code FlagAB}; {@code -Dconvnet4j.gemm.sharedPackingWithPreparedB=false}): whether a
     * threaded product with a prepared B packs its left operand on every thread ({@link #packAllOfAShared}) rather
     * than on the caller alone. At batch 1, ResNet-50's 7x7 tiles are computed transposed with the weights prepared on
     * the right, and their patches (49 x 4,608 floats for a 3x3 layer) were packed while the second thread waited:
     * about 1 ms of the caller's 2.9 ms of serial CPU per pass (docs/PERFORMANCE.md, session 21, the threads
     * engineer). A copy: the same floats in the same places on any split.
     */
    static volatile boolean sharedPackingWithPreparedB =
            !"false".equals(System.getProperty("convnet4j.gemm.sharedPackingWithPreparedB"));

    /**
     * {@code -Dconvnet4j.gemm.exactRows=true} (off by default): with a prepared B, a few rows ({@link #isDotShape})
     * take the packed few-rows path too, not the dot products, so a row of C is computed by the same operations
     * whatever the number of rows and an inference's output for one sample does not depend on the other samples of
     * its batch. Why a batch changes a sample's bits: the dot products sum a row's terms in another order than the
     * GEMM's micro-kernels, and Dense takes them for at most 4 rows (and for a small output from long rows: 1024 to 10
     * up to 25 rows); every other path (few rows, general, Dense's row blocks) gives a row the same bits for any
     * batch (BatchIndependentRowsTest). Why not on by default: (1) inference would then differ in the last bits from
     * the training forward and from the unpacked product for batches of 1-4 (which keep the dot products: packing W
     * for each step of a few rows is what they avoid), against the "same bits either way" of the kept packed weights
     * (PackedInferenceWeightsTest, PreparedRightOperandTest); (2) a dense layer too large to keep packed (VGG16's
     * 25088 x 4096) keeps the dot products anyway; (3) a narrow layer pays the 4-row tile: 1024 to 10 at batch 1 went
     * from 2 to 7-12 us CPU per call (2048 to 1000 and a whole LeNet-5 unchanged within the noise; load 30-38).
     */
    static volatile boolean exactRows = Boolean.getBoolean("convnet4j.gemm.exactRows");

    /**
     * Switch for A/B runs ({@code FlagAB}; {@code -Dconvnet4j.gemm.taskGrid=false}): {@code false} restores the
     * few-rows path's tasks as column-panel ranges only, and sends a prepared A of more than {@link #MC} rows down the
     * general loop order (two hand-offs per KC slice). Same bits either way.
     */
    static volatile boolean taskGrid = !"false".equals(System.getProperty("convnet4j.gemm.taskGrid"));

    /**
     * Whether a product with a prepared (fully packed) A of more than {@link #MC} rows takes the few-rows path with
     * its rows cut in blocks ({@link #fewRowsPacked}: one hand-off per call) rather than the general loop order (two
     * per KC slice): when C is narrow, at most {@link #GRID_MAX_PANELS} column panels (GoogLeNet's 14x14 layers with
     * 208-384 filters: n = 196, k = 528-1,440, ten hand-offs a call). Each task then packs the B panels of its column
     * range once per row block, which is cheap next to the product when n is this small.
     */
    static boolean isTallNarrow(int m, int n) {
        return taskGrid && m > MC && ceilDiv(n, NR) <= GRID_MAX_PANELS;
    }

    /**
     * Switch for A/B runs ({@code -Dconvnet4j.gemm.spreadTasks=true}): tasks that cut C's columns into ranges take
     * them in {@link #spread} order, so that the two tasks taken one after the other (which two threads run at the
     * same time) never write the two sides of one range boundary, where the rows of both share cache lines (a row
     * of 196 floats puts three in four boundaries inside a 64-byte line). Same tiles, same bits either way.
     */
    static volatile boolean spreadTasks = Boolean.getBoolean("convnet4j.gemm.spreadTasks");

    /**
     * With two or more threads, the general loop order split by B's columns first ({@code
     * -Dconvnet4j.gemm.privateColumns=true}, off by default): each thread runs the one-thread product on its own range
     * of columns, so it packs its own B panels and its own copy of A and writes only its own columns of C; nothing but
     * the hand-off crosses between the cores. Why: the AMD guest's host puts the two vCPUs on cores that do not share a
     * last-level cache for minutes at a time, and then every task reading the one B block that both threads packed made
     * W1 at n = 512 about a fifth slower (two one-thread halves with nothing shared: 183.5 against 152 GFLOPS in that
     * placement, 191.5 against 196 in the other; docs/PERFORMANCE.md, session 20, the JIT engineer). The price is A
     * packed once per thread. The bits are one thread's (GemmPoolTest).
     */
    static volatile boolean privateColumns = Boolean.getBoolean("convnet4j.gemm.privateColumns");

    /**
     * With two or more threads, a product of one KC slice (k at most KC) whose op(B) is no larger than op(A) (n at
     * most m) is cut into one range of A's rows per thread ({@code -Dconvnet4j.gemm.privateRows=false} turns it off):
     * each thread runs the one-thread product on its own rows, packing its own rows of A and its own copy of all of B,
     * and writes only its own rows of C; nothing but the hand-off crosses between the cores. Why: the AMD guest's host
     * puts the two vCPUs on cores that share no last-level cache for minutes at a time, and then the shared order, in
     * which every task reads the one B block both threads packed, ran W1 at n = 512 at 169 GFLOPS against 199 in the
     * other placement; cut by rows, 197 and 205 (pinned, loaded, best of 20 calls, paired by round: 1.16x and 1.03x;
     * docs/PERFORMANCE.md, session 22, the GEMM engineer). At n = 1024 (two slices) the copy of B costs more than the
     * sharing: 0.955x the shared order's GFLOPS per CPU second in the near placement (1.06x far), hence one slice only.
     * Before {@link #privateColumns}: the copied operand is the smaller one, and at square shapes rows cut C into two
     * contiguous blocks, where columns cut every row of C inside a cache line that both threads write and leave each
     * thread a one-vector edge panel (n = 512: 256 columns are 5 panels of NR = 48 and 16); columns measured 0.96x near.
     * A per-machine choice measured on AMD only. The bits are one thread's (GemmPoolTest), as are the shared order's.
     */
    static volatile boolean privateRows = !"false".equals(System.getProperty("convnet4j.gemm.privateRows"));

    /**
     * Switch for A/B runs and tests ({@code -Dconvnet4j.gemm.privateRowsDeep=true}, off): {@link #privateRows} for
     * products of several KC slices too, whatever the placement (each thread its own rows of C over every slice and its
     * own packed B per slice). Off because near it costs more than it saves: 0.954-0.969x the shared order's GFLOPS per
     * CPU second at n = 1024 in four loaded runs (the copy of B), against 1.005-1.040x far; {@link #rowsWhenFar} takes
     * it only when the threads sit far apart. Same bits as one thread (GemmPoolTest).
     */
    static volatile boolean privateRowsDeep = Boolean.getBoolean("convnet4j.gemm.privateRowsDeep");

    /**
     * With two or more threads, a product that {@link #privateRows} would take but for its two KC slices takes the
     * rows split when the calling thread and the pool's worker sit far apart ({@link GemmPool#farApart}: a cache line's
     * round trip of 150 ns or more, measured at most twice a second), and the shared order when they are near ({@code
     * -Dconvnet4j.gemm.rowsWhenFar=false}: the shared order always). Why: W1 at n = 1024. On the AMD guest the shared
     * order, where every task reads the one B block both threads packed, loses 6-12% in the far placement; each thread's
     * own rows and own copy of B lose little to the placement but cost 3-5% near for the copy of B (per CPU second, four
     * loaded runs: near 0.949-0.969x, far 1.005-1.040x; chosen by the probe, 1.010x near and 1.040x far). At n = 2048
     * (four slices, a 4 MB copy of B per slice) the rows split did not win far (0.995x), hence two slices at most
     * (docs/PERFORMANCE.md, "Session 24, the GEMM engineer"). Both orders give one thread's bits, so the choice, made by
     * a measurement, changes no result. A per-machine choice: on a machine whose cores share one last-level cache (the
     * Intel guest) the probe reads near and nothing changes.
     */
    static volatile boolean rowsWhenFar = !"false".equals(System.getProperty("convnet4j.gemm.rowsWhenFar"));

    /**
     * A full-width panel of an untransposed B packed by three vector copies per k step instead of {@code
     * System.arraycopy} of NR floats ({@code -Dconvnet4j.gemm.vectorPackB=false}: the copy): the same values in the same
     * places, for the price of the copy without the call's checks and dispatch, which at NR = 48 floats per call were
     * a measurable part of packing (W1 n = 1024: 1.005-1.034x GFLOPS per CPU second in three loaded runs, both
     * placements).
     */
    static volatile boolean vectorPackB = !"false".equals(System.getProperty("convnet4j.gemm.vectorPackB"));

    /**
     * The {@code i}-th of {@code n} ranges in spread order: the odd ranges first, then the even ones (1, 3, 5, 0, 2,
     * 4), so that for {@code n >= 4} no two consecutive ones are neighbours. A permutation of {@code 0 .. n-1}.
     */
    static int spread(int i, int n) {
        int odd = n / 2;
        return i < odd ? 2 * i + 1 : 2 * (i - odd);
    }

    /**
     * Switch for A/B runs ({@code FlagAB}; {@code -Dconvnet4j.gemm.panelTasksWithPreparedB=false}): whether a threaded
     * few-rows product with a prepared B takes one task per column panel, the last panel's rows cut in one block per
     * thread, instead of {@link #fewRowsGrid}'s panel ranges. A one-sample 7x7 tile computed transposed against 512
     * filters has 10 whole panels and one of 32 columns; as six ranges (1, 2, 2, 2, 2, 2 panels) one thread ran 5.67
     * panels' work while the other ran 5, each call. Read in place, B costs nothing more per task; only the last panel
     * is read once per thread. Block bounds fall on multiples of MR: the same tiles, the same bits.
     */
    static volatile boolean panelTasksWithPreparedB =
            !"false".equals(System.getProperty("convnet4j.gemm.panelTasksWithPreparedB"));

    /** Most column panels (of NR) of a {@link #isTallNarrow tall, narrow} product. */
    static final int GRID_MAX_PANELS = 8;

    /**
     * How the few-rows path cuts C into tasks: {@code {rowBlocks, panelRanges}}, tasks = their product. Rows are cut
     * into blocks of at most {@link #MC} (so a block's slice of packed A stays in L2), and, when C has too few column
     * panels to share out over {@code parts} threads (a one-sample 7x7 tile computed transposed: m = 49 pixels, n =
     * 48-128 filters, one to three panels), into more blocks, so that there are about three tasks per thread. Block
     * bounds fall on multiples of MR, so every tile is computed as on one thread: the same bits.
     */
    static int[] fewRowsGrid(int m, int n, int parts) {
        int panels = ceilDiv(n, NR);
        int rowUnits = ceilDiv(m, MR);
        int rowBlocks = ceilDiv(m, MC);
        if (parts == 1) {
            return new int[] {rowBlocks, 1};
        }
        int want = parts * 3;
        int panelRanges = Math.min(panels, want);
        if (taskGrid && panelRanges < 2 * parts) {
            rowBlocks = Math.max(rowBlocks, Math.min(rowUnits, ceilDiv(want, panelRanges)));
        }
        return new int[] {rowBlocks, panelRanges};
    }

    /**
     * {@code prepackedB}: op(B) in {@link #packForFewRowsB}'s layout (its panels are read, not packed), or null.
     * Tasks take (row block, column-panel range) cells of {@link #fewRowsGrid}; one pool hand-off per call.
     */
    private static void fewRowsPacked(boolean transB, int m, int n, int k, float[] packedA, float[] b, int bOff,
                                      int ldb, int[] bRows, float[] prepackedB, float beta, float[] c, int cOff,
                                      int ldc, int parts) {
        int mPad = roundUp(m, MR);
        int nPad = roundUp(n, NR);
        int panels = ceilDiv(n, NR);
        int rowUnits = ceilDiv(m, MR);
        int[] grid = fewRowsGrid(m, n, parts);
        int rowBlocks = grid[0];
        int panelRanges = grid[1];
        // With the pool's fixed split the tasks go column range by column range, so that each thread's block of
        // tasks is a slab of C's columns (the same pixels in every layer of a one-sample network), all its rows.
        boolean byColumns = GemmPool.fixedSplit;
        // B read where it was prepared (no packing per task): a task per panel, all rows, and the last panel's rows cut
        // in one block per thread, so that the threads end together (see panelTasksWithPreparedB)
        boolean byPanels = prepackedB != null && panelTasksWithPreparedB && parts > 1 && !byColumns && rowBlocks == 1
                && panels >= 2 * parts && rowUnits >= parts;
        int last = panels - 1;
        GemmPool.forEach(parts, byPanels ? last + parts : rowBlocks * panelRanges, task -> {
            int rb = byPanels ? Math.max(0, task - last) : byColumns ? task % rowBlocks : task / panelRanges;
            int blocks = byPanels ? task < last ? 1 : parts : rowBlocks;
            int pr = byColumns ? task / rowBlocks
                    : spreadTasks ? spread(task % panelRanges, panelRanges) : task % panelRanges;
            int i0 = (int) ((long) rowUnits * rb / blocks) * MR;
            int i1 = Math.min(m, (int) ((long) rowUnits * (rb + 1) / blocks) * MR);
            int q0 = byPanels ? Math.min(task, last) : (int) ((long) panels * pr / panelRanges);
            int q1 = byPanels ? q0 + 1 : (int) ((long) panels * (pr + 1) / panelRanges);
            Workspace ws = WORKSPACE.get();
            float[] panel = ws.packedB(Math.min(KC, k) * NR);
            float[] tile = ws.tile;
            for (int q = q0; q < q1; q++) {
                int col = q * NR;
                int nr = Math.min(NR, n - col);
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    boolean first = pc == 0;
                    boolean overwrite = first && beta == 0f;
                    float betaEff = first ? beta : 1f;
                    float[] pb = panel;
                    int pbIdx = 0;
                    if (prepackedB == null) {
                        packBPanel(transB, b, bOff, ldb, bRows, pc, kc, col, nr, panel, 0);
                    } else {
                        pb = prepackedB;
                        pbIdx = pc * nPad + col * kc;
                    }
                    for (int ir = i0; ir < i1; ir += MR) {
                        int mr = Math.min(MR, m - ir);
                        int aIdx = pc * mPad + ir * kc;
                        int cIdx = cOff + ir * ldc + col;
                        if (mr == MR && nr == NR) {
                            fullTile(kc, packedA, aIdx, pb, pbIdx, c, cIdx, ldc, betaEff, overwrite);
                        } else {
                            edgeKernel(kc, packedA, aIdx, pb, pbIdx, tile, mr, nr);
                            mergeTile(tile, mr, nr, c, cIdx, ldc, betaEff, overwrite);
                        }
                    }
                }
            }
        });
    }

    /** C = beta * C, overwriting when beta is 0 (so NaN in C does not survive). */
    private static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[row + j] = beta == 0f ? 0f : beta * c[row + j];
            }
        }
    }

    /**
     * Updates rows [i0, i1) x B panels [q0, q1) of the current column block of C with one KC slice: packs
     * the rows of alpha * op(A) MC at a time, then runs the micro-kernel over every tile.
     */
    private static void macroKernel(boolean transA, float alpha, float[] a, int aOff, int lda, float[] prepackedA,
                                    int mPad, int i0, int i1, int pc, int kc, float[] packedB, int jc, int nc,
                                    int q0, int q1, float[] c, int cOff, int ldc, float betaEff, boolean overwrite,
                                    Workspace ws) {
        float[] packedA = prepackedA != null ? prepackedA : ws.packedA(kc * roundUp(Math.min(MC, i1 - i0), MR));
        float[] tile = ws.tile;
        for (int ic = i0; ic < i1; ic += MC) {
            int mc = Math.min(MC, i1 - ic);
            int aBase = 0;
            if (prepackedA == null) {
                packA(transA, alpha, a, aOff, lda, ic, mc, pc, kc, packedA, 0);
            } else {
                aBase = pc * mPad + ic * kc; // slice pc, rows from ic: panels of MR rows, kc deep, in a row
            }
            for (int jr = q0 * NR; jr < q1 * NR; jr += NR) {
                int nr = Math.min(NR, nc - jr);
                int bIdx = jr * kc;
                for (int ir = 0; ir < mc; ir += MR) {
                    int mr = Math.min(MR, mc - ir);
                    int aIdx = aBase + ir * kc;
                    int cIdx = cOff + (ic + ir) * ldc + jc + jr;
                    if (mr == MR && nr == NR) {
                        fullTile(kc, packedA, aIdx, packedB, bIdx, c, cIdx, ldc, betaEff, overwrite);
                    } else {
                        edgeKernel(kc, packedA, aIdx, packedB, bIdx, tile, mr, nr);
                        mergeTile(tile, mr, nr, c, cIdx, ldc, betaEff, overwrite);
                    }
                }
            }
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /**
     * Adds an edge tile computed into scratch to C, with exactly the arithmetic the micro-kernel's own
     * store uses ({@code fma(C, beta, acc)}, one rounding), so results do not depend on tile position.
     */
    private static void mergeTile(float[] tile, int mr, int nr, float[] c, int cIdx, int ldc,
                                  float beta, boolean overwrite) {
        // Vectorised: with few rows (LeNet's 6 and 16 filters) every micro-tile is an edge tile, and a scalar
        // merge cost about as much as the micro-kernel itself. Whole vectors where they fit, a scalar tail.
        // No vector chosen by a branch, and the plain copy not on vectors: inlined into its callers by C2 (JDK 17),
        // the vectors of the old single loop (the tile, or the FMA when merging) were boxed on the heap in some
        // compilations, ~100 bytes each: 72-150 MB per ResNet-50 training step (JFR), depending on the JIT's profile.
        if (overwrite) {
            for (int r = 0; r < mr; r++) {
                System.arraycopy(tile, r * NR, c, cIdx + r * ldc, nr);
            }
            return;
        }
        int full = nr - nr % VL;
        FloatVector betaV = FloatVector.broadcast(S, beta);
        for (int r = 0; r < mr; r++) {
            int row = cIdx + r * ldc;
            int t = r * NR;
            int j = 0;
            for (; j < full; j += VL) {
                FloatVector.fromArray(S, c, row + j).fma(betaV, FloatVector.fromArray(S, tile, t + j))
                        .intoArray(c, row + j);
            }
            for (; j < nr; j++) {
                c[row + j] = Math.fma(c[row + j], beta, tile[t + j]);
            }
        }
    }

    /**
     * Packs rows [ic, ic + mc) x k-range [pc, pc + kc) of alpha * op(A) into MR-tall panels: panel q holds,
     * for each p, the MR values of column p (rows past the edge are zero); panel q starts at
     * {@code dstOff + q * MR * kc}.
     */
    private static void packA(boolean transA, float alpha, float[] a, int aOff, int lda,
                              int ic, int mc, int pc, int kc, float[] dst, int dstOff) {
        if (rowMajorPacking) {
            if (transA) {
                packATransposedByRows(alpha, a, aOff, lda, ic, mc, pc, kc, dst, dstOff);
                return;
            }
        }
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = dstOff + ir * kc;
            if (transA) {
                // Stored A is k x m: the MR values for one p are contiguous.
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic + ir;
                    int d = base + p * MR;
                    for (int r = 0; r < mr; r++) {
                        dst[d + r] = alpha * a[src + r];
                    }
                    for (int r = mr; r < MR; r++) {
                        dst[d + r] = 0f;
                    }
                }
            } else if (transposeByBlocks && mr == MR && MR % 4 == 0 && alpha == 1f) {
                // Stored A is m x k, alpha 1 (a weight gradient's dy, W1): MR rows in blocks of four.
                for (int r = 0; r < MR; r += 4) {
                    int src = aOff + (ic + ir + r) * lda + pc;
                    interleave4(a, src, src + lda, src + 2 * lda, src + 3 * lda, kc, dst, base + r, MR);
                }
            } else {
                // Stored A is m x k: read each row contiguously, scatter with stride MR.
                for (int r = 0; r < mr; r++) {
                    int src = aOff + (ic + ir + r) * lda + pc;
                    int d = base + r;
                    for (int p = 0; p < kc; p++) {
                        dst[d + p * MR] = alpha * a[src + p];
                    }
                }
                for (int r = mr; r < MR; r++) {
                    for (int p = 0; p < kc; p++) {
                        dst[base + r + p * MR] = 0f;
                    }
                }
            }
        }
    }

    /**
     * {@code -Dconvnet4j.gemm.rowMajorPacking=false}: packA's loop order of before for a transposed A (a field for
     * A/B runs). The packed values and their places are the same either way; only the order of the reads and writes
     * differs. (The same reordering for an untransposed A, eight read streams and one sequential write, measured
     * 0.7-2.4x of the old order under load: no clear gain, not kept.)
     */
    static volatile boolean rowMajorPacking = !"false".equals(System.getProperty("convnet4j.gemm.rowMajorPacking"));

    /**
     * packA for a transposed A (stored k x m): for each p, the mc values of stored row pc + p are contiguous, and
     * are read in one sweep, MR at a time into their panels. (The loop order of before walked the kc stored rows
     * once per panel, reading 32 bytes from each: with lda a multiple of 1024 floats every such row falls in the same
     * L1 set, so each read missed L1; measured 2-5x slower per value than the untransposed packing.)
     */
    private static void packATransposedByRows(float alpha, float[] a, int aOff, int lda, int ic, int mc, int pc,
                                              int kc, float[] dst, int dstOff) {
        int full = mc - mc % MR;
        for (int p = 0; p < kc; p++) {
            int src = aOff + (pc + p) * lda + ic;
            int d = dstOff + p * MR;
            int ir = 0;
            for (; ir < full; ir += MR) {
                int at = d + ir * kc;
                for (int r = 0; r < MR; r++) {
                    dst[at + r] = alpha * a[src + ir + r];
                }
            }
            if (ir < mc) {
                int at = d + ir * kc;
                int mr = mc - ir;
                for (int r = 0; r < mr; r++) {
                    dst[at + r] = alpha * a[src + ir + r];
                }
                for (int r = mr; r < MR; r++) {
                    dst[at + r] = 0f;
                }
            }
        }
    }

    /**
     * Switch for A/B runs, <b>off by default</b> ({@code -Dconvnet4j.gemm.transposeByBlocks=true} turns it on). The two
     * packings that interleave stored rows value by value, a transposed B (NR rows of B into a panel: a weight
     * gradient's x, a transposed tile's weights) and an untransposed A with alpha 1 (MR rows: a weight gradient's dy,
     * W1's A), go four stored rows at a time through {@link #interleave4}: for each k step the four values side by
     * side, instead of walking one stored row at a time with every store NR (or MR) floats from the last. Values are
     * only moved: the same bits either way. Measured (docs/PERFORMANCE.md, "Session 19, the GEMM engineer"; AMD,
     * loaded): the weight gradients' GEMM shapes of ResNet-50's 1x1 layers use 11-12% less CPU with it on, W1 2%; a
     * one-sample 7x7 tile's transposed product, which packs the weights so on every call, 7-11% more; the whole W6
     * step in fresh JVMs 1-1.5% more CPU per step in two pairs (within the noise): no measured win, so off.
     *
     * <p>Why plain scalar moves, not session 18's 4 x 4 transposes in 128-bit vectors: those put a second float
     * species (FloatVector.SPECIES_128) into a JVM whose kernels all use the preferred one, and with them a fresh W6
     * JVM allocated 12.8 GB per training step (48 collections; 5 MB and none without them): JFR's allocation samples
     * found the boxes in the 512-bit FMAs of other kernels (VectorDirectProducts.tile8x1, microKernel8x3: a
     * Float512Vector and its float[16] from FloatVector.lanewiseTemplate), almost none in the transposes themselves.
     * On JDK 17 the second species changed how C2 compiled the first one's kernels; scalar moves allocate nothing.
     */
    static volatile boolean transposeByBlocks =
            "true".equals(System.getProperty("convnet4j.gemm.transposeByBlocks"));

    /**
     * Four stored rows of {@code kc} values, starting at {@code src[s0]} .. {@code src[s3]}, interleaved: value p of
     * row r goes to {@code dst[d + p * stride + r]}, the four values of one p stored side by side. Plain scalar moves,
     * no Vector API: see {@link #transposeByBlocks} for why.
     */
    private static void interleave4(float[] src, int s0, int s1, int s2, int s3, int kc, float[] dst, int d,
                                    int stride) {
        for (int p = 0; p < kc; p++) {
            int at = d + p * stride;
            dst[at] = src[s0 + p];
            dst[at + 1] = src[s1 + p];
            dst[at + 2] = src[s2 + p];
            dst[at + 3] = src[s3 + p];
        }
    }

    /**
     * Packs k-range [pc, pc + kc) x columns [col, col + nr) of op(B) into one NR-wide panel at
     * {@code dst[base ..]}: for each p, the NR values of row p (columns past the edge are zero). Stored row r of B
     * starts at {@code bOff + r * ldb}, or with {@code bRows} at {@code bOff + bRows[r]} (a convolution's shifted
     * input rows: {@link #sgemmRows}).
     */
    private static void packBPanel(boolean transB, float[] b, int bOff, int ldb, int[] bRows, int pc, int kc, int col,
                                   int nr, float[] dst, int base) {
        if (transB) {
            int blocked = 0;
            if (transposeByBlocks) {
                for (; blocked + 4 <= nr; blocked += 4) {
                    int s0 = bOff + rowStart(bRows, ldb, col + blocked) + pc;
                    interleave4(b, s0, bOff + rowStart(bRows, ldb, col + blocked + 1) + pc,
                            bOff + rowStart(bRows, ldb, col + blocked + 2) + pc,
                            bOff + rowStart(bRows, ldb, col + blocked + 3) + pc, kc, dst, base + blocked, NR);
                }
            }
            // Stored B is n x k: read each stored row (one column of op(B)) contiguously.
            for (int j = blocked; j < nr; j++) {
                int src = bOff + rowStart(bRows, ldb, col + j) + pc;
                int d = base + j;
                for (int p = 0; p < kc; p++) {
                    dst[d + p * NR] = b[src + p];
                }
            }
            for (int j = nr; j < NR; j++) {
                for (int p = 0; p < kc; p++) {
                    dst[base + j + p * NR] = 0f;
                }
            }
        } else {
            // Stored B is k x n: each panel row is a contiguous run of a stored row.
            if (vectorPackB && nr == NR) {
                for (int p = 0; p < kc; p++) {
                    int s = bOff + rowStart(bRows, ldb, pc + p) + col;
                    int d = base + p * NR;
                    FloatVector.fromArray(S, b, s).intoArray(dst, d);
                    FloatVector.fromArray(S, b, s + VL).intoArray(dst, d + VL);
                    if (NR == 3 * VL) { // a constant: not the 6 x 16 tile's two-vector panels (Tile6x16)
                        FloatVector.fromArray(S, b, s + 2 * VL).intoArray(dst, d + 2 * VL);
                    }
                }
                return;
            }
            for (int p = 0; p < kc; p++) {
                int d = base + p * NR;
                System.arraycopy(b, bOff + rowStart(bRows, ldb, pc + p) + col, dst, d, nr);
                for (int j = nr; j < NR; j++) {
                    dst[d + j] = 0f;
                }
            }
        }
    }

    /** Where stored row r of B starts after {@code bOff}: {@code r * ldb}, or {@code bRows[r]} when rows are given. */
    private static int rowStart(int[] bRows, int ldb, int r) {
        return bRows == null ? r * ldb : bRows[r];
    }

    /**
     * C = alpha * op(A) op(B) + beta * C on at most {@code maxThreads} threads, where stored row r of B (row r of
     * op(B) when B is not transposed, column r when it is) starts at {@code b[bOff + rows[r]]}: rows anywhere in
     * {@code b}, overlapping or not (a convolution's input rows shifted by each tap: an implicit im2col). Exactly the
     * bits of {@link #sgemm} on B copied into a matrix: the packed paths read B only through {@link #packBPanel}, which
     * puts the same values in the same places; the dot-product path gets that copy.
     */
    void sgemmRows(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                   float[] b, int bOff, int[] rows, float beta, float[] c, int cOff, int ldc, int maxThreads) {
        if (m == 0 || n == 0 || k == 0 || alpha == 0f || isDotShape(transB, m, n, k)) {
            int ldb = transB ? k : n;
            sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, RowsB.copy(transB, m, n, k, b, bOff, rows), 0, ldb, beta,
                    c, cOff, ldc, maxThreads);
            return;
        }
        int parts = (long) m * n * k < PARALLEL_THRESHOLD ? 1 : GemmPool.allowedHere(Math.min(threads, maxThreads));
        Workspace own = WORKSPACE.get();
        if (fewRowsPath && isFewRows(m, k)) {
            float[] packedA = packAllOfA(transA, m, k, alpha, a, aOff, lda, own.packedA(roundUp(m, MR) * k));
            fewRowsPacked(transB, m, n, k, packedA, b, bOff, 0, rows, null, beta, c, cOff, ldc, parts);
            return;
        }
        general(transA, transB, m, n, k, alpha, a, aOff, lda, null, b, bOff, 0, rows, beta, c, cOff, ldc, parts, own);
    }

    /** {@link #sgemmRows} with a prepared A: the dispatch of {@link #sgemmPrepared}, so the bits of its call on B's copy. */
    void sgemmPreparedRows(PreparedMatrix p, boolean transB, int n, float[] b, int bOff, int[] rows, float beta,
                           float[] c, int cOff, int ldc, int maxThreads) {
        int m = p.m();
        int k = p.k();
        if (p.packed() == null || m == 0 || n == 0 || k == 0 || p.alpha() == 0f || isDotShape(transB, m, n, k)) {
            sgemmRows(p.transA(), transB, m, n, k, p.alpha(), p.a(), p.aOff(), p.lda(), b, bOff, rows, beta, c, cOff,
                    ldc, maxThreads);
            return;
        }
        int parts = (long) m * n * k < PARALLEL_THRESHOLD ? 1 : GemmPool.allowedHere(Math.min(threads, maxThreads));
        if (fewRowsPath && (isFewRows(m, k) || isTallNarrow(m, n))) {
            fewRowsPacked(transB, m, n, k, p.packed(), b, bOff, 0, rows, null, beta, c, cOff, ldc, parts);
            return;
        }
        general(p.transA(), transB, m, n, k, p.alpha(), p.a(), p.aOff(), p.lda(), p.packed(), b, bOff, 0, rows, beta,
                c, cOff, ldc, parts, WORKSPACE.get());
    }

    static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** Per-thread packing buffers, grown on demand and reused across calls (no allocation per call). */
    private static final class Workspace {
        final float[] tile = new float[MR * NR];
        private float[] packedA = new float[0];
        private float[] packedB = new float[0];

        float[] packedA(int size) {
            if (packedA.length < size) {
                packedA = new float[size];
            }
            return packedA;
        }

        float[] packedB(int size) {
            if (packedB.length < size) {
                packedB = new float[size];
            }
            return packedB;
        }
    }

    /**
     * Narrow edge panels ({@code -Dconvnet4j.gemm.narrowEdges=false}: the full kernel, as before; a field so that A/B
     * runs can flip it). A column panel of C narrower than NR (ResNet's 14x14 planes as convolution tiles: T = 196 =
     * 4 x 48 + 4; 7x7 planes joined in pairs: 98 = 2 x 48 + 2; a 1x1 layer's weight gradient with 64 input
     * channels: 48 + 16) is computed with as many vectors as it needs (one or two) instead of three, so the
     * edge costs 1/3 or 2/3 of a full tile's FMAs instead of all of them. Each lane runs the same FMA chain as in
     * the full kernel, and the tile goes through the same merge: the same bits.
     */
    static volatile boolean narrowEdges = !"false".equals(System.getProperty("convnet4j.gemm.narrowEdges"));

    /**
     * Short row edges ({@code -Dconvnet4j.gemm.shortRowEdges=false}: the full kernel; a field for A/B runs). A row
     * panel of C with at most 4 of its 8 rows in use (a one-sample 7x7 convolution tile computed transposed has
     * m = 49 = 6 x 8 + 1 rows; 196 = 24 x 8 + 4) runs a 4-row kernel: half the FMAs of the full one. Its lanes
     * are the full kernel's first four rows' chains, and the tile goes through the same merge: the same bits.
     */
    static volatile boolean shortRowEdges = !"false".equals(System.getProperty("convnet4j.gemm.shortRowEdges"));

    /**
     * Narrow edge panels on 8-float machines: with the 6 x 16 tile ({@link Tile6x16}) an edge of at most VL columns runs
     * {@link #microKernel6x1}; with the 4 x 24 one, {@link #narrowEdges}' one- and two-vector kernels for {@link
     * #microKernel4x3}: until session 25 every edge panel there ran the full three-vector kernel (the 8-row
     * forms are written for 8-row panels). With NR = 24 a 14x14 plane's 196 columns are 8 panels and 4 columns, 7x7
     * planes joined in pairs 4 panels and 2, a 1x1 weight gradient's 64 channels 2 panels and 16. Same lanes' chains,
     * same merge: the same bits. {@code -Dconvnet4j.gemm.narrowEdges4=false} (or narrowEdges=false) for A/B runs; a
     * 16-float machine (MR = 8) never reads it, so its paths and bits stay as they were.
     */
    static volatile boolean narrowEdges4 = narrowEdges
            && !"false".equals(System.getProperty("convnet4j.gemm.narrowEdges4"));

    /**
     * An edge tile (fewer than MR rows or NR columns) into {@code tile} (row stride NR, overwritten): only the
     * first {@code nr} columns are meaningful, and only the vectors covering them are computed (8-row kernels).
     */
    static void edgeKernel(int kc, float[] pa, int aIdx, float[] pb, int bIdx, float[] tile, int mr, int nr) {
        if (MR == 8 && mr <= 4 && nr > 2 * VL && shortRowEdges) {
            microKernel4of8x3(kc, pa, aIdx, pb, bIdx, tile);
        } else if (MR == 8 && nr <= 2 * VL && narrowEdges) {
            if (nr <= VL) {
                microKernel8x1(kc, pa, aIdx, pb, bIdx, tile);
            } else {
                microKernel8x2(kc, pa, aIdx, pb, bIdx, tile);
            }
        } else if (MR == 6 && nr <= VL && narrowEdges4) {
            microKernel6x1(kc, pa, aIdx, pb, bIdx, tile);
        } else if (MR == 4 && nr <= 2 * VL && narrowEdges4) {
            if (nr <= VL) {
                microKernel4x1(kc, pa, aIdx, pb, bIdx, tile);
            } else {
                microKernel4x2(kc, pa, aIdx, pb, bIdx, tile);
            }
        } else {
            fullTile(kc, pa, aIdx, pb, bIdx, tile, 0, NR, 0f, true);
        }
    }

    /**
     * The first vector of {@link #microKernel8x3}'s tile (lanes computed exactly as there: from zero, one FMA
     * per k step in k order), stored into {@code tile} with row stride NR. Self-contained, as the full kernel.
     */
    static void microKernel8x1(int kc, float[] pa, int aIdx, float[] pb, int bIdx, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        int ai = aIdx;
        int bi = bIdx;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            c0 = FloatVector.broadcast(S, pa[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, pa[ai + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, pa[ai + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, pa[ai + 3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, pa[ai + 4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, pa[ai + 5]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, pa[ai + 6]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, pa[ai + 7]).fma(b0, c7);
            ai += 8;
            bi += NR;
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        c4.intoArray(tile, 4 * NR);
        c5.intoArray(tile, 5 * NR);
        c6.intoArray(tile, 6 * NR);
        c7.intoArray(tile, 7 * NR);
    }

    /**
     * The first four rows of {@link #microKernel8x3}'s tile on an 8-row packed A panel (lanes computed exactly as
     * there), stored into {@code tile} with row stride NR. Self-contained, as the full kernel.
     */
    static void microKernel4of8x3(int kc, float[] pa, int aIdx, float[] pb, int bIdx, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        int ai = aIdx;
        int bi = bIdx;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bi + 2 * VL);
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ai + 0]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            a = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            a = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            a = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            ai += 8;
            bi += NR;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, VL);
        c02.intoArray(tile, 2 * VL);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + VL);
        c12.intoArray(tile, NR + 2 * VL);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + VL);
        c22.intoArray(tile, 2 * NR + 2 * VL);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + VL);
        c32.intoArray(tile, 3 * NR + 2 * VL);
    }

    /** The first two vectors of {@link #microKernel8x3}'s tile; see {@link #microKernel8x1}. */
    static void microKernel8x2(int kc, float[] pa, int aIdx, float[] pb, int bIdx, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int ai = aIdx;
        int bi = bIdx;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + VL);
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, pa[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, pa[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, pa[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, pa[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            ai += 8;
            bi += NR;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, VL);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + VL);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + VL);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + VL);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + VL);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + VL);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + VL);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + VL);
    }

    /**
     * The first vector of {@link #microKernel4x3}'s tile (lanes computed exactly as there: from zero, one FMA per k
     * step in k order), stored into {@code tile} with row stride NR: {@link #narrowEdges4}.
     */
    static void microKernel4x1(int kc, float[] pa, int aIdx, float[] pb, int bIdx, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        int ai = aIdx;
        int bi = bIdx;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            c0 = FloatVector.broadcast(S, pa[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, pa[ai + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, pa[ai + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, pa[ai + 3]).fma(b0, c3);
            ai += 4;
            bi += NR;
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
    }

    /** The first two vectors of {@link #microKernel4x3}'s tile; see {@link #microKernel4x1}. */
    static void microKernel4x2(int kc, float[] pa, int aIdx, float[] pb, int bIdx, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int ai = aIdx;
        int bi = bIdx;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + VL);
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            ai += 4;
            bi += NR;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, VL);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + VL);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + VL);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + VL);
    }

    /**
     * A row of NR floats of -0.0: what an overwriting {@link #microKernel8x3} "merges" from (with row stride 0 and
     * beta 1: {@code fma(-0, 1, acc) == acc} for every float acc). Shared, never written.
     */
    static final float[] NEGATIVE_ZEROS = negativeZeros(NR);

    private static float[] negativeZeros(int n) {
        float[] z = new float[n];
        java.util.Arrays.fill(z, -0f);
        return z;
    }

    /**
     * One full MR x NR tile: runs the micro-kernel of this machine's shape (MR is a constant, so the JIT keeps only
     * one branch). Overwriting (C not read) or {@code C = fma(C, beta, acc)}. Not named microKernel*: the JIT
     * directive keeps C1 away from those, and this small method's branches may be deoptimised cheaply.
     */
    private static void fullTile(int kc, float[] pa, int aIdx, float[] pb, int bIdx,
                                 float[] c, int cIdx, int ldc, float beta, boolean overwrite) {
        float[] from = overwrite ? NEGATIVE_ZEROS : c;
        int fromIdx = overwrite ? 0 : cIdx;
        int fromLd = overwrite ? 0 : ldc;
        float b = overwrite ? 1f : beta;
        if (MR == 8) {
            microKernel8x3(kc, pa, aIdx, pb, bIdx, from, fromIdx, fromLd, b, c, cIdx, ldc);
        } else if (MR == 6) {
            microKernel6x2(kc, pa, aIdx, pb, bIdx, from, fromIdx, fromLd, b, c, cIdx, ldc);
        } else {
            microKernel4x3(kc, pa, aIdx, pb, bIdx, from, fromIdx, fromLd, b, c, cIdx, ldc);
        }
    }

    /**
     * The register-blocked micro-kernel: an MR x NR tile of C from a packed A panel (MR values per k step)
     * and a packed B panel (NR values per k step), accumulated entirely in 24 vector registers.
     *
     * <p>Deliberately one long method with no helper calls, loads and stores spelled out: when the stores
     * were moved into a helper, HotSpot stopped inlining the vector intrinsics and throughput collapsed
     * about 15-fold. Check with {@code -XX:+UnlockDiagnosticVMOptions -XX:+PrintInlining} after any edit.
     *
     * <p>The store has no branch: it always writes {@code C = fma(from, beta, acc)} (one rounding; {@link #mergeTile}
     * does the same, so results do not depend on tile position), where {@code from} is C itself when merging
     * and a row of -0.0 ({@link #NEGATIVE_ZEROS}, {@code fromLd} 0, beta 1) when overwriting: {@code fma(-0, 1, acc)}
     * is {@code acc} for every float, -0, infinities and NaN included, and C is not read. With beta 1 the FMA gives
     * the bits of {@code from + acc} (the product is exact); other betas are rounded once instead of twice.
     *
     * <p>Why an FMA and not {@code mul(beta).add(acc)} (the store until 2026-12-05): every {@code lanewise(Binary)}
     * call inlines {@code VectorOperators.opKind}, whose profile carries about four class-check traps once vector code
     * ran before C2 compiled it; C2 sums the trap counts of everything it inlines into one compilation and, past
     * {@code -XX:PerMethodTrapLimit} (100), stops emitting those checks: with 48 binary calls the last stores' vector
     * intrinsics failed and boxed their vectors whenever this kernel was compiled late (about 26 s into a JVM). The
     * ternary FMA does not call {@code opKind}, so the store inlines no such trap and a JVM without the option gets
     * the fast kernel whenever it is compiled. Keep binary lanewise calls out of this method. Why no branch: with an
     * {@code if (overwrite)} here, C2 compiled the kernel with an uncommon trap on the branch side its profile had
     * not seen; the first call that took it threw the compiled code away, and since C1 is kept away from the
     * micro-kernels ({@link JitDirectives}) the kernel then ran in the interpreter, boxing every vector, until C2
     * had compiled it again (seconds on a loaded machine). The branch now sits in {@link #fullTile}, whose
     * callers may be deoptimised and recompiled by C1 at no such cost. (The old branching kernels, kept for A/B runs
     * for a while, measured no difference on the quiet machine and are gone; SgemmTest's naive twin now holds
     * these kernels to the same per-element arithmetic.)
     */
    static void microKernel8x3(int kc, float[] pa, int aIdx, float[] pb, int bIdx,
                                  float[] from, int fromIdx, int fromLd, float beta,
                               float[] c, int cIdx, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        int ai = aIdx;
        int bi = bIdx;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bi + 2 * VL);
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ai + 0]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            a = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            a = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            a = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            a = FloatVector.broadcast(S, pa[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            c42 = a.fma(b2, c42);
            a = FloatVector.broadcast(S, pa[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            c52 = a.fma(b2, c52);
            a = FloatVector.broadcast(S, pa[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            c62 = a.fma(b2, c62);
            a = FloatVector.broadcast(S, pa[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            c72 = a.fma(b2, c72);
            ai += 8;
            bi += NR;
        }
        FloatVector betaV = FloatVector.broadcast(S, beta);
        FloatVector.fromArray(S, from, fromIdx).fma(betaV, c00).intoArray(c, cIdx);
        FloatVector.fromArray(S, from, fromIdx + VL).fma(betaV, c01).intoArray(c, cIdx + VL);
        FloatVector.fromArray(S, from, fromIdx + 2 * VL).fma(betaV, c02).intoArray(c, cIdx + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + fromLd).fma(betaV, c10).intoArray(c, cIdx + ldc);
        FloatVector.fromArray(S, from, fromIdx + fromLd + VL).fma(betaV, c11).intoArray(c, cIdx + ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + fromLd + 2 * VL).fma(betaV, c12).intoArray(c, cIdx + ldc + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + 2 * fromLd).fma(betaV, c20).intoArray(c, cIdx + 2 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 2 * fromLd + VL).fma(betaV, c21).intoArray(c, cIdx + 2 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 2 * fromLd + 2 * VL).fma(betaV, c22).intoArray(c, cIdx + 2 * ldc + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + 3 * fromLd).fma(betaV, c30).intoArray(c, cIdx + 3 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 3 * fromLd + VL).fma(betaV, c31).intoArray(c, cIdx + 3 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 3 * fromLd + 2 * VL).fma(betaV, c32).intoArray(c, cIdx + 3 * ldc + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + 4 * fromLd).fma(betaV, c40).intoArray(c, cIdx + 4 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 4 * fromLd + VL).fma(betaV, c41).intoArray(c, cIdx + 4 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 4 * fromLd + 2 * VL).fma(betaV, c42).intoArray(c, cIdx + 4 * ldc + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + 5 * fromLd).fma(betaV, c50).intoArray(c, cIdx + 5 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 5 * fromLd + VL).fma(betaV, c51).intoArray(c, cIdx + 5 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 5 * fromLd + 2 * VL).fma(betaV, c52).intoArray(c, cIdx + 5 * ldc + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + 6 * fromLd).fma(betaV, c60).intoArray(c, cIdx + 6 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 6 * fromLd + VL).fma(betaV, c61).intoArray(c, cIdx + 6 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 6 * fromLd + 2 * VL).fma(betaV, c62).intoArray(c, cIdx + 6 * ldc + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + 7 * fromLd).fma(betaV, c70).intoArray(c, cIdx + 7 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 7 * fromLd + VL).fma(betaV, c71).intoArray(c, cIdx + 7 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 7 * fromLd + 2 * VL).fma(betaV, c72).intoArray(c, cIdx + 7 * ldc + 2 * VL);
    }

    /** The 4 x NR variant of {@link #microKernel8x3} for 256-bit and narrower vectors (16 registers). */
    static void microKernel4x3(int kc, float[] pa, int aIdx, float[] pb, int bIdx,
                               float[] from, int fromIdx, int fromLd, float beta,
                               float[] c, int cIdx, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        int ai = aIdx;
        int bi = bIdx;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bi + 2 * VL);
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ai + 0]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            a = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            a = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            a = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            ai += 4;
            bi += NR;
        }
        FloatVector betaV = FloatVector.broadcast(S, beta);
        FloatVector.fromArray(S, from, fromIdx).fma(betaV, c00).intoArray(c, cIdx);
        FloatVector.fromArray(S, from, fromIdx + VL).fma(betaV, c01).intoArray(c, cIdx + VL);
        FloatVector.fromArray(S, from, fromIdx + 2 * VL).fma(betaV, c02).intoArray(c, cIdx + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + fromLd).fma(betaV, c10).intoArray(c, cIdx + ldc);
        FloatVector.fromArray(S, from, fromIdx + fromLd + VL).fma(betaV, c11).intoArray(c, cIdx + ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + fromLd + 2 * VL).fma(betaV, c12).intoArray(c, cIdx + ldc + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + 2 * fromLd).fma(betaV, c20).intoArray(c, cIdx + 2 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 2 * fromLd + VL).fma(betaV, c21).intoArray(c, cIdx + 2 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 2 * fromLd + 2 * VL).fma(betaV, c22).intoArray(c, cIdx + 2 * ldc + 2 * VL);
        FloatVector.fromArray(S, from, fromIdx + 3 * fromLd).fma(betaV, c30).intoArray(c, cIdx + 3 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 3 * fromLd + VL).fma(betaV, c31).intoArray(c, cIdx + 3 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 3 * fromLd + 2 * VL).fma(betaV, c32).intoArray(c, cIdx + 3 * ldc + 2 * VL);
    }

    /**
     * The 6 x 16 micro-kernel of {@link Tile6x16} (8-float vectors: 12 accumulators, 2 B vectors, 1 broadcast in 15 of
     * the 16 ymm registers); lanes and store as {@link #microKernel8x3}'s.
     */
    static void microKernel6x2(int kc, float[] pa, int aIdx, float[] pb, int bIdx,
                               float[] from, int fromIdx, int fromLd, float beta,
                               float[] c, int cIdx, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int ai = aIdx;
        int bi = bIdx;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + VL);
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ai + 0]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, pa[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, pa[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            ai += 6;
            bi += 2 * VL;
        }
        FloatVector betaV = FloatVector.broadcast(S, beta);
        FloatVector.fromArray(S, from, fromIdx).fma(betaV, c00).intoArray(c, cIdx);
        FloatVector.fromArray(S, from, fromIdx + VL).fma(betaV, c01).intoArray(c, cIdx + VL);
        FloatVector.fromArray(S, from, fromIdx + fromLd).fma(betaV, c10).intoArray(c, cIdx + ldc);
        FloatVector.fromArray(S, from, fromIdx + fromLd + VL).fma(betaV, c11).intoArray(c, cIdx + ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 2 * fromLd).fma(betaV, c20).intoArray(c, cIdx + 2 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 2 * fromLd + VL).fma(betaV, c21).intoArray(c, cIdx + 2 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 3 * fromLd).fma(betaV, c30).intoArray(c, cIdx + 3 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 3 * fromLd + VL).fma(betaV, c31).intoArray(c, cIdx + 3 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 4 * fromLd).fma(betaV, c40).intoArray(c, cIdx + 4 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 4 * fromLd + VL).fma(betaV, c41).intoArray(c, cIdx + 4 * ldc + VL);
        FloatVector.fromArray(S, from, fromIdx + 5 * fromLd).fma(betaV, c50).intoArray(c, cIdx + 5 * ldc);
        FloatVector.fromArray(S, from, fromIdx + 5 * fromLd + VL).fma(betaV, c51).intoArray(c, cIdx + 5 * ldc + VL);
    }

    /**
     * The first vector of {@link #microKernel6x2}'s tile (an edge panel of at most VL columns; lanes as there), stored
     * into {@code tile} with row stride {@code 2 * VL} (NR with {@link Tile6x16}).
     */
    static void microKernel6x1(int kc, float[] pa, int aIdx, float[] pb, int bIdx, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        int ai = aIdx;
        int bi = bIdx;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            c0 = FloatVector.broadcast(S, pa[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, pa[ai + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, pa[ai + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, pa[ai + 3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, pa[ai + 4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, pa[ai + 5]).fma(b0, c5);
            ai += 6;
            bi += 2 * VL;
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, 2 * VL);
        c2.intoArray(tile, 4 * VL);
        c3.intoArray(tile, 6 * VL);
        c4.intoArray(tile, 8 * VL);
        c5.intoArray(tile, 10 * VL);
    }
}
