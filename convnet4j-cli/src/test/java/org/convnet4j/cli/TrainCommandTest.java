package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.image.Images;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train → evaluate → predict on real Fashion-MNIST pictures, resume, and the progress display. */
class TrainCommandTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void needsFashionMnist() {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)),
                "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
    }

    @Test
    void trainEvaluatePredictRoundTripLearnsFashionMnist() throws Exception {
        Path model = dir.resolve("m.c4j");
        CliRun train = CliRun.of("train", "--limit", "200", "--epochs", "1", "--val-split", "0", "--out",
                model.toString(), "--plots", dir.toString(), "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("epoch 1/1  train loss"), train.out());
        // the closing summary (TrainingRun.Report.summary): the model, the checkpoint to resume from, the curves
        String summary = Pattern.quote("wrote " + model + " (last epoch), ") + ".+"
                + Pattern.quote(" (last epoch, for --resume), " + dir.resolve("training-curves.png") + "; ")
                + "\\d+\\.\\d s";
        assertTrue(train.out().lines().anyMatch(l -> l.matches(summary)), train.out());
        assertTrue(Files.isRegularFile(dir.resolve("training-curves.png")));

        CliRun eval = CliRun.of("evaluate", "--model", model.toString(), "--limit", "100", "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonObject metrics = Json.parseObject(eval.out().strip(), "evaluate --json");
        assertEquals(1000, metrics.get("samples").getAsInt());
        // chance is 0.1; one epoch on 2000 pictures gets far above it
        assertTrue(metrics.get("accuracy").getAsDouble() > 0.5, eval.out());
        assertTrue(metrics.get("top_k_accuracy").getAsDouble() >= metrics.get("accuracy").getAsDouble());
        JsonArray perClass = metrics.getAsJsonObject("confusion").getAsJsonArray("per_class");
        assertEquals(10, perClass.size());
        assertEquals("Ankle boot", perClass.get(9).getAsJsonObject().get("class").getAsString());

        CliRun table = CliRun.of("evaluate", "--model", model.toString(), "--limit", "30", "--plots", dir.toString());
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("actual \\ predicted") && table.out().contains("precision"), table.out());
        assertTrue(Files.isRegularFile(dir.resolve("confusion-matrix.png")));

        // a test picture as a file, enlarged to 56x56 RGB: predict resizes and greys it as the model file says
        Tensor sample = FashionMnist.test().sample(0); // an ankle boot
        Tensor rgb = Tensor.zeros(3, 56, 56);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 56; y++) {
                for (int x = 0; x < 56; x++) {
                    rgb.set(255 * sample.get(0, y / 2, x / 2), c, y, x);
                }
            }
        }
        Path png = dir.resolve("boot.png");
        Images.write(rgb, png);
        CliRun predict = CliRun.of("predict", "--model", model.toString(), "--json", png.toString());
        assertEquals(0, predict.exitCode(), predict.err());
        JsonArray top = Json.parseObject(predict.out().strip(), "predict").getAsJsonArray("predictions")
                .get(0).getAsJsonObject().getAsJsonArray("top");
        assertEquals(3, top.size());
        double p0 = top.get(0).getAsJsonObject().get("probability").getAsDouble();
        double p1 = top.get(1).getAsJsonObject().get("probability").getAsDouble();
        assertTrue(p0 >= p1 && p0 <= 1, predict.out());
        CliRun text = CliRun.of("predict", "--model", model.toString(), "-k", "1", png.toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains(top.get(0).getAsJsonObject().get("class").getAsString()), text.out());
    }

    @Test
    void resumedRunEndsWithTheSameWeightsAsAnUninterruptedOne() throws Exception {
        Path whole = dir.resolve("whole.c4j");
        Path part = dir.resolve("part.c4j");
        String[] common = {"--limit", "26", "--val-split", "0.25", "--no-progress", "--seed", "5"};
        CliRun wholeRun = run("train", common, "--epochs", "2", "--out", whole.toString(), "--json");
        JsonObject summary = Json.parseObject(wholeRun.out().strip(), "train --json");
        assertEquals(2, summary.getAsJsonArray("history").size());
        assertEquals(65, summary.get("val_samples").getAsInt()); // 0.25 of 26 per class x 10
        int best = summary.get("kept_epoch").getAsInt();
        assertTrue(best == 1 || best == 2, wholeRun.out());
        // the words of every command's JSON (transfer --json's phases, fuse --json): the epoch kept in --out and why
        for (String k : org.convnet4j.train.KeptEpoch.KEYS) {
            assertTrue(summary.has(k), k + " in " + summary);
        }
        assertEquals(2, summary.get("max_epochs").getAsInt());
        assertTrue(summary.get("kept_because").getAsString().startsWith("highest validation accuracy ("), wholeRun.out());
        JsonObject keptRow = summary.getAsJsonArray("history").get(best - 1).getAsJsonObject();
        assertEquals(keptRow.get("val_accuracy").getAsDouble(), summary.get("val_accuracy").getAsDouble(), wholeRun.out());
        assertEquals(keptRow.get("val_loss").getAsDouble(), summary.get("val_loss").getAsDouble(), wholeRun.out());
        assertEquals(best, summary.get("best_epoch").getAsInt()); // the old name, kept for one release
        assertFalse(summary.has("best_val_accuracy"), wholeRun.out()); // now val_accuracy, as fuse and transfer say
        assertEquals(0, run("train", common, "--epochs", "1", "--out", part.toString()).exitCode());
        // only --resume and --epochs: the rest comes from the checkpoint
        CliRun resumed = CliRun.of("train", "--resume", TrainingSettings.lastFile(part).toString(), "--epochs", "2",
                "--no-progress");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("Resuming") && resumed.out().contains("epoch 2/2"), resumed.out());
        Map<String, Tensor> a = Checkpoint.load(TrainingSettings.lastFile(whole)).parameters();
        Map<String, Tensor> b = Checkpoint.load(TrainingSettings.lastFile(part)).parameters();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertEquals(0f, a.get(k).maxAbsDiff(b.get(k)), k);
        }
        // and the one-epoch checkpoint really was different: the resume did the work
        assertFalse(ModelFiles.load(part).namedParameters().isEmpty());
    }

    @Test
    void progressBarShowsEpochImagesPerSecondLossAndAccuracy() {
        CliRun run = withProgress("bar", "train", "--limit", "26", "--epochs", "1", "--val-split", "0", "--out",
                dir.resolve("p.c4j").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("\repoch 1/1"), run.err());
        String last = lastBarLine(run.err());
        assertTrue(last.contains("epoch 1/1 100% [====") && last.contains("260 of 260 img") && last.contains("img/s")
                && last.contains("loss ") && last.contains("acc "), run.err());
    }

    /** With stderr in a log: whole lines, the epoch's closing one with images, rate, loss and accuracy. */
    @Test
    void progressInALogIsWholeLinesWithoutCarriageReturns() {
        CliRun run = withProgress("lines", "train", "--limit", "26", "--epochs", "2", "--val-split", "0", "--out",
                dir.resolve("p.c4j").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertFalse(run.err().contains("\r"), run.err());
        for (int epoch = 1; epoch <= 2; epoch++) {
            String closing = "epoch " + epoch + "/2: 260 img in \\d:\\d\\d:\\d\\d \\([\\d,]+ img/s\\)"
                    + " loss \\d+\\.\\d{4} acc \\d\\.\\d{4}";
            assertEquals(1, run.err().lines().filter(l -> l.matches(closing)).count(), run.err());
        }
    }

    /**
     * {@code train} in a child JVM with stdout and stderr redirected to files, as under {@code nohup} or in CI, and no
     * CONVNET4J_PROGRESS: the command finds out itself that stderr is no terminal and writes no carriage return; an
     * epoch (seconds here) is one plain line on each stream.
     */
    @Test
    void redirectedToFilesTrainWritesNoCarriageReturnAndOneLinePerEpoch() throws Exception {
        Path err = dir.resolve("err.log");
        Path out = dir.resolve("out.log");
        java.util.List<String> cmd = ChildJvm.smallWork("--add-modules", "jdk.incubator.vector");
        cmd.addAll(java.util.List.of(Main.class.getName(), "train", "--limit", "26", "--epochs", "3", "--val-split",
                "0.2", "--seed", "4", "--out", dir.resolve("f.c4j").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(out.toFile());
        pb.environment().remove("CONVNET4J_PROGRESS");
        Process p = pb.start();
        assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS), "train did not end in 300 s");
        String e = Files.readString(err);
        String o = Files.readString(out);
        assertEquals(0, p.exitValue(), e);
        assertFalse(e.contains("\r"), "no carriage return on stderr: " + e);
        assertFalse(o.contains("\r"), "no carriage return on stdout: " + o);
        for (int epoch = 1; epoch <= 3; epoch++) {
            String prefix = "epoch " + epoch + "/3";
            // stderr: the epoch's closing line, and a 10% line before it only as often as one per 5 s allows (an
            // epoch of 208 pictures takes well under 5 s on a quiet machine: then the closing line alone)
            java.util.List<String> progress = e.lines().filter(l -> l.startsWith(prefix)).toList();
            String closing = progress.get(progress.size() - 1);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(Pattern.quote(prefix)
                    + ": 208 img in (\\d):(\\d\\d):(\\d\\d) \\([\\d,]+ img/s\\) loss \\d+\\.\\d{4} acc \\d\\.\\d{4}")
                    .matcher(closing);
            assertTrue(m.matches(), e);
            long seconds = Long.parseLong(m.group(1)) * 3600 + Long.parseLong(m.group(2)) * 60 + Long.parseLong(m.group(3));
            java.util.List<String> within = progress.subList(0, progress.size() - 1);
            assertTrue(within.size() <= (seconds + 1) / 5, within.size() + " lines within an epoch of " + seconds + " s: " + e);
            for (String l : within) {
                assertTrue(l.matches(Pattern.quote(prefix) + ": \\d+% [\\d,]+ of [\\d,]+ img, .*"), l);
            }
            // stdout: the epoch's line
            assertEquals(1, o.lines().filter(l -> l.startsWith(prefix + "  train loss")).count(), o);
        }
    }

    private static CliRun withProgress(String mode, String... args) {
        String old = System.getProperty("convnet4j.progress");
        System.setProperty("convnet4j.progress", mode);
        try {
            return CliRun.of(args);
        } finally {
            if (old == null) {
                System.clearProperty("convnet4j.progress");
            } else {
                System.setProperty("convnet4j.progress", old);
            }
        }
    }

    /** The stratified split never takes a class's only picture: a folder of one picture per class is one line. */
    @Test
    void aFolderOfOnePicturePerClassCannotBeSplitAndIsOneLine() throws Exception {
        Path data = dir.resolve("ones");
        for (String cls : new String[] {"a", "b"}) {
            Files.createDirectories(data.resolve(cls));
            Images.write(Tensor.zeros(1, 28, 28), data.resolve(cls).resolve("1.png"));
        }
        Path model = dir.resolve("ones.c4j");
        CliRun train = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--out", model.toString(),
                "--no-progress");
        assertEquals(2, train.exitCode(), train.err());
        assertEquals(1, train.err().strip().lines().count(), train.err());
        assertTrue(train.err().contains("validation split 0.1: 2 pictures in 2 classes cannot give one")
                && train.err().contains("--val-split 0"), train.err());
        assertFalse(Files.exists(model));
    }

    @Test
    void imageFolderTrainsAModelThatPredictsNewPictures() throws Exception {
        // two classes anyone can tell apart: dark and bright pictures of another size, in colour
        Path data = dir.resolve("pictures");
        for (String cls : new String[] {"bright", "dark"}) {
            Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < 24; i++) {
                Tensor t = Tensor.zeros(3, 20, 16);
                float base = cls.equals("bright") ? 180 : 20;
                for (int j = 0; j < t.size(); j++) {
                    t.data()[j] = base + (j * 7 + i * 13) % 60;
                }
                Images.write(t, data.resolve(cls).resolve(i + ".png"));
            }
        }
        Path model = dir.resolve("folder.c4j");
        CliRun train = CliRun.of("train", "--data", data.toString(), "--epochs", "3", "--batch", "8", "--val-split", "0",
                "--out", model.toString(), "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("Training lenet5: 48 training, no validation pictures of [1, 28, 28], 2 classes;"
                + " adam lr 0.001, batch 8, seed 42\n"), train.out());
        CliRun eval = CliRun.of("evaluate", "--model", model.toString(), "--data", data.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        assertEquals(48, Json.parseObject(eval.out().strip(), "eval").get("samples").getAsInt());
        // the same pictures in folders named otherwise: [DARK, bright] sorts the other way round from the model's
        // [bright, dark]; matched by name, leniently, relabelled to the model's order, with a warning
        Path renamed = dir.resolve("renamed");
        for (String[] r : new String[][] {{"bright", "bright"}, {"dark", "DARK"}}) {
            Files.createDirectories(renamed.resolve(r[1]));
            try (var files = Files.list(data.resolve(r[0]))) {
                for (Path f : files.toList()) {
                    Files.copy(f, renamed.resolve(r[1]).resolve(f.getFileName()));
                }
            }
        }
        CliRun again = CliRun.of("evaluate", "--model", model.toString(), "--data", renamed.toString(), "--json");
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(Json.parseObject(eval.out().strip(), "eval").get("accuracy").getAsDouble(),
                Json.parseObject(again.out().strip(), "eval").get("accuracy").getAsDouble());
        assertTrue(again.err().contains("warning: class names matched ignoring case and punctuation: 'DARK' = 'dark';"
                + " the data's classes in the model's order [bright, dark]"), again.err());
        Tensor bright = Tensor.zeros(3, 40, 40);
        java.util.Arrays.fill(bright.data(), 230f);
        Path png = dir.resolve("new.png");
        Images.write(bright, png);
        CliRun predict = CliRun.of("predict", "--model", model.toString(), "-k", "2", png.toString());
        assertEquals(0, predict.exitCode(), predict.err());
        assertTrue(predict.out().contains("bright") && predict.out().contains("dark"), predict.out());
        // a folder (the --data folder itself): every picture in it, sorted by path, one answer each
        CliRun folder = CliRun.of("predict", "--model", model.toString(), "-k", "1", data.toString());
        assertEquals(0, folder.exitCode(), folder.err());
        assertEquals(48, folder.out().split("\\.png:\n", -1).length - 1, folder.out());
        assertTrue(folder.out().indexOf("bright" + java.io.File.separator + "0.png:") < folder.out()
                .indexOf("dark" + java.io.File.separator + "0.png:"), folder.out());
        Files.createDirectories(dir.resolve("empty"));
        CliRun empty = CliRun.of("predict", "--model", model.toString(), dir.resolve("empty").toString());
        assertEquals(2, empty.exitCode());
        assertTrue(empty.err().contains("a folder without pictures"), empty.err());
        assertArrayEquals(new int[] {1, 28, 28}, ModelFiles.load(model).inputShapes().get(0).dims());
    }

    /**
     * A folder with a file that is not a picture and a truncated PNG: train leaves both out (counted and named in the
     * summary and in --json) and trains on the rest, as spark train does; --fail-fast stops at the first with one
     * line naming it (exit 2) and writes no model. A picture beside the class folders has no class: left out, in one line
     * (on stderr with --json), as transfer says it.
     */
    @Test
    void undecodablePicturesAreSkippedAndNamedUnlessFailFast() throws Exception {
        Path data = dir.resolve("broken");
        for (String cls : new String[] {"bright", "dark"}) {
            Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < 6; i++) {
                Tensor t = Tensor.zeros(1, 28, 28);
                java.util.Arrays.fill(t.data(), cls.equals("bright") ? 200 + i : 20 + i);
                Images.write(t, data.resolve(cls).resolve(i + ".png"));
            }
        }
        Files.writeString(data.resolve("bright/garbage.png"), "not a picture");
        byte[] png = Files.readAllBytes(data.resolve("dark/0.png"));
        Files.write(data.resolve("dark/truncated.png"), java.util.Arrays.copyOf(png, 40));
        // a picture beside the class folders: no class folder gives it a class, so it is left out, and said so
        Files.write(data.resolve("loose.png"), png);
        Path model = dir.resolve("skipping.c4j");
        CliRun train = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split", "0",
                "--out", model.toString(), "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("12 training"), train.out());
        assertTrue(train.out().contains("skipped 2 picture(s) that cannot be decoded: ")
                && train.out().contains("garbage.png: ") && train.out().contains("truncated.png: "), train.out());
        String outside = "1 picture outside any class folder was left out: " + data.resolve("loose.png")
                + System.lineSeparator();
        assertTrue(train.out().contains(outside), train.out());
        CliRun json = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split", "0",
                "--out", dir.resolve("skipping-json.c4j").toString(), "--no-progress", "--json");
        assertEquals(0, json.exitCode(), json.err());
        var o = Json.parseObject(json.out().strip(), "train --json");
        assertEquals(2, o.get("skipped").getAsInt());
        assertTrue(json.err().contains(outside), "with --json the line goes to stderr: " + json.err());
        assertEquals(2, o.getAsJsonArray("skipped_first").size());
        assertTrue(o.getAsJsonArray("skipped_first").get(0).getAsString().contains("garbage.png"), o.toString());
        Path strict = dir.resolve("strict.c4j");
        CliRun failFast = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split",
                "0", "--out", strict.toString(), "--no-progress", "--fail-fast");
        assertEquals(2, failFast.exitCode(), failFast.out() + failFast.err());
        assertEquals(1, failFast.errLines(), failFast.err());
        assertTrue(failFast.err().contains("garbage.png"), failFast.err());
        assertTrue(!Files.exists(strict), "no model written");
    }

    private static CliRun run(String cmd, String[] common, String... more) {
        String[] args = new String[1 + common.length + more.length];
        args[0] = cmd;
        System.arraycopy(common, 0, args, 1, common.length);
        System.arraycopy(more, 0, args, 1 + common.length, more.length);
        CliRun r = CliRun.of(args);
        assertEquals(0, r.exitCode(), r.err());
        return r;
    }

    /** The progress bar redraws with carriage returns; the last drawing is what a person sees at the end. */
    private static String lastBarLine(String err) {
        String[] parts = err.split("[\r\n]+");
        for (int i = parts.length - 1; i >= 0; i--) {
            if (parts[i].contains("epoch")) {
                return parts[i];
            }
        }
        return "";
    }
}
