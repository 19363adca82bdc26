package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer} from the command line on the ONNX-ML string models of tools/fixtures/onnx_ml_strings_fixture.py: STRING
 * inputs (a OneHotEncoder, a LabelEncoder) and STRING outputs after float inputs (an MLP's label, class names given to
 * an ArgMax by a LabelEncoder); every output written as .pb equals ONNX Runtime's (ort.json, written by the
 * generator). Before, a model with float inputs and a STRING output went the float route and was refused ("output
 * 'label' must be a float tensor ...; it is STRING").
 */
class InferStringsCliTest {
    private static final Path FIXTURES = Path.of("../convnet4j-io/src/test/resources/fixtures/onnx_ml_strings");

    @TempDir
    Path dir;

    /** {@code infer} on the case's model and input_0.pb; asserts exit 0 and returns the "wrote" lines. */
    private List<String> infer(String name, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("infer", "--model", FIXTURES.resolve(name + "/model.onnx").toString(),
                "--input", FIXTURES.resolve(name + "/input_0.pb").toString(), "-o", out.toString()));
        args.addAll(List.of(more));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), name + ": " + r.err());
        assertEquals("", r.err().strip(), name);
        return r.out().strip().lines().toList();
    }

    /** Output {@code i} of the case as ONNX Runtime gave it. */
    private static JsonObject ort(String name, int i) throws Exception {
        JsonArray all = JsonParser.parseString(Files.readString(FIXTURES.resolve(name + "/ort.json"))).getAsJsonArray();
        return all.get(i).getAsJsonObject();
    }

    private static long[] dims(JsonObject o) {
        return o.getAsJsonArray("dims").asList().stream().mapToLong(e -> e.getAsLong()).toArray();
    }

    @Test
    void stringOutputsAfterFloatInputsAreWrittenAsOnnxRuntimeGivesThem() throws Exception {
        for (String name : List.of("mlp_label_only", "argmax_label_encoder")) {
            Path out = dir.resolve(name);
            List<String> wrote = infer(name, out);
            JsonObject want = ort(name, 0);
            assertEquals(List.of("wrote " + out.resolve("output_0.pb") + " " + java.util.Arrays.toString(dims(want))
                    + " STRING"), wrote, name);
            TensorData y = OnnxReader.readTensor(out.resolve("output_0.pb"));
            assertTrue(y.isString(), name);
            assertArrayEquals(dims(want), y.dims(), name);
            assertEquals(want.getAsJsonArray("data").asList().stream().map(e -> e.getAsString()).toList(), y.strings(),
                    name);
        }
        // .npy holds numbers only: one line naming the output, exit 2, nothing written
        Path npy = dir.resolve("npy");
        CliRun r = CliRun.of("infer", "--model", FIXTURES.resolve("mlp_label_only/model.onnx").toString(), "--input",
                FIXTURES.resolve("mlp_label_only/input_0.pb").toString(), "-o", npy.toString(), "--format", "npy");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("output 0 'label' is a STRING tensor"), r.err());
        assertFalse(Files.exists(npy));
    }

    @Test
    void stringInputsGiveOnnxRuntimesNumbers() throws Exception {
        // OneHotEncoder over string categories (FLOAT out), LabelEncoder from strings to integers (INT64 out)
        for (String name : List.of("one_hot_strings", "label_encoder_v2")) {
            Path out = dir.resolve(name);
            List<String> wrote = infer(name, out, "--format", "npy");
            JsonObject want = ort(name, 0);
            assertEquals(1, wrote.size(), wrote.toString());
            assertTrue(wrote.get(0).startsWith("wrote " + out.resolve("output_0.npy") + " "
                    + java.util.Arrays.toString(dims(want))), wrote.toString());
            TensorData y = org.convnet4j.io.OnnxInputs.read(out.resolve("output_0.npy"));
            assertArrayEquals(dims(want), y.dims(), name);
            JsonArray data = want.getAsJsonArray("data");
            for (int i = 0; i < data.size(); i++) {
                double got = y.longs() != null ? y.longs()[i] : y.floats()[i];
                assertEquals(data.get(i).getAsDouble(), got, 0.0, name + " value " + i);
            }
        }
    }
}
