package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.transfer.TransferRun;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's log of a transfer run in phases, without a browser. */
class DashboardPhasesTest {

    /**
     * A Case 3 run (phase 1: the head on the frozen base's cached outputs; phase 2: every layer, whose model takes the
     * pictures) gets its confusion matrix once: the kept model's on the test set, from the run's end. Its listener
     * evaluated the test set at phase 2's end as well, one more pass over it that the final matrix replaced.
     */
    @Test
    void aRunInPhasesIsEvaluatedOnceAtItsEnd(@TempDir Path logdir) throws Exception {
        ArrayDataset train = DashboardPageTest.randomData(96, 5);
        ArrayDataset test = DashboardPageTest.randomData(40, 6);
        Sequential base = LeNet5.build();
        base.initialize(6);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_ALL, base,
                TransferOptions.forClasses(train.classNames()));
        FineTuneSettings settings = new FineTuneSettings(3, 2, 2, 0.25, 16, 7, false);
        RunLog log = RunLog.create(logdir, "transfer-case3");
        try {
            DashboardListener listener = new DashboardListener(log, test, null).dataName("test");
            TransferRun.Outcome r = TransferRun.run(plan, train, test, "logreg", settings, null, null,
                    List.of(listener), (done, total) -> { });
            List<String> events = log.eventsSince(0);
            long phases = events.stream().filter(e -> e.contains("\"type\":\"phase\"")).count();
            assertTrue(phases >= 2, "phases logged: " + phases);
            List<String> withConfusion = events.stream().filter(e -> e.contains("\"confusion\"")).toList();
            assertEquals(1, withConfusion.size(), "events with a confusion matrix: " + withConfusion);
            assertEquals(events.get(events.size() - 1), withConfusion.get(0), "the run's last event");
            JsonObject c = JsonParser.parseString(withConfusion.get(0)).getAsJsonObject().getAsJsonObject("confusion");
            assertEquals(test.size(), c.get("samples").getAsInt());
            assertEquals(r.accuracy(), c.get("accuracy").getAsDouble(), 1e-6);
        } finally {
            log.close();
        }
    }

    /**
     * A Case 2 run whose phases both train after the frozen layers' cached outputs (phase 1 the head, phase 2 the last
     * two layers): the models they train do not take the sample picture, and their epochs had kernels but no feature
     * maps. Each epoch now has the sample's maps at the network's first convolution, drawn through the whole network
     * (the frozen layers included), equal to that layer's own output on the sample.
     */
    @Test
    void phasesTrainedAfterACachedPartShowTheNetworksFeatureMaps(@TempDir Path logdir) throws Exception {
        ArrayDataset train = DashboardPageTest.randomData(96, 5);
        ArrayDataset test = DashboardPageTest.randomData(20, 6);
        Sequential base = LeNet5.build();
        base.initialize(6);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base,
                TransferOptions.forClasses(train.classNames()).withFineTuneLast(2));
        FineTuneSettings settings = new FineTuneSettings(2, 2, 2, 0.25, 16, 7, false,
                FineTuneSettings.HeadFit.GRADIENT);
        Tensor sample = test.sample(0);
        RunLog log = RunLog.create(logdir, "transfer-case2");
        try {
            DashboardListener listener = new DashboardListener(log, test, sample).dataName("test");
            TransferRun.run(plan, train, test, "logreg", settings, null, null, List.of(listener), (done, total) -> { });
            List<JsonObject> epochs = log.eventsSince(0).stream().map(e -> JsonParser.parseString(e).getAsJsonObject())
                    .filter(e -> "epoch".equals(e.get("type").getAsString())).toList();
            assertTrue(epochs.size() >= 2, "epochs: " + epochs.size());
            String conv1 = DashboardListener.firstConvolution(plan.model());
            Tensor own = DashboardListener.featureMaps(plan.model(), sample, conv1);
            String expected = MapImages.dataUrl(MapImages.tiles(own, 64, 8));
            for (JsonObject e : epochs) {
                assertTrue(e.has("maps"), "no feature maps in epoch " + e.get("epoch") + ": " + e.keySet());
                assertEquals(conv1, e.get("maps_layer").getAsString(), e.keySet().toString());
                assertTrue(e.get("maps_through_cached").getAsBoolean());
                assertEquals(expected, e.get("maps").getAsString(), "the frozen first convolution's output");
            }
        } finally {
            log.close();
        }
    }
}
