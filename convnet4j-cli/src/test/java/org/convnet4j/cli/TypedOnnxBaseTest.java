package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.internal.json.Json;
import org.convnet4j.io.onnx.OnnxProgramLayer;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code transfer --base model.onnx} with a PyTorch export whose head runs on the typed path
 * (tools/fixtures/typed_head_fixture.py: (W @ h.t()).t() + b): the imported program is one layer, the typed head is
 * resized to the target's classes, the Trainer fine-tunes it, and the written model file reads back as that layer.
 */
class TypedOnnxBaseTest {
    private static final Path ONNX = Path.of("../convnet4j-io/src/test/resources/fixtures/typed_head/model.onnx");
    @TempDir
    Path dir;

    @Test
    void fineTuningCasesTrainAnImportedProgramWithATypedHead() throws Exception {
        Path out = dir.resolve("c3.c4j");
        CliRun c3 = CliRun.of("transfer", "--base", ONNX.toString(), "--case", "3", "--data", "fashion-mnist:7-9",
                "--limit", "20", "--test-limit", "20", "--epochs", "2", "--out", out.toString(), "--json",
                "--no-progress");
        assertEquals(0, c3.exitCode(), c3.err());
        JsonObject o = Json.parseObject(c3.out().strip(), "stdout");
        assertEquals(3, o.get("case").getAsInt());
        assertTrue(o.get("test_accuracy").getAsDouble() > 0.45, c3.out()); // 3 classes: chance 0.33
        SavedModel saved = ModelFiles.read(out);
        Sequential model = (Sequential) saved.model();
        assertEquals(OnnxProgramLayer.TYPE, model.layers().get(0).type());
        assertEquals(List.of("Sneaker", "Bag", "Ankle boot"), model.classNames());
        assertEquals(3, model.outputShape().dim(0));
        // the fine-tuned weights were written, not the file's: case 3 moved the float layers' weights too
        Sequential base = (Sequential) ModelLoader.load(ONNX).model();
        var tunedParams = model.namedParameters();
        long moved = base.namedParameters().entrySet().stream().filter(e -> tunedParams.containsKey(e.getKey())
                && !e.getKey().contains("typed_") && !java.util.Arrays.equals(e.getValue().value().data(),
                tunedParams.get(e.getKey()).value().data())).count();
        assertTrue(moved >= 2, "float-graph weights changed by fine-tuning: " + moved + " of "
                + base.namedParameters().keySet());
        float[] tuned = tunedParams.entrySet().stream().filter(e -> e.getKey().endsWith("typed_W")).findFirst()
                .orElseThrow().getValue().value().data();
        assertEquals(3 * 16, tuned.length);

        CliRun c2 = CliRun.of("transfer", "--base", ONNX.toString(), "--case", "2", "--data", "fashion-mnist:7-9",
                "--limit", "8", "--test-limit", "5", "--epochs", "1", "--fine-tune-last", "1", "--out",
                dir.resolve("c2.c4j").toString(),
                "--no-progress");
        assertEquals(0, c2.exitCode(), c2.err());
        assertTrue(c2.out().contains("trained: "), c2.out());
    }
}
