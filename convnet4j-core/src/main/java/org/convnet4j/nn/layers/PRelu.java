package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Parametric ReLU (He et al. 2015): {@code x} where positive, {@code slope * x} elsewhere, with a learnable slope
 * broadcast over the sample (per channel [C, 1, 1], one shared [1], or any broadcastable per-sample shape),
 * initialised to 0.25 as in the paper. ONNX PRelu.
 */
public final class PRelu extends UnaryLayer {
    private final Shape slopeShape;
    private Parameter slope;
    private Tensor x;
    private int[] sMap;

    /** {@code slopeShape}: per-sample, of the input's rank, each dimension equal to the input's or 1. */
    public PRelu(Shape slopeShape) {
        this.slopeShape = slopeShape;
    }

    public Parameter slope() {
        return slope;
    }

    @Override
    protected boolean isBuilt() {
        return slope != null;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        int[] out = Broadcasting.shape(input.dims(), slopeShape.dims());
        if (out == null || !Shape.of(out).equals(input)) {
            throw new IllegalArgumentException(describe() + ": slope " + slopeShape + " does not broadcast to " + input);
        }
        if (slope == null) {
            slope = Parameter.learnable("slope", slopeShape, Initializer.named("prelu_quarter",
                    (t, in, o, r) -> t.fill(0.25f)), 1, 1);
            setTrainable(isTrainable());
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        outputShapeOf(input.shape().dropFirst());
        int[] full = input.shape().dims();
        int[] m = Broadcasting.indexMap(slopeShape.prepend(1).dims(), full);
        float[] xd = input.data();
        float[] s = slope.value().data();
        Tensor y = Tensor.zeros(input.shape());
        float[] yd = y.data();
        for (int k = 0; k < xd.length; k++) {
            yd[k] = xd[k] > 0 ? xd[k] : s[m[k]] * xd[k];
        }
        x = GradMode.keep(input);
        sMap = m;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor in = fromForward(x);
        float[] xd = in.data();
        float[] g = dy.data();
        float[] s = slope.value().data();
        float[] ds = slope.grad().data();
        Tensor dx = Tensor.zeros(in.shape());
        float[] d = dx.data();
        for (int k = 0; k < xd.length; k++) {
            if (xd[k] > 0) {
                d[k] = g[k];
            } else {
                d[k] = s[sMap[k]] * g[k];
                ds[sMap[k]] += g[k] * xd[k];
            }
        }
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return slope == null ? List.of() : List.of(slope);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        IndexMapLayer.put(c, "slope_shape", slopeShape.dims());
        return c;
    }
}
