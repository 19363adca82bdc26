package org.convnet4j.nn.layers;

import org.convnet4j.tensor.kernels.KernelProvider;

/** 1 / (1 + e^-x), computed without overflow for large |x|; dy/dx = y (1 - y). */
public final class Sigmoid extends OutputDerivedActivation {

    @Override
    protected float apply(float x) {
        return sigmoid(x);
    }

    /**
     * The kernels' single-precision sigmoid ({@code Kernels.sigmoid}: vectorised, within 3 ulp of the double path,
     * the same bits as its scalar twin), as SiLU; {@code -Dconvnet4j.silu.exact=true} keeps the double path here too.
     */
    @Override
    protected void applyRun(float[] a, float[] b, int from, int to) {
        if (Elementwise.exactSilu) {
            super.applyRun(a, b, from, to);
        } else {
            KernelProvider.get().sigmoid(to - from, a, from, b, from);
        }
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
