package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite, the local saves on a full disk: ENOSPC injected (the {@code convnet4j.faults.write} hook's
 * {@code :fail}) at a byte in the middle of the same saves {@link KillAtAByteTest} kills, run in-process. Each is one
 * line naming the target and the cause, exit 2; the earlier target is byte-identical; no temporary file is left.
 */
class FullDiskSavesTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path data;
    static Path tensor;

    @BeforeAll
    static void inputs() throws IOException {
        model = KillAtAByteTest.inputModel(dir);
        data = KillAtAByteTest.inputPictures(dir);
        tensor = KillAtAByteTest.inputTensor(dir);
    }

    @AfterEach
    void hookOff() {
        System.clearProperty("convnet4j.faults.write");
    }

    @Test
    void theCopyToOut() throws Exception {
        Path out = Files.createDirectories(dir.resolve("train"));
        Path target = out.resolve("model.c4j");
        CliRun r = full(target, 100_000, "train", "--data", data.toString(), "--epochs", "1", "--batch", "4",
                "--val-split", "0", "--no-progress", "--out", target.toString());
        // the run's last epoch is not lost with the copy: the one line says where it is
        assertTrue(Files.isRegularFile(out.resolve("model.last.c4j")));
        assertTrue(r.err().contains(out.resolve("model.last.c4j").toString()), r.err());
    }

    @Test
    void export() throws Exception {
        Path target = Files.createDirectories(dir.resolve("export")).resolve("model.onnx");
        full(target, 100_000, "export", model.toString(), "-o", target.toString());
    }

    @Test
    void importAModelFile() throws Exception {
        Path target = Files.createDirectories(dir.resolve("import")).resolve("imported.c4j");
        full(target, 100_000, "import", model.toString(), "-o", target.toString());
    }

    @Test
    void inferOutputs() throws Exception {
        Path out = Files.createDirectories(dir.resolve("infer"));
        Path target = out.resolve("output_0.pb");
        full(target, 20, "infer", "--model", model.toString(), "--input", tensor.toString(), "-o", out.toString());
    }

    private static CliRun full(Path target, long at, String... args) throws IOException {
        byte[] previous = ("an earlier " + target.getFileName() + "\n").getBytes(StandardCharsets.UTF_8);
        Files.write(target, previous);
        System.setProperty("convnet4j.faults.write", target.getFileName() + "@" + at + ":fail");
        CliRun r = CliRun.of(args);
        System.clearProperty("convnet4j.faults.write");
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains(target.toString()) && r.err().contains("No space left on device"), r.err());
        assertArrayEquals(previous, Files.readAllBytes(target));
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList());
        }
        return r;
    }
}
