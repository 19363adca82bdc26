package org.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;

/**
 * A model's build charges its values only; training charges the gradients and the optimiser's state when it starts
 * (issue 16: vgg11_bn imports in 1.3 GB of heap but was refused below ~2.2 GB, its gradients charged with its values).
 * The model here: 1000 -> Dense 1000 -> Dense 10, 1,011,010 parameters, 4.0 MB of values.
 */
class TrainingMemoryTest {
    private static final long VALUES = 4L * 1_011_010;

    private static Sequential build() {
        try (MemoryBudget.ModelBuild counted = MemoryBudget.startModelBuild("m.c4j")) {
            Sequential m = new Sequential(Shape.of(1000), new Dense(1000), new Dense(10));
            assertEquals(VALUES, MemoryBudget.ModelBuild.chargedBytes(), "the build charges the values only");
            return m;
        }
    }

    private static Dataset data() {
        float[] x = new float[4 * 1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7) * 0.1f;
        }
        return ArrayDataset.ofFloats(x, Shape.of(1000), new int[] {0, 1, 2, 3},
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    }

    @Test
    void aModelBuiltWithinTheLimitRunsButAdamIsRefusedBeforeAnyGradientIsMade() {
        // 6 MB: the values (4.0 MB) fit; values and gradients (8.1 MB), the old charge, did not
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "6000000")) {
            Sequential m = build();
            assertEquals(Shape.of(1, 10), m.predict(Tensor.zeros(Shape.of(1, 1000))).shape()); // inference runs
            TrainConfig cfg = TrainConfig.builder(new Adam(m, 1e-3)).epochs(1).batchSize(4).seed(1).build();
            TrainingMemory.TooLargeException e = assertThrows(TrainingMemory.TooLargeException.class,
                    () -> Trainer.fit(m, data(), null, cfg));
            assertEquals("training a model (1,011,010 parameters, 1,011,010 trainable) needs 12 MB more for gradients"
                    + " and the optimiser's state; with the model's 4.0 MB of values that is above the limit of 6.0 MB"
                    + " for one model (Java heap " + MemoryBudget.human(Runtime.getRuntime().maxMemory()) + "); give"
                    + " Java more memory (CONVNET4J_JAVA_OPTS=-Xmx8g), freeze more layers, or raise the limit with"
                    + " --max-model-memory SIZE (-Dconvnet4j.maxInputBytes=BYTES)", e.getMessage());
            assertEquals("base.onnx: " + e.getMessage(), e.from("base.onnx").getMessage());
            for (Parameter q : m.learnableParameters().values()) {
                assertNull(q.gradIfPresent(), q.name() + ": refused before the first gradient was made");
            }
        }
    }

    @Test
    void whatTrainingAddsDependsOnTheOptimiserAndWhatIsHeldAlready() {
        // 9 MB: values + gradients (8.1 MB) fit, so plain SGD trains; Adam's two slots (8.1 MB more) do not
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "9000000")) {
            Sequential m = build();
            Adam adam = new Adam(m, 1e-3); // two slots a value (and a few scalars)
            assertTrue(adam.stateValues() >= 2 * VALUES / 4 && adam.stateValues() < 2 * VALUES / 4 + 100);
            assertEquals(VALUES + 4 * adam.stateValues(), TrainingMemory.bytesToCome(m, adam));
            assertEquals(VALUES, TrainingMemory.bytesToCome(m, new Sgd(m, 0.01)));
            assertEquals(2 * VALUES, TrainingMemory.bytesToCome(m, new Sgd(m, 0.01).momentum(0.9)));
            assertThrows(TrainingMemory.TooLargeException.class, () -> Trainer.fit(m, data(), null,
                    TrainConfig.builder(new Adam(m, 1e-3)).epochs(1).batchSize(4).seed(1).build()));
            Sgd sgd = new Sgd(m, 0.01);
            History h = Trainer.fit(m, data(), null, TrainConfig.builder(sgd).epochs(1).batchSize(4).seed(1).build());
            assertEquals(1, h.size());
            for (Parameter q : m.learnableParameters().values()) {
                assertNotNull(q.gradIfPresent(), q.name());
            }
            // gradients are held now: a second run adds nothing for them
            assertEquals(0, TrainingMemory.bytesToCome(m, sgd));
            assertEquals(VALUES, TrainingMemory.heldBytes(m));
        }
    }
}
