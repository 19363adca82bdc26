package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.History;
import org.junit.jupiter.api.Test;

/** A gradient run's history phase by phase (Keras' History per phase), and the validation split that chose it. */
class TransferHistoryTest {
    /** Phase 1 by gradient descent, so that both phases have epochs to choose from. */
    private static final FineTuneSettings QUICK = new FineTuneSettings(30, 6, 3, 0.25, 16, 7)
            .withHeadFit(FineTuneSettings.HeadFit.GRADIENT);

    @Test
    @SuppressWarnings("unchecked")
    void everyPhaseCarriesItsOwnEpochsTheEpochKeptAndWhyAndWhetherTheTuningWasKept() {
        Dataset all = TransferTest.data(120, 5);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, TransferTest.base(1),
                TransferOptions.forClasses(all.classNames()).withFineTuneLast(2).withNewClassifier(false));
        FineTuning.Result r = FineTuning.fit(plan, all, QUICK, null);
        assertTrue(r.refitted());

        TransferHistory h = TransferHistory.of(plan.frozenLayers(), r.phases(), r.refit(), r.history());

        assertEquals(2, h.phases().size());
        int rows = 0;
        for (TransferHistory.PhaseEpochs pe : h.phases()) {
            FineTuning.Phase p = pe.phase();
            assertEquals(p.epochs(), pe.epochs().size(), p.toString());
            rows += pe.epochs().size();
            double[] epoch = pe.series(History.EPOCH);
            double[] val = pe.series(History.VAL_LOSS);
            double[] lr = pe.series(History.LR);
            for (int i = 0; i < epoch.length; i++) {
                assertEquals(i + 1, epoch[i], "numbered within the phase");
                assertEquals(p.learningRate(), lr[i], 1e-12);
                assertTrue(Double.isFinite(pe.series(History.TRAIN_LOSS)[i]) && Double.isFinite(val[i])
                        && Double.isFinite(pe.series(History.VAL_ACCURACY)[i])
                        && Double.isFinite(pe.series(History.TRAIN_ACCURACY)[i]), pe.epochs().get(i).toString());
            }
            // the kept epoch is the phase's lowest validation loss, and its row holds the phase's figures
            assertEquals(p.bestValidationLoss(), val[pe.keptEpoch() - 1], 1e-12);
            assertEquals(p.validationAccuracy(), pe.series(History.VAL_ACCURACY)[pe.keptEpoch() - 1], 1e-12);
            assertEquals(Arrays.stream(val).min().orElseThrow(), p.bestValidationLoss(), 1e-12);
            assertTrue(pe.keptBecause().startsWith(String.format(Locale.ROOT, "lowest validation loss (%.4f) of the %d"
                    + " epochs run", p.bestValidationLoss(), p.epochs())), pe.keptBecause());
            assertEquals(p.epochs() < p.maxEpochs(), pe.earlyStopped());
        }
        // the head has no decision over itself; the tuning's is FineTuning's own
        assertNull(h.phases().get(0).overHead());
        FineTuning.KeepDecision d = FineTuning.keepReason(r.phases().get(0), r.phases().get(1));
        assertEquals(d, h.phases().get(1).overHead());
        // the refit: the kept epoch counts again, on all the pictures, no validation figures
        assertEquals(r.refit().size(), h.refit().size());
        for (TransferHistory.PhaseEpochs pe : h.refit()) {
            assertEquals(pe.phase().epochs(), pe.epochs().size());
            rows += pe.epochs().size();
            assertTrue(Arrays.stream(pe.series(History.VAL_LOSS)).allMatch(Double::isNaN));
            assertTrue(pe.keptBecause().contains("kept on the validation split"), pe.keptBecause());
        }
        assertEquals(r.history().size(), rows, "every epoch of the run in exactly one phase");

        // the JSON form: each phase with its history, the kept epoch and why, the tuning decision and its reason
        List<Object> tree = TransferHistory.tree(h.phases(), true);
        Map<String, Object> tune = (Map<String, Object>) tree.get(1);
        assertEquals(r.phases().get(1).bestEpoch(), tune.get("kept_epoch"));
        assertEquals(d.kept(), tune.get("tuning_kept"));
        assertEquals(d.reason(), tune.get("keep_reason"));
        assertEquals(h.phases().get(1).keptBecause(), tune.get("kept_because"));
        List<Map<String, Object>> epochs = (List<Map<String, Object>>) tune.get("history");
        assertEquals(r.phases().get(1).epochs(), epochs.size());
        assertEquals(1, epochs.get(0).get("epoch"));
        assertEquals(r.phases().get(1).bestValidationLoss(), (double) epochs.get(r.phases().get(1).bestEpoch() - 1)
                .get("val_loss"), 1e-12);
        assertFalse(((Map<String, Object>) TransferHistory.tree(h.phases(), false).get(1)).containsKey("history"));

        // results.md's form: one line per metric, the kept epoch's value in brackets
        List<String> lines = h.epochLines();
        FineTuning.Phase p2 = r.phases().get(1);
        int at = lines.indexOf(lines.stream().filter(l -> l.startsWith("phase 2 (")).findFirst().orElseThrow());
        assertTrue(lines.get(at).contains(", " + p2.epochs() + " epochs, epoch " + p2.bestEpoch() + " kept: lowest"),
                lines.get(at));
        String valLine = lines.subList(at, lines.size()).stream().filter(l -> l.startsWith("  val_loss:")).findFirst()
                .orElseThrow();
        String[] values = valLine.substring("  val_loss:".length()).trim().split(" ");
        assertEquals(p2.epochs(), values.length, valLine);
        assertEquals(String.format(Locale.ROOT, "[%.4f]", p2.bestValidationLoss()), values[p2.bestEpoch() - 1], valLine);
        assertEquals(1, Arrays.stream(values).filter(v -> v.startsWith("[")).count(), valLine);
    }

    @Test
    void caseFourHasOnePhaseWithoutAHeadDecisionAndCasesZeroAndOneHaveNone() {
        Dataset all = TransferTest.data(60, 3);
        TransferPlan plan = Transfer.plan(TransferCase.FROM_SCRATCH, TransferTest.base(2),
                TransferOptions.forClasses(all.classNames()));
        FineTuning.Result r = FineTuning.fit(plan, all, QUICK.withRefit(false), null);
        TransferHistory h = TransferHistory.of(plan.frozenLayers(), r.phases(), r.refit(), r.history());
        assertEquals(1, h.phases().size());
        assertNull(h.phases().get(0).overHead());
        assertEquals(r.history().size(), h.phases().get(0).epochs().size());
        assertTrue(h.refit().isEmpty());
        assertEquals("frozen: nothing", h.summaryLines().get(0));
        assertTrue(TransferHistory.empty().isEmpty() && TransferHistory.empty().summaryLines().isEmpty()
                && TransferHistory.empty().epochLines().isEmpty());
    }

    @Test
    void theValidationSplitIsStratifiedByClassWithTheCodeTrainAndFuseUse() {
        // 3 classes of 25, 10 and 5 pictures: the plain random split misses a class's share by a picture or more
        int n = 40;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 8 < 5 ? 0 : i % 8 < 7 ? 1 : 2;
        }
        Dataset ds = ArrayDataset.ofFloats(new float[n], Shape.of(1, 1, 1), y, List.of("a", "b", "c"));
        double plainWorst = 0;
        for (long seed = 1; seed <= 30; seed++) {
            FineTuneSettings s = QUICK.withSeed(seed);
            Datasets.Split split = FineTuning.validationSplit(ds, s);
            int[] val = Datasets.source(split.validation()).indices();
            assertArrayEquals(Datasets.stratifiedIndices(ds, 0.25, seed)[1], val, "one implementation, seed " + seed);
            assertTrue(worstShare(ds, val) < 1, "seed " + seed);
            plainWorst = Math.max(plainWorst, worstShare(ds,
                    Datasets.source(Datasets.split(ds, 0.25, seed).validation()).indices()));
        }
        assertTrue(plainWorst >= 1, "the plain split's worst miss " + plainWorst + ": the bound above says something");

        // FineTuning.fit chooses its epochs on that split
        Dataset all = TransferTest.data(60, 9);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, TransferTest.base(1),
                TransferOptions.forClasses(all.classNames()).withFineTuneLast(2).withNewClassifier(false));
        FineTuning.Result r = FineTuning.fit(plan, all, QUICK.withRefit(false).withMaxTuneEpochs(1), null);
        assertArrayEquals(Datasets.stratifiedIndices(all, 0.25, QUICK.seed())[1],
                Datasets.source(r.validation()).indices());

        // one picture per class cannot give a validation picture: one clear message
        Dataset ones = ArrayDataset.ofFloats(new float[3], Shape.of(1, 1, 1), new int[] {0, 1, 2}, List.of("a", "b", "c"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FineTuning.validationSplit(ones, QUICK));
        assertTrue(e.getMessage().startsWith("fine-tuning's validation split (0.25 of the training pictures): 3"
                + " pictures in 3 classes cannot give one without taking a class's only picture"), e.getMessage());
    }

    /** The largest distance, in pictures, of a class's validation count from its share of the validation total. */
    private static double worstShare(Dataset ds, int[] val) {
        int k = ds.numClasses();
        int[] all = new int[k];
        int[] in = new int[k];
        for (int i = 0; i < ds.size(); i++) {
            all[ds.label(i)]++;
        }
        for (int i : val) {
            in[ds.label(i)]++;
        }
        double worst = 0;
        for (int c = 0; c < k; c++) {
            worst = Math.max(worst, Math.abs(in[c] - all[c] * (double) val.length / ds.size()));
        }
        return worst;
    }
}
