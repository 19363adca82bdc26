package org.convnet4j.transfer;

import org.convnet4j.nn.Layer;

/**
 * A layer that ends in its own classifier head where transfer learning looks for a Dense layer: an imported ONNX
 * model with a typed path (convnet4j-io's {@code OnnxProgramLayer}), whose last Gemm or MatMul is inside it.
 * {@link Transfer#withNewHead} replaces such a layer, at the end of the model, by {@link #withNewHead}'s copy.
 */
public interface ReplaceableHead {
    /**
     * A copy of this layer whose head gives {@code classes} outputs, its weights drawn afresh from {@code seed}, every
     * other weight as it is now.
     *
     * @throws IllegalArgumentException naming the layer when it has no head it can resize
     */
    Layer withNewHead(int classes, long seed);
}
