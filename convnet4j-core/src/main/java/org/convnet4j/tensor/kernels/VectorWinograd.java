package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Winograd transforms of {@link VectorKernels}: one tile (or one filter) per lane, the expressions of
 * {@link ScalarWinograd} evaluated on whole vectors in the same order (so the same bits), the tiles' input pixels
 * gathered through their origins ({@link #input}) or split out of rows laid side by side with plain loads
 * ({@link #inputRows}), and their outputs scattered back through their origins. A last group of fewer tiles
 * than a vector is the last whole vector's worth again (those tiles computed twice, the same values written twice);
 * only fewer tiles than a vector in all run the scalar twin.
 *
 * <p>Each 1-D transform of one column or row is a method of its own that takes and returns arrays only: with the
 * transforms written out in one loop body, C2 stopped inlining the Vector API's own methods into it (a method that
 * large exhausts its inlining budget), and with helpers taking vectors, a helper compiled apart was later too large to
 * inline; either way vectors became objects (JFR of the 64-channel layer on 56 x 56: the API's fallbacks on top).
 */
final class VectorWinograd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** One 3 x 3 filter per lane: lane l reads filter l's 9 taps. */
    private static final int[] FILTERS = strides(9);
    /**
     * Per thread: the output transform's row results, (m + 2) x m vectors, then its outputs, m x m vectors from
     * {@link #OUTPUTS} on (column q's row i at {@code OUTPUTS + (q * m + i) * VL}). The weight gradient's transforms use
     * it too: {@link #gradientRows} for a vector of tiles' m x m values, {@link #weightOutputs} for H's 3 x (m + 2).
     */
    private static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[(6 * 4 + 4 * 4) * VL]);
    private static final int OUTPUTS = 6 * 4 * VL;
    /** Per thread: {@link #inputRows}' tiles' pixels, [k][s][tiles], grown to the largest call. */
    private static final ThreadLocal<float[][]> PIXELS = ThreadLocal.withInitial(() -> new float[1][0]);
    /**
     * Column s (s < m) of VL tiles from m consecutive vectors of a row of pixels (tile l's columns at m l .. m l + m - 1):
     * lane l is lane (m l + s) mod VL of vector m l / VL, so each vector rearranged by one shuffle, blended by lanes.
     */
    private static final VectorShuffle<Float> COLUMN4_0 = column(4, 0);
    private static final VectorShuffle<Float> COLUMN4_1 = column(4, 1);
    private static final VectorShuffle<Float> COLUMN4_2 = column(4, 2);
    private static final VectorShuffle<Float> COLUMN4_3 = column(4, 3);
    private static final VectorShuffle<Float> COLUMN2_0 = column(2, 0);
    private static final VectorShuffle<Float> COLUMN2_1 = column(2, 1);
    /** The lanes that take vector k of m: {@code m l / VL == k}. */
    private static final VectorMask<Float> FROM4_1 = from(4, 1);
    private static final VectorMask<Float> FROM4_2 = from(4, 2);
    private static final VectorMask<Float> FROM4_3 = from(4, 3);
    private static final VectorMask<Float> FROM2_1 = from(2, 1);
    /**
     * The inverse, for the outputs: vector j of m VL consecutive outputs (VL / m tiles' m columns each) from the m
     * columns of VL tiles: lane l is lane j VL / m + l / m of column l mod m.
     */
    private static final VectorShuffle<Float> SPREAD4_0 = spread(4, 0);
    private static final VectorShuffle<Float> SPREAD4_1 = spread(4, 1);
    private static final VectorShuffle<Float> SPREAD4_2 = spread(4, 2);
    private static final VectorShuffle<Float> SPREAD4_3 = spread(4, 3);
    private static final VectorShuffle<Float> SPREAD2_0 = spread(2, 0);
    private static final VectorShuffle<Float> SPREAD2_1 = spread(2, 1);
    /** The lanes that take column q of m: {@code l mod m == q}. */
    private static final VectorMask<Float> COLUMN_OF4_1 = columnOf(4, 1);
    private static final VectorMask<Float> COLUMN_OF4_2 = columnOf(4, 2);
    private static final VectorMask<Float> COLUMN_OF4_3 = columnOf(4, 3);
    private static final VectorMask<Float> COLUMN_OF2_1 = columnOf(2, 1);

    /**
     * Scratch in {@link #ROWS} for {@link #plainLanes}: H's rows' three outputs (after H's 3 x (m + 2) vectors, at most
     * 18) or the filters' three gathered taps; before {@link #OUTPUTS}' region, which neither transform uses.
     */
    private static final int TAPS = 18 * VL;
    /**
     * Whether the filter transform ({@link #filtersPacked}) and the weight gradient's ({@link #weightOutputs}) move
     * their 9-apart taps with a scalar loop over the lanes and plain vector loads and stores, instead of a gather and
     * a scatter. JDK 17's C2 compiles a scatter into one instruction only with AVX-512 (x86.ad: StoreVectorScatter needs
     * UseAVX > 2); on 8-float (AVX2) machines each scatter ran the API's Java fallback (a boxed vector, an index vector,
     * a mask and a lambda per lane), and the filter transform's gathers left its vectors boxed too: together ~150 of
     * the 174 MB a ResNet-50 training step at batch 8 allocated (ThreadMXBean and JFR, docs/PERFORMANCE.md session 26,
     * the step memory engineer), and the fallbacks' time. Each lane reads the same tap and each tap gets
     * {@code tap + value} (one float addition of the same two values) either way: the same bits. On by default where
     * vectors hold fewer than 16 floats; {@code -Dconvnet4j.winograd.plainLanes=true|false} decides everywhere.
     */
    static volatile boolean plainLanes = System.getProperty("convnet4j.winograd.plainLanes") == null
            ? VL < 16 : "true".equals(System.getProperty("convnet4j.winograd.plainLanes"));

    private VectorWinograd() {
    }

    private static int[] strides(int stride) {
        int[] map = new int[VL];
        for (int l = 0; l < VL; l++) {
            map[l] = l * stride;
        }
        return map;
    }

    private static VectorShuffle<Float> column(int m, int s) {
        int[] map = new int[VL];
        for (int l = 0; l < VL; l++) {
            map[l] = (m * l + s) % VL;
        }
        return VectorShuffle.fromArray(S, map, 0);
    }

    private static VectorMask<Float> from(int m, int k) {
        boolean[] lanes = new boolean[VL];
        for (int l = 0; l < VL; l++) {
            lanes[l] = m * l / VL == k;
        }
        return VectorMask.fromArray(S, lanes, 0);
    }

    private static VectorShuffle<Float> spread(int m, int j) {
        int[] map = new int[VL];
        for (int l = 0; l < VL; l++) {
            map[l] = j * VL / m + l / m;
        }
        return VectorShuffle.fromArray(S, map, 0);
    }

    private static VectorMask<Float> columnOf(int m, int q) {
        boolean[] lanes = new boolean[VL];
        for (int l = 0; l < VL; l++) {
            lanes[l] = l % m == q;
        }
        return VectorMask.fromArray(S, lanes, 0);
    }

    /** The first lane of each vector's worth of {@code n} items: 0, VL, ..., and n - VL last when n is not a multiple. */
    private static int start(int i, int n) {
        return Math.min(i, n - VL);
    }

    static void filters(int m, int n, float[] src, int srcOff, float[] dst, int dstOff, int ldE) {
        if (n < VL) {
            ScalarWinograd.filters(m, n, src, srcOff, dst, dstOff, ldE);
            return;
        }
        int a = m + 2;
        for (int i = 0; i < n; i += VL) {
            int p = start(i, n);
            int u = dstOff + p;
            for (int s = 0; s < 3; s++) { // G down column s into elements (i, s)
                int g = srcOff + 9 * p + s;
                if (m == 2) {
                    filterColumn2(src, g, dst, u + s * ldE, a * ldE);
                } else {
                    filterColumn4(src, g, dst, u + s * ldE, a * ldE);
                }
            }
            for (int r = 0; r < a; r++) { // G along each row, in place
                if (m == 2) {
                    filterRow2(dst, u + r * a * ldE, ldE);
                } else {
                    filterRow4(dst, u + r * a * ldE, ldE);
                }
            }
        }
    }

    private static void filterColumn2(float[] src, int g, float[] dst, int out, int step) {
        FloatVector g0 = FloatVector.fromArray(S, src, g, FILTERS, 0);
        FloatVector g1 = FloatVector.fromArray(S, src, g + 3, FILTERS, 0);
        FloatVector g2 = FloatVector.fromArray(S, src, g + 6, FILTERS, 0);
        FloatVector sum = g0.add(g2);
        g0.intoArray(dst, out);
        sum.add(g1).mul(0.5f).intoArray(dst, out + step);
        sum.sub(g1).mul(0.5f).intoArray(dst, out + 2 * step);
        g2.intoArray(dst, out + 3 * step);
    }

    private static void filterRow2(float[] dst, int row, int step) {
        FloatVector g0 = FloatVector.fromArray(S, dst, row);
        FloatVector g1 = FloatVector.fromArray(S, dst, row + step);
        FloatVector g2 = FloatVector.fromArray(S, dst, row + 2 * step);
        FloatVector sum = g0.add(g2);
        sum.add(g1).mul(0.5f).intoArray(dst, row + step);
        sum.sub(g1).mul(0.5f).intoArray(dst, row + 2 * step);
        g2.intoArray(dst, row + 3 * step);
    }

    private static void filterColumn4(float[] src, int g, float[] dst, int out, int step) {
        FloatVector g0 = FloatVector.fromArray(S, src, g, FILTERS, 0);
        FloatVector g1 = FloatVector.fromArray(S, src, g + 3, FILTERS, 0);
        FloatVector g2 = FloatVector.fromArray(S, src, g + 6, FILTERS, 0);
        FloatVector sum = g0.add(g2);
        FloatVector far = g0.add(g2.mul(4f));
        FloatVector twice = g1.mul(2f);
        g0.mul(0.25f).intoArray(dst, out);
        sum.add(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, out + step);
        sum.sub(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, out + 2 * step);
        far.add(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, out + 3 * step);
        far.sub(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, out + 4 * step);
        g2.intoArray(dst, out + 5 * step);
    }

    private static void filterRow4(float[] dst, int row, int step) {
        FloatVector g0 = FloatVector.fromArray(S, dst, row);
        FloatVector g1 = FloatVector.fromArray(S, dst, row + step);
        FloatVector g2 = FloatVector.fromArray(S, dst, row + 2 * step);
        FloatVector sum = g0.add(g2);
        FloatVector far = g0.add(g2.mul(4f));
        FloatVector twice = g1.mul(2f);
        g0.mul(0.25f).intoArray(dst, row);
        sum.add(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, row + step);
        sum.sub(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, row + 2 * step);
        far.add(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, row + 3 * step);
        far.sub(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, row + 4 * step);
        g2.intoArray(dst, row + 5 * step);
    }

    static void input(int m, int tiles, float[] src, int srcOff, int ld, int[] origins, int originsOff, float[] dst,
                      int dstOff, int ldE) {
        if (tiles < VL) {
            ScalarWinograd.input(m, 0, tiles, src, srcOff, ld, origins, originsOff, dst, dstOff, ldE);
            return;
        }
        int a = m + 2;
        for (int i = 0; i < tiles; i += VL) {
            int t = start(i, tiles);
            int v = dstOff + t;
            for (int s = 0; s < a; s++) { // B^T down column s into elements (i, s)
                if (m == 2) {
                    inputColumn2(src, srcOff + s, ld, origins, originsOff + t, dst, v + s * ldE, a * ldE);
                } else {
                    inputColumn4(src, srcOff + s, ld, origins, originsOff + t, dst, v + s * ldE, a * ldE);
                }
            }
            rowsInPlace(m, dst, v, ldE);
        }
    }

    /** B along each row of one vector of tiles' elements (element e at {@code v + e * ldE}), in place. */
    private static void rowsInPlace(int m, float[] dst, int v, int ldE) {
        int a = m + 2;
        for (int r = 0; r < a; r++) {
            if (m == 2) {
                input2(dst, v + r * a * ldE, ldE, dst, v + r * a * ldE, ldE);
            } else {
                input4(dst, v + r * a * ldE, ldE, dst, v + r * a * ldE, ldE);
            }
        }
    }

    /**
     * {@link Kernels#winogradInputRows}: no gathers. Each row k of the tiles' pixels is split into its columns s with
     * contiguous loads and lane rearrangements ({@link #columns2}, {@link #columns4}: s < m; columns m and m + 1 are
     * columns 0 and 1 of the next tile, one array copy each, and the fringe at each row of tiles' end) into a per-thread
     * [k][s][tiles] array; then B^T down each column from there into dst and B along each row in place, the
     * expressions of {@link #input}. Fewer tiles than a vector, or a vector that m does not divide: the scalar twin.
     */
    static void inputRows(int m, int tiles, int tilesW, float[] src, int srcOff, int ldK, int fringeOff, float[] dst,
                          int dstOff, int ldE) {
        if (tiles < VL || VL % m != 0) {
            ScalarWinograd.inputRows(m, 0, tiles, tilesW, src, srcOff, ldK, fringeOff, dst, dstOff, ldE);
            return;
        }
        int a = m + 2;
        float[][] holder = PIXELS.get();
        if (holder[0].length < a * a * tiles) {
            holder[0] = new float[a * a * tiles];
        }
        float[] d = holder[0]; // pixel (k, s) of tile t at (k * a + s) * tiles + t
        for (int k = 0; k < a; k++) {
            int row = srcOff + k * ldK;
            int to = k * a * tiles;
            for (int i = 0; i < tiles; i += VL) {
                int t = start(i, tiles);
                if (m == 2) {
                    columns2(src, row + t * 2, d, to + t, tiles);
                } else {
                    columns4(src, row + t * 4, d, to + t, tiles);
                }
            }
            for (int j = 0; j < 2; j++) { // columns m + j: column j of the next tile ...
                System.arraycopy(d, to + j * tiles + 1, d, to + (m + j) * tiles, tiles - 1);
                for (int r = 0; r < tiles / tilesW; r++) { // ... but past a row of tiles' last pixel: the fringe
                    d[to + (m + j) * tiles + r * tilesW + tilesW - 1] = src[fringeOff + (r * a + k) * 2 + j];
                }
            }
        }
        for (int i = 0; i < tiles; i += VL) {
            int t = start(i, tiles);
            int v = dstOff + t;
            for (int s = 0; s < a; s++) { // B^T down column s into elements (i, s)
                if (m == 2) {
                    input2(d, s * tiles + t, a * tiles, dst, v + s * ldE, a * ldE);
                } else {
                    input4(d, s * tiles + t, a * tiles, dst, v + s * ldE, a * ldE);
                }
            }
            rowsInPlace(m, dst, v, ldE);
        }
    }

    /** Columns 0 and 1 of VL tiles of F(2x2) from 2 VL pixels at {@code in}, to {@code out} and {@code out + step}. */
    private static void columns2(float[] src, int in, float[] dst, int out, int step) {
        FloatVector p0 = FloatVector.fromArray(S, src, in);
        FloatVector p1 = FloatVector.fromArray(S, src, in + VL);
        p0.rearrange(COLUMN2_0).blend(p1.rearrange(COLUMN2_0), FROM2_1).intoArray(dst, out);
        p0.rearrange(COLUMN2_1).blend(p1.rearrange(COLUMN2_1), FROM2_1).intoArray(dst, out + step);
    }

    /**
     * Columns 0 to 3 of VL tiles of F(4x4) from 4 VL pixels at {@code in}, to {@code out + s * step}. Written out here
     * and in {@link #spread4} (the same shape, other shuffles): one method taking the shuffles and masks as arguments
     * left them no longer constants, and the input kernel took 0.78 of the gathers' time instead of 0.59 (VGG16's 224
     * rows; F(2x2): 1.05 instead of 0.81; bench/WinogradInputKernels.java, loaded).
     */
    private static void columns4(float[] src, int in, float[] dst, int out, int step) {
        FloatVector p0 = FloatVector.fromArray(S, src, in);
        FloatVector p1 = FloatVector.fromArray(S, src, in + VL);
        FloatVector p2 = FloatVector.fromArray(S, src, in + 2 * VL);
        FloatVector p3 = FloatVector.fromArray(S, src, in + 3 * VL);
        p0.rearrange(COLUMN4_0).blend(p1.rearrange(COLUMN4_0), FROM4_1).blend(p2.rearrange(COLUMN4_0), FROM4_2)
                .blend(p3.rearrange(COLUMN4_0), FROM4_3).intoArray(dst, out);
        p0.rearrange(COLUMN4_1).blend(p1.rearrange(COLUMN4_1), FROM4_1).blend(p2.rearrange(COLUMN4_1), FROM4_2)
                .blend(p3.rearrange(COLUMN4_1), FROM4_3).intoArray(dst, out + step);
        p0.rearrange(COLUMN4_2).blend(p1.rearrange(COLUMN4_2), FROM4_1).blend(p2.rearrange(COLUMN4_2), FROM4_2)
                .blend(p3.rearrange(COLUMN4_2), FROM4_3).intoArray(dst, out + 2 * step);
        p0.rearrange(COLUMN4_3).blend(p1.rearrange(COLUMN4_3), FROM4_1).blend(p2.rearrange(COLUMN4_3), FROM4_2)
                .blend(p3.rearrange(COLUMN4_3), FROM4_3).intoArray(dst, out + 3 * step);
    }

    private static void inputColumn2(float[] src, int o, int ld, int[] origins, int map, float[] dst, int out,
                                     int step) {
        FloatVector d0 = FloatVector.fromArray(S, src, o, origins, map);
        FloatVector d1 = FloatVector.fromArray(S, src, o + ld, origins, map);
        FloatVector d2 = FloatVector.fromArray(S, src, o + 2 * ld, origins, map);
        FloatVector d3 = FloatVector.fromArray(S, src, o + 3 * ld, origins, map);
        d0.sub(d2).intoArray(dst, out);
        d1.add(d2).intoArray(dst, out + step);
        d2.sub(d1).intoArray(dst, out + 2 * step);
        d1.sub(d3).intoArray(dst, out + 3 * step);
    }

    /** B^T (or B) of 4 vectors {@code inStep} apart from {@code in}, to {@code out}, {@code outStep} apart (in place too). */
    private static void input2(float[] src, int in, int inStep, float[] dst, int out, int outStep) {
        FloatVector d0 = FloatVector.fromArray(S, src, in);
        FloatVector d1 = FloatVector.fromArray(S, src, in + inStep);
        FloatVector d2 = FloatVector.fromArray(S, src, in + 2 * inStep);
        FloatVector d3 = FloatVector.fromArray(S, src, in + 3 * inStep);
        d0.sub(d2).intoArray(dst, out);
        d1.add(d2).intoArray(dst, out + outStep);
        d2.sub(d1).intoArray(dst, out + 2 * outStep);
        d1.sub(d3).intoArray(dst, out + 3 * outStep);
    }

    private static void inputColumn4(float[] src, int o, int ld, int[] origins, int map, float[] dst, int out,
                                     int step) {
        FloatVector d0 = FloatVector.fromArray(S, src, o, origins, map);
        FloatVector d1 = FloatVector.fromArray(S, src, o + ld, origins, map);
        FloatVector d2 = FloatVector.fromArray(S, src, o + 2 * ld, origins, map);
        FloatVector d3 = FloatVector.fromArray(S, src, o + 3 * ld, origins, map);
        FloatVector d4 = FloatVector.fromArray(S, src, o + 4 * ld, origins, map);
        FloatVector d5 = FloatVector.fromArray(S, src, o + 5 * ld, origins, map);
        FloatVector d42 = d4.sub(d2);
        FloatVector d31 = d3.sub(d1).mul(2f);
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(dst, out);
        d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(dst, out + step);
        d4.sub(d3).add(d1.sub(d2).mul(4f)).intoArray(dst, out + 2 * step);
        d42.add(d31).intoArray(dst, out + 3 * step);
        d42.sub(d31).intoArray(dst, out + 4 * step);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(dst, out + 5 * step);
    }

    /** B^T (or B) of 6 vectors {@code inStep} apart from {@code in}, to {@code out}, {@code outStep} apart (in place too). */
    private static void input4(float[] src, int in, int inStep, float[] dst, int out, int outStep) {
        FloatVector d0 = FloatVector.fromArray(S, src, in);
        FloatVector d1 = FloatVector.fromArray(S, src, in + inStep);
        FloatVector d2 = FloatVector.fromArray(S, src, in + 2 * inStep);
        FloatVector d3 = FloatVector.fromArray(S, src, in + 3 * inStep);
        FloatVector d4 = FloatVector.fromArray(S, src, in + 4 * inStep);
        FloatVector d5 = FloatVector.fromArray(S, src, in + 5 * inStep);
        FloatVector d42 = d4.sub(d2);
        FloatVector d31 = d3.sub(d1).mul(2f);
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(dst, out);
        d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(dst, out + outStep);
        d4.sub(d3).add(d1.sub(d2).mul(4f)).intoArray(dst, out + 2 * outStep);
        d42.add(d31).intoArray(dst, out + 3 * outStep);
        d42.sub(d31).intoArray(dst, out + 4 * outStep);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(dst, out + 5 * outStep);
    }

    static void output(int m, int tiles, float[] src, int srcOff, int ldE, float bias, float[] dst, int dstOff, int ld,
                       int[] origins, int originsOff) {
        if (tiles < VL) {
            ScalarWinograd.output(m, 0, tiles, src, srcOff, ldE, bias, dst, dstOff, ld, origins, originsOff);
            return;
        }
        float[] h = ROWS.get();
        for (int i = 0; i < tiles; i += VL) {
            int t = start(i, tiles);
            outputs(m, src, srcOff + t, ldE, bias, h);
            for (int q = 0; q < m; q++) { // to the tiles' places
                for (int r = 0; r < m; r++) {
                    FloatVector.fromArray(S, h, OUTPUTS + (q * m + r) * VL).intoArray(dst, dstOff + q + r * ld, origins,
                            originsOff + t);
                }
            }
        }
    }

    /**
     * One vector of tiles' outputs plus the bias ({@code src}: their products) into {@code h} from {@link #OUTPUTS}: A
     * along each row r of M into H (row r, column q at {@code (q * a + r) * VL}), then A^T down each column of H.
     */
    private static void outputs(int m, float[] src, int v, int ldE, float bias, float[] h) {
        int a = m + 2;
        for (int r = 0; r < a; r++) { // A along row r of M into H[r][q]
            if (m == 2) {
                outputRow2(src, v + r * a * ldE, ldE, h, r);
            } else {
                outputRow4(src, v + r * a * ldE, ldE, h, r);
            }
        }
        for (int q = 0; q < m; q++) { // A^T down column q of H, plus the bias
            if (m == 2) {
                outputColumn2(h, q, bias, h, OUTPUTS + q * m * VL);
            } else {
                outputColumn4(h, q, bias, h, OUTPUTS + q * m * VL);
            }
        }
    }

    /**
     * {@link Kernels#winogradOutputRows}: no scatters. {@link #output}'s expressions, then each output row of VL tiles
     * (their m columns, m vectors) spread into m VL consecutive outputs by lane rearrangements ({@link #spread2},
     * {@link #spread4}) and plain stores. Fewer tiles than a vector, or a vector that m does not divide: the scalar twin.
     */
    static void outputRows(int m, int tiles, float[] src, int srcOff, int ldE, float bias, float[] dst, int dstOff,
                           int ldI) {
        if (tiles < VL || VL % m != 0) {
            ScalarWinograd.outputRows(m, 0, tiles, src, srcOff, ldE, bias, dst, dstOff, ldI);
            return;
        }
        float[] h = ROWS.get();
        for (int i = 0; i < tiles; i += VL) {
            int t = start(i, tiles);
            outputs(m, src, srcOff + t, ldE, bias, h);
            for (int r = 0; r < m; r++) {
                if (m == 2) {
                    spread2(h, OUTPUTS + r * VL, dst, dstOff + r * ldI + t * 2);
                } else {
                    spread4(h, OUTPUTS + r * VL, dst, dstOff + r * ldI + t * 4);
                }
            }
        }
    }

    /** Output row r of VL tiles of F(2x2) (columns 0 and 1 at {@code in}, {@code in + 2 VL}) to 2 VL outputs. */
    private static void spread2(float[] h, int in, float[] dst, int out) {
        FloatVector c0 = FloatVector.fromArray(S, h, in);
        FloatVector c1 = FloatVector.fromArray(S, h, in + 2 * VL);
        c0.rearrange(SPREAD2_0).blend(c1.rearrange(SPREAD2_0), COLUMN_OF2_1).intoArray(dst, out);
        c0.rearrange(SPREAD2_1).blend(c1.rearrange(SPREAD2_1), COLUMN_OF2_1).intoArray(dst, out + VL);
    }

    /** Output row r of VL tiles of F(4x4) (column q at {@code in + 4 q VL}) to 4 VL outputs. */
    private static void spread4(float[] h, int in, float[] dst, int out) {
        FloatVector c0 = FloatVector.fromArray(S, h, in);
        FloatVector c1 = FloatVector.fromArray(S, h, in + 4 * VL);
        FloatVector c2 = FloatVector.fromArray(S, h, in + 8 * VL);
        FloatVector c3 = FloatVector.fromArray(S, h, in + 12 * VL);
        c0.rearrange(SPREAD4_0).blend(c1.rearrange(SPREAD4_0), COLUMN_OF4_1).blend(c2.rearrange(SPREAD4_0), COLUMN_OF4_2)
                .blend(c3.rearrange(SPREAD4_0), COLUMN_OF4_3).intoArray(dst, out);
        c0.rearrange(SPREAD4_1).blend(c1.rearrange(SPREAD4_1), COLUMN_OF4_1).blend(c2.rearrange(SPREAD4_1), COLUMN_OF4_2)
                .blend(c3.rearrange(SPREAD4_1), COLUMN_OF4_3).intoArray(dst, out + VL);
        c0.rearrange(SPREAD4_2).blend(c1.rearrange(SPREAD4_2), COLUMN_OF4_1).blend(c2.rearrange(SPREAD4_2), COLUMN_OF4_2)
                .blend(c3.rearrange(SPREAD4_2), COLUMN_OF4_3).intoArray(dst, out + 2 * VL);
        c0.rearrange(SPREAD4_3).blend(c1.rearrange(SPREAD4_3), COLUMN_OF4_1).blend(c2.rearrange(SPREAD4_3), COLUMN_OF4_2)
                .blend(c3.rearrange(SPREAD4_3), COLUMN_OF4_3).intoArray(dst, out + 3 * VL);
    }

    private static void outputRow2(float[] src, int row, int step, float[] h, int r) {
        FloatVector m1 = FloatVector.fromArray(S, src, row + step);
        FloatVector m2 = FloatVector.fromArray(S, src, row + 2 * step);
        FloatVector.fromArray(S, src, row).add(m1).add(m2).intoArray(h, r * VL);
        m1.sub(m2).sub(FloatVector.fromArray(S, src, row + 3 * step)).intoArray(h, (4 + r) * VL);
    }

    /** A^T down column q of H plus the bias: output rows 0 and 1 to {@code out} and {@code out + VL}. */
    private static void outputColumn2(float[] h, int q, float bias, float[] dst, int out) {
        int col = q * 4 * VL;
        FloatVector m1 = FloatVector.fromArray(S, h, col + VL);
        FloatVector m2 = FloatVector.fromArray(S, h, col + 2 * VL);
        FloatVector.fromArray(S, h, col).add(m1).add(m2).add(bias).intoArray(dst, out);
        m1.sub(m2).sub(FloatVector.fromArray(S, h, col + 3 * VL)).add(bias).intoArray(dst, out + VL);
    }

    private static void outputRow4(float[] src, int row, int step, float[] h, int r) {
        FloatVector m0 = FloatVector.fromArray(S, src, row);
        FloatVector m1 = FloatVector.fromArray(S, src, row + step);
        FloatVector m2 = FloatVector.fromArray(S, src, row + 2 * step);
        FloatVector m3 = FloatVector.fromArray(S, src, row + 3 * step);
        FloatVector m4 = FloatVector.fromArray(S, src, row + 4 * step);
        FloatVector m5 = FloatVector.fromArray(S, src, row + 5 * step);
        FloatVector s12 = m1.add(m2);
        FloatVector d12 = m1.sub(m2);
        FloatVector s34 = m3.add(m4);
        FloatVector d34 = m3.sub(m4);
        m0.add(s12).add(s34).intoArray(h, r * VL);
        d12.add(d34.mul(2f)).intoArray(h, (6 + r) * VL);
        s12.add(s34.mul(4f)).intoArray(h, (12 + r) * VL);
        d12.add(d34.mul(8f)).add(m5).intoArray(h, (18 + r) * VL);
    }

    /** A^T down column q of H plus the bias: output row i to {@code out + i VL}. */
    private static void outputColumn4(float[] h, int q, float bias, float[] dst, int out) {
        int col = q * 6 * VL;
        FloatVector m0 = FloatVector.fromArray(S, h, col);
        FloatVector m1 = FloatVector.fromArray(S, h, col + VL);
        FloatVector m2 = FloatVector.fromArray(S, h, col + 2 * VL);
        FloatVector m3 = FloatVector.fromArray(S, h, col + 3 * VL);
        FloatVector m4 = FloatVector.fromArray(S, h, col + 4 * VL);
        FloatVector m5 = FloatVector.fromArray(S, h, col + 5 * VL);
        FloatVector s12 = m1.add(m2);
        FloatVector d12 = m1.sub(m2);
        FloatVector s34 = m3.add(m4);
        FloatVector d34 = m3.sub(m4);
        m0.add(s12).add(s34).add(bias).intoArray(dst, out);
        d12.add(d34.mul(2f)).add(bias).intoArray(dst, out + VL);
        s12.add(s34.mul(4f)).add(bias).intoArray(dst, out + 2 * VL);
        d12.add(d34.mul(8f)).add(m5).add(bias).intoArray(dst, out + 3 * VL);
    }

    /**
     * {@link Kernels#winogradGradientRows}: each of the m rows of VL tiles split into its m columns with plain loads and
     * lane rearrangements ({@link #columns2}, {@link #columns4}), then A down each column into dst and A along each row
     * in place: {@link ScalarWinograd#gradient1d}'s expressions. Fewer tiles than a vector, or a vector that m does not
     * divide: the scalar twin.
     */
    static void gradientRows(int m, int tiles, float[] src, int srcOff, int ldK, float[] dst, int dstOff, int ldE) {
        if (tiles < VL || VL % m != 0) {
            ScalarWinograd.gradientRows(m, 0, tiles, src, srcOff, ldK, dst, dstOff, ldE);
            return;
        }
        int a = m + 2;
        float[] y = ROWS.get(); // value (i, q) of the vector's tiles at (q * m + i) * VL
        for (int i0 = 0; i0 < tiles; i0 += VL) {
            int t = start(i0, tiles);
            int v = dstOff + t;
            for (int i = 0; i < m; i++) {
                if (m == 2) {
                    columns2(src, srcOff + i * ldK + t * 2, y, i * VL, m * VL);
                } else {
                    columns4(src, srcOff + i * ldK + t * 4, y, i * VL, m * VL);
                }
            }
            for (int q = 0; q < m; q++) { // A down column q into elements (e, q)
                if (m == 2) {
                    gradient2(y, q * m * VL, VL, dst, v + q * ldE, a * ldE);
                } else {
                    gradient4(y, q * m * VL, VL, dst, v + q * ldE, a * ldE);
                }
            }
            for (int e = 0; e < a; e++) { // A along row e, in place
                if (m == 2) {
                    gradient2(dst, v + e * a * ldE, ldE, dst, v + e * a * ldE, ldE);
                } else {
                    gradient4(dst, v + e * a * ldE, ldE, dst, v + e * a * ldE, ldE);
                }
            }
        }
    }

    /** A of 2 vectors {@code inStep} apart from {@code in}, to 4 {@code outStep} apart from {@code out} (in place too). */
    private static void gradient2(float[] src, int in, int inStep, float[] dst, int out, int outStep) {
        FloatVector y0 = FloatVector.fromArray(S, src, in);
        FloatVector y1 = FloatVector.fromArray(S, src, in + inStep);
        y0.intoArray(dst, out);
        y0.add(y1).intoArray(dst, out + outStep);
        y0.sub(y1).intoArray(dst, out + 2 * outStep);
        y1.neg().intoArray(dst, out + 3 * outStep);
    }

    /** A of 4 vectors {@code inStep} apart from {@code in}, to 6 {@code outStep} apart from {@code out} (in place too). */
    private static void gradient4(float[] src, int in, int inStep, float[] dst, int out, int outStep) {
        FloatVector y0 = FloatVector.fromArray(S, src, in);
        FloatVector y1 = FloatVector.fromArray(S, src, in + inStep);
        FloatVector y2 = FloatVector.fromArray(S, src, in + 2 * inStep);
        FloatVector y3 = FloatVector.fromArray(S, src, in + 3 * inStep);
        FloatVector even = y0.add(y2);
        FloatVector odd = y1.add(y3);
        FloatVector evenFar = y0.add(y2.mul(4f));
        FloatVector oddFar = y1.mul(2f).add(y3.mul(8f));
        y0.intoArray(dst, out);
        even.add(odd).intoArray(dst, out + outStep);
        even.sub(odd).intoArray(dst, out + 2 * outStep);
        evenFar.add(oddFar).intoArray(dst, out + 3 * outStep);
        evenFar.sub(oddFar).intoArray(dst, out + 4 * outStep);
        y3.intoArray(dst, out + 5 * outStep);
    }

    /**
     * {@link Kernels#winogradWeightOutputs}: a pair per lane, G^T down each column of the sums into H (in {@link #ROWS},
     * H[u][s] at {@code (u * a + s) * VL}), then G^T along each row of H, added to the taps (gathered and scattered, 9
     * apart): {@link ScalarWinograd#weights1d}'s expressions. The pairs past the last whole vector: the scalar twin
     * (a vector's worth again would add twice).
     */
    static void weightOutputs(int m, int n, float[] src, int srcOff, int ldE, float[] dst, int dstOff) {
        int a = m + 2;
        int whole = n / VL * VL;
        float[] h = ROWS.get();
        for (int p = 0; p < whole; p += VL) {
            for (int s = 0; s < a; s++) {
                if (m == 2) {
                    weightsColumn2(src, srcOff + p + s * ldE, a * ldE, h, s * VL);
                } else {
                    weightsColumn4(src, srcOff + p + s * ldE, a * ldE, h, s * VL);
                }
            }
            for (int u = 0; u < 3; u++) {
                if (m == 2) {
                    weightsRow2(h, u * a * VL, dst, dstOff + 9 * p + 3 * u);
                } else {
                    weightsRow4(h, u * a * VL, dst, dstOff + 9 * p + 3 * u);
                }
            }
        }
        ScalarWinograd.weightOutputs(m, whole, n, src, srcOff, ldE, dst, dstOff);
    }

    /** G^T of 4 vectors {@code step} apart from {@code in}: H's rows 0, 1, 2 at {@code out + u * 4 VL}. */
    private static void weightsColumn2(float[] src, int in, int step, float[] h, int out) {
        FloatVector v1 = FloatVector.fromArray(S, src, in + step);
        FloatVector v2 = FloatVector.fromArray(S, src, in + 2 * step);
        FloatVector half = v1.add(v2).mul(0.5f);
        FloatVector.fromArray(S, src, in).add(half).intoArray(h, out);
        v1.sub(v2).mul(0.5f).intoArray(h, out + 4 * VL);
        half.add(FloatVector.fromArray(S, src, in + 3 * step)).intoArray(h, out + 8 * VL);
    }

    /** G^T along row u of H (4 vectors from {@code in}), added to taps (u, 0..2) of VL pairs from {@code at}, 9 apart. */
    private static void weightsRow2(float[] h, int in, float[] dst, int at) {
        FloatVector v1 = FloatVector.fromArray(S, h, in + VL);
        FloatVector v2 = FloatVector.fromArray(S, h, in + 2 * VL);
        FloatVector half = v1.add(v2).mul(0.5f);
        FloatVector o0 = FloatVector.fromArray(S, h, in).add(half);
        FloatVector o1 = v1.sub(v2).mul(0.5f);
        FloatVector o2 = half.add(FloatVector.fromArray(S, h, in + 3 * VL));
        if (plainLanes) {
            o0.intoArray(h, TAPS);
            o1.intoArray(h, TAPS + VL);
            o2.intoArray(h, TAPS + 2 * VL);
            addTaps(h, dst, at);
            return;
        }
        FloatVector.fromArray(S, dst, at, FILTERS, 0).add(o0).intoArray(dst, at, FILTERS, 0);
        FloatVector.fromArray(S, dst, at + 1, FILTERS, 0).add(o1).intoArray(dst, at + 1, FILTERS, 0);
        FloatVector.fromArray(S, dst, at + 2, FILTERS, 0).add(o2).intoArray(dst, at + 2, FILTERS, 0);
    }

    /**
     * {@link #plainLanes}: the three row outputs at {@link #TAPS} in {@code h} added to taps 0..2 of VL filters 9 apart
     * from {@code at}: tap + value, as the scatter's lanes do. A method of its own so the rows' vector code stays small
     * enough to inline the API (see the class comment).
     */
    private static void addTaps(float[] h, float[] dst, int at) {
        for (int l = 0, t = at; l < VL; l++, t += 9) {
            dst[t] = dst[t] + h[TAPS + l];
            dst[t + 1] = dst[t + 1] + h[TAPS + VL + l];
            dst[t + 2] = dst[t + 2] + h[TAPS + 2 * VL + l];
        }
    }

    /** G^T of 6 vectors {@code step} apart from {@code in}: H's rows 0, 1, 2 at {@code out + u * 6 VL}. */
    private static void weightsColumn4(float[] src, int in, int step, float[] h, int out) {
        FloatVector v1 = FloatVector.fromArray(S, src, in + step);
        FloatVector v2 = FloatVector.fromArray(S, src, in + 2 * step);
        FloatVector v3 = FloatVector.fromArray(S, src, in + 3 * step);
        FloatVector v4 = FloatVector.fromArray(S, src, in + 4 * step);
        FloatVector s12 = v1.add(v2);
        FloatVector s34 = v3.add(v4);
        FloatVector.fromArray(S, src, in).mul(0.25f).add(s34.sub(s12.mul(4f)).mul(ScalarWinograd.TWENTY_FOURTH))
                .intoArray(h, out);
        v3.sub(v4).sub(v1.sub(v2).mul(2f)).mul(ScalarWinograd.TWELFTH).intoArray(h, out + 6 * VL);
        s34.sub(s12).mul(ScalarWinograd.SIXTH).add(FloatVector.fromArray(S, src, in + 5 * step))
                .intoArray(h, out + 12 * VL);
    }

    /** G^T along row u of H (6 vectors from {@code in}), added to taps (u, 0..2) of VL pairs from {@code at}, 9 apart. */
    private static void weightsRow4(float[] h, int in, float[] dst, int at) {
        FloatVector v1 = FloatVector.fromArray(S, h, in + VL);
        FloatVector v2 = FloatVector.fromArray(S, h, in + 2 * VL);
        FloatVector v3 = FloatVector.fromArray(S, h, in + 3 * VL);
        FloatVector v4 = FloatVector.fromArray(S, h, in + 4 * VL);
        FloatVector s12 = v1.add(v2);
        FloatVector s34 = v3.add(v4);
        FloatVector o0 = FloatVector.fromArray(S, h, in).mul(0.25f)
                .add(s34.sub(s12.mul(4f)).mul(ScalarWinograd.TWENTY_FOURTH));
        FloatVector o1 = v3.sub(v4).sub(v1.sub(v2).mul(2f)).mul(ScalarWinograd.TWELFTH);
        FloatVector o2 = s34.sub(s12).mul(ScalarWinograd.SIXTH).add(FloatVector.fromArray(S, h, in + 5 * VL));
        if (plainLanes) {
            o0.intoArray(h, TAPS);
            o1.intoArray(h, TAPS + VL);
            o2.intoArray(h, TAPS + 2 * VL);
            addTaps(h, dst, at);
            return;
        }
        FloatVector.fromArray(S, dst, at, FILTERS, 0).add(o0).intoArray(dst, at, FILTERS, 0);
        FloatVector.fromArray(S, dst, at + 1, FILTERS, 0).add(o1).intoArray(dst, at + 1, FILTERS, 0);
        FloatVector.fromArray(S, dst, at + 2, FILTERS, 0).add(o2).intoArray(dst, at + 2, FILTERS, 0);
    }

    /**
     * Whether {@link #filtersPacked} writes the GEMM's packed layout: a vector is two depths of one MR-row panel (AVX-512:
     * 16 = 2 x 8; AVX2: 8 = 2 x 4).
     */
    static boolean packs() {
        return VL == 2 * VectorGemm.MR;
    }

    /**
     * {@link Kernels#winogradFiltersPrepared} in {@link VectorGemm}'s packed layout of a left operand (KC-deep slices of
     * MR-row panels, {@code element (row, depth) at slice * mPad + panel * kc + (depth - slice) * MR + row % MR}, rows
     * past f zero): lane l of a vector is row {@code l % MR} of a panel at depth {@code l / MR} of a pair of depths, so
     * each transformed element is one whole-vector store. Odd last depths and a last short panel: the scalar twin.
     */
    static void filtersPacked(int m, int f, int c, float[] w, int f0, int f1, float[][] u) {
        int mr = VectorGemm.MR;
        int mPad = (f + mr - 1) / mr * mr;
        int a = m + 2;
        int[] map = new int[VL];
        for (int l = 0; l < VL; l++) {
            map[l] = (l % mr) * c * 9 + l / mr * 9;
        }
        float[] one = new float[a * a];
        float[] row = new float[a]; // the scalar transform's scratch, once per call, not per pair
        float[] taps = plainLanes ? ROWS.get() : null;
        for (int pc = 0; pc < c; pc += VectorGemm.KC) {
            int kc = Math.min(VectorGemm.KC, c - pc);
            for (int fp = f0; fp < f1; fp += mr) {
                int base = pc * mPad + fp * kc;
                int depth = 0;
                if (fp + mr <= f) {
                    for (; depth + 2 <= kc; depth += 2) {
                        int g = (fp * c + pc + depth) * 9;
                        int pos = base + depth * mr;
                        for (int s = 0; s < 3; s++) { // G down column s into elements (i, s)
                            if (m == 2) {
                                packedColumn2(w, g + s, map, taps, u, pos, s);
                            } else {
                                packedColumn4(w, g + s, map, taps, u, pos, s);
                            }
                        }
                        for (int i = 0; i < a; i++) { // G along each row, in place
                            if (m == 2) {
                                packedRow2(u, pos, i);
                            } else {
                                packedRow4(u, pos, i);
                            }
                        }
                    }
                }
                for (; depth < kc; depth++) { // a last odd depth, or every depth of a last short panel
                    for (int r = fp; r < fp + mr; r++) {
                        int at = base + depth * mr + r - fp;
                        if (r < f) {
                            ScalarWinograd.filters(m, 1, w, (r * c + pc + depth) * 9, one, 0, 1, row);
                        } else {
                            java.util.Arrays.fill(one, 0f);
                        }
                        for (int e = 0; e < a * a; e++) {
                            u[e][at] = one[e];
                        }
                    }
                }
            }
        }
    }

    private static void packedColumn2(float[] w, int g, int[] map, float[] taps, float[][] u, int pos, int s) {
        FloatVector g0;
        FloatVector g1;
        FloatVector g2;
        if (taps != null) {
            gatherTaps(w, g, map, taps);
            g0 = FloatVector.fromArray(S, taps, TAPS);
            g1 = FloatVector.fromArray(S, taps, TAPS + VL);
            g2 = FloatVector.fromArray(S, taps, TAPS + 2 * VL);
        } else {
            g0 = FloatVector.fromArray(S, w, g, map, 0);
            g1 = FloatVector.fromArray(S, w, g + 3, map, 0);
            g2 = FloatVector.fromArray(S, w, g + 6, map, 0);
        }
        FloatVector sum = g0.add(g2);
        g0.intoArray(u[s], pos);
        sum.add(g1).mul(0.5f).intoArray(u[4 + s], pos);
        sum.sub(g1).mul(0.5f).intoArray(u[8 + s], pos);
        g2.intoArray(u[12 + s], pos);
    }

    private static void packedRow2(float[][] u, int pos, int i) {
        FloatVector g0 = FloatVector.fromArray(S, u[4 * i], pos);
        FloatVector g1 = FloatVector.fromArray(S, u[4 * i + 1], pos);
        FloatVector g2 = FloatVector.fromArray(S, u[4 * i + 2], pos);
        FloatVector sum = g0.add(g2);
        sum.add(g1).mul(0.5f).intoArray(u[4 * i + 1], pos);
        sum.sub(g1).mul(0.5f).intoArray(u[4 * i + 2], pos);
        g2.intoArray(u[4 * i + 3], pos);
    }

    private static void packedColumn4(float[] w, int g, int[] map, float[] taps, float[][] u, int pos, int s) {
        FloatVector g0;
        FloatVector g1;
        FloatVector g2;
        if (taps != null) {
            gatherTaps(w, g, map, taps);
            g0 = FloatVector.fromArray(S, taps, TAPS);
            g1 = FloatVector.fromArray(S, taps, TAPS + VL);
            g2 = FloatVector.fromArray(S, taps, TAPS + 2 * VL);
        } else {
            g0 = FloatVector.fromArray(S, w, g, map, 0);
            g1 = FloatVector.fromArray(S, w, g + 3, map, 0);
            g2 = FloatVector.fromArray(S, w, g + 6, map, 0);
        }
        FloatVector sum = g0.add(g2);
        FloatVector far = g0.add(g2.mul(4f));
        FloatVector twice = g1.mul(2f);
        g0.mul(0.25f).intoArray(u[s], pos);
        sum.add(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(u[6 + s], pos);
        sum.sub(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(u[12 + s], pos);
        far.add(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(u[18 + s], pos);
        far.sub(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(u[24 + s], pos);
        g2.intoArray(u[30 + s], pos);
    }

    /** {@link #plainLanes}: taps g, g + 3, g + 6 of each lane's filter ({@code map}) at {@link #TAPS} in {@code taps}. */
    private static void gatherTaps(float[] w, int g, int[] map, float[] taps) {
        for (int l = 0; l < VL; l++) {
            int at = g + map[l];
            taps[TAPS + l] = w[at];
            taps[TAPS + VL + l] = w[at + 3];
            taps[TAPS + 2 * VL + l] = w[at + 6];
        }
    }

    private static void packedRow4(float[][] u, int pos, int i) {
        FloatVector g0 = FloatVector.fromArray(S, u[6 * i], pos);
        FloatVector g1 = FloatVector.fromArray(S, u[6 * i + 1], pos);
        FloatVector g2 = FloatVector.fromArray(S, u[6 * i + 2], pos);
        FloatVector sum = g0.add(g2);
        FloatVector far = g0.add(g2.mul(4f));
        FloatVector twice = g1.mul(2f);
        g0.mul(0.25f).intoArray(u[6 * i], pos);
        sum.add(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(u[6 * i + 1], pos);
        sum.sub(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(u[6 * i + 2], pos);
        far.add(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(u[6 * i + 3], pos);
        far.sub(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(u[6 * i + 4], pos);
        g2.intoArray(u[6 * i + 5], pos);
    }
}
