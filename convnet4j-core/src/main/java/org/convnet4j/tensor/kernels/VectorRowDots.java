package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector {@link Kernels#rowDots} (vectors of {@link Kernels#ROW_DOT_LANES} floats only: the lanes are the sums'
 * order). A register tile is 4 rows of a x 4 rows of b: 16 accumulators, 8 loads per 16 fused multiply-adds, both
 * operands read where they lie, every segment summed into the same registers. Why not the GEMM: for a 1x1 layer's
 * weight gradient {@code dY x^T} both operands lie along the sum, so the GEMM copies dy into its A panels and x,
 * transposed one float at a time, into its B panels (ResNet-50's 56x56 and 28x28 layers ran at 50-67 GFLOPS per CPU
 * second against 70-94 for their forwards, docs/PERFORMANCE.md, session 23). The price is a sum across the lanes per
 * element at the end of a call: the tile's accumulators are stored (1 KB, in L1) and each element's 16 lanes added as
 * the contract's tree, in scalar code.
 *
 * <p>JDK 17's C2 boxed every vector of this kernel (~600 KB allocated per tile, 10-20x slower than the GEMM) when the
 * lanes were summed by vector shuffles, or the tile was a method of its own called per tile: the form below (loops,
 * fused multiply-adds and the stores in one method, accumulators only ever as the FMA's addend or stored) is the one
 * that compiled to vector code.
 */
final class VectorRowDots {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = Kernels.ROW_DOT_LANES;

    private VectorRowDots() {
    }

    static boolean fits() {
        return S.length() == L;
    }

    private static final ThreadLocal<float[]> LANES = new ThreadLocal<>();

    static void dots(int m, int n, int len, int segs, float[] a, int aOff, int lda, int aSeg, float[] b, int bOff,
                     int ldb, int bSeg, boolean add, float[] c, int cOff, int ldi, int ldj) {
        int m4 = m / 4 * 4;
        int n4 = n / 4 * 4;
        int ld = n4 * L; // the lanes of 4 rows of a against every whole block of b: row r's at r * ld
        float[] lanes = LANES.get();
        if (lanes == null || lanes.length < Math.max(4 * ld, L)) {
            lanes = new float[Math.max(4 * ld, L)];
            LANES.set(lanes);
        }
        for (int i = 0; i < m4; i += 4) {
            for (int s = 0; s < segs; s++) {
                pass(n4, len, a, aOff + s * aSeg + i * lda, lda, b, bOff + s * bSeg, ldb, s == 0, lanes, ld);
            }
            for (int r = 0; r < 4; r++) {
                for (int j = 0; j < n4; j++) {
                    float sum = RowDots.tree(lanes, r * ld + j * L);
                    int o = cOff + (i + r) * ldi + j * ldj;
                    c[o] = add ? c[o] + sum : sum;
                }
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = i < m4 ? n4 : 0; j < n; j++) {
                one(len, segs, a, aOff + i * lda, aSeg, b, bOff + j * ldb, bSeg, add, c, cOff + i * ldi + j * ldj,
                        lanes);
            }
        }
    }

    /**
     * One segment of 4 rows of a (from a0) against rows [0, n4) of b: each 4 x 4 tile's lanes taken from {@code lanes}
     * (or zeros when {@code first}), its fused multiply-adds over the segment, stored back (exactly: the chains go on
     * across segments). The segments' loop and the lanes' sums stay out of this method: with either inside it, JDK
     * 17's C2 compiled the fused multiply-adds as calls that boxed every vector (~600 KB allocated per tile, 10-20x
     * slower than the GEMM).
     */
    private static void pass(int n4, int len, float[] a, int a0, int lda, float[] b, int bOff, int ldb, boolean first,
                             float[] lanes, int ld) {
        int whole = len / L * L;
        VectorMask<Float> tail = S.indexInRange(whole, len);
        int r0 = a0;
        int r1 = r0 + lda;
        int r2 = r1 + lda;
        int r3 = r2 + lda;
        for (int j = 0; j < n4; j += 4) {
            int q0 = bOff + j * ldb;
            int q1 = q0 + ldb;
            int q2 = q1 + ldb;
            int q3 = q2 + ldb;
            int o = j * L;
            FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
            if (first) {
                c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 =
                        FloatVector.zero(S);
            } else {
                c00 = FloatVector.fromArray(S, lanes, o + 0);
                c01 = FloatVector.fromArray(S, lanes, o + 16);
                c02 = FloatVector.fromArray(S, lanes, o + 32);
                c03 = FloatVector.fromArray(S, lanes, o + 48);
                c10 = FloatVector.fromArray(S, lanes, o + ld);
                c11 = FloatVector.fromArray(S, lanes, o + 16 + 1 * ld);
                c12 = FloatVector.fromArray(S, lanes, o + 32 + 1 * ld);
                c13 = FloatVector.fromArray(S, lanes, o + 48 + 1 * ld);
                c20 = FloatVector.fromArray(S, lanes, o + 2 * ld);
                c21 = FloatVector.fromArray(S, lanes, o + 16 + 2 * ld);
                c22 = FloatVector.fromArray(S, lanes, o + 32 + 2 * ld);
                c23 = FloatVector.fromArray(S, lanes, o + 48 + 2 * ld);
                c30 = FloatVector.fromArray(S, lanes, o + 3 * ld);
                c31 = FloatVector.fromArray(S, lanes, o + 16 + 3 * ld);
                c32 = FloatVector.fromArray(S, lanes, o + 32 + 3 * ld);
                c33 = FloatVector.fromArray(S, lanes, o + 48 + 3 * ld);
            }
            for (int t = 0; t < whole; t += L) {
                FloatVector x0 = FloatVector.fromArray(S, a, r0 + t);
                FloatVector x1 = FloatVector.fromArray(S, a, r1 + t);
                FloatVector x2 = FloatVector.fromArray(S, a, r2 + t);
                FloatVector x3 = FloatVector.fromArray(S, a, r3 + t);
                FloatVector y = FloatVector.fromArray(S, b, q0 + t);
                c00 = x0.fma(y, c00);
                c10 = x1.fma(y, c10);
                c20 = x2.fma(y, c20);
                c30 = x3.fma(y, c30);
                y = FloatVector.fromArray(S, b, q1 + t);
                c01 = x0.fma(y, c01);
                c11 = x1.fma(y, c11);
                c21 = x2.fma(y, c21);
                c31 = x3.fma(y, c31);
                y = FloatVector.fromArray(S, b, q2 + t);
                c02 = x0.fma(y, c02);
                c12 = x1.fma(y, c12);
                c22 = x2.fma(y, c22);
                c32 = x3.fma(y, c32);
                y = FloatVector.fromArray(S, b, q3 + t);
                c03 = x0.fma(y, c03);
                c13 = x1.fma(y, c13);
                c23 = x2.fma(y, c23);
                c33 = x3.fma(y, c33);
            }
            if (whole < len) {
                // the same body on masked loads: zeros past the segment's end
                FloatVector x0 = FloatVector.fromArray(S, a, r0 + whole, tail);
                FloatVector x1 = FloatVector.fromArray(S, a, r1 + whole, tail);
                FloatVector x2 = FloatVector.fromArray(S, a, r2 + whole, tail);
                FloatVector x3 = FloatVector.fromArray(S, a, r3 + whole, tail);
                FloatVector y = FloatVector.fromArray(S, b, q0 + whole, tail);
                c00 = x0.fma(y, c00);
                c10 = x1.fma(y, c10);
                c20 = x2.fma(y, c20);
                c30 = x3.fma(y, c30);
                y = FloatVector.fromArray(S, b, q1 + whole, tail);
                c01 = x0.fma(y, c01);
                c11 = x1.fma(y, c11);
                c21 = x2.fma(y, c21);
                c31 = x3.fma(y, c31);
                y = FloatVector.fromArray(S, b, q2 + whole, tail);
                c02 = x0.fma(y, c02);
                c12 = x1.fma(y, c12);
                c22 = x2.fma(y, c22);
                c32 = x3.fma(y, c32);
                y = FloatVector.fromArray(S, b, q3 + whole, tail);
                c03 = x0.fma(y, c03);
                c13 = x1.fma(y, c13);
                c23 = x2.fma(y, c23);
                c33 = x3.fma(y, c33);
            }
            c00.intoArray(lanes, o);
            c01.intoArray(lanes, o + 16);
            c02.intoArray(lanes, o + 32);
            c03.intoArray(lanes, o + 48);
            c10.intoArray(lanes, o + ld);
            c11.intoArray(lanes, o + 16 + 1 * ld);
            c12.intoArray(lanes, o + 32 + 1 * ld);
            c13.intoArray(lanes, o + 48 + 1 * ld);
            c20.intoArray(lanes, o + 2 * ld);
            c21.intoArray(lanes, o + 16 + 2 * ld);
            c22.intoArray(lanes, o + 32 + 2 * ld);
            c23.intoArray(lanes, o + 48 + 2 * ld);
            c30.intoArray(lanes, o + 3 * ld);
            c31.intoArray(lanes, o + 16 + 3 * ld);
            c32.intoArray(lanes, o + 32 + 3 * ld);
            c33.intoArray(lanes, o + 48 + 3 * ld);
        }
    }

    /** One element: one accumulator, its lanes stored and summed as the tiles' are. */
    private static void one(int len, int segs, float[] a, int a0, int aSeg, float[] b, int b0, int bSeg, boolean add,
                            float[] c, int o, float[] lanes) {
        int whole = len / L * L;
        VectorMask<Float> tail = S.indexInRange(whole, len);
        FloatVector acc = FloatVector.zero(S);
        for (int s = 0; s < segs; s++) {
            int r = a0 + s * aSeg;
            int q = b0 + s * bSeg;
            for (int t = 0; t < whole; t += L) {
                acc = FloatVector.fromArray(S, a, r + t).fma(FloatVector.fromArray(S, b, q + t), acc);
            }
            if (whole < len) {
                acc = FloatVector.fromArray(S, a, r + whole, tail).fma(FloatVector.fromArray(S, b, q + whole, tail),
                        acc);
            }
        }
        acc.intoArray(lanes, 0);
        float sum = RowDots.tree(lanes, 0);
        c[o] = add ? c[o] + sum : sum;
    }
}
