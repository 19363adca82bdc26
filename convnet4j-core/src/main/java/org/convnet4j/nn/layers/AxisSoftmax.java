package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Softmax (or log-softmax) over the per-sample axes {@code [axis, endAxis)} taken together: one axis
 * (ONNX opset 13+ Softmax/LogSoftmax, {@code endAxis = axis + 1}) or every axis from {@code axis} on (opsets
 * before 13, which flatten the input to 2-D at {@code axis}). Axes count per sample (0 is the first axis
 * after the batch). Computed with the maximum subtracted, so large inputs do not overflow.
 */
public final class AxisSoftmax extends UnaryLayer {
    private final int axis;
    private final int endAxis;
    private final boolean log;
    private Tensor y;
    private int outer;
    private int len;
    private int inner;

    /** {@code endAxis} -1 means "to the last axis". */
    public AxisSoftmax(int axis, int endAxis, boolean log) {
        if (axis < 0 || (endAxis != -1 && endAxis <= axis)) {
            throw new IllegalArgumentException("AxisSoftmax: need 0 <= axis < endAxis (or endAxis -1), got axis="
                    + axis + ", endAxis=" + endAxis);
        }
        this.axis = axis;
        this.endAxis = endAxis;
        this.log = log;
    }

    public boolean isLog() {
        return log;
    }

    private int end(int rank) {
        return endAxis == -1 ? rank : endAxis;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (axis >= input.rank() || end(input.rank()) > input.rank()) {
            throw new IllegalArgumentException(describe() + ": axes [" + axis + ", " + end(input.rank())
                    + ") do not exist in per-sample shape " + input);
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        outputShapeOf(x.shape().dropFirst());
        int e = end(x.rank() - 1) + 1;
        int[] d = x.shape().dims();
        outer = 1;
        for (int i = 0; i <= axis; i++) {
            outer *= d[i];
        }
        len = 1;
        for (int i = axis + 1; i < e; i++) {
            len *= d[i];
        }
        inner = 1;
        for (int i = e; i < d.length; i++) {
            inner *= d[i];
        }
        y = Tensor.zeros(x.shape());
        float[] xd = x.data();
        float[] yd = y.data();
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * len * inner + in;
                float max = Float.NEGATIVE_INFINITY;
                for (int l = 0; l < len; l++) {
                    max = Math.max(max, xd[base + l * inner]);
                }
                double sum = 0;
                for (int l = 0; l < len; l++) {
                    sum += Math.exp(xd[base + l * inner] - max);
                }
                double logSum = Math.log(sum);
                for (int l = 0; l < len; l++) {
                    double shifted = xd[base + l * inner] - max;
                    yd[base + l * inner] = (float) (log ? shifted - logSum : Math.exp(shifted - logSum));
                }
            }
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (y == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        Tensor dx = Tensor.zeros(y.shape());
        float[] yd = y.data();
        float[] g = dy.data();
        float[] d = dx.data();
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * len * inner + in;
                double s = 0;
                for (int l = 0; l < len; l++) {
                    int k = base + l * inner;
                    s += log ? g[k] : (double) g[k] * yd[k];
                }
                for (int l = 0; l < len; l++) {
                    int k = base + l * inner;
                    // softmax: dx = y (g - sum g y); log-softmax: dx = g - softmax * sum g
                    d[k] = log ? (float) (g[k] - Math.exp(yd[k]) * s) : (float) (yd[k] * (g[k] - s));
                }
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", axis);
        c.put("end_axis", endAxis);
        c.put("log", log);
        return c;
    }
}
