package org.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryJsonTest {

    /**
     * `train --json` and `transfer --json`'s top-level history wrote "epoch": 1.0 where the per-phase history of the
     * same output writes "epoch": 1: counters are whole numbers, measurements stay decimals, and the text reads back.
     */
    @Test
    void countersAreWholeNumbersAndMeasurementsStayDecimals() {
        History h = new History();
        Map<String, Double> r = new LinkedHashMap<>();
        r.put(History.EPOCH, 3.0);
        r.put("phase", 2.0);
        r.put("refit", 1.0);
        r.put(History.VAL_ACCURACY, 1.0);
        r.put(History.TRAIN_LOSS, 0.25);
        r.put(History.VAL_LOSS, Double.NaN);
        h.add(r);
        String json = h.toJson();
        assertTrue(json.contains("\"epoch\":3,"), json);
        assertTrue(json.contains("\"phase\":2,"), json);
        assertTrue(json.contains("\"refit\":1,"), json);
        assertTrue(json.contains("\"val_accuracy\":1.0"), json);
        assertTrue(json.contains("\"train_loss\":0.25"), json);
        assertFalse(json.contains("val_loss"), json);
        Map<String, Double> back = History.fromJson(json).epochs().get(0);
        assertEquals(3.0, back.get(History.EPOCH));
        assertEquals(2.0, back.get("phase"));
        assertEquals(1.0, back.get(History.VAL_ACCURACY));
        assertEquals(5, back.size());
    }

    /** A counter that is not whole (none is today) is written as it is, not rounded. */
    @Test
    void aCounterThatIsNotWholeIsNotRounded() {
        History h = new History();
        h.add(Map.of(History.EPOCH, 2.5));
        assertTrue(h.toJson().contains("\"epoch\":2.5"), h.toJson());
    }
}
