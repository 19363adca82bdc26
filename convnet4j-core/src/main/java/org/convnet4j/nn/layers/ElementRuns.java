package org.convnet4j.nn.layers;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * Element-wise work on a long run of values, cut into fixed chunks that the kernels' threads share. ReLU and the
 * residual Add ran on the calling thread alone: in a ResNet-50 training step at batch 8 they touch about 120 M
 * values each way, a few percent of the step with the second core idle. Each value is computed by the same kernel
 * call whatever chunk it falls in, so the results are the same bits on any thread count.
 *
 * <p><b>On by default</b> since the quiet A/B of 2026-12-06 14:10 ({@code -Dconvnet4j.elementwise.parallel=false} turns
 * it off; FlagAB flips {@link #parallel}). On the loaded machine of the twelfth pass (load 37-45) it had lost (W6 step
 * 0.90, W3 0.85: each extra hand-off waited for a descheduled worker), so it stayed off until a quiet run: with nothing
 * else running, FlagAB A = off / B = on gave the W6 step (resnet50 train8) paired 0.973 with every round 0.95-1.00,
 * ResNet-50 inference at batch 1 0.998, LeNet-5 training 0.973 (rounds 0.43-1.26): it pays where the runs are long
 * and costs nothing measurable elsewhere (docs/PERFORMANCE.md, "The lead's runs of session 14").
 */
final class ElementRuns {
    /** Values per chunk (128 KB of floats): small runs stay on the calling thread. */
    static final int CHUNK = 1 << 15;

    static volatile boolean parallel = !"false".equals(System.getProperty("convnet4j.elementwise.parallel"));

    private ElementRuns() {
    }

    /** The work on values [from, to). */
    interface Range {
        void run(int from, int to);
    }

    /** Runs {@code body} over [0, n) in chunks of {@link #CHUNK}, on the kernels' threads when there are several. */
    static void run(Kernels k, int n, Range body) {
        int tasks = (n + CHUNK - 1) / CHUNK;
        if (tasks > 1 && parallel && k.threads() > 1) {
            k.parallelFor(tasks, t -> body.run(t * CHUNK, Math.min(n, (t + 1) * CHUNK)));
        } else {
            body.run(0, n);
        }
    }

    /**
     * Whether {@link #runInBands} cuts a one-sample image [1, C, H, W] into bands of each plane rather than chunks of
     * whole channels. <b>Off by default</b> ({@code -Dconvnet4j.elementwise.planeBands=true} turns it on; a field for A/B
     * runs). The one-sample convolutions on planes of 28 x 28 and more leave each thread the same band of rows of every
     * plane ({@code FastConvolution.pixelBands}), and chunks of channels have each thread read half of a residual sum's
     * inputs (ResNet-50's four sums after a projection shortcut, not fused into a convolution) where the other thread
     * wrote them. Yet on the pinned W4 b1 probe (AMD, load 11-13) bands cost 1.8% more task CPU near and 1.2% far
     * (docs/PERFORMANCE.md, session 22, the batch-1 threads engineer): no gain shown, so off until a quiet run.
     */
    static volatile boolean planeBands = Boolean.getBoolean("convnet4j.elementwise.planeBands");

    /** Fewest values of a band of one plane ({@code FastConvolution.MIN_COLS}: the convolutions' band bound). */
    static final int BAND_MIN = 192;

    /**
     * {@link #run} over a tensor of {@code shape}; a one-sample image whose planes give each of two bands per thread at
     * least {@link #BAND_MIN} values is cut by planes instead: task t runs band t of every plane, the tasks in blocks
     * ({@link Kernels#parallelForInBlocks}): the calling thread the top half of each plane, as the convolutions cut it.
     */
    static void runInBands(Kernels k, Shape shape, Range body) {
        int n = shape.size();
        int tasks = 2 * k.threads();
        int plane = shape.rank() == 4 ? shape.dim(2) * shape.dim(3) : 0;
        if (!planeBands || !parallel || k.threads() < 2 || plane / tasks < BAND_MIN || shape.dim(0) != 1
                || n < 2 * CHUNK) {
            run(k, n, body);
            return;
        }
        int channels = shape.dim(1);
        k.parallelForInBlocks(tasks, t -> {
            int p0 = (int) ((long) plane * t / tasks);
            int p1 = (int) ((long) plane * (t + 1) / tasks);
            for (int c = 0; c < channels; c++) {
                body.run(c * plane + p0, c * plane + p1);
            }
        });
    }
}
