package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.convnet4j.nn.Sequential;
import org.junit.jupiter.api.Test;

/** transfer --case auto in Java: the advice's case and cut become the plan, and one line says which and why. */
class AutoTransferTest {
    @Test
    void theTablesCaseAndCutBecomeThePlanAndTheLineSaysWhy() {
        Sequential base = TransferTest.base(1);
        TransferOptions o = TransferOptions.forClasses(List.of("a", "b", "c"));
        // small + dissimilar: Case 2, not the table's Case 1 at the early cut (TransferAdvisor.withoutTrying)
        AdviceReport early = AdviceReport.of(TransferAdvisor.table(TransferAdvisor.Size.SMALL,
                TransferAdvisor.Similarity.DISSIMILAR), base);
        TransferPlan p = AutoTransfer.plan(early, Transfer.copyOf(base), o);
        assertEquals(TransferCase.FINE_TUNE_LAST, p.transferCase());
        assertEquals(Transfer.plan(TransferCase.FINE_TUNE_LAST, Transfer.copyOf(base), o).trainedLayers(),
                p.trainedLayers());
        assertEquals("auto: case 2 (" + TransferAdvisor.SMALL_DATA_RULE + "; the lecture's table: small and"
                + " dissimilar: keep the initial layers only, flatten, train a shallow model (Case 1 cut early))",
                AutoTransfer.line(early));

        // medium + similar: Case 2, and a cut given in the options is not carried over (Case 2 has none)
        AdviceReport two = AdviceReport.of(TransferAdvisor.table(TransferAdvisor.Size.MEDIUM,
                TransferAdvisor.Similarity.SIMILAR), base);
        TransferPlan p2 = AutoTransfer.plan(two, Transfer.copyOf(base), o.withCut("pool1"));
        assertEquals(TransferCase.FINE_TUNE_LAST, p2.transferCase());
        assertEquals(Transfer.plan(TransferCase.FINE_TUNE_LAST, Transfer.copyOf(base), o).trainedLayers(),
                p2.trainedLayers());

        // --try's choice wins over the table, with its reason and the cases the budget cut
        AdviceReport tried = early.withTrials(List.of(), new TransferAdvisor.Choice("1", "1", false, List.of("1"),
                "case 1 was the only case tried"), List.of("1-early", "2", "3", "4"));
        TransferPlan p1 = AutoTransfer.plan(tried, Transfer.copyOf(base), o);
        assertEquals(Transfer.defaultCut(base), p1.cut());
        assertEquals("auto: case 1, cut at " + Transfer.defaultCut(base) + " (measured by 5-fold cross-validation,"
                + " ranked by the held-out accuracy: case 1 was the only case tried; not tried (the time budget ran"
                + " out): cases 1-early, 2, 3, 4)", AutoTransfer.line(tried));
        AdviceReport three = early.withTrials(List.of(), new TransferAdvisor.Choice("3", "3", false, List.of("3"),
                "case 3 measured best"));
        assertEquals(TransferCase.FINE_TUNE_ALL, AutoTransfer.plan(three, Transfer.copyOf(base), o).transferCase());
        assertNull(three.recommendedCut());
    }

    @Test
    void theAdviceRefusesWhatAdviseRefuses() {
        AutoTransfer.Advice a = AutoTransfer.Advice.measured();
        assertEquals(AutoTransfer.DEFAULT_BUDGET_SECONDS, a.budgetSeconds());
        assertEquals(false, a.tryCases());
        AutoTransfer.Advice t = a.withTry(30).withProbe(60).withSimilarity(TransferAdvisor.Similarity.SIMILAR);
        assertEquals(new AutoTransfer.Advice(null, TransferAdvisor.Similarity.SIMILAR, 60, true, 30), t);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.withTry(-1)).getMessage()
                .contains("time budget must be 0 or more"));
        assertThrows(IllegalArgumentException.class, () -> a.withTry(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> a.withProbe(-5));
        // nothing measures the similarity: no statistics, no probe, none given
        Sequential base = TransferTest.base(1);
        assertThrows(IllegalArgumentException.class, () -> AutoTransfer.advise(base, null,
                TransferTest.data(30, 4), a, TransferOptions.forClasses(List.of("a", "b", "c")),
                FineTuneSettings.defaults(), null, null));
    }
}
