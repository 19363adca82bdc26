package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A network whose input shapes are known when it is built, so every layer's shape is checked then, not
 * when data first flows. {@link Sequential} and {@link Graph} are the two kinds; a model is itself a
 * layer and can be nested in another model (a residual block inside a ResNet).
 */
public abstract class Model extends Layer {
    private List<String> classNames = List.of();
    private final Map<String, Integer> nameCounters = new HashMap<>();
    /** Built inside {@link ShapesOnly#build}: no weights, refuses to predict (before any work). */
    private final boolean shapesOnly = ShapesOnly.active();

    /** Per-sample shapes of the inputs (one for most models). */
    public abstract List<Shape> inputShapes();

    /** Per-sample shape of the (first) output. */
    public abstract Shape outputShape();

    /** One row per layer for summaries: name, type, output shape, parameters, MACs. */
    public abstract List<SummaryRow> summaryRows();

    /**
     * Inference on a batch (dropout off, batch norm with running statistics), keeping nothing for a backward
     * pass ({@link GradMode#withoutGradients}): each activation is garbage as soon as it has been consumed.
     */
    public Tensor predict(Tensor x) {
        refuseShapesOnly();
        // activations from this thread's reused buffers (InferenceBuffers); the result is the caller's
        return GradMode.withoutGradients(() -> InferenceBuffers.call(() -> forward(x, false)));
    }

    /**
     * {@link #predict(Tensor)} for a model with several inputs (one tensor per input, batch first): the same
     * inference path (packed weights, this thread's activation buffers), the result the caller's.
     */
    public Tensor predict(List<Tensor> inputs) {
        refuseShapesOnly();
        return GradMode.withoutGradients(() -> InferenceBuffers.call(() -> forward(inputs, false)));
    }

    private void refuseShapesOnly() {
        if (shapesOnly) {
            ShapesOnly.check(this, "run");
        }
    }

    /** Names of the classes the outputs stand for, if known (saved with the model). */
    public List<String> classNames() {
        return classNames;
    }

    public Model setClassNames(List<String> names) {
        this.classNames = List.copyOf(names);
        return this;
    }

    /** Every parameter and buffer value by full name, as checkpoints store them. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((k, p) -> out.put(k, p.value()));
        return out;
    }

    /**
     * Tells every parameter and buffer that its values were written directly (through {@link #stateDict()}'s tensors
     * or {@link Parameter#value()}): inference drops the weights it had packed from the old values. The library's
     * own writers (loading, initialising, optimiser steps) need no such call; see {@link Parameter}.
     */
    public void weightsChanged() {
        namedParameters().values().forEach(Parameter::changed);
    }

    /** Learnable parameters only (frozen ones included), by full name. */
    public Map<String, Parameter> learnableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        namedParameters().forEach((k, p) -> {
            if (p.isLearnable()) {
                out.put(k, p);
            }
        });
        return out;
    }

    /** Number of learnable values that are not frozen. */
    public long trainableParameterCount() {
        long n = 0;
        for (Parameter p : learnableParameters().values()) {
            if (!p.isFrozen()) {
                n += p.shape().size();
            }
        }
        return n;
    }

    /**
     * Initialises every parameter and buffer that holds no loaded weights ({@link Parameter#isLoaded}) from
     * {@code seed}. Each parameter draws from its own source seeded by the model seed and its full name, so
     * values do not depend on the order in which layers were built: same seed, same model.
     */
    public Model initialize(long seed) {
        // Loaded weights are never overwritten: initialising a model that holds a pretrained branch or a restored
        // checkpoint draws only the parameters that nothing has loaded yet (a new head, a fresh branch).
        namedParameters().forEach((fullName, p) -> {
            if (!p.isLoaded()) {
                p.initialize(new org.convnet4j.nn.init.SeededRandom(seed * 1_000_003L + fullName.hashCode()));
            }
        });
        return this;
    }

    /**
     * Draws every parameter afresh, loaded ones included (training from scratch on a known architecture);
     * the same values {@link #initialize} gives a model that loaded nothing.
     */
    public Model reinitialize(long seed) {
        namedParameters().forEach((fullName, p) ->
                p.initialize(new org.convnet4j.nn.init.SeededRandom(seed * 1_000_003L + fullName.hashCode())));
        return this;
    }

    /**
     * The backward pass of training: accumulates every parameter's gradient like {@link #backwardAll}, but
     * need not compute the gradient with respect to the model's inputs, which training never uses (models
     * whose first layer is {@link InputGradientOptional} skip it). Parameter gradients are bit-identical to
     * those of {@code backwardAll}.
     */
    public void backwardParameters(Tensor gradOutput) {
        backwardAll(gradOutput);
    }

    /** Total multiply-accumulates per sample. */
    public long totalMacs() {
        return macs(inputShapes());
    }

    /** Gives an unnamed layer a name unique among this model's children ({@code conv2d}, {@code conv2d_1}). */
    protected final void assignName(Layer layer, java.util.Set<String> taken) {
        if (layer.name() == null) {
            String base = layer.defaultName();
            String candidate;
            do {
                int k = nameCounters.merge(base, 1, Integer::sum) - 1;
                candidate = k == 0 ? base : base + "_" + k;
            } while (taken.contains(candidate));
            layer.named(candidate);
        }
        if (taken.contains(layer.name())) {
            throw new IllegalArgumentException("model '" + name() + "': two layers are named '" + layer.name() + "'");
        }
    }

    /** One line of a model summary. */
    public record SummaryRow(String name, String type, Shape outputShape, long params, long frozenParams,
                             long macs, List<String> inputs) {
    }

    /** Helper for summaries: learnable counts of one layer (its whole subtree). */
    protected static long[] counts(Layer layer) {
        long total = 0;
        long frozen = 0;
        for (Parameter p : layer.namedParameters().values()) {
            if (p.isLearnable()) {
                total += p.shape().size();
                if (p.isFrozen()) {
                    frozen += p.shape().size();
                }
            }
        }
        return new long[] {total, frozen};
    }

    protected static List<String> names(List<String> l) {
        return new ArrayList<>(l);
    }
}
