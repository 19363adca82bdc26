package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.Kernels;

/**
 * A 1x1 layer's weight gradient {@code dW = sum over samples of dY x^T} by row dot products ({@link Kernels#rowDots}):
 * dy's filter rows and x's channel rows are both rows of pixels, the sum's direction, so each weight is the dot
 * product of two rows read where they lie. The GEMM instead copied dy into its A panels and x, transposed one float at
 * a time, into its B panels; on ResNet-50's 56x56 and 28x28 planes (64-512 channels) those copies held its weight
 * gradients to 50-67 GFLOPS per CPU second (docs/PERFORMANCE.md, session 23).
 *
 * <p>A batch chunk's samples are the dot products' segments (one call carries each weight's lane chains through them all); its rows are cut
 * into bands whose streamed operand (the one with fewer rows: it passes once per 4 rows of the other) fits
 * {@link #bandFloats}, the bands' sums added in band order. Bits: per weight the contract's chains and tree of
 * {@link Kernels#rowDots}, bands in order, chunks summed as {@code FastConvolution.weightGradient} sums them: all fixed
 * by the shapes, so the same on any thread count (a threaded call shares out blocks of 4 rows, never a sum). Not the
 * GEMM's bits: the reference's bound holds both.
 */
final class PointwiseWeightGradient {
    /** {@code -Dconvnet4j.conv.pointwiseRowDots=false}: the GEMM (a field for A/B runs, {@code FlagAB}). */
    static volatile boolean enabled = !"false".equals(System.getProperty("convnet4j.conv.pointwiseRowDots"));

    /**
     * Smallest output plane taken ({@code -Dconvnet4j.conv.rowDotsMinPlane}): 56x56. One thread's CPU per call against
     * the GEMM (bench/ConvPassesCpu.java, AMD, loaded; docs/PERFORMANCE.md, session 24): ResNet-50's 56x56 layers
     * 1.10-1.43x less, its 28x28 layers 1.19-1.27x more (their 64-128 K weights each end in a scalar sum of 16 lanes
     * after only 2 x 784 products per lane chain, and the GEMM runs them at 70-80 GFLOPS already), 14x14 and 7x7 not
     * taken (a sample's 196 or 49 pixels leave a partly empty last vector in every row).
     */
    static final int MIN_PLANE = Integer.getInteger("convnet4j.conv.rowDotsMinPlane", 3136);

    /**
     * Floats of the streamed operand per band of rows ({@code -Dconvnet4j.conv.rowDotFloats}, a field for tests): 1 M,
     * so that ResNet-50's layers take each chunk's whole planes at once; bands of 128 K floats (about L2) made the lane
     * chains so short that their stores, loads and sums cost more than L2 saved (the 28x28 layers 2-4x slower).
     */
    static volatile int bandFloats = Integer.getInteger("convnet4j.conv.rowDotFloats", 1 << 20);

    private PointwiseWeightGradient() {
    }

    static boolean applies(Kernels k, ConvDims d) {
        return enabled && FastConvolution.isPointwise(d) && d.groups() == 1 && d.outPlane() >= MIN_PLANE
                && k.floatsPerVector() == Kernels.ROW_DOT_LANES;
    }

    /**
     * Writes the weight gradient of samples [b0, b1) ([f][c]) to {@code partial} at {@code off}; with {@code threaded}
     * the rows of each band shared out over the kernels' threads.
     */
    static void chunk(Kernels k, boolean threaded, ConvDims d, float[] xd, float[] dyd, float[] partial, int off,
                      int b0, int b1) {
        int f = d.f();
        int c = d.c();
        int plane = d.outPlane();
        int ow = d.ow();
        int oh = d.oh();
        int segs = b1 - b0;
        // the operand with more rows stays, 4 rows at a time, while the other streams past them
        boolean dyStays = c <= f;
        int stays = dyStays ? f : c;
        int maxRows = (int) Math.max(1, Math.min(oh, (long) bandFloats / ((long) Math.min(f, c) * segs * ow)));
        int rows = FastConvolution.ceilDiv(oh, FastConvolution.ceilDiv(oh, maxRows));
        int blocks = FastConvolution.ceilDiv(stays, 4);
        int tasks = threaded ? Math.min(k.threads(), blocks) : 1;
        for (int r0 = 0; r0 < oh; r0 += rows) {
            int p0 = r0 * ow;
            int len = (Math.min(oh, r0 + rows) - r0) * ow;
            boolean add = r0 > 0;
            java.util.function.IntConsumer band = t -> {
                int i0 = Math.min(stays, blocks * t / tasks * 4);
                int i1 = Math.min(stays, blocks * (t + 1) / tasks * 4);
                if (dyStays) {
                    k.rowDots(i1 - i0, c, len, segs, dyd, (b0 * f + i0) * plane + p0, plane, f * plane,
                            xd, b0 * c * plane + p0, plane, c * plane, add, partial, off + i0 * c, c, 1);
                } else {
                    k.rowDots(i1 - i0, f, len, segs, xd, (b0 * c + i0) * plane + p0, plane, c * plane,
                            dyd, b0 * f * plane + p0, plane, f * plane, add, partial, off + i0, 1, c);
                }
            };
            if (tasks > 1) {
                k.parallelFor(tasks, band);
            } else {
                band.accept(0);
            }
        }
    }
}
