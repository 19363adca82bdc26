package org.convnet4j.serve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The server's sockets ({@link LoneConnectionConnector}), with three additions to Jetty's.
 *
 * <p><b>Bytes given back.</b> A lean connection ({@link LeanConnection}) that hands a request to Jetty gives back the
 * bytes it has read ({@link #unread}); Jetty's connection then reads them first, through {@link #fill}, as if they came
 * from the socket. Why not with the upgrade itself ({@code Connection.UpgradeFrom}): Jetty 12.1's {@code
 * HttpConnection} parses bytes handed to it that way as "nothing filled", and when they are a bad request (a head over
 * 8 KiB: 431) it still asks for more input; the client's next bytes then meet the closed parser ("Parser is
 * terminated"), and the connection is closed, often before the 431 is written (12 of 30 tries of a 119 KB head got no
 * answer; 0 of 30 on Jetty's own reads; docs/ROBUSTNESS.md). Read through {@code fill}, they take the path Jetty's own
 * reads take.
 *
 * <p><b>Stalled heads cut.</b> With {@code headTimeoutMillis} > 0, a connection whose request head starts arriving
 * and then stops for that long is closed, as {@link ModelServer.Options#idleTimeoutMillis} says. Jetty applies its
 * in-request idle timeout only once a head is complete (it sets it when the request starts and restores the
 * connection's own when it ends); until then the connection's own timeout, the keep-alive (21 min), applied, so a
 * client that sent half a head held its connection that long (30 s once 512 connections are open), where a lean
 * connection cut it after the idle timeout. From what the socket sees: bytes read while the timeout is the keep-alive
 * start a head (between requests Jetty's timeout is the keep-alive, within one the idle timeout), and Jetty setting any
 * other timeout means the head is complete. Only when a head has started and the connection then waits for more bytes
 * is a check scheduled (a request that arrives in one read schedules nothing); it closes the connection once no byte
 * has come for the timeout, and looks again later while bytes keep coming. Lean connections cut their own heads.
 * Not covered: a head that arrived behind the previous request (pipelined) and whose rest never comes, as no read
 * happens between the two requests.
 *
 * <p><b>A second read.</b> With second reads on ({@code ModelServer.Options.secondRead}), a connection resumed on
 * the model's worker after its answer ({@link AnsweringThreadPool#batch}) that finds no next request does not wait
 * on the selector at once: it reads once more after the batch's other connections have read
 * ({@link AnsweringThreadPool#putOff}), and waits on the selector only if that finds nothing too.
 *
 * <p><b>Turns on the selector.</b> A selector thread that computes requests itself
 * ({@code ModelServer.Options.fullBatchesOnSelectors}) and has answered one of a connection goes back to its selector
 * before it reads that connection's next request ({@link #yieldAfterAnswer}). Why: Jetty's connection reads again as soon as an answer
 * is written, on the same thread, and handles what it finds; a client that sends its next request within the time
 * the answer's completion takes (tens of microseconds) was read again and again, while the other connections of that
 * selector, whose requests had been waiting since its last select, were not read at all: with LeNet-5 and 8
 * connections, a selector went up to 250 ms without selecting, and p99 latency was 100-300 ms against 3.5-7.5 ms
 * without the switch (docs/SERVING.md, "Session of 2026-12-07 15:00-16:25"). Yielding costs one {@code epoll_wait}
 * per turn of the selector (every connection with input is read once per turn) and no {@code epoll_ctl}: the
 * connection's interest in reading is set again before the selector updates its keys.
 */
final class ServeEndPoint extends SocketChannelEndPoint {
    private final Executor executor;
    private final Scheduler scheduler;
    private final long keepAliveMillis;
    private final long headTimeoutMillis;
    /** Bytes given back by a lean connection, read before the socket; null when none are left. */
    private volatile ByteBuffer unread;
    /** A request head has started and Jetty has not yet taken it: the check below may close the connection. */
    private volatile boolean headStarted;
    private final AtomicBoolean checkScheduled = new AtomicBoolean();
    /** Where second reads are counted; null: none (see {@link #needsFillInterest}). */
    private final LoneConnectionConnector secondReads;
    /** A second read was put off and has not read yet. */
    private volatile boolean readingAgain;
    /** The selector whose thread reads this connection. */
    private final ManagedSelector selector;
    /** The next reads find nothing until the connection waits on its selector again (see {@link #yieldAfterAnswer}). */
    private volatile boolean yieldNextRead;

    /**
     * {@code headTimeoutMillis}: 0 for no cut (the keep-alive applies to a head, as in Jetty); {@code secondReads}:
     * where second reads are counted, null for none.
     */
    ServeEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Executor executor,
                  Scheduler scheduler, long keepAliveMillis, long headTimeoutMillis,
                  LoneConnectionConnector secondReads) {
        super(channel, selector, key, scheduler);
        this.selector = selector;
        this.executor = executor;
        this.scheduler = scheduler;
        this.keepAliveMillis = keepAliveMillis;
        this.headTimeoutMillis = headTimeoutMillis;
        this.secondReads = secondReads;
        setIdleTimeout(keepAliveMillis);
    }

    /**
     * Gives back {@code bytes} (read from this socket, not consumed): the next reads return them before anything
     * else. Called before the connection that will read them is opened.
     */
    void unread(ByteBuffer bytes) {
        unread = bytes.hasRemaining() ? bytes : null;
    }

    /**
     * Called by a selector thread that has just answered a request of this connection on its own thread: when other
     * connections share this selector, the connection's next read finds nothing, so that it waits on the selector
     * with the others instead of being read at once (see the class comment, "Turns on the selector").
     */
    void yieldAfterAnswer() {
        if (selector.size() > 1) {
            yieldNextRead = true;
        }
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        ByteBuffer given = unread;
        int filled;
        if (yieldNextRead && given == null) {
            return 0; // (until needsFillInterest: Jetty's connection then waits for input on the selector)
        }
        if (given != null) {
            filled = BufferUtil.append(buffer, given);
            if (!given.hasRemaining()) {
                unread = null;
            }
            notIdle();
        } else {
            filled = super.fill(buffer);
        }
        if (readingAgain) {
            readingAgain = false;
            secondReads.secondRead(filled != 0);
        }
        if (filled > 0 && headTimeoutMillis > 0 && !headStarted && getIdleTimeout() == keepAliveMillis
                && !(getConnection() instanceof LeanConnection)) {
            headStarted = true;
        }
        return filled;
    }

    /**
     * With bytes given back, a wish to read is answered at once (the socket may have nothing new to say). With second
     * reads, a connection resumed after a batch's answers that found nothing reads once more after the batch's other
     * connections ({@link AnsweringThreadPool#putOff}) before it waits on the selector. A connection resumed after a
     * batch's answers that found nothing is counted ({@link AnsweringThreadPool#waitingForInput}).
     */
    @Override
    protected void needsFillInterest() {
        yieldNextRead = false;
        if (unread != null) {
            executor.execute(getFillInterest()::fillable);
            return;
        }
        if (executor instanceof AnsweringThreadPool pool) {
            pool.waitingForInput(); // counted when resumed after a batch's answers
        }
        if (secondReads != null && !readingAgain && AnsweringThreadPool.putOff(this::readAgain)) {
            readingAgain = true; // (the read runs later on this thread)
        } else {
            super.needsFillInterest();
        }
    }

    /** The put-off read: the connection reads as if the selector had seen input. */
    private void readAgain() {
        try {
            getFillInterest().fillable();
        } catch (Throwable x) {
            close(x); // the batch's other put-off reads still run
        }
    }

    @Override
    public void setIdleTimeout(long idleTimeout) {
        super.setIdleTimeout(idleTimeout);
        if (idleTimeout != keepAliveMillis) {
            headStarted = false; // Jetty has the request (its in-request timeout), or a lean connection waits itself
        }
    }

    @Override
    public void fillInterested(Callback callback) {
        super.fillInterested(callback);
        waitingForTheHead();
    }

    @Override
    public boolean tryFillInterested(Callback callback) {
        boolean registered = super.tryFillInterested(callback);
        waitingForTheHead();
        return registered;
    }

    private void waitingForTheHead() {
        if (headStarted && checkScheduled.compareAndSet(false, true)) {
            scheduler.schedule(this::checkTheHead, headTimeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void checkTheHead() {
        checkScheduled.set(false);
        if (!headStarted || !isOpen()) {
            return;
        }
        long idleFor = getIdleFor(); // since the last byte read
        if (idleFor >= headTimeoutMillis) {
            close(new TimeoutException("the request head stopped arriving for " + idleFor + " ms (idle timeout "
                    + headTimeoutMillis + " ms)"));
        } else if (checkScheduled.compareAndSet(false, true)) {
            scheduler.schedule(this::checkTheHead, headTimeoutMillis - idleFor, TimeUnit.MILLISECONDS);
        }
    }
}
