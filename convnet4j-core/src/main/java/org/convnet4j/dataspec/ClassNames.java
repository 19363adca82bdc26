package org.convnet4j.dataspec;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.data.Dataset;
import org.convnet4j.tensor.Shape;

/**
 * Matching class names leniently: "T-shirt_top", "t-shirt/top" and "T-shirt top" are the same class. Case,
 * accents, spaces and punctuation are ignored; what still does not match is listed, so the user sees it.
 */
public final class ClassNames {
    /**
     * For each of {@code wanted}, the index of the same class in {@code available} (-1 if none), and a warning
     * naming what matched only leniently and what did not match at all (empty when every name matched exactly).
     */
    public record Match(int[] indexOf, List<String> unmatched, String warning) {
        public Match {
            unmatched = List.copyOf(unmatched);
        }

        public boolean complete() {
            return unmatched.isEmpty();
        }
    }

    private ClassNames() {
    }

    /** Lower case, no accents, letters and digits only. */
    public static String key(String name) {
        String n = Normalizer.normalize(name, Normalizer.Form.NFKD).replaceAll("\\p{M}", "");
        return n.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]", "");
    }

    public static Match match(List<String> wanted, List<String> available) {
        int[] idx = new int[wanted.size()];
        List<String> unmatched = new ArrayList<>();
        List<String> lenient = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            String w = wanted.get(i);
            idx[i] = available.indexOf(w);
            if (idx[i] < 0) {
                for (int j = 0; j < available.size(); j++) {
                    if (key(available.get(j)).equals(key(w))) {
                        idx[i] = j;
                        lenient.add("'" + w + "' = '" + available.get(j) + "'");
                        break;
                    }
                }
            }
            if (idx[i] < 0) {
                unmatched.add(w);
            }
        }
        StringBuilder warning = new StringBuilder();
        if (!lenient.isEmpty()) {
            warning.append("class names matched ignoring case and punctuation: ").append(String.join(", ", lenient));
        }
        if (!unmatched.isEmpty()) {
            warning.append(warning.length() > 0 ? "; " : "").append("no match for ").append(unmatched)
                    .append(" among ").append(available);
        }
        return new Match(idx, unmatched, warning.toString());
    }

    /** {@code data} with its labels in another class order, and the warning of the name match (empty if exact). */
    public record Relabelled(Dataset data, String warning) {
    }

    /**
     * {@code data} ready to evaluate {@code model} on (what {@code convnet4j evaluate} checks): the model's outputs
     * must be as many as the data's classes, and when the model names its classes the data is relabelled into their
     * order ({@link #inOrderOf}: by name, leniently, in any order; the warning says what was matched loosely).
     *
     * @param dataName names the data in messages (a spec or a folder)
     * @throws IllegalArgumentException naming the data when the counts differ or the names do not match
     */
    public static Relabelled forModel(org.convnet4j.nn.Model model, Dataset data, String dataName) {
        int outputs = model.outputShape().dim(-1);
        if (outputs != data.numClasses()) {
            throw new IllegalArgumentException("the model has " + outputs + " classes but " + dataName + " has "
                    + data.numClasses() + " " + data.classNames());
        }
        if (model.classNames().isEmpty()) {
            return new Relabelled(data, "");
        }
        try {
            return inOrderOf(data, model.classNames());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dataName + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code data} seen with the labels of {@code classes} (a model's class names): every class of the data matched
     * to one of {@code classes} by name, leniently, whatever the order ("T-shirt_top" in a folder of pictures sorted
     * by name is a Fashion-MNIST model's class 0 "T-shirt/top"). The samples are not copied.
     *
     * @throws IllegalArgumentException when the counts differ or a class has no match (or two share one), naming
     *                                  what did not match
     */
    public static Relabelled inOrderOf(Dataset data, List<String> classes) {
        if (data.numClasses() != classes.size()) {
            throw new IllegalArgumentException("the model has " + classes.size() + " classes " + classes
                    + " but the data has " + data.numClasses() + " " + data.classNames());
        }
        Match m = match(data.classNames(), classes);
        boolean[] taken = new boolean[classes.size()];
        boolean identity = true;
        for (int i = 0; i < m.indexOf().length; i++) {
            int j = m.indexOf()[i];
            if (j >= 0 && taken[j]) {
                throw new IllegalArgumentException("the data's classes " + data.classNames() + " match the model's "
                        + classes + " ambiguously: two of them are '" + classes.get(j) + "'");
            }
            if (j >= 0) {
                taken[j] = true;
            }
            identity &= j == i;
        }
        if (!m.complete()) {
            throw new IllegalArgumentException("the model's classes " + classes + " are not the data's classes "
                    + data.classNames() + " (" + m.warning() + ")");
        }
        if (identity) {
            return new Relabelled(data, m.warning());
        }
        int[] to = m.indexOf().clone();
        List<String> names = List.copyOf(classes);
        Dataset view = new Dataset() {
            @Override
            public int size() {
                return data.size();
            }

            @Override
            public Shape sampleShape() {
                return data.sampleShape();
            }

            @Override
            public int numClasses() {
                return names.size();
            }

            @Override
            public List<String> classNames() {
                return names;
            }

            @Override
            public void copySample(int index, float[] dest, int destOff) {
                data.copySample(index, dest, destOff);
            }

            @Override
            public void copySample(int index, float[] dest, int destOff, Random random) {
                data.copySample(index, dest, destOff, random);
            }

            @Override
            public List<Shape> inputShapes() {
                return data.inputShapes();
            }

            @Override
            public void copyInput(int input, int index, float[] dest, int destOff, Random random) {
                data.copyInput(input, index, dest, destOff, random);
            }

            @Override
            public int label(int index) {
                return to[data.label(index)];
            }
        };
        String order = "the data's classes in the model's order " + names;
        return new Relabelled(view, m.warning().isEmpty() ? order : m.warning() + "; " + order);
    }
}
