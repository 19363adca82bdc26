package org.convnet4j.zoo;

import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.GlobalMaxPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;

/**
 * ResNet (He et al. 2015), Table 1 of the paper:
 *
 * <pre>
 *   stage    output   18             34             50                           101    152
 *   conv1    112      7x7, 64, stride 2; 3x3 max pool, stride 2
 *   layer1   56       [3x3,64]x2 x2  [3x3,64]x2 x3  [1x1,64 3x3,64 1x1,256] x3     x3     x3
 *   layer2   28       [3x3,128]   x2 [3x3,128]   x4 [1x1,128 3x3,128 1x1,512] x4   x4     x8
 *   layer3   14       [3x3,256]   x2 [3x3,256]   x6 [1x1,256 3x3,256 1x1,1024] x6  x23    x36
 *   layer4   7        [3x3,512]   x2 [3x3,512]   x3 [1x1,512 3x3,512 1x1,2048] x3  x3     x3
 *            1        global average pool, fc 1000
 *   parameters        11,689,512     21,797,672     25,557,032       44,549,160   60,192,808
 * </pre>
 *
 * Bottleneck variants with a wider or grouped 3x3 (ResNeXt, Xie et al. 2017, Table 1; Wide ResNet, Zagoruyko and
 * Komodakis 2016, as torchvision builds them): the bottleneck width of a stage with {@code planes} output/4 channels
 * is {@code planes * widthPerGroup / 64 * groups}, its 3x3 conv has {@code groups} groups:
 *
 * <pre>
 *   model              blocks         groups  width/group  layer1 bottleneck        parameters
 *   resnext50_32x4d    3, 4, 6, 3     32      4            [1x1,128 3x3,128/32 1x1,256]   25,028,904
 *   resnext101_32x8d   3, 4, 23, 3    32      8            [1x1,256 3x3,256/32 1x1,256]   88,791,336
 *   resnext101_64x4d   3, 4, 23, 3    64      4            [1x1,256 3x3,256/64 1x1,256]   83,455,272
 *   wide_resnet50_2    3, 4, 6, 3     1       128          [1x1,128 3x3,128 1x1,256]      68,883,240
 *   wide_resnet101_2   3, 4, 23, 3    1       128          [1x1,128 3x3,128 1x1,256]     126,886,696
 * </pre>
 *
 * A width multiplier w scales every width (bottleneck widths included) and the groups, which must stay whole and
 * divide the widths (resnext50_32x4d at w = 1/16 has 2 groups of 4 channels in layer1).
 *
 * Names are torchvision's, with nested models: {@code conv1, bn1, layer1.0.conv1, layer1.0.downsample.0},
 * {@code fc}, so a torchvision state dict maps by name (conv/fc weight -> kernel, bn weight/bias -> gamma/beta).
 * The default layout is torchvision's ("ResNet v1.5": a bottleneck strides in its 3x3 conv, convs without bias).
 * Layout {@code keras} follows Keras' ResNet50 instead: the stride sits in the first 1x1 conv, every conv has a
 * bias and batch norm uses eps 1.001e-5; it keeps the torchvision names. Keras' published 25,636,712 for
 * ResNet-50 counts those conv biases (26,560) and batch norm's moving mean and variance (53,120 buffer values)
 * on top of torchvision's 25,557,032; our {@code parameterCount()} counts learnable values only.
 * {@code smallInput} swaps the stem for a 3x3 stride-1 conv without max pool (CIFAR ResNets).
 */
public final class ResNet {
    private ResNet() {
    }

    public static Sequential resnet18(ZooOptions o) {
        return build("resnet18", false, new int[] {2, 2, 2, 2}, o);
    }

    public static Sequential resnet34(ZooOptions o) {
        return build("resnet34", false, new int[] {3, 4, 6, 3}, o);
    }

    public static Sequential resnet50(ZooOptions o) {
        return build("resnet50", true, new int[] {3, 4, 6, 3}, o);
    }

    public static Sequential resnet101(ZooOptions o) {
        return build("resnet101", true, new int[] {3, 4, 23, 3}, o);
    }

    public static Sequential resnet152(ZooOptions o) {
        return build("resnet152", true, new int[] {3, 8, 36, 3}, o);
    }

    public static Sequential resnext50_32x4d(ZooOptions o) {
        return build("resnext50_32x4d", new int[] {3, 4, 6, 3}, 32, 4, o);
    }

    public static Sequential resnext101_32x8d(ZooOptions o) {
        return build("resnext101_32x8d", new int[] {3, 4, 23, 3}, 32, 8, o);
    }

    public static Sequential resnext101_64x4d(ZooOptions o) {
        return build("resnext101_64x4d", new int[] {3, 4, 23, 3}, 64, 4, o);
    }

    public static Sequential wide_resnet50_2(ZooOptions o) {
        return build("wide_resnet50_2", new int[] {3, 4, 6, 3}, 1, 128, o);
    }

    public static Sequential wide_resnet101_2(ZooOptions o) {
        return build("wide_resnet101_2", new int[] {3, 4, 23, 3}, 1, 128, o);
    }

    static Sequential build(String name, boolean bottleneck, int[] blocks, ZooOptions o) {
        return build(name, bottleneck, blocks, 1, 64, o);
    }

    /** A bottleneck ResNet whose 3x3 convs have {@code groups} groups of {@code widthPerGroup} (at planes 64). */
    static Sequential build(String name, int[] blocks, int groups, int widthPerGroup, ZooOptions o) {
        return build(name, true, blocks, groups, widthPerGroup, o);
    }

    private static Sequential build(String name, boolean bottleneck, int[] blocks, int groups, int widthPerGroup,
                                    ZooOptions o) {
        boolean keras = o.layoutOr(name, "torchvision", "torchvision", "keras").equals("keras");
        if (keras && (groups != 1 || widthPerGroup != 64)) {
            throw new IllegalArgumentException("model '" + name + "': layout keras exists for plain ResNets only");
        }
        int g = Math.max(1, (int) Math.round(groups * o.width()));
        Sequential m = new Sequential(name, o.inputOr(Shape.of(3, 224, 224)));
        if (o.smallInput()) {
            m.add(conv(o.ch(64), 3, 1, keras).padding(1).named("conv1"));
        } else {
            m.add(conv(o.ch(64), 7, 2, keras).padding(3).named("conv1"));
        }
        m.add(bn(keras).named("bn1")).add(new ReLU().named("relu"));
        if (!o.smallInput()) {
            m.add(new MaxPool2d(3).stride(2).padding(1).named("maxpool"));
        }
        int[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; stage++) {
            Sequential layer = new Sequential("layer" + (stage + 1), m.outputShape());
            for (int i = 0; i < blocks[stage]; i++) {
                int stride = i == 0 && stage > 0 ? 2 : 1;
                Shape in = layer.outputShape();
                int planes = o.ch(widths[stage]);
                // torchvision: width = int(planes * (base_width / 64)) * groups, then the multiplier
                int width = o.ch((int) (widths[stage] * (widthPerGroup / 64.0)) * groups);
                if (width % g != 0) {
                    throw new IllegalArgumentException("model '" + name + "': width multiplier " + o.width()
                            + " gives " + width + " channels in " + g + " groups; use a multiplier that keeps the "
                            + groups + " groups whole (e.g. 1/2, 1/4, 1/8)");
                }
                String block = String.valueOf(i);
                // a refusal inside the block names its path ("block 'layer3.1': graph node 'conv2': ...")
                layer.add(MemoryBudget.ModelTooLargeException.naming("block '" + layer.name() + "." + block + "'",
                        () -> bottleneck ? bottleneck(block, in, planes, width, g, stride, keras)
                                : basic(block, in, planes, stride, keras)));
            }
            m.add(layer);
        }
        if (o.includeTop()) {
            m.add(new GlobalAvgPool2d().named("avgpool"));
            m.add(new Dense(o.classesOr(1000)).named("fc"));
        } else if (o.pooling() == ZooOptions.Pool.AVG) {
            m.add(new GlobalAvgPool2d().named("avgpool"));
        } else if (o.pooling() == ZooOptions.Pool.MAX) {
            m.add(new GlobalMaxPool2d().named("maxpool_features"));
        }
        return m;
    }

    /** Two 3x3 convs around an identity (or 1x1 projection) shortcut. */
    static Graph basic(String name, Shape in, int planes, int stride, boolean bias) {
        Graph.Builder g = Graph.builder(name).input("x", in)
                .add("conv1", conv(planes, 3, stride, bias).padding(1), "x")
                .add("bn1", bn(bias), "conv1")
                .add("relu1", new ReLU(), "bn1")
                .add("conv2", conv(planes, 3, 1, bias).padding(1), "relu1")
                .add("bn2", bn(bias), "conv2");
        return join(g, in, planes, stride, bias, "bn2", "relu2");
    }

    /** 1x1 reduce, 3x3, 1x1 expand (x4) around the shortcut. */
    static Graph bottleneck(String name, Shape in, int planes, int stride, boolean keras) {
        return bottleneck(name, in, planes, planes, 1, stride, keras);
    }

    /** 1x1 to {@code width}, 3x3 in {@code groups} groups, 1x1 expand to planes x 4, around the shortcut. */
    static Graph bottleneck(String name, Shape in, int planes, int width, int groups, int stride, boolean keras) {
        // torchvision strides in the 3x3 conv (v1.5), Keras (and the paper) in the first 1x1
        int s1 = keras ? stride : 1;
        int s2 = keras ? 1 : stride;
        Graph.Builder g = Graph.builder(name).input("x", in)
                .add("conv1", conv(width, 1, s1, keras), "x")
                .add("bn1", bn(keras), "conv1")
                .add("relu1", new ReLU(), "bn1")
                .add("conv2", conv(width, 3, s2, keras).padding(1).groups(groups), "relu1")
                .add("bn2", bn(keras), "conv2")
                .add("relu2", new ReLU(), "bn2")
                .add("conv3", conv(planes * 4, 1, 1, keras), "relu2")
                .add("bn3", bn(keras), "conv3");
        return join(g, in, planes * 4, stride, keras, "bn3", "relu3");
    }

    /** Adds the shortcut (a 1x1 conv + bn "downsample" when the shape changes), the sum and the last ReLU. */
    private static Graph join(Graph.Builder g, Shape in, int out, int stride, boolean bias, String last, String relu) {
        String shortcut = "x";
        if (stride != 1 || in.dim(0) != out) {
            g.add("downsample", MemoryBudget.ModelTooLargeException.naming("graph node 'downsample'",
                    () -> Blocks.indexed("downsample", in, conv(out, 1, stride, bias), bn(bias))), "x");
            shortcut = "downsample";
        }
        return g.add("add", new Add(), last, shortcut).add(relu, new ReLU(), "add").output(relu).build();
    }

    private static Conv2d conv(int filters, int k, int stride, boolean bias) {
        return new Conv2d(filters, k).stride(stride).useBias(bias).init(Initializer.HE_NORMAL);
    }

    private static BatchNorm2d bn(boolean keras) {
        return new BatchNorm2d().eps(keras ? 1.001e-5 : 1e-5);
    }

}
