package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.internal.json.Json;
import org.junit.jupiter.api.Test;

/**
 * The first complaint: {@code predict --model lenet5.onnx pic.png} was refused ("the model does not take
 * pictures") while {@code evaluate} took the same file. A LeNet-5 exported by PyTorch (fixture from
 * {@code tools/fixtures/lenet5_onnx_fixture.py}) now predicts a grey 28x28 picture as torch does on pixels / 255.
 */
class PredictOnnxLeNetTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/onnx");

    private static double[] probabilities(CliRun r) {
        double[] p = new double[10];
        JsonArray top = Json.parseObject(r.out(), "predict --json").getAsJsonArray("predictions").get(0)
                .getAsJsonObject().getAsJsonArray("top");
        assertEquals(10, top.size(), r.out());
        for (int i = 0; i < 10; i++) {
            JsonObject t = top.get(i).getAsJsonObject();
            p[Integer.parseInt(t.get("label").getAsString())] = t.get("probability").getAsDouble();
        }
        return p;
    }

    @Test
    void aPyTorchLeNet5OnnxFilePredictsLikeTorch() throws Exception {
        JsonArray want = Json.parseObject(Files.readString(DIR.resolve("lenet5_pytorch.expected.json")), "expected")
                .getAsJsonArray("probabilities");
        String onnx = DIR.resolve("lenet5_pytorch.onnx").toString();
        String picture = DIR.resolve("digit.png").toString();
        CliRun r = CliRun.of("predict", "--model", onnx, "--json", "--top-k", "10", picture);
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("note:") && l.contains("unit")), r.err());
        double[] got = probabilities(r);
        double worst = 0;
        for (int i = 0; i < 10; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want.get(i).getAsDouble()));
        }
        assertTrue(worst < 1e-6, "max |ours - torch| = " + worst + "\n" + r.out());

        // the check can fail: pixels 0..255 instead of / 255 give another answer
        CliRun raw = CliRun.of("predict", "--model", onnx, "--preprocessing", "none", "--json", "--top-k", "10",
                picture);
        assertEquals(0, raw.exitCode(), raw.err());
        double[] other = probabilities(raw);
        double moved = 0;
        for (int i = 0; i < 10; i++) {
            moved = Math.max(moved, Math.abs(other[i] - want.get(i).getAsDouble()));
        }
        assertTrue(moved > 1e-3, "raw pixels moved the answer by only " + moved);
    }

    /** The preprocessing chosen for the ONNX file is said once, at import; the .c4j predicts the same, silently. */
    @Test
    void theChoiceIsSaidAtImportAndStoredInTheModelFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String onnx = DIR.resolve("lenet5_pytorch.onnx").toString();
        String picture = DIR.resolve("digit.png").toString();
        Path c4j = dir.resolve("lenet5.c4j");
        CliRun imp = CliRun.of("import", onnx, "-o", c4j.toString());
        assertEquals(0, imp.exitCode(), imp.err());
        assertEquals(1, imp.err().lines().filter(l -> l.startsWith("note:") && l.contains("unit")).count(), imp.err());
        CliRun fromOnnx = CliRun.of("predict", "--model", onnx, "--json", "--top-k", "10", picture);
        for (int run = 0; run < 2; run++) {
            CliRun r = CliRun.of("predict", "--model", c4j.toString(), "--json", "--top-k", "10", picture);
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.err().lines().noneMatch(l -> l.startsWith("note:")), r.err());
            assertEquals(0.0, maxDiff(probabilities(r), probabilities(fromOnnx)), r.out());
        }
        CliRun summary = CliRun.of("summary", "--model", c4j.toString());
        assertEquals(0, summary.exitCode(), summary.err());
        assertTrue(summary.err().lines().noneMatch(l -> l.startsWith("note:")), summary.err());
    }

    private static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
