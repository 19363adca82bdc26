package org.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loss of an epoch's last batch can be finite while the update after it has already overflowed the weights
 * (SGD with a huge learning rate, one batch per epoch). Such an epoch must end the run as diverged and never
 * reach a checkpoint file; the good file of an earlier run stays byte for byte.
 */
class DivergedWeightsTest {
    @TempDir
    Path dir;

    private static Dataset data() {
        Random r = new Random(3);
        float[] x = new float[32 * 4];
        int[] y = new int[32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian() * 1e4f; // large inputs: gradients of ~1e3, finite logits and loss
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 2;
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 2, 2), y, List.of("a", "b"));
    }

    private static History train(Sequential model, double lr, Path last) {
        Trainer t = new Trainer(TrainConfig.builder(new Sgd(model, lr)).epochs(1).batchSize(32).seed(1).build());
        t.addListener(new CheckpointListener().saveLast(last));
        return t.fit(model, data(), null);
    }

    @Test
    void aDivergedEpochIsNeverSavedOverAGoodCheckpoint() throws Exception {
        Path last = dir.resolve("model.last.c4j");
        Sequential model = new Sequential(Shape.of(1, 2, 2), new Flatten(), new Dense(2));
        model.initialize(7);
        train(model, 0.01, last);
        byte[] good = Files.readAllBytes(last);
        assertNull(TrainingCheckpoints.firstNonFinite(Checkpoint.load(last).parameters()));

        // one batch per epoch: its loss is finite, the update with lr 1e38 is not
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> train(model, 1e38, last));
        assertTrue(e.getMessage().contains("the weights are not finite"), e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(last));
    }

    @Test
    void theListenerItselfRefusesNonFiniteWeights() throws Exception {
        Path file = dir.resolve("x.c4j");
        Tensor w = Tensor.of(new float[] {1f, Float.NaN, Float.POSITIVE_INFINITY}, 3);
        assertTrue(TrainingCheckpoints.firstNonFinite(Map.of("fc.kernel", w)).equals("fc.kernel (2 of 3 values not finite)"));
        Sequential model = new Sequential(Shape.of(1, 2, 2), new Flatten(), new Dense(2));
        model.initialize(7);
        model.stateDict().values().iterator().next().data()[0] = Float.NaN;
        Trainer t = new Trainer(TrainConfig.builder(new Sgd(model, 0.0)).epochs(1).batchSize(32).seed(1).build());
        t.addListener(new CheckpointListener().saveLast(file));
        // lr 0 leaves the NaN in place; the loss becomes NaN first or the weight check fires: either way no file
        assertThrows(RuntimeException.class, () -> t.fit(model, data(), null));
        assertTrue(Files.notExists(file));
    }
}
