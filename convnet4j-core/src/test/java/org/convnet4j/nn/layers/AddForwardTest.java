package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Add's sums, bit for bit: two inputs give {@code a[i] + b[i]}, three {@code (a[i] + b[i]) + c[i]} (the order counts),
 * special values included; the inputs are left as they were, and the in-place forms give the same bits.
 */
class AddForwardTest {
    private static final float[] SPECIAL = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MAX_VALUE, 1e-40f};

    @Test
    void sumsAreTheFloatAdditionsInInputOrder() {
        Random random = new Random(5);
        int n = 3 * 16 * 7 + 5; // whole vectors and a tail on any machine
        Tensor a = tensor(random, n);
        Tensor b = tensor(random, n);
        Tensor c = tensor(random, n);
        float[] a0 = a.data().clone();
        float[] b0 = b.data().clone();
        float[] c0 = c.data().clone();
        Tensor two = new Add().forward(List.of(a, b), false);
        Tensor three = new Add().forward(List.of(a, b, c), false);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(a0[i] + b0[i]), Float.floatToRawIntBits(two.data()[i]), "two, " + i);
            assertEquals(Float.floatToRawIntBits((a0[i] + b0[i]) + c0[i]), Float.floatToRawIntBits(three.data()[i]),
                    "three, " + i);
        }
        assertArrayEquals(a0, a.data());
        assertArrayEquals(b0, b.data());
        assertArrayEquals(c0, c.data());
        for (int target = 0; target < 2; target++) {
            Tensor x = Tensor.wrap(a0.clone(), a.shape());
            Tensor y = Tensor.wrap(b0.clone(), b.shape());
            Tensor in = new Add().forwardInPlace(List.of(x, y), target, false);
            assertArrayEquals(two.data(), in.data(), "in place over input " + target);
        }
    }

    private static Tensor tensor(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i % 11 == 0 ? SPECIAL[random.nextInt(SPECIAL.length)] : (float) random.nextGaussian();
        }
        return Tensor.wrap(v, 1, n);
    }
}
