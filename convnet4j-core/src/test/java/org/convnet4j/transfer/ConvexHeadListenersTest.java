package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.Dataset;
import org.convnet4j.train.History;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;
import org.junit.jupiter.api.Test;

/**
 * The head phase fitted by a solver (the default convex head: L-BFGS, or Case 1's liblinear) reaches the listeners
 * (transfer --ui's dashboard) as one epoch of one step before phase 2's epochs; it used to reach none (~1 s).
 */
class ConvexHeadListenersTest {

    @Test
    void theSolversHeadPhaseIsOneEpochOfOneStepForListeners() {
        Dataset all = TransferTest.data(120, 5);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, TransferTest.base(1),
                TransferOptions.forClasses(all.classNames()).withFineTuneLast(2).withNewClassifier(false));
        List<String> events = new ArrayList<>();
        List<Map<String, Double>> records = new ArrayList<>();
        TrainingListener l = new TrainingListener() {
            @Override
            public void onTrainStart(TrainingContext ctx) {
                events.add("start " + ctx.config().epochs() + "x" + ctx.batchesPerEpoch());
            }

            @Override
            public void onBatchEnd(TrainingContext ctx, int epoch, int batch, int batches, double loss) {
                if (records.isEmpty()) {
                    events.add("step " + epoch + ":" + batch + "/" + batches + " step " + ctx.step());
                }
            }

            @Override
            public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
                records.add(record);
            }

            @Override
            public void onTrainEnd(TrainingContext ctx) {
                events.add("end");
            }
        };
        FineTuneSettings s = new FineTuneSettings(30, 6, 3, 0.25, 16, 7).withRefit(false).withMaxTuneEpochs(1);
        FineTuning.Result r = FineTuning.fit(plan, all, s, null, List.of(l), FeatureExtractor.Progress.NONE);

        assertEquals(true, r.phases().get(0).convex(), "phase 1 is the solver's");
        assertEquals(5, events.size(), "phase 1's start, step, end and phase 2's start, end: " + events);
        assertEquals(List.of("start 1x1", "step 1:1/1 step 1", "end", "start 1x" + events.get(3).split("x")[1], "end"),
                events, events.toString());
        assertEquals(1.0, records.get(0).get(FineTuning.PHASE));
        assertEquals(r.history().series(History.TRAIN_LOSS)[0], records.get(0).get(History.TRAIN_LOSS));
        assertEquals(2, records.size()); // phase 1's one "epoch", phase 2's one epoch
    }
}
