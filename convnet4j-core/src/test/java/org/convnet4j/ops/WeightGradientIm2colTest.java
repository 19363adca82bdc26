package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * The weight gradient's im2col on every thread ({@link FastConvolution#parallelGradientIm2col}) for tiles that run in
 * turn with threaded GEMMs: a strided 3x3 layer with one partial sum (256 x 1024 x 3 x 3 weights) over a tile of two
 * samples, and over one sample: the same weight and bias gradient bits as im2col on the caller, with more hand-offs.
 */
class WeightGradientIm2colTest {
    @Test
    void sharedIm2colGivesTheCallersBits() {
        Kernels k = KernelProvider.get();
        Random random = new Random(31);
        Tensor w = Tensor.randn(random, 0.1f, 256, 1024, 3, 3);
        ConvParams p = ConvParams.of(2, 1);
        for (int n : new int[] {2, 1}) {
            Tensor x = Tensor.randn(random, 1f, n, 1024, 8, 8);
            Tensor dy = Tensor.randn(random, 1f, n, 256, 4, 4);
            boolean before = FastConvolution.parallelGradientIm2col;
            try {
                float[][] dw = new float[2][];
                float[][] db = new float[2][];
                long[] handOffs = new long[2];
                for (int on = 0; on < 2; on++) {
                    FastConvolution.parallelGradientIm2col = on == 1;
                    Tensor gw = Tensor.zeros(w.shape());
                    Tensor gb = Tensor.zeros(256);
                    long h0 = KernelProvider.handOffs();
                    FastConvolution.backwardWeights(x, dy, gw, gb, p, k);
                    handOffs[on] = KernelProvider.handOffs() - h0;
                    dw[on] = gw.data();
                    db[on] = gb.data();
                }
                assertArrayEquals(dw[0], dw[1], n + " samples: weight gradient");
                assertArrayEquals(db[0], db[1], n + " samples: bias gradient");
                if (k.threads() > 1) {
                    assertTrue(handOffs[1] > handOffs[0], n + " samples: the im2col ran as parallel calls ("
                            + handOffs[0] + " / " + handOffs[1] + ")");
                }
            } finally {
                FastConvolution.parallelGradientIm2col = before;
            }
        }
    }
}
