package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.nn.Sequential;
import org.convnet4j.train.History;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Adam;
import org.junit.jupiter.api.Test;

class FineTuningTest {
    private static final FineTuneSettings QUICK = new FineTuneSettings(30, 6, 3, 0.25, 16, 7);
    /** Phase 1 by gradient descent (the head fit before the logistic regression became the default). */
    private static final FineTuneSettings QUICK_GRADIENT = QUICK.withHeadFit(FineTuneSettings.HeadFit.GRADIENT);

    @Test
    void caseTwoTrainsTheHeadAloneFirstThenTheLastLayersAndKeepsTheBestWeightsGradientHead() {
        Sequential base = TransferTest.base(1);
        Dataset all = TransferTest.data(160, 2);
        Datasets.Split split = Datasets.split(all, 0.25, 7);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base,
                TransferOptions.forClasses(all.classNames()).withFineTuneLast(2).withNewClassifier(false));
        Map<String, float[]> before = TransferTest.snapshot(plan.model());
        List<String> log = new ArrayList<>();

        FineTuning.Result r = FineTuning.fit(plan, split.train(), split.validation(), QUICK_GRADIENT, log::add,
                List.of(), FeatureExtractor.Progress.NONE);

        assertEquals(2, r.phases().size());
        assertEquals(List.of("predictions"), r.phases().get(0).trainedLayers());
        assertFalse(r.phases().get(0).convex());
        assertEquals(0.003, r.phases().get(0).learningRate(), 1e-12);
        assertEquals(List.of("dense1", "predictions"), r.phases().get(1).trainedLayers());
        assertEquals(QUICK.maxHeadEpochs(), r.phases().get(0).maxEpochs());
        assertEquals(1e-3, r.phases().get(1).learningRate(), 1e-12);
        // the frozen part, batch norm's running statistics included, is bit for bit the base's
        Map<String, float[]> after = TransferTest.snapshot(plan.model());
        for (String k : List.of("conv1.kernel", "bn1.gamma", "bn1.running_mean", "bn1.running_var", "conv2.kernel")) {
            assertTrue(after.containsKey(k), k + " in " + after.keySet());
            assertArrayEquals(before.get(k), after.get(k), k);
        }
        assertFalse(Arrays.equals(before.get("predictions.kernel"), after.get("predictions.kernel")));
        // the plan's freeze state is back after the head phase froze dense1
        assertTrue(plan.model().layers().get(plan.model().indexOf("dense1")).isTrainable());
        assertFalse(plan.model().layers().get(plan.model().indexOf("conv2")).isTrainable());
        // history: both phases, numbered on, marked with their phase
        History h = r.history();
        assertEquals(r.phases().get(0).epochs() + r.phases().get(1).epochs(), h.size());
        double[] phase = h.series(FineTuning.PHASE);
        double[] epoch = h.series(History.EPOCH);
        for (int i = 0; i < h.size(); i++) {
            assertEquals(i + 1, epoch[i]);
            assertEquals(i < r.phases().get(0).epochs() ? 1 : 2, phase[i]);
        }
        // the kept weights: fine-tuning's best epoch only when it beats the head phase on validation loss and accuracy
        // the paired count against the head: its difference is the accuracy difference, in pictures
        FineTuning.Phase tuned = r.phases().get(1);
        assertTrue(tuned.gained() >= 0 && tuned.lost() >= 0, tuned.toString());
        assertEquals(Math.round((tuned.validationAccuracy() - r.phases().get(0).validationAccuracy())
                * split.validation().size()), tuned.gained() - tuned.lost());
        double best = FineTuning.keepsTuning(r.phases().get(0), r.phases().get(1))
                ? r.phases().get(1).bestValidationLoss() : r.phases().get(0).bestValidationLoss();
        Metrics m = Trainer.evaluate(plan.model(), split.validation(), 256, new SoftmaxCrossEntropy());
        assertEquals(best, m.loss(), 1e-5);
        assertEquals(m.loss(), r.validationLoss(), 1e-9);
        assertTrue(log.stream().anyMatch(s -> s.startsWith("phase 1: new head only, base frozen; learning rate 0.003")),
                log.toString());
        assertTrue(log.stream().anyMatch(s -> s.startsWith("phase 2: last 2 layers with weights unfrozen")), log.toString());
        assertTrue(log.stream().anyMatch(s -> s.startsWith("  epoch 1/30")), log.toString());
        assertTrue(r.validationAccuracy() > 0.6, "3 classes, chance 0.33: " + r.validationAccuracy());
    }

    @Test
    void refitTrainsAgainFromTheStartOnAllTheDataForTheChosenEpochs() {
        Dataset all = TransferTest.data(160, 5);
        TransferOptions o = TransferOptions.forClasses(all.classNames()).withFineTuneLast(2).withNewClassifier(false);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, TransferTest.base(1), o);
        Map<String, float[]> before = TransferTest.snapshot(plan.model());
        List<Integer> batchesPerTraining = new ArrayList<>();
        TrainingListener counter = new TrainingListener() {
            @Override
            public void onTrainStart(TrainingContext ctx) {
                batchesPerTraining.add(ctx.batchesPerEpoch());
            }
        };
        List<String> log = new ArrayList<>();
        FineTuneSettings s = new FineTuneSettings(30, 6, 3, 0.25, 8, 7) // refit is the default
                .withHeadFit(FineTuneSettings.HeadFit.GRADIENT); // every phase counted by the trainer's listener

        FineTuning.Result r = FineTuning.fit(plan, all, s, log::add, List.of(counter), FeatureExtractor.Progress.NONE);

        assertTrue(s.refit() && r.refitted());
        // the refit runs the kept epoch of each kept phase, in order
        List<int[]> expected = FineTuning.refitEpochs(r.phases());
        assertEquals(expected.size(), r.refit().size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i)[0], r.refit().get(i).number());
            assertEquals(expected.get(i)[1], r.refit().get(i).epochs());
            int number = expected.get(i)[0];
            assertEquals(r.phases().stream().filter(p -> p.number() == number).findFirst().orElseThrow()
                    .bestEpoch(), r.refit().get(i).epochs());
        }
        // the selection trained on 120 pictures (15 batches of 8), the refit on all 160 (20 batches): the
        // validation pictures are used
        assertEquals(r.phases().size() + r.refit().size(), batchesPerTraining.size(), batchesPerTraining.toString());
        for (int i = 0; i < batchesPerTraining.size(); i++) {
            assertEquals(i < r.phases().size() ? 15 : 20, batchesPerTraining.get(i), batchesPerTraining.toString());
        }
        assertEquals(40, r.validation().size());
        // history: the refit's epochs come last, marked, without validation figures
        History h = r.history();
        int chosen = r.phases().stream().mapToInt(FineTuning.Phase::epochs).sum();
        int refitted = r.refit().stream().mapToInt(FineTuning.Phase::epochs).sum();
        assertEquals(chosen + refitted, h.size());
        double[] refitColumn = h.series(FineTuning.REFIT);
        double[] val = h.series(History.VAL_LOSS);
        for (int i = 0; i < h.size(); i++) {
            assertEquals(i >= chosen, refitColumn[i] == 1.0, "epoch " + (i + 1));
            assertEquals(i >= chosen, Double.isNaN(val[i]), "epoch " + (i + 1));
        }
        assertTrue(log.stream().anyMatch(l -> l.startsWith("refit: from the starting weights again on all 160")),
                log.toString());
        // frozen layers untouched by the refit as well, and the plan's freeze state is back
        Map<String, float[]> after = TransferTest.snapshot(plan.model());
        for (String k : List.of("conv1.kernel", "bn1.running_mean", "bn1.running_var", "conv2.kernel")) {
            assertArrayEquals(before.get(k), after.get(k), k);
        }
        assertTrue(plan.model().layers().get(plan.model().indexOf("dense1")).isTrainable());

        // without refit the early-stopped weights are kept: a different model from the same start
        TransferPlan same = Transfer.plan(TransferCase.FINE_TUNE_LAST, TransferTest.base(1), o);
        FineTuning.Result kept = FineTuning.fit(same, all, s.withRefit(false), null);
        assertFalse(kept.refitted());
        assertEquals(r.validationAccuracy(), kept.validationAccuracy(), 1e-12, "same selection run");
        assertFalse(Arrays.equals(TransferTest.snapshot(same.model()).get("predictions.kernel"),
                after.get("predictions.kernel")));
    }

    @Test
    void refitEpochsFollowTheKeptPhases() {
        FineTuning.Phase head = new FineTuning.Phase(1, "head", List.of("p"), 0.003, 200, 25, 15, 0.40, 0.8);
        FineTuning.Phase better = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 18, 8, 0.35, 0.85);
        FineTuning.Phase worse = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.41, 0.8);
        // a lower validation loss with fewer right answers is not better than the starting point
        FineTuning.Phase sharper = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 5, 0.30, 0.75);
        assertEquals(List.of("1x15", "2x8"), describe(FineTuning.refitEpochs(List.of(head, better))));
        assertEquals(List.of("1x15"), describe(FineTuning.refitEpochs(List.of(head, worse))));
        assertEquals(List.of("1x15"), describe(FineTuning.refitEpochs(List.of(head, sharper))));
        assertFalse(FineTuning.keepsTuning(head, sharper));
        assertTrue(FineTuning.keepsTuning(head, better));
        assertEquals(List.of("2x8"), describe(FineTuning.refitEpochs(List.of(better)))); // Case 4: one phase
    }

    @Test
    void tuningKeptSaysWhetherTheRunEndedWithItsFineTuning() {
        FineTuning.Phase head = new FineTuning.Phase(1, "head", List.of("p"), 0, 0, 1, 1, 0.40, 0.8);
        FineTuning.Phase better = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 18, 8, 0.35, 0.85);
        FineTuning.Phase worse = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.41, 0.8);
        FineTuning.Phase refitHead = new FineTuning.Phase(1, "refit: head", List.of("p"), 0, 0, 1, 1, Double.NaN,
                Double.NaN);
        FineTuning.Phase refitTune = new FineTuning.Phase(2, "refit: tune", List.of("p"), 0.001, 8, 8, 8, Double.NaN,
                Double.NaN);
        assertTrue(FineTuning.tuningKept(List.of(head, better), List.of(refitHead, refitTune)));
        assertFalse(FineTuning.tuningKept(List.of(head, worse), List.of(refitHead)));
        // without refit (or a discarded one) the keep rule decides
        assertTrue(FineTuning.tuningKept(List.of(head, better), List.of()));
        assertFalse(FineTuning.tuningKept(List.of(head, worse), List.of()));
        // Case 4 has no head to fall back to: not a two-phase run
        assertFalse(FineTuning.tuningKept(List.of(better), List.of()));
    }

    @Test
    void aSignificanceThresholdKeepsTuningOnlyWhenItClearlyBeatsTheHead() {
        FineTuning.Phase head = new FineTuning.Phase(1, "head", List.of("p"), 0, 0, 1, 1, 0.1325, 0.94);
        // seed 2030, Fashion 5-9 at 100 per class: 3 more right of 100, none fewer: z = 3 / sqrt(3) = 1.73
        FineTuning.Phase few = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.1192, 0.97, 3, 0, 1.96);
        assertEquals(Math.sqrt(3), few.mcNemarZ(), 1e-12);
        assertFalse(FineTuning.keepsTuning(head, few));
        assertEquals(List.of("1x1"), describe(FineTuning.refitEpochs(List.of(head, few))));
        FineTuning.Phase close = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 4, 0.1, 0.99, 6, 1, 1.96);
        assertFalse(FineTuning.keepsTuning(head, close)); // 5 / sqrt(7) = 1.89
        FineTuning.Phase clear = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 4, 0.1, 0.99, 8, 1, 1.96);
        assertTrue(FineTuning.keepsTuning(head, clear)); // 7 / sqrt(9) = 2.33
        assertEquals(List.of("1x1", "2x4"), describe(FineTuning.refitEpochs(List.of(head, clear))));
        // the same answers without the test (z 0): the loss-and-accuracy rule alone keeps it
        FineTuning.Phase noTest = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.1192, 0.97, 3, 0, 0);
        assertTrue(FineTuning.keepsTuning(head, noTest));
        // no answer changed: not a gain, however much lower the loss
        FineTuning.Phase same = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.05, 0.94, 0, 0, 1.96);
        assertFalse(FineTuning.keepsTuning(head, same));
        // a worse loss is never kept, whatever the answers
        FineTuning.Phase worseLoss = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.2, 0.99, 9, 0, 1.96);
        assertFalse(FineTuning.keepsTuning(head, worseLoss));
    }

    @Test
    void aLossGainThresholdKeepsTuningOnlyWhenTheGainIsThatManyStandardErrors() {
        FineTuning.Phase head = new FineTuning.Phase(1, "head", List.of("p"), 0, 0, 1, 1, 0.1325, 0.94);
        // gain 0.0133 with a standard error of 0.01: 1.33 standard errors
        FineTuning.Phase tune = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.1192, 0.97, 3, 0, 0,
                0.0133, 0.01, 1);
        assertEquals(1.33, tune.lossGainT(), 1e-12);
        FineTuning.KeepDecision kept = FineTuning.keepReason(head, tune);
        assertTrue(kept.kept(), kept.reason());
        assertTrue(kept.reason().contains("1.33 standard errors"), kept.reason());
        FineTuning.Phase strict = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.1192, 0.97, 3, 0,
                0, 0.0133, 0.01, 2);
        FineTuning.KeepDecision dropped = FineTuning.keepReason(head, strict);
        assertFalse(dropped.kept());
        assertTrue(dropped.reason().startsWith("validation loss gain 0.0133 is 1.33 standard errors (0.0100), below 2"),
                dropped.reason());
        assertEquals(List.of("1x1"), describe(FineTuning.refitEpochs(List.of(head, strict))));
        // the other rules come first, and say so
        FineTuning.Phase worse = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.14, 0.97, 3, 0, 0,
                -0.01, 0.001, 1);
        assertTrue(FineTuning.keepReason(head, worse).reason().startsWith("no lower validation loss"));
        FineTuning.Phase fewer = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.10, 0.93, 3, 4, 0,
                0.03, 0.001, 1);
        assertTrue(FineTuning.keepReason(head, fewer).reason().startsWith("lower validation accuracy"));
        // without the paired figures (an old phase) the threshold cannot apply
        FineTuning.Phase unknown = new FineTuning.Phase(2, "tune", List.of("p"), 0.001, 60, 11, 1, 0.1192, 0.97);
        assertTrue(FineTuning.keepsTuning(head, unknown));
    }

    @Test
    void pairedGainIsTheMeanDifferenceWithItsStandardError() {
        double[] g = FineTuning.pairedGain(new double[] {1.0, 0.5, 0.2, 0.3}, new double[] {0.8, 0.5, 0.1, 0.1});
        // differences 0.2, 0, 0.1, 0.2: mean 0.125, sample sd sqrt(0.0275 / 3), se = sd / 2
        assertEquals(0.125, g[0], 1e-12);
        assertEquals(Math.sqrt(0.0275 / 3) / 2, g[1], 1e-12);
        assertEquals(0.5, FineTuning.pairedGain(new double[] {1}, new double[] {0.5})[0], 1e-12);
        assertEquals(0, FineTuning.pairedGain(new double[] {1}, new double[] {0.5})[1], 1e-12);
    }

    @Test
    void pictureLossesAverageToTheTrainersLoss() {
        Sequential base = TransferTest.base(1);
        Dataset data = TransferTest.data(40, 3);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base,
                TransferOptions.forClasses(data.classNames()));
        double[] losses = FineTuning.pictureLosses(plan.model(), data);
        double mean = Arrays.stream(losses).average().orElseThrow();
        assertEquals(org.convnet4j.train.Trainer.evaluate(plan.model(), data, 256,
                new org.convnet4j.train.loss.SoftmaxCrossEntropy()).loss(), mean, 1e-5);
        assertTrue(Arrays.stream(losses).allMatch(l -> l >= 0));
    }

    @Test
    void everyTwoPhaseRunSaysWhetherItKeptItsTuningAndWhy() {
        Sequential base = TransferTest.base(1);
        Dataset all = TransferTest.data(60, 3);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base,
                TransferOptions.forClasses(all.classNames()));
        List<String> log = new ArrayList<>();
        FineTuning.Result r = FineTuning.fit(plan, all, FineTuneSettings.defaults().withMaxTuneEpochs(3)
                .withRefit(false), log::add);
        FineTuning.Phase tune = r.phases().get(1);
        assertFalse(Double.isNaN(tune.lossGain()));
        assertEquals(r.phases().get(0).bestValidationLoss() - tune.bestValidationLoss(), tune.lossGain(), 1e-4);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("fine-tuning kept: ") || l.startsWith("fine-tuning not kept: ")),
                String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.contains("standard errors")), String.join("\n", log));
    }

    private static List<String> describe(List<int[]> epochs) {
        return epochs.stream().map(e -> e[0] + "x" + e[1]).toList();
    }

    @Test
    void caseFourHasOnePhaseAndCaseThreeUnfreezesEverything() {
        Dataset all = TransferTest.data(60, 3);
        TransferOptions o = TransferOptions.forClasses(all.classNames()).withNewClassifier(false);
        FineTuning.Result four = FineTuning.fit(Transfer.plan(TransferCase.FROM_SCRATCH, TransferTest.base(2), o), all,
                QUICK, null);
        assertEquals(1, four.phases().size());
        assertEquals(2, four.phases().get(0).number());
        FineTuning.Result three = FineTuning.fit(Transfer.plan(TransferCase.FINE_TUNE_ALL, TransferTest.base(2), o), all,
                QUICK, null);
        // batch norm stays frozen in Case 3 too: running statistics, no update
        assertEquals(List.of("conv1", "conv2", "dense1", "predictions"), three.phases().get(1).trainedLayers());
        assertEquals(List.of("predictions"), three.phases().get(0).trainedLayers());
    }

    @Test
    void theDefaultHeadPhaseIsCaseOnesLogisticRegressionFittedToConvergence() {
        Dataset all = TransferTest.data(160, 6);
        Datasets.Split split = Datasets.split(all, 0.25, 7);
        TransferOptions o = TransferOptions.forClasses(all.classNames());
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, TransferTest.base(1), o);
        List<String> log = new ArrayList<>();
        FineTuning.Result r = FineTuning.fit(plan, split.train(), split.validation(), QUICK.withMaxTuneEpochs(1),
                log::add, List.of(), FeatureExtractor.Progress.NONE);
        FineTuning.Phase head = r.phases().get(0);
        assertTrue(head.convex(), head.toString());
        assertEquals(List.of("predictions"), head.trainedLayers());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("phase 1: new head only, base frozen: logistic regression")),
                log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("phase 1 converged after")), log.toString());

        // phase 1's head is the logistic regression on the frozen features, as a Dense layer: refit the same plan
        // without fine-tuning epochs beating it and compare with SoftmaxRegression on the extracted features
        TransferPlan same = Transfer.plan(TransferCase.FINE_TUNE_LAST, TransferTest.base(1), o);
        Sequential m = same.model();
        Sequential below = new Sequential(m.inputShapes().get(0));
        for (int i = 0; i < m.indexOf("predictions"); i++) {
            below.add(m.layers().get(i));
        }
        Features f = FeatureExtractor.extract(below, split.train(), 64, FeatureExtractor.Progress.NONE);
        SoftmaxRegression.Fit expected = SoftmaxRegression.fit(f.values(), f.dim(), f.labels(), all.numClasses(),
                FineTuning.HEAD_C, FineTuning.HEAD_MAX_ITERATIONS);
        History h = r.history();
        assertEquals(1.0, h.series(FineTuning.PHASE)[0]);
        // the history row of phase 1 holds the head's validation figures, which decide whether phase 2 is kept
        assertEquals(head.bestValidationLoss(), h.series(History.VAL_LOSS)[0], 1e-12);
        // the same plan with the regression written into its head has exactly phase 1's validation figures
        var dense = (org.convnet4j.nn.layers.Dense) m.layers().get(m.indexOf("predictions"));
        dense.kernel().load(org.convnet4j.tensor.Tensor.of(expected.kernel(), dense.kernel().value().shape().dims()));
        dense.bias().load(org.convnet4j.tensor.Tensor.of(expected.bias(), dense.bias().value().shape().dims()));
        Metrics v = Trainer.evaluate(m, split.validation(), 256, new SoftmaxCrossEntropy());
        assertEquals(v.loss(), head.bestValidationLoss(), 1e-6);
        assertEquals(v.accuracy(), head.validationAccuracy(), 1e-12);
        assertTrue(r.validationAccuracy() > 0.6, "3 classes, chance 0.33: " + r.validationAccuracy());
    }

    @Test
    void aHeadForOtherClassesIsRefusedBeforeTraining() {
        Dataset three = TransferTest.data(30, 4);
        TransferPlan fiveClasses = Transfer.plan(TransferCase.FINE_TUNE_LAST, TransferTest.base(3),
                TransferOptions.forClasses(List.of("a", "b", "c", "d", "e")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FineTuning.fit(fiveClasses, three, QUICK, null));
        assertTrue(e.getMessage().contains("5 outputs") && e.getMessage().contains("3 classes"), e.getMessage());
        // the trainer itself: 4 outputs, 3 classes -> an error, not "acc NaN"
        Sequential base = TransferTest.base(3);
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> Trainer.fit(base, three, null,
                TrainConfig.builder(new Adam(base, 1e-3)).epochs(1).build()));
        assertTrue(t.getMessage().contains("4 outputs") && t.getMessage().contains("3 classes"), t.getMessage());
        assertNotEquals(null, t.getMessage());
    }
}
