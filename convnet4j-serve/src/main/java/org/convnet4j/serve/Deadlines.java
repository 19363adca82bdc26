package org.convnet4j.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The requests' time budgets: one thread fails a request's future with {@link TimeoutException} once its deadline
 * passes, and a request answered in time costs it nothing. {@code CompletableFuture.orTimeout} (used before) puts a
 * task in the JDK's one delay queue per request and takes it out on completion; each time that queue emptied and
 * filled again the new task was its head, and the delay thread was woken to wait for it: about 0.2 wake-ups per
 * request under load (perf trace, docs/SERVING.md). Here the pending deadlines are a list in deadline order (a
 * request's deadline is its arrival plus the server's one budget, so a new one goes at or near the end) and the
 * thread sleeps until the first: a request answered in time only leaves the list (under a lock, no wake-up). While
 * nothing is pending the thread sleeps for the budget itself ({@code idleNanos}), so that a request arriving
 * meanwhile, whose deadline is later than that, does not need to wake it either: with a budget of 30 s it wakes
 * about once every 30 s under a steady load of requests answered in time, instead of per request. Only a deadline
 * earlier than the one the thread sleeps towards (a budget shorter than a second) wakes it.
 */
final class Deadlines implements AutoCloseable {
    /** A request's place in the list; {@link #done} takes it out. */
    static final class Entry {
        private final long deadline;
        private final CompletableFuture<?> future;
        private Entry prev;
        private Entry next;
        private boolean listed;

        private Entry(long deadline, CompletableFuture<?> future) {
            this.deadline = deadline;
            this.future = future;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** Pending deadlines, earliest first (guarded by lock). */
    private Entry first;
    private Entry last;
    private int pending;
    /** When the thread wakes next, if no one wakes it earlier (guarded by lock). */
    private long wakeAt;
    private final long idleNanos;
    private final Thread thread;
    private volatile boolean closed;
    private final AtomicLong wakeups = new AtomicLong();
    private final AtomicLong woken = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();

    /**
     * {@code idleNanos}: how long the thread sleeps while nothing is pending (the requests' budget; at least a
     * second is used, so that a budget of 0 does not make it spin).
     */
    Deadlines(String name, long idleNanos) {
        this.idleNanos = Math.max(idleNanos, 1_000_000_000L);
        this.wakeAt = System.nanoTime() + this.idleNanos;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Fails {@code future} with {@link TimeoutException} at {@code deadline} ({@link System#nanoTime} clock) unless
     * it is done by then; call {@link #done} with the entry once it is. Null when the future is already done.
     */
    Entry add(CompletableFuture<?> future, long deadline) {
        if (future.isDone()) {
            return null;
        }
        Entry e = new Entry(deadline, future);
        boolean wake = false;
        lock.lock();
        try {
            Entry after = last; // the last entry due no later than e: from the end, as deadlines arrive in order
            while (after != null && after.deadline - deadline > 0) {
                after = after.prev;
            }
            e.prev = after;
            e.next = after == null ? first : after.next;
            if (e.next != null) {
                e.next.prev = e;
            } else {
                last = e;
            }
            if (after != null) {
                after.next = e;
            } else {
                first = e;
            }
            e.listed = true;
            pending++;
            if (deadline - wakeAt < 0) { // due before the thread wakes: wake it now to sleep towards this one
                wakeAt = deadline;
                wake = true;
            }
        } finally {
            lock.unlock();
        }
        if (wake) {
            woken.incrementAndGet();
            LockSupport.unpark(thread);
        }
        return e;
    }

    /** The entry's future is done (answered, refused or timed out): it leaves the list. Null is ignored. */
    void done(Entry e) {
        if (e == null) {
            return;
        }
        lock.lock();
        try {
            unlink(e);
        } finally {
            lock.unlock();
        }
    }

    private void unlink(Entry e) {
        if (!e.listed) {
            return;
        }
        if (e.prev != null) {
            e.prev.next = e.next;
        } else {
            first = e.next;
        }
        if (e.next != null) {
            e.next.prev = e.prev;
        } else {
            last = e.prev;
        }
        e.prev = null;
        e.next = null;
        e.listed = false;
        pending--;
    }

    private void run() {
        List<Entry> due = new ArrayList<>();
        while (!closed) {
            long sleep;
            lock.lock();
            try {
                long now = System.nanoTime();
                while (first != null && first.deadline - now <= 0) {
                    Entry e = first;
                    unlink(e);
                    due.add(e);
                }
                wakeAt = first != null ? first.deadline : now + idleNanos;
                sleep = wakeAt - now;
            } finally {
                lock.unlock();
            }
            expired.addAndGet(due.size());
            for (Entry e : due) {
                // the request is refused (504) by whatever its future's completion runs, on this thread
                e.future.completeExceptionally(new TimeoutException());
            }
            due.clear();
            if (!closed) {
                LockSupport.parkNanos(this, sleep);
                wakeups.incrementAndGet();
            }
        }
    }

    /** Pending deadlines (for tests). */
    int pending() {
        lock.lock();
        try {
            return pending;
        } finally {
            lock.unlock();
        }
    }

    /** The pending deadlines in list order, first to last (for tests). */
    long[] deadlines() {
        lock.lock();
        try {
            long[] d = new long[pending];
            int i = 0;
            for (Entry e = first; e != null; e = e.next) {
                d[i++] = e.deadline;
            }
            return d;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {times the thread woke up (from its deadline, a wake-up by {@link #add}, or spuriously), wake-ups by
     * {@link #add}, deadlines that passed (their futures failed with {@link TimeoutException} unless done just before)}.
     */
    long[] counts() {
        return new long[] {wakeups.get(), woken.get(), expired.get()};
    }

    /** Stops the thread; deadlines still pending no longer fire. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
