package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.internal.json.Json;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One data language: {@code predict} takes the built-in specs (as {@code --data SPEC} or as an argument) and
 * {@code --data DIR} with the meaning of {@code --limit} of every other command (per class, the same seeded choice as
 * {@code evaluate}), and a bad spec is one line, exit 2.
 */
class PredictDataSpecTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void model() throws Exception {
        Sequential base = LeNet5.build();
        base.initialize(3);
        Sequential lenet = Transfer.withNewClassifier(base, List.of("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"), 5);
        model = dir.resolve("five.c4j");
        ModelFiles.save(lenet, model);
    }

    private static JsonArray predictions(CliRun r) {
        assertEquals(0, r.exitCode(), r.err());
        return Json.parseObject(r.out().strip(), "predict --json").getAsJsonArray("predictions");
    }

    @Test
    void aBuiltInSpecPredictsItsTestPartWithLimitPerClassAsEvaluateChoosesIt() throws Exception {
        CliRun r = CliRun.of("predict", "--model", model.toString(), "--data", "fashion-mnist:5-9", "--limit", "2",
                "--top-k", "5", "--json");
        JsonArray p = predictions(r);
        assertEquals(10, p.size(), r.out()); // 2 per class, 5 classes
        // the same pictures, answers and true classes as the library gives for evaluate's choice
        Dataset test = DataSpec.limited(DataSpec.of("fashion-mnist:5-9").test(Preprocessing.forInput(Shape.of(1, 28, 28)),
                42).test(), 2, 42);
        ImageClassifier c = ImageClassifier.load(model);
        List<Classifications> want = c.classifyPrepared(test, 3);
        int[] perClass = new int[5];
        for (int i = 0; i < 10; i++) {
            JsonObject o = p.get(i).getAsJsonObject();
            assertEquals(DataSpec.sampleName(test, i, "fashion-mnist:5-9"), o.get("image").getAsString());
            assertTrue(o.get("image").getAsString().startsWith("fashion-mnist:5-9 #"), o.toString());
            assertEquals(test.classNames().get(test.label(i)), o.get("true_class").getAsString());
            perClass[test.label(i)]++;
            JsonObject top = o.getAsJsonArray("top").get(0).getAsJsonObject();
            assertEquals(want.get(i).best().className(), top.get("class").getAsString());
            assertEquals(want.get(i).best().probability(), top.get("probability").getAsDouble(), 1e-6);
        }
        assertEquals(List.of(2, 2, 2, 2, 2), java.util.Arrays.stream(perClass).boxed().toList());
        // as an argument, next to a picture file: the same answers after the picture's
        Path pic = dir.resolve("one.png");
        write(pic, 40);
        JsonArray q = predictions(CliRun.of("predict", "--model", model.toString(), "--limit", "2", "--top-k", "5",
                "--json", pic.toString(), "fashion-mnist:5-9"));
        assertEquals(11, q.size());
        assertEquals(pic.toString(), q.get(0).getAsJsonObject().get("image").getAsString());
        for (int i = 0; i < 10; i++) {
            assertEquals(p.get(i), q.get(i + 1));
        }
        // text output names the true class too
        CliRun text = CliRun.of("predict", "--model", model.toString(), "--data", "fashion-mnist:5-9", "--limit", "1",
                "-k", "1");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().lines().anyMatch(l -> l.matches("fashion-mnist:5-9 #\\d+ \\(Sandal\\):")), text.out());
    }

    @Test
    void aFolderAsDataIsReadAsEvaluateReadsItAndAgreesWithTheFolderArgument() throws Exception {
        Path data = dir.resolve("pictures");
        for (int i = 0; i < 3; i++) {
            write(data.resolve("Bag").resolve("b" + i + ".png"), 10 + i);
            write(data.resolve("Sandal").resolve("s" + i + ".png"), 90 + i);
        }
        JsonArray all = predictions(CliRun.of("predict", "--model", model.toString(), "--data", data.toString(),
                "--json"));
        assertEquals(6, all.size());
        JsonArray plain = predictions(CliRun.of("predict", "--model", model.toString(), "--json", data.toString()));
        assertEquals(6, plain.size());
        for (int i = 0; i < 6; i++) {
            JsonObject a = all.get(i).getAsJsonObject();
            JsonObject b = plain.get(i).getAsJsonObject();
            assertEquals(b.get("image"), a.get("image")); // the picture's file
            assertEquals(Path.of(a.get("image").getAsString()).getParent().getFileName().toString(),
                    a.get("true_class").getAsString());
            assertEquals(b.get("top").getAsJsonArray().get(0).getAsJsonObject().get("class"),
                    a.get("top").getAsJsonArray().get(0).getAsJsonObject().get("class"));
        }
        assertEquals(4, predictions(CliRun.of("predict", "--model", model.toString(), "--data", data.toString(),
                "--limit", "2", "--json")).size());
    }

    @Test
    void aBadSpecOrALimitWithoutDataIsOneLineExitTwo() throws Exception {
        Path pic = dir.resolve("two.png");
        write(pic, 7);
        for (CliRun r : List.of(
                CliRun.of("predict", "--model", model.toString(), "--data", "fashion-mnist:5-12"),
                CliRun.of("predict", "--model", model.toString(), "fashion-mnist:nine"),
                CliRun.of("predict", "--model", model.toString(), "--data", dir.resolve("nowhere").toString()),
                CliRun.of("predict", "--model", model.toString(), "--limit", "2", pic.toString()),
                CliRun.of("predict", "--model", model.toString(), "--data", "opencv-digits", "--limit", "0"))) {
            assertEquals(2, r.exitCode(), r.out() + r.err());
            assertEquals(1, r.errLines(), r.err());
            assertTrue(r.out().isBlank(), r.out());
        }
        CliRun classes = CliRun.of("predict", "--model", model.toString(), "--data", "fashion-mnist:5-12");
        assertTrue(classes.err().contains("fashion-mnist:5-12") && classes.err().contains("outside 0..9"), classes.err());
    }

    private static void write(Path file, int shade) throws Exception {
        BufferedImage img = new BufferedImage(32, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 32; x++) {
                int v = (x * shade + y * 3) % 256;
                img.setRGB(x, y, v << 16 | (255 - v) << 8 | v / 2);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }
}
