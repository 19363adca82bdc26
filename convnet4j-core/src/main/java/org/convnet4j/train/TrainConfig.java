package org.convnet4j.train;

import java.util.Objects;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.GradientClipping;
import org.convnet4j.train.optim.LrSchedule;
import org.convnet4j.train.optim.Optimizer;

/**
 * What a training run does: epochs, batch size, seed (data order of epoch e is drawn from seed + e), optimiser,
 * learning-rate schedule (default: the optimiser's rate, constant), loss (default softmax cross-entropy) and
 * gradient clipping (default none).
 */
public record TrainConfig(int epochs, int batchSize, long seed, Optimizer optimizer, LrSchedule schedule, Loss loss,
                          GradientClipping clipping, int evalBatchSize) {

    public TrainConfig {
        Objects.requireNonNull(optimizer, "TrainConfig: optimizer is required");
        if (epochs < 1 || batchSize < 1 || evalBatchSize < 1) {
            throw new IllegalArgumentException("TrainConfig: epochs, batch size and evaluation batch size must be >= 1, got "
                    + epochs + ", " + batchSize + ", " + evalBatchSize);
        }
        schedule = schedule == null ? LrSchedule.constant(optimizer.learningRate()) : schedule;
        loss = loss == null ? new SoftmaxCrossEntropy() : loss;
        clipping = clipping == null ? GradientClipping.none() : clipping;
    }

    public static Builder builder(Optimizer optimizer) {
        return new Builder(optimizer);
    }

    public TrainConfig withSeed(long newSeed) {
        return new TrainConfig(epochs, batchSize, newSeed, optimizer, schedule, loss, clipping, evalBatchSize);
    }

    public TrainConfig withEpochs(int newEpochs) {
        return new TrainConfig(newEpochs, batchSize, seed, optimizer, schedule, loss, clipping, evalBatchSize);
    }

    /** Defaults: 10 epochs, batch 32, seed 0, evaluation batch 256. */
    public static final class Builder {
        private final Optimizer optimizer;
        private int epochs = 10;
        private int batchSize = 32;
        private long seed;
        private LrSchedule schedule;
        private Loss loss;
        private GradientClipping clipping;
        private int evalBatchSize = 256;

        private Builder(Optimizer optimizer) {
            this.optimizer = optimizer;
        }

        public Builder epochs(int n) {
            this.epochs = n;
            return this;
        }

        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder schedule(LrSchedule s) {
            this.schedule = s;
            return this;
        }

        public Builder loss(Loss l) {
            this.loss = l;
            return this;
        }

        public Builder clipping(GradientClipping c) {
            this.clipping = c;
            return this;
        }

        public Builder evalBatchSize(int n) {
            this.evalBatchSize = n;
            return this;
        }

        public TrainConfig build() {
            return new TrainConfig(epochs, batchSize, seed, optimizer, schedule, loss, clipping, evalBatchSize);
        }
    }
}
