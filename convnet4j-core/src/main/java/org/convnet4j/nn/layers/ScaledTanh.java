package org.convnet4j.nn.layers;

import java.util.Map;

/**
 * LeCun's scaled hyperbolic tangent {@code f(a) = A tanh(S a)}, by default with the constants of LeCun et al.
 * 1998 (Appendix A): {@code A = 1.7159}, {@code S = 2/3}. They are chosen so that f(1) = 1 and f(-1) = -1,
 * which puts targets of +-1 (such as LeNet-5's RBF codes) where the curvature of f is largest, keeps the unit's
 * gain near 1 around the origin and keeps outputs of order 1 for inputs of order 1.
 *
 * <p>The derivative follows from the output: with {@code t = y / A}, {@code dy/da = A S (1 - t^2)}.
 */
public final class ScaledTanh extends OutputDerivedActivation {
    /** The paper's amplitude A = 1.7159 (= 1 / tanh(2/3) to four decimals). */
    public static final double LECUN_AMPLITUDE = 1.7159;
    /** The paper's slope S = 2/3. */
    public static final double LECUN_SLOPE = 2.0 / 3.0;

    private final double amplitude;
    private final double slope;
    private final float a;
    private final float s;

    /** The paper's constants. */
    public ScaledTanh() {
        this(LECUN_AMPLITUDE, LECUN_SLOPE);
    }

    public ScaledTanh(double amplitude, double slope) {
        if (!(amplitude > 0) || !Double.isFinite(amplitude) || !(slope > 0) || !Double.isFinite(slope)) {
            throw new IllegalArgumentException("ScaledTanh: amplitude and slope must be finite and > 0, got amplitude "
                    + amplitude + ", slope " + slope);
        }
        this.amplitude = amplitude;
        this.slope = slope;
        this.a = (float) amplitude;
        this.s = (float) slope;
    }

    public double amplitude() {
        return amplitude;
    }

    public double slope() {
        return slope;
    }

    @Override
    protected float apply(float x) {
        return (float) (amplitude * Math.tanh(slope * x));
    }

    @Override
    protected float derivativeFromOutput(float y) {
        float t = y / a;
        return a * s * (1f - t * t);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("amplitude", amplitude);
        c.put("slope", slope);
        return c;
    }
}
