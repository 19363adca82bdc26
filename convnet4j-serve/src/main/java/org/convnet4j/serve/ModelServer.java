package org.convnet4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.convnet4j.image.Images;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.Prediction;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Serves models over HTTP on an embedded Jetty (through Javalin):
 * <ul>
 *   <li>KServe's Open Inference Protocol v2: {@code GET /v2/health/live}, {@code /v2/health/ready},
 *       {@code /v2/models/{name}} (metadata), {@code /v2/models/{name}/ready}, {@code POST /v2/models/{name}/infer};</li>
 *   <li>TorchServe's picture endpoint: {@code POST /predictions/{name}[?topk=K]} with a picture's bytes, answered
 *       with {@code {"class": probability, ...}} for the K (default 5) most likely classes;</li>
 *   <li>{@code GET /metrics} (Prometheus text), and the pages: {@code /} lists the models, {@code /models/{name}}
 *       tries one on a picture.</li>
 * </ul>
 * Each model has one {@link Batcher} (dynamic batching, bounded queue, the worker threads that run the model).
 * Refusals are JSON {@code {"error": "..."}}: 400 bad input, 404 unknown model or path, 413 body too large,
 * 429 queue full, 503 shutting down, 504 not answered within the timeout.
 *
 * <pre>
 *   try (ModelServer server = ModelServer.start(Map.of("lenet", ModelFiles.read(file)), new ModelServer.Options())) {
 *       System.out.println(server.url());
 *       server.awaitShutdown();
 *   }
 * </pre>
 */
public final class ModelServer implements AutoCloseable {

    /** Limits and batching; the defaults suit a small machine. */
    public static final class Options {
        public String host = "127.0.0.1";
        /** 0: any free port. */
        public int port = 8080;
        /** Most samples in one forward pass; 1 turns dynamic batching off. */
        public int maxBatch = 8;
        /**
         * Worker threads per model, each running its own forward passes (inter-op parallelism, as TorchServe's
         * workers and Triton's CPU instances); only one gathers a batch at a time. Memory: up to this many forward
         * passes of {@link #maxBatch} samples are in flight per model. 0: chosen per model from its size
         * ({@link Batcher#AUTO}): one single-threaded worker per kernel thread for a model whose forward pass of
         * {@link #maxBatch} samples is small (LeNet-5), which cut the CPU per request of LeNet-5 cells on 2 cores
         * (docs/SERVING.md, "Model workers"); else (ResNet-18) as many workers whose kernel threads follow the load
         * ({@link Batcher#FOLLOW_LOAD}: one pass at a time on every kernel thread while the queue is short, one
         * thread per worker once requests queue up; docs/SERVING.md, "A worker layout that follows the load").
         */
        public int workers = Batcher.AUTO;
        /**
         * Kernel threads each worker's forward passes use, the worker included: 1 runs them on the worker alone,
         * with no hand-off to the kernels' shared threads (cheapest for small models and many small requests);
         * 0: the kernels' own count (every core, or {@code -Dconvnet4j.threads}); {@link Batcher#FOLLOW_LOAD} (-1):
         * every kernel thread for one pass at a time while the queue is short, one per worker once requests queue
         * up. Ignored when {@link #workers} is 0.
         */
        public int threadsPerWorker = 0;
        /** How long the worker waits for more requests to fill a batch. */
        public long maxWaitMicros = 2_000;
        /** Requests waiting per model before 429. */
        public int queueCapacity = 64;
        public long maxBodyBytes = 16L << 20;
        /**
         * Pictures larger than this are refused from their header. Lower than the command-line tools' limit: a
         * few hundred kilobytes of PNG can claim 100 megapixels, and a server decodes for many clients at once.
         */
        public long maxPixels = Math.min(Images.maxPixels(), 16_000_000L);
        /**
         * From arrival to answer, including the wait in the queue. A request not answered in time is answered 504
         * at most {@link #deadlinePeriodMillis} later (its model's deadline watcher, {@link Batcher#deadlines}); an
         * answer that comes after the budget is refused with 504 as well.
         */
        public long timeoutMillis = 30_000;
        /** Samples in one v2 request. */
        public int maxSamplesPerRequest = 64;
        /**
         * A model whose forward pass takes less than this (measured while serving) runs on the request's own
         * thread when it is idle and that request is the only one in the server, saving two thread hand-offs per
         * request (see {@link Batcher#callerRuns}); with other requests on their way, batching goes on as before.
         * 0: never.
         */
        public long callerRunsMicros = 1_000;
        /** How long shutdown waits for requests in flight. */
        public long drainMillis = 30_000;
        /**
         * How long a connection may sit idle between requests before the server closes it; sent to clients as
         * {@code Keep-Alive: timeout=SECONDS}. HTTP/1.1 has no way to close an idle connection safely: a client that
         * sends a request on it just as the server closes it gets no answer, and may not retry a POST (RFC 9112,
         * 9.3.1; the JDK's HttpClient reports "header parser received no bytes"). So this is longer than clients
         * keep idle connections in their pools (the JDK 11-19 HttpClient: 1200 s; JDK 20 and later 30 s, curl 118 s,
         * Go 90 s, OkHttp 300 s), and the server is not the one to close them (docs/SERVING.md, "Connections").
         * Jetty's default was 30 s.
         */
        public long keepAliveMillis = 1_260_000;
        /**
         * How long a request may stall (no bytes of its headers' remainder or body arrive, or its answer cannot be
         * written) before its connection is closed: a client that stops halfway does not hold the connection for
         * {@link #keepAliveMillis}.
         */
        public long idleTimeoutMillis = 30_000;
        /**
         * From this many open connections on, idle connections are closed after {@link #idleTimeoutMillis} instead
         * of {@link #keepAliveMillis} (Jetty's low-resource monitor, checked every half second), until fewer are
         * open: the long keep-alive does not let idle connections pile up.
         */
        public int manyConnections = 512;
        /**
         * After answering the only open connection on the selector thread, poll that long for its next request
         * before sleeping in {@code epoll_wait} (a client turns round in some 30-50 us; sleeping and waking cost a
         * lone connection about a third of its throughput). At most once per answer; 0: never;
         * {@link #LONE_SPIN_AUTO}: at most as long as sleeping and waking costs that selector thread in CPU, as it
         * measures it (so a client that turns round within a wake-up's cost is caught, and one that does not costs at
         * most about twice a wake-up; see {@code LoneConnectionConnector}).
         */
        public long loneSpinMicros = 100;
        /** {@link #loneSpinMicros} value: a poll bounded by the measured CPU cost of sleeping ({@code --lone-spin-us auto}). */
        public static final long LONE_SPIN_AUTO = LoneConnectionConnector.AUTO;
        /**
         * Warm-up before readiness (Triton's {@code model_warmup}): each model's worker runs this many forward
         * passes at every batch size dynamic batching can form (1 to {@link #maxBatch}) before
         * {@code /v2/health/ready} and the model's ready endpoint answer 200, so that a server that says ready
         * answers at its warm speed rather than while the JIT compiles the kernels. The port is bound meanwhile:
         * liveness answers, readiness answers 503, and inference requests wait in the queue until the warm-up is
         * done. 0: no warm-up, ready at once.
         */
        public int warmupRuns = 5;
        /**
         * The memory all pictures being decoded at once may hold together (bytes): each decode reserves what its
         * header says it needs (the decoder's picture and buffers, the float tensor, one working copy for the
         * model's preprocessing) from this one total before decoding, and gives it back afterwards. Default: half
         * the maximum heap.
         */
        public long decodeBudgetBytes = Runtime.getRuntime().maxMemory() / 2;
        /**
         * How long a picture waits for the decode budget when pictures being decoded hold too much of it; then it
         * is refused with 503 and {@code Retry-After}.
         */
        public long decodeWaitMillis = 1_000;
        /**
         * v2 inference on lean connections ({@link LeanConnection}): a connection's requests are read, answered and
         * kept alive by a small HTTP/1.1 reader of this server's own, without Jetty's per-request machinery, as
         * long as they are plain v2 requests of a served model that arrive whole; the first request that is anything
         * else (another path, a chunked or partly arrived body, an {@code Expect} header, ...) hands the connection,
         * with that request's bytes, to Jetty for good. On by default since 2026-12-07 (with
         * {@link #fullBatchesOnSelectors}: +0.02 / +0.04 of in-process throughput per CPU-second at 8 / 32
         * connections in the lead's quiet runs, and more one-sample requests per second at 8 connections, loaded;
         * docs/SERVING.md); {@code -Dconvnet4j.serve.lean=false} turns it off without a code change.
         */
        public boolean leanConnections = Boolean.parseBoolean(System.getProperty("convnet4j.serve.lean", "true"));
        /**
         * After a batch's answers, a resumed connection whose next request has not come yet reads once more when the
         * batch's other connections have been read, before it waits on the selector (see
         * {@code AnsweringThreadPool.putOff}): fewer selector and worker wake-ups when clients turn round in about
         * the time those reads take. Off by default until its A/B on a quiet machine (docs/SERVING.md);
         * {@code -Dconvnet4j.serve.secondRead=true} turns it on without a code change.
         */
        public boolean secondRead = Boolean.getBoolean("convnet4j.serve.secondRead");
        /**
         * Count the thread CPU time of each v2 request's stages (parse, forward pass, encode, write) and serve it on
         * /metrics ({@link ServeMetrics#countStageCpu}); a measuring aid, off by default
         * ({@code -Dconvnet4j.serve.stageCpu=true}).
         */
        public boolean stageCpu = Boolean.getBoolean("convnet4j.serve.stageCpu");
        /**
         * A lean connection's answer is written as one buffer by the thread that has it ({@link LeanConnection}): head
         * and body encoded into that thread's direct buffer and handed to the socket in one {@code write}, with
         * Jetty's write flusher only for what the socket does not take at once. Without it: the head formatted as a
         * string, then a gathering write of two heap buffers through the flusher, which the JDK copies into a
         * temporary direct buffer first. {@code -Dconvnet4j.serve.oneWriteAnswers=true|false} sets it without a
         * code change.
         */
        public boolean oneWriteAnswers = Boolean.getBoolean("convnet4j.serve.oneWriteAnswers");
        /**
         * After a batch's answers, when nothing else is queued, the model's worker sleeps this long before it reads
         * the answered connections' next requests (see {@code AnsweringThreadPool.batch}): with nothing to do until
         * the clients turn round, one timed wake-up of the worker then finds most of the next batch in the sockets,
         * where reads right after the answers mostly find nothing and each such connection costs the selector a
         * wake-up and an {@code epoll_ctl}, and the batch's last request a wake-up of the worker. 0: no pause (the
         * default until its A/B on a quiet machine, docs/SERVING.md); {@code -Dconvnet4j.serve.resumeDelayMicros=N}
         * sets it without a code change. At most 100,000 (100 ms).
         */
        public long resumeDelayMicros = Long.getLong("convnet4j.serve.resumeDelayMicros", 0);
        /**
         * A v2 request that fills a batch by itself (at least {@link #maxBatch} samples) of a small model (see
         * {@link #callerRunsMicros}) is computed and answered on the selector thread that read it, when fewer
         * such passes run on selectors than the model has workers ({@link Batcher#fullBatchesOnCaller}: beside the
         * workers, which go on with what is queued); the connector then has as many selector threads as the largest
         * worker count, so that such requests keep every core busy. Why: such a request gains nothing from batching, and handing it to a worker and its connection
         * back cost two thread wake-ups and the body's trip to another core (docs/SERVING.md, "Session of 2026-12-07
         * 12:10-13:30"). After such an answer the selector thread reads its other connections before that
         * connection's next request ({@code ServeEndPoint}, "Turns on the selector": without it one fast client held
         * its selector for up to a quarter of a second). On by default since the quiet A/B of 2026-12-07 16:47 (+0.09 /
         * +0.10 of in-process throughput per CPU-second at 8 / 32 connections, p99 kept; docs/SERVING.md); {@code
         * -Dconvnet4j.serve.fullBatchesOnSelectors=false} turns it off without a code change.
         */
        public boolean fullBatchesOnSelectors =
                Boolean.parseBoolean(System.getProperty("convnet4j.serve.fullBatchesOnSelectors", "true"));
    }

    private record Served(String name, SavedModel saved, ImageClassifier classifier, Batcher batcher, Shape input,
                          Shape output, TensorNames names) {
    }

    private static final String[] ASSETS = {"index.html", "model.html", "common.css"};

    private final Options options;
    private final Map<String, Served> models = new LinkedHashMap<>();
    private final ServeMetrics metrics = new ServeMetrics();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final PictureDecoder pictures;
    /** What the pictures being decoded hold, all together (a 16-megapixel RGB picture needs some 550 MB). */
    private final DecodeBudget decoding;
    private final WebAssets assets = new WebAssets(ASSETS);
    private final Javalin app;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final CompletableFuture<Void> warmedUp;
    private volatile boolean draining;
    private int port;
    private volatile LoneConnectionConnector connector;
    private AnsweringThreadPool threads;

    private ModelServer(Map<String, SavedModel> saved, Options options) {
        this.options = options;
        if (saved.isEmpty()) {
            throw new IllegalArgumentException("ModelServer: no models to serve");
        }
        if (options.workers < 0 || options.threadsPerWorker < Batcher.FOLLOW_LOAD) {
            throw new IllegalArgumentException("ModelServer: workers (0: chosen per model) and threads per worker (0:"
                    + " the kernels' own count; -1: following the load) must be at least 0 and -1, got "
                    + options.workers + " and " + options.threadsPerWorker);
        }
        if (options.resumeDelayMicros < 0 || options.resumeDelayMicros > MAX_RESUME_DELAY_MICROS) {
            throw new IllegalArgumentException("ModelServer: the resume delay must be 0 to " + MAX_RESUME_DELAY_MICROS
                    + " us, got " + options.resumeDelayMicros);
        }
        metrics.countStageCpu(options.stageCpu); // before any worker or selector thread starts
        for (Map.Entry<String, SavedModel> e : saved.entrySet()) {
            String name = e.getKey();
            if (!ServedModelNames.isValid(name)) {
                throw new IllegalArgumentException("model name '" + name + "': use letters, digits, '.', '_' or '-'"
                        + " (at most 64), starting with a letter or digit");
            }
            SavedModel m = e.getValue();
            if (m.model().inputShapes().size() != 1) {
                throw new IllegalArgumentException("model " + name + ": only one-input models can be served, it has "
                        + m.model().inputShapes().size() + " inputs");
            }
            ImageClassifier classifier = pictureClassifier(m);
            Batcher b = new Batcher(name, m.model(), options.maxBatch, options.maxWaitMicros, options.queueCapacity,
                    metrics, options.warmupRuns, options.workers, options.threadsPerWorker)
                    .callerRuns(options.callerRunsMicros)
                    .fullBatchesOnCaller(options.fullBatchesOnSelectors)
                    .deadlines(deadlinePeriodMillis(options.timeoutMillis));
            b.answersIn(answerScope(b));
            models.put(name, new Served(name, m, classifier, b, m.model().inputShapes().get(0), m.model().outputShape(),
                    TensorNames.of(m.description())));
            metrics.queueDepth(name, 0);
        }
        metrics.inFlight(inFlight::get);
        metrics.warmup(() -> {
            Map<String, long[]> w = new LinkedHashMap<>();
            models.forEach((n, m) -> w.put(n, new long[] {m.batcher.warmupPasses(), warmed(m) ? 1 : 0}));
            return w;
        });
        this.warmedUp = CompletableFuture.allOf(models.values().stream().map(m -> m.batcher.warmedUp())
                .toArray(CompletableFuture[]::new));
        metrics.lonePolls(() -> connector == null ? 0 : connector.caught(),
                () -> connector == null ? 0 : connector.missed(), () -> connector == null ? 0 : connector.pollNanos());
        if (options.loneSpinMicros == Options.LONE_SPIN_AUTO) {
            metrics.lonePollBudget(() -> connector == null ? 0 : connector.autoBudgetNanos());
        }
        metrics.batchResumptions(() -> threads == null ? 0 : threads.resumedAfterBatches(),
                () -> threads == null ? 0 : threads.resumedWithNothing());
        if (options.fullBatchesOnSelectors) {
            metrics.fullBatchesOnSelectors(
                    () -> models.values().stream().mapToLong(m -> m.batcher.fullBatchesRunOnCaller()).sum());
        }
        if (options.secondRead) {
            metrics.secondReads(() -> connector == null ? 0 : connector.secondReads(true),
                    () -> connector == null ? 0 : connector.secondReads(false));
        }
        this.pictures = new PictureDecoder(options.maxPixels);
        this.decoding = new DecodeBudget(options.decodeBudgetBytes);
        metrics.decodeReserved(decoding::reserved);
        this.app = Http.create(this::routes, (status, seconds) -> metrics.request(ServeMetrics.UNMATCHED, status, seconds),
                new InferHandler());
    }

    /** A classifier for pictures when the model says how to prepare them and outputs class scores, else null. */
    private static ImageClassifier pictureClassifier(SavedModel m) {
        if (m.preprocessing() == null) {
            return null;
        }
        try {
            return new ImageClassifier(m.model(), m.preprocessing());
        } catch (IllegalArgumentException e) {
            return null; // served over v2 only
        }
    }

    /** Starts serving; the port is bound when this returns. */
    public static ModelServer start(Map<String, SavedModel> models, Options options) throws IOException {
        ModelServer s = new ModelServer(models, options);
        try {
            s.app.start(options.host, options.port);
            s.port = s.app.port();
        } catch (RuntimeException e) {
            s.closeModels();
            throw new IOException("cannot listen on " + options.host + ":" + options.port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        return s;
    }

    /**
     * Completes when every model's warm-up ({@link Options#warmupRuns}) is done, exceptionally when one failed;
     * until then readiness answers 503. {@code server.warmedUp().join()} waits for it.
     */
    public CompletableFuture<Void> warmedUp() {
        return warmedUp;
    }

    /** What {@code /v2/health/ready} answers: every model warmed up, and not shutting down. */
    public boolean ready() {
        return !draining && models.values().stream().allMatch(ModelServer::warmed);
    }

    /** The model's warm-up has finished without failing. */
    private static boolean warmed(Served m) {
        CompletableFuture<Long> w = m.batcher.warmedUp();
        return w.isDone() && !w.isCompletedExceptionally();
    }

    /** A model's warm-up: forward passes run so far and in all ({@link Options#warmupRuns} x max batch). */
    public record WarmUp(long passesRun, long passesPlanned) {
    }

    /** The warm-up of a served model (for messages and tests). */
    public WarmUp warmUp(String model) {
        Served m = models.get(model);
        if (m == null) {
            throw new IllegalArgumentException("not served: " + model);
        }
        return new WarmUp(m.batcher.warmupPasses(), m.batcher.warmupPassesPlanned());
    }

    /** How a model is run: worker threads, and kernel threads per worker (0: the kernels' own count). */
    public record Workers(int workers, int threadsPerWorker) {
        @Override
        public String toString() {
            if (threadsPerWorker == Batcher.FOLLOW_LOAD) {
                return workers + (workers == 1 ? " worker" : " workers") + " following the load (one on all kernel"
                        + " threads while the queue is short, each on 1 thread when requests queue up)";
            }
            return workers + (workers == 1 ? " worker" : " workers") + " x " + (threadsPerWorker == 0 ? "all kernel"
                    : Integer.toString(threadsPerWorker)) + (threadsPerWorker == 1 ? " thread" : " threads");
        }
    }

    /**
     * The workers {@code options} give {@code model} ({@link Options#workers} 0: as chosen from its size), before a
     * server is started: for memory estimates.
     */
    public static Workers workersFor(org.convnet4j.nn.Model model, Options options) {
        if (options.workers > 0) {
            return new Workers(options.workers, options.threadsPerWorker);
        }
        int[] chosen = Batcher.chooseWorkers(model, options.maxBatch);
        return new Workers(chosen[0], chosen[1]);
    }

    /** The workers of a served model, as {@link Options#workers} gave or chose them. */
    public Workers workers(String model) {
        Served m = models.get(model);
        if (m == null) {
            throw new IllegalArgumentException("not served: " + model);
        }
        return new Workers(m.batcher.workers(), m.batcher.threadsPerWorker());
    }

    /** The options the server was started with (not to be changed: read by {@link ServerStartup}). */
    Options options() {
        return options;
    }

    /** The port bound at start (the chosen one when {@link Options#port} was 0). */
    public int port() {
        return port;
    }

    public String url() {
        String h = options.host.contains(":") ? "[" + options.host + "]" : options.host;
        return "http://" + ("0.0.0.0".equals(options.host) ? "127.0.0.1" : h) + ":" + port();
    }

    public ServeMetrics metrics() {
        return metrics;
    }

    /** Jetty's thread pool (for tests: where answered connections were resumed). */
    AnsweringThreadPool threads() {
        return threads;
    }

    /** Whether every worker of {@code model} waits for a request, with nothing queued or running (for tests). */
    boolean idle(String model) {
        return models.get(model).batcher.idle();
    }

    /** The batcher of a served model (for tests). */
    Batcher batcher(String model) {
        return models.get(model).batcher;
    }

    /** The listening connector (for tests: its lone-connection poll counters). */
    LoneConnectionConnector connector() {
        return connector;
    }

    private void routes(JavalinConfig config) {
        config.http.maxRequestSize = options.maxBodyBytes;
        threads = new AnsweringThreadPool();
        config.jetty.threadPool = threads;
        config.jetty.addConnector((server, http) -> {
            http.setInputBufferSize(READ_BUFFER_BYTES);
            Connections.configure(server, http, options.keepAliveMillis, options.idleTimeoutMillis);
            org.eclipse.jetty.server.HttpConnectionFactory http1 = new org.eclipse.jetty.server.HttpConnectionFactory(http);
            // with lean connections, every connection starts lean and is handed to http1 at its first other request
            LoneConnectionConnector c = options.leanConnections
                    ? new LoneConnectionConnector(server, options.loneSpinMicros, selectors(),
                            new LeanConnection.Factory(http1, leanInference(), Connections.keepAlive(options.keepAliveMillis),
                                    Math.min(INLINE_BODY_BYTES, options.maxBodyBytes), options.idleTimeoutMillis,
                                    options.oneWriteAnswers),
                            http1)
                    : new LoneConnectionConnector(server, options.loneSpinMicros, selectors(), http1);
            c.setHost(options.host);
            c.setPort(options.port);
            Connections.limit(server, c, options.keepAliveMillis, options.idleTimeoutMillis, options.manyConnections);
            c.cutStalledHeads(options.idleTimeoutMillis);
            c.readAgainAfterBatches(options.secondRead);
            connector = c;
            return c;
        });
        config.routes.get("/v2/health/live", ctx -> handle("/v2/health/live", ctx, c -> ok(c, "live", true)));
        config.routes.get("/v2/health/ready", ctx -> handle("/v2/health/ready", ctx, c -> {
            if (draining) {
                throw new ApiException(503, "shutting down");
            }
            ok(c, "ready", ready());
        }));
        config.routes.get("/v2", ctx -> handle("/v2", ctx, this::serverMetadata));
        config.routes.get("/v2/models/{name}", ctx -> handle("/v2/models/{name}", ctx, c -> {
            Served m = model(c);
            Http.json(c, 200, InferenceProtocol.metadata(m.name, m.input, m.output, m.names));
        }));
        config.routes.get("/v2/models/{name}/ready", ctx -> handle("/v2/models/{name}/ready", ctx, c ->
                ok(c, "ready", !draining && warmed(model(c)))));
        config.routes.post(INFER, ctx -> handle(INFER, ctx, this::infer));
        // the protocol's versioned paths, for the one version the metadata lists (clients such as Triton's and
        // KServe's send them when given a model version); versioned inference is counted under INFER
        config.routes.get(VERSIONED, ctx -> handle(VERSIONED, ctx, c -> {
            Served m = versioned(c);
            Http.json(c, 200, InferenceProtocol.metadata(m.name, m.input, m.output, m.names));
        }));
        config.routes.get(VERSIONED + "/ready", ctx -> handle(VERSIONED + "/ready", ctx, c ->
                ok(c, "ready", !draining && warmed(versioned(c)))));
        config.routes.post(VERSIONED + INFER_SUFFIX, ctx -> handle(INFER, ctx, c -> {
            versioned(c);
            infer(c);
        }));
        // the endpoints that take a POST answer another method with 405 and the method they take, not 404
        for (String post : List.of(INFER, VERSIONED + INFER_SUFFIX, "/predictions/{name}", "/api/models/{name}/input")) {
            config.routes.get(post, ctx -> handle(post.equals(VERSIONED + INFER_SUFFIX) ? INFER : post, ctx, c -> {
                c.header("Allow", "POST");
                throw new ApiException(405, "use POST for " + c.path());
            }));
        }
        config.routes.post("/predictions/{name}", ctx -> handle("/predictions/{name}", ctx, this::predictPicture));
        config.routes.get("/metrics", ctx -> handle("/metrics", ctx, c ->
                c.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.render())));
        config.routes.get("/api/models", ctx -> handle("/api/models", ctx, this::listModels));
        config.routes.post("/api/models/{name}/input", ctx -> handle("/api/models/{name}/input", ctx, this::modelInput));
        config.routes.get("/", ctx -> handle("/", ctx, c -> assets.serve(c, "index.html")));
        config.routes.get("/models/{name}", ctx -> handle("/models/{name}", ctx, c -> {
            model(c);
            assets.serve(c, "model.html");
        }));
        config.routes.get("/static/{file}", ctx -> handle("/static/{file}", ctx, c -> assets.serve(c, c.pathParam("file"))));
    }

    private interface Endpoint {
        void handle(Context ctx) throws Exception;
    }

    /** Every request goes through here: shutdown refusal, JSON errors, the request counters and latency. */
    private void handle(String endpoint, Context ctx, Endpoint body) {
        long t0 = System.nanoTime();
        inFlight.incrementAndGet();
        try {
            if (draining) {
                ctx.header("Connection", "close"); // the server is about to close its connections
                if (!endpoint.startsWith("/v2/health") && !endpoint.equals("/metrics")) {
                    throw new ApiException(503, "the server is shutting down");
                }
            }
            body.handle(ctx);
        } catch (ApiException e) {
            if (e.status() == 413) {
                refuseAndDrain(ctx, e.getMessage());
            } else {
                dropUnreadBody(ctx);
                if (e.retryAfterSeconds() >= 0) {
                    ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
                }
                Http.error(ctx, e.status(), e.getMessage());
            }
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            Http.error(ctx, 500, "internal error: " + e);
        } finally {
            metrics.request(endpoint, ctx.status().getCode(), (System.nanoTime() - t0) / 1e9);
            inFlight.decrementAndGet();
        }
    }

    /**
     * A body over the limit on Javalin's routes (the picture endpoint), as on the v2 fast path: the 413 is sent at
     * once, then what the client still sends is read and dropped (at most {@link #DRAIN_BYTES}, never kept), then
     * the connection closes. Closing with the body unread would reset the connection under a client that is still
     * sending, which then reports a broken pipe instead of the answer.
     */
    private static void refuseAndDrain(Context ctx, String message) {
        byte[] body = utf8(Http.errorBody(message).toString());
        jakarta.servlet.http.HttpServletResponse res = ctx.res();
        try {
            res.setStatus(413);
            res.setContentType("application/json");
            res.setHeader("Connection", "close");
            res.setContentLength(body.length);
            res.getOutputStream().write(body);
            res.flushBuffer();
            dropBody(ctx.req().getInputStream(), DRAIN_BYTES);
        } catch (IOException | RuntimeException e) {
            // the client went away or the body broke off: the 413 is sent or cannot be, nothing more to do
        }
    }

    /**
     * A refusal decided before the body was read (an unknown model or version on a POST): what is left of the body
     * is read and dropped first, at most the body limit, never kept. Answered with the body unread, Jetty closes the
     * connection, and a client still sending the body reports a broken pipe instead of the 404 (ModelServerTest met
     * it under load). Only refusals come here; a body already read costs one read that returns at once.
     */
    private void dropUnreadBody(Context ctx) {
        try {
            dropBody(ctx.req().getInputStream(), options.maxBodyBytes);
        } catch (IOException | RuntimeException e) {
            // read and closed already, or the client went away: nothing to drop
        }
    }

    /** Reads and drops what is left of a request's body, at most {@code limit} bytes, never kept. */
    private static void dropBody(InputStream in, long limit) throws IOException {
        byte[] dropped = new byte[64 << 10];
        for (long left = limit; left > 0; ) {
            int n = in.read(dropped);
            if (n < 0) {
                return;
            }
            left -= n;
        }
    }

    private static void ok(Context ctx, String key, boolean value) {
        JsonObject o = new JsonObject();
        o.addProperty(key, value);
        Http.json(ctx, value ? 200 : 503, o);
    }

    private void serverMetadata(Context ctx) {
        JsonObject o = new JsonObject();
        o.addProperty("name", "convnet4j");
        o.addProperty("version", org.convnet4j.util.LibraryVersion.get());
        JsonArray extensions = new JsonArray();
        extensions.add("binary_tensor_data");
        o.add("extensions", extensions);
        Http.json(ctx, 200, o);
    }

    /** The model of a versioned path, 404 for a version it does not have. */
    private Served versioned(Context ctx) {
        Served m = model(ctx);
        String version = ctx.pathParam("version");
        if (!InferenceProtocol.MODEL_VERSION.equals(version)) {
            throw new ApiException(404, "model '" + m.name + "' has no version '" + version + "'; its version is "
                    + InferenceProtocol.MODEL_VERSION);
        }
        return m;
    }

    private Served model(Context ctx) {
        String name = ctx.pathParam("name");
        Served m = models.get(name);
        if (m == null) {
            throw new ApiException(404, "unknown model '" + name + "'; served: " + String.join(", ", models.keySet()));
        }
        return m;
    }

    /** The body, refused with 413 past the limit whether or not the client declared its length. */
    private byte[] body(Context ctx) throws IOException {
        return body(ctx.req().getContentLengthLong(), ctx.req().getInputStream());
    }

    private byte[] body(long declared, InputStream stream) throws IOException {
        if (declared > options.maxBodyBytes) {
            throw new ApiException(413, "the body has " + declared + " bytes; the limit is " + options.maxBodyBytes);
        }
        try (InputStream in = stream) {
            if (declared >= 0) {
                // the declared length: one array of the right size, no growing and copying
                byte[] b = in.readNBytes((int) declared);
                if (b.length < declared) {
                    throw new ApiException(400, "the body ended after " + b.length + " of its " + declared + " bytes");
                }
                return b;
            }
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, options.maxBodyBytes + 1));
            if (b.length > options.maxBodyBytes) {
                throw new ApiException(413, "the body is larger than the limit of " + options.maxBodyBytes + " bytes");
            }
            return b;
        }
    }

    private void infer(Context ctx) throws Exception {
        Served m = model(ctx);
        InferenceProtocol.Encoded answer = infer(m, ctx.header(InferenceProtocol.HEADER_LENGTH),
                ctx.req().getContentLengthLong(), ctx.req().getInputStream(), System.nanoTime());
        ctx.status(200);
        if (answer.jsonLength() >= 0) {
            ctx.header(InferenceProtocol.HEADER_LENGTH, Integer.toString(answer.jsonLength()));
            ctx.contentType("application/octet-stream");
        } else {
            ctx.contentType("application/json");
        }
        ctx.result(answer.body());
    }

    /**
     * One v2 inference, whichever HTTP layer carried it: the body (its declared length, -1 if none), the
     * binary extension's header value (may be null), the answer encoded as the client asked.
     */
    private InferenceProtocol.Encoded infer(Served m, String declared, long contentLength, InputStream in, long t0)
            throws Exception {
        InferenceProtocol.Request req = inferRequest(m, declared, contentLength, in);
        Tensor out = await(m, submit(m, req.input(), alone(), t0), t0);
        return InferenceProtocol.encodeResponse(m.name, req.id(), out, req.outputFormat(), req.outputName());
    }

    /** A v2 request read and checked against the model: the body, and the binary extension's header (may be null). */
    private InferenceProtocol.Request inferRequest(Served m, String declared, long contentLength, InputStream in)
            throws IOException {
        int jsonLength = jsonLength(declared);
        return InferenceProtocol.parseRequest(body(contentLength, in), jsonLength, m.input, options.maxSamplesPerRequest,
                m.names);
    }

    /** The binary extension's header value as a length; -1 when absent (the body is all JSON). */
    private static int jsonLength(String declared) {
        if (declared == null) {
            return -1;
        }
        int jsonLength;
        try {
            jsonLength = Integer.parseInt(declared.trim());
        } catch (NumberFormatException e) {
            jsonLength = -2;
        }
        if (jsonLength < 0) {
            throw new ApiException(400, InferenceProtocol.HEADER_LENGTH + " must be a whole number of bytes, got '"
                    + declared + "'");
        }
        return jsonLength;
    }

    private static final String INFER = "/v2/models/{name}/infer";
    private static final String MODELS_PREFIX = "/v2/models/";
    private static final String INFER_SUFFIX = "/infer";
    private static final String VERSIONED = "/v2/models/{name}/versions/{version}";
    /** The versioned form of a model's name in a v2 path ({@code NAME/versions/1}), as the fast path meets it. */
    private static final String VERSION_SUFFIX = "/versions/" + InferenceProtocol.MODEL_VERSION;

    /**
     * v2 inference of a served model straight on Jetty's core API, before Javalin's servlet: for a small model
     * the servlet and routing layers cost as much CPU per request as the forward pass (measured with JFR, see
     * docs/SERVING.md). The same {@link #infer} does the work; refusals, metrics and shutdown are as in
     * {@link #handle}. Anything else (other paths, unknown or percent-encoded model names) goes on to Javalin,
     * whose route for the same path answers those.
     */
    private final class InferHandler extends org.eclipse.jetty.server.Handler.Abstract {
        @Override
        public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                              org.eclipse.jetty.util.Callback callback) {
            if (!"POST".equals(request.getMethod())) {
                return false;
            }
            String path = request.getHttpURI().getPath();
            if (path == null || !path.startsWith(MODELS_PREFIX) || !path.endsWith(INFER_SUFFIX)
                    || path.length() <= MODELS_PREFIX.length() + INFER_SUFFIX.length()) {
                return false;
            }
            Served m = servedOnFastPath(path.substring(MODELS_PREFIX.length(), path.length() - INFER_SUFFIX.length()));
            if (m == null) {
                return false;
            }
            long t0 = System.nanoTime();
            inFlight.incrementAndGet();
            long declared = request.getLength();
            if (declared > options.maxBodyBytes) {
                // answered at once, without reading the body (then read and dropped: see send)
                refuse(response, callback, new ApiException(413, "the body has " + declared
                        + " bytes; the limit is " + options.maxBodyBytes), t0);
                return true;
            }
            String header = request.getHeaders().get(InferenceProtocol.HEADER_LENGTH);
            try {
                if (draining) {
                    throw new ApiException(503, "the server is shutting down");
                }
                int jsonLength = jsonLength(header);
                if (declared >= 0 && declared <= Integer.MAX_VALUE - 8) {
                    // This runs on the selector thread (SelectorHandoffs): the body is taken as it arrives, never
                    // waited for, and the request goes on from whichever callback brings its last bytes: there
                    // for a small body, on a pool thread for a large one, whose parsing would hold up the
                    // selector (no thread waits while a large body arrives).
                    java.util.function.Consumer<byte[]> then = declared <= INLINE_BODY_BYTES
                            ? body -> infer(m, jsonLength, body, response, callback, t0)
                            : body -> request.getComponents().getThreadPool().execute(
                                    () -> infer(m, jsonLength, body, response, callback, t0));
                    // A small body that arrives in one piece is parsed straight from Jetty's buffer (no copy)
                    BodyReader.InPlace inPlace = declared <= INLINE_BODY_BYTES
                            ? whole -> parsed(m, whole, jsonLength, response, callback, t0) : null;
                    new BodyReader(request, (int) declared, then, inPlace, e -> {
                        // a body that broke off or stalled leaves the connection unusable, and Jetty closes it
                        // after this answer: the client is told so instead of finding it closed on its next request
                        response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONNECTION, "close");
                        refuse(response, callback, e, t0);
                    }).run();
                    return true;
                }
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                refuse(response, callback, e, t0);
                return true;
            }
            // A chunked body (or one over 2 GiB): read (blocking) on a pool thread, as Jetty would have run the request.
            request.getComponents().getThreadPool().execute(() -> {
                try {
                    byte[] body = body(declared, new java.io.FilterInputStream(
                            org.eclipse.jetty.io.Content.Source.asInputStream(request)) {
                        @Override
                        public void close() {
                            // left open: closing it early fails the request's content, and a body refused with
                            // 413 must still be drained (see send)
                        }
                    });
                    infer(m, jsonLength(header), body, response, callback, t0);
                } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                    refuse(response, callback, e, t0);
                }
            });
            return true;
        }

        /** The rest of a v2 request once its body is read: parsed, handed to the model, answered when done. */
        private void infer(Served m, int jsonLength, byte[] body, org.eclipse.jetty.server.Response response,
                           org.eclipse.jetty.util.Callback callback, long t0) {
            InferenceProtocol.Request req;
            try {
                long cpu0 = metrics.threadCpuNanos();
                req = InferenceProtocol.parseRequest(body, jsonLength, m.input, options.maxSamplesPerRequest, m.names);
                metrics.stageCpu("parse", cpu0);
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                refuse(response, callback, e, t0);
                return;
            }
            infer(m, req, response, callback, t0);
        }

        /**
         * A body that arrived whole in {@code whole} (Jetty's buffer: read here, not kept), parsed; what to do once
         * the body has ended: hand the request to the model, or refuse it as {@link #infer(Served, int, byte[],
         * org.eclipse.jetty.server.Response, org.eclipse.jetty.util.Callback, long)} would.
         */
        private Runnable parsed(Served m, java.nio.ByteBuffer whole, int jsonLength,
                                org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback,
                                long t0) {
            try {
                long cpu0 = metrics.threadCpuNanos();
                InferenceProtocol.Request req = InferenceProtocol.parseRequest(whole, jsonLength, m.input,
                        options.maxSamplesPerRequest, m.names);
                metrics.stageCpu("parse", cpu0);
                return () -> infer(m, req, response, callback, t0);
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                return () -> refuse(response, callback, e, t0);
            }
        }

        /** A parsed v2 request handed to the model, answered when done. */
        private void infer(Served m, InferenceProtocol.Request req, org.eclipse.jetty.server.Response response,
                           org.eclipse.jetty.util.Callback callback, long t0) {
            ModelServer.this.infer(m, req, onlyConnection(response.getRequest()), reply(response, callback), t0);
        }

        private void refuse(org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback,
                            Throwable e, long t0) {
            ModelServer.this.refuse(reply(response, callback), e, t0);
        }

        /** Where this request's answer goes: Jetty's response of the request. */
        private V2Reply reply(org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback) {
            return (status, type, body, jsonLength, close) -> {
                response.setStatus(status);
                response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, type);
                response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH, body.length);
                if (jsonLength >= 0) {
                    response.getHeaders().put(InferenceProtocol.HEADER_LENGTH, Integer.toString(jsonLength));
                }
                if (status == 413) {
                    // The body is over the limit and not read (a declared length) or read only up to the limit
                    // (chunked). Closing the connection with the rest unread would reset it under a client that
                    // is still sending, and such a client (java.net.http, curl) then reports a broken pipe, not
                    // the answer. So: answer, then read and drop what the client still sends (never kept; at most
                    // DRAIN_BYTES, then the connection closes), then close.
                    response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONNECTION, "close");
                    org.eclipse.jetty.server.Request request = response.getRequest();
                    response.write(true, java.nio.ByteBuffer.wrap(body), org.eclipse.jetty.util.Callback.from(
                            () -> drain(request, callback, DRAIN_BYTES), callback::failed));
                    return;
                }
                if (close) {
                    // the server is about to close its connections: this one is not to be used again
                    response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONNECTION, "close");
                }
                LoneConnectionConnector.answered(response.getRequest());
                if (options.fullBatchesOnSelectors && LoneConnectionConnector.onSelectorThread()
                        && response.getRequest().getConnectionMetaData().getConnection().getEndPoint()
                                instanceof ServeEndPoint socket) {
                    socket.yieldAfterAnswer(); // the selector's other connections are read before this one's next request
                }
                // when this thread is not the connection's (the model's worker), Jetty resumes the connection on
                // completion: AnsweringThreadPool runs that here instead of waking a pool thread
                AnsweringThreadPool.answering(() -> response.write(true, java.nio.ByteBuffer.wrap(body), callback));
            };
        }
    }

    /**
     * Where a v2 answer is written: Jetty's response on the fast path ({@link InferHandler}), or a lean connection
     * ({@link LeanConnection}). Called once per request, on whichever thread answers it.
     */
    interface V2Reply {
        /**
         * The answer: status, content type, body, the binary extension's JSON length (-1: none), and whether the
         * connection is to close after it (the server is shutting down).
         */
        void send(int status, String type, byte[] body, int jsonLength, boolean close);
    }

    /**
     * A parsed v2 request handed to the model, answered through {@code reply} when done. {@code onlyConnection}:
     * no other client connection is open (see {@link #onlyConnection}).
     */
    private void infer(Served m, InferenceProtocol.Request req, boolean onlyConnection, V2Reply reply, long t0) {
        CompletableFuture<Tensor> f;
        try {
            f = submit(m, req.input(), alone() && onlyConnection, t0);
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            refuse(reply, e, t0);
            return;
        }
        // The answer is written by whichever thread completes the future (the model's worker, or its deadline
        // watcher at the time budget: Batcher#deadlines, which costs a request nothing shared, unlike orTimeout's
        // one delay queue): the request's thread returns now instead of sleeping until the worker wakes it.
        // For a small model that wake-up and the thread's own scheduling cost about as much CPU as the forward
        // pass (perf stat per request, docs/SERVING.md); the worker's extra work is a small write per answer.
        long budget = TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis);
        f.whenComplete((out, err) -> {
            if (err == null && System.nanoTime() - t0 > budget) {
                err = new TimeoutException(); // came too late: refused like a missing answer (see await)
            }
            if (err != null) {
                refuse(reply, refusal(m, err), t0);
                return;
            }
            try {
                long cpu0 = metrics.threadCpuNanos();
                InferenceProtocol.Encoded answer = InferenceProtocol.encodeResponse(m.name, req.id(), out,
                        req.outputFormat(), req.outputName());
                metrics.stageCpu("encode", cpu0);
                send(reply, 200, answer.jsonLength() >= 0 ? "application/octet-stream" : "application/json",
                        answer.body(), answer.jsonLength(), t0);
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                refuse(reply, e, t0);
            }
        });
    }

    private void refuse(V2Reply reply, Throwable e, long t0) {
        int status = e instanceof ApiException a ? a.status() : 500;
        String message = e instanceof ApiException ? e.getMessage() : "internal error: " + e;
        send(reply, status, "application/json", utf8(Http.errorBody(message).toString()), -1, t0);
    }

    /** Counts a v2 request and writes its answer; the request is no longer in flight after that. */
    private void send(V2Reply reply, int status, String type, byte[] body, int jsonLength, long t0) {
        try {
            answer(reply, status, type, body, jsonLength, t0);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Counts a v2 request (its status, and its time from arrival to its answer's release) and then writes the answer.
     * Counted first: once the answer is on the socket the client may read {@code /metrics} before this thread gets
     * further, and a user who reads the metrics after an answer must find that request in them (counted after the
     * write, a loaded machine showed one request missing). The write's own microseconds are not in the latency.
     * Package-visible for the test of that order.
     */
    void answer(V2Reply reply, int status, String type, byte[] body, int jsonLength, long t0) {
        metrics.request(INFER, status, (System.nanoTime() - t0) / 1e9);
        long cpu0 = metrics.threadCpuNanos();
        reply.send(status, type, body, jsonLength, draining);
        metrics.stageCpu("write", cpu0);
    }

    /** The model a fast-path name gives: NAME, or NAME/versions/1 (looked up only after a miss), else null. */
    private Served servedOnFastPath(String name) {
        Served m = models.get(name);
        if (m == null && name.endsWith(VERSION_SUFFIX)) {
            m = models.get(name.substring(0, name.length() - VERSION_SUFFIX.length()));
        }
        return m;
    }

    /**
     * A v2 request that a lean connection read whole ({@link LeanConnection}; {@code body} is read here, not kept):
     * refused while shutting down, parsed, handed to the model and answered through {@code reply}, with the same
     * checks, answers, refusals and counts as on Jetty's fast path. False, with nothing done, when {@code name} is
     * no served model (Jetty's routes answer that).
     */
    private boolean inferLean(String name, java.nio.ByteBuffer body, String jsonLengthHeader, boolean onlyConnection,
                              V2Reply reply) {
        Served m = servedOnFastPath(name);
        if (m == null) {
            return false;
        }
        long t0 = System.nanoTime();
        inFlight.incrementAndGet();
        try {
            if (draining) {
                throw new ApiException(503, "the server is shutting down");
            }
            long cpu0 = metrics.threadCpuNanos();
            InferenceProtocol.Request req = InferenceProtocol.parseRequest(body, jsonLength(jsonLengthHeader), m.input,
                    options.maxSamplesPerRequest, m.names);
            metrics.stageCpu("parse", cpu0);
            infer(m, req, onlyConnection, reply, t0);
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            refuse(reply, e, t0);
        }
        return true;
    }

    /** What lean connections hand their v2 requests to: the same code as Jetty's fast path. */
    private LeanConnection.Inference leanInference() {
        return new LeanConnection.Inference() {
            @Override
            public boolean infer(String name, java.nio.ByteBuffer body, String jsonLengthHeader, boolean onlyConnection,
                                 V2Reply reply) {
                return inferLean(name, body, jsonLengthHeader, onlyConnection, reply);
            }

            @Override
            public void refuse(int status, String message, V2Reply reply) {
                long t0 = System.nanoTime();
                inFlight.incrementAndGet();
                ModelServer.this.refuse(reply, new ApiException(status, message), t0);
            }
        };
    }

    /**
     * Bodies with a declared length are read on the selector thread as their bytes arrive; up to this size the
     * request goes on there (LeNet-5's binary request is 3 KiB), larger ones (ResNet-18's is 588 KiB) are parsed on
     * a pool thread once complete, since their parsing would hold up the selector. Chunked bodies are read on a
     * pool thread.
     */
    private static final int INLINE_BODY_BYTES = 64 << 10;

    /**
     * How much one read from a connection takes (Jetty's default is 8 KiB). A LeNet-5 request of 8 binary samples
     * (25 KiB) took four read system calls and four trips through {@link BodyReader}, on the model's worker thread
     * when it resumes the connection after writing an answer (perf trace, docs/SERVING.md): one with 32 KiB.
     * Jetty's buffer pool keeps buffers of this size, and a connection holds one only while bytes wait in it.
     */
    static final int READ_BUFFER_BYTES = 32 << 10;

    /** The longest {@link Options#resumeDelayMicros}: a pause, not a wait for clients that think. */
    static final long MAX_RESUME_DELAY_MICROS = 100_000;

    /** Pieces v2 bodies arrived in on the fast path, and the largest (for tests: how much one read took). */
    private final java.util.concurrent.atomic.LongAdder bodyChunks = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAccumulator largestBodyChunk =
            new java.util.concurrent.atomic.LongAccumulator(Math::max, 0);

    long bodyChunks() {
        return bodyChunks.sum();
    }

    long largestBodyChunk() {
        return largestBodyChunk.get();
    }

    /** Bodies parsed straight from Jetty's buffer, having arrived in one piece (for tests). */
    private final java.util.concurrent.atomic.LongAdder bodiesInPlace = new java.util.concurrent.atomic.LongAdder();

    long bodiesInPlace() {
        return bodiesInPlace.sum();
    }

    /**
     * Reads a body of a declared length without ever waiting: what has arrived is taken, and when nothing more has,
     * Jetty calls this again (on its selector thread: non-blocking) when more comes. A body that comes in one piece
     * is given to {@link InPlace} while it is still in Jetty's buffer (when one is given); one in several pieces is
     * copied into one array for {@code done}. Either way the request goes on only once the body has ended.
     */
    private final class BodyReader implements Runnable, org.eclipse.jetty.util.thread.Invocable {
        /** Reads a whole body from Jetty's buffer (not kept: it is released after this) and says what to do next. */
        interface InPlace {
            Runnable parse(java.nio.ByteBuffer whole);
        }

        private final org.eclipse.jetty.server.Request request;
        private final int length;
        private final java.util.function.Consumer<byte[]> done;
        private final InPlace inPlace;
        private final java.util.function.Consumer<Exception> failed;
        private byte[] body;
        private Runnable then;
        private int filled;

        BodyReader(org.eclipse.jetty.server.Request request, int length, java.util.function.Consumer<byte[]> done,
                   InPlace inPlace, java.util.function.Consumer<Exception> failed) {
            this.request = request;
            this.length = length;
            this.done = done;
            this.inPlace = inPlace;
            this.failed = failed;
        }

        @Override
        public void run() {
            while (true) {
                org.eclipse.jetty.io.Content.Chunk c = request.read();
                if (c == null) {
                    request.demand(this);
                    return;
                }
                if (org.eclipse.jetty.io.Content.Chunk.isFailure(c)) {
                    Throwable t = c.getFailure();
                    failed.accept(new ApiException(400, "the body could not be read after " + filled + " of its "
                            + length + " bytes: " + t));
                    return;
                }
                java.nio.ByteBuffer b = c.getByteBuffer();
                int n = Math.min(b.remaining(), length - filled);
                if (n > 0) {
                    bodyChunks.increment();
                    largestBodyChunk.accumulate(n);
                }
                if (n == length && n > 0 && inPlace != null) { // the whole body in this piece (filled is 0)
                    bodiesInPlace.increment();
                    then = inPlace.parse(b.remaining() == n ? b : b.slice(b.position(), n));
                    b.position(b.position() + n);
                } else if (n > 0) {
                    if (body == null) {
                        body = new byte[length];
                    }
                    b.get(body, filled, n);
                }
                filled += n;
                boolean last = c.isLast();
                c.release();
                if (last) {
                    if (filled < length) {
                        failed.accept(new ApiException(400, "the body ended after " + filled + " of its " + length
                                + " bytes"));
                    } else if (then != null) {
                        then.run();
                    } else {
                        done.accept(body != null ? body : new byte[0]);
                    }
                    return;
                }
            }
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }

    /** How much of a refused body is read and dropped after the 413 before the connection is closed anyway. */
    private static final long DRAIN_BYTES = 256L << 20;

    /** Reads and drops the rest of a request's body (at most {@code left} bytes), then completes the exchange. */
    private static void drain(org.eclipse.jetty.server.Request request, org.eclipse.jetty.util.Callback callback,
                              long left) {
        while (true) {
            org.eclipse.jetty.io.Content.Chunk c = request.read();
            if (c == null) {
                long rest = left;
                request.demand(() -> drain(request, callback, rest));
                return;
            }
            left -= c.remaining();
            boolean last = c.isLast() || org.eclipse.jetty.io.Content.Chunk.isFailure(c);
            c.release();
            if (last || left < 0) {
                callback.succeeded();
                return;
            }
        }
    }

    /**
     * How often each model's deadline watcher looks for requests past their budget: an eighth of the budget, at
     * least 10 ms and at most 250 ms (4 looks a second with the default 30-s budget; a 504 then comes at most a
     * quarter of a second late).
     */
    static long deadlinePeriodMillis(long timeoutMillis) {
        return Math.max(10, Math.min(250, timeoutMillis / 8));
    }

    /**
     * How model {@code b}'s batches are answered: the connections the answers resume are held back until all are
     * written ({@link AnsweringThreadPool#batch}); with {@link Options#resumeDelayMicros}, the worker then sleeps
     * that long before resuming them when nothing else is queued (with requests queued it goes on at once: they
     * are the next batch, and the clients turn round meanwhile).
     */
    private java.util.function.Consumer<Runnable> answerScope(Batcher b) {
        long nanos = TimeUnit.MICROSECONDS.toNanos(options.resumeDelayMicros);
        if (nanos == 0) {
            return AnsweringThreadPool::batch;
        }
        Runnable pause = () -> {
            if (b.queueDepth() == 0) {
                AnsweringThreadPool.sleep(nanos);
            }
        };
        return answers -> AnsweringThreadPool.batch(answers, pause);
    }

    /**
     * The {@link System#nanoTime} by which a request that arrived at {@code t0} must be answered, or
     * {@link Long#MAX_VALUE} when the budget is too long to count in nanoseconds from now (then it has none).
     */
    private long deadline(long t0) {
        long budget = TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis);
        return budget >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE : t0 + budget;
    }

    /**
     * Hands a request's samples to its model's batcher, with the request's deadline unless it has none; on a selector
     * thread, with {@link Options#fullBatchesOnSelectors}, a request that fills a batch may run here.
     */
    private CompletableFuture<Tensor> submit(Served m, Tensor input, boolean callerMayRun, long t0) {
        return m.batcher.submit(input, callerMayRun,
                options.fullBatchesOnSelectors && LoneConnectionConnector.onSelectorThread(), deadline(t0));
    }

    /**
     * Selector threads of the connector: Jetty's default (-1), or with {@link Options#fullBatchesOnSelectors} one
     * per worker of the model with most workers (the selectors then run those models' full batches).
     */
    private int selectors() {
        return options.fullBatchesOnSelectors
                ? models.values().stream().mapToInt(m -> m.batcher.workers()).max().orElse(1) : -1;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private void predictPicture(Context ctx) throws Exception {
        Served m = model(ctx);
        long t0 = System.nanoTime();
        if (m.classifier == null) {
            throw new ApiException(400, "model " + m.name + " does not take pictures (its file has no preprocessing"
                    + " or it does not output class scores); use /v2/models/" + m.name + "/infer");
        }
        int k = topK(ctx, m);
        Tensor x = prepared(ctx, m);
        Tensor out = await(m, submit(m, x.reshape(x.shape().prepend(1)), alone(), t0), t0);
        JsonObject o = new JsonObject();
        for (Prediction p : m.classifier.classificationsOf(out.data(), 0).topK(k)) {
            o.addProperty(p.className(), p.probability());
        }
        Http.json(ctx, 200, o);
    }

    /**
     * The picture in the body as the model sees it: decoded with the pixel cap, then the model's preprocessing. What
     * decoding and preprocessing need, from the picture's header, is reserved from the decode budget shared by all
     * requests first (waiting at most {@link Options#decodeWaitMillis}, then 503).
     */
    private Tensor prepared(Context ctx, Served m) throws IOException {
        byte[] bytes = body(ctx);
        long need = pictures.bytesToPrepare(bytes, m.input.dim(0));
        if (need == 0) {
            return m.classifier.preprocessing().apply(pictures.decode(bytes)); // refused from its header (400)
        }
        long wait = Math.min(options.decodeWaitMillis, options.timeoutMillis);
        try (DecodeBudget.Reservation r = decoding.reserve(need, wait, "the picture", metrics::decodeWaited)) {
            return m.classifier.preprocessing().apply(pictures.decode(bytes));
        }
    }

    /** The shared decode budget (tests). */
    DecodeBudget decodeBudget() {
        return decoding;
    }

    private static int topK(Context ctx, Served m) {
        String q = ctx.queryParam("topk");
        if (q == null) {
            return Math.min(5, m.classifier.classNames().size());
        }
        try {
            int k = Integer.parseInt(q.trim());
            if (k >= 1) {
                return Math.min(k, m.classifier.classNames().size());
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw new ApiException(400, "topk must be a whole number >= 1, got '" + q + "'");
    }

    /**
     * This request is the only one being handled: a small idle model may run it on this thread. With others on
     * their way (read, parsed or answered by other threads) it goes to the batcher, so that batches can form.
     */
    private boolean alone() {
        return inFlight.get() <= 1;
    }

    /**
     * No other client connection is open. On the fast path the selector thread reads requests one at a time, so
     * while it handles this one, requests of other connections may already wait unread in their sockets, where
     * {@link #alone} does not see them: running this one on the selector thread would hold them up and keep
     * batches from forming.
     */
    private static boolean onlyConnection(org.eclipse.jetty.server.Request request) {
        return request.getConnectionMetaData().getConnector() instanceof org.eclipse.jetty.server.AbstractConnector c
                && c.getConnectedEndPoints().size() <= 1;
    }

    /** Waits for the batcher's answer within the request's time budget (counted from arrival). */
    private Tensor await(Served m, CompletableFuture<Tensor> f, long t0) throws Exception {
        long budget = TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis);
        long left = budget - (System.nanoTime() - t0);
        try {
            Tensor answer = f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (System.nanoTime() - t0 > budget) {
                // the budget runs from arrival to answer: an answer that came too late is refused like a missing one
                // (otherwise whether a late request gets 200 or 504 would depend on when this thread woke up)
                throw new TimeoutException();
            }
            return answer;
        } catch (TimeoutException e) {
            f.cancel(false); // the worker skips it if it has not started
            throw refusal(m, e);
        } catch (ExecutionException e) {
            throw refusal(m, e.getCause());
        }
    }

    /** What a request is answered when its future failed with {@code cause}: 504, the worker's refusal, 400 or 500. */
    private Exception refusal(Served m, Throwable cause) {
        if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException) {
            return new ApiException(504, "model " + m.name + " did not answer within " + options.timeoutMillis + " ms");
        }
        if (cause instanceof ApiException a) {
            return a;
        }
        if (cause instanceof IllegalArgumentException a) {
            return new ApiException(400, a.getMessage());
        }
        return cause instanceof Exception c ? c : new IllegalStateException(cause);
    }

    private void listModels(Context ctx) {
        JsonArray a = new JsonArray();
        for (Served m : models.values()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", m.name);
            o.addProperty("input", m.input.toString());
            o.addProperty("output", m.output.toString());
            o.addProperty("pictures", m.classifier != null);
            if (m.classifier != null) {
                o.addProperty("classes", m.classifier.classNames().size());
                o.add("preprocessing", org.convnet4j.internal.json.Json.parseObject(
                        m.classifier.preprocessing().toJson(), "preprocessing"));
            }
            a.add(o);
        }
        Http.json(ctx, 200, a);
    }

    private void modelInput(Context ctx) throws IOException {
        Served m = model(ctx);
        if (m.classifier == null) {
            throw new ApiException(400, "model " + m.name + " does not take pictures");
        }
        ctx.contentType("image/png").result(MapImages.picture(prepared(ctx, m), m.classifier.preprocessing().bgr()));
    }

    /** Blocks until {@link #close} has finished (from another thread or the shutdown hook). */
    public void awaitShutdown() throws InterruptedException {
        try {
            stopped.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Graceful stop: new requests are refused with 503 (readiness turns 503 at once), requests in flight and
     * queued finish (up to {@link Options#drainMillis}), then the workers and the listener stop.
     */
    @Override
    public synchronized void close() {
        if (stopped.isDone()) {
            return;
        }
        draining = true;
        long deadline = System.currentTimeMillis() + options.drainMillis;
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closeModels();
        app.stop();
        stopped.complete(null);
    }

    private void closeModels() {
        for (Served m : models.values()) {
            m.batcher.close(options.drainMillis);
        }
    }

    /** The names being served, in order. */
    public List<String> modelNames() {
        return List.copyOf(models.keySet());
    }
}
