package org.convnet4j.model;

import java.util.Locale;

/** One ranked answer of a classifier: class index, its name and its probability. */
public record Prediction(int label, String className, double probability) {
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%d) %.4f", className, label, probability);
    }
}
