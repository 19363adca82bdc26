package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * {@link ParallelChunks#run} covers every value of the run exactly once, in whole chunks but the last, with one parallel
 * call for a run of two chunks or more on two threads, and one call on the calling thread for a shorter run, a run
 * not shared or kernels of one thread; {@link ParallelChunks#runOverParts} covers every value of every part once, in
 * pieces that start at a multiple of the alignment counted from their part's start, in one parallel call.
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

    @Test
    void partsAreCoveredOnceInPiecesThatStartAtTheAlignment() {
        Kernels two = new VectorKernels(2);
        int[] lengths = {3 * V + 17, 5, 0, 1, V - 1, 2 * V + 1, 40_000, 7};
        for (int align : new int[] {1, 64}) {
            AtomicIntegerArray[] seen = new AtomicIntegerArray[lengths.length];
            for (int i = 0; i < lengths.length; i++) {
                seen[i] = new AtomicIntegerArray(lengths[i]);
            }
            long h0 = GemmPool.handOffs();
            ParallelChunks.runOverParts(two, lengths, align, true, (part, from, to) -> {
                assertEquals(true, from < to, "no empty piece");
                assertEquals(0, from % align, "a piece starts at a multiple of the alignment within its part");
                for (int i = from; i < to; i++) {
                    seen[part].incrementAndGet(i);
                }
            });
            assertEquals(1, GemmPool.handOffs() - h0, "one parallel call for all parts");
            for (int i = 0; i < lengths.length; i++) {
                assertArrayEquals(ones(lengths[i]), toArray(seen[i]), "part " + i + ", align " + align);
            }
        }
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
