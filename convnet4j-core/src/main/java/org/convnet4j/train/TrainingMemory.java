package org.convnet4j.train;

import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.train.optim.AbstractOptimizer;
import org.convnet4j.train.optim.Optimizer;
import org.convnet4j.util.MemoryBudget;

/**
 * What training adds to a model that is already built, budgeted when training starts. Building, importing or loading
 * a model charges its values only ({@link MemoryBudget}): a model that is only inspected, run, exported or served
 * never allocates gradients (they are made at the first backward pass, {@link Parameter#grad()}). Training makes a
 * gradient for every learnable parameter (frozen ones too: the backward pass fills them) and the optimiser's state
 * (SGD with momentum one slot a value, Adam two) for the ones it updates; {@link #require} refuses a run whose values,
 * gradients and state together are above the limit of one model, before the first batch, in one line that names the
 * model and the Java heap (exit 2 in the CLI). {@link Trainer} calls it for every in-process run.
 */
public final class TrainingMemory {
    private static final long FLOAT_BYTES = Float.BYTES;

    private TrainingMemory() {
    }

    /**
     * Bytes of the model's parameters as its build charged them: 4 a learnable value, 8 a buffer's (its value and the
     * initial copy it is reset to).
     */
    public static long heldBytes(Model model) {
        long n = 0;
        for (Parameter p : model.namedParameters().values()) {
            n += p.shape().size() * (p.isLearnable() ? 1 : 2);
        }
        return n * FLOAT_BYTES;
    }

    /**
     * Bytes training will allocate for {@code model} with {@code optimizer}: a gradient for every learnable parameter
     * that has none yet, and the optimiser's slots not held yet (0 for an optimiser that is not an
     * {@link AbstractOptimizer}: its state is unknown).
     */
    public static long bytesToCome(Model model, Optimizer optimizer) {
        long values = 0;
        for (Parameter p : model.learnableParameters().values()) {
            if (p.gradIfPresent() == null) {
                values += p.shape().size();
            }
        }
        if (optimizer instanceof AbstractOptimizer a) {
            values += a.stateValuesToCome();
        }
        return MemoryBudget.bytesOf(FLOAT_BYTES, values);
    }

    /**
     * Refuses training {@code model} with {@code optimizer} when its values and what training adds
     * ({@link #bytesToCome}) are above the memory limit of one model: a {@link TooLargeException} (an
     * IllegalArgumentException) starting "training NAME (N parameters, M trainable) needs ...", naming the Java heap. A
     * null {@code name} says "a model".
     */
    public static void require(String name, Model model, Optimizer optimizer) {
        long params = model.learnableParameters().values().stream().mapToLong(p -> p.shape().size()).sum();
        try {
            MemoryBudget.requireTraining(String.format(java.util.Locale.ROOT,
                    "training %s (%,d parameters, %,d trainable)", name == null ? "a model" : name, params,
                    model.trainableParameterCount()), heldBytes(model), bytesToCome(model, optimizer));
        } catch (MemoryBudget.ModelTooLargeException e) {
            throw new TooLargeException(e.getMessage());
        }
    }

    /** Training would take more memory than the limit allows ({@link #require}); exit 2 in the CLI. */
    public static final class TooLargeException extends IllegalArgumentException {
        public TooLargeException(String message) {
            super(message);
        }

        /** The same refusal after {@code source}, the file or model a caller trained ("base.onnx: training ..."). */
        public TooLargeException from(String source) {
            return new TooLargeException(source + ": " + getMessage());
        }
    }
}
