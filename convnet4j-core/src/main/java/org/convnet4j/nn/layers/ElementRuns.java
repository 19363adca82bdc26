package org.convnet4j.nn.layers;

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
}
