package org.convnet4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ImageFiltersTest {

    static Tensor stepImage() {
        double[][] r = new double[6][6];
        for (int y = 3; y < 6; y++) {
            Arrays.fill(r[y], 255);
        }
        return Tensor.fromRows(r).reshape(1, 6, 6);
    }

    @Test
    void sobelEdgesOfTheLectureStepImage() {
        SobelEdges e = ImageFilters.sobelEdges(stepImage());
        assertEquals(Shape.of(1, 4, 4), e.gy().shape());
        float[] rows = {0, -1020, -1020, 0};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(rows[i], e.gy().get(0, i, j));
                assertEquals(0f, e.gx().get(0, i, j)); // no change along x
                assertEquals(Math.abs(rows[i]), e.magnitude().get(0, i, j));
            }
        }
        // Brighter below: atan2(-1020, 0) = -pi/2 (y grows downwards, Sobel-y is top minus bottom).
        assertEquals((float) (-Math.PI / 2), e.direction().get(0, 1, 0), 1e-6f);
        assertEquals(0f, e.direction().get(0, 0, 0)); // atan2(0, 0) = 0
    }

    @Test
    void sobelEdgesWithSamePaddingKeepTheSize() {
        SobelEdges e = ImageFilters.sobelEdges(stepImage(), PaddingSpec.same(), PadMode.REPLICATE);
        assertEquals(Shape.of(1, 6, 6), e.gy().shape());
        // Replicate padding makes the top and bottom rows flat: no edge there, and no spurious column edges.
        assertEquals(0f, e.gy().get(0, 0, 0));
        assertEquals(-1020f, e.gy().get(0, 2, 0));
        assertEquals(0f, e.gx().maxAbsDiff(Tensor.zeros(1, 6, 6)));
    }

    @Test
    void magnitudeAndDirection() {
        Tensor gx = Tensor.of(new float[] {3, 0, -1}, 3);
        Tensor gy = Tensor.of(new float[] {4, 2, 0}, 3);
        assertArrayEquals(new float[] {5, 2, 1}, ImageFilters.gradientMagnitude(gx, gy).data());
        assertArrayEquals(new float[] {(float) Math.atan2(4, 3), (float) (Math.PI / 2), (float) Math.PI},
                ImageFilters.gradientDirection(gx, gy).data(), 1e-7f);
        assertThrows(IllegalArgumentException.class, () -> ImageFilters.gradientMagnitude(gx, Tensor.zeros(2)));
    }

    @Test
    void toGreyUsesLuma() {
        Tensor rgb = Tensor.of(new float[] {100, 0, 50, 0, 200, 0}, 3, 1, 2);
        Tensor g = ImageFilters.toGrey(rgb);
        assertEquals(Shape.of(1, 1, 2), g.shape());
        assertEquals(0.299 * 100 + 0.587 * 50 + 0.114 * 200, g.get(0, 0, 0), 1e-4);
        assertEquals(0f, g.get(0, 0, 1));
        Tensor batch = ImageFilters.toGrey(rgb.reshape(1, 3, 1, 2));
        assertEquals(Shape.of(1, 1, 1, 2), batch.shape());
        assertThrows(IllegalArgumentException.class, () -> ImageFilters.toGrey(Tensor.zeros(2, 3, 3)));
        Tensor grey = Tensor.of(new float[] {7}, 1, 1, 1);
        assertArrayEquals(grey.data(), ImageFilters.toGrey(grey).data());
    }

    @Test
    void convolve2dIsDepthwise() {
        Tensor img = Tensor.uniform(new Random(8), 0, 255, 2, 3, 7, 6);
        Tensor k = Tensor.of(new float[] {1, -2, 0.5f, 3, 0, -1}, 2, 3); // non-square
        Tensor all = ImageFilters.convolve2d(img, k, PaddingSpec.valid(), PadMode.ZERO, 2);
        assertEquals(Shape.of(2, 3, 3, 2), all.shape()); // floor((7-2)/2)+1, floor((6-3)/2)+1
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 2; j++) {
                        double s = 0;
                        for (int a = 0; a < 2; a++) {
                            for (int b = 0; b < 3; b++) {
                                s += k.get(a, b) * img.get(n, c, 2 * i + a, 2 * j + b);
                            }
                        }
                        assertEquals(s, all.get(n, c, i, j), 1e-3);
                    }
                }
            }
        }
    }

    @Test
    void convolve2dRejectsBadInput() {
        Tensor img = Tensor.zeros(1, 8, 8);
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> ImageFilters.convolve2d(img, Tensor.zeros(4, 4), PaddingSpec.same(), PadMode.ZERO, 1));
        assertTrue(e.getMessage().contains("cannot centre a 4x4 kernel"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageFilters.convolve2d(Tensor.zeros(8, 8), ClassicKernels.sobelX(), PaddingSpec.valid(),
                        PadMode.ZERO, 1));
        assertTrue(e.getMessage().contains("[C, H, W]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageFilters.convolve2d(img, Tensor.zeros(1, 3, 3), PaddingSpec.valid(), PadMode.ZERO, 1));
        assertTrue(e.getMessage().contains("2-D"), e.getMessage());
    }
}
