package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.run.SavedFeatureStatistics;
import org.convnet4j.nn.Sequential;
import org.convnet4j.train.Trainer;
import org.convnet4j.transfer.AdviceReport;
import org.convnet4j.transfer.AutoTransfer;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FeatureStatistics;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.transfer.TransferReport;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.TransferRun;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's transfer example: its lines are in README.md word for word (checked), it runs, and it gives
 * exactly what {@code convnet4j transfer --case 2} gives for the same base and data.
 */
class ReadmeTransferExampleTest {
    private static final Path README = Path.of("..", "README.md");

    @Test
    void readmeTransferExampleReproducesTheCommand(@TempDir Path dir) throws Exception {
        Sequential lenet = LeNet5.build();
        lenet.initialize(5);
        ModelFiles.save(lenet, dir.resolve("base.c4j"));
        List<String> printed = new ArrayList<>();
        Path c2 = dir.resolve("c2.c4j");

        // --- as in README.md (with --limit 20 instead of 100, and printing into a list) ---
        Sequential base = (Sequential) ModelFiles.load(dir.resolve("base.c4j"));
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        DataSpec.Loaded data = DataSpec.of("fashion-mnist:5-9").trainAndTest(prep, 42);
        Dataset train = DataSpec.perClass(data.train(), 20, 42);                   // --limit 20
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base, TransferOptions.forClasses(train.classNames()));
        FineTuning.Result r = FineTuning.fit(plan, train, FineTuneSettings.defaults(), printed::add); // both phases
        double accuracy = Trainer.evaluate(r.model(), DataSpec.perClass(data.test(), 200, 42), 256).accuracy();
        ModelFiles.save(r.model(), c2, prep);
        // ---

        String readme = Files.readString(README);
        for (String line : List.of(
                "Sequential base = (Sequential) ModelFiles.load(Path.of(\"base.c4j\"));",
                "Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));",
                "DataSpec.Loaded data = DataSpec.of(\"fashion-mnist:5-9\").trainAndTest(prep, 42);",
                "Dataset train = DataSpec.perClass(data.train(), 100, 42);                  // --limit 100",
                "TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base, TransferOptions.forClasses(train.classNames()));",
                "FineTuning.Result r = FineTuning.fit(plan, train, FineTuneSettings.defaults(), System.out::println); // both phases",
                "double accuracy = Trainer.evaluate(r.model(), DataSpec.perClass(data.test(), 200, 42), 256).accuracy();",
                "ModelFiles.save(r.model(), Path.of(\"c2.c4j\"), prep);")) {
            assertTrue(readme.contains(line), "README.md lacks the line: " + line);
        }
        assertTrue(printed.stream().anyMatch(s -> s.startsWith("phase 1: new head only")), printed.toString());
        assertTrue(printed.stream().anyMatch(s -> s.startsWith("phase 2: last 2 layers")), printed.toString());
        assertEquals(List.of(1, 2), r.phases().stream().map(FineTuning.Phase::number).toList());

        CliRun cli = CliRun.of("transfer", "--base", dir.resolve("base.c4j").toString(), "--case", "2", "--data",
                "fashion-mnist:5-9", "--limit", "20", "--out", dir.resolve("cli.c4j").toString(),
                "--json", "--no-progress");
        assertEquals(0, cli.exitCode(), cli.err());
        JsonObject o = Json.parseObject(cli.out().trim(), "stdout");
        assertEquals(accuracy, o.get("test_accuracy").getAsDouble(), 1e-12);
        assertEquals(r.history().size(), o.getAsJsonArray("history").size());
        assertTrue(accuracy > 0.2, "chance is 0.2: " + accuracy);
    }

    @Test
    void readmeAutoExampleReproducesTheCommand(@TempDir Path dir) throws Exception {
        Sequential lenet = LeNet5.build();
        lenet.initialize(5);
        ModelFiles.save(lenet, dir.resolve("base.c4j"));
        // the statistics `train` saves with a base (300 pictures of Fashion-MNIST 0-4)
        SavedFeatureStatistics.addTo(dir.resolve("base.c4j"), DataSpec.perClass(DataSpec.of("fashion-mnist:0-4")
                .trainAndTest(Preprocessing.forInput(lenet.inputShapes().get(0)), 42).train(), 60, 42), 300);
        List<String> printed = new ArrayList<>();
        Path auto = dir.resolve("auto.c4j");
        Path cacheDir = dir.resolve("cache");

        // --- as in README.md (--try with a budget of 0 s: Case 1 alone is tried; a cache of its own; printing
        // into a list) ---
        SavedModel saved = ModelFiles.read(dir.resolve("base.c4j"));
        Sequential base = (Sequential) saved.model();
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        DataSpec.Loaded data = DataSpec.of("opencv-digits").trainAndTest(prep, 42);
        Dataset train = DataSpec.perClass(data.train(), 10, 42);                   // --limit 10
        TransferOptions options = TransferOptions.forClasses(train.classNames());
        FeatureCache cache = new FeatureCache(cacheDir);
        AdviceReport advice = AutoTransfer.advise(base, FeatureStatistics.savedIn(saved.description(), "base.c4j").orElse(null),
                train, AutoTransfer.Advice.measured().withTry(0), options, FineTuneSettings.defaults(), cache, printed::add);
        printed.add(AutoTransfer.line(advice));
        Dataset test = DataSpec.perClass(data.test(), 200, 42); // --test-limit 200
        TransferRun.Outcome r = TransferRun.run(AutoTransfer.plan(advice, base, options), train, test, "logreg",
                FineTuneSettings.defaults(), cache, printed::add, List.of(), FeatureExtractor.Progress.NONE);
        TransferReport report = new TransferReport(r, "base.c4j", "opencv-digits", "logreg", train.size(), test.size(),
                "auto.c4j", advice);                               // --json's object: report.toJson()
        report.save(auto, prep); // the file transfer writes: "transfer" in its description
        // ---

        String readme = Files.readString(README);
        for (String line : List.of(
                "SavedModel saved = ModelFiles.read(Path.of(\"base.c4j\"));",
                "Sequential base = (Sequential) saved.model();",
                "DataSpec.Loaded data = DataSpec.of(\"opencv-digits\").trainAndTest(prep, 42);",
                "Dataset train = DataSpec.perClass(data.train(), 10, 42);                   // --limit 10",
                "TransferOptions options = TransferOptions.forClasses(train.classNames());",
                "AdviceReport advice = AutoTransfer.advise(base, FeatureStatistics.savedIn(saved.description(), \"base.c4j\").orElse(null),",
                "        train, AutoTransfer.Advice.measured().withTry(300), options, FineTuneSettings.defaults(), cache, System.out::println);",
                "System.out.println(AutoTransfer.line(advice));",
                "Dataset test = DataSpec.perClass(data.test(), 200, 42);                    // --test-limit 200",
                "TransferRun.Outcome r = TransferRun.run(AutoTransfer.plan(advice, base, options), train, test, \"logreg\",",
                "        FineTuneSettings.defaults(), cache, System.out::println, List.of(), FeatureExtractor.Progress.NONE);",
                "TransferReport report = new TransferReport(r, \"base.c4j\", \"opencv-digits\", \"logreg\", train.size(), test.size(),",
                "        \"auto.c4j\", advice);                               // --json's object: report.toJson()",
                "report.save(Path.of(\"auto.c4j\"), prep);                  // the file transfer writes: \"transfer\" in its description")) {
            assertTrue(readme.contains(line), "README.md lacks the line: " + line);
        }
        // a budget of 0 s tries the cheapest case only: Case 1 at the default cut
        assertEquals(List.of("1"), advice.trials().stream().map(TransferAdvisor.Trial::label).toList());
        assertEquals(List.of("1-early", "2", "3", "4"), advice.notTried());
        assertEquals("flatten", advice.recommendedCut());

        CliRun cli = CliRun.of("transfer", "--base", dir.resolve("base.c4j").toString(), "--case", "auto", "--try",
                "--budget", "0", "--data", "opencv-digits", "--limit", "10", "--out", dir.resolve("cli.c4j").toString(),
                "--json", "--no-progress", "--cache", cacheDir.toString());
        assertEquals(0, cli.exitCode(), cli.err());
        JsonObject o = Json.parseObject(cli.out().trim(), "stdout");
        assertEquals(r.accuracy(), o.get("test_accuracy").getAsDouble(), 1e-12);
        assertEquals(Json.parseObject(advice.toJson(), "advice"), o.getAsJsonObject("advice"));
        // the README's file is the command's: the same description under "transfer" but for the names and the time
        JsonObject mine = Json.parseObject(ModelFiles.read(auto).description(), "auto.c4j").getAsJsonObject("transfer");
        JsonObject its = Json.parseObject(ModelFiles.read(dir.resolve("cli.c4j")).description(), "cli.c4j")
                .getAsJsonObject("transfer");
        for (String k : List.of("base", "out", "seconds")) {
            assertTrue(mine.remove(k) != null && its.remove(k) != null, k);
        }
        assertEquals(its, mine);
        assertEquals(Json.parseObject(report.toJson(), "report").get("test_accuracy"), o.get("test_accuracy"));
        // the one line is the library's, word for word
        assertTrue(cli.err().lines().anyMatch(AutoTransfer.line(advice)::equals), cli.err() + "\n" + printed);
        assertTrue(AutoTransfer.line(advice).startsWith("auto: case 1, cut at flatten (measured by 5-fold"
                + " cross-validation, ranked by the held-out Brier score: case 1 was the only case tried; not tried"
                + " (the time budget ran out): cases 1-early, 2, 3, 4)"), AutoTransfer.line(advice));
    }
}
