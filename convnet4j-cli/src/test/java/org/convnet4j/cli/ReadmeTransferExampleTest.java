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
import org.convnet4j.nn.Sequential;
import org.convnet4j.train.Trainer;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
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
}
