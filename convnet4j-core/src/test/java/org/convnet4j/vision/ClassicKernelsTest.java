package org.convnet4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ClassicKernelsTest {

    @Test
    void sobelIsExactlyTheLecturesKernels() {
        assertArrayEquals(new float[] {1, 0, -1, 2, 0, -2, 1, 0, -1}, ClassicKernels.sobelX().data());
        assertArrayEquals(new float[] {1, 2, 1, 0, 0, 0, -1, -2, -1}, ClassicKernels.sobelY().data());
        assertEquals(Shape.of(3, 3), ClassicKernels.sobelX().shape());
    }

    @Test
    void sobelXIsTheOuterProductOfSmoothingAndDifference() {
        float[] col = {1, 2, 1};
        float[] row = {1, 0, -1};
        Tensor sx = ClassicKernels.sobelX();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(col[i] * row[j], sx.get(i, j));
            }
        }
    }

    @Test
    void sobelXIsSeparableColumnThenRow() {
        Tensor img = Tensor.uniform(new Random(3), 0, 255, 2, 9, 8);
        Tensor col = Tensor.of(new float[] {1, 2, 1}, 3, 1);
        Tensor row = Tensor.of(new float[] {1, 0, -1}, 1, 3);
        Tensor twoStep = ImageFilters.convolve2d(ImageFilters.convolve2d(img, col, PaddingSpec.valid(), PadMode.ZERO, 1),
                row, PaddingSpec.valid(), PadMode.ZERO, 1);
        Tensor direct = ImageFilters.convolve2d(img, ClassicKernels.sobelX(), PaddingSpec.valid(), PadMode.ZERO, 1);
        assertEquals(Shape.of(2, 7, 6), direct.shape());
        assertTrue(direct.maxAbsDiff(twoStep) < 1e-3f, "separable result differs by " + direct.maxAbsDiff(twoStep));
    }

    @Test
    void otherFixedKernels() {
        assertArrayEquals(new float[] {1, 0, -1, 1, 0, -1, 1, 0, -1}, ClassicKernels.prewittX().data());
        assertArrayEquals(new float[] {1, 1, 1, 0, 0, 0, -1, -1, -1}, ClassicKernels.prewittY().data());
        assertArrayEquals(new float[] {3, 0, -3, 10, 0, -10, 3, 0, -3}, ClassicKernels.scharrX().data());
        assertArrayEquals(new float[] {3, 10, 3, 0, 0, 0, -3, -10, -3}, ClassicKernels.scharrY().data());
        assertArrayEquals(new float[] {0, 1, 0, 1, -4, 1, 0, 1, 0}, ClassicKernels.laplacian().data());
        assertArrayEquals(new float[] {1, 1, 1, 1, -8, 1, 1, 1, 1}, ClassicKernels.laplacian8().data());
        assertArrayEquals(new float[] {0, -1, 0, -1, 5, -1, 0, -1, 0}, ClassicKernels.sharpen().data());
        assertEquals(0, ClassicKernels.laplacian().sum());
        assertEquals(1, ClassicKernels.sharpen().sum());
        assertEquals(1, ClassicKernels.box(5).sum(), 1e-6);
        assertEquals(Shape.of(5, 5), ClassicKernels.box(5).shape());
    }

    @Test
    void gaussianSizeNormalisationAndShape() {
        Tensor g = ClassicKernels.gaussian(1.5);
        assertEquals(Shape.of(11, 11), g.shape()); // 2*ceil(4.5)+1
        assertEquals(Shape.of(3, 3), ClassicKernels.gaussian(0.3).shape()); // 2*ceil(0.9)+1
        assertEquals(1, g.sum(), 1e-5);
        assertEquals(60, g.argmax()); // centre (5,5)
        // Ratio of neighbouring values is exp(-1/(2 sigma^2)) along an axis through the centre.
        assertEquals(Math.exp(-1 / (2 * 1.5 * 1.5)), g.get(5, 6) / g.get(5, 5), 1e-6);
        assertEquals(g.get(2, 3), g.get(3, 2)); // symmetric
        assertEquals(g.get(1, 4), g.get(9, 6));
        Tensor small = ClassicKernels.gaussian(1.0, 4); // even size: centred between pixels
        assertEquals(small.get(1, 1), small.get(2, 2));
        assertEquals(1, small.sum(), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> ClassicKernels.gaussian(0));
        assertThrows(IllegalArgumentException.class, () -> ClassicKernels.gaussian(-1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClassicKernels.gaussian(40)).getMessage()
                .contains("larger than the maximum"));
    }

    @Test
    void identityKernelReturnsTheInput() {
        Tensor img = Tensor.uniform(new Random(4), 0, 255, 3, 6, 7);
        for (PadMode mode : PadMode.values()) {
            for (int k : new int[] {1, 3, 5}) {
                Tensor out = ImageFilters.convolve2d(img, ClassicKernels.identity(k), PaddingSpec.same(), mode, 1);
                assertArrayEquals(img.data(), out.data(), mode + " k=" + k);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ClassicKernels.identity(4));
    }

    @Test
    void byNameAndNames() {
        assertArrayEquals(ClassicKernels.sobelX().data(), ClassicKernels.byName("sobel-x").data());
        assertArrayEquals(ClassicKernels.sobelY().data(), ClassicKernels.byName("Sobel-Y").data());
        assertArrayEquals(ClassicKernels.prewittX().data(), ClassicKernels.byName("prewitt-x").data());
        assertArrayEquals(ClassicKernels.prewittY().data(), ClassicKernels.byName("prewitt-y").data());
        assertArrayEquals(ClassicKernels.scharrX().data(), ClassicKernels.byName("scharr-x").data());
        assertArrayEquals(ClassicKernels.scharrY().data(), ClassicKernels.byName("scharr-y").data());
        assertArrayEquals(ClassicKernels.laplacian().data(), ClassicKernels.byName("laplacian").data());
        assertArrayEquals(ClassicKernels.laplacian8().data(), ClassicKernels.byName("laplacian8").data());
        assertArrayEquals(ClassicKernels.sharpen().data(), ClassicKernels.byName("sharpen").data());
        assertArrayEquals(ClassicKernels.identity(3).data(), ClassicKernels.byName("identity").data());
        assertEquals(Shape.of(3, 3), ClassicKernels.byName("box3").shape());
        assertEquals(Shape.of(5, 5), ClassicKernels.byName("box5").shape());
        assertArrayEquals(ClassicKernels.gaussian(1.0).data(), ClassicKernels.byName("gaussian").data());
        assertArrayEquals(ClassicKernels.gaussian(2.0).data(), ClassicKernels.byName("gaussian:2.0").data());
        assertEquals(Shape.of(13, 13), ClassicKernels.byName("gaussian:2.0").shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassicKernels.byName("edgy"));
        assertTrue(e.getMessage().contains("'edgy'"), e.getMessage());
        for (String n : new String[] {"sobel-x", "sobel-y", "prewitt-x", "prewitt-y", "scharr-x", "scharr-y",
            "laplacian", "laplacian8", "box3", "box5", "gaussian", "sharpen", "identity"}) {
            assertTrue(e.getMessage().contains(n), n);
            assertTrue(ClassicKernels.names().stream().anyMatch(s -> s.startsWith(n)), n);
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClassicKernels.byName("gaussian:abc"))
                .getMessage().contains("'abc'"));
    }
}
