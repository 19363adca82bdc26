package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Answers written by the model's worker thread resume their connection on that thread
 * ({@link AnsweringThreadPool}) instead of waking a pool thread for a read that mostly finds nothing: on raw
 * sockets, 8 connections whose requests are batched get every answer right with no connection handed to the pool,
 * and a client that sends several requests at once on one connection (so that the resumed connection finds its
 * next request and handles it on the worker thread) gets them all answered, in order.
 * With second reads on, connections whose clients pause still get every answer (through the selector); with a resume
 * delay, the worker finds the next requests of clients that turn round during it.
 */
class ResumeOnAnsweringThreadTest {

    private static ModelServer start() throws IOException {
        return start(new ModelServer.Options());
    }

    private static ModelServer start(ModelServer.Options o) throws IOException {
        return start(o, 20_000);
    }

    private static ModelServer start(ModelServer.Options o, long maxWaitMicros) throws IOException {
        o.port = 0;
        o.timeoutMillis = 20_000;
        o.maxBatch = 8;
        o.maxWaitMicros = maxWaitMicros;
        o.callerRunsMicros = 0; // every answer comes from the worker
        o.loneSpinMicros = 0;
        ModelServer s = ModelServer.start(Map.of("lenet", TestModels.lenet(3)), o);
        s.warmedUp().join(); // the requests below meet a warm, idle model
        return s;
    }

    private static byte[] request(long seed) {
        Tensor x = TestModels.randomInput(new Random(seed), 1);
        byte[] body = ModelServerTest.inferBody(x).getBytes(StandardCharsets.UTF_8);
        byte[] head = SelectorPathTest.head("/v2/models/lenet/infer", "application/json", body.length);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    /** The same outputs as answered alone, up to the rounding a batch of 8 can change. */
    private static void assertSameOutputs(String expected, String actual) {
        float[] e = outputs(expected);
        float[] a = outputs(actual);
        assertEquals(e.length, a.length);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-5f, actual);
        }
    }

    private static float[] outputs(String json) {
        com.google.gson.JsonArray data = com.google.gson.JsonParser.parseString(json).getAsJsonObject()
                .getAsJsonArray("outputs").get(0).getAsJsonObject().getAsJsonArray("data");
        float[] v = new float[data.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = data.get(i).getAsFloat();
        }
        return v;
    }

    /** The answers to the requests of {@link #eightClients}, each asked alone. */
    private static String[] expectedAnswers(ModelServer server) throws Exception {
        String[] expected = new String[8];
        for (int c = 0; c < 8; c++) {
            expected[c] = ModelServerTest.post(server, "/v2/models/lenet/infer",
                    ModelServerTest.inferBody(TestModels.randomInput(new Random(c), 1))
                            .getBytes(StandardCharsets.UTF_8)).body();
        }
        return expected;
    }

    /**
     * 8 clients on raw sockets, each sending its request {@code rounds} times on one connection, {@code pauseMillis}
     * before each, and checking every answer against {@code expected}.
     */
    private static void eightClients(ModelServer server, String[] expected, int rounds, int pauseMillis)
            throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int id = c;
                done.add(clients.submit(() -> {
                    try (Socket s = new Socket("127.0.0.1", server.port())) {
                        s.setSoTimeout(20_000);
                        byte[] req = request(id);
                        for (int i = 0; i < rounds; i++) {
                            Thread.sleep(pauseMillis);
                            s.getOutputStream().write(req);
                            s.getOutputStream().flush();
                            String answer = SelectorPathTest.readResponse(s.getInputStream());
                            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                            assertSameOutputs(expected[id], body(answer));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void batchedAnswersResumeTheirConnectionsOnTheWorker() throws Exception {
        try (ModelServer server = start()) {
            String[] expected = expectedAnswers(server);
            long poolBefore = server.threads().resumedByPool();
            long hereBefore = server.threads().resumedHere();
            eightClients(server, expected, 25, 0);
            long here = server.threads().resumedHere() - hereBefore;
            long pool = server.threads().resumedByPool() - poolBefore;
            assertTrue(here >= 150, "resumed on the worker " + here + ", by the pool " + pool);
            assertEquals(0, pool, "resumed on the worker " + here + ", by the pool " + pool);
        }
    }

    @Test
    void requestsSentTogetherOnOneConnectionAreAllAnsweredInOrder() throws Exception {
        try (ModelServer server = start(); Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            List<String> expected = new ArrayList<>();
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < 6; i++) {
                expected.add(ModelServerTest.post(server, "/v2/models/lenet/infer", ModelServerTest.inferBody(
                        TestModels.randomInput(new Random(100 + i), 1)).getBytes(StandardCharsets.UTF_8)).body());
                all.write(request(100 + i));
            }
            long hereBefore = server.threads().resumedHere();
            OutputStream out = s.getOutputStream();
            out.write(all.toByteArray()); // six requests in one write: each next one is there when the last is answered
            out.flush();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 6; i++) {
                String answer = SelectorPathTest.readResponse(in);
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                assertSameOutputs(expected.get(i), body(answer));
            }
            assertTrue(server.threads().resumedHere() - hereBefore >= 5, "resumed on the worker "
                    + (server.threads().resumedHere() - hereBefore));
        }
    }

    /**
     * With a resume delay, on Jetty's path and on lean connections: clients that send their next request 5 ms after
     * each answer are found by the worker's reads after its 100-ms pause: at most one in eight finds nothing (without
     * the pause, reads right after the answers, a third to a half found nothing and waited on the selector); every
     * answer is right. A batch waits up to 100 ms too, so that a client slow to send on a loaded machine does not split
     * the 8 requests.
     */
    @Test
    void withAResumeDelayTheWorkerFindsTheRequestsOfClientsThatTurnRoundMeanwhile() throws Exception {
        for (boolean lean : new boolean[] {false, true}) {
            ModelServer.Options o = new ModelServer.Options();
            o.resumeDelayMicros = 100_000;
            o.leanConnections = lean;
            try (ModelServer server = start(o, 100_000)) {
                String[] expected = expectedAnswers(server);
                long all0 = server.threads().resumedAfterBatches();
                long nothing0 = server.threads().resumedWithNothing();
                eightClients(server, expected, 5, 5);
                long all = server.threads().resumedAfterBatches() - all0;
                long nothing = server.threads().resumedWithNothing() - nothing0;
                // 8 x 4 resumptions carry a next request, 8 find their client gone (counted with those); without the
                // pause a third to a half found nothing (2 runs with the delay set to 0)
                assertTrue(all >= 16 && 8 * nothing <= all, "lean " + lean + ": resumed after batches " + all
                        + ", of them finding nothing " + nothing);
                String metrics = ModelServerTest.get(server, "/metrics").body();
                assertTrue(metrics.contains("convnet4j_batch_resumptions_total{found=\"request\"} "), metrics);
            }
        }
        ModelServer.Options tooLong = new ModelServer.Options();
        tooLong.resumeDelayMicros = ModelServer.MAX_RESUME_DELAY_MICROS + 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelServer.start(Map.of("lenet", TestModels.lenet(3)), tooLong));
        assertTrue(e.getMessage().contains("resume delay"), e.getMessage());
    }

    /**
     * With second reads on, on Jetty's path and on lean connections: clients that pause before their next request
     * (so that the resumed connection finds nothing, reads again after the batch's other connections and finds
     * nothing again) still get every answer, through the selector; clients that turn round at once get theirs too.
     */
    @Test
    void withSecondReadsEveryConnectionIsStillAnswered() throws Exception {
        for (boolean lean : new boolean[] {false, true}) {
            ModelServer.Options o = new ModelServer.Options();
            o.secondRead = true;
            o.leanConnections = lean;
            try (ModelServer server = start(o)) {
                String[] expected = expectedAnswers(server);
                // the pause outlasts both reads: every such connection goes on to wait on the selector
                eightClients(server, expected, 4, 30);
                assertTrue(server.connector().secondReads(false) > 0, "lean " + lean + ": second reads that found"
                        + " nothing " + server.connector().secondReads(false));
                eightClients(server, expected, 25, 0);
                String metrics = ModelServerTest.get(server, "/metrics").body();
                assertTrue(metrics.contains("convnet4j_second_reads_total{result=\"nothing\"} "), metrics);
            }
        }
    }
}
