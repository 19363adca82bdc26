package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer} with a {@code .json} input holding strings ({@code "datatype": "BYTES"}) on the ONNX-ML models with a
 * STRING input (tools/fixtures/onnx_ml_strings_fixture.py): every output equals ONNX Runtime's (ort.json). Bad JSON
 * (a number among the strings, data nested too deeply, more strings than the memory budget allows) is one line naming
 * the file, exit 2, nothing written. Before, every such file was refused ("data holds a string where numbers are
 * expected", or the datatype BYTES "is not one of ...").
 */
class InferJsonStringsCliTest {
    private static final Path FIXTURES = Path.of("../convnet4j-io/src/test/resources/fixtures/onnx_ml_strings");

    @TempDir
    Path dir;

    private static String model(String name) {
        return FIXTURES.resolve(name + "/model.onnx").toString();
    }

    @Test
    void stringsFromJsonGiveOnnxRuntimesOutputs() throws Exception {
        for (String name : List.of("one_hot_classifier", "label_encoder_v4")) {
            TensorData pb = OnnxReader.readTensor(FIXTURES.resolve(name + "/input_0.pb"));
            JsonArray data = new JsonArray();
            pb.strings().forEach(data::add);
            JsonObject o = new JsonObject();
            o.add("data", data); // the datatype after the data
            o.add("shape", JsonParser.parseString(java.util.Arrays.toString(pb.dims())));
            o.addProperty("datatype", "BYTES");
            Path in = Files.writeString(dir.resolve(name + ".json"), o.toString());
            Path out = dir.resolve("out-" + name);
            CliRun r = CliRun.of("infer", "--model", model(name), "--input", in.toString(), "-o", out.toString());
            assertEquals(0, r.exitCode(), name + ": " + r.err());
            assertEquals("", r.err().strip(), name);
            JsonArray ort = JsonParser.parseString(Files.readString(FIXTURES.resolve(name + "/ort.json"))).getAsJsonArray();
            assertEquals(ort.size(), r.out().strip().lines().count(), r.out());
            for (int k = 0; k < ort.size(); k++) {
                JsonObject want = ort.get(k).getAsJsonObject();
                TensorData y = OnnxReader.readTensor(out.resolve("output_" + k + ".pb"));
                assertArrayEquals(want.getAsJsonArray("dims").asList().stream().mapToLong(JsonElement::getAsLong)
                        .toArray(), y.dims(), name + " output " + k);
                JsonArray values = want.getAsJsonArray("data");
                if (y.isString()) {
                    assertEquals(values.asList().stream().map(JsonElement::getAsString).toList(), y.strings(), name);
                    continue;
                }
                for (int i = 0; i < values.size(); i++) {
                    assertEquals(values.get(i).getAsDouble(), y.value(i), 1e-6, name + " output " + k + " value " + i);
                }
            }
        }
    }

    /** {@code infer} on label_encoder_v2 (a STRING [N] input) with {@code json}: exit 2, one line holding {@code part}. */
    private void refused(String json, String part, String... more) throws Exception {
        Path in = Files.writeString(dir.resolve("bad.json"), json);
        Path out = dir.resolve("bad-out");
        List<String> args = new java.util.ArrayList<>(List.of("infer"));
        args.addAll(List.of(more));
        args.addAll(List.of("--model", model("label_encoder_v2"), "--input", in.toString(), "-o",
                out.toString()));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains(in + ": ") && r.err().contains(part), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void badJsonIsOneLineExitTwo() throws Exception {
        refused("{\"shape\": [2], \"datatype\": \"BYTES\", \"data\": [\"low\", 3]}",
                "BYTES data holds a number where strings are expected");
        refused("{\"shape\": [2], \"datatype\": \"INT64\", \"data\": [1, 3]}",
                "input 'input' is STRING, the file holds INT64 values");
        refused("{\"shape\": [1], \"datatype\": \"BYTES\", \"data\": " + "[".repeat(40) + "\"low\"" + "]".repeat(40)
                + "}", "data is nested more deeply than 32 arrays");
        int n = 20_000; // 8 bytes a byte of the file (480 KB) fit 1 MiB; with 64 bytes a string (1.3 MB more) not
        refused("{\"shape\": [" + n + "], \"datatype\": \"BYTES\", \"data\": [\"\"" + ",\"\"".repeat(n - 1) + "]}",
                "holding " + n + " strings needs", "--max-model-memory", "1m");
    }
}
