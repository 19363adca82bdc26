package org.convnet4j.bench;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.convnet4j.benchmark.Timing;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.zoo.ModelZoo;

/**
 * One JVM start of the bench's model workload, measured so that starts can be compared: the same warm-up as
 * {@code convnet4j bench} (3 calls, 1 s, then until the JIT is idle, at most 30 s), then {@code ROUNDS} blocks of
 * {@code CALLS} predicts, each with its wall time, the process's CPU time and every live thread's CPU time (by
 * thread name: the caller, the GEMM pool's workers, the JIT compilers, GC), all per image. Run it about ten times,
 * each with its own compilation log, and compare the fast starts with the slow ones: CPU per image that differs
 * means the code differs (a JIT decision); equal CPU with different wall means waiting (hand-offs, placement).
 *
 * <pre>for i in $(seq 10); do java --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:MaxNewSize=256m -Xss4m \
 *     -Dconvnet4j.jit.directives=true -XX:+PrintCompilation -cp convnet4j-bench/target/benchmarks.jar \
 *     org.convnet4j.bench.StartSpread googlenet 1 7 20 &gt; jit-$i.log 2&gt; spread-$i.txt; done</pre>
 *
 * <p>With {@code -Dconvnet4j.pool.stats=true} each round also gives, per thread of the kernels' pool, the tasks it
 * ran, the milliseconds inside them and the milliseconds it waited (a caller for workers, a worker for a job), all
 * per image, with spin iterations and parks ({@link KernelProvider#poolStatistics()}): in a slow start, more task
 * time per task means the work itself runs slower, more wait time means the threads wait for each other.
 *
 * <p>Before and after each round, the round trip of one cache line between two threads ({@link PairProbe#pingPong}):
 * on this KVM guest ~65 ns or ~300 ns, changing over time, so each round's speed can be set against the cores' state.
 * After the rounds a {@code PAIR} line measures the two cores with none of the pool's code or data shared: FMA
 * chains and a private single-threaded SGEMM (n = 384) on one thread alone, then on two threads at once (each its
 * own arrays), as the ratio alone / together per thread (1.0: the two cores do not slow each other); and the pool's
 * two-thread speed-up on one SGEMM. A slow start whose private pair ratio is low loses its time to the cores
 * (the host's placement of the two virtual CPUs), not to hand-offs or shared cache lines.
 *
 * <p>Its own lines go to standard error so that the compilation log on standard output stays apart; the last line
 * starts with {@code SUMMARY}.
 */
public final class StartSpread {
    private StartSpread() {
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: StartSpread MODEL BATCH ROUNDS CALLS_PER_ROUND");
            System.exit(2);
        }
        KernelProvider.installJitDirectives();
        String name = args[0];
        int batch = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int calls = Integer.parseInt(args[3]);
        Model net = ModelZoo.build(name, null, name.startsWith("lenet") ? 10 : 1000);
        net.initialize(0);
        Tensor x = Tensor.randn(new Random(0), 1f, batch, 3, 224, 224);
        long startMs = ManagementFactory.getRuntimeMXBean().getUptime();
        Timing.Result warm = new Timing(3, 0, 1.0, 1, 30).measure(() -> net.predict(x));
        System.err.printf(Locale.ROOT, "%6d ms  warm-up done: %d calls, JIT settled %b, %.1f ms/call after; load %s%n",
                ManagementFactory.getRuntimeMXBean().getUptime(), warm.warmupCalls(), warm.jitSettled(),
                warm.median() * 1e3, FlagAB.load());
        Map<Long, String> names = new java.util.HashMap<>();
        double[] wall = new double[rounds];
        double[] cpu = new double[rounds];
        Map<String, double[]> perThread = new LinkedHashMap<>();
        Map<String, double[]> taskMs = new LinkedHashMap<>();
        double[] roundTrip = new double[rounds];
        Map<String, double[]> waitMs = new LinkedHashMap<>();
        long h0all = KernelProvider.handOffs();
        long jitTotal = 0;
        for (int r = 0; r < rounds; r++) {
            double tripBefore = PairProbe.pingPong(20, 1000);
            Map<Long, Long> before = threadCpu(names);
            Map<String, long[]> pool0 = KernelProvider.poolStatistics();
            long jit0 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
            long c0 = FlagAB.cpuNanos();
            long t0 = System.nanoTime();
            for (int s = 0; s < calls; s++) {
                net.predict(x);
            }
            double images = (double) calls * batch;
            wall[r] = (System.nanoTime() - t0) / 1e6 / images;
            cpu[r] = (FlagAB.cpuNanos() - c0) / 1e6 / images;
            Map<Long, Long> after = threadCpu(names);
            String pool = poolLine(pool0, KernelProvider.poolStatistics(), images, r, rounds, taskMs, waitMs);
            roundTrip[r] = PairProbe.pingPong(20, 1000); // ~2-7 ms: the cores' state right after the round
            long jitMs = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit0;
            jitTotal += jitMs;
            Map<String, Double> byName = new LinkedHashMap<>();
            for (Map.Entry<Long, Long> e : after.entrySet()) {
                long b = before.getOrDefault(e.getKey(), 0L);
                double ms = (e.getValue() - b) / 1e6 / images;
                if (ms > 0.05) {
                    byName.merge(group(names.get(e.getKey())), ms, Double::sum);
                }
            }
            StringBuilder line = new StringBuilder();
            for (Map.Entry<String, Double> e : byName.entrySet()) {
                perThread.computeIfAbsent(e.getKey(), k -> new double[rounds])[r] = e.getValue();
                line.append(String.format(Locale.ROOT, " %s %.2f", e.getKey(), e.getValue()));
            }
            System.err.printf(Locale.ROOT, "%6d ms  round %d: wall %.2f ms/img (%.2f img/s), process CPU %.2f ms/img;"
                    + " JIT compiling %d ms; line round trip before/after %.0f/%.0f ns; threads' CPU ms/img:%s%s%n",
                    ManagementFactory.getRuntimeMXBean().getUptime(), r, wall[r], 1e3 / wall[r], cpu[r], jitMs,
                    tripBefore, roundTrip[r], line, pool);
        }
        double handOffs = (double) (KernelProvider.handOffs() - h0all) / (rounds * calls);
        String pair = PairProbe.line();
        System.err.println("PAIR " + pair);
        StringBuilder poolSummary = new StringBuilder();
        for (Map.Entry<String, double[]> e : taskMs.entrySet()) {
            poolSummary.append(String.format(Locale.ROOT, " %s=%.2f/%.2f", e.getKey(), FlagAB.median(e.getValue()),
                    FlagAB.median(waitMs.get(e.getKey()))));
        }
        StringBuilder threads = new StringBuilder();
        for (Map.Entry<String, double[]> e : perThread.entrySet()) {
            threads.append(String.format(Locale.ROOT, " %s=%.2f", e.getKey(), FlagAB.median(e.getValue())));
        }
        System.err.printf(Locale.ROOT, "SUMMARY %s b%d: %.2f img/s, wall %.2f ms/img, CPU %.2f ms/img, hand-offs %.1f"
                + " per call, JIT compiling %d ms in the rounds, warm-up %d calls from %d ms, settled %b; median thread CPU ms/img:%s;"
                + "%s line round trip %.0f ns (median of rounds); pair %s; load %s%n", name,
                batch, 1e3 / FlagAB.median(wall), FlagAB.median(wall), FlagAB.median(cpu), handOffs,
                jitTotal, warm.warmupCalls(), startMs, warm.jitSettled(), threads,
                poolSummary.length() == 0 ? "" : " median pool task/wait ms/img:" + poolSummary + ";",
                FlagAB.median(roundTrip), pair,
                FlagAB.load());
    }

    /**
     * CPU nanoseconds of every thread of this process by thread id, from /proc/self/task (so the JIT compilers and
     * GC threads, which ThreadMXBean does not list, count too), with the thread's name from its comm file.
     */
    private static Map<Long, Long> threadCpu(Map<Long, String> names) {
        Map<Long, Long> m = new LinkedHashMap<>();
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return m;
        }
        double nanosPerTick = 1e9 / 100; // USER_HZ on Linux
        for (java.io.File task : tasks) {
            try {
                String stat = java.nio.file.Files.readString(task.toPath().resolve("stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
                long tid = Long.parseLong(task.getName());
                m.put(tid, (long) (ticks * nanosPerTick));
                names.computeIfAbsent(tid, k -> {
                    try {
                        return java.nio.file.Files.readString(task.toPath().resolve("comm")).trim();
                    } catch (java.io.IOException e) {
                        return "?" + k;
                    }
                });
            } catch (java.io.IOException | RuntimeException e) {
                // the thread ended between the listing and the read
            }
        }
        return m;
    }

    /**
     * Per pool thread between two {@link KernelProvider#poolStatistics()} snapshots: tasks, task ms, wait ms, spin
     * iterations (thousands) and parks, all per image, and microseconds per task; records task and wait ms of round r.
     */
    static String poolLine(Map<String, long[]> before, Map<String, long[]> after, double images, int r, int rounds,
                           Map<String, double[]> taskMs, Map<String, double[]> waitMs) {
        if (after.isEmpty()) {
            return "";
        }
        StringBuilder line = new StringBuilder("; pool per img (tasks, task ms, wait ms, k spins, parks; us/task):");
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[e.getValue().length]);
            long[] a = e.getValue();
            double tasks = (a[0] - b[0]) / images;
            double task = (a[1] - b[1]) / 1e6 / images;
            double wait = (a[2] - b[2]) / 1e6 / images;
            String who = group(e.getKey());
            taskMs.computeIfAbsent(who, k -> new double[rounds])[r] = task;
            waitMs.computeIfAbsent(who, k -> new double[rounds])[r] = wait;
            line.append(String.format(Locale.ROOT, " %s %.1f %.2f %.2f %.1f %.1f; %.1f", who, tasks, task, wait,
                    (a[3] - b[3]) / 1e3 / images, (a[4] - b[4]) / images, tasks == 0 ? 0 : task * 1e3 / tasks));
        }
        return line.toString();
    }

    /** Thread names grouped: compiler threads and GC threads each summed under one name. */
    private static String group(String n) {
        if (n.startsWith("C2 Compiler")) {
            return "C2";
        }
        if (n.startsWith("C1 Compiler")) {
            return "C1";
        }
        if (n.startsWith("GC Thread") || n.startsWith("VM Thread")) {
            return "GC/VM";
        }
        return n.replace(' ', '_');
    }

}
