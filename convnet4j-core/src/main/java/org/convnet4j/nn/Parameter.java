package org.convnet4j.nn;

import java.util.Random;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A named tensor owned by a layer: either a learnable parameter (with a gradient of the same shape) or a
 * buffer (state that is saved with the model but not learned by gradient descent, such as batch norm's
 * running mean).
 *
 * <p>The name is local to the layer ({@code kernel}); models prefix it with the layer path
 * ({@code block1_conv1.kernel}), and those full names are the contract with checkpoints and importers.
 */
public final class Parameter {
    /** Learnable parameters get gradients; buffers do not. */
    public enum Kind { LEARNABLE, BUFFER }

    private final String name;
    private final Kind kind;
    private final Tensor value;
    private final Tensor grad;
    private final Initializer initializer;
    private final int fanIn;
    private final int fanOut;
    private boolean frozen;
    private boolean loaded;

    private Parameter(String name, Kind kind, Tensor value, Initializer init, int fanIn, int fanOut) {
        this.name = name;
        this.kind = kind;
        this.value = value;
        this.grad = kind == Kind.LEARNABLE ? Tensor.zeros(value.shape()) : null;
        this.initializer = init;
        this.fanIn = fanIn;
        this.fanOut = fanOut;
    }

    /**
     * A learnable parameter, filled at once by {@code init} from a source seeded by its local name (so a
     * freshly built model is usable and repeatable); {@link #initialize(Random)} re-fills it, which is how
     * a model seed takes effect.
     */
    public static Parameter learnable(String name, Shape shape, Initializer init, int fanIn, int fanOut) {
        // a layer sized by an input shape (a dense layer after flattening a huge picture) must not die of
        // OutOfMemoryError while it is built (its value alone above the budget cannot be used for anything)
        org.convnet4j.util.MemoryBudget.requireParameter("parameter '" + name + "' " + shape,
                org.convnet4j.util.MemoryBudget.bytesOf(4, shape.size()));
        // and all parameters of the model being built together (value and gradient), when a build is counted
        org.convnet4j.util.MemoryBudget.chargeParameter("parameter '" + name + "' " + shape + " (value and gradient)",
                org.convnet4j.util.MemoryBudget.bytesOf(8, shape.size()));
        Parameter p = new Parameter(name, Kind.LEARNABLE, Tensor.zeros(shape), init, fanIn, fanOut);
        p.initialize(new Random(name.hashCode()));
        return p;
    }

    /** A buffer with the given initial value; {@link #initialize} resets it to that value. */
    public static Parameter buffer(String name, Tensor initial) {
        // the initial value exists already; its copy and the value count towards the model being built
        org.convnet4j.util.MemoryBudget.chargeParameter("buffer '" + name + "' " + initial.shape()
                + " (value and initial copy)", org.convnet4j.util.MemoryBudget.bytesOf(8, initial.size()));
        Tensor start = initial.copy();
        return new Parameter(name, Kind.BUFFER, initial, (t, in, out, r) ->
                System.arraycopy(start.data(), 0, t.data(), 0, t.size()), 0, 0);
    }

    /**
     * Re-fills the value with the parameter's initializer (buffers go back to their initial value); the
     * parameter no longer counts as loaded.
     */
    public void initialize(Random random) {
        initializer.fill(value, Math.max(1, fanIn), Math.max(1, fanOut), random);
        loaded = false;
    }

    /**
     * True once the value came from somewhere (a model file, other frameworks' weights, a checkpoint) rather
     * than from the initializer: {@link Model#initialize} leaves such parameters alone.
     */
    public boolean isLoaded() {
        return loaded;
    }

    /** Records that the value was written from loaded weights by code that fills {@link #value()} in place. */
    public void markLoaded() {
        loaded = true;
    }

    public Initializer initializer() {
        return initializer;
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isLearnable() {
        return kind == Kind.LEARNABLE;
    }

    public Tensor value() {
        return value;
    }

    /** Gradient accumulated by backward passes; null for buffers. */
    public Tensor grad() {
        return grad;
    }

    public Shape shape() {
        return value.shape();
    }

    /** A frozen parameter is never updated: no gradient step, no weight decay, no momentum. */
    public boolean isFrozen() {
        return frozen;
    }

    public void setFrozen(boolean frozen) {
        this.frozen = frozen;
    }

    public void zeroGrad() {
        if (grad != null) {
            grad.fill(0f);
        }
    }

    /** Copies values from {@code source}, which must have the same shape. */
    public void load(Tensor source) {
        Tensor.requireSameShape("load parameter '" + name + "'", value, source);
        System.arraycopy(source.data(), 0, value.data(), 0, value.size());
        loaded = true;
    }

    @Override
    public String toString() {
        return name + value.shape() + (frozen ? " (frozen)" : "");
    }
}
