package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.FeatureStatistics;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train saves the kept model's penultimate feature statistics, so advise can measure the feature shift. */
class TrainFeatureStatisticsTest {
    @Test
    void trainedModelCarriesItsFeatureStatisticsAndAdviseUsesThem(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        Path model = dir.resolve("m.c4j");
        CliRun train = CliRun.of("train", "--limit", "30", "--epochs", "1", "--val-split", "0", "--out",
                model.toString(), "--no-progress", "--json");
        assertEquals(0, train.exitCode(), train.err());
        SavedModel saved = ModelFiles.read(model);
        FeatureStatistics stats = FeatureStatistics.savedIn(saved.description(), FeatureStatistics.KEY, "m.c4j")
                .orElseThrow();
        assertEquals("act4", stats.layer());
        assertEquals(300, stats.count());
        // the same statistics, computed again from the saved weights and the same 300 training pictures
        FeatureStatistics again = FeatureStatistics.compute((Sequential) saved.model(), "act4",
                org.convnet4j.dataspec.DataSpec.perClass(FashionMnist.train(), 30, 42), 2000);
        // (the file keeps them as JSON floats: 7 significant digits)
        assertArrayEquals(again.mean(), stats.mean(), 1e-5);
        assertArrayEquals(again.variance(), stats.variance(), 1e-5);

        CliRun advise = CliRun.of("advise", "--base", model.toString(), "--data", "fashion-mnist:5-9", "--limit", "20",
                "--json");
        assertEquals(0, advise.exitCode(), advise.err());
        JsonObject figures = Json.parseObject(advise.out().strip(), "stdout").getAsJsonObject("figures");
        assertTrue(figures.get("feature_shift").getAsDouble() > 0, advise.out());
        // the pixel statistics saved next to them measure the similarity, with a bootstrap interval
        assertTrue(figures.get("feature_shift_low").getAsDouble() <= figures.get("feature_shift").getAsDouble()
                && figures.get("feature_shift").getAsDouble() <= figures.get("feature_shift_high").getAsDouble(), advise.out());
        assertTrue(FeatureStatistics.savedIn(saved.description(), FeatureStatistics.INPUT_KEY, "m.c4j").isPresent(),
                "pixel statistics saved");

        // --try measures instead of guessing; with no time budget it tries the cheapest case only
        CliRun tried = CliRun.of("advise", "--base", model.toString(), "--data", "fashion-mnist:5-9", "--limit", "10",
                "--try", "--budget", "0", "--json");
        assertEquals(0, tried.exitCode(), tried.err());
        JsonObject whole = Json.parseObject(tried.out().strip(), "stdout");
        JsonObject t = whole.getAsJsonObject("try");
        assertEquals("case 1", t.get("winner").getAsString(), tried.out());
        // the recommendation's case and cut are the winner's (Case 1 at the default cut), whatever the table said
        assertEquals(1, whole.get("case").getAsInt(), tried.out());
        assertEquals("flatten", whole.get("cut").getAsString(), tried.out());
        assertTrue(whole.getAsJsonObject("table").has("case"), tried.out());
        assertTrue(t.has("case 1") && !t.has("case 2"), tried.out());
        // measured by 5-fold cross-validation, 4 rounds for so few pictures: each of the 50 pictures (10 per class)
        // predicted once a round, held out
        assertEquals(200, t.get("case 1 answers").getAsInt(), tried.out());
        // ranked by the folds' Brier score, which is shown (0 a picture at best, 2 at worst)
        assertEquals("brier score", t.get("ranked_by").getAsString(), tried.out());
        assertTrue(t.get("case 1 brier").getAsDouble() >= 0 && t.get("case 1 brier").getAsDouble() <= 2, tried.out());
        assertTrue(tried.err().contains("(200 answers, 4 rounds of 5 folds)"), tried.err());
        assertTrue(tried.err().contains("tried case 1        held-out Brier score "), tried.err());
        assertEquals("case 1 was the only case tried", t.get("reason").getAsString(), tried.out());
        // one line names every case the (wall-clock) budget cut, and the JSON lists them
        assertTrue(tried.err().contains("not tried: cases 1-early, 2, 3, 4: the time budget of 0 s (wall-clock) ran"
                + " out after "), tried.err());
        assertEquals(1, tried.err().lines().filter(l -> l.contains("not tried")).count(), tried.err());
        assertEquals("[\"1-early\",\"2\",\"3\",\"4\"]", t.getAsJsonArray("not_tried").toString(), tried.out());
        assertEquals("wall", t.get("budget_clock").getAsString(), tried.out());
    }
}
