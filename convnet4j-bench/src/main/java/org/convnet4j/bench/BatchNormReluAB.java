package org.convnet4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A/B of batch norm taking the following ReLU's mask in its backward ({@code BatchNorm.reluMask}, the default)
 * against the ReLU's own backward pass followed by batch norm's, on one batch norm + ReLU pair in training
 * ({@code StepBuffers.step} with the memory plan), in ONE JVM. Blocks alternate; the figure is this thread's CPU time
 * of the backward passes (run with {@code -Dconvnet4j.threads=1} so all the work is on it), and the result the median
 * over the later rounds of the ratio two passes / masked (> 1: the masked pass is cheaper).
 * Arguments: {@code BATCH CHANNELS SIZE [ROUNDS]}; ResNet-50 at batch 8: 64 x 112, 64/256 x 56, 128/512 x 28, ...
 *
 * <pre>java --add-modules jdk.incubator.vector -Dconvnet4j.threads=1 -cp convnet4j-bench/target/benchmarks.jar \
 *     org.convnet4j.bench.BatchNormReluAB 8 256 56</pre>
 */
public final class BatchNormReluAB {
    private BatchNormReluAB() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int c = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        Field mask = Class.forName("org.convnet4j.nn.layers.BatchNorm").getDeclaredField("reluMask");
        mask.setAccessible(true);
        Sequential pair = new Sequential(Shape.of(c, size, size), new BatchNorm2d(), new ReLU());
        pair.initialize(0);
        Random random = new Random(1);
        Tensor x = Tensor.randn(random, 1f, n, c, size, size);
        Tensor dy = Tensor.randn(random, 1f, n, c, size, size);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] cpu = new long[2];
        double[] ratios = new double[rounds];
        double sink = 0;
        for (int round = 0; round < rounds; round++) {
            Arrays.fill(cpu, 0);
            for (int block = 0; block < 6; block++) {
                for (int v = 0; v < 2; v++) {
                    int variant = (block & 1) == 0 ? v : 1 - v; // which goes first alternates
                    mask.setBoolean(null, variant == 0);
                    for (int it = 0; it < 5; it++) {
                        Tensor[] in = new Tensor[1];
                        long[] spent = new long[1];
                        StepBuffers.step(() -> {
                            Tensor xc = x.copy(); // the memory plan writes x-hat over the input
                            pair.forward(xc, true);
                            Tensor g = dy.copy();
                            long c0 = mx.getCurrentThreadCpuTime();
                            in[0] = pair.backwardAll(g).get(0);
                            spent[0] = mx.getCurrentThreadCpuTime() - c0;
                        });
                        cpu[variant] += spent[0];
                        sink += in[0].data()[7];
                    }
                }
            }
            ratios[round] = (double) cpu[1] / cpu[0];
            System.out.printf(Locale.ROOT, "round %d: masked %.3f ns/value, two passes %.3f ns/value, ratio %.2f%n",
                    round, cpu[0] / 30.0 / x.size(), cpu[1] / 30.0 / x.size(), ratios[round]);
        }
        mask.setBoolean(null, true);
        double[] later = Arrays.copyOfRange(ratios, rounds / 3, rounds);
        Arrays.sort(later);
        double median = later.length % 2 == 1 ? later[later.length / 2]
                : (later[later.length / 2 - 1] + later[later.length / 2]) / 2;
        System.out.printf(Locale.ROOT, "median two passes / masked over rounds %d-%d: %.2f (checksum %s); load %s%n",
                rounds / 3, rounds - 1, median, Double.isFinite(sink), FlagAB.load());
    }
}
