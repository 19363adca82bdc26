package org.convnet4j.nn.layers;

/** Hyperbolic tangent; dy/dx = 1 - y^2. */
public final class Tanh extends OutputDerivedActivation {

    @Override
    protected float apply(float x) {
        return (float) Math.tanh(x);
    }

    @Override
    protected float derivativeFromOutput(float y) {
        return 1f - y * y;
    }
}
