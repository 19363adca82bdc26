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

    /** The work on values {@code [from, to)} of part {@code part} (offsets inside that part). */
    @FunctionalInterface
    public interface Part {
        void run(int part, int from, int to);
    }

    private ParallelChunks() {
    }

    /**
     * Runs {@code body} over several arrays' values as one run ({@link #run}: one parallel call for all of them, not
     * one per array): part {@code i} of {@code lengths[i]} values is laid out after the ones before it, its start
     * rounded up to a multiple of {@code align} (a power of two up to {@link #VALUES}; the gaps are not visited), and
     * each chunk calls {@code body} once for each part it holds values of, in part order. With {@code align} a
     * multiple of every vector length, a chunk's piece of a part starts at a multiple of it counted from the part's
     * start, so a kernel called per piece splits the part into vector loop and tail as one call over the whole part
     * does, whatever the chunks (the optimizers' updates: the bits of one call per parameter).
     */
    public static void runOverParts(Kernels k, int[] lengths, int align, boolean shared, Part body) {
        if (align < 1 || Integer.bitCount(align) != 1 || align > VALUES) {
            throw new IllegalArgumentException("ParallelChunks: align " + align + " is not a power of two <= " + VALUES);
        }
        // start[i]: where part i begins in the run; start[parts]: the run's end
        long[] start = new long[lengths.length + 1];
        long end = 0;
        for (int i = 0; i < lengths.length; i++) {
            start[i] = (end + align - 1) & -(long) align;
            end = start[i] + lengths[i];
        }
        start[lengths.length] = end;
        run(k, end, shared, (from, to) -> {
            int i = java.util.Arrays.binarySearch(start, 0, lengths.length, from);
            i = i >= 0 ? i : -i - 2; // the last part starting at or before 'from' (or -1: none)
            for (i = Math.max(i, 0); i < lengths.length && start[i] < to; i++) {
                long a = Math.max(from, start[i]);
                long b = Math.min(to, start[i] + lengths[i]);
                if (a < b) {
                    body.run(i, (int) (a - start[i]), (int) (b - start[i]));
                }
            }
        });
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
