package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.image.Images;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ClassicKernels;
import org.convnet4j.vision.ImageFilters;
import org.convnet4j.vision.Normalization;
import org.convnet4j.vision.SobelEdges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Java API" snippet, kept compiling and working. */
class ReadmeApiExampleTest {
    @Test
    void readmeSnippetRuns(@TempDir Path dir) throws Exception {
        Tensor rgb = Tensor.zeros(3, 6, 6);
        for (int i = 18; i < 36; i++) {
            rgb.data()[i] = 255; // red channel, lower half
        }
        Images.write(rgb, dir.resolve("photo.png"));

        // --- as in README.md ---
        Tensor photo = Images.read(dir.resolve("photo.png"));
        Tensor gy = ImageFilters.convolve2d(photo, ClassicKernels.sobelY(), PaddingSpec.same(), PadMode.REPLICATE, 1);
        Images.write(Normalization.apply(gy, Normalization.Mode.ABS), dir.resolve("gy.png"));
        SobelEdges e = ImageFilters.sobelEdges(photo);
        Images.writeCsv(e.magnitude(), dir.resolve("magnitude.csv"));
        // ---

        assertArrayEquals(new int[] {3, 6, 6}, Images.read(dir.resolve("gy.png")).shape().dims());
        // valid Sobel on 6x6: 4 rows of 4 values
        assertEquals(4, Files.readAllLines(dir.resolve("magnitude.csv")).size());
    }
}
