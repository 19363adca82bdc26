package org.convnet4j.serve;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What a starting {@link ModelServer} has to say, in the lines {@code convnet4j serve} prints: where and how it serves,
 * then its warm-up ({@link ModelServer.Options#warmupRuns}): what it runs, and when it is done or why it failed. While
 * the warm-up runs the port answers and readiness says 503, so an application that starts a server can log these
 * lines to say when it is ready.
 */
public final class ServerStartup {
    private ServerStartup() {
    }

    /**
     * "Serving a, b at http://127.0.0.1:8080/ (batch up to 8, wait 2000 us; a: 1 worker x all kernel threads, b: ...)":
     * the models, the address, the batching and each model's {@link ModelServer.Workers}.
     */
    public static String serving(ModelServer server) {
        ModelServer.Options o = server.options();
        List<String> models = server.modelNames();
        return "Serving " + String.join(", ", models) + " at " + server.url() + "/ (batch up to " + o.maxBatch + ", wait "
                + o.maxWaitMicros + " us; " + String.join(", ", models.stream()
                .map(n -> (models.size() > 1 ? n + ": " : "") + server.workers(n)).toList()) + ")";
    }

    /**
     * The line saying what the warm-up runs, e.g. "Warming up m: 5 forward passes at each batch size 1..8 (40 in all);
     * /v2/health/ready answers 503 until done" ("1 forward pass" for one run).
     */
    public static String warmUpAnnouncement(Collection<String> models, int runs, int maxBatch, long passes) {
        return "Warming up " + String.join(", ", models) + ": " + runs + (runs == 1 ? " forward pass" : " forward passes")
                + " at each batch size 1.." + maxBatch + " (" + passes + " in all); /v2/health/ready answers 503 until done";
    }

    /**
     * Hands {@code lines} the {@link #warmUpAnnouncement} of {@code server}'s warm-up at once, then, from the thread
     * that ends it, "Warm-up done in S s: ready" or "Warm-up failed after S s: WHY; /v2/health/ready stays 503".
     *
     * @param startedNanos {@link System#nanoTime()} when the server was started (its warm-up starts with it)
     * @throws IllegalStateException when the server was started without a warm-up (0 runs: it is ready at once)
     */
    public static void warmUp(ModelServer server, long startedNanos, Consumer<String> lines) {
        ModelServer.Options o = server.options();
        if (o.warmupRuns < 1) {
            throw new IllegalStateException("the server was started without a warm-up: it is ready at once");
        }
        long passes = 0;
        for (String m : server.modelNames()) {
            passes += server.warmUp(m).passesPlanned();
        }
        lines.accept(warmUpAnnouncement(server.modelNames(), o.warmupRuns, o.maxBatch, passes));
        server.warmedUp().whenComplete((v, e) -> {
            String s = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - startedNanos) / 1e9);
            if (e == null) {
                lines.accept("Warm-up done in " + s + ": ready");
            } else {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                lines.accept("Warm-up failed after " + s + ": " + c.getMessage() + "; /v2/health/ready stays 503");
            }
        });
    }
}
