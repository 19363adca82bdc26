package org.convnet4j.bench;

import java.util.Locale;
import org.convnet4j.benchmark.Workloads;

/**
 * W3's training step (LeNet-5, batch 64, 50 random batches in turn, SGD momentum 0.9, cross-entropy,
 * {@code StepBuffers.step}) run for a given number of blocks, printing per block the wall time and the process CPU
 * time per step: a steady load to profile (JFR, {@code perf stat}) and to compare two jars on.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.LeNetSteps 20 200</pre>
 * Arguments: {@code [blocks] [stepsPerBlock]} (default 20 x 200, after 300 warm-up steps).
 */
public final class LeNetSteps {
    private LeNetSteps() {
    }

    public static void main(String[] args) {
        int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int batch = 64;
        Runnable step = Workloads.lenetTrainingStep();
        for (int s = 0; s < 300; s++) {
            step.run();
        }
        double[] wall = new double[blocks];
        double[] cpu = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            long c0 = FlagAB.cpuNanos();
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                step.run();
            }
            wall[b] = (System.nanoTime() - t0) / 1e6 / steps;
            cpu[b] = (FlagAB.cpuNanos() - c0) / 1e6 / steps;
            System.out.printf(Locale.ROOT, "block %2d  wall %.3f ms/step (%.0f img/s)  CPU %.3f ms/step%n", b, wall[b],
                    batch / wall[b] * 1e3, cpu[b]);
        }
        System.out.printf(Locale.ROOT, "median    wall %.3f ms/step (%.0f img/s)  CPU %.3f ms/step; load %s%n",
                FlagAB.median(wall), batch / FlagAB.median(wall) * 1e3, FlagAB.median(cpu), FlagAB.load());
    }
}
