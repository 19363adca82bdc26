package org.convnet4j.io.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.convnet4j.io.keras.Fixtures;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoaderTest {
    @TempDir
    Path dir;

    @Test
    void kerasFileSurvivesTheRoundTripThroughAModelFile() throws IOException {
        SavedModel imported = ModelLoader.load(Fixtures.path("vgg16.h5"));
        // Keras VGG expects caffe-mode pictures: BGR, mean subtracted, no scaling
        assertTrue(imported.preprocessing().bgr());
        assertEquals(1f, imported.preprocessing().scale());
        assertEquals("keras_h5", org.convnet4j.internal.json.Json.parseObject(imported.description(), "description").getAsJsonObject("imported_from").get("format").getAsString());
        Path c4j = dir.resolve("vgg16.c4j");
        ModelFiles.save(imported.model(), c4j, imported.preprocessing());
        SavedModel again = ModelLoader.load(c4j);
        assertEquals(imported.preprocessing(), again.preprocessing());
        Tensor x = Fixtures.expected("vgg16").get("input");
        assertEquals(0.0, again.model().predict(x).maxAbsDiff(imported.model().predict(x)));
        Fixtures.assertMatches("vgg16", again.model());
    }

    @Test
    void torchStateDictGetsTorchvisionPreprocessing() throws IOException {
        SavedModel m = ModelLoader.load(Fixtures.path("torch_resnet18.safetensors"), null,
                org.convnet4j.tensor.Shape.of(3, 32, 32));
        assertEquals("resnet18", org.convnet4j.internal.json.Json.parseObject(m.description(), "description").getAsJsonObject("imported_from").get("zoo_architecture").getAsString());
        Preprocessing p = m.preprocessing();
        assertEquals(37, p.resizeShorter()); // 32 * 256 / 224, as 256 is to 224
        Fixtures.assertMatches("torch_resnet18", m.model());
    }

    @Test
    void officialFileNamesAreCheckedAgainstThePublishedMd5() throws IOException {
        Path renamed = dir.resolve("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5");
        java.nio.file.Files.copy(Fixtures.path("vgg16_notop.h5"), renamed);
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.convnet4j.checkpoint.FileFormatException.class,
                () -> ModelLoader.load(renamed));
        assertTrue(e.getMessage().contains("6d6bbae143d832006294945121d1f1fc"), e.getMessage());
        // under its own name the same file is not checked and loads
        assertEquals(false, PublishedChecksums.verify(Fixtures.path("vgg16_notop.h5")));
        // the digest itself, against a value computed by hand (md5 of "abc")
        Path abc = dir.resolve("abc");
        java.nio.file.Files.writeString(abc, "abc");
        assertEquals("900150983cd24fb0d6963f7d28e17f72", PublishedChecksums.md5(abc));
    }

    @Test
    void aPthFileInNeitherTorchFormatIsNamedAsSuch() throws IOException {
        Path junk = dir.resolve("blob-87744265.pth");
        byte[] b = new byte[4096];
        new java.util.Random(3).nextBytes(b);
        b[0] = 0x13; // neither 'P' (zip) nor 0x80 (pickle protocol)
        java.nio.file.Files.write(junk, b);
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.convnet4j.checkpoint.FileFormatException.class,
                () -> ModelLoader.load(junk));
        assertTrue(e.getMessage().startsWith(junk + ": not a PyTorch file: neither a zip archive"), e.getMessage());
        Path other = dir.resolve("blob.weights");
        java.nio.file.Files.write(other, b);
        var u = org.junit.jupiter.api.Assertions.assertThrows(org.convnet4j.checkpoint.FileFormatException.class,
                () -> ModelLoader.load(other));
        assertTrue(u.getMessage().contains("unknown model file type"), u.getMessage());
    }

    /**
     * An ONNX file's preprocessing is guessed and reported once: {@link ModelLoader#save} stores it in the .c4j and
     * records the choice, so reading the file again reports nothing (also a .c4j saved before, with the note as is).
     */
    @Test
    void thePreprocessingChosenForAnOnnxFileIsReportedOnceAndStored() throws IOException {
        org.convnet4j.nn.Model lenet = org.convnet4j.zoo.ModelZoo.build("lenet5",
                org.convnet4j.tensor.Shape.of(1, 28, 28), 10);
        Path onnx = dir.resolve("lenet5.onnx");
        org.convnet4j.io.onnx.OnnxExporter.export(lenet, onnx);
        SavedModel imported = ModelLoader.load(onnx);
        String chosen = ModelLoader.chosenPreprocessing(imported);
        assertTrue(chosen != null && chosen.startsWith("unit (pixels / 255"), String.valueOf(chosen));
        Path c4j = dir.resolve("lenet5.c4j");
        ModelLoader.save(imported, c4j);
        SavedModel again = ModelLoader.load(c4j);
        assertEquals(null, ModelLoader.chosenPreprocessing(again));
        assertEquals(imported.preprocessing(), again.preprocessing());
        com.google.gson.JsonObject from = org.convnet4j.internal.json.Json.parseObject(again.description(), "d")
                .getAsJsonObject("imported_from");
        assertEquals(chosen, from.get(ModelLoader.CHOSEN_AT_IMPORT).getAsString());
        assertEquals("onnx", from.get("format").getAsString());
        // through a reference (what the commands call), and with an option that replaces it: that is news again
        ModelLoader.Options o = new ModelLoader.Options(null, null, null, new Downloads(new Downloads.Config(
                dir.resolve("cache"), true, null, null, java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1),
                1)), WeightsCatalogue.builtIn(), Downloads.Progress.NONE);
        assertEquals(null, ModelLoader.chosenPreprocessing(ModelLoader.load(c4j.toString(), o)));
        assertEquals("--preprocessing none", ModelLoader.chosenPreprocessing(ModelLoader.load(c4j.toString(),
                o.withPreprocessing("none"))));
        // a .c4j written before the choice was recorded (the note kept as it was) is read silently too
        Path older = dir.resolve("older.c4j");
        com.google.gson.JsonObject d = org.convnet4j.internal.json.Json.parseObject(imported.description(), "d");
        ModelFiles.save(imported.model(), older, imported.preprocessing(), java.util.Map.of("imported_from",
                new org.convnet4j.model.RawJson(org.convnet4j.internal.json.Json.toCompact(d.get("imported_from")))));
        assertEquals(null, ModelLoader.chosenPreprocessing(ModelLoader.load(older)));
        assertEquals(imported.preprocessing(), ModelLoader.load(older).preprocessing());
    }

    /**
     * An ONNX model's own tensor names (the inputs fed at run time, the graph's outputs) are kept in the description's
     * imported_from, and a .c4j written from it keeps them: the model server names the tensors so.
     */
    @Test
    void onnxTensorNamesAreKeptThroughImportAndTheModelFile() throws IOException {
        SavedModel imported = ModelLoader.load(Path.of("src/test/resources/fixtures/second_stage_transfer/model.onnx"));
        com.google.gson.JsonObject from = org.convnet4j.internal.json.Json.parseObject(imported.description(), "d")
                .getAsJsonObject("imported_from");
        assertEquals("[\"x\"]", from.get("inputs").toString());
        assertEquals("[\"logits\"]", from.get("outputs").toString());
        Path c4j = dir.resolve("second.c4j");
        ModelLoader.save(imported, c4j);
        com.google.gson.JsonObject again = org.convnet4j.internal.json.Json.parseObject(ModelLoader.load(c4j).description(),
                "d").getAsJsonObject("imported_from");
        assertEquals(from.get("inputs"), again.get("inputs"));
        assertEquals(from.get("outputs"), again.get("outputs"));
    }
}
