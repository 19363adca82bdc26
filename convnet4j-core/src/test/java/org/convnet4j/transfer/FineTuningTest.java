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
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Adam;
import org.junit.jupiter.api.Test;

class FineTuningTest {
    private static final FineTuneSettings QUICK = new FineTuneSettings(30, 6, 3, 0.25, 16, 7);

    @Test
    void caseTwoTrainsTheHeadAloneFirstThenTheLastLayersAndKeepsTheBestWeights() {
        Sequential base = TransferTest.base(1);
        Dataset all = TransferTest.data(160, 2);
        Datasets.Split split = Datasets.split(all, 0.25, 7);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base,
                TransferOptions.forClasses(all.classNames()).withFineTuneLast(2).withNewClassifier(false));
        Map<String, float[]> before = TransferTest.snapshot(plan.model());
        List<String> log = new ArrayList<>();

        FineTuning.Result r = FineTuning.fit(plan, split.train(), split.validation(), QUICK, log::add, List.of(),
                FeatureExtractor.Progress.NONE);

        assertEquals(2, r.phases().size());
        assertEquals(List.of("predictions"), r.phases().get(0).trainedLayers());
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
        // the kept weights are the best validation loss of either phase
        double best = Math.min(r.phases().get(0).bestValidationLoss(), r.phases().get(1).bestValidationLoss());
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
