package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.testsupport.TemporaryProperty;
import org.junit.jupiter.api.Test;

/**
 * The running total of a model being built (issue 15): parameters that each fit the budget but together do not are
 * refused before the one that crosses it is allocated; outside a build only each parameter alone is checked.
 */
class ModelBuildBudgetTest {
    // 1 MB budget; a [100000] parameter's value takes 400 KB (a build charges values; training charges gradients)
    private static final Shape S = Shape.of(100_000);

    @Test
    void parametersTogetherAboveTheBudgetAreRefusedBeforeAllocating() {
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "1000000");
                MemoryBudget.ModelBuild build = MemoryBudget.startModelBuild()) {
            Parameter.learnable("a", S, Initializer.ZEROS, 1, 1);
            Parameter.learnable("b", S, Initializer.ZEROS, 1, 1);
            assertEquals(800_000, MemoryBudget.ModelBuild.chargedBytes());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Parameter.learnable("c", S, Initializer.ZEROS, 1, 1));
            assertTrue(e.getMessage().startsWith("parameter 'c' "), e.getMessage());
            assertTrue(e.getMessage().contains("400 KB") && e.getMessage().contains("(800 KB)")
                    && e.getMessage().contains("limit of 1.0 MB for one model"), e.getMessage());
            assertEquals(800_000, MemoryBudget.ModelBuild.chargedBytes(), "the refused one is not counted");
        }
        assertEquals(0, MemoryBudget.ModelBuild.chargedBytes(), "closed with the build");
    }

    @Test
    void aNestedBuildJoinsTheOuterTotalAndWithoutABuildEachParameterIsCheckedAlone() {
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "1000000")) {
            for (int i = 0; i < 4; i++) {
                Parameter.learnable("free" + i, S, Initializer.ZEROS, 1, 1); // 1.6 MB in all: no build, no total
            }
            try (MemoryBudget.ModelBuild outer = MemoryBudget.startModelBuild()) {
                Parameter.learnable("a", S, Initializer.ZEROS, 1, 1);
                try (MemoryBudget.ModelBuild inner = MemoryBudget.startModelBuild()) {
                    Parameter.learnable("b", S, Initializer.ZEROS, 1, 1);
                }
                assertEquals(800_000, MemoryBudget.ModelBuild.chargedBytes(), "the inner build did not end the total");
                assertThrows(IllegalArgumentException.class, () -> Parameter.learnable("c", S, Initializer.ZEROS, 1, 1));
            }
        }
    }
}
