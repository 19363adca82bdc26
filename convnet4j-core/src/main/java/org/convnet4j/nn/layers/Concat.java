package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Layer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Joins inputs along the channel axis (per-sample axis 0, i.e. C of [C, H, W] or the features of [F]):
 * the join of an inception module; or along another per-sample axis ({@link #Concat(int)}). All other
 * dimensions must agree.
 */
public final class Concat extends Layer {
    private final int axis;
    private List<Shape> lastShapes;

    /** Along the channel axis. */
    public Concat() {
        this(0);
    }

    /** Along per-sample axis {@code axis} (0 = channels; the batch axis cannot be joined). */
    public Concat(int axis) {
        if (axis < 0) {
            throw new IllegalArgumentException("Concat: per-sample axis must be >= 0, got " + axis);
        }
        this.axis = axis;
    }

    public int axis() {
        return axis;
    }

    @Override
    public int minInputs() {
        return 1;
    }

    @Override
    public int maxInputs() {
        return Integer.MAX_VALUE;
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
        requireInputs(inputShapes);
        Shape first = inputShapes.get(0);
        if (axis >= first.rank()) {
            throw new IllegalArgumentException(describe() + ": axis " + axis + " of per-sample inputs " + inputShapes);
        }
        int channels = 0;
        for (Shape s : inputShapes) {
            if (s.rank() != first.rank() || !s.withDim(axis, 1).equals(first.withDim(axis, 1))) {
                throw new IllegalArgumentException(describe() + ": inputs must agree in every dimension but "
                        + (axis == 0 ? "the first (channels)" : "axis " + axis) + ", got " + inputShapes);
            }
            channels += s.dim(axis);
        }
        return first.withDim(axis, channels);
    }

    /** Rows that are joined: the batch times the per-sample dimensions before the axis. */
    private int outer(Shape full) {
        int o = full.dim(0);
        for (int i = 1; i <= axis; i++) {
            o *= full.dim(i);
        }
        return o;
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        requireInputs(inputs);
        int n = inputs.get(0).dim(0);
        List<Shape> samples = new ArrayList<>();
        for (Tensor t : inputs) {
            samples.add(t.shape().dropFirst());
        }
        Shape outSample = outputShape(samples);
        Tensor out = Tensor.zeros(outSample.prepend(n));
        int rows = outer(out.shape());
        int outPer = out.size() / rows;
        int offset = 0;
        for (Tensor t : inputs) {
            if (t.dim(0) != n) {
                throw new IllegalArgumentException(describe() + ": batch sizes differ: " + inputs.stream().map(Tensor::shape).toList());
            }
            int per = t.size() / rows;
            for (int i = 0; i < rows; i++) {
                System.arraycopy(t.data(), i * per, out.data(), i * outPer + offset, per);
            }
            offset += per;
        }
        lastShapes = inputs.stream().map(Tensor::shape).toList();
        return out;
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        int rows = outer(gradOutput.shape());
        int outPer = gradOutput.size() / rows;
        List<Tensor> grads = new ArrayList<>();
        int offset = 0;
        for (Shape s : lastShapes) {
            Tensor g = Tensor.zeros(s);
            int per = s.size() / rows;
            for (int i = 0; i < rows; i++) {
                System.arraycopy(gradOutput.data(), i * outPer + offset, g.data(), i * per, per);
            }
            offset += per;
            grads.add(g);
        }
        return grads;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", axis + 1); // counted with the batch axis, as ONNX and Keras do
        return c;
    }
}
