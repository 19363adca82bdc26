package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batch-1 tiles whose GEMM runs on every thread also finish their rows there ({@code FastConvolution.parallelTileRows}):
 * the shifted patches' slice filled by channel ranges, its kept columns copied into y by filter blocks, a transposed
 * tile copied back by filter blocks, each with its epilogue (batch norm, a residual, ReLU) in the same parallel call.
 * Forward at two and three threads, switch on and off, gives the one-thread bits.
 */
class ParallelTileRowsTest {
    /** Winograd's switch before any test here set it. */
    private static final boolean WINOGRAD = Winograd.enabled;

    /** Winograd off: it would take the stride-1 3x3 layers whose shifted tiles these tests check. */
    @BeforeEach
    void winogradOff() {
        Winograd.enabled = false;
    }

    @AfterEach
    void winogradAgain() {
        Winograd.enabled = WINOGRAD;
    }

    @Test
    void threadedTilesGiveTheOneThreadBitsWithTheirEpilogue() {
        Kernels one = KernelProvider.vector(1);
        // Small planes computed transposed: 7x7 with 16-float vectors and with the 8-float 4 x 24 tile; with the 6 x 16
        // one (VectorGemm.Tile6x16, the 8-float default) 49 pixels fill 6-row panels at most 1.18x better than 16-column
        // ones, under fillsBetterTransposed's 1.2, so 6x6 planes there, and 464 filters in the 3x3 layer so that its
        // rows still go to all threads (464 x 36 values; 352 x 36 would not)
        boolean sevens = one.fillsBetterTransposed(400, 49) && one.fillsBetterTransposed(352, 49);
        int side = sevens ? 7 : 6;
        int filters3x3 = sevens ? 352 : 464;
        List<FastConvolutionTest.Case> cases = List.of(
                // one shifted tile (14x14), a slice of 256 x 16 x 16 values: filled on all threads
                new FastConvolutionTest.Case(1, 256, 14, 14, 128, 3, 3, ConvParams.of(1, 1)),
                // one shifted tile with four phases (3x3 stride 2, 28x28 -> 14x14), 80 x 4 x 15 x 15 values
                new FastConvolutionTest.Case(1, 80, 28, 28, 128, 3, 3, ConvParams.of(2, 1)),
                // 7x7 planes computed transposed: a pointwise layer and a 3x3 one (im2col on all threads)
                new FastConvolutionTest.Case(1, 128, side, side, 400, 1, 1, ConvParams.defaults()),
                new FastConvolutionTest.Case(1, 96, side, side, filters3x3, 3, 3, ConvParams.of(1, 1)),
                // a pointwise tile with a threaded GEMM, 56 filters (not a multiple of the 16 of a block)
                new FastConvolutionTest.Case(1, 64, 20, 20, 56, 1, 1, ConvParams.defaults()));
        assertTrue(one.fillsBetterTransposed(400, side * side) && one.fillsBetterTransposed(filters3x3, side * side),
                "the " + side + "x" + side + " cases are computed transposed");
        assertTrue(!one.fillsBetterTransposed(128, 196) && !one.fillsBetterTransposed(56, 400),
                "the 3x3 cases are shifted tiles, the 20x20 one is not transposed");
        assertTrue(256 * 16 * 16 >= FastConvolution.IM2COL_PARALLEL && 80 * 4 * 15 * 15 >= FastConvolution.IM2COL_PARALLEL
                && 128 * 196 >= FastConvolution.EPILOGUE_PARALLEL && 56 * 400 >= FastConvolution.EPILOGUE_PARALLEL
                && filters3x3 * side * side >= FastConvolution.EPILOGUE_PARALLEL, "the slices are filled and the rows finished on all threads");
        boolean before = FastConvolution.parallelTileRows;
        try {
            for (FastConvolutionTest.Case cs : cases) {
                Random random = new Random(cs.hashCode());
                Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
                // run before each checked call (one thread): this thread's scratch buffers then hold another input's
                Tensor other = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
                Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c(), cs.kh(), cs.kw());
                int plane = Convolution.outputShape(x.shape(), w.shape(), cs.p()).dim(2)
                        * Convolution.outputShape(x.shape(), w.shape(), cs.p()).dim(3);
                float[] skip = Tensor.randn(random, 1f, cs.f() * plane).data();
                ConvEpilogue bnRelu = new ConvEpilogue(randoms(random, cs.f()), randoms(random, cs.f()),
                        randoms(random, cs.f()), Tensor.randn(random, 1f, cs.f()).data(), true);
                for (ConvEpilogue e : new ConvEpilogue[] {null, bnRelu, bnRelu.withResidual(skip)}) {
                    FastConvolution.parallelTileRows = false;
                    float[] y1 = FastConvolution.forward(x, w, null, cs.p(), one, e, null).data();
                    for (boolean on : new boolean[] {true, false}) {
                        FastConvolution.parallelTileRows = on;
                        for (int threads = 2; threads <= 3; threads++) {
                            Kernels k = KernelProvider.vector(threads);
                            FastConvolution.forward(other, w, null, cs.p(), one, e, null); // fills every slice value
                            FastConvolution.parallelTileRows = on;
                            assertArrayEquals(y1, FastConvolution.forward(x, w, null, cs.p(), k, e, null).data(),
                                    cs + " epilogue " + (e == null ? "none" : e.residual() != null ? "bn+sum+relu"
                                            : "bn+relu") + ", switch " + on + ", threads " + threads);
                        }
                    }
                }
            }
        } finally {
            FastConvolution.parallelTileRows = before;
        }
    }

    @Test
    void aSliceUnderTheIm2colBoundIsFilledOnEveryThreadWithTheOneThreadBits() {
        // ResNet-50's 14x14 3x3 layers at batch 1: one shifted tile whose slice (256 x 16 x 15 values, rows sharing
        // their padding) is under IM2COL_PARALLEL; with smallSlicesOnAllThreads it is filled in two channel ranges
        FastConvolutionTest.Case cs = new FastConvolutionTest.Case(1, 256, 14, 14, 128, 3, 3, ConvParams.of(1, 1));
        Random random = new Random(5);
        Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
        Tensor other = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
        Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c(), cs.kh(), cs.kw());
        ConvDims d = ConvDims.of(x.shape(), w.shape(), Convolution.outputShape(x.shape(), w.shape(), cs.p()), cs.p());
        int slice = ShiftedPatches.sliceSize(d, FastConvolution.Tiling.of(d).tile(0));
        assertTrue(FastConvolution.Tiling.of(d).tasks() == 1 && slice >= FastConvolution.IM2COL_TASK
                && slice < FastConvolution.IM2COL_PARALLEL, "one tile, its slice between the bounds: " + slice);
        ConvEpilogue bnRelu = new ConvEpilogue(randoms(random, cs.f()), randoms(random, cs.f()),
                randoms(random, cs.f()), Tensor.randn(random, 1f, cs.f()).data(), true);
        Kernels one = KernelProvider.vector(1);
        boolean before = FastConvolution.smallSlicesOnAllThreads;
        try {
            float[] y1 = FastConvolution.forward(x, w, null, cs.p(), one, bnRelu, null).data();
            for (boolean on : new boolean[] {true, false}) {
                FastConvolution.smallSlicesOnAllThreads = on;
                for (int threads = 2; threads <= 3; threads++) {
                    FastConvolution.forward(other, w, null, cs.p(), one, bnRelu, null); // every slice value written
                    assertArrayEquals(y1, FastConvolution.forward(x, w, null, cs.p(), KernelProvider.vector(threads),
                            bnRelu, null).data(), "switch " + on + ", threads " + threads);
                }
            }
        } finally {
            FastConvolution.smallSlicesOnAllThreads = before;
        }
    }

    @Test
    void pointwiseRowTilesGiveTheOneThreadBitsInOneHandOff() {
        // ResNet-50's expanding 1x1 layers at batch 1 on the GEMM: 56x56 (two tiles of 36 and 20 rows in turn before)
        // and 28x28 (one tile); a residual epilogue too. With pointwiseRowTiles: two row tiles per thread, one hand-off
        // a call.
        List<FastConvolutionTest.Case> cases = List.of(
                new FastConvolutionTest.Case(1, 64, 56, 56, 256, 1, 1, ConvParams.defaults()),
                new FastConvolutionTest.Case(1, 128, 28, 28, 200, 1, 1, ConvParams.defaults()));
        boolean before = FastConvolution.pointwiseRowTiles;
        boolean bands = FastConvolution.pixelBands;
        try {
            FastConvolution.pixelBands = false; // which cuts these layers by itself
            // at three threads the 28x28 plane's six tiles would be narrower than MIN_COLS: not cut
            forwardWithTheSwitch(cases, on -> FastConvolution.pointwiseRowTiles = on,
                    (cs, on, threads) -> on && (threads == 2 || cs.h() == 56));
        } finally {
            FastConvolution.pointwiseRowTiles = before;
            FastConvolution.pixelBands = bands;
        }
    }

    @Test
    void pixelBandsGiveTheOneThreadBitsInOneHandOff() {
        // The first two: ResNet-50's one-sample 1x1 layers on the GEMM, an expanding one on 56x56 (two tiles of 36 and 20
        // rows in turn without the switch) and a strided one, 56x56 -> 28x28 on im2col's buffer (tiles of 18 and 10 rows
        // in turn); with pixelBands each is two row tiles per thread in one hand-off, the bands in blocks. A direct 3x3
        // stride-2 layer and a reducing 1x1 one, parallel row tiles already, run in blocks too: the same bits either way.
        List<FastConvolutionTest.Case> cases = List.of(
                new FastConvolutionTest.Case(1, 64, 56, 56, 256, 1, 1, ConvParams.defaults()),
                new FastConvolutionTest.Case(1, 256, 56, 56, 128, 1, 1, ConvParams.of(2, 0)),
                new FastConvolutionTest.Case(1, 64, 56, 56, 128, 3, 3, ConvParams.of(2, 1)),
                new FastConvolutionTest.Case(1, 256, 28, 28, 64, 1, 1, ConvParams.defaults()));
        boolean before = FastConvolution.pixelBands;
        try {
            // at three threads the strided layer's six tiles would be narrower than MIN_COLS: not cut
            forwardWithTheSwitch(cases, on -> FastConvolution.pixelBands = on,
                    (cs, on, threads) -> cases.indexOf(cs) >= 2 ? null : on && (threads == 2 || cs.p().strideH() == 1));
        } finally {
            FastConvolution.pixelBands = before;
        }
    }

    /** Whether a case's call takes one hand-off (its tiles cut) or more; null: not checked. */
    private interface Cut {
        Boolean cut(FastConvolutionTest.Case cs, boolean on, int threads);
    }

    /**
     * Each case's forward pass with no epilogue and with batch norm, a residual and ReLU, the switch on and off, at two
     * and three threads: one thread's bits, and one hand-off where {@code rule} says the tiles are cut, more where not.
     */
    private static void forwardWithTheSwitch(List<FastConvolutionTest.Case> cases,
                                             java.util.function.Consumer<Boolean> flip, Cut rule) {
        Kernels one = KernelProvider.vector(1);
        for (FastConvolutionTest.Case cs : cases) {
            Random random = new Random(cs.hashCode());
            Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
            Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c(), cs.kh(), cs.kw());
            int outputs = Convolution.outputShape(x.shape(), w.shape(), cs.p()).size();
            float[] skip = Tensor.randn(random, 1f, outputs).data();
            ConvEpilogue bnRelu = new ConvEpilogue(randoms(random, cs.f()), randoms(random, cs.f()),
                    randoms(random, cs.f()), Tensor.randn(random, 1f, cs.f()).data(), true);
            for (ConvEpilogue e : new ConvEpilogue[] {null, bnRelu.withResidual(skip)}) {
                float[] y1 = FastConvolution.forward(x, w, null, cs.p(), one, e, null).data();
                for (boolean on : new boolean[] {true, false}) {
                    flip.accept(on);
                    for (int threads = 2; threads <= 3; threads++) {
                        Kernels k = KernelProvider.vector(threads);
                        long h0 = KernelProvider.handOffs();
                        float[] y = FastConvolution.forward(x, w, null, cs.p(), k, e, null).data();
                        long handOffs = KernelProvider.handOffs() - h0;
                        String what = cs + ", switch " + on + ", threads " + threads;
                        assertArrayEquals(y1, y, what);
                        Boolean cut = rule.cut(cs, on, threads);
                        if (cut != null) {
                            assertTrue(cut ? handOffs == 1 : handOffs > 1, what + ": " + handOffs + " hand-offs");
                        }
                    }
                }
            }
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
