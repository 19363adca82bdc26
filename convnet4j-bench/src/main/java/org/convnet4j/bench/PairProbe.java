package org.convnet4j.bench;

import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.internal.FmaPeakProbe;

/**
 * Whether the two cores slow each other down with nothing of ours shared: the same work on one thread alone and
 * then on two threads at once, each with its own arrays and no pool, as the ratio alone / together (1.0: each
 * thread runs as fast beside the other as alone; about 0.5-0.6: the two threads share one core's units, as two
 * hyper-threads of one core do). Three figures: FMA chains in registers ({@link FmaPeakProbe}), a private
 * single-threaded SGEMM of n = 384 per thread (the two threads' ratios), and the pool's speed-up of one two-thread
 * SGEMM of n = 384 over the same on one thread. About 2 s.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.PairProbe 5</pre>
 */
public final class PairProbe {
    private static final int N = 384;

    private PairProbe() {
    }

    public static void main(String[] args) {
        int times = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        for (int i = 0; i < times; i++) {
            System.out.println("PAIR " + line() + "; load " + FlagAB.load());
        }
    }

    /** One measurement as {@code fma R gemm-private R1/R2 pool-speedup S}. */
    static String line() {
        double fma1 = FmaPeakProbe.gflops(1, 0.3);
        double fma2 = FmaPeakProbe.gflops(2, 0.3);
        double[] gemm = privateGemmRatios();
        double speedup = poolSpeedup();
        return String.format(Locale.ROOT, "fma %.2f gemm-private %.2f/%.2f pool-speedup %.2f", fma2 / (2 * fma1),
                gemm[0], gemm[1], speedup);
    }

    /** Seconds per SGEMM of one thread alone, then of each of two threads running at the same time. */
    static double[] privateGemmRatios() {
        Operands mine = new Operands(1);
        Operands other = new Operands(2);
        Kernels one = KernelProvider.vector(1);
        int reps = repsFor(one, mine, 0.25);
        double alone = mine.seconds(one, reps);
        double[] together = new double[2];
        CyclicBarrier start = new CyclicBarrier(2);
        Thread second = new Thread(() -> {
            await(start);
            together[1] = other.seconds(KernelProvider.vector(1), reps);
        }, "pair-probe");
        second.start();
        await(start);
        together[0] = mine.seconds(one, reps);
        try {
            second.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("PairProbe interrupted", e);
        }
        return new double[] {alone / together[0], alone / together[1]};
    }

    /** Time of one SGEMM on one thread over its time on two (the pool's caller and a worker). */
    static double poolSpeedup() {
        Operands ops = new Operands(3);
        Kernels one = KernelProvider.vector(1);
        Kernels two = KernelProvider.vector(2);
        int reps = repsFor(two, ops, 0.2);
        double t1 = ops.seconds(one, reps);
        double t2 = ops.seconds(two, reps);
        return t1 / t2;
    }

    private static int repsFor(Kernels k, Operands ops, double seconds) {
        double each = ops.seconds(k, 5) / 5;
        return Math.max(5, (int) (seconds / each));
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException("PairProbe: " + e, e);
        }
    }

    /** One thread's own A, B and C. */
    private static final class Operands {
        final float[] a = new float[N * N];
        final float[] b = new float[N * N];
        final float[] c = new float[N * N];

        Operands(long seed) {
            Random r = new Random(seed);
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextFloat() - 0.5f;
                b[i] = r.nextFloat() - 0.5f;
            }
        }

        /** Seconds per SGEMM over {@code reps} of them (after three not timed). */
        double seconds(Kernels k, int reps) {
            for (int i = 0; i < 3; i++) {
                k.sgemm(false, false, N, N, N, 1f, a, 0, N, b, 0, N, 0f, c, 0, N);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                k.sgemm(false, false, N, N, N, 1f, a, 0, N, b, 0, N, 0f, c, 0, N);
            }
            return (System.nanoTime() - t0) / 1e9 / reps;
        }
    }
}
