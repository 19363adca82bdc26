package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.PanelLayout;
import org.junit.jupiter.api.Test;

/**
 * im2col written straight into the GEMM's packed layout ({@link PackedPatches}, {@link Kernels#patchPanels}): the
 * fast writer against its per-element twin, the twin's layout against the GEMM's own packing of the im2col matrix
 * ({@link Kernels#prepareB}), and the forward pass with the packed patches against the two-copy path (bit for bit,
 * any thread count) and against the reference loops.
 */
class PackedPatchesTest {
    /** Shapes that take the packed path: stride 1 and 2, padding on some sides, dilation, groups, several tiles. */
    private static final List<FastConvolutionTest.Case> CASES = List.of(
            new FastConvolutionTest.Case(2, 24, 19, 21, 40, 3, 3, ConvParams.of(1, 1)),
            new FastConvolutionTest.Case(1, 64, 14, 14, 64, 3, 3, ConvParams.of(1, 1)), // one tile, im2col on all threads
            new FastConvolutionTest.Case(1, 64, 29, 27, 40, 3, 3, ConvParams.of(2, 1)),
            new FastConvolutionTest.Case(2, 12, 17, 30, 20, 3, 5, ConvParams.of(1, new Padding(2, 0, 1, 3))
                    .withDilation(2, 1)),
            new FastConvolutionTest.Case(2, 16, 40, 40, 24, 3, 3, ConvParams.of(1, 1).withGroups(2)), // row tiles
            new FastConvolutionTest.Case(1, 3, 37, 37, 64, 7, 7, ConvParams.of(2, 3))); // a stem, K = 147

    private static ConvDims dims(FastConvolutionTest.Case cs) {
        Shape xs = Shape.of(cs.n(), cs.c(), cs.h(), cs.w());
        Shape ws = Shape.of(cs.f(), cs.c() / cs.p().groups(), cs.kh(), cs.kw());
        return ConvDims.of(xs, ws, Convolution.outputShape(xs, ws, cs.p()), cs.p());
    }

    @Test
    void writerGivesItsTwinsAndTheGemmsOwnPackingsFloats() {
        Kernels k = KernelProvider.vector(1);
        Random random = new Random(17);
        // the vector kernels' layout, and small ones: slices of 5 and 64 rows, panels of 7 and 48 columns
        PanelLayout gemms = k.patchPanels(40, 24 * 9, 100);
        assertNotNull(gemms, "the vector kernels read a packed right operand for a few-rows product");
        for (PanelLayout layout : List.of(gemms, new PanelLayout(7, 5), new PanelLayout(48, 64))) {
            for (FastConvolutionTest.Case cs : CASES) {
                ConvDims d = dims(cs);
                float[] x = new float[cs.n() * cs.c() * cs.h() * cs.w()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                int kk = d.patch();
                for (int[] rows : new int[][] {{0, d.oh()}, {1, Math.min(d.oh(), 4)}, {d.oh() - 1, d.oh()}}) {
                    int t = (rows[1] - rows[0]) * d.ow();
                    int size = (int) layout.size(kk, t);
                    for (int g = 0; g < d.groups(); g++) {
                        int b = cs.n() - 1;
                        float[] naive = new float[size];
                        PackedPatches.writeNaive(d, x, b, g, rows[0], rows[1], layout, naive);
                        float[] fast = new float[size];
                        Arrays.fill(fast, Float.NaN); // every float must be written, padding columns too
                        int half = d.cg() / 2;
                        PackedPatches.write(d, x, b, g, rows[0], rows[1], layout, fast, half, d.cg());
                        PackedPatches.write(d, x, b, g, rows[0], rows[1], layout, fast, 0, half);
                        assertArrayEquals(naive, fast, cs + " rows " + Arrays.toString(rows) + " " + layout);
                        if (layout == gemms) {
                            float[] col = new float[kk * t];
                            FastConvolution.im2col(d, x, b, g, rows[0], rows[1], col, 0, t);
                            float[] packedByGemm = k.prepareB(false, kk, t, col, 0, t).packed();
                            assertNotNull(packedByGemm);
                            assertArrayEquals(Arrays.copyOf(packedByGemm, size), naive, cs + " against prepareB");
                        }
                    }
                }
            }
        }
    }

    @Test
    void forwardWithPackedPatchesGivesTheTwoCopyBitsOnAnyThreadCount() {
        Kernels one = KernelProvider.vector(1);
        boolean saved = FastConvolution.packedPatches;
        boolean direct = DirectTiles.enabled;
        DirectTiles.enabled = false; // the GEMM's two copies against its packed patches, not the direct products
        try {
            for (FastConvolutionTest.Case cs : CASES) {
                ConvDims d = dims(cs);
                // the packed path is the one taken: a GEMM tile of one sample, few rows, not computed transposed
                assertFalse(DirectConvolution.applies(d, cs.p()) || FastConvolution.isPointwise(d), cs.toString());
                FastConvolution.Tiling tiling = FastConvolution.Tiling.of(d);
                FastConvolution.Tile tile = tiling.tile(0);
                assertEquals(1, tile.nb(), cs.toString());
                assertFalse(one.fillsBetterTransposed(d.fg(), tile.cols()), cs.toString());
                assertNotNull(one.patchPanels(d.fg(), d.patch(), tile.cols()), cs.toString());

                FastConvolution.packedPatches = true;
                FastConvolutionTest.check(cs, KernelProvider.vector(2), 11); // against the reference loops
                Random random = new Random(cs.hashCode());
                Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
                Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c() / cs.p().groups(), cs.kh(), cs.kw());
                Tensor bias = Tensor.randn(random, 1f, cs.f());
                FastConvolution.packedPatches = false;
                Tensor twoCopies = FastConvolution.forward(x, w, bias, cs.p(), one);
                Tensor twoCopiesNoBias = FastConvolution.forward(x, w, null, cs.p(), one);
                FastConvolution.packedPatches = true;
                for (int threads = 1; threads <= 3; threads++) {
                    Kernels k = KernelProvider.vector(threads);
                    assertArrayEquals(twoCopies.data(), FastConvolution.forward(x, w, bias, cs.p(), k).data(),
                            cs + ", threads " + threads);
                    assertArrayEquals(twoCopiesNoBias.data(), FastConvolution.forward(x, w, null, cs.p(), k).data(),
                            cs + " without bias, threads " + threads);
                }
            }
        } finally {
            FastConvolution.packedPatches = saved;
            DirectTiles.enabled = direct;
        }
    }

    @Test
    void scalarKernelsPackNothing() {
        assertNull(KernelProvider.scalar().patchPanels(40, 216, 100));
        // many rows (not the few-rows path): the vector kernels read B unpacked there
        assertNull(KernelProvider.vector(1).patchPanels(512, 4608, 98));
    }
}
