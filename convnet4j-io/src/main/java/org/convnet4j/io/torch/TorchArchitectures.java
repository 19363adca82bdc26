package org.convnet4j.io.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;

/**
 * Which zoo architecture a torchvision state dict holds, from its names and shapes: ResNet-18/34/50/101/152,
 * ResNeXt-50 32x4d, ResNeXt-101 32x8d and 64x4d, Wide ResNet-50-2 and -101-2 (depth from the last block of layer2 and
 * layer3, the variant from layer1.0's bottleneck width and groups), VGG11/13/16/19 (with or without batch norm),
 * AlexNet, GoogLeNet and Inception v3 (torchvision layout), MobileNetV2, SqueezeNet 1.0 and 1.1, DenseNet-121/161/169/201
 * (from the layers per dense block; the published files' older {@code norm.1} spelling is renamed, {@link TorchNames});
 * classes from the classifier, width from the first conv, and VGG's
 * input size from classifier.0 (our VGG has no adaptive pool, so the input must give the 7x7 maps it expects).
 */
public final class TorchArchitectures {
    /** An architecture and options that fit a file. */
    public record Detected(String architecture, ZooOptions options) {
    }

    private TorchArchitectures() {
    }

    public static Detected detect(Path file, String architecture, Shape input) throws IOException {
        return detect(StateDict.open(file), architecture, input);
    }

    /** The architecture of a state dict from its names and shapes ({@code architecture} given: only the options). */
    public static Detected detect(StateDict sd, String architecture, Shape input) throws IOException {
        sd = TorchNames.current(sd);
        Map<String, long[]> e = sd.shapes();
        String file = sd.source();
        String arch = architecture != null ? architecture : guess(file, e);
        ZooOptions.Builder b = ZooOptions.builder().input(input);
        boolean inception = arch.equals("inception_v3");
        b.width(width(file, e, arch));
        String top = isResNet(arch) || arch.equals("googlenet") || inception ? "fc.weight"
                : arch.startsWith("densenet") ? "classifier.weight"
                : arch.startsWith("squeezenet") || arch.equals("mobilenet_v2") ? "classifier.1.weight"
                : "classifier.6.weight";
        boolean hasTop = e.containsKey(top);
        b.includeTop(hasTop);
        if (hasTop) {
            b.classes(dim(file, e, top, 0));
        }
        if (arch.startsWith("vgg") && e.containsKey("features.1.running_mean")) {
            b.batchNorm(true); // torchvision's vgg16_bn / vgg19_bn
        }
        if (arch.equals("googlenet") || inception) {
            b.layout("torchvision");
        }
        if (arch.startsWith("vgg") && hasTop && input == null) {
            int cols = dim(file, e, "classifier.0.weight", 1);
            int last = ZooOptions.builder().width(dim(file, e, "features.0.weight", 0) / 64.0).build().ch(512);
            int side = (int) Math.round(Math.sqrt(cols / (double) last));
            if (side * side * last != cols) {
                throw new FileFormatException(file + ": classifier.0 takes " + cols + " inputs, no square of " + last
                        + "-channel maps");
            }
            b.input(Shape.of(3, 32 * side, 32 * side));
        }
        ZooOptions options = b.build();
        requireModelFits(file, arch, options, storedBytes(e));
        return new Detected(arch, options);
    }

    /** The width multiplier: the first conv's filters against the architecture's (DenseNet: the growth rate). */
    private static double width(String file, Map<String, long[]> e, String arch) throws FileFormatException {
        if (isResNet(arch)) {
            return dim(file, e, "conv1.weight", 0) / 64.0;
        }
        return switch (arch) {
            case "googlenet" -> dim(file, e, "conv1.conv.weight", 0) / 64.0;
            case "inception_v3" -> dim(file, e, "Conv2d_1a_3x3.conv.weight", 0) / 32.0;
            case "mobilenet_v2" -> dim(file, e, "features.0.0.weight", 0) / 32.0;
            case "squeezenet1_0" -> dim(file, e, "features.0.weight", 0) / 96.0;
            case "squeezenet1_1" -> dim(file, e, "features.0.weight", 0) / 64.0;
            case "densenet161" -> dim(file, e, DENSE_GROWTH, 0) / 48.0;
            default -> arch.startsWith("densenet") ? dim(file, e, DENSE_GROWTH, 0) / 32.0
                    : dim(file, e, "features.0.weight", 0) / 64.0;
        };
    }

    private static final String DENSE_GROWTH = "features.denseblock1.denselayer1.conv2.weight";

    /** The first conv decides the width: a tiny file must not make us build a model of hundreds of gigabytes. */
    private static void requireModelFits(String file, String arch, ZooOptions o, long stored) throws IOException {
        MemoryBudget.requireStored(file + ": a " + arch + " of width " + o.width()
                + (o.includeTop() ? " and " + o.classes() + " classes" : " without its classifier")
                + " (as its tensors declare)", ModelZoo.estimatedParameterBytes(arch, o), stored);
    }

    /**
     * The values a state dict holds, as float32 bytes (its readers checked each is stored): what a model built for it
     * may ask for is bounded by this ({@link MemoryBudget#fileCapBytes}).
     */
    public static long storedBytes(Map<String, long[]> shapes) {
        long total = 0;
        for (long[] s : shapes.values()) {
            total = MemoryBudget.add(total, MemoryBudget.bytesOf(4, s));
        }
        return total;
    }

    /** The zoo's ResNet family (torchvision's resnet.py): ResNet, ResNeXt, Wide ResNet. */
    static boolean isResNet(String arch) {
        return arch.startsWith("resnet") || arch.startsWith("resnext") || arch.startsWith("wide_resnet");
    }

    private static String guess(String file, Map<String, long[]> e) throws FileFormatException {
        if (e.containsKey("layer4.0.conv1.weight")) {
            if (!e.containsKey("layer1.0.conv3.weight")) {
                if (e.containsKey("layer3.6.conv1.weight") || e.containsKey("layer2.4.conv1.weight")) {
                    throw new FileFormatException(file + " holds a ResNet of basic blocks deeper than 34 layers,"
                            + " which torchvision does not publish");
                }
                return e.containsKey("layer3.5.conv1.weight") ? "resnet34" : "resnet18";
            }
            return bottleneckResNet(file, e);
        }
        if (e.containsKey("inception5b.branch1.conv.weight")) {
            return "googlenet";
        }
        if (e.containsKey("Mixed_7c.branch_pool.conv.weight")) {
            return "inception_v3";
        }
        if (e.containsKey("features.1.conv.0.0.weight") && e.containsKey("features.18.0.weight")) {
            return "mobilenet_v2";
        }
        if (e.containsKey("features.3.squeeze.weight")) { // v1.0's stem is a 7x7 conv, v1.1's a 3x3
            return dim(file, e, "features.0.weight", 2) == 7 ? "squeezenet1_0" : "squeezenet1_1";
        }
        if (e.containsKey(DENSE_GROWTH)) {
            return denseNet(file, e);
        }
        if (e.containsKey("features.1.running_mean")) { // VGG with batch norm: conv, bn, relu per conv, then pools
            // the last conv sits at features.49 (E), 40 (D), 31 (B), 25 (A); checked deepest first, since a
            // shallower configuration's index may be a batch norm (which also has a weight) of a deeper one
            for (String[] vgg : new String[][] {{"49", "vgg19"}, {"40", "vgg16"}, {"31", "vgg13"}, {"25", "vgg11"}}) {
                if (e.containsKey("features." + vgg[0] + ".weight")) {
                    return vgg[1];
                }
            }
        }
        if (e.containsKey("features.0.weight")) {
            // last conv at features.34 (E), 28 (D), 22 (B), 18 (A; its features.10 is a pool); AlexNet's at 10
            for (String[] vgg : new String[][] {{"34", "vgg19"}, {"28", "vgg16"}, {"22", "vgg13"}, {"18", "vgg11"}}) {
                if (e.containsKey("features." + vgg[0] + ".weight")) {
                    return vgg[1];
                }
            }
            if (e.containsKey("features.10.weight")) {
                return "alexnet";
            }
        }
        throw new FileFormatException(file + ": cannot tell the architecture from its tensor names (looked for"
                + " torchvision's ResNet, ResNeXt, Wide ResNet, VGG, AlexNet, GoogLeNet, Inception v3, MobileNetV2,"
                + " SqueezeNet and DenseNet names); give it with --model");
    }

    /** DenseNet-121/161/169/201 from the layers of dense blocks 3 and 4 (Table 1 of the paper). */
    private static String denseNet(String file, Map<String, long[]> e) throws FileFormatException {
        int[] layers = new int[5];
        for (int block = 1; block <= 4; block++) {
            while (e.containsKey("features.denseblock" + block + ".denselayer" + (layers[block] + 1) + ".conv1.weight")) {
                layers[block]++;
            }
        }
        String blocks = layers[1] + "," + layers[2] + "," + layers[3] + "," + layers[4];
        String name = switch (blocks) {
            case "6,12,24,16" -> "densenet121";
            case "6,12,36,24" -> "densenet161";
            case "6,12,32,32" -> "densenet169";
            case "6,12,48,32" -> "densenet201";
            default -> null;
        };
        if (name == null) {
            throw new FileFormatException(file + " holds a DenseNet torchvision does not publish (dense blocks of "
                    + blocks + " layers); give the architecture with --model");
        }
        return name;
    }

    /** ResNet-50/101/152 and their ResNeXt and wide variants, from depth and layer1.0's bottleneck. */
    private static String bottleneckResNet(String file, Map<String, long[]> e) throws FileFormatException {
        int depth = e.containsKey("layer2.7.conv1.weight") ? 152 : e.containsKey("layer3.22.conv1.weight") ? 101 : 50;
        boolean known = depth == 152 ? !e.containsKey("layer2.8.conv1.weight") && e.containsKey("layer3.35.conv1.weight")
                && !e.containsKey("layer3.36.conv1.weight")
                : depth == 101 ? !e.containsKey("layer3.23.conv1.weight") && !e.containsKey("layer2.4.conv1.weight")
                : !e.containsKey("layer3.6.conv1.weight") && !e.containsKey("layer2.4.conv1.weight");
        int stem = dim(file, e, "conv1.weight", 0);
        int width = dim(file, e, "layer1.0.conv2.weight", 0);
        int groups = width / dim(file, e, "layer1.0.conv2.weight", 1);
        int planes = dim(file, e, "layer1.0.conv3.weight", 0) / 4;
        double fullGroups = groups * 64.0 / stem;
        String name = null;
        if (known && width == planes && groups == 1) {
            name = "resnet" + depth;
        } else if (known && width == 2 * planes && groups == 1 && depth != 152) {
            name = "wide_resnet" + depth + "_2";
        } else if (known && width == 2 * planes && groups > 1 && depth == 50 && Math.round(fullGroups) == 32) {
            name = "resnext50_32x4d";
        } else if (known && width == 4 * planes && groups > 1 && depth == 101) {
            long g = Math.round(fullGroups);
            name = g == 32 ? "resnext101_32x8d" : g == 64 ? "resnext101_64x4d" : null;
        }
        if (name == null) {
            throw new FileFormatException(file + " holds a bottleneck ResNet torchvision does not publish (depth " + depth
                    + ", layer1 bottleneck " + width + " channels in " + groups + " groups for " + planes
                    + " planes); give the architecture with --model");
        }
        return name;
    }

    private static int dim(String file, Map<String, long[]> e, String name, int i) throws FileFormatException {
        long[] x = e.get(name);
        if (x == null || x.length <= i || x[i] < 1 || x[i] > 1_000_000) {
            throw new FileFormatException(file + ": tensor '" + name + "' is missing or has an unexpected shape");
        }
        return (int) x[i];
    }
}
