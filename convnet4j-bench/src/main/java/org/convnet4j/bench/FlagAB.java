package org.convnet4j.bench;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
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
 * Arguments: {@code MODEL BATCH ROUNDS CALLS_PER_BLOCK FIELD...}; {@code BATCH} written {@code train8} times W6's
 * training step at batch 8 instead ({@code StepBuffers.step}, forward, cross-entropy, backward, SGD momentum 0.9).
 * {@code -Dconvnet4j.ab.gate=N} runs each round only once at most N threads are running on the machine.
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
        // "train8": W6's training step at batch 8 (StepBuffers.step, SGD momentum 0.9, cross-entropy) instead of predict
        boolean train = args[1].startsWith("train");
        int batch = Integer.parseInt(train ? args[1].substring(5) : args[1]);
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
            net = ModelZoo.build(name, null, name.startsWith("lenet") ? 10 : 1000); // W3: 10 classes
            net.initialize(0);
        }
        Random random = new Random(0);
        Tensor x = Tensor.randn(random, 1f, net.inputShapes().get(0).prepend(batch).dims());
        Runnable call;
        if (train) {
            Sgd opt = new Sgd(net, 0.01).momentum(0.9);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = random.nextInt(net.outputShape().dim(0));
            }
            call = () -> StepBuffers.step(() -> {
                opt.zeroGrad();
                Tensor out = net.forward(x, true);
                net.backwardParameters(loss.compute(out, labels).gradient());
                opt.step();
            });
        } else {
            call = () -> net.predict(x);
        }
        for (int warm = 0; warm < 4; warm++) { // both variants compiled
            set(fields, defaults, warm % 2 == 1);
            for (int s = 0; s < 3; s++) {
                call.run();
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
            String gated = awaitQuiet();
            for (int m = 0; m < 2; m++) {
                boolean flipped = (r + m) % 2 == 1;
                set(fields, defaults, flipped);
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                for (int s = 0; s < calls; s++) {
                    call.run();
                }
                double ips = (double) batch * calls / ((System.nanoTime() - t0) / 1e9);
                (flipped ? b : a)[r] = ips;
                (flipped ? cpuB : cpuA)[r] = (cpuNanos() - c0) / 1e6 / (batch * calls);
            }
            ratio[r] = a[r] / b[r];
            cpuRatio[r] = cpuB[r] / cpuA[r];
            System.out.printf(Locale.ROOT, "round %2d  A %7.2f img/s  B %7.2f img/s  A/B %.3f   CPU ms/img A %8.4f"
                    + "  B %8.4f  B/A %.3f%s%n", r, a[r], b[r], ratio[r], cpuA[r], cpuB[r], cpuRatio[r], gated);
        }
        set(fields, defaults, false);
        System.out.printf(Locale.ROOT, "median    A %7.2f img/s  B %7.2f img/s  paired A/B %.3f (rounds %.2f..%.2f);"
                + " load %s%n", median(a), median(b), median(ratio), Arrays.stream(ratio).min().orElse(0),
                Arrays.stream(ratio).max().orElse(0), load());
        System.out.printf(Locale.ROOT, "median    CPU ms/img A %8.4f  B %8.4f  paired B/A %.3f (rounds %.2f..%.2f)"
                + " (process CPU time, pool spinning included)%n", median(cpuA), median(cpuB), median(cpuRatio),
                Arrays.stream(cpuRatio).min().orElse(0), Arrays.stream(cpuRatio).max().orElse(0));
    }

    /**
     * {@code -Dconvnet4j.ab.gate=N}: each round waits until the machine's running threads ({@code procs_running} of
     * /proc/stat, this JVM's included) have been at most N in five readings 20 ms apart, so that on a shared machine
     * rounds run in its quiet moments (the wall-clock A/B of a change to how threads share work means nothing while
     * dozens of other threads compete for two cores). Returns what the round waited for, for its line.
     */
    private static String awaitQuiet() throws InterruptedException {
        int gate = Integer.getInteger("convnet4j.ab.gate", 0);
        if (gate <= 0) {
            return "";
        }
        long t0 = System.nanoTime();
        int quiet = 0;
        while (quiet < 5) {
            quiet = running() <= gate ? quiet + 1 : 0;
            Thread.sleep(20);
        }
        return String.format(Locale.ROOT, "  (waited %.1f s for <= %d running)", (System.nanoTime() - t0) / 1e9, gate);
    }

    /** procs_running from /proc/stat, or 0 where there is none. */
    static int running() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat"))) {
                if (line.startsWith("procs_running ")) {
                    return Integer.parseInt(line.substring(14).trim());
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static void set(List<Field> fields, List<Boolean> defaults, boolean flipped) throws IllegalAccessException {
        for (int i = 0; i < fields.size(); i++) {
            fields.get(i).setBoolean(null, defaults.get(i) ^ flipped);
        }
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
