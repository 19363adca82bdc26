package org.convnet4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.Batch;
import org.convnet4j.data.DataLoader;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.InferenceBuffers;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSummary;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.optim.AbstractOptimizer;
import org.convnet4j.train.optim.Optimizer;

/**
 * The training loop: for each epoch, for each shuffled batch, the optimiser lifecycle of {@link Optimizer}, then
 * validation and the listeners. Everything else (logging, early stopping, checkpoints) is a
 * {@link TrainingListener}.
 *
 * <p>Deterministic: the data order of epoch e depends only on (seed, e), the learning rate only on
 * (epoch, step), and the kernels are single-threaded, so a run resumed from a checkpoint reproduces the
 * uninterrupted run bit for bit.
 */
public final class Trainer {
    private final TrainConfig config;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private TrainingEngine engine;

    public Trainer(TrainConfig config) {
        this.config = config;
    }

    /**
     * Computes the steps (and the validation) with {@code engine} instead of in this process; the protocol — data
     * order, history, listeners, resuming — stays the trainer's. Null: in process (the default).
     */
    public Trainer engine(TrainingEngine engine) {
        this.engine = engine;
        return this;
    }

    public Trainer addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    /** Static shortcut: {@code new Trainer(config).fit(model, train, val)} without listeners. */
    public static History fit(Model model, Dataset train, Dataset val, TrainConfig config) {
        return new Trainer(config).fit(model, train, val);
    }

    /** Trains from epoch 1; {@code val} may be null. Returns the history (also kept in the context). */
    public History fit(Model model, Dataset train, Dataset val) {
        return run(model, train, val, config, new History(), 0);
    }

    /** Continues a run saved by {@link CheckpointListener}: parameters, optimiser state, history, seed, step. */
    public History resume(Path checkpoint, Model model, Dataset train, Dataset val) throws IOException {
        return resume(Checkpoint.load(checkpoint), model, train, val);
    }

    public History resume(Checkpoint checkpoint, Model model, Dataset train, Dataset val) {
        TrainingCheckpoints.State state = TrainingCheckpoints.read(checkpoint);
        if (state.batchSize() != 0 && state.batchSize() != config.batchSize()) {
            throw new IllegalArgumentException("Trainer.resume: the checkpoint was trained with batch size "
                    + state.batchSize() + ", this configuration has " + config.batchSize()
                    + "; the same batch size is needed to continue the same run");
        }
        TrainingCheckpoints.loadParameters(checkpoint, model);
        config.optimizer().loadState(checkpoint.optimizerState());
        // the saved seed decides the data order of the remaining epochs
        return run(model, train, val, config.withSeed(state.seed()), state.history(), state.step());
    }

    private History run(Model model, Dataset train, Dataset val, TrainConfig cfg, History history, long step) {
        requireOptimizerOwns(model, cfg.optimizer());
        requireOutputsMatchClasses(model, train, cfg.loss());
        if (engine == null) {
            // gradients and the optimiser's state first (a model's build charged its values only), then the batch
            TrainingMemory.require(null, model, cfg.optimizer());
            requireBatchFits(model, train, cfg);
        }
        DataLoader loader = DataLoader.builder(train).batchSize(cfg.batchSize()).shuffle(true).seed(cfg.seed()).build();
        TrainingContext ctx = new TrainingContext(model, cfg, history, loader.numBatches(), loader.samplesPerEpoch());
        ctx.step = step;
        ctx.epoch = history.size();
        if (engine == null) {
            try {
                return epochs(ctx, loader, train, val);
            } finally {
                // the steps' gradient pool (up to several activation-sized arrays) is not needed once training ends
                StepBuffers.releasePool();
            }
        }
        engine.start(model, cfg, train, val);
        try {
            return epochs(ctx, loader, train, val);
        } finally {
            engine.finish();
        }
    }

    /**
     * A training step in batches of min(batch size, training samples) within the memory budget, before the first
     * batch is allocated: weights, gradients, the optimiser's state, and every activation and its gradient
     * ({@link ModelSummary#trainingMemoryBytes}, a lower bound). Otherwise a {@link org.convnet4j.util.MemoryBudget.SettingTooLargeException}
     * starting "batch N:". In process only: an engine (Spark) splits each batch over its workers.
     */
    private static void requireBatchFits(Model model, Dataset train, TrainConfig cfg) {
        int batch = Math.max(1, Math.min(cfg.batchSize(), train.size()));
        long state = cfg.optimizer() instanceof AbstractOptimizer a ? a.stateValues() : 0;
        ModelSummary.of(model).requireTrainingBatch("batch " + cfg.batchSize(), "a model", batch, state);
    }

    private History epochs(TrainingContext ctx, DataLoader loader, Dataset train, Dataset val) {
        Model model = ctx.model();
        TrainConfig cfg = ctx.config();
        History history = ctx.history();
        listeners.forEach(l -> l.onTrainStart(ctx));
        for (int epoch = history.size() + 1; epoch <= cfg.epochs() && !ctx.stopRequested(); epoch++) {
            ctx.epoch = epoch;
            int e = epoch;
            listeners.forEach(l -> l.onEpochStart(ctx, e));
            double lr = cfg.schedule().learningRate(epoch - 1, ctx.step);
            long start = System.nanoTime();
            Metrics trainMetrics = engine == null ? trainEpoch(ctx, loader, train) : engineEpoch(ctx, loader, train);
            double seconds = (System.nanoTime() - start) / 1e9;
            // the loss of the last batch was finite, but its update may still have overflowed the weights
            String broken = TrainingCheckpoints.firstNonFinite(model.stateDict());
            if (broken != null) {
                throw new TrainingDivergedException(epoch, ctx.step, broken);
            }
            Map<String, Double> record = new LinkedHashMap<>();
            record.put(History.EPOCH, (double) epoch);
            record.put(History.TRAIN_LOSS, trainMetrics.loss());
            record.put(History.TRAIN_ACCURACY, trainMetrics.accuracy());
            if (val != null) {
                Metrics v = engine == null ? evaluate(model, val, cfg.evalBatchSize(), cfg.loss())
                        : engine.evaluate(model, val, cfg.evalBatchSize(), cfg.loss());
                if (!Double.isFinite(v.loss())) {
                    throw new TrainingDivergedException(epoch, ctx.step, v.loss());
                }
                record.put(History.VAL_LOSS, v.loss());
                record.put(History.VAL_ACCURACY, v.accuracy());
            }
            record.put(History.LR, lr);
            record.put(History.SECONDS, seconds);
            record.put(History.IMAGES_PER_SECOND, train.size() / Math.max(seconds, 1e-9));
            history.add(record);
            listeners.forEach(l -> l.onEpochEnd(ctx, e, history.last()));
        }
        listeners.forEach(l -> l.onTrainEnd(ctx));
        return history;
    }

    private Metrics trainEpoch(TrainingContext ctx, DataLoader loader, Dataset train) {
        TrainConfig cfg = ctx.config();
        Optimizer opt = cfg.optimizer();
        Metrics metrics = new Metrics(classNames(train));
        ctx.running = metrics;
        int batchNo = 0;
        try (DataLoader.BatchIterator batches = loader.iterator(ctx.epoch - 1)) {
            while (batches.hasNext()) {
                Batch batch = batches.next();
                batchNo++;
                opt.setLearningRate(cfg.schedule().learningRate(ctx.epoch - 1, ctx.step));
                Loss.LossValue[] result = new Loss.LossValue[1];
                int no = batchNo;
                // Layers reuse their activation and gradient buffers from the previous step (nothing here keeps
                // a step's tensors beyond the step): see StepBuffers.
                StepBuffers.step(() -> {
                    opt.zeroGrad();
                    Tensor out = ctx.model().forward(batch.inputs(), true);
                    Loss.LossValue loss = cfg.loss().compute(out, batch.labels());
                    if (!loss.isFinite()) {
                        throw new TrainingDivergedException(ctx.epoch, no, ctx.step, loss.value());
                    }
                    ctx.model().backwardParameters(loss.gradient());
                    cfg.clipping().apply(opt);
                    opt.step();
                    addClassification(metrics, out, batch.labels());
                    result[0] = loss;
                });
                Loss.LossValue loss = result[0];
                ctx.step++;
                metrics.addLoss(loss.value(), batch.size());
                int b = batchNo;
                listeners.forEach(l -> l.onBatchEnd(ctx, ctx.epoch, b, ctx.batchesPerEpoch(), loss.value()));
            }
        }
        return metrics;
    }

    /** The engine's epoch: the same batches as {@link #trainEpoch} (the loader's order, consecutive slices). */
    private Metrics engineEpoch(TrainingContext ctx, DataLoader loader, Dataset train) {
        int[] order = loader.order(ctx.epoch - 1);
        int size = loader.batchSize();
        int[][] batches = new int[loader.numBatches()][];
        for (int b = 0; b < batches.length; b++) {
            batches[b] = java.util.Arrays.copyOfRange(order, b * size, Math.min((b + 1) * size, order.length));
        }
        Metrics metrics = new Metrics(classNames(train));
        ctx.running = metrics;
        TrainingEngine.Epoch epoch = new TrainingEngine.Epoch(ctx, batches, metrics, listeners);
        engine.trainEpoch(epoch);
        if (epoch.batchesDone() != batches.length) {
            throw new IllegalStateException("TrainingEngine " + engine.getClass().getSimpleName() + ": reported "
                    + epoch.batchesDone() + " of " + batches.length + " batches of epoch " + ctx.epoch + " done");
        }
        return metrics;
    }

    /** Loss and classification metrics of a model on a dataset, without changing it; {@code loss} may be null. */
    public static Metrics evaluate(Model model, Dataset data, int batchSize, Loss loss) {
        Shape out1 = model.outputShape();
        if (out1.rank() == 1 && out1.dim(0) > 1 && out1.dim(0) != data.numClasses()) {
            // the accuracy would be NaN (no answer counted) or the labels would index past the outputs
            throw new IllegalArgumentException("Trainer.evaluate: the model has " + out1.dim(0) + " outputs but the data"
                    + " has " + data.numClasses() + " classes " + data.classNames() + "; evaluate a model on data of its"
                    + " own classes");
        }
        Metrics metrics = new Metrics(classNames(data));
        DataLoader loader = DataLoader.builder(data).batchSize(batchSize).augment(false).build();
        // the inference path (packed weights, this thread's activation buffers, dropped again at the end so
        // that a training run that evaluates between epochs keeps no evaluation-sized arrays)
        try (DataLoader.BatchIterator batches = loader.iterator(0); InferenceBuffers.Scope scope = InferenceBuffers.scope()) {
            while (batches.hasNext()) {
                Batch batch = batches.next();
                Tensor out = model.predict(batch.inputs());
                if (loss != null) {
                    metrics.addLoss(loss.compute(out, batch.labels()).value(), batch.size());
                }
                addClassification(metrics, out, batch.labels());
            }
        }
        return metrics;
    }

    /** Accuracy, top-k and confusion matrix (no loss). */
    public static Metrics evaluate(Model model, Dataset data, int batchSize) {
        return evaluate(model, data, batchSize, null);
    }

    /** Classification metrics need one output per class; other outputs (a single logit) get loss only. */
    private static void addClassification(Metrics metrics, Tensor out, int[] labels) {
        if (out.rank() == 2 && out.dim(1) == metrics.confusion().numClasses()) {
            metrics.add(out, labels);
        }
    }

    private static List<String> classNames(Dataset data) {
        List<String> names = data.classNames();
        return names == null || names.size() != data.numClasses()
                ? ConfusionMatrix.numberedClasses(data.numClasses()) : names;
    }

    /**
     * A classifier whose outputs are not the data's classes trains to nonsense and reports NaN accuracy; refuse it
     * before the first step, naming both counts.
     */
    private static void requireOutputsMatchClasses(Model model, Dataset train, Loss loss) {
        if (!(loss instanceof org.convnet4j.train.loss.SoftmaxCrossEntropy) || model.outputShape().rank() != 1) {
            return;
        }
        int outputs = model.outputShape().dim(0);
        if (outputs != train.numClasses()) {
            throw new IllegalArgumentException("Trainer: the model has " + outputs + " outputs but the training data has "
                    + train.numClasses() + " classes " + train.classNames() + "; give the model one output per class");
        }
        if (!model.classNames().isEmpty() && model.classNames().size() != outputs) {
            throw new IllegalArgumentException("Trainer: the model has " + outputs + " outputs but "
                    + model.classNames().size() + " class names " + model.classNames());
        }
    }

    /** An optimiser built for another model would train nothing, silently; refuse it instead. */
    private static void requireOptimizerOwns(Model model, Optimizer optimizer) {
        Map<Parameter, Boolean> own = new IdentityHashMap<>();
        model.learnableParameters().values().forEach(p -> own.put(p, true));
        for (Map.Entry<String, Parameter> e : optimizer.parameters().entrySet()) {
            if (!own.containsKey(e.getValue())) {
                throw new IllegalArgumentException("Trainer: the optimiser's parameter '" + e.getKey()
                        + "' does not belong to the model being trained (was the optimiser built for another model?)");
            }
        }
    }
}
