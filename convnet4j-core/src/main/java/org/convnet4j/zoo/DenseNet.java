package org.convnet4j.zoo;

import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;

/**
 * DenseNet-BC (Huang et al. 2017), Table 1 of the paper: inside a dense block every layer gets the feature maps of
 * all layers before it (concatenated) and adds {@code k} (the growth rate) of its own; a layer is batch norm, ReLU,
 * 1x1 conv to 4k channels (the bottleneck), batch norm, ReLU, 3x3 conv to k. Between blocks a transition layer
 * (batch norm, ReLU, 1x1 conv halving the channels, 2x2 average pool) shrinks the maps.
 *
 * <pre>
 *   layer                 output   121      169      201      161 (k = 48)
 *   conv0                 112x112  7x7 conv, stride 2 (2k filters)
 *   pool0                 56x56    3x3 max pool, stride 2
 *   denseblock1           56x56    x6       x6       x6       x6
 *   transition1           28x28    1x1 conv, 2x2 average pool, stride 2
 *   denseblock2           28x28    x12      x12      x12      x12
 *   transition2           14x14    1x1 conv, 2x2 average pool, stride 2
 *   denseblock3           14x14    x24      x32      x48      x36
 *   transition3           7x7      1x1 conv, 2x2 average pool, stride 2
 *   denseblock4           7x7      x16      x32      x32      x24
 *   norm5, ReLU, global average pool, fc (classifier)
 *   parameters                     7,978,856  14,149,480  20,013,928  28,681,000 (torchvision)
 * </pre>
 *
 * As torchvision builds them: convs without bias, batch norm eps 1e-5, no dropout. Names are torchvision's:
 * {@code features.conv0}, {@code features.norm0}, {@code features.denseblock1.denselayer1.norm1 / conv1 / norm2 /
 * conv2}, {@code features.transition1.norm / conv}, {@code features.norm5}, {@code classifier}. (torchvision's
 * published files spell the dense layers' modules {@code norm.1}, {@code conv.2}, ...: the .pth reader renames them
 * as torchvision's loader does.) A width multiplier w scales the growth rate and the stem.
 */
public final class DenseNet {
    /** Table 1: growth rate k, stem filters, layers per dense block. */
    record Config(int growth, int stem, int[] blocks) {
    }

    static final Config D121 = new Config(32, 64, new int[] {6, 12, 24, 16});
    static final Config D161 = new Config(48, 96, new int[] {6, 12, 36, 24});
    static final Config D169 = new Config(32, 64, new int[] {6, 12, 32, 32});
    static final Config D201 = new Config(32, 64, new int[] {6, 12, 48, 32});
    /** The bottleneck's width in growth rates (the paper's 4k). */
    static final int BOTTLENECK = 4;

    private DenseNet() {
    }

    public static Sequential densenet121(ZooOptions o) {
        return build("densenet121", D121, o);
    }

    public static Sequential densenet161(ZooOptions o) {
        return build("densenet161", D161, o);
    }

    public static Sequential densenet169(ZooOptions o) {
        return build("densenet169", D169, o);
    }

    public static Sequential densenet201(ZooOptions o) {
        return build("densenet201", D201, o);
    }

    private static Sequential build(String name, Config c, ZooOptions o) {
        int k = o.ch(c.growth());
        Sequential m = new Sequential(name, o.inputOr(Shape.of(3, 224, 224)));
        Sequential f = new Sequential("features", m.outputShape());
        f.add(conv(o.ch(c.stem()), 7, 2, 3).named("conv0"));
        f.add(new BatchNorm2d().eps(1e-5).named("norm0"));
        f.add(new ReLU().named("relu0"));
        f.add(new MaxPool2d(3).stride(2).padding(1).named("pool0"));
        for (int b = 0; b < c.blocks().length; b++) {
            Sequential block = new Sequential("denseblock" + (b + 1), f.outputShape());
            for (int i = 0; i < c.blocks()[b]; i++) {
                String layer = "denselayer" + (i + 1);
                block.add(MemoryBudget.ModelTooLargeException.naming("block 'features." + block.name() + "." + layer + "'",
                        () -> denseLayer(layer, block.outputShape(), k)));
            }
            f.add(block);
            if (b < c.blocks().length - 1) {
                int channels = f.outputShape().dim(0);
                String transition = "transition" + (b + 1);
                f.add(MemoryBudget.ModelTooLargeException.naming("block 'features." + transition + "'",
                        () -> new Sequential(transition, f.outputShape(),
                        new BatchNorm2d().eps(1e-5).named("norm"), new ReLU().named("relu"),
                        conv(channels / 2, 1, 1, 0).named("conv"), new AvgPool2d(2).stride(2).named("pool"))));
            }
        }
        f.add(new BatchNorm2d().eps(1e-5).named("norm5"));
        m.add(f);
        m.add(new ReLU().named("relu"));
        if (o.includeTop()) {
            m.add(new GlobalAvgPool2d().named("avgpool"));
            m.add(new Dense(o.classesOr(1000)).named("classifier"));
        } else {
            Blocks.addFeaturePooling(m, o, "avgpool", "maxpool_features");
        }
        return m;
    }

    /** Batch norm, ReLU, 1x1 conv to 4k, batch norm, ReLU, 3x3 conv to k; the k new maps follow the input's. */
    static Layer denseLayer(String name, Shape in, int k) {
        return Graph.builder(name).input("x", in)
                .add("norm1", new BatchNorm2d().eps(1e-5), "x")
                .add("relu1", new ReLU(), "norm1")
                .add("conv1", conv(BOTTLENECK * k, 1, 1, 0), "relu1")
                .add("norm2", new BatchNorm2d().eps(1e-5), "conv1")
                .add("relu2", new ReLU(), "norm2")
                .add("conv2", conv(k, 3, 1, 1), "relu2")
                .add("concat", new Concat(), "x", "conv2")
                .output("concat").build();
    }

    private static Conv2d conv(int filters, int k, int stride, int pad) {
        return new Conv2d(filters, k).stride(stride).padding(pad).useBias(false).init(Initializer.HE_NORMAL);
    }
}
