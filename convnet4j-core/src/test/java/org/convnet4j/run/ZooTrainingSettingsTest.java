package org.convnet4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** ZooBenchmark.Training: named choices for testing and augmentation; the old boolean form delegates. */
class ZooTrainingSettingsTest {
    @Test
    @SuppressWarnings("deprecation")
    void theBooleanConstructorMapsToTheNamedChoices() {
        ZooBenchmark.Training named = new ZooBenchmark.Training(2, 32, "adam", 0.001, 7,
                ZooBenchmark.Testing.EVERY_EPOCH, ZooBenchmark.Augmentation.NONE);
        assertEquals(named, new ZooBenchmark.Training(2, 32, "adam", 0.001, 7, true, false));
        ZooBenchmark.Training other = new ZooBenchmark.Training(2, 32, "adam", 0.001, 7, false, true);
        assertEquals(ZooBenchmark.Testing.AT_END, other.testing());
        assertEquals(ZooBenchmark.Augmentation.CROP_AND_MIRROR, other.augmentation());
        assertTrue(named.testEveryEpoch() && !named.augment());
        assertFalse(other.testEveryEpoch());
        assertTrue(other.augment());
        assertEquals(other.augmentation(), other.withEpochs(5).augmentation());
        assertEquals(5, other.withEpochs(5).epochs());
    }

    @Test
    void missingChoicesAreRefused() {
        assertThrows(NullPointerException.class, () -> new ZooBenchmark.Training(1, 1, "sgd", 0.1, 1, null,
                ZooBenchmark.Augmentation.NONE));
        assertThrows(NullPointerException.class, () -> new ZooBenchmark.Training(1, 1, "sgd", 0.1, 1,
                ZooBenchmark.Testing.AT_END, null));
    }
}
