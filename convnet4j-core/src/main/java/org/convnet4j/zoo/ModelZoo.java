package org.convnet4j.zoo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ShapesOnly;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;

/**
 * Architectures by the names the command line uses: {@code lenet5}, {@code alexnet}, {@code vgg11},
 * {@code vgg13}, {@code vgg16}, {@code vgg19}, {@code resnet18}, {@code resnet34}, {@code resnet50},
 * {@code resnet101}, {@code resnet152}, {@code resnext50_32x4d}, {@code resnext101_32x8d}, {@code resnext101_64x4d},
 * {@code wide_resnet50_2}, {@code wide_resnet101_2}, {@code googlenet}, {@code inception_v3}, {@code squeezenet1_0},
 * {@code squeezenet1_1}, {@code mobilenet_v2}, {@code densenet121}, {@code densenet161}, {@code densenet169},
 * {@code densenet201}
 * (and {@code lenet5-classic}, {@code lenet5-lecun1998}). Variants are options ({@link ZooOptions#layout()}, {@link ZooOptions#lrn()}).
 *
 * <p>An input too small for an architecture fails when the model is built, with the smallest square size
 * that works; it is found by building the architecture at width 1/1000 without its classifier (shape
 * arithmetic only depends on the spatial size) for growing sizes.
 */
public final class ModelZoo {
    private static final int LARGEST_SEARCHED = 1024;

    /** What a zoo entry needs to build a model (the short form of {@link ZooOptions}). */
    public record Options(Shape input, int classes) {
    }

    private static final Map<String, Function<ZooOptions, Model>> BUILDERS = new LinkedHashMap<>();
    private static final Map<String, Shape> DEFAULT_INPUTS = new LinkedHashMap<>();

    static {
        Shape rgb224 = Shape.of(3, 224, 224);
        register("lenet5", Shape.of(1, 28, 28), o -> LeNet5.build(o));
        register("lenet5-classic", Shape.of(1, 28, 28), o -> LeNet5.build(o.toBuilder().layout("classic").build()));
        register("lenet5-lecun1998", Shape.of(1, 28, 28),
                o -> LeNet5.build(o.toBuilder().layout(LeNet5LeCun1998.LAYOUT).build()));
        register("alexnet", rgb224, AlexNet::build);
        register("vgg11", rgb224, Vgg::vgg11);
        register("vgg13", rgb224, Vgg::vgg13);
        register("vgg16", rgb224, Vgg::vgg16);
        register("vgg19", rgb224, Vgg::vgg19);
        register("resnet18", rgb224, ResNet::resnet18);
        register("resnet34", rgb224, ResNet::resnet34);
        register("resnet50", rgb224, ResNet::resnet50);
        register("resnet101", rgb224, ResNet::resnet101);
        register("resnet152", rgb224, ResNet::resnet152);
        register("resnext50_32x4d", rgb224, ResNet::resnext50_32x4d);
        register("resnext101_32x8d", rgb224, ResNet::resnext101_32x8d);
        register("resnext101_64x4d", rgb224, ResNet::resnext101_64x4d);
        register("wide_resnet50_2", rgb224, ResNet::wide_resnet50_2);
        register("wide_resnet101_2", rgb224, ResNet::wide_resnet101_2);
        register("googlenet", rgb224, GoogLeNet::build);
        register("squeezenet1_0", rgb224, SqueezeNet::squeezenet1_0);
        register("squeezenet1_1", rgb224, SqueezeNet::squeezenet1_1);
        register("mobilenet_v2", rgb224, MobileNetV2::build);
        register("densenet121", rgb224, DenseNet::densenet121);
        register("densenet161", rgb224, DenseNet::densenet161);
        register("densenet169", rgb224, DenseNet::densenet169);
        register("densenet201", rgb224, DenseNet::densenet201);
        register("inception_v3", Shape.of(3, 299, 299), o -> o.layoutOr("inception_v3", "keras", "keras", "torchvision")
                .equals("torchvision") ? InceptionV3Torchvision.build(o) : InceptionV3.build(o));
    }

    private ModelZoo() {
    }

    /** Adds an architecture; {@code defaultInput} is what {@link #defaultInput} reports for it. */
    public static void register(String name, Shape defaultInput, Function<ZooOptions, Model> builder) {
        BUILDERS.put(name, builder);
        DEFAULT_INPUTS.put(name, defaultInput);
    }

    public static List<String> names() {
        return List.copyOf(BUILDERS.keySet());
    }

    public static boolean contains(String name) {
        return BUILDERS.containsKey(name);
    }

    /**
     * Parameter counts at width 1 with 1000 classes (the papers' and torchvision's numbers); a width multiplier w
     * scales the convolutions by about w², the classifier grows with the classes and, for VGG and AlexNet
     * (whose first dense layer takes the flattened maps), with the input area.
     */
    private static final Map<String, Long> BASE_PARAMETERS = Map.ofEntries(Map.entry("alexnet", 61_100_840L),
            Map.entry("vgg11", 132_863_336L), Map.entry("vgg13", 133_047_848L), Map.entry("vgg16", 138_357_544L),
            Map.entry("vgg19", 143_667_240L), Map.entry("resnet18", 11_689_512L), Map.entry("resnet34", 21_797_672L),
            Map.entry("resnet50", 25_557_032L), Map.entry("resnet101", 44_549_160L), Map.entry("resnet152", 60_192_808L),
            Map.entry("resnext50_32x4d", 25_028_904L), Map.entry("resnext101_32x8d", 88_791_336L),
            Map.entry("resnext101_64x4d", 83_455_272L), Map.entry("wide_resnet50_2", 68_883_240L),
            Map.entry("wide_resnet101_2", 126_886_696L), Map.entry("googlenet", 6_624_904L),
            Map.entry("inception_v3", 23_834_568L), Map.entry("squeezenet1_0", 1_248_424L),
            Map.entry("squeezenet1_1", 1_235_496L), Map.entry("mobilenet_v2", 3_504_872L),
            Map.entry("densenet121", 7_978_856L), Map.entry("densenet161", 28_681_000L),
            Map.entry("densenet169", 14_149_480L), Map.entry("densenet201", 20_013_928L));

    /**
     * An upper-end estimate of the float32 parameter bytes of {@code name} built with {@code options}, computed
     * without building anything; -1 if it overflows. Importers call {@link org.convnet4j.util.MemoryBudget#require}
     * with it before building a model whose size a file decides (a first conv declaring 6,400 filters).
     */
    public static long estimatedParameterBytes(String name, ZooOptions options) {
        double base = BASE_PARAMETERS.getOrDefault(name, 150_000_000L);
        double w = options.width();
        // convolution and hidden dense weights scale by w², biases, batch norms and the first conv (3 input channels)
        // by w: above width 1 w² bounds them all, below it w does (issue 15: w = 1/32 was counted as 1, and a
        // 1/32-width VGG13 .pth was refused at -Xmx512m as needing 532 MB)
        double scale = w >= 1 ? w * w : w;
        double area = 1.0;
        Shape in = options.input();
        if (in != null && (name.startsWith("vgg") || name.equals("alexnet"))) {
            area = Math.max(1.0, (double) in.dim(1) * in.dim(2) / (224.0 * 224.0));
        }
        // the classifier takes at most 4096·w features (VGG, AlexNet), but some heads do not narrow with the width
        // (MobileNetV2's 1280-wide last conv): below width 1 it counts as 4096
        // (classes 0 means the architecture's default, 1000 for all that have an estimate)
        double classes = (options.classes() <= 0 ? 1000 : options.classes()) * 4096.0 * Math.max(w, 1.0);
        // + 10% for the buffers (batch norms' running statistics) and channel counts rounded up
        double estimate = (base * scale * area * 1.1 + classes) * 4;
        return estimate >= Long.MAX_VALUE / 2.0 ? -1 : (long) estimate;
    }

    /** The default per-sample input of the default layout (the paper's size). */
    public static Shape defaultInput(String name) {
        require(name);
        return DEFAULT_INPUTS.get(name);
    }

    /** Builds {@code name} for the given input (null = default) and classes (&lt;= 0 = 10 for LeNet, 1000 otherwise). */
    public static Model build(String name, Shape input, int classes) {
        return build(name, ZooOptions.builder().input(input).classes(Math.max(0, classes)).build());
    }

    public static Model build(String name, Options options) {
        return build(name, options.input(), options.classes());
    }

    /**
     * Builds {@code name} with the given options. Fails for an unknown name (listing the known ones) and for an
     * input too small for the architecture (giving the smallest size that works).
     */
    public static Model build(String name, ZooOptions options) {
        require(name);
        Function<ZooOptions, Model> builder = BUILDERS.get(name);
        // all parameters together within the memory budget, each refused before it is allocated (a reader building a
        // zoo model for a file opens the total first, so the refusal names the file instead of the model)
        try (MemoryBudget.ModelBuild counted = MemoryBudget.startModelBuild("model '" + name + "'")) {
            try {
                return builder.apply(options);
            } catch (RuntimeException e) {
                throw counted.refusalOr(e); // the refusal itself, not a layer's message around it
            }
        } catch (MemoryBudget.ModelTooLargeException e) {
            throw e; // too large, not too small: no search for the smallest input
        } catch (IllegalArgumentException e) {
            Shape in = options.input();
            if (in == null) {
                throw e;
            }
            int smallest = smallestSize(builder, options);
            if (smallest > Math.min(in.dim(1), in.dim(2))) {
                throw new IllegalArgumentException("model '" + name + "': input " + in.dim(0) + "x" + in.dim(1) + "x"
                        + in.dim(2) + " (CxHxW) is too small; the smallest input that works is " + smallest + "x"
                        + smallest + " (" + in.dim(0) + "x" + smallest + "x" + smallest + ")"
                        + (name.startsWith("resnet") && !options.smallInput() ? "; or use the smallInput stem" : "")
                        + " [" + e.getMessage() + "]", e);
            }
            throw e;
        }
    }

    /**
     * {@code name} built shapes only ({@link ShapesOnly}): the same layers, names, shapes, parameter and buffer counts,
     * MACs, {@link org.convnet4j.nn.ModelSummary} and spec as {@link #build(String, ZooOptions)} gives, without
     * allocating or drawing a single weight (PyTorch's {@code meta} device for the zoo). For sizes and costs (VGG16 in
     * milliseconds instead of seconds and 1.1 GB); running, training or saving it fails with a message that says so.
     * Fails as {@code build} does for an unknown name or a too small input; no memory budget applies (nothing is
     * allocated).
     */
    public static Model describe(String name, ZooOptions options) {
        require(name);
        return ShapesOnly.build(() -> build(name, options));
    }

    /** Smallest square size at which the architecture builds, or {@link Integer#MAX_VALUE} if none up to 1024. */
    static int smallestSize(Function<ZooOptions, Model> builder, ZooOptions options) {
        ZooOptions.Builder probe = options.toBuilder().width(1e-3).includeTop(false).pooling(ZooOptions.Pool.NONE);
        for (int s = 1; s <= LARGEST_SEARCHED; s++) {
            // trial builds are thrown away: they do not add to the total of the model being built
            try (MemoryBudget.ModelBuild trial = MemoryBudget.startSeparateModelBuild(null)) {
                builder.apply(probe.input(options.input().dim(0), s, s).build());
                return s;
            } catch (IllegalArgumentException e) {
                // too small still
            }
        }
        return Integer.MAX_VALUE;
    }

    private static void require(String name) {
        if (!BUILDERS.containsKey(name)) {
            throw new IllegalArgumentException("unknown model '" + name + "'; known: " + String.join(", ", names()));
        }
    }
}
