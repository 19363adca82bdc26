package org.convnet4j.transfer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

    public enum Size { SMALL, MEDIUM, LARGE }

    public enum Similarity { SIMILAR, DISSIMILAR }

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
