package org.convnet4j.checkpoint;

import java.nio.ByteBuffer;

/**
 * The element types of the safetensors format that convnet4j can read. Every one is converted to float32
 * on reading (the only element type of a {@link org.convnet4j.tensor.Tensor}); convnet4j writes only F32.
 *
 * <p>Integer types are converted to the nearest float: exact up to 2^24 in magnitude, which covers the
 * integer buffers a convolutional network stores (counters, label indices). BOOL becomes 0 or 1.
 * The 8-bit float types and unsigned types wider than 8 bits are refused as unknown.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype named as in a safetensors header ("F32", "BF16", ...), or null if convnet4j cannot read it. */
    public static DType fromName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Converts {@code count} elements from {@code src} (little-endian, positioned at the first element)
     * into {@code dst} starting at {@code dstOffset}.
     */
    public void decode(ByteBuffer src, float[] dst, int dstOffset, int count) {
        switch (this) {
            case F32 -> src.asFloatBuffer().get(dst, dstOffset, count);
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = (float) src.getDouble(src.position() + 8 * i);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = halfToFloat(src.getShort(src.position() + 2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = bfloat16ToFloat(src.getShort(src.position() + 2 * i));
                }
            }
            case I64 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = (float) src.getLong(src.position() + 8 * i);
                }
            }
            case I32 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = (float) src.getInt(src.position() + 4 * i);
                }
            }
            case I16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = src.getShort(src.position() + 2 * i);
                }
            }
            case I8 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = src.get(src.position() + i);
                }
            }
            case U8 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = src.get(src.position() + i) & 0xFF;
                }
            }
            case BOOL -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = src.get(src.position() + i) != 0 ? 1f : 0f;
                }
            }
            default -> throw new AssertionError(this);
        }
    }

    /** IEEE 754 binary16 to float32; exact, since every half value is representable as a float. */
    public static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            // Infinity or NaN: keep the payload, shifted to the top of the float mantissa.
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            // Subnormal half: normalise it, since it is a normal number in float32.
            int shift = Integer.numberOfLeadingZeros(mantissa) - 21; // leading zeros within the 10-bit field
            mantissa = (mantissa << shift) & 0x3FF;
            exponent = 1 - shift;
        }
        return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
    }

    /** bfloat16 is the upper half of a float32, so the conversion is a shift. */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
