package org.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STRING tensors in JSON tensor files ({@code "datatype": "BYTES"}, the v2 protocol's name, JSON strings as values):
 * read exactly (escapes, any Unicode, data flat or nested as the shape, the datatype before or after the data), run
 * through {@link ProgramInference} on the ONNX-ML string models of tools/fixtures/onnx_ml_strings_fixture.py with every
 * output equal to ONNX Runtime's (ort.json), and refused in one line naming the file otherwise.
 */
class JsonStringTensorsTest {
    /** The fixtures whose input is a STRING tensor. */
    static final List<String> STRING_INPUT_CASES = List.of("one_hot_strings", "one_hot_classifier", "label_encoder_v2",
            "label_encoder_v4");

    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        Path out = tmp.resolve(name.replace('/', '_'));
        if (!Files.exists(out)) {
            try (InputStream in = JsonStringTensorsTest.class.getResourceAsStream("/fixtures/onnx_ml_strings/" + name)) {
                assertTrue(in != null, "missing test resource " + name);
                Files.copy(in, out);
            }
        }
        return out;
    }

    /**
     * {@code t}'s strings as a JSON tensor file: data nested as the shape when {@code nested}, else flat; the datatype
     * after the data when {@code datatypeLast}.
     */
    static String json(TensorData t, boolean nested, boolean datatypeLast) {
        JsonArray shape = new JsonArray();
        for (long d : t.dims()) {
            shape.add(d);
        }
        JsonArray flat = new JsonArray();
        t.strings().forEach(flat::add);
        JsonElement data = flat;
        if (nested && t.dims().length == 2) {
            JsonArray rows = new JsonArray();
            int cols = (int) t.dims()[1];
            for (int r = 0; r < t.dims()[0]; r++) {
                JsonArray row = new JsonArray();
                for (int c = 0; c < cols; c++) {
                    row.add(t.strings().get(r * cols + c));
                }
                rows.add(row);
            }
            data = rows;
        }
        JsonObject o = new JsonObject();
        o.add("shape", shape);
        if (!datatypeLast) {
            o.add("datatype", new JsonPrimitive("BYTES"));
        }
        o.add("data", data);
        if (datatypeLast) {
            o.add("datatype", new JsonPrimitive("BYTES"));
        }
        return o.toString();
    }

    /** Every output of {@code files} (as ProgramInference wrote them) equals ONNX Runtime's in the case's ort.json. */
    static void assertOnnxRuntimes(JsonArray ort, List<Path> files, String name) throws IOException {
        assertEquals(ort.size(), files.size(), name + ": outputs");
        for (int k = 0; k < ort.size(); k++) {
            JsonObject want = ort.get(k).getAsJsonObject();
            TensorData y = OnnxReader.readTensor(files.get(k));
            long[] dims = want.getAsJsonArray("dims").asList().stream().mapToLong(JsonElement::getAsLong).toArray();
            assertArrayEquals(dims, y.dims(), name + " output " + k);
            JsonArray data = want.getAsJsonArray("data");
            if (y.isString()) {
                assertEquals(data.asList().stream().map(JsonElement::getAsString).toList(), y.strings(), name);
                continue;
            }
            for (int i = 0; i < data.size(); i++) {
                assertEquals(data.get(i).getAsDouble(), y.value(i), 1e-6, name + " output " + k + " value " + i);
            }
        }
    }

    @Test
    void stringInputsFromJsonGiveOnnxRuntimesOutputs() throws IOException {
        int n = 0;
        for (String name : STRING_INPUT_CASES) {
            TensorData pb = OnnxReader.readTensor(resource(name + "/input_0.pb"));
            assertTrue(pb.isString(), name);
            Path in = tmp.resolve(name + ".json");
            Files.writeString(in, json(pb, n % 2 == 0, n % 3 == 1));
            TensorData read = OnnxInputs.read(in);
            assertEquals(OnnxModel.STRING, read.dataType());
            assertArrayEquals(pb.dims(), read.dims(), name);
            assertEquals(pb.strings(), read.strings(), name);
            Path model = resource(name + "/model.onnx");
            List<ProgramInference.Written> w = ProgramInference.run(OnnxReader.readModel(model), model.toString(),
                    List.of(in), tmp.resolve("out-" + name), "pb");
            JsonArray ort = JsonParser.parseString(Files.readString(resource(name + "/ort.json"))).getAsJsonArray();
            assertOnnxRuntimes(ort, w.stream().map(ProgramInference.Written::file).toList(), name);
            n++;
        }
    }

    @Test
    void escapesAndAnyUnicodeAreReadExactly() throws IOException {
        Path f = tmp.resolve("s.json");
        Files.writeString(f, "{\"datatype\": \"BYTES\", \"shape\": [2, 3], \"data\": [[\"\", \"caf\\u00e9\","
                + " \"\u00fcber\"], [\"a\\\"b\\\\c\\n\", \"\\ud83d\\ude00\", \"\u6f22\u5b57\"]]}");
        TensorData t = OnnxInputs.read(f);
        assertEquals(List.of("", "caf\u00e9", "\u00fcber", "a\"b\\c\n", "\ud83d\ude00", "\u6f22\u5b57"), t.strings());
        assertArrayEquals(new long[] {2, 3}, t.dims());
        TensorData one = read("{\"shape\": [], \"datatype\": \"BYTES\", \"data\": \"x\"}");
        assertEquals(List.of("x"), one.strings());
    }

    private TensorData read(String text) throws IOException {
        Path f = tmp.resolve("t.json");
        Files.writeString(f, text);
        return OnnxInputs.read(f);
    }

    /** Refused in one line that starts with the file and holds {@code part}. */
    private void refused(String text, String part) {
        Path f = tmp.resolve("t.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(text));
        assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains(part), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void badStringTensorsAreOneLineNamingTheFile() throws IOException {
        refused("{\"shape\": [2], \"datatype\": \"BYTES\", \"data\": [\"a\", 1]}",
                "BYTES data holds a number where strings are expected");
        refused("{\"shape\": [2], \"data\": [\"a\", true], \"datatype\": \"BYTES\"}",
                "BYTES data holds a boolean where strings are expected"); // the datatype after the data
        refused("{\"shape\": [2], \"datatype\": \"BYTES\", \"data\": [\"a\", null]}", "data holds null where strings");
        refused("{\"shape\": [2], \"datatype\": \"FP32\", \"data\": [1, \"a\"]}", "data holds a string where numbers");
        refused("{\"shape\": [2], \"data\": [1, \"a\"], \"datatype\": \"INT64\"}", "data holds a string where numbers");
        refused("{\"shape\": [1], \"datatype\": \"STRING\", \"data\": [\"a\"]}", "not one of FP32, FP64, INT64, INT32,"
                + " INT16, INT8, UINT8, BOOL, BYTES (BYTES holds strings)");
        refused("{\"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"\\ud800x\"]}", "lone surrogate (\\ud800)");
        refused("{\"shape\": [1], \"datatype\": \"BYTES\", \"data\": " + "[".repeat(40) + "\"a\"" + "]".repeat(40) + "}",
                "data is nested more deeply than 32 arrays");
        refused("{\"shape\": [2, 2], \"datatype\": \"BYTES\", \"data\": [[\"a\", \"b\"], [\"c\"]]}", "needs 4 values, data has 3");
        refused("{\"shape\": [3], \"datatype\": \"BYTES\", \"data\": [\"a\", \"b\"]}", "needs 3 values, data has 2");
        // a STRING file for an integer input, and numbers for a STRING input: the input's kind, in one line
        OnnxModel.Model m = OnnxReader.readModel(resource("label_encoder_v2/model.onnx"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxInputs.conform(
                read("{\"shape\": [6], \"datatype\": \"INT64\", \"data\": [1, 2, 3, 4, 5, 6]}"), OnnxInputs.declared(m)
                        .get(0), "t.json"));
        assertEquals("t.json: input 'input' is STRING, the file holds INT64 values", e.getMessage());
        // a float model's input: one line, not a tensor of no values
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> OnnxInputs.floatInputs(
                List.of(writeJson("{\"shape\": [1, 1], \"datatype\": \"BYTES\", \"data\": [\"a\"]}")),
                List.of(org.convnet4j.tensor.Shape.of(1))));
        assertTrue(f.getMessage().endsWith("the file holds STRING values; the model's input takes numbers"),
                f.getMessage());
    }

    private Path writeJson(String text) throws IOException {
        Path f = tmp.resolve("f.json");
        Files.writeString(f, text);
        return f;
    }

    /** Strings are budgeted after the first pass (64 bytes each besides the file's 8 a byte), before any is kept. */
    @Test
    void manyStringsAreBudgetedBeforeTheyAreKept() throws IOException {
        int n = 20_000;
        Path f = tmp.resolve("many.json");
        Files.writeString(f, "{\"shape\": [" + n + "], \"datatype\": \"BYTES\", \"data\": [\"\"" + ",\"\"".repeat(n - 1)
                + "]}");
        long size = Files.size(f);
        long need = JsonTensorFile.BYTES_PER_CHARACTER * size + (long) JsonTensorFile.BYTES_PER_STRING * n;
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, Long.toString(need - 1))) {
            MemoryBudget.TooLargeException e = assertThrows(MemoryBudget.TooLargeException.class, () -> OnnxInputs.read(f));
            assertTrue(e.getMessage().startsWith(f + ": a JSON tensor of " + size + " bytes holding " + n + " strings"
                    + " needs"), e.getMessage());
        }
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, Long.toString(need))) {
            assertEquals(n, OnnxInputs.read(f).strings().size());
        }
    }
}
