package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.Kernels;

/**
 * The depthwise forward pass on small planes (7 x 7 outputs; strided ones up to 56 x 56), channel-blocked: a block of as many channels as a
 * vector has lanes (16 with AVX-512) is laid out interleaved, channel fastest, in {@link DepthwiseConvolution}'s
 * zero-padded polyphase layout, and {@link Kernels#blockedProducts} computes every output pixel of the block as one
 * vector (one channel per lane), only the pixels that exist. One plane at a time, a 7 x 7 plane with a 5 x 5 filter
 * is a run of 73 slots rounded up to 80 lanes for 49 outputs, and its fill and copy-out are fixed costs per plane.
 *
 * <p>Bits: each output is the fused multiply-add chain of its taps in tap order from 0, plus the bias in one rounded
 * addition, as in the plane-at-a-time path: the same bits. Channels beyond the last whole block (a channel count that
 * is not a multiple of the lanes) stay with the plane-at-a-time path.
 */
final class DepthwiseBlocked {
    /** {@code -Dconvnet4j.conv.depthwiseBlocked=false} leaves every plane to the plane-at-a-time path (A/B runs). */
    static volatile boolean enabled = !"false".equals(System.getProperty("convnet4j.conv.depthwiseBlocked"));
    /**
     * Largest output plane (pixels) taken at stride 1: 7 x 7. At 14 x 14 the two paths were even alone (0.89-1.03 paired)
     * and the blocked one slower inside the nets (LayerProfile, EfficientNet-B0's 14 x 14 rows 1.14x, two runs); at
     * 28 x 28 and more the plane path was clearly cheaper (the blocked one 1.36-1.52x).
     */
    static volatile int maxPlane = Integer.getInteger("convnet4j.conv.depthwiseBlockedMaxPlane", 49);
    /**
     * Largest output plane taken when strided: 56 x 56 (the plane path's polyphase split of every input row costs more
     * than the interleaving gathers there: 0.77-0.83x its time at 28 x 28 and 56 x 56 outputs).
     */
    static volatile int maxStridedPlane = Integer.getInteger("convnet4j.conv.depthwiseBlockedMaxStridedPlane", 3136);

    private DepthwiseBlocked() {
    }

    /** Channels (from 0) this path takes for {@code d}: whole blocks of the kernels' lanes, or 0. */
    static int channels(Kernels k, ConvDims d) {
        int lanes = k.floatsPerVector();
        boolean strided = d.sh() > 1 || d.sw() > 1;
        if (!enabled || lanes < 2 || d.fg() != 1 || d.outPlane() > (strided ? maxStridedPlane : maxPlane)) {
            return 0;
        }
        return d.groups() / lanes * lanes;
    }

    /** y = epilogue(conv(x, w) + bias) for the first {@code channels} channels (whole blocks). */
    static void forward(Kernels k, DepthwiseConvolution.Geometry geo, int[] offsets, int channels, float[] xd,
                        float[] wd, float[] bd, float[] yd, ConvEpilogue epilogue) {
        ConvDims d = geo.d();
        int lanes = k.floatsPerVector();
        int taps = offsets.length;
        int blocks = channels / lanes;
        float[] wb = new float[channels * taps]; // [block][tap][lane]
        for (int ch = 0; ch < channels; ch++) {
            int blockBase = ch / lanes * taps * lanes + ch % lanes;
            for (int t = 0; t < taps; t++) {
                wb[blockBase + t * lanes] = wd[ch * taps + t];
            }
        }
        Layout layout = Layout.of(geo);
        k.parallelFor(d.n() * blocks, task -> block(k, geo, layout, offsets, wb, xd, bd, yd, task / blocks,
                task % blocks, epilogue));
    }

    private static void block(Kernels k, DepthwiseConvolution.Geometry geo, Layout layout, int[] offsets, float[] wb,
                              float[] xd, float[] bd, float[] yd, int b, int block, ConvEpilogue epilogue) {
        ConvDims d = geo.d();
        int lanes = k.floatsPerVector();
        int taps = offsets.length;
        Scratch s = SCRATCH.get();
        float[] buf = s.buffer(geo, geo.offsetSpan() * lanes);
        int count = layout.positions.length;
        float[] out = s.out(count * lanes);
        int inPlane = d.inPlane();
        k.interleave(lanes, inPlane, xd, (b * d.c() + block * lanes) * inPlane, inPlane, layout.slots, buf);
        k.blockedProducts(lanes, taps, wb, block * taps * lanes, offsets, layout.positions, count, buf, 0, out, 0);
        int outPlane = d.outPlane();
        // -0f without a bias: exact, as the plane path's copy-out
        k.deinterleavePlusBias(lanes, count, out, bd, block * lanes, yd, (b * d.f() + block * lanes) * outPlane,
                outPlane);
        if (epilogue != null) {
            for (int c = 0; c < lanes; c++) {
                int fo = block * lanes + c;
                epilogue.apply(k, yd, (b * d.f() + fo) * outPlane, outPlane, fo);
            }
        }
    }

    /**
     * Where things lie in the polyphase layout of a geometry: {@code slots[ih * w + iw]}, the slot of input pixel
     * (ih, iw) (-1 for one no window reads), and {@code positions[r * ow + q]}, the slot output pixel (r, q) starts at.
     */
    record Layout(int[] slots, int[] positions) {
        static Layout of(DepthwiseConvolution.Geometry geo) {
            ConvDims d = geo.d();
            int component = geo.hq() * geo.wq();
            int[] slots = new int[d.inPlane()];
            for (int ih = 0; ih < d.h(); ih++) {
                int prow = ih + d.padTop();
                for (int iw = 0; iw < d.w(); iw++) {
                    int pcol = iw + d.padLeft();
                    int rq = prow / d.sh();
                    int cq = pcol / d.sw();
                    slots[ih * d.w() + iw] = rq >= geo.hq() || cq >= geo.wq() ? -1
                            : ((prow % d.sh()) * d.sw() + pcol % d.sw()) * component + rq * geo.wq() + cq;
                }
            }
            int[] positions = new int[d.outPlane()];
            for (int r = 0; r < d.oh(); r++) {
                for (int q = 0; q < d.ow(); q++) {
                    positions[r * d.ow() + q] = r * geo.wq() + q;
                }
            }
            return new Layout(slots, positions);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A thread's interleaved input buffer (zeros where no pixel goes, kept for the next block of an equal geometry). */
    private static final class Scratch {
        private float[] buffer = new float[0];
        private Object layout;
        private float[] out = new float[0];

        float[] buffer(Object geometry, int floats) {
            if (!geometry.equals(layout) || buffer.length < floats) {
                buffer = new float[floats]; // zeros; each block writes only its pixels' slots, the same for all
                layout = geometry;
            }
            return buffer;
        }

        float[] out(int floats) {
            if (out.length < floats) {
                out = new float[floats];
            }
            return out;
        }
    }
}
