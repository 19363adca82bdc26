package org.convnet4j.tensor.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 */
final class GemmPool {
    /** System property overriding the default thread count. */
    static final String THREADS_PROPERTY = "convnet4j.threads";
    /** How long a worker (or a waiting caller) spins before it parks: long enough to bridge the gaps of a step. */
    static final long SPIN_NANOS = Long.getLong("convnet4j.pool.spinMicros", 200) * 1000;

    private static final AtomicBoolean BUSY = new AtomicBoolean();
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

    /** True on a pool worker: nested parallel work must then run on the calling thread. */
    static boolean inWorker() {
        return Thread.currentThread() instanceof Worker;
    }

    /** Per thread: the most threads a parallel call made on it may use; 0 means no cap of its own. */
    private static final ThreadLocal<int[]> CAP = ThreadLocal.withInitial(() -> new int[1]);

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
        Worker[] ws = workers;
        int helpers = Math.min(Math.min(allowedHere(threads), tasks) - 1, ws.length);
        if (helpers <= 0 || !BUSY.compareAndSet(false, true)) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        try {
            handOffs++; // only the BUSY holder writes it
            Job job = new Job(body, tasks, Thread.currentThread());
            for (int i = 0; i < helpers; i++) {
                ws[i].post(job);
            }
            job.work();
            // Wait even after a failure: workers write into the caller's arrays, so returning early would let
            // them race with whatever the caller does next.
            job.awaitWorkers();
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
            BUSY.set(false);
        }
    }

    /** One parallel call: its tasks, the next task to take, how many workers are inside, the first failure. */
    private static final class Job {
        final IntConsumer body;
        final int tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger active = new AtomicInteger();
        final Thread caller;
        volatile boolean callerParked;
        volatile Throwable failure;

        Job(IntConsumer body, int tasks, Thread caller) {
            this.body = body;
            this.tasks = tasks;
            this.caller = caller;
        }

        /** Takes and runs tasks until none is left (or one failed). */
        void work() {
            try {
                for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                    body.accept(t);
                }
            } catch (Throwable e) {
                if (failure == null) {
                    failure = e;
                }
                next.set(tasks); // nobody starts another task
            }
        }

        /** A worker's part: announced in {@code active} before it takes a task, so the caller waits for it. */
        void help() {
            active.incrementAndGet();
            try {
                work();
            } finally {
                if (active.decrementAndGet() == 0 && callerParked) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /** Called once the counter is exhausted: only workers that took a task are still inside. */
        void awaitWorkers() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (active.get() > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                // Announce the park before re-checking, so a worker leaving now sees the flag and unparks us.
                callerParked = true;
                if (active.get() > 0) {
                    LockSupport.park(this);
                }
            }
        }
    }

    private static final class Worker extends Thread {
        /** The job to join; a late worker may find an old, finished one, whose counter then gives it nothing. */
        private final AtomicReference<Job> slot = new AtomicReference<>();
        private volatile boolean parked;

        Worker(int id) {
            super("convnet4j-kernels-" + id);
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
                awaitJob().help();
            }
        }

        private Job awaitJob() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            Job j;
            while ((j = slot.getAndSet(null)) == null) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (slot.get() == null) {
                    LockSupport.park(this);
                }
                parked = false;
            }
            return j;
        }
    }
}
