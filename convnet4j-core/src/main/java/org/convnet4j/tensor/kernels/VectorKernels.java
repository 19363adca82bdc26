package org.convnet4j.tensor.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels written with the incubating Vector API ({@code jdk.incubator.vector}) at the platform's preferred
 * vector width. SGEMM is blocked, packed and multi-threaded (see {@link VectorGemm}); the element-wise
 * primitives are single-threaded vector loops with a scalar tail, since they are memory-bound.
 *
 * <p>This is the only place (with {@link VectorGemm}) that touches Vector API classes; loading this class
 * fails with a {@link LinkageError} when the module is missing, which {@link KernelProvider} catches.
 */
final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();

    private final VectorGemm gemm;

    /** Uses {@code Runtime.availableProcessors()} threads for SGEMM, or the {@code convnet4j.threads} property. */
    VectorKernels() {
        this(GemmPool.defaultThreads());
    }

    /** Uses at most {@code threads} threads (the caller included) for SGEMM. */
    VectorKernels(int threads) {
        this.gemm = new VectorGemm(threads);
    }

    @Override
    public String name() {
        return "vector";
    }

    /** The most threads one SGEMM or {@link #parallelFor} call uses. */
    @Override
    public int threads() {
        return gemm.threads();
    }

    /** Floats per vector register on this machine (16 with AVX-512, 8 with AVX2). */
    static int vectorLength() {
        return VL;
    }

    @Override
    public int floatsPerVector() {
        return VL;
    }

    @Override
    public void rowDots(int m, int n, int len, int segs, float[] a, int aOff, int lda, int aSeg, float[] b, int bOff,
                        int ldb, int bSeg, boolean add, float[] c, int cOff, int ldi, int ldj) {
        if (!VectorRowDots.fits()) {
            Kernels.super.rowDots(m, n, len, segs, a, aOff, lda, aSeg, b, bOff, ldb, bSeg, add, c, cOff, ldi, ldj);
            return;
        }
        RowDots.check(m, n, len, segs, a, aOff, lda, aSeg, b, bOff, ldb, bSeg, c, cOff, ldi, ldj);
        VectorRowDots.dots(m, n, len, segs, a, aOff, lda, aSeg, b, bOff, ldb, bSeg, add, c, cOff, ldi, ldj);
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        Checks.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        gemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void sgemmSingleThread(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float beta, float[] c, int cOff, int ldc) {
        Checks.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        gemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, 1);
    }

    @Override
    public PreparedMatrix prepareA(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda) {
        Checks.leftOperand(transA, m, k, a, aOff, lda);
        return new PreparedMatrix(transA, m, k, alpha, a, aOff, lda, gemm.packForFewRows(transA, m, k, alpha, a,
                aOff, lda));
    }

    @Override
    public PreparedMatrix prepareATransient(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda) {
        Checks.leftOperand(transA, m, k, a, aOff, lda);
        return new PreparedMatrix(transA, m, k, alpha, a, aOff, lda, gemm.packForFewRows(transA, m, k, alpha, a,
                aOff, lda, true));
    }

    @Override
    public void sgemmPrepared(PreparedMatrix a, boolean transB, int n, float[] b, int bOff, int ldb, float beta,
                              float[] c, int cOff, int ldc) {
        Checks.gemm(a.transA(), transB, a.m(), n, a.k(), a.a(), a.aOff(), a.lda(), b, bOff, ldb, c, cOff, ldc);
        gemm.sgemmPrepared(a, transB, n, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void sgemmPreparedThreaded(PreparedMatrix a, boolean transB, int n, float[] b, int bOff, int ldb,
                                      float beta, float[] c, int cOff, int ldc) {
        Checks.gemm(a.transA(), transB, a.m(), n, a.k(), a.a(), a.aOff(), a.lda(), b, bOff, ldb, c, cOff, ldc);
        gemm.sgemmPrepared(a, transB, n, b, bOff, ldb, beta, c, cOff, ldc, gemm.threads());
    }

    @Override
    public void sgemmRows(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                          float[] b, int bOff, int[] rows, float beta, float[] c, int cOff, int ldc) {
        rows(transA, transB, m, n, k, a, aOff, lda, b, bOff, rows, beta, c, cOff, ldc, 1);
    }

    @Override
    public void sgemmRowsThreaded(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                                  float[] b, int bOff, int[] rows, float beta, float[] c, int cOff, int ldc) {
        rows(transA, transB, m, n, k, a, aOff, lda, b, bOff, rows, beta, c, cOff, ldc, gemm.threads());
    }

    private void rows(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int[] rows, float beta, float[] c, int cOff, int ldc, int threads) {
        Checks.leftOperand(transA, m, k, a, aOff, lda);
        Checks.output(m, n, c, cOff, ldc);
        Checks.rows(transB, m, n, k, b, bOff, rows);
        gemm.sgemmRows(transA, transB, m, n, k, 1f, a, aOff, lda, b, bOff, rows, beta, c, cOff, ldc, threads);
    }

    @Override
    public void sgemmPreparedRows(PreparedMatrix a, boolean transB, int n, float[] b, int bOff, int[] rows,
                                  float beta, float[] c, int cOff, int ldc) {
        preparedRows(a, transB, n, b, bOff, rows, beta, c, cOff, ldc, 1);
    }

    @Override
    public void sgemmPreparedRowsThreaded(PreparedMatrix a, boolean transB, int n, float[] b, int bOff, int[] rows,
                                          float beta, float[] c, int cOff, int ldc) {
        preparedRows(a, transB, n, b, bOff, rows, beta, c, cOff, ldc, gemm.threads());
    }

    private void preparedRows(PreparedMatrix a, boolean transB, int n, float[] b, int bOff, int[] rows,
                              float beta, float[] c, int cOff, int ldc, int threads) {
        Checks.leftOperand(a.transA(), a.m(), a.k(), a.a(), a.aOff(), a.lda());
        Checks.output(a.m(), n, c, cOff, ldc);
        Checks.rows(transB, a.m(), n, a.k(), b, bOff, rows);
        gemm.sgemmPreparedRows(a, transB, n, b, bOff, rows, beta, c, cOff, ldc, threads);
    }

    @Override
    public PreparedMatrix prepareB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        Checks.leftOperand(transB, k, n, b, bOff, ldb); // op(B) is k x n: the same bounds as a left operand's
        return new PreparedMatrix(transB, k, n, 1f, b, bOff, ldb, gemm.packForFewRowsB(transB, k, n, b, bOff, ldb));
    }

    @Override
    public void sgemmPreparedB(boolean transA, int m, float[] a, int aOff, int lda, PreparedMatrix b, float beta,
                               float[] c, int cOff, int ldc) {
        Checks.gemm(transA, b.transA(), m, b.k(), b.m(), a, aOff, lda, b.a(), b.aOff(), b.lda(), c, cOff, ldc);
        gemm.sgemmPreparedB(transA, m, a, aOff, lda, b, beta, c, cOff, ldc, 1);
    }

    @Override
    public void sgemmPreparedBThreaded(boolean transA, int m, float[] a, int aOff, int lda, PreparedMatrix b,
                                       float beta, float[] c, int cOff, int ldc) {
        Checks.gemm(transA, b.transA(), m, b.k(), b.m(), a, aOff, lda, b.a(), b.aOff(), b.lda(), c, cOff, ldc);
        gemm.sgemmPreparedB(transA, m, a, aOff, lda, b, beta, c, cOff, ldc, gemm.threads());
    }

    /**
     * The layout {@link VectorGemm#packForFewRowsB} writes (NR-wide panels, KC-deep slices), for exactly the products
     * whose prepared-B call reads it ({@link VectorGemm#sgemmPreparedB}: the few-rows path); null for the others.
     */
    @Override
    public PanelLayout patchPanels(int m, int k, int n) {
        if (!VectorGemm.FEW_ROWS || m == 0 || n == 0 || k == 0 || !VectorGemm.isFewRows(m, k)
                || (long) VectorGemm.roundUp(n, VectorGemm.NR) * k > VectorGemm.PREPARED_MAX_PACKED_A) {
            return null;
        }
        return new PanelLayout(VectorGemm.NR, VectorGemm.KC);
    }

    @Override
    public boolean readsPreparedB(boolean transB, int m, int k, int n) {
        return patchPanels(m, k, n) != null && (VectorGemm.exactRows || !VectorGemm.isDotShape(transB, m, n, k));
    }

    @Override
    public boolean fillsBetterTransposed(int m, int n) {
        double asIs = filled(m, VectorGemm.MR) * filled(n, VectorGemm.NR);
        double transposed = filled(n, VectorGemm.MR) * filled(m, VectorGemm.NR);
        return transposed > 1.2 * asIs;
    }

    /** The share of tiles of size {@code tile} that {@code x} rows or columns fill. */
    private static double filled(int x, int tile) {
        return x == 0 ? 1 : (double) x / (((x + tile - 1) / tile) * tile);
    }

    @Override
    public void parallelFor(int tasks, java.util.function.IntConsumer body) {
        GemmPool.forEach(gemm.threads(), tasks, body);
    }

    @Override
    public void parallelForInBlocks(int tasks, java.util.function.IntConsumer body) {
        GemmPool.forEach(gemm.threads(), tasks, body, true);
    }

    @Override
    public void shiftedProducts(int f, int taps, float[] w, int wOff, int[] offsets, float[] x, int xOff, int len,
                                float[] out, int outOff, int ldo) {
        Checks.range("shiftedProducts", "w", w, wOff, f * taps);
        if (f > 0 && len > 0) {
            Checks.range("shiftedProducts", "out", out, outOff, (f - 1) * ldo + len);
        }
        VectorDirectConv.shiftedProducts(f, taps, w, wOff, offsets, x, xOff, len, out, outOff, ldo);
    }

    @Override
    public void directProducts(int f, int taps, float[] wp, int wOff, int[] offsets, float[] x, int xOff, int len,
                               float[] bias, int biasOff, float[] out, int outOff, int ldo) {
        if (f <= 0 || len <= 0) {
            return;
        }
        Checks.range("directProducts", "wp", wp, wOff, (f + Kernels.DIRECT_ROWS - 1) / Kernels.DIRECT_ROWS
                * Kernels.DIRECT_ROWS * taps);
        Checks.range("directProducts", "out", out, outOff, (f - 1) * ldo + len);
        if (bias != null) {
            Checks.range("directProducts", "bias", bias, biasOff, f);
        }
        VectorDirectProducts.products(f, taps, wp, wOff, offsets, x, xOff, len, bias, biasOff, out, outOff, ldo);
    }

    @Override
    public void directPixels(int f, int taps, float[] wp, int wOff, int[] offsets, int[] positions, int posOff,
                             int count, float[] x, int xOff, float[] bias, int biasOff, float[] out, int outOff,
                             int ldo) {
        if (f <= 0 || count <= 0) {
            return;
        }
        int whole = VectorDirectPixels.fits() ? f / Kernels.DIRECT_LANES * Kernels.DIRECT_LANES : 0;
        Checks.range("directPixels", "wp", wp, wOff, (f + Kernels.DIRECT_LANES - 1) / Kernels.DIRECT_LANES
                * Kernels.DIRECT_LANES * taps);
        Checks.range("directPixels", "out", out, outOff, (count - 1) * ldo + f);
        if (bias != null) {
            Checks.range("directPixels", "bias", bias, biasOff, f);
        }
        if (whole > 0) {
            VectorDirectPixels.pixels(whole, taps, wp, wOff, offsets, positions, posOff, count, x, xOff, bias, biasOff,
                    out, outOff, ldo);
        }
        if (whole < f) { // a last block of fewer filters than a vector (or vectors narrower than a block)
            float[] part = new float[count * (f - whole)];
            Kernels.super.directPixels(f - whole, taps, wp, wOff + whole * taps, offsets, positions, posOff, count, x,
                    xOff, bias, biasOff + whole, part, 0, f - whole);
            for (int p = 0; p < count; p++) {
                System.arraycopy(part, p * (f - whole), out, outOff + p * ldo + whole, f - whole);
            }
        }
    }

    /**
     * One channel per lane when {@code lanes} is the vector length (else the scalar twin): 8 output pixels at a time,
     * 8 independent chains of fused multiply-adds in flight (one chain could not cover the latency), then 4, then 1.
     */
    @Override
    public void blockedProducts(int lanes, int taps, float[] w, int wOff, int[] offsets, int[] positions, int count,
                                float[] x, int xOff, float[] out, int outOff) {
        if (lanes != VL) {
            Kernels.super.blockedProducts(lanes, taps, w, wOff, offsets, positions, count, x, xOff, out, outOff);
            return;
        }
        Checks.range("blockedProducts", "w", w, wOff, taps * VL);
        Checks.range("blockedProducts", "out", out, outOff, count * VL);
        int i = 0;
        for (; i + 8 <= count; i += 8) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector a4 = a0;
            FloatVector a5 = a0;
            FloatVector a6 = a0;
            FloatVector a7 = a0;
            int p0 = xOff + positions[i] * VL;
            int p1 = xOff + positions[i + 1] * VL;
            int p2 = xOff + positions[i + 2] * VL;
            int p3 = xOff + positions[i + 3] * VL;
            int p4 = xOff + positions[i + 4] * VL;
            int p5 = xOff + positions[i + 5] * VL;
            int p6 = xOff + positions[i + 6] * VL;
            int p7 = xOff + positions[i + 7] * VL;
            for (int t = 0; t < taps; t++) {
                FloatVector wt = FloatVector.fromArray(S, w, wOff + t * VL);
                int o = offsets[t] * VL;
                a0 = FloatVector.fromArray(S, x, p0 + o).fma(wt, a0);
                a1 = FloatVector.fromArray(S, x, p1 + o).fma(wt, a1);
                a2 = FloatVector.fromArray(S, x, p2 + o).fma(wt, a2);
                a3 = FloatVector.fromArray(S, x, p3 + o).fma(wt, a3);
                a4 = FloatVector.fromArray(S, x, p4 + o).fma(wt, a4);
                a5 = FloatVector.fromArray(S, x, p5 + o).fma(wt, a5);
                a6 = FloatVector.fromArray(S, x, p6 + o).fma(wt, a6);
                a7 = FloatVector.fromArray(S, x, p7 + o).fma(wt, a7);
            }
            int d = outOff + i * VL;
            a0.intoArray(out, d);
            a1.intoArray(out, d + VL);
            a2.intoArray(out, d + 2 * VL);
            a3.intoArray(out, d + 3 * VL);
            a4.intoArray(out, d + 4 * VL);
            a5.intoArray(out, d + 5 * VL);
            a6.intoArray(out, d + 6 * VL);
            a7.intoArray(out, d + 7 * VL);
        }
        for (; i + 4 <= count; i += 4) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            int p0 = xOff + positions[i] * VL;
            int p1 = xOff + positions[i + 1] * VL;
            int p2 = xOff + positions[i + 2] * VL;
            int p3 = xOff + positions[i + 3] * VL;
            for (int t = 0; t < taps; t++) {
                FloatVector wt = FloatVector.fromArray(S, w, wOff + t * VL);
                int o = offsets[t] * VL;
                a0 = FloatVector.fromArray(S, x, p0 + o).fma(wt, a0);
                a1 = FloatVector.fromArray(S, x, p1 + o).fma(wt, a1);
                a2 = FloatVector.fromArray(S, x, p2 + o).fma(wt, a2);
                a3 = FloatVector.fromArray(S, x, p3 + o).fma(wt, a3);
            }
            int d = outOff + i * VL;
            a0.intoArray(out, d);
            a1.intoArray(out, d + VL);
            a2.intoArray(out, d + 2 * VL);
            a3.intoArray(out, d + 3 * VL);
        }
        for (; i < count; i++) {
            FloatVector a = FloatVector.zero(S);
            int p = xOff + positions[i] * VL;
            for (int t = 0; t < taps; t++) {
                a = FloatVector.fromArray(S, x, p + offsets[t] * VL).fma(FloatVector.fromArray(S, w, wOff + t * VL), a);
            }
            a.intoArray(out, outOff + i * VL);
        }
    }

    /** A filter per lane ({@link VectorWinograd}); the scalar twin's bits. */
    @Override
    public void winogradFilters(int m, int n, float[] src, int srcOff, float[] dst, int dstOff, int ldE) {
        ScalarWinograd.checkFilters(m, n, src, srcOff, dst, dstOff, ldE);
        VectorWinograd.filters(m, n, src, srcOff, dst, dstOff, ldE);
    }

    /** Straight into {@link VectorGemm}'s packed layout ({@link VectorWinograd#filtersPacked}) where a vector fits it. */
    @Override
    public void winogradFiltersPrepared(int m, int f, int c, float[] w, int f0, int f1, float[][] buffers) {
        if (!VectorWinograd.packs()) {
            Kernels.super.winogradFiltersPrepared(m, f, c, w, f0, f1, buffers);
            return;
        }
        ScalarWinograd.checkPrepared(m, f, c, w, f0, f1, buffers);
        VectorWinograd.filtersPacked(m, f, c, w, f0, f1, buffers);
    }

    /**
     * The packed copy as the prepared operand; its {@code a} is the same array, never read: with B not transposed the
     * product never takes the unpacked paths (dot products) for a matrix packed in full.
     */
    @Override
    public PreparedMatrix winogradPrepared(int f, int c, float[] buffer) {
        return VectorWinograd.packs() ? new PreparedMatrix(false, f, c, 1f, buffer, 0, c, buffer)
                : Kernels.super.winogradPrepared(f, c, buffer);
    }

    /** A tile per lane, its pixels gathered ({@link VectorWinograd}); the scalar twin's bits. */
    @Override
    public void winogradInput(int m, int tiles, float[] src, int srcOff, int ld, int[] origins, int originsOff,
                              float[] dst, int dstOff, int ldE) {
        ScalarWinograd.checkTransform("winogradInput", m, tiles, dst, dstOff, ldE);
        VectorWinograd.input(m, tiles, src, srcOff, ld, origins, originsOff, dst, dstOff, ldE);
    }

    /** A tile per lane, its rows' pixels split by column mod m with plain loads ({@link VectorWinograd}); the twin's bits. */
    @Override
    public void winogradInputRows(int m, int tiles, int tilesW, float[] src, int srcOff, int ldK, int fringeOff,
                                  float[] dst, int dstOff, int ldE) {
        ScalarWinograd.checkRows(m, tiles, tilesW, src, srcOff, ldK, fringeOff, dst, dstOff, ldE);
        VectorWinograd.inputRows(m, tiles, tilesW, src, srcOff, ldK, fringeOff, dst, dstOff, ldE);
    }

    /** A tile per lane, its rows' values split by column mod m with plain loads ({@link VectorWinograd}); the twin's bits. */
    @Override
    public void winogradGradientRows(int m, int tiles, float[] src, int srcOff, int ldK, float[] dst, int dstOff,
                                     int ldE) {
        ScalarWinograd.checkGradientRows(m, tiles, src, srcOff, ldK, dst, dstOff, ldE);
        VectorWinograd.gradientRows(m, tiles, src, srcOff, ldK, dst, dstOff, ldE);
    }

    /** A filter-channel pair per lane, the taps gathered and scattered ({@link VectorWinograd}); the twin's bits. */
    @Override
    public void winogradWeightOutputs(int m, int n, float[] src, int srcOff, int ldE, float[] dst, int dstOff) {
        ScalarWinograd.checkWeightOutputs(m, n, src, srcOff, ldE, dst, dstOff);
        VectorWinograd.weightOutputs(m, n, src, srcOff, ldE, dst, dstOff);
    }

    /** A tile per lane, its outputs scattered ({@link VectorWinograd}); the scalar twin's bits. */
    @Override
    public void winogradOutput(int m, int tiles, float[] src, int srcOff, int ldE, float bias, float[] dst,
                               int dstOff, int ld, int[] origins, int originsOff) {
        ScalarWinograd.checkTransform("winogradOutput", m, tiles, src, srcOff, ldE);
        VectorWinograd.output(m, tiles, src, srcOff, ldE, bias, dst, dstOff, ld, origins, originsOff);
    }

    /** A tile per lane, its output rows spread into place with plain stores ({@link VectorWinograd}); the twin's bits. */
    @Override
    public void winogradOutputRows(int m, int tiles, float[] src, int srcOff, int ldE, float bias, float[] dst,
                                   int dstOff, int ldI) {
        ScalarWinograd.checkOutputRows(m, tiles, src, srcOff, ldE, dst, dstOff, ldI);
        VectorWinograd.outputRows(m, tiles, src, srcOff, ldE, bias, dst, dstOff, ldI);
    }

    /** One gather of {@code lanes} planes' pixel per slot when {@code lanes} is the vector length (else the twin). */
    @Override
    public void interleave(int lanes, int n, float[] src, int srcOff, int stride, int[] slots, float[] dst) {
        if (lanes != VL) {
            Kernels.super.interleave(lanes, n, src, srcOff, stride, slots, dst);
            return;
        }
        int[] map = strides(stride);
        for (int p = 0; p < n; p++) {
            int slot = slots[p];
            if (slot >= 0) {
                FloatVector.fromArray(S, src, srcOff + p, map, 0).intoArray(dst, slot * VL);
            }
        }
    }

    /** One vector addition and one scatter per output pixel when {@code lanes} is the vector length (else the twin). */
    @Override
    public void deinterleavePlusBias(int lanes, int n, float[] src, float[] bias, int biasOff, float[] dst, int dstOff,
                                     int stride) {
        if (lanes != VL) {
            Kernels.super.deinterleavePlusBias(lanes, n, src, bias, biasOff, dst, dstOff, stride);
            return;
        }
        Checks.range("deinterleavePlusBias", "dst", dst, dstOff, n == 0 ? 0 : (VL - 1) * stride + n);
        int[] map = strides(stride);
        FloatVector b = bias == null ? FloatVector.broadcast(S, -0f) : FloatVector.fromArray(S, bias, biasOff);
        for (int i = 0; i < n; i++) {
            FloatVector.fromArray(S, src, i * VL).add(b).intoArray(dst, dstOff + i, map, 0);
        }
    }

    /** {@code {0, stride, 2 stride, ...}}: one lane per plane. */
    private static int[] strides(int stride) {
        int[] map = new int[VL];
        for (int l = 0; l < VL; l++) {
            map[l] = l * stride;
        }
        return map;
    }

    /**
     * Each row as whole vectors: the last one of a row ends at the row's end (overlapping the one before), or, for
     * rows narrower than a vector, spills past the row into the next one, which is written after it; rows whose
     * vector would pass the block's end (or src's) are done in scalars.
     */
    @Override
    public void rowsPlusBias(int rows, int cols, float[] src, int srcOff, int lds, float bias, float[] dst,
                             int dstOff) {
        Checks.range("rowsPlusBias", "dst", dst, dstOff, rows * cols);
        if (rows > 0) {
            Checks.range("rowsPlusBias", "src", src, srcOff, (rows - 1) * lds + cols);
        }
        FloatVector b = FloatVector.broadcast(S, bias);
        int end = dstOff + rows * cols;
        for (int r = 0; r < rows; r++) {
            int s = srcOff + r * lds;
            int d = dstOff + r * cols;
            if (cols >= VL) {
                int q = 0;
                for (; q + VL <= cols; q += VL) {
                    FloatVector.fromArray(S, src, s + q).add(b).intoArray(dst, d + q);
                }
                if (q < cols) {
                    q = cols - VL;
                    FloatVector.fromArray(S, src, s + q).add(b).intoArray(dst, d + q);
                }
            } else if (d + VL <= end && s + VL <= src.length) {
                FloatVector.fromArray(S, src, s).add(b).intoArray(dst, d);
            } else {
                for (int q = 0; q < cols; q++) {
                    dst[d + q] = src[s + q] + bias;
                }
            }
        }
    }

    /** Stride 2 as gathers of whole vectors (the pooling kernels' index map); other strides and the rest scalar. */
    @Override
    public void stridedCopy(int n, float[] src, int srcOff, int stride, float[] dst, int dstOff) {
        Checks.range("stridedCopy", "dst", dst, dstOff, n);
        if (n > 0) {
            Checks.range("stridedCopy", "src", src, srcOff, (n - 1) * stride + 1);
        }
        int i = 0;
        if (stride == 2) {
            for (; i + VL <= n; i += VL) {
                FloatVector.fromArray(S, src, srcOff + 2 * i, STRIDE_2, 0).intoArray(dst, dstOff + i);
            }
        }
        for (; i < n; i++) {
            dst[dstOff + i] = src[srcOff + i * stride];
        }
    }

    @Override
    public void shiftedDots(int f, int taps, float[] dy, int dyOff, int ldd, int[] offsets, float[] x, int xOff,
                            int len, float[] out, int outOff) {
        Checks.range("shiftedDots", "out", out, outOff, f * taps);
        if (f > 0 && len > 0) {
            Checks.range("shiftedDots", "dy", dy, dyOff, (f - 1) * ldd + len);
        }
        VectorDirectConv.shiftedDots(f, taps, dy, dyOff, ldd, offsets, x, xOff, len, out, outOff);
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        Checks.range("axpy", "x", x, xOff, n);
        Checks.range("axpy", "y", y, yOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (; i < bound; i += VL) {
            FloatVector vx = FloatVector.fromArray(S, x, xOff + i);
            FloatVector vy = FloatVector.fromArray(S, y, yOff + i);
            // mul + add rather than fma: the same two roundings as the scalar twin.
            vx.mul(va).add(vy).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
        Checks.range("dot", "x", x, xOff, n);
        Checks.range("dot", "y", y, yOff, n);
        return VectorGemm.dot(n, x, xOff, y, yOff);
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        Checks.range("scale", "x", x, xOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector.fromArray(S, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
        }
        for (; i < n; i++) {
            x[xOff + i] *= alpha;
        }
    }

    @Override
    public void add(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
        Checks.range("add", "a", a, aOff, n);
        Checks.range("add", "b", b, bOff, n);
        Checks.range("add", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public float sum(int n, float[] x, int xOff) {
        Checks.range("sum", "x", x, xOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        for (; i < bound; i += VL) {
            acc = acc.add(FloatVector.fromArray(S, x, xOff + i));
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    /** A vector at a time (its lanes tested as one mask), the rest as the scalar twin. */
    @Override
    public boolean allFinite(int n, float[] x, int xOff) {
        Checks.range("allFinite", "x", x, xOff, n);
        int i = 0;
        boolean finite = true;
        for (int bound = S.loopBound(n); i < bound; i += VL) {
            finite &= FloatVector.fromArray(S, x, xOff + i).test(VectorOperators.IS_FINITE).allTrue();
        }
        for (; i < n; i++) {
            finite &= Float.isFinite(x[xOff + i]);
        }
        return finite;
    }

    /** Lane l reads element 2 l: the gather of stride-2 windows. */
    private static final int[] STRIDE_2 = java.util.stream.IntStream.range(0, VL).map(l -> 2 * l).toArray();

    /**
     * One output per lane, each running the scalar twin's comparison chain (the same elements in the same order,
     * {@code v > m ? v : m} as compare and blend): the same bits. Stride 1 loads contiguous vectors, stride 2
     * gathers every second element; other strides and the last {@code count % VL} outputs run the scalar chain.
     *
     * <p>The window is walked as one flat loop over its taps (row-major, the chain's order), not as a loop over rows
     * around a loop over columns: with the two nested loops, C2 (JDK 17) compiled this method, when not inlined into
     * a caller whose constants fix the window, about ten times slower (7.7 against 0.8 ns CPU per output on a 3x3
     * window in a stand-alone copy; docs/PERFORMANCE.md, twelfth pass). {@code -Dconvnet4j.pool.flatWindows=false}
     * runs the nested loops again (A/B runs: {@code org.convnet4j.bench.PoolAB} with
     * {@code org.convnet4j.tensor.kernels.VectorKernels.flatWindows}).
     */
    @Override
    public void maxPoolWindows(int count, float[] x, int xOff, int stride, int ldx, int rows, int cols, float[] y,
                               int yOff) {
        Checks.poolWindows("maxPoolWindows", count, x, xOff, stride, ldx, rows, cols, y, yOff);
        int q = stride == 1 || stride == 2
                ? flatWindows ? maxWindowsFlat(count, x, xOff, stride, ldx, rows, cols, y, yOff)
                : maxWindowsNested(count, x, xOff, stride, ldx, rows, cols, y, yOff)
                : 0;
        if (q < count) { // the last windows, fewer than a vector: the scalar twin's chain, so the same bits
            Kernels.super.maxPoolWindows(count - q, x, xOff + q * stride, stride, ldx, rows, cols, y, yOff + q);
        }
    }

    /** {@code -Dconvnet4j.pool.flatWindows=false}: {@link #maxPoolWindows} with the nested window loops (A/B runs). */
    static volatile boolean flatWindows = !"false".equals(System.getProperty("convnet4j.pool.flatWindows"));

    /**
     * Whole vectors of outputs for stride 1 or 2, the window's taps in one flat loop; returns how many outputs it
     * wrote (a multiple of VL).
     */
    private static int maxWindowsFlat(int count, float[] x, int xOff, int stride, int ldx, int rows, int cols,
                                      float[] y, int yOff) {
        int taps = rows * cols;
        int rowStep = ldx - cols + 1; // from a row's last tap to the next row's first
        int q = 0;
        if (stride == 1) {
            for (; q <= count - VL; q += VL) {
                int at = xOff + q;
                FloatVector m = FloatVector.fromArray(S, x, at);
                for (int t = 1, j = 0; t < taps; t++) {
                    if (++j == cols) {
                        j = 0;
                        at += rowStep;
                    } else {
                        at++;
                    }
                    FloatVector v = FloatVector.fromArray(S, x, at);
                    m = m.blend(v, v.compare(VectorOperators.GT, m));
                }
                m.intoArray(y, yOff + q);
            }
        } else {
            for (; q <= count - VL; q += VL) {
                int at = xOff + 2 * q;
                FloatVector m = FloatVector.fromArray(S, x, at, STRIDE_2, 0);
                for (int t = 1, j = 0; t < taps; t++) {
                    if (++j == cols) {
                        j = 0;
                        at += rowStep;
                    } else {
                        at++;
                    }
                    FloatVector v = FloatVector.fromArray(S, x, at, STRIDE_2, 0);
                    m = m.blend(v, v.compare(VectorOperators.GT, m));
                }
                m.intoArray(y, yOff + q);
            }
        }
        return q;
    }

    /** The nested loops {@link #maxWindowsFlat} replaced (same bits), for A/B runs. */
    private static int maxWindowsNested(int count, float[] x, int xOff, int stride, int ldx, int rows, int cols,
                                        float[] y, int yOff) {
        int q = 0;
        if (stride == 1) {
            for (; q <= count - VL; q += VL) {
                int s = xOff + q;
                FloatVector m = FloatVector.fromArray(S, x, s);
                for (int i = 0; i < rows; i++) {
                    int row = s + i * ldx;
                    for (int j = 0; j < cols; j++) {
                        FloatVector v = FloatVector.fromArray(S, x, row + j);
                        m = m.blend(v, v.compare(VectorOperators.GT, m));
                    }
                }
                m.intoArray(y, yOff + q);
            }
        } else {
            for (; q <= count - VL; q += VL) {
                int s = xOff + 2 * q;
                FloatVector m = FloatVector.fromArray(S, x, s, STRIDE_2, 0);
                for (int i = 0; i < rows; i++) {
                    int row = s + i * ldx;
                    for (int j = 0; j < cols; j++) {
                        FloatVector v = FloatVector.fromArray(S, x, row + j, STRIDE_2, 0);
                        m = m.blend(v, v.compare(VectorOperators.GT, m));
                    }
                }
                m.intoArray(y, yOff + q);
            }
        }
        return q;
    }

    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());

    /**
     * One output per lane, each running the scalar twin's comparison chain: four gathers (the window's corners) per
     * vector of outputs, compares and blends; the arg-max indices ride along as int bits in float lanes (a blend
     * moves bits, it does no arithmetic). The outputs of all planes are taken as one run, so a vector may end in the
     * next plane: {@code table[pos]} is the top-left offset of output {@code pos} counted from a plane's first
     * output, for {@code pos < n + VL}. The last {@code total % VL} outputs run the scalar chain.
     */
    @Override
    public void maxPool2x2ArgMax(int planes, float[] x, int xOff, int h, int w, int oh, int ow, float[] y, int yOff,
                                 int[] argMax, int aOff) {
        Checks.pool2x2("maxPool2x2ArgMax", planes, x, xOff, h, w, oh, ow, y, yOff, argMax, aOff);
        max2x2Gathers(planes, x, xOff, h, w, oh, ow, y, yOff, argMax, aOff);
    }

    /**
     * {@code -Dconvnet4j.pool.pairLoads=false}: {@link #maxPool2x2} runs the scalar twin instead of
     * {@link #max2x2Rows}' vectors (A/B runs; same bits).
     */
    static volatile boolean pairLoads = !"false".equals(System.getProperty("convnet4j.pool.pairLoads"));

    /** Lanes 0, 2, .., VL - 2 to lanes 0 .. VL/2 - 1 (the upper half repeats them): a pair-layout vector's outputs. */
    private static final VectorShuffle<Float> EVENS_LOW = VectorShuffle.fromArray(S,
            java.util.stream.IntStream.range(0, VL).map(l -> 2 * l % VL).toArray(), 0);

    /** The lanes of {@link #EVENS_LOW}, in the upper half (from a second vector). */
    private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(S, -1L << (VL / 2));

    /** The outputs of two pair-layout vectors, the first's in the lower half: one vector of VL outputs. */
    private static FloatVector evenLanes(FloatVector first, FloatVector second) {
        return first.rearrange(EVENS_LOW).blend(second.rearrange(EVENS_LOW), UPPER_HALF);
    }

    @Override
    public void maxPool2x2(int planes, float[] x, int xOff, int h, int w, int oh, int ow, float[] y, int yOff) {
        Checks.pool2x2("maxPool2x2", planes, x, xOff, h, w, oh, ow, y, yOff, null, Checks.NO_ARG_MAX);
        if (pairLoads && VL >= 2) {
            max2x2Rows(planes, x, xOff, h, w, oh, ow, y, yOff);
        } else {
            Kernels.super.maxPool2x2(planes, x, xOff, h, w, oh, ow, y, yOff);
        }
    }

    /**
     * 2x2 stride-2 max pooling row by row with contiguous loads, no gathers. For a row pair starting at {@code k},
     * four loads at {@code k}, {@code k + 1}, {@code k + w} and {@code k + w + 1} put every window's corners a, b, c
     * and d in the same lane, an even one (lane 2j is output j); the chain of the scalar twin (a, then b, c and d
     * each taken when strictly greater) runs on whole vectors, and the even lanes of two such vectors are one vector
     * of VL outputs (of one, VL / 2 outputs, when no more are left in the row: LeNet-5's rows of 5). The odd lanes
     * straddle two windows and are dropped. So every output is the twin's chain over the twin's elements: the same
     * bits, NaN and signed zeros included.
     *
     * <p>A row's last vector may run past the row: its extra outputs land on the next rows' first outputs, which
     * those rows write again after (rows go in order). A vector is taken only while its reads stay inside the planes
     * and its writes inside the outputs (so threads working on neighbouring planes never meet); the rest, at most
     * the call's last rows, runs the twin's chain.
     *
     * <p>Not used for {@link #maxPool2x2ArgMax}: carrying the indices along this way took 3.0 ns per output (index
     * bits blended in float lanes, as the gathers do) or 5.1 ns (the compare masks choosing a float offset 0, 1, w or
     * w + 1, converted to int after the even-lane selection) against the gathers' 2.4 ns, on LeNet-5's first pool at
     * batch 8, one thread (JDK 17, AVX-512, load average 25-49).
     */
    private static void max2x2Rows(int planes, float[] x, int xOff, int h, int w, int oh, int ow, float[] y,
                                   int yOff) {
        int xEnd = xOff + planes * h * w; // first index past the planes
        int yEnd = yOff + planes * oh * ow;
        boolean vectors = true;
        for (int p = 0; p < planes; p++) {
            for (int r = 0; r < oh; r++) {
                int row = xOff + p * h * w + 2 * r * w;
                int out = yOff + (p * oh + r) * ow;
                int q = 0;
                // the last read is k + w + 2 VL or k + w + VL (the last shifted load on the lower row); the store
                // is VL lanes either way
                while (vectors && q < ow) {
                    int k = row + 2 * q;
                    boolean half = ow - q <= VL / 2;
                    if (k + w + (half ? VL : 2 * VL) >= xEnd || out + q + VL > yEnd) {
                        vectors = false;
                        break;
                    }
                    if (half) {
                        max2x2Chain(x, k, w).rearrange(EVENS_LOW).intoArray(y, out + q);
                        q += VL / 2;
                    } else {
                        evenLanes(max2x2Chain(x, k, w), max2x2Chain(x, k + VL, w)).intoArray(y, out + q);
                        q += VL;
                    }
                }
                for (; q < ow; q++) { // the twin's chain
                    int k = row + 2 * q;
                    float m = x[k];
                    float b = x[k + 1];
                    float c = x[k + w];
                    float d = x[k + w + 1];
                    m = b > m ? b : m;
                    m = c > m ? c : m;
                    m = d > m ? d : m;
                    y[out + q] = m;
                }
            }
        }
    }

    /** The chain over the windows whose top-left corners are k, k + 2, ..: valid in the even lanes. */
    private static FloatVector max2x2Chain(float[] x, int k, int w) {
        FloatVector m = FloatVector.fromArray(S, x, k);
        FloatVector b = FloatVector.fromArray(S, x, k + 1);
        FloatVector c = FloatVector.fromArray(S, x, k + w);
        FloatVector d = FloatVector.fromArray(S, x, k + w + 1);
        m = m.blend(b, b.compare(VectorOperators.GT, m));
        m = m.blend(c, c.compare(VectorOperators.GT, m));
        return m.blend(d, d.compare(VectorOperators.GT, m));
    }

    /** The windows' four corners gathered per lane, one output per lane, with the indices. */
    private void max2x2Gathers(int planes, float[] x, int xOff, int h, int w, int oh, int ow, float[] y,
                               int yOff, int[] argMax, int aOff) {
        int n = oh * ow;
        int total = planes * n;
        if (total < VL) {
            Kernels.super.maxPool2x2ArgMax(planes, x, xOff, h, w, oh, ow, y, yOff, argMax, aOff);
            return;
        }
        int hw = h * w;
        int[] table = new int[n + VL];
        for (int pos = 0; pos < table.length; pos++) {
            int loc = pos % n;
            table[pos] = pos / n * hw + loc / ow * 2 * w + loc % ow * 2;
        }
        int o = 0;
        int plane = 0;
        int loc = 0;
        for (; o <= total - VL; o += VL) {
            int base = xOff + plane * hw;
            IntVector k = IntVector.fromArray(I, table, loc).add(base);
            FloatVector a = FloatVector.fromArray(S, x, base, table, loc);
            FloatVector b = FloatVector.fromArray(S, x, base + 1, table, loc);
            FloatVector c = FloatVector.fromArray(S, x, base + w, table, loc);
            FloatVector d = FloatVector.fromArray(S, x, base + w + 1, table, loc);
            VectorMask<Float> bWins = b.compare(VectorOperators.GT, a);
            FloatVector best = k.reinterpretAsFloats().blend(k.add(1).reinterpretAsFloats(), bWins);
            FloatVector m = a.blend(b, bWins);
            VectorMask<Float> cWins = c.compare(VectorOperators.GT, m);
            best = best.blend(k.add(w).reinterpretAsFloats(), cWins);
            m = m.blend(c, cWins);
            VectorMask<Float> dWins = d.compare(VectorOperators.GT, m);
            best = best.blend(k.add(w + 1).reinterpretAsFloats(), dWins);
            m = m.blend(d, dWins);
            m.intoArray(y, yOff + o);
            best.reinterpretAsInts().intoArray(argMax, aOff + o);
            loc += VL;
            while (loc >= n) {
                loc -= n;
                plane++;
            }
        }
        for (; o < total; o++) { // the twin's chain for the last outputs
            int kk = xOff + plane * hw + table[loc];
            float a = x[kk];
            float b = x[kk + 1];
            float c = x[kk + w];
            float d = x[kk + w + 1];
            int best = b > a ? kk + 1 : kk;
            float m = b > a ? b : a;
            best = c > m ? kk + w : best;
            m = c > m ? c : m;
            best = d > m ? kk + w + 1 : best;
            m = d > m ? d : m;
            y[yOff + o] = m;
            argMax[aOff + o] = best;
            if (++loc == n) {
                loc = 0;
                plane++;
            }
        }
    }

    @Override
    public void silu(int n, float[] x, int xOff, float[] out, int outOff) {
        Checks.range("silu", "x", x, xOff, n);
        Checks.range("silu", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.div(exp(v.neg()).add(1f)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = Activations.silu(x[xOff + i]);
        }
    }

    @Override
    public void gelu(int n, float[] x, int xOff, float[] out, int outOff) {
        Checks.range("gelu", "x", x, xOff, n);
        Checks.range("gelu", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i < bound; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector xc = v.max(-Activations.GELU_CLAMP).min(Activations.GELU_CLAMP);
            FloatVector a = xc.abs().mul(Activations.INV_SQRT2);
            FloatVector t = one.div(a.fma(FloatVector.broadcast(S, 0.5f), one));
            FloatVector p = FloatVector.broadcast(S, Activations.ERFC[9]).fma(t,
                    FloatVector.broadcast(S, Activations.ERFC[8]));
            for (int k = 7; k >= 0; k--) {
                p = p.fma(t, FloatVector.broadcast(S, Activations.ERFC[k]));
            }
            FloatVector sq = xc.mul(xc);
            FloatVector sqLow = xc.fma(xc, sq.neg());
            FloatVector big = sq.mul(-0.5f);
            FloatVector th = big.add(p);
            FloatVector tl = sqLow.fma(FloatVector.broadcast(S, -0.5f), big.sub(th).add(p));
            FloatVector erfc = t.mul(exp(th, tl));
            v.mul(-0.5f).fma(erfc, v).blend(xc.mul(0.5f).mul(erfc), v.lt(0f))
                    .blend(v, v.eq(Float.POSITIVE_INFINITY).or(v.test(VectorOperators.IS_NAN)))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = Activations.gelu(x[xOff + i]);
        }
    }

    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] out, int outOff) {
        Checks.range("sigmoid", "x", x, xOff, n);
        Checks.range("sigmoid", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i < bound; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            one.div(exp(v.neg()).add(1f)).blend(0f, v.lt(-Activations.HI)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = Activations.sigmoid(x[xOff + i]);
        }
    }

    /** {@link Activations#exp} lane by lane: the same operations in the same order, hence the same bits. */
    private static FloatVector exp(FloatVector t) {
        return exp(t, null);
    }

    /** {@link Activations#exp(float, float)} lane by lane (tl null: {@link Activations#exp(float)}). */
    private static FloatVector exp(FloatVector t, FloatVector tl) {
        t = t.max(Activations.LO).min(Activations.HI);
        FloatVector z = t.fma(Activations.LOG2E, Activations.ROUND);
        FloatVector n = z.sub(Activations.ROUND);
        FloatVector scale = z.reinterpretAsInts().sub(Activations.ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        FloatVector r = n.fma(FloatVector.broadcast(S, -Activations.LN2_HI), t);
        r = n.fma(FloatVector.broadcast(S, -Activations.LN2_LO), r);
        if (tl != null) {
            r = r.add(tl);
        }
        FloatVector p = FloatVector.broadcast(S, Activations.P5).fma(r, FloatVector.broadcast(S, Activations.P4));
        p = p.fma(r, FloatVector.broadcast(S, Activations.P3));
        p = p.fma(r, FloatVector.broadcast(S, Activations.P2));
        p = p.fma(r, FloatVector.broadcast(S, Activations.P1));
        p = p.fma(r, FloatVector.broadcast(S, Activations.P0));
        p = p.fma(r.mul(r), r);
        p = p.add(1f);
        return p.mul(scale);
    }

    @Override
    public void reluForward(int n, float[] x, int xOff, float[] out, int outOff) {
        Checks.range("reluForward", "x", x, xOff, n);
        Checks.range("reluForward", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        for (; i < bound; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            // A comparison mask, not max(): max(NaN, 0) is NaN, while the contract (x > 0 ? x : 0) gives 0.
            VectorMask<Float> positive = v.compare(VectorOperators.GT, 0f);
            zero.blend(v, positive).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = v > 0f ? v : 0f;
        }
    }

    @Override
    public void reluBackward(int n, float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff) {
        Checks.range("reluBackward", "x", x, xOff, n);
        Checks.range("reluBackward", "gradOut", gradOut, gOff, n);
        Checks.range("reluBackward", "gradIn", gradIn, giOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        for (; i < bound; i += VL) {
            VectorMask<Float> positive = FloatVector.fromArray(S, x, xOff + i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(S, gradOut, gOff + i), positive).intoArray(gradIn, giOff + i);
        }
        for (; i < n; i++) {
            gradIn[giOff + i] = x[xOff + i] > 0f ? gradOut[gOff + i] : 0f;
        }
    }

    @Override
    public void clip(int n, float[] x, int xOff, float lo, float hi, float[] out, int outOff) {
        Checks.range("clip", "x", x, xOff, n);
        Checks.range("clip", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.max(lo).min(hi).intoArray(out, outOff + i); // Math.max / Math.min lane by lane (NaN stays NaN)
        }
        for (; i < n; i++) {
            out[outOff + i] = Math.min(Math.max(x[xOff + i], lo), hi);
        }
    }

    @Override
    public void clipBackward(int n, float[] x, int xOff, float lo, float hi, float[] gradOut, int gOff,
                             float[] gradIn, int giOff) {
        Checks.range("clipBackward", "x", x, xOff, n);
        Checks.range("clipBackward", "gradOut", gradOut, gOff, n);
        Checks.range("clipBackward", "gradIn", gradIn, giOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        for (; i < bound; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            VectorMask<Float> inside = v.compare(VectorOperators.GE, lo).and(v.compare(VectorOperators.LE, hi));
            zero.blend(FloatVector.fromArray(S, gradOut, gOff + i), inside).intoArray(gradIn, giOff + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            gradIn[giOff + i] = v >= lo && v <= hi ? gradOut[gOff + i] : 0f;
        }
    }

    /** Doubles of a preferred vector, and the floats of the same lane count (half the width) they convert from. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F_OF_D = VectorSpecies.of(float.class,
            VectorShape.forBitSize(D.length() * Float.SIZE));

    /**
     * Lanes of {@link #D}: each lane adds its element's parts in double in order from 0.0, converts once to float
     * and adds to dst in float, the scalar twin's operations: the same bits. About a tenth of the scalar loop's
     * time (ResNet-50's weight gradients: 25 M elements of 4 chunks per training step).
     */
    @Override
    public void addPartials(int n, int parts, float[] src, int sOff, int stride, float[] dst, int dOff) {
        Checks.partials(n, parts, src, sOff, stride, dst, dOff);
        int dl = D.length();
        int bound = F_OF_D.loopBound(n);
        int i = 0;
        for (; i < bound; i += dl) {
            DoubleVector acc = DoubleVector.zero(D);
            for (int p = 0; p < parts; p++) {
                acc = acc.add(FloatVector.fromArray(F_OF_D, src, sOff + p * stride + i)
                        .convertShape(VectorOperators.F2D, D, 0));
            }
            FloatVector sum = (FloatVector) acc.convertShape(VectorOperators.D2F, F_OF_D, 0);
            FloatVector.fromArray(F_OF_D, dst, dOff + i).add(sum).intoArray(dst, dOff + i);
        }
        for (; i < n; i++) {
            double s = 0;
            for (int p = 0; p < parts; p++) {
                s += src[sOff + p * stride + i];
            }
            dst[dOff + i] += (float) s;
        }
    }

    // The wide reductions: blocks of WIDE_BLOCK (a multiple of every vector length) summed lane-wise in float,
    // block sums added in double. Only the last block can have a scalar tail.

    @Override
    public double sumWide(int n, float[] x, int xOff) {
        Checks.range("sumWide", "x", x, xOff, n);
        double total = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            int bound = start + S.loopBound(end - start);
            FloatVector acc = FloatVector.zero(S);
            int i = start;
            for (; i < bound; i += VL) {
                acc = acc.add(FloatVector.fromArray(S, x, xOff + i));
            }
            float block = acc.reduceLanes(VectorOperators.ADD);
            for (; i < end; i++) {
                block += x[xOff + i];
            }
            total += block;
        }
        return total;
    }

    @Override
    public double dotWide(int n, float[] x, int xOff, float[] y, int yOff) {
        Checks.range("dotWide", "x", x, xOff, n);
        Checks.range("dotWide", "y", y, yOff, n);
        double total = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            int bound = start + S.loopBound(end - start);
            FloatVector acc = FloatVector.zero(S);
            int i = start;
            for (; i < bound; i += VL) {
                // mul then add (not fma): each product rounded to float, as the contract says.
                acc = acc.add(FloatVector.fromArray(S, x, xOff + i).mul(FloatVector.fromArray(S, y, yOff + i)));
            }
            float block = acc.reduceLanes(VectorOperators.ADD);
            for (; i < end; i++) {
                float p = x[xOff + i] * y[yOff + i];
                block += p;
            }
            total += block;
        }
        return total;
    }

    /**
     * Both reductions in one loop: the sum's and the dot's chains are those of {@link #sumWide} and {@link #dotWide}
     * (same lanes, same order, same block reductions), so the same bits; two independent chains hide each
     * other's add latency and {@code x} is read once.
     */
    @Override
    public void sumAndDotWide(int n, float[] x, int xOff, float[] y, int yOff, double[] out) {
        Checks.range("sumAndDotWide", "x", x, xOff, n);
        Checks.range("sumAndDotWide", "y", y, yOff, n);
        double sumTotal = 0;
        double dotTotal = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            int bound = start + S.loopBound(end - start);
            FloatVector sumAcc = FloatVector.zero(S);
            FloatVector dotAcc = FloatVector.zero(S);
            int i = start;
            for (; i < bound; i += VL) {
                FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
                sumAcc = sumAcc.add(xv);
                dotAcc = dotAcc.add(xv.mul(FloatVector.fromArray(S, y, yOff + i)));
            }
            float sumBlock = sumAcc.reduceLanes(VectorOperators.ADD);
            float dotBlock = dotAcc.reduceLanes(VectorOperators.ADD);
            for (; i < end; i++) {
                sumBlock += x[xOff + i];
                float p = x[xOff + i] * y[yOff + i];
                dotBlock += p;
            }
            sumTotal += sumBlock;
            dotTotal += dotBlock;
        }
        out[0] = sumTotal;
        out[1] = dotTotal;
    }

    /**
     * {@link #sumAndDotWide}'s loop with the mask applied as each vector of {@code x} is loaded (a blend with zero,
     * as {@link #reluBackward} writes it): the same lanes and order over the same values, so the same bits.
     */
    @Override
    public void sumAndDotWideMasked(int n, float[] x, int xOff, float[] mask, int mOff, float[] y, int yOff,
                                    double[] out) {
        Checks.range("sumAndDotWideMasked", "x", x, xOff, n);
        Checks.range("sumAndDotWideMasked", "mask", mask, mOff, n);
        Checks.range("sumAndDotWideMasked", "y", y, yOff, n);
        FloatVector zero = FloatVector.zero(S);
        double sumTotal = 0;
        double dotTotal = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            int bound = start + S.loopBound(end - start);
            FloatVector sumAcc = FloatVector.zero(S);
            FloatVector dotAcc = FloatVector.zero(S);
            int i = start;
            for (; i < bound; i += VL) {
                VectorMask<Float> pass = FloatVector.fromArray(S, mask, mOff + i).compare(VectorOperators.GT, 0f);
                FloatVector xv = zero.blend(FloatVector.fromArray(S, x, xOff + i), pass);
                sumAcc = sumAcc.add(xv);
                dotAcc = dotAcc.add(xv.mul(FloatVector.fromArray(S, y, yOff + i)));
            }
            float sumBlock = sumAcc.reduceLanes(VectorOperators.ADD);
            float dotBlock = dotAcc.reduceLanes(VectorOperators.ADD);
            for (; i < end; i++) {
                float v = mask[mOff + i] > 0f ? x[xOff + i] : 0f;
                sumBlock += v;
                float p = v * y[yOff + i];
                dotBlock += p;
            }
            sumTotal += sumBlock;
            dotTotal += dotBlock;
        }
        out[0] = sumTotal;
        out[1] = dotTotal;
    }

    @Override
    public double sumSquaredDeviations(int n, float[] x, int xOff, float mean) {
        Checks.range("sumSquaredDeviations", "x", x, xOff, n);
        double total = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            int bound = start + S.loopBound(end - start);
            FloatVector acc = FloatVector.zero(S);
            int i = start;
            for (; i < bound; i += VL) {
                FloatVector d = FloatVector.fromArray(S, x, xOff + i).sub(mean);
                acc = acc.add(d.mul(d));
            }
            float block = acc.reduceLanes(VectorOperators.ADD);
            for (; i < end; i++) {
                float d = x[xOff + i] - mean;
                float sq = d * d;
                block += sq;
            }
            total += block;
        }
        return total;
    }

    @Override
    public void normalizeAffine(int n, float[] x, int xOff, float mean, float invStd, float gamma, float beta,
                                float[] xhat, int hOff, float[] out, int outOff) {
        Checks.range("normalizeAffine", "x", x, xOff, n);
        Checks.range("normalizeAffine", "xhat", xhat, hOff, n);
        Checks.range("normalizeAffine", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector h = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(invStd);
            h.intoArray(xhat, hOff + i);
            h.mul(gamma).add(beta).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float h = (x[xOff + i] - mean) * invStd;
            xhat[hOff + i] = h;
            float scaled = gamma * h;
            out[outOff + i] = scaled + beta;
        }
    }

    @Override
    public void layerNormRow(int n, float[] x, int xOff, float mean, float invStd, float[] gamma, float[] beta,
                             float[] xhat, int hOff, float[] out, int outOff) {
        Checks.range("layerNormRow", "x", x, xOff, n);
        Checks.range("layerNormRow", "gamma", gamma, 0, n);
        Checks.range("layerNormRow", "beta", beta, 0, n);
        Checks.range("layerNormRow", "xhat", xhat, hOff, n);
        Checks.range("layerNormRow", "out", out, outOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector h = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(invStd);
            h.intoArray(xhat, hOff + i);
            h.mul(FloatVector.fromArray(S, gamma, i)).add(FloatVector.fromArray(S, beta, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float h = (x[xOff + i] - mean) * invStd;
            xhat[hOff + i] = h;
            float scaled = h * gamma[i];
            out[outOff + i] = scaled + beta[i];
        }
    }

    @Override
    public void layerNormBackwardRow(int n, float[] dy, int dyOff, float[] gamma, float[] xhat, int hOff,
                                     float invStd, float[] dGamma, float[] dBeta, float[] dx, int dxOff) {
        Checks.range("layerNormBackwardRow", "dy", dy, dyOff, n);
        Checks.range("layerNormBackwardRow", "gamma", gamma, 0, n);
        Checks.range("layerNormBackwardRow", "xhat", xhat, hOff, n);
        Checks.range("layerNormBackwardRow", "dGamma", dGamma, 0, n);
        Checks.range("layerNormBackwardRow", "dBeta", dBeta, 0, n);
        Checks.range("layerNormBackwardRow", "dx", dx, dxOff, n);
        double s1 = 0;
        double s2 = 0;
        for (int start = 0; start < n; start += WIDE_BLOCK) {
            int end = Math.min(n, start + WIDE_BLOCK);
            int bound = start + S.loopBound(end - start);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            int i = start;
            for (; i < bound; i += VL) {
                FloatVector gy = FloatVector.fromArray(S, dy, dyOff + i).mul(FloatVector.fromArray(S, gamma, i));
                a1 = a1.add(gy);
                a2 = a2.add(gy.mul(FloatVector.fromArray(S, xhat, hOff + i)));
            }
            float b1 = a1.reduceLanes(VectorOperators.ADD);
            float b2 = a2.reduceLanes(VectorOperators.ADD);
            for (; i < end; i++) {
                float gy = dy[dyOff + i] * gamma[i];
                b1 += gy;
                float p = gy * xhat[hOff + i];
                b2 += p;
            }
            s1 += b1;
            s2 += b2;
        }
        float m1 = (float) (s1 / n);
        float m2 = (float) (s2 / n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector g = FloatVector.fromArray(S, dy, dyOff + i);
            FloatVector h = FloatVector.fromArray(S, xhat, hOff + i);
            FloatVector.fromArray(S, dGamma, i).add(g.mul(h)).intoArray(dGamma, i);
            FloatVector.fromArray(S, dBeta, i).add(g).intoArray(dBeta, i);
            FloatVector centred = g.mul(FloatVector.fromArray(S, gamma, i)).sub(m1);
            centred.sub(h.mul(m2)).mul(invStd).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float g = dy[dyOff + i];
            float h = xhat[hOff + i];
            float gh = g * h;
            dGamma[i] += gh;
            dBeta[i] += g;
            float gy = g * gamma[i];
            float centred = gy - m1;
            float projection = h * m2;
            dx[dxOff + i] = invStd * (centred - projection);
        }
    }

    @Override
    public void batchNormBackward(int n, float[] dy, int dyOff, float[] xhat, int hOff, float scale, float meanDy,
                                  float meanDyXhat, float[] dx, int dxOff) {
        Checks.range("batchNormBackward", "dy", dy, dyOff, n);
        Checks.range("batchNormBackward", "xhat", xhat, hOff, n);
        Checks.range("batchNormBackward", "dx", dx, dxOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector centred = FloatVector.fromArray(S, dy, dyOff + i).sub(meanDy);
            FloatVector projection = FloatVector.fromArray(S, xhat, hOff + i).mul(meanDyXhat);
            centred.sub(projection).mul(scale).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float centred = dy[dyOff + i] - meanDy;
            float projection = xhat[hOff + i] * meanDyXhat;
            dx[dxOff + i] = scale * (centred - projection);
        }
    }

    @Override
    public void batchNormBackwardMasked(int n, float[] dy, int dyOff, float[] mask, int mOff, float[] xhat, int hOff,
                                        float scale, float meanDy, float meanDyXhat, float[] dx, int dxOff) {
        Checks.range("batchNormBackwardMasked", "dy", dy, dyOff, n);
        Checks.range("batchNormBackwardMasked", "mask", mask, mOff, n);
        Checks.range("batchNormBackwardMasked", "xhat", xhat, hOff, n);
        Checks.range("batchNormBackwardMasked", "dx", dx, dxOff, n);
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            VectorMask<Float> pass = FloatVector.fromArray(S, mask, mOff + i).compare(VectorOperators.GT, 0f);
            FloatVector centred = zero.blend(FloatVector.fromArray(S, dy, dyOff + i), pass).sub(meanDy);
            FloatVector projection = FloatVector.fromArray(S, xhat, hOff + i).mul(meanDyXhat);
            centred.sub(projection).mul(scale).intoArray(dx, dxOff + i);
        }
        if (i < n) { // the twin's loop for the last values
            Kernels.super.batchNormBackwardMasked(n - i, dy, dyOff + i, mask, mOff + i, xhat, hOff + i, scale, meanDy,
                    meanDyXhat, dx, dxOff + i);
        }
    }

    @Override
    public void sgdUpdate(int n, float[] w, int wOff, float[] grad, int gOff, float[] buf, int bOff, float lr,
                          float weightDecay, float momentum, float oneMinusDampening, boolean nesterov,
                          boolean first) {
        Checks.range("sgdUpdate", "w", w, wOff, n);
        Checks.range("sgdUpdate", "grad", grad, gOff, n);
        if (buf != null) {
            Checks.range("sgdUpdate", "buf", buf, bOff, n);
        }
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector wv = FloatVector.fromArray(S, w, wOff + i);
            FloatVector g = FloatVector.fromArray(S, grad, gOff + i).add(wv.mul(weightDecay));
            if (buf != null) {
                FloatVector b = first ? g
                        : FloatVector.fromArray(S, buf, bOff + i).mul(momentum).add(g.mul(oneMinusDampening));
                b.intoArray(buf, bOff + i);
                g = nesterov ? g.add(b.mul(momentum)) : b;
            }
            wv.sub(g.mul(lr)).intoArray(w, wOff + i);
        }
        for (; i < n; i++) {
            float decay = weightDecay * w[wOff + i];
            float g = grad[gOff + i] + decay;
            if (buf != null) {
                float b;
                if (first) {
                    b = g;
                } else {
                    float old = momentum * buf[bOff + i];
                    float fresh = oneMinusDampening * g;
                    b = old + fresh;
                }
                buf[bOff + i] = b;
                if (nesterov) {
                    float ahead = momentum * b;
                    g = g + ahead;
                } else {
                    g = b;
                }
            }
            float step = lr * g;
            w[wOff + i] = w[wOff + i] - step;
        }
    }

    @Override
    public void adamUpdate(int n, float[] w, int wOff, float[] grad, int gOff, float[] m, int mOff, float[] v,
                           int vOff, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float l2,
                           float shrink, float stepSize, float sqrtCorrection2, float eps) {
        Checks.range("adamUpdate", "w", w, wOff, n);
        Checks.range("adamUpdate", "grad", grad, gOff, n);
        Checks.range("adamUpdate", "m", m, mOff, n);
        Checks.range("adamUpdate", "v", v, vOff, n);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += VL) {
            FloatVector wv = FloatVector.fromArray(S, w, wOff + i);
            FloatVector g = FloatVector.fromArray(S, grad, gOff + i).add(wv.mul(l2));
            FloatVector mNew = FloatVector.fromArray(S, m, mOff + i).mul(beta1).add(g.mul(oneMinusBeta1));
            FloatVector vNew = FloatVector.fromArray(S, v, vOff + i).mul(beta2).add(g.mul(g).mul(oneMinusBeta2));
            mNew.intoArray(m, mOff + i);
            vNew.intoArray(v, vOff + i);
            FloatVector denom = vNew.lanewise(VectorOperators.SQRT).div(sqrtCorrection2).add(eps);
            FloatVector step = mNew.mul(stepSize).div(denom);
            wv.mul(shrink).sub(step).intoArray(w, wOff + i);
        }
        for (; i < n; i++) {
            float decay = l2 * w[wOff + i];
            float g = grad[gOff + i] + decay;
            float mOld = beta1 * m[mOff + i];
            float mNew = mOld + oneMinusBeta1 * g;
            float g2 = g * g;
            float vOld = beta2 * v[vOff + i];
            float vNew = vOld + oneMinusBeta2 * g2;
            m[mOff + i] = mNew;
            v[vOff + i] = vNew;
            float denom = (float) Math.sqrt(vNew) / sqrtCorrection2 + eps;
            float step = stepSize * mNew / denom;
            float shrunk = w[wOff + i] * shrink;
            w[wOff + i] = shrunk - step;
        }
    }
}
