package org.convnet4j.io.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingMemory;
import org.convnet4j.train.optim.Sgd;

/**
 * The child JVM of {@link OnnxInferenceBudgetTest}: with the default memory limit, reads and imports the file, runs one
 * sample, then starts training it with plain SGD (values + gradients). Prints "imported P parameters", "predicted
 * SHAPE", then "trained" or "refused: MESSAGE" and "gradients made: N".
 */
final class InferenceBudgetMain {
    private InferenceBudgetMain() {
    }

    public static void main(String[] args) throws Exception {
        Graph g = OnnxImporter.importModel(OnnxReader.readModel(Path.of(args[0])), args[0]);
        System.out.println("imported " + g.trainableParameterCount() + " parameters");
        Tensor y = g.predict(Tensor.zeros(Shape.of(1, 16, 16, 16)));
        System.out.println("predicted " + y.shape());
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            classes.add("c" + i);
        }
        ArrayDataset data = ArrayDataset.ofFloats(new float[2 * 16 * 16 * 16], Shape.of(16, 16, 16), new int[] {0, 1},
                classes);
        try {
            Trainer.fit(g, data, null, TrainConfig.builder(new Sgd(g, 0.01)).epochs(1).batchSize(2).seed(1).build());
            System.out.println("trained");
        } catch (TrainingMemory.TooLargeException e) {
            System.out.println("refused: " + e.getMessage());
        }
        System.out.println("gradients made: " + g.learnableParameters().values().stream()
                .filter(p -> p.gradIfPresent() != null).count());
    }
}
