package org.convnet4j.transfer;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.tensor.RowOps;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.EarlyStopping;
import org.convnet4j.train.History;
import org.convnet4j.train.LogListener;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.PhaseListener;
import org.convnet4j.train.SolverFitEvents;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.ParamGroup;
import org.convnet4j.train.optim.Sgd;

/**
 * Trains a gradient plan (Cases 2, 3, 4) the way practitioners fine-tune (Keras' "Transfer learning &amp;
 * fine-tuning" guide, fast.ai's {@code fine_tune}, cs231n's notes):
 * <ol>
 *   <li><b>Head phase</b> (Cases 2 and 3): everything but the new head is frozen and the head is trained at the
 *       normal rate ({@link TransferOptions#scratchLr}) until the validation loss stops improving (at most
 *       {@link FineTuneSettings#maxHeadEpochs}). A freshly initialised head trained at the small fine-tuning rate
 *       learns almost nothing in a few epochs, and its large early gradients would wreck the pretrained layers
 *       if they were unfrozen with it; so the head learns first, alone.</li>
 *   <li><b>Fine-tuning phase</b>: the plan's own freeze state (Case 2: the last N layers with weights; Case 3:
 *       all) at the plan's small rate, again with early stopping on the validation loss.</li>
 * </ol>
 * Each phase keeps its best epoch's weights; if fine-tuning never beats the head phase on the validation loss,
 * the head phase's weights are kept. Case 4 has one phase at the from-scratch rate. Frozen layers (batch norm
 * included) run in inference mode, so frozen batch norm keeps its running statistics; frozen leading layers are
 * computed once per phase ({@link TransferTraining}'s prefix cache).
 *
 * <p>The validation data is a seeded split of the training data stratified by class ({@link #validationSplit},
 * {@link FineTuneSettings#validationFraction}).
 * With {@link FineTuneSettings#refit} (the default), the split only chooses the epoch counts: the model is then
 * put back to its starting weights and trained again on all the training data, validation pictures included, for
 * the kept epochs of each kept phase (no early stopping, nothing held out), as Keras' and scikit-learn's users do
 * after a validation run. The returned history has every epoch of both phases, numbered on, with a {@value #PHASE}
 * column (1 or 2), and the refit's epochs after them with {@value #REFIT} = 1 (no validation figures).
 */
public final class FineTuning {
    /** History column: 1 = head phase, 2 = fine-tuning phase (Case 4's single phase counts as 2). */
    public static final String PHASE = "phase";
    /** History column: 1 on the epochs of the refit on all the training data. */
    public static final String REFIT = "refit";
    /** The logistic-regression head's inverse regularisation, Case 1's {@code logreg} C. */
    static final double HEAD_C = 1.0;
    static final int HEAD_MAX_ITERATIONS = 1000;
    /** Case 1's default classifier, the head of {@link FineTuneSettings.HeadFit#CASE_1}. */
    static final String CASE_1_CLASSIFIER = "logreg";

    /**
     * One phase as run: what was trained at which rate, epochs run and the best epoch's validation figures. For a
     * fine-tuning phase that started from a head phase, {@code gained} and {@code lost} count the validation pictures
     * its kept epoch answers right that the head answered wrong, and the reverse, and {@code keepZ} is the McNemar
     * z it had to reach to be kept ({@link FineTuneSettings#keepZ}); -1, -1 and 0 where there was no such comparison.
     * {@code lossGain} is the mean, over the validation pictures, of the head's loss minus the kept epoch's loss on
     * the same picture (positive: fine-tuning fits validation better), {@code lossGainSe} its standard error (the
     * spread of the picture-by-picture differences over the square root of their number), and {@code keepSe} how many
     * of those standard errors the gain had to reach ({@link FineTuneSettings#keepSe}); NaN, NaN and 0 without a
     * comparison.
     */
    public record Phase(int number, String title, List<String> trainedLayers, double learningRate, int maxEpochs,
                        int epochs, int bestEpoch, double bestValidationLoss, double validationAccuracy, int gained,
                        int lost, double keepZ, double lossGain, double lossGainSe, double keepSe) {
        public Phase {
            trainedLayers = List.copyOf(trainedLayers);
        }

        /** A phase with a McNemar comparison but no paired loss figures. */
        public Phase(int number, String title, List<String> trainedLayers, double learningRate, int maxEpochs,
                     int epochs, int bestEpoch, double bestValidationLoss, double validationAccuracy, int gained,
                     int lost, double keepZ) {
            this(number, title, trainedLayers, learningRate, maxEpochs, epochs, bestEpoch, bestValidationLoss,
                    validationAccuracy, gained, lost, keepZ, Double.NaN, Double.NaN, 0);
        }

        /** The paired validation loss gain in its standard errors (NaN without a comparison; infinite for a gain without spread). */
        public double lossGainT() {
            if (Double.isNaN(lossGain) || Double.isNaN(lossGainSe)) {
                return Double.NaN;
            }
            return lossGainSe > 0 ? lossGain / lossGainSe : lossGain > 0 ? Double.POSITIVE_INFINITY
                    : lossGain < 0 ? Double.NEGATIVE_INFINITY : 0;
        }

        /** A phase without a paired comparison with a head phase (gained, lost unknown; no significance asked). */
        public Phase(int number, String title, List<String> trainedLayers, double learningRate, int maxEpochs,
                     int epochs, int bestEpoch, double bestValidationLoss, double validationAccuracy) {
            this(number, title, trainedLayers, learningRate, maxEpochs, epochs, bestEpoch, bestValidationLoss,
                    validationAccuracy, -1, -1, 0);
        }

        /** McNemar's statistic of the paired comparison with the head, (gained - lost) / sqrt(gained + lost); 0 if equal. */
        public double mcNemarZ() {
            return gained + lost <= 0 ? 0 : (gained - lost) / Math.sqrt(gained + lost);
        }

        /** True for a head phase fitted as a logistic regression (no rate, no epochs: {@link SoftmaxRegression}). */
        public boolean convex() {
            return number == 1 && learningRate == 0 && maxEpochs == 0;
        }
    }

    /**
     * The trained model (the plan's model, best weights in place), the history of every epoch, the phases, the
     * kept model's validation accuracy and loss, the validation set itself (for comparing cases fairly), and the
     * phases of the refit on all the training data (empty without refit). After a refit the model holds the refit
     * weights, and the validation figures are those of the early-stopped model that chose the epoch counts (the
     * refit model has seen the validation pictures).
     */
    public record Result(Sequential model, History history, List<Phase> phases, double validationAccuracy,
                         double validationLoss, Dataset validation, double seconds, List<Phase> refit) {
        public Result {
            phases = List.copyOf(phases);
            refit = List.copyOf(refit);
        }

        /** True when the model was trained again on all the training data. */
        public boolean refitted() {
            return !refit.isEmpty();
        }
    }

    private FineTuning() {
    }

    /** As {@link #fit(TransferPlan, Dataset, FineTuneSettings, Consumer, List, FeatureExtractor.Progress)} without listeners. */
    public static Result fit(TransferPlan plan, Dataset train, FineTuneSettings settings, Consumer<String> log) {
        return fit(plan, train, settings, log, List.of(), FeatureExtractor.Progress.NONE);
    }

    /**
     * Fine-tunes on a seeded validation split of {@code train} (see
     * {@link #fit(TransferPlan, Dataset, Dataset, FineTuneSettings, Consumer, List, FeatureExtractor.Progress)}),
     * then, with {@link FineTuneSettings#refit}, trains again from the plan's starting weights on all of
     * {@code train} for the epoch counts the split chose.
     */
    public static Result fit(TransferPlan plan, Dataset train, FineTuneSettings settings, Consumer<String> log,
                             List<TrainingListener> listeners, FeatureExtractor.Progress progress) {
        if (!plan.trainsByGradient()) {
            throw new IllegalArgumentException("FineTuning: " + plan.transferCase() + " is not trained by gradient descent");
        }
        requireClassCount(plan.model(), train);
        long start = System.nanoTime();
        Map<String, Tensor> initial = snapshot(plan.model());
        Datasets.Split split = validationSplit(train, settings);
        Result chosen = fit(plan, split.train(), split.validation(), settings, log, listeners, progress);
        if (!settings.refit()) {
            return chosen;
        }
        Consumer<String> out = log == null ? s -> { } : log;
        Map<String, Tensor> validated = snapshot(plan.model());
        Metrics before = Trainer.evaluate(plan.model(), train, 256, new SoftmaxCrossEntropy());
        loadInto(plan.model(), initial);
        List<Phase> refit = refit(plan, train, settings, out, listeners, progress, chosen.phases(), chosen.history());
        Metrics after = Trainer.evaluate(plan.model(), train, 256, new SoftmaxCrossEntropy());
        boolean convexOnly = refit.stream().allMatch(Phase::convex);
        if (!convexOnly && !(after.loss() <= before.loss())) {
            // the refit must fit the training pictures at least as well as the model it replaces, which saw only
            // part of them: a refit that diverged or collapsed (another data order, one more batch) is discarded.
            // A refit of the convex head alone cannot diverge, and its objective is not this loss (Case 1's
            // one-vs-rest head minimises one binary loss per class): it is Case 1's model on all the pictures, kept
            loadInto(plan.model(), validated);
            out.accept(String.format(Locale.ROOT, "refit discarded: its loss on all %d training pictures is %.4f"
                    + " (accuracy %.4f), the validated model's %.4f (accuracy %.4f); keeping the validated model",
                    train.size(), after.loss(), after.accuracy(), before.loss(), before.accuracy()));
            refit = List.of();
        }
        return new Result(plan.model(), chosen.history(), chosen.phases(), chosen.validationAccuracy(),
                chosen.validationLoss(), chosen.validation(), (System.nanoTime() - start) / 1e9, refit);
    }

    /**
     * The validation split that chooses the epochs and decides whether the tuning is kept: {@link
     * FineTuneSettings#validationFraction} of {@code train}, stratified by class and seeded with {@link
     * FineTuneSettings#seed} ({@link Datasets#stratifiedSplit}, the split {@code train} and {@code fuse} use): each
     * class's count in it is its share within one picture, and every class keeps a training picture.
     *
     * @throws IllegalArgumentException when no class has two pictures to give one to validation
     */
    public static Datasets.Split validationSplit(Dataset train, FineTuneSettings settings) {
        try {
            return Datasets.stratifiedSplit(train, settings.validationFraction(), settings.seed());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fine-tuning's validation split (" + Transfer.number(
                    settings.validationFraction()) + " of the training pictures): " + train.size() + " pictures in "
                    + train.numClasses() + " classes cannot give one without taking a class's only picture; give at"
                    + " least two pictures of a class", e);
        }
    }

    /**
     * Whether the fine-tuning phase is kept over the head phase it started from: only when validation says it is
     * better, a lower validation loss <em>and</em> no lower validation accuracy. Fine-tuning must never end below
     * its own starting point (Case 1's model, with the default head fit) when the validation pictures say so; a
     * lower loss alone can come from sharper probabilities on the pictures already right. With a
     * {@link FineTuneSettings#keepZ} above 0 (recorded in {@code tune}), the gain must also be significant in
     * McNemar's paired test on the validation pictures the two models answer differently: (gained - lost) /
     * sqrt(gained + lost) at least that z (no difference at all is not a gain).
     */
    public static boolean keepsTuning(Phase head, Phase tune) {
        return keepReason(head, tune).kept();
    }

    /** Whether the fine-tuning phase is kept over its head ({@link #keepsTuning}), and why, in words. */
    public record KeepDecision(boolean kept, String reason) {
    }

    /**
     * {@link #keepsTuning} with its reason: which of the rules decided (a lower validation loss, no lower validation
     * accuracy, McNemar's z with {@link FineTuneSettings#keepZ}, the paired loss gain in standard errors with
     * {@link FineTuneSettings#keepSe}), with the figures.
     */
    public static KeepDecision keepReason(Phase head, Phase tune) {
        String figures = String.format(Locale.ROOT, "validation loss %.4f vs the head's %.4f, accuracy %.4f vs %.4f",
                tune.bestValidationLoss(), head.bestValidationLoss(), tune.validationAccuracy(),
                head.validationAccuracy());
        if (!(tune.bestValidationLoss() < head.bestValidationLoss())) {
            return new KeepDecision(false, "no lower validation loss (" + figures + ")");
        }
        if (!(tune.validationAccuracy() >= head.validationAccuracy())) {
            return new KeepDecision(false, "lower validation accuracy (" + figures + ")");
        }
        if (tune.keepZ() > 0 && tune.gained() >= 0 && !(tune.mcNemarZ() >= tune.keepZ())) {
            // and clearly so: on a few validation pictures a gain of two or three answers is noise (seed 2030, Fashion
            // 5-9 at 100 per class: 3 more right of 100 on validation, 5 fewer right of 500 on the test set)
            return new KeepDecision(false, String.format(Locale.ROOT, "McNemar z %.2f < %.2f (%d more right, %d fewer"
                    + " right; %s)", tune.mcNemarZ(), tune.keepZ(), tune.gained(), tune.lost(), figures));
        }
        if (tune.keepSe() > 0 && !Double.isNaN(tune.lossGain()) && !(tune.lossGainT() >= tune.keepSe())) {
            return new KeepDecision(false, String.format(Locale.ROOT, "validation loss gain %.4f is %.2f standard"
                    + " errors (%.4f), below %s (%s)", tune.lossGain(), tune.lossGainT(), tune.lossGainSe(),
                    Transfer.number(tune.keepSe()), figures));
        }
        String more = "";
        if (!Double.isNaN(tune.lossGain())) {
            more = String.format(Locale.ROOT, "; loss gain %.4f = %.2f standard errors", tune.lossGain(), tune.lossGainT());
        }
        return new KeepDecision(true, "lower validation loss and no lower accuracy (" + figures + more + ")");
    }

    /**
     * Whether a two-phase run (Cases 2 and 3) ended with its fine-tuning: the refit trained phase 2 again, or, without
     * a refit, {@link #keepsTuning} kept phase 2 over the head. False when the head alone was kept (then, with the
     * {@link FineTuneSettings.HeadFit#CASE_1} head, the model is Case 1's) and for runs without a head phase.
     */
    public static boolean tuningKept(List<Phase> phases, List<Phase> refit) {
        Phase head = phases.stream().filter(p -> p.number() == 1).findFirst().orElse(null);
        Phase tune = phases.stream().filter(p -> p.number() == 2).findFirst().orElse(null);
        if (head == null || tune == null) {
            return false;
        }
        if (!refit.isEmpty()) {
            return refit.stream().anyMatch(p -> p.number() == 2);
        }
        return keepsTuning(head, tune);
    }

    /**
     * The epoch counts to train again on all the data: the kept epoch of each phase whose weights were kept
     * (phase 2 is dropped when {@link #keepsTuning} says no), in phase order.
     */
    static List<int[]> refitEpochs(List<Phase> phases) {
        Phase head = phases.stream().filter(p -> p.number() == 1).findFirst().orElse(null);
        Phase tune = phases.stream().filter(p -> p.number() == 2).findFirst().orElseThrow();
        List<int[]> out = new ArrayList<>();
        if (head != null) {
            out.add(new int[] {1, head.bestEpoch()});
            if (keepsTuning(head, tune)) {
                out.add(new int[] {2, tune.bestEpoch()});
            }
        } else {
            out.add(new int[] {2, tune.bestEpoch()});
        }
        return out;
    }

    private static List<Phase> refit(TransferPlan plan, Dataset all, FineTuneSettings s, Consumer<String> out,
                                     List<TrainingListener> listeners, FeatureExtractor.Progress progress,
                                     List<Phase> chosen, History history) {
        List<int[]> epochs = refitEpochs(chosen);
        StringBuilder what = new StringBuilder();
        for (int[] e : epochs) {
            boolean cx = e[0] == 1 && chosen.stream().anyMatch(q -> q.number() == 1 && q.convex());
            what.append(what.length() == 0 ? "" : ", ").append("phase ").append(e[0]).append(cx ? " (logistic regression)"
                    : " for " + e[1] + (e[1] == 1 ? " epoch" : " epochs"));
        }
        out.accept(String.format(Locale.ROOT, "refit: from the starting weights again on all %d training pictures"
                + " (validation included): %s", all.size(), what));
        List<Phase> done = new ArrayList<>();
        Sequential model = plan.model();
        for (int[] e : epochs) {
            Phase p = chosen.stream().filter(q -> q.number() == e[0]).findFirst().orElseThrow();
            TransferPlan phasePlan;
            FreezeState planState = FreezeState.of(model);
            if (e[0] == 1 && p.convex()) {
                phasePlan = headOnly(plan);
                Phase again = convexPhase(phasePlan, all, null, out, progress, history, true, s.headFit(), listeners);
                planState.restore();
                done.add(new Phase(1, "refit: " + p.title(), phasePlan.trainedLayers(), 0, 0, again.epochs(),
                        again.bestEpoch(), Double.NaN, Double.NaN));
                continue;
            }
            if (e[0] == 1) {
                phasePlan = headOnly(plan);
            } else {
                phasePlan = new TransferPlan(plan.transferCase(), model, plan.frozenLayers(), plan.trainedLayers(),
                        plan.learningRate(), 0, plan.groups(), plan.cut(), Transfer.prefixLength(model), plan.notes());
            }
            int offset = history.size();
            int number = e[0];
            PhaseListener.started(listeners, number, "refit: " + p.title());
            List<TrainingListener> ls = new ArrayList<>(listeners);
            ls.add(new PhaseRecorder(history, offset, number, true, e[1], out));
            TrainConfig cfg = TrainConfig.builder(new Sgd(List.of(), phasePlan.learningRate())).epochs(e[1])
                    .batchSize(s.batchSize()).seed(s.seed() + number).build();
            TransferTraining.fit(phasePlan, all, null,
                    TransferTraining.Settings.of(cfg).withPrefixCache(true).withListeners(ls)
                    .withProgress(told(listeners, progress)));
            planState.restore();
            done.add(new Phase(number, "refit: " + p.title(), phasePlan.trainedLayers(), phasePlan.learningRate(), e[1],
                    e[1], e[1], Double.NaN, Double.NaN));
        }
        return done;
    }

    /**
     * Trains {@code plan}'s model on {@code train}, stopping and choosing weights on {@code validation} (no refit:
     * the early-stopped weights are kept).
     * {@code log} receives the phase descriptions and one line per epoch (null: silent); {@code listeners} see
     * every epoch of every phase (a progress bar, say).
     */
    public static Result fit(TransferPlan plan, Dataset train, Dataset validation, FineTuneSettings settings,
                             Consumer<String> log, List<TrainingListener> listeners, FeatureExtractor.Progress progress) {
        if (!plan.trainsByGradient()) {
            throw new IllegalArgumentException("FineTuning: " + plan.transferCase() + " is not trained by gradient descent");
        }
        requireClassCount(plan.model(), train);
        Consumer<String> out = log == null ? s -> { } : log;
        long start = System.nanoTime();
        Sequential model = plan.model();
        History history = new History();
        List<Phase> phases = new ArrayList<>();
        Phase head = null;
        Map<String, Tensor> headWeights = null;
        boolean[] headRight = null;
        double[] headLosses = null;
        boolean convex = convexHead(plan, settings);
        if (plan.headLearningRate() > 0 && (convex || settings.maxHeadEpochs() > 0)) {
            FreezeState planState = FreezeState.of(model);
            TransferPlan headPlan = headOnly(plan);
            head = convex ? convexPhase(headPlan, train, validation, out, progress, history, false, settings.headFit(),
                    listeners)
                    : phase(1, "new head only, base frozen", headPlan, settings.maxHeadEpochs(), train, validation,
                    settings, out, listeners, progress, history);
            phases.add(head);
            planState.restore();
            headWeights = snapshot(model);
            headRight = rightAnswers(model, validation);
            headLosses = pictureLosses(model, validation);
        }
        TransferPlan tunePlan = new TransferPlan(plan.transferCase(), model, plan.frozenLayers(), plan.trainedLayers(),
                plan.learningRate(), 0, plan.groups(), plan.cut(), Transfer.prefixLength(model), plan.notes());
        String title = plan.transferCase() == TransferCase.FROM_SCRATCH ? "all layers from scratch"
                : plan.frozenLayers().isEmpty() ? "all layers unfrozen" : "last " + plan.trainedLayers().size()
                + " layers with weights unfrozen";
        Phase tune = phase(2, title, tunePlan, settings.maxTuneEpochs(), train, validation, settings, out, listeners,
                progress, history);
        if (headRight != null) {
            boolean[] tuneRight = rightAnswers(model, validation);
            int gained = 0;
            int lost = 0;
            for (int i = 0; i < tuneRight.length; i++) {
                gained += tuneRight[i] && !headRight[i] ? 1 : 0;
                lost += headRight[i] && !tuneRight[i] ? 1 : 0;
            }
            double[] gain = pairedGain(headLosses, pictureLosses(model, validation));
            tune = new Phase(tune.number(), tune.title(), tune.trainedLayers(), tune.learningRate(), tune.maxEpochs(),
                    tune.epochs(), tune.bestEpoch(), tune.bestValidationLoss(), tune.validationAccuracy(), gained, lost,
                    settings.keepZ(), gain[0], gain[1], settings.keepSe());
            out.accept(String.format(Locale.ROOT, "  against the head on the %d validation pictures: %d more right, %d"
                    + " fewer right (McNemar z %.2f), loss gain %.4f +- %.4f (%.2f standard errors); kept only if lower"
                    + " loss, no lower accuracy%s%s", tuneRight.length, gained, lost, tune.mcNemarZ(), gain[0], gain[1],
                    tune.lossGainT(), settings.keepZ() > 0 ? String.format(Locale.ROOT, ", z >= %.2f", settings.keepZ())
                    : "", settings.keepSe() > 0 ? ", loss gain >= " + Transfer.number(settings.keepSe())
                    + " standard errors" : ""));
        }
        phases.add(tune);
        if (head != null) {
            KeepDecision d = keepReason(head, tune);
            if (!d.kept()) {
                loadInto(model, headWeights);
                out.accept("fine-tuning not kept: " + d.reason() + "; keeping the head phase's weights");
            } else {
                out.accept("fine-tuning kept: " + d.reason());
            }
        }
        Metrics kept = Trainer.evaluate(model, validation, 256, new SoftmaxCrossEntropy());
        out.accept(String.format(Locale.ROOT, "kept model: validation accuracy %.4f, loss %.4f (%d pictures)",
                kept.accuracy(), kept.loss(), validation.size()));
        return new Result(model, history, phases, kept.accuracy(), kept.loss(), validation,
                (System.nanoTime() - start) / 1e9, List.of());
    }

    /**
     * Phase 1 alone, on all of {@code train}: the plan's new head (its last layer with weights, a Dense layer) fitted
     * on the frozen features as {@code fit} says ({@link FineTuneSettings.HeadFit#CASE_1}: Case 1's own classifier
     * written into the head), the rest of the model untouched and its freeze state kept. Keras' "feature extraction"
     * step before fine-tuning. Returns the phase (no validation figures).
     *
     * @throws IllegalArgumentException when {@code fit} is not convex or the head is not a Dense layer with a bias
     */
    public static Phase fitHead(TransferPlan plan, Dataset train, FineTuneSettings.HeadFit fit, Consumer<String> log) {
        if (!plan.trainsByGradient() || plan.headLearningRate() <= 0
                || !convexHead(plan, FineTuneSettings.defaults().withHeadFit(fit))) {
            throw new IllegalArgumentException("FineTuning.fitHead: needs a Case 2 or 3 plan whose new head is a Dense"
                    + " layer and a convex head fit (case1 or logreg), got " + plan.transferCase() + ", " + fit.optionName());
        }
        requireClassCount(plan.model(), train);
        FreezeState state = FreezeState.of(plan.model());
        try {
            return convexPhase(headOnly(plan), train, null, log == null ? s -> { } : log, FeatureExtractor.Progress.NONE,
                    new History(), false, fit, List.of());
        } finally {
            state.restore();
        }
    }

    /** Each picture's cross-entropy loss, -log softmax(model(x))[label], in data order. */
    static double[] pictureLosses(Sequential model, Dataset data) {
        double[] loss = new double[data.size()];
        int size = data.sampleShape().size();
        for (int start = 0; start < data.size(); start += 256) {
            int b = Math.min(256, data.size() - start);
            Tensor x = Tensor.zeros(data.sampleShape().prepend(b));
            for (int i = 0; i < b; i++) {
                data.copySample(start + i, x.data(), i * size);
            }
            Tensor y = org.convnet4j.nn.GradMode.withoutGradients(() -> model.forward(x, false));
            int k = y.dim(1);
            float[] v = y.data();
            for (int i = 0; i < b; i++) {
                loss[start + i] = RowOps.logSumExp(v, i * k, k) - v[i * k + data.label(start + i)];
            }
        }
        return loss;
    }

    /**
     * The paired gain of {@code after} over {@code before}: the mean of before[i] - after[i] and its standard error
     * (sample standard deviation of the differences over sqrt(n)); {0, 0} for no pictures, standard error 0 for one.
     */
    static double[] pairedGain(double[] before, double[] after) {
        int n = before.length;
        if (n == 0) {
            return new double[] {0, 0};
        }
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += before[i] - after[i];
        }
        mean /= n;
        if (n < 2) {
            return new double[] {mean, 0};
        }
        double ss = 0;
        for (int i = 0; i < n; i++) {
            double d = before[i] - after[i] - mean;
            ss += d * d;
        }
        return new double[] {mean, Math.sqrt(ss / (n - 1) / n)};
    }

    /** Whether {@code model} answers each picture of {@code data} right (arg max = label), in data order. */
    static boolean[] rightAnswers(Sequential model, Dataset data) {
        boolean[] right = new boolean[data.size()];
        int size = data.sampleShape().size();
        try (org.convnet4j.nn.InferenceBuffers.Scope scope = org.convnet4j.nn.InferenceBuffers.scope()) {
            for (int start = 0; start < data.size(); start += 256) {
                int b = Math.min(256, data.size() - start);
                Tensor x = Tensor.zeros(data.sampleShape().prepend(b));
                for (int i = 0; i < b; i++) {
                    data.copySample(start + i, x.data(), i * size);
                }
                Tensor y = model.predict(x);
                int k = y.dim(1);
                for (int i = 0; i < b; i++) {
                    right[start + i] = RowOps.argmax(y.data(), i * k, k) == data.label(start + i);
                }
            }
        }
        return right;
    }

    /** A model whose outputs are not the data's classes would train to nonsense (or NaN accuracy): refuse it. */
    public static void requireClassCount(Sequential model, Dataset data) {
        int outputs = model.outputShape().size();
        if (outputs != data.numClasses()) {
            throw new IllegalArgumentException("the model has " + outputs + " outputs but the data has "
                    + data.numClasses() + " classes " + data.classNames()
                    + "; plan the transfer with the data's class names (TransferOptions.forClasses)");
        }
    }

    private static Phase phase(int number, String title, TransferPlan plan, int maxEpochs, Dataset train, Dataset val,
                               FineTuneSettings s, Consumer<String> out, List<TrainingListener> listeners,
                               FeatureExtractor.Progress progress, History all) {
        out.accept(String.format(Locale.ROOT, "phase %d: %s; learning rate %s; at most %d epochs, stop after %d"
                        + " without a better validation loss", number, title, Transfer.number(plan.learningRate()),
                maxEpochs, s.patience()));
        out.accept("  trained: " + String.join(", ", plan.trainedLayers()));
        out.accept("  frozen : " + (plan.frozenLayers().isEmpty() ? "nothing" : String.join(", ", plan.frozenLayers())));
        PhaseListener.started(listeners, number, title);
        EarlyStopping stop = new EarlyStopping("val_loss", s.patience(), EarlyStopping.AtEnd.RESTORE_BEST);
        if (plan.transferCase() == TransferCase.FROM_SCRATCH) {
            // random weights: the first epochs' validation loss can be lowest while the network is still near chance
            // (seed 3, 10 per class: epoch 1 kept at 0.1 validation accuracy, 0.318 on the test set)
            stop.startFromEpoch(Math.min(maxEpochs, s.patience()));
        }
        int offset = all.size();
        List<TrainingListener> ls = new ArrayList<>(listeners);
        ls.add(stop);
        ls.add(new PhaseRecorder(all, offset, number, false, maxEpochs, out));
        TrainConfig cfg = TrainConfig.builder(new Sgd(List.of(), plan.learningRate())).epochs(maxEpochs)
                .batchSize(s.batchSize()).seed(s.seed() + number).build();
        TransferTraining.Result r = TransferTraining.fit(plan, train, val,
                TransferTraining.Settings.of(cfg).withPrefixCache(true).withListeners(ls)
                    .withProgress(told(listeners, progress)));
        History h = r.history();
        double[] valAcc = h.series(History.VAL_ACCURACY);
        int best = Math.max(1, stop.bestEpoch());
        out.accept(String.format(Locale.ROOT, "  phase %d kept epoch %d of %d: validation loss %.4f, accuracy %.4f%s",
                number, best, h.size(), stop.best(), valAcc[best - 1],
                r.cachedLayers() > 0 ? " (" + r.cachedLayers() + " frozen leading layers computed once)" : ""));
        return new Phase(number, title, plan.trainedLayers(), plan.learningRate(), maxEpochs, h.size(), best,
                stop.best(), valAcc[best - 1]);
    }

    /** Whether phase 1 is the logistic regression: asked for, and the head is a Dense layer with nothing trainable after it. */
    static boolean convexHead(TransferPlan plan, FineTuneSettings settings) {
        if (!settings.headFit().convex()) {
            return false;
        }
        List<Layer> layers = plan.model().layers();
        List<Layer> weighted = Transfer.weightedLayers(layers);
        return !weighted.isEmpty() && weighted.get(weighted.size() - 1) instanceof Dense d && d.bias() != null
                && !d.isOverLastAxis() && layers.indexOf(d) > 0;
    }

    /**
     * Phase 1 as a convex fit: the frozen network's outputs before the head (computed once, in inference mode) and
     * a logistic regression fitted to them and written into the Dense head: with {@link FineTuneSettings.HeadFit#CASE_1},
     * Case 1's own classifier ({@code logreg}, liblinear's one-vs-rest, through {@link ShallowClassifiers}, seeded as
     * Case 1 seeds it) as {@link ShallowClassifier#linearScores}, so the head predicts what Case 1 predicts on the
     * same pictures; with {@link FineTuneSettings.HeadFit#LOGISTIC_REGRESSION} (or when no provider of
     * {@code logreg} is on the class path) the multinomial {@link SoftmaxRegression}, C = 1, to convergence. One
     * history row (train and, given validation, validation figures) stands for the phase.
     */
    private static Phase convexPhase(TransferPlan headPlan, Dataset train, Dataset val, Consumer<String> out,
                                     FeatureExtractor.Progress progress, History all, boolean refit,
                                     FineTuneSettings.HeadFit fit, List<TrainingListener> listeners) {
        Sequential model = headPlan.model();
        List<Layer> layers = model.layers();
        List<Layer> weighted = Transfer.weightedLayers(layers);
        Dense head = (Dense) weighted.get(weighted.size() - 1);
        int at = layers.indexOf(head);
        Sequential below = new Sequential(model.inputShapes().get(0));
        for (int i = 0; i < at; i++) {
            below.add(layers.get(i));
        }
        boolean case1 = fit == FineTuneSettings.HeadFit.CASE_1;
        boolean available = case1 && ShallowClassifiers.algorithms().contains(CASE_1_CLASSIFIER);
        String title = available
                ? "new head only, base frozen: Case 1's classifier (" + CASE_1_CLASSIFIER + ": liblinear's one-vs-rest"
                + " logistic regression, C = " + Transfer.number(HEAD_C) + ", standardised features) on the same"
                + " features, written into the head"
                : "new head only, base frozen: logistic regression (C = " + Transfer.number(HEAD_C)
                + ", multinomial, standardised features, L-BFGS to convergence)";
        if (!refit) {
            out.accept("phase 1: " + title);
            if (case1 && !available) {
                out.accept("  note: Case 1's '" + CASE_1_CLASSIFIER + "' is not on the class path (the convnet4j-ml"
                        + " module); fitting the multinomial logistic regression instead");
            }
            out.accept("  trained: " + String.join(", ", headPlan.trainedLayers()));
            out.accept("  frozen : " + String.join(", ", headPlan.frozenLayers()));
        }
        PhaseListener.started(listeners, 1, (refit ? "refit: " : "") + title);
        long t = System.nanoTime();
        Features f = FeatureExtractor.extract(below, train, 256, told(listeners, progress));
        String solved;
        if (available) {
            ShallowClassifier c = ShallowClassifiers.create(CASE_1_CLASSIFIER, TransferRun.CASE_1_SEED);
            c.fit(Bottleneck.rows(f), f.labels(), train.numClasses());
            ShallowClassifier.LinearScores ls = c.linearScores().orElseThrow(() -> new IllegalStateException(
                    "Case 1's '" + CASE_1_CLASSIFIER + "' gave no linear scores"));
            if (ls.features() != f.dim() || ls.classes() != head.bias().value().size()) {
                throw new IllegalStateException("Case 1's classifier has " + ls.classes() + " x " + ls.features()
                        + " scores, the head " + head.bias().value().size() + " x " + f.dim());
            }
            head.kernel().load(Tensor.of(ls.kernel(), head.kernel().value().shape().dims()));
            head.bias().load(Tensor.of(ls.bias(), head.bias().value().shape().dims()));
            solved = "fitted (" + ls.note() + ")";
        } else {
            SoftmaxRegression.Fit sr = SoftmaxRegression.fit(f.values(), f.dim(), f.labels(), train.numClasses(), HEAD_C,
                    HEAD_MAX_ITERATIONS);
            head.kernel().load(Tensor.of(sr.kernel(), head.kernel().value().shape().dims()));
            head.bias().load(Tensor.of(sr.bias(), head.bias().value().shape().dims()));
            solved = (sr.converged() ? "converged" : "stopped unconverged") + " after " + sr.iterations()
                    + " L-BFGS iterations";
        }
        Metrics tr = Trainer.evaluate(model, train, 256, new SoftmaxCrossEntropy());
        Metrics va = val == null ? null : Trainer.evaluate(model, val, 256, new SoftmaxCrossEntropy());
        Map<String, Double> row = new LinkedHashMap<>();
        row.put(History.EPOCH, (double) (all.size() + 1));
        row.put(History.TRAIN_LOSS, tr.loss());
        row.put(History.TRAIN_ACCURACY, tr.accuracy());
        if (va != null) {
            row.put(History.VAL_LOSS, va.loss());
            row.put(History.VAL_ACCURACY, va.accuracy());
        }
        row.put(History.SECONDS, (System.nanoTime() - t) / 1e9);
        row.put(PHASE, 1.0);
        if (refit) {
            row.put(REFIT, 1.0);
        }
        all.add(row);
        // listeners (a dashboard, a progress bar) see the solver's fit as one epoch of one step, as they see phase 2
        SolverFitEvents.report(listeners, model, TrainConfig.builder(new Sgd(List.of(), 0)).epochs(1)
                .batchSize(f.size()).build(), f.size(), row);
        out.accept(String.format(Locale.ROOT, "  %sphase 1 %s on %d pictures x %d features:"
                        + " train loss %.4f, accuracy %.4f%s", refit ? "refit " : "", solved, f.size(), f.dim(),
                tr.loss(), tr.accuracy(),
                va == null ? "" : String.format(Locale.ROOT, "; validation loss %.4f, accuracy %.4f", va.loss(),
                        va.accuracy())));
        return new Phase(1, title, headPlan.trainedLayers(), 0, 0, 1, 1,
                va == null ? Double.NaN : va.loss(), va == null ? Double.NaN : va.accuracy());
    }

    /**
     * {@code progress}, and the phase listeners among {@code listeners} told of it too (the frozen layers' outputs
     * computed before a phase's first step: a dashboard shows them coming); {@code progress} itself without any.
     */
    static FeatureExtractor.Progress told(List<TrainingListener> listeners, FeatureExtractor.Progress progress) {
        if (!PhaseListener.any(listeners)) {
            return progress;
        }
        return (done, total) -> {
            PhaseListener.progress(listeners, FROZEN_OUTPUTS, done, total);
            progress.update(done, total);
        };
    }

    /** What a phase computes before its first step, as {@link PhaseListener#onPhaseProgress} names it. */
    static final String FROZEN_OUTPUTS = "outputs of the frozen layers";

    /** Adds each epoch of a phase (or of its refit) to the run's history, numbered after the earlier phases, and prints it. */
    private static final class PhaseRecorder implements TrainingListener {
        private final History into;
        private final int offset;
        private final int phase;
        private final boolean refit;
        private final int epochs;
        private final Consumer<String> out;

        PhaseRecorder(History into, int offset, int phase, boolean refit, int epochs, Consumer<String> out) {
            this.into = into;
            this.offset = offset;
            this.phase = phase;
            this.refit = refit;
            this.epochs = epochs;
            this.out = out;
        }

        @Override
        public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
            Map<String, Double> r = new LinkedHashMap<>(record);
            r.put(History.EPOCH, (double) (offset + epoch));
            r.put(PHASE, (double) phase);
            if (refit) {
                r.put(REFIT, 1.0);
            }
            into.add(r);
            out.accept((refit ? "  refit " : "  ") + LogListener.format(epoch, epochs, record));
        }

        @Override
        public void onTrainEnd(TrainingContext ctx) {
            if (ctx.stopRequested()) {
                out.accept("  " + ctx.stopReason());
            }
        }
    }

    /** The plan reduced to its new head (the last layer with weights) at the normal rate; the rest frozen. */
    static TransferPlan headOnly(TransferPlan plan) {
        Sequential model = plan.model();
        List<Layer> weighted = Transfer.weightedLayers(model.layers());
        if (weighted.get(weighted.size() - 1) instanceof CuttableLayer c && !c.parts().isEmpty()) {
            // a program that holds its own (resized) head: the head is its last weighted part, the rest stays frozen
            List<Transfer.Unit> units = Transfer.fineTuneUnits(model);
            Transfer.Unit head = units.get(units.size() - 1);
            List<Transfer.Unit> frozen = new ArrayList<>(units.subList(0, units.size() - 1));
            model.setTrainable(true);
            frozen.forEach(u -> u.setTrainable(false));
            head.setTrainable(true);
            List<ParamGroup> groups = new ArrayList<>();
            if (!frozen.isEmpty()) {
                groups.add(Transfer.unitGroup("frozen", frozen).frozen(true));
            }
            groups.add(Transfer.unitGroup("head", List.of(head)));
            return new TransferPlan(plan.transferCase(), model, frozen.stream().map(Transfer.Unit::name).toList(),
                    List.of(head.name()), plan.headLearningRate(), 0, groups, null, Transfer.prefixLength(model),
                    List.of());
        }
        Layer head = weighted.get(weighted.size() - 1);
        List<Layer> frozen = new ArrayList<>(weighted.subList(0, weighted.size() - 1));
        frozen.forEach(l -> l.setTrainable(false));
        head.setTrainable(true);
        double rate = plan.headLearningRate();
        List<ParamGroup> groups = new ArrayList<>();
        if (!frozen.isEmpty()) {
            groups.add(Transfer.group("frozen", frozen).frozen(true));
        }
        groups.add(Transfer.group("head", List.of(head)));
        return new TransferPlan(plan.transferCase(), model, Transfer.names(frozen), List.of(head.name()), rate, 0, groups,
                null, Transfer.prefixLength(model), List.of());
    }

    private static Map<String, Tensor> snapshot(Sequential model) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        model.namedParameters().forEach((k, p) -> copy.put(k, p.value().copy()));
        return copy;
    }

    private static void loadInto(Sequential model, Map<String, Tensor> weights) {
        model.namedParameters().forEach((k, p) -> p.load(weights.get(k)));
    }

    /** Every layer's trainable flag and every parameter's frozen flag, to put back after the head phase. */
    private record FreezeState(List<Map.Entry<Layer, Boolean>> layers, Map<Parameter, Boolean> parameters) {
        static FreezeState of(Sequential model) {
            List<Map.Entry<Layer, Boolean>> layers = new ArrayList<>();
            Map<Parameter, Boolean> params = new IdentityHashMap<>();
            collect(model, layers, params);
            return new FreezeState(layers, params);
        }

        private static void collect(Layer l, List<Map.Entry<Layer, Boolean>> layers, Map<Parameter, Boolean> params) {
            layers.add(Map.entry(l, l.isTrainable()));
            l.parameters().forEach(p -> params.put(p, p.isFrozen()));
            l.children().forEach(c -> collect(c, layers, params));
        }

        void restore() {
            // setTrainable recurses into children and parameters: parents first (pre-order), then each parameter
            layers.forEach(e -> e.getKey().setTrainable(e.getValue()));
            parameters.forEach(Parameter::setFrozen);
        }
    }
}
