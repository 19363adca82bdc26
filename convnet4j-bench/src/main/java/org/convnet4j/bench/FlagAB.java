package org.convnet4j.bench;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.zoo.ModelZoo;

/**
 * Paired A/B of engine switches on one model's inference ({@code predict}) in ONE JVM: A runs with the named
 * boolean fields as they are (the defaults), B with each of them flipped (set by reflection). Blocks of calls
 * alternate between A and B (which goes first alternates too), so both are compiled and both meet the same machine
 * load; prints each round, the medians of images/s and the median of the paired ratios A/B (> 1: the defaults are
 * faster), and the same for the process's CPU time per image (B/A > 1: the defaults use less; steadier than
 * wall-clock time on a shared machine, but it counts the pool's spinning too). The model is a zoo name or a saved {@code .c4j} file (an ONNX import: {@code convnet4j import net.onnx
 * -o net.c4j}); the switches are {@code Class.field} names, e.g. {@code org.convnet4j.ops.DepthwiseConvolution.enabled}.
 *
 * <pre>java --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -cp convnet4j-bench/target/benchmarks.jar \
 *     org.convnet4j.bench.FlagAB efficientnet_b0.c4j 1 15 5 org.convnet4j.ops.DepthwiseConvolution.enabled</pre>
 * Arguments: {@code MODEL BATCH ROUNDS CALLS_PER_BLOCK FIELD...}.
 */
public final class FlagAB {
    private FlagAB() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: FlagAB MODEL BATCH ROUNDS CALLS_PER_BLOCK Class.field ...");
            System.exit(2);
        }
        KernelProvider.installJitDirectives();
        String name = args[0];
        int batch = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int calls = Integer.parseInt(args[3]);
        List<Field> fields = new ArrayList<>();
        List<Boolean> defaults = new ArrayList<>();
        for (String spec : Arrays.asList(args).subList(4, args.length)) {
            int dot = spec.lastIndexOf('.');
            Field f = Class.forName(spec.substring(0, dot)).getDeclaredField(spec.substring(dot + 1));
            f.setAccessible(true);
            fields.add(f);
            defaults.add(f.getBoolean(null));
        }
        Model net;
        if (name.endsWith(".c4j")) {
            net = ModelFiles.load(java.nio.file.Path.of(name));
        } else {
            net = ModelZoo.build(name, null, 1000);
            net.initialize(0);
        }
        Tensor x = Tensor.randn(new Random(0), 1f, net.inputShapes().get(0).prepend(batch).dims());
        for (int warm = 0; warm < 4; warm++) { // both variants compiled
            set(fields, defaults, warm % 2 == 1);
            for (int s = 0; s < 3; s++) {
                net.predict(x);
            }
        }
        double[] a = new double[rounds];
        double[] b = new double[rounds];
        double[] ratio = new double[rounds];
        double[] cpuA = new double[rounds];
        double[] cpuB = new double[rounds];
        double[] cpuRatio = new double[rounds];
        System.out.printf(Locale.ROOT, "# %s batch %d; B flips %s; load %s%n", name, batch,
                String.join(" ", Arrays.asList(args).subList(4, args.length)), load());
        for (int r = 0; r < rounds; r++) {
            for (int m = 0; m < 2; m++) {
                boolean flipped = (r + m) % 2 == 1;
                set(fields, defaults, flipped);
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                for (int s = 0; s < calls; s++) {
                    net.predict(x);
                }
                double ips = (double) batch * calls / ((System.nanoTime() - t0) / 1e9);
                (flipped ? b : a)[r] = ips;
                (flipped ? cpuB : cpuA)[r] = (cpuNanos() - c0) / 1e6 / (batch * calls);
            }
            ratio[r] = a[r] / b[r];
            cpuRatio[r] = cpuB[r] / cpuA[r];
            System.out.printf(Locale.ROOT, "round %2d  A %7.2f img/s  B %7.2f img/s  A/B %.3f   CPU ms/img A %7.2f"
                    + "  B %7.2f  B/A %.3f%n", r, a[r], b[r], ratio[r], cpuA[r], cpuB[r], cpuRatio[r]);
        }
        set(fields, defaults, false);
        System.out.printf(Locale.ROOT, "median    A %7.2f img/s  B %7.2f img/s  paired A/B %.3f (rounds %.2f..%.2f);"
                + " load %s%n", median(a), median(b), median(ratio), Arrays.stream(ratio).min().orElse(0),
                Arrays.stream(ratio).max().orElse(0), load());
        System.out.printf(Locale.ROOT, "median    CPU ms/img A %7.2f  B %7.2f  paired B/A %.3f (rounds %.2f..%.2f)"
                + " (process CPU time, pool spinning included)%n", median(cpuA), median(cpuB), median(cpuRatio),
                Arrays.stream(cpuRatio).min().orElse(0), Arrays.stream(cpuRatio).max().orElse(0));
    }

    private static void set(List<Field> fields, List<Boolean> defaults, boolean flipped) throws IllegalAccessException {
        for (int i = 0; i < fields.size(); i++) {
            fields.get(i).setBoolean(null, defaults.get(i) ^ flipped);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
