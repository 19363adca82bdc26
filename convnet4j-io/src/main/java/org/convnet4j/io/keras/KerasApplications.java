package org.convnet4j.io.keras;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.imagenet.ImageNet;
import org.convnet4j.io.weights.ImportReport;
import org.convnet4j.io.weights.ModelSpecs;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;

/**
 * The keras-applications weight files (VGG16, VGG19, ResNet50, InceptionV3, with or without top) loaded into
 * our zoo models: which architecture a file holds (from its layer names), the zoo options that fit it (classes
 * and width from the weight shapes, VGG's input size from fc1's rows), the name map, and the preprocessing the
 * weights expect.
 *
 * <p>Keras-1 ResNet50 files ({@code res2a_branch2a}) were built with batch norm's default eps 1e-3, Keras 2's
 * with 1.001e-5; the model gets the file's. One difference stays: Keras 1's ResNet50 pooled after conv1
 * without padding (112 to 55 pixels), ours pads (112 to 56), like Keras 2 and torchvision; predictions on
 * pictures agree closely but not to the last digit.
 */
public final class KerasApplications {
    /** An imported model with how to prepare its pictures and what the import did. */
    public record Imported(Model model, String architecture, Preprocessing preprocessing, ImportReport report) {
    }

    private KerasApplications() {
    }

    /** The zoo architecture a file holds, from its layer names; fails naming what it looked for. */
    public static String detect(KerasH5File file) throws FileFormatException {
        Set<String> names = layerNames(file);
        if (names.contains("block5_conv4")) {
            return "vgg19";
        }
        if (names.contains("block5_conv3")) {
            return "vgg16";
        }
        if (names.contains("conv5_block3_3_conv") || names.contains("res5c_branch2c")) {
            if (names.contains("conv4_block7_1_conv") || names.contains("res4g_branch2a")
                    || names.contains("res4b7_branch2a")) {
                throw new FileFormatException(file.file() + " holds a ResNet deeper than 50 layers; the zoo has ResNet-50"
                        + " in Keras' layout");
            }
            return "resnet50";
        }
        if (names.contains("mixed10")) {
            return "inception_v3";
        }
        throw new FileFormatException(file.file() + ": cannot tell the architecture from its layer names (looked for"
                + " VGG's block5_conv3, ResNet50's conv5_block3_3_conv or res5c_branch2c, InceptionV3's mixed10); give"
                + " it with --model");
    }

    /**
     * Zoo options that fit the file: classes from the classifier, channel width from the first conv, input size
     * from VGG's fc1 (else {@code input}, or the architecture's default when null).
     */
    public static ZooOptions options(KerasH5File file, String architecture, Shape input) throws FileFormatException {
        Set<String> names = layerNames(file);
        KerasH5File.Layer top = first(file, "predictions", "probs", "fc1000");
        boolean vgg = architecture.startsWith("vgg");
        String firstConv = vgg ? "block1_conv1" : architecture.equals("resnet50")
                ? (names.contains("conv1_conv") ? "conv1_conv" : "conv1")
                : (names.contains("conv2d") ? "conv2d" : "conv2d_1");
        int paperFilters = architecture.equals("inception_v3") ? 32 : 64;
        int filters = kernelDim(file, firstConv, 4, 3);
        double width = filters / (double) paperFilters;
        int classes = top != null ? kernelDim(file, top.name(), 2, 1) : 0;
        if (vgg && top != null && input == null) {
            int rows = kernelDim(file, "fc1", 2, 0);
            int last = new ZooOptions.Builder().width(width).build().ch(512);
            int cells = rows / last;
            int side = (int) Math.round(Math.sqrt(cells));
            if (rows % last != 0 || side * side != cells) {
                throw new FileFormatException(file.file() + ": fc1 has " + rows + " input rows, which is no square of"
                        + " feature maps with " + last + " channels");
            }
            input = Shape.of(3, side * 32, side * 32);
        }
        return options(architecture, width, top != null, classes, input);
    }

    /**
     * The zoo options a Keras file of {@code architecture} is imported with, given what its weights declare: channel
     * width (1 for the published files), whether it has a classifier and how many classes, and the input size
     * (null: the architecture's default, 224 for VGG and ResNet50, 299 for InceptionV3). ResNet50 takes Keras'
     * layout (biases in its convolutions).
     */
    public static ZooOptions options(String architecture, double width, boolean includeTop, int classes, Shape input) {
        ZooOptions.Builder b = ZooOptions.builder().width(width).includeTop(includeTop);
        if (architecture.equals("resnet50")) {
            b.layout("keras");
        }
        if (includeTop) {
            b.classes(classes);
        }
        return b.input(input).build();
    }

    /** Builds the architecture the file holds (or {@code architecture} if not null) and loads it by name. */
    public static Imported load(KerasH5File file, String architecture, Shape input) throws IOException {
        String arch = architecture != null ? architecture : detect(file);
        if (!List.of("vgg16", "vgg19", "resnet50", "inception_v3").contains(arch)) {
            throw new IllegalArgumentException("Keras weights import into vgg16, vgg19, resnet50 or inception_v3, not '"
                    + arch + "'");
        }
        ZooOptions options = options(file, arch, input);
        // the weight shapes decide width and classes: budget the model before building and initialising it
        MemoryBudget.requireStored(file.file() + ": a " + arch + " of width " + options.width()
                + (options.includeTop() ? " and " + options.classes() + " classes" : " without its classifier")
                + " (as its weights declare)", ModelZoo.estimatedParameterBytes(arch, options), file.storedWeightBytes());
        Model model;
        Set<String> names = layerNames(file);
        // and all its parameters (their values; training charges gradients) counted as they are built, refused naming the file before the
        // one that crosses the budget is allocated
        try (MemoryBudget.ModelBuild counted = MemoryBudget.startModelBuild(file.file().toString(),
                file.storedWeightBytes())) {
            model = ModelZoo.build(arch, options);
        }
        if (arch.equals("resnet50") && KerasNames.isKeras1ResNet(names)) {
            // the rebuild replaces the model counted above (same parameters): a total of its own
            try (MemoryBudget.ModelBuild rebuild = MemoryBudget.startSeparateModelBuild(file.file().toString())) {
                model = ModelSpecs.withBatchNormEps(model, 1e-3);
            }
        }
        UnaryOperator<String> map = KerasNames.forArchitecture(arch, names);
        ImportReport report = KerasWeights.load(file, model, KerasWeights.Options.byName(map));
        int classes = model.outputShape().rank() == 1 ? model.outputShape().dim(0) : 0;
        if (options.includeTop() && classes == ImageNet.CLASSES) {
            model.setClassNames(ImageNet.classNames());
        }
        Shape in = model.inputShapes().get(0);
        Preprocessing p = ImageNet.kerasMode(arch).forSize(in.dim(1), in.dim(2));
        return new Imported(model, arch, p, report);
    }

    private static Set<String> layerNames(KerasH5File file) {
        Set<String> names = new HashSet<>();
        for (KerasH5File.Layer l : file.layers()) {
            names.add(l.name());
        }
        return names;
    }

    private static KerasH5File.Layer first(KerasH5File file, String... names) {
        for (String n : names) {
            KerasH5File.Layer l = file.layer(n);
            if (l != null && l.hasWeights()) {
                return l;
            }
        }
        return null;
    }

    private static int kernelDim(KerasH5File file, String layer, int rank, int index) throws FileFormatException {
        int[] s = kernel(file, layer);
        if (s.length != rank || s[index] < 1) {
            throw new FileFormatException(file.file() + ": layer '" + layer + "' has a kernel of shape "
                    + java.util.Arrays.toString(s) + ", expected rank " + rank);
        }
        return s[index];
    }

    private static int[] kernel(KerasH5File file, String layer) throws FileFormatException {
        KerasH5File.Layer l = file.layer(layer);
        if (l != null) {
            for (KerasH5File.Weight w : l.weights()) {
                if (w.role() == WeightRole.KERNEL) {
                    return w.shape();
                }
            }
            List<KerasH5File.Weight> ws = new ArrayList<>(l.weights());
            if (!ws.isEmpty()) {
                return ws.get(0).shape();
            }
        }
        throw new FileFormatException(file.file() + ": layer '" + layer + "' with a kernel is missing");
    }

}
