package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pool's statistics (what each thread did: tasks, time inside them, time waiting) and the spread order of
 * column-range tasks, which keeps the two tasks that run at the same time off each other's cache lines.
 */
class GemmPoolTest {

    @Test
    void spreadIsAPermutationThatNeverTakesTwoNeighboursOneAfterTheOther() {
        for (int n = 1; n <= 40; n++) {
            boolean[] seen = new boolean[n];
            for (int i = 0; i < n; i++) {
                int r = VectorGemm.spread(i, n);
                assertTrue(r >= 0 && r < n && !seen[r], "n " + n + ": " + r + " out of range or twice");
                seen[r] = true;
                if (n >= 4 && i > 0) {
                    assertNotEquals(1, Math.abs(r - VectorGemm.spread(i - 1, n)),
                            "n " + n + ": ranges " + VectorGemm.spread(i - 1, n) + " and " + r + " taken in a row");
                }
            }
        }
    }

    /** Column ranges in spread order compute the same tiles: the bits of one thread, on both loop orders. */
    @Test
    void spreadTasksGiveTheBitsOfOneThread() {
        int kc = VectorGemm.KC;
        int nr = VectorGemm.NR;
        // few rows (column ranges, one hand-off), general order with rows too few to split (column ranges per slice)
        int[][] shapes = {{64, 7 * nr + 7, kc + 9}, {20, 9 * nr + 5, 40}, {49, 4 * nr + 3, 40}};
        boolean before = VectorGemm.spreadTasks;
        try {
            assertTheBitsOfOneThread(new Random(17), shapes, "spread", on -> VectorGemm.spreadTasks = on);
        } finally {
            VectorGemm.spreadTasks = before;
        }
    }

    /** The fixed split (one block of tasks per thread, column ranges in blocks): the bits of one thread. */
    @Test
    void fixedSplitGivesTheBitsOfOneThread() {
        int kc = VectorGemm.KC;
        int nr = VectorGemm.NR;
        int[][] shapes = {{64, 7 * nr + 7, kc + 9}, {20, 9 * nr + 5, 40}, {49, 4 * nr + 3, 40}, {200, 3 * nr + 4, 70}};
        boolean before = GemmPool.fixedSplit;
        try {
            assertTheBitsOfOneThread(new Random(19), shapes, "fixed", on -> GemmPool.fixedSplit = on);
        } finally {
            GemmPool.fixedSplit = before;
        }
    }

    /** The general order split by B's columns, each thread a one-thread product on its panels: the bits of one thread. */
    @Test
    void privateColumnsGiveTheBitsOfOneThread() {
        int kc = VectorGemm.KC;
        int nr = VectorGemm.NR;
        // enough panels for 2 and 3 ranges (a short last panel, two KC slices, one) and one too narrow to split
        int[][] shapes = {{64, 7 * nr + 7, kc + 9}, {200, 9 * nr + 5, 40}, {49, 4 * nr + 3, 40}};
        boolean before = VectorGemm.privateColumns;
        try {
            assertTheBitsOfOneThread(new Random(23), shapes, "private columns", on -> VectorGemm.privateColumns = on);
            // B transposed (its columns are rows) with C inside a larger matrix
            VectorGemm.privateColumns = true;
            Random random = new Random(29);
            int m = 70;
            int n = 6 * nr + 11;
            int k = kc + 3;
            int ldc = n + 5;
            float[] a = uniform(random, m * k);
            float[] b = uniform(random, n * k);
            float[] expected = new float[m * ldc];
            float[] c = new float[m * ldc];
            java.util.Arrays.fill(expected, 0.25f);
            java.util.Arrays.fill(c, 0.25f);
            new VectorGemm(1, false).sgemm(false, true, m, n, k, 0.5f, a, 0, k, b, 0, k, 2f, expected, 0, ldc);
            new VectorGemm(2, false).sgemm(false, true, m, n, k, 0.5f, a, 0, k, b, 0, k, 2f, c, 0, ldc);
            assertArrayEquals(expected, c, "B transposed, private columns, 2 threads");
        } finally {
            VectorGemm.privateColumns = before;
        }
    }

    /** The general order split by A's rows, each thread a one-thread product on its rows: the bits of one thread. */
    @Test
    void privateRowsGiveTheBitsOfOneThread() {
        int kc = VectorGemm.KC;
        int nr = VectorGemm.NR;
        int mr = VectorGemm.MR;
        // n at most m and one KC slice: a short last panel; rows not a multiple of MR. Not split by rows: one too short,
        // two KC slices, and n > m (the shared loop order, or the columns split when that is on too)
        int[][] shapes = {{200, 3 * nr + 4, kc}, {9 * mr + 3, 40, 400}, {3 * mr, 20, 2000}, {200, 3 * nr + 4, kc + 9},
            {40, 2 * nr + 7, 300}};
        boolean rowsBefore = VectorGemm.privateRows;
        boolean columnsBefore = VectorGemm.privateColumns;
        try {
            assertTheBitsOfOneThread(new Random(31), shapes, "private rows", on -> VectorGemm.privateRows = on);
            VectorGemm.privateColumns = true;
            assertTheBitsOfOneThread(new Random(37), shapes, "private rows and columns",
                    on -> VectorGemm.privateRows = on);
            VectorGemm.privateColumns = false;
            // every transpose, alpha and beta, C inside a wider matrix, rows not a multiple of MR (n < m: split by rows)
            VectorGemm.privateRows = true;
            Random random = new Random(41);
            int m = 15 * mr + 5;
            int n = 2 * nr + 9;
            int k = kc - 3;
            int ldc = n + 5;
            float[] a = uniform(random, m * k);
            float[] b = uniform(random, n * k);
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    int lda = transA ? m : k;
                    int ldb = transB ? k : n;
                    float[] expected = new float[m * ldc];
                    float[] c = new float[m * ldc];
                    java.util.Arrays.fill(expected, 0.25f);
                    java.util.Arrays.fill(c, 0.25f);
                    new VectorGemm(1, false).sgemm(transA, transB, m, n, k, 0.5f, a, 0, lda, b, 0, ldb, 2f, expected,
                            0, ldc);
                    for (int threads : new int[] {2, 3}) {
                        new VectorGemm(threads, false).sgemm(transA, transB, m, n, k, 0.5f, a, 0, lda, b, 0, ldb, 2f,
                                c, 0, ldc);
                        assertArrayEquals(expected, c, "transA " + transA + " transB " + transB + ", private rows, "
                                + threads + " threads");
                        java.util.Arrays.fill(c, 0.25f);
                    }
                }
            }
        } finally {
            VectorGemm.privateRows = rowsBefore;
            VectorGemm.privateColumns = columnsBefore;
        }
    }

    /**
     * The rows split over several KC slices (what {@link VectorGemm#rowsWhenFar} takes when the threads sit far apart,
     * {@link VectorGemm#privateRowsDeep} always): each thread its own rows of C over every slice, the bits of one thread.
     */
    @Test
    void privateRowsOverSeveralSlicesGiveTheBitsOfOneThread() {
        int kc = VectorGemm.KC;
        int nr = VectorGemm.NR;
        int mr = VectorGemm.MR;
        int[][] shapes = {{200, 3 * nr + 4, kc + 9}, {15 * mr + 5, 2 * nr + 9, 3 * kc - 1}, {9 * mr + 3, 40, 2 * kc}};
        boolean before = VectorGemm.privateRowsDeep;
        try {
            assertTheBitsOfOneThread(new Random(47), shapes, "private rows, several slices",
                    on -> VectorGemm.privateRowsDeep = on);
        } finally {
            VectorGemm.privateRowsDeep = before;
        }
    }

    /** The placement probe gets every round trip of a line back from the worker (0 would mean no answer). */
    @Test
    void lineRoundTripIsMeasuredWithAWorker() {
        GemmPool.ensureCapacity(2);
        long trip = 0;
        // on a loaded machine the worker may wait milliseconds for a vCPU, or be preempted within a block: probes go
        // on until one comes back whole, for up to 60 s (20 probes were not enough at load 25 on the 2-vCPU guest,
        // .ci/run of 2026-12-08, nor once at load 30+ in session 25: both sides must run at the same time for a whole
        // block); a worker that never answers still fails, only later
        long deadline = System.nanoTime() + 60_000_000_000L;
        int probes = 0;
        while (trip == 0 && (probes < 20 || System.nanoTime() < deadline)) {
            trip = GemmPool.lineRoundTrip(50_000_000L);
            probes++;
        }
        // a positive figure means every trip of every block came back; how long one took depends on the load (a
        // preempted side makes a block's trips milliseconds long), so no upper bound is asserted
        assertTrue(trip > 0, "no answer from the worker in " + probes + " probes");
    }

    /**
     * An untransposed B's full panels packed by vector copies ({@link VectorGemm#vectorPackB}) hold the same values in
     * the same places as copied by {@code System.arraycopy}: the same bits at 1, 2 and 3 threads, on both loop orders,
     * with a short last panel, several KC slices, alpha and beta, C inside a wider matrix, and B's rows given one by one
     * ({@code sgemmRows}, rows at odd offsets).
     */
    @Test
    void vectorPackingOfBGivesTheSameBits() {
        int kc = VectorGemm.KC;
        int nr = VectorGemm.NR;
        int mr = VectorGemm.MR;
        int[][] shapes = {{9 * mr + 3, 7 * nr + 7, 2 * kc + 9}, {200, 3 * nr + 4, kc}, {3 * mr, 2 * nr + 5, 300},
            {9 * mr, 20, 40}};
        boolean before = VectorGemm.vectorPackB;
        Random random = new Random(43);
        try {
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                int ldc = n + 3;
                float[] a = uniform(random, m * k);
                float[] b = uniform(random, k * n + n);
                float[] c0 = uniform(random, m * ldc);
                // B's rows one by one, each starting one float further than a plain matrix would put it
                int[] rows = new int[k];
                for (int r = 0; r < k; r++) {
                    rows[r] = r * n + (r & 1);
                }
                VectorGemm.vectorPackB = false;
                float[] expected = c0.clone();
                new VectorGemm(1, false).sgemm(false, false, m, n, k, 0.5f, a, 0, k, b, 0, n, 2f, expected, 0, ldc);
                float[] expectedRows = c0.clone();
                new VectorGemm(1, false).sgemmRows(false, false, m, n, k, 0.5f, a, 0, k, b, 0, rows, 2f, expectedRows,
                        0, ldc, 1);
                VectorGemm.vectorPackB = true;
                for (int threads : new int[] {1, 2, 3}) {
                    for (boolean fewRows : new boolean[] {false, true}) {
                        float[] c = c0.clone();
                        new VectorGemm(threads, fewRows).sgemm(false, false, m, n, k, 0.5f, a, 0, k, b, 0, n, 2f, c, 0,
                                ldc);
                        String shape = m + "x" + n + "x" + k + " threads " + threads + " few rows " + fewRows;
                        assertArrayEquals(expected, c, shape);
                        float[] cRows = c0.clone();
                        new VectorGemm(threads, fewRows).sgemmRows(false, false, m, n, k, 0.5f, a, 0, k, b, 0, rows,
                                2f, cRows, 0, ldc, threads);
                        assertArrayEquals(expectedRows, cRows, shape + ", rows given");
                    }
                }
            }
        } finally {
            VectorGemm.vectorPackB = before;
        }
    }

    /** {@code n} values drawn uniformly from [-0.5, 0.5). */
    private static float[] uniform(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextFloat() - 0.5f;
        }
        return v;
    }

    /**
     * For each m x n x k shape (random operands), with a task-order switch off and on, both loop orders and 2 and 3
     * threads: the same product bits as one thread. The caller restores the switch.
     */
    private static void assertTheBitsOfOneThread(Random random, int[][] shapes, String switchName,
                                                 java.util.function.Consumer<Boolean> setSwitch) {
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] a = uniform(random, m * k);
            float[] b = uniform(random, k * n);
            float[] expected = new float[m * n];
            new VectorGemm(1, false).sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, expected, 0, n);
            for (boolean on : new boolean[] {false, true}) {
                setSwitch.accept(on);
                for (boolean fewRows : new boolean[] {false, true}) {
                    for (int threads : new int[] {2, 3}) {
                        float[] c = new float[m * n];
                        new VectorGemm(threads, fewRows).sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                        assertArrayEquals(expected, c, m + "x" + n + "x" + k + " " + switchName + " " + on
                                + " few rows " + fewRows + " threads " + threads);
                    }
                }
            }
        }
    }

    /**
     * A one-sample network (convolutions on the few-rows path, batch norm, pooling, a dense head) predicts the same
     * bits on one thread, on two with the shared counter and on two with the fixed split.
     */
    @Test
    void aNetworkPredictsTheSameBitsWithTheFixedSplit() {
        org.convnet4j.nn.Sequential net = new org.convnet4j.nn.Sequential(org.convnet4j.tensor.Shape.of(3, 28, 28))
                .add(new org.convnet4j.nn.layers.Conv2d(48, 3).padding(1))
                .add(new org.convnet4j.nn.layers.BatchNorm2d()).add(new org.convnet4j.nn.layers.ReLU())
                .add(new org.convnet4j.nn.layers.Conv2d(64, 1)).add(new org.convnet4j.nn.layers.ReLU())
                .add(new org.convnet4j.nn.layers.MaxPool2d(2))
                .add(new org.convnet4j.nn.layers.Conv2d(96, 3).padding(1))
                .add(new org.convnet4j.nn.layers.GlobalAvgPool2d()).add(new org.convnet4j.nn.layers.Flatten())
                .add(new org.convnet4j.nn.layers.Dense(10));
        net.initialize(23);
        org.convnet4j.tensor.Tensor x = org.convnet4j.tensor.Tensor.randn(new Random(24), 1f, 1, 3, 28, 28);
        GemmPool.ensureCapacity(2);
        boolean before = GemmPool.fixedSplit;
        float[] one;
        KernelProvider.limitThreadsOnThisThread(1);
        try {
            one = net.predict(x).data().clone();
        } finally {
            KernelProvider.limitThreadsOnThisThread(0);
        }
        try {
            for (boolean fixed : new boolean[] {false, true, false, true}) {
                GemmPool.fixedSplit = fixed;
                assertArrayEquals(one, net.predict(x).data(), "fixed split " + fixed);
            }
        } finally {
            GemmPool.fixedSplit = before;
        }
    }

    /**
     * The fixed split: each thread runs its own block (the caller the first half, the worker the second) from the
     * front, in order, then what is left of the other block from its back; every task once. Whatever the timing (a
     * late worker leaves its block to the caller, taken from the back), so this holds on a loaded machine too. The
     * same for a call cut in blocks with the switch off ({@link Kernels#parallelForInBlocks}: a one-sample convolution's
     * bands of rows); with the shared counter it fails.
     */
    @Test
    void fixedSplitRunsItsOwnBlockFromTheFrontAndTheOthersFromTheBack() {
        GemmPool.ensureCapacity(2);
        Kernels two = KernelProvider.vector(2);
        boolean before = GemmPool.fixedSplit;
        try {
            for (int round = 0; round < 150; round++) {
                int tasks = 2 + round % 11;
                // every call (the global switch), this call (parallelForInBlocks), this thread's calls
                boolean perCall = round % 3 == 1;
                boolean perThread = round % 3 == 2;
                GemmPool.fixedSplit = round % 3 == 0;
                java.util.List<java.util.Map.Entry<Thread, Integer>> ran =
                        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                java.util.function.IntConsumer body = t -> {
                    ran.add(java.util.Map.entry(Thread.currentThread(), t));
                    long until = System.nanoTime() + 20_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                };
                if (perCall) {
                    two.parallelForInBlocks(tasks, body);
                } else if (perThread) {
                    assertFalse(KernelProvider.splitInBlocksOnThisThread(true), "off unless set");
                    try {
                        GemmPool.forEach(2, tasks, body);
                    } finally {
                        assertTrue(KernelProvider.splitInBlocksOnThisThread(false), "returns the setting it replaces");
                    }
                } else {
                    GemmPool.forEach(2, tasks, body);
                }
                int half = tasks / 2;
                boolean[] once = new boolean[tasks];
                Map<Thread, java.util.List<Integer>> byThread = new java.util.LinkedHashMap<>();
                for (var e : ran) {
                    assertTrue(!once[e.getValue()], "task " + e.getValue() + " twice");
                    once[e.getValue()] = true;
                    byThread.computeIfAbsent(e.getKey(), k -> new java.util.ArrayList<>()).add(e.getValue());
                }
                assertEquals(tasks, ran.size(), "every task once");
                for (var e : byThread.entrySet()) {
                    boolean caller = e.getKey() == Thread.currentThread();
                    int ownFrom = caller ? 0 : half;
                    int ownTo = caller ? half : tasks;
                    int otherTo = caller ? tasks : half;
                    java.util.List<Integer> seq = e.getValue();
                    int i = 0;
                    for (int want = ownFrom; i < seq.size() && seq.get(i) >= ownFrom && seq.get(i) < ownTo; want++) {
                        assertEquals(want, seq.get(i), "own block from its front, in order: " + byThread);
                        i++;
                    }
                    for (int want = otherTo - 1; i < seq.size(); want--) {
                        assertEquals(want, seq.get(i), "then the other block from its back: " + byThread);
                        i++;
                    }
                }
            }
        } finally {
            GemmPool.fixedSplit = before;
        }
    }

    /**
     * With statistics on, every task is counted once on the thread that ran it, with at least the time it took;
     * two tasks that can only finish together prove a worker took one; off, nothing is counted.
     */
    @Test
    void statisticsCountEveryTaskOnTheThreadThatRanIt() throws InterruptedException {
        GemmPool.ensureCapacity(2);
        boolean before = GemmPool.stats;
        try {
            GemmPool.stats = true;
            Map<String, long[]> s0 = GemmPool.statistics();
            CountDownLatch both = new CountDownLatch(2);
            GemmPool.forEach(2, 10, t -> {
                if (t < 2) { // the caller and the worker each hold one of the first two tasks until both are in
                    both.countDown();
                    try {
                        assertTrue(both.await(30, TimeUnit.SECONDS), "no second thread took a task");
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                long until = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            });
            Map<String, long[]> s1 = GemmPool.statistics();
            long tasks = delta(s0, s1, GemmPool.TASKS, null);
            long nanos = delta(s0, s1, GemmPool.TASK_NANOS, null);
            assertEquals(10, tasks, "every task counted once");
            assertTrue(nanos >= 10 * 2_000_000L, "task time " + nanos + " ns below the 20 ms the tasks took");
            assertTrue(delta(s0, s1, GemmPool.TASKS, "convnet4j-kernels-1") >= 1, "the worker's tasks: " + s1.keySet());
            assertTrue(delta(s0, s1, GemmPool.TASKS, Thread.currentThread().getName()) >= 1, "the caller's tasks");

            GemmPool.stats = false;
            Map<String, long[]> s2 = GemmPool.statistics();
            GemmPool.forEach(2, 10, t -> { });
            assertEquals(0, delta(s2, GemmPool.statistics(), GemmPool.TASKS, null), "counted while off");
        } finally {
            GemmPool.stats = before;
        }
    }

    /**
     * The span accounting: one handed-off call of ten tasks of ~2 ms CPU each counts ten tasks' CPU as work and, on two
     * threads, half of it as span (the greedy schedule of equal tasks); a one-task call counts as serial, not as a
     * parallel call; a task that is four times the others makes the span at least its own CPU; off, nothing moves.
     */
    @Test
    void spanCountsTheWorkAndTheGreedyScheduleOfEveryCall() {
        GemmPool.ensureCapacity(2);
        boolean before = GemmPool.span;
        try {
            GemmPool.span = true;
            long[] s0 = GemmPool.spanFigures();
            GemmPool.forEach(2, 10, t -> burnCpu(2_000_000));
            long[] s1 = GemmPool.spanFigures();
            assertEquals(1, s1[GemmPool.SPAN_JOBS] - s0[GemmPool.SPAN_JOBS], "one parallel call");
            long work = s1[GemmPool.SPAN_WORK] - s0[GemmPool.SPAN_WORK];
            long span = s1[GemmPool.SPAN_SPAN] - s0[GemmPool.SPAN_SPAN];
            assertTrue(work >= 10 * 2_000_000L, "work " + work + " ns below the tasks' 20 ms of CPU");
            assertTrue(span >= work / 2 && span <= work / 2 + 2 * work / 10, "span " + span + " of work " + work
                    + ": ten equal tasks on two threads take half");
            assertEquals(0, s1[GemmPool.SPAN_SERIAL_CALLS] - s0[GemmPool.SPAN_SERIAL_CALLS]);

            GemmPool.forEach(2, 1, t -> burnCpu(1_000_000));
            long[] s2 = GemmPool.spanFigures();
            assertEquals(0, s2[GemmPool.SPAN_JOBS] - s1[GemmPool.SPAN_JOBS], "a one-task call is no parallel call");
            assertEquals(1, s2[GemmPool.SPAN_SERIAL_CALLS] - s1[GemmPool.SPAN_SERIAL_CALLS]);
            assertTrue(s2[GemmPool.SPAN_SERIAL_CPU] - s1[GemmPool.SPAN_SERIAL_CPU] >= 1_000_000L, "its CPU");

            GemmPool.forEach(2, 3, t -> burnCpu(t == 0 ? 8_000_000 : 2_000_000));
            long[] s3 = GemmPool.spanFigures();
            assertTrue(s3[GemmPool.SPAN_SPAN] - s2[GemmPool.SPAN_SPAN] >= 8_000_000L, "the long task is the span");

            GemmPool.span = false;
            GemmPool.forEach(2, 10, t -> { });
            GemmPool.forEach(2, 1, t -> { });
            assertArrayEquals(s3, GemmPool.spanFigures(), "counted while off");
        } finally {
            GemmPool.span = before;
        }
    }

    /** Spins until this thread has used {@code nanos} of CPU. */
    private static void burnCpu(long nanos) {
        java.lang.management.ThreadMXBean clocks = java.lang.management.ManagementFactory.getThreadMXBean();
        long until = clocks.getCurrentThreadCpuTime() + nanos;
        while (clocks.getCurrentThreadCpuTime() < until) {
            Thread.onSpinWait();
        }
    }

    /** The change of statistic {@code i} between two snapshots, for one thread name or (null) summed over all. */
    private static long delta(Map<String, long[]> before, Map<String, long[]> after, int i, String name) {
        long sum = 0;
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            if (name == null || name.equals(e.getKey())) {
                long[] b = before.get(e.getKey());
                sum += e.getValue()[i] - (b == null ? 0 : b[i]);
            }
        }
        return sum;
    }
}
