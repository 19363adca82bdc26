package org.convnet4j.tensor.kernels;

/**
 * The scalar definition of the kernels' transcendental activations, shared by {@link Kernels}' default methods,
 * {@link ScalarKernels} and the scalar tails of {@link VectorKernels}. The vector code performs the very same
 * sequence of IEEE operations per lane (min, max, fused multiply-adds, one integer shift, one division), so the
 * two give the same bits.
 *
 * <p>{@code exp(t)} for t clamped to [-87, 88]: {@code n = round(t / ln 2)} by the 1.5 * 2^23 trick (one fused
 * multiply-add rounds {@code t * log2(e)} to the nearest integer), {@code r = t - n ln 2} in two fused steps (ln 2
 * split into a short high part and a low part, so {@code n * ln2hi} is exact), a degree-7 polynomial for
 * {@code e^r} on [-ln2/2, ln2/2] (the classic single-precision minimax coefficients, as in Cephes' expf), and the
 * scale 2^n built from the exponent bits. Measured against {@code Math.exp} in double (ActivationKernelsTest):
 * SiLU within a few units in the last place over the float range. The clamp keeps 2^n a normal number: for
 * {@code x < -88}, SiLU returns {@code x / (1 + e^88)} (below 1e-36 in magnitude) instead of a value closer to 0.
 */
final class Activations {
    static final float LOG2E = 1.44269504088896341f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
    static final float ROUND = 12582912f;
    static final int ROUND_BITS = 0x4B400000;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float P0 = 5.0000001201e-1f;
    static final float P1 = 1.6666665459e-1f;
    static final float P2 = 4.1665795894e-2f;
    static final float P3 = 8.3334519073e-3f;
    static final float P4 = 1.3981999507e-3f;
    static final float P5 = 1.9875691500e-4f;
    static final float LO = -87f;
    static final float HI = 88f;

    private Activations() {
    }

    /** e^t, t clamped to [-87, 88] (NaN stays NaN). */
    static float exp(float t) {
        t = Math.min(Math.max(t, LO), HI);
        float z = Math.fma(t, LOG2E, ROUND);
        float n = z - ROUND;
        int scale = (Float.floatToRawIntBits(z) - ROUND_BITS + 127) << 23;
        float r = Math.fma(n, -LN2_HI, t);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(P5, r, P4);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P1);
        p = Math.fma(p, r, P0);
        p = Math.fma(p, r * r, r);
        p = p + 1f;
        return p * Float.intBitsToFloat(scale);
    }

    /** SiLU (swish): {@code x / (1 + e^-x)}. */
    static float silu(float x) {
        return x / (1f + exp(-x));
    }

    /** The logistic sigmoid: {@code 1 / (1 + e^-x)}. */
    static float sigmoid(float x) {
        // below -88 the clamped exp would give 1 / (1 + e^88) = 6e-39 for every x; the true value is smaller (0
        // in float from -104 on): 0, so a saturated gate is exactly closed, as the double path gives
        return x < -HI ? 0f : 1f / (1f + exp(-x));
    }
}
