package org.convnet4j.nn;

import java.util.List;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/** A layer with exactly one input: forward(x) and backward(dy) on plain tensors. */
public abstract class UnaryLayer extends Layer {

    /** Per-sample output shape; fails with a message naming the layer if the input does not fit. */
    protected abstract Shape outputShapeOf(Shape input);

    /** Batched forward pass; caches what {@link #backward(Tensor)} needs. */
    @Override
    public abstract Tensor forward(Tensor x, boolean training);

    /** dL/dx from dL/dy for the last forward pass; accumulates (+=) parameter gradients. */
    public abstract Tensor backward(Tensor dy);

    /** Multiply-accumulates per sample. */
    protected long macsOf(Shape input) {
        return 0;
    }

    @Override
    public final Shape outputShape(List<Shape> inputShapes) {
        requireInputs(inputShapes);
        return outputShapeOf(inputShapes.get(0));
    }

    @Override
    public final Tensor forward(List<Tensor> inputs, boolean training) {
        requireInputs(inputs);
        return forward(inputs.get(0), training);
    }

    @Override
    public final List<Tensor> backwardAll(Tensor gradOutput) {
        return one(backward(gradOutput));
    }

    @Override
    public final long macs(List<Shape> inputShapes) {
        return macsOf(inputShapes.get(0));
    }

    /** Fails naming this layer unless a batched input has the per-sample shape this layer was built for. */
    protected final void requireSample(Tensor x, Shape expectedSample) {
        if (x.rank() != expectedSample.rank() + 1 || !x.shape().dropFirst().equals(expectedSample)) {
            throw new IllegalArgumentException(describe() + ": expected input [N, " + expectedSample.toString()
                    .substring(1) + ", got " + x.shape());
        }
    }
}
