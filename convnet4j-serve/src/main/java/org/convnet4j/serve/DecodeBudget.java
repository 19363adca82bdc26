package org.convnet4j.serve;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One running total of the memory that the pictures being decoded hold, shared by every request: a decode reserves
 * what its header says decoding needs before the first pixel is decoded, and gives it back when the picture has
 * become the model's input. Each picture checked alone against the limit (as before) let several large ones decode
 * at once, each within the limit and together above the heap; checked against one total, concurrent decodes never
 * add up to more than the budget.
 *
 * <p>When a reservation does not fit, the request waits (a decode takes tens to hundreds of milliseconds, so a short
 * wait turns a burst into a queue rather than errors), at most the wait it was given; then it is refused with 503
 * and {@code Retry-After}. It is not made to wait longer because every waiting request holds a server thread and its
 * body (up to the body limit) meanwhile: an unbounded wait would move the memory problem, not solve it. A picture
 * that needs more than the whole budget can never fit and is refused at once with 400.
 */
final class DecodeBudget {
    /** The {@code Retry-After} of a refusal, in seconds. */
    static final int RETRY_AFTER_SECONDS = 1;

    private final long limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private long reserved;
    private long highWater;

    DecodeBudget(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("the decode budget must be at least 1 byte, got " + limitBytes);
        }
        this.limit = limitBytes;
    }

    long limit() {
        return limit;
    }

    /** Bytes reserved now. */
    long reserved() {
        lock.lock();
        try {
            return reserved;
        } finally {
            lock.unlock();
        }
    }

    /** The most ever reserved at once (tests: never above {@link #limit}). */
    long highWater() {
        lock.lock();
        try {
            return highWater;
        } finally {
            lock.unlock();
        }
    }

    /** A reservation; closing it gives the bytes back (once). */
    final class Reservation implements AutoCloseable {
        private long bytes;
        private final boolean waited;

        private Reservation(long bytes, boolean waited) {
            this.bytes = bytes;
            this.waited = waited;
        }

        /** Whether it had to wait for others' decodes to finish. */
        boolean waited() {
            return waited;
        }

        @Override
        public void close() {
            lock.lock();
            try {
                reserved -= bytes;
                bytes = 0;
                released.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Told when a reservation had to wait, and whether it was then refused. */
    interface Waits {
        void waited(boolean refused);
    }

    /**
     * Reserves {@code bytes} for {@code what} (a negative value means more than a long holds), waiting at most
     * {@code waitMillis} for decodes in progress to give theirs back; 400 if it can never fit, 503 (with
     * {@link #RETRY_AFTER_SECONDS}) if it still does not fit after the wait.
     */
    Reservation reserve(long bytes, long waitMillis, String what, Waits waits) {
        if (bytes < 0 || bytes > limit) {
            throw new ApiException(400, what + " needs " + human(bytes) + " to decode, more than the server's whole"
                    + " decode budget of " + human(limit) + " (serve --decode-budget)");
        }
        boolean waited = false;
        boolean interrupted = false;
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis));
            while (reserved + bytes > limit) {
                waited = true;
                long left = deadline - System.nanoTime();
                if (left <= 0 || interrupted) {
                    waits.waited(true);
                    throw new ApiException(503, what + " needs " + human(bytes) + " to decode and the pictures being"
                            + " decoded hold " + human(reserved) + " of the server's decode budget of " + human(limit)
                            + "; try again in " + RETRY_AFTER_SECONDS + " s").retryAfter(RETRY_AFTER_SECONDS);
                }
                try {
                    released.awaitNanos(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            reserved += bytes;
            highWater = Math.max(highWater, reserved);
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (waited) {
            waits.waited(false);
        }
        return new Reservation(bytes, waited);
    }

    private static String human(long bytes) {
        if (bytes < 0) {
            return "more than 8 EiB";
        }
        return bytes < 10L << 20 ? (bytes >> 10) + " KiB" : (bytes >> 20) + " MiB";
    }
}
