package org.convnet4j.nn.init;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** {@link SeededRandom} gives {@code new Random(seed)}'s values, every method interleaved, so no weight changes. */
class SeededRandomTest {
    @Test
    void everyMethodGivesRandomsSequence() {
        for (long seed : new long[] {0, 1, -1, 42, "conv1.kernel".hashCode(), Long.MIN_VALUE, 7 * 1_000_003L + 99}) {
            Random r = new Random(seed);
            Random s = new SeededRandom(seed);
            for (int i = 0; i < 20_000; i++) {
                String at = "seed " + seed + ", draw " + i;
                switch (i % 9) {
                    case 0, 1, 2 -> assertEquals(Double.doubleToRawLongBits(r.nextGaussian()),
                            Double.doubleToRawLongBits(s.nextGaussian()), at);
                    case 3 -> assertEquals(r.nextDouble(), s.nextDouble(), 0.0, at);
                    case 4 -> assertEquals(r.nextInt(), s.nextInt(), at);
                    case 5 -> assertEquals(r.nextInt(1 + i), s.nextInt(1 + i), at);
                    case 6 -> assertEquals(r.nextFloat(), s.nextFloat(), 0f, at);
                    case 7 -> assertEquals(r.nextLong(), s.nextLong(), at);
                    default -> assertEquals(r.nextBoolean(), s.nextBoolean(), at);
                }
                if (i == 10_001) { // a reseed forgets the pending Gaussian, as Random's does
                    r.nextGaussian();
                    s.nextGaussian();
                    r.setSeed(seed + 5);
                    s.setSeed(seed + 5);
                }
            }
        }
    }

    @Test
    void aParametersWeightsAreThoseOfRandom() {
        Parameter p = Parameter.learnable("kernel", Shape.of(64, 3, 7, 7), Initializer.HE_NORMAL, 147, 3136);
        Tensor expected = Tensor.zeros(p.shape());
        Initializer.HE_NORMAL.fill(expected, 147, 3136, new Random("kernel".hashCode()));
        assertEquals(0f, expected.maxAbsDiff(p.value()));
        Parameter u = Parameter.learnable("fc.kernel", Shape.of(10, 84), Initializer.GLOROT_UNIFORM, 84, 10);
        Tensor uniform = Tensor.zeros(u.shape());
        Initializer.GLOROT_UNIFORM.fill(uniform, 84, 10, new Random("fc.kernel".hashCode()));
        assertEquals(0f, uniform.maxAbsDiff(u.value()));
    }
}
