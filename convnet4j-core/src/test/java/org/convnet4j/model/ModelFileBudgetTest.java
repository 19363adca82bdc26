package org.convnet4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.tensor.Shape;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running per-model parameter budget (issue 15) in the readers of core: a {@code .c4j} whose architecture declares
 * layers that each pass the per-parameter check but together do not fit, and a zoo model built with options that do
 * not fit. Refused with one line naming the file (the model), before the parameter that crosses the budget is
 * allocated; within a larger budget the same file gets as far as its (missing) weights.
 */
class ModelFileBudgetTest {
    @TempDir
    Path dir;

    /**
     * Three dense layers of {@code units} x {@code units} (2000: 16 MB of values each; a build charges the values, the
     * gradients are charged when training starts) and no weights stored.
     */
    private Path craftedModelFile(int units) throws Exception {
        Model small = new Sequential(Shape.of(20), new Dense(20).named("a"), new Dense(20).named("b"),
                new Dense(20).named("c"));
        String description = ModelFiles.describe(small, null).replace("\"units\":20", "\"units\":" + units)
                .replace("[20]", "[" + units + "]");
        assertEquals(3, description.split("\"units\":" + units, -1).length - 1, description);
        Path file = dir.resolve("dense" + units + ".c4j");
        Checkpoint.save(file, new Checkpoint(Map.of(), Map.of(), description));
        return file;
    }

    @Test
    void aModelFileWhoseLayersTogetherExceedTheBudgetIsRefusedNamingTheFile() throws Exception {
        Path file = craftedModelFile(2000);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "20m")) {
            long before = threads.getCurrentThreadAllocatedBytes();
            IllegalArgumentException e = assertThrows(MemoryBudget.ModelTooLargeException.class,
                    () -> ModelFiles.read(file));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            String m = e.getMessage();
            assertFalse(m.contains("\n"), m);
            assertTrue(m.startsWith(file + ": layer 'b': parameter 'kernel' [2000, 2000] (value) needs"
                    + " 16 MB; with the model's parameters before it (16 MB) that is above the limit of 21 MB for one model"), m);
            // the first layer (16 MB) was built, the second never allocated
            assertTrue(allocated < (24L << 20), "allocated " + allocated);
        }
        // within a budget it fits (and a per-file cap raised as --max-model-memory does): built, then refused for what
        // the file lacks (its weights)
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "200m");
                TemporaryProperty q = TemporaryProperty.set(MemoryBudget.UNSTORED_PROPERTY, "200m")) {
            Exception e = assertThrows(Exception.class, () -> ModelFiles.read(file));
            assertFalse(e instanceof MemoryBudget.ModelTooLargeException, e.getMessage());
            assertTrue(e.getMessage().contains("a.kernel"), e.getMessage());
        }
        assertEquals(0, MemoryBudget.ModelBuild.chargedBytes(), "the total ends with the read");
    }

    /**
     * The per-file cap: whatever the heap (here a memory limit of 4 GB, a normal -Xmx8g), a file storing no weights
     * may make us build at most 64 MB of parameters: of three 3000 x 3000 layers (36 MB of values each) the second is
     * refused before it is allocated.
     */
    @Test
    void aModelFileMayNotAskForMoreThanItStores() throws Exception {
        Path file = craftedModelFile(3000);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "4g")) {
            assertEquals(64L << 20, MemoryBudget.fileCapBytes(0));
            long before = threads.getCurrentThreadAllocatedBytes();
            IllegalArgumentException e = assertThrows(MemoryBudget.ModelTooLargeException.class,
                    () -> ModelFiles.read(file));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            String m = e.getMessage();
            assertFalse(m.contains("\n"), m);
            assertTrue(m.startsWith(file + ": layer 'b': parameter 'kernel' [3000, 3000] (value) needs"
                    + " 36 MB; with the model's parameters before it (36 MB) that is more than the 0 bytes of weights it"
                    + " stores allow (67 MB: a file may ask for 16 times what it stores + 67 MB; if the file is genuine,"
                    + " raise it with --max-model-memory SIZE"), m);
            assertTrue(allocated < (80L << 20), "allocated " + allocated);
        }
        assertEquals(0, MemoryBudget.ModelBuild.chargedBytes(), "the total ends with the read");
        // a genuine file: the same architecture with its weights stored is read under the default cap
        Model small = new Sequential(Shape.of(2000), new Dense(2000).named("a"), new Dense(2000).named("b"),
                new Dense(2000).named("c"));
        Path genuine = dir.resolve("genuine.c4j");
        ModelFiles.save(small, genuine);
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "4g")) {
            assertEquals(small.parameterCount(), ModelFiles.read(genuine).model().parameterCount());
        }
    }

    @Test
    void aZooModelWhoseParametersTogetherExceedTheBudgetIsRefusedNamingTheModel() {
        // VGG11 at width 1/4: 9.1 M parameters (36 MB of values), the largest fc1 [1024, 6272] 26 MB alone
        ZooOptions quarter = ZooOptions.builder().width(0.25).build();
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "27000000")) {
            IllegalArgumentException e = assertThrows(MemoryBudget.ModelTooLargeException.class,
                    () -> ModelZoo.build("vgg11", quarter));
            assertTrue(e.getMessage().startsWith("model 'vgg11': layer 'fc1': parameter 'kernel' [1024, 6272]"
                    + " (value) needs 26 MB; with the model's parameters before it (2.3 MB)"), e.getMessage());
            assertTrue(e.getMessage().contains("above the limit of 27 MB for one model"), e.getMessage());
            // the size search for an input too small is not run for a model too large
            assertFalse(e.getMessage().contains("too small"), e.getMessage());
        }
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "100m")) {
            // by hand: convs 3-16-32-64-64-128-128-128-128 (3x3, biases) 577,120; fc 6272x1024, 1024x1024, 1024x1000
            // with biases 8,498,152
            assertEquals(577_120L + 8_498_152L, ModelZoo.build("vgg11", quarter).parameterCount());
        }
    }
}
