package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.spark.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark train --plots} whose curves picture cannot be written (a full disk, injected with the {@code
 * convnet4j.faults.write} hook at byte 100 of the PNG), as {@code train --plots} behaves: the training goes on and
 * saves its model, the command ends with one line naming the picture and the cause and saying where the model is,
 * exit 2; the earlier picture is unchanged and no temporary file is left. It used to stop the training at the
 * first epoch, and nothing was saved. In a child JVM: what stderr shows depends on SparkMain's logging set-up.
 */
class SparkPlotsFailureTest {
    @TempDir
    Path dir;

    @Test
    void aCurvesPictureThatCannotBeWrittenDoesNotCostTheTraining() throws Exception {
        Path data = TestSpark.stripeFolder(dir.resolve("stripes"), 4, 3);
        Path plots = Files.createDirectories(dir.resolve("plots"));
        Path png = plots.resolve("training-curves.png");
        byte[] earlier = "an earlier training-curves.png\n".getBytes(StandardCharsets.UTF_8);
        Files.write(png, earlier);
        Path out = dir.resolve("m.c4j");
        // a small, quick JVM (C1 only, serial GC: 4.6-4.8 CPU-s against 8.9 with the defaults, measured at load 32)
        List<String> err = CliRun.child(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Dconvnet4j.faults.write=training-curves.png@100:enospc"), 2,
                "train", "--master", "local[*]", "--data", data.toString(), "--epochs", "2",
                "--batch", "4", "--val-split", "0", "--no-progress", "--plots", plots.toString(), "--out", out.toString());
        assertEquals(1, err.size(), String.join("\n", err));
        String line = err.get(0);
        assertTrue(line.startsWith("convnet4j spark train: training curves: " + png + ": could not write (No space left"
                + " on device"), line);
        assertTrue(line.endsWith("; the training went on and saved " + out), line);
        // both epochs ran and the model is saved
        assertEquals(2, org.convnet4j.train.TrainingCheckpoints.read(Checkpoint.load(dir.resolve("m.last.c4j")))
                .epochsCompleted());
        assertTrue(Files.isRegularFile(out));
        assertArrayEquals(earlier, Files.readAllBytes(png));
        try (Stream<Path> s = Files.list(plots)) {
            assertEquals(List.of("training-curves.png"), s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
