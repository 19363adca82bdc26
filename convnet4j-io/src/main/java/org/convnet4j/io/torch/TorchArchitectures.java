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
 * Which zoo architecture a torchvision state dict holds, from its names and shapes: ResNet-18/34/50, VGG16/19 (with
 * or without batch norm),
 * AlexNet, GoogLeNet and Inception v3 (torchvision layout); classes from the classifier, width from the first conv, and VGG's
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
        Map<String, long[]> e = sd.shapes();
        String file = sd.source();
        String arch = architecture != null ? architecture : guess(file, e);
        ZooOptions.Builder b = ZooOptions.builder().input(input);
        boolean inception = arch.equals("inception_v3");
        String first = arch.startsWith("resnet") ? "conv1.weight" : arch.equals("googlenet") ? "conv1.conv.weight"
                : inception ? "Conv2d_1a_3x3.conv.weight" : "features.0.weight";
        b.width(dim(file, e, first, 0) / (inception ? 32.0 : 64.0));
        String top = arch.startsWith("resnet") || arch.equals("googlenet") || inception ? "fc.weight"
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
            int last = ZooOptions.builder().width(dim(file, e, first, 0) / 64.0).build().ch(512);
            int side = (int) Math.round(Math.sqrt(cols / (double) last));
            if (side * side * last != cols) {
                throw new FileFormatException(file + ": classifier.0 takes " + cols + " inputs, no square of " + last
                        + "-channel maps");
            }
            b.input(Shape.of(3, 32 * side, 32 * side));
        }
        ZooOptions options = b.build();
        requireModelFits(file, arch, options);
        return new Detected(arch, options);
    }

    /** The first conv decides the width: a tiny file must not make us build a model of hundreds of gigabytes. */
    private static void requireModelFits(String file, String arch, ZooOptions o) throws IOException {
        MemoryBudget.require(file + ": a " + arch + " of width " + o.width() + " and " + o.classes()
                + " classes (as its tensors declare)", ModelZoo.estimatedParameterBytes(arch, o));
    }

    private static String guess(String file, Map<String, long[]> e) throws FileFormatException {
        if (e.containsKey("layer4.0.conv1.weight")) {
            boolean bottleneck = e.containsKey("layer1.0.conv3.weight");
            if (e.containsKey("layer3.6.conv1.weight") || e.containsKey("layer2.4.conv1.weight")) {
                throw new FileFormatException(file + " holds a ResNet deeper than 50 layers, which the zoo lacks");
            }
            if (bottleneck) {
                return "resnet50";
            }
            return e.containsKey("layer3.5.conv1.weight") ? "resnet34" : "resnet18";
        }
        if (e.containsKey("inception5b.branch1.conv.weight")) {
            return "googlenet";
        }
        if (e.containsKey("Mixed_7c.branch_pool.conv.weight")) {
            return "inception_v3";
        }
        if (e.containsKey("features.1.running_mean")) { // VGG with batch norm: conv, bn, relu per layer
            if (e.containsKey("features.49.weight")) {
                return "vgg19";
            }
            if (e.containsKey("features.40.weight")) {
                return "vgg16";
            }
        }
        if (e.containsKey("features.0.weight") && e.containsKey("features.10.weight")) {
            if (e.containsKey("features.34.weight")) {
                return "vgg19";
            }
            if (e.containsKey("features.28.weight")) {
                return "vgg16";
            }
            return "alexnet";
        }
        throw new FileFormatException(file + ": cannot tell the architecture from its tensor names (looked for"
                + " torchvision's ResNet, VGG, AlexNet, GoogLeNet and Inception v3 names); give it with --model");
    }

    private static int dim(String file, Map<String, long[]> e, String name, int i) throws FileFormatException {
        long[] x = e.get(name);
        if (x == null || x.length <= i || x[i] < 1 || x[i] > 1_000_000) {
            throw new FileFormatException(file + ": tensor '" + name + "' is missing or has an unexpected shape");
        }
        return (int) x[i];
    }
}
