package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector versions of {@link Kernels#shiftedProducts} and {@link Kernels#shiftedDots}: the inner loops of a direct
 * convolution for layers too small for the GEMM path to pay (LeNet's 6 and 16 filters over 25 and 150 taps).
 *
 * <p>The input is a zero-padded plane with its rows laid end to end, so tap (c, i, j) of every output pixel is the
 * same element shifted by one constant offset: a whole run of output pixels is one vector load per tap, no im2col.
 * The price is a few output columns computed and thrown away (the padding columns between rows).
 *
 * <p>Register tiles, as in the GEMM micro-kernel but with the B panel replaced by shifted loads of the input:
 * products 4 filters x 3 vectors (12 accumulators, 3 loads and 4 broadcasts per 12 fused multiply-adds; a 2-filter
 * and a 1-filter variant for the remainder; a single filter, as in a depthwise plane, in 1 x 8, 1 x 5 and 1 x 4 tiles); dots 2
 * filters x 5 taps (10 accumulators, 7 loads per 10). Each kernel is one self-contained method, like
 * {@code VectorGemm}'s micro-kernels, so that HotSpot inlines every vector call.
 *
 * <p>Products: every output lane performs exactly the scalar contract's chain of {@code Math.fma} in tap order, so
 * results equal {@link Kernels#shiftedProducts}'s default bit for bit. Dots: one partial sum per lane, reduced
 * after the run (plus a scalar tail), so results differ from the scalar twin in the last bits but depend only on
 * the arguments.
 */
final class VectorDirectConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();

    private VectorDirectConv() {
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} finishes each filter's run with single-vector and scalar
     * chains ({@code productsTail}) as before, instead of one more whole tile ending at the run's end;
     * {@code -Dconvnet4j.directConv.overlappingTail=false}.
     */
    static volatile boolean overlappingTail =
            !"false".equals(System.getProperty("convnet4j.directConv.overlappingTail"));

    /**
     * Switch for A/B runs: {@code false} computes a single filter's run (depthwise planes) in the 3-vector tiles as
     * before instead of 8- and 4-vector tiles (3 chains of dependent fused multiply-adds could not cover their
     * latency); {@code -Dconvnet4j.directConv.wideSingle=false}. Same bits either way.
     */
    static volatile boolean wideSingle = !"false".equals(System.getProperty("convnet4j.directConv.wideSingle"));

    static void shiftedProducts(int f, int taps, float[] w, int wOff, int[] offsets, float[] x, int xOff, int len,
                                float[] out, int outOff, int ldo) {
        // The last outputs of a run (len % 3 VL of them) as one more whole tile that ends at len and overlaps the one
        // before: every output lane runs the same chain in any tile, so the outputs computed twice get the same bits,
        // and the tail keeps 12 independent chains instead of one per vector and per scalar (LeNet's conv2 backward
        // data has 44 positions left over per filter and run, each a chain of 400 dependent FMAs).
        boolean overlap = overlappingTail && len >= 3 * VL;
        int fo = 0;
        for (; fo + 4 <= f; fo += 4) {
            int p = 0;
            for (; p + 3 * VL <= len; p += 3 * VL) {
                products4x3(taps, w, wOff + fo * taps, offsets, x, xOff + p, out, outOff + fo * ldo + p, ldo);
            }
            if (p < len && overlap) {
                int q = len - 3 * VL;
                products4x3(taps, w, wOff + fo * taps, offsets, x, xOff + q, out, outOff + fo * ldo + q, ldo);
                continue;
            }
            for (int r = 0; r < 4; r++) {
                productsTail(taps, w, wOff + (fo + r) * taps, offsets, x, xOff, p, len, out, outOff + (fo + r) * ldo);
            }
        }
        if (fo + 2 <= f) { // LeNet's 6 filters, 6 input channels of its conv2 backward: 4 + 2
            int p = 0;
            for (; p + 3 * VL <= len; p += 3 * VL) {
                products2x3(taps, w, wOff + fo * taps, offsets, x, xOff + p, out, outOff + fo * ldo + p, ldo);
            }
            if (p < len && overlap) {
                int q = len - 3 * VL;
                products2x3(taps, w, wOff + fo * taps, offsets, x, xOff + q, out, outOff + fo * ldo + q, ldo);
            } else {
                for (int r = 0; r < 2; r++) {
                    productsTail(taps, w, wOff + (fo + r) * taps, offsets, x, xOff, p, len, out,
                            outOff + (fo + r) * ldo);
                }
            }
            fo += 2;
        }
        for (; fo < f; fo++) {
            int p = 0;
            if (wideSingle) { // depthwise planes: one filter, so the tile is wide instead of tall
                for (; p + 8 * VL <= len; p += 8 * VL) {
                    products1x8(taps, w, wOff + fo * taps, offsets, x, xOff + p, out, outOff + fo * ldo + p);
                }
                if (p + 5 * VL <= len) { // EfficientNet-B0's 7 x 7 planes, 5 x 5 kernel: a run of 5 vectors
                    products1x5(taps, w, wOff + fo * taps, offsets, x, xOff + p, out, outOff + fo * ldo + p);
                    p += 5 * VL;
                }
                for (; p + 4 * VL <= len; p += 4 * VL) {
                    products1x4(taps, w, wOff + fo * taps, offsets, x, xOff + p, out, outOff + fo * ldo + p);
                }
                if (p < len && overlap && len >= 4 * VL) {
                    int q = len - 4 * VL;
                    products1x4(taps, w, wOff + fo * taps, offsets, x, xOff + q, out, outOff + fo * ldo + q);
                    continue;
                }
            }
            for (; p + 3 * VL <= len; p += 3 * VL) {
                products1x3(taps, w, wOff + fo * taps, offsets, x, xOff + p, out, outOff + fo * ldo + p);
            }
            if (p < len && overlap) {
                int q = len - 3 * VL;
                products1x3(taps, w, wOff + fo * taps, offsets, x, xOff + q, out, outOff + fo * ldo + q);
            } else {
                productsTail(taps, w, wOff + fo * taps, offsets, x, xOff, p, len, out, outOff + fo * ldo);
            }
        }
    }

    /** One filter, outputs [p, len): whole vectors, then scalars (the same fma chain per element). */
    private static void productsTail(int taps, float[] w, int w0, int[] offsets, float[] x, int xOff, int p, int len,
                                     float[] out, int o0) {
        for (; p + VL <= len; p += VL) {
            FloatVector acc = FloatVector.zero(S);
            for (int t = 0; t < taps; t++) {
                acc = FloatVector.fromArray(S, x, xOff + offsets[t] + p).fma(FloatVector.broadcast(S, w[w0 + t]), acc);
            }
            acc.intoArray(out, o0 + p);
        }
        for (; p < len; p++) {
            float acc = 0f;
            for (int t = 0; t < taps; t++) {
                acc = Math.fma(w[w0 + t], x[xOff + offsets[t] + p], acc);
            }
            out[o0 + p] = acc;
        }
    }

    private static void products4x3(int taps, float[] w, int w0, int[] offsets, float[] x, int xOff, float[] out,
                                    int o0, int ldo) {
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = FloatVector.zero(S);
        FloatVector a02 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S);
        FloatVector a11 = FloatVector.zero(S);
        FloatVector a12 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S);
        FloatVector a21 = FloatVector.zero(S);
        FloatVector a22 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S);
        FloatVector a31 = FloatVector.zero(S);
        FloatVector a32 = FloatVector.zero(S);
        int w1 = w0 + taps;
        int w2 = w1 + taps;
        int w3 = w2 + taps;
        for (int t = 0; t < taps; t++) {
            int xi = xOff + offsets[t];
            FloatVector x0 = FloatVector.fromArray(S, x, xi);
            FloatVector x1 = FloatVector.fromArray(S, x, xi + VL);
            FloatVector x2 = FloatVector.fromArray(S, x, xi + 2 * VL);
            FloatVector b = FloatVector.broadcast(S, w[w0 + t]);
            a00 = x0.fma(b, a00);
            a01 = x1.fma(b, a01);
            a02 = x2.fma(b, a02);
            b = FloatVector.broadcast(S, w[w1 + t]);
            a10 = x0.fma(b, a10);
            a11 = x1.fma(b, a11);
            a12 = x2.fma(b, a12);
            b = FloatVector.broadcast(S, w[w2 + t]);
            a20 = x0.fma(b, a20);
            a21 = x1.fma(b, a21);
            a22 = x2.fma(b, a22);
            b = FloatVector.broadcast(S, w[w3 + t]);
            a30 = x0.fma(b, a30);
            a31 = x1.fma(b, a31);
            a32 = x2.fma(b, a32);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + VL);
        a02.intoArray(out, o0 + 2 * VL);
        int o1 = o0 + ldo;
        a10.intoArray(out, o1);
        a11.intoArray(out, o1 + VL);
        a12.intoArray(out, o1 + 2 * VL);
        int o2 = o1 + ldo;
        a20.intoArray(out, o2);
        a21.intoArray(out, o2 + VL);
        a22.intoArray(out, o2 + 2 * VL);
        int o3 = o2 + ldo;
        a30.intoArray(out, o3);
        a31.intoArray(out, o3 + VL);
        a32.intoArray(out, o3 + 2 * VL);
    }

    private static void products2x3(int taps, float[] w, int w0, int[] offsets, float[] x, int xOff, float[] out,
                                    int o0, int ldo) {
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = FloatVector.zero(S);
        FloatVector a02 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S);
        FloatVector a11 = FloatVector.zero(S);
        FloatVector a12 = FloatVector.zero(S);
        int w1 = w0 + taps;
        for (int t = 0; t < taps; t++) {
            int xi = xOff + offsets[t];
            FloatVector x0 = FloatVector.fromArray(S, x, xi);
            FloatVector x1 = FloatVector.fromArray(S, x, xi + VL);
            FloatVector x2 = FloatVector.fromArray(S, x, xi + 2 * VL);
            FloatVector b = FloatVector.broadcast(S, w[w0 + t]);
            a00 = x0.fma(b, a00);
            a01 = x1.fma(b, a01);
            a02 = x2.fma(b, a02);
            b = FloatVector.broadcast(S, w[w1 + t]);
            a10 = x0.fma(b, a10);
            a11 = x1.fma(b, a11);
            a12 = x2.fma(b, a12);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + VL);
        a02.intoArray(out, o0 + 2 * VL);
        int o1 = o0 + ldo;
        a10.intoArray(out, o1);
        a11.intoArray(out, o1 + VL);
        a12.intoArray(out, o1 + 2 * VL);
    }

    private static void products1x3(int taps, float[] w, int w0, int[] offsets, float[] x, int xOff, float[] out,
                                    int o0) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int xi = xOff + offsets[t];
            FloatVector b = FloatVector.broadcast(S, w[w0 + t]);
            a0 = FloatVector.fromArray(S, x, xi).fma(b, a0);
            a1 = FloatVector.fromArray(S, x, xi + VL).fma(b, a1);
            a2 = FloatVector.fromArray(S, x, xi + 2 * VL).fma(b, a2);
        }
        a0.intoArray(out, o0);
        a1.intoArray(out, o0 + VL);
        a2.intoArray(out, o0 + 2 * VL);
    }

    /** One filter x 8 vectors: 8 independent chains, enough to cover the fused multiply-add's latency. */
    private static void products1x8(int taps, float[] w, int w0, int[] offsets, float[] x, int xOff, float[] out,
                                    int o0) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S);
        FloatVector a5 = FloatVector.zero(S);
        FloatVector a6 = FloatVector.zero(S);
        FloatVector a7 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int xi = xOff + offsets[t];
            FloatVector b = FloatVector.broadcast(S, w[w0 + t]);
            a0 = FloatVector.fromArray(S, x, xi).fma(b, a0);
            a1 = FloatVector.fromArray(S, x, xi + VL).fma(b, a1);
            a2 = FloatVector.fromArray(S, x, xi + 2 * VL).fma(b, a2);
            a3 = FloatVector.fromArray(S, x, xi + 3 * VL).fma(b, a3);
            a4 = FloatVector.fromArray(S, x, xi + 4 * VL).fma(b, a4);
            a5 = FloatVector.fromArray(S, x, xi + 5 * VL).fma(b, a5);
            a6 = FloatVector.fromArray(S, x, xi + 6 * VL).fma(b, a6);
            a7 = FloatVector.fromArray(S, x, xi + 7 * VL).fma(b, a7);
        }
        a0.intoArray(out, o0);
        a1.intoArray(out, o0 + VL);
        a2.intoArray(out, o0 + 2 * VL);
        a3.intoArray(out, o0 + 3 * VL);
        a4.intoArray(out, o0 + 4 * VL);
        a5.intoArray(out, o0 + 5 * VL);
        a6.intoArray(out, o0 + 6 * VL);
        a7.intoArray(out, o0 + 7 * VL);
    }

    /** One filter x 5 vectors. */
    private static void products1x5(int taps, float[] w, int w0, int[] offsets, float[] x, int xOff, float[] out,
                                    int o0) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int xi = xOff + offsets[t];
            FloatVector b = FloatVector.broadcast(S, w[w0 + t]);
            a0 = FloatVector.fromArray(S, x, xi).fma(b, a0);
            a1 = FloatVector.fromArray(S, x, xi + VL).fma(b, a1);
            a2 = FloatVector.fromArray(S, x, xi + 2 * VL).fma(b, a2);
            a3 = FloatVector.fromArray(S, x, xi + 3 * VL).fma(b, a3);
            a4 = FloatVector.fromArray(S, x, xi + 4 * VL).fma(b, a4);
        }
        a0.intoArray(out, o0);
        a1.intoArray(out, o0 + VL);
        a2.intoArray(out, o0 + 2 * VL);
        a3.intoArray(out, o0 + 3 * VL);
        a4.intoArray(out, o0 + 4 * VL);
    }

    /** One filter x 4 vectors (the 7 x 7 planes' runs of 4 and 5 vectors, and what 8-vector tiles leave). */
    private static void products1x4(int taps, float[] w, int w0, int[] offsets, float[] x, int xOff, float[] out,
                                    int o0) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int xi = xOff + offsets[t];
            FloatVector b = FloatVector.broadcast(S, w[w0 + t]);
            a0 = FloatVector.fromArray(S, x, xi).fma(b, a0);
            a1 = FloatVector.fromArray(S, x, xi + VL).fma(b, a1);
            a2 = FloatVector.fromArray(S, x, xi + 2 * VL).fma(b, a2);
            a3 = FloatVector.fromArray(S, x, xi + 3 * VL).fma(b, a3);
        }
        a0.intoArray(out, o0);
        a1.intoArray(out, o0 + VL);
        a2.intoArray(out, o0 + 2 * VL);
        a3.intoArray(out, o0 + 3 * VL);
    }

    static void shiftedDots(int f, int taps, float[] dy, int dyOff, int ldd, int[] offsets, float[] x, int xOff,
                            int len, float[] out, int outOff) {
        int bound = len - len % VL;
        int fo = 0;
        for (; fo + 2 <= f; fo += 2) {
            int t = 0;
            for (; t + 5 <= taps; t += 5) {
                dots2x5(dy, dyOff + fo * ldd, ldd, offsets, t, x, xOff, len, bound, out, outOff + fo * taps + t, taps);
            }
            for (; t < taps; t++) {
                out[outOff + fo * taps + t] = dot(dy, dyOff + fo * ldd, x, xOff + offsets[t], len, bound);
                out[outOff + (fo + 1) * taps + t] = dot(dy, dyOff + (fo + 1) * ldd, x, xOff + offsets[t], len, bound);
            }
        }
        for (; fo < f; fo++) {
            for (int t = 0; t < taps; t++) {
                out[outOff + fo * taps + t] = dot(dy, dyOff + fo * ldd, x, xOff + offsets[t], len, bound);
            }
        }
    }

    private static float dot(float[] dy, int d0, float[] x, int x0, int len, int bound) {
        FloatVector acc = FloatVector.zero(S);
        int p = 0;
        for (; p < bound; p += VL) {
            acc = FloatVector.fromArray(S, dy, d0 + p).fma(FloatVector.fromArray(S, x, x0 + p), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; p < len; p++) {
            s = Math.fma(dy[d0 + p], x[x0 + p], s);
        }
        return s;
    }

    /** Filters fo, fo+1 (dy rows d0, d0 + ldd) against taps t..t+4; results at out[o0 + r * taps + j]. */
    private static void dots2x5(float[] dy, int d0, int ldd, int[] offsets, int t, float[] x, int xOff, int len,
                                int bound, float[] out, int o0, int taps) {
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = FloatVector.zero(S);
        FloatVector a02 = FloatVector.zero(S);
        FloatVector a03 = FloatVector.zero(S);
        FloatVector a04 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S);
        FloatVector a11 = FloatVector.zero(S);
        FloatVector a12 = FloatVector.zero(S);
        FloatVector a13 = FloatVector.zero(S);
        FloatVector a14 = FloatVector.zero(S);
        int d1 = d0 + ldd;
        int x0 = xOff + offsets[t];
        int x1 = xOff + offsets[t + 1];
        int x2 = xOff + offsets[t + 2];
        int x3 = xOff + offsets[t + 3];
        int x4 = xOff + offsets[t + 4];
        int p = 0;
        for (; p < bound; p += VL) {
            FloatVector g0 = FloatVector.fromArray(S, dy, d0 + p);
            FloatVector g1 = FloatVector.fromArray(S, dy, d1 + p);
            FloatVector v = FloatVector.fromArray(S, x, x0 + p);
            a00 = g0.fma(v, a00);
            a10 = g1.fma(v, a10);
            v = FloatVector.fromArray(S, x, x1 + p);
            a01 = g0.fma(v, a01);
            a11 = g1.fma(v, a11);
            v = FloatVector.fromArray(S, x, x2 + p);
            a02 = g0.fma(v, a02);
            a12 = g1.fma(v, a12);
            v = FloatVector.fromArray(S, x, x3 + p);
            a03 = g0.fma(v, a03);
            a13 = g1.fma(v, a13);
            v = FloatVector.fromArray(S, x, x4 + p);
            a04 = g0.fma(v, a04);
            a14 = g1.fma(v, a14);
        }
        float s00 = a00.reduceLanes(VectorOperators.ADD);
        float s01 = a01.reduceLanes(VectorOperators.ADD);
        float s02 = a02.reduceLanes(VectorOperators.ADD);
        float s03 = a03.reduceLanes(VectorOperators.ADD);
        float s04 = a04.reduceLanes(VectorOperators.ADD);
        float s10 = a10.reduceLanes(VectorOperators.ADD);
        float s11 = a11.reduceLanes(VectorOperators.ADD);
        float s12 = a12.reduceLanes(VectorOperators.ADD);
        float s13 = a13.reduceLanes(VectorOperators.ADD);
        float s14 = a14.reduceLanes(VectorOperators.ADD);
        for (; p < len; p++) {
            float g0 = dy[d0 + p];
            float g1 = dy[d1 + p];
            s00 = Math.fma(g0, x[x0 + p], s00);
            s01 = Math.fma(g0, x[x1 + p], s01);
            s02 = Math.fma(g0, x[x2 + p], s02);
            s03 = Math.fma(g0, x[x3 + p], s03);
            s04 = Math.fma(g0, x[x4 + p], s04);
            s10 = Math.fma(g1, x[x0 + p], s10);
            s11 = Math.fma(g1, x[x1 + p], s11);
            s12 = Math.fma(g1, x[x2 + p], s12);
            s13 = Math.fma(g1, x[x3 + p], s13);
            s14 = Math.fma(g1, x[x4 + p], s14);
        }
        out[o0] = s00;
        out[o0 + 1] = s01;
        out[o0 + 2] = s02;
        out[o0 + 3] = s03;
        out[o0 + 4] = s04;
        int o1 = o0 + taps;
        out[o1] = s10;
        out[o1 + 1] = s11;
        out[o1 + 2] = s12;
        out[o1 + 3] = s13;
        out[o1 + 4] = s14;
    }
}
