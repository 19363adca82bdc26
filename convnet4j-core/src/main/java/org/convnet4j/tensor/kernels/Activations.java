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
        return expReduced(r, scale);
    }

    /**
     * e^(t + tl) for a correction tl of the order of t's last bit: as {@link #exp}, with tl added to the reduced
     * argument, so that an argument known to more than float precision (GELU's -x^2/2, about -70 at x = -12, where
     * one rounding of the sum would cost 4e-6 relative) keeps its low part.
     */
    static float exp(float t, float tl) {
        t = Math.min(Math.max(t, LO), HI);
        float z = Math.fma(t, LOG2E, ROUND);
        float n = z - ROUND;
        int scale = (Float.floatToRawIntBits(z) - ROUND_BITS + 127) << 23;
        float r = Math.fma(n, -LN2_HI, t);
        r = Math.fma(n, -LN2_LO, r);
        return expReduced(r + tl, scale);
    }

    private static float expReduced(float r, int scale) {
        float p = Math.fma(P5, r, P4);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P1);
        p = Math.fma(p, r, P0);
        p = Math.fma(p, r * r, r);
        p = p + 1f;
        return p * Float.intBitsToFloat(scale);
    }

    /** 1 / sqrt 2, and erfc's coefficients (Numerical Recipes' erfcc, Chebyshev fit; fractional error below 1.2e-7). */
    static final float INV_SQRT2 = 0.70710678118654752f;
    /** GELU's erfc is taken at x clamped to [-16, 16]: beyond, the result is x, or a negative value below 1e-37. */
    static final float GELU_CLAMP = 16f;
    static final float[] ERFC = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f, -0.18628806f, 0.27886807f,
        -1.13520398f, 1.48851587f, -0.82215223f, 0.17087277f};

    /**
     * GELU {@code 0.5 x (1 + erf(x / sqrt 2))} through erfc of {@code a = |x| / sqrt 2}, which has no cancellation on
     * either side: {@code erfc(a) = t e^(-a^2 + P(t))} with {@code t = 1 / (1 + a / 2)} and P of degree 9 (Horner, fused
     * multiply-adds), the exponent's -x^2/2 carried in two parts ({@link #exp(float, float)}); then {@code 0.5 x erfc(a)} for x below 0 and {@code x - 0.5 x erfc(a)} (one fused
     * multiply-add) otherwise, with x clamped to [-16, 16] inside erfc (and in the first product). +infinity
     * stays +infinity, NaN stays the same NaN.
     */
    static float gelu(float x) {
        if (x != x) {
            return x;
        }
        float xc = Math.min(Math.max(x, -GELU_CLAMP), GELU_CLAMP);
        float a = Math.abs(xc) * INV_SQRT2;
        float t = 1f / Math.fma(a, 0.5f, 1f);
        float p = Math.fma(ERFC[9], t, ERFC[8]);
        for (int k = 7; k >= 0; k--) {
            p = Math.fma(p, t, ERFC[k]);
        }
        // the exponent -x^2/2 + P in two parts: x^2 = sq + sqLow exactly, -sq/2 + P rounded to th, and what that
        // rounding lost (Fast2Sum) plus -sqLow/2 in tl
        float sq = xc * xc;
        float sqLow = Math.fma(xc, xc, -sq);
        float big = -0.5f * sq;
        float th = big + p;
        float tl = Math.fma(-0.5f, sqLow, (big - th) + p);
        float erfc = t * exp(th, tl);
        if (x < 0f) {
            return 0.5f * xc * erfc;
        }
        return x == Float.POSITIVE_INFINITY ? x : Math.fma(-0.5f * x, erfc, x);
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
