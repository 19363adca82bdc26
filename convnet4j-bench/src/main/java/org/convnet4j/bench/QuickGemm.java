package org.convnet4j.bench;

import java.util.Arrays;
import java.util.Random;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.internal.FmaPeakProbe;

/**
 * A quick SGEMM throughput check, without JMH: for n = 512, 1024, 2048 (or the sizes given as arguments)
 * it multiplies two random n x n matrices with the Vector API kernels ({@link KernelProvider#vector(int)}) on one thread and on all threads and
 * prints GFLOPS (2 n^3 flops per call), the median of several timed repetitions after a warm-up. It first
 * prints the FMA peak the cores deliver right now ({@link FmaPeakProbe}): on shared machines that moves a
 * lot, and GEMM / peak is the figure to compare.
 *
 * <p>Output lines are tab-separated {@code workload  GFLOPS  notes}, named like the reference scripts in
 * shared/bench so the two can be put side by side.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp ... org.convnet4j.bench.QuickGemm [n ...]</pre>
 */
public final class QuickGemm {
    private static final int REPETITIONS = 7;
    private static final double MIN_REPETITION_SECONDS = 0.25;
    private static final double WARMUP_SECONDS = 1.5;

    private QuickGemm() {
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {512, 1024, 2048}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        Kernels all = KernelProvider.vector();
        int allThreads = all.threads();
        int[] threadCounts = allThreads == 1 ? new int[] {1} : new int[] {1, allThreads};
        System.out.printf("# VectorKernels, vector length %d floats, %s %s%n", all.floatsPerVector(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        for (int threads : threadCounts) {
            System.out.printf("W0_FMA_peak_convnet4j_t%d\t%.2f\tregister-only FMA chains now, %d threads%n",
                    threads, FmaPeakProbe.gflops(threads, 1.0), threads);
        }
        for (int n : sizes) {
            for (int threads : threadCounts) {
                run(n, threads);
            }
        }
    }

    private static void run(int n, int threads) {
        Kernels kernels = KernelProvider.vector(threads);
        Random random = new Random(42);
        float[] a = randomMatrix(random, n);
        float[] b = randomMatrix(random, n);
        float[] c = new float[n * n];
        Runnable call = () -> kernels.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);

        long start = System.nanoTime();
        int warmupCalls = 0;
        while (warmupCalls < 3 || System.nanoTime() - start < WARMUP_SECONDS * 1e9) {
            call.run();
            warmupCalls++;
        }
        double perCall = (System.nanoTime() - start) / 1e9 / warmupCalls;
        int callsPerRepetition = Math.max(1, (int) Math.ceil(MIN_REPETITION_SECONDS / perCall));

        double[] gflops = new double[REPETITIONS];
        double flops = 2.0 * n * n * n;
        for (int r = 0; r < REPETITIONS; r++) {
            long t = System.nanoTime();
            for (int i = 0; i < callsPerRepetition; i++) {
                call.run();
            }
            double seconds = (System.nanoTime() - t) / 1e9 / callsPerRepetition;
            gflops[r] = flops / seconds / 1e9;
        }
        double[] sorted = gflops.clone();
        Arrays.sort(sorted);
        System.out.printf("W1_SGEMM_convnet4j_n%d_t%d\t%.2f\tmedian of %d, range %.1f..%.1f GFLOPS, %d threads%n",
                n, threads, sorted[REPETITIONS / 2], REPETITIONS, sorted[0], sorted[REPETITIONS - 1], threads);
    }

    private static float[] randomMatrix(Random random, int n) {
        float[] x = new float[n * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
