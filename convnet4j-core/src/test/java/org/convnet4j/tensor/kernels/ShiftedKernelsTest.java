package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The direct-convolution primitives {@link Kernels#shiftedProducts} and {@link Kernels#shiftedDots} of
 * {@link VectorKernels} (register tiles of 4 filters x 3 vectors and 2 filters x 5 taps; one filter in 8-, 5- and
 * 4-vector tiles), {@link Kernels#rowsPlusBias} (the depthwise copy-out) and {@link Kernels#stridedCopy}, against their scalar twins
 * (the interface defaults, used by {@link ScalarKernels}), for filter and tap counts that leave every kind of
 * remainder, runs shorter than a vector, and non-zero offsets. Products: the same fma chain per element, so bit for
 * bit; dots: lane-wise partial sums, so within {@code (len + 2) * 2^-24 * sum|terms|} of a double-precision oracle.
 */
class ShiftedKernelsTest {
    private static final int VL = VectorKernels.vectorLength();
    private static final double U = Math.ulp(1.0f) / 2;

    private final Kernels scalar = new ScalarKernels();
    private final Kernels vector = new VectorKernels(1);
    private final Random random = new Random(17);

    @Test
    void productsEqualTheScalarTwinBitForBit() {
        for (int f : new int[] {1, 3, 4, 6, 9}) {
            for (int taps : new int[] {1, 7, 25}) {
                // runs of whole tiles, shorter than a tile, and ending in a tile that overlaps the one before it
                for (int len : new int[] {1, VL - 1, 2 * VL + 3, 3 * VL, 3 * VL + 1, 4 * VL + 1, 6 * VL - 1,
                    7 * VL + 5}) {
                    int[] offsets = offsets(taps);
                    float[] x = array(len + 200 + 5);
                    float[] w = array(f * taps + 2);
                    int ldo = len + 3;
                    float[] expected = array(f * ldo + 4);
                    float[] actual = expected.clone();
                    scalar.shiftedProducts(f, taps, w, 2, offsets, x, 5, len, expected, 4, ldo);
                    vector.shiftedProducts(f, taps, w, 2, offsets, x, 5, len, actual, 4, ldo);
                    assertArrayEquals(expected, actual, "f=" + f + " taps=" + taps + " len=" + len);
                }
            }
        }
    }

    /**
     * One filter (a depthwise plane) runs in 8-, 5- and 4-vector tiles: every combination of them and of the
     * overlapping last tile, including the depthwise runs of MobileNetV2 / EfficientNet-B0 (4, 5, 16, 56, 203
     * vectors), bit for bit as the scalar twin, and as the 3-vector tiles with the switch off.
     */
    @Test
    void singleFilterRunsInWideTilesEqualTheScalarTwinBitForBit() {
        boolean before = VectorDirectConv.wideSingle;
        try {
            for (int taps : new int[] {9, 25}) {
                for (int len : new int[] {4 * VL, 4 * VL + 3, 5 * VL, 5 * VL + 1, 8 * VL, 8 * VL + 1, 9 * VL + 7,
                    12 * VL, 13 * VL, 13 * VL + 2, 16 * VL, 21 * VL, 56 * VL, 203 * VL, 203 * VL - 1}) {
                    int[] offsets = offsets(taps);
                    float[] x = array(len + 200 + 5);
                    float[] w = array(taps + 2);
                    float[] expected = array(len + 8);
                    float[] wide = expected.clone();
                    float[] narrow = expected.clone();
                    scalar.shiftedProducts(1, taps, w, 2, offsets, x, 5, len, expected, 4, len);
                    VectorDirectConv.wideSingle = true;
                    vector.shiftedProducts(1, taps, w, 2, offsets, x, 5, len, wide, 4, len);
                    VectorDirectConv.wideSingle = false;
                    vector.shiftedProducts(1, taps, w, 2, offsets, x, 5, len, narrow, 4, len);
                    assertArrayEquals(expected, wide, "wide tiles, taps=" + taps + " len=" + len);
                    assertArrayEquals(expected, narrow, "3-vector tiles, taps=" + taps + " len=" + len);
                }
            }
        } finally {
            VectorDirectConv.wideSingle = before;
        }
    }

    /**
     * {@link Kernels#rowsPlusBias}: the vector kernel's bits equal the scalar twin's for rows narrower than a vector
     * (7, 14: whole vectors spilling into the next row), as wide (VL), wider (VL + 1, 28, 56: the last vector
     * overlapping), with the source's rows wider than the block's and at the source array's very end; nothing
     * outside the block is written; with bias -0f every value, -0 and NaN included, is copied exactly.
     */
    @Test
    void rowsPlusBiasEqualsTheScalarTwinAndWritesOnlyItsBlock() {
        for (int cols : new int[] {1, 7, 14, VL - 1, VL, VL + 1, 28, 56}) {
            for (int rows : new int[] {1, 2, 3, 7, 14}) {
                for (int extra : new int[] {0, 2, 4, 11}) {
                    int lds = cols + extra;
                    float[] src = array(3 + (rows - 1) * lds + cols); // the last row ends at the array's end
                    src[3] = -0f;
                    src[src.length - 1] = Float.NaN;
                    float bias = (float) random.nextGaussian();
                    float[] expected = array(5 + rows * cols + 6);
                    float[] actual = expected.clone();
                    scalar.rowsPlusBias(rows, cols, src, 3, lds, bias, expected, 5);
                    vector.rowsPlusBias(rows, cols, src, 3, lds, bias, actual, 5);
                    String where = "rows=" + rows + " cols=" + cols + " lds=" + lds;
                    assertArrayEquals(expected, actual, where);
                    float[] copy = actual.clone();
                    vector.rowsPlusBias(rows, cols, src, 3, lds, -0f, copy, 5);
                    for (int i = 0; i < copy.length; i++) {
                        int r = (i - 5) / cols;
                        int q = (i - 5) % cols;
                        float want = i < 5 || i >= 5 + rows * cols ? actual[i] : src[3 + r * lds + q];
                        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(copy[i])) {
                            throw new AssertionError(where + " bias -0f at " + i + ": " + want + " vs " + copy[i]);
                        }
                    }
                }
            }
        }
    }

    /** {@link Kernels#stridedCopy}: the vector kernel (gathers at stride 2) copies exactly what the scalar twin does. */
    /**
     * Channel-blocked products ({@link Kernels#blockedProducts}, one channel per lane, tiles of 8 and 4 pixels and
     * single ones): bit for bit the scalar twin for every count's remainder, 9 and 25 taps, positions with gaps (the
     * dropped columns of a padded row), non-zero offsets into w, x and out; another lane count runs the twin.
     */
    @Test
    void blockedProductsEqualTheScalarTwinBitForBit() {
        for (int taps : new int[] {1, 9, 25}) {
            for (int count : new int[] {1, 3, 4, 7, 8, 9, 12, 13, 49, 196}) {
                for (int lanes : new int[] {VL, 3}) {
                    int[] offsets = offsets(taps);
                    int wq = 11;
                    int[] positions = new int[count];
                    for (int i = 0; i < count; i++) {
                        positions[i] = i / 7 * wq + i % 7; // rows of 7 pixels, wq apart
                    }
                    int slots = positions[count - 1] + 201;
                    float[] x = array(slots * lanes + 5);
                    float[] w = array(taps * lanes + 2);
                    float[] expected = array(count * lanes + 7);
                    float[] actual = expected.clone();
                    scalar.blockedProducts(lanes, taps, w, 2, offsets, positions, count, x, 5, expected, 3);
                    vector.blockedProducts(lanes, taps, w, 2, offsets, positions, count, x, 5, actual, 3);
                    assertArrayEquals(expected, actual, "taps=" + taps + " count=" + count + " lanes=" + lanes);
                }
            }
        }
    }

    /**
     * The channel-blocked layer's copies in and out ({@link Kernels#interleave}: gathers; {@link Kernels#deinterleavePlusBias}:
     * an addition and a scatter per pixel) equal their scalar twins bit for bit, slots that take no pixel (-1) and the
     * floats around the planes untouched, with a bias and without (-0f: signed zeros kept).
     */
    @Test
    void interleaveAndDeinterleaveEqualTheScalarTwins() {
        for (int lanes : new int[] {VL, 3}) {
            for (int n : new int[] {1, 49, 121, 196}) {
                int stride = n + 5;
                int[] slots = new int[n];
                for (int p = 0; p < n; p++) {
                    slots[p] = p % 7 == 3 ? -1 : 2 * p + 1;
                }
                float[] src = array(3 + lanes * stride);
                float[] expected = array((2 * n + 2) * lanes);
                float[] actual = expected.clone();
                scalar.interleave(lanes, n, src, 3, stride, slots, expected);
                vector.interleave(lanes, n, src, 3, stride, slots, actual);
                assertArrayEquals(expected, actual, "interleave lanes=" + lanes + " n=" + n);
                float[] blocked = array(n * lanes);
                blocked[0] = -0f;
                float[] bias = array(lanes + 2);
                for (float[] b : new float[][] {bias, null}) {
                    float[] out = array(4 + lanes * stride);
                    float[] got = out.clone();
                    scalar.deinterleavePlusBias(lanes, n, blocked, b, 2, out, 4, stride);
                    vector.deinterleavePlusBias(lanes, n, blocked, b, 2, got, 4, stride);
                    assertArrayEquals(out, got, "deinterleave lanes=" + lanes + " n=" + n + " bias " + (b != null));
                    if (b == null) {
                        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(got[4]), "-0 kept");
                    }
                }
            }
        }
    }

    @Test
    void stridedCopyEqualsTheScalarTwin() {
        for (int stride : new int[] {1, 2, 3}) {
            for (int n : new int[] {0, 1, VL - 1, VL, VL + 1, 2 * VL + 3, 56}) {
                float[] src = array(7 + Math.max(0, (n - 1) * stride + 1)); // the last element read is the array's last
                float[] expected = array(n + 9);
                float[] actual = expected.clone();
                scalar.stridedCopy(n, src, 7, stride, expected, 4);
                vector.stridedCopy(n, src, 7, stride, actual, 4);
                assertArrayEquals(expected, actual, "stride=" + stride + " n=" + n);
                for (int i = 0; i < n; i++) {
                    if (Float.floatToRawIntBits(actual[4 + i]) != Float.floatToRawIntBits(src[7 + i * stride])) {
                        throw new AssertionError("stride=" + stride + " n=" + n + " at " + i);
                    }
                }
            }
        }
    }

    @Test
    void dotsStayWithinTheBoundOfTheExactValue() {
        for (int f : new int[] {1, 2, 3, 6}) {
            for (int taps : new int[] {1, 5, 7, 25}) {
                for (int len : new int[] {1, VL - 1, VL, 5 * VL + 3, 700}) {
                    int[] offsets = offsets(taps);
                    float[] x = array(len + 200 + 5);
                    int ldd = len + 1;
                    float[] dy = array(f * ldd + 3);
                    float[] s = new float[f * taps + 1];
                    float[] v = new float[f * taps + 1];
                    scalar.shiftedDots(f, taps, dy, 3, ldd, offsets, x, 5, len, s, 1);
                    vector.shiftedDots(f, taps, dy, 3, ldd, offsets, x, 5, len, v, 1);
                    for (int fo = 0; fo < f; fo++) {
                        for (int t = 0; t < taps; t++) {
                            double exact = 0;
                            double abs = 0;
                            for (int p = 0; p < len; p++) {
                                double term = (double) dy[3 + fo * ldd + p] * x[5 + offsets[t] + p];
                                exact += term;
                                abs += Math.abs(term);
                            }
                            double bound = (len + 2) * U * abs + Float.MIN_NORMAL;
                            int i = 1 + fo * taps + t;
                            String where = "f=" + f + " taps=" + taps + " len=" + len + " at " + fo + "," + t;
                            if (!(Math.abs(s[i] - exact) <= bound) || !(Math.abs(v[i] - exact) <= bound)) {
                                throw new AssertionError(where + ": exact " + exact + ", scalar " + s[i] + ", vector "
                                        + v[i] + ", bound " + bound);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Shifts in [0, 200), neither sorted nor distinct, like taps of several channels. */
    private int[] offsets(int taps) {
        int[] off = new int[taps];
        for (int t = 0; t < taps; t++) {
            off[t] = random.nextInt(200);
        }
        return off;
    }

    private float[] array(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }
}
