package org.convnet4j.serve;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Dynamic batching for one model: requests are queued (bounded: a full queue refuses at once, so a slow model
 * sheds load instead of piling up memory) and worker threads, the only ones that ever touch the model, run them.
 * A worker takes the oldest request, then waits at most {@code maxWait} for more until the batch holds
 * {@code maxBatch} samples, and answers every request from the one forward pass. By default there is one worker,
 * whose kernels use every core (intra-op parallelism); with several (inter-op, as TorchServe's and Triton's CPU
 * workers), each may be limited to fewer kernel threads, 1 meaning its forward passes run on it alone with no
 * hand-off to the kernels' shared threads. Only one worker gathers a batch at a time (the others wait for it to
 * close its batch), so several workers do not split the requests into smaller batches. The workers also bound the
 * work in flight: however many clients there are, at most one forward pass per worker holds activations, and the
 * model is shared without copies (inference is thread-safe; training the model while serving is not). A small
 * model may instead run on the request's own thread when every worker is idle ({@link #callerRuns}).
 */
public final class Batcher implements AutoCloseable {
    /**
     * Samples [n, ...input] of one request and where its outputs [n, ...output] go; {@code timed}: the request must
     * be answered by {@code deadline} ({@link System#nanoTime}), else it fails with a {@link
     * java.util.concurrent.TimeoutException} (see {@link #deadlines}).
     */
    private record Job(Tensor input, CompletableFuture<Tensor> result, boolean timed, long deadline) {
        boolean expired(long now) {
            return timed && now - deadline >= 0;
        }
    }

    private final String name;
    private final Model model;
    private final Shape sampleShape;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final int capacity;
    private final ServeMetrics metrics;
    private final Thread[] workers;
    /** Kernel threads per worker (and per caller run); 0: the kernels' own count. */
    private final int threadsPerWorker;
    private volatile boolean accepting = true;

    // The queue and what the workers are waiting for, guarded by lock. A worker is woken only when it has
    // something to do: one waiting for a batch's first request, by a request when no other worker is gathering a
    // batch (or by that worker when it closes its batch and requests are left); the gathering worker only once the
    // queued samples fill its batch (or overfill it), else its deadline ends the wait. Waking a worker for every
    // arrival cost a futex call and a context switch per request (bench/serve-cpu.sh, perf stat; docs/SERVING.md).
    //
    // Which waiting worker a wake-up goes to: the one that started waiting last (a stack, not the lock's first-come
    // queue). A lone client's next request then goes to the worker that answered its last one, whose caches and
    // kernel workspaces are warm, and the other stays asleep; woken oldest first, the two workers took a lone
    // client's requests in turn (BatcherTest, docs/SERVING.md "A lone client's requests stay on one worker").
    private final ReentrantLock lock = new ReentrantLock();
    /** What each worker waits on for a batch's first request (by worker index). */
    private final Condition[] work;
    /** Workers waiting on {@link #work}, the last to start waiting first; a woken worker leaves it. */
    private final ArrayDeque<Integer> waitingOrder = new ArrayDeque<>();
    private final boolean[] inWaitingOrder;
    /** Workers woken by {@link #wakeOne} that have not looked at the queue yet (by index), and how many. */
    private final boolean[] woken;
    private int wokenPending;
    /** What the gathering worker waits on: its batch filled (the others wait on {@link #work}). */
    private final Condition more = lock.newCondition();
    private final ArrayDeque<Job> queue;
    private int queuedSamples;
    /** Workers waiting for a batch's first request. */
    private int waitingForFirst;
    /** A worker is gathering a batch (from its first request until it closes the batch); the others wait. */
    private boolean gatherer;
    /** Samples of the batch being gathered while its worker waits for more; 0 when it is not waiting for more. */
    private int gathering;
    /** Forward passes running at this moment, and the most seen at once (for tests). */
    private final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger mostRunning = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int depth;
    /** The batcher whose worker this thread is (set by the worker for itself; null on any other thread). */
    private static final ThreadLocal<Batcher> WORKER_OF = new ThreadLocal<>();
    /** Workers writing their batch's answers at this moment (between the forward pass and the queue again). */
    private volatile int answering;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Batcher> ANSWERING =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Batcher.class, "answering");
    /** Idle workers woken by {@link #submit} (for tests). */
    private final java.util.concurrent.atomic.AtomicLong wakeups = new java.util.concurrent.atomic.AtomicLong();
    /** A request's own thread is running the model (see {@link #callerRuns}); the worker waits meanwhile. */
    private boolean callerRunning;
    private volatile long callerRunsMaxNanos;
    /** Full batches running on the threads that submitted them (see {@link #fullBatchesOnCaller}). */
    private int fullOnCallers;
    private volatile boolean fullBatchesOnCaller;
    /** Requests run as full batches on their submitters' threads (for /metrics and tests). */
    private final java.util.concurrent.atomic.AtomicLong fullRunOnCaller = new java.util.concurrent.atomic.AtomicLong();
    /** See {@link #answersIn}. */
    private volatile java.util.function.Consumer<Runnable> answerScope = Runnable::run;
    /** Forward-pass time per sample, smoothed; the model's speed as {@link #callerRuns} judges it. */
    private volatile double nanosPerSample = Double.POSITIVE_INFINITY;
    private final int warmupRuns;
    private final java.util.concurrent.atomic.AtomicLong warmupPasses = new java.util.concurrent.atomic.AtomicLong();
    private final CompletableFuture<Long> warmedUp = new CompletableFuture<>();

    // Request deadlines (see deadlines()): nothing shared is touched per request. A request's deadline is a field of
    // its job; each worker publishes the jobs of the batch it is running (and the one it carries to the next) in
    // its own slot, once per batch, with a release write; the watcher thread looks at the queue and the slots a
    // few times per budget and fails what has expired.
    /** Per worker: the jobs its current forward pass is for, and the request it carries to the next; null between. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<java.util.concurrent.atomic.AtomicReference<Job[]>>
            slots;
    private volatile Thread watcher;
    private volatile boolean watching;
    /** Requests the watcher failed at their deadline (queued or in a forward pass), and dropped by a worker. */
    private final java.util.concurrent.atomic.AtomicLong expiredByWatcher = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong expiredByWorker = new java.util.concurrent.atomic.AtomicLong();

    // The layout that follows the load (threadsPerWorker FOLLOW_LOAD), guarded by lock.
    /** Whether the kernel threads follow the load (see {@link #FOLLOW_LOAD}). */
    private final boolean followLoad;
    /** Requests are queuing up: every worker takes batches, each on one kernel thread. */
    private boolean narrow;
    /** Batch closes in a row that left nothing queued (while narrow). */
    private int calmCloses;
    /** Workers holding a batch, from taking its first request until its answers are out. */
    private int busy;
    private final java.util.concurrent.atomic.AtomicLong wideBatches = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong narrowBatches = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong layoutSwitches = new java.util.concurrent.atomic.AtomicLong();

    // Which worker ran each batch (several workers only; lastWorker guarded by lock).
    /** Forward passes per worker (the metrics' counters), null with one worker. */
    private final java.util.concurrent.atomic.AtomicLong[] workerBatches;
    /** Batches run by another worker than the batch before. */
    private final java.util.concurrent.atomic.AtomicLong handovers;
    /** The worker that took the last batch, -1 before the first. */
    private int lastWorker = -1;

    public Batcher(String name, Model model, int maxBatch, long maxWaitMicros, int queueCapacity, ServeMetrics metrics) {
        this(name, model, maxBatch, maxWaitMicros, queueCapacity, metrics, 0);
    }

    /**
     * As above, with a warm-up: before it takes any request the worker runs {@code warmupRuns} forward passes at
     * each batch size dynamic batching can form (1 to {@code maxBatch} samples, seeded random inputs in [0, 1)), as
     * Triton's {@code model_warmup} does, so that the first requests do not pay for the JIT compiling the
     * kernels (a cold LeNet-5 answered at a few percent of its warm rate for tens of seconds on a loaded machine,
     * docs/SERVING.md). Requests submitted meanwhile wait in the queue; {@link #warmedUp} says when it is done.
     * 0: no warm-up.
     */
    public Batcher(String name, Model model, int maxBatch, long maxWaitMicros, int queueCapacity, ServeMetrics metrics,
                   int warmupRuns) {
        this(name, model, maxBatch, maxWaitMicros, queueCapacity, metrics, warmupRuns, 1, 0);
    }

    /** {@code workers} value: choose the workers and their kernel threads from the model's size (see below). */
    public static final int AUTO = 0;

    /**
     * {@code threadsPerWorker} value: the layout follows the load. While the queue is short (a lone client, or
     * batches that take everything queued), one worker at a time runs each forward pass on every kernel thread,
     * so a lone request gets all cores; once a batch closes with at least a full batch ({@code maxBatch} samples)
     * still queued, every worker takes batches, each on one kernel thread (no hand-offs between cores, less CPU
     * per request); after {@value #CALM_CLOSES} batch closes in a row that left nothing queued, back to one
     * worker on every thread. A switch only changes what the next batch gets: passes already running keep their
     * threads, and a pass on every kernel thread starts only while no other pass runs, so a switch neither drops
     * a request nor makes two passes share a core.
     */
    public static final int FOLLOW_LOAD = -1;

    /** Batch closes in a row with nothing left queued before a load-following batcher returns to one wide worker. */
    static final int CALM_CLOSES = 4;

    /**
     * A forward pass of a full batch with fewer multiply-accumulates than this makes {@link #AUTO} choose one
     * single-threaded worker per kernel thread, a larger one a single worker using every kernel thread. A count,
     * not a time, so that the choice does not depend on how busy the machine or how warm the JIT is at start-up.
     * On 2 cores LeNet-5 at batch 8 (3.4 M) costs about a quarter less CPU per image as two single-threaded workers,
     * with no hand-off to the kernels' threads (docs/SERVING.md, "Model workers"); ResNet-18 (1.8 G per sample) stays
     * on one worker with every kernel thread, as before, so that a lone client still gets both cores (not yet
     * measured on a quiet machine). 100 M is one to two milliseconds on one core of that machine.
     */
    public static final long AUTO_SMALL_PASS_MACS = 100_000_000L;

    /**
     * As above, with {@code workers} worker threads taking batches from the one queue, each running its forward
     * passes with at most {@code threadsPerWorker} kernel threads (itself included;
     * {@link org.convnet4j.tensor.kernels.KernelProvider#limitThreadsOnThisThread}), 0 for the kernels' own
     * count. The warm-up runs on the first worker before any worker takes a request. {@code workers} {@link #AUTO}
     * (which ignores {@code threadsPerWorker}): when a forward pass of {@code maxBatch} samples has fewer than
     * {@link #AUTO_SMALL_PASS_MACS} multiply-accumulates, as many workers as the kernels have threads, each on one
     * thread; otherwise one worker with the kernels' own thread count.
     */
    public Batcher(String name, Model model, int maxBatch, long maxWaitMicros, int queueCapacity, ServeMetrics metrics,
                   int warmupRuns, int workers, int threadsPerWorker) {
        if (maxBatch < 1 || maxWaitMicros < 0 || queueCapacity < 1 || warmupRuns < 0 || workers < 0
                || threadsPerWorker < FOLLOW_LOAD) {
            throw new IllegalArgumentException("Batcher: max batch " + maxBatch + ", max wait " + maxWaitMicros
                    + " us, queue " + queueCapacity + ", warm-up runs " + warmupRuns + ", workers " + workers
                    + " and threads per worker " + threadsPerWorker
                    + " must be positive (the wait, the warm-up, the workers (auto) and the threads per worker may be 0;"
                    + " the threads per worker -1: following the load)");
        }
        if (workers == AUTO) {
            int[] chosen = chooseWorkers(model, maxBatch);
            workers = chosen[0];
            threadsPerWorker = chosen[1];
        }
        this.threadsPerWorker = threadsPerWorker;
        this.followLoad = threadsPerWorker == FOLLOW_LOAD;
        this.warmupRuns = warmupRuns;
        this.name = name;
        this.model = model;
        this.sampleShape = model.inputShapes().get(0);
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWaitMicros * 1000L;
        this.capacity = queueCapacity;
        this.queue = new ArrayDeque<>(Math.min(queueCapacity, 1024));
        this.metrics = metrics;
        this.workers = new Thread[workers];
        this.work = new Condition[workers];
        for (int i = 0; i < workers; i++) {
            this.work[i] = lock.newCondition();
        }
        this.inWaitingOrder = new boolean[workers];
        this.slots = new java.util.concurrent.atomic.AtomicReferenceArray<>(workers);
        this.woken = new boolean[workers];
        this.workerBatches = workers > 1 ? new java.util.concurrent.atomic.AtomicLong[workers] : null;
        this.handovers = workers > 1 ? metrics.workerHandovers(name) : new java.util.concurrent.atomic.AtomicLong();
        for (int i = 0; i < workers && workers > 1; i++) {
            this.workerBatches[i] = metrics.workerBatches(name, i + 1);
        }
        for (int i = 0; i < workers; i++) {
            int index = i;
            this.workers[i] = new Thread(() -> run(index), "convnet4j-batcher-" + name + (workers == 1 ? "" : "-" + (i + 1)));
            this.workers[i].setDaemon(true);
        }
        for (Thread w : this.workers) {
            w.start();
        }
    }

    /**
     * Lets a request's own thread run the model when the model is idle (no forward pass running, nothing
     * queued) and its forward pass takes less than {@code maxMicros} (as measured on the requests so far): for a
     * small model, handing the request to the worker and the answer back costs two thread wake-ups, about as
     * much as the forward pass itself. Still one forward pass at a time: requests arriving meanwhile queue up
     * and the worker batches them once the caller is done. A large model never qualifies, so request threads
     * never hold its (per-thread) kernel workspaces. 0 (the default) turns it off.
     */
    public Batcher callerRuns(long maxMicros) {
        this.callerRunsMaxNanos = Math.max(0, maxMicros) * 1000L;
        return this;
    }

    /**
     * Lets a request that fills a batch by itself ({@code maxBatch} samples or more: batching has nothing to add to
     * it) run on the thread that submits it, when the submitter allows it ({@code fullMayRunHere} of
     * {@link #submit(Tensor, boolean, boolean, long)}), fewer such passes are running on callers than there are
     * workers, the thread is not one of this model's workers, and the model is small ({@link #callerRuns}'s time: a
     * pass of a large model would hold up whatever else that thread does, and its activations are what the workers
     * bound). It does not wait for what is queued: the workers go on with that meanwhile, so up to twice as many
     * passes as workers may run at once. Waiting for the queue to empty kept a server with more clients than
     * workers (LeNet-5, 32 connections) in the workers' hands for good: with requests always queued, every new one
     * was queued too. The server allows it on the threads that read the request from its socket (the selectors),
     * so that the bytes are parsed, computed on and answered where they arrived, with no hand-off to a worker and
     * back (docs/SERVING.md, "Session of 2026-12-07 12:10-13:30"). Off by default.
     */
    public Batcher fullBatchesOnCaller(boolean on) {
        this.fullBatchesOnCaller = on;
        return this;
    }

    /** Requests run as full batches on the threads that submitted them so far (see {@link #fullBatchesOnCaller}). */
    public long fullBatchesRunOnCaller() {
        return fullRunOnCaller.get();
    }

    /**
     * Runs the completion of a batch's answers (several requests) inside {@code scope}, which must run what it is
     * given on this thread, once (a server holds back the connections the answers resume until all are written:
     * {@code AnsweringThreadPool.batch}). By default they are completed directly.
     */
    public Batcher answersIn(java.util.function.Consumer<Runnable> scope) {
        this.answerScope = java.util.Objects.requireNonNull(scope);
        return this;
    }

    /**
     * Starts the watcher of request deadlines ({@link #submit(Tensor, boolean, long)}): a daemon thread that every
     * {@code periodMillis} fails the requests whose deadline has passed, whether queued (removed from the queue) or
     * in a forward pass (the pass goes on; its answer to them is dropped), with a {@link
     * java.util.concurrent.TimeoutException}. A request is thus failed at most one period after its deadline. Unlike
     * a timer per request ({@link CompletableFuture#orTimeout}: the JDK's one delay queue, under its lock, twice per
     * request), a request costs nothing shared: its deadline is a field, and each worker shows the watcher the
     * batch it runs in a slot of its own. The watcher takes the queue's lock only when something is queued, a few
     * times per period at most. Without it, deadlines are still checked by the workers before each forward pass.
     */
    public Batcher deadlines(long periodMillis) {
        if (periodMillis < 1) {
            throw new IllegalArgumentException("Batcher: the deadline watcher's period must be at least 1 ms, got "
                    + periodMillis);
        }
        if (watcher != null) {
            throw new IllegalStateException("Batcher " + name + ": the deadline watcher is already running");
        }
        long period = TimeUnit.MILLISECONDS.toNanos(periodMillis);
        watching = true;
        Thread t = new Thread(() -> {
            while (watching) {
                java.util.concurrent.locks.LockSupport.parkNanos(this, period);
                expire(System.nanoTime());
            }
        }, "convnet4j-deadlines-" + name);
        t.setDaemon(true);
        watcher = t;
        t.start();
        return this;
    }

    /**
     * Fails the requests whose deadline is before {@code now}: queued ones leave the queue, those in a forward pass
     * (or carried to the next by their worker) are completed with the timeout first. Returns how many.
     */
    int expire(long now) {
        List<Job> late = null;
        if (depth > 0) { // a racy look (the queue's depth as last written): what it misses now, the next period sees
            lock.lock();
            try {
                for (java.util.Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
                    Job j = it.next();
                    if (j.expired(now)) {
                        it.remove();
                        queuedSamples -= j.input.dim(0);
                        (late == null ? late = new ArrayList<>() : late).add(j);
                    }
                }
                depth = queue.size();
            } finally {
                lock.unlock();
            }
        }
        for (int i = 0; i < slots.length(); i++) {
            java.util.concurrent.atomic.AtomicReference<Job[]> slot = slots.get(i);
            Job[] running = slot == null ? null : slot.get();
            if (running != null) {
                for (Job j : running) {
                    if (j != null && j.expired(now) && !j.result.isDone()) {
                        (late == null ? late = new ArrayList<>() : late).add(j);
                    }
                }
            }
        }
        int n = 0;
        if (late != null) {
            for (Job j : late) {
                if (j.result.completeExceptionally(new java.util.concurrent.TimeoutException())) {
                    n++;
                }
            }
            expiredByWatcher.addAndGet(n);
        }
        return n;
    }

    /** Requests failed at their deadline by the watcher, and dropped by a worker before a forward pass (for tests). */
    long[] expiredCounts() {
        return new long[] {expiredByWatcher.get(), expiredByWorker.get()};
    }

    /** Requests in a forward pass or carried to the next one, as the workers show them to the watcher (for tests). */
    int watchedRunning() {
        int n = 0;
        for (int i = 0; i < slots.length(); i++) {
            java.util.concurrent.atomic.AtomicReference<Job[]> slot = slots.get(i);
            Job[] running = slot == null ? null : slot.get();
            if (running != null) {
                for (Job j : running) {
                    n += j == null ? 0 : 1;
                }
            }
        }
        return n;
    }

    /**
     * Queues samples [n, ...input] (n >= 1); the future completes with the outputs [n, ...output], or
     * exceptionally (it may be complete on return: see {@link #callerRuns}). Throws {@link ApiException} 429 when
     * the queue is full and 503 once closing.
     */
    public CompletableFuture<Tensor> submit(Tensor input) {
        return submit(input, true);
    }

    /**
     * As {@link #submit(Tensor)}; {@code callerMayRun} false keeps the request off the calling thread (a server
     * passes false when other requests are on their way: running each alone as it comes would stop batches from
     * forming).
     */
    public CompletableFuture<Tensor> submit(Tensor input, boolean callerMayRun) {
        return submit(new Job(input, new CompletableFuture<>(), false, 0), callerMayRun, false);
    }

    /**
     * As {@link #submit(Tensor, boolean)}, answered by {@code deadline} ({@link System#nanoTime}): a request not
     * answered by then fails with a {@link java.util.concurrent.TimeoutException}. A worker drops a request whose
     * deadline has passed instead of running it; the watcher ({@link #deadlines}) fails requests still queued or
     * in a forward pass at their deadline (within its period), so that a stuck or slow model does not hold its
     * clients. A request run on the caller's own thread ({@link #callerRuns}) is answered when that pass ends.
     */
    public CompletableFuture<Tensor> submit(Tensor input, boolean callerMayRun, long deadline) {
        return submit(new Job(input, new CompletableFuture<>(), true, deadline), callerMayRun, false);
    }

    /**
     * As {@link #submit(Tensor, boolean, long)}; {@code fullMayRunHere}: this thread may run the request as a batch of
     * its own when it fills one (see {@link #fullBatchesOnCaller}). Package-private: the server's selector path
     * (ModelServer) is its one caller, and two positional booleans are no public signature (ArchitectureTest).
     */
    CompletableFuture<Tensor> submit(Tensor input, boolean callerMayRun, boolean fullMayRunHere, long deadline) {
        return submit(new Job(input, new CompletableFuture<>(), deadline != Long.MAX_VALUE, deadline), callerMayRun,
                fullMayRunHere);
    }

    private CompletableFuture<Tensor> submit(Job job, boolean callerMayRun, boolean fullMayRunHere) {
        Tensor input = job.input;
        int n = input.dim(0);
        int size;
        boolean inline = false;
        boolean full = false;
        lock.lock();
        try {
            if (!accepting) {
                throw new ApiException(503, "model " + name + " is shutting down");
            }
            if (callerMayRun && waitingForFirst == workers.length && queue.isEmpty() && !callerRunning
                    && n <= maxBatch && nanosPerSample * n < callerRunsMaxNanos) {
                callerRunning = true;
                inline = true;
            } else if (fullMayRunHere && fullBatchesOnCaller && n >= maxBatch && !callerRunning
                    && fullOnCallers < workers.length && WORKER_OF.get() != this
                    && nanosPerSample * n < callerRunsMaxNanos) {
                fullOnCallers++;
                inline = true;
                full = true;
            } else if (queue.size() >= capacity) {
                throw new ApiException(429, "model " + name + ": the request queue is full (" + queue.size()
                        + " waiting); try again later");
            } else {
                queue.addLast(job);
                queuedSamples += n;
                if (gathering > 0 && gathering + queuedSamples >= maxBatch) {
                    more.signal();
                } else if (waitingForFirst > 0 && !gatherer && !callerRunning && answering == 0 && admits()
                        && WORKER_OF.get() != this) {
                    // not while a worker is writing its batch's answers (this thread may be that worker, running
                    // the next request of a connection resumed on it: AnsweringThreadPool): it takes the queue
                    // itself as soon as its answers are out (it looks at the queue after leaving the answering
                    // state), and a worker woken now would mostly find the queue taken or wait for the same
                    // requests to fill a batch: a futex wake and wait and two context switches for nothing
                    // (docs/SERVING.md, "The workers' hand-off")
                    wakeOne();
                    wakeups.incrementAndGet();
                }
            }
            size = queue.size();
            depth = size;
        } finally {
            lock.unlock();
        }
        if (inline) {
            int cap = threadsPerWorker > 0
                    ? org.convnet4j.tensor.kernels.KernelProvider.limitThreadsOnThisThread(threadsPerWorker) : -1;
            try {
                runBatch(List.of(job), null, null);
            } finally {
                if (cap >= 0) {
                    org.convnet4j.tensor.kernels.KernelProvider.limitThreadsOnThisThread(cap);
                }
                lock.lock();
                try {
                    if (full) {
                        fullOnCallers--;
                        fullRunOnCaller.incrementAndGet();
                    } else {
                        callerRunning = false;
                    }
                    if (!queue.isEmpty()) {
                        wakeOne(); // what arrived meanwhile: a worker (waiting for a first request) takes it
                    }
                } finally {
                    lock.unlock();
                }
            }
            return job.result;
        }
        metrics.queueDepth(name, size);
        return job.result;
    }

    /**
     * Whether a waiting worker may start a batch as far as the layout goes: always, unless the layout follows the
     * load and is wide (one pass at a time on every kernel thread) while another worker holds a batch.
     */
    private boolean admits() {
        return !followLoad || narrow || busy == 0;
    }

    /**
     * At a batch's close (lock held): a full batch still queued makes the layout narrow; {@link #CALM_CLOSES}
     * closes in a row that left nothing queued make it wide again.
     */
    private void followTheQueue() {
        if (queuedSamples >= maxBatch) {
            calmCloses = 0;
            if (!narrow) {
                narrow = true;
                layoutSwitches.incrementAndGet();
            }
        } else if (queuedSamples == 0) {
            if (narrow && ++calmCloses >= CALM_CLOSES) {
                narrow = false;
                calmCloses = 0;
                layoutSwitches.incrementAndGet();
            }
        } else {
            calmCloses = 0;
        }
    }

    /** Whether a load-following layout is narrow now (for tests). */
    boolean narrow() {
        lock.lock();
        try {
            return narrow;
        } finally {
            lock.unlock();
        }
    }

    /** True while every worker waits for a first request and nothing is queued or running on a caller (for tests). */
    boolean idle() {
        lock.lock();
        try {
            return waitingForFirst == workers.length && queue.isEmpty() && !callerRunning && fullOnCallers == 0;
        } finally {
            lock.unlock();
        }
    }

    public int queueDepth() {
        return depth;
    }

    /**
     * Completes (with the number of warm-up forward passes) once the worker has run its warm-up and takes requests;
     * at once without a warm-up; exceptionally when a warm-up pass failed (the worker then takes requests anyway,
     * which will most likely fail the same way) or the batcher was closed first.
     */
    public CompletableFuture<Long> warmedUp() {
        return warmedUp;
    }

    /** Warm-up forward passes run so far. */
    public long warmupPasses() {
        return warmupPasses.get();
    }

    /** Forward passes the warm-up runs in all: {@code warmupRuns} at each batch size 1 to max batch. */
    public long warmupPassesPlanned() {
        return (long) warmupRuns * maxBatch;
    }

    /** The warm-up of the constructor's comment, on the worker thread before its first request. */
    private void warmUp() {
        if (warmupRuns == 0) {
            warmedUp.complete(0L);
            return;
        }
        try {
            java.util.Random random = new java.util.Random(1998);
            for (int b = 1; b <= maxBatch; b++) {
                Tensor x = Tensor.uniform(random, 0, 1, sampleShape.prepend(b).dims());
                for (int i = 0; i < warmupRuns; i++) {
                    if (!accepting) {
                        warmedUp.completeExceptionally(new ApiException(503, "model " + name
                                + " was closed during its warm-up"));
                        return;
                    }
                    long t0 = System.nanoTime();
                    model.predict(x);
                    observe(b, System.nanoTime() - t0);
                    warmupPasses.incrementAndGet();
                }
            }
            warmedUp.complete(warmupPasses.get());
        } catch (Throwable e) {
            warmedUp.completeExceptionally(e);
        }
    }

    /** Smooths the time per sample {@link #callerRuns} judges by (a racy update is harmless). */
    private void observe(int samples, long nanos) {
        double per = (double) nanos / samples;
        double before = nanosPerSample;
        nanosPerSample = Double.isInfinite(before) ? per : 0.8 * before + 0.2 * per;
    }

    /** Wakes the worker that started waiting for a first request last, if any (lock held). */
    private void wakeOne() {
        Integer w = waitingOrder.pollFirst();
        if (w != null) {
            inWaitingOrder[w] = false;
            woken[w] = true;
            wokenPending++;
            work[w].signal();
        }
    }

    private Job poll() {
        Job j = queue.pollFirst();
        if (j != null) {
            queuedSamples -= j.input.dim(0);
        }
        return j;
    }

    private void run(int index) {
        WORKER_OF.set(this);
        // made by the worker itself, so that it lies apart from the other workers' slots (no shared cache line)
        java.util.concurrent.atomic.AtomicReference<Job[]> slot = new java.util.concurrent.atomic.AtomicReference<>();
        slots.set(index, slot);
        org.convnet4j.tensor.kernels.KernelProvider.limitThreadsOnThisThread(followLoad ? 0 : threadsPerWorker);
        if (index == 0) {
            warmUp();
        } else {
            try {
                warmedUp.handle((v, e) -> v).get(); // a failed warm-up still lets the workers take requests
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                return;
            }
        }
        List<Job> batch = new ArrayList<>();
        Job carry = null; // a request too large to join the previous batch starts the next one
        boolean interrupted = false;
        boolean holding = false; // this worker counts in busy
        while (!interrupted) {
            batch.clear();
            int cap = -1; // kernel threads for this batch when the layout follows the load
            lock.lock();
            try {
                if (holding) {
                    busy--;
                    holding = false;
                }
                Job head = carry;
                carry = null;
                if (head == null) {
                    // wait for a request while no other worker is gathering a batch (it takes what arrives
                    // meanwhile) and no caller runs the model
                    waitingForFirst++;
                    try {
                        while (true) {
                            boolean chosen = woken[index];
                            if (chosen) {
                                woken[index] = false;
                                wokenPending--;
                            }
                            if (!accepting && !callerRunning) {
                                break; // closing: take what is left, or leave
                            }
                            // a worker whose wait ran out does not take the request another was woken for
                            if (!queue.isEmpty() && !callerRunning && !gatherer && admits()
                                    && (chosen || wokenPending == 0)) {
                                break;
                            }
                            if (!inWaitingOrder[index]) { // first wait, or woken with nothing for it: on top
                                waitingOrder.addFirst(index);
                                inWaitingOrder[index] = true;
                            }
                            work[index].awaitNanos(TimeUnit.MILLISECONDS.toNanos(100));
                        }
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } finally {
                        waitingForFirst--;
                        if (inWaitingOrder[index]) { // leaving without a wake-up (closing, or a wait ran out)
                            waitingOrder.removeFirstOccurrence(index);
                            inWaitingOrder[index] = false;
                        }
                        if (woken[index]) { // woken, then interrupted before it looked
                            woken[index] = false;
                            wokenPending--;
                        }
                    }
                    head = interrupted ? null : poll();
                    if (head == null) {
                        break; // interrupted, or closed with nothing left
                    }
                }
                busy++;
                holding = true;
                gatherer = true;
                if (workerBatches != null) {
                    workerBatches[index].incrementAndGet();
                    if (lastWorker >= 0 && lastWorker != index) {
                        handovers.incrementAndGet();
                    }
                    lastWorker = index;
                }
                try {
                    carry = gather(head, batch);
                } catch (InterruptedException e) {
                    interrupted = true;
                } finally {
                    gatherer = false;
                    if (followLoad) {
                        followTheQueue();
                        // every kernel thread only while no other pass runs (just after a switch to wide, a
                        // single-threaded pass may still be running)
                        cap = narrow || busy > 1 ? 1 : 0;
                    }
                    if (!queue.isEmpty() && waitingForFirst > 0 && !callerRunning && admits()) {
                        wakeOne(); // what arrived while this batch closed starts another worker's batch
                    }
                }
                depth = queue.size();
            } finally {
                lock.unlock();
            }
            metrics.queueDepth(name, depth);
            if (cap >= 0) {
                org.convnet4j.tensor.kernels.KernelProvider.limitThreadsOnThisThread(cap);
                (cap == 1 ? narrowBatches : wideBatches).incrementAndGet();
                metrics.layoutBatch(name, cap == 1 ? "narrow" : "wide");
            }
            runBatch(batch, carry, slot);
        }
        // only an interrupted worker leaves requests behind: fail them rather than let clients hang
        lock.lock();
        try {
            if (carry != null) {
                carry.result.completeExceptionally(new ApiException(503, "model " + name + " is shutting down"));
            }
            Job left;
            while ((left = poll()) != null) {
                left.result.completeExceptionally(new ApiException(503, "model " + name + " is shutting down"));
            }
            depth = 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fills {@code batch}, starting with {@code head}, from the queue until it holds {@code maxBatch} samples or the
     * maximum wait has passed (the lock is held, and released only while waiting). Returns the request that did not
     * fit (it starts the next batch), or null. Interrupted: the batch so far is kept and still run.
     */
    private Job gather(Job head, List<Job> batch) throws InterruptedException {
        batch.add(head);
        int samples = head.input.dim(0);
        long deadline = System.nanoTime() + maxWaitNanos;
        while (samples < maxBatch) {
            Job next;
            while ((next = queue.peekFirst()) != null) {
                if (samples + next.input.dim(0) > maxBatch) {
                    return poll(); // never split a request: it waits for the next forward pass
                }
                batch.add(poll());
                samples += next.input.dim(0);
                if (samples >= maxBatch) {
                    return null;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || !accepting) {
                return null;
            }
            gathering = samples;
            try {
                more.awaitNanos(left);
            } finally {
                gathering = 0;
            }
        }
        return null;
    }

    /**
     * Runs one forward pass for {@code jobs}. {@code slot} (a worker's; null on a caller's thread): where the jobs
     * and {@code carry} (the request the worker keeps for its next batch) are shown to the deadline watcher while
     * the pass runs.
     */
    private void runBatch(List<Job> jobs, Job carry, java.util.concurrent.atomic.AtomicReference<Job[]> slot) {
        // requests whose client already timed out, or whose deadline has passed, are dropped before spending
        // compute on them
        List<Job> live = new ArrayList<>();
        long now = System.nanoTime();
        for (Job j : jobs) {
            if (j.result.isDone()) {
                continue;
            }
            if (j.expired(now)) {
                if (j.result.completeExceptionally(new java.util.concurrent.TimeoutException())) {
                    expiredByWorker.incrementAndGet();
                }
                continue;
            }
            live.add(j);
        }
        if (live.isEmpty()) {
            return;
        }
        if (slot != null) {
            Job[] shown = live.toArray(new Job[live.size() + 1]);
            shown[live.size()] = carry;
            slot.lazySet(shown); // a release write: no fence on the worker's path; the watcher reads it next period
        }
        try {
            runLive(live);
        } finally {
            if (slot != null) {
                slot.lazySet(null);
            }
        }
    }

    private void runLive(List<Job> live) {
        int n = 0;
        for (Job j : live) {
            n += j.input.dim(0);
        }
        try {
            Tensor x;
            if (live.size() == 1) {
                x = live.get(0).input;
            } else {
                x = Tensor.zeros(sampleShape.prepend(n));
                int off = 0;
                for (Job j : live) {
                    System.arraycopy(j.input.data(), 0, x.data(), off, j.input.size());
                    off += j.input.size();
                }
            }
            long t0 = System.nanoTime();
            long cpu0 = metrics.threadCpuNanos();
            Tensor y;
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                y = model.predict(x);
            } finally {
                running.decrementAndGet();
            }
            long nanos = System.nanoTime() - t0;
            metrics.stageCpu("forward", cpu0);
            metrics.batch(name, n, nanos / 1e9);
            observe(n, nanos);
            int outPer = y.size() / n;
            Shape outSample = y.shape().dropFirst();
            boolean worker = WORKER_OF.get() == this; // a caller running the model does not come back to the queue
            if (worker) {
                ANSWERING.incrementAndGet(this);
            }
            try {
                Tensor out = y;
                Runnable answers = () -> {
                    int at = 0;
                    for (Job j : live) {
                        int k = j.input.dim(0);
                        float[] d = new float[k * outPer];
                        System.arraycopy(out.data(), at * outPer, d, 0, d.length);
                        at += k;
                        j.result.complete(Tensor.wrap(d, outSample.prepend(k)));
                    }
                };
                if (live.size() > 1) {
                    answerScope.accept(answers);
                } else {
                    answers.run();
                }
            } finally {
                if (worker) {
                    ANSWERING.decrementAndGet(this);
                }
            }
        } catch (Throwable e) {
            // whatever one batch throws is its requests' answer (500); the worker lives on for the next batch
            for (Job j : live) {
                j.result.completeExceptionally(e);
            }
        }
    }

    /** Refuses new requests, lets the worker finish the queued ones, and waits for it (at most {@code millis}). */
    @Override
    public void close() {
        close(30_000);
    }

    public void close(long millis) {
        lock.lock();
        try {
            accepting = false;
            for (Condition c : work) {
                c.signalAll();
            }
            more.signalAll();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Thread w : workers) {
            try {
                w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Thread w : workers) {
            if (w.isAlive()) {
                w.interrupt();
            }
        }
        Thread t = watcher;
        if (t != null) {
            watching = false; // after the workers: requests still draining keep their deadlines
            java.util.concurrent.locks.LockSupport.unpark(t);
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Worker threads (as given, or as {@link #AUTO} chose). */
    public int workers() {
        return workers.length;
    }

    /**
     * Kernel threads per worker, 0 for the kernels' own count, {@link #FOLLOW_LOAD} when they follow the load (as
     * given, or as {@link #AUTO} chose).
     */
    public int threadsPerWorker() {
        return threadsPerWorker;
    }

    /**
     * Batches a load-following batcher ran on every kernel thread (wide) and on one thread per worker (narrow), and
     * its switches between the two so far: {wide, narrow, switches}; zeros for a fixed layout.
     */
    public long[] layoutCounts() {
        return new long[] {wideBatches.get(), narrowBatches.get(), layoutSwitches.get()};
    }

    /** What {@link #AUTO} chooses for {@code model} at {@code maxBatch}: {workers, threads per worker}. */
    static int[] chooseWorkers(Model model, int maxBatch) {
        int threads = Math.max(1, org.convnet4j.tensor.kernels.KernelProvider.get().threads());
        if (threads == 1) {
            return new int[] {1, 0};
        }
        boolean small = smallPass(model, maxBatch);
        return small ? new int[] {threads, 1} : new int[] {threads, FOLLOW_LOAD};
    }

    /** A forward pass of {@code batch} samples has fewer than {@link #AUTO_SMALL_PASS_MACS} multiply-accumulates. */
    static boolean smallPass(Model model, int batch) {
        long macs;
        try {
            macs = org.convnet4j.nn.ModelSummary.of(model).totalMacs();
        } catch (RuntimeException e) {
            return false; // a model the summary cannot walk: one worker with every kernel thread, as before
        }
        return macs > 0 && macs <= AUTO_SMALL_PASS_MACS / batch;
    }

    /**
     * Batches each worker took so far, in worker order, and the batches taken by another worker than the batch
     * before: {worker 1, worker 2, ..., handovers}; {handovers} = {0} with one worker.
     */
    public long[] workerCounts() {
        int n = workerBatches == null ? 0 : workerBatches.length;
        long[] c = new long[n + 1];
        for (int i = 0; i < n; i++) {
            c[i] = workerBatches[i].get();
        }
        c[n] = handovers.get();
        return c;
    }

    /** Idle workers {@link #submit} woke so far (for tests). */
    long wakeups() {
        return wakeups.get();
    }

    /** The most forward passes that ran at the same moment so far (for tests). */
    int mostRunningAtOnce() {
        return mostRunning.get();
    }
}
