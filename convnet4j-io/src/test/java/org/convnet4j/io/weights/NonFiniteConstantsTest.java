package org.convnet4j.io.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.io.ProgramInference;
import org.convnet4j.io.onnx.OnnxFormatException;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxWriter;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * NaN and infinities in what an ONNX file stores beside its layers' weights (docs/ROBUSTNESS.md, "NaN and infinities in
 * model files"; fixtures from tools/fixtures/nonfinite_constants_fixture.py): a NaN in any stored constant is refused
 * by the reader, so by every use of the file; an infinity is meant in a constant (a Clip bound) and runs; an infinite
 * learned weight is refused on the typed path as on the float one ({@link NonFiniteWeightsTest}).
 */
class NonFiniteConstantsTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/nonfinite");

    @TempDir
    Path dir;

    @Test
    void anInfiniteClipBoundIsMeantAndKeepsItsMeaning() throws Exception {
        // Conv (a 1x1 kernel of 2), Clip(-Inf, 6): no lower bound at all, so the negative values stay
        Tensor x = Tensor.wrap(new float[] {-3, -1, 1, 4}, 1, 1, 2, 2);
        Tensor y = ModelLoader.load(DIR.resolve("clip_neginf_bound.onnx")).model().predict(x);
        assertArrayEquals(new float[] {-6, -2, 2, 6}, y.data());
    }

    @Test
    void aNaNStoredInAConstantIsRefusedByTheReaderNamingIt() {
        refused("clip_nan_bound.onnx", "NaN stored in initializer 'clip_min' (1 of 1 values NaN)");
        refused("pad_nan_value.onnx",
                "NaN stored in Constant node 'pad_value_node' attribute 'value' (1 of 1 values NaN)");
        refused("embedding_nan_table.onnx", "NaN stored in initializer 'table' (1 of 40 values NaN)");
    }

    @Test
    void theTypedPathRefusesAnInfiniteLearnedWeightAsTheFloatPathDoes() throws Exception {
        Path f = DIR.resolve("embedding_inf_weight.onnx");
        OnnxModel.Model onnx = ModelLoader.readOnnx(f); // infinities are no business of the reader
        String what = f + ": its weights are not finite: ";
        notFinite(() -> ModelLoader.importOnnxProgram(onnx, f.toString()), what);
        Path ids = Files.write(dir.resolve("ids.pb"), OnnxWriter.tensorBytes(TensorData.ofLongs("ids",
                new long[] {0, 3, 9, 3, 1, 7, 7, 2, 5, 8}, 2, 5)));
        Path out = dir.resolve("out");
        notFinite(() -> ProgramInference.run(onnx, f.toString(), List.of(ids), out, "pb"), what);
        assertFalse(Files.exists(out), "nothing written");
    }

    /** Refused by {@link ModelLoader#readOnnx} and by {@link ModelLoader#load}, in one line naming the file. */
    private static void refused(String name, String message) {
        Path f = DIR.resolve(name);
        for (Executable read : new Executable[] {() -> ModelLoader.readOnnx(f), () -> ModelLoader.load(f)}) {
            OnnxFormatException e = assertThrows(OnnxFormatException.class, read);
            assertTrue(e.getMessage().startsWith(f + ": " + message + "; NaN is never meant"), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    private static void notFinite(Executable run, String start) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run);
        assertTrue(e.getMessage().startsWith(start) && e.getMessage().contains("(1 of 12 values not finite)"),
                e.getMessage());
    }
}
