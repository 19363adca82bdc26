package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lean answers written as one buffer ({@link ModelServer.Options#oneWriteAnswers}): the same bytes as the gathered
 * write's (two servers, the switch off and on, the same requests), each in one write, and an answer the socket cannot
 * take at once (a client that does not read, small socket buffers) still arrives whole and in order, its rest written
 * by Jetty's flusher.
 */
class OneWriteAnswerTest {
    private static SavedModel saved;
    private static ModelServer gathered;
    private static ModelServer oneWrite;

    @BeforeAll
    static void start() throws IOException {
        saved = TestModels.lenet(12);
        gathered = start(false);
        oneWrite = start(true);
    }

    private static ModelServer start(boolean oneWriteAnswers) throws IOException {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = 8;
        o.idleTimeoutMillis = 1_500; // the stalled body's wait (its refusal says Connection: close)
        o.leanConnections = true;
        o.oneWriteAnswers = oneWriteAnswers;
        ModelServer s = ModelServer.start(Map.of("lenet", saved), o);
        s.warmedUp().join();
        return s;
    }

    @AfterAll
    static void stop() {
        if (gathered != null) {
            gathered.close();
        }
        if (oneWrite != null) {
            oneWrite.close();
        }
    }

    private static LeanConnection.Factory lean(ModelServer s) {
        return s.connector().getConnectionFactory(LeanConnection.Factory.class);
    }

    /** The answer's text without its Date line (the two servers' clocks may have turned a second between them). */
    private static String withoutDate(byte[] answer) {
        String t = new String(answer, StandardCharsets.ISO_8859_1);
        assertTrue(t.matches("(?s)HTTP/1\\.1 [^\r]*\r\nDate: [^\r]+\r\n.*"), t);
        return t.replaceFirst("\r\nDate: [^\r]+\r\n", "\r\n");
    }

    @Test
    void oneWriteAnswersAreTheGatheredWritesBytesEachInOneWrite() throws Exception {
        String type = "Content-Type: application/json\r\n";
        String[] h = new String[1];
        byte[] bin = LeanConnectionTest.binary(TestModels.randomInput(new Random(5), 8), h);
        List<byte[]> requests = List.of(
                LeanConnectionTest.request("/v2/models/lenet/infer", h[0], bin),
                LeanConnectionTest.request("/v2/models/lenet/infer", type,
                        ModelServerTest.inferBody(TestModels.randomInput(new Random(6), 3)).getBytes(StandardCharsets.UTF_8)),
                LeanConnectionTest.request("/v2/models/lenet/versions/1/infer", type, "{\"inputs\": [".getBytes(StandardCharsets.UTF_8)),
                LeanConnectionTest.request("/v2/models/lenet/infer", type,
                        ModelServerTest.inferBody(Tensor.zeros(1, 3, 28, 28)).getBytes(StandardCharsets.UTF_8)));
        LeanConnection.Factory on = lean(oneWrite);
        LeanConnection.Factory off = lean(gathered);
        long inOne = on.oneWrites.sum();
        long flusher = on.finishedByFlusher.sum();
        long answeredOn = on.answered.sum();
        long answeredOff = off.answered.sum();
        for (byte[] r : requests) {
            byte[] expected = LeanConnectionTest.exchange(gathered, r);
            byte[] got = LeanConnectionTest.exchange(oneWrite, r);
            assertEquals(withoutDate(expected), withoutDate(got));
        }
        assertEquals(answeredOff + requests.size(), off.answered.sum(), "the gathered answers were lean ones");
        assertEquals(answeredOn + requests.size(), on.answered.sum());
        assertEquals(inOne + requests.size(), on.oneWrites.sum(), "each answer in one write");
        assertEquals(flusher, on.finishedByFlusher.sum(), "each taken whole by the socket");
        assertEquals(0, off.oneWrites.sum() + off.finishedByFlusher.sum(), "the switch off writes as before");
        // a refusal that closes the connection (a body that stopped arriving): Connection: close, in the same bytes
        byte[] whole = requests.get(1);
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 10);
        String expected = withoutTimes(withoutDate(stalled(gathered, cut)));
        assertTrue(expected.startsWith("HTTP/1.1 400") && expected.contains("\r\nConnection: close\r\n"), expected);
        assertEquals(expected, withoutTimes(withoutDate(stalled(oneWrite, cut))));
    }

    /**
     * A stalled body's refusal without what differs from one to the next: how long the wait was ("Idle timeout expired:
     * 1509/1500 ms") and so the body's length (read by that length, so it is the body's).
     */
    private static String withoutTimes(String answer) {
        return answer.replaceFirst("Idle timeout expired: \\d+/", "Idle timeout expired: N/")
                .replaceFirst("\r\nContent-Length: \\d+\r\n", "\r\nContent-Length: N\r\n");
    }

    /** Sends {@code part} of a request and reads the refusal the server answers once the rest does not come. */
    private static byte[] stalled(ModelServer s, byte[] part) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(part);
            socket.getOutputStream().flush();
            byte[] a = SelectorPathTest.readResponseBytes(socket.getInputStream());
            assertEquals(-1, socket.getInputStream().read(), "closed after the refusal");
            return a;
        }
    }

    @Test
    void anAnswerTheSocketDoesNotTakeAtOnceArrivesWholeAndInOrder() throws Exception {
        LeanConnection.Factory on = lean(oneWrite);
        // small socket buffers on both sides, and a client that sends 200 requests before it reads any answer: the
        // server's writes find the socket full, and the rest of such an answer goes through Jetty's flusher
        oneWrite.connector().setAcceptedSendBufferSize(4096);
        int n = 200;
        Tensor[] inputs = new Tensor[4];
        byte[][] bodies = new byte[inputs.length][];
        float[][] expected = new float[inputs.length][];
        String[] h = new String[1];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = TestModels.randomInput(new Random(70 + i), 8);
            byte[] body = LeanConnectionTest.binary(inputs[i], h); // (sets h[0], its headers)
            bodies[i] = LeanConnectionTest.request("/v2/models/lenet/infer", h[0], body);
            expected[i] = saved.model().predict(inputs[i]).data();
        }
        long flusher = on.finishedByFlusher.sum();
        long answered = on.answered.sum();
        long ones = on.oneWrites.sum();
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", oneWrite.port()));
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            Throwable[] sendFailed = new Throwable[1];
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        out.write(bodies[i % bodies.length]);
                    }
                    out.flush();
                } catch (Throwable x) {
                    sendFailed[0] = x;
                }
            });
            sender.start();
            // no answer is read until the server has found its socket full (a wait for a count, not a timing)
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (on.finishedByFlusher.sum() == flusher && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(on.finishedByFlusher.sum() > flusher, "no answer found the socket full: "
                    + (on.answered.sum() - answered) + " answered, " + (on.oneWrites.sum() - ones) + " in one write");
            InputStream in = s.getInputStream();
            for (int i = 0; i < n; i++) {
                byte[] a = SelectorPathTest.readResponseBytes(in);
                String t = new String(a, StandardCharsets.ISO_8859_1);
                assertTrue(t.startsWith("HTTP/1.1 200 OK\r\n"), "answer " + i + ": " + t);
                float[] e = expected[i % expected.length];
                float[] got = new float[e.length];
                ByteBuffer.wrap(a, a.length - 4 * got.length, 4 * got.length).order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer().get(got);
                assertArrayEquals(e, got, "answer " + i);
            }
            sender.join(60_000);
            assertEquals(null, sendFailed[0]);
            // the connection goes on after the flusher's writes
            out.write(bodies[0]);
            out.flush();
            byte[] a = SelectorPathTest.readResponseBytes(in);
            assertTrue(new String(a, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200 OK\r\n"));
        } finally {
            oneWrite.connector().setAcceptedSendBufferSize(-1);
        }
        assertEquals(answered + n + 1, on.answered.sum(), "all answered on the lean connection");
    }
}
