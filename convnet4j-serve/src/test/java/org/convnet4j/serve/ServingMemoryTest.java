package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.ModelSummary;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;

/** What serving needs at least: weights, forward passes per worker, queued samples; refused in one line when too much. */
class ServingMemoryTest {
    private static ModelServer.Options options(int maxBatch, int workers, int queue) {
        ModelServer.Options o = new ModelServer.Options();
        o.maxBatch = maxBatch;
        o.workers = workers;
        o.queueCapacity = queue;
        return o;
    }

    @Test
    void countsWeightsPassesPerWorkerAndQueuedSamples() {
        SavedModel lenet = TestModels.lenet(1);
        Map<String, SavedModel> one = Map.of("a", lenet);
        ModelSummary s = ModelSummary.of(lenet.model());
        long weights = s.inferenceMemoryBytes(0);
        long pass8 = s.inferenceMemoryBytes(8) - weights;
        long queued = 8 + 4 * 28 * 28; // a waiting request: one sample of floats and its slot
        assertEquals(weights + pass8 + 10 * queued, ServingMemory.need(one, options(8, 1, 10)));
        assertEquals(weights + 2 * pass8 + 10 * queued, ServingMemory.need(one, options(8, 2, 10)), "a pass per worker");
        Map<String, SavedModel> two = new LinkedHashMap<>(one);
        two.put("b", TestModels.lenet(2));
        assertEquals(2 * (weights + pass8 + 10 * queued), ServingMemory.need(two, options(8, 1, 10)), "per model");
    }

    @Test
    void tooMuchIsOneLineNamingTheSettingAndTheModels() {
        Map<String, SavedModel> m = Map.of("lenet", TestModels.lenet(1));
        assertDoesNotThrow(() -> ServingMemory.require(m, options(8, 1, 64), "--queue 64"));
        MemoryBudget.SettingTooLargeException e = assertThrows(MemoryBudget.SettingTooLargeException.class,
                () -> ServingMemory.require(m, options(8, 2, 2_000_000_000), "--queue 2000000000"));
        assertTrue(e.getMessage().startsWith("--queue 2000000000: serving lenet (per model: its weights, 2 forward"
                + " passes of 8 samples and 2000000000 queued requests of one sample each;"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
