package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * STRING tensors on the typed path, in sklearn-onnx's layouts (tools/fixtures/onnx_ml_strings_fixture.py): a
 * OneHotEncoder with cats_strings on string columns (alone and before a LinearClassifier), LabelEncoder with string
 * keys (ai.onnx.ml 2 keys_strings, 4 keys_tensor) on a STRING input, a STRING initializer gathered by index, and the
 * MLPClassifier's label path as a file's only output. Each output equals ONNX Runtime's (ort.json) and the operators'
 * definition written out (expected.json): strings and integers exactly, floats within 1e-6. Strings into any other
 * operator are one line naming the node.
 */
class OnnxMlStringsTest {
    private static final String DIR = "/fixtures/onnx_ml_strings/";

    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        Path out = tmp.resolve(name.replace('/', '_'));
        try (InputStream in = OnnxMlStringsTest.class.getResourceAsStream(DIR + name)) {
            assertTrue(in != null, "missing test resource " + DIR + name);
            Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"one_hot_strings", "one_hot_classifier", "label_encoder_v4", "label_encoder_v2",
        "string_constant", "mlp_label_only", "argmax_label_encoder"})
    void givesOnnxRuntimesAndTheDefinitionsOutputs(String c) throws Exception {
        Path file = resource(c + "/model.onnx");
        OnnxProgram p = OnnxImporter.importProgram(OnnxReader.readModel(file), file.toString());
        List<TensorData> got = p.run(List.of(OnnxReader.readTensor(resource(c + "/input_0.pb"))));
        for (String reference : List.of("ort.json", "expected.json")) {
            var want = JsonParser.parseString(Files.readString(resource(c + "/" + reference))).getAsJsonArray();
            assertEquals(want.size(), got.size(), c + ": outputs");
            for (int k = 0; k < got.size(); k++) {
                var o = want.get(k).getAsJsonObject();
                TensorData y = got.get(k);
                String what = c + " " + reference + " output " + o.get("name").getAsString();
                assertEquals(o.get("name").getAsString(), p.outputNames().get(k), what);
                List<JsonElement> data = new ArrayList<>();
                o.getAsJsonArray("data").forEach(data::add);
                assertEquals(data.size(), y.elementCount(), what + ": values");
                if (o.has("dims")) {
                    long[] dims = new long[o.getAsJsonArray("dims").size()];
                    for (int i = 0; i < dims.length; i++) {
                        dims[i] = o.getAsJsonArray("dims").get(i).getAsLong();
                    }
                    assertArrayEquals(dims, y.dims(), what + ": shape");
                }
                for (int i = 0; i < data.size(); i++) {
                    JsonElement w = data.get(i);
                    if (w.getAsJsonPrimitive().isString()) {
                        assertTrue(y.isString(), what + ": a STRING tensor");
                        assertEquals(w.getAsString(), y.strings().get(i), what + ", value " + i);
                    } else if (y.isInteger()) {
                        assertEquals(w.getAsLong(), y.longs()[i], what + ", value " + i);
                    } else {
                        assertEquals(w.getAsDouble(), y.value(i), 1e-6, what + ", value " + i);
                    }
                }
            }
        }
    }

    @Test
    void stringsIntoArithmeticAreOneLineNamingTheNode() throws Exception {
        Path file = resource("bad_string_add/model.onnx");
        var m = OnnxReader.readModel(file);
        Exception e = assertThrows(UnsupportedOnnxException.class, () -> OnnxImporter.importProgram(m, file.toString()));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("Add node") && e.getMessage().contains("string"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aOneHotEncoderWithStringAndIntegerCategoriesIsOneLine() throws Exception {
        Path file = resource("bad_one_hot_both_categories/model.onnx");
        var m = OnnxReader.readModel(file);
        Exception e = assertThrows(RuntimeException.class, () -> OnnxImporter.importProgram(m, file.toString()));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("cats_strings"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aStringInputGivenNumbersIsRefusedNamingTheInput() throws Exception {
        Path file = resource("label_encoder_v2/model.onnx");
        OnnxProgram p = OnnxImporter.importProgram(OnnxReader.readModel(file), file.toString());
        TensorData numbers = new TensorData("input", OnnxModel.FLOAT, new long[] {2}, new float[] {1, 2}, null);
        Exception e = assertThrows(IllegalArgumentException.class, () -> p.run(List.of(numbers)));
        assertTrue(e.getMessage().contains("'input'") && e.getMessage().contains("STRING"), e.getMessage());
    }
}
