package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.internal.json.Json;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.run.SavedFeatureStatistics;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code transfer --case auto}: the advisor picks the case as {@code advise} does with the same options, one line
 * says which and why, and the case then runs exactly as {@code --case N} (and its cut) would.
 */
class TransferAutoTest {
    @TempDir
    static Path dir;
    static Path base;
    static Path noStats;

    @BeforeAll
    static void base() throws Exception {
        Sequential lenet = LeNet5.build();
        lenet.initialize(11);
        noStats = dir.resolve("no-stats.c4j");
        ModelFiles.save(lenet, noStats);
        base = dir.resolve("base.c4j");
        ModelFiles.save(lenet, base);
        // the statistics `train` saves, here of 300 pictures of Fashion-MNIST 0-4 (the experiment's source)
        SavedFeatureStatistics.addTo(base, DataSpec.perClass(DataSpec.of("fashion-mnist:0-4")
                .trainAndTest(Preprocessing.forInput(lenet.inputShapes().get(0)), 42).train(), 60, 42), 300);
    }

    private static List<String> run(String data, String out, String... more) {
        List<String> a = new ArrayList<>(List.of("transfer", "--base", base.toString(), "--data", data, "--limit", "5",
                "--out", dir.resolve(out).toString(), "--json", "--no-progress", "--cache", dir.resolve("cache")
                        .toString()));
        a.addAll(List.of(more));
        return a;
    }

    private static JsonObject json(CliRun r) {
        assertEquals(0, r.exitCode(), r.err());
        return Json.parseObject(r.out().strip(), "stdout");
    }

    /**
     * Everything but the advice, the output file and the clock (seconds, pictures per second, at any depth) is the
     * same as the numbered case's run: the phases, every epoch's losses and accuracies, the test accuracy.
     */
    private static void sameRun(JsonObject numbered, JsonObject auto) {
        Set<String> keys = new HashSet<>(numbered.keySet());
        keys.add("advice");
        assertEquals(keys, auto.keySet());
        for (String k : numbered.keySet()) {
            if (!k.equals("out") && !CLOCK.contains(k)) {
                assertEquals(withoutClock(numbered.get(k)), withoutClock(auto.get(k)), k);
            }
        }
    }

    private static JsonElement withoutClock(JsonElement e) {
        if (e.isJsonArray()) {
            JsonArray a = new JsonArray();
            e.getAsJsonArray().forEach(x -> a.add(withoutClock(x)));
            return a;
        }
        if (!e.isJsonObject()) {
            return e;
        }
        JsonObject o = new JsonObject();
        e.getAsJsonObject().entrySet().stream().filter(x -> !CLOCK.contains(x.getKey()))
                .forEach(x -> o.add(x.getKey(), withoutClock(x.getValue())));
        return o;
    }

    private static final Set<String> CLOCK = Set.of("seconds", "images_per_second");

    @Test
    void theAdvisorsCaseRunsAsTheNumberedCaseWouldAndTheAdviceIsAdvisesOwn() throws Exception {
        CliRun auto = CliRun.of(run("opencv-digits", "auto.c4j", "--case", "auto").toArray(String[]::new));
        JsonObject a = json(auto);
        JsonObject advice = a.getAsJsonObject("advice");
        // the advice is advise's answer for the same base, data and options, word for word
        CliRun advise = CliRun.of("advise", "--base", base.toString(), "--data", "opencv-digits", "--limit", "5",
                "--json");
        assertEquals(json(advise), advice);
        assertEquals(advice.get("case").getAsInt(), a.get("case").getAsInt());
        // one line says which case and why (stderr with --json: stdout holds the JSON alone)
        List<String> said = auto.err().lines().filter(l -> l.startsWith("auto: ")).toList();
        assertEquals(1, said.size(), auto.err());
        String cut = advice.has("cut") ? advice.get("cut").getAsString() : null;
        // 5 pictures per class: small data, so Case 2 rather than the table's Case 1 (TransferAdvisor.withoutTrying)
        assertEquals(2, a.get("case").getAsInt(), said.get(0));
        assertTrue(said.get(0).startsWith("auto: case 2 (" + org.convnet4j.transfer.TransferAdvisor.SMALL_DATA_RULE
                + "; the lecture's table: "), said.get(0));
        assertTrue(said.get(0).contains("images per class: small"), said.get(0));
        // then the case runs as --case N (--cut C) would: the same model, accuracy and JSON
        List<String> numbered = run("opencv-digits", "n.c4j", "--case", a.get("case").getAsString());
        if (cut != null) {
            numbered.addAll(List.of("--cut", cut));
        }
        sameRun(json(CliRun.of(numbered.toArray(String[]::new))), a);
        // the saved model keeps the advice with the run's description
        JsonObject saved = Json.parseObject(ModelFiles.read(dir.resolve("auto.c4j")).description(), "auto.c4j");
        assertEquals(advice, saved.getAsJsonObject("transfer").getAsJsonObject("advice"));
    }

    @Test
    void aGivenSizeAndSimilarityChooseCase2AndItsHistoryIsCase2s() {
        CliRun auto = CliRun.of(run("fashion-mnist:5-9", "auto2.c4j", "--case", "auto", "--size", "medium",
                "--similarity", "similar").toArray(String[]::new));
        JsonObject a = json(auto);
        assertEquals(2, a.get("case").getAsInt(), auto.out());
        // given, not measured: the table's rule is the whole reason
        assertTrue(auto.err().lines().anyMatch(("auto: case 2 (the lecture's table: medium and similar: fine-tune the"
                + " last layers (Case 2))")::equals), auto.err());
        assertTrue(a.getAsJsonArray("history").size() > 0, auto.out());
        sameRun(json(CliRun.of(run("fashion-mnist:5-9", "two.c4j", "--case", "2").toArray(String[]::new))), a);
    }

    @Test
    void budgetWithoutTryIsRefusedAlikeByAdviseAndTransfer() {
        CliRun transfer = CliRun.of(run("fashion-mnist:5-9", "budget.c4j", "--case", "auto", "--budget", "30")
                .toArray(String[]::new));
        CliRun table = CliRun.of("advise", "--size", "small", "--similarity", "dissimilar", "--budget", "30");
        CliRun measured = CliRun.of("advise", "--base", base.toString(), "--data", "fashion-mnist:5-9", "--limit", "5",
                "--budget", "0", "--json");
        for (CliRun r : List.of(transfer, table, measured)) {
            assertEquals(2, r.exitCode(), r.out() + r.err());
            assertEquals(1, r.errLines(), r.err());
            assertEquals("", r.out(), "nothing printed to stdout, not even with --json");
        }
        // the same line after the command's name, naming the option, from both commands
        String line = "--budget is the time budget of --try's cases: give --try too, or leave --budget out";
        assertTrue(transfer.err().strip().endsWith("transfer: " + line), transfer.err());
        assertTrue(table.err().strip().endsWith("advise: " + line), table.err());
        assertTrue(measured.err().strip().endsWith("advise: " + line), measured.err());
        assertFalse(Files.exists(dir.resolve("budget.c4j")));
    }

    @Test
    void badInputIsOneLineAndExitCode2() {
        String[][] bad = {
            {"--case", "five"}, {"--case", "9"}, {"--case", "2", "--try"}, {"--case", "1", "--size", "small"},
            {"--case", "auto", "--budget", "30"}, {"--case", "auto", "--try", "--budget", "-1"},
            {"--case", "auto", "--cut", "pool1"}, {"--case", "auto", "--similarity", "alike"},
            {"--case", "auto", "--classifier", "tree"}};
        String[] expected = {
            "--case five: expected a case 0..4 or auto", "does not exist (0..4)",
            "--try: only with --case auto (the advisor's options, as for advise)",
            "--size: only with --case auto", "--budget is the time budget of --try's cases: give --try too",
            "--budget must be 0 or more seconds, got -1.0",
            "--cut pool1: with --case auto the advisor chooses the cut", "--similarity alike: expected one of",
            "--classifier tree: not known"};
        for (int i = 0; i < bad.length; i++) {
            CliRun r = CliRun.of(run("fashion-mnist:5-9", "bad.c4j", bad[i]).toArray(String[]::new));
            assertEquals(2, r.exitCode(), String.join(" ", bad[i]) + ": " + r.err());
            assertEquals(1, r.errLines(), r.err());
            assertTrue(r.err().contains(expected[i]), r.err());
        }
        // a base without statistics: nothing measures the similarity
        CliRun none = CliRun.of("transfer", "--base", noStats.toString(), "--case", "auto", "--data",
                "fashion-mnist:5-9", "--limit", "5", "--out", dir.resolve("bad.c4j").toString());
        assertEquals(2, none.exitCode(), none.err());
        assertEquals(1, none.errLines(), none.err());
        assertTrue(none.err().contains("--case auto: --base " + noStats + " has no feature statistics"), none.err());
        assertFalse(Files.exists(dir.resolve("bad.c4j")), "no model written");
    }
}
