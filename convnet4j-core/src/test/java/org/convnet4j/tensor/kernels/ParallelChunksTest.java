package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * {@link ParallelChunks#run} covers every value of the run exactly once, in whole chunks but the last, with one parallel
 * call for a run of two chunks or more on two threads, and one call on the calling thread for a shorter run, a run
 * not shared or kernels of one thread.
 */
class ParallelChunksTest {
    private static final int V = ParallelChunks.VALUES;

    @Test
    void everyValueOnceInWholeChunks() {
        Kernels two = new VectorKernels(2);
        for (int n : new int[] {2 * V, 2 * V + 1, 5 * V - 3, 3 * V + 17}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            int[] calls = new int[1];
            long h0 = GemmPool.handOffs();
            ParallelChunks.run(two, n, true, (from, to) -> {
                synchronized (calls) {
                    calls[0]++;
                }
                assertEquals(0, from % V, "a chunk starts at a multiple of the chunk");
                assertEquals(Math.min(n, from + V), to, "a whole chunk, or the run's end");
                for (long i = from; i < to; i++) {
                    seen.incrementAndGet((int) i);
                }
            });
            assertEquals(1, GemmPool.handOffs() - h0, n + " values: one parallel call");
            assertEquals((n + V - 1) / V, calls[0], n + " values");
            assertArrayEquals(ones(n), toArray(seen), n + " values");
        }
    }

    @Test
    void shortOrUnsharedRunsAreOneCallOnTheCaller() {
        Kernels two = new VectorKernels(2);
        Kernels one = new VectorKernels(1);
        Object[][] cases = {{two, 2 * V - 1, true}, {two, 5 * V, false}, {one, 5 * V, true}, {two, 1, true}};
        for (Object[] c : cases) {
            Kernels k = (Kernels) c[0];
            int n = (Integer) c[1];
            long[] range = new long[3];
            Thread caller = Thread.currentThread();
            long h0 = GemmPool.handOffs();
            ParallelChunks.run(k, n, (Boolean) c[2], (from, to) -> {
                range[0]++;
                range[1] = from;
                range[2] = to;
                assertEquals(caller, Thread.currentThread());
            });
            assertEquals(0, GemmPool.handOffs() - h0);
            assertArrayEquals(new long[] {1, 0, n}, range, n + " values, shared " + c[2]);
        }
        int[] calls = new int[1];
        ParallelChunks.run(two, 0, true, (from, to) -> calls[0]++);
        assertEquals(0, calls[0], "an empty run: no call");
    }

    private static int[] ones(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    private static int[] toArray(AtomicIntegerArray a) {
        int[] out = new int[a.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i);
        }
        return out;
    }
}
