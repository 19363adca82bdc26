package org.convnet4j.tensor.kernels;

/**
 * One long run of values cut into fixed chunks that the kernels' threads share, for the engine's bulk passes over
 * arrays (clearing gradients, adding the gradients where a graph's paths join, the optimiser's update): one parallel
 * call for the whole run. A chunk is {@link #VALUES} values, a multiple of every vector length, so a kernel called
 * per chunk splits the values into vector loop and tail as one call over the whole run does: the same bits on any
 * thread count, as long as the body's result for a value depends only on that value's place in the vector loop.
 */
public final class ParallelChunks {
    /** Values per chunk (128 KB of floats). */
    public static final int VALUES = 1 << 15;

    /** The work on values {@code [from, to)} of the run. */
    @FunctionalInterface
    public interface Range {
        void run(long from, long to);
    }

    private ParallelChunks() {
    }

    /**
     * Runs {@code body} over values {@code [0, n)}: chunk by chunk on {@code k}'s threads when {@code shared}, the
     * kernels have more than one thread and the run holds at least two whole chunks (a shorter one costs a hand-off
     * for little work: LeNet-5's 61.7 K gradient values, its 48 K-value layer); else once over all of it on the
     * calling thread.
     */
    public static void run(Kernels k, long n, boolean shared, Range body) {
        long tasks = (n + VALUES - 1) / VALUES;
        if (shared && n >= 2L * VALUES && k.threads() > 1) {
            if (tasks > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ParallelChunks: " + n + " values are too many chunks");
            }
            k.parallelFor((int) tasks, t -> {
                long from = (long) t * VALUES;
                body.run(from, Math.min(n, from + VALUES));
            });
        } else if (n > 0) {
            body.run(0, n);
        }
    }
}
