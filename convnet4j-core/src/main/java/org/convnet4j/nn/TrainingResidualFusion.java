package org.convnet4j.nn;

import java.util.List;
import org.convnet4j.tensor.Tensor;

/**
 * A layer whose forward pass with gradients can also run the residual sum right after it, and the ReLU after the sum,
 * piece by piece of its output while that piece is in cache (batch norm: each plane right after its normalisation),
 * instead of the sum's own pass over three tensors: a ResNet block's end in training, bn3 → add(skip) → ReLU.
 * {@link Graph} offers it only inside a {@link StepBuffers#step} with the memory plan on, when the sum reads this
 * layer's output alone and a skip computed before this layer, and this layer's backward does not read its output
 * (the tensor becomes the sum's); the ReLU only where it would have run in place over the sum. The sum and the ReLU
 * are handed that tensor as their output, so their backward passes run as before (the sum's reads nothing of the
 * forward pass, the ReLU's reads its output). The bits are those of the layers in turn: the same kernel calls on each
 * value (floating-point addition commutes, so the skip may be either operand of the sum).
 */
public interface TrainingResidualFusion {
    /** Whether this layer can run {@code sum} after it, then {@code relu} (null: none); a switch may say no. */
    boolean absorbsResidual(Layer sum, Layer relu);

    /**
     * The forward pass (with {@code inputs.get(target)} written over as {@link InPlace#forwardInPlace} does, or with
     * {@code target} -1 not), its output plus {@code skip}, then {@code relu} (null: none) over it; returns the output,
     * which {@code sum} and {@code relu} now hold as theirs.
     */
    Tensor forwardWithResidual(List<Tensor> inputs, int target, boolean training, Tensor skip, Layer sum, Layer relu);
}
