package org.convnet4j.serve;

import java.util.Map;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.ModelSummary;
import org.convnet4j.util.MemoryBudget;

/**
 * The least memory serving some models needs with given {@link ModelServer.Options}, checked before
 * {@link ModelServer#start} allocates anything (what {@code convnet4j serve} checks): per model its weights, a forward
 * pass of {@code maxBatch} samples for each worker that may run at once ({@link ModelServer#workersFor}), and
 * {@code queueCapacity} waiting requests of one sample each. A lower bound: larger requests and pictures being decoded
 * need more.
 */
public final class ServingMemory {
    private ServingMemory() {
    }

    /** Bytes {@code models} need at least when served with {@code options} (saturating: never overflows). */
    public static long need(Map<String, SavedModel> models, ModelServer.Options options) {
        long need = 0;
        for (SavedModel m : models.values()) {
            int passesAtOnce = ModelServer.workersFor(m.model(), options).workers();
            ModelSummary summary = ModelSummary.of(m.model());
            long queued = MemoryBudget.bytesOf(MemoryBudget.add(8, MemoryBudget.bytesOf(4,
                    summary.inputValuesPerSample())), options.queueCapacity);
            long weights = summary.inferenceMemoryBytes(0);
            long passes = MemoryBudget.bytesOf(summary.inferenceMemoryBytes(options.maxBatch) - weights, passesAtOnce);
            need = MemoryBudget.add(need, MemoryBudget.add(MemoryBudget.add(weights, passes), queued));
        }
        return need;
    }

    /**
     * Refuses options whose {@link #need} is over the memory budget ({@link MemoryBudget#requireSetting}).
     *
     * @param setting how the caller names the settings in the message, e.g. {@code "--max-batch 8, --queue 64"}
     * @throws MemoryBudget.SettingTooLargeException (an IllegalArgumentException) in one line starting with
     *                                               {@code setting}, naming the models and what was counted
     */
    public static void require(Map<String, SavedModel> models, ModelServer.Options options, String setting) {
        int inFlight = 1; // forward passes a model may run at once: its workers (for the message: the most of any)
        for (SavedModel m : models.values()) {
            inFlight = Math.max(inFlight, ModelServer.workersFor(m.model(), options).workers());
        }
        MemoryBudget.requireSetting(setting, "serving " + String.join(", ", models.keySet())
                + " (per model: its weights, " + (inFlight == 1 ? "a forward pass" : inFlight + " forward passes")
                + " of " + options.maxBatch + " samples and " + options.queueCapacity + " queued requests of one"
                + " sample each; a lower bound, larger requests and pictures being decoded need more)",
                need(models, options));
    }
}
