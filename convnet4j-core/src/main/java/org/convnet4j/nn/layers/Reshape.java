package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/** Gives each sample a new shape with the same number of elements (row-major order kept). */
public final class Reshape extends UnaryLayer {
    private final Shape target;
    private Shape inShape;

    public Reshape(Shape target) {
        if (target == null) {
            throw new IllegalArgumentException("Reshape: target shape must not be null");
        }
        this.target = target;
    }

    public Shape target() {
        return target;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.size() != target.size()) {
            throw new IllegalArgumentException(describe() + ": cannot reshape " + input + " (" + input.size()
                    + " values) to " + target + " (" + target.size() + " values)");
        }
        return target;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        outputShapeOf(x.shape().dropFirst());
        inShape = x.shape();
        return x.reshape(target.prepend(x.dim(0)));
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (inShape == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        return dy.reshape(inShape);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        List<Integer> dims = new ArrayList<>();
        for (int d : target.dims()) {
            dims.add(d);
        }
        c.put("shape", dims);
        return c;
    }
}
