package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
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
        Path out = dir.resolve("m.c4j");
        String[] a = run("train", "--master", "local[2]", "--data", data.toString(), "--limit", "10", "--epochs", "2",
                "--batch", "8", "--val-split", "0.2", "--partitions", "2", "--json", "--no-progress",
                "--plots", dir.resolve("plots").toString(), "--out", out.toString());
        assertEquals("0", a[0], a[1] + a[2]);
        JsonObject j = JsonParser.parseString(a[1].substring(a[1].indexOf('{'))).getAsJsonObject();
        assertEquals(24, j.get("train_samples").getAsInt(), "10 per class, 20% held out");
        assertEquals(6, j.get("val_samples").getAsInt());
        assertEquals(2, j.get("epochs").getAsInt());
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
        assertTrue(!b[2].contains("\r") && b[2].lines().anyMatch(l -> l.matches(
                "epoch 3: \\d+ batches in \\d:\\d\\d:\\d\\d \\(\\d+ batches/s\\) loss \\d+\\.\\d{4}")), b[2]);
        assertTrue(b[1].contains("Resuming lenet5") && b[1].contains("epoch 3/3") && !b[1].contains("epoch 2/3"), b[1]);
        assertTrue(b[1].contains("skipped 1 picture(s) that cannot be decoded: ") && b[1].contains("broken.png"), b[1]);
    }
}
