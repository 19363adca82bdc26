package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's rule for output paths, on every command that writes: the folder of an output *file* must exist
 * (exit 2, one line naming that folder, nothing created), and an option that names an output *folder* creates it.
 */
class OutputPathsTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path data;
    static Path tensor;
    static Path picture;

    @BeforeAll
    static void inputs() throws IOException {
        SaveFaults in = SaveFaults.in(dir);
        model = in.model();
        data = in.data();
        tensor = in.tensor();
        picture = in.picture();
    }

    @Test
    void theFolderOfAnOutputFileMustExist() throws Exception {
        Path missing = dir.resolve("no-such-folder");
        String m = model.toString();
        String d = data.toString();
        List<String[]> lines = List.of(
                new String[] {"train", "--data", d, "--epochs", "1", "--val-split", "0", "--no-progress", "--out", "x.c4j"},
                new String[] {"transfer", "--base", m, "--case", "1", "--data", d, "-o", "x.c4j"},
                new String[] {"fuse", "--mode", "early", "--inputs", "a=" + d + ",b=" + d, "--epochs", "1", "--out", "x.c4j"},
                new String[] {"import", m, "-o", "x.c4j"},
                new String[] {"export", m, "-o", "x.onnx"},
                new String[] {"edges", picture.toString(), "-o", "x.png"},
                new String[] {"convolve", picture.toString(), "--kernel", "sobel-x", "-o", "x.png"},
                new String[] {"pool", picture.toString(), "-o", "x.csv"});
        List<String> wrong = new ArrayList<>();
        for (String[] line : lines) {
            String[] args = line.clone();
            args[args.length - 1] = missing.resolve(args[args.length - 1]).toString();
            CliRun r = CliRun.of(args);
            if (r.exitCode() != 2 || r.errLines() != 1 || !r.err().contains(missing.toString())
                    || !r.err().contains("does not exist")) {
                wrong.add(String.join(" ", line) + " -> exit " + r.exitCode() + ": " + r.err().strip());
            }
            assertFalse(Files.exists(missing), String.join(" ", line) + " created " + missing);
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void anOutputFolderIsCreated() throws Exception {
        Path outs = dir.resolve("new/infer");
        CliRun infer = CliRun.of("infer", "--model", model.toString(), "--input", tensor.toString(), "-o", outs.toString());
        assertEquals(0, infer.exitCode(), infer.err());
        assertTrue(Files.isRegularFile(outs.resolve("output_0.pb")));

        Path plots = dir.resolve("new/train-plots");
        CliRun train = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split", "0",
                "--no-progress", "--out", dir.resolve("t.c4j").toString(), "--plots", plots.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(Files.isRegularFile(plots.resolve("training-curves.png")));

        Path evalPlots = dir.resolve("new/evaluate-plots");
        CliRun eval = CliRun.of("evaluate", "--model", dir.resolve("t.c4j").toString(), "--data", data.toString(),
                "--plots", evalPlots.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(Files.isRegularFile(evalPlots.resolve("confusion-matrix.png")));
    }

    /**
     * {@code -o nodir/} (a folder meant) on a command that writes one file: refused in one line, exit 2, naming the
     * argument and a file name to give; no file {@code nodir} written (before: Path.of dropped the '/', and train,
     * transfer, import, export wrote a FILE nodir, exit 0). A folder option keeps taking a trailing '/'.
     */
    @Test
    void aNameEndingInASlashIsAFolderAndNoOutputFile() throws Exception {
        String m = model.toString();
        String d = data.toString();
        String p = picture.toString();
        List<String[]> lines = List.of(
                new String[] {"train", "--data", d, "--epochs", "1", "--batch", "4", "--val-split", "0", "--no-progress",
                    "--out", "m/"},
                new String[] {"transfer", "--base", m, "--case", "1", "--data", d, "--epochs", "1", "-o", "t/"},
                new String[] {"fuse", "--mode", "early", "--inputs", "a=" + d + ",b=" + d, "--epochs", "1", "--out", "f/"},
                new String[] {"import", m, "-o", "i/"},
                new String[] {"export", m, "-o", "e.onnx/"},
                new String[] {"edges", p, "-o", "g.png/"},
                new String[] {"edges", p, "-o", dir.resolve("ok.png").toString(), "--gx", "gx/."},
                new String[] {"convolve", p, "--kernel", "sobel-x", "-o", "c.png/"},
                new String[] {"pool", p, "-o", "p.csv/"});
        List<String> wrong = new ArrayList<>();
        for (String[] line : lines) {
            String[] args = line.clone();
            String given = args[args.length - 1];
            args[args.length - 1] = dir.resolve("slash") + "/" + given;
            Files.createDirectories(dir.resolve("slash"));
            CliRun r = CliRun.of(args);
            if (r.exitCode() != 2 || r.errLines() != 1 || !r.err().contains("'" + args[args.length - 1] + "' names no file")
                    || !r.err().contains("give its name, such as ")) {
                wrong.add(String.join(" ", line) + " -> exit " + r.exitCode() + ": " + r.err().strip());
            }
            try (var s = Files.list(dir.resolve("slash"))) {
                assertEquals(List.of(), s.toList(), String.join(" ", line) + " wrote");
            }
        }
        assertEquals(List.of(), wrong);
        Path outs = dir.resolve("new/infer-slash");
        CliRun infer = CliRun.of("infer", "--model", m, "--input", tensor.toString(), "-o", outs + "/");
        assertEquals(0, infer.exitCode(), infer.err());
        assertTrue(Files.isRegularFile(outs.resolve("output_0.pb")));
    }
}
