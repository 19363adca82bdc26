package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainingCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite: {@code kill -9} of a {@code train} while it writes its checkpoint. The kills of KillAndResumeTest land
 * where the clock puts them, mostly between saves (a save takes milliseconds); here the write of the second epoch's
 * {@code model.last.c4j} is paused half-way by the {@code convnet4j.faults.write} hook (AtomicFiles), and the child
 * is then killed by SIGKILL from outside, a real kill at a known byte of a save. The first epoch's checkpoint must be
 * byte for byte what it was and load, {@code --resume} from it must finish the run with no temporary file left, and
 * the weights must equal those of a run that was never killed.
 */
class KillMidCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void aTrainKilledWhileItWritesItsCheckpointResumesFromThePreviousOne() throws Exception {
        SaveFaults in = SaveFaults.in(dir);
        Path killed = Files.createDirectories(dir.resolve("killed")).resolve("model.c4j");
        Path last = killed.resolveSibling("model.last.c4j");
        CliRun first = train("--data", in.data().toString(), "--epochs", "1", "--out", killed.toString());
        assertEquals(0, first.exitCode(), first.err());
        byte[] epochOne = Files.readAllBytes(last);
        long middle = epochOne.length / 2; // the second epoch's checkpoint has the same tensors: as many bytes

        List<String> cmd = ChildJvm.smallWork("-Xmx256m",
                "-Dconvnet4j.faults.write=" + last.getFileName() + "@" + middle + ":pause");
        cmd.addAll(List.of(Main.class.getName(), "train", "--resume", last.toString(), "--epochs", "2",
                "--no-progress"));
        Process child = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        StringBuilder stderr = new StringBuilder();
        boolean paused = false;
        try (BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line; !paused && (line = err.readLine()) != null; ) {
                stderr.append(line).append('\n');
                paused = line.contains("convnet4j.faults.write: model.last.c4j paused at " + middle + " bytes");
            }
            assertTrue(paused, "the child reached the middle of its checkpoint: " + stderr);
            Path tmp = SaveFaults.temporary(last.getParent(), last.getFileName().toString(), child.pid());
            assertEquals(middle, Files.size(tmp), "half the new checkpoint is in its temporary file");
            child.destroyForcibly(); // SIGKILL, mid-save
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child ended");
        } finally {
            child.destroyForcibly();
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertArrayEquals(epochOne, Files.readAllBytes(last), "the first epoch's checkpoint after the kill");
        assertNull(TrainingCheckpoints.firstNonFinite(Checkpoint.load(last).parameters()));
        assertEquals(1, TrainingCheckpoints.read(Checkpoint.load(last)).epochsCompleted());

        CliRun resumed = CliRun.of("train", "--resume", last.toString(), "--epochs", "2", "--no-progress");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertEquals(2, TrainingCheckpoints.read(Checkpoint.load(last)).epochsCompleted());
        SaveFaults.noTemporaryIn(last.getParent()); // the killed save's, removed by the resumed run

        // the same two epochs never interrupted: bit for bit the same weights
        Path whole = Files.createDirectories(dir.resolve("whole")).resolve("model.c4j");
        CliRun reference = train("--data", in.data().toString(), "--epochs", "2", "--out", whole.toString());
        assertEquals(0, reference.exitCode(), reference.err());
        Map<String, Tensor> expected = Checkpoint.load(whole.resolveSibling("model.last.c4j")).parameters();
        Map<String, Tensor> actual = Checkpoint.load(last).parameters();
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertEquals(0f, expected.get(k).maxAbsDiff(actual.get(k)), k);
        }
    }

    private static CliRun train(String... args) {
        List<String> all = new ArrayList<>(List.of("train"));
        all.addAll(List.of(args));
        all.addAll(List.of("--batch", "4", "--val-split", "0", "--no-progress"));
        return CliRun.of(all.toArray(String[]::new));
    }
}
