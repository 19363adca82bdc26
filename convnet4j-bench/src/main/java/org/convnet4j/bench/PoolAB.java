package org.convnet4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Random;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.ops.PoolType;
import org.convnet4j.ops.Pooling;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

/**
 * Paired A/B of one boolean switch on GoogLeNet's max pooling layers, {@code Pooling.forward} alone (inference: no
 * arg-max), on the calling thread's CPU time: blocks of calls alternate A (the switch as it is) and B (flipped), who
 * goes first alternates; prints per shape the median CPU microseconds per call of A and B and the median of the
 * paired ratios B/A (&gt; 1: the default is cheaper). Run with {@code -Dconvnet4j.threads=1} so a call's CPU time is
 * its own.
 *
 * <pre>java --add-modules jdk.incubator.vector -Dconvnet4j.threads=1 -cp benchmarks.jar org.convnet4j.bench.PoolAB \
 *     [rounds] [Class.field]</pre>
 * Default switch {@code org.convnet4j.ops.Pooling.paddedBorders}.
 */
public final class PoolAB {
    private PoolAB() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        String spec = args.length > 1 ? args[1] : "org.convnet4j.ops.Pooling.paddedBorders";
        KernelProvider.installJitDirectives();
        int dot = spec.lastIndexOf('.');
        Field flag = Class.forName(spec.substring(0, dot)).getDeclaredField(spec.substring(dot + 1));
        flag.setAccessible(true);
        boolean a = flag.getBoolean(null);
        PoolParams s1 = new PoolParams(PoolType.MAX, 3, 3, 1, 1, Padding.of(1), 0, false);
        PoolParams ceil3s2 = new PoolParams(PoolType.MAX, 3, 3, 2, 2, new Padding(0, 1, 0, 1), 0, false);
        PoolParams ceil2s2 = new PoolParams(PoolType.MAX, 2, 2, 2, 2, new Padding(0, 1, 0, 1), 0, false);
        Object[][] cases = {{"3x3/2 ceil 64x112x112", new int[] {1, 64, 112, 112}, ceil3s2},
            {"3x3/2 ceil 192x56x56", new int[] {1, 192, 56, 56}, ceil3s2},
            {"3x3/1 pad1 192x28x28", new int[] {1, 192, 28, 28}, s1},
            {"3x3/1 pad1 256x28x28", new int[] {1, 256, 28, 28}, s1},
            {"3x3/2 ceil 480x28x28", new int[] {1, 480, 28, 28}, ceil3s2},
            {"3x3/1 pad1 512x14x14", new int[] {1, 512, 14, 14}, s1},
            {"2x2/2 ceil 832x14x14", new int[] {1, 832, 14, 14}, ceil2s2},
            {"3x3/1 pad1 832x7x7", new int[] {1, 832, 7, 7}, s1}};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.printf("# PoolAB %s: A = %b, B = %b; %d rounds; load %s%n", spec, a, !a, rounds, load());
        for (Object[] c : cases) {
            Tensor x = Tensor.randn(new Random(1), 1f, (int[]) c[1]);
            PoolParams p = (PoolParams) c[2];
            Tensor y = Pooling.forward(x, p);
            int calls = Math.max(5, (int) (2_000_000L / x.size()));
            for (int warm = 0; warm < 30; warm++) { // both variants compiled before timing
                flag.setBoolean(null, warm % 2 == 0 ? a : !a);
                for (int i = 0; i < calls; i++) {
                    Pooling.forward(x, p, null, y);
                }
            }
            double[] ta = new double[rounds];
            double[] tb = new double[rounds];
            double[] ratio = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                for (int half = 0; half < 2; half++) {
                    boolean isA = (round + half) % 2 == 0;
                    flag.setBoolean(null, isA ? a : !a);
                    long cpu = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) {
                        Pooling.forward(x, p, null, y);
                    }
                    double us = (mx.getCurrentThreadCpuTime() - cpu) / 1e3 / calls;
                    if (isA) {
                        ta[round] = us;
                    } else {
                        tb[round] = us;
                    }
                }
                ratio[round] = tb[round] / ta[round];
            }
            flag.setBoolean(null, a);
            System.out.printf("%-24s CPU us/call A %9.1f  B %9.1f  paired B/A %.3f (rounds %.2f..%.2f)%n", c[0],
                    median(ta), median(tb), median(ratio), Arrays.stream(ratio).min().orElse(0),
                    Arrays.stream(ratio).max().orElse(0));
        }
        System.out.printf("# load %s%n", load());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String load() {
        return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
