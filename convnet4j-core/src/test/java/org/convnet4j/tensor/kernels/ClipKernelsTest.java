package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels#clip} and {@link Kernels#clipBackward} (ReLU6 and other clips): the vector kernels give the scalar
 * twin's bits for every length (vector bodies and tails), offset and special value (NaN, infinities, signed zeros,
 * the bounds themselves), and the twin follows its contract.
 */
class ClipKernelsTest {
    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels vector = KernelProvider.vector(1);

    @Test
    void vectorGivesTheScalarTwinsBitsAndTheContractHolds() {
        Random random = new Random(11);
        float[][] bounds = {{0f, 6f}, {-1f, 1f}, {-0f, 0f}};
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 6f, -1f, 1f,
            Math.nextUp(6f), Math.nextDown(0f), Float.MIN_VALUE, -Float.MIN_VALUE};
        for (float[] b : bounds) {
            for (int n = 0; n < 70; n++) {
                int off = n % 3;
                float[] x = new float[n + off];
                float[] g = new float[n + off];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (random.nextGaussian() * 4);
                    g[i] = (float) random.nextGaussian();
                }
                for (int i = 0; i < Math.min(n, special.length); i++) {
                    x[off + (i * 5) % n] = special[i];
                }
                float[] ys = new float[n + 1];
                float[] yv = new float[n + 1];
                scalar.clip(n, x, off, b[0], b[1], ys, 1);
                vector.clip(n, x, off, b[0], b[1], yv, 1);
                float[] ds = new float[n + 2];
                float[] dv = new float[n + 2];
                scalar.clipBackward(n, x, off, b[0], b[1], g, off, ds, 2);
                vector.clipBackward(n, x, off, b[0], b[1], g, off, dv, 2);
                for (int i = 0; i < n; i++) {
                    float v = x[off + i];
                    String what = "n=" + n + " i=" + i + " x=" + v + " bounds " + b[0] + ".." + b[1];
                    assertEquals(Float.floatToRawIntBits(ys[1 + i]), Float.floatToRawIntBits(yv[1 + i]), what);
                    assertEquals(Float.floatToRawIntBits(Math.min(Math.max(v, b[0]), b[1])),
                            Float.floatToRawIntBits(ys[1 + i]), what);
                    assertEquals(Float.floatToRawIntBits(ds[2 + i]), Float.floatToRawIntBits(dv[2 + i]), what);
                    assertEquals(v >= b[0] && v <= b[1] ? g[off + i] : 0f, ds[2 + i], what);
                }
                assertEquals(0f, yv[0]); // nothing written outside the range
                assertEquals(0f, dv[1]);
            }
        }
    }

    @Test
    void inPlace() {
        float[] x = {-3f, 0.5f, 7f, Float.NaN, 6f, 0f, -0f, 2f, 9f, -9f, 1f, 3f, 5f, 6.5f, -0.5f, 4f, 8f, 0.25f};
        float[] expected = new float[x.length];
        scalar.clip(x.length, x, 0, 0f, 6f, expected, 0);
        float[] y = x.clone();
        vector.clip(y.length, y, 0, 0f, 6f, y, 0);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(y[i]), "i=" + i);
        }
    }
}
