package org.convnet4j.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.convnet4j.data.Dataset;
import org.convnet4j.fusion.EarlyFusion;
import org.convnet4j.fusion.IntermediateFusion;
import org.convnet4j.fusion.Join;
import org.convnet4j.fusion.LateFusion;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.internal.json.Json;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.History;
import org.convnet4j.train.KeptEpoch;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Adam;

/**
 * The fusion training protocol of {@code convnet4j fuse}, as a library call. The data are split (seeded) into
 * training and validation parts; then
 * <ul>
 *   <li>{@code early}: the inputs are stacked as channels and one network learns from them;</li>
 *   <li>{@code intermediate}: one branch per input, cut after its {@code joinAt} layer, joined, trained end to end
 *       (pretrained branches keep their loaded weights; {@link BranchWeights#FROZEN} keeps them fixed);</li>
 *   <li>{@code late}: one member per input trained on its own (a pretrained member is used as loaded), then their
 *       probabilities combined; {@code weighted} and {@code stack} fit the combiner on a fitting split of the
 *       training part, never on the validation part.</li>
 * </ul>
 * Save the result with {@link org.convnet4j.fusion.FusionClassifier#save}.
 */
public final class FusionRun {
    private FusionRun() {
    }

    /** One branch (or member, or the early network): its model and the layer it is cut after (null: whole). */
    public record Branch(Model model, String joinAt) {
        public Branch {
            Objects.requireNonNull(model, "model");
        }

        /** True when every parameter holds loaded weights (a pretrained model read from a file). */
        public boolean pretrained() {
            List<Parameter> ps = model.parameters();
            return !ps.isEmpty() && ps.stream().allMatch(Parameter::isLoaded);
        }
    }

    /** Intermediate fusion: whether the branches learn with the rest of the network. */
    public enum BranchWeights {
        /** Trained end to end with the join, shared layers and head (pretrained ones start from their weights). */
        TRAINED,
        /** Kept fixed (typically pretrained branches); only what follows the join learns. */
        FROZEN
    }

    /** Makes the network of one input ({@code input} is null for early fusion's single network). */
    @FunctionalInterface
    public interface Branches {
        Branch branch(String input, Shape shape, int classes);
    }

    /**
     * The settings of a fusion run.
     *
     * @param mode     early, intermediate or late
     * @param join     intermediate: how branch features are joined
     * @param branches intermediate: whether the branches' weights are trained with the rest or kept fixed
     * @param combine  late: how member probabilities are combined
     * @param fitSplit late weighted/stack: fraction of the training part kept for fitting the combiner
     */
    public record Settings(String mode, Join join, BranchWeights branches, DecisionFusion.Mode combine,
                           double fitSplit, int epochs, int batch, double lr, double valSplit, long seed) {
        /**
         * @deprecated {@code freezeBranches} as a positional boolean is unclear at the call site: use the
         *             constructor with {@link BranchWeights}
         */
        @Deprecated
        public Settings(String mode, Join join, boolean freezeBranches, DecisionFusion.Mode combine, double fitSplit,
                        int epochs, int batch, double lr, double valSplit, long seed) {
            this(mode, join, freezeBranches ? BranchWeights.FROZEN : BranchWeights.TRAINED, combine, fitSplit, epochs,
                    batch, lr, valSplit, seed);
        }

        /** @deprecated use {@link #branches()} */
        @Deprecated
        public boolean freezeBranches() {
            return branches == BranchWeights.FROZEN;
        }

        public Settings {
            java.util.Objects.requireNonNull(branches, "branches");
            mode = mode.toLowerCase(Locale.ROOT);
            if (!List.of("early", "intermediate", "late").contains(mode)) {
                throw new IllegalArgumentException("mode: '" + mode + "' is not early, intermediate or late");
            }
            if (epochs < 1 || batch < 1 || !(valSplit > 0 && valSplit < 1)) {
                throw new IllegalArgumentException("epochs and batch must be at least 1, val-split between 0 and 1");
            }
            if (!(fitSplit > 0 && fitSplit < 1)) {
                throw new IllegalArgumentException("fit-split must be between 0 and 1, got " + fitSplit);
            }
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("lr: must be a positive number, got " + lr);
            }
        }

        /** The command line's defaults: concat join, mean combination, 3 epochs of 64, Adam 0.002, 10% validation. */
        public static Settings of(String mode) {
            return new Settings(mode, Join.CONCAT, BranchWeights.TRAINED, DecisionFusion.Mode.MEAN, 0.15, 3, 64, 0.002, 0.1, 42);
        }
    }

    /**
     * What a fusion run produced.
     *
     * @param memberAccuracy late fusion: each member's validation accuracy on its own (empty otherwise)
     * @param memberWeights  late weighted fusion: the fitted member weights (null otherwise)
     */
    public record Result(Graph model, Metrics validation, Map<String, Double> memberAccuracy, float[] memberWeights,
                         int trainSamples, int validationSamples, double seconds, History history,
                         Map<String, History> memberHistory) {
        public Result {
            history = history == null ? new History() : history;
            memberHistory = memberHistory == null ? Map.of() : java.util.Collections.unmodifiableMap(
                    new LinkedHashMap<>(memberHistory));
        }

        /** A result without per-epoch histories (as before they were kept). */
        public Result(Graph model, Metrics validation, Map<String, Double> memberAccuracy, float[] memberWeights,
                      int trainSamples, int validationSamples, double seconds) {
            this(model, validation, memberAccuracy, memberWeights, trainSamples, validationSamples, seconds, null, null);
        }

        /**
         * What the model file records of this training ({@link org.convnet4j.fusion.FusionClassifier#save(Graph,
         * java.nio.file.Path, String, Map, org.convnet4j.fusion.FusionClassifier.Training)}): the pictures that trained
         * it, those held out and the accuracy on them.
         */
        public org.convnet4j.fusion.FusionClassifier.Training training() {
            return new org.convnet4j.fusion.FusionClassifier.Training(trainSamples, validationSamples,
                    validation.accuracy());
        }

        /** Why a fusion fit's weights are its last epoch's, in {@link KeptEpoch}'s words. */
        public static final String LAST_EPOCH = "the last epoch: fuse trains its epochs without early stopping and"
                + " keeps the weights they end with";

        /**
         * The epoch whose weights the fused network ended with and why (early and intermediate fusion: the last of
         * its {@code maxEpochs}); for late fusion, whose members train one by one, {@link #memberKept}.
         */
        public KeptEpoch kept(int maxEpochs) {
            return KeptEpoch.last(history, maxEpochs, LAST_EPOCH);
        }

        /** Late fusion: each trained member's kept epoch and why, by input name (pretrained members are absent). */
        public Map<String, KeptEpoch> memberKept(int maxEpochs) {
            Map<String, KeptEpoch> m = new LinkedHashMap<>();
            memberHistory.forEach((name, h) -> m.put(name, KeptEpoch.last(h, maxEpochs, LAST_EPOCH)));
            return m;
        }
        /**
         * Late fusion: one line per member ("member 'edges' alone: validation accuracy 0.7120") and, when fitted,
         * one with the member weights; empty for the other modes.
         */
        public List<String> memberLines() {
            List<String> lines = new java.util.ArrayList<>();
            memberAccuracy.forEach((name, acc) -> lines.add(String.format(Locale.ROOT,
                    "member '%s' alone: validation accuracy %.4f", name, acc)));
            if (memberWeights != null) {
                lines.add("fitted member weights " + java.util.Arrays.toString(memberWeights) + " for "
                        + memberAccuracy.keySet());
            }
            return lines;
        }
    }

    /**
     * A finished training as {@code convnet4j fuse --json} prints it.
     *
     * @param sources      NAME -> SOURCE of the inputs
     * @param out          where the model was saved
     * @param confusionPng the validation confusion matrix's picture, or null
     */
    public record Report(Settings settings, Map<String, String> sources, Result result, java.nio.file.Path out,
                         java.nio.file.Path confusionPng) {
        /** "validation accuracy A (loss L) on N samples; wrote OUT; S s". */
        public String summary() {
            return String.format(Locale.ROOT, "validation accuracy %.4f (loss %.4f) on %d samples; wrote %s; %.1f s",
                    result.validation().accuracy(), result.validation().loss(), result.validationSamples(), out,
                    result.seconds());
        }

        /**
         * One compact JSON object: member accuracies (late), mode, inputs, sizes, validation metrics, files. The
         * training in {@link KeptEpoch}'s words, as {@code train --json} and {@code transfer --json} give it: early
         * and intermediate fusion {@code epochs}, {@code max_epochs}, {@code kept_epoch}, {@code kept_because},
         * {@code early_stop} and the per-epoch {@code history}; late fusion the same for each trained member under
         * {@code members} (with its {@code input} name; a pretrained member says so in {@code kept_because}).
         * {@code val_accuracy} and {@code val_loss} are the fused model's on the validation part.
         */
        public String toJson() {
            com.google.gson.JsonObject o = new com.google.gson.JsonObject();
            if (!result.memberAccuracy().isEmpty()) {
                o.add("member_val_accuracy", Json.toTree(result.memberAccuracy()));
                o.addProperty("combine", settings.combine().id());
            }
            o.addProperty("mode", settings.mode());
            o.add("inputs", Json.toTree(sources));
            o.addProperty("train_samples", result.trainSamples());
            o.addProperty("val_samples", result.validationSamples());
            if (result.memberAccuracy().isEmpty()) {
                result.kept(settings.epochs()).tree().forEach((k, v) -> o.add(k, Json.toTree(v)));
                o.add(KeptEpoch.HISTORY, Json.parseArray(result.history().toJson(), "history"));
            } else {
                o.addProperty(KeptEpoch.EPOCHS, settings.epochs()); // each trained member's
                o.addProperty(KeptEpoch.MAX_EPOCHS, settings.epochs());
                com.google.gson.JsonArray members = new com.google.gson.JsonArray();
                Map<String, KeptEpoch> kept = result.memberKept(settings.epochs());
                for (String name : result.memberAccuracy().keySet()) {
                    com.google.gson.JsonObject m = new com.google.gson.JsonObject();
                    m.addProperty("input", name);
                    if (kept.containsKey(name)) {
                        kept.get(name).tree().forEach((k, v) -> m.add(k, Json.toTree(v)));
                        m.add(KeptEpoch.HISTORY, Json.parseArray(result.memberHistory().get(name).toJson(), "history"));
                    } else {
                        m.addProperty(KeptEpoch.KEPT_BECAUSE, "pretrained: used as loaded, not trained");
                    }
                    members.add(m);
                }
                o.add("members", members);
            }
            o.addProperty("val_accuracy", result.validation().accuracy());
            o.addProperty("val_loss", result.validation().loss());
            o.addProperty("seconds", result.seconds());
            o.addProperty("out", out.toString());
            o.add("val_confusion", Json.parseObject(result.validation().confusion().toJson(), "confusion matrix"));
            if (confusionPng != null) {
                o.addProperty("confusion_png", confusionPng.toString());
            }
            return Json.toCompact(o);
        }
    }

    /**
     * A saved fusion model measured on test data, as {@code convnet4j fuse --evaluate --json} prints it.
     *
     * @param model      the model's name (its file)
     * @param corruption what was done to an input ("none", or {@link org.convnet4j.fusion.Corruption.Named#label})
     */
    public record Evaluation(String model, int samples, String corruption, Metrics metrics) {
        /** "MODEL on N samples (corruption: C): accuracy A, loss L". */
        public String summary() {
            return String.format(Locale.ROOT, "%s on %d samples (corruption: %s): accuracy %.4f, loss %.4f", model,
                    samples, corruption, metrics.accuracy(), metrics.loss());
        }

        /** The metrics' JSON object with model, samples and corruption added, compact. */
        public String toJson() {
            com.google.gson.JsonObject o = Json.parseObject(metrics.toJson(), "metrics");
            o.addProperty("model", model);
            o.addProperty("samples", samples);
            o.addProperty("corruption", corruption);
            return Json.toCompact(o);
        }
    }

    /**
     * Measures a saved multi-input model {@code g} (named {@code name}) on {@code data} (in its input order, see
     * {@link org.convnet4j.fusion.FusionSources#loadFor}), with one input damaged as {@code corruption} says, or
     * clean when it is null: accuracy, cross-entropy loss and confusion matrix.
     */
    public static Evaluation evaluate(Graph g, String name, MultiInputDataset data,
                                      org.convnet4j.fusion.Corruption.Named corruption) {
        MultiInputDataset d = corruption == null ? data : data.corrupted(corruption.input(), corruption.corruption());
        Metrics m = Trainer.evaluate(g, d, 256, new SoftmaxCrossEntropy());
        return new Evaluation(name, d.size(), corruption == null ? "none" : corruption.label(), m);
    }

    /** Trains a fusion model on {@code data}; listeners see every training (members one after another). */
    public static Result train(MultiInputDataset data, Settings s, Branches branches, TrainingListener... listeners) {
        MultiInputDataset.Split split = data.split(s.valSplit(), s.seed());
        long start = System.nanoTime();
        int classes = data.numClasses();
        Graph model;
        Map<String, Double> memberAccuracy = new LinkedHashMap<>();
        History history = null;
        Map<String, History> memberHistory = new LinkedHashMap<>();
        switch (s.mode()) {
            case "early" -> {
                model = EarlyFusion.build(data.shapesByName(), shape -> branches.branch(null, shape, classes).model());
                model.initialize(s.seed());
                history = fit(model, split.train(), split.validation(), s, listeners);
            }
            case "intermediate" -> {
                IntermediateFusion.Builder b = IntermediateFusion.builder(classes).join(s.join());
                for (Map.Entry<String, Shape> e : data.shapesByName().entrySet()) {
                    Branch br = branches.branch(e.getKey(), e.getValue(), classes);
                    if (s.branches() == BranchWeights.FROZEN) {
                        b.frozenBranch(e.getKey(), br.model(), br.joinAt());
                    } else {
                        b.branch(e.getKey(), br.model(), br.joinAt());
                    }
                }
                model = b.build();
                model.initialize(s.seed()); // pretrained branches keep their loaded weights
                history = fit(model, split.train(), split.validation(), s, listeners);
            }
            default -> {
                boolean fits = s.combine() == DecisionFusion.Mode.WEIGHTED || s.combine() == DecisionFusion.Mode.STACK;
                MultiInputDataset memberData = split.train();
                MultiInputDataset fitData = null;
                if (fits) {
                    MultiInputDataset.Split s2 = split.train().split(s.fitSplit(), s.seed() + 1);
                    memberData = s2.train();
                    fitData = s2.validation();
                }
                Map<String, Model> members = new LinkedHashMap<>();
                for (Map.Entry<String, Shape> e : data.shapesByName().entrySet()) {
                    String name = e.getKey();
                    Branch br = branches.branch(name, e.getValue(), classes);
                    Model m = br.model();
                    m.setClassNames(data.classNames());
                    if (!br.pretrained()) {
                        m.initialize(s.seed());
                        memberHistory.put(name, fit(m, memberData.input(name), split.validation().input(name), s,
                                listeners));
                    }
                    memberAccuracy.put(name, Trainer.evaluate(m, split.validation().input(name), 256).accuracy());
                    members.put(name, m);
                }
                model = fits ? LateFusion.fit(members, fitData, s.combine()) : LateFusion.build(members, s.combine());
            }
        }
        model.setClassNames(data.classNames());
        Metrics val = Trainer.evaluate(model, split.validation(), 256, new SoftmaxCrossEntropy());
        float[] weights = null;
        if (s.mode().equals("late")) {
            weights = ((DecisionFusion) model.node("fusion").layer()).weights();
        }
        return new Result(model, val, memberAccuracy, weights, split.train().size(), split.validation().size(),
                (System.nanoTime() - start) / 1e9, history, memberHistory);
    }

    /** Trains from the current weights with Adam (callers initialise; pretrained branches keep theirs). */
    private static History fit(Model m, Dataset train, Dataset val, Settings s, TrainingListener[] listeners) {
        TrainConfig cfg = TrainConfig.builder(new Adam(m, s.lr())).epochs(s.epochs()).batchSize(s.batch())
                .seed(s.seed()).build();
        Trainer t = new Trainer(cfg);
        for (TrainingListener l : listeners) {
            t.addListener(l);
        }
        return t.fit(m, train, val);
    }
}
