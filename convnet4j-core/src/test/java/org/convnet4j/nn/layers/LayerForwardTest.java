package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

/** Forward values against hand computation or naive formulas, and build-time errors. */
class LayerForwardTest {
    @Test
    void softmaxIsStableAndSumsToOne() {
        Tensor y = new Softmax().forward(Tensor.fromRows(new double[][] {{1000, 1000, 999}, {0, Math.log(3), 0}}), false);
        double e = Math.exp(-1);
        assertEquals(1 / (2 + e), y.get(0, 0), 1e-6);
        assertEquals(e / (2 + e), y.get(0, 2), 1e-6);
        assertEquals(0.6, y.get(1, 1), 1e-6);
    }

    @Test
    void sigmoidIsFiniteForLargeInputs() {
        Tensor y = new Sigmoid().forward(Tensor.fromRows(new double[][] {{-200, 0, 200, 2}}), false);
        assertEquals(0f, y.get(0, 0));
        assertEquals(0.5f, y.get(0, 1));
        assertEquals(1f, y.get(0, 2));
        assertEquals(1 / (1 + Math.exp(-2)), y.get(0, 3), 1e-6);
    }

    @Test
    void lrnMatchesTheFormulaLiterally() {
        int c = 5;
        Tensor x = Tensor.randn(new Random(1), 2f, 1, c, 1, 2);
        double alpha = 0.3;
        double beta = 0.75;
        double k = 2;
        for (int size : new int[] {3, 4}) {
            Tensor y = new LRN(size, alpha, beta, k).forward(x, false);
            for (int ch = 0; ch < c; ch++) {
                for (int q = 0; q < 2; q++) {
                    double sum = 0;
                    for (int j = ch - size / 2; j <= ch + (size - 1) / 2; j++) {
                        if (j >= 0 && j < c) {
                            sum += x.get(0, j, 0, q) * x.get(0, j, 0, q);
                        }
                    }
                    double want = x.get(0, ch, 0, q) / Math.pow(k + alpha / size * sum, beta);
                    assertEquals(want, y.get(0, ch, 0, q), 1e-5, "size " + size + " channel " + ch);
                }
            }
        }
    }

    @Test
    void convOfAKnownKernel() {
        Conv2d conv = new Conv2d(1, 2).padding(0);
        new Sequential(Shape.of(1, 3, 3), conv);
        System.arraycopy(new float[] {1, 0, 0, -1}, 0, conv.kernel().value().data(), 0, 4);
        conv.bias().value().data()[0] = 0.5f;
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 9, 8}, 1, 1, 3, 3);
        Tensor y = conv.forward(x, false);
        // y[i][j] = x[i][j] - x[i+1][j+1] + 0.5
        assertEquals(1 - 5 + 0.5f, y.get(0, 0, 0, 0));
        assertEquals(5 - 8 + 0.5f, y.get(0, 0, 1, 1));
        assertEquals(4 - 9 + 0.5f, y.get(0, 0, 1, 0));
    }

    @Test
    void convMacsAndParameterShapes() {
        Conv2d conv = new Conv2d(8, 3, 5).groups(2).padding(1, 2);
        Shape out = conv.outputShape(Shape.of(4, 10, 12));
        assertEquals(Shape.of(8, 10, 12), out);
        assertEquals(Shape.of(8, 2, 3, 5), conv.kernel().shape());
        assertEquals(10L * 12 * 8 * 3 * 5 * 2, conv.macs(List.of(Shape.of(4, 10, 12))));
        assertThrows(IllegalStateException.class, () -> conv.stride(2), "settings are fixed once built");
    }

    @Test
    void samePaddingThatCannotBeCentredFailsAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(Shape.of(1, 6, 6), new Conv2d(2, 4).padding("same").named("c")));
        assertTrue(e.getMessage().contains("'c'") && e.getMessage().contains("same"), e.getMessage());
        // an odd kernel at stride 2 on an even input pads bottom/right like Keras: 6 -> ceil(6/2) = 3
        Sequential ok = new Sequential(Shape.of(1, 6, 6), new Conv2d(2, 3).padding("same").stride(2));
        assertEquals(Shape.of(2, 3, 3), ok.outputShape());
    }

    @Test
    void dropoutScalesKeptValuesAndIsIdentityInInference() {
        Tensor x = Tensor.full(Shape.of(100, 100), 1f);
        Dropout d = new Dropout(0.2).seed(5);
        assertSame(x, d.forward(x, false));
        Tensor y = d.forward(x, true);
        int kept = 0;
        for (float v : y.data()) {
            assertTrue(v == 0f || Math.abs(v - 1.25f) < 1e-6);
            kept += v != 0f ? 1 : 0;
        }
        assertEquals(8000, kept, 200); // binomial(10000, 0.8): standard deviation 40
        Tensor again = new Dropout(0.2).seed(5).forward(x, true);
        assertEquals(0f, y.maxAbsDiff(again), "same seed, same mask");
        assertTrue(y.maxAbsDiff(d.forward(x, true)) > 0, "a new mask every training pass unless frozen");
    }

    @Test
    void zeroPadPlacesTheImage() {
        Tensor y = new ZeroPad2d(1, 0, 2, 1).forward(Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2), false);
        assertEquals(Shape.of(1, 1, 3, 5), y.shape());
        assertEquals(1f, y.get(0, 0, 1, 2));
        assertEquals(4f, y.get(0, 0, 2, 3));
        assertEquals(10.0, y.sum());
    }

    @Test
    void globalPools() {
        Tensor x = Tensor.of(new float[] {1, 5, 2, 0, -1, -3, -2, -4}, 1, 2, 2, 2);
        assertEquals(2f, new GlobalAvgPool2d().forward(x, false).get(0, 0));
        assertEquals(-1f, new GlobalMaxPool2d().forward(x, false).get(0, 1));
    }

    @Test
    void globalAveragePoolSharesItsPlanesOutWithTheBitsOfOneThread() {
        // ResNet-50's pool at batch 1: 2048 planes of 7x7, over the parallel bound; on the kernels' threads, one hand-off
        Tensor x = Tensor.randn(new Random(5), 1f, 1, 2048, 7, 7);
        GlobalAvgPool2d pool = new GlobalAvgPool2d();
        float[] one;
        KernelProvider.limitThreadsOnThisThread(1);
        try {
            one = pool.forward(x, false).data();
        } finally {
            KernelProvider.limitThreadsOnThisThread(0);
        }
        boolean before = GlobalAvgPool2d.parallelPlanes;
        try {
            for (boolean on : new boolean[] {true, false}) {
                GlobalAvgPool2d.parallelPlanes = on;
                long h0 = KernelProvider.handOffs();
                float[] y = pool.forward(x, false).data();
                long handOffs = KernelProvider.handOffs() - h0;
                assertArrayEquals(one, y, "switch " + on);
                assertEquals(on && KernelProvider.get().threads() > 1 ? 1 : 0, handOffs, "switch " + on);
            }
        } finally {
            GlobalAvgPool2d.parallelPlanes = before;
        }
    }
}
