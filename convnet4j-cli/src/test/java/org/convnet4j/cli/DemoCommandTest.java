package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTheLectureNumbersAndWritesEveryPicture() throws Exception {
        Tensor photo = Tensor.zeros(3, 16, 20);
        for (int i = 0; i < photo.size(); i++) {
            photo.data()[i] = (i * 37) % 256; // any texture will do; shapes are what we check
        }
        Path in = dir.resolve("photo.png");
        Images.write(photo, in);
        Path out = dir.resolve("out");
        CliRun run = CliRun.of("demo", "edges", "--image", in.toString(), "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("     -1020  -1020  -1020  -1020\n"), run.out());
        assertTrue(run.out().contains("     255  255  255  255\n       0    0    0    0\n"), run.out());
        for (String name : new String[] {"sobel-x.png", "sobel-y.png", "edges-magnitude.png", "laplacian.png"}) {
            assertArrayEquals(new int[] {1, 16, 20}, Images.read(out.resolve(name)).shape().dims(), name);
        }
        for (String name : new String[] {"edges-direction.png", "gaussian-blur.png", "sharpen.png"}) {
            assertArrayEquals(new int[] {3, 16, 20}, Images.read(out.resolve(name)).shape().dims(), name);
        }
        assertArrayEquals(new int[] {3, 4, 5}, Images.read(out.resolve("maxpool-4x4.png")).shape().dims());
    }

    @Test
    void outputDirectoryThatIsAFileFailsBeforePrintingAnything() throws Exception {
        Tensor photo = Tensor.zeros(1, 8, 8);
        Path in = dir.resolve("photo.png");
        Images.write(photo, in);
        Path file = Files.writeString(dir.resolve("out"), "x");
        CliRun run = CliRun.of("demo", "edges", "--image", in.toString(), "-o", file.toString());
        assertEquals(2, run.exitCode());
        assertEquals("", run.out());
        assertEquals("convnet4j demo edges: " + file + ": exists and is not a directory", run.err().strip());
        // the training demo likewise, before it trains (the one line comes from the library's FileProblems)
        CliRun train = CliRun.of("demo", "train", "-o", file.toString());
        assertEquals(2, train.exitCode(), train.err());
        assertEquals("", train.out());
        assertEquals("convnet4j demo train: " + file + ": exists and is not a directory", train.err().strip());
    }

    @Test
    void trainingDemoTrainsEvaluatesAndDrawsWhatItLearned() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of(org.convnet4j.data.FashionMnist.DEBIAN_DIR)),
                "Fashion-MNIST not installed");
        Path out = dir.resolve("demo");
        CliRun run = CliRun.of("demo", "--epochs", "1", "--limit", "50", "--test-limit", "30", "-o", out.toString(),
                "--no-progress");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("1. Training") && run.out().contains("2. Testing")
                && run.out().contains("3. What it learned") && run.out().contains("prediction for test picture #0"),
                run.out());
        assertTrue(run.out().contains("accuracy") && run.out().contains("actual \\ predicted"), run.out());
        assertTrue(Files.isRegularFile(out.resolve("lenet5.c4j")));
        assertTrue(Files.isRegularFile(out.resolve("training-curves.png")));
        assertTrue(Files.isRegularFile(out.resolve("confusion-matrix.png")));
        // 6 kernels of 5x5 enlarged 24 times in one row, 2-pixel frames: 6 * (120 + 2) + 2 = 734 wide
        assertArrayEquals(new int[] {3, 124, 734}, Images.read(out.resolve("conv1-kernels.png")).shape().dims());
        // 6 feature maps 28x28 enlarged 6 times in one row
        assertArrayEquals(new int[] {3, 172, 6 * 170 + 2}, Images.read(out.resolve("conv1-feature-maps.png")).shape().dims());
        // 16 maps 10x10 enlarged 16 times, 8 per row
        assertArrayEquals(new int[] {3, 2 * 162 + 2, 8 * 162 + 2}, Images.read(out.resolve("conv2-feature-maps.png")).shape().dims());
        // the test picture 28x28 enlarged 8 times
        assertArrayEquals(new int[] {3, 228, 228}, Images.read(out.resolve("input-picture.png")).shape().dims());
    }
}
