package org.convnet4j.transfer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.nn.Sequential;

/**
 * The lecture's table for choosing a transfer case (after cs231n), from two facts about the target data:
 *
 * <pre>
 *   size \ similarity   similar                       dissimilar
 *   small  (&lt; 100/class)  Case 1 (bottleneck + shallow)  Case 1 cut at an early layer (initial layers only)
 *   medium               Case 2 (fine-tune last layers)  Case 3 (not in the lecture's table: see below)
 *   large  (> 1000/class) Case 3 (fine-tune everything)   Case 3 (initialise from pretrained, tune the whole model)
 * </pre>
 *
 * Medium + dissimilar is not in the lecture's table; it is treated as the large case: with hundreds of images per
 * class the whole network can be tuned, and features learnt on dissimilar data need it more than similar ones.
 *
 * <p>Similarity is measured, not asked: {@link FeatureStatistics#shift} between the base model's penultimate
 * feature statistics on its own training data (saved in its checkpoint) and on the target data; a shift up to
 * {@link #SIMILARITY_THRESHOLD} counts as similar. A {@link LinearProbe} (logistic regression on the base's
 * penultimate features of a labelled target sample against the same on raw pixels) is the second measure and, when
 * given, decides: similar when the features lose at most {@link LinearProbe#MARGIN} accuracy against pixels.
 */
public final class TransferAdvisor {
    /** Below this many images per class the data set is small. */
    public static final int SMALL_BELOW = 100;
    /** Above this many images per class the data set is large. */
    public static final int LARGE_ABOVE = 1000;
    /** Feature shift up to which a target counts as similar to the base's training data. */
    public static final double SIMILARITY_THRESHOLD = 1.0;

    public enum Size {
        SMALL, MEDIUM, LARGE;

        /** "small", "medium" or "large", in any case; otherwise "TEXT: expected one of [small, medium, large]". */
        public static Size parse(String text) {
            return parseEnum(Size.class, text);
        }
    }

    public enum Similarity {
        SIMILAR, DISSIMILAR, UNCERTAIN;

        /** "similar", "dissimilar" or "uncertain", in any case; otherwise "TEXT: expected one of [...]". */
        public static Similarity parse(String text) {
            return parseEnum(Similarity.class, text);
        }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String text) {
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(text + ": expected one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(java.util.Locale.ROOT), e);
        }
    }

    /** Bootstrap resamples of the target features behind the similarity interval. */
    public static final int BOOTSTRAP = 200;
    /** At most this many target pictures are run through the base to measure the similarity. */
    public static final int SIMILARITY_SAMPLES = 1000;

    /**
     * The measured similarity: the shift with a 90% basic bootstrap interval (resampling the target pictures),
     * and the verdict: similar when the whole interval is at or below {@link #SIMILARITY_THRESHOLD}, dissimilar
     * when it is wholly above, uncertain when it straddles the threshold.
     */
    public record Assessment(String layer, double shift, double low, double high, int samples, Similarity verdict) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s shift %.3f (90%% interval %.3f..%.3f, %d pictures): %s"
                    + " (similar <= %.2f)", layer.equals(FeatureStatistics.INPUT) ? "pixel" : "'" + layer + "' feature",
                    shift, low, high, samples, verdict.name().toLowerCase(Locale.ROOT), SIMILARITY_THRESHOLD);
        }
    }

    /**
     * Measures how far {@code target}'s features at the layer of {@code source} (the base's saved statistics) lie
     * from the base's own training data, with a bootstrap interval. Each bootstrap resample draws the target
     * pictures with replacement, so the interval shows how much the figure depends on which pictures were given:
     * a verdict that would flip with another sample of the same data comes out as uncertain.
     */
    public static Assessment assess(Sequential base, FeatureStatistics source, Dataset target, long seed) {
        Dataset sample = target.size() > SIMILARITY_SAMPLES
                ? Datasets.subset(Datasets.shuffle(target, seed), SIMILARITY_SAMPLES) : target;
        Features f = FeatureExtractor.extract(FeatureStatistics.network(base, source.layer()), sample, 256,
                FeatureExtractor.Progress.NONE);
        double shift = source.shift(FeatureStatistics.of(source.layer(), f));
        int n = f.size();
        int dim = f.values().length / n;
        double[] shifts = new double[BOOTSTRAP];
        java.util.Random r = new java.util.Random(seed);
        int[] rows = new int[n];
        for (int b = 0; b < BOOTSTRAP; b++) {
            for (int i = 0; i < n; i++) {
                rows[i] = r.nextInt(n);
            }
            shifts[b] = source.shift(FeatureStatistics.ofRows(source.layer(), f.values(), dim, rows));
        }
        java.util.Arrays.sort(shifts);
        // the basic ("reverse percentile") bootstrap interval: resamples of a small sample spread further from the
        // source than the sample itself (repeated pictures inflate nothing but the noise), so the bootstrap
        // distribution sits above the estimate; reflecting it about the estimate corrects for that
        double q05 = shifts[(int) Math.floor(0.05 * (BOOTSTRAP - 1))];
        double q95 = shifts[(int) Math.ceil(0.95 * (BOOTSTRAP - 1))];
        double low = Math.max(0, 2 * shift - q95);
        double high = Math.max(0, 2 * shift - q05);
        Similarity v = high <= SIMILARITY_THRESHOLD ? Similarity.SIMILAR
                : low > SIMILARITY_THRESHOLD ? Similarity.DISSIMILAR : Similarity.UNCERTAIN;
        return new Assessment(source.layer(), shift, low, high, n, v);
    }

    /** The answer for a size and a measured similarity (uncertain: the table's row for the point estimate). */
    public static Recommendation measured(double imagesPerClass, Assessment a) {
        Size size = sizeOf(imagesPerClass);
        List<String> reasons = new ArrayList<>();
        reasons.add(String.format(Locale.ROOT, "%.0f images per class: %s (small < %d, large > %d)", imagesPerClass,
                size.name().toLowerCase(Locale.ROOT), SMALL_BELOW, LARGE_ABOVE));
        reasons.add(a.toString());
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("images_per_class", imagesPerClass);
        figures.put("feature_shift", a.shift());
        figures.put("feature_shift_low", a.low());
        figures.put("feature_shift_high", a.high());
        Similarity sim = a.verdict();
        if (sim == Similarity.UNCERTAIN) {
            reasons.add("the interval straddles the threshold: the table's row for the point estimate is used;"
                    + " --try measures the cases instead of guessing");
        }
        Recommendation r = recommend(size, sim == Similarity.UNCERTAIN ? similarityOf(a.shift()) : sim, reasons,
                figures);
        return new Recommendation(r.transferCase(), r.earlyCut(), size, sim, r.reasons(), r.figures());
    }

    /** The case label with the best validation accuracy (ties: the earlier, cheaper case). */
    public static String best(Map<String, Double> trial) {
        String best = null;
        for (Map.Entry<String, Double> e : trial.entrySet()) {
            if (best == null || e.getValue() > trial.get(best)) {
                best = e.getKey();
            }
        }
        return best;
    }

    /**
     * How many corrected standard errors of the paired fold-by-fold difference a case may trail the best measured
     * one and still count as indistinguishable from it (docs/TRANSFER.md, "Which estimator").
     */
    public static final double INDISTINGUISHABLE_SE = 1.0;

    /**
     * The score that ranks {@code --try}'s cases: the folds' held-out Brier score (lower is better; the default
     * whenever every case has one, adopted 2026-12-06 by the study rule of docs/TRANSFER.md, "Ranking the folds by
     * the Brier score") or their held-out accuracy (measurements without Brier scores).
     */
    public enum Ranking {
        BRIER_SCORE("Brier score"), ACCURACY("accuracy");

        private final String words;

        Ranking(String words) {
            this.words = words;
        }

        /** "Brier score" or "accuracy". */
        public String words() {
            return words;
        }
    }

    /**
     * What {@code --try} recommends: {@code label}; {@code best} the case with the best held-out score;
     * {@code indistinguishable} the cases (the best included) that the measurement cannot tell from the best;
     * {@code uncertain} when there are several; {@code reason} in words; {@code ranking} the score that ranked them.
     */
    public record Choice(String label, String best, boolean uncertain, List<String> indistinguishable, String reason,
                         Ranking ranking) {
        public Choice {
            indistinguishable = List.copyOf(indistinguishable);
        }

        /** A choice ranked by accuracy. */
        public Choice(String label, String best, boolean uncertain, List<String> indistinguishable, String reason) {
            this(label, best, uncertain, indistinguishable, reason, Ranking.ACCURACY);
        }
    }

    /** How {@link #choose} breaks exact ties of the score, in words. */
    public static final String TIE_RULE = "exact ties go to the case tried first (the cheaper: 1, 1-early, 2, 3, 4)";

    /**
     * Why {@link #withoutTrying} departs from the table on small data, in words (advise's "Recommended:" line,
     * {@code --json}'s {@code recommended_because}, {@code transfer --case auto}'s line).
     */
    public static final String SMALL_DATA_RULE = "small data: Case 2 rather than the table's Case 1 (either cut):"
            + " measured on the published experiment runs, the table's small-data answer fell outside the noise of the"
            + " best case in 5 of 6 settings (Case 1 3.4-3.7 points below it on a similar target, the early cut 11-14"
            + " points below it on a dissimilar one), Case 2 in none; Case 2 starts from Case 1's classifier and keeps"
            + " its fine-tuning only when validation says it is better";

    /**
     * What the advisor recommends when it measures no case ({@code advise} and {@code transfer --case auto}
     * without {@code --try}): the table's answer ({@link #labelOf}), except on small data, where it is Case 2
     * ({@link #SMALL_DATA_RULE}). The lecture's small-data answers were checked against the published runs (3
     * seeds, both targets, 10 pictures per class; docs/TRANSFER.md, "The advisor against the measured outcomes",
     * {@code tools/transfer-experiment/advice_vs_outcome.py}): Case 1 at the default cut on Fashion-MNIST 5-9 lost
     * 1.0, 3.4 and 3.7 points to the best case on 5000 test pictures (the last two 4.6 and 4.9 standard errors), the
     * early cut on the digits 11.2, 11.3 and 14.2 points (6-8 standard errors: the worst case in every run), while
     * Case 2 stayed within 1.3 points and 2 standard errors of the best in all six, and within 1.5 points in the
     * study's 8 held-out cells at 10 per class. The table itself ({@link #table}) stays the lecture's.
     */
    public static String withoutTrying(Recommendation table) {
        return table.size() == Size.SMALL ? "2" : labelOf(table);
    }

    /** The case label of a table answer: "1", "1-early", "2", "3". */
    public static String labelOf(Recommendation r) {
        return r.transferCase().number() + (r.earlyCut() ? "-early" : "");
    }

    /**
     * {@code --try}'s decision. Each case is scored on its held-out pictures by the folds' Brier score
     * ({@link Ranking#BRIER_SCORE}, lower is better: it weighs how confident each answer was, so 50 pictures rank
     * cases better than right-or-wrong does; docs/TRANSFER.md, "Ranking the folds by the Brier score"), or by their
     * accuracy when some case has no Brier score ({@link HeldOut#hasBrier}). The best measured case is the one with
     * the best score over all rounds of the cross-validation ({@link #TIE_RULE}: the trials' order, cheapest first
     * as {@link #tryCases} runs them). Every other case is compared with it fold by fold (the
     * same folds, so the differences are paired): the mean difference against its standard error, corrected for the
     * overlap of the training parts of cross-validation (Nadeau and Bengio's factor 1/J + 1/(k-1) on the variance, J
     * fold runs of k-fold cross-validation). Cases within {@link #INDISTINGUISHABLE_SE} corrected standard error of
     * the best cannot be told apart from it: the verdict is then uncertain and says whether the table's case
     * ({@code tableLabel}) is among them.
     * <p>
     * The tie-break for an uncertain verdict ({@link #FINE_TUNING_FIRST}): first, a close Case 2 or 3 none of whose
     * fold runs kept its fine-tuning ({@link HeldOut#tuningNeverKept}) is set aside: the folds measured only its head,
     * never the tuned model its own run may keep, so nothing measured says it is Case 1 or better (docs/TRANSFER.md,
     * "The advisor's misses at seeds 2030-2032": the earlier "fewer than half" form set aside heads that measured
     * and scored better than Case 1). Then, when Case 2 or Case 3 is still among the cases that cannot be told
     * apart, Case 1 (either cut) is set aside and the best measured of the remaining indistinguishable cases (2, 3,
     * 4) is recommended; otherwise the best measured of the cases left. Cases 2 and 3 start from Case 1's fitted head and keep their
     * tuning only when validation says it is better, so they are Case 1 or better by construction; when the folds
     * cannot separate them, the noise of the folds should not decide for Case 1. Measured before it was adopted
     * (docs/TRANSFER.md, "Tie-break for uncertain verdicts"). Following the table among indistinguishable cases was
     * measured too, and lost on the dissimilar target ("Which estimator").
     * When the table's answer is the early cut (small data, a dissimilar target: {@link #SMALL_DISSIMILAR_TABLE}) and
     * Case 2 or 3 is still among them, Case 4 is set aside too ("The advisor's bar: the two misses against the
     * noise").
     * With a single fold run there is no spread to measure; only exact ties are indistinguishable.
     */
    public static Choice choose(List<Trial> trials, String tableLabel) {
        if (trials.isEmpty()) {
            throw new IllegalArgumentException("advisor: no case was tried");
        }
        Ranking ranking = trials.stream().allMatch(t -> t.heldOut().hasBrier()) ? Ranking.BRIER_SCORE
                : Ranking.ACCURACY;
        Trial best = trials.get(0);
        for (Trial t : trials) {
            if (score(ranking, t) > score(ranking, best)) { // strictly: a tie stays with the earlier case
                best = t;
            }
        }
        List<String> close = new ArrayList<>();
        for (Trial t : trials) {
            if (t == best || pairedGap(ranking, best.heldOut(), t.heldOut()) <= 0) {
                close.add(t.label());
            }
        }
        boolean uncertain = close.size() > 1;
        Trial pick = best;
        List<String> aside = new ArrayList<>();
        boolean fineTuningLeft = false;
        boolean smallDissimilar = false;
        if (uncertain) {
            // Cases 2 and 3 whose fold runs never kept their fine-tuning were only their head on the folds; their own
            // run may keep a tuning nothing measured (seed 2030, Fashion 5-9 at 100 per class: 0 of 5 fold runs kept
            // it, the run kept it at 1.01 standard errors, Case 2 0.922, Case 1 0.944)
            for (Trial t : trials) {
                if (close.contains(t.label()) && (t.label().equals("2") || t.label().equals("3"))
                        && t.heldOut().tuningNeverKept()) {
                    aside.add(t.label());
                }
            }
            List<String> left = close.stream().filter(l -> !aside.contains(l)).toList();
            fineTuningLeft = left.contains("2") || left.contains("3");
            // small data, dissimilar target (the table's early cut): retraining from scratch is not preferred over a
            // close Case 2/3 (docs/TRANSFER.md, "The advisor's bar: the two misses against the noise")
            smallDissimilar = fineTuningLeft && left.contains("4") && SMALL_DISSIMILAR_TABLE.equals(tableLabel);
            Trial chosen = null;
            for (Trial t : trials) {
                if (left.contains(t.label()) && (!fineTuningLeft || FINE_TUNING_FIRST.contains(t.label()))
                        && !(smallDissimilar && t.label().equals("4"))
                        && (chosen == null || score(ranking, t) > score(ranking, chosen))) {
                    chosen = t;
                }
            }
            pick = chosen == null ? best : chosen;
        }
        String reason;
        if (trials.size() == 1) {
            reason = "case " + best.label() + " was the only case tried";
        } else if (!uncertain) {
            reason = String.format(Locale.ROOT, "case %s has the best held-out %s (%s), clearly ahead of the"
                    + " others", best.label(), ranking.words(), scoreText(ranking, best));
        } else {
            String setAside = aside.isEmpty() ? "" : String.format(Locale.ROOT, "case%s %s set aside (none of %s fold"
                    + " runs kept the fine-tuning: only the head was measured); ", aside.size() > 1 ? "s" : "",
                    String.join(" and ", aside), aside.size() > 1 ? "their" : "its");
            if (smallDissimilar) {
                setAside += "case 4 set aside (small data and a dissimilar target: retraining from scratch is not"
                        + " preferred over a close Case 2 or 3); ";
            }
            String why = pick == best
                    ? String.format(Locale.ROOT, "%sthe best measured is recommended, case %s at %s", setAside,
                            best.label(), scoreText(ranking, best))
                    : !fineTuningLeft
                    ? String.format(Locale.ROOT, "%scase %s at %s is recommended, the best measured of the rest",
                            setAside, pick.label(), scoreText(ranking, pick))
                    : String.format(Locale.ROOT, "%scase %s at %s is recommended over the best measured, case %s at"
                            + " %s: fine-tuning starts from Case 1's head and keeps its tuning only when validation"
                            + " says it is better", setAside, pick.label(), scoreText(ranking, pick), best.label(),
                            scoreText(ranking, best));
            reason = String.format(Locale.ROOT, "uncertain: cases %s cannot be told apart by %s (within %.0f corrected"
                    + " standard error of the best); %s; the table's case %s is %s", String.join(", ", close),
                    ranking.words(), INDISTINGUISHABLE_SE, why, tableLabel,
                    close.contains(tableLabel) ? "among them" : "not among them");
        }
        return new Choice(pick.label(), best.label(), uncertain, close, reason, ranking);
    }

    /** A trial's score under {@code ranking}, higher is better (minus the mean Brier score). */
    static double score(Ranking ranking, Trial t) {
        return ranking == Ranking.BRIER_SCORE ? -t.heldOut().brier() : t.accuracy();
    }

    private static String scoreText(Ranking ranking, Trial t) {
        return ranking == Ranking.BRIER_SCORE
                ? String.format(Locale.ROOT, "Brier %.3f, accuracy %.3f", t.heldOut().brier(), t.accuracy())
                : String.format(Locale.ROOT, "%.3f", t.accuracy());
    }

    /**
     * The cases {@link #choose} prefers over Case 1 (either cut) when the verdict is uncertain and Case 2 or 3 is
     * among the indistinguishable cases.
     */
    public static final List<String> FINE_TUNING_FIRST = List.of("2", "3", "4");

    /**
     * The table's answer for small data and a dissimilar target (Case 1 cut early). When {@link #choose} is given it
     * as the table's label and Case 2 or 3 is among the cases it cannot tell from the best, Case 4 is set aside:
     * retraining from scratch on so few pictures was the best on the test set in none of 16 study cells on the
     * digits at 10 per class (1.2-14.4 points behind the better of Cases 2/3), though on the folds it can rate best
     * (base 2032, data seed 4012: 3.6 points lost). Where Case 4 is clearly ahead it is still recommended. Measured
     * and adopted under a rule committed first (docs/TRANSFER.md, "The advisor's bar: the two misses against the
     * noise").
     */
    public static final String SMALL_DISSIMILAR_TABLE = "1-early";

    /**
     * How far {@code other} trails {@code best} beyond {@link #INDISTINGUISHABLE_SE} corrected standard errors
     * (positive: clearly behind), from their fold-by-fold held-out accuracies.
     */
    static double pairedGap(HeldOut best, HeldOut other) {
        return pairedGap(Ranking.ACCURACY, best, other);
    }

    /**
     * As {@link #pairedGap(HeldOut, HeldOut)} with the folds scored by {@code ranking}: the fold's accuracy, or minus
     * its mean Brier score.
     */
    static double pairedGap(Ranking ranking, HeldOut best, HeldOut other) {
        int j = Math.min(best.rightPerFold().size(), other.rightPerFold().size());
        double[] d = new double[j];
        double mean = 0;
        for (int i = 0; i < j; i++) {
            d[i] = (ranking == Ranking.BRIER_SCORE
                    ? other.brierPerFold().get(i) - best.brierPerFold().get(i)
                    : best.rightPerFold().get(i) - other.rightPerFold().get(i)) / (double) best.answersPerFold().get(i);
            mean += d[i] / j;
        }
        if (j < 2) {
            return mean;
        }
        double var = 0;
        for (double x : d) {
            var += (x - mean) * (x - mean) / (j - 1);
        }
        double se = Math.sqrt(var * (1.0 / j + 1.0 / (FOLDS - 1)));
        return mean - INDISTINGUISHABLE_SE * se;
    }

    /** Folds of {@link #heldOutAccuracy}. */
    public static final int FOLDS = 5;
    /** {@link #heldOutAccuracy} runs folds until it has this many held-out answers (or all {@link #FOLDS}). */
    public static final int MIN_ANSWERS = 500;
    /**
     * When one round of all {@link #FOLDS} folds gives fewer than {@link #MIN_ANSWERS} answers (small data), the
     * cross-validation is repeated with new fold seeds, up to this many rounds in all.
     */
    public static final int MAX_ROUNDS = 4;
    /** Round r of the repeated cross-validation uses the settings' seed + r x this. */
    public static final long ROUND_SEED_STEP = 1000;

    /**
     * A case measured on held-out pictures: accuracy over {@code answers} predictions from {@code folds} fold runs
     * in {@code rounds} rounds of cross-validation; {@code rightPerFold} and {@code answersPerFold} fold by fold
     * (the folds of a seed hold the same pictures for every case, so two cases can be compared fold by fold);
     * {@code foldsKeepingTuning}: for Cases 2 and 3, how many fold runs kept their fine-tuning phase
     * ({@link FineTuning#tuningKept}), -1 for the other cases; {@code brierPerFold} each fold's summed Brier score
     * ({@link BrierScore#sum}; empty when not measured).
     */
    public record HeldOut(double accuracy, int answers, int folds, int rounds, List<Integer> rightPerFold,
                          List<Integer> answersPerFold, int foldsKeepingTuning, List<Double> brierPerFold) {
        public HeldOut {
            rightPerFold = List.copyOf(rightPerFold);
            answersPerFold = List.copyOf(answersPerFold);
            brierPerFold = List.copyOf(brierPerFold);
            if (!brierPerFold.isEmpty() && brierPerFold.size() != rightPerFold.size()) {
                throw new IllegalArgumentException("advisor: " + brierPerFold.size() + " Brier scores for "
                        + rightPerFold.size() + " folds");
            }
        }

        /** A measurement without Brier scores. */
        public HeldOut(double accuracy, int answers, int folds, int rounds, List<Integer> rightPerFold,
                       List<Integer> answersPerFold, int foldsKeepingTuning) {
            this(accuracy, answers, folds, rounds, rightPerFold, answersPerFold, foldsKeepingTuning, List.of());
        }

        /** True when every fold has its Brier score. */
        public boolean hasBrier() {
            return !brierPerFold.isEmpty();
        }

        /** The mean Brier score a held-out picture (0 best, 2 worst); NaN when not measured. */
        public double brier() {
            return hasBrier() ? brierPerFold.stream().mapToDouble(Double::doubleValue).sum() / answers : Double.NaN;
        }

        /** A measurement without the count of fold runs that kept their fine-tuning (-1: not counted). */
        public HeldOut(double accuracy, int answers, int folds, int rounds, List<Integer> rightPerFold,
                       List<Integer> answersPerFold) {
            this(accuracy, answers, folds, rounds, rightPerFold, answersPerFold, -1);
        }

        /**
         * True for a two-phase case (2 or 3) fewer than half of whose fold runs kept their fine-tuning: validation
         * mostly dropped phase 2, so on the folds the case was mostly its head alone. False when not counted
         * ({@code foldsKeepingTuning} -1). No longer a reason to set the case aside ({@link #tuningNeverKept} is).
         */
        public boolean tuningMostlyDropped() {
            return foldsKeepingTuning >= 0 && 2 * foldsKeepingTuning < folds;
        }

        /**
         * True for a two-phase case (2 or 3) none of whose fold runs kept its fine-tuning: the folds measured its head
         * alone, never the tuned model. False when not counted ({@code foldsKeepingTuning} -1).
         */
        public boolean tuningNeverKept() {
            return foldsKeepingTuning == 0;
        }
    }

    /**
     * How well one case does on pictures it was not trained on, measured by stratified {@value #FOLDS}-fold
     * cross-validation: each fold holds out a fifth of every class, the case is carried out on the rest exactly
     * as {@link TransferRun#run} does (for the gradient cases: early stopping on a split of that rest, then the
     * refit), and predicts the held-out fifth. Folds run until at least {@value #MIN_ANSWERS} pictures have been
     * predicted, or all of them when the data is smaller: one small validation split (10 pictures at 10 per class
     * and 5 classes) cannot tell cases apart a few points apart, a few hundred answers can. When all the folds give
     * fewer than {@value #MIN_ANSWERS} answers, the whole cross-validation is repeated with other fold seeds
     * (seed + {@value #ROUND_SEED_STEP} r, which also seeds that round's training), at most {@value #MAX_ROUNDS}
     * rounds: 50 pictures give 200 answers, each picture predicted by four differently trained models.
     */
    public static HeldOut heldOutAccuracy(Sequential base, TransferCase c, TransferOptions o, Dataset data,
                                          FineTuneSettings s, FeatureCache cache) throws java.io.IOException {
        return heldOutAccuracy(base, c, o, data, s, cache, "logreg");
    }

    /** As {@link #heldOutAccuracy(Sequential, TransferCase, TransferOptions, Dataset, FineTuneSettings, FeatureCache)} with Case 1's classifier named. */
    public static HeldOut heldOutAccuracy(Sequential base, TransferCase c, TransferOptions o, Dataset data,
                                          FineTuneSettings s, FeatureCache cache, String classifier)
            throws java.io.IOException {
        int run = foldsToRun(data.size(), FOLDS, MIN_ANSWERS);
        long right = 0;
        int answers = 0;
        List<Integer> perFold = new ArrayList<>();
        List<Integer> heldPerFold = new ArrayList<>();
        List<Double> brierPerFold = new ArrayList<>();
        int kept = -1;
        int rounds = 0;
        while (rounds == 0 || (run == FOLDS && answers < MIN_ANSWERS && rounds < MAX_ROUNDS)) {
            FineTuneSettings rs = s.withSeed(s.seed() + ROUND_SEED_STEP * rounds);
            int[] fold = stratifiedFolds(data, FOLDS, rs.seed());
            for (int f = 0; f < run; f++) {
                int[][] parts = foldParts(fold, f);
                Dataset train = Datasets.view(data, parts[0]);
                Dataset held = Datasets.view(data, parts[1]);
                TransferPlan plan = Transfer.plan(c, Transfer.copyOf(base), o);
                TransferRun.Outcome outcome = TransferRun.run(plan, train, held, classifier, rs, cache, null, List.of(),
                        FeatureExtractor.Progress.NONE);
                double acc = outcome.accuracy();
                if (outcome.phases().stream().anyMatch(p -> p.number() == 1)) {
                    kept = Math.max(kept, 0) + (FineTuning.tuningKept(outcome.phases(), outcome.refit()) ? 1 : 0);
                }
                int r = (int) Math.round(acc * held.size());
                perFold.add(r);
                brierPerFold.add(BrierScore.sum(outcome.model(), held));
                heldPerFold.add(held.size());
                right += r;
                answers += held.size();
            }
            rounds++;
        }
        return new HeldOut(right / (double) answers, answers, perFold.size(), rounds, perFold, heldPerFold, kept,
                brierPerFold);
    }

    /**
     * The fold (0..k-1) of every sample: within each class, a seeded random order dealt out round-robin, so every
     * fold holds the same share of each class (within one picture).
     */
    public static int[] stratifiedFolds(Dataset data, int k, long seed) {
        int n = data.size();
        if (n < 2 * k) {
            throw new IllegalArgumentException("advisor: " + n + " pictures are too few for " + k
                    + "-fold cross-validation (at least " + 2 * k + ")");
        }
        int[] order = Datasets.permutation(n, new java.util.Random(seed));
        int[] dealt = new int[data.numClasses()];
        int[] fold = new int[n];
        for (int i : order) {
            fold[i] = dealt[data.label(i)]++ % k;
        }
        return fold;
    }

    /** Folds needed for {@code minAnswers} held-out pictures out of {@code n} (each fold holds out n/k), at most k. */
    public static int foldsToRun(int n, int k, int minAnswers) {
        int perFold = Math.max(1, n / k);
        return Math.max(1, Math.min(k, (minAnswers + perFold - 1) / perFold));
    }

    private static int[][] foldParts(int[] fold, int f) {
        int held = 0;
        for (int v : fold) {
            held += v == f ? 1 : 0;
        }
        int[] train = new int[fold.length - held];
        int[] test = new int[held];
        int a = 0;
        int b = 0;
        for (int i = 0; i < fold.length; i++) {
            if (fold[i] == f) {
                test[b++] = i;
            } else {
                train[a++] = i;
            }
        }
        return new int[][] {train, test};
    }

    /** One case tried by {@link #tryCases}: its label, cross-validated held-out accuracy and seconds. */
    public record Trial(String label, HeldOut heldOut, double seconds) {
        public double accuracy() {
            return heldOut.accuracy();
        }
    }

    /** The case labels {@link #tryCases} runs, cheapest first. */
    public static final List<String> TRIED = List.of("1", "1-early", "2", "3", "4");

    /**
     * {@code advise --try}: every viable case (1 at the default cut, 1 at the early cut, 2, 3, 4) measured by
     * {@link #heldOutAccuracy}, cheapest first, until {@code budgetSeconds} are spent (a case that would start
     * after the budget is skipped; the first, Case 1, always runs). The budget counts wall-clock seconds, the time
     * the user waits, as Keras Tuner's {@code max_time} and Optuna's {@code timeout} do: on a busy machine fewer
     * cases are tried. When it skips cases, {@code log} gets one line naming them, with the wall-clock seconds spent
     * and this process's CPU seconds in them ({@link #budgetLine}). The best measured is the recommendation.
     */
    public static List<Trial> tryCases(Sequential base, Dataset train, TransferOptions o, FineTuneSettings s,
                                       FeatureCache cache, double budgetSeconds, java.util.function.Consumer<String> log)
            throws java.io.IOException {
        return tryCases(base, train, o, s, cache, budgetSeconds, TRIED, log);
    }

    /** As {@link #tryCases(Sequential, Dataset, TransferOptions, FineTuneSettings, FeatureCache, double, java.util.function.Consumer)} for some of {@link #TRIED}. */
    public static List<Trial> tryCases(Sequential base, Dataset train, TransferOptions o, FineTuneSettings s,
                                       FeatureCache cache, double budgetSeconds, List<String> labels,
                                       java.util.function.Consumer<String> log) throws java.io.IOException {
        List<Trial> out = new ArrayList<>();
        List<String> notTried = new ArrayList<>();
        long start = System.nanoTime();
        double cpuStart = processCpuSeconds();
        double spentWhenCut = 0;
        double cpuWhenCut = Double.NaN;
        for (String label : labels) {
            if (!TRIED.contains(label)) {
                throw new IllegalArgumentException("advisor: cannot try case '" + label + "'; cases: " + TRIED);
            }
            double spent = (System.nanoTime() - start) / 1e9;
            if (spent > budgetSeconds && !out.isEmpty()) { // the cheapest case is always tried
                if (notTried.isEmpty()) {
                    spentWhenCut = spent;
                    cpuWhenCut = processCpuSeconds() - cpuStart;
                }
                notTried.add(label);
                continue;
            }
            TransferCase c = TransferCase.of(label.charAt(0) - '0');
            TransferOptions lo = o.withCut(label.equals("1-early") ? Transfer.earlyCut(base)
                    : label.equals("1") ? Transfer.defaultCut(base) : null);
            long t = System.nanoTime();
            HeldOut h = heldOutAccuracy(base, c, lo, train, s, cache);
            Trial trial = new Trial(label, h, (System.nanoTime() - t) / 1e9);
            out.add(trial);
            if (log != null) {
                log.accept(String.format(Locale.ROOT, "tried case %-8s held-out Brier score %.4f, accuracy %.4f (%d"
                        + " answers, %s)  %.1f s", label, h.brier(), h.accuracy(), h.answers(), h.rounds() > 1 ? h.rounds() + " rounds of " + FOLDS + " folds"
                                : h.folds() + " of " + FOLDS + " folds", trial.seconds()));
            }
        }
        if (!notTried.isEmpty() && log != null) {
            log.accept(budgetLine(notTried, budgetSeconds, spentWhenCut, cpuWhenCut));
        }
        return out;
    }

    /**
     * The one line {@link #tryCases} logs when its time budget cuts cases: which were not tried, that the budget is
     * wall-clock time, the seconds spent and this process's CPU seconds in them (NaN: not measurable here), e.g.
     * "not tried: cases 3, 4: the time budget of 300 s (wall-clock) ran out after 412 s, in which this process had
     * 21 s of CPU time; the recommendation is among the cases tried (a busy machine tries fewer cases; a larger
     * budget tries more)".
     */
    public static String budgetLine(List<String> notTried, double budgetSeconds, double spentSeconds,
                                    double cpuSeconds) {
        String cpu = Double.isNaN(cpuSeconds) ? ""
                : String.format(Locale.ROOT, ", in which this process had %.0f s of CPU time", cpuSeconds);
        return String.format(Locale.ROOT, "not tried: case%s %s: the time budget of %.0f s (wall-clock) ran out after"
                + " %.0f s%s; the recommendation is among the cases tried (a busy machine tries fewer cases; a larger"
                + " budget tries more)", notTried.size() > 1 ? "s" : "", String.join(", ", notTried), budgetSeconds,
                spentSeconds, cpu);
    }

    /** This process's CPU seconds so far (all threads), or NaN where the JVM does not say. */
    static double processCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long t = sun.getProcessCpuTime();
            if (t >= 0) {
                return t / 1e9;
            }
        }
        return Double.NaN;
    }

    /** The cases of {@link #TRIED} that {@code trials} lacks, in {@link #TRIED}'s order (those a time budget cut). */
    public static List<String> notTried(List<Trial> trials) {
        List<String> tried = trials.stream().map(Trial::label).toList();
        return TRIED.stream().filter(l -> !tried.contains(l)).toList();
    }

    /** A recommended case, with the early cut if the lecture's small + dissimilar rule applies. */
    public record Recommendation(TransferCase transferCase, boolean earlyCut, Size size, Similarity similarity,
                                 List<String> reasons, Map<String, Double> figures) {
        public Recommendation {
            reasons = List.copyOf(reasons);
            figures = Map.copyOf(figures);
        }
    }

    private TransferAdvisor() {
    }

    public static Size sizeOf(double imagesPerClass) {
        return imagesPerClass < SMALL_BELOW ? Size.SMALL : imagesPerClass > LARGE_ABOVE ? Size.LARGE : Size.MEDIUM;
    }

    public static Similarity similarityOf(double shift) {
        return shift <= SIMILARITY_THRESHOLD ? Similarity.SIMILAR : Similarity.DISSIMILAR;
    }

    /** The table's answer alone. */
    public static Recommendation table(Size size, Similarity similarity) {
        return recommend(size, similarity, new ArrayList<>(), new LinkedHashMap<>());
    }

    /** The answer for measured figures: images per class and feature shift. */
    public static Recommendation measured(double imagesPerClass, double shift) {
        return measured(imagesPerClass, shift, null);
    }

    /**
     * The answer for measured figures: images per class, the feature shift (NaN if the base has no saved
     * statistics) and the linear probe (or null). When there is a probe it decides the similarity: it measures
     * directly what transfer needs (do the base's features separate the target's classes, compared with pixels),
     * while the shift only compares feature distributions and cannot tell a harmless shift from a harmful one.
     */
    public static Recommendation measured(double imagesPerClass, double shift, LinearProbe.Result probe) {
        if (Double.isNaN(shift) && probe == null) {
            throw new IllegalArgumentException("advisor: neither a feature shift nor a linear probe was measured");
        }
        Size size = sizeOf(imagesPerClass);
        List<String> reasons = new ArrayList<>();
        reasons.add(String.format(Locale.ROOT, "%.0f images per class: %s (small < %d, large > %d)", imagesPerClass,
                size.name().toLowerCase(Locale.ROOT), SMALL_BELOW, LARGE_ABOVE));
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("images_per_class", imagesPerClass);
        Similarity byShift = Double.isNaN(shift) ? null : similarityOf(shift);
        if (byShift != null) {
            reasons.add(String.format(Locale.ROOT, "feature shift %.3f: %s (similar <= %.2f)%s", shift,
                    byShift.name().toLowerCase(Locale.ROOT), SIMILARITY_THRESHOLD,
                    probe == null ? "" : "; the linear probe decides"));
            figures.put("feature_shift", shift);
        }
        Similarity sim = byShift;
        if (probe != null) {
            sim = probe.similar() ? Similarity.SIMILAR : Similarity.DISSIMILAR;
            reasons.add(String.format(Locale.ROOT, "%s: %s (similar when the features lose at most %.2f against"
                    + " pixels)", probe, sim.name().toLowerCase(Locale.ROOT), LinearProbe.MARGIN));
            figures.put("probe_feature_accuracy", probe.featureAccuracy());
            figures.put("probe_pixel_accuracy", probe.pixelAccuracy());
        }
        return recommend(size, sim, reasons, figures);
    }

    private static Recommendation recommend(Size size, Similarity sim, List<String> reasons, Map<String, Double> figures) {
        TransferCase c;
        boolean early = false;
        String rule;
        if (sim == Similarity.SIMILAR) {
            switch (size) {
                case SMALL -> {
                    c = TransferCase.BOTTLENECK;
                    rule = "small and similar: bottleneck features + shallow classifier (Case 1)";
                }
                case MEDIUM -> {
                    c = TransferCase.FINE_TUNE_LAST;
                    rule = "medium and similar: fine-tune the last layers (Case 2)";
                }
                default -> {
                    c = TransferCase.FINE_TUNE_ALL;
                    rule = "large and similar: fine-tune the complete model (Case 3)";
                }
            }
        } else {
            switch (size) {
                case SMALL -> {
                    c = TransferCase.BOTTLENECK;
                    early = true;
                    rule = "small and dissimilar: keep the initial layers only, flatten, train a shallow model"
                            + " (Case 1 cut early)";
                }
                case MEDIUM -> {
                    c = TransferCase.FINE_TUNE_ALL;
                    rule = "medium and dissimilar (not in the lecture's table): initialise from the pretrained model"
                            + " and tune the whole model (Case 3), as for large and dissimilar";
                }
                default -> {
                    c = TransferCase.FINE_TUNE_ALL;
                    rule = "large and dissimilar: initialise from the pretrained model and tune the whole model (Case 3)";
                }
            }
        }
        reasons.add(rule);
        return new Recommendation(c, early, size, sim, reasons, figures);
    }

    /** The runner-up for {@code --try}: the neighbouring cell of the table. */
    public static Recommendation runnerUp(Recommendation r) {
        TransferCase c;
        boolean early = false;
        if (r.transferCase() == TransferCase.BOTTLENECK) {
            c = r.earlyCut() ? TransferCase.BOTTLENECK : TransferCase.FINE_TUNE_LAST;
            early = false; // small + dissimilar: compare the early cut with the default cut
        } else if (r.transferCase() == TransferCase.FINE_TUNE_LAST) {
            c = r.size() == Size.SMALL ? TransferCase.BOTTLENECK : TransferCase.FINE_TUNE_ALL;
        } else {
            c = TransferCase.FINE_TUNE_LAST;
        }
        return new Recommendation(c, early, r.size(), r.similarity(), List.of("runner-up of " + r.transferCase()),
                r.figures());
    }
}
