package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The experiment's tables are built by the library's report, not by the command that prints them. */
class TransferExperimentReportTest {
    private static final String T = "similar: Fashion-MNIST 5-9";

    private static TransferExperiment.Report report(long seed) {
        TransferExperiment.Config cfg = TransferExperiment.Config.defaults().withSeed(seed);
        List<TransferExperiment.Row> rows = List.of(
                new TransferExperiment.Row(T, 10, "0", "0 (predict as is)", 0, Double.NaN, 0, 0.01, 0, 0, List.of()),
                new TransferExperiment.Row(T, 10, "1", "1 (cut flatten)", 0.858, 0.88, 50, 0.5, 0, 3.25,
                        List.of(9, 9, 8, 9, 9)),
                new TransferExperiment.Row(T, 10, "4", "4 (31 ep @0.001)", 0.898, 0.84, 50, 1.2, 31, 12.0,
                        List.of(8, 9, 8, 9, 8)));
        TransferAdvisor.Assessment a = new TransferAdvisor.Assessment(FeatureStatistics.INPUT, 0.9, 0.8, 0.99, 50,
                TransferAdvisor.Similarity.SIMILAR);
        List<TransferExperiment.Advice> advice = List.of(new TransferExperiment.Advice(T, 10,
                TransferAdvisor.measured(10, a), "1", Map.of("1", 0.88, "4", 0.84),
                new TransferAdvisor.Choice("1", "1", false, List.of("1"), "case 1 has the best held-out accuracy")));
        List<TransferExperiment.ClassifierRow> cls = List.of(
                new TransferExperiment.ClassifierRow(T, 100, "logreg", 0.93, 1.25));
        return new TransferExperiment.Report(rows, advice, cls, 0.884, 1946, cfg);
    }

    @Test
    void aConfigRefusesACaseLabelItDoesNotRun() {
        // "5" failed only after the base was pretrained (TransferCase.of), "1-late" ran as case 1 under its label
        TransferExperiment.Config d = TransferExperiment.Config.defaults();
        for (String bad : List.of("5", "1-late")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new TransferExperiment.Config(d.sizes(), d.pretrainPerClass(), d.pretrainEpochs(),
                            d.testPerClass(), d.targets(), List.of("0", bad), d.fineTune(), d.options(),
                            d.classifiers(), d.classifiersAt(), d.seed()));
            assertEquals("cases " + bad + ": expected some of [0, 1, 1-early, 2, 3, 4]", e.getMessage());
        }
        assertEquals(TransferExperiment.CASES, d.cases());
    }

    @Test
    void markdownHoldsTheCasesWithTheirCrossValidationTimeAndTheAdvisorsPickAgainstTheBest() {
        String md = report(42).markdown();
        assertTrue(md.startsWith("Base: LeNet-5 on Fashion-MNIST 0-4, 1000 per class, 4 epochs: test accuracy 0.884.\n"),
                md);
        assertTrue(md.contains("| target | per class | case | test accuracy | held-out accuracy (5-fold, answers)"
                + " | seconds | 5-fold seconds |\n|---|---|---|---|---|---|---|\n"), md);
        assertTrue(md.contains("| " + T + " | 10 | 0 (predict as is) | 0.000 |  | 0.0 |  |\n"), md);
        assertTrue(md.contains("| " + T + " | 10 | 1 (cut flatten) | 0.858 | 0.880 (50) | 0.5 | 3.3 |\n"), md);
        // --try picked case 1 (0.858); the best test accuracy of the setting is case 4's
        assertTrue(md.contains("| case 1 | case 1 | 0.858 | 0.898 | case 1 has the best held-out accuracy |\n"), md);
        assertTrue(md.contains("| logreg | 0.930 | 1.3 |  |  |\n"), md);
        assertTrue(md.endsWith("Total time 1946 s.\n"), md);
        assertTrue(report(7).markdown().startsWith("Base: LeNet-5 on Fashion-MNIST 0-4, 1000 per class, 4 epochs:"
                + " test accuracy 0.884. Seed 7.\n"));
    }

    @Test
    void theCaseColumnSaysWhenTuningWasNotKeptAndNamesTheRefitsPhases() {
        FineTuning.Phase head = new FineTuning.Phase(1, "head", List.of("fc"), 0, 0, 0, 0, 0.50, 0.80);
        FineTuning.Phase better = new FineTuning.Phase(2, "tune", List.of("c5", "fc"), 0.001, 40, 28, 18, 0.40, 0.85);
        FineTuning.Phase worse = new FineTuning.Phase(2, "tune", List.of("c5", "fc"), 0.001, 40, 13, 3, 0.45, 0.78);
        FineTuning.Phase refitHead = new FineTuning.Phase(1, "refit: head", List.of("fc"), 0, 0, 0, 0, Double.NaN,
                Double.NaN);
        FineTuning.Phase refitTune = new FineTuning.Phase(2, "refit: tune", List.of("c5", "fc"), 0.001, 18, 18, 18,
                Double.NaN, Double.NaN);
        assertEquals("2 (head logreg, tune 28 ep @0.001; refit logreg + 18 ep)", TransferExperiment.fineTuneLabel("2",
                List.of(head, better), List.of(refitHead, refitTune), true));
        // validation dropped the tuning (higher accuracy loss): the refit is the logistic regression alone
        assertEquals("3 (head logreg, tune 13 ep @0.001 not kept; refit logreg)", TransferExperiment.fineTuneLabel("3",
                List.of(head, worse), List.of(refitHead), true));
        FineTuning.Phase scratch = new FineTuning.Phase(2, "all", List.of("c1", "fc"), 0.001, 60, 31, 21, 0.3, 0.9);
        assertEquals("4 (31 ep @0.001; refit 21 ep)", TransferExperiment.fineTuneLabel("4", List.of(scratch),
                List.of(new FineTuning.Phase(2, "refit: all", List.of("c1", "fc"), 0.001, 21, 21, 21, Double.NaN,
                        Double.NaN)), false));
    }

    @Test
    void eachGradientCaseCarriesItsPhaseDetailsInTheLogLinesAndTheJson() {
        FineTuning.Phase head = new FineTuning.Phase(1, "head", List.of("fc"), 0, 0, 1, 1, 0.1325, 0.94);
        // seed 2030's cell: 3 more right, loss gain 0.0133, here 0.9 standard errors against a threshold of 1
        FineTuning.Phase tune = new FineTuning.Phase(2, "tune", List.of("c5", "fc"), 0.001, 60, 11, 1, 0.1192, 0.97,
                3, 0, 0, 0.0133, 0.0133 / 0.9, 1);
        FineTuning.Phase refitHead = new FineTuning.Phase(1, "refit: head", List.of("fc"), 0, 0, 1, 1, Double.NaN,
                Double.NaN);
        TransferExperiment.Row row = new TransferExperiment.Row(T, 100, "2", "2 (...)", 0.932, 0.93, 500, 2.0, 12, 20,
                List.of(93, 94, 92, 95, 91), 1, List.of("c1", "c3"), List.of(head, tune), List.of(refitHead));
        List<String> d = row.phaseDetails();
        assertEquals("frozen: c1, c3", d.get(0));
        assertTrue(d.get(1).startsWith("phase 1: fc trained as a logistic regression"), d.get(1));
        assertEquals("phase 2: c5, fc at 0.001; 11 of at most 60 epochs run (early stop at epoch 11), epoch 1 kept:"
                + " validation loss 0.1192, accuracy 0.9700", d.get(2));
        assertTrue(d.get(3).startsWith("tuned weights not kept: validation loss gain 0.0133 is 0.90 standard errors"),
                d.get(3));
        assertEquals("refit on all the training pictures: phase 1 (logistic regression)", d.get(4));
        // Cases 0 and 1 have no phases
        assertTrue(report(42).rows().get(1).phaseDetails().isEmpty());

        TransferExperiment.Report r = new TransferExperiment.Report(List.of(row), List.of(), List.of(), 0.884, 10,
                TransferExperiment.Config.defaults().withSeed(2030));
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(r.toJson()).getAsJsonObject();
        assertEquals(2030, json.getAsJsonObject("config").get("seed").getAsLong());
        com.google.gson.JsonObject jr = json.getAsJsonArray("rows").get(0).getAsJsonObject();
        assertEquals("c1", jr.getAsJsonArray("frozen").get(0).getAsString());
        com.google.gson.JsonObject p2 = jr.getAsJsonArray("phases").get(1).getAsJsonObject();
        assertEquals(11, p2.get("epochs").getAsInt());
        assertEquals(1, p2.get("kept_epoch").getAsInt());
        assertTrue(p2.get("early_stop").getAsBoolean());
        assertEquals(3, p2.get("gained_vs_head").getAsInt());
        assertEquals(false, p2.get("tuning_kept").getAsBoolean());
        assertTrue(p2.get("keep_reason").getAsString().contains("below 1"), p2.toString());
        assertEquals(1, jr.getAsJsonArray("refit_phases").size()); // as transfer --json names them
        assertEquals(jr.get("refit_phases"), jr.get("refit")); // the old name, kept for one release
        assertEquals(5, jr.getAsJsonArray("details").size());
    }

    @Test
    void resultsJsonAndMarkdownHoldEveryPhasesEpochsWithTheKeptOne() {
        FineTuning.Phase head = new FineTuning.Phase(1, "head", List.of("fc"), 0, 0, 1, 1, 0.1325, 0.94);
        FineTuning.Phase tune = new FineTuning.Phase(2, "tune", List.of("c5", "fc"), 0.001, 60, 3, 2, 0.1192, 0.97,
                3, 0, 0, 0.0133, 0.0133 / 1.5, 1);
        FineTuning.Phase refitHead = new FineTuning.Phase(1, "refit: head", List.of("fc"), 0, 0, 1, 1, Double.NaN,
                Double.NaN);
        FineTuning.Phase refitTune = new FineTuning.Phase(2, "refit: tune", List.of("c5", "fc"), 0.001, 2, 2, 2,
                Double.NaN, Double.NaN);
        org.convnet4j.train.History h = new org.convnet4j.train.History();
        h.add(Map.of("epoch", 1.0, "train_loss", 0.05, "train_accuracy", 1.0, "val_loss", 0.1325, "val_accuracy", 0.94,
                FineTuning.PHASE, 1.0));
        double[] val = {0.1300, 0.1192, 0.1250};
        for (int e = 0; e < 3; e++) {
            h.add(Map.of("epoch", 2.0 + e, "train_loss", 0.04 - 0.01 * e, "train_accuracy", 1.0, "val_loss", val[e],
                    "val_accuracy", e == 1 ? 0.97 : 0.95, "lr", 0.001, FineTuning.PHASE, 2.0));
        }
        h.add(Map.of("epoch", 5.0, "train_loss", 0.06, "train_accuracy", 1.0, FineTuning.PHASE, 1.0,
                FineTuning.REFIT, 1.0));
        for (int e = 0; e < 2; e++) {
            h.add(Map.of("epoch", 6.0 + e, "train_loss", 0.05, "train_accuracy", 1.0, "lr", 0.001, FineTuning.PHASE, 2.0,
                    FineTuning.REFIT, 1.0));
        }
        TransferExperiment.Row row = new TransferExperiment.Row(T, 100, "2", "2 (...)", 0.932, 0.93, 500, 2.0, 6, 20,
                List.of(93, 94, 92, 95, 91), 1, List.of("c1", "c3"), List.of(head, tune), List.of(refitHead, refitTune),
                h);
        TransferExperiment.Report r = new TransferExperiment.Report(List.of(row), List.of(), List.of(), 0.884, 10,
                TransferExperiment.Config.defaults());

        com.google.gson.JsonObject jr = com.google.gson.JsonParser.parseString(r.toJson()).getAsJsonObject()
                .getAsJsonArray("rows").get(0).getAsJsonObject();
        com.google.gson.JsonObject p2 = jr.getAsJsonArray("phases").get(1).getAsJsonObject();
        com.google.gson.JsonArray epochs = p2.getAsJsonArray("history");
        assertEquals(3, epochs.size());
        assertEquals(1, epochs.get(0).getAsJsonObject().get("epoch").getAsInt());
        assertEquals(0.1192, epochs.get(p2.get("kept_epoch").getAsInt() - 1).getAsJsonObject().get("val_loss")
                .getAsDouble(), 1e-12);
        assertEquals(0.001, epochs.get(2).getAsJsonObject().get("lr").getAsDouble(), 1e-12);
        assertTrue(p2.get("kept_because").getAsString().startsWith("lowest validation loss (0.1192) of the 3 epochs"),
                p2.toString());
        assertTrue(p2.get("keep_reason").getAsString().startsWith("lower validation loss"), p2.toString());
        assertEquals(1, jr.getAsJsonArray("phases").get(0).getAsJsonObject().getAsJsonArray("history").size());
        com.google.gson.JsonObject refit2 = jr.getAsJsonArray("refit_phases").get(1).getAsJsonObject();
        assertEquals(2, refit2.get("kept_epoch").getAsInt()); // a refit keeps its last epoch
        assertEquals(2, refit2.getAsJsonArray("history").size());
        assertFalse(refit2.getAsJsonArray("history").get(0).getAsJsonObject().has("val_loss"));

        String md = r.markdown();
        assertTrue(md.contains("\n```\n" + T + ", 100/class, case 2 (...)\n  frozen"
                .replace("  frozen", "  phase 1 (fc), 1 epoch, epoch 1 kept: one fit to convergence")), md);
        assertTrue(md.contains("\n  phase 2 (c5, fc at 0.001), 3 epochs, epoch 2 kept: lowest validation loss (0.1192)"
                + " of the 3 epochs run; early stopping ended the phase after epoch 3\n"), md);
        assertTrue(md.contains("\n    val_loss: 0.1300 [0.1192] 0.1250\n    val_accuracy: 0.9500 [0.9700] 0.9500\n"
                + "    lr: 0.001 [0.001] 0.001\n"), md);
        assertTrue(md.contains("\n  refit phase 2 (c5, fc at 0.001), 2 epochs: the 2 epochs phase 2 kept on the"
                + " validation split, run on all the training pictures\n    train_loss: 0.0500 0.0500\n"), md);
        assertTrue(md.endsWith("```\n\nTotal time 10 s.\n"), md);
        // a report without gradient cases has no such section
        assertFalse(report(42).markdown().contains("Per-epoch history"));
    }

    @Test
    void csvQuotesEveryCellAndAddsTheRightAnswersPerFold() {
        String[] lines = report(42).csv().split("\n");
        assertEquals(4, lines.length);
        assertTrue(lines[0].endsWith("\"5-fold seconds\",\"5-fold right answers per fold\",\"5-fold runs keeping tuning\""),
                lines[0]);
        assertEquals("\"" + T + "\",\"10\",\"1 (cut flatten)\",\"0.858\",\"0.880 (50)\",\"0.5\",\"3.3\",\"9 9 8 9 9\",\"\"",
                lines[2]);
        assertTrue(lines[1].endsWith(",\"0.0\",\"\",\"\",\"\""), lines[1]);
    }

    @Test
    void csvSaysHowManyFoldRunsKeptTheirFineTuning() {
        TransferExperiment.Config cfg = TransferExperiment.Config.defaults();
        List<TransferExperiment.Row> rows = List.of(new TransferExperiment.Row(T, 10, "2", "2 (head logreg)", 0.85,
                0.86, 200, 0.5, 1, 9.0, List.of(9, 8, 9, 9, 8, 9, 9, 8), 3));
        String[] lines = new TransferExperiment.Report(rows, List.of(), List.of(), 0.884, 10, cfg).csv().split("\n");
        assertTrue(lines[1].endsWith(",\"9 8 9 9 8 9 9 8\",\"3/8\""), lines[1]);
    }

    @Test
    void chartValuesAreOneBarPerCaseInItsSetting() {
        List<TransferExperiment.ChartValue> v = report(42).chartValues();
        assertEquals(3, v.size());
        assertEquals(new TransferExperiment.ChartValue("case 4", "similar 10/class", 0.898), v.get(2));
        // a target of the user's own (experiment transfer --data DIR) is named by its spec, not called "dissimilar"
        TransferExperiment.Row own = new TransferExperiment.Row("photos/mine", 10, "1", "1 (cut flatten)", 0.7,
                0.75, 30, 0.5, 0, 3.0, List.of(9, 9, 8));
        TransferExperiment.Row digits = new TransferExperiment.Row("dissimilar: digits 0-9", 10, "1", "1 (cut flatten)",
                0.8, 0.8, 30, 0.5, 0, 3.0, List.of(9, 9, 8));
        List<TransferExperiment.ChartValue> mine = new TransferExperiment.Report(List.of(own, digits), List.of(),
                List.of(), 0.884, 10, TransferExperiment.Config.defaults()).chartValues();
        assertEquals("photos/mine 10/class", mine.get(0).category());
        assertEquals("dissimilar 10/class", mine.get(1).category());
    }

    @Test
    void aSizeAboveTheSmallestClassIsRefusedNamingTheTargetAndTheClass() {
        org.convnet4j.data.Dataset train = org.convnet4j.data.ArrayDataset.ofFloats(new float[5],
                org.convnet4j.tensor.Shape.of(1), new int[] {0, 0, 0, 1, 1}, List.of("cat", "dog"));
        TransferExperiment.requireSizes("mine", train, List.of(1, 2)); // 2 dogs: fine
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TransferExperiment.requireSizes("mine", train, List.of(2, 3)));
        assertEquals("experiment: --sizes 3: mine has 2 training pictures in its smallest class ('dog'); give sizes"
                + " up to 2", e.getMessage());
    }

    /**
     * Issue 12: results.md named no test size, so a page of test accuracies could not say whether it stood on 500 or
     * 5000 pictures (the published run moved from 100 to 1000 per class). Each target's test pictures now head the
     * tables: in all, per class, classes, and why a target has fewer than asked; results.json holds the counts.
     */
    @Test
    void resultsNameEachTargetsTestPicturesInAllAndPerClass() {
        TransferExperiment.Config d = TransferExperiment.Config.defaults();
        TransferExperiment.Config cfg = new TransferExperiment.Config(d.sizes(), d.pretrainPerClass(),
                d.pretrainEpochs(), 1000, d.targets(), d.cases(), d.fineTune(), d.options(), d.classifiers(),
                d.classifiersAt(), d.seed());
        org.convnet4j.data.Dataset uneven = org.convnet4j.data.ArrayDataset.ofFloats(new float[5],
                org.convnet4j.tensor.Shape.of(1), new int[] {1, 0, 1, 2, 1}, List.of("a", "b", "c"));
        List<TransferExperiment.TestSet> tests = List.of(
                new TransferExperiment.TestSet(T, List.of(1000, 1000, 1000, 1000, 1000)),
                new TransferExperiment.TestSet("dissimilar: digits 0-9", java.util.Collections.nCopies(10, 100)),
                TransferExperiment.TestSet.of("photos/mine", uneven));
        assertEquals(List.of(1, 3, 1), tests.get(2).perClass());
        TransferExperiment.Report r = new TransferExperiment.Report(List.of(), List.of(), List.of(), 0.884, 10, cfg,
                tests);
        String md = r.markdown();
        assertTrue(md.contains("\n\nTest pictures (--test-per-class 1000: at most 1000 of each class, drawn with their"
                + " own seed; every case of a target is scored on the same ones):\n\n"
                + "- similar: Fashion-MNIST 5-9: 5000 pictures, 1000 per class, 5 classes\n"
                + "- dissimilar: digits 0-9: 1000 pictures, 100 per class, 10 classes (its test part has fewer than"
                + " 1000 in every class)\n"
                + "- photos/mine: 5 pictures, 1-3 per class, 3 classes (its test part has fewer than 1000 in every"
                + " class)\n\n| target |"), md);
        com.google.gson.JsonArray json = org.convnet4j.internal.json.Json.parseObject(r.toJson(), "json")
                .getAsJsonArray("test_pictures");
        assertEquals(3, json.size());
        assertEquals(5000, json.get(0).getAsJsonObject().get("pictures").getAsInt());
        assertEquals("[1,3,1]", json.get(2).getAsJsonObject().get("per_class").toString());
        assertEquals("dissimilar: digits 0-9", json.get(1).getAsJsonObject().get("target").getAsString());
        // a report made without the counts says so instead of naming none
        String old = report(42).markdown();
        assertTrue(old.contains("Test pictures (--test-per-class 100: at most 100 of each class,"), old);
        assertTrue(old.contains("- not counted in this report\n\n| target |"), old);
        assertEquals("1000 pictures, 100 per class, 10 classes",
                new TransferExperiment.TestSet("d", java.util.Collections.nCopies(10, 100)).describe(100));
        assertEquals("7 pictures, 3-4 per class, 2 classes (its test part has fewer than 4 in some classes)",
                new TransferExperiment.TestSet("d", List.of(3, 4)).describe(4));
    }

    @Test
    void theSeedReplacesTheSeedsOfTheFineTuningAndTheOptions() {
        TransferExperiment.Config c = TransferExperiment.Config.defaults().withSeed(2027);
        assertEquals(2027, c.seededFineTune().seed());
        assertEquals(2027, c.seededOptions().seed());
        assertEquals(42, TransferExperiment.Config.defaults().seed());
        assertEquals(42, TransferExperiment.Config.defaults().seededFineTune().seed());
    }
}
