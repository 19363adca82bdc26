package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convnet4j.testsupport.TemporaryProperty;
import org.junit.jupiter.api.Test;

/** --max-model-memory as a library call: both limits for a scope, the previous ones back after it. */
class MemoryBudgetLimitTest {
    @Test
    void bothLimitsAreSetAndRestored() throws Exception {
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "5m");
                TemporaryProperty u = TemporaryProperty.set(MemoryBudget.UNSTORED_PROPERTY, "7m")) {
            System.clearProperty(MemoryBudget.UNSTORED_PROPERTY); // unset before: unset after
            try (MemoryBudget.Limit o = MemoryBudget.limit("6g", "--max-model-memory")) {
                assertEquals("6g", System.getProperty(MemoryBudget.PROPERTY));
                assertEquals("6g", System.getProperty(MemoryBudget.UNSTORED_PROPERTY));
                MemoryBudget.require("test", 5L << 30); // 5 GB passes under the raised limit
            }
            assertEquals("5m", System.getProperty(MemoryBudget.PROPERTY));
            assertNull(System.getProperty(MemoryBudget.UNSTORED_PROPERTY));
            assertThrows(MemoryBudget.TooLargeException.class, () -> MemoryBudget.require("test", 6L << 20));
        }
    }

    @Test
    void aMalformedSizeChangesNothingAndNamesTheOption() {
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "5m")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MemoryBudget.limit("6q", "--max-model-memory"));
            assertTrue(e.getMessage().contains("--max-model-memory"), e.getMessage());
            assertEquals("5m", System.getProperty(MemoryBudget.PROPERTY));
            try (MemoryBudget.Limit none = MemoryBudget.limit(null, "x")) {
                assertEquals("5m", System.getProperty(MemoryBudget.PROPERTY));
            }
            assertEquals("5m", System.getProperty(MemoryBudget.PROPERTY));
        }
    }
}
