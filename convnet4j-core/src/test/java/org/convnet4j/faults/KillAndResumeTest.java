package org.convnet4j.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.CheckpointListener;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.train.optim.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite: a training run (in a child JVM) is killed with SIGKILL at random moments, during epochs and during
 * the checkpoint saves, and restarted each time from its last checkpoint. After every kill the checkpoint on
 * disk must load (never half-written, weights finite); the run that finally completes must end with weights bit
 * for bit equal to an uninterrupted run's; and the temporary files the killed saves left behind are gone.
 */
class KillAndResumeTest {
    @TempDir
    Path dir;

    /** The child: trains 6 epochs, resuming from {@code args[0]} when it exists. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        Sequential model = new Sequential(Shape.of(1, 8, 8), new Flatten(), new Dense(192), new ReLU(), new Dense(3));
        model.initialize(5);
        Trainer t = new Trainer(TrainConfig.builder(new Adam(model, 1e-3)).epochs(6).batchSize(16).seed(9).build());
        t.addListener(new CheckpointListener().saveLast(file));
        if (Files.exists(file)) {
            t.resume(file, model, data(), null);
        } else {
            t.fit(model, data(), null);
        }
    }

    static Dataset data() {
        Random r = new Random(11);
        int n = 1200;
        float[] x = new float[n * 64];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int k = 0; k < 64; k++) {
                x[i * 64 + k] = (float) r.nextGaussian() + (k % 3 == y[i] ? 1f : 0f);
            }
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 8, 8), y, List.of("a", "b", "c"));
    }

    private static Process start(Path file) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), KillAndResumeTest.class.getName(), file.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static Map<String, Tensor> weights(Path file) throws IOException {
        return Checkpoint.load(file).parameters();
    }

    @Test
    void killedAtRandomMomentsTheRunResumesToTheSameWeights() throws Exception {
        Path reference = dir.resolve("ref/model.last.c4j");
        Files.createDirectories(reference.getParent());
        Process p = start(reference);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "reference run finished");
        assertEquals(0, p.exitValue());
        long runMillis = Math.max(1000, Files.getLastModifiedTime(reference).toMillis()
                - Files.getLastModifiedTime(reference.getParent()).toMillis());

        Path file = dir.resolve("killed/model.last.c4j");
        Files.createDirectories(file.getParent());
        Random random = new Random(Long.getLong("c4j.faults.seed", System.nanoTime()));
        int kills = 0;
        for (int attempt = 0; attempt < 12; attempt++) {
            Process child = start(file);
            // JVM start-up plus a random part of the run; later attempts let it finish
            long wait = attempt < 4 ? 400 + random.nextInt((int) Math.min(runMillis + 800, 4000)) : 120_000;
            if (child.waitFor(wait, TimeUnit.MILLISECONDS)) {
                assertEquals(0, child.exitValue(), "the child run failed");
                break;
            }
            child.destroyForcibly(); // SIGKILL on Unix
            child.waitFor(30, TimeUnit.SECONDS);
            kills++;
            if (Files.exists(file)) {
                // whatever moment the kill hit, the checkpoint on disk is a complete, good one
                assertNull(TrainingCheckpoints.firstNonFinite(weights(file)));
            }
        }
        Map<String, Tensor> expected = weights(reference);
        Map<String, Tensor> actual = weights(file);
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertEquals(0f, expected.get(k).maxAbsDiff(actual.get(k)), k + " after " + kills + " kills");
        }
        assertEquals(6, TrainingCheckpoints.read(Checkpoint.load(file)).epochsCompleted());
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of("model.last.c4j"), s.map(x -> x.getFileName().toString()).toList(),
                    "temporary files of killed saves are cleaned by the next save");
        }
        System.out.println("KillAndResumeTest: " + kills + " kills (seed via -Dc4j.faults.seed), reference run "
                + runMillis + " ms; resumed weights identical");
    }
}
