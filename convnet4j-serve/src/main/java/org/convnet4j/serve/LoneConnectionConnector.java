package org.convnet4j.serve;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Jetty's connector with one change to its selector loop: after the selector thread itself has answered a
 * request of the only open connection, it polls for that connection's next request for a short, bounded time
 * ({@code spinMicros}) before going to sleep in {@code epoll_wait}.
 *
 * <p>Why: on the fast path (see {@link SelectorHandoffs}) a lone connection's request is read, computed and
 * answered on the selector thread. A client such as wrk or a benchmark loop sends its next request some 30-50 us
 * after the answer left, by when the selector thread has already found the socket empty and gone to sleep; every
 * request then pays one sleep and wake-up of that thread (perf trace: 0.97 {@code epoll_wait} per request against
 * 0.07 on Jetty's old dispatch, whose pool thread happened to read again later; docs/SERVING.md). Polling with
 * {@link Selector#selectNow()} while the client turns round catches the request without sleeping.
 *
 * <p>Bounded: it polls only on the thread that has just answered (a thread-local mark set by {@link #answered}),
 * only while one connection is open, and at most {@code spinMicros} once per answer; then it returns to the
 * normal blocking select. Polls that run out make the next ones rarer (a client that thinks between requests,
 * or a machine too loaded for the client to run in time), so that little CPU goes to polls that find nothing. A wake-up meant for the selector during the poll (a new connection, an interest
 * change from another thread) is consumed by {@code selectNow}; Jetty's loop applies the pending updates when
 * this returns, so they are delayed by at most {@code spinMicros}, never lost.
 *
 * <p>{@link #AUTO} ({@code --lone-spin-us auto}): the poll is bounded by what sleeping costs instead of a fixed
 * time. Each selector thread measures the CPU time of its blocking selects after answering the lone connection
 * (the thread's own clock: the {@code epoll_wait}, the sleep's and the wake-up's kernel work, the selected key;
 * the sleep itself costs no CPU) and polls at most that long (an average, at most {@link #AUTO_MAX_MICROS}). The
 * classic rule of spinning before blocking: a client that turns round within that time costs the poll its turn-round,
 * less than a sleep; one that does not costs the poll plus the sleep, at most twice the sleep (and polls that run
 * out make the next ones rarer, as above), whatever the client's turn-round. On one connection the CPU per request is
 * then at most about the better of the fixed poll and no poll plus one wake-up's CPU.
 *
 * <p>Its sockets cut a request head that stops arriving, take back the bytes a lean connection has read and, if
 * asked ({@link #readAgainAfterBatches}), read once more before waiting on the selector ({@link ServeEndPoint}).
 */
final class LoneConnectionConnector extends ServerConnector {
    /** Per thread: has this thread written an answer since it last selected? Only selector threads read it. */
    private static final ThreadLocal<boolean[]> ANSWERED = ThreadLocal.withInitial(() -> new boolean[1]);
    /** Per thread: has this thread ever selected for one of these connectors (it is, or was, a selector thread)? */
    private static final ThreadLocal<boolean[]> SELECTING = ThreadLocal.withInitial(() -> new boolean[1]);

    /** {@code spinMicros} value: poll as long as a blocking select costs this selector thread (see the class comment). */
    static final long AUTO = -1;
    /** The longest poll {@link #AUTO} chooses, whatever the blocking selects cost (a stalled measurement). */
    static final long AUTO_MAX_MICROS = 100;
    /** Blocking selects after a lone answer measured per measurement taken in {@link #AUTO} (see {@code measure}). */
    private static final int AUTO_SAMPLE_EVERY = 4;
    private static final java.lang.management.ThreadMXBean THREAD_CLOCK =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** The fixed poll in nanoseconds; 0 with {@link #AUTO} (each selector's own budget then) or without a poll. */
    private final long spinNanos;
    private final boolean auto;
    /** The last budget an {@link #AUTO} selector chose (ns; for tests and /metrics), and its measurements so far. */
    private volatile long autoBudgetNanos;
    private final LongAdder autoMeasured = new LongAdder();
    private final LongAdder caught = new LongAdder();
    private final LongAdder missed = new LongAdder();
    private final LongAdder blocking = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder sleptAfterCatch = new LongAdder();
    /** Nanoseconds the selector threads spent polling, caught or not: CPU the poll costs (it never sleeps). */
    private final LongAdder pollNanos = new LongAdder();
    /** Selector threads inside a poll right now. */
    private final AtomicInteger polling = new AtomicInteger();
    /** How long a started request head may stop arriving (0: as long as the connector's idle timeout). */
    private long headTimeoutMillis;
    /** Whether resumed connections read once more before waiting on the selector ({@link AnsweringThreadPool#putOff}). */
    private boolean secondRead;
    private final LongAdder secondReadFound = new LongAdder();
    private final LongAdder secondReadNothing = new LongAdder();

    /** {@code selectors}: how many selector threads (-1: Jetty's default, one per two cores, at most four). */
    LoneConnectionConnector(Server server, long spinMicros, int selectors, ConnectionFactory... factories) {
        super(server, -1, selectors, factories);
        if (spinMicros < 0 && spinMicros != AUTO) {
            throw new IllegalArgumentException("spin of " + spinMicros + " us: must be >= 0 (or AUTO)");
        }
        this.auto = spinMicros == AUTO;
        this.spinNanos = auto ? 0 : spinMicros * 1000L;
    }

    /** Whether a select after answering the lone connection may poll: a fixed poll, or {@link #AUTO}. */
    private boolean polls() {
        return spinNanos > 0 || auto;
    }

    /**
     * The poll {@link #AUTO} allows after a blocking select measured at {@code blockingNanos} of thread CPU (a
     * smoothed value): that long, at most {@link #AUTO_MAX_MICROS}.
     */
    static long autoBudget(long blockingNanos) {
        return Math.max(0, Math.min(blockingNanos, AUTO_MAX_MICROS * 1000L));
    }

    /** With {@link #AUTO}: the last poll budget a selector chose (ns), 0 before any blocking select was measured. */
    long autoBudgetNanos() {
        return autoBudgetNanos;
    }

    /** With {@link #AUTO}: blocking selects measured so far. */
    long autoMeasured() {
        return autoMeasured.sum();
    }

    /**
     * Marks the calling thread as having just answered {@code request}'s connection; when that thread is the
     * connector's selector thread and the connection is the only one, its next select polls first.
     */
    static void answered(Request request) {
        answered(request.getConnectionMetaData().getConnector());
    }

    /** As {@link #answered(Request)}, for a connection of {@code connector}. */
    static void answered(org.eclipse.jetty.server.Connector connector) {
        if (connector instanceof LoneConnectionConnector c && c.polls()) {
            ANSWERED.get()[0] = true;
        }
    }

    /**
     * Whether the calling thread selects (or once selected) for such a connector: the thread that reads requests from
     * their sockets, where a request that fills a batch may be computed and answered with no hand-off
     * ({@code ModelServer.Options.fullBatchesOnSelectors}).
     */
    static boolean onSelectorThread() {
        return SELECTING.get()[0];
    }

    /** Polls that found the connection's next request (before the blocking select would have slept). */
    long caught() {
        return caught.sum();
    }

    /** Polls that ran their whole time without finding anything (the thread then slept as before). */
    long missed() {
        return missed.sum();
    }

    /**
     * Time spent polling so far, in nanoseconds: a poll spins on its core until it catches the request or runs out,
     * so this is the CPU the poll costs (with one client sending requests one at a time, about the client's time to
     * turn round per request). It is counted as the server's CPU by any measure per CPU-second.
     */
    long pollNanos() {
        return pollNanos.sum();
    }

    /** Answers after which no poll ran because earlier polls had run out (see {@code PollingSelector.poll}). */
    long skipped() {
        return skipped.sum();
    }

    /** Selects that could sleep (the ordinary blocking select), polled or not. */
    long blockingSelects() {
        return blocking.sum();
    }

    /**
     * Blocking selects whose selector's previous select was a poll that caught something: the poll found the
     * request, yet the thread went to sleep before answering it. Jetty's own wake-ups (a blocking select that
     * returns for an update or a timer) follow a blocking select, not a poll, and are not counted here.
     */
    long sleptAfterCatch() {
        return sleptAfterCatch.sum();
    }

    /** Whether a selector thread is polling right now (an observable state for tests). */
    boolean polling() {
        return polling.get() > 0;
    }

    /**
     * Closes a connection whose request head started and then stopped arriving for {@code idleTimeoutMillis} (set
     * before start): Jetty's connection applies its in-request idle timeout only once the head is complete, the
     * connector's idle timeout (the keep-alive) until then.
     */
    void cutStalledHeads(long idleTimeoutMillis) {
        this.headTimeoutMillis = idleTimeoutMillis;
    }

    /**
     * Lets the sockets of connections resumed after a batch's answers read once more, after the batch's other
     * connections, before waiting on the selector ({@link AnsweringThreadPool#putOff}; set before start).
     */
    void readAgainAfterBatches(boolean on) {
        this.secondRead = on;
    }

    /** Second reads that found input ({@code found}) or nothing (the connection then waited on the selector). */
    long secondReads(boolean found) {
        return (found ? secondReadFound : secondReadNothing).sum();
    }

    /** Counts a second read's outcome (called by the sockets). */
    void secondRead(boolean found) {
        (found ? secondReadFound : secondReadNothing).increment();
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key)
            throws IOException {
        long keepAlive = getIdleTimeout();
        return new ServeEndPoint(channel, selector, key, getExecutor(), getScheduler(), keepAlive,
                headTimeoutMillis < keepAlive ? headTimeoutMillis : 0, secondRead ? this : null);
    }

    @Override
    protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
        return new ServerConnectorManager(executor, scheduler, selectors) {
            @Override
            protected ManagedSelector newSelector(int id) {
                return new PollingSelector(this, id);
            }
        };
    }

    /** Jetty's selector with the poll; its fields are used by its own selecting thread only. */
    private final class PollingSelector extends ManagedSelector {
        /** Opportunities to let pass without polling, after polls that ran out (see {@link #poll}). */
        private int skip;
        private int backoff;
        /** Whether this selector's last select was a poll that caught something. */
        private boolean lastCaught;
        /** {@link #AUTO}: the next blocking select follows a lone answer and is to be measured (maybe). */
        private boolean measureNext;
        private int sinceMeasured;
        /** {@link #AUTO}: the thread CPU of a blocking select after a lone answer, smoothed (ns; 0: none yet). */
        private long blockingNanos;

        PollingSelector(SelectorManager manager, int id) {
            super(manager, id);
        }

        @Override
        protected int nioSelect(Selector selector, boolean now) throws IOException {
            SELECTING.get()[0] = true;
            boolean afterCatch = lastCaught;
            if (!now) {
                lastCaught = false;
            }
            if (!now && polls()) {
                boolean[] mark = ANSWERED.get();
                if (mark[0]) {
                    mark[0] = false;
                    if (getConnectedEndPoints().size() == 1) {
                        long budget = auto ? autoBudget(blockingNanos) : spinNanos;
                        measureNext = auto;
                        if (skip == 0 && budget > 0) {
                            // 0 when it ran out: Jetty's loop goes round (applying updates whose wake-up the poll
                            // consumed) and comes back here, mark cleared, for the ordinary select
                            int n = poll(selector, budget);
                            lastCaught = n > 0;
                            if (lastCaught) {
                                measureNext = false;
                            }
                            return n;
                        } else if (budget > 0) {
                            skip--;
                            skipped.increment();
                        }
                    }
                }
            }
            if (!now) {
                blocking.increment();
                if (afterCatch) {
                    sleptAfterCatch.increment();
                }
                if (measureNext) {
                    measureNext = false;
                    // one in AUTO_SAMPLE_EVERY: the clock is a system call each side of the select
                    if (++sinceMeasured >= AUTO_SAMPLE_EVERY || blockingNanos == 0) {
                        sinceMeasured = 0;
                        return measuredSelect(selector);
                    }
                }
            }
            return super.nioSelect(selector, now);
        }

        /** A blocking select whose thread CPU goes into {@link #blockingNanos} ({@link #AUTO}). */
        private int measuredSelect(Selector selector) throws IOException {
            long cpu0 = THREAD_CLOCK.getCurrentThreadCpuTime();
            int n = super.nioSelect(selector, false);
            long took = THREAD_CLOCK.getCurrentThreadCpuTime() - cpu0;
            blockingNanos = blockingNanos == 0 ? took : blockingNanos + (took - blockingNanos) / 8;
            autoBudgetNanos = autoBudget(blockingNanos);
            autoMeasured.increment();
            return n;
        }

        /**
         * {@code selectNow} until something is selected or the time is up. A poll that runs out means this
         * client does not turn round within the time (it thinks, or the machine is so loaded that it is not
         * running): the next 1, 3, 7 ... up to 63 opportunities are let pass without polling, and a poll that
         * catches a request starts over, so the CPU spent on polls that find nothing stays small.
         */
        private int poll(Selector selector, long budgetNanos) throws IOException {
            long start = System.nanoTime();
            long deadline = start + budgetNanos;
            polling.incrementAndGet();
            try {
                do {
                    int n = selector.selectNow();
                    if (n > 0) {
                        caught.increment();
                        backoff = 0;
                        return n;
                    }
                    Thread.onSpinWait();
                } while (System.nanoTime() - deadline < 0);
            } finally {
                pollNanos.add(System.nanoTime() - start);
                polling.decrementAndGet();
            }
            missed.increment();
            backoff = Math.min(2 * backoff + 1, 63);
            skip = backoff;
            return 0;
        }
    }
}
