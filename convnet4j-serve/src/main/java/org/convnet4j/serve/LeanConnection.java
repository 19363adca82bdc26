package org.convnet4j.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.util.Callback;

/**
 * A connection that answers plain v2 inference requests itself, without Jetty's HTTP/1.1 machinery, and hands
 * itself to Jetty at the first request that is anything else.
 *
 * <p>Why: for a small model what serving adds to a request beyond the forward pass is mostly per request, and the
 * largest part above the kernel was Jetty's request life cycle (the channel state, its callbacks, compliance checks,
 * the in-request idle timeout set and restored, the response generator: some 7 us of CPU per LeNet-5 request of 8
 * samples, docs/SERVING.md). A v2 request that arrives whole needs none of it: its head is a request line and a few
 * headers, its body a declared number of bytes already in the buffer, its answer one status line, five headers and
 * a body, written in one write ({@link ModelServer.Options#oneWriteAnswers}) or one gathered write.
 *
 * <p>What it takes: {@code POST /v2/models/NAME/infer HTTP/1.1} (or {@code NAME/versions/1}) of a served model, one
 * {@code Host} that is a plain name or IPv4 address with at most a port, a {@code Content-Length} up to the inline
 * limit, no {@code Transfer-Encoding}, {@code Expect}, {@code Upgrade} or {@code Connection} other than keep-alive,
 * header names of token characters and values without control characters, lines ended by CRLF, the head within
 * 8 KiB, head and body within the read buffer (32 KiB). A request that arrives
 * in pieces is read on, piece by piece, each within the idle timeout. Anything else goes to Jetty: the connection
 * becomes Jetty's {@code HttpConnection} with that request's bytes (Jetty's own connection upgrade), and stays so;
 * Jetty then answers it as before (404, 413, 431, the pages, a body larger than the buffer). So the lean reader never
 * refuses what Jetty would accept, and what it does accept is a strict subset of HTTP/1.1 that Jetty would accept too.
 *
 * <p>Requests on one connection are answered in order: the next is not read before the answer to this one is
 * written (pipelined requests wait in the buffer). The answer is written by the thread that has it (the model's
 * worker, as on Jetty's fast path), and the connection goes on there ({@link AnsweringThreadPool}). Everything the
 * server does per request (limits, 429/503/504 refusals, metrics, the deadline, shutdown's 503 and
 * {@code Connection: close}) is in {@link ModelServer}, shared with Jetty's fast path; this class is HTTP framing
 * only. It reads, parses and queues a small request and never waits, so Jetty runs it on the selector thread that
 * saw the bytes ({@link AbstractConnection.NonBlocking}, as {@link SelectorHandoffs} makes Jetty's connections).
 */
final class LeanConnection extends AbstractConnection.NonBlocking implements Connection.UpgradeFrom, Runnable {
    /** What a lean connection hands a v2 request to; it counts and answers as Jetty's fast path does. */
    interface Inference {
        /**
         * Answers a v2 request of model {@code name} (the path's NAME, or NAME/versions/1) through {@code reply};
         * {@code body} is read before this returns and not kept. False, having done nothing, when no such model is
         * served.
         */
        boolean infer(String name, ByteBuffer body, String jsonLengthHeader, boolean onlyConnection,
                      ModelServer.V2Reply reply);

        /** Refuses a v2 request with {@code status} and {@code message} (a body that stopped arriving). */
        void refuse(int status, String message, ModelServer.V2Reply reply);
    }

    /** Makes every new connection of its connector lean; {@code http} is the Jetty connection they are handed to. */
    static final class Factory extends AbstractConnectionFactory {
        private final HttpConnectionFactory http;
        private final Inference inference;
        private final byte[] keepAlive;
        private final int maxBody;
        private final long idleTimeoutMillis;
        /** Answers written as one buffer ({@link ModelServer.Options#oneWriteAnswers}). */
        private final boolean oneWrite;
        /** Requests answered on lean connections, and connections handed to Jetty (for tests). */
        final java.util.concurrent.atomic.LongAdder answered = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder handedToJetty = new java.util.concurrent.atomic.LongAdder();
        /**
         * With one-write answers: those handed to the socket in one write (counted before the write: the client may
         * have the answer before the writing thread goes on), and of those, the ones the socket did not take whole,
         * whose rest Jetty's write flusher wrote once the socket could take more (for tests).
         */
        final java.util.concurrent.atomic.LongAdder oneWrites = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder finishedByFlusher = new java.util.concurrent.atomic.LongAdder();

        /**
         * {@code keepAlive}: the value of every answer's {@code Keep-Alive} header; {@code maxBody}: the largest body
         * taken here (larger ones go to Jetty); {@code idleTimeoutMillis}: how long the rest of a request that has
         * arrived in part may take (the in-request idle timeout, {@link ModelServer.Options#idleTimeoutMillis});
         * {@code oneWrite}: answers as one buffer in one write ({@link ModelServer.Options#oneWriteAnswers}).
         */
        Factory(HttpConnectionFactory http, Inference inference, String keepAlive, long maxBody,
                long idleTimeoutMillis, boolean oneWrite) {
            super("lean-v2");
            this.http = http;
            this.inference = inference;
            this.keepAlive = ("Keep-Alive: " + keepAlive + "\r\n").getBytes(StandardCharsets.US_ASCII);
            this.maxBody = (int) Math.min(Integer.MAX_VALUE, maxBody);
            this.idleTimeoutMillis = idleTimeoutMillis;
            this.oneWrite = oneWrite;
            setInputBufferSize(ModelServer.READ_BUFFER_BYTES);
        }

        @Override
        public Connection newConnection(Connector connector, EndPoint endPoint) {
            return configure(new LeanConnection(this, connector, endPoint), connector, endPoint);
        }
    }

    /** The longest request head taken here (Jetty's default request header size). */
    private static final int MAX_HEAD = 8 << 10;
    private static final byte[] PREFIX = "POST /v2/models/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX = "/infer HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    /** The largest answer written in one buffer; larger ones take the gathering write (see {@link #sendInOne}). */
    static final int MAX_ONE_WRITE = 16 << 10;
    /** Each answering thread's buffer for one-write answers (direct: the socket writes from it without a copy). */
    private static final ThreadLocal<ByteBuffer[]> OUT = ThreadLocal.withInitial(() -> new ByteBuffer[1]);
    private static final byte[] OK_LINE = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_TYPE = "Content-Type: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "\r\nContent-Length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_LENGTH = ("\r\n" + InferenceProtocol.HEADER_LENGTH + ": ")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "\r\nConnection: close".getBytes(StandardCharsets.US_ASCII);

    private final Factory factory;
    private final Connector connector;
    /** Bytes read and not yet consumed, in flush mode; null while none are held (given back to the pool). */
    private RetainableByteBuffer buffer;
    /** The request whose rest is awaited (see {@link #waitForTheRest}), or null. */
    private volatile Head waiting;
    /** The idle timeout before {@link #waiting} (the keep-alive). */
    private long idleBefore;
    /** A request is with the model; nothing more is read until its answer is written. */
    private volatile boolean answering;
    /** The answer said {@code Connection: close}: output is shut, the rest of what the client sends is dropped. */
    private volatile boolean closing;
    /** The current request's call of the model from {@link #serve}. */
    private volatile Turn turn;
    /** The answers' writes (one at a time per connection): reused, where Jetty's {@code Callback.from} is single-use. */
    private final Callback written = new Callback() {
        @Override
        public void succeeded() {
            written();
        }

        @Override
        public void failed(Throwable x) {
            writeFailed(x);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING; // goes on with the next request, which never waits
        }
    };

    private LeanConnection(Factory factory, Connector connector, EndPoint endPoint) {
        super(endPoint, connector.getExecutor());
        this.factory = factory;
        this.connector = connector;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        fillInterested();
    }

    @Override
    public void onFillable() {
        try {
            if (closing) { // after a Connection: close answer, what the client still sends is read and dropped
                ByteBuffer dropped = ByteBuffer.allocate(4096).flip();
                int n;
                while ((n = getEndPoint().fill(dropped)) > 0) {
                    dropped.clear().flip();
                }
                if (n < 0) {
                    getEndPoint().close();
                } else {
                    fillInterested();
                }
                return;
            }
            if (buffer == null) {
                buffer = connector.getByteBufferPool().acquire(getInputBufferSize(), true);
            }
            int filled = getEndPoint().fill(buffer.getByteBuffer());
            if (filled < 0) {
                if (buffer.getByteBuffer().hasRemaining()) {
                    toJetty(); // a request cut short: Jetty meets the end too and answers it (400), as it always did
                    return;
                }
                release();
                getEndPoint().close(); // the client closed; no request is with the model (none is read meanwhile)
                return;
            }
            serve();
        } catch (Throwable x) {
            release();
            getEndPoint().close(x);
        }
    }

    /**
     * Answers the requests at the buffer's start, hands the connection to Jetty, or waits for more bytes. An answer
     * written on this very thread before {@code infer} returns (a refusal, or a small idle model run here) goes on
     * to the next request in this loop, not by a nested call per pipelined request.
     */
    private void serve() {
        while (true) {
            ByteBuffer b = buffer.getByteBuffer();
            if (!b.hasRemaining()) {
                release();
                fillInterested();
                return;
            }
            Head head = Head.parse(b, factory.maxBody);
            if (head == null) {
                toJetty();
                return;
            }
            if (head == Head.PARTIAL || !head.whole) {
                waitForTheRest(b, head);
                return;
            }
            if (waiting != null) {
                waiting = null;
                getEndPoint().setIdleTimeout(idleBefore);
            }
            ByteBuffer body = b.slice(head.bodyStart, head.contentLength);
            answering = true;
            // consumed before the model sees it: the answer may come (and the connection go on) on another thread
            // before infer returns; the body is read inside infer
            b.position(head.bodyStart + head.contentLength);
            boolean only = connector instanceof org.eclipse.jetty.server.AbstractConnector c
                    && c.getConnectedEndPoints().size() <= 1;
            Turn t = new Turn();
            turn = t;
            boolean served;
            try {
                served = factory.inference.infer(head.name, body, head.jsonLength, only, this::send);
            } finally {
                t.inCall = false;
            }
            if (!served) {
                b.position(head.start);
                answering = false;
                toJetty();
                return;
            }
            if (!t.answeredInCall) {
                return; // answered later by another thread, which goes on from there (see written)
            }
            if (closing || !getEndPoint().isOpen()) {
                return;
            }
        }
    }

    /**
     * The answer to the current request: one buffer in one write ({@link #sendInOne}), or, without
     * {@link ModelServer.Options#oneWriteAnswers} and for answers over {@link #MAX_ONE_WRITE}, one gathered write of
     * the head and the body through Jetty's write flusher. The same bytes either way.
     */
    private void send(int status, String type, byte[] body, int jsonLength, boolean close) {
        // (the status line and the other headers are well within the 1024 bytes' margin)
        int size = body.length + type.length() + factory.keepAlive.length + 1024;
        if (factory.oneWrite && size <= MAX_ONE_WRITE) {
            sendInOne(status, type, body, jsonLength, close, size);
            return;
        }
        StringBuilder h = new StringBuilder(160);
        h.append("HTTP/1.1 ").append(status).append(' ').append(HttpStatus.getMessage(status)).append("\r\n");
        if (factory.http.getHttpConfiguration().getSendDateHeader()) {
            h.append("Date: ").append(connector.getServer().getDateField().getValue()).append("\r\n");
        }
        h.append("Content-Type: ").append(type).append("\r\n");
        h.append("Content-Length: ").append(body.length).append("\r\n");
        if (jsonLength >= 0) {
            h.append(InferenceProtocol.HEADER_LENGTH).append(": ").append(jsonLength).append("\r\n");
        }
        if (close) {
            h.append("Connection: close\r\n");
            closing = true;
        }
        byte[] text = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer head = ByteBuffer.allocate(text.length + factory.keepAlive.length + 2);
        head.put(text).put(factory.keepAlive).put((byte) '\r').put((byte) '\n').flip();
        factory.answered.increment();
        LoneConnectionConnector.answered(connector);
        AnsweringThreadPool.answering(() -> getEndPoint().write(written, head, ByteBuffer.wrap(body)));
    }

    /**
     * The answer as one buffer: head and body encoded into this thread's direct buffer and handed to the socket by
     * this thread ({@code EndPoint.flush}: one {@code write}). Why: the gathering write formatted the head as a
     * string, put it in a new heap buffer beside the wrapped body, went through Jetty's write flusher (its state
     * machine and the callback), and the JDK copied both heap buffers into its temporary direct buffer before its
     * {@code writev}. Only when the socket does not take the whole answer at once (a client that does not read) does
     * the rest, copied off this thread's buffer (its next answer reuses it), go through the flusher, which writes it
     * when the socket can take more and then calls {@link #written}, as the gathering write does.
     */
    private void sendInOne(int status, String type, byte[] body, int jsonLength, boolean close, int size) {
        byte[] statusLine = status == 200 ? OK_LINE : ("HTTP/1.1 " + status + ' ' + HttpStatus.getMessage(status)
                + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = threadBuffer(size);
        out.put(statusLine);
        if (factory.http.getHttpConfiguration().getSendDateHeader()) {
            HttpField date = connector.getServer().getDateField();
            if (date instanceof PreEncodedHttpField encoded) {
                encoded.putTo(out, HttpVersion.HTTP_1_1); // "Date: ...\r\n", encoded once a second by Jetty
            } else {
                ascii(out, "Date: " + date.getValue() + "\r\n");
            }
        }
        out.put(CONTENT_TYPE);
        ascii(out, type);
        out.put(CONTENT_LENGTH);
        digits(out, body.length);
        if (jsonLength >= 0) {
            out.put(JSON_LENGTH);
            digits(out, jsonLength);
        }
        if (close) {
            out.put(CLOSE);
            closing = true;
        }
        out.put((byte) '\r').put((byte) '\n').put(factory.keepAlive).put((byte) '\r').put((byte) '\n').put(body).flip();
        factory.answered.increment();
        LoneConnectionConnector.answered(connector);
        AnsweringThreadPool.answering(() -> writeInOne(out));
    }

    private void writeInOne(ByteBuffer out) {
        boolean whole;
        factory.oneWrites.increment();
        try {
            whole = getEndPoint().flush(out);
        } catch (Throwable x) {
            writeFailed(x);
            return;
        }
        if (whole) {
            written();
            return;
        }
        factory.finishedByFlusher.increment();
        ByteBuffer rest = ByteBuffer.allocate(out.remaining());
        rest.put(out).flip();
        getEndPoint().write(written, rest);
    }

    /** This thread's one-write buffer, cleared, of at least {@code size} bytes (at most {@link #MAX_ONE_WRITE}). */
    private static ByteBuffer threadBuffer(int size) {
        ByteBuffer[] mine = OUT.get();
        ByteBuffer b = mine[0];
        if (b == null || b.capacity() < size) {
            b = ByteBuffer.allocateDirect(Math.min(MAX_ONE_WRITE, Math.max(4096, Integer.highestOneBit(size) << 1)));
            mine[0] = b;
        }
        return b.clear();
    }

    /** Puts {@code s} (ASCII: content types, the date) as one byte per character. */
    private static void ascii(ByteBuffer out, String s) {
        for (int i = 0; i < s.length(); i++) {
            out.put((byte) s.charAt(i));
        }
    }

    /** Puts {@code n} (>= 0) in decimal. */
    private static void digits(ByteBuffer out, int n) {
        int scale = 1;
        while (scale <= n / 10) {
            scale *= 10;
        }
        for (; scale > 0; scale /= 10) {
            out.put((byte) ('0' + n / scale % 10));
        }
    }

    private void written() {
        answering = false;
        if (closing) {
            release();
            getEndPoint().shutdownOutput();
            if (!isFillInterested()) { // (still interested after a stalled body's refusal)
                fillInterested(); // to drop what the client still sends until it closes (no reset under its feet)
            }
            return;
        }
        Turn t = turn;
        if (t != null && t.thread == Thread.currentThread() && t.inCall) {
            t.answeredInCall = true; // serve, below on this stack, goes on with the next request
            return;
        }
        // the next request: on this thread once the batch's answers are out (AnsweringThreadPool), as Jetty resumes
        getExecutor().execute(this);
    }

    private void writeFailed(Throwable x) {
        answering = false;
        release();
        getEndPoint().close(x);
    }

    /**
     * The connection goes on after an answer (see {@link #written}): as Jetty resumes one, a read first (the next
     * request may have come meanwhile), then the requests read so far, or a wait for the next.
     */
    @Override
    public void run() {
        if (getEndPoint().isOpen()) {
            onFillable();
        } else {
            release();
        }
    }

    /**
     * A request not all there yet: read on, as many reads as it takes, each within the idle timeout (the keep-alive
     * applies only between requests; a client that stops sending is cut as Jetty cuts it, see
     * {@link #onIdleExpired}). When the request would run past the buffer's end (it started late in the buffer,
     * behind pipelined requests already answered), its bytes so far are moved to the buffer's start first. Only a
     * request larger than the whole buffer goes to Jetty, which reads bodies in pieces.
     */
    private void waitForTheRest(ByteBuffer b, Head head) {
        int start = b.position();
        if (head == Head.PARTIAL) {
            // a head is at most MAX_HEAD bytes (parse says PARTIAL only below that), far less than the buffer
            if (b.limit() == b.capacity()) {
                compact(b, head);
            }
        } else {
            int size = head.bodyStart - start + head.contentLength;
            if (size > b.capacity()) {
                toJetty();
                return;
            }
            if (start + size > b.capacity()) {
                compact(b, head);
            }
        }
        if (waiting == null) {
            idleBefore = getEndPoint().getIdleTimeout();
            getEndPoint().setIdleTimeout(factory.idleTimeoutMillis);
        }
        waiting = head;
        fillInterested();
    }

    /**
     * Moves the unread bytes (the request being read, at the buffer's position) to the buffer's start; {@code head}'s
     * offsets move with them. Nothing else refers to the buffer's bytes meanwhile: a request's body is read by the
     * model's call before the next one is parsed.
     */
    private static void compact(ByteBuffer b, Head head) {
        int shift = b.position();
        b.compact().flip();
        if (head != Head.PARTIAL) {
            head.start -= shift;
            head.bodyStart -= shift;
        }
    }

    /** From here on the connection is Jetty's, starting with the request at the buffer's position. */
    private void toJetty() {
        if (waiting != null) {
            waiting = null;
            getEndPoint().setIdleTimeout(idleBefore);
        }
        factory.handedToJetty.increment();
        getEndPoint().upgrade(factory.http.newConnection(connector, getEndPoint()));
    }

    @Override
    public ByteBuffer onUpgradeFrom() {
        if (buffer == null) {
            return null;
        }
        ByteBuffer b = buffer.getByteBuffer();
        ByteBuffer rest = ByteBuffer.allocateDirect(b.remaining());
        rest.put(b).flip();
        release();
        if (!rest.hasRemaining()) {
            return null;
        }
        if (getEndPoint() instanceof ServeEndPoint socket) {
            // read again by Jetty's connection as if from the socket: bytes given with the upgrade took another path
            // in Jetty, which lost the 431 of a too-large head about a third of the time (see ServeEndPoint)
            socket.unread(rest);
            return null;
        }
        return rest;
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        if (answering) {
            return false; // a request with the model has its own deadline (504); the connection waits for it
        }
        Head stalled = waiting;
        if (stalled == null || stalled == Head.PARTIAL) {
            return true; // idle between requests, or within a head: closed, as Jetty closes it
        }
        // a body that stopped arriving: refused as Jetty's fast path refuses it, and the connection closed
        waiting = null;
        int received = buffer.getByteBuffer().limit() - stalled.bodyStart;
        factory.inference.refuse(400, "the body could not be read after " + received + " of its "
                + stalled.contentLength + " bytes: " + timeout, (s, t, body, j, close) -> send(s, t, body, j, true));
        return false;
    }

    private void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }

    /**
     * One call of the model from {@link #serve}: its thread, and whether the answer was written on that thread before
     * the call returned. Only that thread reads or writes its flags.
     */
    private static final class Turn {
        final Thread thread = Thread.currentThread();
        boolean inCall = true;
        boolean answeredInCall;
    }

    /** A request head this connection answers, parsed; see {@link #parse}. */
    private static final class Head {
        /** A request whose head is not all there yet. */
        static final Head PARTIAL = new Head();
        int start;
        String name;
        int contentLength = -1;
        String jsonLength;
        int bodyStart;
        /** The whole body is in the buffer. */
        boolean whole;

        /**
         * The head at {@code b}'s position (not moved); {@link #PARTIAL} when what is there so far may begin one taken
         * here; null when it is not a request taken here (see the class comment).
         */
        static Head parse(ByteBuffer b, int maxBody) {
            int p = b.position();
            int end = Math.min(b.limit(), p + MAX_HEAD);
            if (!headEnds(b, p, end)) {
                int n = Math.min(end - p, PREFIX.length);
                // a bare LF (Jetty takes LF-only line ends) would never end the head here: Jetty decides at once
                return end == b.limit() && startsWith(b, p, p + n, java.util.Arrays.copyOf(PREFIX, n))
                        && crlfOnly(b, p, end) ? PARTIAL : null;
            }
            if (!startsWith(b, p, end, PREFIX)) {
                return null;
            }
            Head h = new Head();
            h.start = p;
            int nameStart = p + PREFIX.length;
            int i = nameStart;
            while (i < end && b.get(i) != ' ') {
                int c = b.get(i);
                if (c <= ' ' || c >= 0x7f || c == '%' || c == '?' || c == '#') {
                    return null; // an encoded, queried or odd path: Jetty's routes (and their decoding) answer it
                }
                i++;
            }
            int nameEnd = i - "/infer".length();
            if (nameEnd <= nameStart || !startsWith(b, nameEnd, end, SUFFIX)) {
                return null;
            }
            h.name = ascii(b, nameStart, nameEnd);
            int hosts = 0;
            i = nameEnd + SUFFIX.length;
            while (true) { // one header line per turn, up to the empty line
                int eol = lineEnd(b, i, end);
                if (eol < 0) {
                    return null; // a line not ended by CRLF
                }
                if (eol == i) {
                    h.bodyStart = eol + 2;
                    break;
                }
                int colon = -1;
                for (int k = i; k < eol; k++) {
                    int c = b.get(k);
                    if (c == ':') {
                        colon = k;
                        break;
                    }
                    if (!token(c)) {
                        return null; // folded lines, spaces before the colon, odd characters: Jetty decides
                    }
                }
                if (colon <= i) {
                    return null;
                }
                int vs = colon + 1;
                int ve = eol;
                while (vs < ve && (b.get(vs) == ' ' || b.get(vs) == '\t')) {
                    vs++;
                }
                while (ve > vs && (b.get(ve - 1) == ' ' || b.get(ve - 1) == '\t')) {
                    ve--;
                }
                for (int k = vs; k < ve; k++) {
                    int c = b.get(k) & 0xff;
                    if ((c < ' ' && c != '\t') || c == 0x7f) {
                        return null;
                    }
                }
                String field = ascii(b, i, colon).toLowerCase(java.util.Locale.ROOT);
                switch (field) {
                    case "host" -> {
                        if (!plainHost(b, vs, ve)) {
                            return null; // Jetty checks the authority (400 for a bad one): it decides the rest
                        }
                        hosts++;
                    }
                    case "content-length" -> {
                        if (h.contentLength >= 0 || ve == vs || ve - vs > 9) {
                            return null;
                        }
                        int n = 0;
                        for (int k = vs; k < ve; k++) {
                            int d = b.get(k) - '0';
                            if (d < 0 || d > 9) {
                                return null;
                            }
                            n = n * 10 + d;
                        }
                        h.contentLength = n;
                    }
                    case "inference-header-content-length" -> {
                        if (h.jsonLength != null) {
                            return null;
                        }
                        h.jsonLength = ascii(b, vs, ve);
                    }
                    case "connection" -> {
                        if (!"keep-alive".equalsIgnoreCase(ascii(b, vs, ve))) {
                            return null;
                        }
                    }
                    case "transfer-encoding", "expect", "upgrade", "http2-settings" -> {
                        return null;
                    }
                    default -> {
                        // other headers (Content-Type, Accept, User-Agent, ...) do not change the answer
                    }
                }
                i = eol + 2;
            }
            if (hosts != 1 || h.contentLength < 0 || h.contentLength > maxBody) {
                return null;
            }
            h.whole = b.limit() - h.bodyStart >= h.contentLength;
            return h;
        }

        /** Whether the bytes from {@code from} to {@code end} hold the empty line that ends a head. */
        private static boolean headEnds(ByteBuffer b, int from, int end) {
            for (int k = from; k + 3 < end; k++) {
                if (b.get(k + 3) == '\n' && b.get(k + 2) == '\r' && b.get(k + 1) == '\n' && b.get(k) == '\r') {
                    return true;
                }
            }
            return false;
        }

        /** Whether every LF from {@code from} to {@code end} ends a CRLF. */
        private static boolean crlfOnly(ByteBuffer b, int from, int end) {
            for (int k = from; k < end; k++) {
                if (b.get(k) == '\n' && (k == from || b.get(k - 1) != '\r')) {
                    return false;
                }
            }
            return true;
        }

        private static boolean startsWith(ByteBuffer b, int at, int end, byte[] s) {
            if (end - at < s.length) {
                return false;
            }
            for (int k = 0; k < s.length; k++) {
                if (b.get(at + k) != s[k]) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Where the line starting at {@code from} ends (its CR of CRLF), or -1 when not before {@code end} or not
         * ended by CRLF.
         */
        private static int lineEnd(ByteBuffer b, int from, int end) {
            for (int k = from; k + 1 < end; k++) {
                byte c = b.get(k);
                if (c == '\r') {
                    return b.get(k + 1) == '\n' ? k : -1; // a lone CR: Jetty decides
                }
                if (c == '\n') {
                    return -1; // a bare LF: Jetty decides
                }
            }
            return -1;
        }

        /**
         * Whether the Host value from {@code from} to {@code to} is a plain name or IPv4 address, of letters, digits
         * and {@code -._~}, with at most a port of 1 to 65535: a subset of what Jetty's authority check accepts, so
         * that a Host it refuses (an IPv6 literal cut short, spaces, a port past 65535) is never answered here.
         */
        private static boolean plainHost(ByteBuffer b, int from, int to) {
            int k = from;
            while (k < to && b.get(k) != ':') {
                int c = b.get(k);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                        || c == '_' || c == '~')) {
                    return false;
                }
                k++;
            }
            if (k == from) {
                return false;
            }
            if (k == to) {
                return true;
            }
            int digits = to - k - 1;
            if (digits < 1 || digits > 5) {
                return false;
            }
            int port = 0;
            for (int i = k + 1; i < to; i++) {
                int d = b.get(i) - '0';
                if (d < 0 || d > 9) {
                    return false;
                }
                port = port * 10 + d;
            }
            return port >= 1 && port <= 65535;
        }

        private static boolean token(int c) {
            return c > ' ' && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }

        private static String ascii(ByteBuffer b, int from, int to) {
            byte[] s = new byte[to - from];
            b.get(from, s);
            return new String(s, StandardCharsets.ISO_8859_1);
        }
    }
}
