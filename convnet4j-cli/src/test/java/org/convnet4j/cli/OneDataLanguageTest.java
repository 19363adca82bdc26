package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.convnet4j.dataspec.DataSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that reads labelled pictures takes a built-in spec and a folder of class folders in the same place,
 * says what --limit means in its --help (per class), and answers a bad spec with one line naming it (exit 2).
 */
class OneDataLanguageTest {
    @TempDir
    static Path dir;
    static Path folder;
    static Path base;

    @BeforeAll
    static void data() throws Exception {
        folder = dir.resolve("mine");
        for (int i = 0; i < 6; i++) { // colour pictures of another size: converted to the model's grey 28x28
            write(folder.resolve("Bag").resolve("b" + i + ".png"), 10 + i);
            write(folder.resolve("Sandal").resolve("s" + i + ".png"), 90 + 5 * i);
        }
        base = dir.resolve("base.c4j");
        CliRun t = CliRun.of("train", "--data", "fashion-mnist:0-4", "--limit", "6", "--epochs", "1", "--no-progress",
                "--out", base.toString());
        assertEquals(0, t.exitCode(), t.err());
    }

    @Test
    void everyCommandTakesASpecAndAFolder() {
        Path own = dir.resolve("own.c4j");
        CliRun train = CliRun.of("train", "--data", folder.toString(), "--limit", "4", "--epochs", "1", "--val-split",
                "0", "--no-progress", "--out", own.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue((train.out() + train.err()).contains("converted to the model's input [1, 28, 28]"),
                train.out() + train.err());
        List<List<String>> runs = List.of(
                List.of("evaluate", "--model", base.toString(), "--data", "fashion-mnist:0-4", "--limit", "2"),
                List.of("evaluate", "--model", own.toString(), "--data", folder.toString(), "--limit", "2"),
                List.of("predict", "--model", own.toString(), "--data", "fashion-mnist:5-9", "--limit", "1"),
                List.of("predict", "--model", own.toString(), "--data", folder.toString(), "--limit", "1"),
                List.of("transfer", "--base", base.toString(), "--case", "1", "--data", "fashion-mnist:5-9", "--limit",
                        "4", "--test-limit", "2", "--no-progress", "--out", dir.resolve("t1.c4j").toString()),
                List.of("transfer", "--base", base.toString(), "--case", "1", "--data", folder.toString(), "--limit",
                        "4", "--no-progress", "--out", dir.resolve("t2.c4j").toString()),
                List.of("advise", "--base", base.toString(), "--data", "opencv-digits:0-4", "--limit", "4"),
                List.of("advise", "--base", base.toString(), "--data", folder.toString(), "--limit", "4"),
                List.of("fuse", "--mode", "late", "--inputs", "a=" + folder + ",b=" + folder, "--epochs", "1", "--limit",
                        "5", "--val-split", "0.2", "--out", dir.resolve("f.c4j").toString()),
                List.of("evaluate", "--model", dir.resolve("t2.c4j").toString(), "--data", folder.toString()));
        java.util.Map<Integer, CliRun> done = new java.util.HashMap<>();
        for (List<String> args : runs) {
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), args + "\n" + r.out() + r.err());
            done.put(done.size(), r);
        }
        // evaluating a model on the folder it was trained on says so (once, on stderr); on other data it does not
        assertTrue(done.get(1).err().contains("warning: " + own + " was trained on this folder (" + folder
                + ": all but its validation split), so accuracy on it overstates"), done.get(1).err());
        assertTrue(done.get(9).err().contains("warning: " + dir.resolve("t2.c4j") + " was made by transfer from this"
                + " folder (" + folder + "): 8 of its pictures trained it"), done.get(9).err());
        assertTrue(done.get(9).err().contains("; transfer measured "), done.get(9).err());
        assertTrue(!done.get(0).err().contains("warning: "), done.get(0).err());
    }

    /**
     * fuse with a pretrained branch converts the colour folders to the base's grey 28x28 (before: refused, "takes
     * [[1, 28, 28]] but input 'a' is [3, 32, 36]"), and evaluating the fused model on the folders it was trained on
     * (evaluate without --inputs reads them) says so, as for train and transfer models (before: no warning).
     */
    @Test
    void fuseConvertsFoldersForAPretrainedBranchAndEvaluateWarnsOnItsTrainingFolders() throws Exception {
        Path fused = dir.resolve("fused-branch.c4j");
        CliRun fuse = CliRun.of("fuse", "--mode", "intermediate", "--branch", base.toString(), "--inputs",
                "a=" + folder + ",b=" + folder, "--epochs", "1", "--val-split", "0.25", "--out", fused.toString());
        assertEquals(0, fuse.exitCode(), fuse.out() + fuse.err());
        assertTrue(fuse.err().contains("converting: input 'a' (" + folder + "): pictures like b0.png [3, 32, 36]"
                + " (channels, height, width) converted to the model's input [1, 28, 28]"), fuse.err());
        CliRun evaluated = CliRun.of("evaluate", "--model", fused.toString(), "--json");
        assertEquals(0, evaluated.exitCode(), evaluated.err());
        com.google.gson.JsonParser.parseString(evaluated.out()); // the notes stay off stdout: it holds the JSON alone
        assertTrue(evaluated.err().contains("warning: " + fused + " was trained on these folders (a=" + folder + ", b="
                + folder + "): "), evaluated.err());
        assertTrue(evaluated.err().contains(" of their pictures trained it, so accuracy on them overstates how it does"
                + " on new pictures; fuse measured "), evaluated.err());
        CliRun again = CliRun.of("fuse", "--evaluate", fused.toString(), "--inputs", "a=" + folder + ",b=" + folder);
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("warning: " + fused + " was trained on these folders"), again.err());
        // other pictures: no warning
        Path other = dir.resolve("other");
        for (int i = 0; i < 3; i++) {
            write(other.resolve("Bag").resolve("n" + i + ".png"), 40 + i);
            write(other.resolve("Sandal").resolve("n" + i + ".png"), 130 + i);
        }
        CliRun fresh = CliRun.of("evaluate", "--model", fused.toString(), "--inputs", "a=" + other + ",b=" + other);
        assertEquals(0, fresh.exitCode(), fresh.err());
        assertTrue(!fresh.err().contains("warning: "), fresh.err());
        CliRun predicted = CliRun.of("predict", "--model", fused.toString(), "--input", "a=" + other.resolve("Bag/n0.png"),
                "--input", "b=" + other.resolve("Bag/n0.png"));
        assertEquals(0, predicted.exitCode(), predicted.err());
    }

    @Test
    void aBadSpecIsOneLineNamingItInEveryCommand() {
        String bad = "fashion-mnist:5-12";
        List<List<String>> runs = List.of(
                List.of("train", "--data", bad, "--out", dir.resolve("x.c4j").toString()),
                List.of("evaluate", "--model", base.toString(), "--data", bad),
                List.of("predict", "--model", base.toString(), "--data", bad),
                List.of("predict", "--model", base.toString(), bad),
                List.of("transfer", "--base", base.toString(), "--case", "1", "--data", bad, "--out",
                        dir.resolve("y.c4j").toString()),
                List.of("advise", "--base", base.toString(), "--data", bad),
                List.of("fuse", "--mode", "late", "--inputs", "a=" + bad + ",b=" + bad + ":sobel", "--out",
                        dir.resolve("z.c4j").toString()),
                List.of("zoo-benchmark", "--models", "lenet5", "--data", bad, "--out", dir.resolve("zoo").toString()),
                List.of("experiment", "transfer", "--data", bad, "--out-dir", dir.resolve("e").toString()));
        for (List<String> args : runs) {
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), args + "\n" + r.out() + r.err());
            assertEquals(1, r.errLines(), args + "\n" + r.err());
            assertTrue(r.err().contains(bad) && r.err().contains("outside 0..9"), args + "\n" + r.err());
        }
    }

    @Test
    void everyHelpSaysLimitCountsPerClassAndNamesTheSpecs() {
        for (String cmd : List.of("train", "evaluate", "predict", "transfer", "advise", "fuse")) {
            CliRun r = CliRun.of(cmd, "--help");
            assertEquals(0, r.exitCode(), cmd);
            String help = r.out().replaceAll("\\s+", " ");
            assertTrue(help.contains(DataSpec.LIMIT_HELP), cmd + ": " + help);
            assertTrue(help.contains("fashion-mnist:CLASSES") || help.contains("fashion-mnist[:CLASSES]"), cmd + ": " + help);
        }
        // the experiment counts per class with --sizes and --test-per-class, and takes the same specs with --data
        String exp = CliRun.of("experiment", "transfer", "--help").out().replaceAll("\\s+", " ");
        assertTrue(exp.contains("--data=SPEC") && exp.contains("fashion-mnist:CLASSES")
                && exp.contains("count pictures per class, as --limit does everywhere"), exp);
    }

    private static void write(Path file, int shade) throws Exception {
        BufferedImage img = new BufferedImage(36, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 36; x++) {
                int v = (x * shade + y * 7) % 256;
                img.setRGB(x, y, v << 16 | (255 - v) << 8 | v / 3);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }
}
