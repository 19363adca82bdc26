package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With {@code fullBatchesOnSelectors}, 8-sample binary requests (a full batch at max batch 8) from 8 connections
 * at once are computed and answered on the selector threads that read them (one per worker), each answer the
 * model's own outputs bit for bit, never more passes at once than selectors and workers together; a 1-sample
 * request is not run as a full batch (it is batched, or run alone, as without the switch). Broken, short and
 * oversized bodies are refused as without the switch: 400 or 413 with one JSON error, the whole answer as its
 * Content-Length says. On raw sockets, several requests per connection.
 */
class FullBatchesOnSelectorsTest {
    private static final int SAMPLES = 8;
    private static SavedModel saved;
    private static ModelServer server;
    private static int limit;

    @BeforeAll
    static void start() throws IOException {
        saved = TestModels.lenet(12);
        limit = binary(TestModels.randomInput(new Random(0), SAMPLES)).length;
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = SAMPLES;
        o.timeoutMillis = 20_000;
        o.maxBodyBytes = limit; // an 8-sample binary request is exactly at the limit
        o.warmupRuns = 1; // the warm-up measures the model's speed, which the choice needs
        o.callerRunsMicros = 10_000_000; // "small" however cold the JIT is (a cold LeNet-5 took ms per sample)
        o.fullBatchesOnSelectors = true;
        server = ModelServer.start(Map.of("lenet", saved), o);
        assertEquals(2, server.workers("lenet").workers(), "LeNet-5's automatic layout: two single-threaded workers");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The binary tensor extension's body for {@code x}, answered in binary. */
    static byte[] binary(Tensor x) {
        return body(x.dim(0), x.data(), 4L * x.size());
    }

    /** The JSON header of an {@code samples}-sample request whose binary data is {@code declaredBytes} long. */
    private static byte[] header(int samples, long declaredBytes) {
        return ("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[" + samples + ",1,28,28],"
                + "\"parameters\":{\"binary_data_size\":" + declaredBytes + "}}],"
                + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] body(int samples, float[] values, long declaredBytes) {
        byte[] json = header(samples, declaredBytes);
        ByteBuffer b = ByteBuffer.allocate(json.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(json).asFloatBuffer().put(values);
        return b.array();
    }

    /** The JSON header's length in a full batch's request. */
    static int fullJson() {
        return header(SAMPLES, 4L * SAMPLES * 28 * 28).length;
    }

    static void write(OutputStream out, byte[] body, int jsonLength, int declared) throws IOException {
        byte[] head = ("POST /v2/models/lenet/infer HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n"
                + InferenceProtocol.HEADER_LENGTH + ": " + jsonLength + "\r\nContent-Length: " + declared
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        out.write(all);
        out.flush();
    }

    /** The outputs of a 200 binary answer. */
    static float[] outputs(byte[] answer, int n) {
        String text = new String(answer, StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("HTTP/1.1 200"), text);
        float[] got = new float[n];
        ByteBuffer.wrap(answer, answer.length - 4 * n, 4 * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        return got;
    }

    @Test
    void fullBatchesFromEightConnectionsAreAnsweredOnTheSelectorsAsPredictAnswersThem() throws Exception {
        Batcher batcher = server.batcher("lenet");
        long before = batcher.fullBatchesRunOnCaller();
        int rounds = 12;
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int client = c;
                done.add(clients.submit(() -> {
                    Random r = new Random(100 + client);
                    try (Socket s = new Socket("127.0.0.1", server.port())) {
                        s.setSoTimeout(20_000);
                        s.setTcpNoDelay(true);
                        InputStream in = s.getInputStream();
                        for (int i = 0; i < rounds; i++) {
                            Tensor x = TestModels.randomInput(r, SAMPLES);
                            write(s.getOutputStream(), binary(x), fullJson(), limit);
                            float[] expected = saved.model().predict(x).data();
                            assertArrayEquals(expected, outputs(SelectorPathTest.readResponseBytes(in), expected.length),
                                    "client " + client + ", request " + i);
                        }
                    }
                    return rounds;
                }));
            }
            for (Future<Integer> f : done) {
                assertEquals(rounds, f.get(120, TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }
        long onSelectors = batcher.fullBatchesRunOnCaller() - before;
        assertTrue(onSelectors > 0, "no full batch ran on a selector thread (of " + 8 * rounds + ")");
        // two on the selectors at most, and the two workers with what was queued meanwhile
        assertTrue(batcher.mostRunningAtOnce() <= 4, "passes at once: " + batcher.mostRunningAtOnce());
        assertEquals(2, server.connector().getSelectorManager().getSelectorCount(), "a selector per worker");
        assertTrue(server.metrics().render().contains("convnet4j_full_batches_on_selectors_total "
                + batcher.fullBatchesRunOnCaller() + "\n"), server.metrics().render());
        // a request that does not fill a batch is batched (or run alone) as before, never run as a full batch
        long full = batcher.fullBatchesRunOnCaller();
        Tensor one = TestModels.randomInput(new Random(7), 1);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            write(s.getOutputStream(), binary(one), header(1, 4L * one.size()).length, binary(one).length);
            float[] expected = saved.model().predict(one).data();
            assertArrayEquals(expected, outputs(SelectorPathTest.readResponseBytes(s.getInputStream()), expected.length));
        }
        assertEquals(full, batcher.fullBatchesRunOnCaller(), "a 1-sample request ran as a full batch");
    }

    /** A refusal as a client reads it: the status, and the body (all of its Content-Length) one JSON error. */
    private static void assertJsonError(String answer, int status, String says) {
        assertTrue(answer.startsWith("HTTP/1.1 " + status), answer);
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertTrue(body.startsWith("{\"error\":") && body.endsWith("}") && body.contains(says), answer);
        assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), answer);
    }

    @Test
    void brokenShortAndOversizedFullBatchesAreRefusedCleanly() throws Exception {
        Tensor x = TestModels.randomInput(new Random(9), SAMPLES);
        float[] nan = x.data().clone();
        nan[4321] = Float.NaN;
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            write(s.getOutputStream(), body(SAMPLES, nan, 4L * x.size()), fullJson(), limit);
            assertJsonError(SelectorPathTest.readResponse(s.getInputStream()), 400, "NaN or infinity");
            // binary_data_size that the shape does not take, on the same connection
            byte[] wrong = body(SAMPLES, java.util.Arrays.copyOf(x.data(), x.size() - 1), 4L * x.size() - 4);
            write(s.getOutputStream(), wrong, header(SAMPLES, 4L * x.size() - 4).length, wrong.length);
            assertJsonError(SelectorPathTest.readResponse(s.getInputStream()), 400, "binary_data_size");
            // and the connection still answers a valid one
            float[] expected = saved.model().predict(x).data();
            write(s.getOutputStream(), binary(x), fullJson(), limit);
            assertArrayEquals(expected, outputs(SelectorPathTest.readResponseBytes(s.getInputStream()), expected.length));
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) { // 100 bytes short, then the client's end
            s.setSoTimeout(20_000);
            byte[] b = binary(x);
            OutputStream out = s.getOutputStream();
            byte[] cut = java.util.Arrays.copyOf(b, b.length - 100);
            byte[] head = ("POST /v2/models/lenet/infer HTTP/1.1\r\nHost: test\r\n" + InferenceProtocol.HEADER_LENGTH
                    + ": " + fullJson() + "\r\nContent-Length: " + b.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            out.write(head);
            out.write(cut);
            out.flush();
            s.shutdownOutput();
            assertJsonError(SelectorPathTest.readResponse(s.getInputStream()), 400,
                    "the body could not be read after " + cut.length + " of its " + b.length + " bytes");
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) { // one byte over the limit: 413 before the body
            s.setSoTimeout(20_000);
            byte[] b = binary(x);
            s.getOutputStream().write(("POST /v2/models/lenet/infer HTTP/1.1\r\nHost: test\r\n"
                    + InferenceProtocol.HEADER_LENGTH + ": " + fullJson() + "\r\nContent-Length: " + (limit + 1)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertJsonError(SelectorPathTest.readResponse(s.getInputStream()), 413, "the limit is " + limit);
        }
    }
}
