package org.convnet4j.zoo;

import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;

/**
 * VGG (Simonyan and Zisserman 2014), configurations A (VGG11), B (VGG13), D (VGG16) and E (VGG19) of the
 * paper's Table 1:
 *
 * <pre>
 *   block  A (11)        B (13)        D (16)          E (19)          output at 224
 *   1      conv3-64      conv3-64  x2  conv3-64  x2    conv3-64  x2    64x112x112 after maxpool
 *   2      conv3-128     conv3-128 x2  conv3-128 x2    conv3-128 x2    128x56x56
 *   3      conv3-256 x2  conv3-256 x2  conv3-256 x3    conv3-256 x4    256x28x28
 *   4      conv3-512 x2  conv3-512 x2  conv3-512 x3    conv3-512 x4    512x14x14
 *   5      conv3-512 x2  conv3-512 x2  conv3-512 x3    conv3-512 x4    512x7x7
 *   FC-4096, FC-4096, FC-1000
 *   parameters  132,863,336   133,047,848   138,357,544     143,667,240
 *   with BN     132,868,840   133,053,736   138,365,992     143,678,248
 * </pre>
 *
 * Layer names are Keras' ({@code block1_conv1 ... block5_pool, flatten, fc1, fc2, predictions}), the names of
 * its .h5 weight groups. Trap when importing Keras weights: Keras flattens channels-last (H, W, C), we flatten
 * [C, H, W] as torchvision does, so {@code fc1}'s input columns must be permuted. Dropout (0.5, the paper's)
 * follows {@code fc1} and {@code fc2} as in torchvision; Keras has none (no effect on inference or counts).
 * With batch norm (torchvision's vgg16_bn) each conv keeps its bias and is followed by {@code blockB_bnI}.
 */
public final class Vgg {
    static final int[][] VGG11 = {{64}, {128}, {256, 256}, {512, 512}, {512, 512}};
    static final int[][] VGG13 = {{64, 64}, {128, 128}, {256, 256}, {512, 512}, {512, 512}};
    static final int[][] VGG16 = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
    static final int[][] VGG19 = {{64, 64}, {128, 128}, {256, 256, 256, 256}, {512, 512, 512, 512}, {512, 512, 512, 512}};

    private Vgg() {
    }

    public static Sequential vgg11(ZooOptions o) {
        return build("vgg11", VGG11, o);
    }

    public static Sequential vgg13(ZooOptions o) {
        return build("vgg13", VGG13, o);
    }

    public static Sequential vgg16(ZooOptions o) {
        return build("vgg16", VGG16, o);
    }

    public static Sequential vgg19(ZooOptions o) {
        return build("vgg19", VGG19, o);
    }

    static Sequential build(String name, int[][] table, ZooOptions o) {
        Sequential m = new Sequential(name, o.inputOr(Shape.of(3, 224, 224)));
        for (int b = 1; b <= table.length; b++) {
            for (int i = 1; i <= table[b - 1].length; i++) {
                String id = "block" + b + "_conv" + i;
                m.add(new Conv2d(o.ch(table[b - 1][i - 1]), 3).padding(1).init(Initializer.HE_NORMAL).named(id));
                if (o.batchNorm()) {
                    m.add(new BatchNorm2d().named("block" + b + "_bn" + i));
                }
                m.add(new ReLU().named(id + "_relu"));
            }
            m.add(new MaxPool2d(2).named("block" + b + "_pool"));
        }
        if (!o.includeTop()) {
            Blocks.addFeaturePooling(m, o, "avg_pool", "max_pool");
            return m;
        }
        double rate = o.dropoutOr(0.5);
        m.add(new Flatten().named("flatten"));
        for (String fc : new String[] {"fc1", "fc2"}) {
            m.add(new Dense(o.ch(4096)).init(Initializer.HE_NORMAL).named(fc));
            m.add(new ReLU().named(fc + "_relu"));
            if (rate > 0) {
                m.add(new Dropout(rate).named(fc + "_dropout"));
            }
        }
        return m.add(new Dense(o.classesOr(1000)).named("predictions"));
    }
}
