package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The SiLU layer's forward pass runs on the kernels' vectorised {@code silu}: within 3 units in the last place of
 * the exact path ({@code -Dconvnet4j.silu.exact=true}, double {@code Math.exp} rounded once), which it still offers,
 * on a tensor large enough to be cut into parallel chunks.
 */
class ElementwiseSiluTest {
    @Test
    void fastPathStaysWithinThreeUlpOfTheExactPath() {
        Tensor x = Tensor.randn(new Random(11), 4f, 2, 24, 40, 40); // 76,800 values: three parallel chunks
        Elementwise silu = new Elementwise(Elementwise.Fn.SILU);
        boolean before = Elementwise.exactSilu;
        Tensor fast;
        Tensor exact;
        try {
            Elementwise.exactSilu = false;
            fast = silu.forward(x, false);
            Elementwise.exactSilu = true;
            exact = silu.forward(x, false);
        } finally {
            Elementwise.exactSilu = before;
        }
        double worst = 0;
        for (int i = 0; i < x.size(); i++) {
            float e = exact.data()[i];
            double v = x.data()[i];
            assertEquals((float) (v / (1 + Math.exp(-v))), e, "exact path");
            worst = Math.max(worst, Math.abs(fast.data()[i] - e) / Math.ulp(e));
        }
        assertTrue(worst <= 3, "worst " + worst + " ulp");
        assertTrue(worst > 0, "the fast path is a different computation; identical bits everywhere would be a surprise");
    }
}
