package org.convnet4j.io.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.zoo.ModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a model reference names, and what a loaded model is, as import, summary and transfer --base read them. */
class ModelReferenceTest {
    @Test
    void filesUrlsAndCatalogueNamesAreModelsZooNamesAreNot(@TempDir Path dir) throws IOException {
        Path onnx = Files.write(dir.resolve("resnet18"), new byte[1]); // a file wins over the zoo name it shares
        assertTrue(ModelLoader.isModelReference(onnx.toString()));
        assertTrue(ModelLoader.isModelReference(dir.resolve("missing.c4j").toString()), "its error: no such file");
        assertTrue(ModelLoader.isModelReference("https://example.org/m.onnx"));
        assertTrue(ModelLoader.isModelReference("resnet18:imagenet"));
        assertFalse(ModelLoader.isModelReference("resnet18"));
        assertFalse(ModelLoader.isModelReference(dir.resolve("missing.onnx").toString()));
        assertFalse(ModelLoader.isModelReference("lenet5\0"), "not a path: a name, refused by the zoo");
    }

    @Test
    void theArchitectureIsTheZooOneWeightsWereReadIntoElseTheModelsName() {
        Model m = ModelZoo.build("lenet5", null, 0);
        Preprocessing p = Preprocessing.forInput(m.inputShapes().get(0));
        assertEquals("resnet-like", ModelLoader.architecture(new SavedModel(m, p,
                "{\"imported_from\": {\"file\": \"w.pth\", \"zoo_architecture\": \"resnet-like\"}}")));
        assertEquals(m.name(), ModelLoader.architecture(new SavedModel(m, p, "{\"imported_from\": {\"file\": \"m.onnx\"}}")));
        assertEquals(m.name(), ModelLoader.architecture(new SavedModel(m, p, "{}")));
    }
}
