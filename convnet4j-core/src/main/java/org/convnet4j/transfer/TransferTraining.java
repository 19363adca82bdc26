package org.convnet4j.transfer;

import java.util.List;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.History;
import org.convnet4j.train.PhaseListener;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.Optimizer;
import org.convnet4j.train.optim.ParamGroup;

/**
 * Gradient training of a plan (Cases 2, 3, 4) with the ordinary {@link Trainer}: the plan only decides the model
 * and the optimiser's parameter groups.
 *
 * <p><b>Frozen prefix cache.</b> When the plan's first layers never change ({@link TransferPlan#frozenPrefix()}),
 * their outputs are computed once for the training and validation data, and only the rest of the network (the
 * suffix, which shares its layers, and so its weights, with the plan's model) is trained on those cached outputs.
 * This is exact, not an approximation: a frozen layer computes the same function in every epoch (frozen batch
 * norm uses its running statistics, in training as in inference), so the suffix sees the same inputs either way.
 * It would not be exact with dropout or random augmentation in the prefix, so a Dropout layer ends the prefix,
 * and {@code cachePrefix} should be off for datasets that augment.
 */
public final class TransferTraining {
    /** Outcome: the history, and how many leading layers were computed once instead of every epoch. */
    public record Result(History history, int cachedLayers) {
    }

    /**
     * How {@link #fit(TransferPlan, Dataset, Dataset, Settings)} trains: {@code config} supplies epochs, batch size,
     * seed and loss (its optimiser is replaced by {@link #adam} over the plan's groups); {@code cachePrefix}
     * computes the frozen prefix once (exact; leave it off for datasets that augment); listeners and the
     * progress of the prefix pass. Build with {@link #of(TrainConfig)} and the {@code with...} methods.
     */
    public record Settings(TrainConfig config, boolean cachePrefix, List<TrainingListener> listeners,
                           FeatureExtractor.Progress progress) {
        public Settings {
            if (config == null) {
                throw new IllegalArgumentException("TransferTraining.Settings: config is required");
            }
            listeners = List.copyOf(listeners == null ? List.of() : listeners);
            progress = progress == null ? FeatureExtractor.Progress.NONE : progress;
        }

        /** {@code config}, no prefix cache, no listeners, no progress. */
        public static Settings of(TrainConfig config) {
            return new Settings(config, false, List.of(), FeatureExtractor.Progress.NONE);
        }

        public Settings withPrefixCache(boolean on) {
            return new Settings(config, on, listeners, progress);
        }

        public Settings withListeners(List<TrainingListener> ls) {
            return new Settings(config, cachePrefix, ls, progress);
        }

        public Settings withProgress(FeatureExtractor.Progress p) {
            return new Settings(config, cachePrefix, listeners, p);
        }
    }

    private TransferTraining() {
    }

    /** Adam over the plan's groups restricted to {@code target}, at the plan's learning rate. */
    public static Optimizer adam(TransferPlan plan, Model target) {
        List<ParamGroup> groups = plan.groupsFor(target);
        return new Adam(groups, plan.learningRate());
    }

    /**
     * Trains the plan's model.
     *
     * @deprecated positional flags; use {@link #fit(TransferPlan, Dataset, Dataset, Settings)}
     */
    @Deprecated
    public static Result fit(TransferPlan plan, Dataset train, Dataset val, TrainConfig config, boolean cachePrefix,
                             List<TrainingListener> listeners, FeatureExtractor.Progress progress) {
        return fit(plan, train, val, new Settings(config, cachePrefix, listeners, progress));
    }

    /** Trains the plan's model as {@code settings} say ({@code val} may be null). */
    public static Result fit(TransferPlan plan, Dataset train, Dataset val, Settings settings) {
        TrainConfig config = settings.config();
        boolean cachePrefix = settings.cachePrefix();
        List<TrainingListener> listeners = settings.listeners();
        FeatureExtractor.Progress progress = settings.progress();
        if (!plan.trainsByGradient()) {
            throw new IllegalArgumentException("TransferTraining: " + plan.transferCase()
                    + " is not trained by gradient descent");
        }
        Sequential model = plan.model();
        int prefix = Math.min(plan.frozenPrefix(), model.layers().size() - 1);
        Model target = model;
        Dataset trainData = train;
        Dataset valData = val;
        if (cachePrefix && prefix > 0) {
            Sequential head = new Sequential(model.inputShapes().get(0));
            Sequential tail = new Sequential(model.outputShapeAt(prefix - 1));
            List<Layer> layers = model.layers();
            for (int i = 0; i < layers.size(); i++) {
                (i < prefix ? head : tail).add(layers.get(i));
            }
            Shape out = model.outputShapeAt(prefix - 1);
            trainData = reshaped(FeatureExtractor.extract(head, train, config.evalBatchSize(), progress), out);
            valData = val == null ? null
                    : reshaped(FeatureExtractor.extract(head, val, config.evalBatchSize(), FeatureExtractor.Progress.NONE), out);
            target = tail;
            // a dashboard still shows what the whole network does with a picture (the tail alone does not take one)
            PhaseListener.cachedPrefix(listeners, model, prefix);
        } else {
            prefix = 0;
        }
        TrainConfig cfg = new TrainConfig(config.epochs(), config.batchSize(), config.seed(), adam(plan, target), null,
                config.loss(), config.clipping(), config.evalBatchSize());
        Trainer trainer = new Trainer(cfg);
        listeners.forEach(trainer::addListener);
        return new Result(trainer.fit(target, trainData, valData), prefix);
    }

    /** Cached prefix outputs as a dataset of samples with the prefix's output shape. */
    private static Dataset reshaped(Features f, Shape sampleShape) {
        return org.convnet4j.data.ArrayDataset.ofFloats(f.values(), sampleShape, f.labels(), f.classNames());
    }
}
