package org.convnet4j.nn;

import java.util.function.Supplier;

/**
 * Builds a model's structure without its weights, as PyTorch's {@code meta} device or a Keras model before its
 * variables exist: every layer, shape and parameter shape is there, so {@link Layer#parameterCount()},
 * {@link Model#totalMacs()}, {@link ModelSummary} (with its memory estimates) and {@link ModelSpec#toMap} give what
 * they give for the allocated model, but no value or gradient array is allocated or drawn, and nothing is charged to
 * the {@link org.convnet4j.util.MemoryBudget}. Describing VGG16 (138 million parameters) takes milliseconds instead
 * of seconds and 1.1 GB.
 *
 * <p>Such a model cannot run, train, be initialised, loaded or saved with weights: the first access to a value
 * ({@link Parameter#value()}) fails with an {@link IllegalStateException} that says so ({@link #check} fails at once,
 * before any work). {@code ModelZoo.describe} is this for the zoo's architectures.
 */
public final class ShapesOnly {
    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private ShapesOnly() {
    }

    /** Runs {@code builder} with every parameter and buffer it creates (on this thread) holding a shape only. */
    public static <T> T build(Supplier<T> builder) {
        Boolean before = ACTIVE.get();
        ACTIVE.set(Boolean.TRUE);
        try {
            return builder.get();
        } finally {
            if (before == null) {
                ACTIVE.remove();
            } else {
                ACTIVE.set(before);
            }
        }
    }

    /** True while {@link #build} runs on this thread. */
    public static boolean active() {
        return ACTIVE.get() != null;
    }

    /** True if any parameter or buffer of {@code layer} (its whole subtree) holds a shape only. */
    public static boolean isShapesOnly(Layer layer) {
        for (Parameter p : layer.namedParameters().values()) {
            if (p.isShapeOnly()) {
                return true;
            }
        }
        return false;
    }

    /** Fails with one clear message if {@code model} was built shapes only; {@code what} is the refused action. */
    public static void check(Layer model, String what) {
        if (isShapesOnly(model)) {
            throw new IllegalStateException("cannot " + what + " model '" + model.name() + "': it was built shapes only "
                    + "(ModelZoo.describe / ShapesOnly.build), for counting parameters, MACs and memory, and holds no "
                    + "weights; build it with ModelZoo.build to run it");
        }
    }
}
