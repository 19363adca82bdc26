package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * Convolutions through {@link ShiftedPatches} (no im2col) against the column-buffer path: the same bits,
 * forward with and without an epilogue, on every kernel set (the slice's GEMM: {@link DirectTiles} off);
 * FastConvolutionTest holds both to the reference.
 */
class ShiftedPatchesTest {

    static List<FastConvolutionTest.Case> cases() {
        List<FastConvolutionTest.Case> out = new ArrayList<>(FastConvolutionTest.cases());
        // ResNet-50's 3x3 shapes, small: row tiles of one sample (56x56-like) and joined planes (7x7 at batch 8)
        out.add(new FastConvolutionTest.Case(2, 16, 30, 30, 16, 3, 3, ConvParams.of(1, 1)));
        out.add(new FastConvolutionTest.Case(8, 32, 7, 7, 24, 3, 3, ConvParams.of(1, 1)));
        out.add(new FastConvolutionTest.Case(3, 24, 14, 14, 200, 3, 3, ConvParams.of(1, 1))); // > MC filters
        out.add(new FastConvolutionTest.Case(2, 4, 12, 9, 8, 7, 7, ConvParams.of(1, 3)));
        // strided: the stem (7x7/2), a 3x3/2 (ResNet-50 v1.5's first block of a stage), a 1x1/2 (one phase of four),
        // stride 3 with dilation 2, unequal strides with asymmetric padding
        out.add(new FastConvolutionTest.Case(2, 3, 20, 18, 16, 7, 7, ConvParams.of(2, 3)));
        out.add(new FastConvolutionTest.Case(8, 16, 14, 14, 24, 3, 3, ConvParams.of(2, 1)));
        out.add(new FastConvolutionTest.Case(3, 32, 13, 14, 40, 1, 1, ConvParams.defaults().withStride(2, 2)));
        out.add(new FastConvolutionTest.Case(2, 5, 17, 16, 6, 3, 3, ConvParams.of(3, 2).withDilation(2)));
        out.add(new FastConvolutionTest.Case(2, 4, 11, 15, 5, 4, 3, ConvParams.of(1, new Padding(2, 0, 1, 3))
                .withStride(3, 2)));
        return out;
    }

    @Test
    void givesTheColumnBuffersBits() {
        int shifted = 0;
        for (Kernels k : new Kernels[] {KernelProvider.vector(1), KernelProvider.vector(2), KernelProvider.scalar()}) {
            for (FastConvolutionTest.Case cs : cases()) {
                if (!k.name().startsWith("vector") && (long) cs.n() * cs.c() * cs.h() * cs.w() > 20_000) {
                    continue; // the scalar twin is slow; the small cases check its default sgemmRows
                }
                Random random = new Random(cs.hashCode());
                int cg = cs.c() / cs.p().groups();
                Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
                Tensor w = Tensor.randn(random, 1f, cs.f(), cg, cs.kh(), cs.kw());
                Tensor bias = Tensor.randn(random, 1f, cs.f());
                float[] mean = randoms(random, cs.f());
                float[] invStd = randoms(random, cs.f());
                ConvEpilogue epilogue = new ConvEpilogue(mean, invStd, randoms(random, cs.f()),
                        randoms(random, cs.f()), true);
                for (int variant = 0; variant < 2; variant++) { // a bias, or an epilogue and no bias
                    Tensor b = variant == 0 ? bias : null;
                    ConvEpilogue e = variant == 0 ? null : epilogue;
                    float[] on = forward(true, x, w, b, cs, k, e);
                    float[] off = forward(false, x, w, b, cs, k, e);
                    assertArrayEquals(off, on, cs + " epilogue " + (e != null) + " bias " + (b != null));
                }
                if (cs.kh() > 1 || cs.kw() > 1) {
                    shifted++;
                }
            }
        }
        assertTrue(shifted > 60, "cases with patches: " + shifted);
    }

    /**
     * The gradients take the slice only from 28-wide output rows on (FastConvolutionTest's cases are mostly narrower):
     * wide cases with groups, dilation, asymmetric padding, strides and joined samples against the reference.
     */
    @Test
    void wideGradientsMatchTheReference() {
        List<FastConvolutionTest.Case> wide = List.of(
                new FastConvolutionTest.Case(2, 6, 30, 33, 8, 3, 3, ConvParams.of(1, 1).withGroups(2)),
                new FastConvolutionTest.Case(1, 4, 32, 36, 5, 3, 2, ConvParams.of(1, new Padding(2, 0, 1, 3))
                        .withDilation(2, 1)),
                new FastConvolutionTest.Case(3, 3, 40, 60, 8, 7, 7, ConvParams.of(2, 3)),
                new FastConvolutionTest.Case(9, 3, 4, 30, 4, 3, 3, ConvParams.of(1, 1))); // short planes, joined
        for (FastConvolutionTest.Case cs : wide) {
            ConvDims d = ConvDims.of(org.convnet4j.tensor.Shape.of(cs.n(), cs.c(), cs.h(), cs.w()),
                    org.convnet4j.tensor.Shape.of(cs.f(), cs.c() / cs.p().groups(), cs.kh(), cs.kw()),
                    Convolution.outputShape(org.convnet4j.tensor.Shape.of(cs.n(), cs.c(), cs.h(), cs.w()),
                            org.convnet4j.tensor.Shape.of(cs.f(), cs.c() / cs.p().groups(), cs.kh(), cs.kw()),
                            cs.p()), cs.p());
            assertTrue(ShiftedPatches.appliesToGradients(d), cs.toString());
            FastConvolutionTest.check(cs, KernelProvider.vector(2), 5);
            FastConvolutionTest.check(cs, KernelProvider.scalar(), 6);
        }
    }

    private static float[] forward(boolean shifted, Tensor x, Tensor w, Tensor bias, FastConvolutionTest.Case cs,
                                   Kernels k, ConvEpilogue epilogue) {
        boolean was = FastConvolution.shiftedPatches;
        boolean direct = DirectTiles.enabled;
        FastConvolution.shiftedPatches = shifted;
        DirectTiles.enabled = false; // the GEMM on the slice; DirectTilesTest holds the direct product to the reference
        try {
            return FastConvolution.forward(x, w, bias, cs.p(), k, epilogue, null).data();
        } finally {
            FastConvolution.shiftedPatches = was;
            DirectTiles.enabled = direct;
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
