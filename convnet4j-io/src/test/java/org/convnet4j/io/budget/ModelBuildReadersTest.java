package org.convnet4j.io.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The running per-model parameter budget (issue 15) in the weight-file importers: Keras .h5, PyTorch .pth and
 * safetensors (tools/fixtures/hostile_fixtures.py writes the files: only the tensors the architecture detection reads).
 * The build charged each parameter's value and gradient, so under a budget the estimate from the declared shapes
 * (values) passed but the model with its gradients did not, and the build was refused naming the file. Since issue 16
 * a build charges the values only (training charges the gradients when it starts): the estimate, which bounds the
 * values from above, is what refuses these files, before anything is built, and under the budgets that refused the
 * built model before, the model is built and refused only for the weights the file lacks. The running total itself
 * (a refusal inside a block, before the parameter that crosses it is allocated) is tested in core
 * (ModelFileBudgetTest, NestedRefusalPathTest).
 */
class ModelBuildReadersTest {
    /** File, budget the values fit (values and gradients did not), budget below the estimate. */
    private static final Object[][] CASES = {
        // Keras' ResNet50 without top: estimate 129 MB, 23.6 M parameters = 94 MB of values (189 MB with gradients)
        {"keras_resnet50_stem.h5", "150m", "100m"},
        // ResNet-18 without fc: estimate 68 MB, 11.2 M parameters = 45 MB of values (89 MB with gradients)
        {"torch_resnet18_stem.pth", "80m", "50m"},
        {"torch_resnet18_stem.safetensors", "80m", "50m"},
    };

    @TestFactory
    Stream<DynamicTest> theValuesAreBuiltWhereTheGradientsWereRefusedAndTheEstimateRefusesBelowIt() {
        return Stream.of(CASES).map(c -> DynamicTest.dynamicTest((String) c[0], () -> {
            Path file = Path.of(ModelBuildReadersTest.class.getResource("/fixtures/hostile/" + c[0]).toURI());
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            // the per-file cap raised (as --max-model-memory does), so that the memory limit is what refuses
            try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, (String) c[2]);
                    TemporaryProperty q = TemporaryProperty.set(MemoryBudget.UNSTORED_PROPERTY, "1g")) {
                long limit = MemoryBudget.limitBytes();
                long before = threads.getCurrentThreadAllocatedBytes();
                Exception e = assertThrows(MemoryBudget.TooLargeException.class, () -> ModelLoader.load(file));
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                String m = e.getMessage();
                assertFalse(m.contains("\n"), m);
                assertTrue(m.startsWith(file + ": a ") && m.contains(" without its classifier (as its ") && m.contains(" needs ")
                        && m.contains("above the limit of " + MemoryBudget.human(limit) + " for one input"), m);
                assertTrue(allocated < (16L << 20), "allocated " + allocated); // nothing built
            }
            try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, (String) c[1]);
                    TemporaryProperty q = TemporaryProperty.set(MemoryBudget.UNSTORED_PROPERTY, "1g")) {
                Exception e = assertThrows(Exception.class, () -> ModelLoader.load(file));
                assertFalse(e instanceof MemoryBudget.ModelTooLargeException, e.getMessage());
                assertFalse(e.getMessage().contains("above the limit"), e.getMessage());
            }
            assertEquals(0, MemoryBudget.ModelBuild.chargedBytes(), "the total ends with the load");
        }));
    }

    /**
     * The per-file cap: under a memory limit of 8 GB, which would build all three models, each file (9,408 stored
     * values, 37.6 KB) is refused from its declared shapes before anything is built, allocating little: the models
     * they describe need more than 16 times what they store + 64 MB.
     */
    @TestFactory
    Stream<DynamicTest> aFileMayNotAskForMoreThanItStores() {
        return Stream.of(CASES).map(c -> DynamicTest.dynamicTest((String) c[0], () -> {
            Path file = Path.of(ModelBuildReadersTest.class.getResource("/fixtures/hostile/" + c[0]).toURI());
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "8g")) {
                long before = threads.getCurrentThreadAllocatedBytes();
                Exception e = assertThrows(MemoryBudget.TooLargeException.class, () -> ModelLoader.load(file));
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                String m = e.getMessage();
                assertFalse(m.contains("\n"), m);
                assertTrue(m.startsWith(file + ": a ") && m.contains(" without its classifier (as its "), m);
                assertTrue(m.contains(", more than the 38 KB it stores allow (68 MB: a file may ask for 16 times what"
                        + " it stores + 67 MB; if the file is genuine, raise it with --max-model-memory SIZE"), m);
                assertTrue(allocated < (16L << 20), "allocated " + allocated);
            }
            assertEquals(0, MemoryBudget.ModelBuild.chargedBytes());
        }));
    }
}
