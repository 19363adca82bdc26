package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * The depthwise direct path ({@link DepthwiseConvolution}): on MobileNet/EfficientNet shapes (3x3 and 5x5, stride 1
 * and 2, planes from 1x1 to wider than three vectors) and awkward ones (dilation, asymmetric and one-sided padding,
 * stride 3, a channel multiplier, non-zero pad modes), its output must equal, bit for bit, a naive loop that performs
 * its contract (per output, the fused multiply-add chain of the taps in tap order from 0, plus the bias) — with the
 * vector kernels on 1, 2 and 3 threads and with the scalar kernels; and stay within the float summation bound of
 * {@link ConvolutionReference} (FastConvolutionTest's check, which runs the same cases through every pass).
 */
class DepthwiseConvolutionTest {

    static List<FastConvolutionTest.Case> cases() {
        List<FastConvolutionTest.Case> out = new ArrayList<>();
        for (int k : new int[] {3, 5}) {
            for (int s : new int[] {1, 2}) {
                for (int hw : new int[] {1, 2, 7, 14, 17, 56}) {
                    out.add(new FastConvolutionTest.Case(1, 8, hw, hw, 8, k, k,
                            ConvParams.of(1, k / 2).withStride(s, s).withGroups(8)));
                }
            }
        }
        out.add(new FastConvolutionTest.Case(3, 5, 12, 9, 5, 3, 3, ConvParams.of(1, 2).withDilation(2).withGroups(5)));
        out.add(new FastConvolutionTest.Case(2, 4, 11, 13, 4, 3, 5,
                ConvParams.of(1, new Padding(0, 2, 1, 0)).withStride(2, 1).withGroups(4)));
        out.add(new FastConvolutionTest.Case(2, 3, 10, 10, 3, 3, 3, ConvParams.defaults().withStride(3, 2)
                .withGroups(3)));
        out.add(new FastConvolutionTest.Case(2, 4, 9, 9, 12, 3, 3, ConvParams.of(1, 1).withGroups(4))); // x3 filters
        out.add(new FastConvolutionTest.Case(1, 6, 8, 8, 30, 5, 5, ConvParams.of(1, 2).withStride(2, 2).withGroups(6)));
        for (PadMode mode : PadMode.values()) {
            out.add(new FastConvolutionTest.Case(2, 3, 6, 7, 3, 3, 3, ConvParams.of(1, new Padding(2, 1, 0, 2))
                    .withPadMode(mode).withStride(2, 2).withGroups(3)));
        }
        return out;
    }

    @Test
    void equalsItsContractBitForBitOnEveryKernelAndThreadCount() {
        for (FastConvolutionTest.Case cs : cases()) {
            Random random = new Random(cs.hashCode());
            Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
            Tensor w = Tensor.randn(random, 1f, cs.f(), 1, cs.kh(), cs.kw());
            Tensor bias = Tensor.randn(random, 1f, cs.f());
            Tensor expected = contract(x, w, bias, cs.p());
            for (Kernels k : new Kernels[] {KernelProvider.vector(1), KernelProvider.vector(2), KernelProvider.vector(3),
                KernelProvider.scalar()}) {
                assertArrayEquals(expected.data(), FastConvolution.forward(x, w, bias, cs.p(), k).data(),
                        cs + " on " + k.name() + "/" + k.threads());
                assertArrayEquals(contract(x, w, null, cs.p()).data(),
                        FastConvolution.forward(x, w, null, cs.p(), k).data(), cs + " without bias");
            }
        }
    }

    /**
     * Backward passes: the input gradient equals its contract bit for bit (per padded input pixel, the fused
     * multiply-add chain over filter and tap in order from 0, a tap whose window misses the pixel contributing
     * {@code fma(w, 0, acc)}; then the padding's adjoint) on every kernel and thread count; the weight gradient is
     * the same bits on 1, 2 and 3 threads (its lane order is the vector kernel's own, so not the scalar twin's).
     */
    @Test
    void backwardPassesEqualTheirContractAndDoNotDependOnThreads() {
        for (FastConvolutionTest.Case cs : cases()) {
            Random random = new Random(cs.hashCode() + 7);
            Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
            Tensor w = Tensor.randn(random, 1f, cs.f(), 1, cs.kh(), cs.kw());
            Tensor dy = Tensor.randn(random, 1f, Convolution.outputShape(x.shape(), w.shape(), cs.p()).dims());
            Tensor expected = inputGradientContract(dy, w, x.shape(), cs.p());
            Tensor dw1 = null;
            for (Kernels k : new Kernels[] {KernelProvider.vector(1), KernelProvider.vector(2), KernelProvider.vector(3),
                KernelProvider.scalar()}) {
                String what = cs + " on " + k.name() + "/" + k.threads();
                assertArrayEquals(expected.data(), FastConvolution.backwardInput(dy, w, x.shape(), cs.p(), k).data(),
                        what);
                Tensor dw = Tensor.zeros(w.shape().dims());
                FastConvolution.backwardWeights(x, dy, dw, null, cs.p(), k);
                if (dw1 == null) {
                    dw1 = dw;
                } else if (!KernelProvider.isScalar(k)) {
                    assertArrayEquals(dw1.data(), dw.data(), what + " weight gradient");
                }
            }
        }
    }

    /** The input gradient's contract, naive loops over the padded input, then {@link Pad#padBackward}. */
    private static Tensor inputGradientContract(Tensor dy, Tensor w, Shape xShape, ConvParams p) {
        Padding pad = p.padding();
        int n = xShape.dim(0);
        int c = xShape.dim(1);
        int hp = pad.paddedHeight(xShape.dim(2));
        int wp = pad.paddedWidth(xShape.dim(3));
        int f = w.dim(0);
        int fg = f / c;
        int kh = w.dim(2);
        int kw = w.dim(3);
        int oh = dy.dim(2);
        int ow = dy.dim(3);
        Tensor dxp = Tensor.zeros(n, c, hp, wp);
        for (int b = 0; b < n; b++) {
            for (int ci = 0; ci < c; ci++) {
                for (int ph = 0; ph < hp; ph++) {
                    for (int pw = 0; pw < wp; pw++) {
                        float acc = 0f;
                        for (int fl = 0; fl < fg; fl++) {
                            int fo = ci * fg + fl;
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int rs = ph - i * p.dilationH();
                                    int qs = pw - j * p.dilationW();
                                    float g = 0f;
                                    if (rs >= 0 && qs >= 0 && rs % p.strideH() == 0 && qs % p.strideW() == 0
                                            && rs / p.strideH() < oh && qs / p.strideW() < ow) {
                                        g = dy.data()[((b * f + fo) * oh + rs / p.strideH()) * ow + qs / p.strideW()];
                                    }
                                    acc = Math.fma(w.data()[(fo * kh + i) * kw + j], g, acc);
                                }
                            }
                        }
                        dxp.data()[((b * c + ci) * hp + ph) * wp + pw] = acc;
                    }
                }
            }
        }
        return pad.isZero() ? dxp : Pad.padBackward(dxp, xShape, pad, p.padMode());
    }

    @Test
    void matchesTheReferenceInEveryPass() {
        DepthwiseConvolution.enabled = true;
        for (FastConvolutionTest.Case cs : cases()) {
            FastConvolutionTest.check(cs, KernelProvider.vector(2), 5);
        }
    }

    @Test
    void epilogueOnThePlaneEqualsApplyingItAfterwards() {
        Kernels k = KernelProvider.vector(2);
        Random random = new Random(4);
        int c = 16;
        ConvParams p = ConvParams.of(1, 2).withStride(2, 2).withGroups(c);
        Tensor x = Tensor.randn(random, 1f, 2, c, 15, 15);
        Tensor w = Tensor.randn(random, 1f, c, 1, 5, 5);
        Tensor bias = Tensor.randn(random, 1f, c);
        float[] mean = Tensor.randn(random, 1f, c).data();
        float[] invStd = Tensor.randn(random, 1f, c).data();
        float[] gamma = Tensor.randn(random, 1f, c).data();
        float[] beta = Tensor.randn(random, 1f, c).data();
        ConvEpilogue epilogue = new ConvEpilogue(mean, invStd, gamma, beta, true);
        Tensor fused = FastConvolution.forward(x, w, bias, p, k, epilogue, null);
        Tensor after = FastConvolution.forward(x, w, bias, p, k);
        epilogue.applyAll(k, after.data(), 2, c, after.dim(2) * after.dim(3));
        assertArrayEquals(after.data(), fused.data());
    }

    /**
     * Channel-blocked planes ({@link DepthwiseBlocked}): 16 and 40 channels (one and two whole blocks of 16, and 8
     * channels left to the plane path, with AVX-512; 2 and 5 blocks of 8 with AVX2), 7 x 7 and 14 x 14 outputs and
     * strided 29 x 29 ones at 3 x 3 and 5 x 5, odd sizes with dilation and with one-sided padding, a batch of 2: bit for
     * bit the contract, on 1 and 3 threads, with and without bias, the same as with the path off, and the epilogue as
     * applied afterwards.
     */
    @Test
    void channelBlockedSmallPlanesEqualTheContractBitForBit() {
        List<FastConvolutionTest.Case> blocked = new ArrayList<>();
        for (int c : new int[] {16, 40}) {
            for (int k : new int[] {3, 5}) {
                for (int hw : new int[] {7, 14, 57}) {
                    int s = hw == 57 ? 2 : 1;
                    blocked.add(new FastConvolutionTest.Case(2, c, hw, hw, c, k, k,
                            ConvParams.of(1, k / 2).withStride(s, s).withGroups(c)));
                }
            }
        }
        blocked.add(new FastConvolutionTest.Case(1, 16, 9, 11, 16, 3, 3, ConvParams.of(1, 2).withDilation(2)
                .withGroups(16)));
        blocked.add(new FastConvolutionTest.Case(2, 16, 11, 13, 16, 3, 5,
                ConvParams.of(1, new Padding(0, 2, 1, 0)).withStride(2, 1).withGroups(16)));
        boolean before = DepthwiseBlocked.enabled;
        int maxPlane = DepthwiseBlocked.maxPlane;
        DepthwiseBlocked.maxPlane = 196; // 14 x 14 stride-1 planes too (the default takes 7 x 7)
        try {
            for (FastConvolutionTest.Case cs : blocked) {
                Random random = new Random(cs.hashCode());
                Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
                Tensor w = Tensor.randn(random, 1f, cs.f(), 1, cs.kh(), cs.kw());
                Tensor bias = Tensor.randn(random, 1f, cs.f());
                Tensor expected = contract(x, w, bias, cs.p());
                Tensor expectedNoBias = contract(x, w, null, cs.p());
                for (Kernels k : new Kernels[] {KernelProvider.vector(1), KernelProvider.vector(3)}) {
                    ConvDims d = ConvDims.of(x.shape(), w.shape(), Convolution.outputShape(x.shape(), w.shape(), cs.p()),
                            cs.p());
                    DepthwiseBlocked.enabled = true;
                    assertTrue(DepthwiseBlocked.channels(k, d) >= 16, cs + ": not channel-blocked");
                    assertArrayEquals(expected.data(), FastConvolution.forward(x, w, bias, cs.p(), k).data(),
                            cs + " on " + k.name() + "/" + k.threads());
                    assertArrayEquals(expectedNoBias.data(), FastConvolution.forward(x, w, null, cs.p(), k).data(),
                            cs + " without bias on " + k.name() + "/" + k.threads());
                    if (k.threads() == 1) {
                        DepthwiseBlocked.enabled = false;
                        assertArrayEquals(expected.data(), FastConvolution.forward(x, w, bias, cs.p(), k).data(),
                                cs + " with the path off");
                    }
                }
            }
            DepthwiseBlocked.enabled = true;
            Kernels k = KernelProvider.vector(2);
            Random random = new Random(5);
            int c = 32;
            ConvParams p = ConvParams.of(1, 2).withGroups(c);
            Tensor x = Tensor.randn(random, 1f, 2, c, 7, 7);
            Tensor w = Tensor.randn(random, 1f, c, 1, 5, 5);
            Tensor bias = Tensor.randn(random, 1f, c);
            ConvEpilogue epilogue = new ConvEpilogue(Tensor.randn(random, 1f, c).data(), Tensor.randn(random, 1f, c)
                    .data(), Tensor.randn(random, 1f, c).data(), Tensor.randn(random, 1f, c).data(), true);
            Tensor fused = FastConvolution.forward(x, w, bias, p, k, epilogue, null);
            Tensor after = FastConvolution.forward(x, w, bias, p, k);
            epilogue.applyAll(k, after.data(), 2, c, after.dim(2) * after.dim(3));
            assertArrayEquals(after.data(), fused.data(), "the epilogue on blocked planes");
        } finally {
            DepthwiseBlocked.enabled = before;
            DepthwiseBlocked.maxPlane = maxPlane;
        }
    }

    @Test
    void takenForDepthwiseLayersOnly() {
        ConvParams p = ConvParams.of(1, 2).withGroups(672);
        ConvDims efficientNet = ConvDims.of(Shape.of(1, 672, 14, 14), Shape.of(672, 1, 5, 5),
                Shape.of(1, 672, 14, 14), p);
        assertTrue(DepthwiseConvolution.applies(efficientNet));
        ConvDims grouped = ConvDims.of(Shape.of(1, 8, 14, 14), Shape.of(8, 2, 3, 3), Shape.of(1, 8, 14, 14),
                ConvParams.of(1, 1).withGroups(4));
        assertFalse(DepthwiseConvolution.applies(grouped));
        // the buffer of a stride-2 5x5 layer: 4 components of ceil(hp/2) x ceil(wp/2), run rounded up to vectors
        DepthwiseConvolution.Geometry g = DepthwiseConvolution.Geometry.of(ConvDims.of(Shape.of(1, 4, 14, 14),
                Shape.of(4, 1, 5, 5), Shape.of(1, 4, 7, 7), ConvParams.of(1, 2).withStride(2, 2).withGroups(4)), 16);
        assertEquals(9, g.hq()); // padded rows read: 6 * 2 + 4 + 1 = 17
        assertEquals(9, g.wq());
        assertEquals(6 * 9 + 7, g.len());
        assertEquals(64, g.run());
        assertEquals(4 * 81 + 3, g.bufferFloats());
    }

    /** Naive loops of the path's contract over an explicitly padded input: fma chain in tap order, then + bias. */
    private static Tensor contract(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        Shape ys = Convolution.outputShape(x.shape(), w.shape(), p);
        Tensor xp = p.padding().isZero() ? x : Pad.pad(x, p.padding(), p.padMode());
        int n = x.dim(0);
        int c = x.dim(1);
        int f = w.dim(0);
        int hp = xp.dim(2);
        int wp = xp.dim(3);
        int kh = w.dim(2);
        int kw = w.dim(3);
        Tensor y = Tensor.zeros(ys);
        for (int b = 0; b < n; b++) {
            for (int fo = 0; fo < f; fo++) {
                int ci = fo / (f / c);
                for (int r = 0; r < ys.dim(2); r++) {
                    for (int q = 0; q < ys.dim(3); q++) {
                        float acc = 0f;
                        for (int i = 0; i < kh; i++) {
                            for (int j = 0; j < kw; j++) {
                                int ih = r * p.strideH() + i * p.dilationH();
                                int iw = q * p.strideW() + j * p.dilationW();
                                acc = Math.fma(w.data()[(fo * kh + i) * kw + j],
                                        xp.data()[((b * c + ci) * hp + ih) * wp + iw], acc);
                            }
                        }
                        y.data()[((b * f + fo) * ys.dim(2) + r) * ys.dim(3) + q] = bias == null ? acc
                                : acc + bias.data()[fo];
                    }
                }
            }
        }
        return y;
    }
}
