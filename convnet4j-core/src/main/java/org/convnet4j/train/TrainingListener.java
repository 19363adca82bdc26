package org.convnet4j.train;

import java.util.Map;

/**
 * Hooks into {@link Trainer#fit}: logging, progress bars, early stopping, checkpoints. Every method has an
 * empty default. Epoch numbers are 1-based; a listener stops training with {@link TrainingContext#requestStop}.
 */
public interface TrainingListener {

    /** Before the first epoch of this run (after a resume: with the restored history and step). */
    default void onTrainStart(TrainingContext context) {
    }

    default void onEpochStart(TrainingContext context, int epoch) {
    }

    /** After each optimiser step; {@code batch} is 1-based, {@code loss} the batch's mean loss. */
    default void onBatchEnd(TrainingContext context, int epoch, int batch, int batches, double loss) {
    }

    /** After an epoch and its validation, with the epoch's record (already added to the history). */
    default void onEpochEnd(TrainingContext context, int epoch, Map<String, Double> record) {
    }

    /** After the last epoch, or after an early stop; not called when training fails or diverges. */
    default void onTrainEnd(TrainingContext context) {
    }
}
