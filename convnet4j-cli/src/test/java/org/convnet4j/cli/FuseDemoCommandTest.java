package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.internal.json.Json;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code fuse-demo} prints and writes: the progress lines, the table, results.json and the chart agree. */
class FuseDemoCommandTest {
    private static final List<String> CONDITIONS = List.of("clean", "pixels noisy", "pixels missing", "edges noisy",
            "edges missing");
    private static final List<String> MODELS = List.of("pixels only", "edges only", "early", "intermediate",
            "late mean", "late weighted", "late max", "late product", "late vote", "late stack");

    @TempDir
    Path dir;

    @Test
    void smallRunPrintsTableAndWritesAgreeingFiles() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        Path out = dir.resolve("fusion");
        CliRun run = CliRun.of("fuse-demo", "--train", "200", "--test", "20", "--epochs", "1", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals("data: 180 training, 20 validation, 20 test samples of {pixels=[1, 28, 28], edges=[2, 28, 28]}",
                lines.get(0).replaceAll(" \\([0-9.]+ s\\)$", ""));
        String[] trained = {"pixels only", "edges only", "early fusion", "intermediate fusion (concat after pool2)"};
        for (int i = 0; i < trained.length; i++) {
            assertTrue(lines.get(1 + i).matches("trained " + Pattern.quote(trained[i])
                    + " +val accuracy [01]\\.[0-9]{4} \\([0-9.]+ s\\)"), lines.get(1 + i));
        }
        Matcher w = Pattern.compile("late weighted: fitted weights pixels ([0-9.]+), edges ([0-9.]+)").matcher(lines.get(5));
        assertTrue(w.matches(), lines.get(5));
        double wp = Double.parseDouble(w.group(1));
        double we = Double.parseDouble(w.group(2));
        assertEquals(1.0, wp + we, 0.011, "weights are non-negative and sum to 1");
        for (int i = 0; i < CONDITIONS.size(); i++) {
            assertTrue(lines.get(6 + i).matches("evaluated " + Pattern.quote(CONDITIONS.get(i)) + " +\\([0-9.]+ s\\)"),
                    lines.get(6 + i));
        }
        assertEquals("", lines.get(11));

        // the table printed is results.md, one row per model in this order, one column per condition
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(run.out().contains(md), run.out());
        List<String> rows = md.lines().toList();
        assertEquals("| model | " + String.join(" | ", CONDITIONS) + " | training s |", rows.get(0));
        assertEquals("|---|" + "---:|".repeat(CONDITIONS.size() + 1), rows.get(1));
        assertEquals(2 + MODELS.size(), rows.size(), md);
        JsonObject json = Json.parseObject(Files.readString(out.resolve("results.json")), "results.json");
        JsonObject acc = json.getAsJsonObject("accuracy");
        JsonObject seconds = json.getAsJsonObject("train_seconds");
        for (int m = 0; m < MODELS.size(); m++) {
            String[] cells = rows.get(2 + m).split(" \\| ");
            String model = MODELS.get(m);
            assertEquals("| " + model, cells[0]);
            for (int c = 0; c < CONDITIONS.size(); c++) {
                double a = acc.getAsJsonObject(model).get(CONDITIONS.get(c)).getAsDouble();
                // 20 test samples: every accuracy is a whole number of them
                assertEquals(Math.round(a * 20), a * 20, 1e-9, model + " " + CONDITIONS.get(c));
                assertEquals(String.format(Locale.ROOT, "%.4f", a), cells[1 + c], model);
            }
            String last = cells[cells.length - 1];
            if (model.startsWith("late ")) {
                assertEquals("(members) |", last);
                assertFalse(seconds.has(model));
            } else {
                assertEquals(String.format(Locale.ROOT, "%.0f |", seconds.get(model).getAsDouble()), last);
            }
        }
        // a single-input model does not see the other input, so corrupting that one changes nothing
        for (String c : List.of("edges noisy", "edges missing")) {
            assertEquals(acc.getAsJsonObject("pixels only").get("clean"), acc.getAsJsonObject("pixels only").get(c));
        }
        for (String c : List.of("pixels noisy", "pixels missing")) {
            assertEquals(acc.getAsJsonObject("edges only").get("clean"), acc.getAsJsonObject("edges only").get(c));
        }
        assertEquals(180, json.get("train_samples").getAsInt());
        assertEquals(20, json.get("val_samples").getAsInt());
        assertEquals(20, json.get("test_samples").getAsInt());
        assertEquals(1, json.get("epochs").getAsInt());
        assertEquals(0.5, json.get("noise_std").getAsDouble());
        assertEquals(42, json.get("seed").getAsLong());
        List<Double> fitted = new ArrayList<>();
        json.getAsJsonObject("fitted").getAsJsonArray("late_weighted_weights").forEach(e -> fitted.add(e.getAsDouble()));
        assertEquals(wp, fitted.get(0), 0.005);
        assertEquals(we, fitted.get(1), 0.005);
        assertTrue(json.get("total_seconds").getAsDouble() > 0);

        BufferedImage chart = ImageIO.read(out.resolve("robustness.png").toFile());
        assertTrue(chart.getWidth() > 100 && chart.getHeight() > 100);
        assertEquals("wrote " + out.resolve("results.md") + ", " + out.resolve("results.json") + ", "
                + out.resolve("robustness.png") + ";", lines.get(lines.size() - 1).replaceAll(" [0-9.]+ s in total$", ""));
    }

    @Test
    void negativeNoiseIsBadInput() {
        CliRun run = CliRun.of("fuse-demo", "--noise", "-1", "-o", dir.resolve("x").toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--noise: must be a finite number of at least 0, got -1.0"), run.err());
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void tooFewPicturesIsBadInput() {
        CliRun run = CliRun.of("fuse-demo", "--train", "50", "-o", dir.resolve("x").toString());
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.errLines(), run.err());
        assertTrue(run.err().contains("--train: must be at least 100, got 50"), run.err());
        assertFalse(Files.exists(dir.resolve("x")));
    }
}
