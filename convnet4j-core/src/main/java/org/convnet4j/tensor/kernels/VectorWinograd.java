package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Winograd transforms of {@link VectorKernels}: one tile (or one filter) per lane, the expressions of
 * {@link ScalarWinograd} evaluated on whole vectors in the same order (so the same bits), the tiles' scattered input
 * pixels gathered through their origins and their outputs scattered back the same way. A last group of fewer tiles
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
    /** Per thread: the output transform's row results, (m + 2) x m vectors. */
    private static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[6 * 4 * VL]);

    private VectorWinograd() {
    }

    private static int[] strides(int stride) {
        int[] map = new int[VL];
        for (int l = 0; l < VL; l++) {
            map[l] = l * stride;
        }
        return map;
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
            for (int r = 0; r < a; r++) { // B along each row, in place
                if (m == 2) {
                    inputRow2(dst, v + r * a * ldE, ldE);
                } else {
                    inputRow4(dst, v + r * a * ldE, ldE);
                }
            }
        }
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

    private static void inputRow2(float[] dst, int row, int step) {
        FloatVector d0 = FloatVector.fromArray(S, dst, row);
        FloatVector d1 = FloatVector.fromArray(S, dst, row + step);
        FloatVector d2 = FloatVector.fromArray(S, dst, row + 2 * step);
        FloatVector d3 = FloatVector.fromArray(S, dst, row + 3 * step);
        d0.sub(d2).intoArray(dst, row);
        d1.add(d2).intoArray(dst, row + step);
        d2.sub(d1).intoArray(dst, row + 2 * step);
        d1.sub(d3).intoArray(dst, row + 3 * step);
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

    private static void inputRow4(float[] dst, int row, int step) {
        FloatVector d0 = FloatVector.fromArray(S, dst, row);
        FloatVector d1 = FloatVector.fromArray(S, dst, row + step);
        FloatVector d2 = FloatVector.fromArray(S, dst, row + 2 * step);
        FloatVector d3 = FloatVector.fromArray(S, dst, row + 3 * step);
        FloatVector d4 = FloatVector.fromArray(S, dst, row + 4 * step);
        FloatVector d5 = FloatVector.fromArray(S, dst, row + 5 * step);
        FloatVector d42 = d4.sub(d2);
        FloatVector d31 = d3.sub(d1).mul(2f);
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(dst, row);
        d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(dst, row + step);
        d4.sub(d3).add(d1.sub(d2).mul(4f)).intoArray(dst, row + 2 * step);
        d42.add(d31).intoArray(dst, row + 3 * step);
        d42.sub(d31).intoArray(dst, row + 4 * step);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(dst, row + 5 * step);
    }

    static void output(int m, int tiles, float[] src, int srcOff, int ldE, float bias, float[] dst, int dstOff, int ld,
                       int[] origins, int originsOff) {
        if (tiles < VL) {
            ScalarWinograd.output(m, 0, tiles, src, srcOff, ldE, bias, dst, dstOff, ld, origins, originsOff);
            return;
        }
        int a = m + 2;
        float[] h = ROWS.get(); // H: row r, column q at (q * a + r) * VL
        for (int i = 0; i < tiles; i += VL) {
            int t = start(i, tiles);
            for (int r = 0; r < a; r++) { // A along row r of M into H[r][q]
                if (m == 2) {
                    outputRow2(src, srcOff + t + r * a * ldE, ldE, h, r);
                } else {
                    outputRow4(src, srcOff + t + r * a * ldE, ldE, h, r);
                }
            }
            for (int q = 0; q < m; q++) { // A^T down column q of H, plus the bias, to the tiles' places
                if (m == 2) {
                    outputColumn2(h, q, bias, dst, dstOff + q, ld, origins, originsOff + t);
                } else {
                    outputColumn4(h, q, bias, dst, dstOff + q, ld, origins, originsOff + t);
                }
            }
        }
    }

    private static void outputRow2(float[] src, int row, int step, float[] h, int r) {
        FloatVector m1 = FloatVector.fromArray(S, src, row + step);
        FloatVector m2 = FloatVector.fromArray(S, src, row + 2 * step);
        FloatVector.fromArray(S, src, row).add(m1).add(m2).intoArray(h, r * VL);
        m1.sub(m2).sub(FloatVector.fromArray(S, src, row + 3 * step)).intoArray(h, (4 + r) * VL);
    }

    private static void outputColumn2(float[] h, int q, float bias, float[] dst, int out, int ld, int[] origins,
                                      int map) {
        int col = q * 4 * VL;
        FloatVector m1 = FloatVector.fromArray(S, h, col + VL);
        FloatVector m2 = FloatVector.fromArray(S, h, col + 2 * VL);
        FloatVector.fromArray(S, h, col).add(m1).add(m2).add(bias).intoArray(dst, out, origins, map);
        m1.sub(m2).sub(FloatVector.fromArray(S, h, col + 3 * VL)).add(bias).intoArray(dst, out + ld, origins, map);
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

    private static void outputColumn4(float[] h, int q, float bias, float[] dst, int out, int ld, int[] origins,
                                      int map) {
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
        m0.add(s12).add(s34).add(bias).intoArray(dst, out, origins, map);
        d12.add(d34.mul(2f)).add(bias).intoArray(dst, out + ld, origins, map);
        s12.add(s34.mul(4f)).add(bias).intoArray(dst, out + 2 * ld, origins, map);
        d12.add(d34.mul(8f)).add(m5).add(bias).intoArray(dst, out + 3 * ld, origins, map);
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
                                packedColumn2(w, g + s, map, u, pos, s);
                            } else {
                                packedColumn4(w, g + s, map, u, pos, s);
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
                            ScalarWinograd.filters(m, 1, w, (r * c + pc + depth) * 9, one, 0, 1);
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

    private static void packedColumn2(float[] w, int g, int[] map, float[][] u, int pos, int s) {
        FloatVector g0 = FloatVector.fromArray(S, w, g, map, 0);
        FloatVector g1 = FloatVector.fromArray(S, w, g + 3, map, 0);
        FloatVector g2 = FloatVector.fromArray(S, w, g + 6, map, 0);
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

    private static void packedColumn4(float[] w, int g, int[] map, float[][] u, int pos, int s) {
        FloatVector g0 = FloatVector.fromArray(S, w, g, map, 0);
        FloatVector g1 = FloatVector.fromArray(S, w, g + 3, map, 0);
        FloatVector g2 = FloatVector.fromArray(S, w, g + 6, map, 0);
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
