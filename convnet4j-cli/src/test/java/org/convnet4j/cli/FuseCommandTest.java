package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.data.FashionMnist;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FuseCommandTest {
    @Test
    void lateStackingTrainsSavesAndEvaluatesWithCorruption(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        Path model = dir.resolve("late.c4j");
        CliRun run = CliRun.of("fuse", "--mode", "late", "--inputs", "pixels=fashion-mnist,edges=fashion-mnist:sobel",
                "--combine", "stack", "--epochs", "1", "--limit", "50", "--out", model.toString(), "--json",
                "--plots", dir.resolve("plots").toString(), "--logdir", dir.resolve("runs").toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonObject o = JsonParser.parseString(run.out().trim()).getAsJsonObject();
        assertEquals("late", o.get("mode").getAsString());
        assertEquals(50, o.get("val_samples").getAsInt());
        assertTrue(o.get("val_accuracy").getAsDouble() > 0.3, run.out());
        assertTrue(o.getAsJsonObject("member_val_accuracy").has("edges"));
        // late fusion: each member's training in the words of train --json
        com.google.gson.JsonArray members = o.getAsJsonArray("members");
        assertEquals(2, members.size(), run.out());
        for (com.google.gson.JsonElement e : members) {
            JsonObject m = e.getAsJsonObject();
            for (String k : org.convnet4j.train.KeptEpoch.KEYS) {
                assertTrue(m.has(k), k + " in " + m);
            }
            assertEquals(1, m.getAsJsonArray("history").size(), m.toString());
            assertEquals(o.getAsJsonObject("member_val_accuracy").get(m.get("input").getAsString()).getAsDouble(),
                    m.get("val_accuracy").getAsDouble(), 1e-6, m.toString());
        }
        assertTrue(Files.isRegularFile(model));
        // the fused model's validation confusion matrix: every validation sample once, its diagonal the accuracy
        com.google.gson.JsonArray matrix = o.getAsJsonObject("val_confusion").getAsJsonArray("matrix");
        long total = 0;
        long right = 0;
        for (int a = 0; a < matrix.size(); a++) {
            for (int p = 0; p < matrix.size(); p++) {
                long c = matrix.get(a).getAsJsonArray().get(p).getAsLong();
                total += c;
                right += a == p ? c : 0;
            }
        }
        assertEquals(50, total);
        assertEquals(o.get("val_accuracy").getAsDouble(), right / 50.0, 1e-9);
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(dir.resolve("plots/confusion-matrix.png").toFile());
        assertTrue(png != null && png.getWidth() > 100, "a confusion-matrix picture");
        // and on the dashboard's run log, after the members' trainings
        java.util.List<String> events;
        try (var runs = Files.list(dir.resolve("runs"))) {
            events = Files.readAllLines(runs.findFirst().orElseThrow().resolve("events.jsonl"));
        }
        JsonObject last = JsonParser.parseString(events.get(events.size() - 1)).getAsJsonObject();
        assertEquals("confusion", last.get("type").getAsString());
        assertEquals(50, last.getAsJsonObject("confusion").get("samples").getAsInt());
        assertEquals(matrix, last.getAsJsonObject("confusion").getAsJsonArray("matrix"));

        CliRun clean = CliRun.of("fuse", "--evaluate", model.toString(), "--inputs", "fashion-mnist-sobel",
                "--limit", "20", "--json");
        assertEquals(0, clean.exitCode(), clean.err());
        CliRun broken = CliRun.of("fuse", "--evaluate", model.toString(), "--inputs", "fashion-mnist-sobel",
                "--limit", "20", "--corrupt", "pixels=zeros", "--json");
        assertEquals(0, broken.exitCode(), broken.err());
        JsonObject b = JsonParser.parseString(broken.out().trim()).getAsJsonObject();
        assertEquals("pixels missing (zeros)", b.get("corruption").getAsString());
        assertEquals(200, b.get("samples").getAsInt());
    }

    @Test
    void textOutputOfLateWeightedTrainingAndOfEvaluation(@TempDir Path dir) {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        Path model = dir.resolve("late.c4j");
        CliRun run = CliRun.of("fuse", "--mode", "late", "--inputs", "fashion-mnist-sobel", "--combine", "weighted",
                "--epochs", "1", "--limit", "10", "--out", model.toString());
        assertEquals(0, run.exitCode(), run.err());
        java.util.List<String> lines = run.out().lines().toList();
        assertEquals("late fusion of {pixels=[1, 28, 28], edges=[2, 28, 28]}: 10 classes", lines.get(0));
        String[] members = lines.stream().filter(l -> l.startsWith("member ")).toArray(String[]::new);
        assertEquals(2, members.length, run.out());
        assertTrue(members[0].matches("member 'pixels' alone: validation accuracy [01]\\.[0-9]{4}"), members[0]);
        assertTrue(members[1].matches("member 'edges' alone: validation accuracy [01]\\.[0-9]{4}"), members[1]);
        java.util.regex.Matcher w = java.util.regex.Pattern.compile(
                "fitted member weights \\[([0-9.E-]+), ([0-9.E-]+)\\] for \\[pixels, edges\\]").matcher(
                lines.stream().filter(l -> l.startsWith("fitted")).findFirst().orElse(""));
        assertTrue(w.matches(), run.out());
        assertEquals(1.0, Double.parseDouble(w.group(1)) + Double.parseDouble(w.group(2)), 1e-5);
        String summary = lines.stream().filter(l -> l.startsWith("validation accuracy")).findFirst().orElse("");
        assertTrue(summary.matches("validation accuracy [01]\\.[0-9]{4} \\(loss [0-9.]+\\) on 10 samples; wrote "
                + java.util.regex.Pattern.quote(model.toString()) + "; [0-9.]+ s"), run.out());
        assertTrue(Files.isRegularFile(model));

        CliRun eval = CliRun.of("fuse", "--evaluate", model.toString(), "--inputs", "fashion-mnist-sobel", "--limit",
                "3", "--corrupt", "edges=noise:0.5");
        assertEquals(0, eval.exitCode(), eval.err());
        String first = eval.out().lines().findFirst().orElse("");
        assertTrue(first.matches(java.util.regex.Pattern.quote(model.toString()) + " on 30 samples \\(corruption: "
                + "edges noise 0\\.5\\): accuracy [01]\\.[0-9]{4}, loss [0-9.]+"), eval.out());
        assertEquals("", eval.out().lines().skip(1).findFirst().orElse(null), eval.out());
    }

    @Test
    void builtInInputsTakeClassListsLikeEveryDataOption(@TempDir Path dir) {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        Path model = dir.resolve("early.c4j");
        CliRun run = CliRun.of("fuse", "--mode", "early", "--inputs",
                "pixels=fashion-mnist:5-9,edges=fashion-mnist:5-9:sobel", "--epochs", "1", "--limit", "10", "--out",
                model.toString(), "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonObject o = JsonParser.parseString(run.out().trim()).getAsJsonObject();
        // 10 per class of 5 classes; the seeded validation split holds out some of those 50
        assertTrue(o.get("train_samples").getAsInt() + o.get("val_samples").getAsInt() == 50, run.out());
        // the training in the words of train --json and transfer --json: the epoch kept and why, the history
        for (String k : org.convnet4j.train.KeptEpoch.KEYS) {
            assertTrue(o.has(k), k + " in " + run.out());
        }
        assertEquals(1, o.get("kept_epoch").getAsInt(), run.out());
        assertTrue(o.get("kept_because").getAsString().startsWith("the last epoch"), run.out());
        com.google.gson.JsonArray history = o.getAsJsonArray("history");
        assertEquals(o.get("epochs").getAsInt(), history.size(), run.out());
        JsonObject kept = history.get(o.get("kept_epoch").getAsInt() - 1).getAsJsonObject();
        assertEquals(kept.get("val_accuracy").getAsDouble(), o.get("val_accuracy").getAsDouble(), 1e-6, run.out());
        assertTrue(kept.has("train_loss") && kept.has("lr"), run.out());
        CliRun evaluated = CliRun.of("fuse", "--evaluate", model.toString(), "--inputs",
                "pixels=fashion-mnist:5-9,edges=fashion-mnist:5-9:sobel", "--limit", "4", "--json");
        assertEquals(0, evaluated.exitCode(), evaluated.err());
        assertEquals(20, JsonParser.parseString(evaluated.out().trim()).getAsJsonObject().get("samples").getAsInt());
        CliRun different = CliRun.of("fuse", "--mode", "early", "--inputs",
                "pixels=fashion-mnist:5-9,edges=fashion-mnist:0-4:sobel", "--out", dir.resolve("m.c4j").toString());
        assertEquals(2, different.exitCode(), different.err());
        assertTrue(different.err().contains("the built-in sources must show the same pictures"), different.err());
    }

    @Test
    void badOptionsAreOneLineErrors(@TempDir Path dir) {
        CliRun one = CliRun.of("fuse", "--mode", "early", "--inputs", "rgb=" + dir, "--out", dir.resolve("m.c4j").toString());
        assertEquals(2, one.exitCode());
        assertTrue(one.err().contains("at least two inputs"), one.err());
        CliRun mixed = CliRun.of("fuse", "--mode", "early", "--inputs", "a=fashion-mnist,b=" + dir,
                "--out", dir.resolve("m.c4j").toString());
        assertEquals(2, mixed.exitCode());
        assertTrue(mixed.err().contains("cannot be paired with folders"), mixed.err());
        CliRun mode = CliRun.of("fuse", "--mode", "sideways", "--inputs", "fashion-mnist-sobel", "--limit", "10",
                "--out", dir.resolve("m.c4j").toString());
        assertEquals(2, mode.exitCode());
        assertTrue(mode.err().contains("not early, intermediate or late"), mode.err());
        assertEquals(1, mode.errLines(), mode.err());
    }

    /**
     * Built-in sources with a colour network of another size, in both places a model file fixes the input: a
     * pretrained branch (intermediate fusion: the grey 28x28 pictures converted to it) and early fusion's one network
     * (every input read at its size, the channels stacked: pixels 1 + edges 2 = its 3). Each conversion is printed.
     * Before, both runs were refused with exit 2 ("branch base.c4j takes [[3, 40, 36]] but input ...").
     */
    @Test
    void builtInSourcesAreConvertedToAPretrainedColourNetworkOfAnotherSize(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        Path base = dir.resolve("base.c4j");
        org.convnet4j.model.ModelFiles.save(org.convnet4j.fusion.FusionNets.smallCnn(
                org.convnet4j.tensor.Shape.of(3, 40, 36), 2).initialize(5), base);
        CliRun branch = CliRun.of("fuse", "--mode", "intermediate", "--inputs",
                "pixels=fashion-mnist:5-6,edges=fashion-mnist:5-6:sobel", "--branch", "pixels=" + base,
                "--join-at", "flatten", "--epochs", "1", "--limit", "5", "--out", dir.resolve("i.c4j").toString());
        assertEquals(0, branch.exitCode(), branch.err());
        assertTrue(branch.err().contains("converting: input 'pixels' (fashion-mnist:5-6): pictures [1, 28, 28]"
                + " converted to the model's input [3, 40, 36]"), branch.err());
        CliRun evaluate = CliRun.of("fuse", "--evaluate", dir.resolve("i.c4j").toString(), "--inputs",
                "pixels=fashion-mnist:5-6,edges=fashion-mnist:5-6:sobel", "--limit", "5");
        assertEquals(0, evaluate.exitCode(), evaluate.err());
        assertTrue(evaluate.out().contains("on 10 samples"), evaluate.out());

        CliRun early = CliRun.of("fuse", "--mode", "early", "--inputs",
                "pixels=fashion-mnist:5-6,edges=fashion-mnist:5-6:sobel", "--branch", base.toString(), "--epochs", "1",
                "--limit", "5", "--out", dir.resolve("e.c4j").toString());
        assertEquals(0, early.exitCode(), early.err());
        assertTrue(early.err().contains("converting: early fusion's network " + base + " takes [3, 40, 36] (the"
                + " inputs' channels stacked): every input is read at 40x36"), early.err());
        CliRun earlyEvaluate = CliRun.of("fuse", "--evaluate", dir.resolve("e.c4j").toString(), "--inputs",
                "pixels=fashion-mnist:5-6,edges=fashion-mnist:5-6:sobel", "--limit", "5");
        assertEquals(0, earlyEvaluate.exitCode(), earlyEvaluate.err());
        assertTrue(earlyEvaluate.out().contains("on 10 samples"), earlyEvaluate.out());
    }
}
