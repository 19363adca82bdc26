package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The arg-max path of max pooling (recorded in forward, scattered in backward) against the searching path. */
class PoolingArgMaxTest {

    /** Random data with many ties (values from a small set), so the first-maximum rule is exercised. */
    private static Tensor tiedRandom(Random r, int... dims) {
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextInt(4) - 1.5f;
        }
        return t;
    }

    private static void sameAsSearchingPath(Tensor x, PoolParams p) {
        Random r = new Random(7);
        Tensor plain = Pooling.forward(x, p);
        int[] argMax = new int[plain.size()];
        Tensor recorded = Pooling.forward(x, p, argMax);
        assertArrayEquals(plain.data(), recorded.data());
        for (int i = 0; i < argMax.length; i++) {
            assertEquals(plain.data()[i], x.data()[argMax[i]], "arg-max " + i + " points at the pooled value");
        }
        Tensor dy = Tensor.randn(r, 1f, plain.shape().dims());
        Tensor expected = Pooling.backward(x, plain, dy, p);
        Tensor actual = Pooling.backwardMax(argMax, dy, x.shape());
        assertArrayEquals(expected.data(), actual.data(), "bit-identical to the searching backward");
    }

    @Test
    void plain2x2WindowsLargeEnoughToRunInParallel() {
        sameAsSearchingPath(tiedRandom(new Random(1), 8, 6, 28, 28), PoolParams.max(2, 2));
    }

    @Test
    void overlappingPaddedWindowsAddTheirGradients() {
        Tensor x = tiedRandom(new Random(2), 2, 3, 9, 11);
        PoolParams p = new PoolParams(PoolType.MAX, 3, 3, 2, 2, Padding.of(1), 0, false);
        sameAsSearchingPath(x, p);
    }

    @Test
    void inferenceWindowSweepMatchesTheArgMaxPathOnOddWindowsAndNaN() {
        // the value-only sweep (no arg-max: inference) against the recording path, with ties, stride 1 and
        // 2, padding, non-square windows and NaNs at window starts and inside windows
        Tensor x = tiedRandom(new Random(3), 2, 3, 10, 13);
        x.data()[0] = Float.NaN;
        x.data()[17] = Float.NaN;
        x.data()[200] = Float.NaN;
        PoolParams[] ps = {new PoolParams(PoolType.MAX, 3, 3, 1, 1, Padding.of(1), 0, false),
            new PoolParams(PoolType.MAX, 2, 3, 1, 2, new Padding(0, 1, 1, 0), 0, false),
            new PoolParams(PoolType.MAX, 3, 3, 2, 2, Padding.of(1), 0, false), PoolParams.max(3, 3)};
        for (PoolParams p : ps) {
            Tensor plain = Pooling.forward(x, p);
            Tensor recorded = Pooling.forward(x, p, new int[plain.size()]);
            assertArrayEquals(recorded.data(), plain.data(), p.toString());
        }
        sameAsSearchingPath(tiedRandom(new Random(4), 3, 4, 14, 14),
                new PoolParams(PoolType.MAX, 3, 3, 1, 1, Padding.of(1), 0, false));
    }

    @Test
    void unrolled3x3WindowsGiveTheLoopsValuesAndIndices() {
        // Pooling.unrolled3x3: training's 3x3 windows inside the image unrolled, the clipped ones by the loops; against
        // the loops alone, with ties, +-0 and NaN (at window starts and inside windows): ResNet's pool (stride 2, pad 1,
        // even and odd planes), unpadded, stride 1 pad 1, ceil mode (windows past the bottom and right) and mixed strides
        PoolParams[] ps = {new PoolParams(PoolType.MAX, 3, 3, 2, 2, Padding.of(1), 0, false), PoolParams.max(3, 3),
            new PoolParams(PoolType.MAX, 3, 3, 1, 1, Padding.of(1), 0, false),
            new PoolParams(PoolType.MAX, 3, 3, 2, 2, new Padding(0, 1, 0, 1), 0, false),
            new PoolParams(PoolType.MAX, 3, 3, 2, 1, Padding.of(1, 0), 0, false)};
        for (int[] dims : new int[][] {{2, 3, 16, 16}, {1, 4, 13, 11}, {3, 2, 3, 3}}) {
            Tensor x = tiedRandom(new Random(dims[2] * 7 + dims[3]), dims);
            float[] d = x.data();
            for (int i = 0; i < d.length; i += 13) {
                d[i] = -0f;
            }
            for (int i = 5; i < d.length; i += 37) {
                d[i] = Float.NaN;
            }
            for (PoolParams p : ps) {
                int size = Pooling.outputShape(x.shape(), p).size();
                int[][] argMax = {new int[size], new int[size]};
                float[][] y = new float[2][];
                boolean before = Pooling.unrolled3x3;
                try {
                    for (int on = 0; on < 2; on++) {
                        Pooling.unrolled3x3 = on == 1;
                        y[on] = Pooling.forward(x, p, argMax[on]).data();
                    }
                } finally {
                    Pooling.unrolled3x3 = before;
                }
                String what = p + " on " + java.util.Arrays.toString(dims);
                assertArrayEquals(y[0], y[1], "values, " + what);
                assertArrayEquals(argMax[0], argMax[1], "indices, " + what);
            }
        }
    }

    @Test
    void vectorWindowSweepOnWidePlanesMatchesTheArgMaxPathAndTheScalarSweep() {
        // planes wide enough for whole vectors of outputs (GoogLeNet's 3x3 stride 1 and 2, VGG's 2x2/2, a window
        // clipped on one side only), and GoogLeNet's 14x14 and 7x7 planes (stride 1, pad 1: one run of outputs over
        // rows), with ties, signed zeros and NaNs at window starts and inside windows
        for (int[] dims : new int[][] {{2, 3, 23, 71}, {2, 5, 14, 14}, {1, 9, 7, 7}, {1, 2, 3, 40}}) {
            sweepMatches(tiedRandom(new Random(5), dims));
        }
    }

    private static void sweepMatches(Tensor x) {
        float[] d = x.data();
        for (int i = 0; i < d.length; i += 11) {
            d[i] = -0f;
        }
        for (int i = 3; i < d.length; i += 41) {
            d[i] = Float.NaN;
        }
        PoolParams[] ps = {new PoolParams(PoolType.MAX, 3, 3, 1, 1, Padding.of(1), 0, false),
            new PoolParams(PoolType.MAX, 3, 3, 2, 2, new Padding(0, 1, 0, 1), 0, false),
            new PoolParams(PoolType.MAX, 3, 3, 2, 2, Padding.of(1), 0, false), PoolParams.max(2, 2),
            new PoolParams(PoolType.MAX, 2, 5, 1, 3, new Padding(1, 0, 2, 0), 0, false), PoolParams.max(3, 3)};
        for (PoolParams p : ps) {
            Tensor plain = Pooling.forward(x, p);
            Tensor recorded = Pooling.forward(x, p, new int[plain.size()]);
            assertArrayEquals(recorded.data(), plain.data(), p.toString());
            Pooling.windowSweep = false;
            try {
                assertArrayEquals(Pooling.forward(x, p).data(), plain.data(), "scalar sweep " + p);
            } finally {
                Pooling.windowSweep = true;
            }
        }
    }

    @Test
    void paddedBorderFramesGiveTheClippedChainsBits() {
        // Pooling.paddedBorders: border outputs from a copy framed with -infinity (one vector run, NaN at a window's
        // first image element set afterwards) against the arg-max path's clipped chains and the scalar border sweep:
        // GoogLeNet's shapes (3x3 pad 1 stride 1 on 28x28, 14x14, 7x7; 3x3 stride 2 in ceil mode on 112x112 and
        // 14x14; 2x2/2 ceil on 7x7) and odd ones, with ties, +-0, +-infinity and NaN everywhere, NaN in particular
        // on the border rows and columns where clipped windows start.
        PoolParams s1 = new PoolParams(PoolType.MAX, 3, 3, 1, 1, Padding.of(1), 0, false);
        PoolParams ceil3s2 = new PoolParams(PoolType.MAX, 3, 3, 2, 2, new Padding(0, 1, 0, 1), 0, false);
        PoolParams ceil2s2 = new PoolParams(PoolType.MAX, 2, 2, 2, 2, new Padding(0, 1, 0, 1), 0, false);
        PoolParams odd = new PoolParams(PoolType.MAX, 2, 5, 1, 3, new Padding(1, 0, 2, 0), 0, false);
        PoolParams pad2 = new PoolParams(PoolType.MAX, 5, 3, 2, 1, new Padding(2, 1, 1, 0), 0, false);
        Object[][] cases = {{new int[] {1, 3, 28, 28}, s1}, {new int[] {2, 5, 14, 14}, s1}, {new int[] {1, 9, 7, 7}, s1},
            {new int[] {1, 2, 112, 112}, ceil3s2}, {new int[] {1, 6, 14, 14}, ceil3s2}, {new int[] {1, 5, 7, 7}, ceil2s2},
            {new int[] {1, 3, 9, 23}, odd}, {new int[] {2, 2, 11, 5}, pad2}, {new int[] {1, 4, 1, 1}, s1},
            {new int[] {1, 1, 257, 257}, s1}}; // the last one larger than PADDED_MAX_VALUES: the clipped path
        float[] values = {-1.5f, -0.5f, 0.5f, 1.5f, -0f, 0f, Float.NaN, Float.NEGATIVE_INFINITY,
            Float.POSITIVE_INFINITY};
        Random r = new Random(11);
        for (Object[] c : cases) {
            int[] dims = (int[]) c[0];
            PoolParams p = (PoolParams) c[1];
            Tensor x = Tensor.zeros(dims);
            float[] d = x.data();
            int h = dims[2];
            int w = dims[3];
            for (int i = 0; i < d.length; i++) {
                int row = i / w % h;
                int col = i % w;
                boolean edge = row <= 2 || col <= 2 || row >= h - 3 || col >= w - 3;
                d[i] = edge && r.nextInt(4) == 0 ? values[4 + r.nextInt(5)] : values[r.nextInt(values.length)];
            }
            Tensor framed = Pooling.forward(x, p);
            Tensor recorded = Pooling.forward(x, p, new int[framed.size()]);
            assertArrayEquals(recorded.data(), framed.data(), "arg-max path, " + p + " on " + x.shape());
            Pooling.paddedBorders = false;
            try {
                assertArrayEquals(Pooling.forward(x, p).data(), framed.data(), "clipped sweep, " + p);
            } finally {
                Pooling.paddedBorders = true;
            }
        }
    }

    @Test
    void inferenceTwoByTwoOnNarrowRowsGivesTheWindowSweepsBits() {
        // Pooling.inference2x2Kernel: inference's 2x2/2 pools through Kernels.maxPool2x2 (ranges of planes),
        // against the row-by-row window sweep and the recording path: GoogLeNet's ceil-mode pool on 14x14 (padding
        // never reached), VGG's 112x112 (rows of 56), odd sizes (last row and column unused), planes of one output,
        // many planes, LeNet-5's two pools at batch 8 (large enough for the planes to be split over threads);
        // ties, +-0, +-inf, NaN
        PoolParams ceil = new PoolParams(PoolType.MAX, 2, 2, 2, 2, new Padding(0, 1, 0, 1), 0, false);
        PoolParams plain = PoolParams.max(2, 2);
        Object[][] cases = {{new int[] {1, 40, 14, 14}, ceil}, {new int[] {2, 5, 14, 14}, plain},
            {new int[] {1, 2, 112, 112}, plain}, {new int[] {1, 3, 9, 11}, plain}, {new int[] {3, 7, 2, 2}, plain},
            {new int[] {1, 100, 14, 14}, plain}, {new int[] {1, 3, 7, 7}, ceil}, {new int[] {8, 6, 28, 28}, plain},
            {new int[] {8, 16, 10, 10}, plain}};
        float[] values = {-1.5f, -0.5f, 0.5f, 1.5f, -0f, 0f, Float.NaN, Float.NEGATIVE_INFINITY,
            Float.POSITIVE_INFINITY};
        Random r = new Random(13);
        for (Object[] c : cases) {
            int[] dims = (int[]) c[0];
            PoolParams p = (PoolParams) c[1];
            Tensor x = Tensor.zeros(dims);
            float[] d = x.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = values[r.nextInt(values.length)];
            }
            Tensor kernel = Pooling.forward(x, p);
            Tensor recorded = Pooling.forward(x, p, new int[kernel.size()]);
            Pooling.inference2x2Kernel = false;
            Tensor rows;
            try {
                rows = Pooling.forward(x, p);
            } finally {
                Pooling.inference2x2Kernel = true;
            }
            String what = p + " on " + x.shape();
            assertEquals(recorded.size(), kernel.size(), what);
            for (int i = 0; i < kernel.size(); i++) {
                assertEquals(Float.floatToRawIntBits(rows.data()[i]), Float.floatToRawIntBits(kernel.data()[i]),
                        "window sweep, output " + i + ", " + what);
                assertEquals(Float.floatToRawIntBits(recorded.data()[i]), Float.floatToRawIntBits(kernel.data()[i]),
                        "recording path, output " + i + ", " + what);
            }
        }
    }

    @Test
    void twoByTwoKernelGivesThePlaneLoopsBitsAndIndices() {
        // training's 2x2 stride-2 pools through Kernels.maxPool2x2ArgMax against the plane-by-plane scalar loop it
        // replaced: LeNet-5's two pools (one call large enough for threads), odd sizes (the last row and column
        // dropped), planes smaller than a vector, with ties, signed zeros, NaN and infinities
        for (int[] dims : new int[][] {{8, 6, 28, 28}, {4, 16, 10, 10}, {2, 3, 9, 11}, {1, 1, 2, 2}, {3, 1, 4, 6},
            {1, 7, 5, 3}}) {
            Tensor x = tiedRandom(new Random(dims[0] * 31 + dims[2]), dims);
            float[] d = x.data();
            for (int i = 1; i < d.length; i += 7) {
                d[i] = -0f;
            }
            for (int i = 2; i < d.length; i += 29) {
                d[i] = Float.NaN;
            }
            d[d.length - 1] = Float.POSITIVE_INFINITY;
            d[0] = Float.NEGATIVE_INFINITY;
            PoolParams p = PoolParams.max(2, 2);
            int size = Pooling.outputShape(x.shape(), p).size();
            int[] kernelArgMax = new int[size];
            int[] loopArgMax = new int[size];
            Tensor kernel = Pooling.forward(x, p, kernelArgMax);
            Pooling.argMaxKernel = false;
            Tensor loop;
            try {
                loop = Pooling.forward(x, p, loopArgMax);
            } finally {
                Pooling.argMaxKernel = true;
            }
            String at = java.util.Arrays.toString(dims);
            for (int i = 0; i < size; i++) {
                assertEquals(Float.floatToRawIntBits(loop.data()[i]), Float.floatToRawIntBits(kernel.data()[i]),
                        at + " output " + i);
            }
            assertArrayEquals(loopArgMax, kernelArgMax, at);
            // the backward pass routes each gradient to the recorded element: the same gradient from both
            Tensor dy = tiedRandom(new Random(dims[1]), Pooling.outputShape(x.shape(), p).dims());
            Tensor dxKernel = Pooling.backwardMax(kernelArgMax, dy, x.shape());
            Tensor dxLoop = Pooling.backwardMax(loopArgMax, dy, x.shape());
            for (int i = 0; i < dxLoop.size(); i++) {
                assertEquals(Float.floatToRawIntBits(dxLoop.data()[i]), Float.floatToRawIntBits(dxKernel.data()[i]),
                        at + " gradient " + i);
            }
        }
    }

    @Test
    void rejectsABufferThatIsTooShortOrNotMaxPooling() {
        Tensor x = Tensor.zeros(1, 1, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pooling.forward(x, PoolParams.max(2, 2), new int[3]));
        assertEquals(true, e.getMessage().contains("4 entries"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pooling.forward(x, PoolParams.avg(2, 2), new int[4]));
        assertThrows(IllegalArgumentException.class,
                () -> Pooling.backwardMax(new int[4], Tensor.zeros(1, 2, 2, 2), Shape.of(1, 1, 4, 4)));
    }
}
