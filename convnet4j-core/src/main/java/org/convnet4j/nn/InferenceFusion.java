package org.convnet4j.nn;

import java.util.List;
import org.convnet4j.tensor.Tensor;

/**
 * A layer that can take over the layers right after it in an inference pass without gradients (training off,
 * inside {@link GradMode#withoutGradients}): a convolution absorbs the batch norm and ReLU that follow it and
 * applies them to each output tile while it is in cache, instead of three sweeps over memory and two more
 * activations; a residual sum absorbs the ReLU after it. {@link Sequential} and {@link Graph} offer each such
 * layer the chain of layers after it (each reading only the one before); results are bit-identical to running
 * the layers one by one.
 */
public interface InferenceFusion {
    /** How many of the first layers of {@code following} this layer can absorb (0: none). */
    int absorbable(List<Layer> following);

    /** Inference forward pass of this layer followed by the first {@code count} layers of {@code following}. */
    Tensor forwardAbsorbing(List<Tensor> inputs, List<Layer> following, int count);

    /** Whether passes now may fuse: inference without gradient bookkeeping. */
    static boolean active(boolean training) {
        return !training && !GradMode.isEnabled();
    }
}
