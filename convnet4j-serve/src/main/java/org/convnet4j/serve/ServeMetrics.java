package org.convnet4j.serve;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The server's counters in Prometheus' text exposition format (version 0.0.4): requests by endpoint and status,
 * request latency per endpoint, batch sizes and forward-pass time per model, queue depth per model, requests in
 * flight. Endpoints
 * are route templates ({@code /v2/models/{name}/infer}), never raw paths, and requests to paths no route matches
 * are all counted under {@value #UNMATCHED}, so that the number of series stays bounded whatever clients send.
 * Each scrape also reports the JVM's heap pools as they were after their last collection
 * ({@code convnet4j_jvm_memory_after_gc_bytes}, from {@link java.lang.management.MemoryPoolMXBean#getCollectionUsage}):
 * the old generation's value is what survived (a leak makes it grow from collection to collection; a cache levels
 * off).
 */
public final class ServeMetrics {
    /** The endpoint label of every request whose path matched no route. */
    public static final String UNMATCHED = "unmatched";

    static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128};

    /** A cumulative histogram with fixed upper bounds; lock-free so that recording never blocks a request. */
    static final class Histogram {
        final double[] bounds;
        final AtomicLongArray counts; // counts[i]: observations <= bounds[i] and > bounds[i-1]; last: above all
        final DoubleAdder sum = new DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new AtomicLongArray(bounds.length + 1);
        }

        void observe(double v) {
            int i = 0;
            while (i < bounds.length && v > bounds[i]) {
                i++;
            }
            counts.incrementAndGet(i);
            sum.add(v);
        }
    }

    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();  // key: endpoint \0 status
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();     // key: endpoint
    private final Map<String, Histogram> batchSizes = new ConcurrentHashMap<>();  // key: model
    private final Map<String, Histogram> forwardSeconds = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> queueDepth = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> layoutBatches = new ConcurrentHashMap<>(); // key: model \0 layout
    private final Map<String, AtomicLong> workerBatches = new ConcurrentHashMap<>(); // key: model \0 worker
    private final Map<String, AtomicLong> workerHandovers = new ConcurrentHashMap<>(); // key: model
    private volatile java.util.function.IntSupplier inFlight;
    private volatile java.util.function.Supplier<Map<String, long[]>> warmup;
    private volatile java.util.function.LongSupplier decodeReserved;
    private final AtomicLong decodeRefused = new AtomicLong();
    private final AtomicLong decodeWaited = new AtomicLong();
    private volatile java.util.function.LongSupplier polledCaught;
    private volatile java.util.function.LongSupplier polledMissed;
    private volatile java.util.function.LongSupplier polledNanos;
    private volatile java.util.function.LongSupplier pollBudget;
    private volatile java.util.function.LongSupplier secondReadFound;
    private volatile java.util.function.LongSupplier secondReadNothing;
    private volatile java.util.function.LongSupplier resumedAfterBatches;
    private volatile java.util.function.LongSupplier resumedWithNothing;
    private volatile java.util.function.LongSupplier fullBatchesOnSelectors;

    /** See {@link #countStageCpu}. */
    private volatile boolean stageCpuOn;
    private static final java.lang.management.ThreadMXBean THREAD_CLOCK =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private final Map<String, java.util.concurrent.atomic.LongAdder> stageCpu = new ConcurrentHashMap<>();

    /**
     * Counts the thread CPU time of v2 requests' stages ({@link #stageCpu}; {@code ModelServer.Options.stageCpu},
     * off by default) and serves it as {@code convnet4j_stage_cpu_seconds_total{stage=...}}: the v2 parse, the forward
     * pass, the answer's encoding and its write, each on whichever thread runs it. For comparing a served request's
     * compute with the same compute in process ({@code bench/ServeLoadTool.java}'s {@code baseline-loop} counts its
     * own stages with the same clock under the same property), which wall time cannot do on a loaded machine. Off,
     * nothing is read; on, each stage costs two reads of the thread's CPU clock (a system call each). Set before
     * the server starts.
     */
    public void countStageCpu(boolean on) {
        this.stageCpuOn = on;
    }

    /** The calling thread's CPU time in nanoseconds when stages are counted, else 0 (nothing is read). */
    public long threadCpuNanos() {
        return stageCpuOn ? THREAD_CLOCK.getCurrentThreadCpuTime() : 0;
    }

    /** Adds a stage's thread CPU since {@code startNanos} (a {@link #threadCpuNanos} reading); nothing when off. */
    public void stageCpu(String stage, long startNanos) {
        if (stageCpuOn) {
            stageCpu.computeIfAbsent(stage, k -> new java.util.concurrent.atomic.LongAdder())
                    .add(THREAD_CLOCK.getCurrentThreadCpuTime() - startNanos);
        }
    }

    /**
     * Where each model's warm-up is read: model name to {passes run so far, 1 if finished else 0}; null: no such
     * series.
     */
    public void warmup(java.util.function.Supplier<Map<String, long[]>> progress) {
        this.warmup = progress;
    }

    /** Where the gauge of requests being handled (the scrape itself included) is read; null: no such gauge. */
    public void inFlight(java.util.function.IntSupplier requests) {
        this.inFlight = requests;
    }

    /**
     * Where the counters of the selector's polls after answering a lone connection are read (see
     * {@code ModelServer.Options.loneSpinMicros}): polls that caught the connection's next request and polls that
     * ran out, and the nanoseconds spent polling (the poll's CPU); null: no such counter.
     */
    public void lonePolls(java.util.function.LongSupplier caught, java.util.function.LongSupplier missed,
                          java.util.function.LongSupplier nanos) {
        this.polledCaught = caught;
        this.polledMissed = missed;
        this.polledNanos = nanos;
    }

    /**
     * Where the poll's budget is read when it is measured ({@code --lone-spin-us auto}): nanoseconds, the last
     * budget a selector chose; null: no such gauge.
     */
    public void lonePollBudget(java.util.function.LongSupplier nanos) {
        this.pollBudget = nanos;
    }

    /**
     * Where the counters of second reads are read (see {@code ModelServer.Options.secondRead}): reads of a resumed
     * connection put off until the batch's other connections had read, that found input or nothing; null: no such
     * counter.
     */
    public void secondReads(java.util.function.LongSupplier found, java.util.function.LongSupplier nothing) {
        this.secondReadFound = found;
        this.secondReadNothing = nothing;
    }

    /**
     * Where the counters of connections resumed on the model's worker after a batch's answers are read: all of them,
     * and those whose read found no next request (they wait on the selector); null: no such counter.
     */
    public void batchResumptions(java.util.function.LongSupplier all, java.util.function.LongSupplier nothing) {
        this.resumedAfterBatches = all;
        this.resumedWithNothing = nothing;
    }

    /**
     * Where the count of requests computed and answered as full batches on the selector threads that read them is
     * read (see {@code ModelServer.Options.fullBatchesOnSelectors}); null: no such counter.
     */
    public void fullBatchesOnSelectors(java.util.function.LongSupplier requests) {
        this.fullBatchesOnSelectors = requests;
    }

    /** Where the bytes reserved by pictures being decoded are read (see {@code DecodeBudget}); null: no such gauge. */
    public void decodeReserved(java.util.function.LongSupplier bytes) {
        this.decodeReserved = bytes;
    }

    /** A picture decode had to wait for the decode budget; {@code refused}: and was refused after waiting. */
    public void decodeWaited(boolean refused) {
        decodeWaited.incrementAndGet();
        if (refused) {
            decodeRefused.incrementAndGet();
        }
    }

    public void request(String endpoint, int status, double seconds) {
        requests.computeIfAbsent(endpoint + '\0' + status, k -> new AtomicLong()).incrementAndGet();
        latency.computeIfAbsent(endpoint, k -> new Histogram(LATENCY_BUCKETS)).observe(seconds);
    }

    public void batch(String model, int size, double seconds) {
        batchSizes.computeIfAbsent(model, k -> new Histogram(BATCH_BUCKETS)).observe(size);
        forwardSeconds.computeIfAbsent(model, k -> new Histogram(LATENCY_BUCKETS)).observe(seconds);
    }

    /** One forward pass of a model whose worker layout follows the load, in {@code layout} (wide or narrow). */
    public void layoutBatch(String model, String layout) {
        layoutBatches.computeIfAbsent(model + '\0' + layout, k -> new AtomicLong()).incrementAndGet();
    }

    /**
     * The counter of forward passes worker {@code worker} (1, 2, ...) of a model with several workers ran, for the
     * worker to keep and increment (no look-up per batch).
     */
    public AtomicLong workerBatches(String model, int worker) {
        return workerBatches.computeIfAbsent(model + '\0' + worker, k -> new AtomicLong());
    }

    /**
     * The counter of a model's forward passes run by another worker than the one that ran the pass before (a lone
     * client's requests moving between workers), for the batcher to keep and increment.
     */
    public AtomicLong workerHandovers(String model) {
        return workerHandovers.computeIfAbsent(model, k -> new AtomicLong());
    }

    public void queueDepth(String model, int depth) {
        queueDepth.computeIfAbsent(model, k -> new AtomicLong()).set(depth);
    }

    /** Requests counted so far for an endpoint and status (tests, load reports). */
    public long requests(String endpoint, int status) {
        AtomicLong n = requests.get(endpoint + '\0' + status);
        return n == null ? 0 : n.get();
    }

    /** The whole exposition, series sorted so that successive scrapes line up. */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append("# HELP convnet4j_http_requests_total HTTP requests by endpoint and status code.\n");
        b.append("# TYPE convnet4j_http_requests_total counter\n");
        for (Map.Entry<String, AtomicLong> e : new TreeMap<>(requests).entrySet()) {
            String[] k = e.getKey().split("\0", 2);
            b.append("convnet4j_http_requests_total{endpoint=\"").append(escape(k[0])).append("\",status=\"")
                    .append(k[1]).append("\"} ").append(e.getValue().get()).append('\n');
        }
        b.append("# HELP convnet4j_http_errors_total HTTP requests answered with status 400 or above.\n");
        b.append("# TYPE convnet4j_http_errors_total counter\n");
        for (Map.Entry<String, AtomicLong> e : new TreeMap<>(requests).entrySet()) {
            String[] k = e.getKey().split("\0", 2);
            if (Integer.parseInt(k[1]) >= 400) {
                b.append("convnet4j_http_errors_total{endpoint=\"").append(escape(k[0])).append("\",status=\"")
                        .append(k[1]).append("\"} ").append(e.getValue().get()).append('\n');
            }
        }
        histograms(b, "convnet4j_http_request_duration_seconds", "Time from request to response.", "endpoint", latency);
        histograms(b, "convnet4j_batch_size", "Samples per forward pass (dynamic batching).", "model", batchSizes);
        histograms(b, "convnet4j_forward_duration_seconds", "Time of one batched forward pass.", "model",
                forwardSeconds);
        b.append("# HELP convnet4j_queue_depth Requests queued for a forward pass of the model.\n");
        b.append("# TYPE convnet4j_queue_depth gauge\n");
        for (Map.Entry<String, AtomicLong> e : new TreeMap<>(queueDepth).entrySet()) {
            b.append("convnet4j_queue_depth{model=\"").append(escape(e.getKey())).append("\"} ")
                    .append(e.getValue().get()).append('\n');
        }
        if (!layoutBatches.isEmpty()) {
            b.append("# HELP convnet4j_worker_layout_batches_total Forward passes of a model whose worker layout follows"
                    + " the load: wide (one pass at a time on every kernel thread) or narrow (a pass per worker, one"
                    + " kernel thread each).\n");
            b.append("# TYPE convnet4j_worker_layout_batches_total counter\n");
            for (Map.Entry<String, AtomicLong> e : new TreeMap<>(layoutBatches).entrySet()) {
                String[] k = e.getKey().split("\0", 2);
                b.append("convnet4j_worker_layout_batches_total{model=\"").append(escape(k[0])).append("\",layout=\"")
                        .append(k[1]).append("\"} ").append(e.getValue().get()).append('\n');
            }
        }
        if (!workerBatches.isEmpty()) {
            b.append("# HELP convnet4j_worker_batches_total Forward passes each worker of a model with several workers"
                    + " ran.\n");
            b.append("# TYPE convnet4j_worker_batches_total counter\n");
            for (Map.Entry<String, AtomicLong> e : new TreeMap<>(workerBatches).entrySet()) {
                String[] k = e.getKey().split("\0", 2);
                b.append("convnet4j_worker_batches_total{model=\"").append(escape(k[0])).append("\",worker=\"")
                        .append(k[1]).append("\"} ").append(e.getValue().get()).append('\n');
            }
            b.append("# HELP convnet4j_worker_handovers_total Forward passes of a model with several workers run by"
                    + " another worker than the pass before.\n");
            b.append("# TYPE convnet4j_worker_handovers_total counter\n");
            for (Map.Entry<String, AtomicLong> e : new TreeMap<>(workerHandovers).entrySet()) {
                b.append("convnet4j_worker_handovers_total{model=\"").append(escape(e.getKey())).append("\"} ")
                        .append(e.getValue().get()).append('\n');
            }
        }
        heapAfterGc(b);
        if (!stageCpu.isEmpty()) {
            b.append("# HELP convnet4j_stage_cpu_seconds_total Thread CPU time of v2 requests' stages"
                    + " (-Dconvnet4j.serve.stageCpu=true).\n");
            b.append("# TYPE convnet4j_stage_cpu_seconds_total counter\n");
            for (Map.Entry<String, java.util.concurrent.atomic.LongAdder> e : new TreeMap<>(stageCpu).entrySet()) {
                b.append("convnet4j_stage_cpu_seconds_total{stage=\"").append(e.getKey()).append("\"} ")
                        .append(e.getValue().sum() / 1e9).append('\n');
            }
        }
        java.util.function.LongSupplier caught = polledCaught;
        java.util.function.LongSupplier missed = polledMissed;
        if (caught != null && missed != null) {
            b.append("# HELP convnet4j_lone_connection_polls_total After answering the only open connection, polls"
                    + " for its next request that caught it or ran out (then the selector slept as usual).\n");
            b.append("# TYPE convnet4j_lone_connection_polls_total counter\n");
            b.append("convnet4j_lone_connection_polls_total{result=\"caught\"} ").append(caught.getAsLong()).append('\n');
            b.append("convnet4j_lone_connection_polls_total{result=\"missed\"} ").append(missed.getAsLong()).append('\n');
            java.util.function.LongSupplier nanos = polledNanos;
            if (nanos != null) {
                b.append("# HELP convnet4j_lone_connection_poll_seconds_total Time the selector threads spent in those"
                        + " polls (they spin: this is the polls' CPU).\n");
                b.append("# TYPE convnet4j_lone_connection_poll_seconds_total counter\n");
                b.append("convnet4j_lone_connection_poll_seconds_total ").append(nanos.getAsLong() / 1e9).append('\n');
            }
            java.util.function.LongSupplier budget = pollBudget;
            if (budget != null) {
                b.append("# HELP convnet4j_lone_connection_poll_budget_seconds The longest poll now (--lone-spin-us auto:"
                        + " the measured CPU of a selector's sleep and wake-up).\n");
                b.append("# TYPE convnet4j_lone_connection_poll_budget_seconds gauge\n");
                b.append("convnet4j_lone_connection_poll_budget_seconds ").append(budget.getAsLong() / 1e9).append('\n');
            }
        }
        java.util.function.LongSupplier resumed = resumedAfterBatches;
        java.util.function.LongSupplier empty = resumedWithNothing;
        if (resumed != null && empty != null) {
            long resumedNothing = empty.getAsLong();
            b.append("# HELP convnet4j_batch_resumptions_total Connections resumed on the model's worker once a batch's"
                    + " answers were written, by what their read found: the next request, or nothing yet (the"
                    + " connection then waited on the selector).\n");
            b.append("# TYPE convnet4j_batch_resumptions_total counter\n");
            long resumedFound = Math.max(0, resumed.getAsLong() - resumedNothing);
            b.append("convnet4j_batch_resumptions_total{found=\"request\"} ").append(resumedFound).append('\n');
            b.append("convnet4j_batch_resumptions_total{found=\"nothing\"} ").append(resumedNothing).append('\n');
        }
        java.util.function.LongSupplier onSelectors = fullBatchesOnSelectors;
        if (onSelectors != null) {
            b.append("# HELP convnet4j_full_batches_on_selectors_total Requests that filled a batch by themselves, computed"
                    + " and answered on the selector thread that read them instead of a model's worker.\n");
            b.append("# TYPE convnet4j_full_batches_on_selectors_total counter\n");
            b.append("convnet4j_full_batches_on_selectors_total ").append(onSelectors.getAsLong()).append('\n');
        }
        java.util.function.LongSupplier found = secondReadFound;
        java.util.function.LongSupplier nothing = secondReadNothing;
        if (found != null && nothing != null) {
            b.append("# HELP convnet4j_second_reads_total Reads of a connection resumed after its answer, put off until"
                    + " the batch's other connections had read, that found input or nothing (then it waited on the"
                    + " selector).\n");
            b.append("# TYPE convnet4j_second_reads_total counter\n");
            b.append("convnet4j_second_reads_total{result=\"found\"} ").append(found.getAsLong()).append('\n');
            b.append("convnet4j_second_reads_total{result=\"nothing\"} ").append(nothing.getAsLong()).append('\n');
        }
        java.util.function.Supplier<Map<String, long[]>> w = warmup;
        if (w != null) {
            Map<String, long[]> all = new TreeMap<>(w.get());
            b.append("# HELP convnet4j_warmup_passes_total Warm-up forward passes run before the model took requests.\n");
            b.append("# TYPE convnet4j_warmup_passes_total counter\n");
            all.forEach((m, v) -> b.append("convnet4j_warmup_passes_total{model=\"").append(escape(m)).append("\"} ")
                    .append(v[0]).append('\n'));
            b.append("# HELP convnet4j_model_warmed_up 1 once the model's warm-up is done (readiness waits for it).\n");
            b.append("# TYPE convnet4j_model_warmed_up gauge\n");
            all.forEach((m, v) -> b.append("convnet4j_model_warmed_up{model=\"").append(escape(m)).append("\"} ")
                    .append(v[1]).append('\n'));
        }
        java.util.function.LongSupplier reserved = decodeReserved;
        if (reserved != null) {
            b.append("# HELP convnet4j_decode_reserved_bytes Bytes reserved by the pictures being decoded now.\n");
            b.append("# TYPE convnet4j_decode_reserved_bytes gauge\n");
            b.append("convnet4j_decode_reserved_bytes ").append(reserved.getAsLong()).append('\n');
            b.append("# HELP convnet4j_decode_waits_total Picture decodes that waited for the decode budget.\n");
            b.append("# TYPE convnet4j_decode_waits_total counter\n");
            b.append("convnet4j_decode_waits_total ").append(decodeWaited.get()).append('\n');
            b.append("# HELP convnet4j_decode_refused_total Pictures refused (503) because the decode budget stayed full.\n");
            b.append("# TYPE convnet4j_decode_refused_total counter\n");
            b.append("convnet4j_decode_refused_total ").append(decodeRefused.get()).append('\n');
        }
        java.util.function.IntSupplier f = inFlight;
        if (f != null) {
            b.append("# HELP convnet4j_http_requests_in_flight Requests being handled, this scrape included.\n");
            b.append("# TYPE convnet4j_http_requests_in_flight gauge\n");
            b.append("convnet4j_http_requests_in_flight ").append(f.getAsInt()).append('\n');
        }
        return b.toString();
    }

    /** The metric family of {@link #heapAfterGc}. */
    public static final String HEAP_AFTER_GC = "convnet4j_jvm_memory_after_gc_bytes";

    /**
     * Each heap pool that records its use after a collection (G1: eden, survivor and old generation; the old one
     * is {@code pool="G1 Old Gen"}, updated by mixed and full collections), with {@code old="true"} on the pools
     * that hold long-lived objects, so that a query need not know the collector's pool names.
     */
    private static void heapAfterGc(StringBuilder b) {
        b.append("# HELP ").append(HEAP_AFTER_GC).append(" Bytes of a heap pool in use after its most recent"
                + " collection (0 before the first); old=\"true\": the old generation, what survived.\n");
        b.append("# TYPE ").append(HEAP_AFTER_GC).append(" gauge\n");
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            java.lang.management.MemoryUsage used = pool.getCollectionUsage(); // null: not recorded for this pool
            if (pool.getType() != java.lang.management.MemoryType.HEAP || used == null) {
                continue;
            }
            b.append(HEAP_AFTER_GC).append("{pool=\"").append(escape(pool.getName())).append("\",old=\"")
                    .append(isOld(pool.getName())).append("\"} ").append(used.getUsed()).append('\n');
        }
    }

    /** Whether a heap pool is an old generation, by the names HotSpot's collectors give them. */
    static boolean isOld(String pool) {
        String p = pool.toLowerCase(Locale.ROOT);
        return p.contains("old") || p.contains("tenured");
    }

    private static void histograms(StringBuilder b, String name, String help, String label, Map<String, Histogram> all) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" histogram\n");
        for (Map.Entry<String, Histogram> e : new TreeMap<>(all).entrySet()) {
            Histogram h = e.getValue();
            String l = label + "=\"" + escape(e.getKey()) + "\"";
            long cumulative = 0;
            for (int i = 0; i <= h.bounds.length; i++) {
                cumulative += h.counts.get(i);
                String le = i < h.bounds.length ? number(h.bounds[i]) : "+Inf";
                b.append(name).append("_bucket{").append(l).append(",le=\"").append(le).append("\"} ")
                        .append(cumulative).append('\n');
            }
            // _count is the +Inf bucket, so a scrape taken mid-update is still self-consistent
            b.append(name).append("_sum{").append(l).append("} ").append(number(h.sum.sum())).append('\n');
            b.append(name).append("_count{").append(l).append("} ").append(cumulative).append('\n');
        }
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }

    /** Label values escape backslash, quote and newline, as the format requires. */
    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
