package org.convnet4j.serve;

import java.io.IOException;
import java.nio.channels.Selector;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
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
 * normal blocking select. A wake-up meant for the selector during the poll (a new connection, an interest
 * change from another thread) is consumed by {@code selectNow}; Jetty's loop applies the pending updates when
 * this returns, so they are delayed by at most {@code spinMicros}, never lost.
 */
final class LoneConnectionConnector extends ServerConnector {
    /** Per thread: has this thread written an answer since it last selected? Only selector threads read it. */
    private static final ThreadLocal<boolean[]> ANSWERED = ThreadLocal.withInitial(() -> new boolean[1]);

    private final long spinNanos;
    private final LongAdder caught = new LongAdder();
    private final LongAdder missed = new LongAdder();
    private final LongAdder blocking = new LongAdder();

    LoneConnectionConnector(Server server, long spinMicros, ConnectionFactory... factories) {
        super(server, factories);
        if (spinMicros < 0) {
            throw new IllegalArgumentException("spin of " + spinMicros + " us: must be >= 0");
        }
        this.spinNanos = spinMicros * 1000L;
    }

    /**
     * Marks the calling thread as having just answered {@code request}'s connection; when that thread is the
     * connector's selector thread and the connection is the only one, its next select polls first.
     */
    static void answered(Request request) {
        if (request.getConnectionMetaData().getConnector() instanceof LoneConnectionConnector c && c.spinNanos > 0) {
            ANSWERED.get()[0] = true;
        }
    }

    /** Polls that found the connection's next request (before the blocking select would have slept). */
    long caught() {
        return caught.sum();
    }

    /** Polls that ran their whole time without finding anything (the thread then slept as before). */
    long missed() {
        return missed.sum();
    }

    /** Selects that could sleep (the ordinary blocking select), polled or not. */
    long blockingSelects() {
        return blocking.sum();
    }

    @Override
    protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
        return new ServerConnectorManager(executor, scheduler, selectors) {
            @Override
            protected ManagedSelector newSelector(int id) {
                return new ManagedSelector(this, id) {
                    @Override
                    protected int nioSelect(Selector selector, boolean now) throws IOException {
                        if (!now && spinNanos > 0) {
                            boolean[] mark = ANSWERED.get();
                            if (mark[0]) {
                                mark[0] = false;
                                if (getConnectedEndPoints().size() == 1) {
                                    return poll(selector);
                                }
                            }
                        }
                        if (!now) {
                            blocking.increment();
                        }
                        return super.nioSelect(selector, now);
                    }
                };
            }
        };
    }

    /**
     * {@code selectNow} until something is selected or the time is up. Returning 0 sends Jetty's loop round
     * once more (pending updates applied) and into an ordinary blocking select, since the mark is cleared.
     */
    private int poll(Selector selector) throws IOException {
        long deadline = System.nanoTime() + spinNanos;
        do {
            int n = selector.selectNow();
            if (n > 0) {
                caught.increment();
                return n;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - deadline < 0);
        missed.increment();
        return 0;
    }
}
