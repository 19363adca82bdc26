package org.convnet4j.nn.layers;

import org.convnet4j.tensor.kernels.Kernels;

/**
 * Element-wise work on a long run of values, cut into fixed chunks that the kernels' threads share. ReLU and the
 * residual Add ran on the calling thread alone: in a ResNet-50 training step at batch 8 they touch about 120 M
 * values each way, a few percent of the step with the second core idle. Each value is computed by the same kernel
 * call whatever chunk it falls in, so the results are the same bits on any thread count.
 *
 * <p><b>Off by default</b> ({@code -Dconvnet4j.elementwise.parallel=true} turns it on; FlagAB flips {@link #parallel}):
 * on the loaded machine it was measured on (load 37-45), paired wall-clock A/B in one JVM put the W6 step at 0.90 and
 * W3 at 0.85 with it on (CPU per image 0.7% and 7% more), each extra hand-off waiting for a worker the OS had
 * descheduled; only a quiet A/B can say whether it pays (docs/PERFORMANCE.md, twelfth pass).
 */
final class ElementRuns {
    /** Values per chunk (128 KB of floats): small runs stay on the calling thread. */
    static final int CHUNK = 1 << 15;

    static volatile boolean parallel = Boolean.getBoolean("convnet4j.elementwise.parallel");

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
