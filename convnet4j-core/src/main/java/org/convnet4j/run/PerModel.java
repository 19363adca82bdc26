package org.convnet4j.run;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.convnet4j.tensor.Shape;

/**
 * An option value that may differ per model: {@code "0.25"} (every model), {@code "alexnet=0.5,vgg16=0.25"}
 * (only those) or {@code "0.25,alexnet=0.5"} (a default with exceptions). Models given neither get the
 * command's own per-model default.
 *
 * @param <T> the parsed value type
 */
public final class PerModel<T> {
    private final T all;
    private final Map<String, T> byModel;

    private PerModel(T all, Map<String, T> byModel) {
        this.all = all;
        this.byModel = byModel;
    }

    /** Nothing given: every model gets its default. */
    public static <T> PerModel<T> none() {
        return new PerModel<>(null, Map.of());
    }

    /**
     * Parses {@code text}; {@code option} names the option in error messages and {@code parser} turns one value
     * into a T (throwing IllegalArgumentException with a message for a bad one).
     */
    public static <T> PerModel<T> parse(String option, String text, Function<String, T> parser) {
        T all = null;
        Map<String, T> byModel = new LinkedHashMap<>();
        for (String raw : text.split(",")) {
            String item = raw.trim();
            if (item.isEmpty()) {
                throw new IllegalArgumentException(option + ": empty item in '" + text + "'");
            }
            int eq = item.indexOf('=');
            try {
                if (eq < 0) {
                    if (all != null) {
                        throw new IllegalArgumentException("two values for every model ('" + text
                                + "'); give one, and MODEL=VALUE for exceptions");
                    }
                    all = parser.apply(item);
                } else {
                    String model = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                    if (model.isEmpty() || byModel.containsKey(model)) {
                        throw new IllegalArgumentException((model.isEmpty() ? "missing model name" : "model '" + model
                                + "' given twice") + " in '" + item + "'");
                    }
                    byModel.put(model, parser.apply(item.substring(eq + 1).trim()));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
            }
        }
        return new PerModel<>(all, byModel);
    }

    /**
     * As {@link #parse(String, String, Function)} for a run of {@code models}: {@code text} null is {@link #none}, and a
     * MODEL=VALUE naming a model that is not run fails too ({@link #requireNamedAmong}, the message after {@code option}).
     */
    public static <T> PerModel<T> parse(String option, String text, Function<String, T> parser,
                                        java.util.Collection<String> models) {
        PerModel<T> values = text == null ? none() : parse(option, text, parser);
        try {
            values.requireNamedAmong(models);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
        return values;
    }

    /** The value for {@code model}: its own, else the one for every model, else {@code fallback}. */
    public T get(String model, T fallback) {
        T own = byModel.get(model);
        return own != null ? own : all != null ? all : fallback;
    }

    /** Models named with MODEL=VALUE (to check them against the models being run). */
    public java.util.Set<String> namedModels() {
        return byModel.keySet();
    }

    /**
     * Fails when a MODEL=VALUE names a model that is not in {@code models}, with the message
     * "'M' is not one of the models being run (M1, M2)".
     */
    public void requireNamedAmong(java.util.Collection<String> models) {
        for (String named : namedModels()) {
            if (!models.contains(named)) {
                throw new IllegalArgumentException("'" + named + "' is not one of the models being run ("
                        + String.join(", ", models) + ")");
            }
        }
    }

    /** A parser of whole numbers of at least 1; {@code what} names the quantity in its messages. */
    public static Function<String, Integer> count(String what) {
        return s -> {
            int n;
            try {
                n = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' is not a whole number");
            }
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be at least 1, got " + n);
            }
            return n;
        };
    }

    /** Parses a width multiplier: a positive, finite number. */
    public static double width(String s) {
        double w;
        try {
            w = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a number");
        }
        if (!(w > 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("width " + s + " must be a positive number");
        }
        return w;
    }

    /** Parses a square input size, "32" or "32x32" (the zoo benchmark builds square inputs). */
    public static int squareSize(String s) {
        int[] d;
        try {
            d = Shape.parseDims(s);
            if (d.length == 0) {
                throw new IllegalArgumentException("no number");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "' is not a size such as 32 or 32x32", e);
        }
        if (d.length > 2 || d.length == 2 && d[1] != d[0]) {
            throw new IllegalArgumentException("'" + s + "': give one size (32) or a square one (32x32)");
        }
        if (d[0] < 1) {
            throw new IllegalArgumentException("size " + s + " must be at least 1");
        }
        return d[0];
    }
}
