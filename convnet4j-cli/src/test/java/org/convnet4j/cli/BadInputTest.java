package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.convnet4j.image.Images;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input: exit code 2, exactly one line on stderr that names the file or option and the
 * problem, no stack trace, and no output file (not even a temporary one).
 */
class BadInputTest {
    @TempDir
    Path dir;
    Path step;
    Path out;

    @BeforeEach
    void setUp() throws IOException {
        step = dir.resolve("step.png");
        Images.write(ConvolveCommandTest.lectureStep(), step);
        out = dir.resolve("result.png");
    }

    /** Runs, and checks the contract; returns the error line. */
    private String fails(String... args) throws IOException {
        List<String> before = listing();
        CliRun run = CliRun.of(args);
        assertEquals(2, run.exitCode(), "exit code; stderr: " + run.err());
        assertEquals(1, run.errLines(), "exactly one line on stderr: " + run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
        assertFalse(Files.exists(out), "no output file");
        assertEquals(before, listing(), "no new (temporary) file in the directory");
        return run.err().strip();
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertMentions(String line, String... parts) {
        for (String p : parts) {
            assertTrue(line.contains(p), "'" + line + "' should mention '" + p + "'");
        }
    }

    @Test
    void missingImage() throws IOException {
        Path missing = dir.resolve("nope.png");
        assertMentions(fails("convolve", missing.toString(), "-k", "sobel-x", "-o", out.toString()),
                "nope.png", "not found");
    }

    @Test
    void corruptImage() throws IOException {
        byte[] png = Files.readAllBytes(step);
        Path broken = dir.resolve("broken.png");
        // Keep the signature and the header, cut the pixel data short.
        Files.write(broken, java.util.Arrays.copyOf(png, 40));
        assertMentions(fails("convolve", broken.toString(), "-k", "sobel-x", "-o", out.toString()),
                "broken.png", "corrupt");
    }

    @Test
    void textFileNamedPng() throws IOException {
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "these are not pixels\n");
        assertMentions(fails("edges", text.toString(), "-o", out.toString()), "notes.png", "not a supported image");
    }

    @Test
    void raggedKernelFile() throws IOException {
        Path k = dir.resolve("ragged.txt");
        Files.writeString(k, "1 0 -1\n2 0\n1 0 -1\n");
        assertMentions(fails("convolve", step.toString(), "-k", k.toString(), "-o", out.toString()),
                "ragged.txt", "line 2", "same length");
    }

    @Test
    void nonNumberInKernelFile() throws IOException {
        Path k = dir.resolve("words.txt");
        Files.writeString(k, "1 0 -1\n2 zero -2\n");
        assertMentions(fails("convolve", step.toString(), "-k", k.toString(), "-o", out.toString()),
                "words.txt", "line 2", "'zero' is not a number");
    }

    @Test
    void binaryKernelFile() throws IOException {
        // it said "cannot read kernel file: Input length = 1" (MalformedInputException's words)
        Path k = dir.resolve("kernel.bin");
        Files.write(k, new byte[] {'1', ' ', (byte) 0xff, (byte) 0xfe, '\n'});
        assertMentions(fails("convolve", step.toString(), "-k", k.toString(), "-o", out.toString()),
                "kernel.bin", "not UTF-8");
    }

    @Test
    void outputPathsAreCheckedBeforeTheInputIsRead() throws IOException {
        // import, export and transfer read (or download) the model and transfer trains before writing: a missing
        // output directory was refused only then (after "extracting features" for transfer); the input here is not
        // a model at all, so the refusal can only be the output's if it comes first
        Path junk = dir.resolve("junk.c4j");
        Files.writeString(junk, "not a model");
        Path nowhere = dir.resolve("no-such-dir");
        assertMentions(fails("import", junk.toString(), "-o", nowhere.resolve("m.c4j").toString()),
                "no-such-dir", "does not exist");
        assertMentions(fails("export", junk.toString(), "-o", nowhere.resolve("m.onnx").toString()),
                "no-such-dir", "does not exist");
        assertMentions(fails("export", junk.toString(), "-o", dir.toString()), "is a directory");
        assertMentions(fails("transfer", "--base", junk.toString(), "--case", "1", "--data", "fashion-mnist:5-9",
                "--out", nowhere.resolve("t.c4j").toString()), "no-such-dir", "does not exist");
        assertFalse(Files.exists(nowhere));
    }

    @Test
    void serveNamesTheOptionOutOfRange() throws IOException {
        // it listed all eleven options and their ranges whichever was wrong
        String line = fails("serve", "--model", "a=" + step, "--port", "99999");
        assertMentions(line, "--port: must be 0..65535, got 99999");
        assertMentions(fails("serve", "--model", "a=" + step, "--max-batch", "0"), "--max-batch: must be at least 1");
    }

    @Test
    void missingKernelFile() throws IOException {
        assertMentions(fails("convolve", step.toString(), "-k", "my/kernel.txt", "-o", out.toString()),
                "my/kernel.txt", "not found");
    }

    @Test
    void unknownKernelName() throws IOException {
        assertMentions(fails("convolve", step.toString(), "-k", "sobel-z", "-o", out.toString()),
                "sobel-z", "unknown kernel", "sobel-x");
    }

    @Test
    void missingOutputDirectory() throws IOException {
        Path nowhere = dir.resolve("no-such-dir").resolve("r.png");
        assertMentions(fails("convolve", step.toString(), "-k", "sobel-x", "-o", nowhere.toString()),
                "no-such-dir", "does not exist");
        assertFalse(Files.exists(nowhere.getParent()));
    }

    @Test
    void unknownOutputExtension() throws IOException {
        assertMentions(fails("convolve", step.toString(), "-k", "sobel-x", "-o", dir.resolve("r.tiff").toString()),
                "r.tiff", "'.tiff'");
    }

    @Test
    void strideZero() throws IOException {
        assertMentions(fails("convolve", step.toString(), "-k", "sobel-x", "--stride", "0", "-o", out.toString()),
                "--stride", "0");
    }

    @Test
    void badOptionValues() throws IOException {
        assertMentions(fails("convolve", step.toString(), "-k", "sobel-x", "--padding", "lots", "-o", out.toString()),
                "--padding", "lots");
        assertMentions(fails("convolve", step.toString(), "-k", "sobel-x", "--pad-mode", "wrap", "-o", out.toString()),
                "--pad-mode", "wrap");
        assertMentions(fails("convolve", step.toString(), "-k", "sobel-x", "--normalize", "log", "-o", out.toString()),
                "--normalize", "log");
        assertMentions(fails("pool", step.toString(), "--type", "median", "-o", out.toString()), "median");
        assertMentions(fails("pool", step.toString(), "--type", "lp", "--p", "0.5", "-o", out.toString()), "p >= 1");
        assertMentions(fails("pool", step.toString(), "--size", "2", "--padding", "2", "-o", out.toString()), "padding");
    }

    @Test
    void kernelLargerThanImage() throws IOException {
        assertMentions(fails("convolve", step.toString(), "-k", "box9", "-o", out.toString()), "step.png", "larger");
    }

    @Test
    void missingRequiredOptionAndUnknownCommand() throws IOException {
        assertMentions(fails("convolve", step.toString(), "-k", "sobel-x"), "--output");
        assertMentions(fails("frobnicate"), "frobnicate");
    }

    @Test
    void debugShowsTheStackTrace() {
        CliRun run = CliRun.of("convolve", dir.resolve("nope.png").toString(), "-k", "sobel-x", "-o", out.toString(),
                "--debug");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("\tat "), run.err());
    }
}
