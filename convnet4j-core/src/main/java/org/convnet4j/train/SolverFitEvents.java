package org.convnet4j.train;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Model;

/**
 * Reports a fit done outside {@link Trainer} (a solver such as L-BFGS or liblinear writing a head in one go) to
 * training listeners, as a training of one epoch of one step: start, epoch 1, its one step with the training loss,
 * the epoch's record, end. So a dashboard or a progress display shows that phase like any other.
 */
public final class SolverFitEvents {
    private SolverFitEvents() {
    }

    /**
     * Tells {@code listeners} about the fit of {@code model} on {@code samples} samples whose result is
     * {@code record} (History columns; its {@link History#TRAIN_LOSS} is the step's loss). {@code config}: the
     * epochs (1) and batch size shown.
     */
    public static void report(List<TrainingListener> listeners, Model model, TrainConfig config, int samples,
                              Map<String, Double> record) {
        if (listeners.isEmpty()) {
            return;
        }
        History h = new History();
        TrainingContext ctx = new TrainingContext(model, config, h, 1, samples);
        listeners.forEach(l -> l.onTrainStart(ctx));
        ctx.epoch = 1;
        listeners.forEach(l -> l.onEpochStart(ctx, 1));
        ctx.step = 1;
        double loss = record.getOrDefault(History.TRAIN_LOSS, Double.NaN);
        listeners.forEach(l -> l.onBatchEnd(ctx, 1, 1, 1, loss));
        h.add(record);
        listeners.forEach(l -> l.onEpochEnd(ctx, 1, record));
        listeners.forEach(l -> l.onTrainEnd(ctx));
    }
}
