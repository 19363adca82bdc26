package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The old generation after GC on /metrics: the gauge follows what survives a full collection, checked against
 * the JVM's own pool bean and against 96 MiB that the test keeps, then lets go of.
 */
class HeapAfterGcMetricTest {
    private static final String OLD = ServeMetrics.HEAP_AFTER_GC + "{pool=\"";

    /** The old generation's after-GC bytes in a scrape. */
    private static long oldAfterGc(String exposition) {
        List<String> lines = exposition.lines().filter(l -> l.startsWith(OLD) && l.contains("old=\"true\"")).toList();
        assertEquals(1, lines.size(), exposition);
        return Long.parseLong(lines.get(0).substring(lines.get(0).lastIndexOf(' ') + 1));
    }

    private static void fullGc() {
        // System.gc() is a full, stop-the-world collection under the test JVM's collector (G1 by default)
        System.gc();
        System.gc();
    }

    @Test
    void followsWhatSurvivesAFullCollection() throws Exception {
        ServeMetrics metrics = new ServeMetrics();
        String first = metrics.render();
        assertTrue(first.contains("# TYPE " + ServeMetrics.HEAP_AFTER_GC + " gauge"), first);

        fullGc();
        long before = oldAfterGc(metrics.render());
        MemoryPoolMXBean old = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> ServeMetrics.isOld(p.getName()) && p.getCollectionUsage() != null).findFirst().orElseThrow();
        assertEquals(old.getCollectionUsage().getUsed(), before);

        byte[][] kept = new byte[96][];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = new byte[1 << 20];
        }
        fullGc();
        long holding = oldAfterGc(metrics.render());
        assertTrue(holding - before >= 90L << 20, "kept 96 MiB: " + before + " -> " + holding);

        kept = null;
        fullGc();
        long after = oldAfterGc(metrics.render());
        assertTrue(holding - after >= 90L << 20, "let go of 96 MiB: " + holding + " -> " + after);
    }

    @Test
    void theServerReportsIt() throws Exception {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        try (ModelServer server = ModelServer.start(Map.of("lenet", TestModels.lenet(1)), o)) {
            String scrape = ModelServerTest.get(server, "/metrics").body();
            assertTrue(oldAfterGc(scrape) >= 0, scrape);
            assertFalse(scrape.lines().anyMatch(l -> l.startsWith(ServeMetrics.HEAP_AFTER_GC + "{") && l.contains("Metaspace")),
                    "only heap pools");
        }
    }

    @Test
    void namesTheOldPoolsOfHotSpotsCollectors() {
        assertTrue(ServeMetrics.isOld("G1 Old Gen"));
        assertTrue(ServeMetrics.isOld("PS Old Gen"));
        assertTrue(ServeMetrics.isOld("Tenured Gen"));
        assertTrue(ServeMetrics.isOld("ZGC Old Generation"));
        assertFalse(ServeMetrics.isOld("G1 Eden Space"));
        assertFalse(ServeMetrics.isOld("G1 Survivor Space"));
    }
}
