package org.convnet4j.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;

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
        int batch = 8;
        Model net = ModelZoo.build("resnet50", null, 1000);
        net.initialize(0);
        Sgd opt = new Sgd(net, 0.01).momentum(0.9);
        Loss loss = new SoftmaxCrossEntropy();
        Random random = new Random(0);
        Tensor x = Tensor.randn(random, 1f, batch, 3, 224, 224);
        int[] labels = new int[batch];
        for (int j = 0; j < batch; j++) {
            labels[j] = random.nextInt(1000);
        }
        double[] seconds = new double[steps];
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            StepBuffers.step(plan ? StepBuffers.MemoryPlan.ON : StepBuffers.MemoryPlan.OFF, () -> {
                opt.zeroGrad();
                Tensor out = net.forward(x, true);
                net.backwardParameters(loss.compute(out, labels).gradient());
                opt.step();
            });
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
        if (net.parameterCount() < 0 || opt.hashCode() == labels.length || loss.hashCode() == 0) {
            System.out.println(x.size());
        }
    }
}
