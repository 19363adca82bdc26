package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SGEMM of {@link VectorKernels} (and of its twin {@link ScalarKernels}) against a double-precision oracle
 * ({@link GemmOracle}, which explains the tolerance), over shapes chosen to hit every edge of the packing and
 * blocking: 1x1x1, primes, sizes one below/at/above the vector length, the micro-tile and the cache blocks,
 * m or n = 1, k = 0 and large k; all four transpose combinations; several alpha/beta; offsets and leading
 * dimensions larger than the rows.
 */
class SgemmTest {
    private static final int VL = VectorKernels.vectorLength();
    private static final int MR = VectorGemm.MR;
    private static final int NR = VectorGemm.NR;
    private static final float SENTINEL = 12345.5f;

    private final Kernels scalar = new ScalarKernels();
    private final Kernels vector = new VectorKernels(2);
    private final Random random = new Random(20261125);

    private static List<int[]> shapes() {
        List<int[]> s = new ArrayList<>();
        s.add(new int[] {1, 1, 1});
        s.add(new int[] {37, 53, 61});
        s.add(new int[] {1, 97, 33});
        s.add(new int[] {89, 1, 33});
        s.add(new int[] {1, 1, 300});
        s.add(new int[] {MR - 1, NR - 1, 3});
        s.add(new int[] {MR, NR, VL});
        s.add(new int[] {MR + 1, NR + 1, VL + 1});
        s.add(new int[] {2 * MR + 3, VL - 1, VL - 1});
        s.add(new int[] {5, 2 * NR + VL + 1, 17});
        s.add(new int[] {VectorGemm.MC + 1, NR + 3, VectorGemm.KC + 1});
        s.add(new int[] {VectorGemm.MC - 1, 2 * NR - 1, VectorGemm.KC - 1});
        s.add(new int[] {13, 29, 2 * VectorGemm.KC + 7});
        s.add(new int[] {7, 9, 5000});
        s.add(new int[] {3, VectorGemm.NC + 5, 4});
        // A fully connected layer on 1-4 samples: the dot-product path when B is transposed.
        s.add(new int[] {1, 4099, 4 * VL * 3 + 5});
        s.add(new int[] {4, 130, 1000});
        s.add(new int[] {2, 65, VL});
        s.add(new int[] {6, 25, 4704});  // a small layer's weight gradient: small C, long rows
        // A convolution tile's shape (few filters, many pixels, several KC slices): the few-rows path.
        s.add(new int[] {64, 5 * NR + 7, 2 * VectorGemm.KC + 64});
        return s;
    }

    @Test
    void matchesOracleOnAwkwardShapesForAllTransposesAndScalings() {
        float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {1.5f, -1f}};
        int combo = 0;
        for (int[] shape : shapes()) {
            for (int t = 0; t < 4; t++) {
                // Cycle alpha/beta with the shape so every pair meets every transpose without a 4x4 blow-up.
                float[] ab = alphaBeta[combo++ % alphaBeta.length];
                check(shape[0], shape[1], shape[2], (t & 1) != 0, (t & 2) != 0, ab[0], ab[1], combo % 3, combo % 5);
            }
        }
    }

    @Test
    void betaZeroOverwritesNaNAndInfinityInC() {
        for (int t = 0; t < 4; t++) {
            check(MR + 3, NR + 5, 11, (t & 1) != 0, (t & 2) != 0, 1f, 0f, 2, 3);
        }
        // check() pre-fills C with NaN whenever beta == 0; here explicitly with both NaN and infinity.
        float[] a = randomArray(4 * 6);
        float[] b = randomArray(6 * 5);
        for (Kernels kernels : List.of(scalar, vector)) {
            float[] c = new float[4 * 5];
            for (int i = 0; i < c.length; i++) {
                c[i] = i % 2 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
            }
            kernels.sgemm(false, false, 4, 5, 6, 1f, a, 0, 6, b, 0, 5, 0f, c, 0, 5);
            for (float v : c) {
                assertTrue(Float.isFinite(v), kernels.name() + ": beta = 0 must not read C, got " + v);
            }
        }
    }

    @Test
    void kZeroOrAlphaZeroScalesCWithoutReadingAOrB() {
        for (Kernels kernels : List.of(scalar, vector)) {
            float[] c = {1f, -2f, 3f, 4f, 5f, 6f};
            float[] nanA = {Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN};
            kernels.sgemm(false, false, 2, 3, 0, 1f, new float[0], 0, 1, new float[0], 0, 3, 0.5f, c, 0, 3);
            assertArrayEquals(new float[] {0.5f, -1f, 1.5f, 2f, 2.5f, 3f}, c, kernels.name());
            kernels.sgemm(false, false, 2, 3, 2, 0f, nanA, 0, 2, nanA, 0, 3, 2f, c, 0, 3);
            assertArrayEquals(new float[] {1f, -2f, 3f, 4f, 5f, 6f}, c, kernels.name());
            kernels.sgemm(false, false, 2, 3, 0, 1f, new float[0], 0, 1, new float[0], 0, 3, 0f, c, 0, 3);
            assertArrayEquals(new float[6], c, kernels.name());
        }
    }

    @Test
    void handComputedProduct() {
        // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]; then 2 * that + 1 * C with C = ones.
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        for (Kernels kernels : List.of(scalar, vector)) {
            float[] c = {1, 1, 1, 1};
            kernels.sgemm(false, false, 2, 2, 2, 2f, a, 0, 2, b, 0, 2, 1f, c, 0, 2);
            assertArrayEquals(new float[] {39, 45, 87, 101}, c, kernels.name());
            // A^T * B^T = (B A)^T: B A = [23 34; 31 46], transposed [23 31; 34 46].
            kernels.sgemm(true, true, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
            assertArrayEquals(new float[] {23, 31, 34, 46}, c, kernels.name());
        }
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        Kernels one = new VectorKernels(1);
        Kernels two = new VectorKernels(2);
        Kernels three = new VectorKernels(3);
        // Few rows (split by columns), many rows (split by rows), shapes with edges in every dimension.
        int[][] shapes = {{150, 301, 270}, {333, 61, 129}, {97, 97, 600}, {64, 2 * NR + 1, 100}, {20, 700, 200},
            {MR + 1, 5 * NR + 3, 300}, {1, 300, 1000}, {4, 129, 77}, {6, 25, 3000}, {16, 16, 1025}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                int m = s[0];
                int n = s[1];
                int k = s[2];
                float[] a = randomArray(m * k);
                float[] b = randomArray(k * n);
                float[] c0 = randomArray(m * n);
                float[] c1 = c0.clone();
                float[] c2 = c0.clone();
                float[] c3 = c0.clone();
                one.sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.25f, c1, 0, n);
                two.sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.25f, c2, 0, n);
                three.sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.25f, c3, 0, n);
                assertArrayEquals(c1, c2, "1 vs 2 threads, shape " + m + "x" + n + "x" + k + " trans " + t);
                assertArrayEquals(c1, c3, "1 vs 3 threads, shape " + m + "x" + n + "x" + k + " trans " + t);
            }
        }
    }

    @Test
    void transposedAPackedRowByRowGivesTheBitsOfTheOldLoopOrder() {
        // packA for a transposed A reads each stored row once (VectorGemm.rowMajorPacking); the old order walked it
        // once per panel. Same values in the same places: the same bits, on the general and the few-rows paths, with
        // row edges (m not a multiple of MR), several KC slices and MC blocks, an offset and lda > m.
        int[][] shapes = {{2 * VectorGemm.MC + MR + 3, 2 * NR + 5, VectorGemm.KC + 9}, {MR - 3, NR + 1, 40},
            {VectorGemm.MC - 1, 3 * NR, 2 * VectorGemm.KC + 1}, {1, 7, 5}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            int lda = m + 3;
            float[] a = randomArray(5 + k * lda);
            float[] b = randomArray(k * n);
            float[] c0 = randomArray(m * n);
            float[][] out = new float[2][];
            for (int v = 0; v < 2; v++) {
                VectorGemm.rowMajorPacking = v == 0;
                try {
                    out[v] = c0.clone();
                    vector.sgemm(true, false, m, n, k, 0.5f, a, 5, lda, b, 0, n, 0.25f, out[v], 0, n);
                } finally {
                    VectorGemm.rowMajorPacking = true;
                }
            }
            assertArrayEquals(out[1], out[0], "shape " + m + "x" + n + "x" + k);
            float[] expected = c0.clone();
            scalar.sgemm(true, false, m, n, k, 0.5f, a, 5, lda, b, 0, n, 0.25f, expected, 0, n);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], out[0][i], 1e-3f * (1 + Math.abs(expected[i])), "value " + i);
            }
        }
    }

    @Test
    void blockTransposedPackingsGiveTheScalarLoopsBits() {
        // VectorGemm.transposeByBlocks: a transposed B's panels and an untransposed A's full MR-row panels (alpha 1)
        // are packed four stored rows at a time, the four values of each k step side by side, instead of one stored
        // row at a time. The same
        // values in the same places: the same bits, on the general and few-rows paths and with B by row offsets
        // (sgemmRows: overlapping rows), with row and column edges, k steps and columns left over after the 4 x 4
        // blocks, an offset, lda > k, alpha 0.5 (A packed as before) and 1, and A and B with NaN, infinities, +-0 and
        // subnormals.
        int[][] shapes = {{2 * VectorGemm.MC + MR + 3, 2 * NR + VL + 5, VectorGemm.KC + 9}, {MR + 3, NR + 1, 41},
            {VectorGemm.MC - 1, 3 * NR, 2 * VectorGemm.KC + 1}, {MR, VL, 1}, {1, 7, 5}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            int lda = k + 3;
            for (int t = 0; t < 4; t++) {
                boolean transA = (t & 1) != 0;
                boolean transB = (t & 2) != 0;
                int ldaT = transA ? m + 3 : lda;
                float[] a = specials(randomArray(5 + (transA ? k : m) * ldaT));
                float[] b = specials(randomArray(k * n));
                int ldb = transB ? k : n;
                int stored = transB ? n : k;
                int[] rows = new int[stored];
                for (int r = 0; r < stored; r++) {
                    rows[r] = (stored - 1 - r) / 2 * ldb; // reversed, each row twice: overlapping
                }
                float[] c0 = randomArray(m * n);
                for (float alpha : new float[] {0.5f, 1f}) {
                    float[][] out = new float[2][];
                    float[][] byRows = new float[2][];
                    boolean before = VectorGemm.transposeByBlocks;
                    for (int v = 0; v < 2; v++) {
                        VectorGemm.transposeByBlocks = v == 0;
                        try {
                            out[v] = c0.clone();
                            vector.sgemm(transA, transB, m, n, k, alpha, a, 5, ldaT, b, 0, ldb, 0.25f, out[v], 0, n);
                            byRows[v] = c0.clone();
                            if (alpha == 1f) { // B by row offsets has no alpha
                                vector.sgemmRowsThreaded(transA, transB, m, n, k, a, 5, ldaT, b, 0, rows, 1f, byRows[v],
                                        0, n);
                            }
                        } finally {
                            VectorGemm.transposeByBlocks = before;
                        }
                    }
                    String what = "shape " + m + "x" + n + "x" + k + " t=" + t + " alpha " + alpha;
                    assertBitsEqual(out[1], out[0], what);
                    assertBitsEqual(byRows[1], byRows[0], "rows, " + what);
                }
            }
        }
    }

    @Test
    void kernelsGiveTheNaiveTwinsBits() {
        // The naive twin: per element of C, for each KC slice in order, acc = an FMA chain from +0 over the slice of
        // (alpha * a) * b, then C = fma(from, beta, acc) (one rounding), where from is C itself (beta 1 after
        // the first slice) or, overwriting (first slice, beta 0 or -0), -0 with beta 1, which leaves acc as it is.
        // Whole products on the general and few-rows paths, k below and above KC, six betas, A and B with NaN,
        // infinities, +-0 and subnormals; C with a marked NaN that must not show when beta is 0.
        int[][] shapes = {{2 * MR, 2 * NR, VectorGemm.KC}, {3 * MR + 1, 2 * NR + 3, 2 * VectorGemm.KC + 5},
            {VectorGemm.MC + MR, 3 * NR, VectorGemm.KC + 1}, {MR - 1, NR + 1, 7}};
        float[] betas = {0f, -0f, 1f, 0.25f, -2f, 0.3f}; // 0.3: C * beta is inexact, so one rounding != two
        for (int[] s : shapes) {
            for (float beta : betas) {
                for (int t = 0; t < 4; t++) {
                    boolean transA = (t & 1) != 0;
                    boolean transB = (t & 2) != 0;
                    int m = s[0];
                    int n = s[1];
                    int k = s[2];
                    float[] a = specials(randomArray(m * k));
                    float[] b = specials(randomArray(k * n));
                    float[] c0 = randomArray(m * n);
                    for (int i = 0; i < c0.length; i += 7) {
                        c0[i] = MARKED_NAN; // a NaN of its own payload: seen in the result only if C was read
                    }
                    int lda = transA ? m : k;
                    int ldb = transB ? k : n;
                    float[] expected = naiveTwin(transA, transB, m, n, k, 1.5f, a, lda, b, ldb, beta, c0.clone(), n);
                    float[] actual = c0.clone();
                    vector.sgemm(transA, transB, m, n, k, 1.5f, a, 0, lda, b, 0, ldb, beta, actual, 0, n);
                    assertBitsEqual(expected, actual, m + "x" + n + "x" + k + " t=" + t + " beta=" + beta);
                    if (beta == 0f) {
                        for (int i = 0; i < m * n; i += 7) {
                            assertTrue(Float.floatToRawIntBits(actual[i]) != MARKED_NAN_BITS, "beta 0 read C at " + i);
                        }
                    }
                }
            }
        }
        // One kernel call: a panel whose accumulators hold NaN, +-infinity, +-0, subnormals and ordinary values.
        int kc = 5;
        float[] pa = new float[MR * kc];
        float[] pb = new float[NR * kc];
        float[] specialsList = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
            -Float.MIN_VALUE, 1e-38f, 3f, -1f};
        for (int i = 0; i < pa.length; i++) {
            pa[i] = specialsList[(i * 7) % specialsList.length];
        }
        for (int i = 0; i < pb.length; i++) {
            pb[i] = i % 11 == 0 ? specialsList[i % specialsList.length] : (float) random.nextGaussian();
        }
        for (float z : VectorGemm.NEGATIVE_ZEROS) {
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(z), "NEGATIVE_ZEROS");
        }
        int ldc = NR + 3;
        float[] c0 = specials(randomArray(MR * ldc + 2));
        c0[1] = Float.NaN;
        for (float beta : betas) {
            for (boolean overwrite : new boolean[] {true, false}) {
                float[] expected = c0.clone();
                for (int i = 0; i < MR; i++) {
                    for (int j = 0; j < NR; j++) {
                        float acc = 0f;
                        for (int p = 0; p < kc; p++) {
                            acc = Math.fma(pa[p * MR + i], pb[p * NR + j], acc);
                        }
                        int at = 1 + i * ldc + j;
                        expected[at] = overwrite ? acc : Math.fma(expected[at], beta, acc);
                    }
                }
                float[] actual = c0.clone();
                fullKernel(kc, pa, pb, overwrite ? VectorGemm.NEGATIVE_ZEROS : actual, overwrite ? 0 : 1,
                        overwrite ? 0 : ldc, overwrite ? 1f : beta, actual, 1, ldc);
                assertBitsEqual(expected, actual, "kernel beta=" + beta + " overwrite=" + overwrite);
            }
        }
        // fma(-0, 1, acc) == acc for every float acc, the identity the overwriting store relies on (a sample of all;
        // signalling NaNs left out: an FMA quiets them, and no accumulator can hold one, an FMA's result is quiet).
        for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += 65_519) {
            float acc = Float.intBitsToFloat((int) bits);
            if (Float.isNaN(acc) && (bits & 0x0040_0000L) == 0) {
                continue;
            }
            assertEquals((int) bits, Float.floatToRawIntBits(Math.fma(-0f, 1f, acc)),
                    "acc bits " + Long.toHexString(bits));
        }
        for (float acc : specialsList) {
            assertEquals(Float.floatToRawIntBits(acc), Float.floatToRawIntBits(Math.fma(-0f, 1f, acc)), "acc " + acc);
        }
    }

    /**
     * The store's FMA (since 2026-12-05; before, {@code C * beta + acc}, a multiply and an add) changes results only
     * where {@code C * beta} is inexact: beta other than 0, +-1 or a power of two (1 after the first KC slice, 0 when
     * overwriting, so no layer of ours, whose betas are 0 and 1, changes). There the two differ by the product's
     * rounding carried through the add, at most {@code ulp(C * beta) / 2 + ulp(result)}: checked element by element
     * against the old two-rounding arithmetic, and the FMA's result is never the farther one from the exact value.
     */
    @Test
    void otherBetasAreRoundedOnceWithinOneRoundingOfTheOldMultiplyAdd() {
        int m = 3 * MR + 1;
        int n = 2 * NR + 3;
        int k = VectorGemm.KC + 9;
        for (float beta : new float[] {0.3f, -1.7f, 0.7f}) {
            float[] a = randomArray(m * k);
            float[] b = randomArray(k * n);
            float[] c0 = randomArray(m * n);
            float[] actual = c0.clone();
            vector.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, beta, actual, 0, n);
            int differ = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float acc = 0f;
                    for (int p = 0; p < VectorGemm.KC; p++) {
                        acc = Math.fma(a[i * k + p], b[p * n + j], acc);
                    }
                    int at = i * n + j;
                    float twoRoundings = c0[at] * beta + acc;
                    float oneRounding = Math.fma(c0[at], beta, acc);
                    float rest = 0f;
                    for (int p = VectorGemm.KC; p < k; p++) {
                        rest = Math.fma(a[i * k + p], b[p * n + j], rest);
                    }
                    float old = twoRoundings + rest;
                    float now = oneRounding + rest;
                    assertEquals(Float.floatToIntBits(now), Float.floatToIntBits(actual[at]), "element " + at);
                    double bound = Math.ulp(c0[at] * beta) / 2 + Math.max(Math.ulp(twoRoundings), Math.ulp(oneRounding));
                    assertTrue(Math.abs(oneRounding - twoRoundings) <= bound, "element " + at + " beta " + beta);
                    BigDecimal exact = new BigDecimal(c0[at]).multiply(new BigDecimal(beta)).add(new BigDecimal(acc));
                    assertTrue(new BigDecimal(oneRounding).subtract(exact).abs()
                            .compareTo(new BigDecimal(twoRoundings).subtract(exact).abs()) <= 0,
                            "one rounding farther from exact at " + at + " beta " + beta);
                    if (now != old) {
                        differ++;
                    }
                }
            }
            assertTrue(differ > 0, "beta " + beta + ": no element changed, the test would not see the old store");
        }
    }

    /** The per-element arithmetic the packed kernels promise (see {@link #kernelsGiveTheNaiveTwinsBits}). */
    private static float[] naiveTwin(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
                                     int lda, float[] b, int ldb, float beta, float[] c, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                for (int pc = 0; pc < k; pc += VectorGemm.KC) {
                    float acc = 0f;
                    for (int p = pc; p < Math.min(k, pc + VectorGemm.KC); p++) {
                        float av = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                        acc = Math.fma(av, transB ? b[j * ldb + p] : b[p * ldb + j], acc);
                    }
                    int at = i * ldc + j;
                    boolean overwrite = pc == 0 && beta == 0f;
                    c[at] = overwrite ? acc : Math.fma(c[at], pc == 0 ? beta : 1f, acc);
                }
            }
        }
        return c;
    }

    /** This machine's full micro-kernel (MR x NR, as {@code VectorGemm.fullTile} picks it) on panels at offset 0. */
    private static void fullKernel(int kc, float[] pa, float[] pb, float[] from, int fromIdx, int fromLd, float beta,
                                   float[] c, int cIdx, int ldc) {
        if (MR == 8) {
            VectorGemm.microKernel8x3(kc, pa, 0, pb, 0, from, fromIdx, fromLd, beta, c, cIdx, ldc);
        } else if (MR == 6) {
            VectorGemm.microKernel6x2(kc, pa, 0, pb, 0, from, fromIdx, fromLd, beta, c, cIdx, ldc);
        } else {
            VectorGemm.microKernel4x3(kc, pa, 0, pb, 0, from, fromIdx, fromLd, beta, c, cIdx, ldc);
        }
    }

    /**
     * The 6 x 16 tile's kernels ({@code VectorGemm.Tile6x16}, on 8-float machines 6 rows x 2 vectors; called here
     * directly, on panels of 6 rows and 2 vectors, whatever tile this JVM's GEMM uses): every lane is the naive chain
     * (from zero, one FMA per k step in k order) and the store {@code fma(C, beta, acc)}, or the chain itself when
     * overwriting; the one-vector edge kernel fills only its vector of each row, with the full kernel's bits.
     */
    @Test
    void sixRowTileKernelsGiveTheNaiveChainsBits() {
        int rows = 6;
        int cols = 2 * VL;
        for (int kc : new int[] {1, 7, VectorGemm.KC}) {
            float[] pa = specials(randomArray(rows * kc));
            float[] pb = randomArray(cols * kc);
            int ldc = cols + 5;
            float[] c0 = specials(randomArray(rows * ldc + 3));
            for (float beta : new float[] {0.5f, 1f, -1.25f}) {
                for (boolean overwrite : new boolean[] {true, false}) {
                    float[] expected = c0.clone();
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) {
                            float acc = 0f;
                            for (int p = 0; p < kc; p++) {
                                acc = Math.fma(pa[p * rows + i], pb[p * cols + j], acc);
                            }
                            int at = 2 + i * ldc + j;
                            expected[at] = overwrite ? acc : Math.fma(expected[at], beta, acc);
                        }
                    }
                    float[] actual = c0.clone();
                    VectorGemm.microKernel6x2(kc, pa, 0, pb, 0, overwrite ? VectorGemm.NEGATIVE_ZEROS : actual,
                            overwrite ? 0 : 2, overwrite ? 0 : ldc, overwrite ? 1f : beta, actual, 2, ldc);
                    assertBitsEqual(expected, actual, "6x2 kc " + kc + " beta " + beta + " overwrite " + overwrite);
                }
            }
            float[] whole = new float[rows * cols];
            VectorGemm.microKernel6x2(kc, pa, 0, pb, 0, VectorGemm.NEGATIVE_ZEROS, 0, 0, 1f, whole, 0, cols);
            float[] tile = new float[rows * cols];
            java.util.Arrays.fill(tile, SENTINEL);
            VectorGemm.microKernel6x1(kc, pa, 0, pb, 0, tile);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    float want = j < VL ? whole[i * cols + j] : SENTINEL;
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(tile[i * cols + j]),
                            "6x1 kc " + kc + " row " + i + " column " + j);
                }
            }
        }
    }

    /**
     * Edge panels of every width 1 .. NR and row panels of every height 1 .. MR of this machine's tile (on 8-float
     * machines 6 x 16 by default, 4 x 24 with {@code -Dconvnet4j.gemm.tile6x16=false}; 8 x 48 with 16-float vectors), on
     * both loop orders, prepared or not, 1 and 2 threads: the naive chain's bits. The pom's {@code gemm-tile4x24}
     * execution runs this class again with the other 8-float tile.
     */
    @Test
    void edgePanelsOfEveryWidthAndHeightGiveTheNaiveChainsBits() {
        VectorGemm[] gemms = {new VectorGemm(1, false), new VectorGemm(2, false), new VectorGemm(1, true),
            new VectorGemm(2, true)};
        for (int width = 1; width <= NR; width++) {
            int height = 1 + (width - 1) % MR;
            int m = (width % 3) * MR + height; // the edge row panel after 0-2 full ones
            int n = (width % 2) * NR + width; // the edge column panel after 0-1 full ones
            int k = width % 4 == 0 ? VectorGemm.KC + 3 : 23;
            // a transposed B with at most 4 rows is a dot-product shape (another summation order): B as stored then
            int t = VectorGemm.isDotShape(true, m, n, k) ? width % 2 : width % 4;
            boolean ta = (t & 1) != 0;
            boolean tb = (t & 2) != 0;
            float beta = width % 3 == 0 ? 0f : 0.5f;
            float[] a = randomArray(m * k);
            float[] b = randomArray(k * n);
            float[] c0 = randomArray(m * n);
            float[] expected = naiveTwin(ta, tb, m, n, k, 0.75f, a, ta ? m : k, b, tb ? k : n, beta, c0.clone(), n);
            String what = "tile " + MR + "x" + NR + " shape " + m + "x" + n + "x" + k + " trans " + t;
            for (int i = 0; i < gemms.length; i++) {
                float[] c = c0.clone();
                gemms[i].sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
                assertBitsEqual(expected, c, "gemm " + i + " " + what);
                float[] packed = gemms[i].packForFewRows(ta, m, k, 0.75f, a, 0, ta ? m : k);
                float[] cp = c0.clone();
                gemms[i].sgemmPrepared(new PreparedMatrix(ta, m, k, 0.75f, a, 0, ta ? m : k, packed), tb, n, b, 0,
                        tb ? k : n, beta, cp, 0, n, 2);
                assertBitsEqual(expected, cp, "prepared, gemm " + i + " " + what);
            }
        }
    }

    private static final int MARKED_NAN_BITS = 0x7fc0_1234;
    private static final float MARKED_NAN = Float.intBitsToFloat(MARKED_NAN_BITS);

    /** Some entries replaced by 0, -0, infinities, NaN and subnormals. */
    private static float[] specials(float[] x) {
        float[] s = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE, -1e-39f};
        for (int i = 0; i < x.length; i += 997) {
            x[i] = s[(i / 997) % s.length];
        }
        return x;
    }

    /**
     * Bit for bit, except that any NaN equals any NaN: which payload NaN + NaN keeps depends on the operand order
     * the JIT picks (interpreted and compiled vector code differ).
     */
    private static void assertBitsEqual(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(what + ": value " + i + " is " + actual[i] + ", expected " + expected[i] + " (bits differ)");
            }
        }
    }

    @Test
    void preparedLeftOperandGivesTheBitsOfTheOrdinaryCall() {
        // few-rows shapes, a dot-product shape, and shapes too tall for the few-rows path (the general loop order
        // reading the prepacked A: row blocks of MC, task splits, several KC slices, an NC block edge)
        int[][] shapes = {{64, 5 * NR + 7, 2 * VectorGemm.KC + 64}, {MR - 1, NR + 1, 33}, {6, 25, 4704},
            {VectorGemm.MC + 5, 2 * NR, 40}, {2 * VectorGemm.MC + 9, NR + 3, VectorGemm.KC + 17},
            {VectorGemm.MC + MR, VectorGemm.NC + 5, 7}};
        for (Kernels k : new Kernels[] {new VectorKernels(2), new VectorKernels(3), new VectorKernels(1), scalar}) {
            // this thread's transient buffer full of NaN: nothing of an earlier use may show in a later product
            float[] nan = new float[2 * VectorGemm.MC * 300];
            java.util.Arrays.fill(nan, Float.NaN);
            k.prepareATransient(false, 2 * VectorGemm.MC, 300, 1f, nan, 0, 300);
            for (int[] s : shapes) {
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        int m = s[0];
                        int n = s[1];
                        int kk = s[2];
                        float[] a = randomArray(m * kk + 3);
                        float[] b = randomArray(kk * n);
                        float[] c0 = randomArray(m * n);
                        float[] expected = c0.clone();
                        float[] actual = c0.clone();
                        int lda = ta ? m : kk;
                        k.sgemmSingleThread(ta, tb, m, n, kk, 0.5f, a, 3, lda, b, 0, tb ? kk : n, 0.25f, expected, 0, n);
                        PreparedMatrix p = k.prepareA(ta, m, kk, 0.5f, a, 3, lda);
                        k.sgemmPrepared(p, tb, n, b, 0, tb ? kk : n, 0.25f, actual, 0, n);
                        assertArrayEquals(expected, actual, k.name() + " " + m + "x" + n + "x" + kk + " " + ta + tb);
                        // the same through this thread's reused buffer (larger and NaN-filled from earlier uses)
                        float[] reused = c0.clone();
                        k.sgemmPrepared(k.prepareATransient(ta, m, kk, 0.5f, a, 3, lda), tb, n, b, 0, tb ? kk : n,
                                0.25f, reused, 0, n);
                        assertArrayEquals(expected, reused, "transient " + k.name() + " " + m + "x" + n + "x" + kk);
                        // threaded: the bits of the threaded unprepared call (which are those of one thread)
                        float[] threaded = c0.clone();
                        float[] threadedExpected = c0.clone();
                        k.sgemm(ta, tb, m, n, kk, 0.5f, a, 3, lda, b, 0, tb ? kk : n, 0.25f, threadedExpected, 0, n);
                        k.sgemmPreparedThreaded(p, tb, n, b, 0, tb ? kk : n, 0.25f, threaded, 0, n);
                        assertArrayEquals(threadedExpected, threaded, "threaded " + k.name() + " " + m + "x" + n
                                + "x" + kk + " " + ta + tb);
                        assertArrayEquals(expected, threaded, "threaded vs one thread " + k.name());
                    }
                }
            }
        }
    }

    /**
     * The few-rows path's task grid: C with too few column panels for the threads (a one-sample 7x7 tile computed
     * transposed, 49 pixels against 48-128 filters) is cut by rows too, and a prepared A taller than MC against a
     * narrow C (GoogLeNet's 14x14 layers) takes that path with one hand-off per call instead of the general loop
     * order's two per KC slice. Both must give the bits of one thread on the general loop order, for 1-3 threads,
     * grid on and off, prepared A, prepared B, betas 0 and 0.25.
     */
    @Test
    void taskGridGivesTheGeneralPathsBitsWithOneHandOffPerCall() {
        int[] threeTasksPerThread = VectorGemm.fewRowsGrid(49, VectorGemm.NR, 2);
        assertEquals(6, threeTasksPerThread[0] * threeTasksPerThread[1], "one panel of 49 rows: six tasks on two threads");
        assertEquals(1, VectorGemm.fewRowsGrid(49, VectorGemm.NR, 1)[0] * VectorGemm.fewRowsGrid(49, VectorGemm.NR, 1)[1]);
        assertEquals(3, VectorGemm.fewRowsGrid(2 * VectorGemm.MC + 9, 1, 1)[0], "rows in blocks of at most MC");
        VectorGemm one = new VectorGemm(1, false);
        int kc = VectorGemm.KC;
        int[][] shapes = {{49, NR, 3 * kc + 64}, {49, 3 * NR - 16, 2 * kc + 1}, {MR + 3, 2 * NR, kc + 5},
            {VectorGemm.MC + 16, 4 * NR + 4, 2 * kc + 16}, {2 * VectorGemm.MC + 9, NR + 3, kc + 17},
            {VectorGemm.MC + MR, VectorGemm.GRID_MAX_PANELS * NR, 40}};
        boolean before = VectorGemm.taskGrid;
        try {
            forEachCase(shapes, (m, n, k, ta, tb, beta, a, b, c0) -> {
                float[] expected = c0.clone();
                one.sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, expected, 0, n);
                String what = " shape " + m + "x" + n + "x" + k + " trans " + ta + tb + " beta " + beta;
                for (boolean grid : new boolean[] {true, false}) {
                    VectorGemm.taskGrid = grid;
                    for (int threads = 1; threads <= 3; threads++) {
                        VectorKernels kernels = new VectorKernels(threads);
                        PreparedMatrix pa = kernels.prepareA(ta, m, k, 0.75f, a, 0, ta ? m : k);
                        float[] c = c0.clone();
                        long h0 = KernelProvider.handOffs();
                        kernels.sgemmPreparedThreaded(pa, tb, n, b, 0, tb ? k : n, beta, c, 0, n);
                        long handOffs = KernelProvider.handOffs() - h0;
                        assertArrayEquals(expected, c, "prepared A, grid " + grid + ", " + threads
                                + " threads" + what);
                        if (threads > 1 && grid && (long) m * n * k >= VectorGemm.PARALLEL_THRESHOLD
                                && (VectorGemm.isFewRows(m, k) || VectorGemm.isTallNarrow(m, n))) {
                            assertEquals(1, handOffs, "one hand-off per call" + what);
                        }
                        c = c0.clone();
                        kernels.sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0,
                                n);
                        assertArrayEquals(expected, c, "plain call, grid " + grid + ", " + threads
                                + " threads" + what);
                        if (!ta) { // the transposed-tile form: B prepared, A (the patches) as it is
                            PreparedMatrix pb = kernels.prepareB(tb, k, n, b, 0, tb ? k : n);
                            c = c0.clone();
                            kernels.sgemmPreparedBThreaded(false, m, a, 0, k, pb, beta, c, 0, n);
                            float[] unscaled = c0.clone();
                            one.sgemm(false, tb, m, n, k, 1f, a, 0, k, b, 0, tb ? k : n, beta, unscaled, 0, n);
                            assertArrayEquals(unscaled, c, "prepared B, grid " + grid + ", " + threads
                                    + " threads" + what);
                        }
                    }
                }
            });
        } finally {
            VectorGemm.taskGrid = before;
        }
    }

    @Test
    void fewRowsPathGivesTheGeneralPathsBitsExactly() {
        VectorGemm general = new VectorGemm(1, false);
        VectorGemm generalTwo = new VectorGemm(2, false);
        VectorGemm fewRows = new VectorGemm(2, true);
        VectorGemm fewRowsOne = new VectorGemm(1, true);
        // Edges in every dimension, several KC slices, n across an NC block, m up to one MC block.
        int[][] shapes = {{64, 5 * NR + 7, 2 * VectorGemm.KC + 64}, {MR - 1, NR + 1, VectorGemm.KC + 1},
            {VectorGemm.MC, 3 * NR, 50}, {5, VectorGemm.NC + 5, 4}, {MR + 3, 2 * NR, 2 * VectorGemm.KC}};
        for (int[] s : shapes) {
            assertTrue(VectorGemm.isFewRows(s[0], s[2]), "shape meant for the few-rows path");
        }
        forEachCase(shapes, (m, n, k, ta, tb, beta, a, b, c0) -> {
            float[][] cs = {c0.clone(), c0.clone(), c0.clone(), c0.clone()};
            VectorGemm[] gemms = {general, generalTwo, fewRows, fewRowsOne};
            for (int i = 0; i < gemms.length; i++) {
                gemms[i].sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, cs[i], 0, n);
            }
            String what = " shape " + m + "x" + n + "x" + k + " trans " + ta + tb + " beta " + beta;
            assertArrayEquals(cs[0], cs[1], "general, 1 vs 2 threads" + what);
            assertArrayEquals(cs[0], cs[2], "general vs few-rows (2 threads)" + what);
            assertArrayEquals(cs[0], cs[3], "general vs few-rows (1 thread)" + what);
        });
    }

    /** One case of {@link #forEachCase}: the shape, the transposes, beta, and fresh A, B and C. */
    private interface GemmCase {
        void run(int m, int n, int k, boolean ta, boolean tb, float beta, float[] a, float[] b, float[] c0);
    }

    /**
     * Runs {@code body} for every shape {m, n, k}, all four transposes and betas 0 and 0.25, on fresh random A, B, C.
     */
    private void forEachCase(int[][] shapes, GemmCase body) {
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                for (float beta : new float[] {0f, 0.25f}) {
                    float[] a = randomArray(s[0] * s[2]);
                    float[] b = randomArray(s[2] * s[1]);
                    float[] c0 = randomArray(s[0] * s[1]);
                    body.run(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, beta, a, b, c0);
                }
            }
        }
    }

    /**
     * Edge panels narrower than NR run one- or two-vector kernels (8-row machines; 4-row ones since session 25: {@code
     * narrowEdges4}): the same bits as the full kernel
     * computing the whole padded panel, on the general and the few-rows paths, prepared or not, 1 or 2 threads, for
     * edges of every width class (1, VL, VL + 1, 2 VL, 2 VL + 1 and NR - 1 columns) and row edges.
     */
    @Test
    void narrowEdgePanelsGiveTheFullKernelsBits() {
        VectorGemm[] gemms = {new VectorGemm(1, false), new VectorGemm(2, false), new VectorGemm(1, true),
            new VectorGemm(2, true)};
        int[] edges = {1, VL - 1, VL, VL + 1, 2 * VL, 2 * VL + 1, NR - 1};
        int[] ms = {MR, 2 * MR + 3, VectorGemm.MC + 5};
        boolean saved = VectorGemm.narrowEdges;
        boolean saved4 = VectorGemm.narrowEdges4;
        try {
            for (int e = 0; e < edges.length; e++) {
                int m = ms[e % ms.length];
                int n = (e % 3) * NR + edges[e];
                int k = e % 2 == 0 ? 37 : VectorGemm.KC + 19;
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0;
                    boolean tb = (t & 2) != 0;
                    float beta = t % 2 == 0 ? 0f : 0.5f;
                    float[] a = randomArray(m * k);
                    float[] b = randomArray(k * n);
                    float[] c0 = randomArray(m * n);
                    String what = " shape " + m + "x" + n + "x" + k + " trans " + t;
                    VectorGemm.narrowEdges = false;
                    VectorGemm.narrowEdges4 = false;
                    float[] full = c0.clone();
                    gemms[0].sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, full, 0, n);
                    VectorGemm.narrowEdges = true;
                    VectorGemm.narrowEdges4 = true;
                    for (int i = 0; i < gemms.length; i++) {
                        float[] c = c0.clone();
                        gemms[i].sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
                        assertArrayEquals(full, c, "narrow edges, gemm " + i + what);
                        float[] packed = gemms[i].packForFewRows(ta, m, k, 0.75f, a, 0, ta ? m : k);
                        float[] cp = c0.clone();
                        gemms[i].sgemmPrepared(new PreparedMatrix(ta, m, k, 0.75f, a, 0, ta ? m : k, packed), tb, n,
                                b, 0, tb ? k : n, beta, cp, 0, n, 2);
                        assertArrayEquals(full, cp, "narrow edges, prepared, gemm " + i + what);
                    }
                    check(m, n, k, ta, tb, 0.75f, beta, 0, 0);
                }
            }
        } finally {
            VectorGemm.narrowEdges = saved;
            VectorGemm.narrowEdges4 = saved4;
        }
    }

    /**
     * A narrow edge panel computes only the vectors that cover its columns, on this machine's tile shape (MR = 8 with
     * 16-float vectors, 4 with 8-float ones): the scratch tile's vectors past them keep what they held, and the ones
     * computed hold the full kernel's bits. Fails when an edge falls back to the full three-vector kernel (as every
     * edge did on 4-row machines before session 25).
     */
    @Test
    void narrowEdgePanelsComputeOnlyTheVectorsTheyCover() {
        boolean saved = VectorGemm.narrowEdges;
        boolean saved4 = VectorGemm.narrowEdges4;
        try {
            VectorGemm.narrowEdges = true;
            VectorGemm.narrowEdges4 = true;
            int kc = 29;
            float[] pa = randomArray(MR * kc);
            float[] pb = randomArray(NR * kc);
            float[] whole = new float[MR * NR];
            fullKernel(kc, pa, pb, VectorGemm.NEGATIVE_ZEROS, 0, 0, 1f, whole, 0, NR);
            float sentinel = 12345.5f;
            for (int nr : new int[] {1, VL - 1, VL, VL + 1, 2 * VL}) {
                float[] tile = new float[MR * NR];
                java.util.Arrays.fill(tile, sentinel);
                VectorGemm.edgeKernel(kc, pa, 0, pb, 0, tile, MR, nr);
                int covered = (nr + VL - 1) / VL * VL;
                for (int r = 0; r < MR; r++) {
                    for (int j = 0; j < NR; j++) {
                        float got = tile[r * NR + j];
                        if (j < covered) {
                            assertEquals(Float.floatToRawIntBits(whole[r * NR + j]), Float.floatToRawIntBits(got),
                                    "nr " + nr + " row " + r + " column " + j + ": the full kernel's bits");
                        } else {
                            assertEquals(sentinel, got, "nr " + nr + " row " + r + " column " + j
                                    + ": computed, though past the vectors the edge covers");
                        }
                    }
                }
            }
        } finally {
            VectorGemm.narrowEdges = saved;
            VectorGemm.narrowEdges4 = saved4;
        }
    }

    /**
     * Row panels with 1 to 4 of their MR rows in use (a one-sample 7x7 tile computed transposed: m = 49) run the
     * 4-row kernel: the same bits as the full kernel, on both loop orders, prepared or not, 1 and 2 threads.
     */
    @Test
    void shortRowEdgesGiveTheFullKernelsBits() {
        VectorGemm[] gemms = {new VectorGemm(1, false), new VectorGemm(2, false), new VectorGemm(1, true),
            new VectorGemm(2, true)};
        int[] ms = {1, 2, 3, 4, 5, 7, 49, 196, 2 * MR + 1, VectorGemm.MC + 4};
        boolean saved = VectorGemm.shortRowEdges;
        try {
            for (int e = 0; e < ms.length; e++) {
                int m = ms[e];
                int n = (e % 3 + 1) * NR + (e % 2 == 0 ? 0 : VL + 3); // full panels, and a narrow edge beside them
                int k = e % 2 == 0 ? 41 : VectorGemm.KC + 13;
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0;
                    boolean tb = (t & 2) != 0;
                    float beta = t % 2 == 0 ? 0f : 0.5f;
                    float[] a = randomArray(m * k);
                    float[] b = randomArray(k * n);
                    float[] c0 = randomArray(m * n);
                    String what = " shape " + m + "x" + n + "x" + k + " trans " + t;
                    VectorGemm.shortRowEdges = false;
                    float[] full = c0.clone();
                    gemms[0].sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, full, 0, n);
                    VectorGemm.shortRowEdges = true;
                    for (int i = 0; i < gemms.length; i++) {
                        float[] c = c0.clone();
                        gemms[i].sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
                        assertArrayEquals(full, c, "short row edges, gemm " + i + what);
                        float[] packed = gemms[i].packForFewRows(ta, m, k, 0.75f, a, 0, ta ? m : k);
                        float[] cp = c0.clone();
                        gemms[i].sgemmPrepared(new PreparedMatrix(ta, m, k, 0.75f, a, 0, ta ? m : k, packed), tb, n,
                                b, 0, tb ? k : n, beta, cp, 0, n, 2);
                        assertArrayEquals(full, cp, "short row edges, prepared, gemm " + i + what);
                    }
                    check(m, n, k, ta, tb, 0.75f, beta, 0, 0);
                }
            }
        } finally {
            VectorGemm.shortRowEdges = saved;
        }
    }

    @Test
    void concurrentCallersGetCorrectResults() throws Exception {
        int m = 120;
        int n = 140;
        int k = 160;
        float[] a = randomArray(m * k);
        float[] b = randomArray(k * n);
        float[] expected = new float[m * n];
        new VectorKernels(1).sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, expected, 0, n);
        Thread[] callers = new Thread[3];
        float[][] results = new float[callers.length][m * n];
        for (int t = 0; t < callers.length; t++) {
            int id = t;
            callers[t] = new Thread(() -> {
                for (int rep = 0; rep < 5; rep++) {
                    vector.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, results[id], 0, n);
                }
            });
            callers[t].start();
        }
        for (Thread caller : callers) {
            caller.join();
        }
        for (float[] r : results) {
            assertArrayEquals(expected, r);
        }
    }

    @Test
    void rejectsBadArgumentsWithClearMessages() {
        float[] x = new float[12];
        for (Kernels kernels : List.of(scalar, vector)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.sgemm(false, false, 3, 4, 5, 1f, x, 0, 5, x, 0, 4, 0f, x, 0, 4));
            assertTrue(e.getMessage().startsWith("sgemm: A"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.sgemm(false, false, 2, 2, 2, 1f, x, 0, 1, x, 0, 2, 0f, x, 0, 2));
            assertTrue(e.getMessage().contains("leading dimension of A"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
            assertTrue(e.getMessage().contains("negative"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.sgemm(false, false, 2, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 10, 2));
            assertTrue(e.getMessage().startsWith("sgemm: C"), e.getMessage());
        }
    }

    /**
     * Runs one case on both implementations. Matrices live at an offset inside larger arrays with padded
     * leading dimensions; the padding is filled with a sentinel that must survive (no stray writes, and no
     * reads either: a read sentinel would wreck the result).
     */
    private void check(int m, int n, int k, boolean transA, boolean transB, float alpha, float beta,
                       int padLd, int off) {
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        int lda = aCols + padLd;
        int ldb = bCols + padLd;
        int ldc = n + padLd;
        float[] a = padded(aRows, aCols, lda, off);
        float[] b = padded(bRows, bCols, ldb, off);
        float[] c0 = padded(m, n, ldc, off);
        if (beta == 0f) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    c0[off + i * ldc + j] = Float.NaN;
                }
            }
        }
        GemmOracle oracle = new GemmOracle(transA, transB, m, n, k, alpha, a, off, lda, b, off, ldb,
                beta, c0, off, ldc);
        for (Kernels kernels : List.of(scalar, vector)) {
            float[] c = c0.clone();
            kernels.sgemm(transA, transB, m, n, k, alpha, a, off, lda, b, off, ldb, beta, c, off, ldc);
            String what = kernels.name() + " " + m + "x" + n + "x" + k + " transA=" + transA + " transB=" + transB
                    + " alpha=" + alpha + " beta=" + beta + " ld pad " + padLd + " offset " + off;
            for (int idx = 0; idx < c.length; idx++) {
                int rel = idx - off;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside) {
                    assertEquals(c0[idx], c[idx], what + ": wrote outside C at array index " + idx);
                    continue;
                }
                int i = rel / ldc;
                int j = rel % ldc;
                double diff = Math.abs(c[idx] - oracle.expected[i * n + j]);
                if (!(diff <= oracle.tolerance[i * n + j])) {
                    fail(what + ": C[" + i + "][" + j + "] = " + c[idx] + ", expected " + oracle.expected[i * n + j]
                            + " within " + oracle.tolerance[i * n + j]);
                }
            }
        }
    }

    /** An array with a rows x cols matrix at offset {@code off} (leading dimension ld), sentinels elsewhere. */
    private float[] padded(int rows, int cols, int ld, int off) {
        float[] x = new float[off + Math.max(0, rows - 1) * ld + cols + 3];
        java.util.Arrays.fill(x, SENTINEL);
        for (int r = 0; r < rows; r++) {
            for (int col = 0; col < cols; col++) {
                x[off + r * ld + col] = (float) random.nextGaussian();
            }
        }
        return x;
    }

    private float[] randomArray(int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
