package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The default limit follows the heap's use (issue 15), but neither garbage nor the model being built may shrink it:
 * in a full test run, ZooCountsTest's VGG16 was refused at 940 MB of 1.1 GB with a 4 GB heap because earlier tests
 * had left old-generation garbage and VGG16's own parameters, already allocated, were counted as kept heap on top
 * of the model's running total.
 */
class DefaultLimitHeapTest {
    private static final long MAX = Runtime.getRuntime().maxMemory();

    @Test
    void garbageLeftByEarlierWorkIsCollectedBeforeAModelIsRefused() {
        assertNull(System.getProperty(MemoryBudget.PROPERTY), "the default limit is under test");
        List<byte[]> junk = new ArrayList<>();
        for (long b = 0; b < MAX * 4 / 10; b += 32 << 20) {
            junk.add(new byte[32 << 20]); // large arrays are placed outside eden at once
        }
        assertTrue(MemoryBudget.keptHeapBytes() >= MAX * 35 / 100, "precondition: the arrays count as kept heap");
        junk = null;
        // 0.4 of the heap: more than heap - 0.4 kept - a quarter, less than half the heap once the garbage is gone
        try (MemoryBudget.ModelBuild build = MemoryBudget.startModelBuild("garbage test")) {
            assertDoesNotThrow(() -> {
                for (int i = 0; i < 8; i++) {
                    MemoryBudget.chargeParameter("p" + i, MAX / 20);
                }
            });
            assertEquals(8 * (MAX / 20), MemoryBudget.ModelBuild.chargedBytes());
        }
    }

    @Test
    void theParametersOfTheModelBeingBuiltAreCountedOnce() {
        assertNull(System.getProperty(MemoryBudget.PROPERTY), "the default limit is under test");
        System.gc();
        List<byte[]> model = new ArrayList<>();
        // 0.45 of the heap, charged and allocated piece by piece as a layer does: within half the heap
        try (MemoryBudget.ModelBuild build = MemoryBudget.startModelBuild("own parameters test")) {
            assertDoesNotThrow(() -> {
                for (int i = 0; i < 9; i++) {
                    MemoryBudget.chargeParameter("p" + i, MAX / 20);
                    model.add(new byte[(int) (MAX / 20)]);
                }
            });
        }
        assertEquals(9, model.size());
    }
}
