package org.convnet4j.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.convnet4j.benchmark.Workloads;
import org.convnet4j.nn.StepBuffers;

/**
 * The W6 step (ResNet-50, batch 8, 224x224, SGD momentum 0.9, {@code StepBuffers.step}, forward, loss,
 * {@code backwardParameters}, update) with the memory plan on or off: runs {@code steps} steps, then a full
 * collection, and prints the heap still in use (the live set: model, optimiser state, every buffer a step keeps)
 * and the median step time. One mode per JVM (the gradient pool stays with the thread), so run it twice:
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.W6Memory on 6
 * java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.W6Memory off 6</pre>
 */
public final class W6Memory {
    private W6Memory() {
    }

    public static void main(String[] args) {
        boolean plan = args.length == 0 || args[0].equals("on");
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        Workloads.ResNet50Training w6 = new Workloads.ResNet50Training(); // the W6 setup of convnet4j bench
        int batch = Workloads.ResNet50Training.BATCH;
        StepBuffers.MemoryPlan memoryPlan = plan ? StepBuffers.MemoryPlan.ON : StepBuffers.MemoryPlan.OFF;
        double[] seconds = new double[steps];
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            w6.step(memoryPlan);
            seconds[s] = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "step %d  %.2f s%n", s, seconds[s]);
        }
        System.gc();
        System.gc();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        java.util.Arrays.sort(seconds, 1, steps); // the first step (compilation, first buffers) left out
        double median = seconds[1 + (steps - 1) / 2];
        System.out.printf(Locale.ROOT, "plan %s: live heap after full GC %.0f MB; median step %.2f s (%.2f img/s)"
                + " over steps 2..%d%n", plan ? "on" : "off", used / 1048576.0, median, batch / median, steps);
        // keep everything reachable until the measurement is taken
        if (w6.model().parameterCount() < 0) {
            System.out.println(w6);
        }
    }
}
