package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite, a group's commit: {@code infer} of a two-output model, killed with SIGKILL between the renames of
 * its two outputs (the hook pauses the child right after output_0.pb's rename, the test kills it there), leaves
 * output_0.pb new, output_1.pb old and the group's journal. The next {@code infer} into that folder finishes the
 * renames before anything else (even one that then fails on a missing model) and says so in one line: both
 * outputs are the killed run's, byte for byte what an undisturbed run writes, and nothing else is left.
 */
class KillMidGroupTest {
    @TempDir
    Path dir;

    @Test
    void aKillBetweenTheRenamesIsFinishedByTheNextRun() throws Exception {
        SaveFaults in = SaveFaults.in(dir);
        Path ref = Files.createDirectories(dir.resolve("reference"));
        String[] args = {"infer", "--model", in.twoOutputs().toString(), "--input", in.twoInputs().toString(), "-o"};
        CliRun undisturbed = CliRun.of(with(args, ref.toString()));
        assertEquals(0, undisturbed.exitCode(), undisturbed.err());
        byte[] new0 = Files.readAllBytes(ref.resolve("output_0.pb"));
        byte[] new1 = Files.readAllBytes(ref.resolve("output_1.pb"));

        Path out = Files.createDirectories(dir.resolve("out"));
        SaveFaults.earlier(out.resolve("output_0.pb"));
        byte[] old1 = SaveFaults.earlier(out.resolve("output_1.pb"));
        Process child = child(SaveFaults.HOOK + "=output_0.pb@renamed:pause", with(args, out.toString()));
        StringBuilder stderr = new StringBuilder();
        boolean paused = false;
        try (BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; !paused && (line = err.readLine()) != null; ) {
                stderr.append(line).append('\n');
                paused = line.contains("convnet4j.faults.write: output_0.pb paused at its rename");
            }
            assertTrue(paused, "the child paused after output_0.pb's rename: " + stderr);
            assertArrayEquals(new0, Files.readAllBytes(out.resolve("output_0.pb")), "output_0.pb renamed");
            assertArrayEquals(old1, Files.readAllBytes(out.resolve("output_1.pb")), "output_1.pb not yet");
            String journal = ".convnet4j-group.p" + child.pid() + "-";
            assertEquals(1, SaveFaults.list(out).stream().filter(n -> n.startsWith(journal)).count(), SaveFaults.list(out).toString());
            child.destroyForcibly(); // SIGKILL, while it waits in the hook
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertTrue(SaveFaults.list(out).size() > 2, "the kill left the journal and output_1.pb's temporary: " + SaveFaults.list(out));

        // the next run, on a model that does not exist: it settles the folder first, then fails as it must
        Process next = child(null, "infer", "--model", dir.resolve("missing.c4j").toString(), "--input",
                in.twoInputs().toString(), "-o", out.toString());
        next.getOutputStream().close();
        List<String> lines = new ArrayList<>();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(next.getErrorStream(), StandardCharsets.UTF_8))) {
            err.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator modules")).forEach(lines::add);
        }
        assertTrue(next.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, next.exitValue(), String.join("\n", lines));
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertEquals("convnet4j: WARNING: " + out.toAbsolutePath() + ": process " + child.pid() + " was stopped while"
                + " replacing output_0.pb, output_1.pb together (1 of 2 replaced); finished it: both now hold that"
                + " run's new content", lines.get(0));
        assertTrue(lines.get(1).contains("missing.c4j"), lines.get(1));
        assertArrayEquals(new0, Files.readAllBytes(out.resolve("output_0.pb")));
        assertArrayEquals(new1, Files.readAllBytes(out.resolve("output_1.pb")), "output_1.pb: the killed run's output");
        assertEquals(List.of("output_0.pb", "output_1.pb"), SaveFaults.list(out), "nothing else left");
    }

    private static String[] with(String[] args, String last) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }

    /** The CLI in a small, quick child JVM (C1 only, serial GC), with the fault hook set to {@code hook} if not null. */
    private static Process child(String hook, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "--add-modules=jdk.incubator.vector")); // the vector kernels: outputs bit for bit the in-process run's
        if (hook != null) {
            cmd.add("-D" + hook);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread watchdog = new Thread(() -> { // a child that never pauses or ends must not hang the build
            try {
                if (!p.waitFor(240, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        return p;
    }
}
