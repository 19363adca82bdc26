package org.convnet4j.nn.layers;

import org.convnet4j.ops.ConvEpilogue;

/**
 * An element-wise activation layer that a preceding convolution may apply to its output tiles in an inference pass
 * ({@link Conv2d#absorbable}): the function it hands out computes exactly what its own forward pass does, in
 * place, so the fused result has the unfused bits.
 */
interface FusableActivation {
    /** This layer's function on a run of values, in place; null when it cannot be fused. */
    ConvEpilogue.Activation epilogueActivation();
}
