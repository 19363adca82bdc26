package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.ops.Padding;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The transposed convolution against the scatter definition: every input value spreads a scaled kernel. */
class ConvTranspose2dTest {

    /** Naive twin: y[f, i*s - pad + ki*d, ...] += x[c, i, j] * w[c, f, ki, kj] within a group, plus bias. */
    static Tensor scatter(Tensor x, Tensor w, float[] bias, int sh, int sw, int dh, int dw, Padding p, int groups,
                          int oh, int ow) {
        int n = x.dim(0);
        int c = x.dim(1);
        int h = x.dim(2);
        int wd = x.dim(3);
        int fg = w.dim(1);
        int f = fg * groups;
        int cg = c / groups;
        Tensor y = Tensor.zeros(n, f, oh, ow);
        for (int b = 0; b < n; b++) {
            for (int ci = 0; ci < c; ci++) {
                int g = ci / cg;
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < wd; j++) {
                        float v = x.get(b, ci, i, j);
                        for (int fo = 0; fo < fg; fo++) {
                            for (int ki = 0; ki < w.dim(2); ki++) {
                                for (int kj = 0; kj < w.dim(3); kj++) {
                                    int r = i * sh - p.top() + ki * dh;
                                    int col = j * sw - p.left() + kj * dw;
                                    if (r >= 0 && r < oh && col >= 0 && col < ow) {
                                        int fi = g * fg + fo;
                                        y.set(y.get(b, fi, r, col) + v * w.get(ci, fo, ki, kj), b, fi, r, col);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if (bias != null) {
            for (int b = 0; b < n; b++) {
                for (int fi = 0; fi < f; fi++) {
                    for (int r = 0; r < oh; r++) {
                        for (int col = 0; col < ow; col++) {
                            y.set(y.get(b, fi, r, col) + bias[fi], b, fi, r, col);
                        }
                    }
                }
            }
        }
        return y;
    }

    private static void compare(ConvTranspose2d layer, Shape in, int sh, int sw, int dh, int dw, Padding p, int groups) {
        Shape out = layer.outputShape(List.of(in));
        Random r = new Random(5);
        layer.kernel().value().data();
        for (int i = 0; i < layer.kernel().value().size(); i++) {
            layer.kernel().value().data()[i] = (float) r.nextGaussian();
        }
        float[] bias = null;
        if (layer.bias() != null) {
            bias = layer.bias().value().data();
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (float) r.nextGaussian();
            }
        }
        Tensor x = Tensor.randn(r, 1f, in.prepend(2).dims());
        Tensor y = layer.forward(x, false);
        Tensor want = scatter(x, layer.kernel().value(), bias, sh, sw, dh, dw, p, groups, out.dim(1), out.dim(2));
        assertEquals(want.shape(), y.shape());
        assertTrue(y.maxAbsDiff(want) < 1e-4, "max diff " + y.maxAbsDiff(want));
    }

    @Test
    void outputSizeFollowsTheOnnxFormula() {
        // (3 - 1) * 3 - 1 - 2 + 2 * (3 - 1) + 1 + 1 = 9 rows; (4 - 1) * 2 + 3 = 9 columns
        ConvTranspose2d t = new ConvTranspose2d(2, 3).stride(3, 2).dilation(2, 1).padding(new Padding(1, 2, 0, 0))
                .outputPadding(1, 0);
        assertEquals(Shape.of(2, 9, 9), t.outputShape(List.of(Shape.of(1, 3, 4))));
    }

    @Test
    void plainMatchesScatter() {
        compare(new ConvTranspose2d(2, 3), Shape.of(1, 3, 3), 1, 1, 1, 1, Padding.valid(), 1);
    }

    @Test
    void stridedPaddedOutputPaddedMatchesScatter() {
        Padding p = new Padding(1, 0, 2, 1);
        compare(new ConvTranspose2d(3, 3).stride(2, 3).padding(p).outputPadding(1, 2), Shape.of(2, 4, 3), 2, 3, 1, 1,
                p, 1);
    }

    @Test
    void dilatedGroupedMatchesScatter() {
        compare(new ConvTranspose2d(4, 2, 3).dilation(2, 2).groups(2).useBias(false), Shape.of(4, 3, 3), 1, 1, 2, 2,
                Padding.valid(), 2);
    }

    @Test
    void tooLargeOutputPaddingIsRefused() {
        ConvTranspose2d t = new ConvTranspose2d(2, 3).stride(2).outputPadding(2, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.outputShape(List.of(Shape.of(1, 4, 4))));
        assertTrue(e.getMessage().contains("output padding"), e.getMessage());
    }
}
