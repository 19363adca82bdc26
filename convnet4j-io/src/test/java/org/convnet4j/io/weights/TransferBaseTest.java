package org.convnet4j.io.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.RawJson;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.transfer.FeatureStatistics;
import org.convnet4j.zoo.ModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TransferBase}: what {@code transfer --base} and {@code advise --base} take, as a library call. */
class TransferBaseTest {
    private static final ModelLoader.Options OPTIONS = options();

    private static ModelLoader.Options options() {
        try {
            return ModelLoader.Options.defaults();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aZooNameIsARandomBaseWithTheDefaultPreprocessing() {
        TransferBase b = TransferBase.load("lenet5", OPTIONS);
        assertFalse(b.pretrained());
        assertEquals("{}", b.description());
        assertNull(b.featureStatistics());
        assertNull(b.chosenPreprocessing());
        assertEquals(ModelFiles.defaultPreprocessing(b.model()), b.preprocessing());
        assertEquals(Shape.of(1, 28, 28), b.preprocessing().outputShape());
        assertNotSame(b.model(), b.copy());
        assertEquals(b.model().layers().size(), b.copy().layers().size());
    }

    @Test
    void aSavedFileKeepsItsWeightsPreprocessingAndStatistics(@TempDir Path dir) throws Exception {
        Model m = ModelZoo.build("lenet5", null, 0);
        m.initialize(7);
        Preprocessing prep = Preprocessing.forInput(Shape.of(1, 28, 28));
        FeatureStatistics stats = FeatureStatistics.ofRows("pixels", new float[] {0, 1, 2, 3}, 2, new int[] {0, 1});
        Path file = dir.resolve("base.c4j");
        ModelFiles.save(m, file, prep, Map.of(FeatureStatistics.INPUT_KEY, new RawJson(stats.toJson())));

        TransferBase b = TransferBase.load(file.toString(), OPTIONS);
        assertTrue(b.pretrained());
        assertEquals(file.toString(), b.reference());
        assertEquals(prep, b.preprocessing());
        assertNull(b.chosenPreprocessing()); // the file says how its pictures are prepared
        assertEquals(stats.toJson(), b.featureStatistics().toJson());
        Tensor x = Tensor.randn(new java.util.Random(1), 1f, 2, 1, 28, 28);
        assertEquals(0.0, b.model().predict(x).maxAbsDiff(m.predict(x)));
    }

    @Test
    void refusalsStartWithTheReference(@TempDir Path dir) throws Exception {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> TransferBase.load("no-such-base", OPTIONS));
        assertTrue(unknown.getMessage().startsWith("no-such-base: neither a model file nor a zoo model (zoo: "),
                unknown.getMessage());
        assertTrue(unknown.getMessage().contains("lenet5"), unknown.getMessage());

        IllegalArgumentException prep = assertThrows(IllegalArgumentException.class,
                () -> TransferBase.load("lenet5", OPTIONS.withPreprocessing("none")));
        assertTrue(prep.getMessage().startsWith("lenet5: a preprocessing applies to a model file"), prep.getMessage());

        Path junk = dir.resolve("junk.c4j");
        Files.writeString(junk, "not a model");
        IllegalArgumentException unreadable = assertThrows(IllegalArgumentException.class,
                () -> TransferBase.load(junk.toString(), OPTIONS));
        assertTrue(unreadable.getMessage().startsWith(junk + ": cannot read the base model: "), unreadable.getMessage());
    }
}
