package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.io.Npy;
import org.convnet4j.io.OnnxInputs;
import org.convnet4j.io.onnx.OnnxImporter;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer} on ONNX models whose inputs are integer (an INT64 index input into an embedding table; an INT32 index
 * input beside a float one, into Gather, with an INT64 output), from {@code .pb}, {@code .npy} and {@code .json} files, against the outputs
 * PyTorch computed on the same weights ({@code tools/fixtures/integer_inputs.py}); and the one-line refusals.
 */
class InferIntegerInputsTest {
    @TempDir
    Path dir;

    private static final String ROOT = "/fixtures/integer_inputs/";

    /** The case's files copied out of the class path (they may be inside a jar). */
    private Path fixture(String name, int inputs, int outputs) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        List<String> files = new ArrayList<>(List.of("model.onnx"));
        for (int i = 0; i < inputs; i++) {
            files.add("test_data_set_0/input_" + i + ".pb");
            files.add("test_data_set_0/input_" + i + ".npy");
            files.add("test_data_set_0/input_" + i + ".json");
        }
        for (int i = 0; i < outputs; i++) {
            files.add("test_data_set_0/output_" + i + ".pb");
            files.add("test_data_set_0/output_" + i + ".npy");
        }
        for (String f : files) {
            Path to = d.resolve(f);
            Files.createDirectories(to.getParent());
            try (InputStream in = getClass().getResourceAsStream(ROOT + name + "/" + f)) {
                Files.copy(in, to);
            }
        }
        return d;
    }

    private static void assertSameOutput(TensorData want, TensorData got, String what) {
        assertEquals(OnnxModel.typeName(want.dataType()), OnnxModel.typeName(got.dataType()), what);
        assertArrayEquals(want.dims(), got.dims(), what);
        if (want.isInteger()) {
            assertArrayEquals(want.longs(), got.longs(), what);
        } else {
            for (int i = 0; i < want.floats().length; i++) {
                assertEquals(want.floats()[i], got.floats()[i], 1e-5 * Math.max(1, Math.abs(want.floats()[i])),
                        what + " element " + i);
            }
        }
    }

    @Test
    void integerInputsFromPbNpyAndJsonGivePyTorchsOutputs() throws Exception {
        Object[][] cases = {{"embedding_int64", 1, 1}, {"gather_int32", 2, 2}};
        for (Object[] c : cases) {
            Path d = fixture((String) c[0], (int) c[1], (int) c[2]);
            for (String in : new String[] {"pb", "npy", "json"}) {
                for (String fmt : new String[] {"pb", "npy"}) {
                    List<String> args = new ArrayList<>(List.of("infer", "--model", d.resolve("model.onnx").toString()));
                    for (int i = 0; i < (int) c[1]; i++) {
                        args.addAll(List.of("--input", d.resolve("test_data_set_0/input_" + i + "." + in).toString()));
                    }
                    Path out = d.resolve("out-" + in + "-" + fmt);
                    args.addAll(List.of("-o", out.toString(), "--format", fmt));
                    CliRun r = CliRun.of(args.toArray(String[]::new));
                    String what = c[0] + " from ." + in + " to ." + fmt;
                    assertEquals(0, r.exitCode(), what + ": " + r.err());
                    for (int i = 0; i < (int) c[2]; i++) {
                        TensorData want = OnnxInputs.read(d.resolve("test_data_set_0/output_" + i + "." + fmt));
                        TensorData got = OnnxInputs.read(out.resolve("output_" + i + "." + fmt));
                        assertSameOutput(want, got, what + " output " + i);
                    }
                }
            }
        }
    }

    /** The library calls the command makes, as the README shows them. */
    @Test
    void theLibraryRunsTheSameModelOnTypedInputs() throws Exception {
        Path d = fixture("embedding_int64", 1, 1);
        OnnxModel.Model m = OnnxReader.readModel(d.resolve("model.onnx"));
        assertTrue(OnnxInputs.hasNonFloatInput(m));
        TensorData ids = OnnxInputs.conform(OnnxInputs.read(d.resolve("test_data_set_0/input_0.npy")),
                OnnxInputs.declared(m).get(0), "input_0.npy");
        assertEquals(OnnxModel.INT64, ids.dataType());
        List<TensorData> y = OnnxImporter.importProgram(m, "model.onnx").run(List.of(ids));
        assertSameOutput(OnnxReader.readTensor(d.resolve("test_data_set_0/output_0.pb")), y.get(0), "library");
    }

    private static void assertOneLine(CliRun r, String start, String contains) {
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains(start) && r.err().contains(contains), r.err());
    }

    @Test
    void inputsThatDoNotFitAreRefusedInOneLineNamingTheFile() throws Exception {
        Path d = fixture("gather_int32", 2, 0);
        String model = d.resolve("model.onnx").toString();
        String x = d.resolve("test_data_set_0/input_0.npy").toString();
        Path out = dir.resolve("out");

        Path floats = dir.resolve("floats.npy"); // float values where INT32 indices are declared
        Npy.write(floats, TensorData.of("f", org.convnet4j.tensor.Tensor.zeros(3)));
        assertOneLine(CliRun.of("infer", "--model", model, "--input", x, "--input", floats.toString(), "-o",
                out.toString()), floats + ": input 'idx' is INT32", "the file holds FLOAT values");

        Path wide = dir.resolve("wide.npy"); // INT64 values beyond INT32
        Npy.write(wide, TensorData.ofLongs("w", new long[] {0, 1, 1L << 40}, 3));
        assertOneLine(CliRun.of("infer", "--model", model, "--input", x, "--input", wide.toString(), "-o",
                out.toString()), wide + ": input 'idx' is INT32", "1099511627776, outside");

        Path shape = dir.resolve("shape.npy"); // [2, 3] where [3] is declared
        Npy.write(shape, TensorData.ofLongs("s", new long[6], 2, 3));
        assertOneLine(CliRun.of("infer", "--model", model, "--input", x, "--input", shape.toString(), "-o",
                out.toString()), shape + ": input 'idx' has shape [3]", "the file holds [2, 3]");

        assertOneLine(CliRun.of("infer", "--model", model, "--input", x, "-o", out.toString()),
                model + " takes 2 input(s) [x, idx]", "got 1");

        Path json = dir.resolve("half.json"); // a JSON tensor whose INT32 data is not whole
        Files.writeString(json, "{\"shape\": [3], \"datatype\": \"INT32\", \"data\": [0, 1.5, 2]}");
        assertOneLine(CliRun.of("infer", "--model", model, "--input", x, "--input", json.toString(), "-o",
                out.toString()), json + ": INT32 data holds a value that is not a whole number", "1.5");
        Path count = dir.resolve("count.json"); // shape and data disagree
        Files.writeString(count, "{\"data\": [[0, 1], [2, 3]], \"shape\": [3], \"datatype\": \"INT64\"}");
        assertOneLine(CliRun.of("infer", "--model", model, "--input", x, "--input", count.toString(), "-o",
                out.toString()), count + ": shape [3] needs 3 values", "data has 4");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"shape\": [3], \"datatype\": \"INT64\", \"data\": [0, 1,");
        assertOneLine(CliRun.of("infer", "--model", model, "--input", x, "--input", broken.toString(), "-o",
                out.toString()), broken + ": not a JSON tensor", "the text ends too early at line 1, column");
        Path bare = dir.resolve("bare.json"); // the values alone: Gson said "Expected BEGIN_OBJECT but was BEGIN_ARRAY"
        Files.writeString(bare, "[0, 1, 2]");
        assertOneLine(CliRun.of("infer", "--model", model, "--input", x, "--input", bare.toString(), "-o",
                out.toString()), bare + ": holds an array, not a JSON tensor: the file must hold one object such as",
                "\"datatype\": \"FP32\"");

        Path outside = dir.resolve("outside.npy"); // an index past the end of the gathered axis (6)
        Npy.write(outside, TensorData.ofLongs("o", new long[] {0, 1, 6}, 3));
        CliRun r = CliRun.of("infer", "--model", model, "--input", x, "--input", outside.toString(), "-o",
                out.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(Files.notExists(out), "nothing written");
    }
}
