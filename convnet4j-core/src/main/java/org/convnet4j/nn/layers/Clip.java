package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.ops.ConvEpilogue;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * {@code min(max(x, lo), hi)} element-wise (ReLU6 is Clip(0, 6)). The gradient passes where
 * {@code lo <= x <= hi} and is zero where the value was clipped.
 */
public final class Clip extends UnaryLayer implements FusableActivation {
    private final float lo;
    private final float hi;
    private Tensor x;

    public Clip(double lo, double hi) {
        if (Double.isNaN(lo) || Double.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("Clip: need min <= max, got min=" + lo + ", max=" + hi);
        }
        this.lo = (float) lo;
        this.hi = (float) hi;
    }

    public float min() {
        return lo;
    }

    public float max() {
        return hi;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        x = input;
        Tensor y = Tensor.zeros(input.shape());
        float[] xd = input.data();
        float[] yd = y.data();
        clip(xd, 0, yd, 0, xd.length);
        return y;
    }

    private void clip(float[] xd, int xOff, float[] yd, int yOff, int len) {
        for (int i = 0; i < len; i++) {
            yd[yOff + i] = Math.min(Math.max(xd[xOff + i], lo), hi);
        }
    }

    /** The clip {@link #forward} runs, in place. */
    @Override
    public ConvEpilogue.Activation epilogueActivation() {
        return (k, y, off, len) -> clip(y, off, y, off, len);
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (x == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        Tensor dx = Tensor.zeros(x.shape());
        float[] xd = x.data();
        float[] g = dy.data();
        float[] d = dx.data();
        for (int i = 0; i < xd.length; i++) {
            d[i] = xd[i] >= lo && xd[i] <= hi ? g[i] : 0f;
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("min", (double) lo);
        c.put("max", (double) hi);
        return c;
    }
}
