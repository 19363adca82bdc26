package org.convnet4j.nn;

import org.convnet4j.tensor.Tensor;

/**
 * A layer whose backward pass can apply the mask of the ReLU that follows it (batch norm): {@code Sequential} and
 * {@code Graph} then skip the ReLU's backward and hand its mask over, so the gradient is masked as the layer reads
 * it, one pass over the activation fewer. The results are the bits of the two backward passes in turn.
 */
public interface ReluMasked {
    /** Whether the next backward pass may take a ReLU's mask (a switch for A/B runs may say no). */
    boolean takesReluMask();

    /**
     * This layer's backward for the gradient {@code mask[i] > 0 ? dy[i] : 0}, which is what the ReLU's backward
     * would have handed it ({@code mask} is the ReLU's kept output, {@link Mask#reluMask()}). With {@code overDy} the
     * input gradient may be written over {@code dy} (the caller holds it alone).
     */
    Tensor backwardMasked(Tensor dy, Tensor mask, boolean overDy);

    /** A ReLU: its output of the last forward pass, positive exactly where the gradient passes. */
    interface Mask {
        Tensor reluMask();
    }

    /** Whether {@code after}'s backward may be handed to {@code before} (its only reader) as a mask. */
    static boolean fusable(Layer before, Layer after) {
        return after instanceof Mask && before instanceof ReluMasked r && r.takesReluMask();
    }
}
