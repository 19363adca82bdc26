package org.convnet4j.bench;

import java.util.Locale;
import java.util.Random;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * W1's square SGEMM on all the kernels' threads (A) against one thread (B), in ONE JVM: blocks of calls alternate
 * (one thread = {@link KernelProvider#limitThreadsOnThisThread} 1; which goes first alternates), so both meet the
 * same machine load. Per size it prints the medians of wall GFLOPS, of GFLOPS per second of the process's CPU time
 * (pool spinning included: on a loaded machine the steadier figure, comparable with {@code bench/torch_mm_cpu.py}),
 * the paired wall speed-up A/B and the hand-offs per call. Arguments: {@code ROUNDS SECONDS_PER_BLOCK n...}.
 *
 * <pre>java --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -cp convnet4j-bench/target/benchmarks.jar \
 *     org.convnet4j.bench.GemmThreadsAB 7 0.5 1024 2048</pre>
 */
public final class GemmThreadsAB {
    private GemmThreadsAB() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: GemmThreadsAB ROUNDS SECONDS_PER_BLOCK n...");
            System.exit(2);
        }
        KernelProvider.installJitDirectives();
        int rounds = Integer.parseInt(args[0]);
        double seconds = Double.parseDouble(args[1]);
        Kernels kernels = KernelProvider.vector();
        System.out.printf(Locale.ROOT, "# SGEMM n x n x n, %d threads (A) against 1 (B); load %s%n", kernels.threads(),
                FlagAB.load());
        for (int i = 2; i < args.length; i++) {
            run(kernels, Integer.parseInt(args[i]), rounds, seconds);
        }
    }

    private static void run(Kernels kernels, int n, int rounds, double seconds) {
        Random random = new Random(42);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
            b[i] = (float) random.nextGaussian();
        }
        float[] c = new float[n * n];
        Runnable call = () -> kernels.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        double flops = 2.0 * n * n * n;
        long t0 = System.nanoTime();
        int warm = 0;
        while (warm < 4 || System.nanoTime() - t0 < 1.5e9) {
            KernelProvider.limitThreadsOnThisThread(warm % 2);
            call.run();
            warm++;
        }
        KernelProvider.limitThreadsOnThisThread(1); // block length from a compiled one-thread call
        long t1 = System.nanoTime();
        call.run();
        int calls = Math.max(1, (int) Math.ceil(seconds / ((System.nanoTime() - t1) / 1e9)));
        double[][] wall = new double[2][rounds];
        double[][] cpu = new double[2][rounds];
        double[] speedUp = new double[rounds];
        long hand = 0;
        for (int r = 0; r < rounds; r++) {
            for (int m = 0; m < 2; m++) {
                int v = (r + m) % 2; // 0: all threads, 1: one
                KernelProvider.limitThreadsOnThisThread(v == 0 ? 0 : 1);
                long h0 = KernelProvider.handOffs();
                long c0 = FlagAB.cpuNanos();
                long w0 = System.nanoTime();
                for (int s = 0; s < calls; s++) {
                    call.run();
                }
                wall[v][r] = flops * calls / (System.nanoTime() - w0);
                cpu[v][r] = flops * calls / (FlagAB.cpuNanos() - c0);
                if (v == 0) {
                    hand += KernelProvider.handOffs() - h0;
                }
            }
            speedUp[r] = wall[0][r] / wall[1][r];
        }
        KernelProvider.limitThreadsOnThisThread(0);
        System.out.printf(Locale.ROOT, "W1_SGEMM_n%d  wall GFLOPS A %7.1f B %7.1f paired A/B %.3f   GFLOPS per CPU s"
                + " A %7.1f B %7.1f   hand-offs per call A %.1f   (%d rounds of %d calls; load %s)%n", n,
                FlagAB.median(wall[0]), FlagAB.median(wall[1]), FlagAB.median(speedUp), FlagAB.median(cpu[0]),
                FlagAB.median(cpu[1]), (double) hand / rounds / calls, rounds, calls, FlagAB.load());
    }
}
