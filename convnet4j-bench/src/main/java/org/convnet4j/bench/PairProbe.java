package org.convnet4j.bench;

import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.internal.FmaPeakProbe;

/**
 * Whether the two cores slow each other down with nothing of ours shared: the same work on one thread alone and
 * then on two threads at once, each with its own arrays and no pool, as the ratio alone / together (1.0: each
 * thread runs as fast beside the other as alone; about 0.5-0.6: the two threads share one core's units, as two
 * hyper-threads of one core do). Three figures: FMA chains in registers ({@link FmaPeakProbe}), a private
 * single-threaded SGEMM of n = 384 per thread (the two threads' ratios), and the pool's speed-up of one two-thread
 * SGEMM of n = 384 over the same on one thread. About 2 s. And the round trip of one cache line between two
 * threads ({@link #pingPong}): on this KVM guest it is either ~65 ns or ~300 ns, changing from one minute to the
 * next (the host moving the two virtual CPUs between cores that share a last-level cache and cores that do not),
 * which a two-thread pass that hands data between the threads feels and the FMA and private figures do not.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.PairProbe 5</pre>
 */
public final class PairProbe {
    private static final int N = 384;

    private PairProbe() {
    }

    /**
     * {@code PairProbe [TIMES]}: TIMES PAIR lines; {@code PairProbe pingpong [TIMES]}: TIMES lines of the cache-line
     * round trip alone (clock time, then the fastest, 10th percentile and median of 100 blocks of 1,000 round trips).
     */
    public static void main(String[] args) {
        boolean pingPongOnly = args.length > 0 && args[0].equals("pingpong");
        int times = args.length > (pingPongOnly ? 1 : 0) ? Integer.parseInt(args[pingPongOnly ? 1 : 0]) : 1;
        for (int i = 0; i < times; i++) {
            if (pingPongOnly) {
                double[] trips = pingPongTrips(100, 1000);
                System.out.printf(Locale.ROOT, "%s line round trip ns: min %.0f p10 %.0f p50 %.0f; load %s%n",
                        java.time.LocalTime.now().withNano(0), trips[0], trips[10], trips[50], FlagAB.load());
            } else {
                System.out.println("PAIR " + line() + "; load " + FlagAB.load());
            }
        }
    }

    /** One measurement as {@code fma R gemm-private R1/R2 pool-speedup S line-round-trip NS}. */
    static String line() {
        double fma1 = FmaPeakProbe.gflops(1, 0.3);
        double fma2 = FmaPeakProbe.gflops(2, 0.3);
        double[] gemm = privateGemmRatios();
        double speedup = poolSpeedup();
        return String.format(Locale.ROOT, "fma %.2f gemm-private %.2f/%.2f pool-speedup %.2f line-round-trip %.0f",
                fma2 / (2 * fma1), gemm[0], gemm[1], speedup, pingPong(100, 1000));
    }

    /**
     * Nanoseconds for one cache line to go from this thread to a second one and back: the two threads take turns
     * writing one int (in a line of its own), {@code chunks} blocks of {@code perChunk} round trips; the median
     * block's time per round trip (a block in which the OS took a thread away is slower, so on a loaded machine the
     * median is high and only the fast blocks say what the cores do).
     */
    static double pingPong(int chunks, int perChunk) {
        return pingPongTrips(chunks, perChunk)[chunks / 2];
    }

    /**
     * {@link #pingPong}'s blocks: nanoseconds per round trip of each block, sorted (also bench/PlacementProbe.java's
     * placement reading; its partner thread is "pair-probe-pong").
     */
    public static double[] pingPongTrips(int chunks, int perChunk) {
        AtomicIntegerArray line = new AtomicIntegerArray(48); // the int at 16 has a 64-byte line to itself
        int total = chunks * perChunk;
        Thread other = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                while (line.get(16) != 2 * i + 1) {
                    Thread.onSpinWait();
                }
                line.set(16, 2 * i + 2);
            }
        }, "pair-probe-pong");
        other.setDaemon(true);
        other.start();
        double[] perTrip = new double[chunks];
        int v = 0;
        for (int c = 0; c < chunks; c++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < perChunk; i++) {
                line.set(16, v + 1);
                while (line.get(16) != v + 2) {
                    Thread.onSpinWait();
                }
                v += 2;
            }
            perTrip[c] = (double) (System.nanoTime() - t0) / perChunk;
        }
        try {
            other.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("PairProbe interrupted", e);
        }
        java.util.Arrays.sort(perTrip);
        return perTrip;
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
