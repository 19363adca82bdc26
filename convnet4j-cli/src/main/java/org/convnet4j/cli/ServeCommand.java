package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.convnet4j.model.SavedModel;
import org.convnet4j.serve.ModelServer;
import org.convnet4j.serve.ServingMemory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Serves models over HTTP until stopped (Ctrl-C or SIGTERM stop it gracefully). */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Serve models over HTTP: Open Inference Protocol v2, a picture endpoint, metrics and a page to try them.",
        description = {
            "Endpoints: GET /v2/health/live, /v2/health/ready, /v2/models/NAME (metadata), POST /v2/models/NAME/infer "
                + "(JSON FP32 tensors), POST /predictions/NAME[?topk=K] (a picture's bytes; top K classes, default 5), "
                + "GET /metrics (Prometheus), and the pages: / lists the models, /models/NAME tries one on a picture.",
            "Requests are batched per model (--max-batch, --max-wait-us); a full queue answers 429, a body over "
                + "--max-body 413, bad input 400, an unknown model 404, a request not answered within --timeout-ms 504. "
                + "SIGTERM or Ctrl-C stops gracefully: new requests get 503, requests in flight finish.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  convnet4j serve --model lenet=lenet5.c4j",
            "  convnet4j serve --model lenet=lenet5.c4j --model resnet=resnet18.safetensors --port 9000",
            "  curl -s --data-binary @shoe.png http://127.0.0.1:8080/predictions/lenet"
        })
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "NAME=FILE", description = "A model to serve under "
            + "NAME: what predict's --model takes (a model file written by train or import, Keras .h5, torchvision "
            + ".safetensors or .pth, ONNX, an http(s) URL or a catalogue name such as resnet18:imagenet). Repeat for more.")
    List<String> models;

    @Option(names = "--preprocessing", paramLabel = "NAME=SPEC", description = "How pictures become model NAME's input, "
            + "replacing what its file says (or guesses for ONNX): a SPEC as predict's --preprocessing takes it. Repeat for more.")
    List<String> preprocessing = List.of();

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "Address to listen on. "
            + "Default: ${DEFAULT-VALUE} (this machine only).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Default: ${DEFAULT-VALUE}; 0 picks a free port.")
    int port;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "8", description = "Most samples per forward pass; "
            + "1 turns dynamic batching off. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--max-wait-us", paramLabel = "MICROS", defaultValue = "2000", description = "How long a batch waits "
            + "for more requests. Default: ${DEFAULT-VALUE}.")
    long maxWaitMicros;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "0", description = "Worker threads per model, each "
            + "running its own forward passes; 0: per model, one single-threaded worker per core for a small model, "
            + "else one per core following the load (one pass on every core while the queue is short, one core per "
            + "worker once requests queue up). Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--threads-per-worker", paramLabel = "N", defaultValue = "0", description = "Kernel threads per "
            + "worker (1: each forward pass on its worker alone; 0: every core). Default: ${DEFAULT-VALUE}.")
    int threadsPerWorker;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64", description = "Requests waiting per model before "
            + "429. Default: ${DEFAULT-VALUE}.")
    int queue;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "16777216", description = "Largest request body. "
            + "Default: ${DEFAULT-VALUE} (16 MiB).")
    long maxBody;

    @Option(names = "--max-pixels", paramLabel = "PIXELS", defaultValue = "16000000", description = "Largest picture "
            + "accepted, checked from its header before decoding. Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @Option(names = "--timeout-ms", paramLabel = "MILLIS", defaultValue = "30000", description = "Per request, queue "
            + "included. Default: ${DEFAULT-VALUE}.")
    long timeoutMillis;

    @Option(names = "--lone-spin-us", paramLabel = "MICROS", defaultValue = "100", description = "After answering the "
            + "only open connection, poll that long for its next request before sleeping (0: never). Costs up to that "
            + "much CPU per answer; saves a thread wake-up per request. Default: ${DEFAULT-VALUE}.")
    long loneSpinMicros;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "5", description = "Before the server says ready, run "
            + "N forward passes per model at each batch size 1..--max-batch (0: none; requests wait meanwhile). "
            + "Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--decode-budget", paramLabel = "BYTES", description = "Memory all pictures being decoded at once "
            + "may hold together; a picture waits up to 1 s for it, then gets 503. Default: half the heap.")
    Long decodeBudget;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        requireRange("--max-batch", maxBatch, 1, Long.MAX_VALUE);
        requireRange("--queue", queue, 1, Long.MAX_VALUE);
        requireRange("--max-body", maxBody, 1, Long.MAX_VALUE);
        requireRange("--max-pixels", maxPixels, 1, Long.MAX_VALUE);
        requireRange("--timeout-ms", timeoutMillis, 1, Long.MAX_VALUE);
        requireRange("--max-wait-us", maxWaitMicros, 0, Long.MAX_VALUE);
        requireRange("--lone-spin-us", loneSpinMicros, 0, Long.MAX_VALUE);
        requireRange("--warmup", warmup, 0, Long.MAX_VALUE);
        requireRange("--workers", workers, 0, Long.MAX_VALUE);
        requireRange("--threads-per-worker", threadsPerWorker, 0, Long.MAX_VALUE);
        requireRange("--port", port, 0, 65535);
        if (decodeBudget != null) {
            requireRange("--decode-budget", decodeBudget, 1, Long.MAX_VALUE);
        }
        Map<String, String> prep = ModelArgument.perModel("--preprocessing", preprocessing, models);
        Map<String, SavedModel> loaded = new LinkedHashMap<>();
        for (String m : models) {
            int eq = m.indexOf('=');
            if (eq < 1 || eq == m.length() - 1) {
                throw new BadInputException("--model " + m + ": expected NAME=FILE");
            }
            String name = m.substring(0, eq);
            if (loaded.containsKey(name)) {
                throw new BadInputException("--model " + m + ": the name " + name + " is given twice");
            }
            // the same references as predict's --model: a file, an http(s) URL or a catalogue name
            loaded.put(name, ModelArgument.load(m.substring(eq + 1), null, null, prep.get(name), spec.commandLine().getErr()));
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
        o.warmupRuns = warmup;
        if (decodeBudget != null) {
            o.decodeBudgetBytes = decodeBudget;
        }
        try { // before the server allocates anything
            ServingMemory.require(loaded, o, "--max-batch " + maxBatch + (workers <= 1 ? "" : ", --workers " + workers)
                    + ", --queue " + queue);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        long started = System.nanoTime();
        ModelServer server = ModelServer.start(loaded, o);
        ModelArgument.flushNotes(spec.commandLine().getErr()); // the server runs: the notes about its models
        // SIGTERM and Ctrl-C run shutdown hooks: the server drains before the JVM exits
        Thread hook = new Thread(server::close, "convnet4j-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("Serving " + String.join(", ", loaded.keySet()) + " at " + server.url() + "/ (batch up to "
                + maxBatch + ", wait " + maxWaitMicros + " us; " + String.join(", ", loaded.keySet().stream()
                .map(n -> (loaded.size() > 1 ? n + ": " : "") + server.workers(n)).toList()) + "); Ctrl-C stops");
        out.flush();
        ServeWarmup.report(server, warmup, maxBatch, started, out);
        server.awaitShutdown();
        out.println("Stopped.");
        out.flush();
        return 0;
    }

    /** One line naming the option whose value is out of range. */
    private static void requireRange(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new BadInputException(option + ": must be " + (max == Long.MAX_VALUE ? "at least " + min
                    : min + ".." + max) + ", got " + value);
        }
    }
}
