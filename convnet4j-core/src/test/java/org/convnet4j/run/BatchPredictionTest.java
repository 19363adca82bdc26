package org.convnet4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.image.Images;
import org.convnet4j.internal.json.Json;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.Prediction;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** predict's protocol as a library call: the answers per file and per data-set sample, as text and JSON. */
class BatchPredictionTest {
    @TempDir
    Path dir;

    private static ImageClassifier lenet() {
        Model model = LeNet5.build().initialize(7);
        model.setClassNames(FashionMnist.CLASS_NAMES);
        return new ImageClassifier(model, Preprocessing.forInput(Shape.of(1, 28, 28)));
    }

    private Path picture(String name, long seed, int h, int w) throws IOException {
        Random r = new Random(seed);
        float[] d = new float[h * w];
        for (int j = 0; j < d.length; j++) {
            d[j] = r.nextInt(256);
        }
        Path p = dir.resolve(name);
        Images.write(Tensor.wrap(d, 1, h, w), p);
        return p;
    }

    @Test
    void answersAreTheClassifiersTopKForEveryFileAndDataSample() throws Exception {
        ImageClassifier c = lenet();
        List<Path> files = List.of(picture("a.png", 1, 28, 28), picture("b.png", 2, 40, 33));
        BatchPrediction p = BatchPrediction.run(c, files, List.of("fashion-mnist:5-9"), 2, 3);
        assertEquals(2 + 5 * 2, p.answers().size());
        for (int i = 0; i < 2; i++) {
            BatchPrediction.Answer a = p.answers().get(i);
            assertEquals(files.get(i).toString(), a.name());
            assertNull(a.trueClass());
            assertEquals(c.classify(files.get(i)).topK(3), a.top());
        }
        for (BatchPrediction.Answer a : p.answers().subList(2, 12)) {
            assertTrue(a.name().startsWith("fashion-mnist:5-9 #"), a.name());
            assertTrue(FashionMnist.CLASS_NAMES.subList(5, 10).contains(a.trueClass()), a.trueClass());
            assertEquals(3, a.top().size());
            assertTrue(a.top().get(0).probability() >= a.top().get(1).probability());
        }

        JsonObject json = Json.parseObject(p.toJson("m.c4j"), "test");
        assertEquals("m.c4j", json.get("model").getAsString());
        JsonArray preds = json.getAsJsonArray("predictions");
        assertEquals(12, preds.size());
        assertTrue(!preds.get(0).getAsJsonObject().has("true_class"));
        assertEquals(p.answers().get(5).trueClass(), preds.get(5).getAsJsonObject().get("true_class").getAsString());
        JsonObject top0 = preds.get(1).getAsJsonObject().getAsJsonArray("top").get(0).getAsJsonObject();
        Prediction best = p.answers().get(1).top().get(0);
        assertEquals(best.className(), top0.get("class").getAsString());
        assertEquals(best.label(), top0.get("label").getAsInt());
        assertEquals(best.probability(), top0.get("probability").getAsDouble());

        String[] lines = p.text().split(System.lineSeparator());
        assertEquals(12 * 4, lines.length);
        assertEquals(files.get(0) + ":", lines[0]);
        assertEquals(String.format(java.util.Locale.ROOT, "  %6.2f%%  %s", 100 * best.probability(),
                best.className()), lines[5]);
        assertTrue(lines[8].endsWith(" (" + p.answers().get(2).trueClass() + "):"), lines[8]);
    }

    @Test
    void aBadFileFailsTheCallNamingItBeforeAnyAnswer() throws Exception {
        Path good = picture("good.png", 3, 28, 28);
        Path bad = Files.writeString(dir.resolve("bad.png"), "not a picture");
        IOException e = assertThrows(IOException.class,
                () -> BatchPrediction.run(lenet(), List.of(good, bad), List.of(), null, 1));
        assertTrue(e.getMessage().contains("bad.png"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> BatchPrediction.run(lenet(), List.of(good), List.of(), null, 0));
    }

    @Test
    void answersMadeElsewherePrintTheSameWay() {
        Classifications c = new Classifications(new double[] {0.25, 0.75}, List.of("no", "yes"));
        BatchPrediction p = BatchPrediction.of(List.of(new BatchPrediction.Answer("x=a.png,y=b.png", null, c.topK(2))));
        assertEquals("x=a.png,y=b.png:" + System.lineSeparator() + "   75.00%  yes" + System.lineSeparator()
                + "   25.00%  no" + System.lineSeparator(), p.text());
    }
}
