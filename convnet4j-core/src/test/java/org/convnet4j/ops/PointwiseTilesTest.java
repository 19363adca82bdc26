package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * A pointwise convolution's forward tiles cut by their output size ({@link FastConvolution.Tiling#outputCapped}) give
 * the bits of the tiles cut by the column budget, with a batch norm + residual + ReLU epilogue and without, on one and
 * two threads: rows of one sample (like ResNet-50's 1x1 64->256 on 56x56 at batch 1) and joined samples (like its
 * 256->1024 on 14x14 at batch 8), both smaller.
 */
class PointwiseTilesTest {

    @Test
    void outputCappedTilesGiveTheSameBits() {
        int[][] cases = {{1, 16, 40, 256}, {8, 16, 14, 400}};
        for (Kernels k : new Kernels[] {KernelProvider.vector(1), KernelProvider.vector(2)}) {
            for (int[] c : cases) {
                int n = c[0], ch = c[1], hw = c[2], f = c[3];
                Random random = new Random(n * 31 + f);
                Tensor x = Tensor.randn(random, 1f, n, ch, hw, hw);
                Tensor w = Tensor.randn(random, 1f, f, ch, 1, 1);
                Tensor bias = Tensor.randn(random, 1f, f);
                ConvParams p = ConvParams.defaults();
                ConvDims d = ConvDims.of(x.shape(), w.shape(), Shape.of(n, f, hw, hw), p);
                FastConvolution.Tiling base = FastConvolution.Tiling.of(d);
                assertNotEquals(base, base.outputCapped(d), "the case re-cuts its tiles: " + base);
                float[] skip = Tensor.randn(random, 1f, n, f, hw, hw).data();
                ConvEpilogue epilogue = new ConvEpilogue(randoms(random, f), randoms(random, f), randoms(random, f),
                        randoms(random, f), ConvEpilogue.RELU).withResidual(skip);
                for (ConvEpilogue e : new ConvEpilogue[] {null, epilogue}) {
                    float[] capped = forward(true, x, w, bias, p, k, e);
                    float[] old = forward(false, x, w, bias, p, k, e);
                    assertArrayEquals(old, capped, k.name() + " " + base + " epilogue " + (e != null));
                }
            }
        }
    }

    private static float[] forward(boolean capped, Tensor x, Tensor w, Tensor bias, ConvParams p, Kernels k,
                                   ConvEpilogue epilogue) {
        boolean was = FastConvolution.pointwiseOutputTiles;
        FastConvolution.pointwiseOutputTiles = capped;
        try {
            return FastConvolution.forward(x, w, bias, p, k, epilogue, null).data();
        } finally {
            FastConvolution.pointwiseOutputTiles = was;
        }
    }

    private static float[] randoms(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = 0.5f + random.nextFloat();
        }
        return out;
    }
}
