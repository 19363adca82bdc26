package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A request's time budget on a stuck model: a v2 request in the model's forward pass and one queued behind it are
 * both answered 504 while the model is still held (so the answers cannot have come from the model: the deadline
 * watcher gave them), the queued one is never run, and once the model is let go the worker answers the next request
 * 200. Counted, not timed: requests per status, forward passes, what the batcher still holds, requests in flight,
 * the watcher thread gone after close.
 */
class ModelServerDeadlineTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String INFER = "/v2/models/{name}/infer";

    @Test
    void aStuckModelsRequestsAnswer504InTimeAndTheWorkerRecovers() throws Exception {
        TestModels.Gate gate = TestModels.gated(11);
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = 1;
        o.workers = 1;
        o.threadsPerWorker = 1;
        o.warmupRuns = 0;
        o.callerRunsMicros = 0;
        o.queueCapacity = 8;
        // the watcher looks every 125 ms; the held request must reach the model within a second of its arrival (on a
        // loaded machine it may not: then it is answered 504 without reaching the model and the test sends another)
        o.timeoutMillis = 1_000;
        byte[] body = ModelServerTest.inferBody(TestModels.randomInput(new Random(12), 1)).getBytes();
        ModelServer server = ModelServer.start(Map.of("m", gate.saved), o);
        Thread watcher = null;
        try {
            // one request through the open gate first, to warm up the client's and the server's paths (in a cold JVM on
            // a loaded machine it may itself take more than its second: 200 or 504); the counts below are from here
            int warm = send(server, body).get(60, TimeUnit.SECONDS).statusCode();
            assertTrue(warm == 200 || warm == 504, "warm-up request: " + warm);
            Batcher batcher = batcher(server);
            awaitIdle(server);
            int base = gate.entered.get();
            long[] expiredBefore = batcher.expiredCounts();
            long ok0 = server.metrics().requests(INFER, 200);
            long late0 = server.metrics().requests(INFER, 504);
            gate.hold();
            CompletableFuture<HttpResponse<String>> running = null;
            int late = 0; // requests whose deadline passed before the worker took them (a loaded machine)
            while (gate.entered.get() < base + 1) {
                assertTrue(late < 5, late + " requests in a row did not reach the model within their second");
                running = send(server, body);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (gate.entered.get() < base + 1 && !running.isDone() && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                if (gate.entered.get() < base + 1) {
                    assertTrue(running.isDone(), "no answer and no forward pass in 60 s");
                    assertTimedOut(running.get());
                    late++;
                }
            }
            // the worker is in the forward pass of running, held
            CompletableFuture<HttpResponse<String>> queued = send(server, body);
            HttpResponse<String> a = running.get(60, TimeUnit.SECONDS);
            HttpResponse<String> b = queued.get(60, TimeUnit.SECONDS);
            assertTrue(gate.held(), "the answers came while the model was held");
            assertTimedOut(a);
            assertTimedOut(b);
            // counted once the watcher has written the answers (a client may read its 504 a moment before)
            awaitExpired(batcher, expiredBefore, 2 + late);
            assertEquals(0, batcher.queueDepth());
            assertEquals(1, batcher.watchedRunning(), "the held pass is still shown to the watcher");
            watcher = thread("convnet4j-deadlines-m");
            assertTrue(watcher != null && watcher.isAlive());

            gate.open();
            HttpResponse<String> c = send(server, body).get(60, TimeUnit.SECONDS);
            assertEquals(200, c.statusCode(), c.body());
            assertEquals(base + 2, gate.entered.get(), "the queued request was run after its 504");
            awaitIdle(server);
            assertEquals(0, batcher.watchedRunning());
            assertEquals(2 + late, server.metrics().requests(INFER, 504) - late0);
            assertEquals(1, server.metrics().requests(INFER, 200) - ok0);
            assertEquals(2 + late, expired(batcher, expiredBefore)[0] + expired(batcher, expiredBefore)[1]);
            String metrics = ModelServerTestHttp.get(server.url() + "/metrics");
            assertEquals(1.0, ModelServerTest.metricValue(metrics, "convnet4j_http_requests_in_flight"), metrics);
        } finally {
            gate.open();
            server.close();
        }
        watcher.join(5_000);
        assertFalse(watcher.isAlive(), "the deadline watcher outlived its server");
    }

    private static void assertTimedOut(HttpResponse<String> r) {
        assertEquals(504, r.statusCode(), r.body());
        String error = JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString();
        assertTrue(error.contains("did not answer within 1000 ms"), error);
    }

    private static CompletableFuture<HttpResponse<String>> send(ModelServer s, byte[] body) {
        return HTTP.sendAsync(HttpRequest.newBuilder(URI.create(s.url() + "/v2/models/m/infer"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Batcher batcher(ModelServer s) {
        return s.batcher("m");
    }

    private static Thread thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElse(null);
    }

    /**
     * Waits until the batcher has counted {@code n} requests failed at their deadline (at most 30 s): at least the two
     * held ones by the watcher (one in the pass, one queued); a request late before the worker took it may have been
     * failed by either.
     */
    private static void awaitExpired(Batcher b, long[] before, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (expired(b, before)[0] + expired(b, before)[1] < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        long[] e = expired(b, before);
        assertEquals(n, e[0] + e[1], "requests failed at their deadline");
        assertTrue(e[0] >= 2, "failed by the watcher: " + e[0]);
    }

    /** Requests failed at their deadline since {@code before}: {by the watcher, by a worker}. */
    private static long[] expired(Batcher b, long[] before) {
        long[] now = b.expiredCounts();
        return new long[] {now[0] - before[0], now[1] - before[1]};
    }

    private static void awaitIdle(ModelServer s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!s.idle("m")) {
            assertTrue(System.nanoTime() < deadline, "the worker did not become idle within 30 s");
            Thread.sleep(1);
        }
    }
}
