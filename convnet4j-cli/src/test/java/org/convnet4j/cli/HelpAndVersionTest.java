package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HelpAndVersionTest {
    @Test
    void everyCommandHasHelpWithExamples() {
        for (String cmd : new String[] {"convolve", "edges", "pool", "kernels", "demo", "train", "evaluate", "predict"}) {
            CliRun run = CliRun.of(cmd, "--help");
            assertEquals(0, run.exitCode(), cmd);
            assertTrue(run.out().contains("Examples:"), cmd + " help has examples");
            assertTrue(run.out().contains("convnet4j " + cmd), cmd + " examples use the command");
        }
        CliRun top = CliRun.of("--help");
        assertEquals(0, top.exitCode());
        for (String cmd : new String[] {"convolve", "edges", "pool", "kernels", "demo", "train", "evaluate", "predict"}) {
            assertTrue(top.out().contains(cmd), "top-level help lists " + cmd);
        }
    }

    @Test
    void versionNamesJdkAndKernels() {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("convnet4j "), run.out());
        assertTrue(run.out().contains("JDK " + System.getProperty("java.version")), run.out());
        assertTrue(run.out().contains("compute kernels: "), run.out());
    }

    @Test
    void noCommandIsAUsageError() {
        CliRun run = CliRun.of();
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("convnet4j demo"));
    }
}
