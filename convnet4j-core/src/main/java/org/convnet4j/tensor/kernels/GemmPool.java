package org.convnet4j.tensor.kernels;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The persistent worker threads that multi-threaded kernels share. Threads are daemons, created once (the
 * pool only grows if a kernel asks for more parallelism than it has) and live for the whole JVM, so a
 * kernel call costs a queue hand-off, never a thread start.
 *
 * <p>The calling thread always runs one share of the work itself. A call made from inside a worker (a
 * layer that parallelises over a batch and calls sgemm per item) runs single-threaded instead of queueing
 * behind itself, which could otherwise deadlock.
 */
final class GemmPool {
    /** System property overriding the default thread count. */
    static final String THREADS_PROPERTY = "convnet4j.threads";

    private static final ThreadPoolExecutor POOL = createPool(defaultThreads() - 1);

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

    private static ThreadPoolExecutor createPool(int workers) {
        int size = Math.max(1, workers);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(size, size, 0L, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), Worker::new);
        pool.prestartAllCoreThreads();
        return pool;
    }

    /** Makes sure {@code threads} shares can run at once (the caller plus {@code threads - 1} workers). */
    static synchronized void ensureCapacity(int threads) {
        int workers = threads - 1;
        if (workers > POOL.getMaximumPoolSize()) {
            POOL.setMaximumPoolSize(workers);
            POOL.setCorePoolSize(workers);
            POOL.prestartAllCoreThreads();
        }
    }

    /** True on a pool worker: nested parallel work must then run on the calling thread. */
    static boolean inWorker() {
        return Thread.currentThread() instanceof Worker;
    }

    /**
     * Runs {@code body.accept(t)} for every task {@code t = 0 .. tasks-1} on up to {@code threads} threads,
     * which take tasks from a shared counter (so a thread that is slowed down simply takes fewer), and returns
     * when all are done. Which thread runs which task varies; callers must make tasks independent of that.
     */
    static void forEach(int threads, int tasks, IntConsumer body) {
        if (threads <= 1 || tasks <= 1 || inWorker()) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        run(Math.min(threads, tasks), share -> {
            for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                body.accept(t);
            }
        });
    }

    /**
     * Runs {@code body.accept(i)} for {@code i = 0 .. shares-1}: share 0 on the calling thread, the others
     * on workers, and returns when all are done. The first failure is rethrown after every share finished.
     */
    static void run(int shares, IntConsumer body) {
        if (shares <= 1 || inWorker()) {
            for (int i = 0; i < shares; i++) {
                body.accept(i);
            }
            return;
        }
        Future<?>[] futures = new Future<?>[shares - 1];
        for (int i = 1; i < shares; i++) {
            int share = i;
            futures[i - 1] = POOL.submit(() -> body.accept(share));
        }
        Throwable failure = null;
        try {
            body.accept(0);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> f : futures) {
            // Wait for every share even after a failure or an interrupt: workers write into the caller's
            // arrays, so returning early would let them race with whatever the caller does next.
            while (true) {
                try {
                    f.get();
                    break;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private static final class Worker extends Thread {
        private static int counter;

        Worker(Runnable task) {
            super(task, "convnet4j-kernels-" + nextId());
            setDaemon(true);
        }

        private static synchronized int nextId() {
            return ++counter;
        }
    }
}
