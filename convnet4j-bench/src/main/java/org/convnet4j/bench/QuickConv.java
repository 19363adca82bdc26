package org.convnet4j.bench;

import java.util.Arrays;
import java.util.Random;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.Convolution;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.internal.FmaPeakProbe;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.LeNet5;

/**
 * A quick convolution throughput check, without JMH. Prints, tab-separated and named like the reference
 * scripts in shared/bench:
 *
 * <ul>
 *   <li>the FMA peak of all threads measured right now ({@link FmaPeakProbe}), for context on a shared machine;</li>
 *   <li>W2: conv 3x3, N=8, C=64, 56x56 -> 64 filters, stride 1, pad 1 — forward, backward-data and
 *       backward-weights, in GFLOPS with FLOPs = 2*N*OH*OW*F*C*9 for each;</li>
 *   <li>W3: one LeNet-5 training step (forward, softmax cross-entropy, backward, SGD with momentum) on a
 *       batch of 64 random 28x28 images, in images/s.</li>
 * </ul>
 *
 * Each figure is the median of several timed repetitions after a warm-up.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.QuickConv</pre>
 */
public final class QuickConv {
    private static final int REPETITIONS = 7;
    private static final double MIN_REPETITION_SECONDS = 0.3;
    private static final double WARMUP_SECONDS = 2.0;

    private QuickConv() {
    }

    public static void main(String[] args) {
        int threads = Integer.getInteger("convnet4j.threads", Runtime.getRuntime().availableProcessors());
        System.out.printf("# kernels %s, %d threads, %s %s%n", KernelProvider.get().name(), threads,
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        System.out.printf("W0_FMA_peak_convnet4j_t%d\t%.2f\tregister-only FMA chains now%n",
                threads, FmaPeakProbe.gflops(threads, 1.0));

        Random random = new Random(7);
        int n = 8;
        int c = 64;
        int f = 64;
        int hw = 56;
        Tensor x = Tensor.randn(random, 1f, n, c, hw, hw);
        Tensor w = Tensor.randn(random, 0.05f, f, c, 3, 3);
        Tensor b = Tensor.randn(random, 0.1f, f);
        ConvParams p = ConvParams.of(1, 1);
        Tensor dy = Tensor.randn(random, 1f, n, f, hw, hw);
        Tensor dw = Tensor.zeros(f, c, 3, 3);
        Tensor db = Tensor.zeros(f);
        double flops = 2.0 * n * hw * hw * f * c * 9;
        // The same multiply-adds as one plain SGEMM per sample (64 x 3136 x 576), already laid out: the ceiling
        // the convolution's im2col and tiling overheads are measured against.
        float[] cols = new float[c * 9 * hw * hw];
        float[] product = new float[f * hw * hw];
        for (int i = 0; i < cols.length; i++) {
            cols[i] = (float) random.nextGaussian();
        }
        report("W2_equivalent_sgemm_convnet4j", flops / 1e9, "GFLOPS", () -> {
            for (int s = 0; s < n; s++) {
                KernelProvider.get().sgemm(false, false, f, hw * hw, c * 9, 1f, w.data(), 0, c * 9, cols, 0,
                        hw * hw, 0f, product, 0, hw * hw);
            }
        });
        report("W2_conv3x3_forward_convnet4j", flops / 1e9, "GFLOPS",
                () -> Convolution.forward(x, w, b, p));
        report("W2_conv3x3_backward_data_convnet4j", flops / 1e9, "GFLOPS",
                () -> Convolution.backwardInput(dy, w, x.shape(), p));
        report("W2_conv3x3_backward_weights_convnet4j", flops / 1e9, "GFLOPS",
                () -> Convolution.backwardWeights(x, dy, dw, db, p));

        int batch = 64;
        Sequential model = LeNet5.build();
        model.initialize(1);
        Sgd sgd = new Sgd(model, 0.01).momentum(0.9);
        Loss loss = new SoftmaxCrossEntropy();
        Tensor images = Tensor.randn(random, 1f, batch, 1, 28, 28);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(10);
        }
        report("W3_LeNet5_train_b64_convnet4j", batch, "images/s", () -> StepBuffers.step(() -> {
            sgd.zeroGrad();
            Tensor out = model.forward(images, true);
            Loss.LossValue v = loss.compute(out, labels);
            model.backwardAll(v.gradient());
            sgd.step();
        }));
    }

    /** Prints {@code work / seconds per call}: the median over repetitions, with the range. */
    static void report(String name, double workPerCall, String unit, Runnable call) {
        long start = System.nanoTime();
        int warmupCalls = 0;
        while (warmupCalls < 3 || System.nanoTime() - start < WARMUP_SECONDS * 1e9) {
            call.run();
            warmupCalls++;
        }
        double perCall = (System.nanoTime() - start) / 1e9 / warmupCalls;
        int callsPerRepetition = Math.max(1, (int) Math.ceil(MIN_REPETITION_SECONDS / perCall));
        double[] rates = new double[REPETITIONS];
        for (int r = 0; r < REPETITIONS; r++) {
            long t = System.nanoTime();
            for (int i = 0; i < callsPerRepetition; i++) {
                call.run();
            }
            double seconds = (System.nanoTime() - t) / 1e9 / callsPerRepetition;
            rates[r] = workPerCall / seconds;
        }
        Arrays.sort(rates);
        System.out.printf("%s\t%.2f\tmedian of %d, range %.1f..%.1f %s%n", name, rates[REPETITIONS / 2],
                REPETITIONS, rates[0], rates[REPETITIONS - 1], unit);
    }
}
