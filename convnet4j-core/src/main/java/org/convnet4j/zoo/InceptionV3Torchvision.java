package org.convnet4j.zoo;

import java.util.HashMap;
import java.util.Map;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;

/**
 * Inception v3 as torchvision's {@code Inception3} writes it ({@code inception_v3}, layout {@code torchvision}), so
 * that torchvision's state dicts ({@code inception_v3_google-0cc3c7bd.pth}) load by name:
 *
 * <pre>
 *   Conv2d_1a_3x3 (32, 3x3/2), Conv2d_2a_3x3 (32, 3x3), Conv2d_2b_3x3 (64, 3x3 pad 1), maxpool1 3/2,
 *   Conv2d_3b_1x1 (80), Conv2d_4a_3x3 (192, 3x3), maxpool2 3/2                        -> 192x35x35
 *   Mixed_5b/5c/5d (InceptionA, pool features 32/64/64), Mixed_6a (InceptionB),
 *   Mixed_6b..6e (InceptionC, channels_7x7 128/160/160/192), Mixed_7a (InceptionD),
 *   Mixed_7b/7c (InceptionE)                                                         -> 2048x8x8
 *   avgpool, dropout (0.5), fc
 * </pre>
 *
 * Every conv is torchvision's {@code BasicConv2d}: a bias-free conv ({@code .conv}), batch norm with eps 1e-3
 * ({@code .bn}), ReLU, as a nested model named like the torchvision module ({@code Mixed_5b.branch5x5_2}); the
 * parameter names are therefore the state dict's ({@code Mixed_5b.branch5x5_2.conv.weight} is our
 * {@code Mixed_5b.branch5x5_2.conv.kernel}). The differences from the Keras layout ({@link InceptionV3}) are the
 * names and the branch average pools, which count the zero padding in their mean
 * ({@code F.avg_pool2d(x, 3, 1, 1)}, PyTorch's default {@code count_include_pad=True}); the max pools are floor mode
 * in both. The auxiliary classifier ({@code AuxLogits}) only feeds the training loss and is left out, as torchvision
 * leaves it out of its output in eval mode: 23,834,568 parameters, torchvision's {@code inception_v3(aux_logits=False)}.
 *
 * <p>torchvision builds its pretrained Inception v3 with {@code transform_input=True}: the model takes pictures
 * normalised with the ImageNet mean and std and maps each channel back to {@code (x/255 - 0.5) / 0.5}. This model
 * has no such step; the weights catalogue and the .pth import give these weights the preprocessing
 * {@code mean=0.5,0.5,0.5,std=0.5,0.5,0.5} (resize 342, crop 299), which is the same computation.
 */
public final class InceptionV3Torchvision {
    private final ZooOptions o;

    private InceptionV3Torchvision(ZooOptions o) {
        this.o = o;
    }

    public static Sequential build(ZooOptions o) {
        return new InceptionV3Torchvision(o).model();
    }

    private Sequential model() {
        Sequential m = new Sequential("inception_v3_torchvision", o.inputOr(Shape.of(3, 299, 299)));
        m.add(basic("Conv2d_1a_3x3", m.outputShape(), 32, 3, 3, 2, 0, 0));
        m.add(basic("Conv2d_2a_3x3", m.outputShape(), 32, 3, 3, 1, 0, 0));
        m.add(basic("Conv2d_2b_3x3", m.outputShape(), 64, 3, 3, 1, 1, 1));
        m.add(new MaxPool2d(3).stride(2).named("maxpool1"));
        m.add(basic("Conv2d_3b_1x1", m.outputShape(), 80, 1, 1, 1, 0, 0));
        m.add(basic("Conv2d_4a_3x3", m.outputShape(), 192, 3, 3, 1, 0, 0));
        m.add(new MaxPool2d(3).stride(2).named("maxpool2"));
        m.add(inceptionA("Mixed_5b", m.outputShape(), 32));
        m.add(inceptionA("Mixed_5c", m.outputShape(), 64));
        m.add(inceptionA("Mixed_5d", m.outputShape(), 64));
        m.add(inceptionB("Mixed_6a", m.outputShape()));
        m.add(inceptionC("Mixed_6b", m.outputShape(), 128));
        m.add(inceptionC("Mixed_6c", m.outputShape(), 160));
        m.add(inceptionC("Mixed_6d", m.outputShape(), 160));
        m.add(inceptionC("Mixed_6e", m.outputShape(), 192));
        m.add(inceptionD("Mixed_7a", m.outputShape()));
        m.add(inceptionE("Mixed_7b", m.outputShape()));
        m.add(inceptionE("Mixed_7c", m.outputShape()));
        if (o.includeTop()) {
            m.add(new GlobalAvgPool2d().named("avgpool"));
            m.add(new Dropout(o.dropoutOr(0.5)).named("dropout"));
            m.add(new Dense(o.classesOr(1000)).named("fc"));
        } else {
            Blocks.addFeaturePooling(m, o, "avgpool", "maxpool_features");
        }
        return m;
    }

    /** InceptionA (35x35): 1x1 | 1x1 48, 5x5 64 | 1x1 64, 3x3 96, 3x3 96 | avgpool, 1x1 poolFeatures. */
    private Graph inceptionA(String name, Shape in, int poolFeatures) {
        Branches b = new Branches(name, in);
        String b1 = b.conv("branch1x1", "x", 64, 1, 1, 0, 0);
        String b5 = b.conv("branch5x5_2", b.conv("branch5x5_1", "x", 48, 1, 1, 0, 0), 64, 5, 5, 2, 2);
        String d = b.conv("branch3x3dbl_1", "x", 64, 1, 1, 0, 0);
        d = b.conv("branch3x3dbl_2", d, 96, 3, 3, 1, 1);
        d = b.conv("branch3x3dbl_3", d, 96, 3, 3, 1, 1);
        String p = b.conv("branch_pool", b.avgPool(), poolFeatures, 1, 1, 0, 0);
        b.concat("concat", b1, b5, d, p);
        return b.build("concat");
    }

    /** InceptionB (35 -> 17): 3x3/2 384 | 1x1 64, 3x3 96, 3x3/2 96 | maxpool 3/2. */
    private Graph inceptionB(String name, Shape in) {
        Branches b = new Branches(name, in);
        String b3 = b.conv("branch3x3", "x", 384, 3, 3, 0, 0, 2);
        String d = b.conv("branch3x3dbl_1", "x", 64, 1, 1, 0, 0);
        d = b.conv("branch3x3dbl_2", d, 96, 3, 3, 1, 1);
        d = b.conv("branch3x3dbl_3", d, 96, 3, 3, 0, 0, 2);
        b.concat("concat", b3, d, b.maxPool());
        return b.build("concat");
    }

    /** InceptionC (17x17, factorised 7x7). */
    private Graph inceptionC(String name, Shape in, int c7) {
        Branches b = new Branches(name, in);
        String b1 = b.conv("branch1x1", "x", 192, 1, 1, 0, 0);
        String s = b.conv("branch7x7_1", "x", c7, 1, 1, 0, 0);
        s = b.conv("branch7x7_2", s, c7, 1, 7, 0, 3);
        s = b.conv("branch7x7_3", s, 192, 7, 1, 3, 0);
        String d = b.conv("branch7x7dbl_1", "x", c7, 1, 1, 0, 0);
        d = b.conv("branch7x7dbl_2", d, c7, 7, 1, 3, 0);
        d = b.conv("branch7x7dbl_3", d, c7, 1, 7, 0, 3);
        d = b.conv("branch7x7dbl_4", d, c7, 7, 1, 3, 0);
        d = b.conv("branch7x7dbl_5", d, 192, 1, 7, 0, 3);
        String p = b.conv("branch_pool", b.avgPool(), 192, 1, 1, 0, 0);
        b.concat("concat", b1, s, d, p);
        return b.build("concat");
    }

    /** InceptionD (17 -> 8): 1x1 192, 3x3/2 320 | 1x1 192, 1x7, 7x1, 3x3/2 192 | maxpool 3/2. */
    private Graph inceptionD(String name, Shape in) {
        Branches b = new Branches(name, in);
        String b3 = b.conv("branch3x3_2", b.conv("branch3x3_1", "x", 192, 1, 1, 0, 0), 320, 3, 3, 0, 0, 2);
        String s = b.conv("branch7x7x3_1", "x", 192, 1, 1, 0, 0);
        s = b.conv("branch7x7x3_2", s, 192, 1, 7, 0, 3);
        s = b.conv("branch7x7x3_3", s, 192, 7, 1, 3, 0);
        s = b.conv("branch7x7x3_4", s, 192, 3, 3, 0, 0, 2);
        b.concat("concat", b3, s, b.maxPool());
        return b.build("concat");
    }

    /** InceptionE (8x8, expanded filter banks). */
    private Graph inceptionE(String name, Shape in) {
        Branches b = new Branches(name, in);
        String b1 = b.conv("branch1x1", "x", 320, 1, 1, 0, 0);
        String r = b.conv("branch3x3_1", "x", 384, 1, 1, 0, 0);
        String b3 = b.concat("branch3x3", b.conv("branch3x3_2a", r, 384, 1, 3, 0, 1),
                b.conv("branch3x3_2b", r, 384, 3, 1, 1, 0));
        String d = b.conv("branch3x3dbl_1", "x", 448, 1, 1, 0, 0);
        d = b.conv("branch3x3dbl_2", d, 384, 3, 3, 1, 1);
        String bd = b.concat("branch3x3dbl", b.conv("branch3x3dbl_3a", d, 384, 1, 3, 0, 1),
                b.conv("branch3x3dbl_3b", d, 384, 3, 1, 1, 0));
        String p = b.conv("branch_pool", b.avgPool(), 192, 1, 1, 0, 0);
        b.concat("concat", b1, b3, bd, p);
        return b.build("concat");
    }

    /** torchvision's BasicConv2d: conv (no bias) -> batch norm (eps 1e-3) -> ReLU, as a nested model. */
    private Sequential basic(String name, Shape in, int filters, int kh, int kw, int stride, int ph, int pw) {
        Sequential s = new Sequential(name, in, new Conv2d(o.ch(filters), kh, kw).stride(stride).padding(ph, pw)
                .useBias(false).init(Initializer.HE_NORMAL).named("conv"));
        s.add(new BatchNorm2d().eps(1e-3).named("bn"));
        return s.add(new ReLU().named("relu"));
    }

    /** The branches of one inception module: a graph whose input is "x", nodes named like torchvision's modules. */
    private final class Branches {
        private final Graph.Builder g;
        private final Map<String, Shape> shapes = new HashMap<>();

        Branches(String name, Shape in) {
            g = Graph.builder(name).input("x", in);
            shapes.put("x", in);
        }

        String conv(String name, String from, int filters, int kh, int kw, int ph, int pw) {
            return conv(name, from, filters, kh, kw, ph, pw, 1);
        }

        String conv(String name, String from, int filters, int kh, int kw, int ph, int pw, int stride) {
            Sequential s = basic(name, shapes.get(from), filters, kh, kw, stride, ph, pw);
            g.add(name, s, from);
            shapes.put(name, s.outputShape());
            return name;
        }

        /** {@code F.avg_pool2d(x, 3, stride=1, padding=1)}: padding counted in the mean. */
        String avgPool() {
            AvgPool2d pool = new AvgPool2d(3).stride(1).padding(1).countIncludePad(true);
            g.add("pool", pool, "x");
            shapes.put("pool", shapes.get("x"));
            return "pool";
        }

        /** {@code F.max_pool2d(x, 3, stride=2)}. */
        String maxPool() {
            g.add("maxpool", new MaxPool2d(3).stride(2), "x");
            return "maxpool";
        }

        String concat(String name, String... from) {
            g.add(name, new Concat(), from);
            return name;
        }

        Graph build(String output) {
            return g.output(output).build();
        }
    }
}
