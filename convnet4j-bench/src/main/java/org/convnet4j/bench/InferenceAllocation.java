package org.convnet4j.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.zoo.ModelZoo;

/**
 * Bytes allocated per {@code predict} call by all threads of the JVM, after warm-up calls: a count that does not
 * depend on the machine's load (unlike a JFR allocation profile, which on a busy machine is filled with the
 * Vector API's boxed vectors of kernels that C2 has not compiled yet). Compare the engine's inference buffers and
 * packed weights on and off:
 *
 * <pre>java --add-modules jdk.incubator.vector -XX:+UseParallelGC -Dconvnet4j.jit.directives=true \
 *     -Dconvnet4j.inference.buffers=false -Dconvnet4j.inference.packedWeights=false \
 *     -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.InferenceAllocation resnet50 1 6 3</pre>
 * Arguments: {@code MODEL BATCH WARMUP_CALLS CALLS} (a zoo name with 1000 classes).
 */
public final class InferenceAllocation {
    private InferenceAllocation() {
    }

    static long allocatedByAllThreads() {
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : t.getThreadAllocatedBytes(t.getAllThreadIds())) {
            sum += Math.max(0, b); // -1 for a thread that ended meanwhile
        }
        return sum;
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: InferenceAllocation MODEL BATCH WARMUP_CALLS CALLS");
            System.exit(2);
        }
        KernelProvider.installJitDirectives();
        Model net = ModelZoo.build(args[0], null, 1000);
        net.initialize(0);
        int batch = Integer.parseInt(args[1]);
        Tensor x = Tensor.randn(new Random(0), 1f, net.inputShapes().get(0).prepend(batch).dims());
        for (int i = 0; i < Integer.parseInt(args[2]); i++) {
            net.predict(x);
        }
        for (int i = 0; i < Integer.parseInt(args[3]); i++) {
            long before = allocatedByAllThreads();
            net.predict(x);
            System.out.printf(Locale.ROOT, "%s batch %d, call %d: %.1f MB allocated%n", args[0], batch, i,
                    (allocatedByAllThreads() - before) / 1e6);
        }
    }
}
