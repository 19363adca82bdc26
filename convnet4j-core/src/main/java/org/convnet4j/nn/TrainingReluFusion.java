package org.convnet4j.nn;

import java.util.List;
import org.convnet4j.tensor.Tensor;

/**
 * A layer whose forward pass with gradients can also run the ReLU right after it, piece by piece of its output while
 * that piece is in cache (batch norm: each plane right after its normalisation; a residual sum: each chunk right after
 * its addition), instead of the ReLU's own pass over
 * the whole activation afterwards. {@link Sequential} and {@link Graph} offer it only inside a {@link StepBuffers#step}
 * with the memory plan on, where the ReLU would have run in place over this layer's output (its only reader, which
 * this layer's backward does not read): the ReLU is handed that tensor as its output, as its in-place forward would
 * have kept it, so its backward runs as before. The bits are those of the two layers in turn.
 */
public interface TrainingReluFusion {
    /** Whether this layer can run {@code next} (a switch for A/B runs may say no). */
    boolean absorbsRelu(Layer next);

    /**
     * The forward pass (written over {@code inputs.get(target)} as {@link InPlace#forwardInPlace} does, or, with
     * {@code target} -1, into the layer's own output), then {@code relu} over the output; returns the output, which
     * {@code relu} now holds as its own.
     */
    Tensor forwardWithRelu(List<Tensor> inputs, int target, boolean training, Layer relu);
}
