package org.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code infer} runs for a model with non-float inputs, as a library call: STRING inputs and outputs go through
 * .pb files (tools/fixtures/onnx_ml_strings_fixture.py's files; the values are ONNX Runtime's); a STRING output asked
 * for as .npy is one line and nothing is written.
 */
class ProgramInferenceTest {
    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        Path out = tmp.resolve(name.replace('/', '_'));
        try (InputStream in = ProgramInferenceTest.class.getResourceAsStream("/fixtures/onnx_ml_strings/" + name)) {
            assertTrue(in != null, "missing test resource " + name);
            Files.copy(in, out);
        }
        return out;
    }

    @Test
    void stringInputsAndOutputsGoThroughTensorProtoFiles() throws IOException {
        Path model = resource("one_hot_strings/model.onnx");
        OnnxModel.Model m = OnnxReader.readModel(model);
        Path out = tmp.resolve("out");
        List<ProgramInference.Written> w = ProgramInference.run(m, model.toString(),
                List.of(resource("one_hot_strings/input_0.pb")), out, "pb");
        assertEquals(out.resolve("output_0.pb") + " [12, 7] FLOAT", w.get(0).toString());
        TensorData y = OnnxReader.readTensor(out.resolve("output_0.pb"));
        var want = com.google.gson.JsonParser.parseString(Files.readString(resource("one_hot_strings/ort.json")))
                .getAsJsonArray().get(0).getAsJsonObject().getAsJsonArray("data");
        assertEquals(want.size(), y.floats().length);
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i).getAsFloat(), y.floats()[i], "value " + i);
        }

        Path label = resource("mlp_label_only/model.onnx");
        List<ProgramInference.Written> l = ProgramInference.run(OnnxReader.readModel(label), label.toString(),
                List.of(resource("mlp_label_only/input_0.pb")), tmp.resolve("labels"), "pb");
        assertEquals(8, l.get(0).dataType());
        TensorData names = OnnxReader.readTensor(l.get(0).file());
        assertEquals(List.of("top", "middle", "top", "top", "top", "bottom", "top", "bottom", "top", "top"),
                names.strings()); // ONNX Runtime's label output (ort.json)
        assertArrayEquals(new long[] {10}, names.dims());
    }

    @Test
    void aStringOutputAsNpyIsOneLineAndNothingIsWritten() throws IOException {
        Path label = resource("mlp_label_only/model.onnx");
        Path out = tmp.resolve("npy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProgramInference.run(
                OnnxReader.readModel(label), label.toString(), List.of(resource("mlp_label_only/input_0.pb")), out,
                "npy"));
        assertTrue(e.getMessage().startsWith(label.toString()) && e.getMessage().contains("'label' is a STRING tensor"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(out));
    }
}
