package org.convnet4j.nn;

import java.util.List;
import org.convnet4j.tensor.Tensor;

/**
 * A layer that, in an inference pass without gradients ({@link InferenceFusion#active}), can also take over a
 * residual sum that ends the chain after it: in a {@link Graph}, the chain's layers (each reading only the one before)
 * then a two-input node adding the chain's result and a tensor computed before this layer ran (the skip), both of
 * one shape. The sum is then done as each output value is written, instead of in a pass of its own; the same
 * additions, so the same bits as the layers one by one (floating-point addition is commutative, so either operand
 * order of the sum gives them).
 */
public interface ResidualFusion {
    /**
     * Whether this layer can run {@code following} (the unary layers of the chain, then the sum's layer, last) with
     * the skip given: the last layer must be an element-wise addition of two equal shapes.
     */
    boolean absorbsWithResidual(List<Layer> following);

    /** Inference forward pass of this layer, then {@code following}, the last one adding {@code skip}. */
    Tensor forwardAbsorbingResidual(List<Tensor> inputs, List<Layer> following, Tensor skip);
}
