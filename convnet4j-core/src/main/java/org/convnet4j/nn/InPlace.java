package org.convnet4j.nn;

import java.util.List;
import org.convnet4j.tensor.Tensor;

/**
 * A layer that can write its forward result over an input, and its input gradient over its output gradient,
 * computing the same values as {@link Layer#forward} and {@link Layer#backwardAll} (element by element, so the
 * bits do not change). Only {@link Sequential} and {@link Graph} call these, inside a {@link StepBuffers#step} with
 * the memory plan on, and only when they know nothing else reads the tensor that gets overwritten.
 */
public interface InPlace {

    /** Whether the forward pass may write over input {@code k} of {@code arity} inputs. */
    default boolean canOverwriteInput(int k, int arity) {
        return k == 0;
    }

    /**
     * The forward pass, its result written over {@code inputs.get(target)} (a tensor nobody reads afterwards, whose
     * producer's backward does not read it either); returns that tensor (or a tensor sharing its array).
     */
    Tensor forwardInPlace(List<Tensor> inputs, int target, boolean training);

    /** The backward pass, input gradients written over {@code gradOutput} where the layer can (nobody else holds it). */
    List<Tensor> backwardInPlace(Tensor gradOutput);
}
