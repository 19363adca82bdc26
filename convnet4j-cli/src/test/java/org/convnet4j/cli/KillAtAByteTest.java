package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite, the local saves: each save kind runs as the real command in ONE child JVM whose write of the target
 * is stopped by the {@code convnet4j.faults.write} hook (AtomicFiles) at chosen bytes: paused at 0 bytes and at a
 * byte in the middle (the parent looks at the directory in exactly the state a kill there leaves), then halted
 * ({@code Runtime.halt}, as {@code kill -9}) when every byte is in the temporary file but before it is renamed. At
 * every stop the previous target is byte for byte what it was and the only other file is the temporary one, of
 * exactly that many bytes; the next run (in-process) replaces the target and leaves no temporary file.
 */
class KillAtAByteTest {
    @TempDir
    static Path dir;
    static SaveFaults in;

    @BeforeAll
    static void inputs() throws IOException {
        in = SaveFaults.in(dir);
    }

    @Test
    void theCopyToOutOfATrainingRunWithoutValidation() throws Exception {
        Path out = Files.createDirectories(dir.resolve("train"));
        Path target = out.resolve("model.c4j");
        // the halted temporary held the whole copy of its source, the last epoch's checkpoint
        killed(target, 100_000, out.resolve("model.last.c4j"), List.of(), "train", "--data", in.data().toString(), "--epochs", "1",
                "--batch", "4", "--val-split", "0", "--no-progress", "--out", target.toString());
    }

    @Test
    void export() throws Exception {
        Path target = Files.createDirectories(dir.resolve("export")).resolve("model.onnx");
        killed(target, 100_000, null, List.of(), "export", in.model().toString(), "-o", target.toString());
    }

    @Test
    void importAModelFile() throws Exception {
        Path target = Files.createDirectories(dir.resolve("import")).resolve("imported.c4j");
        killed(target, 100_000, null, List.of(), "import", in.model().toString(), "-o", target.toString());
    }

    @Test
    void inferOutputs() throws Exception {
        Path out = Files.createDirectories(dir.resolve("infer"));
        Path target = out.resolve("output_0.pb");
        killed(target, 20, null, List.of(), "infer", "--model", in.model().toString(), "--input", in.tensor().toString(),
                "-o", out.toString());
    }

    /**
     * A model with two outputs, killed while writing the second: neither output is replaced (the outputs are one
     * result; before, output_0 was already new beside the old output_1).
     */
    @Test
    void inferOutputsAreReplacedTogether() throws Exception {
        Path out = Files.createDirectories(dir.resolve("infer2"));
        killed(out.resolve("output_1.pb"), 10, null, List.of(out.resolve("output_0.pb")), "infer", "--model",
                in.twoOutputs().toString(), "--input", in.twoInputs().toString(), "-o", out.toString());
    }

    /**
     * Runs {@code args} in a child JVM that pauses at byte 0 and byte {@code middle} of the write of {@code target}
     * and halts at its end; checks the directory at each stop; then runs {@code args} in-process. The halted
     * temporary file must hold all of {@code whole} (read right after the kill), or else all of what the next run
     * writes. The files {@code together} are written with the target (before it): they too must be as they were at
     * every stop, and replaced by the next run.
     */
    private static void killed(Path target, long middle, Path whole, List<Path> together, String... args)
            throws Exception {
        Path folder = target.getParent();
        byte[] previous = SaveFaults.earlier(target);
        List<byte[]> others = new ArrayList<>();
        for (Path p : together) {
            others.add(SaveFaults.earlier(p));
        }
        String name = target.getFileName().toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // a small, quick JVM (C1 only; the scalar kernels, 1.5 s of CPU for the train case against 2.2 s with the
        // Vector API under C1, except for infer, whose output must be bit for bit the in-process run's)
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                args[0].equals("infer") ? "--add-modules=jdk.incubator.vector" : "-Dconvnet4j.kernels=scalar",
                "-Dconvnet4j.faults.write=" + name + "@0:pause," + middle + ":pause,end:halt",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process child = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread watchdog = new Thread(() -> {
            try {
                if (!child.waitFor(180, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException ignored) {
                child.destroyForcibly();
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        List<Long> pausedAt = new ArrayList<>();
        StringBuilder stderr = new StringBuilder();
        String prefix = "convnet4j.faults.write: " + name + " paused at ";
        try (BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8));
             OutputStream in = child.getOutputStream()) {
            for (String line; (line = err.readLine()) != null; ) {
                stderr.append(line).append('\n');
                int p = line.indexOf(prefix); // a log line: "convnet4j: WARNING: convnet4j.faults.write: ..."
                if (p >= 0) {
                    long at = Long.parseLong(line.substring(p + prefix.length(), line.indexOf(" bytes", p)));
                    pausedAt.add(at);
                    assertArrayEquals(previous, Files.readAllBytes(target), name + " paused at " + at);
                    for (int i = 0; i < together.size(); i++) {
                        assertArrayEquals(others.get(i), Files.readAllBytes(together.get(i)),
                                together.get(i).getFileName() + " when " + name + " paused at " + at);
                    }
                    assertEquals(at, Files.size(SaveFaults.temporary(folder, name, child.pid())), "bytes in the temporary file");
                    in.write('\n');
                    in.flush();
                }
            }
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child ended");
        assertEquals(137, child.exitValue(), "halted by the hook: " + stderr);
        assertEquals(List.of(0L, middle), pausedAt, stderr.toString());
        assertArrayEquals(previous, Files.readAllBytes(target), name + " after the kill");
        for (int i = 0; i < together.size(); i++) {
            assertArrayEquals(others.get(i), Files.readAllBytes(together.get(i)), together.get(i) + " after the kill");
        }
        Path tmp = SaveFaults.temporary(folder, name, child.pid());
        byte[] halted = Files.readAllBytes(tmp);
        assertTrue(halted.length > middle, "the halt came after the middle stop: " + halted.length);
        if (whole != null) {
            assertArrayEquals(Files.readAllBytes(whole), halted, "the halted temporary held all of " + whole);
        }

        CliRun next = CliRun.of(args); // the next run: no hook
        assertEquals(0, next.exitCode(), next.err());
        assertFalse(Arrays.equals(previous, Files.readAllBytes(target)), name + " replaced by the next run");
        for (int i = 0; i < together.size(); i++) {
            assertFalse(Arrays.equals(others.get(i), Files.readAllBytes(together.get(i))), together.get(i) + " replaced");
        }
        try (Stream<Path> s = Files.list(folder)) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
            assertEquals(List.of(), left, "the killed run's temporary file is removed by the next run");
        }
        if (whole == null) {
            assertArrayEquals(Files.readAllBytes(target), halted, "the halted temporary held the whole file");
        }
    }
}
