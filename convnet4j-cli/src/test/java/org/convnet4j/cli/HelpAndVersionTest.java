package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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
        // the library's version (core's version.properties, as the build wrote it)
        assertTrue(org.convnet4j.util.LibraryVersion.get().matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"),
                org.convnet4j.util.LibraryVersion.get());
        assertEquals("convnet4j " + org.convnet4j.util.LibraryVersion.get(), run.out().lines().findFirst().orElse(""));
        assertTrue(run.out().contains("JDK " + System.getProperty("java.version")), run.out());
        assertTrue(run.out().contains("compute kernels: "), run.out());
    }

    /** Every command's --version is the top's (bench and summary printed nothing before cli.CliCommand). */
    @ParameterizedTest
    @MethodSource("commandsWithVersion")
    void everyCommandPrintsTheVersion(String command) {
        List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
        args.add("--version");
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), command);
        assertEquals(CliRun.of("--version").out(), run.out(), "convnet4j " + command + " --version");
    }

    /** Every command path but picocli's {@code help}, which takes no options. */
    static Stream<String> commandsWithVersion() {
        return CommandHelpUnchangedTest.commands().filter(c -> !c.equals("help"));
    }

    @Test
    void noCommandIsAUsageError() {
        CliRun run = CliRun.of();
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("convnet4j demo"));
    }
}
