package org.convnet4j.transfer;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.ClassNames;
import org.convnet4j.nn.InferenceBuffers;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.ConfusionMatrix;
import org.convnet4j.train.History;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.PhaseListener;
import org.convnet4j.train.SolverFitEvents;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.optim.Sgd;

/**
 * One transfer case carried out on target data and evaluated on held-out data: Case 0 predicts, Case 1 fits
 * the shallow classifier on bottleneck features, Cases 2-4 train with {@link FineTuning}. Shared by the
 * {@code transfer} command, the advisor's trials and the experiment.
 */
public final class TransferRun {
    /**
     * What a run gives: the model to save, its held-out accuracy, seconds, the plan, the history (every epoch of
     * every phase; for Case 1 one row, its classifier's fit with the training loss and accuracy; empty for Case 0),
     * the phases of gradient training (empty for Cases 0 and 1), the validation accuracy of the early-stopped
     * model that chose the epochs (NaN for 0 and 1), and the phases of the refit on all the training data (empty
     * without refit).
     */
    public record Outcome(Sequential model, double accuracy, double seconds, TransferPlan plan, History history,
                          List<FineTuning.Phase> phases, double validationAccuracy, List<FineTuning.Phase> refit) {
        public Outcome {
            phases = List.copyOf(phases);
            refit = List.copyOf(refit);
        }

        /**
         * The training phase by phase, each with its epochs: the gradient phases of Cases 2-4; for Case 1 its one
         * phase, the classifier fitted on the frozen base's features, with its one row (train loss and accuracy);
         * empty for Case 0.
         */
        public TransferHistory transferHistory() {
            if (plan.transferCase() == TransferCase.BOTTLENECK && history.size() > 0
                    && model.layers().get(model.layers().size() - 1) instanceof ShallowClassifierLayer l) {
                FineTuning.Phase p = new FineTuning.Phase(1, case1Title(l.algorithm()), List.of(l.name()), 0, 1, 1, 1,
                        Double.NaN, Double.NaN);
                List<Map<String, Double>> rows = history.epochs().stream().map(r -> {
                    Map<String, Double> m = new java.util.LinkedHashMap<>(r);
                    m.remove(FineTuning.PHASE);
                    return m;
                }).toList();
                return new TransferHistory(plan.frozenLayers(), List.of(new TransferHistory.PhaseEpochs(p, rows,
                        CASE_1_KEPT, null)), List.of());
            }
            return phases.isEmpty() ? TransferHistory.empty()
                    : TransferHistory.of(plan.frozenLayers(), phases, refit, history);
        }
    }

    /**
     * Case 1's one history row: epoch 1, the classifier's training loss and accuracy ({@link Bottleneck.Fitted}),
     * the seconds of features and fit, phase 1 (no validation figures: Case 1 fits on all its training pictures).
     */
    static Map<String, Double> case1Row(Bottleneck.Fitted fit, double seconds) {
        Map<String, Double> row = new java.util.LinkedHashMap<>();
        row.put(History.EPOCH, 1.0);
        row.put(History.TRAIN_LOSS, fit.trainLoss());
        row.put(History.TRAIN_ACCURACY, fit.trainAccuracy());
        row.put(History.SECONDS, seconds);
        row.put(FineTuning.PHASE, 1.0);
        return row;
    }

    /** The line Case 1's fit prints, as the head phase of Cases 2 and 3 prints its own. */
    static String case1Line(String classifier, Bottleneck.Fitted fit) {
        return String.format(java.util.Locale.ROOT, "phase 1: %s; one fit on %d pictures x %d"
                + " features (no epochs): train loss %.4f, accuracy %.4f", case1Title(classifier), fit.pictures(),
                fit.features(), fit.trainLoss(), fit.trainAccuracy());
    }

    /** What Case 1 trains, in the words of its phase ({@link PhaseListener}, {@code transfer --json}). */
    static String case1Title(String classifier) {
        return "features of the frozen base, then the " + classifier + " classifier fitted on them";
    }

    /** Why Case 1's one row is the epoch kept. */
    static final String CASE_1_KEPT = "the classifier as fitted on all the training pictures (one fit:"
            + " no epochs to choose, no validation split)";

    /** The seed Case 1's shallow classifier is created with (liblinear's logistic regression does not use it). */
    public static final long CASE_1_SEED = 1;

    private TransferRun() {
    }

    /**
     * Runs {@code plan} on {@code train} and measures accuracy on {@code test}. {@code classifier}: Case 1's
     * algorithm; {@code cache} may be null; {@code log} (may be null) gets the phases and epoch lines.
     */
    public static Outcome run(TransferPlan plan, Dataset train, Dataset test, String classifier,
                              FineTuneSettings settings, FeatureCache cache, Consumer<String> log,
                              List<TrainingListener> listeners, FeatureExtractor.Progress progress) throws IOException {
        long start = System.nanoTime();
        Sequential model;
        History history = new History();
        List<FineTuning.Phase> phases = List.of();
        List<FineTuning.Phase> refit = List.of();
        double val = Double.NaN;
        switch (plan.transferCase()) {
            case PREDICT -> {
                model = plan.model();
                if (!plan.partialClasses()) {
                    requireKnownClasses(model, test.classNames());
                }
                // a dashboard hears of Case 0 as a phase that only evaluates: the test pictures answered, then the
                // confusion matrix in the target's classes and the class map (no training event comes)
                PhaseListener.started(listeners, 1, "evaluation only: the base answers with its own "
                        + model.outputShape().dim(0) + " classes; nothing is trained");
            }
            case BOTTLENECK -> {
                // a dashboard hears of Case 1 as of the head phase of Cases 2 and 3: the phase, the frozen base's
                // features coming, then the classifier's fit as one epoch of one step (and the confusion at its end)
                PhaseListener.started(listeners, 1, case1Title(classifier));
                Bottleneck.Fitted fit = Bottleneck.fitScored(plan, train, classifier, CASE_1_SEED, cache, 256,
                        FineTuning.told(listeners, progress));
                model = fit.model();
                history.add(case1Row(fit, (System.nanoTime() - start) / 1e9));
                if (log != null) {
                    log.accept(case1Line(classifier, fit));
                }
                SolverFitEvents.report(listeners, model, TrainConfig.builder(new Sgd(List.of(), 0)).epochs(1)
                        .batchSize(train.size()).build(), train.size(), history.epochs().get(0));
            }
            default -> {
                FineTuning.Result r = FineTuning.fit(plan, train, settings, log, listeners, progress);
                model = r.model();
                history = r.history();
                phases = r.phases();
                refit = r.refit();
                val = r.validationAccuracy();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double acc;
        if (plan.transferCase() == TransferCase.PREDICT) {
            acc = ByNameEvaluation.accuracy(model, test, log, listeners);
        } else {
            Metrics m = Trainer.evaluate(model, test, 256);
            acc = m.accuracy();
            // a dashboard's last word on the run: the final model's confusion on the test set (a phase trained on the
            // frozen layers' cached outputs ends without one: its model is only the layers after them)
            PhaseListener.evaluated(listeners, m.confusion(), test.size(), Map.of());
        }
        return new Outcome(model, acc, seconds, plan, history, phases, val, refit);
    }

    /**
     * Case 0 can only answer with the base's own classes: a target class it does not know (matched by name,
     * leniently) would be scored as always wrong. Refused naming the classes the base lacks, unless the caller asked
     * for it explicitly ({@link TransferOptions#withPartialClasses}; {@code transfer --case 0 --partial-classes}).
     *
     * @throws IllegalArgumentException naming the target's classes the base lacks and the base's classes
     */
    public static void requireKnownClasses(Sequential base, List<String> targetClasses) {
        List<String> own = base.classNames().isEmpty()
                ? ConfusionMatrix.numberedClasses(base.outputShape().dim(0)) : base.classNames();
        ClassNames.Match m = ClassNames.match(targetClasses, own);
        if (!m.complete()) {
            throw new IllegalArgumentException("Case 0: the base does not know the target's classes " + m.unmatched()
                    + " (its classes: " + own + "), so it can only answer them wrong; map the classes it knows with"
                    + " --partial-classes (TransferOptions.withPartialClasses), or train a new head (cases 1-4)");
        }
    }

    /**
     * Case 0: the base answers with its own classes, so an answer is right when the predicted class is the true
     * one by name, matched leniently ({@link ClassNames}; what matched only leniently or not at all goes to
     * {@code log}). 0 when the base knows none of the target's classes.
     */
    public static double accuracyByName(Sequential model, Dataset test, Consumer<String> log) {
        return ByNameEvaluation.accuracy(model, test, log, List.of());
    }

    /** A batch's outputs: samples {@code start .. start + count} of the data set, row i at {@code out[i * k]}. */
    interface BatchOutputs {
        void accept(int start, int count, float[] out, int k);
    }

    /**
     * Runs {@code model} over every sample of {@code data} in batches of 256 and hands each batch's outputs to
     * {@code sink}, in order; the thread keeps no data-sized arrays afterwards (its inference buffers are released).
     */
    static void predictInBatches(Sequential model, Dataset data, BatchOutputs sink) {
        int n = data.size();
        int size = data.sampleShape().size();
        try (InferenceBuffers.Scope scope = InferenceBuffers.scope()) {
            for (int start = 0; start < n; start += 256) {
                int b = Math.min(256, n - start);
                Tensor x = Tensor.zeros(data.sampleShape().prepend(b));
                for (int i = 0; i < b; i++) {
                    data.copySample(start + i, x.data(), i * size);
                }
                Tensor out = model.predict(x);
                sink.accept(start, b, out.data(), out.dim(1));
            }
        }
    }
}
