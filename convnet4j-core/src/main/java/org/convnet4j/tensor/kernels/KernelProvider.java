package org.convnet4j.tensor.kernels;

/**
 * Chooses the {@link Kernels} implementation once per JVM, the single place where that choice is made.
 *
 * <p>By default the vector kernels ({@link #vector(int)}) are used when the {@code jdk.incubator.vector} module
 * is present (the JVM was started with {@code --add-modules jdk.incubator.vector}) and pass a tiny self-test
 * against the scalar kernels; otherwise the scalar kernels ({@link #scalar()}). The system property {@value #PROPERTY} =
 * {@code scalar|vector} forces a choice ({@code vector} fails loudly if the Vector API cannot be used).
 * {@link Kernels#name()} tells which one was chosen. Falling back to the scalar kernels without being asked
 * logs one WARNING (logger {@code org.convnet4j.kernels}) naming the missing JVM option, because the scalar
 * kernels are several times slower.
 */
public final class KernelProvider {
    /** System property that forces an implementation: {@code scalar} or {@code vector}. */
    public static final String PROPERTY = "convnet4j.kernels";
    private static final System.Logger LOG = System.getLogger("org.convnet4j.kernels");

    private KernelProvider() {
    }

    /**
     * Asks HotSpot to compile the GEMM micro-kernels with C2 only (see the package's JitDirectives for why).
     * This changes the compiler directives of the whole JVM, so it is opt-in: applications that want the
     * steadiest kernel speed call it once at start-up (the command line does), or set the system property
     * {@code convnet4j.jit.directives=true}.
     *
     * @return true if the JVM accepted the directive
     */
    public static boolean installJitDirectives() {
        return JitDirectives.install();
    }

    /**
     * New Vector API kernels using at most {@code threads} threads (the caller included), whatever was chosen
     * at start-up: for benchmarks and tests that compare implementations or thread counts.
     *
     * @throws IllegalStateException when the JVM was started without {@code --add-modules jdk.incubator.vector}
     */
    public static Kernels vector(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("KernelProvider.vector: threads must be at least 1, got " + threads);
        }
        requireVectorModule();
        return new VectorKernels(threads);
    }

    /** As {@link #vector(int)} with the default thread count (processors, or the {@code convnet4j.threads} property). */
    public static Kernels vector() {
        requireVectorModule();
        return new VectorKernels();
    }

    /** New plain-Java kernels: the naive oracle every fast path is tested against, single-threaded. */
    public static Kernels scalar() {
        return new ScalarKernels();
    }

    /**
     * How many parallel calls of the vector kernels (threaded SGEMM slices, {@link Kernels#parallelFor}) have handed
     * tasks to the shared worker threads since the JVM started: a diagnostic for benchmarks that count thread
     * hand-offs per training step or per image (a call that runs on the caller alone is not counted).
     */
    public static long handOffs() {
        return GemmPool.handOffs();
    }

    /**
     * Per thread of the shared pool (by thread name: the callers that made parallel calls and the workers), what
     * it did since the JVM started, when the JVM runs with {@code -Dconvnet4j.pool.stats=true} (else the map is
     * empty): {@code [tasks run, nanoseconds inside tasks, nanoseconds waiting (a caller for workers still inside
     * its call, a worker for its next job), spin iterations while waiting, parks]}. A diagnostic for benchmarks
     * that must tell slower work (more nanoseconds per task) from longer waits; the figures are read without
     * synchronisation and may lag by one task.
     */
    public static java.util.Map<String, long[]> poolStatistics() {
        return GemmPool.statistics();
    }

    /**
     * Where the threads' time would go with nothing else running, measured in thread CPU time (so a loaded machine does
     * not change it much), when the JVM runs with {@code -Dconvnet4j.pool.span=true} (else all zeros): since the JVM
     * started, {@code [parallel calls handed to workers, CPU ns of their tasks (the work), ns of the span a greedy
     * schedule of each call's tasks in task order on its threads takes (the critical path), the callers' CPU ns from
     * handing a call out to the end of its wait, CPU ns of the tasks the workers ran, parallel calls that ran on the
     * caller alone (one task, or the pool busy), their CPU ns]}. A diagnostic: a caller's CPU outside its parallel
     * calls plus the spans is the time two idle cores would need; the work over twice that is their use. Every task is
     * timed, which adds about a microsecond per task.
     */
    public static long[] poolSpan() {
        return GemmPool.spanFigures();
    }

    /**
     * Caps the threads that kernel calls made on the calling thread use, the calling thread included: 1 runs them
     * on this thread alone, with no hand-off to the shared worker threads; 0 lifts the cap (the kernels' own thread
     * count applies again). Other threads are not affected, and results do not change (kernels never let them
     * depend on the thread count), only the speed. For applications that run several single-threaded workers
     * (inter-op parallelism, as a model server with one worker per core does) rather than one caller whose kernels
     * use every core (intra-op). Returns the previous cap, so a caller can restore it.
     *
     * @throws IllegalArgumentException when {@code threads} is negative
     */
    public static int limitThreadsOnThisThread(int threads) {
        return GemmPool.capThisThread(threads);
    }

    /**
     * Whether parallel kernel calls made on the calling thread cut their tasks into one contiguous block per thread,
     * the calling thread's the first (a late thread's tasks are still taken by the others), instead of handing them out
     * one by one from a shared counter: where consecutive tasks are neighbouring parts of an array, each thread then
     * writes the same part of every such call and reads, in the next, mostly what it wrote itself. Other threads are not
     * affected, and results do not change (kernels never let them depend on which thread runs a task), only the speed.
     * Returns the previous setting, so a caller can restore it.
     */
    public static boolean splitInBlocksOnThisThread(boolean inBlocks) {
        return GemmPool.blocksOnThisThread(inBlocks);
    }

    /** True for the plain-Java kernels ({@link #scalar()}, or the fallback chosen without the Vector API). */
    public static boolean isScalar(Kernels kernels) {
        return kernels instanceof ScalarKernels;
    }

    private static void requireVectorModule() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException("the Vector API is not available; start the JVM with"
                    + " --add-modules jdk.incubator.vector");
        }
    }

    /** The implementation chosen at start-up (the same instance on every call). */
    public static Kernels get() {
        return Holder.INSTANCE;
    }

    /** Lazy holder: the choice runs once, on first use, thread-safely. */
    private static final class Holder {
        static final Kernels INSTANCE = choose(System.getProperty(PROPERTY));
    }

    static Kernels choose(String requested) {
        String wanted = requested == null ? "" : requested.trim().toLowerCase(java.util.Locale.ROOT);
        switch (wanted) {
            case "scalar":
                return new ScalarKernels();
            case "vector": {
                Kernels vector = tryVector();
                if (vector == null) {
                    throw new IllegalStateException("system property " + PROPERTY + "=vector, but the Vector API"
                            + " is unavailable or failed its self-test; start the JVM with"
                            + " --add-modules jdk.incubator.vector");
                }
                return vector;
            }
            case "":
                Kernels vector = tryVector();
                if (vector != null) {
                    return vector;
                }
                LOG.log(System.Logger.Level.WARNING, ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()
                        ? "the Vector API is not available, using the scalar kernels (several times slower);"
                                + " start the JVM with --add-modules jdk.incubator.vector"
                        : "the Vector API failed its self-test here, using the scalar kernels (several times slower)");
                return new ScalarKernels();
            default:
                throw new IllegalArgumentException("system property " + PROPERTY + " must be 'scalar' or 'vector',"
                        + " got '" + requested + "'");
        }
    }

    /** VectorKernels if the module is there and gives the same answers as the scalar twin, else null. */
    private static Kernels tryVector() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            Kernels vector = new VectorKernels();
            return selfTest(vector) ? vector : null;
        } catch (LinkageError | RuntimeException e) {
            // The module exists but the API does not work here (for instance a JIT/CPU mismatch): fall back.
            return null;
        }
    }

    /** A small GEMM with edges in every dimension plus a dot product, compared with the scalar twin. */
    static boolean selfTest(Kernels candidate) {
        Kernels reference = new ScalarKernels();
        int m = 11;
        int n = 37;
        int k = 13;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i * 7 % 11) - 5;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i * 5 % 13) - 6;
        }
        // Small integers: every product and sum is exact in float, so both must agree exactly.
        float[] expected = new float[m * n];
        float[] actual = new float[m * n];
        reference.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, expected, 0, n);
        candidate.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, actual, 0, n);
        if (!java.util.Arrays.equals(expected, actual)) {
            return false;
        }
        return reference.dot(a.length, a, 0, a, 0) == candidate.dot(a.length, a, 0, a, 0);
    }
}
