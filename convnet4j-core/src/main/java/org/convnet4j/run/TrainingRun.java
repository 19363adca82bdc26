package org.convnet4j.run;

import org.convnet4j.nn.ModelSummary;
import org.convnet4j.util.MemoryBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.train.CheckpointListener;
import org.convnet4j.train.EarlyStopping;
import org.convnet4j.train.History;
import org.convnet4j.train.KeptEpoch;
import org.convnet4j.train.Monitor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.train.TrainingEngine;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.Optimizer;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;

/**
 * The training run protocol of {@code convnet4j train}, as a library call: a zoo architecture trained on a
 * data set with a seeded validation split stratified by class, the best epoch kept in {@code out} (the last one without
 * validation), every epoch's state in {@code out}'s {@code .last} file, optional early stopping, a run that
 * resumes exactly from either file, and the kept model's penultimate feature statistics written into it (for
 * {@code advise --base}).
 *
 * <pre>
 *   TrainingSettings s = TrainingSettings.builder().model("lenet5").epochs(5).out(Path.of("m.c4j")).build();
 *   TrainingRun.Result r = new TrainingRun(s, FashionMnist.train()).addListener(new LogListener()).run();
 *   // later, or after a crash: continue to 8 epochs with the settings saved in the file
 *   TrainingRun.Result more = TrainingRun.resume(s.lastFile(), FashionMnist.train(), b -&gt; b.epochs(8)).run();
 * </pre>
 *
 * A resumed run gives the same weights as an uninterrupted one (same split, data order, optimiser state).
 */
public final class TrainingRun {
    private final TrainingSettings settings;
    private final Dataset all;
    private final Checkpoint resumed;
    private final Path resumedFrom;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private TrainingEngine engine;

    /**
     * A new run on {@code pictures} (all of them; the run takes the validation split and the limit itself),
     * prepared for the settings' input shape.
     */
    public TrainingRun(TrainingSettings settings, Dataset pictures) {
        this(settings, pictures, null, null);
    }

    private TrainingRun(TrainingSettings settings, Dataset pictures, Checkpoint resumed, Path resumedFrom) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.all = Objects.requireNonNull(pictures, "pictures");
        this.resumed = resumed;
        this.resumedFrom = resumedFrom;
    }

    /** Changes to saved settings when resuming (for instance more epochs). */
    @FunctionalInterface
    public interface Overrides {
        TrainingSettings.Builder apply(TrainingSettings.Builder saved);
    }

    /**
     * Continues the run saved in {@code checkpoint} (its {@code out} or {@code .last} file) with the settings
     * saved there, changed by {@code overrides}.
     *
     * @throws IllegalArgumentException when the file holds no run state or was not written by a TrainingRun
     */
    public static TrainingRun resume(Path checkpoint, Dataset pictures, Overrides overrides) throws IOException {
        Checkpoint c = Checkpoint.load(checkpoint);
        TrainingCheckpoints.requireFinite(c, checkpoint.toString());
        TrainingCheckpoints.read(c); // fails early, naming what is missing, if the file holds no run state
        TrainingSettings saved = TrainingSettings.savedIn(c).orElseThrow(() -> new IllegalArgumentException(
                checkpoint + " was not written by a training run; start a new run with the settings instead"));
        return new TrainingRun(overrides.apply(saved.toBuilder()).build(), pictures, c, checkpoint);
    }

    /** Continues the run saved in {@code checkpoint} with explicit settings (for files without saved ones). */
    public static TrainingRun resume(Checkpoint checkpoint, Path origin, TrainingSettings settings, Dataset pictures) {
        TrainingCheckpoints.requireFinite(checkpoint, String.valueOf(origin));
        TrainingCheckpoints.read(checkpoint);
        return new TrainingRun(settings, pictures, checkpoint, origin);
    }

    /** Listeners for progress and logging; the run adds its own checkpoint and early-stopping listeners. */
    public TrainingRun addListener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Computes the steps with {@code engine} (for instance {@code convnet4j-spark}'s {@code SparkTrainer}) instead
     * of in process; split, best/last files, early stopping and resuming stay this run's. Null: in process.
     */
    public TrainingRun engine(TrainingEngine engine) {
        this.engine = engine;
        return this;
    }

    public TrainingSettings settings() {
        return settings;
    }

    /** The epochs the resumed checkpoint had completed, or 0 for a new run. */
    public int resumedEpochs() {
        return resumed == null ? 0 : TrainingCheckpoints.read(resumed).epochsCompleted();
    }

    /**
     * One line saying what the run is about to do: "Training lenet5: 54000 training, 6000 validation pictures of
     * [1, 28, 28], 10 classes; adam lr 0.001, batch 64, seed 42" (a resumed run: "Resuming ..." and where from).
     */
    public String describe() {
        Split split = split();
        return String.format(java.util.Locale.ROOT, "%s %s: %d training, %s validation pictures of %s, %d classes;"
                        + " %s lr %s, batch %d, seed %d%s", resumed != null ? "Resuming" : "Training", settings.model(),
                split.train().size(), split.validation() == null ? "no" : Integer.toString(split.validation().size()),
                Preprocessing.forInput(settings.inputShape()).outputShape(), all.numClasses(), settings.optimizer(),
                settings.lr(), settings.batch(), settings.seed(),
                resumed != null ? " (from " + resumedFrom + ", epoch " + resumedEpochs() + ")" : "");
    }

    /**
     * The message for a run that stopped with {@code e}: its cause and which checkpoint is left (the last good
     * epoch's {@link TrainingSettings#lastFile()}, or none when no epoch finished).
     */
    public String divergenceMessage(org.convnet4j.train.TrainingDivergedException e) {
        Path last = settings.lastFile();
        return e.getMessage() + (Files.exists(last) ? "; the last good checkpoint is " + last
                : "; no epoch finished, so no checkpoint was written");
    }

    /** Training and validation data after the limit and the seeded split. */
    public record Split(Dataset train, Dataset validation) {
    }

    /**
     * The data the run will train and validate on: the validation split is stratified by class and seeded
     * ({@link Datasets#stratifiedSplit}, the split {@code fuse} uses): each class's count in it is its share of the
     * total within one picture, and every class keeps at least one training picture. A run resumed from a checkpoint
     * written before the split was stratified (its saved settings do not say {@code "val_split_by": "class"}) keeps
     * the plain seeded split it was trained with, so that resuming still continues the same run.
     */
    public Split split() {
        // --limit: at most this many pictures per class, a seeded choice, as everywhere (DataSpec)
        Dataset data = org.convnet4j.dataspec.DataSpec.limited(all, settings.limit(), settings.seed());
        if (settings.valSplit() > 0) {
            if (resumed != null && !TrainingSettings.splitByClass(resumed)) {
                Datasets.Split s = Datasets.split(data, settings.valSplit(), settings.seed());
                return new Split(s.train(), s.validation());
            }
            try {
                Datasets.Split s = Datasets.stratifiedSplit(data, settings.valSplit(), settings.seed());
                return new Split(s.train(), s.validation());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("validation split " + settings.valSplit() + ": " + data.size()
                        + " pictures in " + data.numClasses() + " classes cannot give one without taking a class's"
                        + " only picture (every class keeps a training picture); give more pictures or --val-split 0",
                        e);
            }
        }
        return new Split(data, null);
    }

    /**
     * What a run ended with.
     *
     * @param bestEpoch the epoch kept in {@code out} (1-based; the last one without validation)
     */
    /** A finished run with its settings, as {@code convnet4j train --json} prints it. */
    public record Report(TrainingSettings settings, Result result) {
        /**
         * The epoch whose weights are in {@code out} and why ({@link KeptEpoch}, the words of every command's JSON):
         * with validation data the highest validation accuracy, the first of equal ones, as the checkpoint of the best
         * epoch chose it (the same {@link Monitor}); without, the last epoch. Early stopping ({@code --patience}) ended the run when it ran fewer
         * epochs than {@link TrainingSettings#epochs}.
         */
        public KeptEpoch kept() {
            History h = result.history();
            if (result.validation() == null || h.size() == 0) {
                return KeptEpoch.last(h, settings.epochs(), "the last epoch: no validation data to choose by");
            }
            try {
                return KeptEpoch.best(h, settings.epochs(), Monitor.of(History.VAL_ACCURACY), h.size() < settings.epochs());
            } catch (IllegalArgumentException noFiniteAccuracy) {
                return KeptEpoch.last(h, settings.epochs(), "the last epoch: no epoch had a finite validation accuracy");
            }
        }

        /**
         * A pretty-printed JSON object: model, data, sample counts, the epochs run and allowed, the epoch kept in
         * {@code out} and why, whether early stopping ended the run, the kept epoch's validation loss and accuracy
         * ({@link KeptEpoch#tree}), the two checkpoint files, seconds and the per-epoch {@code history}.
         * {@code best_epoch} repeats {@code kept_epoch} under its old name, for one release.
         */
        public String toJson() {
            com.google.gson.JsonObject o = new com.google.gson.JsonObject();
            o.addProperty("model", settings.model());
            o.addProperty("data", settings.data());
            o.addProperty("train_samples", result.train().size());
            o.addProperty("val_samples", result.validation() == null ? 0 : result.validation().size());
            KeptEpoch kept = kept();
            kept.tree().forEach((k, v) -> o.add(k, org.convnet4j.internal.json.Json.toTree(v)));
            o.addProperty("best_epoch", kept.epoch()); // the old name of kept_epoch: remove in the next release
            o.addProperty("out", result.out().toString());
            o.addProperty("last", result.last().toString());
            o.addProperty("seconds", result.seconds());
            List<String> skipped = result.skipped();
            o.addProperty("skipped", skipped.size());
            com.google.gson.JsonArray first = new com.google.gson.JsonArray();
            skipped.stream().limit(Result.NAMED).forEach(first::add);
            o.add("skipped_first", first);
            o.add(KeptEpoch.HISTORY, org.convnet4j.internal.json.Json.parseArray(result.history().toJson(), "history"));
            return org.convnet4j.internal.json.Json.toPretty(o);
        }

        /**
         * What {@code train} prints when the run is over: the skipped pictures (if any), the best validation accuracy
         * and its epoch (with validation data), then the files written (the model, the last epoch's checkpoint to
         * resume from, {@code curves}: a picture of the training curves, or null) and the run's seconds.
         */
        public String summary(Path curves) {
            StringBuilder s = new StringBuilder();
            if (!result.skipped().isEmpty()) {
                s.append(result.skippedLine()).append(System.lineSeparator());
            }
            if (result.history().size() > 0 && result.validation() != null) {
                s.append(String.format(Locale.ROOT, "best validation accuracy %.4f at epoch %d%n",
                        result.bestValidationAccuracy(), result.bestEpoch()));
            }
            return s.append(String.format(Locale.ROOT, "wrote %s (%s), %s (last epoch, for --resume)%s; %.1f s%n",
                    result.out(), result.validation() == null ? "last epoch" : "best epoch", result.last(),
                    curves == null ? "" : ", " + curves, result.seconds())).toString();
        }
    }

    public record Result(Model model, Preprocessing preprocessing, History history, Path out, Path last,
                         int bestEpoch, Dataset train, Dataset validation, double seconds) {
        /** How many skipped pictures a summary names (all are counted). */
        public static final int NAMED = 5;

        /**
         * The pictures of the data's folder left out of the run, "file: reason" each in path order (a folder loaded
         * with {@code OnBadFile.SKIP}, e.g. {@code DataSpec.onBadFile}); empty for other data.
         */
        public List<String> skipped() {
            return org.convnet4j.dataspec.DataSpec.skippedPictures(train);
        }

        /** One line naming the skipped pictures (the first {@value #NAMED}) and their count, or "" if none. */
        public String skippedLine() {
            List<String> s = skipped();
            if (s.isEmpty()) {
                return "";
            }
            return String.format(java.util.Locale.ROOT, "skipped %d picture(s) that cannot be decoded: %s%s", s.size(),
                    String.join("; ", s.subList(0, Math.min(NAMED, s.size()))), s.size() > NAMED ? "; ..." : "");
        }

        /** The best validation accuracy, or NaN without validation or epochs. */
        public double bestValidationAccuracy() {
            if (validation == null || history.size() == 0) {
                return Double.NaN;
            }
            Double v = history.epochs().get(bestEpoch - 1).get(History.VAL_ACCURACY);
            return v == null ? Double.NaN : v;
        }
    }

    /**
     * Trains (or continues) the run and writes its files.
     *
     * @throws org.convnet4j.train.TrainingDivergedException when the loss stops being finite (the last good
     *         epoch is in {@link TrainingSettings#lastFile()}, if any finished)
     */
    public Result run() throws IOException {
        Path out = settings.out();
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("out " + out + ": directory " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) { // a read-only folder: said now, not when the first epoch is saved
            throw new IllegalArgumentException("out " + out + ": directory " + dir + " is not writable");
        }
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("out " + out + ": is a directory; give a file name such as "
                    + out.resolve("model.c4j"));
        }
        Preprocessing prep = Preprocessing.forInput(settings.inputShape());
        Split split = split();
        Model net;
        try {
            net = ModelZoo.build(settings.model(), settings.inputShape(), all.numClasses());
        } catch (IllegalArgumentException e) {
            // e.g. a dense layer sized by a huge input over the memory budget: say which setting made it
            throw new IllegalArgumentException((settings.input() != null ? "input " + settings.inputShape()
                    : "model " + settings.model()) + ": " + e.getMessage(), e);
        }
        net.setClassNames(all.classNames());
        // the batch the options ask for (no larger than the training set), on this model: weights, gradients,
        // optimiser state, activations and their gradients (ModelSummary's lower bound), before any is allocated
        int batch = Math.max(1, Math.min(settings.batch(), split.train().size()));
        MemoryBudget.requireSetting("batch " + settings.batch(), "training " + settings.model() + " on "
                + settings.inputShape() + " in batches of " + batch,
                ModelSummary.of(net).trainingMemoryBytes(batch, settings.optimizer().equals("sgd") ? (settings.momentum() > 0 ? 1 : 0) : 2));
        net.initialize(settings.seed());
        if (resumed != null) {
            ModelFiles.requireSameArchitecture(resumed, net, String.valueOf(resumedFrom));
        }
        Optimizer opt = settings.optimizer().equals("sgd")
                ? new Sgd(net, settings.lr()).momentum(settings.momentum()) : new Adam(net, settings.lr());
        TrainConfig config = TrainConfig.builder(opt).epochs(settings.epochs()).batchSize(settings.batch())
                .seed(settings.seed()).build();

        Path last = settings.lastFile();
        CheckpointListener checkpoints = new CheckpointListener()
                .describedBy(m -> settings.savedInto(ModelFiles.describe(m, prep)))
                .saveLast(last);
        if (split.validation() != null) {
            checkpoints.saveBest(out, Monitor.of(History.VAL_ACCURACY));
        }
        Trainer trainer = new Trainer(config).engine(engine);
        listeners.forEach(trainer::addListener);
        if (settings.patience() != null) {
            trainer.addListener(new EarlyStopping(History.VAL_ACCURACY, settings.patience(), EarlyStopping.AtEnd.KEEP_LAST));
        }
        trainer.addListener(checkpoints);
        long start = System.nanoTime();
        History history = resumed != null ? trainer.resume(resumed, net, split.train(), split.validation())
                : trainer.fit(net, split.train(), split.validation());
        double seconds = (System.nanoTime() - start) / 1e9;
        if (split.validation() == null && Files.exists(last)) {
            // without validation the last epoch is the model to keep
            // through a temporary file: a full disk or a kill mid-copy must not cost the previous model
            try {
                org.convnet4j.util.AtomicFiles.copy(last, out);
            } catch (java.io.IOException e) {
                // the training is not lost with the copy: say where it is
                throw new java.io.IOException(e.getMessage() + "; the trained model is in " + last, e);
            }
        }
        if (Files.exists(out)) {
            // for 'advise --base': how the kept model's penultimate features spread on its own training data
            // (where the engine can compute them, e.g. on a cluster's executors, it does)
            SavedFeatureStatistics.addTo(out, split.train(), SavedFeatureStatistics.SAMPLES,
                    engine instanceof SavedFeatureStatistics.Computer c ? c : SavedFeatureStatistics.IN_PROCESS);
        }
        int bestEpoch = split.validation() == null ? history.size() : checkpoints.bestEpoch();
        return new Result(net, prep, history, out, last, bestEpoch, split.train(), split.validation(), seconds);
    }
}
