package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * v2 inference on lean connections ({@link ModelServer.Options#leanConnections}), on raw sockets: plain requests that
 * arrive whole are answered by the lean reader with the same bodies, statuses and headers that Jetty's routes give
 * (compared with the same request sent where only Jetty answers: a trailing slash), pipelined ones in order, also a
 * burst larger than the read buffer; any other request hands the connection to Jetty with its bytes, and Jetty answers
 * it and what follows; a request that arrives in pieces (two, five, or one byte at a time) is still taken, one that
 * stalls is refused 400 with {@code Connection: close}.
 */
class LeanConnectionTest {
    private static SavedModel saved;
    private static ModelServer server;
    private static LeanConnection.Factory lean;

    @BeforeAll
    static void start() throws IOException {
        saved = TestModels.lenet(11);
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = 8;
        o.idleTimeoutMillis = 2_000; // the stalled body's wait; shorter ones cut Jetty's own requests on a loaded machine
        o.leanConnections = true;
        server = ModelServer.start(Map.of("lenet", saved), o);
        server.warmedUp().join();
        lean = server.connector().getConnectionFactory(LeanConnection.Factory.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static byte[] request(String path, String headers, byte[] body) {
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: test\r\n" + headers + "Content-Length: " + body.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private static byte[] json(long seed, int n) {
        return ModelServerTest.inferBody(TestModels.randomInput(new Random(seed), n)).getBytes(StandardCharsets.UTF_8);
    }

    /** A binary-extension body of {@code x} and the header that goes with it. */
    static byte[] binary(Tensor x, String[] header) {
        byte[] h = ("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[" + x.dim(0) + ",1,28,28],"
                + "\"parameters\":{\"binary_data_size\":" + 4 * x.size() + "}}],"
                + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(h.length + 4 * x.size()).order(ByteOrder.LITTLE_ENDIAN);
        body.put(h);
        body.asFloatBuffer().put(x.data());
        header[0] = "Content-Type: application/octet-stream\r\n" + InferenceProtocol.HEADER_LENGTH + ": " + h.length
                + "\r\n";
        return body.array();
    }

    /** Sends {@code request} on a new connection and reads one answer. */
    private static byte[] exchange(byte[] request) throws IOException {
        return exchange(server, request);
    }

    /** Sends {@code request} on a new connection to {@code to} and reads one answer. */
    static byte[] exchange(ModelServer to, byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", to.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            return SelectorPathTest.readResponseBytes(s.getInputStream());
        }
    }

    private static String text(byte[] answer) {
        return new String(answer, StandardCharsets.ISO_8859_1);
    }

    private static String status(byte[] answer) {
        String t = text(answer);
        return t.substring(0, t.indexOf("\r\n"));
    }

    private static byte[] body(byte[] answer) {
        int start = text(answer).indexOf("\r\n\r\n") + 4;
        return java.util.Arrays.copyOfRange(answer, start, answer.length);
    }

    private static String header(byte[] answer, String name) {
        for (String line : text(answer).substring(0, text(answer).indexOf("\r\n\r\n")).split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith(name.toLowerCase(java.util.Locale.ROOT) + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    /** The lean answer and Jetty's (the same request with a trailing slash, which only Jetty's routes take) agree. */
    private static void assertLikeJetty(String headers, byte[] body) throws IOException {
        long answered = lean.answered.sum();
        byte[] mine = exchange(request("/v2/models/lenet/infer", headers, body));
        assertEquals(answered + 1, lean.answered.sum(), "answered on the lean connection");
        long handed = lean.handedToJetty.sum();
        byte[] jetty = exchange(request("/v2/models/lenet/infer/", headers, body));
        assertEquals(handed + 1, lean.handedToJetty.sum(), "the trailing slash went to Jetty");
        assertEquals(status(jetty), status(mine), text(mine));
        assertArrayEquals(body(jetty), body(mine), text(mine));
        for (String h : new String[] {"Content-Type", "Content-Length", "Keep-Alive", InferenceProtocol.HEADER_LENGTH,
                "Connection", "Server"}) {
            assertEquals(header(jetty, h), header(mine, h), h + " of\n" + text(mine) + "\nagainst\n" + text(jetty));
        }
        assertEquals(header(jetty, "Date") != null, header(mine, "Date") != null, text(mine));
    }

    @Test
    void plainRequestsAreAnsweredLeanAsJettyAnswersThem() throws Exception {
        assertLikeJetty("Content-Type: application/json\r\n", json(1, 1));
        assertLikeJetty("Content-Type: application/json\r\n", json(2, 3));
        String[] h = new String[1];
        Tensor x = TestModels.randomInput(new Random(3), 8);
        byte[] b = binary(x, h);
        assertLikeJetty(h[0], b);
        // and the outputs are the model's, bit for bit
        byte[] answer = exchange(request("/v2/models/lenet/infer", h[0], b));
        float[] expected = saved.model().predict(x).data();
        float[] got = new float[expected.length];
        ByteBuffer.wrap(answer, answer.length - 4 * got.length, 4 * got.length).order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer().get(got);
        assertArrayEquals(expected, got);
    }

    @Test
    void refusalsAreJettysRefusals() throws Exception {
        String type = "Content-Type: application/json\r\n";
        assertLikeJetty(type, "{\"inputs\": [".getBytes(StandardCharsets.UTF_8)); // broken JSON
        assertLikeJetty(type, ModelServerTest.inferBody(Tensor.zeros(1, 3, 28, 28)).getBytes(StandardCharsets.UTF_8));
        assertLikeJetty(type + InferenceProtocol.HEADER_LENGTH + ": nine\r\n", json(4, 1));
        byte[] r = exchange(request("/v2/models/lenet/infer", type, "{}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(status(r).startsWith("HTTP/1.1 400"), text(r));
        assertTrue(text(r).contains("\"error\""), text(r));
    }

    @Test
    void requestsSentTogetherAreAnsweredInOrderAndAnOtherRequestGoesToJettyWithItsBytes() throws Exception {
        String type = "Content-Type: application/json\r\n";
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        String[] expected = new String[5];
        for (int i = 0; i < 5; i++) {
            byte[] body = json(20 + i, 1);
            expected[i] = new String(body(exchange(request("/v2/models/lenet/infer/", type, body))),
                    StandardCharsets.UTF_8);
            all.write(request("/v2/models/lenet/infer", type, body));
        }
        // a request the lean reader does not take, then lean ones again: Jetty answers all that follows
        all.write("GET /v2/health/ready HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] after = json(30, 2);
        all.write(request("/v2/models/lenet/infer", type, after));
        String afterExpected = new String(body(exchange(request("/v2/models/lenet/infer/", type, after))),
                StandardCharsets.UTF_8);
        // However the one write arrives (whole, or cut by reads anywhere, across the 32 KiB buffer's end: fresh-clone
        // CI once saw 3 lean answers, then Jetty, when the reader handed over a request cut twice), the five are
        // answered lean and only the GET hands the connection over, the last request going with it to Jetty
        long answered = lean.answered.sum();
        long handed = lean.handedToJetty.sum();
        pipelined(all.toByteArray(), expected, afterExpected);
        assertEquals(answered + 5, lean.answered.sum(), "lean answers");
        assertEquals(handed + 1, lean.handedToJetty.sum(), "one hand-over to Jetty on the connection");
    }

    private void pipelined(byte[] all, String[] expected, String afterExpected) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(all); // in one write: each next request is there when the last is answered
            out.flush();
            for (int i = 0; i < 5; i++) {
                byte[] a = SelectorPathTest.readResponseBytes(s.getInputStream());
                assertTrue(status(a).equals("HTTP/1.1 200 OK"), text(a));
                assertEquals(expected[i], new String(body(a), StandardCharsets.UTF_8));
            }
            byte[] ready = SelectorPathTest.readResponseBytes(s.getInputStream());
            assertTrue(status(ready).startsWith("HTTP/1.1 200") && text(ready).contains("\"ready\":true"), text(ready));
            byte[] a = SelectorPathTest.readResponseBytes(s.getInputStream());
            assertTrue(status(a).startsWith("HTTP/1.1 200"), text(a));
            assertEquals(afterExpected, new String(body(a), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aPipelinedBurstLargerThanTheBufferIsAnsweredLean() throws Exception {
        // 16 JSON requests of one sample (some 8 KiB each) in one write: the buffer (32 KiB) holds three and a part,
        // so several requests run past its end and are moved to its start; all are answered on the lean connection
        String type = "Content-Type: application/json\r\n";
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        String[] expected = new String[16];
        for (int i = 0; i < expected.length; i++) {
            byte[] body = json(60 + i, 1);
            expected[i] = new String(body(exchange(request("/v2/models/lenet/infer/", type, body))),
                    StandardCharsets.UTF_8);
            all.write(request("/v2/models/lenet/infer", type, body));
        }
        assertTrue(all.size() > 3 * ModelServer.READ_BUFFER_BYTES, "the burst: " + all.size() + " bytes");
        long answered = lean.answered.sum();
        long handed = lean.handedToJetty.sum();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(all.toByteArray());
            s.getOutputStream().flush();
            for (String e : expected) {
                byte[] a = SelectorPathTest.readResponseBytes(s.getInputStream());
                assertEquals("HTTP/1.1 200 OK", status(a), text(a));
                assertEquals(e, new String(body(a), StandardCharsets.UTF_8));
            }
        }
        assertEquals(answered + expected.length, lean.answered.sum(), "all answered on the lean connection");
        assertEquals(handed, lean.handedToJetty.sum(), "none handed to Jetty");
    }

    @Test
    void requestsArrivingInManyPiecesAreAnsweredLean() throws Exception {
        String[] h = new String[1];
        Tensor x = TestModels.randomInput(new Random(70), 1);
        byte[] binaryBody = binary(x, h);
        byte[] dribbled = request("/v2/models/lenet/infer", h[0], binaryBody);
        float[] expected = saved.model().predict(x).data();
        byte[] jsonBody = json(71, 1);
        byte[] fivePieces = request("/v2/models/lenet/infer", "Content-Type: application/json\r\n", jsonBody);
        String fiveExpected = new String(body(exchange(request("/v2/models/lenet/infer/",
                "Content-Type: application/json\r\n", jsonBody))), StandardCharsets.UTF_8);
        long answered = lean.answered.sum();
        long handed = lean.handedToJetty.sum();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            s.setTcpNoDelay(true); // each write its own segment
            OutputStream out = s.getOutputStream();
            // a binary request (head and body, some 3.5 KiB) written one byte at a time, with a pause every 64
            for (int i = 0; i < dribbled.length; i++) {
                out.write(dribbled[i]);
                out.flush();
                if (i % 64 == 63) {
                    Thread.sleep(1);
                }
            }
            byte[] a = SelectorPathTest.readResponseBytes(s.getInputStream());
            assertEquals("HTTP/1.1 200 OK", status(a), text(a));
            float[] got = new float[expected.length];
            ByteBuffer.wrap(a, a.length - 4 * got.length, 4 * got.length).order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer().get(got);
            assertArrayEquals(expected, got);
            // then a JSON request whose head comes whole and whose body comes in five writes, 30 ms apart
            int headLength = fivePieces.length - jsonBody.length;
            out.write(fivePieces, 0, headLength);
            out.flush();
            int piece = jsonBody.length / 5;
            for (int k = 0; k < 5; k++) {
                Thread.sleep(30);
                int from = headLength + k * piece;
                int to = k == 4 ? fivePieces.length : from + piece;
                out.write(fivePieces, from, to - from);
                out.flush();
            }
            a = SelectorPathTest.readResponseBytes(s.getInputStream());
            assertEquals("HTTP/1.1 200 OK", status(a), text(a));
            assertEquals(fiveExpected, new String(body(a), StandardCharsets.UTF_8));
        }
        assertEquals(answered + 2, lean.answered.sum(), "both answered on the lean connection");
        assertEquals(handed, lean.handedToJetty.sum(), "none handed to Jetty");
    }

    @Test
    void aHostJettyRefusesIsLeftToJetty() throws Exception {
        byte[] body = json(80, 1);
        String type = "Content-Type: application/json\r\n";
        for (String host : new String[] {"a b", "[::1", "a:99999", "a:", "a@b", "", "[::1]:8080"}) {
            long answered = lean.answered.sum();
            byte[] mine = exchange(withHost("/v2/models/lenet/infer", host, type, body));
            byte[] jetty = exchange(withHost("/v2/models/lenet/infer/", host, type, body));
            assertEquals(answered, lean.answered.sum(), "Host '" + host + "' answered on the lean connection");
            assertEquals(status(jetty), status(mine), "Host '" + host + "': " + text(mine));
        }
        for (String host : new String[] {"localhost", "127.0.0.1:8080", "model-server.example_1~x:65535"}) {
            long answered = lean.answered.sum();
            byte[] mine = exchange(withHost("/v2/models/lenet/infer", host, type, body));
            assertEquals("HTTP/1.1 200 OK", status(mine), text(mine));
            assertEquals(answered + 1, lean.answered.sum(), "Host '" + host + "' is answered lean");
        }
    }

    private static byte[] withHost(String path, String host, String headers, byte[] body) {
        String r = new String(request(path, headers, body), StandardCharsets.ISO_8859_1);
        return r.replace("Host: test\r\n", "Host: " + host + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aHeadWithBareLineFeedsIsLeftToJetty() throws Exception {
        // Jetty takes LF-only line ends; the lean reader, looking for CRLF CRLF, waited for the head's end until the
        // idle timeout closed the connection without an answer
        String[] h = new String[1];
        byte[] body = binary(TestModels.randomInput(new Random(81), 1), h); // head and body within 8 KiB
        byte[] head = ("POST /v2/models/lenet/infer HTTP/1.1\nHost: test\n" + h[0].replace("\r\n", "\n")
                + "Content-Length: " + body.length + "\n\n").getBytes(StandardCharsets.US_ASCII);
        byte[] req = java.util.Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, req, head.length, body.length);
        long handed = lean.handedToJetty.sum();
        byte[] a = exchange(req);
        assertEquals("HTTP/1.1 200 OK", status(a), text(a));
        assertEquals(handed + 1, lean.handedToJetty.sum());
    }

    @Test
    void aHeadTooLargeIsAnswered431EveryTime() throws Exception {
        // 10,000 headers (119 KB, the client still sending when Jetty refuses): handed over with the bytes given
        // with the upgrade, Jetty asked for more input after its 431, met its closed parser and closed the
        // connection, often before the 431 was written (12 of 30 tries); now 30 of 30, as on Jetty's own reads
        StringBuilder head = new StringBuilder("POST /v2/models/lenet/infer HTTP/1.1\r\nHost: test\r\n");
        for (int i = 0; i < 10_000; i++) {
            head.append("X-H").append(i).append(": v\r\n");
        }
        byte[] huge = head.append("Content-Length: 2\r\n\r\n{}").toString().getBytes(StandardCharsets.US_ASCII);
        long handed = lean.handedToJetty.sum();
        for (int t = 0; t < 30; t++) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write(huge);
                s.getOutputStream().flush();
                byte[] all = s.getInputStream().readAllBytes();
                assertTrue(text(all).startsWith("HTTP/1.1 431 "), "try " + t + ": '" + text(all) + "'");
            }
        }
        assertEquals(handed + 30, lean.handedToJetty.sum());
    }

    @Test
    void anUnknownModelIsJettys404() throws Exception {
        long handed = lean.handedToJetty.sum();
        byte[] a = exchange(request("/v2/models/nope/infer", "Content-Type: application/json\r\n", json(5, 1)));
        assertTrue(status(a).startsWith("HTTP/1.1 404") && text(a).contains("unknown model 'nope'"), text(a));
        assertEquals(handed + 1, lean.handedToJetty.sum());
    }

    @Test
    void aBodyInTwoPiecesIsTakenAndAStalledOneIsRefused() throws Exception {
        byte[] body = json(6, 1);
        byte[] whole = request("/v2/models/lenet/infer", "Content-Type: application/json\r\n", body);
        String expected = new String(body(exchange(whole)), StandardCharsets.UTF_8);
        int cut = whole.length - body.length / 2;
        long answered = lean.answered.sum();
        long handed = lean.handedToJetty.sum();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            for (int round = 0; round < 2; round++) {
                out.write(whole, 0, cut);
                out.flush();
                Thread.sleep(100);
                out.write(whole, cut, whole.length - cut);
                out.flush();
                byte[] a = SelectorPathTest.readResponseBytes(s.getInputStream());
                assertTrue(status(a).startsWith("HTTP/1.1 200"), text(a));
                assertEquals(expected, new String(body(a), StandardCharsets.UTF_8));
            }
        }
        assertEquals(answered + 2, lean.answered.sum());
        assertEquals(handed, lean.handedToJetty.sum());
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000); // the keep-alive (21 min) applied within the request would let this read time out
            s.getOutputStream().write(whole, 0, cut);
            s.getOutputStream().flush();
            byte[] a = SelectorPathTest.readResponseBytes(s.getInputStream());
            assertTrue(status(a).startsWith("HTTP/1.1 400") && text(a).contains("Idle timeout expired")
                    && "close".equals(header(a, "Connection")), text(a));
            assertEquals(-1, s.getInputStream().read(), "closed after the 400");
        }
        assertFalse(lean.handedToJetty.sum() > handed, "the stalled body was refused on the lean connection");
    }

    @Test
    void leanAnswersAreCountedInTheMetrics() throws Exception {
        String series = "convnet4j_http_requests_total{endpoint=\"/v2/models/{name}/infer\",status=\"200\"}";
        double before = ModelServerTest.metricOrZero(ModelServerTest.get(server, "/metrics").body(), series);
        long answered = lean.answered.sum();
        for (int i = 0; i < 3; i++) {
            exchange(request("/v2/models/lenet/infer", "Content-Type: application/json\r\n", json(40 + i, 1)));
        }
        assertEquals(answered + 3, lean.answered.sum());
        double after = ModelServerTest.metricValue(ModelServerTest.get(server, "/metrics").body(), series);
        assertEquals(before + 3, after, 0.0);
    }

    /**
     * The order that makes the test above hold on a loaded machine too: a v2 request is counted before its answer
     * is handed to the connection (once the answer is on the socket, the client may read /metrics before the
     * answering thread gets further). The reply here reads the metrics at the moment it is handed the answer.
     */
    @Test
    void aRequestIsCountedBeforeItsAnswerIsReleased() {
        String series = "convnet4j_http_requests_total{endpoint=\"/v2/models/{name}/infer\",status=\"200\"}";
        double before = ModelServerTest.metricOrZero(server.metrics().render(), series);
        double[] atRelease = {Double.NaN};
        server.answer((status, type, body, jsonLength, close) ->
                atRelease[0] = ModelServerTest.metricOrZero(server.metrics().render(), series),
                200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), -1, System.nanoTime());
        assertEquals(before + 1, atRelease[0], 0.0);
        assertEquals(before + 1, ModelServerTest.metricValue(server.metrics().render(), series), 0.0);
    }
}
