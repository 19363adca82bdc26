package org.convnet4j.zoo;

import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Clip;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;

/**
 * MobileNetV2 (Sandler et al. 2018), Table 2 of the paper: each row is a sequence of {@code n} inverted residual
 * bottlenecks (1x1 expansion by {@code t}, 3x3 depthwise, 1x1 linear projection to {@code c}), the first with
 * stride {@code s}; a block whose input and output shapes agree adds its input (the residual).
 *
 * <pre>
 *   input       operator          t   c     n   s
 *   224x224x3   conv2d 3x3        -   32    1   2
 *   112x112x32  bottleneck        1   16    1   1
 *   112x112x16  bottleneck        6   24    2   2
 *   56x56x24    bottleneck        6   32    3   2
 *   28x28x32    bottleneck        6   64    4   2
 *   14x14x64    bottleneck        6   96    3   1
 *   14x14x96    bottleneck        6   160   3   2
 *   7x7x160     bottleneck        6   320   1   1
 *   7x7x320     conv2d 1x1        -   1280  1   1
 *   7x7x1280    avgpool 7x7       -   -     1   -
 *   1x1x1280    conv2d 1x1 (fc)   -   k     -   -
 *   parameters  3,504,872 (torchvision mobilenet_v2)
 * </pre>
 *
 * As torchvision builds it: every conv is bias-free and followed by batch norm (eps 1e-5), ReLU6 after all but the
 * projection, dropout 0.2 before the classifier. Names are torchvision's, so its state dict maps by name:
 * {@code features.0.0} (stem conv), {@code features.0.1} (its batch norm), {@code features.N.conv.0.0} (expansion
 * conv; the depthwise one when t = 1), {@code features.2.conv.1.0} (depthwise), {@code features.2.conv.2}
 * (projection), {@code features.2.conv.3} (its batch norm), {@code features.18.0} (last 1x1), {@code classifier.1}.
 * A width multiplier w scales the channels as torchvision's {@code width_mult} does (rounded to a multiple of 8,
 * never more than 10% down); the last conv keeps 1280 channels unless w &gt; 1.
 */
public final class MobileNetV2 {
    /** Table 2: t (expansion), c (output channels), n (repeats), s (first stride). */
    static final int[][] TABLE = {
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    static final int STEM = 32;
    static final int LAST = 1280;

    private MobileNetV2() {
    }

    public static Sequential build(ZooOptions o) {
        double w = o.width();
        Sequential m = new Sequential("mobilenet_v2", o.inputOr(Shape.of(3, 224, 224)));
        Sequential features = new Sequential("features", m.outputShape());
        int in = divisible(STEM * w);
        features.add(convBnRelu6("0", features.outputShape(), in, 3, 2, 1));
        int index = 1;
        for (int[] row : TABLE) {
            int out = divisible(row[1] * w);
            for (int i = 0; i < row[2]; i++) {
                String block = String.valueOf(index++);
                int from = in;
                int stride = i == 0 ? row[3] : 1;
                features.add(MemoryBudget.ModelTooLargeException.naming("block 'features." + block + "'",
                        () -> invertedResidual(block, features.outputShape(), from, out, stride, row[0])));
                in = out;
            }
        }
        features.add(convBnRelu6(String.valueOf(index), features.outputShape(), divisible(LAST * Math.max(1.0, w)),
                1, 1, 1));
        m.add(features);
        if (o.includeTop()) {
            m.add(new GlobalAvgPool2d().named("avgpool"));
            m.add(Blocks.indexed("classifier", m.outputShape(), new Dropout(o.dropoutOr(0.2)),
                    new Dense(o.classesOr(1000))));
        } else {
            Blocks.addFeaturePooling(m, o, "avgpool", "maxpool_features");
        }
        return m;
    }

    /**
     * torchvision's {@code _make_divisible(v, 8)}: the nearest multiple of 8 (at least 8), one step up if that
     * loses more than 10% of {@code v}.
     */
    static int divisible(double v) {
        int d = 8;
        int r = Math.max(d, (int) (v + d / 2.0) / d * d);
        return r < 0.9 * v ? r + d : r;
    }

    /** One inverted residual block ({@code features.N}): expansion (unless t = 1), depthwise, projection. */
    static Layer invertedResidual(String name, Shape in, int inputs, int outputs, int stride, int t) {
        int hidden = (int) Math.round((double) inputs * t);
        Sequential conv = new Sequential("conv", in);
        int i = 0;
        if (t != 1) {
            conv.add(convBnRelu6(String.valueOf(i++), conv.outputShape(), hidden, 1, 1, 1));
        }
        conv.add(convBnRelu6(String.valueOf(i++), conv.outputShape(), hidden, 3, stride, hidden));
        conv.add(conv(outputs, 1, 1, 1).named(String.valueOf(i++)));
        conv.add(new BatchNorm2d().eps(1e-5).named(String.valueOf(i)));
        if (stride == 1 && inputs == outputs) {
            return Graph.builder(name).input("x", in).add("conv", conv, "x").add("add", new Add(), "conv", "x")
                    .output("add").build();
        }
        return new Sequential(name, in, conv);
    }

    /** torchvision's Conv2dNormActivation with ReLU6: conv "0", batch norm "1", ReLU6 "2". */
    static Sequential convBnRelu6(String name, Shape in, int filters, int k, int stride, int groups) {
        return Blocks.indexed(name, in, conv(filters, k, stride, groups), new BatchNorm2d().eps(1e-5),
                new Clip(0, 6));
    }

    private static Conv2d conv(int filters, int k, int stride, int groups) {
        return new Conv2d(filters, k).stride(stride).padding((k - 1) / 2).groups(groups).useBias(false)
                .init(Initializer.HE_NORMAL);
    }
}
