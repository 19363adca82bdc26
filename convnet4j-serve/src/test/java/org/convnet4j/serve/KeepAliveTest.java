package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connections, on raw sockets: the server does not close a connection that is idle between requests before its
 * keep-alive (clients close idle ones, so that none sends a request into a connection the server is closing: a POST
 * there gets no answer, "header parser received no bytes" in the JDK's client), and every answer says how long that
 * is; a request that stalls halfway, in its head or its body, is still cut after the short idle timeout; with many
 * connections open, idle ones are closed after the idle timeout too.
 */
class KeepAliveTest {
    /**
     * The in-request idle timeout. Every request here must be read and answered within it, also on a machine whose
     * threads wait hundreds of milliseconds for a core (200 ms cut Jetty's own routes there); what the tests assert
     * is relative to it (idle twice as long between requests, a stall cut after it).
     */
    private static final long IDLE_MILLIS = 1_000;
    private static final byte[] BODY = ModelServerTest.inferBody(TestModels.randomInput(new Random(4), 1))
            .getBytes(StandardCharsets.UTF_8);

    private static ModelServer server;

    @BeforeAll
    static void start() throws IOException {
        ModelServer.Options o = options();
        o.warmupRuns = 1; // the first request is not the one that runs the model's code cold
        server = ModelServer.start(Map.of("lenet", TestModels.lenet(2)), o);
        server.warmedUp().join();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static ModelServer.Options options() {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.warmupRuns = 0;
        o.idleTimeoutMillis = IDLE_MILLIS;
        return o;
    }

    private static String infer(OutputStream out, InputStream in) throws IOException {
        out.write(SelectorPathTest.head("/v2/models/lenet/infer", "application/json", BODY.length));
        out.write(BODY);
        out.flush();
        return SelectorPathTest.readResponse(in);
    }

    @Test
    void aConnectionIdleLongerThanTheIdleTimeoutIsStillAnsweredAndToldItsKeepAlive() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            String first = infer(out, in); // the Jetty fast path
            assertTrue(first.startsWith("HTTP/1.1 200"), first);
            assertTrue(first.contains("\r\nKeep-Alive: timeout=1260\r\n"), first);
            assertFalse(first.toLowerCase().contains("connection: close"), first);
            out.write("GET /v2/health/live HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String live = SelectorPathTest.readResponse(in); // Javalin's routes
            assertTrue(live.startsWith("HTTP/1.1 200") && live.contains("\r\nKeep-Alive: timeout=1260\r\n"), live);
            Thread.sleep(2 * IDLE_MILLIS); // idle twice the idle timeout (when both were one, Jetty closed it by then)
            String later = infer(out, in);
            assertTrue(later.startsWith("HTTP/1.1 200") && later.contains("\"outputs\""), later);
        }
    }

    @Test
    void aRequestStalledHalfwayIsCutAfterTheIdleTimeout() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000); // with the keep-alive (21 min) applied within requests, this read would time out
            OutputStream out = s.getOutputStream();
            out.write(SelectorPathTest.head("/v2/models/lenet/infer", "application/json", BODY.length));
            out.write(BODY, 0, 10);
            out.flush();
            String answer = SelectorPathTest.readResponse(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 400") && answer.contains("Idle timeout expired")
                    && answer.contains("\r\nConnection: close\r\n"), answer);
        }
    }

    @Test
    void aHeadStalledHalfwayIsCutAfterTheIdleTimeoutAndOneArrivingSlowlyIsNot() throws Exception {
        byte[] head = SelectorPathTest.head("/v2/models/lenet/infer", "application/json", BODY.length);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            // Jetty's connection applies the in-request timeout only from the head's end: before ServeEndPoint cut
            // stalled heads, this half head held the connection for the keep-alive (21 min), and this read timed out
            s.setSoTimeout(20_000);
            s.getOutputStream().write(head, 0, head.length / 2);
            s.getOutputStream().flush();
            long t0 = System.nanoTime();
            assertEquals(-1, readOrTimeout(s.getInputStream()), "a half head was left open");
            assertTrue(System.nanoTime() - t0 >= IDLE_MILLIS * 900_000L, "closed before the idle timeout");
        } catch (java.net.SocketException reset) {
            // closed: a reset is as good as an end of stream here
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            // a head (then its body) arriving in pieces, each within the idle timeout but the head taking twice as
            // long in all, is answered, and the connection, idle twice the idle timeout, then answers the next one
            s.setSoTimeout(20_000);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            int piece = head.length / 8 + 1;
            for (int from = 0; from < head.length; from += piece) {
                out.write(head, from, Math.min(piece, head.length - from));
                out.flush();
                Thread.sleep(IDLE_MILLIS / 4);
            }
            out.write(BODY);
            out.flush();
            String answer = SelectorPathTest.readResponse(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200") && answer.contains("\"outputs\""), answer);
            Thread.sleep(2 * IDLE_MILLIS);
            String next = infer(out, s.getInputStream());
            assertTrue(next.startsWith("HTTP/1.1 200") && next.contains("\"outputs\""), next);
        }
    }

    @Test
    void withManyConnectionsOpenIdleOnesAreClosedAfterTheIdleTimeout() throws Exception {
        ModelServer.Options o = options();
        o.manyConnections = 3;
        try (ModelServer crowded = ModelServer.start(Map.of("lenet", TestModels.lenet(2)), o)) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket s = new Socket("127.0.0.1", crowded.port());
                    sockets.add(s);
                    s.setSoTimeout(20_000);
                    s.getOutputStream().write("GET /v2/health/live HTTP/1.1\r\nHost: test\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    String live = SelectorPathTest.readResponse(s.getInputStream());
                    assertTrue(live.startsWith("HTTP/1.1 200"), live);
                }
                for (Socket s : sockets) {
                    // closed by the server once its monitor (every 0.5 s) sees 4 connections: well before 20 s
                    assertEquals(-1, readOrTimeout(s.getInputStream()), "an idle connection of 4 was left open");
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    private static int readOrTimeout(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            return -2;
        }
    }
}
