package org.convnet4j.model;

import org.convnet4j.internal.json.Json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.checkpoint.CheckpointMismatchException;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
    @TempDir
    Path dir;

    @Test
    void savedModelLoadsAloneAndComputesTheSameOutputs() throws Exception {
        Model lenet = ModelZoo.build("lenet5", null, 10).initialize(7);
        lenet.setClassNames(FashionMnist.CLASS_NAMES);
        Path file = dir.resolve("lenet.c4j");
        ModelFiles.save(lenet, file, Preprocessing.forInput(Shape.of(1, 28, 28)),
                Map.of("note", "test accuracy 0.9", "raw", new RawJson("{\"k\": [1, 2]}")));

        SavedModel saved = ModelFiles.read(file);
        Tensor x = Tensor.randn(new Random(3), 1, 4, 1, 28, 28);
        // same architecture and weights: bit-identical outputs
        assertEquals(0f, lenet.predict(x).maxAbsDiff(saved.model().predict(x)));
        assertEquals(FashionMnist.CLASS_NAMES, saved.model().classNames());
        assertEquals(Preprocessing.forInput(Shape.of(1, 28, 28)), saved.preprocessing());
        JsonObject described = Json.parseObject(saved.description(), "description");
        assertEquals("test accuracy 0.9", described.get("note").getAsString());
        assertEquals(2, described.getAsJsonObject("raw").getAsJsonArray("k").get(1).getAsInt());
        // a freshly initialised twin differs, so the equality above is the weights' doing
        Model other = ModelZoo.build("lenet5", null, 10).initialize(8);
        assertTrue(lenet.predict(x).maxAbsDiff(other.predict(x)) > 0);
    }

    @Test
    void anotherArchitectureWithTheSameWeightShapesIsRefused() throws Exception {
        // ReLU/max and sigmoid/average LeNet-5 have identical weight names and shapes
        Model classic = ModelZoo.build("lenet5-classic", null, 10);
        Path file = dir.resolve("classic.c4j");
        ModelFiles.save(classic, file);
        Checkpoint c = Checkpoint.load(file);
        Model modern = ModelZoo.build("lenet5", null, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.requireSameArchitecture(c, modern, file.toString()));
        assertTrue(e.getMessage().contains("different architecture") && e.getMessage().contains("Sigmoid")
                && e.getMessage().contains("ReLU"), e.getMessage());
        ModelFiles.requireSameArchitecture(c, ModelZoo.build("lenet5-classic", null, 10), file.toString());
    }

    @Test
    void weightsThatDoNotFitTheArchitectureAreRefused() throws Exception {
        Model lenet = ModelZoo.build("lenet5", null, 10);
        String d = ModelFiles.describe(lenet, null);
        Map<String, Tensor> weights = new java.util.LinkedHashMap<>(lenet.stateDict());
        weights.put("predictions.kernel", Tensor.zeros(3, 84)); // a 3-class head under a 10-class architecture
        Path file = dir.resolve("bad.c4j");
        Checkpoint.save(file, new Checkpoint(weights, Map.of(), d));
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> ModelFiles.load(file));
        assertTrue(e.getMessage().contains("predictions.kernel"), e.getMessage());
    }

    @Test
    void weightsWithoutArchitectureSaySo() throws Exception {
        Model lenet = ModelZoo.build("lenet5", null, 10);
        Path file = dir.resolve("weights.c4j");
        Checkpoint.save(file, new Checkpoint(lenet.stateDict(), Map.of(), "{}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(file));
        assertTrue(e.getMessage().contains("no architecture"), e.getMessage());
    }

    /**
     * A file whose weights hold a NaN or an infinity, its checksums matching (made by hand, or by a run before the
     * save-side check): the old code loaded it, and LeNet's ReLU turned the NaN into plausible 50%/50% predictions.
     */
    @Test
    void weightsThatAreNotFiniteAreRefused() throws Exception {
        for (float bad : new float[] {Float.NaN, Float.NEGATIVE_INFINITY}) {
            Model lenet = ModelZoo.build("lenet5", null, 10).initialize(7);
            String name = lenet.stateDict().keySet().iterator().next();
            lenet.stateDict().get(name).data()[3] = bad;
            Path file = dir.resolve("broken.c4j");
            ModelFiles.save(lenet, file);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(file));
            assertTrue(e.getMessage().startsWith(file + ": its weights are not finite: " + name + " (1 of "),
                    e.getMessage());
        }
    }

    @Test
    void corruptedFileIsRefused() throws Exception {
        Path file = dir.resolve("lenet.c4j");
        ModelFiles.save(ModelZoo.build("lenet5", null, 10), file);
        byte[] b = Files.readAllBytes(file);
        b[b.length - 10] ^= 0x40; // a weight byte
        Files.write(file, b);
        FileFormatException e = assertThrows(FileFormatException.class, () -> ModelFiles.load(file));
        assertTrue(e.getMessage().contains("corrupted"), e.getMessage());
    }

    @Test
    void preprocessingTurnsAnyPictureIntoTheModelInput() {
        Preprocessing p = Preprocessing.forInput(Shape.of(1, 4, 4));
        Tensor rgb = Tensor.zeros(3, 8, 8);
        java.util.Arrays.fill(rgb.data(), 255f); // white
        Tensor x = p.apply(rgb);
        assertArrayEquals(new int[] {1, 4, 4}, x.shape().dims());
        for (float v : x.data()) {
            assertEquals(1f, v, 1e-5f); // white is 1 after scaling by 1/255
        }
        Preprocessing n = new Preprocessing(3, 2, 2, 1f, new float[] {10, 20, 30}, new float[] {2, 4, 5});
        Tensor grey = Tensor.zeros(1, 2, 2);
        java.util.Arrays.fill(grey.data(), 50f);
        Tensor y = n.apply(grey); // replicated to RGB, then (50 - mean) / std per channel
        assertEquals(20f, y.get(0, 0, 0), 1e-5f);
        assertEquals(7.5f, y.get(1, 1, 1), 1e-5f);
        assertEquals(4f, y.get(2, 0, 1), 1e-5f);
        assertEquals(n, Preprocessing.fromJson(n.toJson(), "test"));
    }

    @Test
    void classifierRanksClassesBySoftmaxOfTheLogits() {
        // input 1x1x2, logits = W x with hand-set weights, so the probabilities can be computed by hand
        Sequential net = new Sequential(Shape.of(1, 1, 2), new Flatten().named("flat"), Dense.withoutBias(3).named("out"));
        float[] w = net.namedParameters().get("out.kernel").value().data(); // [3 units, 2 inputs]
        assertEquals(6, w.length);
        System.arraycopy(new float[] {1, 0, 0, 2, -1, 0}, 0, w, 0, 6);
        net.setClassNames(List.of("left", "middle", "right"));
        ImageClassifier c = new ImageClassifier(net, new Preprocessing(1, 1, 2, 1f, null, null));
        // picture (3, 1): logits (3*1 + 1*0, 3*0 + 1*2, 3*-1 + 1*0) = (3, 2, -3)
        List<Prediction> top = c.predict(Tensor.wrap(new float[] {3, 1}, 1, 1, 2), 5);
        double z = Math.exp(3) + Math.exp(2) + Math.exp(-3);
        assertEquals(3, top.size());
        assertEquals("left", top.get(0).className());
        assertEquals(Math.exp(3) / z, top.get(0).probability(), 1e-6);
        assertEquals("middle", top.get(1).className());
        assertEquals(Math.exp(2) / z, top.get(1).probability(), 1e-6);
        assertEquals(2, top.get(2).label());
        assertEquals(Math.exp(-3) / z, top.get(2).probability(), 1e-6);
        assertEquals(1, c.predict(Tensor.wrap(new float[] {3, 1}, 1, 1, 2), 1).size());
    }
}
