package org.convnet4j.serve;

import java.util.List;
import java.util.Random;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;

/** Small models and pictures for the server tests: an untrained LeNet-5 answers in well under a millisecond. */
final class TestModels {
    static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    private TestModels() {
    }

    static SavedModel lenet(long seed) {
        Sequential m = LeNet5.build();
        m.initialize(seed);
        m.setClassNames(CLASSES);
        return new SavedModel(m, Preprocessing.forInput(Shape.of(1, 28, 28)), "{}");
    }

    static Tensor randomInput(Random r, int n) {
        return Tensor.uniform(r, 0, 1, n, 1, 28, 28);
    }
}
