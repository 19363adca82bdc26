package org.convnet4j.zoo;

import org.convnet4j.nn.Graph;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.GlobalMaxPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;

/**
 * Inception v3 (Szegedy et al. 2015) as Keras' {@code applications.InceptionV3} writes it (no auxiliary head):
 *
 * <pre>
 *   stem    conv 32 3x3/2 valid, conv 32 3x3 valid, conv 64 3x3, maxpool 3/2,
 *           conv 80 1x1, conv 192 3x3 valid, maxpool 3/2                          -> 192x35x35
 *   mixed0-2   (A) 1x1 64 | 1x1 48, 5x5 64 | 1x1 64, 3x3 96, 3x3 96 | avgpool, 1x1 32/64/64  -> 256/288/288x35x35
 *   mixed3     (B) 3x3/2 384 | 1x1 64, 3x3 96, 3x3/2 96 | maxpool 3/2              -> 768x17x17
 *   mixed4-7   (C) 1x1 192 | 1x1 c7, 1x7 c7, 7x1 192 | 1x1 c7, 7x1, 1x7, 7x1, 1x7 192 | avgpool, 1x1 192
 *              with c7 = 128, 160, 160, 192                                         -> 768x17x17
 *   mixed8     (D) 1x1 192, 3x3/2 320 | 1x1 192, 1x7, 7x1, 3x3/2 192 | maxpool 3/2  -> 1280x8x8
 *   mixed9-10  (E) 1x1 320 | 1x1 384, [1x3 384 | 3x1 384] | 1x1 448, 3x3 384, [1x3 | 3x1] | avgpool, 1x1 192
 *                                                                                   -> 2048x8x8
 *   avg_pool, predictions (1000)
 * </pre>
 *
 * Every conv is Keras' {@code conv2d_bn}: a bias-free conv, batch norm (eps 1e-3), ReLU. The graph is flat and
 * named as Keras names it in its published .h5 weights, with 1-based counters in creation order:
 * {@code conv2d_1 ... conv2d_94}, {@code batch_normalization_1 ... _94}, {@code activation_1 ... _94},
 * {@code max_pooling2d_N}, {@code average_pooling2d_N}, {@code mixed0 ... mixed10}, {@code mixed9_0},
 * {@code mixed9_1}, {@code concatenate_N}, {@code avg_pool}, {@code predictions} (logits: no softmax). Branch
 * average pools exclude padding from the mean, as Keras does (torchvision's Inception3 includes it).
 *
 * <p>Counting: Keras' batch norm here has no scale ({@code scale=False}); ours always has gamma, which an
 * import sets to 1. So our {@code parameterCount()} is 23,834,568 (= torchvision's inception_v3 without its aux
 * head, which has gamma too), and Keras' published 23,851,784 = ours + 34,432 moving mean/variance values
 * - 17,216 gammas.
 */
public final class InceptionV3 {
    private final Graph.Builder g;
    private final ZooOptions o;
    private int convs;
    private int maxPools;
    private int avgPools;
    private int concats;

    private InceptionV3(ZooOptions o) {
        this.o = o;
        this.g = Graph.builder("inception_v3").input("input_1", o.inputOr(Shape.of(3, 299, 299)));
    }

    public static Graph build(ZooOptions o) {
        return new InceptionV3(o).graph();
    }

    private Graph graph() {
        String x = conv("input_1", 32, 3, 3, 2, false);
        x = conv(x, 32, 3, 3, 1, false);
        x = conv(x, 64, 3, 3, 1, true);
        x = maxPool(x);
        x = conv(x, 80, 1, 1, 1, false);
        x = conv(x, 192, 3, 3, 1, false);
        x = maxPool(x);
        int[] poolProj = {32, 64, 64};
        for (int i = 0; i < 3; i++) {           // mixed0..2 (35x35)
            String b1 = conv(x, 64, 1, 1);
            String b5 = conv(conv(x, 48, 1, 1), 64, 5, 5);
            String b3 = conv(conv(conv(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
            String bp = conv(avgPool(x), poolProj[i], 1, 1);
            x = concat("mixed" + i, b1, b5, b3, bp);
        }
        String b3 = conv(x, 384, 3, 3, 2, false); // mixed3: grid 35 -> 17
        String bd = conv(conv(conv(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, 2, false);
        x = concat("mixed3", b3, bd, maxPool(x));
        int[] c7s = {128, 160, 160, 192};
        for (int i = 0; i < 4; i++) {           // mixed4..7 (17x17, factorised 7x7)
            int c7 = c7s[i];
            String b1 = conv(x, 192, 1, 1);
            String b7 = conv(conv(conv(x, c7, 1, 1), c7, 1, 7), 192, 7, 1);
            String bd7 = conv(conv(conv(conv(conv(x, c7, 1, 1), c7, 7, 1), c7, 1, 7), c7, 7, 1), 192, 1, 7);
            String bp = conv(avgPool(x), 192, 1, 1);
            x = concat("mixed" + (4 + i), b1, b7, bd7, bp);
        }
        String b33 = conv(conv(x, 192, 1, 1), 320, 3, 3, 2, false); // mixed8: grid 17 -> 8
        String b77 = conv(conv(conv(conv(x, 192, 1, 1), 192, 1, 7), 192, 7, 1), 192, 3, 3, 2, false);
        x = concat("mixed8", b33, b77, maxPool(x));
        for (int i = 0; i < 2; i++) {           // mixed9..10 (8x8, expanded filter banks)
            String b1 = conv(x, 320, 1, 1);
            String r = conv(x, 384, 1, 1);
            String b3x3 = concat("mixed9_" + i, conv(r, 384, 1, 3), conv(r, 384, 3, 1));
            String d = conv(conv(x, 448, 1, 1), 384, 3, 3);
            String bd3 = concat("concatenate_" + (++concats), conv(d, 384, 1, 3), conv(d, 384, 3, 1));
            String bp = conv(avgPool(x), 192, 1, 1);
            x = concat("mixed" + (9 + i), b1, b3x3, bd3, bp);
        }
        if (o.includeTop()) {
            g.add("avg_pool", new GlobalAvgPool2d(), x);
            g.add("predictions", new Dense(o.classesOr(1000)), "avg_pool");
        } else if (o.pooling() == ZooOptions.Pool.AVG) {
            g.add("global_average_pooling2d", new GlobalAvgPool2d(), x);
        } else if (o.pooling() == ZooOptions.Pool.MAX) {
            g.add("global_max_pooling2d", new GlobalMaxPool2d(), x);
        }
        return g.output(g.last()).build();
    }

    private String conv(String from, int filters, int kh, int kw) {
        return conv(from, filters, kh, kw, 1, true);
    }

    /** Keras' conv2d_bn: conv (no bias) -> batch norm -> ReLU; returns the ReLU's node name. */
    private String conv(String from, int filters, int kh, int kw, int stride, boolean same) {
        int n = ++convs;
        g.add("conv2d_" + n, new Conv2d(o.ch(filters), kh, kw).stride(stride).padding(same ? "same" : "valid")
                .useBias(false).init(Initializer.GLOROT_UNIFORM), from);
        g.add("batch_normalization_" + n, new BatchNorm2d().eps(1e-3).momentum(0.01), "conv2d_" + n);
        g.add("activation_" + n, new ReLU(), "batch_normalization_" + n);
        return "activation_" + n;
    }

    private String maxPool(String from) {
        String name = "max_pooling2d_" + (++maxPools);
        g.add(name, new MaxPool2d(3).stride(2), from);
        return name;
    }

    private String avgPool(String from) {
        String name = "average_pooling2d_" + (++avgPools);
        g.add(name, new AvgPool2d(3).stride(1).padding(1).countIncludePad(false), from);
        return name;
    }

    private String concat(String name, String... from) {
        g.add(name, new Concat(), from);
        return name;
    }
}
