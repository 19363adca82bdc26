package org.convnet4j.zoo;

import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.Sigmoid;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;

/**
 * LeNet-5 as d2l.ai writes it (LeCun et al. 1998, compressed): for a 28x28 input,
 *
 * <pre>
 *   conv1  6 @ 5x5, pad 2   -> 6x28x28     pool1 2x2 /2 -> 6x14x14
 *   conv2 16 @ 5x5          -> 16x10x10    pool2 2x2 /2 -> 16x5x5
 *   dense1 120, dense2 84, predictions 10                  61,706 parameters
 * </pre>
 *
 * The {@link Variant#MODERN} variant (the default) uses ReLU and max pooling, which trains much faster;
 * {@link Variant#CLASSIC} keeps the original sigmoid activations and average pooling.
 *
 * <p>Layout {@code lecun1998} is the paper's own network instead ({@link LeNet5LeCun1998}: trainable
 * subsampling, the C3 connection table, scaled tanh, RBF output; 60,000 trainable parameters), and
 * {@code lecun1998-dense} the same with a plain dense output layer.
 */
public final class LeNet5 {
    /** Activation and pooling style. */
    public enum Variant { MODERN, CLASSIC }

    private LeNet5() {
    }

    public static Sequential build() {
        return build(Shape.of(1, 28, 28), 10, Variant.MODERN);
    }

    /** Zoo entry: layout {@code modern} (default), {@code classic}, {@code lecun1998} or {@code lecun1998-dense}; 28x28x1 and 10 classes by default. */
    public static Sequential build(ZooOptions o) {
        String layout = o.layoutOr("lenet5", "modern", "modern", "classic", LeNet5LeCun1998.LAYOUT,
                LeNet5LeCun1998.LAYOUT_DENSE);
        if (layout.startsWith(LeNet5LeCun1998.LAYOUT)) {
            return LeNet5LeCun1998.build(o.inputOr(Shape.of(1, 28, 28)), o.classesOr(10),
                    layout.equals(LeNet5LeCun1998.LAYOUT) ? LeNet5LeCun1998.Output.RBF : LeNet5LeCun1998.Output.DENSE);
        }
        return build(o.inputOr(Shape.of(1, 28, 28)), o.classesOr(10),
                layout.equals("classic") ? Variant.CLASSIC : Variant.MODERN);
    }

    public static Sequential build(Shape input, int classes, Variant variant) {
        boolean modern = variant == Variant.MODERN;
        // He initialisation suits ReLU; Glorot (Keras' default) suits the sigmoid original
        Initializer init = modern ? Initializer.HE_UNIFORM : Initializer.GLOROT_UNIFORM;
        return new Sequential("lenet5", input,
                new Conv2d(6, 5).padding(2).init(init).named("conv1"), act(modern, "act1"), pool(modern, "pool1"),
                new Conv2d(16, 5).init(init).named("conv2"), act(modern, "act2"), pool(modern, "pool2"),
                new Flatten().named("flatten"),
                new Dense(120).init(init).named("dense1"), act(modern, "act3"),
                new Dense(84).init(init).named("dense2"), act(modern, "act4"),
                new Dense(classes).init(Initializer.GLOROT_UNIFORM).named("predictions"));
    }

    private static Layer act(boolean modern, String name) {
        return (modern ? new ReLU() : new Sigmoid()).named(name);
    }

    private static Layer pool(boolean modern, String name) {
        return (modern ? new MaxPool2d(2) : new AvgPool2d(2)).named(name);
    }
}
