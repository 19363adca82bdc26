package org.convnet4j.ops;

import java.util.function.Supplier;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.PreparedMatrix;

/**
 * Where a convolution's weights stay packed for the GEMM (one {@link PreparedMatrix} per channel group) from one
 * call to the next, instead of being packed again on every call: a layer's inference cache, kept by the layer's
 * kernel parameter until its values change ({@code nn.Parameter#derived}). The packed copy holds the same values at
 * the same offsets as a per-call packing, so results keep their bits.
 */
@FunctionalInterface
public interface PackedWeights {
    /**
     * The packed weights for kernels {@code k}: the kept ones when they were packed by {@code k} from the current
     * weight values, else {@code pack.get()} (kept for the next call).
     */
    PreparedMatrix[] get(Kernels k, Supplier<PreparedMatrix[]> pack);

    /**
     * The weights packed as the right operand (W_g^T per group, {@link Kernels#prepareB}), for one-sample tiles
     * computed transposed; kept beside {@link #get}'s form. By default packed per call.
     */
    default PreparedMatrix[] getRight(Kernels k, Supplier<PreparedMatrix[]> pack) {
        return pack.get();
    }

    /**
     * The weights as the direct products of shifted tiles read them (an opaque packing that the convolution checks
     * before use); kept beside {@link #get}'s form. By default packed per call.
     */
    default Object getDirect(Kernels k, Supplier<Object> pack) {
        return pack.get();
    }

    /**
     * The weights transformed for the Winograd products of stride-1 3x3 layers (an opaque form that the convolution
     * checks before use); kept beside {@link #get}'s form. By default transformed per call.
     */
    default Object getWinograd(Kernels k, Supplier<Object> transform) {
        return transform.get();
    }
}
