package org.convnet4j.nn;

import org.convnet4j.tensor.Tensor;

/**
 * A layer whose backward pass can skip the gradient with respect to its input. A model's first layer sees the
 * data, whose gradient training never uses; for a convolution that gradient (a GEMM and a col2im over the
 * full-size input) is a large share of the first layer's backward cost. See {@link Model#backwardParameters}.
 */
public interface InputGradientOptional {
    /**
     * Accumulates the parameter gradients exactly as {@code backward(dy)} does, without computing dL/dx.
     * Must follow a forward pass, like backward.
     */
    void backwardParametersOnly(Tensor dy);
}
