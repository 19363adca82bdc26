package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.convnet4j.image.Images;
import org.convnet4j.model.LearnedPictures;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite, the pictures: a PNG write that fails part way (a full disk, injected with {@code
 * convnet4j.faults.write} at byte 100 of the file) in {@code edges}, {@code train --plots} and the feature maps the
 * demo writes. One line naming the file and the cause (not ImageIO's "I/O error writing PNG file!"), exit 2, and no
 * partial PNG: the earlier file unchanged and no temporary file; train still saves its model. Also an output path whose parent is a file (root can write read-only folders, so this is the
 * folder failure a test can make).
 */
class PictureWriteFailureTest {
    @TempDir
    Path dir;

    @AfterEach
    void hookOff() {
        System.clearProperty("convnet4j.faults.write");
    }

    private Path picture() throws IOException {
        Tensor t = Tensor.zeros(1, 32, 32);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (i * 37) % 256;
        }
        Path png = dir.resolve("in.png");
        Images.write(t, png);
        return png;
    }

    private static byte[] earlier(Path file) throws IOException {
        byte[] b = ("an earlier " + file.getFileName() + "\n").getBytes(StandardCharsets.UTF_8);
        Files.write(file, b);
        return b;
    }

    private static void noTemporaryIn(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList());
        }
    }

    @Test
    void edgesWhoseDiskFillsUp() throws Exception {
        Path in = picture();
        Path out = dir.resolve("edges.png");
        byte[] before = earlier(out);
        Path gx = dir.resolve("gx.png");
        System.setProperty("convnet4j.faults.write", "edges.png@100:fail");
        CliRun r = CliRun.of("edges", in.toString(), "-o", out.toString(), "--gx", gx.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains(out.toString()) && r.err().contains("No space left on device"), r.err());
        assertFalse(r.err().contains("I/O error writing PNG file"), "the cause, not ImageIO's wrapper: " + r.err());
        assertArrayEquals(before, Files.readAllBytes(out));
        assertFalse(Files.exists(gx), "nothing after the failed file");
        noTemporaryIn(dir);
    }

    @Test
    void edgesIntoAFolderThatIsAFile() throws Exception {
        Path in = picture();
        Path file = dir.resolve("not-a-folder");
        Files.writeString(file, "x");
        CliRun r = CliRun.of("edges", in.toString(), "-o", file.resolve("edges.png").toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains(file.resolve("edges.png").toString()), r.err());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void trainingCurvesWhoseDiskFillsUp() throws Exception {
        Path data = KillAtAByteTest.inputPictures(dir);
        Path plots = Files.createDirectories(dir.resolve("plots"));
        Path png = plots.resolve("training-curves.png");
        byte[] before = earlier(png);
        System.setProperty("convnet4j.faults.write", "training-curves.png@100:fail");
        CliRun r = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split", "0",
                "--no-progress", "--out", dir.resolve("m.c4j").toString(), "--plots", plots.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains(png.toString()) && r.err().contains("No space left on device"), r.err());
        // a picture is not worth the epochs: the run went on and saved its model, and says so
        assertTrue(Files.isRegularFile(dir.resolve("m.c4j")), "the model is saved");
        assertTrue(r.err().contains("saved " + dir.resolve("m.c4j")), r.err());
        assertArrayEquals(before, Files.readAllBytes(png));
        noTemporaryIn(plots);
    }

    @Test
    void featureMapsWhoseDiskFillsUp() throws Exception {
        Sequential net = LeNet5.build();
        net.initialize(3);
        Path out = Files.createDirectories(dir.resolve("learned"));
        Tensor x = Tensor.zeros(1, 28, 28);
        List<LearnedPictures.Picture> all = LearnedPictures.write(net, x, "a test picture", out);
        Path last = all.get(all.size() - 1).file();
        byte[] before = Files.readAllBytes(last);
        System.setProperty("convnet4j.faults.write", last.getFileName() + "@100:fail");
        IOException e = assertThrows(IOException.class, () -> LearnedPictures.write(net, x, "a test picture", out));
        assertTrue(e.getMessage().contains(last.toString()) && e.getMessage().contains("No space left on device"),
                e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(last));
        noTemporaryIn(out);
    }
}
