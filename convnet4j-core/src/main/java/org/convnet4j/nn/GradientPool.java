package org.convnet4j.nn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Gradient buffers of a training step shared by liveness: a layer takes its input gradient from here, and the
 * model that called its backward pass gives the gradient it passed in back as soon as nothing reads it any more
 * (after the consuming layer's backward; for a graph, once no pending node holds the same array). A later layer of
 * the same step then writes into that array. So a backward pass holds a handful of activation-sized gradients at a
 * time instead of one per layer (as {@link StepBuffers.Slots} kept them).
 *
 * <p>Arrays are matched by length (any shape of that size). At the start of every step all arrays taken in the
 * previous step become free again (a gradient handed out of the step, such as a model's input gradient, is only
 * valid until the next step, as every buffer of {@link StepBuffers#step}); arrays that a whole step did not take
 * are dropped, so a pool never holds more than one step used. One pool per thread for
 * {@link StepBuffers#step} with the memory plan on; {@link InferenceBuffers} keeps another per thread for
 * {@code Model.predict}'s activations (a "step" there is one inference call).
 */
final class GradientPool {
    private final Map<Integer, List<float[]>> all = new HashMap<>();        // every array of the pool, by length
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>(); // not taken in this step, by length
    private final IdentityHashMap<float[], Boolean> taken = new IdentityHashMap<>(); // taken in this step, not given back
    private final IdentityHashMap<float[], Boolean> usedThisStep = new IdentityHashMap<>();

    /** A new step: every array is free again; arrays the last step did not take at all are dropped. */
    void beginStep() {
        free.clear();
        taken.clear();
        for (Map.Entry<Integer, List<float[]>> e : all.entrySet()) {
            e.getValue().removeIf(a -> !usedThisStep.containsKey(a));
            free.put(e.getKey(), new ArrayDeque<>(e.getValue()));
        }
        all.values().removeIf(List::isEmpty);
        usedThisStep.clear();
    }

    /** A tensor of the given shape whose contents are undefined (the caller writes every element). */
    Tensor overwritten(Shape shape) {
        int n = shape.size();
        ArrayDeque<float[]> q = free.get(n);
        float[] a = q == null ? null : q.poll();
        if (a == null) {
            a = new float[n];
            all.computeIfAbsent(n, k -> new ArrayList<>()).add(a);
        }
        taken.put(a, Boolean.TRUE);
        usedThisStep.put(a, Boolean.TRUE);
        return Tensor.wrap(a, shape);
    }

    /** Whether {@code a} was taken from this pool in this step and not given back: the only kind one may give. */
    boolean holds(float[] a) {
        return taken.containsKey(a);
    }

    /** Gives back an array taken in this step that nothing reads any more; anything else is ignored. */
    void giveBack(float[] a) {
        if (taken.remove(a) != null) {
            free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        }
    }

    /**
     * {@code a} leaves the pool for good (an inference call's result belongs to its caller): it is neither free
     * nor kept any more. Arrays this step did not take are ignored.
     */
    void escape(float[] a) {
        if (usedThisStep.remove(a) != null) {
            taken.remove(a);
            List<float[]> same = all.get(a.length);
            if (same != null) {
                same.removeIf(b -> b == a);
            }
        }
    }

    /** Arrays kept, arrays taken and not given back, floats kept, the longest array (tests). */
    long[] state() {
        long arrays = 0;
        long floats = 0;
        long longest = 0;
        for (List<float[]> l : all.values()) {
            for (float[] a : l) {
                arrays++;
                floats += a.length;
                longest = Math.max(longest, a.length);
            }
        }
        return new long[] {arrays, taken.size(), floats, longest};
    }
}
