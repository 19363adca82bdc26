package org.convnet4j.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.convnet4j.tensor.RowOps;

/**
 * A classifier's answer for one input: the probability of every class, ranked. {@link #best()} is the
 * answer, {@link #topK(int)} the k most likely, {@link #probability(String)} one class's probability.
 * Immutable.
 */
public final class Classifications {
    private final List<Prediction> ranked;
    private final double[] probabilities;

    /**
     * From probabilities (one per class, summing to 1) and the class names in index order.
     *
     * @throws IllegalArgumentException when the counts differ or there is no class
     */
    public Classifications(double[] probabilities, List<String> classNames) {
        if (probabilities.length != classNames.size() || probabilities.length == 0) {
            throw new IllegalArgumentException("Classifications: " + probabilities.length + " probabilities for "
                    + classNames.size() + " class names");
        }
        this.probabilities = probabilities.clone();
        List<Prediction> r = new ArrayList<>(probabilities.length);
        for (int c = 0; c < probabilities.length; c++) {
            r.add(new Prediction(c, classNames.get(c), probabilities[c]));
        }
        // most likely first; equal probabilities in class order, so the ranking is deterministic
        r.sort(Comparator.comparingDouble(Prediction::probability).reversed().thenComparingInt(Prediction::label));
        this.ranked = List.copyOf(r);
    }

    /** Softmax of raw scores (logits). */
    public static Classifications fromLogits(float[] logits, int off, List<String> classNames) {
        return new Classifications(RowOps.softmax(logits, off, classNames.size(), new double[classNames.size()]),
                classNames);
    }

    /** The most likely class. */
    public Prediction best() {
        return ranked.get(0);
    }

    /** The {@code k} most likely classes, best first (all of them when k exceeds the class count). */
    public List<Prediction> topK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("topK: k must be >= 1, got " + k);
        }
        return ranked.subList(0, Math.min(k, ranked.size()));
    }

    /** Every class, best first. */
    public List<Prediction> ranked() {
        return ranked;
    }

    /** The probability of class {@code label}. */
    public double probability(int label) {
        return probabilities[label];
    }

    /** The probability of the class called {@code className}. */
    public double probability(String className) {
        for (Prediction p : ranked) {
            if (p.className().equals(className)) {
                return p.probability();
            }
        }
        throw new IllegalArgumentException("no class named '" + className + "'");
    }

    /** The probabilities in class-index order (a copy). */
    public double[] probabilities() {
        return probabilities.clone();
    }

    /** The {@code k} most likely classes as one line for people, best first: {@code "shirt 61.2%, t-shirt 20.4%"}. */
    public String describe(int k) {
        StringBuilder b = new StringBuilder();
        for (Prediction p : topK(k)) {
            b.append(b.length() == 0 ? "" : ", ").append(p.className())
                    .append(String.format(java.util.Locale.ROOT, " %.1f%%", 100 * p.probability()));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return topK(3).toString();
    }
}
