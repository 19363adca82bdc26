package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spark train} end to end on local[2]: data spec, --limit per class, split, --json, files, --resume. */
class SparkTrainCommandTest {
    @TempDir
    Path dir;

    private static String[] run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void trainsAFolderWithTheTrainCommandsProtocolAndResumes() throws Exception {
        // the three runs share the tests' local[2] session (SparkMain.run keeps a caller's session on the same master)
        // instead of each starting and stopping one of its own
        org.convnet4j.spark.TestSpark.session();
        Path data = dir.resolve("pictures");
        Random r = new Random(2);
        for (int c = 0; c < 3; c++) {
            Files.createDirectories(data.resolve("class" + c));
            for (int i = 0; i < 12 + 4 * c; i++) { // 12, 16, 20 pictures: --limit 10 takes 10 of each
                float[] p = new float[3 * 20 * 24];
                for (int j = 0; j < p.length; j++) {
                    p[j] = Math.min(255, c * 80 + r.nextInt(60));
                }
                Images.write(Tensor.wrap(p, 3, 20, 24), data.resolve("class" + c).resolve("p" + i + ".png"));
            }
        }
        Files.write(data.resolve("class1").resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        // a picture beside the class folders has no class: left out and said so, as train says it (it said nothing)
        Files.copy(data.resolve("class0").resolve("p0.png"), data.resolve("loose.png"));
        String outside = "1 picture outside any class folder was left out: file:" + data.resolve("loose.png");
        Path out = dir.resolve("m.c4j");
        String[] a = run("train", "--master", "local[2]", "--data", data.toString(), "--limit", "10", "--epochs", "2",
                "--batch", "8", "--val-split", "0.2", "--partitions", "2", "--json", "--no-progress",
                "--plots", dir.resolve("plots").toString(), "--checkpoint-dir", dir.resolve("ckpt").toUri().toString(),
                "--out", out.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        assertTrue(a[2].lines().anyMatch(outside::equals), "with --json on stderr: " + a[2]);
        JsonObject j = JsonParser.parseString(a[1].substring(a[1].indexOf('{'))).getAsJsonObject();
        assertEquals(24, j.get("train_samples").getAsInt(), "10 per class, 20% held out");
        assertEquals(6, j.get("val_samples").getAsInt());
        assertEquals(2, j.get("epochs").getAsInt());
        // the kept epoch in train --json's words (KeptEpoch): which epoch is in --out and why, no old best_* keys
        assertEquals(2, j.get("max_epochs").getAsInt());
        assertFalse(j.get("early_stop").getAsBoolean());
        int kept = j.get("kept_epoch").getAsInt();
        assertTrue(kept == 1 || kept == 2, a[1]);
        var rows = j.getAsJsonArray("history");
        assertEquals(2, rows.size());
        double keptAccuracy = rows.get(kept - 1).getAsJsonObject().get("val_accuracy").getAsDouble();
        assertEquals(keptAccuracy, j.get("val_accuracy").getAsDouble(), "the kept epoch's row");
        assertEquals(rows.get(kept - 1).getAsJsonObject().get("val_loss").getAsDouble(), j.get("val_loss").getAsDouble());
        double other = rows.get(2 - kept).getAsJsonObject().get("val_accuracy").getAsDouble();
        assertTrue(kept == 1 ? keptAccuracy >= other : keptAccuracy > other, "highest, the first of equal ones: " + a[1]);
        assertTrue(j.get("kept_because").getAsString().startsWith("highest validation accuracy ("), a[1]);
        assertFalse(j.has("best_epoch") || j.has("best_val_accuracy"), a[1]);
        assertEquals(2, j.get("partitions").getAsInt());
        assertEquals(1, j.get("skipped").getAsInt(), "the broken picture is left out and counted");
        assertTrue(j.getAsJsonArray("skipped_first").get(0).getAsString().contains("broken.png"), a[1]);
        assertTrue(Files.exists(out) && Files.exists(dir.resolve("m.last.c4j")), "best and last files");
        java.awt.image.BufferedImage curves = javax.imageio.ImageIO.read(dir.resolve("plots/training-curves.png").toFile());
        assertEquals(1400, curves.getWidth(), "the curves as train --plots draws them: loss and accuracy side by side");
        assertEquals(dir.resolve("plots/training-curves.png").toString(), j.get("plots").getAsString());

        // with progress, stderr not a terminal: whole lines from util.ProgressOutput, no carriage return
        String old = System.getProperty("convnet4j.progress");
        System.setProperty("convnet4j.progress", "lines");
        String[] b;
        try {
            b = run("train", "--master", "local[2]", "--resume", dir.resolve("m.last.c4j").toString(), "--epochs", "3");
        } finally {
            if (old == null) {
                System.clearProperty("convnet4j.progress");
            } else {
                System.setProperty("convnet4j.progress", old);
            }
        }
        assertEquals("0", b[0], b[1] + b[2]);
        assertTrue(b[1].lines().anyMatch(outside::equals), b[1]);
        assertTrue(!b[2].contains("\r") && b[2].lines().anyMatch(l -> l.matches(
                "epoch 3: \\d+ batches in \\d:\\d\\d:\\d\\d \\(\\d+ batches/s\\) loss \\d+\\.\\d{4}")), b[2]);
        assertTrue(b[1].contains("Resuming lenet5") && b[1].contains("epoch 3/3") && !b[1].contains("epoch 2/3"), b[1]);
        assertTrue(b[1].contains("skipped 1 picture(s) that cannot be decoded: ") && b[1].contains("broken.png"), b[1]);

        // resumed from --out's .last file, not a --checkpoint-dir file: no checkpoints written to the first run's folder
        Path ckpt = dir.resolve("ckpt");
        assertEquals(List.of("epoch-001.c4j", "epoch-002.c4j", "last.c4j"), names(ckpt));
        assertTrue(!b[1].contains("checkpoints continue"), b[1]);
        // resumed from that folder's last.c4j (epoch 2) without --checkpoint-dir: the run keeps checkpointing there
        byte[] epoch2 = Files.readAllBytes(ckpt.resolve("last.c4j"));
        String[] c = run("train", "--master", "local[2]", "--resume", ckpt.resolve("last.c4j").toString(), "--epochs",
                "3", "--no-progress");
        assertEquals("0", c[0], c[1] + c[2]);
        assertTrue(c[1].contains("checkpoints continue in file:" + ckpt + " (the folder of the resumed checkpoint;"),
                c[1]);
        assertTrue(c[1].contains("epoch 3/3") && !c[1].contains("epoch 2/3"), c[1]);
        assertEquals(List.of("epoch-001.c4j", "epoch-002.c4j", "epoch-003.c4j", "last.c4j"), names(ckpt));
        assertArrayEquals(Files.readAllBytes(ckpt.resolve("epoch-003.c4j")), Files.readAllBytes(ckpt.resolve("last.c4j")));
        assertFalse(java.util.Arrays.equals(epoch2, Files.readAllBytes(ckpt.resolve("last.c4j"))), "last.c4j is epoch 3's");
        assertEquals(3, org.convnet4j.train.TrainingCheckpoints.read(org.convnet4j.checkpoint.Checkpoint.load(
                ckpt.resolve("last.c4j"))).epochsCompleted());
    }

    private static List<String> names(Path folder) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
