package org.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeptEpochTest {
    private static History history(double... valAccuracy) {
        History h = new History();
        for (int i = 0; i < valAccuracy.length; i++) {
            h.add(Map.of(History.EPOCH, i + 1.0, History.TRAIN_LOSS, 1.0 / (i + 1), History.VAL_LOSS, 0.5 + i,
                    History.VAL_ACCURACY, valAccuracy[i]));
        }
        return h;
    }

    @Test
    void theBestEpochIsTheFirstOfEqualOnesAsTheCheckpointListenerKeepsIt() {
        History h = history(0.5, 0.8, 0.8, 0.7);
        KeptEpoch k = KeptEpoch.best(h, 4, Monitor.of(History.VAL_ACCURACY), false);
        assertEquals(2, k.epoch());
        assertEquals(0.8, k.valAccuracy());
        assertEquals(1.5, k.valLoss()); // the kept epoch's, not the last one's
        assertEquals("highest validation accuracy (0.8000) of the 4 epochs run; the training ran its most epochs",
                k.because());
        // the same choice as a CheckpointListener saving the best epoch by that monitor
        Monitor m = Monitor.of(History.VAL_ACCURACY);
        double best = Double.NaN;
        int bestEpoch = 0;
        for (Map<String, Double> r : h.epochs()) {
            if (m.improves(m.valueIn(r), best)) {
                best = m.valueIn(r);
                bestEpoch = r.get(History.EPOCH).intValue();
            }
        }
        assertEquals(bestEpoch, k.epoch());
        KeptEpoch loss = KeptEpoch.best(h, 10, Monitor.of(History.VAL_LOSS), true);
        assertEquals(1, loss.epoch());
        assertEquals("lowest validation loss (0.5000) of the 4 epochs run; early stopping ended the training after"
                + " epoch 4", loss.because());
        assertTrue(loss.earlyStop());
    }

    @Test
    void everyFitSpeaksTheSameKeysInTheSameOrder() {
        KeptEpoch last = KeptEpoch.last(history(0.5, 0.6), 2, "the last epoch: no choice");
        assertEquals(2, last.epoch());
        Map<String, Object> t = last.tree();
        assertEquals(KeptEpoch.KEYS, List.copyOf(t.keySet()).subList(0, KeptEpoch.KEYS.size()));
        assertEquals(List.of("epochs", "max_epochs", "kept_epoch", "kept_because", "early_stop", "val_loss",
                "val_accuracy"), List.copyOf(t.keySet()));
        assertEquals(0.6, t.get("val_accuracy"));
        // without validation figures the keys stop at early_stop (JSON has no NaN)
        History noVal = new History();
        noVal.add(Map.of(History.EPOCH, 1.0, History.TRAIN_LOSS, 0.3));
        assertEquals(KeptEpoch.KEYS, List.copyOf(KeptEpoch.last(noVal, 1, "no validation").tree().keySet()));
        assertFalse(KeptEpoch.last(new History(), 3, "nothing ran").earlyStop());
        assertThrows(IllegalArgumentException.class, () -> KeptEpoch.best(noVal, 1, Monitor.of(History.VAL_ACCURACY),
                false));
        assertThrows(IllegalArgumentException.class, () -> new KeptEpoch(2, 2, 3, "", false, Double.NaN, Double.NaN));
    }
}
