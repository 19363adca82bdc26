package org.convnet4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * A/B of batch-norm backward's two sums per plane: {@link Kernels#sumAndDotWide} (one pass, the default) against
 * {@link Kernels#sumWide} + {@link Kernels#dotWide} (two passes), on the vector kernels, one thread, in ONE JVM.
 * Blocks alternate; the figure is the CPU time of this thread (steady on a shared machine), and the result is the
 * median over the later rounds of the ratio two-pass / one-pass (> 1: the one pass is cheaper).
 * Arguments: {@code PLANE_SIZE PLANES [ROUNDS]}; ResNet-50 at batch 8 has planes of 3136, 784, 196 and 49 values.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar \
 *     org.convnet4j.bench.BatchNormSumsAB 3136 256</pre>
 */
public final class BatchNormSumsAB {
    private BatchNormSumsAB() {
    }

    public static void main(String[] args) {
        int s = Integer.parseInt(args[0]);
        int planes = Integer.parseInt(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        Kernels k = KernelProvider.vector(1);
        float[] dy = new float[s * planes];
        float[] h = new float[s * planes];
        Random random = new Random(1);
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) random.nextGaussian();
            h[i] = (float) random.nextGaussian();
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] out = new double[2];
        double sink = 0;
        double[] ratios = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            long[] cpu = new long[2];
            for (int block = 0; block < 10; block++) {
                for (int v = 0; v < 2; v++) {
                    int variant = (block & 1) == 0 ? v : 1 - v; // which goes first alternates
                    long c0 = mx.getCurrentThreadCpuTime();
                    for (int it = 0; it < 20; it++) {
                        for (int p = 0; p < planes; p++) {
                            if (variant == 0) {
                                k.sumAndDotWide(s, dy, p * s, h, p * s, out);
                                sink += out[0] + out[1];
                            } else {
                                sink += k.sumWide(s, dy, p * s) + k.dotWide(s, dy, p * s, h, p * s);
                            }
                        }
                    }
                    cpu[variant] += mx.getCurrentThreadCpuTime() - c0;
                }
            }
            ratios[round] = (double) cpu[1] / cpu[0];
            System.out.printf(Locale.ROOT, "round %d: one pass %.3f ns/value, two passes %.3f ns/value, ratio %.2f%n",
                    round, cpu[0] / 200.0 / dy.length, cpu[1] / 200.0 / dy.length, ratios[round]);
        }
        double[] later = Arrays.copyOfRange(ratios, rounds / 3, rounds);
        Arrays.sort(later);
        double median = later.length % 2 == 1 ? later[later.length / 2]
                : (later[later.length / 2 - 1] + later[later.length / 2]) / 2;
        System.out.printf(Locale.ROOT, "median two passes / one pass over rounds %d-%d: %.2f (checksum %s)%n",
                rounds / 3, rounds - 1, median, Double.isFinite(sink));
    }
}
