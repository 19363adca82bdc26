package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.convnet4j.nn.Sequential;
import org.junit.jupiter.api.Test;

/** advise's answer as a library value: the recommendation that counts is --try's choice, with that case's own cut. */
class AdviceReportTest {
    private static final TransferAdvisor.Recommendation SMALL_DISSIMILAR = TransferAdvisor.table(
            TransferAdvisor.Size.SMALL, TransferAdvisor.Similarity.DISSIMILAR);

    private static TransferAdvisor.Choice chose(String label) {
        return new TransferAdvisor.Choice(label, label, false, List.of(label), "case " + label + " measured best");
    }

    private static JsonObject json(AdviceReport r) {
        return JsonParser.parseString(r.toJson()).getAsJsonObject();
    }

    @Test
    void theJsonCarriesTheCutOfTheChosenCaseNotTheTables() {
        Sequential base = TransferTest.base(1);
        AdviceReport table = AdviceReport.of(SMALL_DISSIMILAR, base);
        // nothing tried on small data: Case 2, not the table's Case 1 at the early cut, which stays under "table"
        JsonObject t = json(table);
        assertEquals(2, t.get("case").getAsInt());
        assertFalse(t.has("cut"), t.toString());
        assertEquals(1, t.getAsJsonObject("table").get("case").getAsInt());
        assertEquals(Transfer.earlyCut(base), t.getAsJsonObject("table").get("cut").getAsString());
        assertEquals("pool1", t.getAsJsonObject("table").get("cut").getAsString());
        assertEquals("case 2", t.get("recommended").getAsString());
        assertEquals(TransferAdvisor.SMALL_DATA_RULE, t.get("recommended_because").getAsString());
        assertFalse(t.has("try"));
        assertTrue(table.departsFromTable());
        assertEquals("The table says: Case 1 (bottleneck features + shallow classifier), cut at pool1",
                table.lines().get(0));
        assertEquals("Recommended: case 2 (" + TransferAdvisor.SMALL_DATA_RULE + ")",
                table.lines().get(table.lines().size() - 1));
        // medium data: the table's answer is the recommendation, as before
        AdviceReport medium = AdviceReport.of(TransferAdvisor.table(TransferAdvisor.Size.MEDIUM,
                TransferAdvisor.Similarity.DISSIMILAR), base);
        assertFalse(medium.departsFromTable());
        assertEquals(3, json(medium).get("case").getAsInt());
        assertFalse(json(medium).has("recommended"));
        assertFalse(String.join(" ", medium.lines()).contains("Recommended"));

        // --try picks Case 1 at the default cut: the cut is the default one, the table's stays under "table"
        JsonObject one = json(table.withTrials(List.of(), chose("1")));
        assertEquals(1, one.get("case").getAsInt());
        assertEquals(Transfer.defaultCut(base), one.get("cut").getAsString());
        assertEquals("pool1", one.getAsJsonObject("table").get("cut").getAsString());
        assertEquals("case 1", one.get("recommended").getAsString());

        // --try picks Case 2: no cut at all (Case 2 has none), the table's answer kept apart
        AdviceReport two = table.withTrials(List.of(), chose("2"));
        JsonObject j = json(two);
        assertEquals(2, j.get("case").getAsInt());
        assertFalse(j.has("cut"), j.toString());
        assertEquals(1, j.getAsJsonObject("table").get("case").getAsInt());
        assertEquals("case 2", j.getAsJsonObject("try").get("winner").getAsString());
        assertTrue(two.lines().get(0).startsWith("The table says: Case 1"), two.lines().toString());
        assertTrue(two.lines().get(two.lines().size() - 1).startsWith("Recommended (stratified 5-fold cross-validation,"
                + " cases ranked by their held-out accuracy; exact ties go to the case tried first (the cheaper: 1,"
                + " 1-early, 2, 3, 4)): case 2; "), two.lines().toString());

        // and the early cut chosen from a table that said Case 3: the early cut is named
        AdviceReport early = AdviceReport.of(TransferAdvisor.table(TransferAdvisor.Size.LARGE,
                TransferAdvisor.Similarity.SIMILAR), base).withTrials(List.of(), chose("1-early"));
        assertEquals("pool1", json(early).get("cut").getAsString());
        assertFalse(json(early).getAsJsonObject("table").has("cut"));
        assertTrue(early.lines().get(early.lines().size() - 1).contains("case 1-early, cut at pool1"));
    }

    @Test
    void theJsonAndTheTextSayWhichScoreRankedTheCasesAndShowIt() {
        // the small run's folds, chosen under its own table's answer (Case 1: a similar target; under the early cut
        // Case 4 would be set aside)
        List<TransferAdvisor.Trial> trials = TransferAdvisorTest.smallRunMiss();
        AdviceReport r = AdviceReport.of(SMALL_DISSIMILAR, TransferTest.base(1)).withTrials(trials,
                TransferAdvisor.choose(trials, "1"));
        JsonObject t = json(r).getAsJsonObject("try");
        assertEquals("brier score", t.get("ranked_by").getAsString(), t.toString());
        assertEquals(trials.get(4).heldOut().brier(), t.get("case 4 brier").getAsDouble(), 1e-12);
        assertEquals(0.875, t.get("case 4").getAsDouble(), 1e-12);
        assertTrue(t.get("tie_rule").getAsString().startsWith("exact ties go to the case tried first"), t.toString());
        assertEquals("case 4", t.get("winner").getAsString());
        String last = r.lines().get(r.lines().size() - 1);
        assertTrue(last.startsWith("Recommended (stratified 5-fold cross-validation, cases ranked by their held-out"
                + " Brier score, lower is better; exact ties go to the case tried first"), last);
        assertTrue(last.contains("case 4 at Brier 0.203, accuracy 0.875"), last);
        // every case ran: nothing is said about the time budget but that it counts wall-clock seconds
        assertEquals(0, t.getAsJsonArray("not_tried").size(), t.toString());
        assertEquals("wall", t.get("budget_clock").getAsString(), t.toString());
        assertFalse(last.contains("not tried"), last);
    }

    @Test
    void casesTheTimeBudgetCutAreNamedInTheTextAndTheJson() {
        List<TransferAdvisor.Trial> trials = TransferAdvisorTest.smallRunMiss().subList(0, 3); // 1, 1-early, 2 ran
        assertEquals(List.of("3", "4"), TransferAdvisor.notTried(trials));
        AdviceReport r = AdviceReport.of(SMALL_DISSIMILAR, TransferTest.base(1)).withTrials(trials,
                TransferAdvisor.choose(trials, "1"), TransferAdvisor.notTried(trials));
        JsonObject t = json(r).getAsJsonObject("try");
        assertEquals("[\"3\",\"4\"]", t.getAsJsonArray("not_tried").toString());
        String last = r.lines().get(r.lines().size() - 1);
        assertTrue(last.endsWith("; not tried (the time budget ran out): cases 3, 4"), last);
        // the line tryCases logs when it cuts: the cases, the clock, the seconds and the CPU seconds in them
        assertEquals("not tried: cases 3, 4: the time budget of 300 s (wall-clock) ran out after 412 s, in which this"
                + " process had 21 s of CPU time; the recommendation is among the cases tried (a busy machine tries"
                + " fewer cases; a larger budget tries more)",
                TransferAdvisor.budgetLine(List.of("3", "4"), 300, 412.3, 21.2));
        assertTrue(TransferAdvisor.budgetLine(List.of("4"), 300, 301, Double.NaN)
                .startsWith("not tried: case 4: the time budget of 300 s (wall-clock) ran out after 301 s; the"), "");
    }

    @Test
    void withoutABaseTheCutsAreNamedInWords() {
        AdviceReport r = AdviceReport.of(SMALL_DISSIMILAR, null);
        assertEquals("<early layer>", json(r).getAsJsonObject("table").get("cut").getAsString());
        assertEquals("<early layer>", r.withTrials(List.of(), chose("1-early")).recommendedCut());
        assertEquals("<last layer before the dense head>", r.withTrials(List.of(), chose("1")).recommendedCut());
    }
}
