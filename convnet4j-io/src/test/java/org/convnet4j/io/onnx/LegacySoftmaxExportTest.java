package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Softmax and LogSoftmax of opsets before 13 take every axis from {@code axis} on together (the input flattened to 2-D
 * there); opset 13's take one. Such a layer was refused by the export ("softmax over several axes"), also when the
 * axes it takes were one (the last): 8 cases of the pytorch-converted suite. Now one axis is written as Softmax, and
 * several as Reshape (the axes into one), Softmax, Reshape back. Fixture from tools/fixtures/legacy_softmax_fixture.py:
 * an opset 11 file with Softmax(axis=1) then LogSoftmax(axis=2) on [2, 3, 4, 5], and PyTorch's output; imported,
 * exported and imported again, both runs give PyTorch's values.
 */
class LegacySoftmaxExportTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/legacy_softmax");

    @TempDir
    Path dir;

    @Test
    void severalAxesAreExportedAsOneAndGivePyTorchsValuesAfterTheRoundTrip() throws Exception {
        Tensor x = OnnxReader.readTensor(DIR.resolve("test_data_set_0/input_0.pb")).toTensor();
        Tensor want = OnnxReader.readTensor(DIR.resolve("test_data_set_0/output_0.pb")).toTensor();
        Model imported = ModelLoader.load(DIR.resolve("model.onnx")).model();
        assertTrue(want.maxAbsDiff(imported.predict(x)) < 2e-6, "as imported: " + want.maxAbsDiff(imported.predict(x)));

        Path exported = dir.resolve("exported.onnx");
        OnnxExporter.export(imported, exported);
        OnnxModel.Model file = OnnxReader.readModel(exported);
        List<String> ops = file.graph().nodes().stream().map(OnnxModel.Node::opType).toList();
        assertEquals(List.of("Reshape", "Softmax", "Reshape", "Reshape", "LogSoftmax", "Reshape"), ops);
        Model back = ModelLoader.load(exported).model();
        assertTrue(want.maxAbsDiff(back.predict(x)) < 2e-6, "after the round trip: " + want.maxAbsDiff(back.predict(x)));
    }
}
