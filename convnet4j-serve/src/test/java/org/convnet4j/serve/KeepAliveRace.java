package org.convnet4j.serve;

import java.net.URI;
import java.net.http.*;
import java.util.*;
import java.util.concurrent.*;

/**
 * Not a suite test: the JDK HttpClient sending POSTs one after another through pooled connections while the server
 * closes idle ones, the race behind ModelServerTest's "header parser received no bytes" (docs/SERVING.md,
 * "Connections"). Arguments: the server's keep-alive in ms (0: the default), rounds. With a keep-alive of 200 ms
 * some POSTs fail so; with the default none.
 */
public final class KeepAliveRace {
    private KeepAliveRace() {
    }

    public static void main(String[] a) throws Exception {
        long idleMs = Long.parseLong(a[0]);
        int rounds = Integer.parseInt(a[1]);
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0; o.warmupRuns = 1;
        if (idleMs > 0) {
            o.keepAliveMillis = idleMs;
            o.idleTimeoutMillis = Math.min(o.idleTimeoutMillis, idleMs);
        }
        ModelServer s = ModelServer.start(Map.of("lenet", TestModels.lenet(7)), o);
        s.warmedUp().join();
        System.out.println("connector idle timeout " + s.connector().getIdleTimeout() + " ms");
        byte[] body = InferenceProtocol.request(TestModels.randomInput(new Random(5), 1), "r").toString().getBytes();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest post = HttpRequest.newBuilder(URI.create(s.url() + "/v2/models/lenet/infer"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        int ok = 0, failed = 0;
        Map<String, Integer> errors = new TreeMap<>();
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            // fill the pool with 16 connections
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 16; i++) fs.add(pool.submit(() -> http.send(post, HttpResponse.BodyHandlers.ofString())));
            for (Future<HttpResponse<String>> f : fs) { try { f.get(); } catch (ExecutionException e) { } }
            // sequential POSTs through the time the pooled connections reach the idle timeout
            long end = System.nanoTime() + 3 * Math.max(idleMs, 200) * 1_000_000L;
            while (System.nanoTime() < end) {
                try {
                    HttpResponse<String> x = http.send(post, HttpResponse.BodyHandlers.ofString());
                    if (x.statusCode() == 200) ok++; else { failed++; errors.merge("status " + x.statusCode(), 1, Integer::sum); }
                } catch (java.io.IOException e) {
                    failed++;
                    errors.merge(e.toString(), 1, Integer::sum);
                }
                Thread.sleep(Math.max(idleMs, 200) / 20);
            }
        }
        System.out.printf("%d answered, %d failed in %.1f s: %s%n", ok, failed, (System.nanoTime() - t0) / 1e9, errors);
        pool.shutdownNow();
        s.close();
    }
}
