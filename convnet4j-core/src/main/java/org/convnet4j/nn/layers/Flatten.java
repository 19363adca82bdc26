package org.convnet4j.nn.layers;

import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * [N, C, H, W] to [N, C*H*W] in channels-first order (C outermost). Keras flattens channels-last;
 * weight importers reorder the first dense kernel after a Flatten accordingly.
 */
public final class Flatten extends UnaryLayer {
    private Shape inShape;

    @Override
    protected Shape outputShapeOf(Shape input) {
        return Shape.of(input.size());
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        inShape = x.shape();
        return x.reshape(x.dim(0), x.shape().sizeFrom(1));
    }

    @Override
    public Tensor backward(Tensor dy) {
        return dy.reshape(inShape);
    }
}
