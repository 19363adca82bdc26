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
        int whole = n / VL * VL;
        if (m == 2) {
            filters2(whole, src, srcOff, dst, dstOff, ldE);
        } else {
            filters4(whole, src, srcOff, dst, dstOff, ldE);
        }
        ScalarWinograd.filters(m, n - whole, src, srcOff + 9 * whole, dst, dstOff + whole, ldE);
    }

    // The transforms below are written out inside their loops (no helper taking vectors): a helper that C2 compiles on
    // its own first is not inlined into its caller later (its code is too large), and then every vector it takes or
    // returns is a boxed object. That is what a first version with helpers did (JFR, the 64-channel layer on 56 x 56).

    /** F(2x2) filter transforms of filters [0, whole), whole vectors only. */
    private static void filters2(int whole, float[] src, int srcOff, float[] dst, int dstOff, int ldE) {
        for (int p = 0; p < whole; p += VL) {
            int u = dstOff + p;
            for (int s = 0; s < 3; s++) { // G down column s into elements (i, s)
                int g = srcOff + 9 * p + s;
                FloatVector g0 = FloatVector.fromArray(S, src, g, FILTERS, 0);
                FloatVector g1 = FloatVector.fromArray(S, src, g + 3, FILTERS, 0);
                FloatVector g2 = FloatVector.fromArray(S, src, g + 6, FILTERS, 0);
                FloatVector sum = g0.add(g2);
                int out = u + s * ldE;
                g0.intoArray(dst, out);
                sum.add(g1).mul(0.5f).intoArray(dst, out + 4 * ldE);
                sum.sub(g1).mul(0.5f).intoArray(dst, out + 8 * ldE);
                g2.intoArray(dst, out + 12 * ldE);
            }
            for (int i = 0; i < 4; i++) { // G along row i, in place
                int row = u + 4 * i * ldE;
                FloatVector g0 = FloatVector.fromArray(S, dst, row);
                FloatVector g1 = FloatVector.fromArray(S, dst, row + ldE);
                FloatVector g2 = FloatVector.fromArray(S, dst, row + 2 * ldE);
                FloatVector sum = g0.add(g2);
                sum.add(g1).mul(0.5f).intoArray(dst, row + ldE);
                sum.sub(g1).mul(0.5f).intoArray(dst, row + 2 * ldE);
                g2.intoArray(dst, row + 3 * ldE);
            }
        }
    }

    /** F(4x4) filter transforms of filters [0, whole), whole vectors only. */
    private static void filters4(int whole, float[] src, int srcOff, float[] dst, int dstOff, int ldE) {
        for (int p = 0; p < whole; p += VL) {
            int u = dstOff + p;
            for (int s = 0; s < 3; s++) { // G down column s into elements (i, s)
                int g = srcOff + 9 * p + s;
                FloatVector g0 = FloatVector.fromArray(S, src, g, FILTERS, 0);
                FloatVector g1 = FloatVector.fromArray(S, src, g + 3, FILTERS, 0);
                FloatVector g2 = FloatVector.fromArray(S, src, g + 6, FILTERS, 0);
                FloatVector sum = g0.add(g2);
                FloatVector far = g0.add(g2.mul(4f));
                FloatVector twice = g1.mul(2f);
                int out = u + s * ldE;
                int step = 6 * ldE;
                g0.mul(0.25f).intoArray(dst, out);
                sum.add(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, out + step);
                sum.sub(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, out + 2 * step);
                far.add(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, out + 3 * step);
                far.sub(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, out + 4 * step);
                g2.intoArray(dst, out + 5 * step);
            }
            for (int i = 0; i < 6; i++) { // G along row i, in place
                int row = u + 6 * i * ldE;
                FloatVector g0 = FloatVector.fromArray(S, dst, row);
                FloatVector g1 = FloatVector.fromArray(S, dst, row + ldE);
                FloatVector g2 = FloatVector.fromArray(S, dst, row + 2 * ldE);
                FloatVector sum = g0.add(g2);
                FloatVector far = g0.add(g2.mul(4f));
                FloatVector twice = g1.mul(2f);
                g0.mul(0.25f).intoArray(dst, row);
                sum.add(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, row + ldE);
                sum.sub(g1).mul(ScalarWinograd.MINUS_SIXTH).intoArray(dst, row + 2 * ldE);
                far.add(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, row + 3 * ldE);
                far.sub(twice).mul(ScalarWinograd.TWENTY_FOURTH).intoArray(dst, row + 4 * ldE);
                g2.intoArray(dst, row + 5 * ldE);
            }
        }
    }

    static void input(int m, int tiles, float[] src, int srcOff, int ld, int[] origins, int originsOff, float[] dst,
                      int dstOff, int ldE) {
        int whole = tiles / VL * VL;
        if (m == 2) {
            input2(whole, src, srcOff, ld, origins, originsOff, dst, dstOff, ldE);
        } else {
            input4(whole, src, srcOff, ld, origins, originsOff, dst, dstOff, ldE);
        }
        ScalarWinograd.input(m, whole, tiles, src, srcOff, ld, origins, originsOff, dst, dstOff, ldE);
    }

    /** F(2x2) input transforms of tiles [0, whole), whole vectors only. */
    private static void input2(int whole, float[] src, int srcOff, int ld, int[] origins, int originsOff, float[] dst,
                               int dstOff, int ldE) {
        for (int t = 0; t < whole; t += VL) {
            int map = originsOff + t;
            int v = dstOff + t;
            for (int s = 0; s < 4; s++) { // B^T down column s into elements (i, s)
                int o = srcOff + s;
                FloatVector d0 = FloatVector.fromArray(S, src, o, origins, map);
                FloatVector d1 = FloatVector.fromArray(S, src, o + ld, origins, map);
                FloatVector d2 = FloatVector.fromArray(S, src, o + 2 * ld, origins, map);
                FloatVector d3 = FloatVector.fromArray(S, src, o + 3 * ld, origins, map);
                int out = v + s * ldE;
                d0.sub(d2).intoArray(dst, out);
                d1.add(d2).intoArray(dst, out + 4 * ldE);
                d2.sub(d1).intoArray(dst, out + 8 * ldE);
                d1.sub(d3).intoArray(dst, out + 12 * ldE);
            }
            for (int i = 0; i < 4; i++) { // B along row i, in place
                int row = v + 4 * i * ldE;
                FloatVector d0 = FloatVector.fromArray(S, dst, row);
                FloatVector d1 = FloatVector.fromArray(S, dst, row + ldE);
                FloatVector d2 = FloatVector.fromArray(S, dst, row + 2 * ldE);
                FloatVector d3 = FloatVector.fromArray(S, dst, row + 3 * ldE);
                d0.sub(d2).intoArray(dst, row);
                d1.add(d2).intoArray(dst, row + ldE);
                d2.sub(d1).intoArray(dst, row + 2 * ldE);
                d1.sub(d3).intoArray(dst, row + 3 * ldE);
            }
        }
    }

    /** F(4x4) input transforms of tiles [0, whole), whole vectors only. */
    private static void input4(int whole, float[] src, int srcOff, int ld, int[] origins, int originsOff, float[] dst,
                               int dstOff, int ldE) {
        for (int t = 0; t < whole; t += VL) {
            int map = originsOff + t;
            int v = dstOff + t;
            for (int s = 0; s < 6; s++) { // B^T down column s into elements (i, s)
                int o = srcOff + s;
                FloatVector d0 = FloatVector.fromArray(S, src, o, origins, map);
                FloatVector d1 = FloatVector.fromArray(S, src, o + ld, origins, map);
                FloatVector d2 = FloatVector.fromArray(S, src, o + 2 * ld, origins, map);
                FloatVector d3 = FloatVector.fromArray(S, src, o + 3 * ld, origins, map);
                FloatVector d4 = FloatVector.fromArray(S, src, o + 4 * ld, origins, map);
                FloatVector d5 = FloatVector.fromArray(S, src, o + 5 * ld, origins, map);
                int out = v + s * ldE;
                int step = 6 * ldE;
                FloatVector d42 = d4.sub(d2);
                FloatVector d31 = d3.sub(d1).mul(2f);
                d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(dst, out);
                d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(dst, out + step);
                d4.sub(d3).add(d1.sub(d2).mul(4f)).intoArray(dst, out + 2 * step);
                d42.add(d31).intoArray(dst, out + 3 * step);
                d42.sub(d31).intoArray(dst, out + 4 * step);
                d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(dst, out + 5 * step);
            }
            for (int i = 0; i < 6; i++) { // B along row i, in place
                int row = v + 6 * i * ldE;
                FloatVector d0 = FloatVector.fromArray(S, dst, row);
                FloatVector d1 = FloatVector.fromArray(S, dst, row + ldE);
                FloatVector d2 = FloatVector.fromArray(S, dst, row + 2 * ldE);
                FloatVector d3 = FloatVector.fromArray(S, dst, row + 3 * ldE);
                FloatVector d4 = FloatVector.fromArray(S, dst, row + 4 * ldE);
                FloatVector d5 = FloatVector.fromArray(S, dst, row + 5 * ldE);
                FloatVector d42 = d4.sub(d2);
                FloatVector d31 = d3.sub(d1).mul(2f);
                d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(dst, row);
                d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(dst, row + ldE);
                d4.sub(d3).add(d1.sub(d2).mul(4f)).intoArray(dst, row + 2 * ldE);
                d42.add(d31).intoArray(dst, row + 3 * ldE);
                d42.sub(d31).intoArray(dst, row + 4 * ldE);
                d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(dst, row + 5 * ldE);
            }
        }
    }

    static void output(int m, int tiles, float[] src, int srcOff, int ldE, float bias, float[] dst, int dstOff, int ld,
                       int[] origins, int originsOff) {
        int whole = tiles / VL * VL;
        if (m == 2) {
            output2(whole, src, srcOff, ldE, bias, dst, dstOff, ld, origins, originsOff);
        } else {
            output4(whole, src, srcOff, ldE, bias, dst, dstOff, ld, origins, originsOff);
        }
        ScalarWinograd.output(m, whole, tiles, src, srcOff, ldE, bias, dst, dstOff, ld, origins, originsOff);
    }

    /** F(2x2) output transforms of tiles [0, whole), whole vectors only. */
    private static void output2(int whole, float[] src, int srcOff, int ldE, float bias, float[] dst, int dstOff,
                                int ld, int[] origins, int originsOff) {
        for (int t = 0; t < whole; t += VL) {
            int v = srcOff + t;
            int map = originsOff + t;
            for (int j = 0; j < 4; j++) { // A^T down column j, over elements (i < 2, j)
                int col = v + j * ldE;
                FloatVector m1 = FloatVector.fromArray(S, src, col + 4 * ldE);
                FloatVector m2 = FloatVector.fromArray(S, src, col + 8 * ldE);
                FloatVector.fromArray(S, src, col).add(m1).add(m2).intoArray(src, col);
                m1.sub(m2).sub(FloatVector.fromArray(S, src, col + 12 * ldE)).intoArray(src, col + 4 * ldE);
            }
            for (int i = 0; i < 2; i++) { // A along row i, plus the bias, to the tiles' places
                int row = v + 4 * i * ldE;
                int out = dstOff + i * ld;
                FloatVector m1 = FloatVector.fromArray(S, src, row + ldE);
                FloatVector m2 = FloatVector.fromArray(S, src, row + 2 * ldE);
                FloatVector.fromArray(S, src, row).add(m1).add(m2).add(bias).intoArray(dst, out, origins, map);
                m1.sub(m2).sub(FloatVector.fromArray(S, src, row + 3 * ldE)).add(bias)
                        .intoArray(dst, out + 1, origins, map);
            }
        }
    }

    /** F(4x4) output transforms of tiles [0, whole), whole vectors only. */
    private static void output4(int whole, float[] src, int srcOff, int ldE, float bias, float[] dst, int dstOff,
                                int ld, int[] origins, int originsOff) {
        for (int t = 0; t < whole; t += VL) {
            int v = srcOff + t;
            int map = originsOff + t;
            for (int j = 0; j < 6; j++) { // A^T down column j, over elements (i < 4, j)
                int col = v + j * ldE;
                int step = 6 * ldE;
                FloatVector m0 = FloatVector.fromArray(S, src, col);
                FloatVector m1 = FloatVector.fromArray(S, src, col + step);
                FloatVector m2 = FloatVector.fromArray(S, src, col + 2 * step);
                FloatVector m3 = FloatVector.fromArray(S, src, col + 3 * step);
                FloatVector m4 = FloatVector.fromArray(S, src, col + 4 * step);
                FloatVector m5 = FloatVector.fromArray(S, src, col + 5 * step);
                FloatVector s12 = m1.add(m2);
                FloatVector d12 = m1.sub(m2);
                FloatVector s34 = m3.add(m4);
                FloatVector d34 = m3.sub(m4);
                m0.add(s12).add(s34).intoArray(src, col);
                d12.add(d34.mul(2f)).intoArray(src, col + step);
                s12.add(s34.mul(4f)).intoArray(src, col + 2 * step);
                d12.add(d34.mul(8f)).add(m5).intoArray(src, col + 3 * step);
            }
            for (int i = 0; i < 4; i++) { // A along row i, plus the bias, to the tiles' places
                int row = v + 6 * i * ldE;
                int out = dstOff + i * ld;
                FloatVector m0 = FloatVector.fromArray(S, src, row);
                FloatVector m1 = FloatVector.fromArray(S, src, row + ldE);
                FloatVector m2 = FloatVector.fromArray(S, src, row + 2 * ldE);
                FloatVector m3 = FloatVector.fromArray(S, src, row + 3 * ldE);
                FloatVector m4 = FloatVector.fromArray(S, src, row + 4 * ldE);
                FloatVector m5 = FloatVector.fromArray(S, src, row + 5 * ldE);
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
    }
}
