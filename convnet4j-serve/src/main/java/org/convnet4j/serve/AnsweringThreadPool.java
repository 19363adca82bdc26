package org.convnet4j.serve;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty's thread pool as Javalin sets it up (8 to 250 threads, named {@code JettyServerThreadPool}), with one
 * exception: a connection handed to the pool while this very thread is writing an answer (see {@link #answering})
 * runs here at once instead of waking a pool thread.
 *
 * <p>Why: when an answer completes on a thread that is not handling the connection (on the v2 fast path, the
 * model's worker thread, which writes the answers of a batch), Jetty 12.1 resumes the connection by submitting it
 * to the pool ({@code HttpStreamOverHTTP1.succeeded} -> {@code resume}), and a pool thread wakes up only to try a
 * read, which mostly finds nothing yet, register interest with the selector and park again. With a batch of 8
 * LeNet-5 requests that was 8 thread wake-ups per forward pass: about 4 futex calls and 1.25 voluntary context
 * switches of Jetty's threads per request (perf trace, docs/SERVING.md). Resuming a connection is non-blocking here:
 * the server's handlers promise it ({@link SelectorHandoffs}), so the answering thread pays one read attempt instead.
 */
final class AnsweringThreadPool extends QueuedThreadPool {
    private static final ThreadLocal<int[]> ANSWERING = ThreadLocal.withInitial(() -> new int[1]);
    /** Connections resumed while this thread writes a batch's answers, run once they are all out; null outside. */
    private static final ThreadLocal<java.util.ArrayDeque<Runnable>> DEFERRED = new ThreadLocal<>();
    /**
     * While the connections of a batch's answers are resumed: the waits for input put off until all of them have
     * run (see {@link #putOff}); null outside that phase.
     */
    private static final ThreadLocal<java.util.ArrayDeque<Runnable>> PUT_OFF = new ThreadLocal<>();

    private final java.util.concurrent.atomic.LongAdder resumedHere = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder resumedByPool = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder batchResumed = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder batchResumedEmpty = new java.util.concurrent.atomic.LongAdder();

    AnsweringThreadPool() {
        super(250, 8, 60_000);
        setName("JettyServerThreadPool");
    }

    /** Runs {@code write} (an answer's write) with connections resumed meanwhile run on this thread. */
    static void answering(Runnable write) {
        int[] depth = ANSWERING.get();
        depth[0]++;
        try {
            write.run();
        } finally {
            depth[0]--;
        }
    }

    /**
     * Runs {@code answers} (the writes of one batch's answers, each through {@link #answering}) with the connections
     * they resume held back until all of them are written, then run here in the order they were resumed. A
     * resumed connection first tries to read its next request; right after its own answer that read mostly finds
     * nothing yet (a failed read, then the selector's epoll_ctl to wait for it: 0.75 failed reads per request at 8
     * connections, perf trace, docs/SERVING.md), while after the rest of the batch's answers its client has had that
     * long to send. The batch's next forward pass cannot start before then anyway: the worker that writes the answers
     * runs it. Nested calls run inside the outer one.
     */
    static void batch(Runnable answers) {
        batch(answers, null);
    }

    /**
     * As {@link #batch(Runnable)}, with {@code beforeResuming} (null: none) run once after the answers are written and
     * before the connections they resumed run, when there are such connections: where the model's worker may pause
     * for the clients to turn round ({@code ModelServer.Options.resumeDelayMicros}).
     */
    static void batch(Runnable answers, Runnable beforeResuming) {
        if (DEFERRED.get() != null) {
            answers.run();
            return;
        }
        java.util.ArrayDeque<Runnable> held = new java.util.ArrayDeque<>();
        DEFERRED.set(held);
        try {
            answers.run();
        } finally {
            DEFERRED.remove();
            java.util.ArrayDeque<Runnable> later = new java.util.ArrayDeque<>();
            Runnable job;
            try {
                if (beforeResuming != null && !held.isEmpty()) {
                    beforeResuming.run();
                }
            } finally {
                PUT_OFF.set(later);
            }
            try {
                while ((job = held.pollFirst()) != null) {
                    runHere(job);
                }
            } finally {
                PUT_OFF.remove();
                // the second reads; a connection that finds nothing again now waits on the selector
                while ((job = later.pollFirst()) != null) {
                    runHere(job);
                }
            }
        }
    }

    /**
     * Called by a socket whose connection, resumed after its answer, found no next request and is about to wait
     * for one on the selector ({@link ServeEndPoint}, with {@code ModelServer.Options.secondRead}): during a batch's
     * resumptions, takes {@code readAgain} (the connection's read, run as if the selector had seen input) and runs it
     * once the batch's other connections have run, and returns true; otherwise false (the socket then waits on the
     * selector). Why: a connection resumed right after the answers finds nothing when its client has not turned
     * round yet, and waiting on the selector costs the selector thread a wake-up and an {@code epoll_ctl}, and the
     * request, when it comes, a read on the selector thread and the worker a futex wake-up; a moment later, after
     * the other connections' reads, it is often there (the lean path's quiet loss at 8 connections of 1-sample
     * requests came with more of those wake-ups, docs/SERVING.md). At most one such read per connection per batch:
     * a connection that finds nothing again waits on the selector.
     */
    static boolean putOff(Runnable readAgain) {
        java.util.ArrayDeque<Runnable> later = PUT_OFF.get();
        if (later == null) {
            return false;
        }
        later.addLast(readAgain);
        return true;
    }

    /**
     * Sleeps for about {@code nanos} (timed parks until that long has passed; the kernel may add its timer slack, some
     * tens of microseconds). Nothing wakes the thread earlier: it waits on nothing.
     */
    static void sleep(long nanos) {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
    }

    /**
     * Called by a socket whose connection asks to wait for input on the selector: when that connection was resumed
     * after a batch's answers (its read found no next request), counts it ({@link #resumedWithNothing}).
     */
    void waitingForInput() {
        if (PUT_OFF.get() != null) {
            batchResumedEmpty.increment();
        }
    }

    /** Connections resumed after a batch's answers, all written (see {@link #batch}). */
    long resumedAfterBatches() {
        return batchResumed.sum();
    }

    /**
     * Of {@link #resumedAfterBatches}, those whose read found no next request (they then waited on the selector, or
     * read a second time: {@link #putOff}).
     */
    long resumedWithNothing() {
        return batchResumedEmpty.sum();
    }

    /** Connections resumed on the thread that answered (for tests). */
    long resumedHere() {
        return resumedHere.sum();
    }

    /** Connections handed to a pool thread (for tests). */
    long resumedByPool() {
        return resumedByPool.sum();
    }

    /** Runs a resumed connection on this thread as ordinary work (not inside an answer's write). */
    private static void runHere(Runnable job) {
        int[] depth = ANSWERING.get();
        int saved = depth[0];
        depth[0] = 0; // what the connection does next (read, handle its next request) is ordinary work again
        try {
            job.run();
        } finally {
            depth[0] = saved;
        }
    }

    @Override
    public void execute(Runnable job) {
        int[] depth = ANSWERING.get();
        if (!(job instanceof Connection)) {
            super.execute(job);
        } else if (depth[0] > 0) {
            resumedHere.increment();
            java.util.ArrayDeque<Runnable> held = DEFERRED.get();
            if (held != null) {
                held.addLast(job); // run when the batch's answers are out (see batch)
                batchResumed.increment();
            } else {
                runHere(job);
            }
        } else {
            resumedByPool.increment();
            super.execute(job);
        }
    }
}
