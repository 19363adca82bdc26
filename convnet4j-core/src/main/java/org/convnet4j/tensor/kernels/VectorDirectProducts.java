package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector {@link Kernels#directProducts}: a direct convolution's register tiles read the input where it lies (one
 * shifted load per tap and vector, as {@link VectorDirectConv}) and the weights from their per-layer packing, 8 filters
 * side by side per tap, so that the 8 broadcasts of a tap come from one 32-byte run. With 512-bit vectors a tile is
 * 8 filters x 3 vectors (24 accumulators, 3 loads and 8 broadcasts per 24 fused multiply-adds: the GEMM
 * micro-kernel's mix, without its packed B panel), then 2 and 1 vectors for the run's last whole vectors (its last 4
 * as 2 + 2: {@link #lastFourInPairs}); with narrower vectors (16 registers) 4 filters at a time. The taps go in
 * slices of {@link #DEPTH}: a slice's input columns (its channels' rows under one tile) stay in L1 while every block
 * of filters passes over them, and between slices a tile's sums wait in {@code out} (stored and loaded back exactly:
 * the chain of each output is unchanged).
 * Outputs past the last whole vector are one more vector ending at the run's end, all taps at once after the slices;
 * a last block of fewer than 8 filters, and runs shorter than a vector, go one filter at a time.
 *
 * <p>Bits: every output is the contract's chain (bias, then one fused multiply-add per tap in tap order), as in the
 * scalar twin.
 */
final class VectorDirectProducts {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final int R = Kernels.DIRECT_ROWS;
    /** Taps per slice ({@code -Dconvnet4j.conv.directDepth}). */
    static final int DEPTH = Integer.getInteger("convnet4j.conv.directDepth", 144);

    private VectorDirectProducts() {
    }

    static void products(int f, int taps, float[] wp, int wOff, int[] offsets, float[] x, int xOff, int len,
                         float[] bias, int biasOff, float[] out, int outOff, int ldo) {
        int blocks = f / R;
        int whole = len / VL * VL;
        for (int t0 = 0; t0 < taps; t0 += DEPTH) {
            int t1 = Math.min(taps, t0 + DEPTH);
            for (int p = 0; p < whole; ) {
                int n = group((whole - p) / VL);
                for (int blk = 0; blk < blocks; blk++) {
                    int fo = blk * R;
                    int w0 = wOff + fo * taps;
                    int o0 = outOff + fo * ldo + p;
                    int b0 = biasOff + fo;
                    if (VL >= 16) {
                        if (n == 3) {
                            tile8x3(taps, t0, t1, wp, w0, offsets, x, xOff + p, bias, b0, out, o0, ldo);
                        } else if (n == 2) {
                            tile8x2(taps, t0, t1, wp, w0, offsets, x, xOff + p, bias, b0, out, o0, ldo);
                        } else {
                            tile8x1(taps, t0, t1, wp, w0, offsets, x, xOff + p, bias, b0, out, o0, ldo);
                        }
                    } else {
                        for (int half = 0; half < R; half += 4) {
                            if (n == 3) {
                                tile4x3(taps, t0, t1, wp, w0 + half, offsets, x, xOff + p, bias, b0 + half, out,
                                        o0 + half * ldo, ldo);
                            } else if (n == 2) {
                                tile4x2(taps, t0, t1, wp, w0 + half, offsets, x, xOff + p, bias, b0 + half, out,
                                        o0 + half * ldo, ldo);
                            } else {
                                tile4x1(taps, t0, t1, wp, w0 + half, offsets, x, xOff + p, bias, b0 + half, out,
                                        o0 + half * ldo, ldo);
                            }
                        }
                    }
                }
                p += n * VL;
            }
        }
        if (whole < len && len >= VL) {
            // outputs past the last whole vector: one more vector ending at len, every tap at once after the slices
            // (the outputs it shares with the last whole vector get their same chain again: the same bits)
            int p = len - VL;
            for (int blk = 0; blk < blocks; blk++) {
                int fo = blk * R;
                int w0 = wOff + fo * taps;
                int o0 = outOff + fo * ldo + p;
                if (VL >= 16) {
                    tile8x1(taps, 0, taps, wp, w0, offsets, x, xOff + p, bias, biasOff + fo, out, o0, ldo);
                } else {
                    tile4x1(taps, 0, taps, wp, w0, offsets, x, xOff + p, bias, biasOff + fo, out, o0, ldo);
                    tile4x1(taps, 0, taps, wp, w0 + 4, offsets, x, xOff + p, bias, biasOff + fo + 4, out,
                            o0 + 4 * ldo, ldo);
                }
            }
        } else {
            for (int fo = 0; fo < blocks * R; fo++) { // a run shorter than a vector
                single(fo, taps, wp, wOff, offsets, x, xOff, whole, len, bias, biasOff, out, outOff, ldo);
            }
        }
        for (int fo = blocks * R; fo < f; fo++) {
            single(fo, taps, wp, wOff, offsets, x, xOff, 0, len, bias, biasOff, out, outOff, ldo);
        }
    }

    /**
     * Switch for A/B runs ({@code FlagAB}, {@code -Dconvnet4j.conv.directLastFourInPairs=false}): whether a run's
     * last 4 whole vectors go as two tiles of 2 instead of a tile of 3 and one of 1 ({@link #group}). A 1-vector tile
     * pays a tap's 8 weight broadcasts for 8 multiply-adds where a 3-vector one pays them for 24: in a joined 7x7 tile
     * (7 vectors: 3 + 3 + 1) tile8x1 took 149 JFR samples against tile8x3's 661 for its 6 vectors, 1.35 times the time
     * per vector. Two 2-vector tiles pay 16 broadcasts, as 3 + 1 do, for 32 multiply-adds. About 1% less CPU on the
     * layers it touches (7x7, 28x28, 56->28 at batch 8; VGG16's 28x28 at batch 1: docs/PERFORMANCE.md, session 20).
     * The same chain per output either way: the same bits.
     */
    static volatile boolean lastFourInPairs =
            !"false".equals(System.getProperty("convnet4j.conv.directLastFourInPairs"));

    /** Vectors of the next column tile with {@code left} whole vectors left: 3, but 2 of the last 4. */
    private static int group(int left) {
        return left == 4 && lastFourInPairs ? 2 : Math.min(3, left);
    }

    /** Filter fo, outputs [p, len): whole vectors, then scalars (the same chain per element). */
    private static void single(int fo, int taps, float[] wp, int wOff, int[] offsets, float[] x, int xOff, int p,
                               int len, float[] bias, int biasOff, float[] out, int outOff, int ldo) {
        int w0 = wOff + fo / R * taps * R + fo % R;
        int o0 = outOff + fo * ldo;
        float b = bias == null ? 0f : bias[biasOff + fo];
        for (; p + VL <= len; p += VL) {
            FloatVector acc = FloatVector.broadcast(S, b);
            for (int t = 0; t < taps; t++) {
                acc = FloatVector.fromArray(S, x, xOff + offsets[t] + p).fma(FloatVector.broadcast(S, wp[w0 + t * R]),
                        acc);
            }
            acc.intoArray(out, o0 + p);
        }
        for (; p < len; p++) {
            float acc = b;
            for (int t = 0; t < taps; t++) {
                acc = Math.fma(wp[w0 + t * R], x[xOff + offsets[t] + p], acc);
            }
            out[o0 + p] = acc;
        }
    }

    /** A tile's sums before taps [t0, ...): the bias (or 0) for the first slice, the stored sums after. */
    private static FloatVector start(int t0, float[] out, int o, float[] bias, int b) {
        return t0 > 0 ? FloatVector.fromArray(S, out, o) : FloatVector.broadcast(S, bias == null ? 0f : bias[b]);
    }

    /** 8 filters x 3 vectors from the tile's column, taps [t0, t1). */
    private static void tile8x3(int taps, int t0, int t1, float[] wp, int w0, int[] offsets, float[] x, int xOff,
                                float[] bias, int b0, float[] out, int o0, int ldo) {
        FloatVector a00 = start(t0, out, o0, bias, b0);
        FloatVector a01 = start(t0, out, o0 + VL, bias, b0);
        FloatVector a02 = start(t0, out, o0 + 2 * VL, bias, b0);
        FloatVector a10 = start(t0, out, o0 + ldo, bias, b0 + 1);
        FloatVector a11 = start(t0, out, o0 + ldo + VL, bias, b0 + 1);
        FloatVector a12 = start(t0, out, o0 + ldo + 2 * VL, bias, b0 + 1);
        FloatVector a20 = start(t0, out, o0 + 2 * ldo, bias, b0 + 2);
        FloatVector a21 = start(t0, out, o0 + 2 * ldo + VL, bias, b0 + 2);
        FloatVector a22 = start(t0, out, o0 + 2 * ldo + 2 * VL, bias, b0 + 2);
        FloatVector a30 = start(t0, out, o0 + 3 * ldo, bias, b0 + 3);
        FloatVector a31 = start(t0, out, o0 + 3 * ldo + VL, bias, b0 + 3);
        FloatVector a32 = start(t0, out, o0 + 3 * ldo + 2 * VL, bias, b0 + 3);
        FloatVector a40 = start(t0, out, o0 + 4 * ldo, bias, b0 + 4);
        FloatVector a41 = start(t0, out, o0 + 4 * ldo + VL, bias, b0 + 4);
        FloatVector a42 = start(t0, out, o0 + 4 * ldo + 2 * VL, bias, b0 + 4);
        FloatVector a50 = start(t0, out, o0 + 5 * ldo, bias, b0 + 5);
        FloatVector a51 = start(t0, out, o0 + 5 * ldo + VL, bias, b0 + 5);
        FloatVector a52 = start(t0, out, o0 + 5 * ldo + 2 * VL, bias, b0 + 5);
        FloatVector a60 = start(t0, out, o0 + 6 * ldo, bias, b0 + 6);
        FloatVector a61 = start(t0, out, o0 + 6 * ldo + VL, bias, b0 + 6);
        FloatVector a62 = start(t0, out, o0 + 6 * ldo + 2 * VL, bias, b0 + 6);
        FloatVector a70 = start(t0, out, o0 + 7 * ldo, bias, b0 + 7);
        FloatVector a71 = start(t0, out, o0 + 7 * ldo + VL, bias, b0 + 7);
        FloatVector a72 = start(t0, out, o0 + 7 * ldo + 2 * VL, bias, b0 + 7);
        for (int t = t0, w = w0 + t0 * R; t < t1; t++, w += R) {
            int xi = xOff + offsets[t];
            FloatVector x0 = FloatVector.fromArray(S, x, xi);
            FloatVector x1 = FloatVector.fromArray(S, x, xi + VL);
            FloatVector x2 = FloatVector.fromArray(S, x, xi + 2 * VL);
            FloatVector v0 = FloatVector.broadcast(S, wp[w]);
            a00 = x0.fma(v0, a00);
            a01 = x1.fma(v0, a01);
            a02 = x2.fma(v0, a02);
            FloatVector v1 = FloatVector.broadcast(S, wp[w + 1]);
            a10 = x0.fma(v1, a10);
            a11 = x1.fma(v1, a11);
            a12 = x2.fma(v1, a12);
            FloatVector v2 = FloatVector.broadcast(S, wp[w + 2]);
            a20 = x0.fma(v2, a20);
            a21 = x1.fma(v2, a21);
            a22 = x2.fma(v2, a22);
            FloatVector v3 = FloatVector.broadcast(S, wp[w + 3]);
            a30 = x0.fma(v3, a30);
            a31 = x1.fma(v3, a31);
            a32 = x2.fma(v3, a32);
            FloatVector v4 = FloatVector.broadcast(S, wp[w + 4]);
            a40 = x0.fma(v4, a40);
            a41 = x1.fma(v4, a41);
            a42 = x2.fma(v4, a42);
            FloatVector v5 = FloatVector.broadcast(S, wp[w + 5]);
            a50 = x0.fma(v5, a50);
            a51 = x1.fma(v5, a51);
            a52 = x2.fma(v5, a52);
            FloatVector v6 = FloatVector.broadcast(S, wp[w + 6]);
            a60 = x0.fma(v6, a60);
            a61 = x1.fma(v6, a61);
            a62 = x2.fma(v6, a62);
            FloatVector v7 = FloatVector.broadcast(S, wp[w + 7]);
            a70 = x0.fma(v7, a70);
            a71 = x1.fma(v7, a71);
            a72 = x2.fma(v7, a72);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + VL);
        a02.intoArray(out, o0 + 2 * VL);
        a10.intoArray(out, o0 + ldo);
        a11.intoArray(out, o0 + ldo + VL);
        a12.intoArray(out, o0 + ldo + 2 * VL);
        a20.intoArray(out, o0 + 2 * ldo);
        a21.intoArray(out, o0 + 2 * ldo + VL);
        a22.intoArray(out, o0 + 2 * ldo + 2 * VL);
        a30.intoArray(out, o0 + 3 * ldo);
        a31.intoArray(out, o0 + 3 * ldo + VL);
        a32.intoArray(out, o0 + 3 * ldo + 2 * VL);
        a40.intoArray(out, o0 + 4 * ldo);
        a41.intoArray(out, o0 + 4 * ldo + VL);
        a42.intoArray(out, o0 + 4 * ldo + 2 * VL);
        a50.intoArray(out, o0 + 5 * ldo);
        a51.intoArray(out, o0 + 5 * ldo + VL);
        a52.intoArray(out, o0 + 5 * ldo + 2 * VL);
        a60.intoArray(out, o0 + 6 * ldo);
        a61.intoArray(out, o0 + 6 * ldo + VL);
        a62.intoArray(out, o0 + 6 * ldo + 2 * VL);
        a70.intoArray(out, o0 + 7 * ldo);
        a71.intoArray(out, o0 + 7 * ldo + VL);
        a72.intoArray(out, o0 + 7 * ldo + 2 * VL);
    }

    /** 8 filters x 2 vectors from the tile's column, taps [t0, t1). */
    private static void tile8x2(int taps, int t0, int t1, float[] wp, int w0, int[] offsets, float[] x, int xOff,
                                float[] bias, int b0, float[] out, int o0, int ldo) {
        FloatVector a00 = start(t0, out, o0, bias, b0);
        FloatVector a01 = start(t0, out, o0 + VL, bias, b0);
        FloatVector a10 = start(t0, out, o0 + ldo, bias, b0 + 1);
        FloatVector a11 = start(t0, out, o0 + ldo + VL, bias, b0 + 1);
        FloatVector a20 = start(t0, out, o0 + 2 * ldo, bias, b0 + 2);
        FloatVector a21 = start(t0, out, o0 + 2 * ldo + VL, bias, b0 + 2);
        FloatVector a30 = start(t0, out, o0 + 3 * ldo, bias, b0 + 3);
        FloatVector a31 = start(t0, out, o0 + 3 * ldo + VL, bias, b0 + 3);
        FloatVector a40 = start(t0, out, o0 + 4 * ldo, bias, b0 + 4);
        FloatVector a41 = start(t0, out, o0 + 4 * ldo + VL, bias, b0 + 4);
        FloatVector a50 = start(t0, out, o0 + 5 * ldo, bias, b0 + 5);
        FloatVector a51 = start(t0, out, o0 + 5 * ldo + VL, bias, b0 + 5);
        FloatVector a60 = start(t0, out, o0 + 6 * ldo, bias, b0 + 6);
        FloatVector a61 = start(t0, out, o0 + 6 * ldo + VL, bias, b0 + 6);
        FloatVector a70 = start(t0, out, o0 + 7 * ldo, bias, b0 + 7);
        FloatVector a71 = start(t0, out, o0 + 7 * ldo + VL, bias, b0 + 7);
        for (int t = t0, w = w0 + t0 * R; t < t1; t++, w += R) {
            int xi = xOff + offsets[t];
            FloatVector x0 = FloatVector.fromArray(S, x, xi);
            FloatVector x1 = FloatVector.fromArray(S, x, xi + VL);
            FloatVector v0 = FloatVector.broadcast(S, wp[w]);
            a00 = x0.fma(v0, a00);
            a01 = x1.fma(v0, a01);
            FloatVector v1 = FloatVector.broadcast(S, wp[w + 1]);
            a10 = x0.fma(v1, a10);
            a11 = x1.fma(v1, a11);
            FloatVector v2 = FloatVector.broadcast(S, wp[w + 2]);
            a20 = x0.fma(v2, a20);
            a21 = x1.fma(v2, a21);
            FloatVector v3 = FloatVector.broadcast(S, wp[w + 3]);
            a30 = x0.fma(v3, a30);
            a31 = x1.fma(v3, a31);
            FloatVector v4 = FloatVector.broadcast(S, wp[w + 4]);
            a40 = x0.fma(v4, a40);
            a41 = x1.fma(v4, a41);
            FloatVector v5 = FloatVector.broadcast(S, wp[w + 5]);
            a50 = x0.fma(v5, a50);
            a51 = x1.fma(v5, a51);
            FloatVector v6 = FloatVector.broadcast(S, wp[w + 6]);
            a60 = x0.fma(v6, a60);
            a61 = x1.fma(v6, a61);
            FloatVector v7 = FloatVector.broadcast(S, wp[w + 7]);
            a70 = x0.fma(v7, a70);
            a71 = x1.fma(v7, a71);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + VL);
        a10.intoArray(out, o0 + ldo);
        a11.intoArray(out, o0 + ldo + VL);
        a20.intoArray(out, o0 + 2 * ldo);
        a21.intoArray(out, o0 + 2 * ldo + VL);
        a30.intoArray(out, o0 + 3 * ldo);
        a31.intoArray(out, o0 + 3 * ldo + VL);
        a40.intoArray(out, o0 + 4 * ldo);
        a41.intoArray(out, o0 + 4 * ldo + VL);
        a50.intoArray(out, o0 + 5 * ldo);
        a51.intoArray(out, o0 + 5 * ldo + VL);
        a60.intoArray(out, o0 + 6 * ldo);
        a61.intoArray(out, o0 + 6 * ldo + VL);
        a70.intoArray(out, o0 + 7 * ldo);
        a71.intoArray(out, o0 + 7 * ldo + VL);
    }

    /** 8 filters x 1 vector from the tile's column, taps [t0, t1). */
    private static void tile8x1(int taps, int t0, int t1, float[] wp, int w0, int[] offsets, float[] x, int xOff,
                                float[] bias, int b0, float[] out, int o0, int ldo) {
        FloatVector a00 = start(t0, out, o0, bias, b0);
        FloatVector a10 = start(t0, out, o0 + ldo, bias, b0 + 1);
        FloatVector a20 = start(t0, out, o0 + 2 * ldo, bias, b0 + 2);
        FloatVector a30 = start(t0, out, o0 + 3 * ldo, bias, b0 + 3);
        FloatVector a40 = start(t0, out, o0 + 4 * ldo, bias, b0 + 4);
        FloatVector a50 = start(t0, out, o0 + 5 * ldo, bias, b0 + 5);
        FloatVector a60 = start(t0, out, o0 + 6 * ldo, bias, b0 + 6);
        FloatVector a70 = start(t0, out, o0 + 7 * ldo, bias, b0 + 7);
        for (int t = t0, w = w0 + t0 * R; t < t1; t++, w += R) {
            int xi = xOff + offsets[t];
            FloatVector x0 = FloatVector.fromArray(S, x, xi);
            FloatVector v0 = FloatVector.broadcast(S, wp[w]);
            a00 = x0.fma(v0, a00);
            FloatVector v1 = FloatVector.broadcast(S, wp[w + 1]);
            a10 = x0.fma(v1, a10);
            FloatVector v2 = FloatVector.broadcast(S, wp[w + 2]);
            a20 = x0.fma(v2, a20);
            FloatVector v3 = FloatVector.broadcast(S, wp[w + 3]);
            a30 = x0.fma(v3, a30);
            FloatVector v4 = FloatVector.broadcast(S, wp[w + 4]);
            a40 = x0.fma(v4, a40);
            FloatVector v5 = FloatVector.broadcast(S, wp[w + 5]);
            a50 = x0.fma(v5, a50);
            FloatVector v6 = FloatVector.broadcast(S, wp[w + 6]);
            a60 = x0.fma(v6, a60);
            FloatVector v7 = FloatVector.broadcast(S, wp[w + 7]);
            a70 = x0.fma(v7, a70);
        }
        a00.intoArray(out, o0);
        a10.intoArray(out, o0 + ldo);
        a20.intoArray(out, o0 + 2 * ldo);
        a30.intoArray(out, o0 + 3 * ldo);
        a40.intoArray(out, o0 + 4 * ldo);
        a50.intoArray(out, o0 + 5 * ldo);
        a60.intoArray(out, o0 + 6 * ldo);
        a70.intoArray(out, o0 + 7 * ldo);
    }

    /** 4 filters x 3 vectors from the tile's column, taps [t0, t1). */
    private static void tile4x3(int taps, int t0, int t1, float[] wp, int w0, int[] offsets, float[] x, int xOff,
                                float[] bias, int b0, float[] out, int o0, int ldo) {
        FloatVector a00 = start(t0, out, o0, bias, b0);
        FloatVector a01 = start(t0, out, o0 + VL, bias, b0);
        FloatVector a02 = start(t0, out, o0 + 2 * VL, bias, b0);
        FloatVector a10 = start(t0, out, o0 + ldo, bias, b0 + 1);
        FloatVector a11 = start(t0, out, o0 + ldo + VL, bias, b0 + 1);
        FloatVector a12 = start(t0, out, o0 + ldo + 2 * VL, bias, b0 + 1);
        FloatVector a20 = start(t0, out, o0 + 2 * ldo, bias, b0 + 2);
        FloatVector a21 = start(t0, out, o0 + 2 * ldo + VL, bias, b0 + 2);
        FloatVector a22 = start(t0, out, o0 + 2 * ldo + 2 * VL, bias, b0 + 2);
        FloatVector a30 = start(t0, out, o0 + 3 * ldo, bias, b0 + 3);
        FloatVector a31 = start(t0, out, o0 + 3 * ldo + VL, bias, b0 + 3);
        FloatVector a32 = start(t0, out, o0 + 3 * ldo + 2 * VL, bias, b0 + 3);
        for (int t = t0, w = w0 + t0 * R; t < t1; t++, w += R) {
            int xi = xOff + offsets[t];
            FloatVector x0 = FloatVector.fromArray(S, x, xi);
            FloatVector x1 = FloatVector.fromArray(S, x, xi + VL);
            FloatVector x2 = FloatVector.fromArray(S, x, xi + 2 * VL);
            FloatVector v0 = FloatVector.broadcast(S, wp[w]);
            a00 = x0.fma(v0, a00);
            a01 = x1.fma(v0, a01);
            a02 = x2.fma(v0, a02);
            FloatVector v1 = FloatVector.broadcast(S, wp[w + 1]);
            a10 = x0.fma(v1, a10);
            a11 = x1.fma(v1, a11);
            a12 = x2.fma(v1, a12);
            FloatVector v2 = FloatVector.broadcast(S, wp[w + 2]);
            a20 = x0.fma(v2, a20);
            a21 = x1.fma(v2, a21);
            a22 = x2.fma(v2, a22);
            FloatVector v3 = FloatVector.broadcast(S, wp[w + 3]);
            a30 = x0.fma(v3, a30);
            a31 = x1.fma(v3, a31);
            a32 = x2.fma(v3, a32);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + VL);
        a02.intoArray(out, o0 + 2 * VL);
        a10.intoArray(out, o0 + ldo);
        a11.intoArray(out, o0 + ldo + VL);
        a12.intoArray(out, o0 + ldo + 2 * VL);
        a20.intoArray(out, o0 + 2 * ldo);
        a21.intoArray(out, o0 + 2 * ldo + VL);
        a22.intoArray(out, o0 + 2 * ldo + 2 * VL);
        a30.intoArray(out, o0 + 3 * ldo);
        a31.intoArray(out, o0 + 3 * ldo + VL);
        a32.intoArray(out, o0 + 3 * ldo + 2 * VL);
    }

    /** 4 filters x 2 vectors from the tile's column, taps [t0, t1). */
    private static void tile4x2(int taps, int t0, int t1, float[] wp, int w0, int[] offsets, float[] x, int xOff,
                                float[] bias, int b0, float[] out, int o0, int ldo) {
        FloatVector a00 = start(t0, out, o0, bias, b0);
        FloatVector a01 = start(t0, out, o0 + VL, bias, b0);
        FloatVector a10 = start(t0, out, o0 + ldo, bias, b0 + 1);
        FloatVector a11 = start(t0, out, o0 + ldo + VL, bias, b0 + 1);
        FloatVector a20 = start(t0, out, o0 + 2 * ldo, bias, b0 + 2);
        FloatVector a21 = start(t0, out, o0 + 2 * ldo + VL, bias, b0 + 2);
        FloatVector a30 = start(t0, out, o0 + 3 * ldo, bias, b0 + 3);
        FloatVector a31 = start(t0, out, o0 + 3 * ldo + VL, bias, b0 + 3);
        for (int t = t0, w = w0 + t0 * R; t < t1; t++, w += R) {
            int xi = xOff + offsets[t];
            FloatVector x0 = FloatVector.fromArray(S, x, xi);
            FloatVector x1 = FloatVector.fromArray(S, x, xi + VL);
            FloatVector v0 = FloatVector.broadcast(S, wp[w]);
            a00 = x0.fma(v0, a00);
            a01 = x1.fma(v0, a01);
            FloatVector v1 = FloatVector.broadcast(S, wp[w + 1]);
            a10 = x0.fma(v1, a10);
            a11 = x1.fma(v1, a11);
            FloatVector v2 = FloatVector.broadcast(S, wp[w + 2]);
            a20 = x0.fma(v2, a20);
            a21 = x1.fma(v2, a21);
            FloatVector v3 = FloatVector.broadcast(S, wp[w + 3]);
            a30 = x0.fma(v3, a30);
            a31 = x1.fma(v3, a31);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + VL);
        a10.intoArray(out, o0 + ldo);
        a11.intoArray(out, o0 + ldo + VL);
        a20.intoArray(out, o0 + 2 * ldo);
        a21.intoArray(out, o0 + 2 * ldo + VL);
        a30.intoArray(out, o0 + 3 * ldo);
        a31.intoArray(out, o0 + 3 * ldo + VL);
    }

    /** 4 filters x 1 vector from the tile's column, taps [t0, t1). */
    private static void tile4x1(int taps, int t0, int t1, float[] wp, int w0, int[] offsets, float[] x, int xOff,
                                float[] bias, int b0, float[] out, int o0, int ldo) {
        FloatVector a00 = start(t0, out, o0, bias, b0);
        FloatVector a10 = start(t0, out, o0 + ldo, bias, b0 + 1);
        FloatVector a20 = start(t0, out, o0 + 2 * ldo, bias, b0 + 2);
        FloatVector a30 = start(t0, out, o0 + 3 * ldo, bias, b0 + 3);
        for (int t = t0, w = w0 + t0 * R; t < t1; t++, w += R) {
            int xi = xOff + offsets[t];
            FloatVector x0 = FloatVector.fromArray(S, x, xi);
            FloatVector v0 = FloatVector.broadcast(S, wp[w]);
            a00 = x0.fma(v0, a00);
            FloatVector v1 = FloatVector.broadcast(S, wp[w + 1]);
            a10 = x0.fma(v1, a10);
            FloatVector v2 = FloatVector.broadcast(S, wp[w + 2]);
            a20 = x0.fma(v2, a20);
            FloatVector v3 = FloatVector.broadcast(S, wp[w + 3]);
            a30 = x0.fma(v3, a30);
        }
        a00.intoArray(out, o0);
        a10.intoArray(out, o0 + ldo);
        a20.intoArray(out, o0 + 2 * ldo);
        a30.intoArray(out, o0 + 3 * ldo);
    }
}
