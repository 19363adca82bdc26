package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.convnet4j.nn.GradientCheck;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * The 1x1 weight gradient by row dot products ({@link PointwiseWeightGradient}): within FastConvolutionTest's bound
 * of the reference (not loosened) and not the GEMM's bits (so the path was taken), for more filters than channels and
 * fewer, rows off the register tile's 4, whole planes and bands of rows, batch chunks of 1-3 samples; the same bits at 1, 2 and
 * 3 threads (batch 8: chunks on the threads; batch 1: one chunk, its rows shared out); a Conv2d layer's gradients by
 * finite differences with the path on (taken where the default kernels' vectors hold 16 floats; the other tests take it
 * on any machine, {@link #vector}).
 */
class PointwiseWeightGradientTest {
    private static Tensor weightGradient(Kernels k, boolean rowDots, Tensor x, Tensor dy, Tensor dw0) {
        boolean before = PointwiseWeightGradient.enabled;
        PointwiseWeightGradient.enabled = rowDots;
        try {
            Tensor dw = dw0.copy();
            FastConvolution.backwardWeights(x, dy, dw, null, ConvParams.defaults(), k);
            return dw;
        } finally {
            PointwiseWeightGradient.enabled = before;
        }
    }

    /**
     * The machine's vector kernels, reporting 16 floats per vector: the path needs them ({@link
     * PointwiseWeightGradient#applies}), and on an AVX2 machine (8 floats) the kernels' {@code rowDots} is the scalar
     * twin, whose bits the contract makes the vector kernel's; so the path's chunks, bands and sums are tested there too.
     * On AVX-512 the kernels themselves.
     */
    private static Kernels vector(int threads) {
        return reporting(KernelProvider.vector(threads), Kernels.ROW_DOT_LANES);
    }

    /** {@code k}, reporting {@code lanes} floats per vector. */
    private static Kernels reporting(Kernels k, int lanes) {
        if (k.floatsPerVector() == lanes) {
            return k;
        }
        return (Kernels) java.lang.reflect.Proxy.newProxyInstance(Kernels.class.getClassLoader(),
                new Class<?>[] {Kernels.class}, (proxy, method, args) -> {
                    if (method.getName().equals("floatsPerVector")) {
                        return lanes;
                    }
                    try {
                        return method.invoke(k, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void withinTheReferenceBoundAndNotTheGemmsBits() {
        int before = PointwiseWeightGradient.bandFloats;
        try {
            withinTheReferenceBoundAndNotTheGemmsBits(vector(2));
            PointwiseWeightGradient.bandFloats = 16 * 1024; // bands of 1-14 rows
            withinTheReferenceBoundAndNotTheGemmsBits(vector(2));
        } finally {
            PointwiseWeightGradient.bandFloats = before;
        }
    }

    /**
     * Kernels with vectors of another width (AVX2's 8 floats) leave the 1x1 weight gradient to the GEMM: the row dots'
     * 16 lanes would be emulated there. The GEMM's bits, whatever this machine's width.
     */
    @Test
    void otherVectorWidthsTakeTheGemm() {
        int[] s = {2, 20, 56, 56, 42};
        Random random = new Random(Arrays.hashCode(s));
        Tensor x = Tensor.randn(random, 1f, s[0], s[1], s[2], s[3]);
        Tensor dy = Tensor.randn(random, 1f, s[0], s[4], s[2], s[3]);
        Tensor dw0 = Tensor.randn(random, 1f, s[4], s[1], 1, 1);
        Kernels eight = reporting(KernelProvider.vector(2), 8);
        Tensor gemm = weightGradient(eight, false, x, dy, dw0);
        assertArrayEquals(gemm.data(), weightGradient(eight, true, x, dy, dw0).data(), "8-float vectors took the row dots");
    }

    private static void withinTheReferenceBoundAndNotTheGemmsBits(Kernels k) {
        // n, c, h, w, f: more filters than channels (dy stays), fewer (x stays), rows off 4, 1-3 samples per chunk
        int[][] cases = {{2, 20, 56, 56, 42}, {3, 45, 56, 57, 18}, {8, 16, 56, 56, 36}, {2, 48, 56, 56, 64},
            {1, 64, 57, 56, 64}};
        for (int[] s : cases) {
            Random random = new Random(Arrays.hashCode(s));
            Tensor x = Tensor.randn(random, 1f, s[0], s[1], s[2], s[3]);
            Tensor dy = Tensor.randn(random, 1f, s[0], s[4], s[2], s[3]);
            Tensor dw0 = Tensor.randn(random, 1f, s[4], s[1], 1, 1);
            Tensor expected = dw0.copy();
            ConvolutionReference.backwardWeights(x, dy, expected, null, ConvParams.defaults());
            Tensor bound = FastConvolutionTest.abs(dw0);
            ConvolutionReference.backwardWeights(FastConvolutionTest.abs(x), FastConvolutionTest.abs(dy), bound, null,
                    ConvParams.defaults());
            Tensor rowDots = weightGradient(k, true, x, dy, dw0);
            FastConvolutionTest.Case cs = new FastConvolutionTest.Case(s[0], s[1], s[2], s[3], s[4], 1, 1,
                    ConvParams.defaults());
            FastConvolutionTest.assertClose("1x1 weight gradient by row dots", cs, expected, rowDots, bound,
                    s[0] * s[2] * s[3] + 1);
            assertFalse(Arrays.equals(rowDots.data(), weightGradient(k, false, x, dy, dw0).data()),
                    "the GEMM's bits: the row dots were not taken for " + Arrays.toString(s));
        }
    }

    @Test
    void sameBitsAtOneTwoAndThreeThreads() {
        for (int[] s : new int[][] {{8, 24, 56, 56, 40}, {1, 40, 56, 56, 22}, {3, 18, 58, 56, 18}}) {
            Random random = new Random(Arrays.hashCode(s));
            Tensor x = Tensor.randn(random, 1f, s[0], s[1], s[2], s[3]);
            Tensor dy = Tensor.randn(random, 1f, s[0], s[4], s[2], s[3]);
            Tensor dw0 = Tensor.randn(random, 1f, s[4], s[1], 1, 1);
            Tensor one = weightGradient(vector(1), true, x, dy, dw0);
            assertFalse(Arrays.equals(one.data(), weightGradient(vector(1), false, x, dy, dw0).data()),
                    "the GEMM's bits: the row dots were not taken for " + Arrays.toString(s));
            for (int threads : new int[] {2, 3}) {
                assertArrayEquals(one.data(), weightGradient(vector(threads), true, x, dy, dw0).data(),
                        Arrays.toString(s) + " at " + threads + " threads");
            }
        }
    }

    @Test
    void layerGradientsMatchFiniteDifferences() {
        boolean before = PointwiseWeightGradient.enabled;
        PointwiseWeightGradient.enabled = true;
        try {
            Conv2d conv = new Conv2d(40, 1); // more than DirectConvolution's 32 filters
            Tensor x = Tensor.randn(new Random(13), 1f, 2, 20, 56, 56);
            conv.outputShape(List.of(x.shape().dropFirst()));
            GradientCheck.Result r = GradientCheck.check(conv, List.of(x), GradientCheck.Options.training(40, 13));
            assertTrue(r.passed(), r.toString());
            assertTrue(r.checked() > 0);
        } finally {
            PointwiseWeightGradient.enabled = before;
        }
    }
}
