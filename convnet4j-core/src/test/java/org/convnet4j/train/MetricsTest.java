package org.convnet4j.train;

import org.convnet4j.internal.json.Json;
import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final List<String> NAMES = List.of("cat", "dog", "bird");

    @Test
    void accuracyTopKAndPerClassScoresByHand() {
        Metrics m = new Metrics(NAMES);
        // predictions (argmax): 0, 1, 1, 2, 0 ; labels: 0, 1, 2, 2, 1
        Tensor out = Tensor.fromRows(new double[][] {
                {3, 1, 0},   // label 0, predicted 0
                {0, 2, 1},   // label 1, predicted 1
                {0, 5, 4},   // label 2, predicted 1 (true class 2nd)
                {1, 0, 2},   // label 2, predicted 2
                {4, 0, 3}}); // label 1, predicted 0 (true class 3rd)
        m.add(out, new int[] {0, 1, 2, 2, 1});
        m.addLoss(0.5, 5);
        assertEquals(3 / 5.0, m.accuracy(), 1e-12);
        assertEquals(3 / 5.0, m.topKAccuracy(1), 1e-12);
        assertEquals(4 / 5.0, m.topKAccuracy(2), 1e-12);
        assertEquals(1.0, m.topKAccuracy(3), 1e-12);
        assertEquals(0.5, m.loss(), 1e-12);
        ConfusionMatrix c = m.confusion();
        assertEquals(1, c.count(2, 1));
        assertEquals(1, c.count(1, 0));
        // cat: predicted twice, right once; dog: predicted twice, right once; bird: predicted once, right once
        assertEquals(0.5, c.precision(0), 1e-12);
        assertEquals(1.0, c.recall(0), 1e-12);
        assertEquals(2 * 0.5 * 1 / 1.5, c.f1(0), 1e-12);
        assertEquals(0.5, c.precision(1), 1e-12);
        assertEquals(0.5, c.recall(1), 1e-12);
        assertEquals(1.0, c.precision(2), 1e-12);
        assertEquals(0.5, c.recall(2), 1e-12);
        assertEquals((0.5 + 0.5 + 1.0) / 3, c.macroPrecision(), 1e-12);
        assertEquals((1.0 + 0.5 + 0.5) / 3, c.macroRecall(), 1e-12);
        double f1Bird = 2 * 1.0 * 0.5 / 1.5;
        assertEquals((2 / 3.0 + 0.5 + f1Bird) / 3, c.macroF1(), 1e-12);

        String table = m.toString();
        assertTrue(table.contains("cat") && table.contains("bird") && table.contains("accuracy 0.6000 (3 of 5)"), table);
        JsonObject json = Json.parseObject(m.toJson(), "metrics");
        assertEquals(0.6, json.get("accuracy").getAsDouble(), 1e-12);
        assertEquals(1, json.getAsJsonObject("confusion").getAsJsonArray("matrix").get(2).getAsJsonArray().get(1)
                .getAsInt());
    }

    @Test
    void emptyClassesScoreZeroAndBadInputIsNamed() {
        ConfusionMatrix c = new ConfusionMatrix(NAMES);
        c.add(0, 0);
        assertEquals(0, c.precision(2));
        assertEquals(0, c.recall(2));
        assertEquals(0, c.f1(2));
        assertTrue(Double.isNaN(new ConfusionMatrix(NAMES).accuracy()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Metrics(NAMES).add(Tensor.zeros(2, 4), new int[] {0, 1}));
        assertTrue(e.getMessage().contains("Metrics"), e.getMessage());
    }

    @Test
    void historySeriesAndJsonRoundTrip() {
        History h = new History();
        h.add(Map.of(History.EPOCH, 1.0, History.TRAIN_LOSS, 2.0));
        h.add(Map.of(History.EPOCH, 2.0, History.TRAIN_LOSS, 1.5, History.VAL_LOSS, 1.7));
        assertArrayEquals(new double[] {2.0, 1.5}, h.series(History.TRAIN_LOSS));
        double[] val = h.series(History.VAL_LOSS);
        assertTrue(Double.isNaN(val[0]));
        assertEquals(1.7, val[1]);
        History back = History.fromJson(h.toJson());
        assertEquals(h.epochs(), back.epochs());
    }
}
