package org.convnet4j.bench;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.LeNet5;

/**
 * A/B of the direct small-convolution path on the W3 step (LeNet-5, batch 64, SGD momentum 0.9, the benchmark's
 * step: {@code StepBuffers.step}, forward, loss, {@code backwardParameters}, update) in ONE JVM: blocks of steps
 * alternate between the direct path and the GEMM path ({@code DirectConvolution.enabled}, flipped by reflection),
 * so both are compiled and both meet the same machine load. Prints each round and the medians of img/s and of the
 * paired ratio. Arguments: {@code [rounds] [stepsPerBlock]} (default 15 x 40).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.LeNetAB 15 40</pre>
 */
public final class LeNetAB {
    private LeNetAB() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        Field enabled = Class.forName("org.convnet4j.ops.DirectConvolution").getDeclaredField("enabled");
        enabled.setAccessible(true);
        int batch = 64;
        Model net = LeNet5.build();
        net.initialize(0);
        Sgd opt = new Sgd(net, 0.01).momentum(0.9);
        Loss loss = new SoftmaxCrossEntropy();
        Random random = new Random(0);
        Tensor x = Tensor.randn(random, 1f, batch, 1, 28, 28);
        int[] labels = new int[batch];
        for (int j = 0; j < batch; j++) {
            labels[j] = random.nextInt(10);
        }
        Runnable step = () -> StepBuffers.step(() -> {
            opt.zeroGrad();
            Tensor out = net.forward(x, true);
            net.backwardParameters(loss.compute(out, labels).gradient());
            opt.step();
        });
        for (boolean mode : new boolean[] {true, false, true, false}) { // warm-up: both paths compiled
            enabled.setBoolean(null, mode);
            for (int s = 0; s < 100; s++) {
                step.run();
            }
        }
        double[] direct = new double[rounds];
        double[] gemm = new double[rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int m = 0; m < 2; m++) {
                boolean on = (r + m) % 2 == 0; // alternate which goes first
                enabled.setBoolean(null, on);
                long t0 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    step.run();
                }
                double ips = (double) batch * steps / ((System.nanoTime() - t0) / 1e9);
                (on ? direct : gemm)[r] = ips;
            }
            ratio[r] = direct[r] / gemm[r];
            System.out.printf(Locale.ROOT, "round %2d  direct %8.0f img/s  gemm %8.0f img/s  ratio %.2f%n", r,
                    direct[r], gemm[r], ratio[r]);
        }
        System.out.printf(Locale.ROOT, "median    direct %8.0f img/s  gemm %8.0f img/s  paired ratio %.2f%n",
                median(direct), median(gemm), median(ratio));
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
