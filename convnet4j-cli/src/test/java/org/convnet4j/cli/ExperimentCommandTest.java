package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.data.FashionMnist;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code experiment transfer} on a tiny setting: the case rows, --try's choice by held-out answers, the classifiers. */
class ExperimentCommandTest {
    /**
     * The description was four fixed lines that broke sentences in the middle: `experiment --help` listed the command
     * as "... then transfer it to a similar target" and the next line of `experiment transfer --help` began with
     * "(Fashion-MNIST 5-9)".
     */
    @Test
    void theHelpDescribesTheExperimentInWholeSentences() {
        CliRun list = CliRun.of("experiment", "--help");
        String listed = String.join(" ", (list.out() + list.err()).lines().map(String::trim).toList());
        assertTrue(listed.contains("Pretrain LeNet-5 on Fashion-MNIST classes 0-4 and transfer it to two targets at"
                + " several sizes."), listed);
        CliRun help = CliRun.of("experiment", "transfer", "--help");
        assertEquals(0, help.exitCode(), help.err());
        // each line of the description as written is whole sentences (how picocli wraps them depends on the width)
        String[] lines = new picocli.CommandLine(new Main()).getSubcommands().get("experiment").getSubcommands()
                .get("transfer").getCommandSpec().usageMessage().description();
        for (String line : lines) {
            assertTrue(line.isEmpty() || line.endsWith(".") && Character.isUpperCase(line.charAt(0))
                    || line.startsWith("--"), "not a whole sentence: " + line);
        }
        String text = String.join(" ", help.out().lines().map(String::trim).toList());
        assertTrue(text.contains("a similar one (Fashion-MNIST 5-9) and a dissimilar one (OpenCV's handwritten digits)"),
                text);
        assertTrue(text.contains("count pictures per class, as --limit does everywhere."), text);
    }

    @Test
    void aTinyExperimentWritesItsTablesWithTheClassifierComparison(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        CliRun r = CliRun.of("experiment", "transfer", "--out-dir", dir.toString(), "--sizes", "6",
                "--pretrain-per-class", "20", "--pretrain-epochs", "1", "--test-per-class", "4", "--cases", "0,1",
                "--targets", "similar", "--classifiers", "logreg,knn", "--classifiers-at", "6");
        assertEquals(0, r.exitCode(), r.err());
        String md = Files.readString(dir.resolve("results.md"));
        // 6 per class x 5 classes: every one of the 30 pictures is predicted once by the 5 folds, in each of 4 rounds
        assertTrue(md.matches("(?s).*\\| similar: Fashion-MNIST 5-9 \\| 6 \\| 1 \\(cut flatten\\) \\| [01]\\.\\d{3} \\|"
                + " [01]\\.\\d{3} \\(120\\) \\| \\d+\\.\\d \\| \\d+\\.\\d \\|.*"), md);
        // the test pictures the scores stand on (results.md named none): 4 asked, 4 of each of the 5 classes
        assertTrue(md.contains("\n- similar: Fashion-MNIST 5-9: 20 pictures, 4 per class, 5 classes\n"), md);
        assertTrue(md.contains("| case 1 was the only case tried |"), md);
        assertTrue(md.contains("| similar: Fashion-MNIST 5-9 | 6 | 0 (predict as is) | 0.000 |  |"), md);
        assertTrue(md.contains("Case 1's classifiers side by side (default cut):"), md);
        assertTrue(md.matches("(?s).*\\| logreg \\| [01]\\.\\d{3} \\| .*"), md);
        assertTrue(md.matches("(?s).*\\| knn \\| [01]\\.\\d{3} \\| .*"), md);
        assertFalse(md.contains("| svm |"), md);
        assertTrue(Files.size(dir.resolve("transfer-accuracy.png")) > 0);
        assertTrue(Files.readString(dir.resolve("results.csv")).contains("5-fold right answers per fold"));

        // another seed pretrains another base (its file records the seed) and says so in results.md
        Path other = dir.resolve("seed-7");
        CliRun seeded = CliRun.of("experiment", "transfer", "--out-dir", other.toString(), "--sizes", "6",
                "--pretrain-per-class", "20", "--pretrain-epochs", "1", "--test-per-class", "4", "--cases", "0",
                "--targets", "similar", "--classifiers", "none", "--seed", "7");
        assertEquals(0, seeded.exitCode(), seeded.err());
        assertTrue(Files.readString(other.resolve("results.md")).contains(" Seed 7.\n"));

        CliRun bad = CliRun.of("experiment", "transfer", "--out-dir", dir.resolve("x").toString(), "--classifiers",
                "bogus");
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("--classifiers bogus: not known"), bad.err());
        assertFalse(Files.exists(dir.resolve("x")), "nothing written on bad input");
    }

    /**
     * Issue 12, Deliver 4 (one data language, the experiment included): a folder of the user's own colour pictures of
     * another size is a target (`--data`), converted to the base's grey 28x28 with the conversion printed; before,
     * the experiment took only its two built-in targets, and an unknown `--targets` value ran none, silently.
     */
    @Test
    void aFolderOfYourOwnPicturesIsATargetAndBadTargetsAreOneLine(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        Path mine = dir.resolve("mine");
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 10; i++) { // 80% training (8 a class), 20% test (2 a class)
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(36, 32,
                        java.awt.image.BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 36; x++) {
                        int v = (x * (20 + 60 * c) + y * (7 + i)) % 256;
                        img.setRGB(x, y, v << 16 | (255 - v) << 8 | v / 3);
                    }
                }
                Files.createDirectories(mine.resolve("class" + c));
                javax.imageio.ImageIO.write(img, "png", mine.resolve("class" + c).resolve(i + ".png").toFile());
            }
        }
        Path out = dir.resolve("own");
        CliRun r = CliRun.of("experiment", "transfer", "--out-dir", out.toString(), "--data", mine.toString(),
                "--sizes", "6", "--pretrain-per-class", "20", "--pretrain-epochs", "1", "--test-per-class", "3",
                "--cases", "0,1", "--classifiers", "none");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue((r.out() + r.err()).contains(mine + ": converting: "), r.out() + r.err()); // progress: stdout
        // 6 test pictures (20% of 30: 1-3 a class), 3 a class asked: the run says what its scores stand on (it used to
        // take fewer silently)
        assertTrue((r.out() + r.err()).contains(mine + ": testing on 6 pictures, not 3 of each of its 3 classes"),
                r.out() + r.err());
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.matches("(?s).*\\| " + java.util.regex.Pattern.quote(mine.toString())
                + " \\| 6 \\| 1 \\(cut flatten\\) \\| [01]\\.\\d{3} \\|.*"), md);
        assertFalse(md.contains("Fashion-MNIST 5-9 |"), "only the given target: " + md);
        // results.md names them: the folder's 20% test part is 6 pictures, not evenly 2 a class (a seeded random split)
        assertTrue(md.matches("(?s).*\\n- " + java.util.regex.Pattern.quote(mine.toString()) + ": 6 pictures, \\d(-\\d)? per"
                + " class, 3 classes \\(its test part has fewer than 3 in (some classes|every class)\\)\\n.*"), md);
        assertTrue(Files.size(out.resolve("transfer-accuracy.png")) > 0);

        // a size the folder cannot give is refused before the base is pretrained (it ran with fewer, named 9)
        String[][] bad = {{"--targets", "similar", "--data", mine.toString()}, {"--targets", "alike"},
            {"--data", dir.resolve("none").toString()}, {"--data", mine.toString(), "--sizes", "6,9"},
            {"--data", mine.toString(), "--cases", "0,7"}};
        String[] expected = {"--data and --targets: give one", "--targets alike: expected similar or dissimilar",
            "no such directory", "--sizes 9: " + mine + " has ", "--cases 7: expected some of [0, 1, 1-early, 2, 3, 4]"};
        for (int i = 0; i < bad.length; i++) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("experiment", "transfer",
                    "--out-dir", dir.resolve("bad").toString()));
            args.addAll(java.util.List.of(bad[i]));
            CliRun b = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, b.exitCode(), String.join(" ", bad[i]) + ": " + b.err());
            assertEquals(1, b.errLines(), b.err());
            assertTrue(b.err().contains(expected[i]), b.err());
            assertFalse(Files.exists(dir.resolve("bad")), "nothing written on bad input");
        }
    }

    @Test
    void jsonPrintsEachFineTuningCasesPhasesAndWhyItsTuningWasKeptOrNot(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        CliRun r = CliRun.of("experiment", "transfer", "--out-dir", dir.toString(), "--sizes", "6",
                "--pretrain-per-class", "20", "--pretrain-epochs", "1", "--test-per-class", "4", "--cases", "2",
                "--targets", "similar", "--classifiers", "none", "--json");
        assertEquals(0, r.exitCode(), r.err());
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(Files.readString(dir.resolve("results.json")).trim(), r.out().trim());
        com.google.gson.JsonObject row = json.getAsJsonArray("rows").get(0).getAsJsonObject();
        assertEquals("2", row.get("case").getAsString());
        assertTrue(row.getAsJsonArray("frozen").size() > 0, row.toString());
        com.google.gson.JsonObject tune = row.getAsJsonArray("phases").get(1).getAsJsonObject();
        assertTrue(tune.has("tuning_kept") && tune.has("keep_reason") && tune.has("kept_epoch")
                && tune.has("early_stop") && tune.has("loss_gain_se"), tune.toString());
        // the printed lines carry the same details (on stderr with --json, the JSON alone on stdout)
        assertTrue(r.err().contains("tuned weights " + (tune.get("tuning_kept").getAsBoolean() ? "kept: " : "not kept: ")),
                r.err());
        assertTrue(r.err().contains("frozen: "), r.err());

        CliRun bad = CliRun.of("experiment", "transfer", "--out-dir", dir.resolve("y").toString(), "--keep-se", "-1");
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("--keep-se"), bad.err());
        assertFalse(Files.exists(dir.resolve("y")), "nothing written on bad input");
    }
}
