package org.convnet4j.zoo;

import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;

/**
 * SqueezeNet (Iandola et al. 2016), Table 1 of the paper, and its v1.1 (the SqueezeNet repository's: a 3x3 stem
 * with 64 filters and the pools moved earlier, 2.4x less computation, same accuracy). A fire module squeezes with
 * {@code s1x1} 1x1 filters, then expands with {@code e1x1} 1x1 and {@code e3x3} 3x3 filters side by side
 * (concatenated): AlexNet's accuracy with 50x fewer parameters.
 *
 * <pre>
 *   layer     v1.0 output  v1.1 output  s1x1  e1x1  e3x3
 *   conv1     96x109x109   64x111x111   (v1.0: 7x7/2, 96; v1.1: 3x3/2, 64)
 *   maxpool1  3x3/2        3x3/2
 *   fire2     128x54x54    128x55x55    16    64    64
 *   fire3     128x54x54    128x55x55    16    64    64
 *   fire4     256x54x54    256x27x27    32    128   128    v1.1: maxpool before fire4
 *   maxpool4  3x3/2 (v1.0)
 *   fire5     256x27x27    256x27x27    32    128   128
 *   fire6     384x27x27    384x13x13    48    192   192    v1.1: maxpool before fire6
 *   fire7     384x27x27    384x13x13    48    192   192
 *   fire8     512x27x27    512x13x13    64    256   256
 *   maxpool8  3x3/2 (v1.0)
 *   fire9     512x13x13    512x13x13    64    256   256
 *   conv10    1x1, k classes (after dropout 0.5), ReLU, global average pool
 *   parameters 1,248,424 (v1.0)  1,235,496 (v1.1; torchvision's squeezenet1_0 / squeezenet1_1)
 * </pre>
 *
 * As torchvision builds them: convs with bias, ReLU after every conv, ceil-mode max pools, the classifier a conv
 * ({@code classifier.1}). Names are torchvision's: {@code features.0} (conv1), {@code features.3.squeeze},
 * {@code features.3.expand1x1}, {@code features.3.expand3x3}, ..., {@code classifier.1}.
 */
public final class SqueezeNet {
    /** The fire modules: s1x1, e1x1, e3x3 (fire2 .. fire9, the same in both versions). */
    static final int[][] FIRES = {
        {16, 64, 64}, {16, 64, 64}, {32, 128, 128}, {32, 128, 128}, {48, 192, 192}, {48, 192, 192},
        {64, 256, 256}, {64, 256, 256}};

    private SqueezeNet() {
    }

    public static Sequential squeezenet1_0(ZooOptions o) {
        // conv1 7x7/2 96, pool; fire2-4, pool; fire5-8, pool; fire9
        return build("squeezenet1_0", 96, 7, new int[] {3, 7}, o);
    }

    public static Sequential squeezenet1_1(ZooOptions o) {
        // conv1 3x3/2 64, pool; fire2-3, pool; fire4-5, pool; fire6-9
        return build("squeezenet1_1", 64, 3, new int[] {2, 4}, o);
    }

    /** {@code poolsAfter}: how many fire modules come before the second and third max pool. */
    private static Sequential build(String name, int stem, int k, int[] poolsAfter, ZooOptions o) {
        Sequential m = new Sequential(name, o.inputOr(Shape.of(3, 224, 224)));
        Sequential f = new Sequential("features", m.outputShape());
        int index = 0;
        f.add(new Conv2d(o.ch(stem), k).stride(2).init(Initializer.HE_NORMAL).named(String.valueOf(index++)));
        f.add(new ReLU().named(String.valueOf(index++)));
        f.add(Blocks.ceilMaxPool(3, 2, 0, f.outputShape()).named(String.valueOf(index++)));
        for (int i = 0; i < FIRES.length; i++) {
            if (i == poolsAfter[0] || i == poolsAfter[1]) {
                f.add(Blocks.ceilMaxPool(3, 2, 0, f.outputShape()).named(String.valueOf(index++)));
            }
            int[] t = FIRES[i];
            String block = String.valueOf(index++);
            f.add(MemoryBudget.ModelTooLargeException.naming("block 'features." + block + "'",
                    () -> fire(block, f.outputShape(), o.ch(t[0]), o.ch(t[1]), o.ch(t[2]))));
        }
        m.add(f);
        if (o.includeTop()) {
            m.add(Blocks.indexed("classifier", m.outputShape(), new Dropout(o.dropoutOr(0.5)),
                    new Conv2d(o.classesOr(1000), 1).init(Initializer.HE_NORMAL), new ReLU(), new GlobalAvgPool2d()));
        } else {
            Blocks.addFeaturePooling(m, o, "avgpool", "maxpool_features");
        }
        return m;
    }

    /** A fire module: squeeze (1x1 + ReLU), then 1x1 and 3x3 expansions (each + ReLU) concatenated. */
    static Layer fire(String name, Shape in, int squeeze, int e1, int e3) {
        return Graph.builder(name).input("x", in)
                .add("squeeze", conv(squeeze, 1), "x")
                .add("squeeze_activation", new ReLU(), "squeeze")
                .add("expand1x1", conv(e1, 1), "squeeze_activation")
                .add("expand1x1_activation", new ReLU(), "expand1x1")
                .add("expand3x3", conv(e3, 3).padding(1), "squeeze_activation")
                .add("expand3x3_activation", new ReLU(), "expand3x3")
                .add("concat", new Concat(), "expand1x1_activation", "expand3x3_activation")
                .output("concat").build();
    }

    private static Conv2d conv(int filters, int k) {
        return new Conv2d(filters, k).init(Initializer.HE_NORMAL);
    }
}
