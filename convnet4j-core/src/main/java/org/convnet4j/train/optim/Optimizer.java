package org.convnet4j.train.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;

/**
 * Updates parameters from their gradients.
 *
 * <p>Lifecycle of one training step, in this order:
 * <ol>
 *   <li>{@link #zeroGrad()} — backward passes accumulate gradients, so they are cleared first;</li>
 *   <li>forward pass of the model ({@code model.forward(x, true)}) and the loss;</li>
 *   <li>backward pass ({@code model.backwardAll(loss.gradient())}) filling each parameter's {@code grad()};</li>
 *   <li>optionally clip the gradients ({@link GradientClipping#apply(Optimizer)});</li>
 *   <li>{@link #step()} — one update of every parameter that is not frozen;</li>
 *   <li>schedule — {@link #setLearningRate(double)} with the {@link LrSchedule}'s rate for the next step.</li>
 * </ol>
 *
 * <p>Frozen parameters (by {@link Parameter#isFrozen()} or a frozen {@link ParamGroup}) are not touched by
 * {@link #step()} at all: no decay, and their momentum or moment estimates are neither created nor advanced.
 *
 * <p>The optimiser's state (step count, momentum buffers, Adam moments) is exposed as named tensors by
 * {@link #state()} and restored by {@link #loadState(Map)}, so a checkpoint resumes training exactly.
 */
public interface Optimizer {

    /** The parameter groups, in the order given. */
    List<ParamGroup> groups();

    /** The base learning rate (before each group's scale). */
    double learningRate();

    void setLearningRate(double lr);

    /** One update of all parameters that are not frozen, from their current gradients. */
    void step();

    /** Number of {@link #step()} calls so far (restored by {@link #loadState}). */
    long stepCount();

    /** Short name for logs and checkpoints: {@code sgd}, {@code adam}, {@code adamw}. */
    String name();

    /** Hyper-parameters, for logs and checkpoint descriptions. */
    Map<String, Object> config();

    /**
     * The state as named tensors: {@code step}, and per parameter {@code <full name>.<slot>} (for example
     * {@code dense.kernel.momentum_buffer}, {@code dense.kernel.exp_avg}). The tensors are copies.
     */
    Map<String, Tensor> state();

    /** Replaces the state with a copy of {@code state}; fails naming any unknown or mis-shaped entry. */
    void loadState(Map<String, Tensor> state);

    /** Clears every gradient of every group (frozen ones too: they are not used, but stay clean). */
    default void zeroGrad() {
        java.util.List<Parameter> all = new java.util.ArrayList<>();
        for (ParamGroup g : groups()) {
            all.addAll(g.parameters().values());
        }
        GradZeroing.zero(all); // on the kernels' threads when there are many values (the same zeros)
    }

    /** All parameters of all groups by full name. */
    default Map<String, Parameter> parameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (ParamGroup g : groups()) {
            out.putAll(g.parameters());
        }
        return out;
    }

    /** The parameters that {@link #step()} updates: not frozen themselves and not in a frozen group. */
    default Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (ParamGroup g : groups()) {
            if (!g.isFrozen()) {
                g.parameters().forEach((k, p) -> {
                    if (!p.isFrozen()) {
                        out.put(k, p);
                    }
                });
            }
        }
        return out;
    }
}
