package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code bench} runs in-process in quick mode and prints the reference scripts' line format. No timing asserts. */
class BenchCommandTest {

    @Test
    void quickW1PrintsOneTabLinePerMatrixSize() {
        CliRun run = CliRun.of("bench", "--quick", "--only", "W1");
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.out().lines().filter(l -> l.startsWith("W")).collect(Collectors.toList());
        // quick mode scales W1 down to n = 128, 256, 512
        assertEquals(List.of("W1_SGEMM_convnet4j_n128", "W1_SGEMM_convnet4j_n256", "W1_SGEMM_convnet4j_n512"),
                lines.stream().map(l -> l.split("\t")[0]).collect(Collectors.toList()));
        for (String line : lines) {
            String[] fields = line.split("\t");
            assertEquals(3, fields.length, line);
            double gflops = Double.parseDouble(fields[1]);
            assertTrue(gflops > 0 && Double.isFinite(gflops), line);
            assertTrue(fields[2].startsWith("GFLOPS median of 3"), line);
            assertTrue(fields[2].contains("peak heap"), line);
        }
    }

    @Test
    void jsonOutputIsAnArrayOfObjectsWithNullForUnavailable() {
        CliRun run = CliRun.of("bench", "--quick", "--json", "--only", "W0");
        assertEquals(0, run.exitCode(), run.err());
        String out = run.out().trim();
        assertTrue(out.startsWith("[") && out.endsWith("]"), out);
        assertTrue(out.contains("\"workload\": \"W0_FMA_peak_convnet4j_t"), out);
        assertTrue(out.contains("\"peak_heap_mb\": null"), out);
        assertFalse(out.contains("\t"), "no raw tabs in JSON");
    }

    @Test
    void unknownWorkloadIsBadInput() {
        CliRun run = CliRun.of("bench", "--only", "W1,W9");
        assertEquals(ErrorReporter.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("unknown workload 'W9'"), run.err());
    }
}
