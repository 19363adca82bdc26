package org.convnet4j.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.benchmark.Workloads;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.zoo.ModelZoo;

/**
 * Every call of a warm-up, one line each: what a benchmark's median hides. Runs phases in one JVM, in the order
 * given, each {@code KIND:CALLS}: {@code train8} is W6's training step ({@link Workloads.ResNet50Training}),
 * {@code bN} a ResNet-50 {@code predict} at batch N (a fresh model per phase, as {@code convnet4j bench} builds
 * one per workload). Each line: JVM uptime at the call's end (ms, to match {@code -XX:+PrintCompilation}'s time
 * stamps), the call's wall time, the process's CPU time during it (both threads, compiler threads included), the
 * JIT's total compilation time so far and the number of collections so far.
 *
 * <pre>java --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:MaxNewSize=256m -Xss4m -XX:+PrintCompilation \
 *     -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.WarmupTrace train8:4 b1:40 b8:10</pre>
 */
public final class WarmupTrace {
    private WarmupTrace() {
    }

    public static void main(String[] args) {
        KernelProvider.installJitDirectives();
        for (String phase : args) {
            String kind = phase.substring(0, phase.indexOf(':'));
            int calls = Integer.parseInt(phase.substring(phase.indexOf(':') + 1));
            Runnable call;
            if (kind.equals("train8")) {
                Workloads.ResNet50Training w6 = new Workloads.ResNet50Training();
                call = w6::step;
            } else {
                int batch = Integer.parseInt(kind.substring(1));
                System.gc();
                Model net = ModelZoo.build("resnet50", null, 1000);
                net.initialize(0);
                Tensor x = Tensor.randn(new Random(0), 1f, batch, 3, 224, 224);
                call = () -> net.predict(x);
            }
            for (int i = 0; i < calls; i++) {
                long c0 = cpuNanos();
                long j0 = compilerTicks();
                long t0 = System.nanoTime();
                call.run();
                double wall = (System.nanoTime() - t0) / 1e6;
                double cpu = (cpuNanos() - c0) / 1e6;
                long jit = compilerTicks() - j0;
                System.err.printf(Locale.ROOT, "TRACE %s %3d  t=%7d ms  wall %8.1f ms  cpu %8.1f ms  compiler cpu %5d ms"
                        + "  jit %6d ms  gc %d%n", kind, i, ManagementFactory.getRuntimeMXBean().getUptime(), wall, cpu,
                        jit * 10, ManagementFactory.getCompilationMXBean().getTotalCompilationTime(), gcs());
            }
        }
    }

    /** CPU time of the JIT compiler threads (Linux: /proc/self/task/N/stat, clock ticks of 10 ms), 0 elsewhere. */
    static long compilerTicks() {
        long ticks = 0;
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return 0;
        }
        for (java.io.File t : tasks) {
            try {
                String stat = java.nio.file.Files.readString(t.toPath().resolve("stat"));
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                if (!stat.substring(open + 1, close).contains("CompilerThre")) {
                    continue;
                }
                String[] f = stat.substring(close + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            } catch (java.io.IOException | RuntimeException e) {
                // a thread that ended meanwhile
            }
        }
        return ticks;
    }

    private static long gcs() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += b.getCollectionCount();
        }
        return n;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
