package org.convnet4j.cli;

import static org.convnet4j.cli.BadInputException.requireRange;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.model.SavedModel;
import org.convnet4j.serve.ModelServer;
import org.convnet4j.serve.ServedModelNames;
import org.convnet4j.serve.ServingMemory;
import org.convnet4j.serve.ServerStartup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Serves models over HTTP until stopped (Ctrl-C or SIGTERM stop it gracefully). */
@Command(name = "serve", resourceBundle = "org.convnet4j.cli.help.serve", sortOptions = false)
final class ServeCommand extends CliCommand {
    /** Jetty's low-resource idle timeout is an int of milliseconds: 24 days. */
    private static final long MAX_SECONDS = Integer.MAX_VALUE / 1000;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "[NAME=]FILE")
    List<String> models;

    @Option(names = "--preprocessing", paramLabel = "NAME=SPEC")
    List<String> preprocessing = List.of();

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080")
    int port;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "8")
    int maxBatch;

    @Option(names = "--max-wait-us", paramLabel = "MICROS", defaultValue = "2000")
    long maxWaitMicros;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "0")
    int workers;

    @Option(names = "--threads-per-worker", paramLabel = "N", defaultValue = "0")
    int threadsPerWorker;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64")
    int queue;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "16777216")
    long maxBody;

    @Option(names = "--max-pixels", paramLabel = "PIXELS", defaultValue = "16000000")
    long maxPixels;

    @Option(names = "--timeout-ms", paramLabel = "MILLIS", defaultValue = "30000")
    long timeoutMillis;

    @Option(names = "--keep-alive", paramLabel = "SECONDS", defaultValue = "1260")
    long keepAliveSeconds;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "30")
    long idleTimeoutSeconds;

    @Option(names = "--lone-spin-us", paramLabel = "MICROS|auto", defaultValue = "100")
    String loneSpin;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "5")
    int warmup;

    @Option(names = "--decode-budget", paramLabel = "BYTES")
    Long decodeBudget;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        requireRange("--max-batch", maxBatch, 1, Long.MAX_VALUE);
        requireRange("--queue", queue, 1, Long.MAX_VALUE);
        requireRange("--max-body", maxBody, 1, Long.MAX_VALUE);
        requireRange("--max-pixels", maxPixels, 1, Long.MAX_VALUE);
        requireRange("--timeout-ms", timeoutMillis, 1, Long.MAX_VALUE);
        requireRange("--max-wait-us", maxWaitMicros, 0, Long.MAX_VALUE);
        long loneSpinMicros = loneSpinMicros();
        requireRange("--keep-alive", keepAliveSeconds, 1, MAX_SECONDS);
        requireRange("--idle-timeout", idleTimeoutSeconds, 1, MAX_SECONDS);
        requireRange("--warmup", warmup, 0, Long.MAX_VALUE);
        requireRange("--workers", workers, 0, Long.MAX_VALUE);
        requireRange("--threads-per-worker", threadsPerWorker, 0, Long.MAX_VALUE);
        requireRange("--port", port, 0, 65535);
        if (decodeBudget != null) {
            requireRange("--decode-budget", decodeBudget, 1, Long.MAX_VALUE);
        }
        Map<String, String> named = ServedModelNames.named(models);
        Map<String, String> prep = ServedModelNames.perModel("--preprocessing", preprocessing, List.copyOf(named.keySet()));
        Map<String, SavedModel> loaded = new LinkedHashMap<>();
        for (Map.Entry<String, String> m : named.entrySet()) {
            // the same references as predict's --model: a file, an http(s) URL or a catalogue name
            loaded.put(m.getKey(), ModelArgument.load(m.getValue(), null, null, prep.get(m.getKey())));
        }
        ModelServer.Options o = new ModelServer.Options();
        o.maxBatch = maxBatch;
        o.workers = workers;
        o.threadsPerWorker = threadsPerWorker;
        o.host = host;
        o.port = port;
        o.maxWaitMicros = maxWaitMicros;
        o.queueCapacity = queue;
        o.maxBodyBytes = maxBody;
        o.timeoutMillis = timeoutMillis;
        o.maxPixels = maxPixels;
        o.loneSpinMicros = loneSpinMicros;
        o.keepAliveMillis = keepAliveSeconds * 1000;
        o.idleTimeoutMillis = idleTimeoutSeconds * 1000;
        o.warmupRuns = warmup;
        if (decodeBudget != null) {
            o.decodeBudgetBytes = decodeBudget;
        }
        // before the server allocates anything; its refusal (an IllegalArgumentException) is one line, exit 2
        ServingMemory.require(loaded, o, "--max-batch " + maxBatch + (workers <= 1 ? "" : ", --workers " + workers)
                + ", --queue " + queue);
        long started = System.nanoTime();
        ModelServer server = ModelServer.start(loaded, o);
        ModelArgument.flushNotes(err()); // the server runs: the notes about its models
        // SIGTERM and Ctrl-C run shutdown hooks: the server drains before the JVM exits
        Thread hook = new Thread(server::close, "convnet4j-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println(ServerStartup.serving(server) + "; Ctrl-C stops");
        out.flush();
        if (warmup == 0) {
            out.println("No warm-up (--warmup 0): ready");
            out.flush();
        } else {
            ServerStartup.warmUp(server, started, lines(out));
        }
        server.awaitShutdown();
        out.println("Stopped.");
        out.flush();
        return 0;
    }

    /** {@code --lone-spin-us}: microseconds (0 or more), or {@code auto}. */
    private long loneSpinMicros() {
        if (loneSpin.equals("auto")) {
            return ModelServer.Options.LONE_SPIN_AUTO;
        }
        long micros;
        try {
            micros = Long.parseLong(loneSpin);
        } catch (NumberFormatException e) {
            throw new BadInputException("--lone-spin-us: expected microseconds or auto, got '" + loneSpin + "'");
        }
        requireRange("--lone-spin-us", micros, 0, Long.MAX_VALUE);
        return micros;
    }
}
