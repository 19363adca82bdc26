package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.fusion.FashionMnistSobel;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** evaluate and predict on a fusion model saved by fuse (pixels + Sobel edges of Fashion-MNIST). */
class MultiInputCommandsTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void trainAFusionModel() {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        model = dir.resolve("inter.c4j");
        CliRun run = CliRun.of("fuse", "--mode", "intermediate", "--inputs", "fashion-mnist-sobel", "--epochs", "1",
                "--limit", "40", "--out", model.toString(), "--json");
        assertEquals(0, run.exitCode(), run.err());
    }

    private static double accuracy(CliRun r) {
        assertEquals(0, r.exitCode(), r.err());
        return Json.parseObject(r.out().strip(), "stdout").get("accuracy").getAsDouble();
    }

    @Test
    void evaluateGivesWhatFuseEvaluateGives() {
        double fuse = accuracy(CliRun.of("fuse", "--evaluate", model.toString(), "--inputs", "fashion-mnist-sobel",
                "--limit", "15", "--json"));
        double given = accuracy(CliRun.of("evaluate", "--model", model.toString(), "--inputs",
                "pixels=fashion-mnist,edges=fashion-mnist:sobel", "--limit", "15", "--json"));
        // without --inputs: the sources recorded in the model file by fuse
        double recorded = accuracy(CliRun.of("evaluate", "--model", model.toString(), "--limit", "15", "--json"));
        assertEquals(fuse, given);
        assertEquals(fuse, recorded);
        assertTrue(fuse > 0.2, "accuracy " + fuse); // 10 classes: chance 0.1
        CliRun text = CliRun.of("evaluate", "--model", model.toString(), "--limit", "2");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("accuracy"), text.out());
    }

    @Test
    void predictTakesOnePicturePerInputAndAgreesWithTheModel() throws Exception {
        Tensor first = FashionMnist.test().sample(0);
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, Math.round(first.data()[y * 28 + x] * 255));
            }
        }
        Path png = dir.resolve("first.png");
        ImageIO.write(img, "png", png.toFile());
        CliRun r = CliRun.of("predict", "--model", model.toString(), "--input", "pixels=" + png, "--input",
                "edges=" + png, "--top-k", "1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonObject top = Json.parseObject(r.out().strip(), "stdout").getAsJsonArray("predictions").get(0)
                .getAsJsonObject().getAsJsonArray("top").get(0).getAsJsonObject();

        // the same sample through the Java API, prepared by the data set code
        Graph g = (Graph) ModelFiles.read(model).model();
        MultiInputDataset one = FashionMnistSobel.load(org.convnet4j.fusion.FusionSources.Part.TEST, 1).orderedFor(g.inputNames());
        List<Tensor> x = one.samples(0).stream().map(t -> t.reshape(t.shape().prepend(1))).toList();
        float[] out = g.forward(x, false).data();
        int best = 0;
        for (int c = 1; c < out.length; c++) {
            best = out[c] > out[best] ? c : best;
        }
        assertEquals(best, top.get("label").getAsInt());
        double max = Double.NEGATIVE_INFINITY;
        for (float v : out) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : out) {
            sum += Math.exp(v - max);
        }
        assertEquals(Math.exp(out[best] - max) / sum, top.get("probability").getAsDouble(), 1e-5);
    }

    @Test
    void wrongPicturesAreOneLineErrors() throws Exception {
        Path png = dir.resolve("any.png");
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", png.toFile());
        CliRun plain = CliRun.of("predict", "--model", model.toString(), png.toString());
        assertEquals(2, plain.exitCode());
        assertTrue(plain.err().contains("--input NAME=IMAGE"), plain.err());
        CliRun missing = CliRun.of("predict", "--model", model.toString(), "--input", "pixels=" + png);
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("one picture per input"), missing.err());
        CliRun wrongNames = CliRun.of("evaluate", "--model", model.toString(), "--inputs",
                "rgb=fashion-mnist,depth=fashion-mnist:sobel", "--limit", "1");
        assertEquals(2, wrongNames.exitCode());
        assertTrue(wrongNames.err().contains("takes inputs"), wrongNames.err());
        // a bad --input text or a missing picture is one line before the model is read (this one does not exist)
        String absent = dir.resolve("absent.c4j").toString();
        CliRun text = CliRun.of("predict", "--model", absent, "--input", "pixels");
        assertEquals(2, text.exitCode());
        assertTrue(text.err().strip().endsWith(": --input: 'pixels' is not NAME=IMAGE (e.g. pixels=shoe.png)")
                && text.err().strip().lines().count() == 1, text.err());
        CliRun noFile = CliRun.of("predict", "--model", absent, "--input", "pixels=" + dir.resolve("no.png"));
        assertEquals(2, noFile.exitCode());
        assertTrue(noFile.err().strip().endsWith(": --input: " + dir.resolve("no.png") + ": no such picture file")
                && noFile.err().strip().lines().count() == 1, noFile.err());
    }
}
