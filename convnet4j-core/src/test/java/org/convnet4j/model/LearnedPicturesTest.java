package org.convnet4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.convnet4j.image.ImageGrid;
import org.convnet4j.image.Images;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnedPicturesTest {
    @TempDir
    Path dir;

    private static Sequential net() {
        Sequential net = new Sequential(Shape.of(1, 12, 12),
                new Conv2d(4, 3).named("c1"), new ReLU().named("r1"), new MaxPool2d(2).named("p1"),
                new Conv2d(3, 3).padding(1).named("c2"), new ReLU().named("r2"), new Flatten(), new Dense(2));
        net.initialize(3);
        return net;
    }

    @Test
    void writesKernelsPictureAndEachConvolutionsMapsAfterItsActivation() throws Exception {
        Sequential net = net();
        Tensor picture = Tensor.uniform(new Random(5), -1, 1, 1, 12, 12);
        Path out = dir.resolve("pictures");
        List<LearnedPictures.Picture> written = LearnedPictures.write(net, picture, "a random picture", out);

        assertEquals(List.of("c1-kernels.png", "input-picture.png", "c1-feature-maps.png", "c2-feature-maps.png"),
                written.stream().map(p -> p.file().getFileName().toString()).toList());
        assertTrue(written.get(0).description().contains("4 kernels (3x3)"), written.get(0).description());
        assertEquals("a random picture", written.get(1).description());
        assertTrue(written.get(2).description().contains("4 kernels of c1") && written.get(2).description()
                .contains("10x10"), written.get(2).description());

        // 4 kernels 3x3 enlarged 120 / 3 = 40 times in one row, 2-pixel frames; the picture 224 / 12 = 18 times
        assertArrayEquals(new int[] {3, 120 + 4, 4 * 122 + 2}, Images.read(written.get(0).file()).shape().dims());
        assertArrayEquals(new int[] {3, 12 * 18 + 4, 12 * 18 + 4}, Images.read(written.get(1).file()).shape().dims());

        // the maps drawn are what the ReLU after each convolution gives, pixel for pixel
        Tensor x = picture.reshape(Shape.of(1, 1, 12, 12));
        Tensor c1 = net.layer("c1").forward(x, false);
        Tensor r1 = net.layer("r1").forward(c1, false);
        Tensor r2 = net.layer("r2").forward(net.layer("c2").forward(net.layer("p1").forward(r1, false), false), false);
        assertArrayEquals(ImageGrid.tile(r1, 168 / 10, 4).data(), Images.read(written.get(2).file()).data());
        assertArrayEquals(ImageGrid.tile(r2, 168 / 5, 3).data(), Images.read(written.get(3).file()).data());
        // and not the convolution's own output (which has negative values the ReLU cut)
        boolean negative = false;
        for (float v : c1.data()) {
            negative |= v < 0;
        }
        assertTrue(negative);
        assertFalse(java.util.Arrays.equals(ImageGrid.tile(c1, 16, 4).data(),
                Images.read(written.get(2).file()).data()));
    }

    @Test
    void refusesANetworkWithoutConvolutionAndAPictureOfAnotherShape() {
        Sequential dense = new Sequential(Shape.of(1, 4, 4), new Flatten(), new Dense(2));
        dense.initialize(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LearnedPictures.write(dense, Tensor.zeros(1, 4, 4), "x", dir));
        assertTrue(e.getMessage().contains("no Conv2d"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LearnedPictures.write(net(), Tensor.zeros(1, 8, 8), "x", dir.resolve("no")));
        assertTrue(e.getMessage().contains("[1, 8, 8]") || e.getMessage().contains("1x8x8"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("no")));
    }

    @Test
    void describeNamesTheBestClassesWithPercentages() {
        Classifications c = new Classifications(new double[] {0.1, 0.6, 0.3}, List.of("a", "b", "c"));
        assertEquals("b 60.0%, c 30.0%", c.describe(2));
        assertEquals("b 60.0%, c 30.0%, a 10.0%", c.describe(5));
    }
}
