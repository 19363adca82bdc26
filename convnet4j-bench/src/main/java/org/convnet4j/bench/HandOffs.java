package org.convnet4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;

/**
 * Counts thread hand-offs ({@link KernelProvider#handOffs()}: parallel calls that fed the kernels' worker threads)
 * of a small network: per training step (W3's step: {@code StepBuffers.step}, forward, cross-entropy,
 * {@code backwardParameters}, SGD momentum 0.9) and per batch-1 inference ({@code predict}), then per layer of a
 * {@link Sequential} model (forward and backward walked layer by layer, as {@link LayerProfile} does). A count, not
 * a time: it does not depend on the machine's load. Arguments: {@code [MODEL] [BATCH]} (default lenet5 64).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.HandOffs lenet5 64</pre>
 */
public final class HandOffs {
    private HandOffs() {
    }

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "lenet5";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Model net = ModelZoo.build(name, null, 10);
        net.initialize(0);
        Random random = new Random(0);
        Tensor x = Tensor.randn(random, 1f, net.inputShapes().get(0).prepend(batch).dims());
        Tensor one = Tensor.randn(random, 1f, net.inputShapes().get(0).prepend(1).dims());
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(10);
        }
        Sgd opt = new Sgd(net, 0.01).momentum(0.9);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        Runnable step = () -> StepBuffers.step(() -> {
            opt.zeroGrad();
            Tensor out = net.forward(x, true);
            net.backwardParameters(loss.compute(out, labels).gradient());
            opt.step();
        });
        for (int i = 0; i < 50; i++) { // steady state: buffers grown, code compiled
            step.run();
            net.predict(one);
        }
        int reps = 20;
        long h0 = KernelProvider.handOffs();
        for (int i = 0; i < reps; i++) {
            step.run();
        }
        long h1 = KernelProvider.handOffs();
        for (int i = 0; i < reps; i++) {
            net.predict(one);
        }
        long h2 = KernelProvider.handOffs();
        System.out.printf(Locale.ROOT, "# %s, %d threads: %.1f hand-offs per training step (batch %d), %.1f per "
                + "batch-1 predict%n", name, KernelProvider.get().threads(), (h1 - h0) / (double) reps, batch,
                (h2 - h1) / (double) reps);
        if (net instanceof Sequential s) {
            perLayer(s, x, labels, loss);
            perLayerPredict(s, one);
        }
    }

    /** Hand-offs of each layer's forward and backward in a training step, the layers walked one by one. */
    private static void perLayer(Sequential s, Tensor x, int[] labels, SoftmaxCrossEntropy loss) {
        Map<String, long[]> rows = new LinkedHashMap<>();
        StepBuffers.step(() -> {
            List<Tensor> acts = new ArrayList<>();
            Tensor h = x;
            for (Layer l : s.layers()) {
                acts.add(h);
                long c0 = KernelProvider.handOffs();
                h = l.forward(List.of(h), true);
                rows.computeIfAbsent(key(l), k -> new long[2])[0] += KernelProvider.handOffs() - c0;
            }
            Tensor g = loss.compute(h, labels).gradient();
            for (int i = s.layers().size() - 1; i >= 0; i--) {
                Layer l = s.layers().get(i);
                long c0 = KernelProvider.handOffs();
                g = l.backwardAll(g).get(0);
                rows.get(key(l))[1] += KernelProvider.handOffs() - c0;
            }
        });
        System.out.println("# training step, layer by layer: forward backward layer");
        rows.forEach((k, v) -> System.out.printf(Locale.ROOT, "%4d %4d  %s%n", v[0], v[1], k));
    }

    private static void perLayerPredict(Sequential s, Tensor one) {
        System.out.println("# batch-1 inference, layer by layer (no gradients)");
        GradMode.withoutGradients(() -> {
            Tensor h = one;
            for (Layer l : s.layers()) {
                long c0 = KernelProvider.handOffs();
                h = l.forward(List.of(h), false);
                System.out.printf(Locale.ROOT, "%4d  %s%n", KernelProvider.handOffs() - c0, key(l));
            }
            return h;
        });
    }

    private static String key(Layer l) {
        return l.name() + " " + l.type();
    }
}
