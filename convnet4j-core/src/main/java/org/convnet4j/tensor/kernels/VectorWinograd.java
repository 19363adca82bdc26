package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Winograd transforms of {@link VectorKernels}: one tile (or one filter) per lane, the expressions of
 * {@link ScalarWinograd} evaluated on whole vectors in the same order (so the same bits), the tiles' scattered input
 * pixels gathered through their origins and their outputs scattered back the same way. A last group of fewer tiles
 * than a vector runs the scalar twin.
 */
final class VectorWinograd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** One 3 x 3 filter per lane: lane l reads filter l's 9 taps. */
    private static final int[] FILTERS = strides(9);

    private VectorWinograd() {
    }

    private static int[] strides(int stride) {
        int[] map = new int[VL];
        for (int l = 0; l < VL; l++) {
            map[l] = l * stride;
        }
        return map;
    }

    static void filters(int m, int n, float[] src, int srcOff, float[] dst, int dstOff, int ldE) {
        int a = m + 2;
        int p = 0;
        for (; p + VL <= n; p += VL) {
            int g = srcOff + 9 * p;
            int u = dstOff + p;
            for (int s = 0; s < 3; s++) {
                FloatVector g0 = FloatVector.fromArray(S, src, g + s, FILTERS, 0);
                FloatVector g1 = FloatVector.fromArray(S, src, g + 3 + s, FILTERS, 0);
                FloatVector g2 = FloatVector.fromArray(S, src, g + 6 + s, FILTERS, 0);
                filter1d(m, g0, g1, g2, dst, u + s * ldE, a * ldE);
            }
            for (int i = 0; i < a; i++) {
                int row = u + i * a * ldE;
                FloatVector g0 = FloatVector.fromArray(S, dst, row);
                FloatVector g1 = FloatVector.fromArray(S, dst, row + ldE);
                FloatVector g2 = FloatVector.fromArray(S, dst, row + 2 * ldE);
                filter1d(m, g0, g1, g2, dst, row, ldE);
            }
        }
        ScalarWinograd.filters(m, n - p, src, srcOff + 9 * p, dst, dstOff + p, ldE);
    }

    /** {@link ScalarWinograd#filter1d} on vectors: output i to {@code dst[off + i * step]}. */
    private static void filter1d(int m, FloatVector g0, FloatVector g1, FloatVector g2, float[] dst, int off,
                                 int step) {
        FloatVector sum = g0.add(g2);
        if (m == 2) {
            g0.intoArray(dst, off);
            sum.add(g1).mul(0.5f).intoArray(dst, off + step);
            sum.sub(g1).mul(0.5f).intoArray(dst, off + 2 * step);
            g2.intoArray(dst, off + 3 * step);
            return;
        }
        FloatVector far = g0.add(g2.mul(4f));
        FloatVector twice = g1.mul(2f);
        g0.mul(0.25f).intoArray(dst, off);
        sum.add(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, off + step);
        sum.sub(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, off + 2 * step);
        far.add(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, off + 3 * step);
        far.sub(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, off + 4 * step);
        g2.intoArray(dst, off + 5 * step);
    }

    static void input(int m, int tiles, float[] src, int srcOff, int ld, int[] origins, int originsOff, float[] dst,
                      int dstOff, int ldE) {
        int t = 0;
        for (; t + VL <= tiles; t += VL) {
            int map = originsOff + t;
            int v = dstOff + t;
            if (m == 2) {
                for (int s = 0; s < 4; s++) {
                    int o = srcOff + s;
                    input2(gather(src, o, origins, map), gather(src, o + ld, origins, map),
                            gather(src, o + 2 * ld, origins, map), gather(src, o + 3 * ld, origins, map), dst,
                            v + s * ldE, 4 * ldE);
                }
                for (int i = 0; i < 4; i++) {
                    int row = v + 4 * i * ldE;
                    input2(load(dst, row), load(dst, row + ldE), load(dst, row + 2 * ldE), load(dst, row + 3 * ldE),
                            dst, row, ldE);
                }
                continue;
            }
            for (int s = 0; s < 6; s++) {
                int o = srcOff + s;
                input4(gather(src, o, origins, map), gather(src, o + ld, origins, map),
                        gather(src, o + 2 * ld, origins, map), gather(src, o + 3 * ld, origins, map),
                        gather(src, o + 4 * ld, origins, map), gather(src, o + 5 * ld, origins, map), dst,
                        v + s * ldE, 6 * ldE);
            }
            for (int i = 0; i < 6; i++) {
                int row = v + 6 * i * ldE;
                input4(load(dst, row), load(dst, row + ldE), load(dst, row + 2 * ldE), load(dst, row + 3 * ldE),
                        load(dst, row + 4 * ldE), load(dst, row + 5 * ldE), dst, row, ldE);
            }
        }
        ScalarWinograd.input(m, t, tiles, src, srcOff, ld, origins, originsOff, dst, dstOff, ldE);
    }

    private static FloatVector gather(float[] src, int off, int[] origins, int map) {
        return FloatVector.fromArray(S, src, off, origins, map);
    }

    private static FloatVector load(float[] a, int off) {
        return FloatVector.fromArray(S, a, off);
    }

    /** {@link ScalarWinograd#input1d} for m = 2: output i to {@code dst[off + i * step]}. */
    private static void input2(FloatVector d0, FloatVector d1, FloatVector d2, FloatVector d3, float[] dst, int off,
                               int step) {
        d0.sub(d2).intoArray(dst, off);
        d1.add(d2).intoArray(dst, off + step);
        d2.sub(d1).intoArray(dst, off + 2 * step);
        d1.sub(d3).intoArray(dst, off + 3 * step);
    }

    /** {@link ScalarWinograd#input1d} for m = 4: output i to {@code dst[off + i * step]}. */
    private static void input4(FloatVector d0, FloatVector d1, FloatVector d2, FloatVector d3, FloatVector d4,
                               FloatVector d5, float[] dst, int off, int step) {
        FloatVector d42 = d4.sub(d2);
        FloatVector d31 = d3.sub(d1).mul(2f);
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(dst, off);
        d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(dst, off + step);
        d4.sub(d3).add(d1.sub(d2).mul(4f)).intoArray(dst, off + 2 * step);
        d42.add(d31).intoArray(dst, off + 3 * step);
        d42.sub(d31).intoArray(dst, off + 4 * step);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(dst, off + 5 * step);
    }

    static void output(int m, int tiles, float[] src, int srcOff, int ldE, float bias, float[] dst, int dstOff, int ld,
                       int[] origins, int originsOff) {
        int a = m + 2;
        int t = 0;
        for (; t + VL <= tiles; t += VL) {
            int v = srcOff + t;
            int map = originsOff + t;
            for (int j = 0; j < a; j++) { // A^T down column j, over elements (i < m, j)
                int col = v + j * ldE;
                int step = a * ldE;
                if (m == 2) {
                    output2(load(src, col), load(src, col + step), load(src, col + 2 * step),
                            load(src, col + 3 * step), src, col, step);
                } else {
                    output4(load(src, col), load(src, col + step), load(src, col + 2 * step),
                            load(src, col + 3 * step), load(src, col + 4 * step), load(src, col + 5 * step), src, col,
                            step);
                }
            }
            for (int i = 0; i < m; i++) { // A along row i, plus the bias, to the tiles' places
                int row = v + i * a * ldE;
                int out = dstOff + i * ld;
                if (m == 2) {
                    FloatVector m1 = load(src, row + ldE);
                    FloatVector m2 = load(src, row + 2 * ldE);
                    load(src, row).add(m1).add(m2).add(bias).intoArray(dst, out, origins, map);
                    m1.sub(m2).sub(load(src, row + 3 * ldE)).add(bias).intoArray(dst, out + 1, origins, map);
                } else {
                    outputRow4(load(src, row), load(src, row + ldE), load(src, row + 2 * ldE),
                            load(src, row + 3 * ldE), load(src, row + 4 * ldE), load(src, row + 5 * ldE), bias, dst,
                            out, origins, map);
                }
            }
        }
        ScalarWinograd.output(m, t, tiles, src, srcOff, ldE, bias, dst, dstOff, ld, origins, originsOff);
    }

    /** {@link ScalarWinograd#output1d} for m = 2: output i to {@code dst[off + i * step]}. */
    private static void output2(FloatVector m0, FloatVector m1, FloatVector m2, FloatVector m3, float[] dst, int off,
                                int step) {
        m0.add(m1).add(m2).intoArray(dst, off);
        m1.sub(m2).sub(m3).intoArray(dst, off + step);
    }

    /** {@link ScalarWinograd#output1d} for m = 4: output i to {@code dst[off + i * step]}. */
    private static void output4(FloatVector m0, FloatVector m1, FloatVector m2, FloatVector m3, FloatVector m4,
                                FloatVector m5, float[] dst, int off, int step) {
        FloatVector s12 = m1.add(m2);
        FloatVector d12 = m1.sub(m2);
        FloatVector s34 = m3.add(m4);
        FloatVector d34 = m3.sub(m4);
        m0.add(s12).add(s34).intoArray(dst, off);
        d12.add(d34.mul(2f)).intoArray(dst, off + step);
        s12.add(s34.mul(4f)).intoArray(dst, off + 2 * step);
        d12.add(d34.mul(8f)).add(m5).intoArray(dst, off + 3 * step);
    }

    /** {@link #output4} along a row, each output plus the bias, scattered to {@code dst[out + q + origins]}. */
    private static void outputRow4(FloatVector m0, FloatVector m1, FloatVector m2, FloatVector m3, FloatVector m4,
                                   FloatVector m5, float bias, float[] dst, int out, int[] origins, int map) {
        FloatVector s12 = m1.add(m2);
        FloatVector d12 = m1.sub(m2);
        FloatVector s34 = m3.add(m4);
        FloatVector d34 = m3.sub(m4);
        m0.add(s12).add(s34).add(bias).intoArray(dst, out, origins, map);
        d12.add(d34.mul(2f)).add(bias).intoArray(dst, out + 1, origins, map);
        s12.add(s34.mul(4f)).add(bias).intoArray(dst, out + 2, origins, map);
        d12.add(d34.mul(8f)).add(m5).add(bias).intoArray(dst, out + 3, origins, map);
    }
}
