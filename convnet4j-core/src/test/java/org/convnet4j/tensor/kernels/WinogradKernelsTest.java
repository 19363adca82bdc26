package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.convnet4j.data.Datasets;
import org.junit.jupiter.api.Test;

/**
 * The Winograd transforms of {@link VectorKernels} ({@link VectorWinograd}: a filter or tile per lane, gathers and
 * scatters through the tiles' origins, or plain loads and stores of rows side by side) against their scalar twins
 * (the interface defaults) bit for bit, for counts below, at and past a vector with a scalar tail, non-zero offsets
 * and both tile sizes; and one tile's transforms against the direct 3x3 correlation they stand for.
 */
class WinogradKernelsTest {
    private static final int VL = VectorKernels.vectorLength();
    private static final int[] COUNTS = {1, VL - 1, VL, VL + 1, 2 * VL + 3, 3 * VL};

    private final Kernels scalar = new ScalarKernels();
    private final Kernels vector = new VectorKernels(1);
    private final Random random = new Random(21);

    @Test
    void filterTransformEqualsTheScalarTwinBitForBit() {
        for (int m : new int[] {2, 4}) {
            int e = (m + 2) * (m + 2);
            for (int n : COUNTS) {
                float[] src = Gaussians.floats(random, 9 * n + 5);
                int ldE = n + 2;
                float[] expected = Gaussians.floats(random, e * ldE + 3);
                float[] actual = expected.clone();
                scalar.winogradFilters(m, n, src, 5, expected, 3, ldE);
                vector.winogradFilters(m, n, src, 5, actual, 3, ldE);
                assertArrayEquals(expected, actual, "m=" + m + " n=" + n);
            }
        }
    }

    @Test
    void inputTransformEqualsTheScalarTwinBitForBit() {
        for (int m : new int[] {2, 4}) {
            int a = m + 2;
            for (int tiles : COUNTS) {
                int ld = 3 * tiles + 7;
                float[] src = Gaussians.floats(random, a * ld + 9);
                int[] origins = new int[tiles + 2];
                for (int t = 0; t < origins.length; t++) {
                    origins[t] = random.nextInt(ld - a); // tiles anywhere, overlapping
                }
                int ldE = tiles + 1;
                float[] expected = Gaussians.floats(random, a * a * ldE + 4);
                float[] actual = expected.clone();
                scalar.winogradInput(m, tiles, src, 2, ld, origins, 1, expected, 4, ldE);
                vector.winogradInput(m, tiles, src, 2, ld, origins, 1, actual, 4, ldE);
                assertArrayEquals(expected, actual, "m=" + m + " tiles=" + tiles);
            }
        }
    }

    /**
     * Rows of tiles laid side by side ({@link Kernels#winogradInputRows}): the vector kernels' plain loads and lane
     * rearrangements, the scalar twin, and the gathering transform on the same tiles behind origins (each row of tiles
     * a rows of {@code tilesW * m + 2} pixels) give the same bits; rows of 1 tile to more than a vector, in all fewer
     * tiles than a vector, exactly one and more; a row of tiles' last tile reads its last two columns from the fringe.
     */
    @Test
    void inputRowsEqualTheScalarTwinAndTheGatheredTilesBitForBit() {
        for (int m : new int[] {2, 4}) {
            int a = m + 2;
            for (int tilesW : new int[] {1, 3, 7, 14, VL + 1}) {
                for (int rows : new int[] {1, 2, 5}) {
                    int tiles = rows * tilesW;
                    int width = tilesW * m + 2;
                    float[] padded = Gaussians.floats(random, rows * a * width); // row k of tile row r at (r * a + k) * width
                    int[] origins = new int[tiles];
                    int ldK = tiles * m + 5;
                    float[] src = Gaussians.floats(random, 3 + a * ldK + rows * a * 2 + 4);
                    int fringeOff = 3 + a * ldK + 2;
                    for (int t = 0; t < tiles; t++) {
                        origins[t] = t / tilesW * a * width + t % tilesW * m;
                    }
                    for (int r = 0; r < rows; r++) {
                        for (int k = 0; k < a; k++) {
                            int from = (r * a + k) * width;
                            System.arraycopy(padded, from, src, 3 + k * ldK + r * tilesW * m, tilesW * m);
                            src[fringeOff + (r * a + k) * 2] = padded[from + tilesW * m];
                            src[fringeOff + (r * a + k) * 2 + 1] = padded[from + tilesW * m + 1];
                        }
                    }
                    int ldE = tiles + 1;
                    float[] gathered = Gaussians.floats(random, a * a * ldE + 4);
                    float[] expected = gathered.clone();
                    float[] actual = gathered.clone();
                    scalar.winogradInput(m, tiles, padded, 0, width, origins, 0, gathered, 4, ldE);
                    scalar.winogradInputRows(m, tiles, tilesW, src, 3, ldK, fringeOff, expected, 4, ldE);
                    vector.winogradInputRows(m, tiles, tilesW, src, 3, ldK, fringeOff, actual, 4, ldE);
                    String what = "m=" + m + " tilesW=" + tilesW + " rows=" + rows;
                    assertArrayEquals(gathered, expected, "scalar, " + what);
                    assertArrayEquals(expected, actual, "vector, " + what);
                }
            }
        }
    }

    /** Outputs and the products' scratch (the column transforms written over them) alike. */
    @Test
    void outputTransformEqualsTheScalarTwinBitForBit() {
        for (int m : new int[] {2, 4}) {
            int a = m + 2;
            for (int tiles : COUNTS) {
                int ld = tiles * m + 3;
                int[] origins = new int[tiles + 1];
                // tiles side by side in a random order: no two overlap
                int[] slots = Datasets.permutation(tiles, random);
                for (int t = 0; t < tiles; t++) {
                    origins[t + 1] = slots[t] * m;
                }
                int ldE = tiles + 2;
                float[] products = Gaussians.floats(random, a * a * ldE + 1);
                float[] scalarProducts = products.clone();
                float[] expected = Gaussians.floats(random, m * ld + 6);
                float[] actual = expected.clone();
                scalar.winogradOutput(m, tiles, scalarProducts, 1, ldE, 0.375f, expected, 6, ld, origins, 1);
                vector.winogradOutput(m, tiles, products, 1, ldE, 0.375f, actual, 6, ld, origins, 1);
                assertArrayEquals(expected, actual, "m=" + m + " tiles=" + tiles);
                assertArrayEquals(scalarProducts, products, "scratch, m=" + m + " tiles=" + tiles);
            }
        }
    }

    /**
     * Output rows side by side ({@link Kernels#winogradOutputRows}): the vector kernels' lane rearrangements and plain
     * stores, the scalar twin, and the scattering transform with tile t's origin at {@code t * m} give the same bits,
     * everything around the outputs untouched.
     */
    @Test
    void outputRowsEqualTheScalarTwinAndTheScatteredTilesBitForBit() {
        for (int m : new int[] {2, 4}) {
            int a = m + 2;
            for (int tiles : COUNTS) {
                int ldI = tiles * m + 3;
                int[] origins = new int[tiles];
                for (int t = 0; t < tiles; t++) {
                    origins[t] = t * m;
                }
                int ldE = tiles + 2;
                float[] products = Gaussians.floats(random, a * a * ldE + 1);
                float[] scattered = Gaussians.floats(random, m * ldI + 6);
                float[] expected = scattered.clone();
                float[] actual = scattered.clone();
                scalar.winogradOutput(m, tiles, products, 1, ldE, 0.375f, scattered, 5, ldI, origins, 0);
                scalar.winogradOutputRows(m, tiles, products, 1, ldE, 0.375f, expected, 5, ldI);
                vector.winogradOutputRows(m, tiles, products, 1, ldE, 0.375f, actual, 5, ldI);
                assertArrayEquals(scattered, expected, "scalar, m=" + m + " tiles=" + tiles);
                assertArrayEquals(expected, actual, "vector, m=" + m + " tiles=" + tiles);
            }
        }
    }

    /** One tile, one channel: A^T [(G g G^T) o (B^T d B)] A is the tile's 3x3 correlation, to float rounding. */
    @Test
    void oneTileIsTheCorrelation() {
        for (Kernels k : new Kernels[] {scalar, vector}) {
            for (int m : new int[] {2, 4}) {
                int a = m + 2;
                float[] g = Gaussians.floats(random, 9);
                float[] d = Gaussians.floats(random, a * a);
                float[] u = new float[a * a];
                float[] v = new float[a * a];
                k.winogradFilters(m, 1, g, 0, u, 0, 1);
                k.winogradInput(m, 1, d, 0, a, new int[] {0}, 0, v, 0, 1);
                for (int e = 0; e < a * a; e++) {
                    u[e] *= v[e];
                }
                float[] y = new float[m * m];
                k.winogradOutput(m, 1, u, 0, 1, 0f, y, 0, m, new int[] {0}, 0);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < m; j++) {
                        double sum = 0;
                        double abs = 0;
                        for (int r = 0; r < 3; r++) {
                            for (int s = 0; s < 3; s++) {
                                sum += (double) g[r * 3 + s] * d[(i + r) * a + j + s];
                                abs += Math.abs((double) g[r * 3 + s] * d[(i + r) * a + j + s]);
                            }
                        }
                        assertEquals(sum, y[i * m + j], 1e-5 * abs, k.name() + " m=" + m + " (" + i + ", " + j + ")");
                    }
                }
            }
        }
    }

    /**
     * The weight gradient's transforms ({@link Kernels#winogradGradientRows}, {@link Kernels#winogradWeightOutputs}):
     * the vector kernels' against the scalar twin bit for bit, counts below, at and past a vector, rows of tiles with a
     * gap after them, non-zero offsets; the transform back adds to what dst held.
     */
    @Test
    void weightGradientTransformsEqualTheScalarTwinBitForBit() {
        for (int m : new int[] {2, 4}) {
            int a = m + 2;
            for (int n : COUNTS) {
                int ldK = n * m + 3;
                float[] src = Gaussians.floats(random, 2 + m * ldK);
                int ldE = n + 2;
                float[] expected = Gaussians.floats(random, a * a * ldE + 5);
                float[] actual = expected.clone();
                scalar.winogradGradientRows(m, n, src, 2, ldK, expected, 5, ldE);
                vector.winogradGradientRows(m, n, src, 2, ldK, actual, 5, ldE);
                assertArrayEquals(expected, actual, "dy tiles, m=" + m + " tiles=" + n);

                float[] sums = Gaussians.floats(random, a * a * ldE + 3);
                float[] taps = Gaussians.floats(random, 9 * n + 7);
                float[] tapsVector = taps.clone();
                scalar.winogradWeightOutputs(m, n, sums, 3, ldE, taps, 7);
                vector.winogradWeightOutputs(m, n, sums, 3, ldE, tapsVector, 7);
                assertArrayEquals(taps, tapsVector, "back to the taps, m=" + m + " pairs=" + n);
            }
        }
    }

    /**
     * One tile of dy (m x m) and its input tile ((m + 2) x (m + 2)), one channel: {@code G^T [(A dy A^T) o (B^T d B)] G}
     * is the 3x3 correlation of the input tile with dy (the tile's share of dW), to float rounding, added to dW's
     * value before; on both kernel sets.
     */
    /**
     * {@link VectorWinograd#plainLanes} (the taps moved by a loop over lanes, no gather or scatter) gives the bits of the
     * gather and scatter: the weight gradient's transform back to the taps and the prepared filters, both switch states.
     */
    @Test
    void plainLanesGiveTheBitsOfTheGatherAndScatter() {
        boolean before = VectorWinograd.plainLanes;
        try {
            for (int m : new int[] {2, 4}) {
                int a = m + 2;
                for (int n : COUNTS) {
                    int ldE = n + 2;
                    float[] sums = Gaussians.floats(random, a * a * ldE + 3);
                    float[] taps = Gaussians.floats(random, 9 * n + 7);
                    float[][] results = new float[2][];
                    for (int on = 0; on < 2; on++) {
                        VectorWinograd.plainLanes = on == 1;
                        results[on] = taps.clone();
                        vector.winogradWeightOutputs(m, n, sums, 3, ldE, results[on], 7);
                    }
                    assertArrayEquals(results[0], results[1], "back to the taps, m=" + m + " pairs=" + n);
                }
                int e = a * a;
                for (int[] fc : new int[][] {{16, 16}, {13, 17}, {24, VectorGemm.KC + 3}}) {
                    int f = fc[0];
                    int c = fc[1];
                    float[] w = Gaussians.floats(random, 9 * f * c);
                    float[][][] results = new float[2][e][(f + 15) / 16 * 16 * c];
                    for (int on = 0; on < 2; on++) {
                        VectorWinograd.plainLanes = on == 1;
                        vector.winogradFiltersPrepared(m, f, c, w, 0, f, results[on]);
                    }
                    for (int i = 0; i < e; i++) {
                        assertArrayEquals(results[0][i], results[1][i], "m=" + m + " f=" + f + " c=" + c + " e=" + i);
                    }
                }
            }
        } finally {
            VectorWinograd.plainLanes = before;
        }
    }

    /**
     * With {@link VectorWinograd#plainLanes} the weight gradient's transform back to the taps and the filter transform
     * allocate (next to) nothing once compiled: on 8-float machines the scatter's and the gathers' fallbacks allocated
     * ~20 KB per call here (boxed vectors, index vectors, masks), ~150 MB per ResNet-50 training step at batch 8. Counted
     * bytes, not time: calls in rounds until a round allocates under the bound (the JIT compiles the transforms after a
     * few thousand calls); fails if no round of 200 does within 40,000 calls.
     */
    @Test
    void plainLanesAllocateNextToNothingOnceCompiled() {
        boolean before = VectorWinograd.plainLanes;
        VectorWinograd.plainLanes = true;
        try {
            int n = 2 * VL + 3;
            int ldE = n + 2;
            float[] sums = Gaussians.floats(random, 36 * ldE);
            float[] taps = new float[9 * n];
            int f = 16;
            int c = 16;
            float[] w = Gaussians.floats(random, 9 * f * c);
            float[][] prepared = new float[36][f * c];
            long fewest = fewestBytesPerCall(200, 200, 512, () -> {
                vector.winogradWeightOutputs(4, n, sums, 0, ldE, taps, 0);
                vector.winogradFiltersPrepared(4, f, c, w, 0, f, prepared); // two small arrays of its own per call
            });
            assertTrue(fewest < 512, "fewest bytes per call in a round: " + fewest);
        } finally {
            VectorWinograd.plainLanes = before;
        }
    }

    /**
     * The prepared filters' default (the scalar kernels', and the vector kernels' where {@link VectorWinograd#packs()}
     * is false, as with the 6 x 16 GEMM tile on 8-float machines): its few arrays once per call, not one per
     * filter-channel pair (a training step calls it for every Winograd layer, forward and backward: ~63 MB of garbage
     * per W6 step when each pair had its own). 64 x 64 pairs: a per-pair array would be 160 KB per call.
     */
    @Test
    void preparedFiltersDefaultAllocatesPerCallNotPerPair() {
        int f = 64;
        int c = 64;
        float[] w = Gaussians.floats(random, 9 * f * c);
        float[][] prepared = new float[36][f * c];
        long fewest = fewestBytesPerCall(40, 20, 1024, () -> scalar.winogradFiltersPrepared(4, f, c, w, 0, f, prepared));
        assertTrue(fewest < 1024, "fewest bytes per call in a round: " + fewest);
    }

    /**
     * This thread's allocated bytes per call of {@code call}, the fewest over rounds of {@code calls} calls: rounds until
     * one comes under {@code bound} bytes per call (the JIT has compiled what it runs by then) or {@code rounds} ran.
     */
    private static long fewestBytesPerCall(int rounds, int calls, long bound, Runnable call) {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < rounds && fewest >= bound * calls; round++) {
            long start = threads.getThreadAllocatedBytes(me);
            for (int i = 0; i < calls; i++) {
                call.run();
            }
            fewest = Math.min(fewest, threads.getThreadAllocatedBytes(me) - start);
        }
        return fewest / calls;
    }

    @Test
    void oneTileIsTheWeightGradient() {
        for (Kernels k : new Kernels[] {scalar, vector}) {
            for (int m : new int[] {2, 4}) {
                int a = m + 2;
                float[] dy = Gaussians.floats(random, m * m);
                float[] d = Gaussians.floats(random, a * a);
                float[] v = new float[a * a];
                float[] t = new float[a * a];
                k.winogradInput(m, 1, d, 0, a, new int[] {0}, 0, v, 0, 1);
                k.winogradGradientRows(m, 1, dy, 0, m, t, 0, 1);
                for (int e = 0; e < a * a; e++) {
                    t[e] *= v[e];
                }
                float[] before = Gaussians.floats(random, 9);
                float[] dw = before.clone();
                k.winogradWeightOutputs(m, 1, t, 0, 1, dw, 0);
                for (int r = 0; r < 3; r++) {
                    for (int s = 0; s < 3; s++) {
                        double sum = before[r * 3 + s];
                        double abs = Math.abs(sum);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < m; j++) {
                                sum += (double) dy[i * m + j] * d[(i + r) * a + j + s];
                                abs += Math.abs((double) dy[i * m + j] * d[(i + r) * a + j + s]);
                            }
                        }
                        assertEquals(sum, dw[r * 3 + s], 1e-5 * abs, k.name() + " m=" + m + " (" + r + ", " + s + ")");
                    }
                }
            }
        }
    }

    /**
     * Filters transformed straight into the products' operands (the vector kernels' packed layout; the scalar kernels'
     * plain one), written in two ranges of filters: every product has the bits of the unprepared product on
     * {@link Kernels#winogradFilters}' U_e, for filter counts that leave a short panel, odd channel counts and more
     * channels than one packed slice (KC).
     */
    @Test
    void preparedFiltersGiveTheProductsOfTheTransformedFilters() {
        for (Kernels k : new Kernels[] {vector, scalar}) {
            for (int m : new int[] {2, 4}) {
                int e = (m + 2) * (m + 2);
                for (int[] fc : new int[][] {{16, 16}, {13, 17}, {40, 9}, {24, VectorGemm.KC + 3}}) {
                    int f = fc[0];
                    int c = fc[1];
                    float[] w = Gaussians.floats(random, 9 * f * c);
                    float[] u = new float[e * f * c];
                    k.winogradFilters(m, f * c, w, 0, u, 0, f * c);
                    float[][] buffers = new float[e][(f + 15) / 16 * 16 * c];
                    int split = f > 16 ? 16 : f;
                    k.winogradFiltersPrepared(m, f, c, w, 0, split, buffers);
                    k.winogradFiltersPrepared(m, f, c, w, split, f, buffers);
                    int n = 37;
                    float[] b = Gaussians.floats(random, c * n);
                    for (int i = 0; i < e; i++) {
                        float[] expected = new float[f * n];
                        float[] actual = new float[f * n];
                        k.sgemmSingleThread(false, false, f, n, c, 1f, u, i * f * c, c, b, 0, n, 0f, expected, 0, n);
                        k.sgemmPrepared(k.winogradPrepared(f, c, buffers[i]), false, n, b, 0, n, 0f, actual, 0, n);
                        assertArrayEquals(expected, actual, k.name() + " m=" + m + " f=" + f + " c=" + c + " e=" + i);
                    }
                }
            }
        }
    }

    @Test
    void otherTileSizesAreRefused() {
        float[] x = new float[64];
        assertThrows(IllegalArgumentException.class, () -> vector.winogradFilters(3, 1, x, 0, x, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> scalar.winogradInput(6, 1, x, 0, 8, new int[1], 0, x, 0,
                1));
    }
}
