package org.convnet4j.io.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;

/**
 * Which zoo architecture a torchvision state dict holds, from its names and shapes: ResNet-18/34/50, VGG16/19,
 * AlexNet and GoogLeNet (torchvision layout); classes from the classifier, width from the first conv, and VGG's
 * input size from classifier.0 (our VGG has no adaptive pool, so the input must give the 7x7 maps it expects).
 */
public final class TorchArchitectures {
    /** An architecture and options that fit a file. */
    public record Detected(String architecture, ZooOptions options) {
    }

    private TorchArchitectures() {
    }

    public static Detected detect(Path file, String architecture, Shape input) throws IOException {
        SafeTensors.Header header = SafeTensors.readHeader(file);
        // declared shapes against the stored data before anything is built from them
        SafeTensors.requireLoadable(file, header);
        Map<String, SafeTensors.Entry> e = header.entries();
        String arch = architecture != null ? architecture : guess(file, e);
        ZooOptions.Builder b = ZooOptions.builder().input(input);
        String first = arch.startsWith("resnet") ? "conv1.weight" : arch.equals("googlenet") ? "conv1.conv.weight"
                : "features.0.weight";
        b.width(dim(file, e, first, 0) / 64.0);
        String top = arch.startsWith("resnet") || arch.equals("googlenet") ? "fc.weight" : "classifier.6.weight";
        boolean hasTop = e.containsKey(top);
        b.includeTop(hasTop);
        if (hasTop) {
            b.classes(dim(file, e, top, 0));
        }
        if (arch.equals("googlenet")) {
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
    private static void requireModelFits(Path file, String arch, ZooOptions o) throws IOException {
        MemoryBudget.require(file + ": a " + arch + " of width " + o.width() + " and " + o.classes()
                + " classes (as its tensors declare)", ModelZoo.estimatedParameterBytes(arch, o));
    }

    private static String guess(Path file, Map<String, SafeTensors.Entry> e) throws FileFormatException {
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
                + " torchvision's ResNet, VGG, AlexNet and GoogLeNet names); give it with --model");
    }

    private static int dim(Path file, Map<String, SafeTensors.Entry> e, String name, int i) throws FileFormatException {
        SafeTensors.Entry x = e.get(name);
        if (x == null || x.shape().length <= i || x.shape()[i] < 1 || x.shape()[i] > 1_000_000) {
            throw new FileFormatException(file + ": tensor '" + name + "' is missing or has an unexpected shape");
        }
        return (int) x.shape()[i];
    }
}
