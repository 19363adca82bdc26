package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A building block of a network with a forward pass and a backward pass side by side.
 *
 * <p>Shapes given to {@link #outputShape} and {@link #macs} are per sample (no batch dimension,
 * e.g. {@code [C, H, W]}); tensors given to {@link #forward} carry the batch first ({@code [N, C, H, W]}).
 * A forward pass caches what its backward pass needs, so one layer instance appears once in a model
 * and {@link #backwardAll} refers to the most recent {@link #forward}. Backward returns the gradient with
 * respect to each input and <em>accumulates</em> (+=) parameter gradients, so gradients of several
 * batches can be summed before an optimiser step.
 */
public abstract class Layer {
    private String name;
    private boolean trainable = true;

    /** The layer's name within its model (also the prefix of its parameters' names). */
    public final String name() {
        return name;
    }

    /** Sets the name; models give unnamed layers a default one ({@code conv2d_1}) when they are added. */
    public Layer named(String newName) {
        if (newName == null || newName.isEmpty() || newName.contains(".") || newName.contains("/")) {
            throw new IllegalArgumentException("layer name '" + newName + "' must be non-empty without '.' or '/'");
        }
        this.name = newName;
        return this;
    }

    /** Short type name used in summaries and the saved architecture, e.g. {@code Conv2d}. */
    public String type() {
        return getClass().getSimpleName();
    }

    /** Default base name for an unnamed layer, e.g. {@code conv2d}. */
    public String defaultName() {
        String t = type();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (Character.isUpperCase(c) && i > 0 && !Character.isUpperCase(t.charAt(i - 1))) {
                b.append('_');
            }
            b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }

    /** How many inputs this layer takes: 1 for most, 2 or more for Add, Concat and graphs. */
    public int minInputs() {
        return 1;
    }

    public int maxInputs() {
        return 1;
    }

    /** Per-sample output shape for the given per-sample input shapes; fails if they do not fit. */
    public abstract Shape outputShape(List<Shape> inputShapes);

    /** Batched forward pass. {@code training} switches dropout and batch-norm statistics. */
    public abstract Tensor forward(List<Tensor> inputs, boolean training);

    /** Gradients with respect to each input of the last forward pass; accumulates parameter gradients. */
    public abstract List<Tensor> backwardAll(Tensor gradOutput);

    /**
     * Whether this layer's backward pass reads the tensor its forward pass returned. True unless a layer says
     * otherwise (convolution, batch norm and Add keep only their input or nothing): under the memory plan of
     * {@link StepBuffers#step}, the output of a layer answering false may be overwritten by the layer reading it.
     * A layer answering false must return from forward a tensor nobody else reads: its own, or an input it was
     * allowed to overwrite ({@link InPlace}), never a view of an input it was not.
     */
    public boolean backwardReadsOutput() {
        return true;
    }

    /** Parameters and buffers owned directly by this layer (not by its children). */
    public List<Parameter> parameters() {
        return List.of();
    }

    /** Child layers of a composite (sequential, graph, block); empty for plain layers. */
    public List<Layer> children() {
        return List.of();
    }

    /** Multiply-accumulate operations per sample for the given input shapes. */
    public long macs(List<Shape> inputShapes) {
        return 0;
    }

    /** Hyper-parameters that rebuild this layer (saved in checkpoints). */
    public Map<String, Object> config() {
        return new LinkedHashMap<>();
    }

    /**
     * Whether this layer learns. A frozen layer's parameters are never updated, and layers with
     * statistics (batch norm) run in inference mode even during training, as Keras does.
     */
    public boolean isTrainable() {
        return trainable;
    }

    public Layer setTrainable(boolean value) {
        this.trainable = value;
        for (Parameter p : parameters()) {
            if (p.isLearnable()) {
                p.setFrozen(!value);
            }
        }
        for (Layer child : children()) {
            child.setTrainable(value);
        }
        return this;
    }

    // ---- conveniences for the common single-input case -----------------------------------------

    public final Shape outputShape(Shape inputShape) {
        return outputShape(List.of(inputShape));
    }

    /** Forward pass of a single-input layer or model. */
    public Tensor forward(Tensor input, boolean training) {
        return forward(List.of(input), training);
    }

    /**
     * All parameters and buffers of this layer and its children, keyed by their full dotted names
     * ({@code block1_conv1.kernel}), in a stable order (children in model order, then own parameters).
     */
    /** Whether the layer has fixed its input shape and made its parameters; settings are frozen from then on. */
    protected boolean isBuilt() {
        return false;
    }

    /** Fails naming the setting when the layer is already built (a setter called too late). */
    protected final void requireUnbuilt(String setting) {
        if (isBuilt()) {
            throw new IllegalStateException(describe() + ": cannot change " + setting + " after the layer was built");
        }
    }

    /**
     * What backward needs from the last forward pass, or a clear error when no forward pass kept it (none ran
     * yet, or it ran inside {@link GradMode#withoutGradients}).
     */
    protected final <T> T fromForward(T cached) {
        if (cached == null) {
            throw new IllegalStateException(describe() + ": backward needs a forward pass first (one that kept "
                    + "gradients: not inside GradMode.withoutGradients, as predict() runs)");
        }
        return cached;
    }

    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    void collect(String prefix, Map<String, Parameter> out) {
        for (Parameter p : parameters()) {
            out.put(prefix + p.name(), p);
        }
        for (Layer child : children()) {
            child.collect(prefix + child.name() + ".", out);
        }
    }

    /** Number of scalar values in learnable parameters (frozen ones included). */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            if (p.isLearnable()) {
                n += p.shape().size();
            }
        }
        return n;
    }

    /** Zeroes every learnable parameter's gradient. */
    public void zeroGrad() {
        for (Parameter p : namedParameters().values()) {
            p.zeroGrad();
        }
    }

    /** Fails with a message naming this layer unless the number of inputs fits. */
    protected final void requireInputs(List<?> inputs) {
        if (inputs.size() < minInputs() || inputs.size() > maxInputs()) {
            String want = minInputs() == maxInputs() ? String.valueOf(minInputs())
                    : minInputs() + ".." + (maxInputs() == Integer.MAX_VALUE ? "n" : maxInputs());
            throw new IllegalArgumentException(describe() + ": takes " + want + " input(s), got " + inputs.size());
        }
    }

    /** "layer 'conv1' (Conv2d)" for messages. */
    public String describe() {
        return "layer '" + (name == null ? defaultName() : name) + "' (" + type() + ")";
    }

    /** A list view helper for subclasses. */
    protected static List<Tensor> one(Tensor t) {
        List<Tensor> l = new ArrayList<>(1);
        l.add(t);
        return l;
    }

    @Override
    public String toString() {
        return describe();
    }
}
