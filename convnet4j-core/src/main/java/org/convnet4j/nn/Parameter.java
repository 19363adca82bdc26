package org.convnet4j.nn;

import java.util.Random;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.init.SeededRandom;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A named tensor owned by a layer: either a learnable parameter (with a gradient of the same shape) or a
 * buffer (state that is saved with the model but not learned by gradient descent, such as batch norm's
 * running mean).
 *
 * <p>The name is local to the layer ({@code kernel}); models prefix it with the layer path
 * ({@code block1_conv1.kernel}), and those full names are the contract with checkpoints and importers.
 *
 * <p><b>Who may change the values, and how the engine learns of it.</b> The value's backing array is public
 * ({@link #value()}{@code .data()}), but inference keeps values derived from it between calls (a convolution's
 * weights packed into the GEMM's panel layout, see {@link #derived}). Every change therefore goes with a
 * {@link #changed()} call, which gives the parameter a new {@link #version()} and drops what was derived from the
 * old values. The library's own writers do so: {@link #load}, {@link #initialize}, {@link #markLoaded} (importers
 * write the array, then mark it loaded), the optimisers' steps and the Spark steps. Code that writes the array
 * itself (or a tensor from {@link Model#stateDict()}) calls {@link #changed()} afterwards, or
 * {@link Model#weightsChanged()} for a whole model. A value written without it is seen by training and by passes with gradients,
 * but an inference pass may keep using the values packed before.
 */
public final class Parameter {
    /** Learnable parameters get gradients; buffers do not. */
    public enum Kind { LEARNABLE, BUFFER }

    private final String name;
    private final Kind kind;
    private final Shape shape;
    /** Null for a parameter of a model built shapes only ({@link ShapesOnly}). */
    private final Tensor value;
    /**
     * Made at its first use ({@link #grad()}): a model that only runs inference never holds one (an imported vgg11's
     * 0.53 GB of gradients were allocated, and zeroed, with its values). The model's build charges the value only;
     * training charges the gradients when it starts ({@code org.convnet4j.train.TrainingMemory}).
     */
    private volatile Tensor grad;
    private final Initializer initializer;
    private final int fanIn;
    private final int fanOut;
    private boolean frozen;
    private boolean loaded;
    /** Bumped by {@link #changed()}; from one counter for all parameters, so a version is never reused. */
    private volatile long version = VERSIONS.incrementAndGet();
    /** What {@link #derived} computed from the values of one version (null: nothing). */
    private volatile Derived derived;

    private static final java.util.concurrent.atomic.AtomicLong VERSIONS = new java.util.concurrent.atomic.AtomicLong();

    private record Derived(long version, Object key, Object value) {
    }

    private Parameter(String name, Kind kind, Shape shape, Tensor value, Initializer init, int fanIn, int fanOut) {
        this.name = name;
        this.kind = kind;
        this.shape = shape;
        this.value = value;
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
        if (ShapesOnly.active()) {
            return new Parameter(name, Kind.LEARNABLE, shape, null, init, fanIn, fanOut); // no values, no budget
        }
        // a layer sized by an input shape (a dense layer after flattening a huge picture) must not die of
        // OutOfMemoryError while it is built (its value alone above the budget cannot be used for anything)
        org.convnet4j.util.MemoryBudget.requireParameter("parameter '" + name + "' " + shape,
                org.convnet4j.util.MemoryBudget.bytesOf(4, shape.size()));
        // and all parameters of the model being built together, when a build is counted: the value only. The gradient
        // is made at the first backward pass ({@link #grad()}); training charges it, with the optimiser's state, when
        // it starts (org.convnet4j.train.TrainingMemory), so a model that is only imported, inspected, run, exported
        // or served is not refused for memory it never allocates.
        org.convnet4j.util.MemoryBudget.chargeParameter("parameter '" + name + "' " + shape + " (value)",
                org.convnet4j.util.MemoryBudget.bytesOf(4, shape.size()));
        Parameter p = new Parameter(name, Kind.LEARNABLE, shape, Tensor.zeros(shape), init, fanIn, fanOut);
        p.initialize(new SeededRandom(name.hashCode())); // new Random(...)'s values, faster
        return p;
    }

    /** A buffer with the given initial value; {@link #initialize} resets it to that value. */
    public static Parameter buffer(String name, Tensor initial) {
        if (ShapesOnly.active()) {
            return new Parameter(name, Kind.BUFFER, initial.shape(), null, null, 0, 0);
        }
        // the initial value exists already; its copy and the value count towards the model being built
        org.convnet4j.util.MemoryBudget.chargeParameter("buffer '" + name + "' " + initial.shape()
                + " (value and initial copy)", org.convnet4j.util.MemoryBudget.bytesOf(8, initial.size()));
        Tensor start = initial.copy();
        return new Parameter(name, Kind.BUFFER, initial.shape(), initial, (t, in, out, r) ->
                System.arraycopy(start.data(), 0, t.data(), 0, t.size()), 0, 0);
    }

    /**
     * Re-fills the value with the parameter's initializer (buffers go back to their initial value); the
     * parameter no longer counts as loaded.
     */
    public void initialize(Random random) {
        initializer.fill(value(), Math.max(1, fanIn), Math.max(1, fanOut), random);
        loaded = false;
        changed();
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
        changed();
    }

    /**
     * Records that the values changed (written through {@link #value()}): a new {@link #version()}, and whatever was
     * derived from the old values is dropped (its memory too). Cheap; call it after every change made outside the
     * library's own writers (see the class comment).
     */
    public void changed() {
        version = VERSIONS.incrementAndGet(); // first: anything kept carries the old version and is never used again
        derived = null;                       // then its memory goes
    }

    /** The values' version: changes with every {@link #changed()} call, never repeats (for caches keyed by it). */
    public long version() {
        return version;
    }

    /** What {@link #derived} keeps for {@code key} from the current values, or null (nothing is computed). */
    public Object derivedIfPresent(Object key) {
        long v = version;
        Derived d = derived;
        return d != null && d.version() == v && d.key().equals(key) ? d.value() : null;
    }

    /**
     * A value computed from this parameter's current values by {@code compute}, kept until the next {@link #changed()}
     * and computed again only when {@code key} differs from the one it was computed for (one value is kept). Several
     * threads may call it at once: each gets a value computed from the current version (two may compute it; one
     * of them is kept). For inference caches of the engine (the packed weights of a convolution).
     */
    @SuppressWarnings("unchecked")
    public <T> T derived(Object key, java.util.function.Supplier<T> compute) {
        long v = version;
        Derived d = derived;
        if (d != null && d.version() == v && d.key().equals(key)) {
            return (T) d.value();
        }
        T made = compute.get();
        if (version == v) { // not changed meanwhile (it must not be: a model is not trained while it serves)
            derived = new Derived(v, key, made);
        }
        return made;
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

    /**
     * The values. Fails (IllegalStateException) for a parameter of a model built shapes only ({@link ShapesOnly}):
     * such a model has no values to run, train, initialise, load or save.
     */
    public Tensor value() {
        if (value == null) {
            throw noValues();
        }
        return value;
    }

    /**
     * Gradient accumulated by backward passes (zeros until then; allocated at the first call, by one thread if several
     * ask at once); null for buffers. Fails as {@link #value()} does when shapes only.
     */
    public Tensor grad() {
        if (value == null && kind == Kind.LEARNABLE) {
            throw noValues();
        }
        Tensor g = grad;
        if (g == null && kind == Kind.LEARNABLE) {
            synchronized (this) {
                g = grad;
                if (g == null) {
                    g = Tensor.zeros(shape);
                    grad = g;
                }
            }
        }
        return g;
    }

    /**
     * The gradient if one was made ({@link #grad()}: a learnable parameter that took part in a backward pass), else
     * null (never allocates): for code that clears, reads or counts gradients in bulk without creating those nothing
     * wrote (the optimisers' {@code zeroGrad}, the training memory charge).
     */
    public Tensor gradIfPresent() {
        return grad;
    }

    /** True for a parameter of a model built shapes only ({@link ShapesOnly}): a shape, no values. */
    public boolean isShapeOnly() {
        return value == null;
    }

    private IllegalStateException noValues() {
        return new IllegalStateException("parameter '" + name + "' " + shape + " has no values: its model was built "
                + "shapes only (ModelZoo.describe / ShapesOnly.build), for counting parameters, MACs and memory; "
                + "build it with ModelZoo.build (or without ShapesOnly) to run, train, initialise, load or save it");
    }

    public Shape shape() {
        return shape;
    }

    /** A frozen parameter is never updated: no gradient step, no weight decay, no momentum. */
    public boolean isFrozen() {
        return frozen;
    }

    public void setFrozen(boolean frozen) {
        this.frozen = frozen;
    }

    public void zeroGrad() {
        Tensor g = grad;
        if (g != null) { // none for buffers and for shapes only, none yet before the first backward pass: zeros
            g.fill(0f);
        }
    }

    /** Copies values from {@code source}, which must have the same shape. */
    public void load(Tensor source) {
        Tensor.requireSameShape("load parameter '" + name + "'", value(), source);
        System.arraycopy(source.data(), 0, value.data(), 0, value.size());
        loaded = true;
        changed();
    }

    @Override
    public String toString() {
        return name + shape + (frozen ? " (frozen)" : "");
    }
}
