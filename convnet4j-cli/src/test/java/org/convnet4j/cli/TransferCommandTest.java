package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.convnet4j.internal.json.Json;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Sequential;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferCommandTest {
    @TempDir
    static Path dir;
    static Path base;

    @BeforeAll
    static void base() throws Exception {
        Sequential lenet = LeNet5.build();
        lenet.initialize(3);
        base = dir.resolve("base.c4j");
        ModelFiles.save(lenet, base);
    }

    private static void image(Path file, int w, int h, int shade) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (x * shade + y) % 256);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void case1WithJsonPrintsOneObjectAndWritesAModelThatPredicts() throws Exception {
        Path out = dir.resolve("c1.c4j");
        CliRun r = CliRun.of("transfer", "--base", base.toString(), "--case", "1", "--classifier", "knn",
                "--data", "fashion-mnist:5-9", "--limit", "20", "--out", out.toString(), "--json", "--no-progress",
                "--cache", dir.resolve("cache").toString(), "--plots", dir.resolve("plots1").toString(),
                "--logdir", dir.resolve("runs1").toString());
        assertEquals(0, r.exitCode(), r.err());
        // Case 1 has no epochs: --plots says it drew nothing (it said nothing), stdout stays one JSON object
        assertTrue(r.err().contains("--plots: no curves: case 1 fits its classifier in one go: one history row"
                + " (in --json), no curve (curves are drawn for cases 2-4)"), r.err());
        assertFalse(Files.exists(dir.resolve("plots1")));
        JsonObject o = Json.parseObject(r.out().strip(), "stdout");
        assertEquals(1, o.get("case").getAsInt());
        // its history (it had none): the classifier's fit as one phase of one row, printed as the other cases print theirs
        assertEquals(1, o.getAsJsonArray("history").size(), r.out());
        JsonObject fit = o.getAsJsonArray("phases").get(0).getAsJsonObject();
        assertEquals(List.of("classifier"), List.of(fit.getAsJsonArray("trained").get(0).getAsString()), r.out());
        JsonObject row = fit.getAsJsonArray("history").get(0).getAsJsonObject();
        assertTrue(row.get("train_accuracy").getAsDouble() > 0.4 && row.has("train_loss") && !row.has("val_loss"), r.out());
        assertTrue(r.err().contains("phase 1: features of the frozen base, then the knn classifier fitted on them; one fit on"
                + " 100 pictures x "), r.err());
        // the dashboard's log: the phase, the frozen base's features coming, the fit, the confusion on the test set
        // (a Case 1 run logged nothing at all)
        List<String> events;
        try (java.util.stream.Stream<Path> runs = Files.list(dir.resolve("runs1"))) {
            events = Files.readAllLines(runs.findFirst().orElseThrow().resolve("events.jsonl"));
        }
        assertTrue(events.get(0).contains("\"type\":\"phase\"") && events.get(0).contains("then the knn classifier"),
                events.get(0));
        assertTrue(events.stream().anyMatch(e -> e.contains("\"type\":\"progress\"") && e.contains("\"done\":100")),
                String.join("\n", events));
        // the run's last end event carries its one confusion matrix (TransferRun's on the test set, after the fit)
        String end = events.stream().filter(e -> e.contains("\"type\":\"end\"")).reduce((a, b) -> b).orElseThrow();
        assertTrue(end.contains("\"confusion\"") && end.contains("\"data\":\"test\""), end);
        assertEquals("flatten", o.get("cut").getAsString());
        assertEquals(100, o.get("train_samples").getAsInt());
        assertTrue(o.get("test_accuracy").getAsDouble() > 0.4, r.out()); // 5 classes: chance 0.2
        assertTrue(r.err().contains("frozen : conv1, conv2"), r.err());
        Path pic = dir.resolve("pic.png");
        image(pic, 28, 28, 3);
        CliRun p = CliRun.of("predict", "--model", out.toString(), pic.toString());
        assertEquals(0, p.exitCode(), p.err());
        assertTrue(p.out().contains("Sandal") || p.out().contains("Shirt") || p.out().contains("Sneaker")
                || p.out().contains("Bag") || p.out().contains("Ankle boot"), p.out());
    }

    @Test
    void case2SaysWhatItFreezesAndAtWhichRateInBothPhases() throws Exception {
        CliRun r = CliRun.of("transfer", "--base", base.toString(), "--case", "2", "--data", "fashion-mnist:0,2,4",
                "--limit", "8", "--head-fit", "gradient", "--head-epochs", "3", "--epochs", "1", "--out",
                dir.resolve("c2.c4j").toString(), "--no-progress", "--logdir", dir.resolve("runs2").toString());
        assertEquals(0, r.exitCode(), r.err());
        // the dashboard's last word is the kept model's confusion on the test set, its accuracy the one printed (both
        // phases trained on the frozen layers' cached outputs, whose ends had no confusion matrix: none at all)
        List<String> events;
        try (java.util.stream.Stream<Path> runs = Files.list(dir.resolve("runs2"))) {
            events = Files.readAllLines(runs.findFirst().orElseThrow().resolve("events.jsonl"));
        }
        JsonObject end = Json.parseObject(events.get(events.size() - 1), "events.jsonl");
        assertEquals("end", end.get("type").getAsString(), events.get(events.size() - 1));
        java.util.regex.Matcher held = java.util.regex.Pattern.compile("held-out accuracy ([0-9.]+) on (\\d+) pictures")
                .matcher(r.out());
        assertTrue(held.find(), r.out());
        JsonObject confusion = end.getAsJsonObject("confusion");
        assertEquals(Double.parseDouble(held.group(1)), confusion.get("accuracy").getAsDouble(), 5e-5);
        assertEquals(Integer.parseInt(held.group(2)), confusion.get("samples").getAsInt());
        assertEquals("test", confusion.get("data").getAsString());
        // phase 2 trains conv2 and the head on conv1's cached outputs: its kernels are conv2's, and say so (the page
        // titled them "first layer kernels"); phase 1 (the head alone) has none
        List<String> kernels = events.stream().filter(e -> e.contains("\"kernels_layer\"")).toList();
        assertFalse(kernels.isEmpty(), String.join("\n", events));
        assertTrue(kernels.stream().allMatch(e -> e.contains("\"kernels_layer\":\"conv2\"")
                && e.contains("\"kernels_after_cached\":true")), kernels.get(0).substring(0, 200));
        // the dense classifier is replaced by one new layer on the features (Keras' include_top=False)
        assertTrue(r.out().contains("frozen : conv1\n"), r.out());
        // the case is named once (the plan's summary), not again in the line that says what it runs on
        assertEquals(1, r.out().split("Case 2 \\(fine-tune the last layers\\)", -1).length - 1, r.out());
        assertTrue(r.out().contains("  phase 1: the new head alone at learning rate 0.003, base frozen,"), r.out());
        assertTrue(r.out().contains("  phase 2: the trained layers above at learning rate 0.001\n"), r.out());
        assertTrue(r.out().contains("trained: conv2, predictions"), r.out());
        assertTrue(r.out().contains("fine-tuning rate 0.001 = 0.333 x the head's rate 0.003"), r.out());
        assertTrue(r.out().contains("phase 1: new head only, base frozen; learning rate 0.003; at most 3 epochs"), r.out());
        assertTrue(r.out().contains("phase 2: last 2 layers with weights unfrozen; learning rate 0.001; at most 1 epochs"),
                r.out());
        // --keep-dense keeps the pretrained dense layers and replaces only the last
        CliRun keep = CliRun.of("transfer", "--base", base.toString(), "--case", "2", "--keep-dense", "--data",
                "fashion-mnist:0,2,4", "--limit", "8", "--head-epochs", "1", "--epochs", "1", "--out",
                dir.resolve("c2k.c4j").toString(), "--no-progress", "--no-refit");
        assertEquals(0, keep.exitCode(), keep.err());
        // the default head: Case 1's logistic regression on the frozen features, refitted on all the pictures
        assertTrue(keep.out().contains("phase 1: new head only, base frozen: logistic regression (C = 1"), keep.out());
        // and the plan printed before it says so (no head rate, no epochs)
        assertTrue(keep.out().contains("  phase 1: the new head alone, base frozen: multinomial logistic regression"
                + " fitted to convergence\n"), keep.out());
        // --head-fit case1: Case 1's own classifier (liblinear one-vs-rest) written into the head, said before and while
        CliRun case1 = CliRun.of("transfer", "--base", base.toString(), "--case", "2", "--head-fit", "case1", "--data",
                "fashion-mnist:0,2,4", "--limit", "8", "--epochs", "1", "--out", dir.resolve("c2c1.c4j").toString(),
                "--no-progress", "--no-refit");
        assertEquals(0, case1.exitCode(), case1.err());
        assertTrue(case1.out().contains("  phase 1: the new head alone, base frozen: Case 1's logistic regression"
                + " (one-vs-rest) on the same features, written into the head\n"), case1.out());
        assertTrue(case1.out().contains("phase 1: new head only, base frozen: Case 1's classifier (logreg: liblinear's"
                + " one-vs-rest logistic regression, C = 1, standardised features)"), case1.out());
        CliRun bad = CliRun.of("transfer", "--base", base.toString(), "--case", "2", "--head-fit", "sgd", "--data",
                "fashion-mnist:0,2,4", "--out", dir.resolve("bad.c4j").toString());
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("head fit 'sgd' is not known; known: logreg, case1, gradient"), bad.err());
        // by default the epochs chosen on the validation split are trained again on all 24 pictures; not with --no-refit
        assertTrue(r.out().contains("refit: from the starting weights again on all 24 training pictures (validation"
                + " included): phase 1 for "), r.out());
        assertFalse(keep.out().contains("refit"), keep.out());
        assertTrue(keep.out().contains("frozen : conv1, conv2, dense1") && keep.out().contains("trained: dense2, predictions"),
                keep.out());
        assertTrue(r.out().contains("  epoch 1/3  train loss") && r.out().contains("  epoch 1/1  train loss"), r.out());

        // Case 4 too: history lines, --json history, --plots curves
        Path plots = dir.resolve("plots4");
        CliRun four = CliRun.of("transfer", "--base", base.toString(), "--case", "4", "--data", "fashion-mnist:0,2,4",
                "--limit", "8", "--epochs", "2", "--out", dir.resolve("c4.c4j").toString(), "--no-progress", "--json",
                "--plots", plots.toString());
        assertEquals(0, four.exitCode(), four.err());
        JsonObject o = Json.parseObject(four.out().trim(), "stdout");
        JsonObject chosen = o.getAsJsonArray("phases").get(0).getAsJsonObject();
        assertTrue(o.get("refit").getAsBoolean(), o.toString());
        JsonObject refit = o.getAsJsonArray("refit_phases").get(0).getAsJsonObject();
        assertEquals(chosen.get("kept_epoch").getAsInt(), refit.get("epochs").getAsInt(), o.toString());
        assertEquals(chosen.get("epochs").getAsInt() + refit.get("epochs").getAsInt(), o.getAsJsonArray("history").size());
        assertTrue(o.getAsJsonArray("history").get(0).getAsJsonObject().has("val_loss"), o.toString());
        // each phase carries its own epochs (numbered from 1 in the phase), the epoch kept and why
        com.google.gson.JsonArray epochs = chosen.getAsJsonArray("history");
        assertEquals(chosen.get("epochs").getAsInt(), epochs.size(), o.toString());
        for (int i = 0; i < epochs.size(); i++) {
            JsonObject e = epochs.get(i).getAsJsonObject();
            assertEquals(i + 1, e.get("epoch").getAsInt(), o.toString());
            for (String k : List.of("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr")) {
                assertTrue(e.has(k), k + " in " + e);
            }
        }
        JsonObject kept = epochs.get(chosen.get("kept_epoch").getAsInt() - 1).getAsJsonObject();
        assertEquals(chosen.get("val_loss").getAsDouble(), kept.get("val_loss").getAsDouble(), 1e-12, o.toString());
        assertTrue(chosen.get("kept_because").getAsString().startsWith("lowest validation loss"), o.toString());
        // the words of train --json and fuse --json for every phase, the refit's (its last epoch) included
        for (JsonObject phase : List.of(chosen, refit)) {
            for (String k : org.convnet4j.train.KeptEpoch.KEYS) {
                assertTrue(phase.has(k), k + " in " + phase);
            }
        }
        assertEquals(refit.get("epochs").getAsInt(), refit.get("kept_epoch").getAsInt(), o.toString());
        assertTrue(o.has("val_accuracy") && !o.has("validation_accuracy"), o.toString());
        assertEquals(refit.get("epochs").getAsInt(), refit.getAsJsonArray("history").size(), o.toString());
        assertFalse(refit.getAsJsonArray("history").get(0).getAsJsonObject().has("val_loss"), o.toString());
        assertTrue(Files.size(plots.resolve("transfer-curves.png")) > 0);
        assertTrue(four.err().contains("  epoch 1/2  train loss"), four.err());
    }

    @Test
    void case0RefusesTargetClassesTheBaseDoesNotKnowUnlessPartialClassesIsGiven() throws Exception {
        Sequential five = LeNet5.build(org.convnet4j.tensor.Shape.of(1, 28, 28), 5, LeNet5.Variant.MODERN);
        five.initialize(4);
        five.setClassNames(java.util.List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"));
        Path file = dir.resolve("five-known.c4j");
        ModelFiles.save(five, file);
        Path out = dir.resolve("c0-all.c4j");
        CliRun r = CliRun.of("transfer", "--base", file.toString(), "--case", "0", "--data", "fashion-mnist",
                "--test-limit", "4", "--out", out.toString(), "--no-progress");
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("does not know the target's classes [Sandal, Shirt, Sneaker, Bag, Ankle boot]"),
                r.err());
        assertFalse(Files.exists(out));
        CliRun partial = CliRun.of("transfer", "--base", file.toString(), "--case", "0", "--data", "fashion-mnist",
                "--test-limit", "4", "--out", out.toString(), "--no-progress", "--partial-classes");
        assertEquals(0, partial.exitCode(), partial.err());
        assertTrue(partial.out().contains("warning: no match for [Sandal, Shirt, Sneaker, Bag, Ankle boot]"), partial.out());
    }

    @Test
    void case0MatchesClassNamesLenientlyAndSaysSo() throws Exception {
        Sequential five = LeNet5.build(org.convnet4j.tensor.Shape.of(1, 28, 28), 5, LeNet5.Variant.MODERN);
        five.initialize(4);
        five.setClassNames(java.util.List.of("t-shirt_top", "TROUSER", "Pull over", "Dress", "Coat"));
        Path file = dir.resolve("five.c4j");
        ModelFiles.save(five, file);
        CliRun r = CliRun.of("transfer", "--base", file.toString(), "--case", "0", "--data", "fashion-mnist:0-4",
                "--test-limit", "20", "--out", dir.resolve("c0.c4j").toString(), "--no-progress",
                "--plots", dir.resolve("plots0").toString(), "--logdir", dir.resolve("runs0").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("--plots: no curves: case 0 trains nothing"), r.out());
        // the dashboard's log (a Case 0 run logged nothing): the phase, the test pictures answered, an end with the
        // confusion matrix on the test set and the class map
        List<String> events;
        try (java.util.stream.Stream<Path> runs = Files.list(dir.resolve("runs0"))) {
            events = Files.readAllLines(runs.findFirst().orElseThrow().resolve("events.jsonl"));
        }
        assertTrue(events.get(0).contains("\"type\":\"phase\"") && events.get(0).contains("evaluation only"),
                events.get(0));
        assertTrue(events.stream().anyMatch(e -> e.contains("\"type\":\"progress\"") && e.contains("\"done\":100")
                && e.contains("\"total\":100")), String.join("\n", events));
        String end = events.get(events.size() - 1);
        assertTrue(end.contains("\"type\":\"end\"") && end.contains("\"data\":\"test\"")
                && end.contains("{\"class\":\"T-shirt/top\",\"model_class\":\"t-shirt_top\"}"), end);
        assertTrue(r.out().contains("warning: class names matched ignoring case and punctuation: 'T-shirt/top' ="
                + " 't-shirt_top', 'Trouser' = 'TROUSER', 'Pullover' = 'Pull over'"), r.out());
    }

    @Test
    void badInputGivesOneLineAndExitCode2() throws Exception {
        String out = dir.resolve("bad.c4j").toString();
        CliRun cut = CliRun.of("transfer", "--base", base.toString(), "--case", "1", "--cut", "conv9",
                "--data", "fashion-mnist:5-9", "--limit", "5", "--out", out);
        assertEquals(2, cut.exitCode());
        assertTrue(cut.err().contains("no layer 'conv9'") && cut.err().contains("conv1, act1, pool1"), cut.err());
        assertEquals(1, cut.errLines());

        CliRun many = CliRun.of("transfer", "--base", base.toString(), "--case", "2", "--fine-tune-last", "9",
                "--data", "fashion-mnist:5-9", "--limit", "5", "--out", out);
        assertEquals(2, many.exitCode());
        assertTrue(many.err().contains("only 3 layers with weights: [conv1, conv2, predictions]"), many.err());

        Path junk = dir.resolve("junk.c4j");
        Files.writeString(junk, "not a model");
        CliRun unreadable = CliRun.of("transfer", "--base", junk.toString(), "--case", "1", "--data",
                "fashion-mnist:5-9", "--out", out);
        assertEquals(2, unreadable.exitCode());
        assertTrue(unreadable.err().contains("cannot read the base model"), unreadable.err());
        // a zoo name has random weights and no file to take a preprocessing from (TransferBase's refusal, named)
        CliRun zooPrep = CliRun.of("transfer", "--base", "lenet5", "--case", "4", "--preprocessing", "none", "--data",
                "fashion-mnist:5-9", "--out", out);
        assertEquals(2, zooPrep.exitCode());
        assertEquals(1, zooPrep.errLines(), zooPrep.err());
        assertTrue(zooPrep.err().contains("--base lenet5: a preprocessing applies to a model file"), zooPrep.err());

        Path folder = dir.resolve("pics");
        image(folder.resolve("a/1.png"), 32, 32, 2);
        image(folder.resolve("a/2.png"), 32, 32, 5);
        image(folder.resolve("b/1.png"), 32, 32, 7);
        image(folder.resolve("b/2.png"), 32, 32, 9);
        // pictures of another size are converted to the base's input, and the conversion is printed
        CliRun resized = CliRun.of("transfer", "--base", base.toString(), "--case", "1", "--data", folder.toString(),
                "--out", out, "--no-progress", "--cache", dir.resolve("cache").toString());
        assertEquals(0, resized.exitCode(), resized.err());
        assertTrue(resized.out().contains("converting: ") && resized.out().contains("[1, 32, 32]")
                && resized.out().contains("[1, 28, 28]"), resized.out());
        // a picture beside the class folders has no class: left out, and said so in one line (it was left out silently)
        image(folder.resolve("loose.png"), 32, 32, 3);
        CliRun loose = CliRun.of("transfer", "--base", base.toString(), "--case", "1", "--data", folder.toString(),
                "--out", out, "--no-progress", "--cache", dir.resolve("cache").toString());
        assertEquals(0, loose.exitCode(), loose.err());
        assertTrue(loose.out().contains("1 picture outside any class folder was left out: " + folder.resolve("loose.png")
                + System.lineSeparator()), loose.out());
        assertFalse(resized.out().contains("outside any class folder"), resized.out());
        Files.delete(folder.resolve("loose.png"));

        Files.createDirectories(folder.resolve("c"));
        CliRun empty = CliRun.of("transfer", "--base", base.toString(), "--case", "1", "--data", folder.toString(),
                "--out", out);
        assertEquals(2, empty.exitCode());
        assertTrue(empty.err().contains("class folder 'c' is empty"), empty.err());

        CliRun noCase = CliRun.of("transfer", "--base", base.toString(), "--case", "7", "--data", "fashion-mnist:5-9",
                "--out", out);
        assertEquals(2, noCase.exitCode());
        assertTrue(noCase.err().contains("does not exist (0..4)"), noCase.err());

        // a --plots that is a file: refused before the work (it failed after the training, and no model was saved)
        Path plotsFile = dir.resolve("plots-file");
        Files.writeString(plotsFile, "not a folder");
        Path notWritten = dir.resolve("plots-refused.c4j");
        CliRun plots = CliRun.of("transfer", "--base", base.toString(), "--case", "4", "--epochs", "1", "--data",
                "fashion-mnist:5-9", "--limit", "5", "--out", notWritten.toString(), "--no-progress", "--plots",
                plotsFile.toString());
        assertEquals(2, plots.exitCode(), plots.err());
        assertEquals(1, plots.errLines(), plots.err());
        assertTrue(plots.err().contains("--plots " + plotsFile + ": is a file, not a directory"), plots.err());
        assertTrue(plots.out().isEmpty(), plots.out()); // no header: nothing was loaded or trained
        assertFalse(Files.exists(notWritten));
    }

    @Test
    void adviseAnswersTheLecturesTableAsJson() {
        CliRun r = CliRun.of("advise", "--size", "small", "--similarity", "dissimilar", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonObject o = Json.parseObject(r.out().strip(), "stdout");
        // the table says Case 1 at the early cut; on small data the advisor recommends Case 2 (measured, and why)
        assertEquals(1, o.getAsJsonObject("table").get("case").getAsInt(), r.out());
        assertTrue(o.get("reasons").toString().contains("initial layers"), r.out());
        assertEquals(2, o.get("case").getAsInt(), r.out());
        assertEquals(org.convnet4j.transfer.TransferAdvisor.SMALL_DATA_RULE, o.get("recommended_because").getAsString());
        CliRun large = CliRun.of("advise", "--size", "large", "--similarity", "similar");
        assertTrue(large.out().contains("Case 3"), large.out());
        CliRun noStats = CliRun.of("advise", "--base", base.toString(), "--data", "fashion-mnist:5-9", "--limit", "5");
        assertEquals(2, noStats.exitCode());
        assertTrue(noStats.err().contains("no feature statistics"), noStats.err());
        // without saved statistics the linear probe alone measures the similarity
        CliRun probed = CliRun.of("advise", "--base", base.toString(), "--data", "fashion-mnist:5-9", "--limit", "20",
                "--probe-samples", "60", "--json");
        assertEquals(0, probed.exitCode(), probed.err());
        JsonObject figures = Json.parseObject(probed.out().strip(), "stdout").getAsJsonObject("figures");
        assertTrue(figures.has("probe_feature_accuracy") && figures.has("probe_pixel_accuracy"), probed.out());
        assertTrue(!figures.has("feature_shift"), probed.out());
        assertTrue(probed.out().contains("linear probe on 'act4'"), probed.out());
        assertFalse(probed.out().contains("--try"), "the JSON stays one object: " + probed.out());
        // measured without --try, the text says the table is a guess and how to measure instead
        CliRun text = CliRun.of("advise", "--base", base.toString(), "--data", "fashion-mnist:5-9", "--limit", "20",
                "--probe-samples", "60");
        assertEquals(0, text.exitCode(), text.err());
        assertEquals(AdviseCommand.TRY_HINT, text.out().strip().lines().reduce((a, c) -> c).orElseThrow(), text.out());
        assertTrue(large.out().lines().noneMatch(AdviseCommand.TRY_HINT::equals), "nothing measured: " + large.out());
    }
}
