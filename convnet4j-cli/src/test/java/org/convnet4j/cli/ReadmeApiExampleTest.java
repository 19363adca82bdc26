package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.image.ImageOutput;
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
        ImageOutput out = ImageOutput.of(dir.resolve("gx.csv"));
        out.write(e.gx());
        // ---

        assertArrayEquals(new int[] {3, 6, 6}, Images.read(dir.resolve("gy.png")).shape().dims());
        // valid Sobel on 6x6: 4 rows of 4 values
        assertEquals(4, Files.readAllLines(dir.resolve("magnitude.csv")).size());
        assertEquals(4, Files.readAllLines(dir.resolve("gx.csv")).size()); // the numbers, as the extension says
    }

    @Test
    void readmeTrainingSnippetRuns(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isDirectory(Path.of(org.convnet4j.data.FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        Path boot = dir.resolve("boot.png");
        Tensor sample = org.convnet4j.data.FashionMnist.test().sample(0);
        for (int i = 0; i < sample.size(); i++) {
            sample.data()[i] *= 255;
        }
        Images.write(sample, boot);
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            // --- as in README.md, with 1000 training and 500 test pictures and 1 epoch instead of all and 3 ---
            org.convnet4j.data.Dataset train = org.convnet4j.data.Datasets.subset(org.convnet4j.data.FashionMnist.train(), 1000);
            org.convnet4j.data.Dataset test = org.convnet4j.data.Datasets.subset(org.convnet4j.data.FashionMnist.test(), 500);
            org.convnet4j.nn.Model model = org.convnet4j.zoo.LeNet5.build().setClassNames(train.classNames());
            org.convnet4j.train.TrainConfig config = org.convnet4j.train.TrainConfig.builder(
                    new org.convnet4j.train.optim.Adam(model, 1e-3)).epochs(1).batchSize(64).seed(42).build();
            org.convnet4j.train.History history = new org.convnet4j.train.Trainer(config)
                    .addListener(new org.convnet4j.train.LogListener(System.out)).fit(model, train, test);

            org.convnet4j.train.Metrics metrics = org.convnet4j.train.Trainer.evaluate(model, test, 256);
            System.out.println(metrics);
            org.convnet4j.model.ModelFiles.save(model, dir.resolve("lenet5.c4j"));

            org.convnet4j.model.ImageClassifier classifier = org.convnet4j.model.ImageClassifier.load(dir.resolve("lenet5.c4j"));
            java.util.List<org.convnet4j.model.Prediction> top3 = classifier.predict(boot, 3);
            // ---
            assertEquals(1, history.size());
            assertEquals(3, top3.size());
            assertEquals(metrics.accuracy(), history.last().get(org.convnet4j.train.History.VAL_ACCURACY), 1e-9);
            assertTrue(metrics.accuracy() > 0.3, metrics.toString()); // chance is 0.1
        } finally {
            System.setOut(stdout);
        }
        String text = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("epoch 1/1") && text.contains("macro F1"), text);
    }
}
