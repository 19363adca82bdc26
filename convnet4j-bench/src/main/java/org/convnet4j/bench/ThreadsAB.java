package org.convnet4j.bench;

import java.util.Locale;
import java.util.Random;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.zoo.ModelZoo;

/**
 * One model's inference ({@code predict}) on all the kernels' threads against one thread, in ONE JVM: blocks of
 * calls alternate between the two (one thread = {@link KernelProvider#limitThreadsOnThisThread} 1, which goes first
 * alternates too), so both meet the same machine load. Prints per round the wall time, the process's CPU time (pool
 * spinning included) and the hand-offs per call, then the medians and the paired ratios: wall one/all (the speed-up
 * the second thread gives) and CPU all/one (what it costs). Arguments: {@code MODEL BATCH ROUNDS CALLS_PER_BLOCK}.
 *
 * <pre>java --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -cp convnet4j-bench/target/benchmarks.jar \
 *     org.convnet4j.bench.ThreadsAB googlenet 1 12 5</pre>
 */
public final class ThreadsAB {
    private ThreadsAB() {
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: ThreadsAB MODEL BATCH ROUNDS CALLS_PER_BLOCK");
            System.exit(2);
        }
        KernelProvider.installJitDirectives();
        String name = args[0];
        int batch = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int calls = Integer.parseInt(args[3]);
        Model net = ModelZoo.build(name, null, name.startsWith("lenet") ? 10 : 1000);
        net.initialize(0);
        Tensor x = Tensor.randn(new Random(0), 1f, net.inputShapes().get(0).prepend(batch).dims());
        for (int warm = 0; warm < 6; warm++) {
            KernelProvider.limitThreadsOnThisThread(warm % 2);
            for (int s = 0; s < 3; s++) {
                net.predict(x);
            }
        }
        double[][] wall = new double[2][rounds];
        double[][] cpu = new double[2][rounds];
        double[][] hand = new double[2][rounds];
        double[] speedUp = new double[rounds];
        double[] cost = new double[rounds];
        System.out.printf(Locale.ROOT, "# %s batch %d: all threads (A) against one (B); load %s%n", name, batch,
                FlagAB.load());
        for (int r = 0; r < rounds; r++) {
            for (int m = 0; m < 2; m++) {
                int v = (r + m) % 2; // 0: all threads, 1: one
                KernelProvider.limitThreadsOnThisThread(v == 0 ? 0 : 1);
                long h0 = KernelProvider.handOffs();
                long c0 = FlagAB.cpuNanos();
                long t0 = System.nanoTime();
                for (int s = 0; s < calls; s++) {
                    net.predict(x);
                }
                wall[v][r] = (System.nanoTime() - t0) / 1e6 / calls;
                cpu[v][r] = (FlagAB.cpuNanos() - c0) / 1e6 / calls;
                hand[v][r] = (double) (KernelProvider.handOffs() - h0) / calls;
            }
            speedUp[r] = wall[1][r] / wall[0][r];
            cost[r] = cpu[0][r] / cpu[1][r];
            System.out.printf(Locale.ROOT, "round %2d  wall ms A %8.2f B %8.2f B/A %.3f   CPU ms A %8.2f B %8.2f A/B %.3f"
                    + "   hand-offs A %.1f B %.1f%n", r, wall[0][r], wall[1][r], speedUp[r], cpu[0][r], cpu[1][r],
                    cost[r], hand[0][r], hand[1][r]);
        }
        KernelProvider.limitThreadsOnThisThread(0);
        System.out.printf(Locale.ROOT, "median    wall ms A %8.2f B %8.2f paired B/A %.3f   CPU ms A %8.2f B %8.2f"
                + " paired A/B %.3f   hand-offs per call A %.1f; load %s%n", FlagAB.median(wall[0]),
                FlagAB.median(wall[1]), FlagAB.median(speedUp), FlagAB.median(cpu[0]), FlagAB.median(cpu[1]),
                FlagAB.median(cost), FlagAB.median(hand[0]), FlagAB.load());
    }
}
