package org.convnet4j.zoo;

import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.GlobalMaxPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;

/**
 * GoogLeNet / Inception v1 (Szegedy et al. 2014), Table 1 of the paper (no auxiliary classifiers):
 *
 * <pre>
 *   module  output      #1x1  #3x3red #3x3  #5x5red #5x5  pool proj
 *   conv1 7x7/2 64, maxpool 3/2, conv2 1x1 64, conv3 3x3 192, maxpool 3/2   -> 192x28x28
 *   3a      256x28x28   64    96      128   16      32    32
 *   3b      480x28x28   128   128     192   32      96    64      maxpool 3/2
 *   4a      512x14x14   192   96      208   16      48    64
 *   4b      512x14x14   160   112     224   24      64    64
 *   4c      512x14x14   128   128     256   24      64    64
 *   4d      528x14x14   112   144     288   32      64    64
 *   4e      832x14x14   256   160     320   32      128   128     maxpool 2/2
 *   5a      832x7x7     256   160     320   32      128   128
 *   5b      1024x7x7    384   192     384   48      128   128     avgpool, dropout, fc 1000
 * </pre>
 *
 * Layout {@code paper} (default): the 5x5 branch is a real 5x5, convs have biases and no batch norm:
 * 6,998,552 parameters. Layout {@code torchvision}: torchvision's googlenet, whose "5x5" branch is a 3x3 (a
 * known slip kept for its pretrained weights) and whose convs are bias-free with batch norm (eps 1e-3):
 * 6,624,904 parameters. Both use torchvision's names ({@code conv1.conv}, {@code inception3a.branch2.1.conv},
 * {@code inception3a.branch4.1.bn}, {@code fc}) and its ceil-mode max pools. The paper's LRN layers after the
 * stem pools are left out, as torchvision does. The bottleneck is the lecture's point: 3a's 5x5 branch costs
 * 2,408,448 + 10,035,200 = 12,443,648 multiplications instead of 120,422,400 for a direct 5x5 from 192 channels.
 */
public final class GoogLeNet {
    /** Columns of the paper's table: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj. */
    static final int[][] TABLE = {
        {64, 96, 128, 16, 32, 32}, {128, 128, 192, 32, 96, 64},
        {192, 96, 208, 16, 48, 64}, {160, 112, 224, 24, 64, 64}, {128, 128, 256, 24, 64, 64},
        {112, 144, 288, 32, 64, 64}, {256, 160, 320, 32, 128, 128},
        {256, 160, 320, 32, 128, 128}, {384, 192, 384, 48, 128, 128}};
    static final String[] NAMES = {"3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"};

    private GoogLeNet() {
    }

    public static Sequential build(ZooOptions o) {
        boolean tv = o.layoutOr("googlenet", "paper", "paper", "torchvision").equals("torchvision");
        Sequential m = new Sequential(tv ? "googlenet_torchvision" : "googlenet", o.inputOr(Shape.of(3, 224, 224)));
        m.add(basic("conv1", m.outputShape(), o.ch(64), 7, 2, 3, tv));
        m.add(Blocks.ceilMaxPool(3, 2, 0, m.outputShape()).named("maxpool1"));
        m.add(basic("conv2", m.outputShape(), o.ch(64), 1, 1, 0, tv));
        m.add(basic("conv3", m.outputShape(), o.ch(192), 3, 1, 1, tv));
        m.add(Blocks.ceilMaxPool(3, 2, 0, m.outputShape()).named("maxpool2"));
        for (int i = 0; i < TABLE.length; i++) {
            int[] t = TABLE[i];
            String block = "inception" + NAMES[i];
            m.add(MemoryBudget.ModelTooLargeException.naming("block '" + block + "'", () -> inception(block,
                    m.outputShape(), o.ch(t[0]), o.ch(t[1]), o.ch(t[2]), o.ch(t[3]), o.ch(t[4]), o.ch(t[5]), tv)));
            if (NAMES[i].equals("3b")) {
                m.add(Blocks.ceilMaxPool(3, 2, 0, m.outputShape()).named("maxpool3"));
            } else if (NAMES[i].equals("4e")) {
                m.add(Blocks.ceilMaxPool(2, 2, 0, m.outputShape()).named("maxpool4"));
            }
        }
        if (o.includeTop()) {
            m.add(new GlobalAvgPool2d().named("avgpool"));
            m.add(new Dropout(o.dropoutOr(0.2)).named("dropout"));
            m.add(new Dense(o.classesOr(1000)).named("fc"));
        } else if (o.pooling() == ZooOptions.Pool.AVG) {
            m.add(new GlobalAvgPool2d().named("avgpool"));
        } else if (o.pooling() == ZooOptions.Pool.MAX) {
            m.add(new GlobalMaxPool2d().named("maxpool_features"));
        }
        return m;
    }

    /** One inception module: four branches concatenated along the channels. */
    static Graph inception(String name, Shape in, int c1, int c3r, int c3, int c5r, int c5, int pool, boolean tv) {
        int k5 = tv ? 3 : 5; // torchvision's "5x5" branch is 3x3
        // each branch is built before the graph adds it: a refusal inside names the branch itself
        Sequential b2 = MemoryBudget.ModelTooLargeException.naming("graph node 'branch2'", () -> {
            Sequential b = new Sequential("branch2", in, basic("0", in, c3r, 1, 1, 0, tv));
            return b.add(basic("1", b.outputShape(), c3, 3, 1, 1, tv));
        });
        Sequential b3 = MemoryBudget.ModelTooLargeException.naming("graph node 'branch3'", () -> {
            Sequential b = new Sequential("branch3", in, basic("0", in, c5r, 1, 1, 0, tv));
            return b.add(basic("1", b.outputShape(), c5, k5, 1, k5 / 2, tv));
        });
        Sequential b4 = MemoryBudget.ModelTooLargeException.naming("graph node 'branch4'", () -> {
            Sequential b = new Sequential("branch4", in, Blocks.ceilMaxPool(3, 1, 1, in).named("0"));
            return b.add(basic("1", b.outputShape(), pool, 1, 1, 0, tv));
        });
        return Graph.builder(name).input("x", in)
                .add("branch1", basic("branch1", in, c1, 1, 1, 0, tv), "x")
                .add("branch2", b2, "x")
                .add("branch3", b3, "x")
                .add("branch4", b4, "x")
                .add("concat", new Concat(), "branch1", "branch2", "branch3", "branch4")
                .output("concat").build();
    }

    /** torchvision's BasicConv2d: conv (+ batch norm in the torchvision layout) + ReLU, as a nested model. */
    static Sequential basic(String name, Shape in, int filters, int k, int stride, int pad, boolean tv) {
        Layer conv = new Conv2d(filters, k).stride(stride).padding(pad).useBias(!tv).init(Initializer.HE_NORMAL).named("conv");
        Sequential s = MemoryBudget.ModelTooLargeException.naming("layer '" + name + "'", () -> new Sequential(name, in, conv));
        if (tv) {
            s.add(new BatchNorm2d().eps(1e-3).named("bn"));
        }
        return s.add(new ReLU().named("relu"));
    }
}
