package org.convnet4j.run;

import java.util.Locale;
import org.convnet4j.zoo.ZooOptions;

/**
 * How one zoo model is built for a small-image benchmark: the square input size, the width multiplier, and the
 * per-architecture switches that make small inputs and short CPU runs work (CIFAR-style stem for ResNets, batch
 * norm for VGG, torchvision's batch-normalised GoogLeNet).
 */
public record ZooModelSetup(String model, int size, double width) {
    public ZooModelSetup {
        if (size < 1 || !(width > 0) || Double.isInfinite(width)) {
            throw new IllegalArgumentException("model '" + model + "': input size must be >= 1 and width > 0, got "
                    + size + ", " + width);
        }
    }

    /**
     * The default setup for Fashion-MNIST on a CPU: the smallest comfortable input (28 where the architecture
     * takes it; VGG needs 32 for its five 2x2 pools, AlexNet's stride-4 11x11 stem and three 3/2 pools need 63,
     * so 64) and a width that keeps a training epoch to minutes on two cores.
     */
    public static ZooModelSetup defaults(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        if (m.startsWith("lenet")) {
            return new ZooModelSetup(m, 28, 1.0);
        }
        if (m.equals("alexnet")) {
            return new ZooModelSetup(m, 64, 0.25);
        }
        if (m.startsWith("vgg")) {
            return new ZooModelSetup(m, 32, 0.25);
        }
        if (m.equals("googlenet")) {
            return new ZooModelSetup(m, 32, 0.25);
        }
        if (m.equals("inception_v3")) {
            return new ZooModelSetup(m, 75, 0.25);
        }
        return new ZooModelSetup(m, 28, 0.25);
    }

    /** Zoo options for {@code channels}-channel inputs and {@code classes} classes. */
    public ZooOptions options(int channels, int classes) {
        ZooOptions.Builder b = ZooOptions.builder().input(channels, size, size).classes(classes).width(width);
        if (model.startsWith("resnet")) {
            b.smallInput(true);
        }
        if (model.startsWith("vgg")) {
            b.batchNorm(true);
        }
        if (model.equals("googlenet")) {
            b.layout("torchvision");
        }
        return b.build();
    }

    /** What the switches are, for the report ("BN", "3x3 stem", ...). */
    public String notes() {
        if (model.startsWith("resnet")) {
            return "CIFAR stem (3x3/1, no max pool)";
        }
        if (model.startsWith("vgg")) {
            return "batch norm";
        }
        if (model.equals("googlenet")) {
            return "torchvision layout (batch norm)";
        }
        return "";
    }
}
