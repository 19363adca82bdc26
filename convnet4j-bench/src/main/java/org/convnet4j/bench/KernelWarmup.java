package org.convnet4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * Shows whether the GEMM micro-kernels are deoptimised when a run changes from overwriting products to
 * accumulating ones: phase 1 makes only products with k &lt;= KC and beta 0 (every micro-kernel call overwrites C)
 * until C2 has long compiled the kernels; phase 2 makes products with k = 1024 (three of four KC slices merge into
 * C). Each phase-2 block prints its GFLOPS and this thread's CPU time. Run it with {@code -XX:+PrintCompilation}
 * (a "made not entrant" line for {@code VectorGemm::microKernel8x3} is the deoptimisation) or with JFR
 * ({@code -XX:StartFlightRecording=filename=w.jfr} and {@code jfr print --events jdk.Deoptimization w.jfr}).
 *
 * <pre>java --add-modules jdk.incubator.vector -XX:+PrintCompilation -cp benchmarks.jar
 *     org.convnet4j.bench.KernelWarmup [phase1Calls [phase2Blocks]]</pre>
 *
 * <p>Its own lines go to standard error, each with the JVM's uptime in milliseconds (PrintCompilation's first
 * column), so that the compilation log on standard output can be kept apart. One thread ({@code KernelProvider.vector(1)}) so that CPU time is the call's own.
 */
public final class KernelWarmup {
    private KernelWarmup() {
    }

    private static long uptime() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    public static void main(String[] args) {
        int phase1 = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        KernelProvider.installJitDirectives();
        Kernels kernels = KernelProvider.vector(1);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int n = 192;
        int k = 1024;
        Random random = new Random(1);
        float[] a = new float[n * k];
        float[] b = new float[k * n];
        float[] c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat();
            b[i] = random.nextFloat();
        }
        long cpu0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int it = 0; it < phase1; it++) {
            kernels.sgemm(false, false, n, n, 256, 1f, a, 0, 256, b, 0, n, 0f, c, 0, n);
        }
        System.err.printf("%6d ms  phase 1 (k = 256, beta 0, overwrite only): %d calls, %.0f ms wall, %.0f ms CPU%n", uptime(), phase1,
                (System.nanoTime() - t0) / 1e6, (mx.getCurrentThreadCpuTime() - cpu0) / 1e6);
        int calls = 20;
        for (int block = 0; block < blocks; block++) {
            long cpu = mx.getCurrentThreadCpuTime();
            long t = System.nanoTime();
            for (int it = 0; it < calls; it++) {
                kernels.sgemm(false, false, n, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            }
            double wall = (System.nanoTime() - t) / 1e9;
            double cpuS = (mx.getCurrentThreadCpuTime() - cpu) / 1e9;
            double flops = calls * 2.0 * n * n * k;
            System.err.printf("%6d ms  phase 2 (k = 1024: merging) block %2d: %6.1f GFLOPS wall, %6.1f GFLOPS per CPU second,"
                    + " %.0f ms CPU%n", uptime(), block, flops / wall / 1e9, flops / cpuS / 1e9, cpuS * 1e3);
        }
    }
}
