package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.convnet4j.io.Npy;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.AtomicFiles;
import org.convnet4j.util.GroupSeal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite, a group's commit: {@code infer} of a two-output model, killed with SIGKILL between the renames of
 * its two outputs (the hook pauses the child right after output_0.pb's rename, the test kills it there), leaves
 * output_0.pb new, output_1.pb old and the group's journal. The next {@code infer} into that folder finishes the
 * renames before anything else (even one that then fails on a missing model) and says so in one line: both
 * outputs are the killed run's, byte for byte what an undisturbed run writes, and nothing else is left.
 *
 * <p>Before that next write, a reader must not take the mix for outputs of one run: at every point between the
 * renames (after output_0.pb's, after output_1.pb's, before the seal's) a reader, {@code infer} on a model that takes
 * both outputs as its inputs, is refused in one line naming the file (exit 2), and {@code sha256sum -c} on the
 * folder's seal fails; after the next write it reads the killed run's outputs.
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

        // earlier outputs of another input, without a seal (as an older convnet4j wrote them): readable, a mix too
        Path out = Files.createDirectories(dir.resolve("out"));
        assertEquals(0, CliRun.of("infer", "--model", in.twoOutputs().toString(), "--input", otherInput().toString(),
                "-o", out.toString()).exitCode());
        Files.delete(out.resolve(GroupSeal.FILE));
        byte[] old1 = Files.readAllBytes(out.resolve("output_1.pb"));
        assertEquals(0, reader(out).exitCode(), "the earlier outputs are read");
        Process child = killAt("output_0.pb@renamed", with(args, out.toString()));
        assertArrayEquals(new0, Files.readAllBytes(out.resolve("output_0.pb")), "output_0.pb renamed");
        assertArrayEquals(old1, Files.readAllBytes(out.resolve("output_1.pb")), "output_1.pb not yet");
        assertTrue(SaveFaults.list(out).size() > 2, "the kill left the journal and output_1.pb's temporary: " + SaveFaults.list(out));
        String refused = refusedReader(out, child.pid());

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
                + " replacing output_0.pb, output_1.pb, " + GroupSeal.FILE + " together (1 of 3 replaced); finished it:"
                + " all 3 now hold that run's new content", lines.get(0));
        assertTrue(lines.get(1).contains("missing.c4j"), lines.get(1));
        assertArrayEquals(new0, Files.readAllBytes(out.resolve("output_0.pb")));
        assertArrayEquals(new1, Files.readAllBytes(out.resolve("output_1.pb")), "output_1.pb: the killed run's output");
        assertEquals(List.of(GroupSeal.FILE, "output_0.pb", "output_1.pb"), SaveFaults.list(out), "nothing else left");
        assertEquals(0, sha256sumCheck(out), "the seal is the killed run's");
        CliRun read = reader(out);
        assertEquals(0, read.exitCode(), refused + " then " + read.err());
    }

    /**
     * Kills {@code infer}, run over an earlier sealed group (another input's outputs), when both outputs are renamed
     * and the seal is not yet (the earlier seal still in place): the reader is refused, and after the next write it
     * reads the new outputs. (GroupSealTest stops an in-process commit at every rename, in core.)
     */
    @Test
    void aReaderNeverTakesTheOutputsOfAKilledRunForOneRun() throws Exception {
        SaveFaults in = SaveFaults.in(dir);
        Path other = otherInput();
        String[] args = {"infer", "--model", in.twoOutputs().toString(), "--input", in.twoInputs().toString(), "-o"};
        Path ref = Files.createDirectories(dir.resolve("reference"));
        assertEquals(0, CliRun.of(with(args, ref.toString())).exitCode());
        assertEquals(0, reader(ref).exitCode());
        byte[] readsNew = Files.readAllBytes(readOf(ref));
        for (String stop : new String[] {GroupSeal.FILE + "@rename"}) { // both outputs new, the seal not yet
            Path out = Files.createDirectories(dir.resolve(stop.replace('@', '-')));
            CliRun earlier = CliRun.of("infer", "--model", in.twoOutputs().toString(), "--input", other.toString(), "-o",
                    out.toString());
            assertEquals(0, earlier.exitCode(), earlier.err());
            byte[] old0 = Files.readAllBytes(out.resolve("output_0.pb"));
            assertEquals(0, reader(out).exitCode(), "an earlier run's outputs are read");
            Process child = killAt(stop, with(args, out.toString()));
            assertFalse(java.util.Arrays.equals(old0, Files.readAllBytes(out.resolve("output_0.pb"))), stop + ": renamed");
            refusedReader(out, child.pid());
            assertEquals(List.of(), AtomicFiles.recover(out).stream().filter(l -> !l.contains(" " + child.pid() + " "))
                    .toList(), "one group only");
            CliRun read = reader(out);
            assertEquals(0, read.exitCode(), stop + ": " + read.err());
            assertArrayEquals(readsNew, Files.readAllBytes(readOf(out)), stop + ": the killed run's outputs, both");
        }
    }

    /** Another input for the two-output model than {@code SaveFaults}' (its outputs: the earlier ones). */
    private Path otherInput() throws IOException {
        Path other = dir.resolve("x4-other.npy");
        Tensor x = Tensor.zeros(2, 4);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = 0.25f - i / 16f;
        }
        Npy.write(other, x);
        return other;
    }

    /** A model that takes infer's two outputs ([N, 3] and [N, 2]) as its inputs: what reads both. */
    private Path readerModel() throws IOException {
        Path model = dir.resolve("reader.c4j");
        if (!Files.exists(model)) {
            Graph g = Graph.builder("reader").input("p", Shape.of(3)).input("q", Shape.of(2))
                    .add("d", new Dense(2), "p")
                    .add("sum", new Add(), "d", "q")
                    .output("sum").build();
            g.initialize(7);
            ModelFiles.save(g, model);
        }
        return model;
    }

    private Path readOf(Path out) {
        return out.resolveSibling(out.getFileName() + "-read").resolve("output_0.pb");
    }

    /** The reader, in-process, on {@code out}'s two outputs; what it writes goes to a folder beside {@code out}. */
    private CliRun reader(Path out) throws IOException {
        Path read = Files.createDirectories(readOf(out).getParent());
        return CliRun.of("infer", "--model", readerModel().toString(), "--input", out.resolve("output_0.pb").toString(),
                "--input", out.resolve("output_1.pb").toString(), "-o", read.toString());
    }

    /** The reader is refused in one line naming output_0.pb and the killed process; sha256sum -c fails too. */
    private String refusedReader(Path out, long pid) throws Exception {
        byte[] before = Files.exists(readOf(out)) ? Files.readAllBytes(readOf(out)) : null;
        CliRun read = reader(out);
        assertEquals(2, read.exitCode(), read.err());
        assertEquals(1, read.errLines(), read.err());
        String line = read.err().strip();
        assertTrue(line.startsWith("convnet4j infer: " + out.resolve("output_0.pb") + ": being replaced together with"
                + " output_1.pb, " + GroupSeal.FILE + " by process " + pid + " (stopped mid-way: the next convnet4j write"
                + " into " + out.toAbsolutePath() + " finishes or undoes it)"), line);
        assertArrayEquals(before, Files.exists(readOf(out)) ? Files.readAllBytes(readOf(out)) : null, "the reader wrote nothing");
        assertTrue(sha256sumCheck(out) != 0, "sha256sum -c takes the mix for a group");
        return line;
    }

    /** {@code sha256sum -c} on {@code out}'s seal, run in {@code out}: its exit code (coreutils, outside convnet4j). */
    private static int sha256sumCheck(Path out) throws Exception {
        Process p = new ProcessBuilder("sha256sum", "-c", "--quiet", GroupSeal.FILE).directory(out.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue();
    }

    /** A child {@code infer} paused by the hook at {@code stop} and killed there with SIGKILL; returns it, dead. */
    private static Process killAt(String stop, String... args) throws Exception {
        Process child = child(SaveFaults.HOOK + "=" + stop + ":pause", args);
        StringBuilder stderr = new StringBuilder();
        boolean paused = false;
        String name = stop.substring(0, stop.lastIndexOf('@'));
        try (BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; !paused && (line = err.readLine()) != null; ) {
                stderr.append(line).append('\n');
                paused = line.contains("convnet4j.faults.write: " + name + " paused at "
                        + (stop.endsWith("@renamed") ? "its rename" : "the rename"));
            }
            assertTrue(paused, "the child paused at " + stop + ": " + stderr);
            child.destroyForcibly(); // SIGKILL, while it waits in the hook
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        return child;
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
