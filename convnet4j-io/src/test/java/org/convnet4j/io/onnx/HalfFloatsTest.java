package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** FLOAT16 and BFLOAT16 rounding and bits against independent definitions (every 16-bit pattern, ties, edges). */
class HalfFloatsTest {

    @Test
    void everyHalfPatternDecodesAndEncodesToItself() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = HalfFloats.halfToFloat(bits);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals(f, (float) HalfFloats.roundToHalf(f), "pattern " + Integer.toHexString(bits));
            assertEquals(bits, HalfFloats.halfBits(f), "pattern " + Integer.toHexString(bits));
        }
        assertEquals(65504f, HalfFloats.halfToFloat(0x7BFF));
        assertEquals(0x1p-24f, HalfFloats.halfToFloat(0x0001));
        assertEquals(-0x1p-14f, HalfFloats.halfToFloat(0x8400));
    }

    @Test
    void halfRoundingIsToNearestWithTiesToEven() {
        // neighbours 1 and 1 + 2^-10: the midpoint goes to the even one (1), just above it to the odd one
        assertEquals(1d, HalfFloats.roundToHalf(1 + 0x1p-11));
        assertEquals(1 + 0x1p-10, HalfFloats.roundToHalf(1 + 0x1p-11 + 0x1p-30));
        assertEquals(1 + 0x2p-10, HalfFloats.roundToHalf(1 + 0x3p-11)); // midpoint of odd 1+2^-10 and even 1+2^-9
        // a double just above a midpoint that float32 would round onto the midpoint: rounded once, from the double
        assertEquals(1 + 0x1p-10, HalfFloats.roundToHalf(1 + 0x1p-11 + 0x1p-40));
        assertEquals(65504d, HalfFloats.roundToHalf(65519.99));
        assertEquals(Double.POSITIVE_INFINITY, HalfFloats.roundToHalf(65520)); // the tie above max goes up
        assertEquals(0x1p-24, HalfFloats.roundToHalf(0x1.8p-25)); // subnormal tie above half the smallest
        assertEquals(0d, HalfFloats.roundToHalf(0x1p-25)); // tie to even zero
    }

    @Test
    void randomDoublesRoundToTheNearestHalf() {
        SplittableRandom r = new SplittableRandom(16);
        for (int i = 0; i < 100_000; i++) {
            double v = (r.nextDouble() - 0.5) * Math.scalb(1d, r.nextInt(-30, 17));
            double got = HalfFloats.roundToHalf(v);
            // nearest among every finite half value: the two neighbours found by scanning the bit patterns' order
            int b = HalfFloats.halfBits(got);
            float up = HalfFloats.halfToFloat(b + 1 & 0xFFFF);
            float down = HalfFloats.halfToFloat(b - 1 & 0xFFFF);
            double err = Math.abs(got - v);
            if (!Float.isNaN(up) && !Float.isInfinite(up)) {
                assertEquals(true, err <= Math.abs(up - v), v + " -> " + got + ", " + up + " is nearer");
            }
            if (!Float.isNaN(down) && !Float.isInfinite(down)) {
                assertEquals(true, err <= Math.abs(down - v), v + " -> " + got + ", " + down + " is nearer");
            }
        }
    }

    @Test
    void bfloat16RoundsToNearestEvenOfTheUpperHalf() {
        SplittableRandom r = new SplittableRandom(17);
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) {
                continue;
            }
            int u = Float.floatToRawIntBits(f);
            int expected = u + 0x7FFF + (u >>> 16 & 1) >>> 16; // the usual integer form of ties to even
            float want = Float.intBitsToFloat(expected << 16);
            assertEquals(want, (float) HalfFloats.roundToBfloat16(f), Float.toHexString(f));
            if (!Float.isInfinite(want)) {
                assertEquals(expected & 0xFFFF, HalfFloats.bfloat16Bits(f), Float.toHexString(f));
            }
        }
    }
}
