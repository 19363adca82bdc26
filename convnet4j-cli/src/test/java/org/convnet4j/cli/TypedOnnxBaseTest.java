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
        // the kept weights were written, not the file's: when the tuning phase was kept (refit with phase 2), case 3
        // moved the program's float layers; when validation kept the head phase, they are the file's
        boolean tuned = false;
        for (var p : o.getAsJsonArray("refit_phases")) {
            tuned |= p.getAsJsonObject().get("phase").getAsInt() == 2;
        }
        Sequential base = (Sequential) ModelLoader.load(ONNX).model();
        var tunedParams = model.namedParameters();
        long moved = base.namedParameters().entrySet().stream().filter(e -> tunedParams.containsKey(e.getKey())
                && !e.getKey().contains("typed_") && !java.util.Arrays.equals(e.getValue().value().data(),
                tunedParams.get(e.getKey()).value().data())).count();
        assertTrue(tuned ? moved >= 2 : moved == 0, "tuning kept " + tuned + ", float-graph weights changed: "
                + moved + " of " + base.namedParameters().keySet());
        // the new classifier reads h, the input of the program's typed head (the default cut): [3, 16]
        assertEquals(3 * 16, tunedParams.get("predictions.kernel").value().size(), tunedParams.keySet().toString());
        assertTrue(tunedParams.keySet().stream().noneMatch(k -> k.endsWith("typed_W")), tunedParams.keySet().toString());

        // case 2 with the default options: a new classifier on h, phase 1 trains it alone, phase 2 the last 2 layers
        // with weights: the program's fc node and the new classifier
        CliRun c2 = CliRun.of("transfer", "--base", ONNX.toString(), "--case", "2", "--data", "fashion-mnist:7-9",
                "--limit", "8", "--test-limit", "5", "--epochs", "1", "--out", dir.resolve("c2.c4j").toString(),
                "--no-progress");
        assertEquals(0, c2.exitCode(), c2.err());
        String program = base.layers().get(0).name();
        assertTrue(c2.out().contains("  trained: predictions\n"), c2.out());
        assertTrue(c2.out().contains("  trained: " + program + ".fc_Gemm, predictions"), c2.out());
        assertTrue(c2.out().contains("  frozen : " + program + ".conv_Conv"), c2.out());
    }

    @Test
    void caseOneCutsInsideTheProgram() throws Exception {
        Path out = dir.resolve("c1.c4j");
        CliRun c1 = CliRun.of("transfer", "--base", ONNX.toString(), "--case", "1", "--data", "fashion-mnist:7-9",
                "--limit", "20", "--test-limit", "20", "--out", out.toString(), "--json", "--no-progress");
        assertEquals(0, c1.exitCode(), c1.err());
        JsonObject o = Json.parseObject(c1.out().strip(), "stdout");
        assertEquals("/Relu_1_output_0", o.get("cut").getAsString());
        assertTrue(o.get("test_accuracy").getAsDouble() > 0.45, c1.out()); // 3 classes: chance 0.33
        Sequential saved = (Sequential) ModelFiles.read(out).model();
        assertEquals(OnnxProgramLayer.TYPE, saved.layers().get(0).type());
        assertEquals(16, saved.outputShapeAt(0).size());

        CliRun pool = CliRun.of("transfer", "--base", ONNX.toString(), "--case", "1", "--cut", "/pool/MaxPool",
                "--data", "fashion-mnist:7-9", "--limit", "10", "--test-limit", "5", "--out",
                dir.resolve("pool.c4j").toString(), "--no-progress");
        assertEquals(0, pool.exitCode(), pool.err());
        assertTrue(pool.out().contains("676 features"), pool.out());

        CliRun bad = CliRun.of("transfer", "--base", ONNX.toString(), "--case", "1", "--cut", "nowhere",
                "--data", "fashion-mnist:7-9", "--limit", "5", "--out", dir.resolve("bad.c4j").toString(),
                "--no-progress");
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("'nowhere'") && bad.err().contains("/fc/Gemm"), bad.err());
        assertTrue(!bad.err().contains("\tat "), bad.err());
    }

    /**
     * {@code --keep-head} (Java: TransferOptions.withNewClassifier(false)): case 2 keeps the program's own typed head,
     * resized to the target's classes, instead of cutting at its input under a new classifier.
     */
    @Test
    void keepHeadFineTunesTheProgramsOwnHead() throws Exception {
        CliRun help = CliRun.of("transfer", "--help");
        assertTrue(help.out().contains("--keep-head"), help.out());
        Path out = dir.resolve("own.c4j");
        CliRun run = CliRun.of("transfer", "--base", ONNX.toString(), "--case", "2", "--keep-head", "--data",
                "fashion-mnist:7-9", "--limit", "8", "--test-limit", "5", "--epochs", "1", "--out", out.toString(),
                "--no-progress");
        assertEquals(0, run.exitCode(), run.err());
        Sequential model = (Sequential) ModelFiles.read(out).model();
        assertEquals(1, model.layers().size(), "the program alone, no new classifier: " + model.layers());
        assertEquals(OnnxProgramLayer.TYPE, model.layers().get(0).type());
        assertEquals(3, model.outputShape().dim(0));
        var params = model.namedParameters();
        var w = params.entrySet().stream().filter(e -> e.getKey().endsWith("typed_W")).findFirst().orElseThrow();
        assertEquals(3 * 16, w.getValue().value().size(), "the typed head W resized to 3 classes: " + params.keySet());
        assertTrue(params.keySet().stream().noneMatch(k -> k.startsWith("predictions")), params.keySet().toString());
    }
}
