package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.convnet4j.serve.ModelServer;

/** The serve command's lines about the warm-up before readiness: when it starts and when it ends (or fails). */
final class ServeWarmup {
    private ServeWarmup() {
    }

    /** The line saying what the warm-up runs ("1 forward pass", "5 forward passes"). */
    static String announcement(java.util.Collection<String> models, int runs, int maxBatch, long passes) {
        return "Warming up " + String.join(", ", models) + ": " + runs + (runs == 1 ? " forward pass" : " forward passes")
                + " at each batch size 1.." + maxBatch + " (" + passes + " in all); /v2/health/ready answers 503 until done";
    }

    /** {@code started}: System.nanoTime() when the server was started (and its warm-up with it). */
    static void report(ModelServer server, int runs, int maxBatch, long started, PrintWriter out) {
        if (runs == 0) {
            out.println("No warm-up (--warmup 0): ready");
            out.flush();
            return;
        }
        long passes = 0;
        for (String m : server.modelNames()) {
            passes += server.warmUp(m).passesPlanned();
        }
        out.println(announcement(server.modelNames(), runs, maxBatch, passes));
        out.flush();
        server.warmedUp().whenComplete((v, e) -> {
            double s = (System.nanoTime() - started) / 1e9;
            if (e == null) {
                out.println(String.format(Locale.ROOT, "Warm-up done in %.1f s: ready", s));
            } else {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                out.println("Warm-up failed after " + String.format(Locale.ROOT, "%.1f s", s) + ": " + c.getMessage()
                        + "; /v2/health/ready stays 503");
            }
            out.flush();
        });
    }
}
