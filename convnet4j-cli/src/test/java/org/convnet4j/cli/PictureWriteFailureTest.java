package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.model.LearnedPictures;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fault suite, the pictures: a PNG write that fails part way (a full disk or an I/O error, injected with {@code
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
        return SaveFaults.in(dir).picture();
    }

    private static byte[] earlier(Path file) throws IOException {
        return SaveFaults.earlier(file);
    }

    private static void noTemporaryIn(Path folder) throws IOException {
        SaveFaults.noTemporaryIn(folder);
    }

    private static String cause(String fault) {
        return fault.equals("eio") ? "Input/output error" : "No space left on device";
    }

    @ParameterizedTest
    @ValueSource(strings = {"enospc", "eio"})
    void edgesWhoseDiskFails(String fault) throws Exception {
        Path in = picture();
        Path out = dir.resolve("edges.png");
        byte[] before = earlier(out);
        Path gx = dir.resolve("gx.png");
        System.setProperty("convnet4j.faults.write", "edges.png@100:" + fault);
        CliRun r = CliRun.of("edges", in.toString(), "-o", out.toString(), "--gx", gx.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains(out.toString()) && r.err().contains(cause(fault)), r.err());
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

    @ParameterizedTest
    @ValueSource(strings = {"enospc", "eio"})
    void trainingCurvesWhoseDiskFails(String fault) throws Exception {
        Path data = SaveFaults.in(dir).data();
        Path plots = Files.createDirectories(dir.resolve("plots"));
        Path png = plots.resolve("training-curves.png");
        byte[] before = earlier(png);
        System.setProperty("convnet4j.faults.write", "training-curves.png@100:" + fault);
        CliRun r = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split", "0",
                "--no-progress", "--out", dir.resolve("m.c4j").toString(), "--plots", plots.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains(png.toString()) && r.err().contains(cause(fault)), r.err());
        // a picture is not worth the epochs: the run went on and saved its model, and says so
        assertTrue(Files.isRegularFile(dir.resolve("m.c4j")), "the model is saved");
        assertTrue(r.err().contains("saved " + dir.resolve("m.c4j")), r.err());
        assertArrayEquals(before, Files.readAllBytes(png));
        noTemporaryIn(plots);
    }

    @ParameterizedTest
    @ValueSource(strings = {"enospc", "eio"})
    void featureMapsWhoseDiskFails(String fault) throws Exception {
        Sequential net = LeNet5.build();
        net.initialize(3);
        Path out = Files.createDirectories(dir.resolve("learned"));
        Tensor x = Tensor.zeros(1, 28, 28);
        List<LearnedPictures.Picture> all = LearnedPictures.write(net, x, "a test picture", out);
        Path last = all.get(all.size() - 1).file();
        byte[] before = Files.readAllBytes(last);
        System.setProperty("convnet4j.faults.write", last.getFileName() + "@100:" + fault);
        IOException e = assertThrows(IOException.class, () -> LearnedPictures.write(net, x, "a test picture", out));
        assertTrue(e.getMessage().contains(last.toString()) && e.getMessage().contains(cause(fault)),
                e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(last));
        noTemporaryIn(out);
    }
}
