package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class TransferAdvisorTest {
    private static final int DIM = 16;
    /** The source: every pixel mean 0, variance 1 (as if measured on many pictures). */
    private static final FeatureStatistics SOURCE = new FeatureStatistics(FeatureStatistics.INPUT, 100000,
            new double[DIM], filled(1.0));

    private static double[] filled(double v) {
        double[] a = new double[DIM];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** n pictures whose pixels are N(mu, 1): the true shift is |mu| (means move by mu, spreads stay). */
    private static Dataset target(int n, double mu, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * DIM];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (mu + r.nextGaussian());
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 4, 4), new int[n], List.of("a"));
    }

    private static Sequential base() {
        Sequential s = new Sequential(Shape.of(1, 4, 4), new Flatten().named("flatten"), new Dense(2).named("fc"));
        s.initialize(1);
        return s;
    }

    @Test
    void verdictsFollowTheIntervalAndAreStableAcrossSampleSizes() {
        TransferAdvisor.Assessment near = TransferAdvisor.assess(base(), SOURCE, target(800, 0.5, 1), 3);
        assertEquals(TransferAdvisor.Similarity.SIMILAR, near.verdict(), near.toString());
        TransferAdvisor.Assessment far = TransferAdvisor.assess(base(), SOURCE, target(800, 1.5, 2), 3);
        assertEquals(TransferAdvisor.Similarity.DISSIMILAR, far.verdict(), far.toString());
        assertTrue(far.low() <= far.shift() && far.shift() <= far.high(), far.toString());
        // at the threshold with few pictures: the interval straddles it
        TransferAdvisor.Assessment edge = TransferAdvisor.assess(base(), SOURCE, target(12, 1.0, 4), 3);
        assertEquals(TransferAdvisor.Similarity.UNCERTAIN, edge.verdict(), edge.toString());
        // the bias correction: 15 pictures of the same data estimate about the same shift as 800
        double small = TransferAdvisor.assess(base(), SOURCE, target(15, 0.5, 5), 3).shift();
        assertEquals(near.shift(), small, 0.2);
        assertEquals(0.5, near.shift(), 0.08);
        assertTrue(edge.toString().startsWith("pixel shift"), edge.toString());
    }

    @Test
    void uncertainUsesThePointEstimatesRowAndSaysToTry() {
        TransferAdvisor.Assessment edge = new TransferAdvisor.Assessment(FeatureStatistics.INPUT, 0.97, 0.9, 1.05, 50,
                TransferAdvisor.Similarity.UNCERTAIN);
        TransferAdvisor.Recommendation r = TransferAdvisor.measured(300, edge);
        assertEquals(TransferAdvisor.Similarity.UNCERTAIN, r.similarity());
        assertEquals(TransferCase.FINE_TUNE_LAST, r.transferCase()); // medium, similar by the point estimate
        assertTrue(r.reasons().stream().anyMatch(s -> s.contains("--try")), r.reasons().toString());
    }

    private static TransferAdvisor.Trial trial(String label, int... right) {
        List<Integer> r = java.util.Arrays.stream(right).boxed().toList();
        List<Integer> n = java.util.Collections.nCopies(right.length, 10);
        return new TransferAdvisor.Trial(label, new TransferAdvisor.HeldOut(r.stream().mapToInt(Integer::intValue).sum()
                / (10.0 * right.length), 10 * right.length, right.length, 1, r, n), 1);
    }

    @Test
    void aClearlyBetterCaseIsChosenOverTheTablesCase() {
        // case 4 is ahead in every fold by 2-3 of 10: far more than the corrected standard error
        TransferAdvisor.Choice c = TransferAdvisor.choose(List.of(trial("1", 7, 7, 6, 7, 7, 6, 7, 7),
                trial("4", 9, 10, 9, 9, 10, 9, 9, 10)), "1");
        assertEquals("4", c.label());
        assertEquals("4", c.best());
        assertFalse(c.uncertain());
        assertEquals(List.of("4"), c.indistinguishable());
    }

    @Test
    void whenTheMeasurementCannotTellTheCasesApartTheVerdictIsUncertainAndTheBestMeasuredStays() {
        // case 2 is 0.5 of a picture ahead on average, with differences of -2..+3: within one corrected error
        TransferAdvisor.Choice c = TransferAdvisor.choose(List.of(trial("1", 9, 8, 10, 7, 9, 8, 9, 9),
                trial("1-early", 5, 5, 5, 5, 5, 5, 5, 5), trial("2", 10, 7, 9, 10, 8, 9, 10, 10)), "1");
        assertEquals("2", c.label());
        assertEquals("2", c.best());
        assertTrue(c.uncertain());
        assertEquals(List.of("1", "2"), c.indistinguishable());
        assertTrue(c.reason().startsWith("uncertain: cases 1, 2 cannot be told apart"), c.reason());
        assertTrue(c.reason().endsWith("the table's case 1 is among them"), c.reason());
        // the early cut is clearly behind
        TransferAdvisor.Choice d = TransferAdvisor.choose(List.of(trial("1", 9, 8, 10, 7, 9, 8, 9, 9),
                trial("1-early", 5, 5, 5, 5, 5, 5, 5, 5), trial("2", 10, 7, 9, 10, 8, 9, 10, 10)), "1-early");
        assertEquals("2", d.label());
        assertTrue(d.reason().endsWith("the table's case 1-early is not among them"), d.reason());
    }

    @Test
    void oneFoldRunHasNoSpreadSoOnlyTiesAreIndistinguishable() {
        assertEquals("2", TransferAdvisor.choose(List.of(trial("1", 8), trial("2", 9)), "1").label());
        TransferAdvisor.Choice tie = TransferAdvisor.choose(List.of(trial("1", 9), trial("2", 9)), "2");
        assertEquals("1", tie.best(), "the best measured: a tie goes to the cheaper case");
        assertEquals("2", tie.label(), "an uncertain verdict prefers fine-tuning over Case 1");
        assertTrue(tie.uncertain());
        TransferAdvisor.Choice early = TransferAdvisor.choose(List.of(trial("1", 9), trial("1-early", 9)), "1");
        assertEquals("1", early.label(), "without Case 2 or 3 among them, the best measured stays");
    }

    private static TransferAdvisor.Trial trial20(String label, String right) {
        List<Integer> r = java.util.Arrays.stream(right.split(" ")).map(Integer::valueOf).toList();
        List<Integer> n = java.util.Collections.nCopies(r.size(), 20);
        int sum = r.stream().mapToInt(Integer::intValue).sum();
        return new TransferAdvisor.Trial(label, new TransferAdvisor.HeldOut(sum / (20.0 * r.size()), 20 * r.size(),
                r.size(), 4, r, n), 1);
    }

    @Test
    void anUncertainVerdictPrefersFineTuningOverCaseOne() {
        // the seed-2028 run's digits at 10 per class (docs/transfer/seed-2028/results.csv): 4 rounds of 5 folds of 20
        // pictures; Case 1 and Case 3 tie at 319 of 400 and the best measured was Case 1 (test 0.803, Case 3 0.848)
        List<TransferAdvisor.Trial> trials = List.of(
                trial20("1", "16 16 16 17 15 14 12 16 18 19 18 19 15 13 17 20 12 13 16 17"),
                trial20("1-early", "13 13 13 17 13 11 12 16 16 15 15 11 14 13 15 18 12 14 14 12"),
                trial20("2", "15 16 16 16 16 14 13 15 19 19 16 17 15 12 19 18 14 15 15 17"),
                trial20("3", "15 16 16 16 17 14 13 17 18 19 16 17 15 12 19 18 14 15 15 17"),
                trial20("4", "15 18 16 17 17 15 12 17 16 18 18 18 15 12 18 17 13 15 15 16"));
        TransferAdvisor.Choice c = TransferAdvisor.choose(trials, "1-early");
        assertEquals("1", c.best());
        assertEquals(List.of("1", "2", "3", "4"), c.indistinguishable());
        assertEquals("3", c.label());
        assertTrue(c.reason().contains("case 3 at 0.798 is recommended over the best measured, case 1 at 0.798"),
                c.reason());
        // a clear Case 1 win is not overridden
        TransferAdvisor.Choice clear = TransferAdvisor.choose(List.of(trial("1", 9, 10, 9, 9, 10, 9, 9, 10),
                trial("2", 7, 7, 6, 7, 7, 6, 7, 7)), "2");
        assertEquals("1", clear.label());
        assertFalse(clear.uncertain());
    }

    private static TransferAdvisor.Trial kept(TransferAdvisor.Trial t, int folds) {
        TransferAdvisor.HeldOut h = t.heldOut();
        return new TransferAdvisor.Trial(t.label(), new TransferAdvisor.HeldOut(h.accuracy(), h.answers(), h.folds(),
                h.rounds(), h.rightPerFold(), h.answersPerFold(), folds), t.seconds());
    }

    @Test
    void fineTuningWhoseFoldsNeverKeptTheirTuningIsSetAside() {
        // 8 fold runs; Cases 1-4 cannot be told apart; Case 3 is the best measured of the fine-tuning cases
        TransferAdvisor.Trial one = trial("1", 9, 8, 10, 7, 9, 8, 9, 9);
        TransferAdvisor.Trial two = trial("2", 9, 8, 10, 8, 9, 8, 9, 9);
        TransferAdvisor.Trial three = trial("3", 10, 8, 10, 8, 9, 8, 9, 9);
        TransferAdvisor.Trial four = trial("4", 9, 9, 9, 8, 9, 8, 9, 9);
        // some fold runs kept their tuning, even fewer than half: the tie-break prefers fine-tuning
        TransferAdvisor.Choice c = TransferAdvisor.choose(List.of(one, kept(two, 1), kept(three, 3), four), "1");
        assertEquals(List.of("1", "2", "3", "4"), c.indistinguishable());
        assertEquals("3", c.label());
        assertFalse(c.reason().contains("set aside"), c.reason());
        // not counted (runs written before the count existed): as before
        assertEquals("3", TransferAdvisor.choose(List.of(one, two, three, four), "1").label());
        // Case 3 never kept its tuning on the folds: set aside, Case 2 (1 of 8) is the fine-tuning left
        TransferAdvisor.Choice d = TransferAdvisor.choose(List.of(one, kept(two, 1), kept(three, 0), four), "1");
        assertEquals("2", d.label());
        assertTrue(d.reason().contains("case 3 set aside (none of its fold runs kept the fine-tuning"), d.reason());
        // neither ever kept it: no fine-tuning left among the close cases, the best measured of the rest
        TransferAdvisor.Choice e = TransferAdvisor.choose(List.of(one, kept(two, 0), kept(three, 0), four), "1");
        assertEquals("4", e.label());
        assertEquals("3", e.best());
        assertTrue(e.reason().contains("cases 2 and 3 set aside"), e.reason());
        assertTrue(e.reason().contains("case 4 at 0.875 is recommended, the best measured of the rest"), e.reason());
        // a clear win is never overridden, kept or not
        TransferAdvisor.Choice clear = TransferAdvisor.choose(List.of(trial("1", 7, 7, 6, 7, 7, 6, 7, 7),
                kept(trial("2", 9, 10, 9, 9, 10, 9, 9, 10), 0)), "1");
        assertEquals("2", clear.label());
        assertFalse(clear.uncertain());
    }

    @Test
    void theSeed2030FashionSettingAt100PerClassGoesToCaseOne() {
        // seed 2030 with --keep-se 1, Fashion 5-9 at 100 per class (tools/fine-tune-study/results/keep-se/heldout-2030):
        // one round of 5 folds of 100 pictures; Cases 2 and 3 kept their tuning in 0 of 5 fold runs, and Case 2's own
        // run kept it (1.01 standard errors). Test: case 1 0.944, case 2 0.922, case 3 0.932, case 4 0.918
        List<TransferAdvisor.Trial> trials = List.of(
                kept100("1", "94 99 95 84 92", -1), kept100("2", "94 98 96 84 92", 0),
                kept100("3", "94 98 96 84 92", 0), kept100("4", "93 97 96 85 92", -1));
        TransferAdvisor.Choice c = TransferAdvisor.choose(trials, "2");
        assertEquals(List.of("1", "2", "3", "4"), c.indistinguishable());
        assertEquals("1", c.label(), c.reason()); // without the set-aside: case 2, 2.2 points below case 1
    }

    @Test
    void headsThatMostlyDroppedTheirTuningButMeasuredAsWellAsCaseOneAreNotSetAside() {
        // the digits at 10 per class with --keep-se 1, 4 rounds of 5 folds of 20 pictures. Seed 2028 (a selection
        // seed, tools/advisor-study/results/keep-se1/sel-2028): Cases 2 / 3 kept their tuning in 9 / 7 of 20 fold
        // runs; the "fewer than half" rule set both aside and picked Case 1 (test 0.803, Cases 2 / 3 0.848)
        List<TransferAdvisor.Trial> s2028 = List.of(
                kept(trial20("1", "16 16 16 17 15 14 12 16 18 19 18 19 15 13 17 20 12 13 16 17"), -1),
                kept(trial20("2", "15 16 16 16 16 14 12 15 18 19 16 17 15 12 19 18 14 15 15 17"), 9),
                kept(trial20("3", "15 16 16 16 17 15 12 17 18 19 16 17 15 12 19 18 14 15 15 17"), 7),
                kept(trial20("4", "15 18 16 17 17 15 12 17 16 18 18 18 15 12 18 17 13 15 15 16"), -1));
        assertEquals("3", TransferAdvisor.choose(s2028, "1-early").label());
        // seed 2032 (held out, tools/fine-tune-study/results/keep-se/heldout-2032): 2 / 0 of 20; the old rule picked
        // Case 1 (0.815, Cases 2 / 3 0.836); now Case 3 is set aside and Case 2 is recommended
        List<TransferAdvisor.Trial> s2032 = List.of(
                kept(trial20("1", "16 15 15 16 18 14 18 16 19 15 16 14 19 15 13 16 16 15 16 16"), -1),
                kept(trial20("2", "15 15 16 16 19 14 18 15 18 15 18 14 17 16 14 16 15 17 17 15"), 2),
                kept(trial20("3", "15 15 16 16 19 14 18 15 18 15 18 14 17 16 14 16 15 17 17 15"), 0),
                kept(trial20("4", "14 14 14 15 18 14 17 15 18 15 15 12 16 17 17 17 17 15 15 15"), -1));
        TransferAdvisor.Choice c = TransferAdvisor.choose(s2032, "1-early");
        assertEquals("2", c.label(), c.reason());
        assertTrue(c.reason().contains("case 3 set aside"), c.reason());
    }

    private static TransferAdvisor.Trial kept100(String label, String right, int keptRuns) {
        List<Integer> r = java.util.Arrays.stream(right.split(" ")).map(Integer::valueOf).toList();
        int sum = r.stream().mapToInt(Integer::intValue).sum();
        return new TransferAdvisor.Trial(label, new TransferAdvisor.HeldOut(sum / (100.0 * r.size()), 100 * r.size(),
                r.size(), 1, r, java.util.Collections.nCopies(r.size(), 100), keptRuns), 1);
    }

    private static TransferAdvisor.Trial brier20(String label, String right, String brier, int keptRuns) {
        return brier20(label, right, brier, keptRuns, 10);
    }

    private static TransferAdvisor.Trial brier20(String label, String right, String brier, int keptRuns, int perFold) {
        List<Integer> r = java.util.Arrays.stream(right.split(" ")).map(Integer::valueOf).toList();
        List<Double> b = java.util.Arrays.stream(brier.split(" ")).map(Double::valueOf).toList();
        int sum = r.stream().mapToInt(Integer::intValue).sum();
        return new TransferAdvisor.Trial(label, new TransferAdvisor.HeldOut(sum / ((double) perFold * r.size()),
                perFold * r.size(), r.size(), 4, r, java.util.Collections.nCopies(r.size(), perFold), keptRuns, b), 1);
    }

    /**
     * Base 2032's digits at data seed 4012, 10 per class (rows tools/advisor-study/results/brier/heldout-2032.csv): 4
     * rounds of 5 folds of 20 pictures. By Brier score Case 4 is the best measured and Cases 2 and 3 are close; on
     * the test set Case 4 scored 0.842 and Cases 2 and 3 0.878 (3.6 points lost).
     */
    static List<TransferAdvisor.Trial> digits4012() {
        return List.of(
                brier20("1", "13 16 17 14 17 17 15 17 18 12 14 18 14 18 16 12 16 17 17 14",
                        "10.690231 6.782570 7.886568 12.112201 8.070570 10.234984 9.675711 6.546598 6.714895" + " "
                        + "10.034907 10.027453 7.388537 9.390230 5.944561 10.240611 10.784269 7.949294 9.280935" + " "
                        + "7.517081 9.764958", -1, 20),
                brier20("1-early", "11 17 12 11 17 13 12 18 15 13 14 15 14 19 12 12 15 13 17 16",
                        "11.722906 8.862571 12.052375 13.047393 9.312848 13.053551 12.578426 9.173621 10.717615" + " "
                        + "10.706147 11.280749 10.405044 11.671445 8.952883 13.447274 13.991913 11.053964 11.389124" + " "
                        + "8.921775 11.207489", -1, 20),
                brier20("2", "15 16 15 14 17 16 13 17 18 13 16 19 15 17 15 12 15 18 17 14",
                        "9.217342 4.820482 5.745135 9.535479 2.895393 6.467649 8.755731 3.082573 2.025249 9.408101" + " "
                        + "6.458026 2.770484 7.738350 2.839713 7.484370 11.634644 5.890713 4.077215 2.368902 7.991292", 12, 20),
                brier20("3", "15 16 15 14 17 16 14 17 18 14 16 17 15 17 16 12 15 18 17 14",
                        "9.141691 4.787899 5.745135 9.535479 3.177425 6.574826 8.698367 2.956233 2.025249 8.076312" + " "
                        + "6.458026 3.625410 8.232916 2.839713 7.520783 12.175332 5.890713 3.981948 2.368902 7.985402", 9, 20),
                brier20("4", "13 18 16 12 18 15 17 15 20 15 17 17 15 19 17 11 19 16 18 15",
                        "9.068479 2.937741 4.950004 10.664152 2.976922 8.002420 5.406693 5.872326 0.166268 7.960421" + " "
                        + "5.814084 3.290666 8.202927 1.911569 5.244200 12.072958 2.336031 3.870859 2.969168 6.085363", -1, 20));
    }

    @Test
    void onSmallDissimilarDataRetrainingFromScratchIsNotPreferredOverACloseFineTuning() {
        // the table says the early cut (small data, dissimilar target): Case 4 is set aside, Case 2 recommended
        TransferAdvisor.Choice c = TransferAdvisor.choose(digits4012(), TransferAdvisor.SMALL_DISSIMILAR_TABLE);
        assertEquals("4", c.best(), c.reason());
        assertEquals(List.of("2", "3", "4"), c.indistinguishable(), c.reason());
        assertEquals("2", c.label(), c.reason());
        assertTrue(c.reason().contains("case 4 set aside (small data and a dissimilar target"), c.reason());
        // any other table answer: the best measured of Cases 2-4, Case 4, as before
        for (String table : List.of("1", "2", "3")) {
            TransferAdvisor.Choice other = TransferAdvisor.choose(digits4012(), table);
            assertEquals("4", other.label(), other.reason());
            assertFalse(other.reason().contains("case 4 set aside"), other.reason());
        }
        // Case 4 clearly ahead (no Case 2/3 within one corrected SE) stays the pick on small, dissimilar data
        TransferAdvisor.Choice alone = TransferAdvisor.choose(List.of(digits4012().get(0), digits4012().get(4)),
                TransferAdvisor.SMALL_DISSIMILAR_TABLE);
        assertEquals("4", alone.label(), alone.reason());
        // the small fresh-clone run (similar target, Case 4 best on the test set) keeps its pick under its own table
        assertEquals("4", TransferAdvisor.choose(smallRunMiss(), "1").label());
    }

    private static TransferAdvisor.Trial withoutBrier(TransferAdvisor.Trial t) {
        TransferAdvisor.HeldOut h = t.heldOut();
        return new TransferAdvisor.Trial(t.label(), new TransferAdvisor.HeldOut(h.accuracy(), h.answers(), h.folds(),
                h.rounds(), h.rightPerFold(), h.answersPerFold(), h.foldsKeepingTuning()), t.seconds());
    }

    /**
     * The fresh-clone small run's miss (Fashion-MNIST 5-9 at 10 per class, its base and data; rows
     * tools/advisor-study/results/brier/misses-small.csv): 4 rounds of 5 folds of 10 pictures. By accuracy Cases 1,
     * 1-early, 2, 3 and 4 cannot be told apart and the tie-break took Case 2 (test 0.824, Case 4 0.856: 3.2 points
     * lost); by the folds' Brier score Case 4 is the best measured and is recommended.
     */
    static List<TransferAdvisor.Trial> smallRunMiss() {
        return List.of(
                brier20("1", "9 9 9 8 9 9 8 8 10 9 8 9 9 10 8 8 10 8 9 10", "3.048423 2.185130 2.338489 3.414611"
                        + " 2.182012 2.604737 3.451860 3.732479 2.027736 1.660142 4.059193 2.400748 3.028234 1.085179"
                        + " 3.566601 5.327792 1.789284 3.383838 2.170679 2.066454", -1),
                brier20("1-early", "9 8 10 7 9 9 8 8 10 10 8 9 8 10 9 8 9 9 9 10", "4.204518 2.364983 1.709637"
                        + " 3.732640 3.542021 2.465852 4.947561 4.080568 1.962121 2.642634 6.541657 2.922774 3.412753"
                        + " 1.915850 3.257337 6.283899 3.145701 3.403515 2.093040 2.508198", -1),
                brier20("2", "9 9 10 7 9 10 7 8 9 10 8 9 9 10 8 8 9 7 9 10", "2.293859 1.955729 0.672885 4.509828"
                        + " 1.434798 0.326067 4.497407 3.533064 0.796940 0.303705 4.011822 0.706954 2.022482 0.016565"
                        + " 3.884570 4.396472 0.806224 3.959984 1.618770 0.160882", 10),
                brier20("3", "9 9 10 7 9 10 7 8 9 10 8 9 9 10 8 8 9 7 9 10", "2.293859 1.955729 0.672885 4.922571"
                        + " 1.475823 0.278871 4.497407 3.533064 0.784034 0.303705 4.014665 0.917876 2.020975 0.014966"
                        + " 3.884570 4.286485 0.806224 3.959984 1.754044 0.160882", 9),
                brier20("4", "9 9 8 7 9 10 9 7 10 10 8 10 9 10 8 7 9 7 9 10", "2.757912 1.714815 2.237933 4.793492"
                        + " 1.964585 0.228614 2.641006 4.264609 0.175229 0.236177 4.362402 0.197337 2.093655 0.483316"
                        + " 2.118562 4.947705 0.547234 2.740118 1.984188 0.030392", -1));
    }

    @Test
    void theFoldsBrierScoreRanksTheCasesWhereAccuracyCannot() {
        TransferAdvisor.Choice c = TransferAdvisor.choose(smallRunMiss(), "1");
        assertEquals(TransferAdvisor.Ranking.BRIER_SCORE, c.ranking());
        assertEquals("4", c.best(), c.reason());
        assertEquals("4", c.label(), c.reason());
        assertEquals(List.of("2", "3", "4"), c.indistinguishable(), c.reason());
        assertTrue(c.reason().startsWith("uncertain: cases 2, 3, 4 cannot be told apart by Brier score"), c.reason());
        assertTrue(c.reason().contains("case 4 at Brier 0.203, accuracy 0.875"), c.reason());
        // the same folds ranked by accuracy (no Brier scores): Case 1 is the best measured, Case 2 is picked
        TransferAdvisor.Choice a = TransferAdvisor.choose(smallRunMiss().stream()
                .map(TransferAdvisorTest::withoutBrier).toList(), "1");
        assertEquals(TransferAdvisor.Ranking.ACCURACY, a.ranking());
        assertEquals("1", a.best(), a.reason());
        assertEquals("2", a.label(), a.reason());
        assertEquals(List.of("1", "1-early", "2", "3", "4"), a.indistinguishable(), a.reason());
        // one case without Brier scores: the whole choice falls back to accuracy (the scores must be comparable)
        List<TransferAdvisor.Trial> mixed = new java.util.ArrayList<>(smallRunMiss());
        mixed.set(0, withoutBrier(mixed.get(0)));
        assertEquals(TransferAdvisor.Ranking.ACCURACY, TransferAdvisor.choose(mixed, "1").ranking());
    }

    @Test
    void equalAccuracyButSurerAnswersWinAndExactBrierTiesGoToTheCheaperCase() {
        // 8 folds, both cases right 9 of 10 in each; Case 2's probabilities are far surer (Brier 0.05 against 0.25 a
        // picture in every fold, with a little spread)
        String right = "9 9 9 9 9 9 9 9";
        TransferAdvisor.Trial one = brier20("1", right, "2.5 2.4 2.6 2.5 2.5 2.4 2.6 2.5", -1);
        TransferAdvisor.Trial two = brier20("2", right, "0.5 0.6 0.4 0.5 0.5 0.6 0.4 0.5", 8);
        TransferAdvisor.Choice c = TransferAdvisor.choose(List.of(one, two), "1");
        assertEquals("2", c.label());
        assertFalse(c.uncertain(), c.reason());
        assertTrue(c.reason().startsWith("case 2 has the best held-out Brier score (Brier 0.050, accuracy 0.900),"
                + " clearly ahead"), c.reason());
        // by accuracy the two are level: the cheaper is the best measured
        assertEquals("1", TransferAdvisor.choose(List.of(withoutBrier(one), withoutBrier(two)), "1").best());
        // an exact tie of the Brier score goes to the case tried first
        TransferAdvisor.Trial same = brier20("1-early", right, "0.5 0.6 0.4 0.5 0.5 0.6 0.4 0.5", -1);
        TransferAdvisor.Choice tie = TransferAdvisor.choose(List.of(same, two), "1");
        assertEquals("1-early", tie.best(), tie.reason());
        assertEquals(List.of("1-early", "2"), tie.indistinguishable());
        assertEquals("2", tie.label(), "an uncertain verdict still prefers fine-tuning over Case 1: " + tie.reason());
        assertEquals("2", TransferAdvisor.choose(List.of(two, same), "1").best(), "the order of the trials decides");
    }

    @Test
    void theTablesAnswerHasACaseLabel() {
        assertEquals("1-early", TransferAdvisor.labelOf(TransferAdvisor.table(TransferAdvisor.Size.SMALL,
                TransferAdvisor.Similarity.DISSIMILAR)));
        assertEquals("2", TransferAdvisor.labelOf(TransferAdvisor.table(TransferAdvisor.Size.MEDIUM,
                TransferAdvisor.Similarity.SIMILAR)));
    }

    @Test
    void theBestMeasuredCaseWinsAndTiesGoToTheCheaper() {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("1", 0.9);
        m.put("1-early", 0.85);
        m.put("2", 0.9);
        m.put("3", 0.93);
        assertEquals("3", TransferAdvisor.best(m));
        m.put("3", 0.9);
        assertEquals("1", TransferAdvisor.best(m));
    }

    @Test
    void foldsAreStratifiedSeededAndCoverEveryPictureOnce() {
        Dataset d = TransferTest.data(47, 3); // classes 0,1,2 dealt in turn: 16, 16, 15 pictures
        int[] fold = TransferAdvisor.stratifiedFolds(d, 5, 11);
        assertEquals(47, fold.length);
        int[][] count = new int[5][3];
        for (int i = 0; i < fold.length; i++) {
            assertTrue(fold[i] >= 0 && fold[i] < 5);
            count[fold[i]][d.label(i)]++;
        }
        for (int c = 0; c < 3; c++) {
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int f = 0; f < 5; f++) {
                min = Math.min(min, count[f][c]);
                max = Math.max(max, count[f][c]);
            }
            assertTrue(max - min <= 1, "class " + c + ": " + java.util.Arrays.deepToString(count));
        }
        assertTrue(java.util.Arrays.equals(fold, TransferAdvisor.stratifiedFolds(d, 5, 11)));
        assertTrue(!java.util.Arrays.equals(fold, TransferAdvisor.stratifiedFolds(d, 5, 12)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TransferAdvisor.stratifiedFolds(TransferTest.data(9, 3), 5, 1));
    }

    @Test
    void foldsRunUntilFiveHundredAnswersOrAllFive() {
        assertEquals(5, TransferAdvisor.foldsToRun(50, 5, 500));   // 10/class, 5 classes: every picture answers once
        assertEquals(5, TransferAdvisor.foldsToRun(500, 5, 500));
        assertEquals(3, TransferAdvisor.foldsToRun(1000, 5, 500)); // 200 a fold: 600 answers
        assertEquals(2, TransferAdvisor.foldsToRun(2000, 5, 500)); // 400 a fold: 800
        assertEquals(1, TransferAdvisor.foldsToRun(4000, 5, 500)); // 800 a fold
    }

    @Test
    void heldOutAccuracyPredictsEveryPictureOnceFromFoldsItWasNotTrainedOn() throws java.io.IOException {
        TransferTest.registerTestClassifier();
        Dataset d = TransferTest.data(60, 8);
        Sequential base = TransferTest.base(2);
        TransferOptions o = TransferOptions.forClasses(d.classNames());
        FineTuneSettings s = new FineTuneSettings(20, 4, 3, 0.25, 16, 7);
        TransferAdvisor.HeldOut one = TransferAdvisor.heldOutAccuracy(base, TransferCase.BOTTLENECK, o, d, s, null,
                "centroid");
        // 60 pictures are fewer than 500 answers: 4 rounds of 5 folds, each round predicting every picture once
        assertEquals(240, one.answers());
        assertEquals(20, one.folds());
        assertEquals(4, one.rounds());
        for (int r = 0; r < 4; r++) {
            assertEquals(60, one.answersPerFold().subList(5 * r, 5 * r + 5).stream().mapToInt(Integer::intValue).sum());
        }
        assertTrue(one.accuracy() > 0.8, "3 well-separated classes, chance 0.33: " + one.accuracy());
        assertEquals(20, one.brierPerFold().size(), "every fold run is scored by its Brier score too");
        assertTrue(one.hasBrier() && one.brier() >= 0 && one.brier() < 0.5, "sure and mostly right: " + one.brier());
        assertEquals(Math.round(one.accuracy() * 240), one.accuracy() * 240, 1e-9, "a whole number of right answers");
        // the base itself is not trained by the folds (each fold works on a copy)
        Map<String, float[]> before = TransferTest.snapshot(base);
        TransferAdvisor.HeldOut two = TransferAdvisor.heldOutAccuracy(base, TransferCase.FINE_TUNE_LAST, o, d, s, null);
        assertEquals(240, two.answers());
        Map<String, float[]> after = TransferTest.snapshot(base);
        before.forEach((k, v) -> assertTrue(java.util.Arrays.equals(v, after.get(k)), k));
        // a case that learns nothing scores what its folds score: Case 0 knows none of these class names
        assertEquals(0.0, TransferAdvisor.heldOutAccuracy(base, TransferCase.PREDICT, TransferOptions.forClasses(List.of())
                .withPartialClasses(true), d, s, null).accuracy());
    }

    @Test
    void statisticsOfChosenRowsAreThoseOfTheRowsWrittenOut() {
        float[] v = {1, 10, 2, 20, 4, 40}; // three rows of two features
        FeatureStatistics picked = FeatureStatistics.ofRows("f", v, 2, new int[] {0, 2, 2});
        FeatureStatistics written = FeatureStatistics.of("f", new Features(new float[] {1, 10, 4, 40, 4, 40}, 2,
                new int[3], List.of("a")));
        assertEquals(3, picked.count());
        org.junit.jupiter.api.Assertions.assertArrayEquals(written.mean(), picked.mean(), 0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(written.variance(), picked.variance(), 0);
        // by hand: feature 0 of rows 1, 4, 4: mean 3, variance (4 + 1 + 1) / 3 = 2
        assertEquals(3.0, picked.mean()[0], 1e-12);
        assertEquals(2.0, picked.variance()[0], 1e-12);
    }
}
