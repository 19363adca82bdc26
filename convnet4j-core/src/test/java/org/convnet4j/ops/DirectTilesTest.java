package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
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
 * Shifted tiles whose product is a direct convolution ({@link DirectTiles}, {@link Kernels#directProducts}): the
 * vector kernel gives its scalar twin's bits and writes nothing outside its rows; whole convolutions (forward, with
 * a bias and with a batch norm + ReLU epilogue, strided, grouped, a last block of fewer than 8 filters, batch 1 with
 * the filters shared out over threads, pointwise layers read straight from x) stay within the reference's rounding bound (FastConvolutionTest's: the taps
 * are summed in another order than the reference's, so bits differ; each side is within (terms + 2) * 2^-24 of the
 * sum of absolute products), give the same bits at 1, 2 and 3 threads (whatever the tiling: balanced row tiles, tiles
 * the GEMM would compute transposed), and call the direct products and no GEMM (the slice's GEMM with the switch off).
 * Data gradients through them too: the transposed convolution of 14-27 wide rows, and the phases of 3x3 stride-2
 * layers ({@link StridedInputGradient}).
 */
class DirectTilesTest {
    /** The switch's value before any test here set it (its default in this JVM, unless a property gave one). */
    private static final boolean START = DirectTiles.enabled;

    /** Winograd's switch before any test here set it. */
    private static final boolean WINOGRAD = Winograd.enabled;

    /** Whether the direct tiles ran on narrow vectors before any test here set it ({@link DirectTiles#narrowVectors}). */
    private static final boolean NARROW = DirectTiles.narrowVectors;

    /**
     * On for every test, whatever this JVM's default ({@link DirectTiles#byDefault}), and Winograd off (it takes the
     * stride-1 3x3 layers these tests send through the direct tiles); the start values after.
     */
    @BeforeEach
    void directTilesOn() {
        DirectTiles.enabled = true;
        DirectTiles.narrowVectors = true; // the direct kernels tested on an AVX2 machine too
        Winograd.enabled = false;
    }

    @AfterEach
    void startValueAgain() {
        DirectTiles.enabled = START;
        DirectTiles.narrowVectors = NARROW;
        Winograd.enabled = WINOGRAD;
    }

    /**
     * Without {@link DirectTiles#narrowVectors}, kernels whose vectors hold 8 floats (AVX2) send the layers the direct
     * tiles take with 16 (a 3x3/2 layer's forward pass and its data gradient by phases, a reducing 1x1 layer's forward
     * pass, a narrow stride-1 data gradient) to the GEMM, and kernels of 16 floats still to the direct products; both
     * within the reference's bound. The kernels are the machine's own, reporting the width asked.
     */
    @Test
    void narrowVectorsTakeTheGemm() {
        DirectTiles.narrowVectors = false;
        List<FastConvolutionTest.Case> cases = List.of(
                new FastConvolutionTest.Case(8, 16, 28, 28, 24, 3, 3, ConvParams.of(2, 1)),
                new FastConvolutionTest.Case(2, 96, 20, 20, 48, 1, 1, ConvParams.defaults()),
                new FastConvolutionTest.Case(2, 24, 14, 14, 48, 3, 3, ConvParams.of(1, 1)));
        for (FastConvolutionTest.Case cs : cases) {
            Random random = new Random(cs.hashCode());
            Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
            Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c(), cs.kh(), cs.kw());
            Tensor dy = Tensor.randn(random, 1f, Convolution.outputShape(x.shape(), w.shape(), cs.p()).dims());
            for (int lanes : new int[] {8, 16}) {
                Map<String, Integer> calls = new ConcurrentHashMap<>();
                Kernels k = counting(KernelProvider.vector(2), calls, lanes);
                FastConvolutionTest.check(cs, k, 29);
                calls.clear();
                FastConvolution.forward(x, w, null, cs.p(), k);
                assertTrue(lanes == 8 ? gemmOnly(calls) : calls.containsKey("directProducts") && noGemm(calls),
                        cs + " forward, " + lanes + " lanes: " + calls);
                if (cs.kh() > 1) {
                    calls.clear();
                    FastConvolution.backwardInput(dy, w, x.shape(), cs.p(), k);
                    assertEquals(lanes == 16, calls.containsKey("directProducts"), cs + " data gradient, " + lanes
                            + " lanes: " + calls);
                }
            }
        }
    }

    @Test
    void vectorProductsGiveTheScalarTwinsBits() {
        Kernels vector = KernelProvider.vector(1);
        Kernels scalar = KernelProvider.scalar();
        Random random = new Random(17);
        int r = Kernels.DIRECT_ROWS;
        // filters: whole blocks, a last short block, fewer than a block; runs: shorter than a tile (48 columns with
        // AVX-512), whole tiles, tiles and a tail that overlaps the last whole tile
        for (int f : new int[] {8, 16, 13, 3}) {
            for (int taps : new int[] {1, 9, 27}) {
                for (int len : new int[] {5, 17, 48, 49, 100, 230}) {
                    for (boolean withBias : new boolean[] {false, true}) {
                        int blocks = (f + r - 1) / r;
                        int wOff = 3 * r;
                        float[] wp = randoms(random, wOff + blocks * r * taps);
                        int[] offsets = new int[taps];
                        for (int t = 0; t < taps; t++) {
                            offsets[t] = random.nextInt(64); // any shifts, overlapping or not
                        }
                        int xOff = 5;
                        float[] x = randoms(random, xOff + 64 + len);
                        float[] bias = withBias ? randoms(random, f + 2) : null;
                        int ldo = len + 7;
                        int outOff = 3;
                        float[] expected = new float[outOff + f * ldo + 4];
                        float[] actual = new float[expected.length];
                        Arrays.fill(expected, Float.NaN);
                        Arrays.fill(actual, Float.NaN);
                        scalar.directProducts(f, taps, wp, wOff, offsets, x, xOff, len, bias, 2, expected, outOff, ldo);
                        vector.directProducts(f, taps, wp, wOff, offsets, x, xOff, len, bias, 2, actual, outOff, ldo);
                        String what = "f " + f + " taps " + taps + " len " + len + " bias " + withBias;
                        assertArrayEquals(expected, actual, what);
                        for (int i = 0; i < actual.length; i++) { // written exactly the rows' first len values
                            int row = (i - outOff) / ldo;
                            boolean inside = i >= outOff && row < f && (i - outOff) % ldo < len;
                            assertEquals(inside, !Float.isNaN(actual[i]), what + " at " + i);
                        }
                    }
                }
            }
        }
        // the contract's chain, checked by hand for one output: bias, then the taps in order
        float[] wp = new float[2 * r];
        wp[0] = 3f;
        wp[r] = 0.5f;
        float[] out = new float[1];
        vector.directProducts(1, 2, wp, 0, new int[] {0, 1}, new float[] {2f, 4f}, 0, 1, new float[] {1f}, 0, out, 0,
                1);
        assertEquals(1f + 3f * 2f + 0.5f * 4f, out[0]);
    }

    /**
     * Runs of 4 and 7 whole vectors (and 6, and 14 with a tail) with their last 4 in two tiles of 2
     * ({@code VectorDirectProducts.lastFourInPairs}) and as 3 + 1 (the switch off), over two slices of taps (144 and 56),
     * whole blocks of filters and a short last one: the scalar twin's bits either way, nothing written outside the rows.
     */
    @Test
    void lastFourVectorsInPairsGiveTheScalarTwinsBits() throws ReflectiveOperationException {
        Kernels vector = KernelProvider.vector(1);
        Kernels scalar = KernelProvider.scalar();
        java.lang.reflect.Field pairs = Class.forName("org.convnet4j.tensor.kernels.VectorDirectProducts")
                .getDeclaredField("lastFourInPairs");
        pairs.setAccessible(true);
        boolean pairsWere = pairs.getBoolean(null);
        Random random = new Random(29);
        int r = Kernels.DIRECT_ROWS;
        int taps = 200;
        try {
            for (int f : new int[] {64, 69}) {
                for (int len : new int[] {64, 100, 112, 230}) {
                    int blocks = (f + r - 1) / r;
                    float[] wp = randoms(random, blocks * r * taps);
                    int[] offsets = new int[taps];
                    for (int t = 0; t < taps; t++) {
                        offsets[t] = random.nextInt(64);
                    }
                    float[] x = randoms(random, 64 + len);
                    float[] bias = randoms(random, f);
                    int ldo = len + 3;
                    float[] expected = new float[f * ldo];
                    Arrays.fill(expected, Float.NaN);
                    scalar.directProducts(f, taps, wp, 0, offsets, x, 0, len, bias, 0, expected, 0, ldo);
                    for (boolean inPairs : new boolean[] {true, false}) {
                        pairs.setBoolean(null, inPairs);
                        float[] actual = new float[expected.length];
                        Arrays.fill(actual, Float.NaN);
                        vector.directProducts(f, taps, wp, 0, offsets, x, 0, len, bias, 0, actual, 0, ldo);
                        assertArrayEquals(expected, actual, "f " + f + " len " + len + " in pairs " + inPairs);
                    }
                }
            }
        } finally {
            pairs.setBoolean(null, pairsWere);
        }
    }

    @Test
    void vectorPixelsGiveTheScalarTwinsBits() {
        Kernels vector = KernelProvider.vector(1);
        Kernels scalar = KernelProvider.scalar();
        Random random = new Random(23);
        int l = Kernels.DIRECT_LANES;
        // filters: 4-block tiles, 4 blocks and 1 left, a last short block; pixels: 6-pixel tiles and leftovers;
        // taps: one slice, more than one slice of 256 (the sums stored and loaded back between slices)
        for (int f : new int[] {64, 80, 16, 13, 128}) {
            for (int taps : new int[] {9, 300}) {
                for (int count : new int[] {1, 6, 13}) {
                    for (boolean withBias : new boolean[] {false, true}) {
                        int blocks = (f + l - 1) / l;
                        int wOff = 2 * l;
                        float[] wp = randoms(random, wOff + blocks * l * taps);
                        int[] offsets = new int[taps];
                        for (int t = 0; t < taps; t++) {
                            offsets[t] = random.nextInt(200);
                        }
                        int[] positions = new int[count + 3];
                        for (int p = 0; p < positions.length; p++) {
                            positions[p] = random.nextInt(100);
                        }
                        float[] x = randoms(random, 7 + 300);
                        float[] bias = withBias ? randoms(random, f + 1) : null;
                        int ldo = f + 5;
                        int outOff = 2;
                        float[] expected = new float[outOff + count * ldo + 3];
                        float[] actual = new float[expected.length];
                        Arrays.fill(expected, Float.NaN);
                        Arrays.fill(actual, Float.NaN);
                        scalar.directPixels(f, taps, wp, wOff, offsets, positions, 3, count, x, 7, bias, 1, expected,
                                outOff, ldo);
                        vector.directPixels(f, taps, wp, wOff, offsets, positions, 3, count, x, 7, bias, 1, actual,
                                outOff, ldo);
                        String what = "f " + f + " taps " + taps + " count " + count + " bias " + withBias;
                        assertArrayEquals(expected, actual, what);
                        for (int i = 0; i < actual.length; i++) {
                            boolean inside = i >= outOff && (i - outOff) / ldo < count && (i - outOff) % ldo < f;
                            assertEquals(inside, !Float.isNaN(actual[i]), what + " at " + i);
                        }
                    }
                }
            }
        }
        // the same chain as directProducts: one filter block of each layout, the same weights, the same bits
        int taps = 20;
        float[] w = randoms(random, 16 * taps);
        float[] byRows = new float[16 * taps];
        float[] byLanes = new float[16 * taps];
        for (int fo = 0; fo < 16; fo++) {
            for (int t = 0; t < taps; t++) {
                byRows[(fo / 8 * taps + t) * 8 + fo % 8] = w[fo * taps + t];
                byLanes[t * 16 + fo] = w[fo * taps + t];
            }
        }
        int[] offsets = new int[taps];
        for (int t = 0; t < taps; t++) {
            offsets[t] = t * 3;
        }
        float[] x = randoms(random, 200);
        float[] bias = randoms(random, 16);
        float[] columns = new float[16 * 60];
        vector.directProducts(16, taps, byRows, 0, offsets, x, 0, 60, bias, 0, columns, 0, 60);
        int[] positions = new int[60];
        for (int p = 0; p < 60; p++) {
            positions[p] = p;
        }
        float[] pixels = new float[60 * 16];
        vector.directPixels(16, taps, byLanes, 0, offsets, positions, 0, 60, x, 0, bias, 0, pixels, 0, 16);
        for (int fo = 0; fo < 16; fo++) {
            for (int p = 0; p < 60; p++) {
                assertEquals(columns[fo * 60 + p], pixels[p * 16 + fo], "filter " + fo + " pixel " + p);
            }
        }
    }

    @Test
    void convolutionsThroughDirectTilesMatchTheReference() {
        boolean was = DirectTiles.pixels;
        boolean any = DirectTiles.anyKernel;
        DirectTiles.anyKernel = true; // the strided and 5x5 cases too
        try {
            for (boolean byPixels : new boolean[] {false, true}) {
                DirectTiles.pixels = byPixels;
                throughDirectTiles(byPixels);
            }
        } finally {
            DirectTiles.pixels = was;
            DirectTiles.anyKernel = any;
        }
    }

    private void throughDirectTiles(boolean byPixels) {
        List<FastConvolutionTest.Case> cases = List.of(
                // (each beyond DirectConvolution's small layers: more than 32 filters or 400 taps, strided or grouped;
                // planes under 192 pixels at batch 8: two samples per tile)
                // row tiles of one sample (56x56-like), joined small planes (7x7 at batch 8), strided (phases)
                new FastConvolutionTest.Case(2, 16, 30, 30, 40, 3, 3, ConvParams.of(1, 1)),
                new FastConvolutionTest.Case(8, 48, 7, 7, 24, 3, 3, ConvParams.of(1, 1)),
                new FastConvolutionTest.Case(8, 16, 14, 14, 24, 3, 3, ConvParams.of(2, 1)),
                // a last block of 4 filters; groups of 8 filters; a 5x5 kernel with dilation
                new FastConvolutionTest.Case(8, 48, 11, 13, 20, 3, 3, ConvParams.of(1, 1)),
                new FastConvolutionTest.Case(8, 8, 12, 10, 16, 3, 3, ConvParams.of(1, 1).withGroups(2)),
                new FastConvolutionTest.Case(2, 5, 17, 16, 9, 5, 5, ConvParams.of(1, 4).withDilation(2)),
                // batch 1, one large tile: its filters shared out over the threads
                new FastConvolutionTest.Case(1, 64, 40, 40, 32, 3, 3, ConvParams.of(1, 1)),
                // pixel tiles: 4 blocks and 1 (80 filters), a short row tile; 16 filters per group
                new FastConvolutionTest.Case(8, 24, 9, 11, 80, 3, 3, ConvParams.of(1, 1)),
                new FastConvolutionTest.Case(8, 16, 10, 10, 32, 3, 3, ConvParams.of(1, 1).withGroups(2)),
                // pointwise (input channels >= 2 x filters): one-sample row tiles read from x, joined 14x14 planes, a
                // run that ends mid-vector
                new FastConvolutionTest.Case(1, 96, 20, 20, 48, 1, 1, ConvParams.defaults()),
                new FastConvolutionTest.Case(8, 96, 14, 14, 40, 1, 1, ConvParams.defaults()),
                new FastConvolutionTest.Case(2, 48, 30, 31, 24, 1, 1, ConvParams.defaults()));
        int taken = 0;
        for (FastConvolutionTest.Case cs : cases) {
            ConvDims d = dims(cs);
            assertTrue((DirectTiles.applies(d) || DirectTiles.appliesPointwise(d)) && !DirectConvolution.applies(d,
                    cs.p()), cs.toString());
            if (DirectTiles.byPixels(d) != byPixels) {
                continue; // the column cases ran in the first round
            }
            taken++;
            FastConvolutionTest.check(cs, KernelProvider.vector(2), 11);
            Random random = new Random(cs.hashCode());
            Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
            Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c() / cs.p().groups(), cs.kh(), cs.kw());
            Tensor bias = Tensor.randn(random, 1f, cs.f());
            ConvEpilogue bnRelu = new ConvEpilogue(randoms(random, cs.f()), positive(random, cs.f()),
                    positive(random, cs.f()), randoms(random, cs.f()), true);
            for (int variant = 0; variant < 2; variant++) {
                Tensor b = variant == 0 ? bias : null;
                ConvEpilogue e = variant == 0 ? null : bnRelu;
                float[] y1 = FastConvolution.forward(x, w, b, cs.p(), KernelProvider.vector(1), e, null).data();
                for (int threads = 2; threads <= 3; threads++) {
                    assertArrayEquals(y1, FastConvolution.forward(x, w, b, cs.p(), KernelProvider.vector(threads), e,
                            null).data(), cs + " variant " + variant + " threads " + threads);
                }
            }
            // which kernels the forward pass calls: the direct products only, and the slice's GEMM with the switch off
            Map<String, Integer> calls = new ConcurrentHashMap<>();
            Kernels counting = counting(KernelProvider.vector(2), calls);
            assertArrayEquals(FastConvolution.forward(x, w, bias, cs.p(), KernelProvider.vector(1)).data(),
                    FastConvolution.forward(x, w, bias, cs.p(), counting).data(), cs + " through the counting kernels");
            String kernel = DirectTiles.byPixels(d) ? "directPixels" : "directProducts";
            assertTrue(calls.getOrDefault(kernel, 0) > 0 && noGemm(calls), cs + ": " + calls);
            calls.clear();
            switchedOff("DirectTiles.enabled", () -> FastConvolution.forward(x, w, bias, cs.p(), counting));
            assertTrue(gemmOnly(calls), cs + " switched off: " + calls);
        }
        assertTrue(taken >= 3, "cases through " + (byPixels ? "pixel" : "column") + " tiles: " + taken);
    }

    @Test
    void takesShiftedTilesWithAtLeastOneBlockOfFilters() {
        assertTrue(DirectTiles.applies(dims(new FastConvolutionTest.Case(8, 64, 56, 56, 64, 3, 3,
                ConvParams.of(1, 1)))));
        assertFalse(DirectTiles.applies(dims(new FastConvolutionTest.Case(8, 64, 56, 56, 64, 1, 1,
                ConvParams.defaults()))), "pointwise: no slice");
        assertFalse(DirectTiles.applies(dims(new FastConvolutionTest.Case(2, 3, 7, 7, 5, 3, 3, ConvParams.of(1, 1)))),
                "fewer filters than a block");
        assertFalse(DirectTiles.applies(dims(new FastConvolutionTest.Case(1, 512, 7, 7, 512, 3, 3, ConvParams.of(1,
                1)))), "batch 1 on 7x7: the GEMM's transposed tile");
        assertTrue(DirectTiles.applies(dims(new FastConvolutionTest.Case(8, 512, 7, 7, 512, 3, 3, ConvParams.of(1,
                1)))), "batch 8 on 7x7: two samples per tile");
        assertTrue(DirectTiles.applies(dims(new FastConvolutionTest.Case(8, 64, 56, 56, 64, 3, 3, ConvParams.of(2,
                1)))), "3x3/2");
        assertTrue(DirectTiles.applies(dims(new FastConvolutionTest.Case(8, 3, 224, 224, 64, 7, 7, ConvParams.of(2,
                3)))), "the 7x7/2 stem");
        assertFalse(DirectTiles.applies(dims(new FastConvolutionTest.Case(8, 32, 28, 28, 64, 5, 5, ConvParams.of(1,
                2)))) || DirectTiles.anyKernel, "5x5: not measured");
    }

    @Test
    void onByDefaultOnlyWhereCountedLoopsKeepTheirSafepoints() {
        assertTrue(DirectTiles.byDefault(null, true), "G1's JIT (UseCountedLoopSafepoints on)");
        assertFalse(DirectTiles.byDefault(null, false), "ParallelGC's JIT (off): the register tiles compiled slower");
        assertTrue(DirectTiles.byDefault(null, null), "not HotSpot: on");
        assertFalse(DirectTiles.byDefault("false", true), "the switch off");
        assertTrue(DirectTiles.byDefault("true", false), "the switch forces them on");
        // this JVM's flag is read: the test JVM runs G1 (the build sets no collector), which turns it on
        Boolean flag = DirectTiles.countedLoopSafepoints();
        assertEquals(Boolean.valueOf(java.lang.management.ManagementFactory.getPlatformMXBean(
                com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("UseCountedLoopSafepoints").getValue()),
                flag);
        assertEquals(DirectTiles.byDefault(System.getProperty("convnet4j.conv.directTiles"), flag), START,
                "the switch's start value");
    }

    @Test
    void narrowRowsShareAPaddingColumnWithTheSameBits() {
        // 3x3 with padding 1: 7 and 14 wide rows take 8 and 15 (one zero column shared), 28 wide keep 30 (gradients)
        assertEquals(8, ShiftedPatches.width(dims(new FastConvolutionTest.Case(8, 512, 7, 7, 512, 3, 3,
                ConvParams.of(1, 1)))));
        assertEquals(15, ShiftedPatches.width(dims(new FastConvolutionTest.Case(8, 256, 14, 14, 256, 3, 3,
                ConvParams.of(1, 1)))));
        assertEquals(30, ShiftedPatches.width(dims(new FastConvolutionTest.Case(8, 128, 28, 28, 128, 3, 3,
                ConvParams.of(1, 1)))));
        assertEquals(11, ShiftedPatches.width(dims(new FastConvolutionTest.Case(2, 8, 9, 9, 8, 3, 3,
                ConvParams.of(1, new Padding(1, 1, 0, 2))))), "no left padding: nothing to share");
        boolean any = DirectTiles.anyKernel;
        DirectTiles.anyKernel = true; // the 5x5 and dilated cases too
        try {
            List<FastConvolutionTest.Case> cases = List.of(
                    new FastConvolutionTest.Case(8, 48, 7, 7, 24, 3, 3, ConvParams.of(1, 1)), // two samples per tile
                    new FastConvolutionTest.Case(3, 24, 14, 14, 36, 3, 3, ConvParams.of(1, 1)), // a short last block
                    new FastConvolutionTest.Case(8, 16, 9, 11, 40, 5, 5, ConvParams.of(1, 2)), // two shared columns
                    new FastConvolutionTest.Case(8, 16, 10, 9, 16, 3, 3, ConvParams.of(1, 2).withDilation(2)),
                    new FastConvolutionTest.Case(8, 16, 9, 12, 40, 3, 3, ConvParams.of(1, new Padding(2, 0, 1, 3))),
                    new FastConvolutionTest.Case(8, 16, 12, 9, 32, 3, 3, ConvParams.of(1, 1).withGroups(2)));
            for (FastConvolutionTest.Case cs : cases) {
                ConvDims d = dims(cs);
                assertTrue(DirectTiles.applies(d) && ShiftedPatches.shared(d) > 0, cs.toString());
                Random random = new Random(cs.hashCode());
                Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
                Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c() / cs.p().groups(), cs.kh(), cs.kw());
                Tensor bias = Tensor.randn(random, 1f, cs.f());
                for (boolean direct : new boolean[] {true, false}) { // the direct tiles, the slice's GEMM
                    DirectTiles.enabled = direct;
                    float[] own = sharedPadding(false, x, w, bias, cs);
                    float[] shared = sharedPadding(true, x, w, bias, cs);
                    assertArrayEquals(own, shared, cs + " direct " + direct);
                }
                DirectTiles.enabled = true;
                FastConvolutionTest.check(cs, KernelProvider.vector(2), 13);
            }
        } finally {
            DirectTiles.anyKernel = any;
        }
    }

    /**
     * The forward pass on one thread with the slice's rows sharing padding columns or not, after this thread's
     * scratch (where the slice goes) was filled with NaN: a shared column or its slack read but not written as a zero
     * spoils an output.
     */
    private static float[] sharedPadding(boolean on, Tensor x, Tensor w, Tensor bias, FastConvolutionTest.Case cs) {
        boolean was = ShiftedPatches.sharedPadding;
        ShiftedPatches.sharedPadding = on;
        try {
            Arrays.fill(FastConvolution.scratch().col(1 << 20), Float.NaN);
            return FastConvolution.forward(x, w, bias, cs.p(), KernelProvider.vector(1)).data();
        } finally {
            ShiftedPatches.sharedPadding = was;
        }
    }

    @Test
    void narrowDataGradientsTakeTheDirectTiles() {
        List<FastConvolutionTest.Case> cases = List.of(
                new FastConvolutionTest.Case(2, 24, 14, 14, 48, 3, 3, ConvParams.of(1, 1)), // ResNet-50's 14x14 shape
                new FastConvolutionTest.Case(3, 36, 14, 14, 48, 3, 3, ConvParams.of(1, 1)), // a short last block
                new FastConvolutionTest.Case(8, 16, 12, 16, 48, 3, 3, ConvParams.of(1, new Padding(2, 0, 1, 2))),
                new FastConvolutionTest.Case(8, 24, 7, 7, 48, 3, 3, ConvParams.of(1, 1))); // 7x7: col2im
        for (FastConvolutionTest.Case cs : cases) {
            boolean direct = cs.w() >= FastConvolution.DIRECT_GRADIENT_MIN_WIDTH;
            if (direct) {
                FastConvolutionTest.check(cs, KernelProvider.vector(2), 17);
            }
            Random random = new Random(cs.hashCode());
            Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c(), cs.kh(), cs.kw());
            Shape xs = Shape.of(cs.n(), cs.c(), cs.h(), cs.w());
            Tensor dy = Tensor.randn(random, 1f, Convolution.outputShape(xs, w.shape(), cs.p()).dims());
            float[] dx1 = FastConvolution.backwardInput(dy, w, xs, cs.p(), KernelProvider.vector(1)).data();
            assertArrayEquals(dx1, FastConvolution.backwardInput(dy, w, xs, cs.p(), KernelProvider.vector(3)).data(),
                    cs + " threads 3");
            Map<String, Integer> calls = new ConcurrentHashMap<>();
            Kernels counting = counting(KernelProvider.vector(2), calls);
            FastConvolution.backwardInput(dy, w, xs, cs.p(), counting);
            assertEquals(direct, calls.getOrDefault("directProducts", 0) > 0 && noGemm(calls), cs + ": " + calls);
            calls.clear();
            switchedOff("FastConvolution.directNarrowInputGradient",
                    () -> FastConvolution.backwardInput(dy, w, xs, cs.p(), counting));
            assertTrue(gemmOnly(calls), cs + " switched off: " + calls);
        }
    }

    @Test
    void narrowPlanesJoinTwoSamplesPerTileWithTheSameBits() {
        // 48 channels and filters on 14x14: one sample's patches (432 x 196) are over half the column budget, so
        // Tiling.of gives one sample per tile; the forward pass and the data gradient's transposed convolution join two
        FastConvolutionTest.Case cs = new FastConvolutionTest.Case(8, 48, 14, 14, 48, 3, 3, ConvParams.of(1, 1));
        assertEquals(1, FastConvolution.Tiling.of(dims(cs)).perTile());
        FastConvolutionTest.check(cs, KernelProvider.vector(2), 31);
        Random random = new Random(31);
        Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
        Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c(), cs.kh(), cs.kw());
        Tensor bias = Tensor.randn(random, 1f, cs.f());
        Tensor dy = Tensor.randn(random, 1f, cs.n(), cs.f(), cs.h(), cs.w());
        float[][] y = new float[2][];
        float[][] dx = new float[2][];
        int[][] products = new int[2][2];
        boolean was = FastConvolution.joinedNarrowTiles;
        try {
            for (int on = 0; on < 2; on++) {
                FastConvolution.joinedNarrowTiles = on == 1;
                Map<String, Integer> calls = new ConcurrentHashMap<>();
                Kernels counting = counting(KernelProvider.vector(2), calls);
                y[on] = FastConvolution.forward(x, w, bias, cs.p(), counting).data();
                products[on][0] = calls.getOrDefault("directProducts", 0);
                calls.clear();
                dx[on] = FastConvolution.backwardInput(dy, w, x.shape(), cs.p(), counting).data();
                products[on][1] = calls.getOrDefault("directProducts", 0);
            }
        } finally {
            FastConvolution.joinedNarrowTiles = was;
        }
        assertArrayEquals(y[0], y[1], "forward");
        assertArrayEquals(dx[0], dx[1], "data gradient");
        assertEquals(8, products[0][0], "a tile per sample, one product each (tiles in parallel)");
        assertEquals(4, products[1][0], "two samples per tile");
        assertEquals(8, products[0][1]);
        assertEquals(4, products[1][1]);
    }

    @Test
    void weightsPackedOnAllThreadsGiveTheCallersBits() {
        // 136 x 1152 packed floats (two tasks) forward; flipped while packed (128 x 1224) for the data gradient
        FastConvolutionTest.Case cs = new FastConvolutionTest.Case(2, 128, 14, 14, 136, 3, 3, ConvParams.of(1, 1));
        Random random = new Random(29);
        Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
        Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c(), cs.kh(), cs.kw());
        Tensor dy = Tensor.randn(random, 1f, cs.n(), cs.f(), cs.h(), cs.w());
        float[][] results = new float[2][];
        float[][] gradients = new float[2][];
        int[][] parallelCalls = new int[2][2];
        boolean was = DirectTiles.parallelPacking;
        try {
            for (int on = 0; on < 2; on++) {
                DirectTiles.parallelPacking = on == 1;
                Map<String, Integer> calls = new ConcurrentHashMap<>();
                Kernels counting = counting(KernelProvider.vector(2), calls);
                results[on] = FastConvolution.forward(x, w, null, cs.p(), counting).data();
                parallelCalls[on][0] = calls.getOrDefault("parallelFor", 0);
                calls.clear();
                gradients[on] = FastConvolution.backwardInput(dy, w, x.shape(), cs.p(), counting).data();
                parallelCalls[on][1] = calls.getOrDefault("parallelFor", 0);
            }
        } finally {
            DirectTiles.parallelPacking = was;
        }
        assertArrayEquals(results[0], results[1], "forward");
        assertArrayEquals(gradients[0], gradients[1], "data gradient");
        assertEquals(parallelCalls[0][0] + 1, parallelCalls[1][0], "one shared packing forward");
        assertEquals(parallelCalls[0][1] + 1, parallelCalls[1][1], "a shared flipping packing for the data gradient");
    }

    @Test
    void packedWeightsHoldEveryFiltersTapsInItsBlock() {
        List<FastConvolutionTest.Case> cases = List.of(
                new FastConvolutionTest.Case(2, 128, 14, 14, 136, 3, 3, ConvParams.of(1, 1)), // two packing tasks
                new FastConvolutionTest.Case(2, 12, 14, 14, 21, 3, 3, ConvParams.of(1, 1)), // a short last block
                new FastConvolutionTest.Case(2, 16, 14, 14, 24, 3, 3, ConvParams.of(1, 1).withGroups(2)),
                new FastConvolutionTest.Case(2, 16, 7, 7, 32, 3, 3, ConvParams.of(1, 1))); // pixel tiles: blocks of 16
        boolean was = DirectTiles.packTapsInOrder;
        boolean wasPixels = DirectTiles.pixels;
        try {
            for (FastConvolutionTest.Case cs : cases) {
                ConvDims d = dims(cs);
                DirectTiles.pixels = cs.h() == 7;
                int r = DirectTiles.byPixels(d) ? Kernels.DIRECT_LANES : Kernels.DIRECT_ROWS;
                assertEquals(cs.h() == 7 ? 16 : 8, r, cs.toString());
                float[] wd = randoms(new Random(cs.hashCode()), cs.f() * d.patch());
                for (int on = 0; on < 2; on++) {
                    DirectTiles.packTapsInOrder = on == 1;
                    // the per-call packing (one group, on the kernels' threads when large) and the kept one
                    float[][] groups = d.groups() == 1 ? DirectTiles.packed(KernelProvider.vector(2), d, wd, null)
                            : DirectTiles.pack(d, wd).groups();
                    int kk = d.patch();
                    for (int g = 0; g < d.groups(); g++) {
                        // (the lanes past a short last block are never read: the kernels take its filters one by one)
                        for (int fo = 0; fo < d.fg(); fo++) {
                            for (int t = 0; t < kk; t++) {
                                float want = wd[(g * d.fg() + fo) * kk + t];
                                if (groups[g][(fo / r * kk + t) * r + fo % r] != want) {
                                    throw new AssertionError(cs + " in order " + (on == 1) + ": group " + g
                                            + " filter " + fo + " tap " + t);
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            DirectTiles.packTapsInOrder = was;
            DirectTiles.pixels = wasPixels;
        }
    }

    @Test
    void weightsFlippedWhilePackedGiveTheFlippedCopysBits() {
        List<FastConvolutionTest.Case> cases = List.of(
                new FastConvolutionTest.Case(2, 16, 28, 28, 48, 3, 3, ConvParams.of(1, 1)),
                new FastConvolutionTest.Case(3, 36, 14, 14, 48, 3, 3, ConvParams.of(1, 1)), // a short last block
                new FastConvolutionTest.Case(2, 32, 28, 30, 48, 3, 3, ConvParams.of(1, 1).withGroups(2)),
                new FastConvolutionTest.Case(2, 16, 30, 29, 40, 3, 3, ConvParams.of(1, new Padding(2, 0, 1, 2))));
        boolean was = DirectTiles.flipWhilePacking;
        try {
            for (FastConvolutionTest.Case cs : cases) {
                Random random = new Random(cs.hashCode());
                Tensor w = Tensor.randn(random, 1f, cs.f(), cs.c() / cs.p().groups(), cs.kh(), cs.kw());
                Shape xs = Shape.of(cs.n(), cs.c(), cs.h(), cs.w());
                Tensor dy = Tensor.randn(random, 1f, Convolution.outputShape(xs, w.shape(), cs.p()).dims());
                float[][] dx = new float[2][];
                for (int on = 0; on < 2; on++) {
                    DirectTiles.flipWhilePacking = on == 1;
                    Map<String, Integer> calls = new ConcurrentHashMap<>();
                    dx[on] = FastConvolution.backwardInput(dy, w, xs, cs.p(), counting(KernelProvider.vector(2), calls))
                            .data();
                    assertTrue(calls.containsKey("directProducts"), cs + ": " + calls);
                }
                assertArrayEquals(dx[0], dx[1], cs.toString());
            }
        } finally {
            DirectTiles.flipWhilePacking = was;
        }
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
        assertFalse(StridedInputGradient.applies(dims(new FastConvolutionTest.Case(8, 16, 28, 28, 24, 3, 3,
                ConvParams.of(2, new Padding(2, 0, 1, 1))))));
        assertFalse(StridedInputGradient.applies(dims(new FastConvolutionTest.Case(1, 16, 26, 28, 24, 3, 3,
                ConvParams.of(2, 1)))), "batch 1, 13x14 phases: a lone tile under 192 pixels");
        assertFalse(StridedInputGradient.applies(dims(new FastConvolutionTest.Case(8, 16, 14, 14, 24, 3, 3,
                ConvParams.of(2, 1)))), "7-wide phases: col2im");
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
            assertTrue(StridedInputGradient.applies(dims(cs)), cs.toString());
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
            Kernels counting = counting(KernelProvider.vector(2), calls);
            FastConvolution.backwardInput(dy, w, xs, cs.p(), counting);
            assertTrue(calls.getOrDefault("directProducts", 0) > 0 && noGemm(calls), cs + ": " + calls);
            calls.clear();
            switchedOff("StridedInputGradient.enabled",
                    () -> FastConvolution.backwardInput(dy, w, xs, cs.p(), counting));
            assertTrue(gemmOnly(calls), cs + " switched off: " + calls);
        }
    }

    @Test
    void wideWeightGradientsGoByTapsThroughThePixelKernel() {
        boolean was = DirectWeightGradient.enabled;
        DirectWeightGradient.enabled = true; // off by default (see its comment)
        try {
            weightGradientsByTaps();
        } finally {
            DirectWeightGradient.enabled = was;
        }
    }

    private static void weightGradientsByTaps() {
        List<FastConvolutionTest.Case> cases = List.of(
                new FastConvolutionTest.Case(3, 64, 28, 28, 32, 3, 3, ConvParams.of(1, 1)), // 8-row tiles, 3 chunks
                new FastConvolutionTest.Case(4, 8, 56, 57, 16, 3, 3, ConvParams.of(2, 1)), // stride 2: 28 wide
                new FastConvolutionTest.Case(2, 3, 61, 64, 16, 7, 7, ConvParams.of(2, 3)), // a stem: 147 taps
                new FastConvolutionTest.Case(3, 12, 30, 31, 48, 3, 3, ConvParams.of(1, new Padding(2, 0, 1, 2))));
        Kernels vector = KernelProvider.vector(2);
        for (FastConvolutionTest.Case cs : cases) {
            ConvDims d = dims(cs);
            assertEquals(vector.floatsPerVector() == Kernels.DIRECT_LANES, DirectWeightGradient.applies(vector, d),
                    cs.toString());
            FastConvolutionTest.check(cs, vector, 31);
            Random random = new Random(cs.hashCode());
            Tensor x = Tensor.randn(random, 1f, cs.n(), cs.c(), cs.h(), cs.w());
            Tensor dy = Tensor.randn(random, 1f, Convolution.outputShape(x.shape(),
                    Shape.of(cs.f(), cs.c(), cs.kh(), cs.kw()), cs.p()).dims());
            float[][] dw = new float[3][];
            for (int threads = 1; threads <= 3; threads++) {
                Tensor into = Tensor.zeros(cs.f(), cs.c(), cs.kh(), cs.kw());
                FastConvolution.backwardWeights(x, dy, into, null, cs.p(), KernelProvider.vector(threads));
                dw[threads - 1] = into.data();
            }
            assertArrayEquals(dw[0], dw[1], cs + " threads 2");
            assertArrayEquals(dw[0], dw[2], cs + " threads 3");
            Map<String, Integer> calls = new ConcurrentHashMap<>();
            Kernels counting = counting(vector, calls);
            FastConvolution.backwardWeights(x, dy, Tensor.zeros(cs.f(), cs.c(), cs.kh(), cs.kw()), null, cs.p(),
                    counting);
            if (DirectWeightGradient.applies(vector, d)) {
                assertTrue(calls.getOrDefault("directPixels", 0) > 0 && noGemm(calls), cs + ": " + calls);
            }
            calls.clear();
            switchedOff("DirectWeightGradient.enabled", () -> FastConvolution.backwardWeights(x, dy,
                    Tensor.zeros(cs.f(), cs.c(), cs.kh(), cs.kw()), null, cs.p(), counting));
            assertTrue(gemmOnly(calls), cs + " switched off: " + calls);
        }
        // not for rows under MIN_WIDTH (28 unless a property says otherwise), filters not in blocks of 16, groups
        assertEquals(vector.floatsPerVector() == Kernels.DIRECT_LANES && DirectWeightGradient.MIN_WIDTH <= 14,
                DirectWeightGradient.applies(vector, dims(new FastConvolutionTest.Case(8, 16, 14, 14, 32, 3, 3,
                        ConvParams.of(1, 1)))));
        assertFalse(DirectWeightGradient.applies(vector, dims(new FastConvolutionTest.Case(2, 16, 28, 28, 24, 3, 3,
                ConvParams.of(1, 1)))));
        assertFalse(DirectWeightGradient.applies(vector, dims(new FastConvolutionTest.Case(2, 16, 28, 28, 32, 3, 3,
                ConvParams.of(1, 1).withGroups(2)))));
    }

    /** Runs {@code body} with the static boolean switch {@code Class.field} of this package off, then as it was. */
    private static void switchedOff(String name, Runnable body) {
        try {
            java.lang.reflect.Field field = Class.forName("org.convnet4j.ops." + name.substring(0, name.indexOf('.')))
                    .getDeclaredField(name.substring(name.indexOf('.') + 1));
            boolean was = field.getBoolean(null);
            field.setBoolean(null, false);
            try {
                body.run();
            } finally {
                field.setBoolean(null, was);
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(name, e);
        }
    }

    /** Whether no GEMM was called. */
    private static boolean noGemm(Map<String, Integer> calls) {
        return calls.keySet().stream().noneMatch(m -> m.startsWith("sgemm"));
    }

    /** Whether a GEMM and no direct kernel was called. */
    private static boolean gemmOnly(Map<String, Integer> calls) {
        return !calls.containsKey("directProducts") && !calls.containsKey("directPixels") && !noGemm(calls);
    }

    /** {@code k} with a count of each of its methods called (by name). */
    private static Kernels counting(Kernels k, Map<String, Integer> calls) {
        return counting(k, calls, 0);
    }

    /** As above, reporting {@code lanes} floats per vector (0: k's own). */
    private static Kernels counting(Kernels k, Map<String, Integer> calls, int lanes) {
        return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class},
                (proxy, method, args) -> {
                    if (lanes > 0 && method.getName().equals("floatsPerVector")) {
                        return lanes;
                    }
                    calls.merge(method.getName(), 1, Integer::sum);
                    try {
                        return method.invoke(k, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static ConvDims dims(FastConvolutionTest.Case cs) {
        Shape xs = Shape.of(cs.n(), cs.c(), cs.h(), cs.w());
        Shape ws = Shape.of(cs.f(), cs.c() / cs.p().groups(), cs.kh(), cs.kw());
        return ConvDims.of(xs, ws, Convolution.outputShape(xs, ws, cs.p()), cs.p());
    }

    private static float[] randoms(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    private static float[] positive(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = 0.5f + random.nextFloat();
        }
        return out;
    }
}
