package org.convnet4j.fusion;

import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;

/** Small networks sized for fusion experiments on 28x28 inputs with a slow engine. */
public final class FusionNets {
    /** Name accepted by {@code --branch}. */
    public static final String SMALL_CNN = "small-cnn";

    private FusionNets() {
    }

    /**
     * conv1 (8 3x3, same) relu1 pool1 (2x2) conv2 (16 3x3, same) relu2 pool2 (2x2) flatten dense1 (64) relu3
     * predictions (classes): about 52k parameters on [C, 28, 28]. Join points: {@code pool1}, {@code pool2},
     * {@code relu3}.
     */
    public static Sequential smallCnn(Shape input, int classes) {
        return new Sequential("small_cnn", input,
                new Conv2d(8, 3).padding(1).init(Initializer.HE_UNIFORM).named("conv1"), new ReLU().named("relu1"),
                new MaxPool2d(2).named("pool1"),
                new Conv2d(16, 3).padding(1).init(Initializer.HE_UNIFORM).named("conv2"), new ReLU().named("relu2"),
                new MaxPool2d(2).named("pool2"),
                new Flatten().named("flatten"),
                new Dense(64).init(Initializer.HE_UNIFORM).named("dense1"), new ReLU().named("relu3"),
                new Dense(classes).named("predictions"));
    }
}
