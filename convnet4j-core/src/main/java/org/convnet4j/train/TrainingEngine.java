package org.convnet4j.train;

import java.util.List;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Model;
import org.convnet4j.train.loss.Loss;

/**
 * Where the optimiser steps of a training run are computed. {@link Trainer} keeps the protocol — epochs, the data
 * order of each epoch (seed + epoch), validation, the history, the listeners (checkpoints, early stopping,
 * progress) and resuming — and asks an engine for each epoch's steps. Without an engine the trainer runs them in
 * process; {@code convnet4j-spark}'s {@code SparkTrainer} is an engine that computes them on a Spark cluster, so a
 * {@code run.TrainingRun} with that engine keeps its split, best/last files and early stopping unchanged.
 *
 * <p>An engine is used by one trainer run at a time: {@link #start}, then {@link #trainEpoch} per epoch (and
 * {@link #evaluate} for validation), then {@link #finish} (also when the run fails).
 */
public interface TrainingEngine {

    /** Before the first epoch of a run (also a resumed one), with its data: e.g. to send it to the workers. */
    default void start(Model model, TrainConfig config, Dataset train, Dataset validation) {
    }

    /**
     * The optimiser steps of one epoch: one per batch of {@link Epoch#batches()} (sample indices of the training
     * data, in order), each followed (possibly several at once) by {@link Epoch#batchesDone}.
     */
    void trainEpoch(Epoch epoch);

    /** Validation: loss (when {@code loss} is given) and classification metrics of the model on {@code data}. */
    default Metrics evaluate(Model model, Dataset data, int batchSize, Loss loss) {
        return Trainer.evaluate(model, data, batchSize, loss);
    }

    /** After the run, whether it finished, stopped early or failed. */
    default void finish() {
    }

    /** One epoch's work as the trainer hands it to an engine, and where the engine reports progress. */
    final class Epoch {
        private final TrainingContext ctx;
        private final int[][] batches;
        private final Metrics metrics;
        private final List<TrainingListener> listeners;
        private int done;

        Epoch(TrainingContext ctx, int[][] batches, Metrics metrics, List<TrainingListener> listeners) {
            this.ctx = ctx;
            this.batches = batches;
            this.metrics = metrics;
            this.listeners = listeners;
        }

        public Model model() {
            return ctx.model();
        }

        public TrainConfig config() {
            return ctx.config();
        }

        /** The 1-based epoch number. */
        public int number() {
            return ctx.epoch;
        }

        /** The batches of this epoch in order: each the training-sample indices of one optimiser step. */
        public int[][] batches() {
            return batches;
        }

        /** Batches reported done so far in this epoch. */
        public int batchesDone() {
            return done;
        }

        /** Optimiser steps taken so far, over all epochs (the schedule's step). */
        public long step() {
            return ctx.step;
        }

        /** The learning rate of the next step, from the configured schedule. */
        public double learningRate() {
            return ctx.config().schedule().learningRate(ctx.epoch - 1, ctx.step);
        }

        /** Where the epoch's classification results go ({@link Metrics#add} with the training outputs). */
        public Metrics metrics() {
            return metrics;
        }

        /**
         * Records that the next {@code count} batches are done (their steps taken), with their mean loss over
         * {@code samples} samples: the step counter advances and listeners see each batch end.
         *
         * @throws TrainingDivergedException when the loss is not finite
         */
        public void batchesDone(int count, double meanLoss, int samples) {
            if (count < 1 || done + count > batches.length) {
                throw new IllegalArgumentException("TrainingEngine.Epoch: " + count + " more batches done after "
                        + done + " of " + batches.length);
            }
            if (!Double.isFinite(meanLoss)) {
                throw new TrainingDivergedException(ctx.epoch, done + 1, ctx.step, meanLoss);
            }
            metrics.addLoss(meanLoss, samples);
            for (int i = 0; i < count; i++) {
                ctx.step++;
                done++;
                int b = done;
                listeners.forEach(l -> l.onBatchEnd(ctx, ctx.epoch, b, batches.length, meanLoss));
            }
        }
    }
}
