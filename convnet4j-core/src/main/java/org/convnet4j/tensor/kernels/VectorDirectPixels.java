package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector {@link Kernels#directPixels}: filters along the vectors (one block of 16 per 512-bit vector), output
 * pixels as broadcasts from the input where it lies, so that only the listed pixels are computed (no dropped columns,
 * no partly empty panels: a batch-8 7x7 layer computed 144 columns for every 98 outputs on the column path). A
 * register tile is 4 blocks (64 filters) x 6 pixels: 24 accumulators, 4 loads and 6 broadcasts per 24 fused
 * multiply-adds. The taps go in slices of {@link #DEPTH}, each slice over every tile, so that a slice's weights stay
 * in cache while the tiles pass; between slices a tile's sums wait in {@code out} (stored and loaded back exactly,
 * so the chain of each output is unchanged). Fewer than 4 blocks left: tiles of 1 block x 6 pixels; pixels left
 * over: 1 pixel at a time; with other vector widths, a last block of fewer than 16 filters: the scalar twin.
 *
 * <p>Bits: every output is the contract's chain (bias, then one fused multiply-add per tap in tap order).
 */
final class VectorDirectPixels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final int L = Kernels.DIRECT_LANES;
    /** Taps per slice: 64 x 64 filters of weights (16 KB) stay in L1 while every pixel tile uses them (256: 3-7% more CPU). */
    static final int DEPTH = Integer.getInteger("convnet4j.conv.directPixelsDepth", 64);

    private VectorDirectPixels() {
    }

    /** Whether this machine's vectors hold one block of filters (else the callers take the scalar twin). */
    static boolean fits() {
        return VL == L;
    }

    static void pixels(int f, int taps, float[] wp, int wOff, int[] offsets, int[] positions, int posOff, int count,
                       float[] x, int xOff, float[] bias, int biasOff, float[] out, int outOff, int ldo) {
        int blocks = f / L;
        for (int t0 = 0; t0 < taps; t0 += DEPTH) {
            int t1 = Math.min(taps, t0 + DEPTH);
            int fb = 0;
            for (; fb + 4 <= blocks; fb += 4) {
                int w0 = wOff + fb * taps * L;
                int p = 0;
                for (; p + 6 <= count; p += 6) {
                    tile4x6(taps, t0, t1, wp, w0, offsets, positions, posOff + p, x, xOff, bias, biasOff + fb * L, out,
                            outOff + p * ldo + fb * L, ldo);
                }
                for (; p < count; p++) {
                    for (int k = 0; k < 4; k++) {
                        tile1x1(taps, t0, t1, wp, w0 + k * taps * L, offsets, positions, posOff + p, x, xOff, bias,
                                biasOff + (fb + k) * L, out, outOff + p * ldo + (fb + k) * L);
                    }
                }
            }
            for (; fb < blocks; fb++) {
                int w0 = wOff + fb * taps * L;
                int p = 0;
                for (; p + 6 <= count; p += 6) {
                    tile1x6(taps, t0, t1, wp, w0, offsets, positions, posOff + p, x, xOff, bias, biasOff + fb * L, out,
                            outOff + p * ldo + fb * L, ldo);
                }
                for (; p < count; p++) {
                    tile1x1(taps, t0, t1, wp, w0, offsets, positions, posOff + p, x, xOff, bias, biasOff + fb * L, out,
                            outOff + p * ldo + fb * L);
                }
            }
        }
    }

    /** A tile's sums before taps [t0, ...): the bias (or 0) for the first slice, the stored sums after. */
    private static FloatVector start(int t0, float[] out, int o, float[] bias, int b) {
        return t0 > 0 ? FloatVector.fromArray(S, out, o) : bias == null ? FloatVector.zero(S)
                : FloatVector.fromArray(S, bias, b);
    }

    /** One block x one pixel, taps [t0, t1). */
    private static void tile1x1(int taps, int t0, int t1, float[] wp, int w0, int[] offsets, int[] positions, int pos,
                                float[] x, int xOff, float[] bias, int b0, float[] out, int o0) {
        int p0 = xOff + positions[pos];
        FloatVector a = start(t0, out, o0, bias, b0);
        for (int t = t0; t < t1; t++) {
            a = FloatVector.fromArray(S, wp, w0 + t * L).fma(FloatVector.broadcast(S, x[p0 + offsets[t]]), a);
        }
        a.intoArray(out, o0);
    }

    /** Filter blocks fb .. fb + 3 x pixels p .. p + 5, taps [t0, t1): 24 independent chains. */
    private static void tile4x6(int taps, int t0, int t1, float[] wp, int w0, int[] offsets, int[] positions, int pos,
                                float[] x, int xOff, float[] bias, int b0, float[] out, int o0, int ldo) {
        int p0 = xOff + positions[pos];
        int p1 = xOff + positions[pos + 1];
        int p2 = xOff + positions[pos + 2];
        int p3 = xOff + positions[pos + 3];
        int p4 = xOff + positions[pos + 4];
        int p5 = xOff + positions[pos + 5];
        FloatVector a00 = start(t0, out, o0, bias, b0);
        FloatVector a01 = start(t0, out, o0 + ldo, bias, b0);
        FloatVector a02 = start(t0, out, o0 + 2 * ldo, bias, b0);
        FloatVector a03 = start(t0, out, o0 + 3 * ldo, bias, b0);
        FloatVector a04 = start(t0, out, o0 + 4 * ldo, bias, b0);
        FloatVector a05 = start(t0, out, o0 + 5 * ldo, bias, b0);
        FloatVector a10 = start(t0, out, o0 + L, bias, b0 + L);
        FloatVector a11 = start(t0, out, o0 + ldo + L, bias, b0 + L);
        FloatVector a12 = start(t0, out, o0 + 2 * ldo + L, bias, b0 + L);
        FloatVector a13 = start(t0, out, o0 + 3 * ldo + L, bias, b0 + L);
        FloatVector a14 = start(t0, out, o0 + 4 * ldo + L, bias, b0 + L);
        FloatVector a15 = start(t0, out, o0 + 5 * ldo + L, bias, b0 + L);
        FloatVector a20 = start(t0, out, o0 + 2 * L, bias, b0 + 2 * L);
        FloatVector a21 = start(t0, out, o0 + ldo + 2 * L, bias, b0 + 2 * L);
        FloatVector a22 = start(t0, out, o0 + 2 * ldo + 2 * L, bias, b0 + 2 * L);
        FloatVector a23 = start(t0, out, o0 + 3 * ldo + 2 * L, bias, b0 + 2 * L);
        FloatVector a24 = start(t0, out, o0 + 4 * ldo + 2 * L, bias, b0 + 2 * L);
        FloatVector a25 = start(t0, out, o0 + 5 * ldo + 2 * L, bias, b0 + 2 * L);
        FloatVector a30 = start(t0, out, o0 + 3 * L, bias, b0 + 3 * L);
        FloatVector a31 = start(t0, out, o0 + ldo + 3 * L, bias, b0 + 3 * L);
        FloatVector a32 = start(t0, out, o0 + 2 * ldo + 3 * L, bias, b0 + 3 * L);
        FloatVector a33 = start(t0, out, o0 + 3 * ldo + 3 * L, bias, b0 + 3 * L);
        FloatVector a34 = start(t0, out, o0 + 4 * ldo + 3 * L, bias, b0 + 3 * L);
        FloatVector a35 = start(t0, out, o0 + 5 * ldo + 3 * L, bias, b0 + 3 * L);
        int wStride = taps * L;
        for (int t = t0; t < t1; t++) {
            int xi = offsets[t];
            int wi = w0 + t * L;
            FloatVector v0 = FloatVector.fromArray(S, wp, wi);
            FloatVector v1 = FloatVector.fromArray(S, wp, wi + wStride);
            FloatVector v2 = FloatVector.fromArray(S, wp, wi + 2 * wStride);
            FloatVector v3 = FloatVector.fromArray(S, wp, wi + 3 * wStride);
            FloatVector x0 = FloatVector.broadcast(S, x[p0 + xi]);
            a00 = v0.fma(x0, a00);
            a10 = v1.fma(x0, a10);
            a20 = v2.fma(x0, a20);
            a30 = v3.fma(x0, a30);
            FloatVector x1 = FloatVector.broadcast(S, x[p1 + xi]);
            a01 = v0.fma(x1, a01);
            a11 = v1.fma(x1, a11);
            a21 = v2.fma(x1, a21);
            a31 = v3.fma(x1, a31);
            FloatVector x2 = FloatVector.broadcast(S, x[p2 + xi]);
            a02 = v0.fma(x2, a02);
            a12 = v1.fma(x2, a12);
            a22 = v2.fma(x2, a22);
            a32 = v3.fma(x2, a32);
            FloatVector x3 = FloatVector.broadcast(S, x[p3 + xi]);
            a03 = v0.fma(x3, a03);
            a13 = v1.fma(x3, a13);
            a23 = v2.fma(x3, a23);
            a33 = v3.fma(x3, a33);
            FloatVector x4 = FloatVector.broadcast(S, x[p4 + xi]);
            a04 = v0.fma(x4, a04);
            a14 = v1.fma(x4, a14);
            a24 = v2.fma(x4, a24);
            a34 = v3.fma(x4, a34);
            FloatVector x5 = FloatVector.broadcast(S, x[p5 + xi]);
            a05 = v0.fma(x5, a05);
            a15 = v1.fma(x5, a15);
            a25 = v2.fma(x5, a25);
            a35 = v3.fma(x5, a35);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + ldo);
        a02.intoArray(out, o0 + 2 * ldo);
        a03.intoArray(out, o0 + 3 * ldo);
        a04.intoArray(out, o0 + 4 * ldo);
        a05.intoArray(out, o0 + 5 * ldo);
        a10.intoArray(out, o0 + L);
        a11.intoArray(out, o0 + ldo + L);
        a12.intoArray(out, o0 + 2 * ldo + L);
        a13.intoArray(out, o0 + 3 * ldo + L);
        a14.intoArray(out, o0 + 4 * ldo + L);
        a15.intoArray(out, o0 + 5 * ldo + L);
        a20.intoArray(out, o0 + 2 * L);
        a21.intoArray(out, o0 + ldo + 2 * L);
        a22.intoArray(out, o0 + 2 * ldo + 2 * L);
        a23.intoArray(out, o0 + 3 * ldo + 2 * L);
        a24.intoArray(out, o0 + 4 * ldo + 2 * L);
        a25.intoArray(out, o0 + 5 * ldo + 2 * L);
        a30.intoArray(out, o0 + 3 * L);
        a31.intoArray(out, o0 + ldo + 3 * L);
        a32.intoArray(out, o0 + 2 * ldo + 3 * L);
        a33.intoArray(out, o0 + 3 * ldo + 3 * L);
        a34.intoArray(out, o0 + 4 * ldo + 3 * L);
        a35.intoArray(out, o0 + 5 * ldo + 3 * L);
    }

    /** Filter blocks fb .. fb + 0 x pixels p .. p + 5, taps [t0, t1): 6 independent chains. */
    private static void tile1x6(int taps, int t0, int t1, float[] wp, int w0, int[] offsets, int[] positions, int pos,
                                float[] x, int xOff, float[] bias, int b0, float[] out, int o0, int ldo) {
        int p0 = xOff + positions[pos];
        int p1 = xOff + positions[pos + 1];
        int p2 = xOff + positions[pos + 2];
        int p3 = xOff + positions[pos + 3];
        int p4 = xOff + positions[pos + 4];
        int p5 = xOff + positions[pos + 5];
        FloatVector a00 = start(t0, out, o0, bias, b0);
        FloatVector a01 = start(t0, out, o0 + ldo, bias, b0);
        FloatVector a02 = start(t0, out, o0 + 2 * ldo, bias, b0);
        FloatVector a03 = start(t0, out, o0 + 3 * ldo, bias, b0);
        FloatVector a04 = start(t0, out, o0 + 4 * ldo, bias, b0);
        FloatVector a05 = start(t0, out, o0 + 5 * ldo, bias, b0);
        int wStride = taps * L;
        for (int t = t0; t < t1; t++) {
            int xi = offsets[t];
            int wi = w0 + t * L;
            FloatVector v0 = FloatVector.fromArray(S, wp, wi);
            FloatVector x0 = FloatVector.broadcast(S, x[p0 + xi]);
            a00 = v0.fma(x0, a00);
            FloatVector x1 = FloatVector.broadcast(S, x[p1 + xi]);
            a01 = v0.fma(x1, a01);
            FloatVector x2 = FloatVector.broadcast(S, x[p2 + xi]);
            a02 = v0.fma(x2, a02);
            FloatVector x3 = FloatVector.broadcast(S, x[p3 + xi]);
            a03 = v0.fma(x3, a03);
            FloatVector x4 = FloatVector.broadcast(S, x[p4 + xi]);
            a04 = v0.fma(x4, a04);
            FloatVector x5 = FloatVector.broadcast(S, x[p5 + xi]);
            a05 = v0.fma(x5, a05);
        }
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + ldo);
        a02.intoArray(out, o0 + 2 * ldo);
        a03.intoArray(out, o0 + 3 * ldo);
        a04.intoArray(out, o0 + 4 * ldo);
        a05.intoArray(out, o0 + 5 * ldo);
    }
}
