package org.convnet4j.nn.layers;

/** 1 / (1 + e^-x), computed without overflow for large |x|; dy/dx = y (1 - y). */
public final class Sigmoid extends OutputDerivedActivation {

    @Override
    protected float apply(float x) {
        return sigmoid(x);
    }

    @Override
    protected float derivativeFromOutput(float y) {
        return y * (1f - y);
    }

    /** The logistic function; e^-|x| never overflows, so both branches stay finite. */
    static float sigmoid(float v) {
        if (v >= 0f) {
            return (float) (1.0 / (1.0 + Math.exp(-v)));
        }
        double e = Math.exp(v);
        return (float) (e / (1.0 + e));
    }
}
