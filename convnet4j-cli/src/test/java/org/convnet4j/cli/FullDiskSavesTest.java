package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite, the local saves on a full disk (ENOSPC) and on a failing one (EIO): the error injected (the {@code
 * convnet4j.faults.write} hook's {@code :enospc} and {@code :eio}) at a byte in the middle of the same saves {@link
 * KillAtAByteTest} kills, run in-process. Each is one line naming the target and the cause, exit 2; the earlier
 * target is byte-identical; no temporary file is left. The outputs of one {@code infer} are replaced together or not
 * at all, also when the last one's rename fails.
 */
class FullDiskSavesTest {
    @TempDir
    static Path dir;
    static SaveFaults in;

    @BeforeAll
    static void inputs() throws IOException {
        in = SaveFaults.in(dir);
    }

    @AfterEach
    void hookOff() {
        System.clearProperty(SaveFaults.HOOK);
    }

    @ParameterizedTest
    @ValueSource(strings = {"enospc", "eio"})
    void theCopyToOut(String fault) throws Exception {
        Path out = Files.createDirectories(dir.resolve("train-" + fault));
        Path target = out.resolve("model.c4j");
        CliRun r = failed(target, "100000:" + fault, fault, "train", "--data", in.data().toString(), "--epochs", "1",
                "--batch", "4", "--val-split", "0", "--no-progress", "--out", target.toString());
        // the run's last epoch is not lost with the copy: the one line says where it is
        assertTrue(Files.isRegularFile(out.resolve("model.last.c4j")));
        assertTrue(r.err().contains(out.resolve("model.last.c4j").toString()), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"enospc", "eio"})
    void export(String fault) throws Exception {
        Path target = Files.createDirectories(dir.resolve("export-" + fault)).resolve("model.onnx");
        failed(target, "100000:" + fault, fault, "export", in.model().toString(), "-o", target.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"enospc", "eio"})
    void importAModelFile(String fault) throws Exception {
        Path target = Files.createDirectories(dir.resolve("import-" + fault)).resolve("imported.c4j");
        failed(target, "100000:" + fault, fault, "import", in.model().toString(), "-o", target.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"enospc", "eio"})
    void inferOutputs(String fault) throws Exception {
        Path out = Files.createDirectories(dir.resolve("infer-" + fault));
        failed(out.resolve("output_0.pb"), "20:" + fault, fault, "infer", "--model", in.model().toString(), "--input",
                in.tensor().toString(), "-o", out.toString());
    }

    /** The second output fails: the first is not replaced either (it used to be: a new output_0 beside the old output_1). */
    @ParameterizedTest
    @ValueSource(strings = {"10:enospc", "10:eio", "rename:eio"})
    void inferOutputsAreReplacedTogether(String stop) throws Exception {
        Path out = Files.createDirectories(dir.resolve("infer2-" + stop.replace(':', '-')));
        Path first = out.resolve("output_0.pb");
        byte[] before = SaveFaults.earlier(first);
        CliRun r = failed(out.resolve("output_1.pb"), stop, stop.substring(stop.indexOf(':') + 1), "infer", "--model",
                in.twoOutputs().toString(), "--input", in.twoInputs().toString(), "-o", out.toString());
        assertArrayEquals(before, Files.readAllBytes(first), "output_0.pb, written with output_1.pb");
        assertTrue(r.err().contains("and so is output_0.pb"), r.err());
        assertEquals(List.of("output_0.pb", "output_1.pb"), SaveFaults.list(out));

        CliRun next = CliRun.of("infer", "--model", in.twoOutputs().toString(), "--input", in.twoInputs().toString(),
                "-o", out.toString());
        assertEquals(0, next.exitCode(), next.err());
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(first)), "replaced by the next run");
    }

    /** A one-output infer: no "and so is" when nothing else was written with it. */
    @Test
    void oneOutputNamesOnlyItself() throws Exception {
        Path out = Files.createDirectories(dir.resolve("infer-one"));
        CliRun r = failed(out.resolve("output_0.pb"), "rename:eio", "eio", "infer", "--model", in.model().toString(),
                "--input", in.tensor().toString(), "-o", out.toString());
        assertFalse(r.err().contains("and so"), r.err());
    }

    /** Runs {@code args} with the hook stopping the write of {@code target} at {@code stop}; checks what is left. */
    private static CliRun failed(Path target, String stop, String fault, String... args) throws IOException {
        byte[] previous = SaveFaults.earlier(target);
        System.setProperty(SaveFaults.HOOK, target.getFileName() + "@" + stop);
        CliRun r = CliRun.of(args);
        System.clearProperty(SaveFaults.HOOK);
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.errLines(), r.err());
        String cause = fault.equals("eio") ? "Input/output error" : "No space left on device";
        assertTrue(r.err().contains(target.toString()) && r.err().contains(cause), r.err());
        assertArrayEquals(previous, Files.readAllBytes(target));
        SaveFaults.noTemporaryIn(target.getParent());
        return r;
    }
}
