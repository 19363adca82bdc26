package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * {@code y = sum_k w_k x_k} over K inputs of equal shape, with one learnable scalar weight per input
 * ({@code weights}, shape [K], starting at 1/K, i.e. the mean). The join of intermediate fusion when the
 * network should learn how much each modality's features count; unlike {@link Add} it can turn an unhelpful
 * branch down. The weights are not constrained (no softmax), so they can also change sign or grow.
 */
public final class WeightedSum extends Layer {
    private Parameter weights;
    private List<Tensor> inputs; // cached for backward

    @Override
    public int minInputs() {
        return 2;
    }

    @Override
    public int maxInputs() {
        return Integer.MAX_VALUE;
    }

    public Parameter weights() {
        return weights;
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
        requireInputs(inputShapes);
        Shape first = inputShapes.get(0);
        for (Shape s : inputShapes) {
            if (!s.equals(first)) {
                throw new IllegalArgumentException(describe() + ": inputs must have equal shapes, got " + inputShapes);
            }
        }
        int k = inputShapes.size();
        if (weights == null) {
            float start = 1f / k;
            Initializer mean = (t, in, out, r) -> t.fill(start);
            weights = Parameter.learnable("weights", Shape.of(k), mean, k, 1);
            setTrainable(isTrainable());
        } else if (weights.shape().dim(0) != k) {
            throw new IllegalArgumentException(describe() + ": built for " + weights.shape().dim(0) + " inputs, given " + k);
        }
        return first;
    }

    @Override
    public Tensor forward(List<Tensor> in, boolean training) {
        requireInputs(in);
        if (weights == null || weights.shape().dim(0) != in.size()) {
            throw new IllegalStateException(describe() + ": built for "
                    + (weights == null ? "no" : String.valueOf(weights.shape().dim(0))) + " inputs, given " + in.size());
        }
        float[] w = weights.value().data();
        Tensor out = Tensor.zeros(in.get(0).shape());
        float[] o = out.data();
        for (int k = 0; k < in.size(); k++) {
            Tensor.requireSameShape(describe(), out, in.get(k));
            float[] a = in.get(k).data();
            float wk = w[k];
            for (int i = 0; i < o.length; i++) {
                o[i] += wk * a[i];
            }
        }
        this.inputs = List.copyOf(in);
        return out;
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        if (inputs == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        float[] w = weights.value().data();
        float[] gw = weights.grad().data();
        float[] g = gradOutput.data();
        List<Tensor> out = new ArrayList<>(inputs.size());
        for (int k = 0; k < inputs.size(); k++) {
            float[] x = inputs.get(k).data();
            Tensor gx = Tensor.zeros(gradOutput.shape());
            float[] d = gx.data();
            double dot = 0;
            for (int i = 0; i < g.length; i++) {
                d[i] = w[k] * g[i];
                dot += (double) g[i] * x[i];
            }
            gw[k] += (float) dot; // accumulated like every layer's; the optimiser skips frozen parameters
            out.add(gx);
        }
        return out;
    }

    @Override
    public List<Parameter> parameters() {
        return weights == null ? List.of() : List.of(weights);
    }

    @Override
    public long macs(List<Shape> inputShapes) {
        return (long) inputShapes.get(0).size() * inputShapes.size();
    }
}
