package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * On Jetty's fast path, a v2 body that arrives in one piece is parsed straight from Jetty's buffer (no copy into an
 * array of its own); one that arrives in several pieces is copied together first. Both give the same answer, byte
 * for byte, and the same refusal for the same broken body; a body of exactly the size limit is answered, one byte
 * more is a 413; a body that ends short of its declared length is a 400 whichever way its bytes came. On raw
 * sockets, so that how the bytes arrive is known.
 */
class BodyInPlaceTest {
    private static final int SAMPLES = 8;
    private static SavedModel saved;
    private static ModelServer server;
    private static Tensor x;
    private static byte[] header;
    private static byte[] body;

    @BeforeAll
    static void start() throws IOException {
        saved = TestModels.lenet(4);
        x = TestModels.randomInput(new Random(4), SAMPLES);
        header = binaryHeader(SAMPLES, 4 * x.size());
        body = binaryBody(header, x.data());
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.timeoutMillis = 20_000;
        o.maxBodyBytes = body.length; // the 8-sample binary request is exactly at the limit
        o.warmupRuns = 0; // answers are compared bit for bit with predict: no warm-up needed
        // Jetty's fast path (InferHandler's body reader, which counts bodies parsed in place): a connection takes it
        // once its first request of another kind has handed it to Jetty; lean connections (the default) read bodies
        // with their own reader, in place or waiting for the rest (LeanConnectionTest)
        o.leanConnections = false;
        server = ModelServer.start(Map.of("lenet", saved), o);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static byte[] binaryHeader(int samples, long bytes) {
        return ("{\"id\":\"b\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[" + samples + ",1,28,28],"
                + "\"parameters\":{\"binary_data_size\":" + bytes + "}}],"
                + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] binaryBody(byte[] json, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(json.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(json);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    private static byte[] head(int jsonLength, int length) {
        return ("POST /v2/models/lenet/infer HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n"
                + (jsonLength >= 0 ? InferenceProtocol.HEADER_LENGTH + ": " + jsonLength + "\r\n" : "")
                + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The answer (status line to last byte) to {@code b} sent with its head in one write, or in {@code pieces}. */
    private static byte[] send(int jsonLength, byte[] b, int pieces) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            byte[] h = head(jsonLength, b.length);
            if (pieces == 1) {
                byte[] all = java.util.Arrays.copyOf(h, h.length + b.length);
                System.arraycopy(b, 0, all, h.length, b.length);
                out.write(all);
                out.flush();
            } else {
                out.write(h);
                out.flush();
                int from = 0;
                for (int i = 1; i <= pieces; i++) {
                    int to = (int) ((long) b.length * i / pieces);
                    Thread.sleep(60); // each piece its own read on the server
                    out.write(b, from, to - from);
                    out.flush();
                    from = to;
                }
            }
            return SelectorPathTest.readResponseBytes(s.getInputStream());
        }
    }

    private static String text(byte[] answer) {
        return new String(answer, StandardCharsets.ISO_8859_1);
    }

    /** The answer without its Date header (the one part that may differ between two sends). */
    private static String comparable(byte[] answer) {
        return text(answer).replaceAll("(?m)^Date: .*\r\n", "");
    }

    @Test
    void aWholeBodyIsParsedInPlaceAndAnsweredAsOneInPieces() throws Exception {
        float[] expected = saved.model().predict(x).data();
        long inPlace = server.bodiesInPlace();
        byte[] whole = send(header.length, body, 1);
        assertTrue(text(whole).startsWith("HTTP/1.1 200"), text(whole));
        float[] got = new float[expected.length];
        ByteBuffer.wrap(whole, whole.length - 4 * got.length, 4 * got.length).order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer().get(got);
        assertArrayEquals(expected, got);
        // sent in one write: one read on the server (SelectorPathTest: the read buffer holds it), parsed in place
        assertEquals(inPlace + 1, server.bodiesInPlace(), "parsed in place");
        for (int pieces : new int[] {2, 3, 7}) {
            long before = server.bodiesInPlace();
            byte[] split = send(header.length, body, pieces);
            assertEquals(before, server.bodiesInPlace(), "a body in " + pieces + " pieces is copied together");
            assertEquals(comparable(whole), comparable(split), pieces + " pieces");
        }
        // a body in JSON: its text is read from the buffer the same way
        byte[] json = ModelServerTest.inferBody(TestModels.randomInput(new Random(5), 2)).getBytes(StandardCharsets.UTF_8);
        long before = server.bodiesInPlace();
        byte[] jsonWhole = send(-1, json, 1);
        assertEquals(before + 1, server.bodiesInPlace(), "parsed in place");
        assertTrue(text(jsonWhole).startsWith("HTTP/1.1 200"), text(jsonWhole));
        assertEquals(comparable(jsonWhole), comparable(send(-1, json, 3)));
    }

    @Test
    void aBrokenBodyIsRefusedAlikeInPlaceAndInPieces() throws Exception {
        float[] nan = x.data().clone();
        nan[1234] = Float.NaN;
        byte[] noBinaryHeader = binaryHeader(SAMPLES, 4 * x.size());
        byte[] shortHeader = binaryHeader(SAMPLES, 4L * x.size() - 4); // binary_data_size 4 short of the shape's
        Object[][] cases = {
            {header.length, binaryBody(header, nan), "binary data holds a NaN or infinity"},
            {header.length, java.util.Arrays.copyOf(body, body.length - 8), "binary_data_size is " + 4 * x.size()},
            {shortHeader.length, binaryBody(shortHeader, java.util.Arrays.copyOf(x.data(), x.size() - 1)),
                "binary_data_size is " + (4L * x.size() - 4) + " bytes, shape [8,1,28,28] in FP32 needs"},
            {-1, binaryBody(noBinaryHeader, x.data()), "not valid JSON"},
            {body.length + 1, body, "is " + (body.length + 1) + " but the body has " + body.length + " bytes"},
            {3, "{\"in".getBytes(StandardCharsets.UTF_8), "not valid JSON"},
        };
        for (Object[] c : cases) {
            int jsonLength = (Integer) c[0];
            byte[] b = (byte[]) c[1];
            long before = server.bodiesInPlace();
            byte[] whole = send(jsonLength, b, 1);
            assertEquals(before + 1, server.bodiesInPlace(), "parsed in place");
            assertTrue(text(whole).startsWith("HTTP/1.1 400") && text(whole).contains((String) c[2]),
                    c[2] + ": " + text(whole));
            assertEquals(comparable(whole), comparable(send(jsonLength, b, 2)), (String) c[2]);
        }
    }

    @Test
    void aBodyAtTheLimitIsAnsweredOneByteMoreIsA413() throws Exception {
        byte[] at = send(header.length, body, 1);
        assertTrue(text(at).startsWith("HTTP/1.1 200"), text(at));
        byte[] wider = (new String(header, StandardCharsets.UTF_8).replace("{\"id\"", "{ \"id\""))
                .getBytes(StandardCharsets.UTF_8); // one more byte of JSON
        byte[] over = binaryBody(wider, x.data());
        assertEquals(body.length + 1, over.length);
        String answer;
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(head(wider.length, over.length));
            out.flush();
            answer = SelectorPathTest.readResponse(s.getInputStream()); // before any of the body is sent
        }
        assertTrue(answer.startsWith("HTTP/1.1 413") && answer.contains("the limit is " + body.length), answer);
    }

    @Test
    void aBodyEndingShortOfItsLengthIsA400() throws Exception {
        for (int pieces : new int[] {1, 3}) {
            long before = server.bodiesInPlace();
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                out.write(head(header.length, body.length));
                int sent = body.length - 100;
                for (int i = 0; i < pieces; i++) {
                    out.write(body, sent * i / pieces, sent * (i + 1) / pieces - sent * i / pieces);
                    out.flush();
                    Thread.sleep(60);
                }
                s.shutdownOutput(); // the body ends 100 bytes short of its declared length (Jetty: an early EOF)
                String answer = SelectorPathTest.readResponse(s.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 400")
                        && answer.contains("the body could not be read after " + sent + " of its " + body.length + " bytes"),
                        answer);
            }
            assertEquals(before, server.bodiesInPlace(), "a short body is never parsed");
        }
    }
}
