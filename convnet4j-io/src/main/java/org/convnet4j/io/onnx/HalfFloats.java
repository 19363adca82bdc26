package org.convnet4j.io.onnx;

/**
 * IEEE 754 binary16 (ONNX FLOAT16) and bfloat16 (ONNX BFLOAT16): decoding their 16 bits, and rounding a double to
 * the nearest value of the format (ties to even, overflow to infinity, subnormals kept), directly from the double so
 * that a DOUBLE to FLOAT16 cast is rounded once. Every value of both formats is exact as a float.
 */
final class HalfFloats {
    private HalfFloats() {
    }

    /** The float a FLOAT16 bit pattern stands for. */
    static float halfToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13)); // infinity, NaN (payload kept)
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero): exact
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** The float a BFLOAT16 bit pattern stands for (the upper half of a float's bits). */
    static float bfloat16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** {@code v} rounded to the nearest FLOAT16 value. */
    static double roundToHalf(double v) {
        return round(v, 10, -14, 65504d);
    }

    /** {@code v} rounded to the nearest BFLOAT16 value. */
    static double roundToBfloat16(double v) {
        return round(v, 7, -126, 0x1.FEp127);
    }

    /** The bit pattern of a FLOAT16 value (as {@link #roundToHalf} gives). */
    static int halfBits(double v) {
        float f = (float) roundToHalf(v);
        int b = Float.floatToRawIntBits(f);
        int sign = (b >>> 16) & 0x8000;
        if (Float.isNaN(f)) {
            return sign | 0x7E00;
        }
        if (Float.isInfinite(f)) {
            return sign | 0x7C00;
        }
        float a = Math.abs(f);
        if (a < 0x1p-14f) {
            return sign | Math.round(a * 0x1p24f); // subnormal: an exact multiple of 2^-24
        }
        int exp = ((b >>> 23) & 0xFF) - 127 + 15;
        return sign | (exp << 10) | ((b >>> 13) & 0x3FF);
    }

    /** The bit pattern of a BFLOAT16 value (as {@link #roundToBfloat16} gives). */
    static int bfloat16Bits(double v) {
        float f = (float) roundToBfloat16(v);
        return Float.isNaN(f) ? 0x7FC0 | (Float.floatToRawIntBits(f) >>> 16 & 0x8000)
                : Float.floatToRawIntBits(f) >>> 16;
    }

    /**
     * Nearest value with {@code mantissaBits} stored fraction bits and exponents from {@code minExp} (subnormals below),
     * ties to even; magnitudes beyond {@code max} after rounding become infinite.
     */
    private static double round(double v, int mantissaBits, int minExp, double max) {
        if (Double.isNaN(v) || Double.isInfinite(v) || v == 0) {
            return v;
        }
        int e = Math.max(Math.getExponent(v), minExp);
        double quantum = Math.scalb(1d, e - mantissaBits);
        double r = Math.rint(v / quantum) * quantum; // scaling by a power of two is exact; rint ties to even
        if (Math.abs(r) > max) {
            return Math.copySign(Double.POSITIVE_INFINITY, v);
        }
        return r == 0 ? Math.copySign(0d, v) : r;
    }
}
