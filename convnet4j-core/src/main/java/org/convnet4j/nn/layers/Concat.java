package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Layer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Joins inputs along the channel axis (per-sample axis 0, i.e. C of [C, H, W] or the features of [F]):
 * the join of an inception module. All other dimensions must agree.
 */
public final class Concat extends Layer {
    private List<Shape> lastShapes;

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
        int channels = 0;
        for (Shape s : inputShapes) {
            if (s.rank() != first.rank() || !s.dropFirstOrEmpty().equals(first.dropFirstOrEmpty())) {
                throw new IllegalArgumentException(describe() + ": inputs must agree in every dimension but the "
                        + "first (channels), got " + inputShapes);
            }
            channels += s.dim(0);
        }
        return first.withDim(0, channels);
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
        int outPer = outSample.size();
        int offset = 0;
        for (Tensor t : inputs) {
            if (t.dim(0) != n) {
                throw new IllegalArgumentException(describe() + ": batch sizes differ: " + inputs.stream().map(Tensor::shape).toList());
            }
            int per = t.shape().sizeFrom(1);
            for (int i = 0; i < n; i++) {
                System.arraycopy(t.data(), i * per, out.data(), i * outPer + offset, per);
            }
            offset += per;
        }
        lastShapes = inputs.stream().map(Tensor::shape).toList();
        return out;
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        int n = gradOutput.dim(0);
        int outPer = gradOutput.shape().sizeFrom(1);
        List<Tensor> grads = new ArrayList<>();
        int offset = 0;
        for (Shape s : lastShapes) {
            Tensor g = Tensor.zeros(s);
            int per = s.sizeFrom(1);
            for (int i = 0; i < n; i++) {
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
        c.put("axis", 1);
        return c;
    }
}
