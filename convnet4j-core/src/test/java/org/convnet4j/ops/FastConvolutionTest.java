package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * The GEMM path ({@link FastConvolution}) against its naive twin ({@link ConvolutionReference}) on awkward
 * shapes: every pad mode, stride, dilation, groups (incl. depthwise), non-square kernels, 1-pixel images,
 * batch 1, 1x1 convolutions with 1024 channels, images tall enough to be split into several row tiles, and
 * batches that split into uneven chunks for the weight gradient, small planes whose samples share one GEMM.
 * Forward and both backward passes, with the
 * vector kernels (1 and 2 threads) and the scalar kernels underneath.
 *
 * <p>Tolerance: both sides sum the same products in different orders. Each result is a sum of at most
 * {@code terms} products, so each side is within {@code (terms + 2) * 2^-24 * S} of the exact value, S being
 * the same sum over absolute values, computed here by running the reference on |inputs|. The two may
 * therefore differ by twice that (plus, for the accumulating weight gradient, the rounding of adding to the
 * initial value).
 */
class FastConvolutionTest {
    private static final double U = Math.ulp(1.0f) / 2; // 2^-24

    /** One test case: input shape, filters, kernel and parameters. */
    record Case(int n, int c, int h, int w, int f, int kh, int kw, ConvParams p) {
        @Override
        public String toString() {
            return "x[" + n + "," + c + "," + h + "," + w + "] f=" + f + " k=" + kh + "x" + kw + " " + p;
        }
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        ConvParams same = ConvParams.of(1, 1);
        out.add(new Case(2, 3, 7, 7, 5, 3, 3, same));
        out.add(new Case(1, 1, 1, 1, 1, 1, 1, ConvParams.defaults()));          // 1-pixel image, 1x1
        out.add(new Case(3, 2, 1, 1, 4, 3, 3, same));                           // 1-pixel image, padded 3x3
        // taps wholly in the padding past the last sample's end (GoogLeNet's 5x5 branch on a 1x1 map)
        out.add(new Case(2, 2, 1, 1, 8, 5, 5, ConvParams.of(1, 2)));
        out.add(new Case(2, 1024, 3, 5, 16, 1, 1, ConvParams.defaults()));      // pointwise, huge C
        out.add(new Case(1, 24, 4, 3, 1024, 1, 1, ConvParams.defaults()));      // pointwise, huge F
        out.add(new Case(2, 8, 6, 5, 12, 1, 1, ConvParams.defaults().withGroups(4))); // grouped pointwise
        out.add(new Case(2, 6, 9, 8, 6, 3, 3, same.withGroups(6)));             // depthwise
        out.add(new Case(2, 4, 9, 8, 8, 3, 3, same.withGroups(4).withStride(2, 2))); // depthwise x2
        out.add(new Case(2, 6, 9, 8, 9, 3, 2, same.withGroups(3).withDilation(2, 1))); // grouped
        out.add(new Case(3, 5, 11, 13, 7, 3, 5, ConvParams.of(2, new Padding(1, 2, 2, 0)))); // non-square
        out.add(new Case(2, 3, 12, 10, 4, 1, 3, ConvParams.of(1, Padding.of(0, 1)).withStride(2, 1)));
        out.add(new Case(2, 3, 12, 12, 4, 3, 3, ConvParams.of(1, 2).withDilation(2)));
        out.add(new Case(1, 1, 28, 28, 6, 5, 5, ConvParams.of(1, 2)));          // LeNet conv1
        out.add(new Case(11, 6, 14, 14, 16, 5, 5, ConvParams.defaults()));      // LeNet conv2, uneven chunks
        // direct path (DirectConvolution): filter counts that leave remainders of its 4-filter and 2-filter tiles,
        // runs that end in a partial vector, asymmetric padding, padding as wide as the kernel (backward data then
        // takes the GEMM path), 33 filters (GEMM path), a 1-pixel-wide map
        out.add(new Case(5, 3, 9, 23, 7, 3, 5, ConvParams.of(1, new Padding(2, 0, 1, 3))));
        out.add(new Case(3, 2, 5, 5, 3, 2, 2, ConvParams.of(1, 2)));
        out.add(new Case(2, 2, 6, 11, 33, 3, 3, same));
        out.add(new Case(9, 5, 13, 1, 5, 3, 1, ConvParams.of(1, new Padding(1, 0, 1, 0))));
        out.add(new Case(1, 16, 10, 10, 6, 5, 5, ConvParams.of(1, 4)));         // LeNet conv2's backward shape
        out.add(new Case(2, 48, 41, 41, 8, 3, 3, same));                        // several row tiles
        out.add(new Case(1, 40, 30, 29, 3, 3, 3, ConvParams.of(2, 1).withDilation(1, 2))); // tiles + stride
        // small planes joined across samples into one GEMM (groups of 4, 4, 3), also pointwise, grouped, strided
        out.add(new Case(11, 4, 7, 7, 6, 3, 3, same));
        out.add(new Case(7, 8, 6, 6, 12, 1, 1, ConvParams.defaults().withGroups(2)));
        out.add(new Case(9, 16, 8, 8, 8, 1, 1, ConvParams.defaults().withStride(2, 2)));
        // one narrow tile against many filters, computed transposed (batch 1, 7x7 and 5x5 maps)
        out.add(new Case(1, 8, 7, 7, 96, 3, 3, same));
        out.add(new Case(1, 32, 5, 5, 96, 1, 1, ConvParams.defaults()));
        out.add(new Case(1, 12, 7, 7, 96, 3, 3, same.withGroups(2)));
        for (PadMode mode : PadMode.values()) {
            out.add(new Case(2, 3, 6, 7, 5, 3, 3, ConvParams.of(1, new Padding(2, 1, 0, 2)).withPadMode(mode)));
            out.add(new Case(2, 4, 5, 5, 4, 2, 3, ConvParams.of(2, new Padding(1, 0, 2, 1)).withPadMode(mode)
                    .withGroups(2)));
            out.add(new Case(1, 3, 4, 6, 3, 3, 3, ConvParams.of(1, 1).withPadMode(mode).withGroups(3)));
            out.add(new Case(2, 5, 6, 6, 3, 1, 1, ConvParams.of(1, 1).withPadMode(mode))); // padded 1x1
        }
        Random random = new Random(2024);
        for (int i = 0; i < 20; i++) {
            int groups = 1 + random.nextInt(3);
            int c = groups * (1 + random.nextInt(5));
            int f = groups * (1 + random.nextInt(5));
            int kh = 1 + random.nextInt(4);
            int kw = 1 + random.nextInt(4);
            int dil = 1 + random.nextInt(2);
            int pad = random.nextInt(2);
            PadMode mode = PadMode.values()[random.nextInt(3)];
            int h = Math.max(dil * (kh - 1) + 1, pad + 1) + random.nextInt(8);
            int w = Math.max(dil * (kw - 1) + 1, pad + 1) + random.nextInt(8);
            ConvParams p = ConvParams.of(1, pad).withStride(1 + random.nextInt(3), 1 + random.nextInt(3))
                    .withDilation(dil).withGroups(groups).withPadMode(mode);
            out.add(new Case(1 + random.nextInt(4), c, h, w, f, kh, kw, p));
        }
        return out;
    }

    @Test
    void matchesReferenceWithVectorKernels() {
        for (Case cs : cases()) {
            check(cs, KernelProvider.vector(2), 1);
        }
    }

    @Test
    void matchesReferenceWithScalarKernels() {
        for (Case cs : cases()) {
            check(cs, KernelProvider.scalar(), 2);
        }
    }

    /** The small layers the direct path takes, through the GEMM path as well (its naive-twin role is kept). */
    @Test
    void gemmPathStillMatchesReferenceWithoutTheDirectPath() {
        DirectConvolution.enabled = false;
        try {
            for (Case cs : cases()) {
                check(cs, KernelProvider.vector(2), 3);
            }
        } finally {
            DirectConvolution.enabled = true;
        }
    }

    @Test
    void directPathIsTakenForLeNetLayers() {
        ConvDims conv1 = ConvDims.of(org.convnet4j.tensor.Shape.of(64, 1, 28, 28), org.convnet4j.tensor.Shape.of(6, 1,
                5, 5), org.convnet4j.tensor.Shape.of(64, 6, 28, 28), ConvParams.of(1, 2));
        ConvDims conv2 = ConvDims.of(org.convnet4j.tensor.Shape.of(64, 6, 14, 14), org.convnet4j.tensor.Shape.of(16, 6,
                5, 5), org.convnet4j.tensor.Shape.of(64, 16, 10, 10), ConvParams.defaults());
        assertTrue(DirectConvolution.applies(conv1, ConvParams.of(1, 2)));
        assertTrue(DirectConvolution.applies(conv2, ConvParams.defaults()));
        assertTrue(DirectConvolution.appliesBackward(conv2, ConvParams.defaults()));
        ConvDims resnet = ConvDims.of(org.convnet4j.tensor.Shape.of(8, 64, 56, 56), org.convnet4j.tensor.Shape.of(64,
                64, 3, 3), org.convnet4j.tensor.Shape.of(8, 64, 56, 56), ConvParams.of(1, 1));
        assertFalse(DirectConvolution.applies(resnet, ConvParams.of(1, 1)));
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        Kernels one = KernelProvider.vector(1);
        Kernels two = KernelProvider.vector(2);
        Kernels three = KernelProvider.vector(3);
        List<Case> all = cases();
        all.add(new Case(4, 64, 20, 20, 32, 3, 3, ConvParams.of(1, 1))); // big enough to thread every level
        all.add(new Case(1, 64, 40, 40, 32, 3, 3, ConvParams.of(1, 1))); // batch 1: threaded GEMMs instead
        // a weight gradient of 64 x 1152 elements: its partials are added on all threads (REDUCE_PARALLEL)
        all.add(new Case(3, 128, 6, 6, 64, 3, 3, ConvParams.of(1, 1)));
        assertTrue(64 * 128 * 9 >= FastConvolution.REDUCE_PARALLEL);
        for (Case cs : all) {
            Random random = new Random(cs.hashCode());
            Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
            Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c() / cs.p().groups(), cs.kh(), cs.kw());
            Tensor bias = Tensor.randn(random, 1f, cs.f());
            Tensor y1 = FastConvolution.forward(x, w, bias, cs.p(), one);
            Tensor dy = Tensor.randn(random, 1f, y1.shape().dims());
            for (Kernels k : new Kernels[] {two, three}) {
                assertArrayEquals(y1.data(), FastConvolution.forward(x, w, bias, cs.p(), k).data(), cs.toString());
                assertArrayEquals(FastConvolution.backwardInput(dy, w, x.shape(), cs.p(), one).data(),
                        FastConvolution.backwardInput(dy, w, x.shape(), cs.p(), k).data(), cs.toString());
                Tensor dw1 = Tensor.zeros(w.shape().dims());
                Tensor dwk = Tensor.zeros(w.shape().dims());
                Tensor db1 = Tensor.zeros(cs.f());
                Tensor dbk = Tensor.zeros(cs.f());
                FastConvolution.backwardWeights(x, dy, dw1, db1, cs.p(), one);
                FastConvolution.backwardWeights(x, dy, dwk, dbk, cs.p(), k);
                assertArrayEquals(dw1.data(), dwk.data(), cs.toString());
                assertArrayEquals(db1.data(), dbk.data(), cs.toString());
            }
        }
    }

    /**
     * Batch-1 forward passes whose row tiles are re-cut to share out evenly ({@code Tiling.balanced}) or whose single
     * tile's im2col runs on every thread ({@code patchesOnAllThreads}): the bits of one thread, with the switches on
     * and off, and the reference's values.
     */
    @Test
    void balancedTilesAndSharedIm2colGiveTheOneThreadBits() {
        // 1x1 512 -> 128 on 28x28: tiles of 9, 9, 9, 1 rows before, four of 7 now; 256 -> 64 on 56x56: 7 tiles, now 8
        ConvDims d28 = ConvDims.of(org.convnet4j.tensor.Shape.of(1, 512, 28, 28), org.convnet4j.tensor.Shape.of(128, 512,
                1, 1), org.convnet4j.tensor.Shape.of(1, 128, 28, 28), ConvParams.defaults());
        FastConvolution.Tiling before = FastConvolution.Tiling.of(d28);
        assertArrayEquals(new int[] {9, 4}, new int[] {before.rows(), before.rowTiles()});
        FastConvolution.Tiling after = before.balanced(2);
        assertArrayEquals(new int[] {7, 4}, new int[] {after.rows(), after.rowTiles()});
        ConvDims d56 = ConvDims.of(org.convnet4j.tensor.Shape.of(1, 256, 56, 56), org.convnet4j.tensor.Shape.of(64, 256,
                1, 1), org.convnet4j.tensor.Shape.of(1, 64, 56, 56), ConvParams.defaults());
        assertArrayEquals(new int[] {7, 8}, new int[] {FastConvolution.Tiling.of(d56).balanced(2).rows(),
            FastConvolution.Tiling.of(d56).balanced(2).rowTiles()});
        List<Case> all = new ArrayList<>();
        all.add(new Case(1, 512, 28, 28, 128, 1, 1, ConvParams.defaults())); // balanced tiles, pointwise
        all.add(new Case(1, 64, 23, 19, 24, 3, 3, ConvParams.of(1, 1))); // balanced tiles, im2col per tile
        all.add(new Case(1, 64, 14, 14, 64, 3, 3, ConvParams.of(1, 1))); // one tile: im2col on all threads
        all.add(new Case(1, 160, 15, 13, 40, 3, 3, ConvParams.of(2, 1))); // one tile, stride 2, padding
        all.add(new Case(1, 256, 7, 7, 128, 3, 3, ConvParams.of(1, 1))); // one tile computed transposed
        assertTrue(64 * 9 * 14 * 14 >= FastConvolution.IM2COL_PARALLEL && 256 * 9 * 49 >= FastConvolution.IM2COL_PARALLEL
                && 160 * 9 * 8 * 7 >= FastConvolution.IM2COL_PARALLEL);
        boolean tiles = FastConvolution.balancedTiles;
        boolean im2col = FastConvolution.parallelIm2col;
        try {
            for (Case cs : all) {
                check(cs, KernelProvider.vector(2), 7);
                Random random = new Random(cs.hashCode());
                Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
                Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c(), cs.kh(), cs.kw());
                Tensor bias = Tensor.randn(random, 1f, cs.f());
                Tensor y1 = FastConvolution.forward(x, w, bias, cs.p(), KernelProvider.vector(1));
                for (boolean on : new boolean[] {true, false}) {
                    FastConvolution.balancedTiles = on;
                    FastConvolution.parallelIm2col = on;
                    for (int threads = 2; threads <= 3; threads++) {
                        assertArrayEquals(y1.data(), FastConvolution.forward(x, w, bias, cs.p(),
                                KernelProvider.vector(threads)).data(), cs + ", switches " + on + ", threads " + threads);
                    }
                }
            }
        } finally {
            FastConvolution.balancedTiles = tiles;
            FastConvolution.parallelIm2col = im2col;
        }
    }

    /** Runs all three passes both ways; {@code seedSalt} varies the data between the two kernel tests. */
    static void check(Case cs, Kernels k, int seedSalt) {
        Random random = new Random(cs.hashCode() * 31L + seedSalt);
        ConvParams p = cs.p();
        int cg = cs.c() / p.groups();
        Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
        Tensor w = Tensor.randn(random, 1f, cs.f(), cg, cs.kh(), cs.kw());
        Tensor bias = Tensor.randn(random, 1f, cs.f());
        Tensor ax = abs(x);
        Tensor aw = abs(w);

        Tensor expected = ConvolutionReference.forward(x, w, bias, p);
        Tensor actual = FastConvolution.forward(x, w, bias, p, k);
        Tensor bound = ConvolutionReference.forward(ax, aw, abs(bias), p);
        assertClose("forward", cs, expected, actual, bound, cg * cs.kh() * cs.kw() + 1);

        Tensor dy = Tensor.randn(random, 1f, expected.shape().dims());
        Tensor ady = abs(dy);
        expected = ConvolutionReference.backwardInput(dy, w, x.shape(), p);
        actual = FastConvolution.backwardInput(dy, w, x.shape(), p, k);
        bound = ConvolutionReference.backwardInput(ady, aw, x.shape(), p);
        // An input pixel receives at most F/groups * KH * KW products per padded copy of it; replicate padding
        // can copy an edge pixel up to (pad + 1)^2 times.
        int copies = (p.padding().top() + p.padding().bottom() + 1) * (p.padding().left() + p.padding().right() + 1);
        assertClose("backwardInput", cs, expected, actual, bound, cs.f() / p.groups() * cs.kh() * cs.kw() * copies);

        Tensor dw0 = Tensor.randn(random, 1f, w.shape().dims());
        Tensor db0 = Tensor.randn(random, 1f, cs.f());
        Tensor dwRef = dw0.copy();
        Tensor dbRef = db0.copy();
        Tensor dwFast = dw0.copy();
        Tensor dbFast = db0.copy();
        ConvolutionReference.backwardWeights(x, dy, dwRef, dbRef, p);
        FastConvolution.backwardWeights(x, dy, dwFast, dbFast, p, k);
        Tensor dwBound = abs(dw0);
        Tensor dbBound = abs(db0);
        ConvolutionReference.backwardWeights(ax, ady, dwBound, dbBound, p);
        int terms = cs.n() * dy.dim(2) * dy.dim(3);
        assertClose("backwardWeights", cs, dwRef, dwFast, dwBound, terms + 1);
        assertClose("backwardWeights (bias)", cs, dbRef, dbFast, dbBound, terms + 1);
    }

    static void assertClose(String what, Case cs, Tensor expected, Tensor actual, Tensor absSum, int terms) {
        assertArrayEquals(expected.shape().dims(), actual.shape().dims(), what + " shape, " + cs);
        float[] e = expected.data();
        float[] a = actual.data();
        float[] s = absSum.data();
        for (int i = 0; i < e.length; i++) {
            double tol = 2 * (terms + 2) * U * s[i] * 1.0001 + Float.MIN_NORMAL;
            double diff = Math.abs((double) e[i] - a[i]);
            if (!(diff <= tol)) {
                throw new AssertionError(what + " differs at " + i + ": reference " + e[i] + ", fast " + a[i]
                        + " (|diff| " + diff + " > bound " + tol + ") for " + cs);
            }
        }
    }

    static Tensor abs(Tensor t) {
        Tensor out = t.copy();
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.abs(d[i]);
        }
        return out;
    }
}
