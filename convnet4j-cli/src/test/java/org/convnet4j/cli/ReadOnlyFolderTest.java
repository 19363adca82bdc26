package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite, read-only folders. The tests run as root, who writes a read-only folder; so each command runs in a
 * child JVM started through {@code setpriv --bounding-set=-dac_override,-dac_read_search} (util-linux), which takes
 * from root the two capabilities that override file permissions: the child meets a {@code r-x} folder as any user
 * does (run as another user, the children start directly). Output files of export and train are refused before any work ("output directory ... is not writable"),
 * infer's outputs fail at the write ("permission denied"): one line naming the file, exit 2, the earlier file
 * intact, nothing left in the folder.
 */
class ReadOnlyFolderTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path data;
    static Path tensor;
    static Path readOnly;
    /** The command prefix that takes root's power to ignore permissions (none when not root). */
    static List<String> unprivileged;

    @BeforeAll
    static void inputs() throws Exception {
        SaveFaults in = SaveFaults.in(dir);
        model = in.model();
        data = in.data();
        tensor = in.tensor();
        readOnly = Files.createDirectories(dir.resolve("read-only"));
        Files.writeString(readOnly.resolve("model.onnx"), "an earlier model.onnx\n");
        Files.writeString(readOnly.resolve("output_0.pb"), "an earlier output_0.pb\n");
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        // root may write there (access(2) says so): then the children run without root's override capabilities
        unprivileged = Files.isWritable(readOnly)
                ? List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search") : List.of();
        // the premise, checked rather than assumed (a missing setpriv or a kernel without capabilities fails here)
        List<String> probe = new ArrayList<>(unprivileged);
        probe.addAll(List.of("touch", readOnly.resolve("probe").toString()));
        Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0 && out.contains("Permission denied"), probe + ": exit " + p.exitValue() + " " + out);
    }

    @AfterAll
    static void writable() throws IOException {
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x")); // for @TempDir's cleanup
    }

    /** Runs the CLI in a child JVM without the capabilities that let root ignore permissions. */
    private static Run run(String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(unprivileged);
        cmd.addAll(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dconvnet4j.kernels=scalar",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child ended");
        return new Run(p.exitValue(), err.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator"))
                .toList());
    }

    private record Run(int exit, List<String> err) {
    }

    private static void nothingLeft() throws IOException {
        try (Stream<Path> s = Files.list(readOnly)) {
            assertEquals(List.of("model.onnx", "output_0.pb"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void exportIntoAReadOnlyFolder() throws Exception {
        Path target = readOnly.resolve("model.onnx");
        byte[] before = Files.readAllBytes(target);
        Run r = run("export", model.toString(), "-o", target.toString());
        assertEquals(2, r.exit(), r.err().toString());
        assertEquals(List.of("convnet4j export: " + target + ": output directory " + readOnly + " is not writable"),
                r.err());
        assertArrayEquals(before, Files.readAllBytes(target));
        nothingLeft();
    }

    @Test
    void trainIntoAReadOnlyFolderIsRefusedBeforeTraining() throws Exception {
        Path out = readOnly.resolve("m.c4j");
        Run r = run("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split", "0",
                "--no-progress", "--out", out.toString());
        assertEquals(2, r.exit(), r.err().toString());
        assertEquals(List.of("convnet4j train: --out " + out + ": directory " + readOnly + " is not writable"), r.err());
        nothingLeft();
    }

    @Test
    void inferOutputsIntoAReadOnlyFolder() throws Exception {
        Path target = readOnly.resolve("output_0.pb");
        byte[] before = Files.readAllBytes(target);
        Run r = run("infer", "--model", model.toString(), "--input", tensor.toString(), "-o", readOnly.toString());
        assertEquals(2, r.exit(), r.err().toString());
        assertEquals(1, r.err().size(), r.err().toString());
        assertTrue(r.err().get(0).startsWith("convnet4j infer: " + target + ": could not create a temporary file in "
                + readOnly + " (permission denied)"), r.err().toString());
        assertArrayEquals(before, Files.readAllBytes(target));
        nothingLeft();
    }
}
