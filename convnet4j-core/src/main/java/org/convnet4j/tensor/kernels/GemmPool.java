package org.convnet4j.tensor.kernels;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The persistent worker threads that multi-threaded kernels share. Threads are daemons, created once (the
 * pool only grows if a kernel asks for more parallelism than it has) and live for the whole JVM, so a
 * kernel call costs a hand-off, never a thread start.
 *
 * <p><b>Hand-off.</b> A training step of a small network makes dozens of parallel calls of a few hundred
 * microseconds each; with an executor queue, waking a parked worker (a futex call, and on a busy machine a
 * trip through the OS scheduler) cost as much as the work. So each worker has its own job slot: the caller
 * writes the job, and the worker, which spins for {@link #SPIN_NANOS} after each job before it parks, usually
 * sees it without being woken. The caller likewise spins briefly for the workers to finish before parking.
 * Spinning is bounded, so an idle pool costs nothing.
 *
 * <p>The calling thread always takes tasks itself. The pool serves one parallel call at a time: a call made
 * while it is busy — from inside a worker or the caller's own task (a layer that parallelises over a batch
 * and calls sgemm per item), or from another application thread — runs its tasks one after another on its
 * own thread. Kernels never let results depend on the thread count, so this only
 * changes the speed.
 *
 * <p><b>Layout.</b> The two counters every hand-off writes from both threads (the next task, the workers inside)
 * sit 64 bytes apart in one padded array, so that neither shares a cache line with the other or with any other
 * object; a waiting worker spins on a plain read of its slot and writes it only once a job is there.
 *
 * <p><b>Fixed split</b> ({@code -D}{@value #FIXED_PROPERTY}{@code =true}, off by default). Instead of one shared counter,
 * the tasks are cut into one contiguous block per thread (the caller's is the first, worker {@code i}'s the
 * {@code i+1}-th), each with its own counter on a line of its own. A thread runs its own block from the front, then
 * takes what is left of the others from their backs. So, while no thread is late, a thread runs the same part of every
 * call (the same output columns of every layer, where the caller orders its tasks so, see VectorGemm's few-rows path),
 * its data stays in its cache, and a task costs no cache-line transfer; a late thread's tasks are still taken by the
 * others. Which thread runs a task still never changes a result.
 *
 * <p><b>Statistics.</b> With {@code -D}{@value #STATS_PROPERTY}{@code =true} every thread that runs tasks counts
 * them, the nanoseconds inside them, the nanoseconds it waited (a caller for workers still inside, a worker for a
 * job), its spin iterations and its parks ({@link KernelProvider#poolStatistics()}): a diagnostic for telling
 * slower work from longer waits. Off, nothing is counted.
 */
final class GemmPool {
    /** System property overriding the default thread count. */
    static final String THREADS_PROPERTY = "convnet4j.threads";
    /** How long a worker (or a waiting caller) spins before it parks: long enough to bridge the gaps of a step. */
    static final long SPIN_NANOS = Long.getLong("convnet4j.pool.spinMicros", 200) * 1000;
    /**
     * Switch ({@code -Dconvnet4j.pool.longSpin=true}, off): spin ten times {@link #SPIN_NANOS} (2 ms by default) before
     * parking, so that a batch-1 predict's hand-offs (a hundred, with serial stretches and uneven tasks between them)
     * find the other thread awake instead of paying a wake-up, which on the AMD guest's far placement of the two vCPUs
     * crosses the host. Costs CPU while idle (OpenMP's spin, as PyTorch's side runs it); changes no result.
     */
    static volatile boolean longSpin = Boolean.getBoolean("convnet4j.pool.longSpin");

    /** How long to spin before parking now ({@link #longSpin}). */
    private static long spinNanos() {
        return longSpin ? 10 * SPIN_NANOS : SPIN_NANOS;
    }
    /** System property that turns the {@link #fixedSplit fixed split} on. */
    static final String FIXED_PROPERTY = "convnet4j.pool.fixedSplit";
    /** Whether parallel calls cut their tasks into one block per thread ({@link #FIXED_PROPERTY}); tests switch it. */
    static volatile boolean fixedSplit = Boolean.getBoolean(FIXED_PROPERTY);
    /** System property that turns the per-thread statistics on. */
    static final String STATS_PROPERTY = "convnet4j.pool.stats";
    /** Whether threads count ({@link #STATS_PROPERTY}); tests switch it. */
    static volatile boolean stats = Boolean.getBoolean(STATS_PROPERTY);
    /** System property that turns the {@link #span critical-path accounting} on. */
    static final String SPAN_PROPERTY = "convnet4j.pool.span";
    /**
     * Whether parallel calls measure each task's thread CPU time and add up, per call, the work and the span a
     * greedy schedule of those tasks on the call's threads would take ({@link KernelProvider#poolSpan()}); tests
     * switch it. Off, nothing is measured.
     */
    static volatile boolean span = Boolean.getBoolean(SPAN_PROPERTY);
    /** Index of each figure in {@link #SPAN}: see {@link KernelProvider#poolSpan()}. */
    static final int SPAN_JOBS = 0;
    static final int SPAN_WORK = 1;
    static final int SPAN_SPAN = 2;
    static final int SPAN_CALLER_CPU = 3;
    static final int SPAN_WORKER_WORK = 4;
    static final int SPAN_SERIAL_CALLS = 5;
    static final int SPAN_SERIAL_CPU = 6;
    /** Written only by the thread holding {@link #BUSY} (or, for serial calls, the caller), read racily. */
    private static final long[] SPAN = new long[7];

    /** The thread CPU clocks, loaded on first use only (the management classes cost start-up time). */
    private static final class Clocks {
        static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    }

    private static long threadCpu() {
        return Clocks.CPU.getCurrentThreadCpuTime();
    }
    /** Index of each statistic in a thread's {@link #ownStats()} array (after {@link #PAD} longs of padding). */
    static final int TASKS = 0;
    static final int TASK_NANOS = 1;
    static final int WAIT_NANOS = 2;
    static final int SPINS = 3;
    static final int PARKS = 4;
    private static final int COUNTS = 5;
    /** Longs of padding before and after a thread's counters: they never share a line with another thread's. */
    private static final int PAD = 16;
    /** Ints between the two counters of a job (and on either side): 64 bytes. */
    private static final int LINE_INTS = 16;
    private static final int NEXT = LINE_INTS;
    private static final int ACTIVE = 2 * LINE_INTS;
    /** Longs in 64 bytes: the fixed split's per-block counters sit a line apart. */
    private static final int LONG_LINE = 8;
    /** Every thread's statistics array with its thread's name, in the order threads first counted. */
    private static final CopyOnWriteArrayList<Map.Entry<String, long[]>> ALL_STATS = new CopyOnWriteArrayList<>();
    private static final ThreadLocal<long[]> THREAD_STATS = ThreadLocal.withInitial(() -> {
        long[] own = new long[PAD + COUNTS + PAD];
        ALL_STATS.add(Map.entry(Thread.currentThread().getName(), own));
        return own;
    });

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    /** The thread holding {@link #BUSY} (its nested calls run inside its tasks: not counted as serial by the span). */
    private static Thread owner;
    /**
     * Parallel calls that handed tasks to workers since start (written only while holding {@link #BUSY}, read
     * racily: a diagnostic for benchmarks, {@link KernelProvider#handOffs()}).
     */
    private static long handOffs;
    private static volatile Worker[] workers = start(new Worker[0], defaultThreads() - 1);

    private GemmPool() {
    }

    /** {@code Runtime.availableProcessors()}, or the value of {@value #THREADS_PROPERTY} when set. */
    static int defaultThreads() {
        String value = System.getProperty(THREADS_PROPERTY);
        if (value == null || value.isBlank()) {
            return Math.max(1, Runtime.getRuntime().availableProcessors());
        }
        try {
            int threads = Integer.parseInt(value.trim());
            if (threads < 1) {
                throw new NumberFormatException();
            }
            return threads;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + THREADS_PROPERTY
                    + " must be a positive integer, got '" + value + "'");
        }
    }

    private static Worker[] start(Worker[] old, int count) {
        if (count <= old.length) {
            return old;
        }
        Worker[] grown = java.util.Arrays.copyOf(old, count);
        for (int i = old.length; i < count; i++) {
            grown[i] = new Worker(i + 1);
            grown[i].start();
        }
        return grown;
    }

    /** Makes sure {@code threads} shares can run at once (the caller plus {@code threads - 1} workers). */
    static synchronized void ensureCapacity(int threads) {
        workers = start(workers, threads - 1);
    }

    /** Parallel calls that woke or fed a worker since the JVM started (see {@link KernelProvider#handOffs()}). */
    static long handOffs() {
        return handOffs;
    }

    /** A copy of the {@link #span} figures (see {@link KernelProvider#poolSpan()}). */
    static long[] spanFigures() {
        synchronized (SPAN) {
            return SPAN.clone();
        }
    }

    /** The calling thread's statistics array (counters from index {@link #PAD}); only used when {@link #stats}. */
    private static long[] ownStats() {
        return THREAD_STATS.get();
    }

    /**
     * A copy of every counting thread's statistics by thread name ({@link #TASKS}, {@link #TASK_NANOS},
     * {@link #WAIT_NANOS}, {@link #SPINS}, {@link #PARKS}); empty unless {@value #STATS_PROPERTY} is on. Read racily
     * (each thread writes only its own), so a figure may lag by one task. Two threads of one name are summed.
     */
    static Map<String, long[]> statistics() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ALL_STATS) {
            long[] sum = copy.computeIfAbsent(e.getKey(), k -> new long[COUNTS]);
            for (int i = 0; i < COUNTS; i++) {
                sum[i] += e.getValue()[PAD + i];
            }
        }
        return copy;
    }

    /** True on a pool worker: nested parallel work must then run on the calling thread. */
    static boolean inWorker() {
        return Thread.currentThread() instanceof Worker;
    }

    /**
     * Per thread: the most threads a parallel call made on it may use (0 means no cap of its own), and whether its
     * calls cut their tasks in blocks as the {@link #fixedSplit fixed split} does (1) or not (0).
     */
    private static final ThreadLocal<int[]> CAP = ThreadLocal.withInitial(() -> new int[2]);

    /**
     * Whether parallel calls made on the current thread cut their tasks into one block per thread, the caller's the
     * first, as the {@link #fixedSplit fixed split} cuts every call's; returns the previous setting. See
     * {@link KernelProvider#splitInBlocksOnThisThread(boolean)}.
     */
    static boolean blocksOnThisThread(boolean inBlocks) {
        int[] cap = CAP.get();
        boolean before = cap[1] != 0;
        cap[1] = inBlocks ? 1 : 0;
        return before;
    }

    /**
     * Caps the threads (the caller included) that parallel calls made on the current thread use; 0 lifts the cap.
     * Returns the previous cap. See {@link KernelProvider#limitThreadsOnThisThread(int)}.
     */
    static int capThisThread(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("thread cap must be 0 (none) or positive, got " + threads);
        }
        int[] cap = CAP.get();
        int before = cap[0];
        cap[0] = threads;
        return before;
    }

    /**
     * How many threads a parallel call made here may use when it would use {@code threads}: 1 on a pool worker
     * (nested work runs on the calling thread), at most the current thread's cap, else {@code threads}.
     */
    static int allowedHere(int threads) {
        if (inWorker()) {
            return 1;
        }
        int cap = CAP.get()[0];
        return cap > 0 ? Math.min(threads, cap) : threads;
    }

    /**
     * Runs {@code body.accept(t)} for every task {@code t = 0 .. tasks-1} on up to {@code threads} threads,
     * which take tasks from a shared counter (so a thread that is slowed down simply takes fewer), and returns
     * when all are done. Which thread runs which task varies; callers must make tasks independent of that.
     *
     * <p>The caller takes tasks too, and waits only for tasks a worker has actually taken: a worker that the
     * OS has not scheduled yet (on a loaded machine that can take milliseconds) never holds the caller up, it
     * finds no task left when it runs. The first failure is rethrown once no task is running any more.
     */
    static void forEach(int threads, int tasks, IntConsumer body) {
        forEach(threads, tasks, body, false);
    }

    /**
     * As {@link #forEach(int, int, IntConsumer)}; {@code inBlocks}: this call's tasks are cut into one block per thread as
     * the {@link #fixedSplit fixed split} cuts every call's (which, on, cuts this one too), the caller's block the first:
     * for calls whose consecutive tasks are neighbouring parts of one output, so that while no thread is late each thread
     * writes the same part of every such call and reads, in the next, what it wrote itself.
     */
    static void forEach(int threads, int tasks, IntConsumer body, boolean inBlocks) {
        Worker[] ws = workers;
        int helpers = Math.min(Math.min(allowedHere(threads), tasks) - 1, ws.length);
        if (helpers <= 0 || !BUSY.compareAndSet(false, true)) {
            if (span && !inWorker() && owner != Thread.currentThread()) {
                long c0 = threadCpu();
                for (int t = 0; t < tasks; t++) {
                    body.accept(t);
                }
                synchronized (SPAN) {
                    SPAN[SPAN_SERIAL_CALLS]++;
                    SPAN[SPAN_SERIAL_CPU] += threadCpu() - c0;
                }
                return;
            }
            if (stats) {
                long[] st = ownStats();
                long t0 = System.nanoTime();
                for (int t = 0; t < tasks; t++) {
                    body.accept(t);
                }
                st[PAD + TASK_NANOS] += System.nanoTime() - t0;
                st[PAD + TASKS] += tasks;
                return;
            }
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        owner = Thread.currentThread();
        try {
            handOffs++; // only the BUSY holder writes it
            boolean blocks = inBlocks || fixedSplit || CAP.get()[1] != 0;
            Job job = new Job(body, tasks, Thread.currentThread(), blocks ? helpers + 1 : 0);
            long c0 = job.taskCpu != null ? threadCpu() : 0;
            for (int i = 0; i < helpers; i++) {
                ws[i].post(job);
            }
            job.work(0);
            // Wait even after a failure: workers write into the caller's arrays, so returning early would let
            // them race with whatever the caller does next.
            job.awaitWorkers();
            if (job.taskCpu != null) {
                job.addSpan(helpers + 1, threadCpu() - c0);
            }
            Throwable failure = job.failure;
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
        } finally {
            owner = null;
            BUSY.set(false);
        }
    }

    /**
     * One parallel call: its tasks, the next task to take and how many workers are inside (both in {@code counters},
     * a line apart), the first failure.
     */
    private static final class Job {
        final IntConsumer body;
        final int tasks;
        /** {@link #NEXT} and {@link #ACTIVE}, each with a line of its own (the rest is padding). */
        final AtomicIntegerArray counters = new AtomicIntegerArray(3 * LINE_INTS);
        final Thread caller;
        /**
         * With the fixed split: the number of blocks (threads), and per block {@code b} at {@code b * LONG_LINE} its
         * next task from the front (high 32 bits) and its end (low 32 bits: the next from the back is end - 1).
         */
        final int blocks;
        final AtomicLongArray ranges;
        volatile boolean callerParked;
        volatile Throwable failure;
        /** With {@link #span}: each task's thread CPU time, and which tasks a worker ran (else null). */
        final long[] taskCpu;
        final boolean[] byWorker;

        Job(IntConsumer body, int tasks, Thread caller, int blocks) {
            this.body = body;
            this.tasks = tasks;
            this.caller = caller;
            this.blocks = blocks;
            this.taskCpu = span ? new long[tasks] : null;
            this.byWorker = span ? new boolean[tasks] : null;
            if (blocks > 0) {
                ranges = new AtomicLongArray((blocks + 1) * LONG_LINE);
                for (int b = 0; b < blocks; b++) {
                    long from = (long) tasks * b / blocks;
                    long to = (long) tasks * (b + 1) / blocks;
                    ranges.set((b + 1) * LONG_LINE, from << 32 | to);
                }
            } else {
                ranges = null;
            }
        }

        /** The next task of block {@code b} from its front ({@code own}) or its back; -1 when the block is done. */
        int take(int b, boolean own) {
            int at = (b + 1) * LONG_LINE;
            while (true) {
                long r = ranges.get(at);
                int front = (int) (r >>> 32);
                int end = (int) r;
                if (front >= end) {
                    return -1;
                }
                long next = own ? (long) (front + 1) << 32 | end : (long) front << 32 | (end - 1);
                if (ranges.compareAndSet(at, r, next)) {
                    return own ? front : end - 1;
                }
            }
        }

        /** Takes and runs tasks until none is left (or one failed); {@code self}: the thread's block (0: caller). */
        void work(int self) {
            long[] st = stats ? ownStats() : null;
            try {
                if (ranges != null) {
                    for (int i = 0; i < blocks; i++) {
                        int b = (self + i) % blocks;
                        for (int t = take(b, i == 0); t >= 0; t = take(b, i == 0)) {
                            run(t, st);
                        }
                    }
                    return;
                }
                for (int t = counters.getAndIncrement(NEXT); t < tasks; t = counters.getAndIncrement(NEXT)) {
                    run(t, st);
                }
            } catch (Throwable e) {
                if (failure == null) {
                    failure = e;
                }
                counters.set(NEXT, tasks); // nobody starts another task
                if (ranges != null) {
                    for (int b = 0; b < blocks; b++) {
                        ranges.set((b + 1) * LONG_LINE, 0L);
                    }
                }
            }
        }

        private void run(int t, long[] st) {
            if (taskCpu != null) {
                long c0 = threadCpu();
                body.accept(t);
                taskCpu[t] = threadCpu() - c0;
                byWorker[t] = inWorker();
                return;
            }
            if (st != null) {
                long t0 = System.nanoTime();
                body.accept(t);
                st[PAD + TASK_NANOS] += System.nanoTime() - t0;
                st[PAD + TASKS]++;
            } else {
                body.accept(t);
            }
        }

        /**
         * Adds this finished call to {@link #SPAN}: its tasks' CPU (the work), the span of a greedy schedule of them in
         * task order on {@code threads} threads that all start at once (what the shared counter gives when no thread
         * is held up: each task goes to the thread that is free first), the caller's CPU from posting to the end of
         * its wait, and the CPU of the tasks workers ran.
         */
        void addSpan(int threads, long callerCpu) {
            long[] free = new long[threads];
            long work = 0;
            long workers = 0;
            for (int t = 0; t < tasks; t++) {
                int first = 0;
                for (int i = 1; i < threads; i++) {
                    if (free[i] < free[first]) {
                        first = i;
                    }
                }
                free[first] += taskCpu[t];
                work += taskCpu[t];
                workers += byWorker[t] ? taskCpu[t] : 0;
            }
            long end = 0;
            for (long f : free) {
                end = Math.max(end, f);
            }
            synchronized (SPAN) {
                SPAN[SPAN_JOBS]++;
                SPAN[SPAN_WORK] += work;
                SPAN[SPAN_SPAN] += end;
                SPAN[SPAN_CALLER_CPU] += callerCpu;
                SPAN[SPAN_WORKER_WORK] += workers;
            }
        }

        /** A worker's part: announced in {@code active} before it takes a task, so the caller waits for it. */
        void help(int self) {
            counters.incrementAndGet(ACTIVE);
            try {
                work(blocks > 0 ? self % blocks : 0);
            } finally {
                if (counters.decrementAndGet(ACTIVE) == 0 && callerParked) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /** Called once the counter is exhausted: only workers that took a task are still inside. */
        void awaitWorkers() {
            long start = System.nanoTime();
            long spinUntil = start + spinNanos();
            long spins = 0;
            long parks = 0;
            while (counters.get(ACTIVE) > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    spins++;
                    continue;
                }
                // Announce the park before re-checking, so a worker leaving now sees the flag and unparks us.
                callerParked = true;
                if (counters.get(ACTIVE) > 0) {
                    parks++;
                    LockSupport.park(this);
                }
            }
            if (stats) {
                count(System.nanoTime() - start, spins, parks);
            }
        }
    }

    private static void count(long waitNanos, long spins, long parks) {
        long[] st = ownStats();
        st[PAD + WAIT_NANOS] += waitNanos;
        st[PAD + SPINS] += spins;
        st[PAD + PARKS] += parks;
    }

    private static final class Worker extends Thread {
        /** The job to join; a late worker may find an old, finished one, whose counter then gives it nothing. */
        private final AtomicReference<Job> slot = new AtomicReference<>();
        private volatile boolean parked;
        /** This worker's block in a fixed split (the caller's is 0). */
        private final int id;

        Worker(int id) {
            super("convnet4j-kernels-" + id);
            this.id = id;
            setDaemon(true);
        }

        void post(Job j) {
            slot.set(j);
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            while (true) {
                awaitJob().help(id);
            }
        }

        private Job awaitJob() {
            long start = System.nanoTime();
            long spinUntil = start + spinNanos();
            long spins = 0;
            long parks = 0;
            Job j;
            // Spin on a read: the slot's line stays shared until the caller writes a job into it.
            while (slot.get() == null || (j = slot.getAndSet(null)) == null) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    spins++;
                    continue;
                }
                parked = true;
                if (slot.get() == null) {
                    parks++;
                    LockSupport.park(this);
                }
                parked = false;
            }
            if (stats) {
                count(System.nanoTime() - start, spins, parks);
            }
            return j;
        }
    }
}
