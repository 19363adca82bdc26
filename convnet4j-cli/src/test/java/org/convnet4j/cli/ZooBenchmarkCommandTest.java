package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.convnet4j.internal.json.Json;
import org.convnet4j.run.ZooReport;
import org.convnet4j.data.FashionMnist;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** zoo-benchmark on a tiny run (real Fashion-MNIST pictures), and its refusals of bad options. */
class ZooBenchmarkCommandTest {
    @TempDir
    Path dir;

    @Test
    void tinyLeNetRunWritesConsistentTableJsonAndChart() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)),
                "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        Path out = dir.resolve("zoo");
        CliRun run = CliRun.of("zoo-benchmark", "--models", "lenet5", "--limit", "52", "--test-limit", "50",
                "--epochs", "2", "--lr", "0.003", "--test-every-epoch", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());

        JsonObject doc = Json.parseObject(Files.readString(out.resolve(ZooReport.JSON)), "zoo-results.json");
        JsonArray results = doc.getAsJsonArray("results");
        assertEquals(1, results.size());
        JsonObject r = results.get(0).getAsJsonObject();
        assertEquals("lenet5", r.get("model").getAsString());
        assertEquals(520, r.get("train_images").getAsInt());
        assertEquals(500, r.get("test_images").getAsInt());
        assertEquals(2, r.get("epochs").getAsInt());
        // by hand: conv 6@5x5 (156) + conv 16@5x5x6 (2,416) + dense 400-120 (48,120), 120-84 (10,164), 84-10 (850)
        assertEquals(61_706, r.get("params").getAsLong());
        // by hand: 28*28*6*25 + 10*10*16*150 + 400*120 + 120*84 + 84*10 multiply-adds per picture
        assertEquals(117_600 + 240_000 + 48_000 + 10_080 + 840, r.get("macs").getAsLong());
        JsonArray curve = r.getAsJsonArray("epoch_test_accuracy");
        assertEquals(2, curve.size());
        double accuracy = r.get("test_accuracy").getAsDouble();
        assertEquals(curve.get(1).getAsDouble(), accuracy);
        // 500 test pictures: the accuracy is a whole number of them
        assertEquals(Math.rint(accuracy * 500), accuracy * 500, 1e-9);
        // chance is 0.1; two epochs of 520 pictures (17 steps) already get well above it
        assertTrue(accuracy > 0.4, "test accuracy " + accuracy);
        assertEquals(2, r.getAsJsonArray("epoch_seconds").size());
        double seconds = r.get("seconds_per_epoch").getAsDouble();
        assertEquals(520 / seconds, r.get("train_images_per_second").getAsDouble(), 1e-6 * 520 / seconds);
        assertEquals("adam", doc.getAsJsonObject("training").get("optimizer").getAsString());

        String md = Files.readString(out.resolve(ZooReport.MARKDOWN));
        String row = String.format(Locale.ROOT, "| lenet5 | 28x28 | 1 | 61,706 | 417 k | 2 | 520 |");
        assertTrue(md.contains(row), md);
        assertTrue(md.contains(String.format(Locale.ROOT, "| 500 | %.4f | - |", accuracy)), md);
        assertTrue(run.out().contains(row), "the table is printed too:\n" + run.out());

        BufferedImage chart = ImageIO.read(out.resolve(ZooReport.CHART).toFile());
        assertNotNull(chart, "a readable PNG");
        assertEquals(900, chart.getWidth());
        try (var files = Files.list(out)) {
            assertEquals(3, files.count(), "only the three result files, no temporary leftovers");
        }
    }

    @Test
    void tooSmallInputFailsBeforeAnyTrainingWithTheSmallestSize() {
        Path out = dir.resolve("never");
        CliRun run = CliRun.of("zoo-benchmark", "--models", "lenet5,vgg16", "--input", "vgg16=16", "--out", out.toString());
        assertEquals(ErrorReporter.BAD_INPUT, run.exitCode(), run.out());
        assertTrue(run.err().contains("smallest input that works is 32x32"), run.err());
        assertTrue(run.err().contains("--input vgg16="), run.err());
        assertFalse(Files.exists(out), "nothing written for a refused run");
    }

    @Test
    void anyDataSpecWorksAndOnlyFashionMnistShowsThePublishedFigures() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of(org.convnet4j.dataspec.DataSpec.DIGITS_PNG)),
                "OpenCV's digits not installed (apt-get install opencv-doc)");
        Path out = dir.resolve("digits");
        CliRun run = CliRun.of("zoo-benchmark", "--models", "lenet5", "--data", "opencv-digits:0-2", "--limit", "10",
                "--test-limit", "10", "--epochs", "1", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonObject doc = Json.parseObject(Files.readString(out.resolve(ZooReport.JSON)), "zoo-results.json");
        assertEquals("opencv-digits:0-2", doc.get("dataset").getAsString());
        JsonObject r = doc.getAsJsonArray("results").get(0).getAsJsonObject();
        assertEquals(30, r.get("train_images").getAsInt()); // 10 per class, 3 classes
        assertEquals(30, r.get("test_images").getAsInt());
        assertFalse(r.has("published_accuracy"), r.toString());
        String md = Files.readString(out.resolve(ZooReport.MARKDOWN));
        assertTrue(md.startsWith("opencv-digits:0-2, Adam"), md);
        assertTrue(run.out().contains("converting: "), "the 20x20 digits become 28x28: " + run.out());

        // a folder of colour pictures of another size, kept in colour with --picture
        Path folder = dir.resolve("pics");
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 10; i++) {
                BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 30; y++) {
                    for (int x = 0; x < 40; x++) {
                        img.setRGB(x, y, c == 0 ? (x * 6 + i) << 16 : (y * 8 + i) << 8);
                    }
                }
                Path f = folder.resolve("class" + c).resolve(i + ".png");
                Files.createDirectories(f.getParent());
                ImageIO.write(img, "png", f.toFile());
            }
        }
        Path colour = dir.resolve("colour");
        CliRun col = CliRun.of("zoo-benchmark", "--models", "lenet5", "--data", folder.toString(), "--picture", "3x28x28",
                "--epochs", "1", "--out", colour.toString());
        assertEquals(0, col.exitCode(), col.err());
        JsonObject c = Json.parseObject(Files.readString(colour.resolve(ZooReport.JSON)), "zoo-results.json")
                .getAsJsonArray("results").get(0).getAsJsonObject();
        assertEquals(16, c.get("train_images").getAsInt()); // 80% of 20
        assertEquals(4, c.get("test_images").getAsInt());
        // LeNet-5 on 3 channels and 2 classes: the first conv has 6*3*25+6 weights, the last layer 84*2+2
        assertEquals(61_706 - 156 + 456 - 850 + 170, c.get("params").getAsLong());

        assertRefused("--picture: pictures have 1 (grey) or 3 (RGB) channels, not 2", "--picture", "2x28x28");
        CliRun missing = CliRun.of("zoo-benchmark", "--data", dir.resolve("nothing").toString(), "--out",
                dir.resolve("y").toString());
        assertEquals(ErrorReporter.BAD_INPUT, missing.exitCode(), missing.err());
        assertFalse(Files.exists(dir.resolve("y")), "nothing written for data that cannot be read");
    }

    @Test
    void badOptionsAreRefusedWithTheOptionNamed() {
        assertRefused("--models: unknown model 'lenet6'", "--models", "lenet5,lenet6");
        assertRefused("'alexnet' is not one of the models being run", "--models", "lenet5", "--width", "alexnet=0.5");
        assertRefused("--width: width -1 must be a positive number", "--width", "-1");
        assertRefused("--input: '28x32': give one size", "--input", "28x32");
        assertRefused("--optimizer: 'rmsprop' is not adam or sgd", "--optimizer", "rmsprop");
        assertRefused("--epochs: epochs must be at least 1, got 0", "--epochs", "0");
        assertRefused("--limit: 'lenet5' is not one of the models being run", "--models", "alexnet", "--limit", "lenet5=5");
        assertRefused("(set it with --input alexnet=SIZE)", "--models", "lenet5,alexnet", "--input", "alexnet=32");
        assertRefused("--test-limit: must be at least 1, got 0", "--test-limit", "0");
        assertFalse(Files.exists(dir.resolve("x")), "nothing written for refused options");
    }

    private void assertRefused(String message, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "zoo-benchmark";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--out";
        all[args.length + 2] = dir.resolve("x").toString();
        CliRun run = CliRun.of(all);
        assertEquals(ErrorReporter.BAD_INPUT, run.exitCode(), run.out());
        assertTrue(run.err().contains(message), "expected '" + message + "' in: " + run.err());
        assertEquals(1, run.errLines(), run.err());
    }
}
