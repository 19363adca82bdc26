package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data gradient of 3x3 stride-2 layers by phases ({@link StridedInputGradient}): the phases' sub-kernels, the
 * reference's values within its rounding bound (FastConvolutionTest's check), the same bits at 1 and 3 threads, the
 * direct products called and no GEMM (col2im's GEMM with the switch off).
 */
class StridedInputGradientTest {
    private static final boolean START = DirectTiles.enabled;

    @BeforeEach
    void directTilesOn() {
        DirectTiles.enabled = true;
    }

    @AfterEach
    void startValueAgain() {
        DirectTiles.enabled = START;
    }

    @Test
    void phasesOfAThreeByThreeStrideTwoKernel() {
        // padding 1: even rows get tap 1 alone (dy row a), odd rows taps 2 and 0 (dy rows a and a + 1)
        assertAxis(StridedInputGradient.axis(14, 3, 2, 1, 0), new int[] {1}, 0, 7);
        assertAxis(StridedInputGradient.axis(14, 3, 2, 1, 1), new int[] {2, 0}, 0, 7);
        // an odd length: one more even row than odd ones
        assertAxis(StridedInputGradient.axis(15, 3, 2, 1, 0), new int[] {1}, 0, 8);
        assertAxis(StridedInputGradient.axis(15, 3, 2, 1, 1), new int[] {2, 0}, 0, 7);
        // no padding: even rows get taps 2 and 0 from dy rows a - 1 and a (one row of padding before), odd rows tap 1
        assertAxis(StridedInputGradient.axis(14, 3, 2, 0, 0), new int[] {2, 0}, 1, 7);
        assertAxis(StridedInputGradient.axis(14, 3, 2, 0, 1), new int[] {1}, 0, 7);
        // padding 2 on top: odd rows would need dy rows from a + 1 on (negative padding): not by phases
        assertEquals(-1, StridedInputGradient.axis(14, 3, 2, 2, 1).pad());
        assertFalse(StridedInputGradient.applies(DirectTilesTest.dims(new FastConvolutionTest.Case(8, 16, 28, 28, 24, 3,
                3, ConvParams.of(2, new Padding(2, 0, 1, 1))))));
        assertFalse(StridedInputGradient.applies(DirectTilesTest.dims(new FastConvolutionTest.Case(1, 16, 26, 28, 24, 3,
                3, ConvParams.of(2, 1)))), "batch 1, 13x14 phases: a lone tile under 192 pixels");
        assertFalse(StridedInputGradient.applies(DirectTilesTest.dims(new FastConvolutionTest.Case(8, 16, 14, 14, 24, 3,
                3, ConvParams.of(2, 1)))), "7-wide phases: col2im");
    }

    private static void assertAxis(StridedInputGradient.Axis axis, int[] taps, int pad, int out) {
        assertArrayEquals(taps, axis.taps());
        assertEquals(pad, axis.pad());
        assertEquals(out, axis.out());
    }

    @Test
    void stridedDataGradientsGoByPhasesThroughTheDirectTiles() {
        List<FastConvolutionTest.Case> cases = List.of(
                new FastConvolutionTest.Case(8, 16, 28, 28, 24, 3, 3, ConvParams.of(2, 1)), // 28->14: 14x14 phases
                new FastConvolutionTest.Case(8, 12, 29, 27, 16, 3, 3, ConvParams.of(2, 1)), // odd sizes, a short block
                new FastConvolutionTest.Case(2, 16, 30, 30, 24, 3, 3, ConvParams.of(2, 0)), // padding before a phase
                new FastConvolutionTest.Case(8, 16, 27, 27, 24, 3, 3, ConvParams.of(2, new Padding(0, 2, 1, 1))));
        for (FastConvolutionTest.Case cs : cases) {
            assertTrue(StridedInputGradient.applies(DirectTilesTest.dims(cs)), cs.toString());
            FastConvolutionTest.check(cs, KernelProvider.vector(2), 23);
            Random random = new Random(cs.hashCode());
            Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c(), cs.kh(), cs.kw());
            Shape xs = Shape.of(cs.n(), cs.c(), cs.h(), cs.w());
            Tensor dy = Tensor.randn(random, 1f, Convolution.outputShape(xs, w.shape(), cs.p()).dims());
            // a given buffer full of NaN: every element must be written
            Tensor into = Tensor.zeros(xs.dims());
            java.util.Arrays.fill(into.data(), Float.NaN);
            float[] dx1 = FastConvolution.backwardInput(dy, w, xs, cs.p(), KernelProvider.vector(1), into).data();
            assertArrayEquals(ConvolutionReference.backwardInput(dy, w, xs, cs.p()).data(), dx1, 1e-3f, cs.toString());
            assertArrayEquals(dx1, FastConvolution.backwardInput(dy, w, xs, cs.p(), KernelProvider.vector(3)).data(),
                    cs + " threads 3");
            Map<String, Integer> calls = new ConcurrentHashMap<>();
            Kernels counting = DirectTilesTest.counting(KernelProvider.vector(2), calls);
            FastConvolution.backwardInput(dy, w, xs, cs.p(), counting);
            assertTrue(calls.getOrDefault("directProducts", 0) > 0 && DirectTilesTest.noGemm(calls), cs + ": " + calls);
            calls.clear();
            boolean was = StridedInputGradient.enabled;
            StridedInputGradient.enabled = false;
            try {
                FastConvolution.backwardInput(dy, w, xs, cs.p(), counting);
            } finally {
                StridedInputGradient.enabled = was;
            }
            assertTrue(DirectTilesTest.gemmOnly(calls), cs + " switched off: " + calls);
        }
    }
}
