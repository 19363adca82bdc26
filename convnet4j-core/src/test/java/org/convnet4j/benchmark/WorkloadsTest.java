package org.convnet4j.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadsTest {
    @Test
    void selectionRunsInTheStandardOrder() {
        assertEquals(List.of("W1", "W3"), List.copyOf(Workloads.select(List.of("w3", " W1", "W3"))));
        assertEquals(Workloads.ALL, List.copyOf(Workloads.select(null)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Workloads.select(List.of("W1", "W9")));
        assertTrue(e.getMessage().startsWith("unknown workload 'W9'; known: W0, W1"), e.getMessage());
    }

    @Test
    void w7WithoutAReaderIsReportedNotAvailable() {
        List<BenchResult> results = new ArrayList<>();
        Workloads w = new Workloads(new Workloads.Settings(true, Path.of("nowhere"), null), results::add);
        w.run("W7");
        assertEquals(2, results.size());
        assertTrue(results.stream().noneMatch(BenchResult::available));
        assertTrue(results.get(0).tabLine().startsWith("W7_MOBILENETV2_INFER_convnet4j_b1\tNA\timages/s not available: "),
                results.get(0).tabLine());
    }

    @Test
    void jsonArrayHasOneObjectPerLineAndNullForNaN() {
        String json = BenchResult.toJsonArray(List.of(new BenchResult("A\t1", 2.5, "GFLOPS", "x \"y\"", Double.NaN),
                BenchResult.notAvailable("B", "images/s", "missing")));
        assertEquals("[\n"
                + "  {\"workload\": \"A\\t1\", \"value\": 2.500, \"unit\": \"GFLOPS\", \"peak_heap_mb\": null,"
                + " \"notes\": \"x \\\"y\\\"\"},\n"
                + "  {\"workload\": \"B\", \"value\": null, \"unit\": \"images/s\", \"peak_heap_mb\": null,"
                + " \"notes\": \"not available: missing\"}\n"
                + "]\n", json);
    }
}
