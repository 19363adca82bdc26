package org.convnet4j.nn;

import java.util.List;
import org.convnet4j.tensor.Tensor;

/**
 * A layer that, in an inference pass without gradients ({@link InferenceFusion#active}), can also run a residual
 * sum after it: in a {@link Graph}, the chain of unary layers after it (each reading only the one before), then a
 * two-input node adding the chain's end to a tensor computed before this layer ran (the skip, of the same shape),
 * then the sum's own chain (ResNet's ReLU). The skip is then added as each output tile is finished, while it is in
 * cache, instead of in a sweep of its own; the same kernel calls per value, so the same bits as the layers one by one
 * (floating-point addition is commutative: either operand order of the sum gives them).
 */
public interface ResidualFusion {
    /**
     * How many of {@code following} this layer can run with the skip added (0: none; else more than {@code sumAt},
     * the sum's position in the list: the unary chain before it, the sum, then the sum's chain).
     */
    int absorbableWithResidual(List<Layer> following, int sumAt);

    /** Inference forward pass of this layer, then the first {@code count} of {@code following}, adding {@code skip}. */
    Tensor forwardAbsorbingResidual(List<Tensor> inputs, List<Layer> following, int count, Tensor skip);
}
