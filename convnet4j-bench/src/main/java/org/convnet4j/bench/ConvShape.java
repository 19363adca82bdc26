package org.convnet4j.bench;

import java.util.Random;
import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.Convolution;
import org.convnet4j.tensor.Tensor;

/**
 * Forward and backward GFLOPS of one convolution shape, to look at a layer a model profile
 * ({@link LayerProfile}) flags. Arguments: {@code N C H W F K stride pad [passes]} with passes a subset of
 * {@code fdw} (forward, backward data, backward weights; default all).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar \
 *     org.convnet4j.bench.ConvShape 8 64 56 56 256 1 1 0</pre>
 */
public final class ConvShape {
    private ConvShape() {
    }

    public static void main(String[] args) {
        int[] a = new int[8];
        for (int i = 0; i < 8; i++) {
            a[i] = Integer.parseInt(args[i]);
        }
        String passes = args.length > 8 ? args[8] : "fdw";
        int n = a[0], c = a[1], h = a[2], w = a[3], f = a[4], k = a[5], stride = a[6], pad = a[7];
        Random random = new Random(3);
        Tensor x = Tensor.randn(random, 1f, n, c, h, w);
        Tensor wt = Tensor.randn(random, 0.05f, f, c, k, k);
        ConvParams p = ConvParams.of(stride, pad);
        var ys = Convolution.outputShape(x.shape(), wt.shape(), p);
        Tensor dy = Tensor.randn(random, 1f, ys.dims());
        Tensor dw = Tensor.zeros(wt.shape().dims());
        double gflop = 2.0 * ys.size() * c * k * k / 1e9;
        String name = "conv" + k + "x" + k + "s" + stride + "_" + n + "x" + c + "x" + h + "x" + w + "->" + f;
        if (passes.contains("f")) {
            QuickConv.report(name + "_forward", gflop, "GFLOPS", () -> Convolution.forward(x, wt, null, p));
        }
        if (passes.contains("d")) {
            QuickConv.report(name + "_backward_data", gflop, "GFLOPS",
                    () -> Convolution.backwardInput(dy, wt, x.shape(), p));
        }
        if (passes.contains("w")) {
            QuickConv.report(name + "_backward_weights", gflop, "GFLOPS",
                    () -> Convolution.backwardWeights(x, dy, dw, null, p));
        }
    }
}
