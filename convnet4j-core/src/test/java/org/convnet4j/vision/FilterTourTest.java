package org.convnet4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The image-operator tour of {@code demo edges}, moved from the CLI to the library (issue 14). */
class FilterTourTest {
    @Test
    void theLecturesExampleGivesItsNumbers() {
        String text = FilterTour.lectureExample();
        // R = A * K: rows 0, -1020, -1020, 0 (the lecture's figure); min-max: 255, 0, 0, 255; stride 2: 0 and -1020
        assertTrue(text.contains("   R = A * K (no padding, stride 1: 6-3+1 = 4x4) =\n"
                + "         0      0      0      0\n"
                + "     -1020  -1020  -1020  -1020\n"
                + "     -1020  -1020  -1020  -1020\n"
                + "         0      0      0      0\n"), text);
        assertTrue(text.contains("   normalised to 0..255 (min-max) =\n     255  255  255  255\n       0    0    0    0\n"),
                text);
        assertTrue(text.contains("   stride 2: floor((6-3)/2)+1 = 2x2 =\n         0      0\n     -1020  -1020\n"), text);
        assertTrue(text.endsWith("\n\n"), text);
    }

    @Test
    void aHorizontalStepHasNoVerticalEdgesAndEveryPictureComesInOrder() throws Exception {
        float[] v = new float[3 * 8 * 8];
        for (int c = 0; c < 3; c++) {
            for (int y = 4; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    v[(c * 8 + y) * 8 + x] = 255;
                }
            }
        }
        List<FilterTour.Picture> got = new ArrayList<>();
        FilterTour.pictures(Tensor.of(v, 3, 8, 8), got::add);
        assertEquals(List.of("sobel-x.png", "sobel-y.png", "edges-magnitude.png", "edges-direction.png", "laplacian.png",
                "gaussian-blur.png", "sharpen.png", "maxpool-4x4.png"), got.stream().map(FilterTour.Picture::file).toList());
        for (float g : got.get(0).pixels().data()) {
            assertEquals(127.5, g, 1e-3, "Gx of a horizontal step is 0 everywhere: mid-grey");
        }
        float[] gy = got.get(1).pixels().data();
        assertEquals(127.5, gy[0], 1e-3, "no edge in the first row");
        assertTrue(Math.abs(gy[3 * 8] - 127.5) > 60, "the edge between rows 3 and 4 is far from mid-grey: " + gy[3 * 8]);
        assertArrayEquals(new int[] {3, 2, 2}, got.get(7).pixels().shape().dims());
        assertArrayEquals(new float[] {0, 0, 255, 255}, java.util.Arrays.copyOf(got.get(7).pixels().data(), 4));
    }
}
