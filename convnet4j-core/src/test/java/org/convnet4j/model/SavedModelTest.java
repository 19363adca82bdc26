package org.convnet4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** The one check that a model takes pictures, named after where the model came from (issue 14: five copies). */
class SavedModelTest {
    private final Sequential net = new Sequential(Shape.of(1, 1, 2), new Flatten().named("flat"),
            Dense.withoutBias(3).named("out"));

    @Test
    void aModelWithoutPreprocessingTakesNoPicturesAndSaysWhere() {
        SavedModel vectors = new SavedModel(net, null, "{}");
        IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
                () -> vectors.picturePreprocessing(Path.of("m.onnx")));
        assertEquals("m.onnx: the model does not take pictures (input [[1, 1, 2]])", named.getMessage());
        IllegalArgumentException unnamed = assertThrows(IllegalArgumentException.class, () -> vectors.classifier(null));
        assertEquals("the model does not take pictures (input [[1, 1, 2]])", unnamed.getMessage());
    }

    @Test
    void aPictureModelGivesItsPreprocessingAndAClassifier() {
        net.setClassNames(java.util.List.of("a", "b", "c"));
        Preprocessing p = new Preprocessing(1, 1, 2, 1f, null, null);
        SavedModel pictures = new SavedModel(net, p, "{}");
        assertSame(p, pictures.picturePreprocessing("m.c4j"));
        assertEquals(3, pictures.classifier("m.c4j").classify(org.convnet4j.tensor.Tensor.zeros(1, 1, 2)).ranked().size());
    }
}
