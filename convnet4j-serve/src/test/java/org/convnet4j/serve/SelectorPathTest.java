package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The v2 fast path runs on Jetty's selector thread (SelectorHandoffs), on raw sockets so that when each byte
 * arrives is known: a body that comes in pieces with pauses is read as it arrives (not waited for) and answered
 * like the same request sent whole; a connection stopping halfway through a body it declared holds up nobody;
 * and while Javalin's route is blocked reading a picture that is slow to come, v2 requests on other connections
 * are still answered (no blocking handler runs on the selector thread, of which there is one).
 */
class SelectorPathTest {
    private static SavedModel saved;
    private static ModelServer server;

    @BeforeAll
    static void start() throws IOException {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.timeoutMillis = 20_000;
        saved = TestModels.lenet(3);
        server = ModelServer.start(Map.of("lenet", saved), o);
        server.warmedUp().join();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static byte[] head(String path, String type, int length) {
        return ("POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: " + type + "\r\nContent-Length: " + length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] inferBody(long seed) {
        Tensor x = TestModels.randomInput(new Random(seed), 1);
        return ModelServerTest.inferBody(x).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aBodyArrivingInPiecesIsAnsweredLikeTheWholeOne() throws Exception {
        piecewiseLikeWhole(inferBody(1));
    }

    @Test
    void aLargeBodyArrivingInPiecesIsAnsweredLikeTheWholeOne() throws Exception {
        // 40 samples in JSON: over the 64 KiB read and parsed on the selector thread; read there as it arrives
        // all the same, then parsed on a pool thread
        byte[] body = ModelServerTest.inferBody(TestModels.randomInput(new Random(5), 40))
                .getBytes(StandardCharsets.UTF_8);
        assertTrue(body.length > 64 << 10, body.length + " bytes");
        piecewiseLikeWhole(body);
    }

    /** The body sent in three pieces with pauses, twice on one connection: answered as when sent whole. */
    private static void piecewiseLikeWhole(byte[] body) throws Exception {
        String whole = ModelServerTest.post(server, "/v2/models/lenet/infer", body).body();
        assertTrue(whole.contains("\"outputs\""), whole);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            for (int round = 0; round < 2; round++) { // twice on one connection: keep-alive after a piecewise body
                out.write(head("/v2/models/lenet/infer", "application/json", body.length));
                out.flush();
                Thread.sleep(100);
                int third = body.length / 3;
                out.write(body, 0, third);
                out.flush();
                Thread.sleep(100);
                assertEquals(0, threadsWaitingForABody(), "a thread waits in a blocking read of the body");
                out.write(body, third, third);
                out.flush();
                Thread.sleep(100);
                out.write(body, 2 * third, body.length - 2 * third);
                out.flush();
                String answer = readResponse(s.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                assertEquals(whole, answer.substring(answer.indexOf("\r\n\r\n") + 4));
            }
        }
    }

    /**
     * An 8-sample binary LeNet-5 request (25 KiB, the same-batch load cell's) sent in one write is read in one or
     * two pieces, not in Jetty's default 8 KiB reads (four read calls and four trips through the body reader, on the
     * model's worker when it resumes a connection), and answered with the model's outputs bit for bit.
     */
    @Test
    void anEightSampleBinaryBodyIsReadInLargePieces() throws Exception {
        Tensor x = TestModels.randomInput(new Random(8), 8);
        byte[] h = ("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[8,1,28,28],"
                + "\"parameters\":{\"binary_data_size\":" + 4 * x.size() + "}}],"
                + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(h.length + 4 * x.size())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        body.put(h);
        body.asFloatBuffer().put(x.data());
        byte[] b = body.array();
        assertTrue(b.length > 3 * 8192, b.length + " bytes");
        byte[] head = ("POST /v2/models/lenet/infer HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n"
                + InferenceProtocol.HEADER_LENGTH + ": " + h.length + "\r\nContent-Length: " + b.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = java.util.Arrays.copyOf(head, head.length + b.length);
        System.arraycopy(b, 0, request, head.length, b.length);
        float[] expected = saved.model().predict(x).data();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            for (int round = 0; round < 3; round++) {
                long chunks = server.bodyChunks();
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
                byte[] answer = readResponseBytes(s.getInputStream());
                String text = new String(answer, StandardCharsets.ISO_8859_1);
                assertTrue(text.startsWith("HTTP/1.1 200"), text);
                long pieces = server.bodyChunks() - chunks;
                assertTrue(pieces <= 2, "the 25 KiB body came in " + pieces + " pieces");
                int start = text.indexOf("\r\n\r\n") + 4;
                float[] got = new float[expected.length];
                java.nio.ByteBuffer.wrap(answer, answer.length - 4 * got.length, 4 * got.length)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
                assertTrue(answer.length - start > 4 * got.length, text);
                org.junit.jupiter.api.Assertions.assertArrayEquals(expected, got);
            }
        }
        assertTrue(server.largestBodyChunk() > 8192, "largest piece " + server.largestBodyChunk() + " bytes");
        assertTrue(ModelServer.READ_BUFFER_BYTES > b.length, "the read buffer holds the whole body");
    }

    /** Threads inside ModelServer's blocking body read (the path of chunked bodies, on a pool thread). */
    private static long threadsWaitingForABody() {
        return Thread.getAllStackTraces().values().stream().filter(stack -> java.util.Arrays.stream(stack).anyMatch(
                f -> f.getClassName().equals(ModelServer.class.getName()) && f.getMethodName().equals("body"))).count();
    }

    @Test
    void aStalledBodyHoldsUpNobodyAndAnEarlyEndIsA400() throws Exception {
        byte[] body = inferBody(2);
        try (Socket stalled = new Socket("127.0.0.1", server.port())) {
            stalled.setSoTimeout(20_000);
            OutputStream out = stalled.getOutputStream();
            out.write(head("/v2/models/lenet/infer", "application/json", body.length));
            out.write(body, 0, body.length / 2);
            out.flush();
            Thread.sleep(100);
            for (int i = 0; i < 5; i++) { // meanwhile other clients are answered
                assertEquals(200, ModelServerTest.post(server, "/v2/models/lenet/infer", inferBody(10 + i)).statusCode());
            }
            stalled.shutdownOutput(); // the body ends short of its declared length
            String answer = readResponse(stalled.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(answer.contains("\"error\""), answer);
        }
        assertEquals(200, ModelServerTest.post(server, "/v2/models/lenet/infer", body).statusCode());
    }

    @Test
    void aSlowPictureOnJavalinsRouteDoesNotStopTheFastPath() throws Exception {
        byte[] png = ModelServerTest.png(ModelServerTest.testPicture(40, 30));
        try (Socket slow = new Socket("127.0.0.1", server.port())) {
            slow.setSoTimeout(20_000);
            OutputStream out = slow.getOutputStream();
            out.write(head("/predictions/lenet", "image/png", png.length));
            out.write(png, 0, png.length / 2);
            out.flush();
            Thread.sleep(200); // Javalin's route is now blocked in a read of the rest
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                assertEquals(200, ModelServerTest.post(server, "/v2/models/lenet/infer", inferBody(20 + i)).statusCode());
            }
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "v2 requests waited for the picture");
            out.write(png, png.length / 2, png.length - png.length / 2);
            out.flush();
            String answer = readResponse(slow.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            String json = answer.substring(answer.indexOf("\r\n\r\n") + 4);
            assertEquals(5, com.google.gson.JsonParser.parseString(json).getAsJsonObject().size(), json);
        }
    }

    /** The status line, headers and body of one response with a Content-Length. */
    static String readResponse(InputStream in) throws IOException {
        return new String(readResponseBytes(in), StandardCharsets.UTF_8);
    }

    /** As {@link #readResponse}, the bytes as they came (a binary body stays intact). */
    static byte[] readResponseBytes(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int headerEnd = -1;
        long length = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the connection closed after " + b.size() + " bytes: " + b);
            }
            b.write(c);
            if (headerEnd < 0 && b.size() >= 4) {
                String text = b.toString(StandardCharsets.ISO_8859_1);
                if (text.endsWith("\r\n\r\n")) {
                    headerEnd = b.size();
                    for (String line : text.split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            length = Long.parseLong(line.substring(15).trim());
                        }
                    }
                    if (length < 0) {
                        throw new IOException("no Content-Length: " + text);
                    }
                }
            }
            if (headerEnd >= 0 && b.size() - headerEnd >= length) {
                return b.toByteArray();
            }
        }
    }
}
