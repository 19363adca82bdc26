package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
