package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * A weight gradient summed from four batch-chunk partials by the written-out sum
 * ({@code FastConvolution.fourPartialsWritten}) gets the loop's bits: on the caller (a small gradient) and in blocks on
 * the kernels' threads (one above the threshold), added to a gradient already holding values, signed zeros included.
 */
class FourPartialsTest {
    @Test
    void writtenOutSumGivesTheLoopsBits() {
        Kernels k = KernelProvider.vector(2);
        int[][] cases = {{8, 40, 6, 6, 24}, {8, 512, 5, 5, 160}}; // n, c, h, w, f: 960 and 81,920 weights
        boolean before = FastConvolution.fourPartialsWritten;
        try {
            for (int[] cs : cases) {
                Random random = new Random(cs[1]);
                Tensor x = Tensor.randn(random, 1f, cs[0], cs[1], cs[2], cs[3]);
                Tensor dy = Tensor.randn(random, 1f, cs[0], cs[4], cs[2], cs[3]);
                Tensor start = Tensor.randn(random, 0.01f, cs[4], cs[1], 1, 1);
                float[] s = start.data();
                for (int i = 0; i < s.length; i += 7) {
                    s[i] = (i / 7) % 2 == 0 ? -0f : 0f;
                }
                ConvDims d = ConvDims.of(x.shape(), start.shape(), dy.shape(), ConvParams.defaults());
                assertEquals(4, FastConvolution.partials(d), "four batch chunks");
                float[][] dw = new float[2][];
                for (int on = 0; on < 2; on++) {
                    FastConvolution.fourPartialsWritten = on == 1;
                    Tensor gw = Tensor.of(s.clone(), start.shape().dims());
                    FastConvolution.backwardWeights(x, dy, gw, null, ConvParams.defaults(), k);
                    dw[on] = gw.data();
                }
                assertArrayEquals(dw[0], dw[1], "weight gradient, " + d);
            }
        } finally {
            FastConvolution.fourPartialsWritten = before;
        }
    }
}
