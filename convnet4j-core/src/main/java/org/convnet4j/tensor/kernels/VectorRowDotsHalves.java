package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector {@link Kernels#rowDots} for vectors of half {@link Kernels#ROW_DOT_LANES} floats (AVX2's 8): each element's
 * 16 lane chains are two vectors, the low one taking positions {@code t .. t + 7} of every block of 16, the high one
 * {@code t + 8 .. t + 15}, so the chains, their order and the lanes' tree are the contract's and the bits those of the
 * scalar twin and of {@link VectorRowDots} (16-float vectors). Until this kernel, 8-float machines ran the scalar twin
 * and so left ResNet-50's 1x1 weight gradients to the GEMM, whose copies (dy into A panels, x transposed one float
 * at a time into B panels) are the cost {@link VectorRowDots} removes on AVX-512.
 *
 * <p>A register tile is 3 rows of a x 2 rows of b, both halves: 12 accumulators, 2 vectors of b and one of a live at
 * once (15 of AVX2's 16 registers); 10 loads per 12 fused multiply-adds. b is the operand a caller streams (the one
 * read once per 3 rows of a), so 4 of the 10 loads are its. Both halves in one pass over the positions: a pass per
 * half would read every cache line of both operands twice, from L3 for ResNet-50's 56x56 planes. Rows of a past the
 * last whole 3 take a 1 x 2 tile, a last odd row of b one element at a time; the lanes are stored and summed as
 * {@link VectorRowDots} does, in the same method shapes (its javadoc: what JDK 17's C2 boxed otherwise).
 */
final class VectorRowDotsHalves {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = Kernels.ROW_DOT_LANES;
    private static final int H = L / 2;

    private VectorRowDotsHalves() {
    }

    static boolean fits() {
        return S.length() == H;
    }

    private static final ThreadLocal<float[]> LANES = new ThreadLocal<>();

    static void dots(int m, int n, int len, int segs, float[] a, int aOff, int lda, int aSeg, float[] b, int bOff,
                     int ldb, int bSeg, boolean add, float[] c, int cOff, int ldi, int ldj) {
        int m3 = m / 3 * 3;
        int n2 = n / 2 * 2;
        int ld = n2 * L; // the lanes of 3 rows of a against every pair of rows of b: row r's at r * ld
        float[] lanes = LANES.get();
        if (lanes == null || lanes.length < Math.max(3 * ld, L)) {
            lanes = new float[Math.max(3 * ld, L)];
            LANES.set(lanes);
        }
        for (int i = 0; i < m; i += i < m3 ? 3 : 1) {
            int rows = i < m3 ? 3 : 1;
            for (int s = 0; s < segs; s++) {
                int a0 = aOff + s * aSeg + i * lda;
                if (rows == 3) {
                    pass3(n2, len, a, a0, lda, b, bOff + s * bSeg, ldb, s == 0, lanes, ld);
                } else {
                    pass1(n2, len, a, a0, b, bOff + s * bSeg, ldb, s == 0, lanes);
                }
            }
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n2; j++) {
                    float sum = RowDots.tree(lanes, r * ld + j * L);
                    int o = cOff + (i + r) * ldi + j * ldj;
                    c[o] = add ? c[o] + sum : sum;
                }
            }
        }
        for (int i = 0; i < m && n2 < n; i++) {
            one(len, segs, a, aOff + i * lda, aSeg, b, bOff + n2 * ldb, bSeg, add, c, cOff + i * ldi + n2 * ldj,
                    lanes);
        }
    }

    /**
     * One segment of 3 rows of a (from a0) against rows [0, n2) of b, a pair at a time: each 3 x 2 tile's lanes taken
     * from {@code lanes} (or zeros when {@code first}), its fused multiply-adds over the segment, stored back. Element
     * (r, j)'s low lanes at {@code r * ld + j * L}, its high lanes 8 floats on.
     */
    private static void pass3(int n2, int len, float[] a, int a0, int lda, float[] b, int bOff, int ldb, boolean first,
                              float[] lanes, int ld) {
        int whole = len / L * L;
        VectorMask<Float> tailLo = S.indexInRange(whole, len);
        VectorMask<Float> tailHi = S.indexInRange(whole + H, len);
        int r0 = a0;
        int r1 = r0 + lda;
        int r2 = r1 + lda;
        for (int j = 0; j < n2; j += 2) {
            int q0 = bOff + j * ldb;
            int q1 = q0 + ldb;
            int o = j * L;
            FloatVector c00l, c00h, c01l, c01h, c10l, c10h, c11l, c11h, c20l, c20h, c21l, c21h;
            if (first) {
                c00l = c00h = c01l = c01h = c10l = c10h = c11l = c11h = c20l = c20h = c21l = c21h =
                        FloatVector.zero(S);
            } else {
                c00l = FloatVector.fromArray(S, lanes, o);
                c00h = FloatVector.fromArray(S, lanes, o + H);
                c01l = FloatVector.fromArray(S, lanes, o + L);
                c01h = FloatVector.fromArray(S, lanes, o + L + H);
                c10l = FloatVector.fromArray(S, lanes, o + ld);
                c10h = FloatVector.fromArray(S, lanes, o + H + ld);
                c11l = FloatVector.fromArray(S, lanes, o + L + ld);
                c11h = FloatVector.fromArray(S, lanes, o + L + H + ld);
                c20l = FloatVector.fromArray(S, lanes, o + 2 * ld);
                c20h = FloatVector.fromArray(S, lanes, o + H + 2 * ld);
                c21l = FloatVector.fromArray(S, lanes, o + L + 2 * ld);
                c21h = FloatVector.fromArray(S, lanes, o + L + H + 2 * ld);
            }
            for (int t = 0; t < whole; t += L) {
                FloatVector y0 = FloatVector.fromArray(S, b, q0 + t);
                FloatVector y1 = FloatVector.fromArray(S, b, q1 + t);
                FloatVector x = FloatVector.fromArray(S, a, r0 + t);
                c00l = x.fma(y0, c00l);
                c01l = x.fma(y1, c01l);
                x = FloatVector.fromArray(S, a, r1 + t);
                c10l = x.fma(y0, c10l);
                c11l = x.fma(y1, c11l);
                x = FloatVector.fromArray(S, a, r2 + t);
                c20l = x.fma(y0, c20l);
                c21l = x.fma(y1, c21l);
                y0 = FloatVector.fromArray(S, b, q0 + t + H);
                y1 = FloatVector.fromArray(S, b, q1 + t + H);
                x = FloatVector.fromArray(S, a, r0 + t + H);
                c00h = x.fma(y0, c00h);
                c01h = x.fma(y1, c01h);
                x = FloatVector.fromArray(S, a, r1 + t + H);
                c10h = x.fma(y0, c10h);
                c11h = x.fma(y1, c11h);
                x = FloatVector.fromArray(S, a, r2 + t + H);
                c20h = x.fma(y0, c20h);
                c21h = x.fma(y1, c21h);
            }
            if (whole < len) {
                // the same body on masked loads: zeros past the segment's end, both halves (the contract's fma(0, 0,
                // acc) in every lane of the last block, which turns a -0 chain into +0 as the scalar twin does)
                FloatVector y0 = FloatVector.fromArray(S, b, q0 + whole, tailLo);
                FloatVector y1 = FloatVector.fromArray(S, b, q1 + whole, tailLo);
                FloatVector x = FloatVector.fromArray(S, a, r0 + whole, tailLo);
                c00l = x.fma(y0, c00l);
                c01l = x.fma(y1, c01l);
                x = FloatVector.fromArray(S, a, r1 + whole, tailLo);
                c10l = x.fma(y0, c10l);
                c11l = x.fma(y1, c11l);
                x = FloatVector.fromArray(S, a, r2 + whole, tailLo);
                c20l = x.fma(y0, c20l);
                c21l = x.fma(y1, c21l);
                y0 = FloatVector.fromArray(S, b, q0 + whole + H, tailHi);
                y1 = FloatVector.fromArray(S, b, q1 + whole + H, tailHi);
                x = FloatVector.fromArray(S, a, r0 + whole + H, tailHi);
                c00h = x.fma(y0, c00h);
                c01h = x.fma(y1, c01h);
                x = FloatVector.fromArray(S, a, r1 + whole + H, tailHi);
                c10h = x.fma(y0, c10h);
                c11h = x.fma(y1, c11h);
                x = FloatVector.fromArray(S, a, r2 + whole + H, tailHi);
                c20h = x.fma(y0, c20h);
                c21h = x.fma(y1, c21h);
            }
            c00l.intoArray(lanes, o);
            c00h.intoArray(lanes, o + H);
            c01l.intoArray(lanes, o + L);
            c01h.intoArray(lanes, o + L + H);
            c10l.intoArray(lanes, o + ld);
            c10h.intoArray(lanes, o + H + ld);
            c11l.intoArray(lanes, o + L + ld);
            c11h.intoArray(lanes, o + L + H + ld);
            c20l.intoArray(lanes, o + 2 * ld);
            c20h.intoArray(lanes, o + H + 2 * ld);
            c21l.intoArray(lanes, o + L + 2 * ld);
            c21h.intoArray(lanes, o + L + H + 2 * ld);
        }
    }

    /** {@link #pass3} for one row of a (the rows past the last whole 3): 1 x 2 tiles, lanes at {@code j * L}. */
    private static void pass1(int n2, int len, float[] a, int a0, float[] b, int bOff, int ldb, boolean first,
                              float[] lanes) {
        int whole = len / L * L;
        VectorMask<Float> tailLo = S.indexInRange(whole, len);
        VectorMask<Float> tailHi = S.indexInRange(whole + H, len);
        for (int j = 0; j < n2; j += 2) {
            int q0 = bOff + j * ldb;
            int q1 = q0 + ldb;
            int o = j * L;
            FloatVector c00l, c00h, c01l, c01h;
            if (first) {
                c00l = c00h = c01l = c01h = FloatVector.zero(S);
            } else {
                c00l = FloatVector.fromArray(S, lanes, o);
                c00h = FloatVector.fromArray(S, lanes, o + H);
                c01l = FloatVector.fromArray(S, lanes, o + L);
                c01h = FloatVector.fromArray(S, lanes, o + L + H);
            }
            for (int t = 0; t < whole; t += L) {
                FloatVector x = FloatVector.fromArray(S, a, a0 + t);
                c00l = x.fma(FloatVector.fromArray(S, b, q0 + t), c00l);
                c01l = x.fma(FloatVector.fromArray(S, b, q1 + t), c01l);
                x = FloatVector.fromArray(S, a, a0 + t + H);
                c00h = x.fma(FloatVector.fromArray(S, b, q0 + t + H), c00h);
                c01h = x.fma(FloatVector.fromArray(S, b, q1 + t + H), c01h);
            }
            if (whole < len) {
                FloatVector x = FloatVector.fromArray(S, a, a0 + whole, tailLo);
                c00l = x.fma(FloatVector.fromArray(S, b, q0 + whole, tailLo), c00l);
                c01l = x.fma(FloatVector.fromArray(S, b, q1 + whole, tailLo), c01l);
                x = FloatVector.fromArray(S, a, a0 + whole + H, tailHi);
                c00h = x.fma(FloatVector.fromArray(S, b, q0 + whole + H, tailHi), c00h);
                c01h = x.fma(FloatVector.fromArray(S, b, q1 + whole + H, tailHi), c01h);
            }
            c00l.intoArray(lanes, o);
            c00h.intoArray(lanes, o + H);
            c01l.intoArray(lanes, o + L);
            c01h.intoArray(lanes, o + L + H);
        }
    }

    /** One element: the two halves' accumulators, their lanes stored and summed as the tiles' are. */
    private static void one(int len, int segs, float[] a, int a0, int aSeg, float[] b, int b0, int bSeg, boolean add,
                            float[] c, int o, float[] lanes) {
        int whole = len / L * L;
        VectorMask<Float> tailLo = S.indexInRange(whole, len);
        VectorMask<Float> tailHi = S.indexInRange(whole + H, len);
        FloatVector lo = FloatVector.zero(S);
        FloatVector hi = FloatVector.zero(S);
        for (int s = 0; s < segs; s++) {
            int r = a0 + s * aSeg;
            int q = b0 + s * bSeg;
            for (int t = 0; t < whole; t += L) {
                lo = FloatVector.fromArray(S, a, r + t).fma(FloatVector.fromArray(S, b, q + t), lo);
                hi = FloatVector.fromArray(S, a, r + t + H).fma(FloatVector.fromArray(S, b, q + t + H), hi);
            }
            if (whole < len) {
                lo = FloatVector.fromArray(S, a, r + whole, tailLo).fma(FloatVector.fromArray(S, b, q + whole, tailLo),
                        lo);
                hi = FloatVector.fromArray(S, a, r + whole + H, tailHi)
                        .fma(FloatVector.fromArray(S, b, q + whole + H, tailHi), hi);
            }
        }
        lo.intoArray(lanes, 0);
        hi.intoArray(lanes, H);
        float sum = RowDots.tree(lanes, 0);
        c[o] = add ? c[o] + sum : sum;
    }
}
