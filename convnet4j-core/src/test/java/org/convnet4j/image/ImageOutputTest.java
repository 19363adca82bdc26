package org.convnet4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extension chooses picture or numbers, and every refusal comes before anything is written. */
class ImageOutputTest {
    @TempDir
    Path dir;

    private static final Tensor PICTURE = Tensor.wrap(new float[] {0, 64, 128, 255, 300, -5}, 1, 2, 3);

    @Test
    void csvTakesTheRawNumbersAndAPictureTheClampedPixels() throws IOException {
        ImageOutput csv = ImageOutput.of(dir.resolve("m.CSV"));
        assertTrue(csv.csv());
        csv.write(PICTURE);
        List<String> rows = Files.readAllLines(csv.path());
        assertEquals(List.of("0,64,128", "255,300,-5"), rows); // not clamped

        ImageOutput png = ImageOutput.of(dir.resolve("m.png"));
        assertFalse(png.csv());
        png.write(PICTURE);
        assertArrayEquals(new float[] {0, 64, 128, 255, 255, 0}, Images.read(png.path()).data());
    }

    @Test
    void anUnknownExtensionIsRefusedNamingThePath() {
        Path txt = dir.resolve("out.txt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageOutput.of(txt));
        assertEquals(txt + ": unknown output type '.txt'; use .png, .jpg, .bmp or .gif for a picture, .csv for the"
                + " numbers", e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageOutput.of(dir.resolve("out")))
                .getMessage().contains("(no extension)"));
    }

    @Test
    void aFolderOrAMissingFolderIsRefusedBeforeTheWork() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("maps.png"));
        FileSystemException e = assertThrows(FileSystemException.class, () -> ImageOutput.of(folder));
        assertEquals(folder + ": is a directory; give a file name such as " + folder.resolve("out.png"), e.getMessage());
        Path missing = dir.resolve("no-such-folder").resolve("x.png");
        assertThrows(NoSuchFileException.class, () -> ImageOutput.of(missing));
        assertFalse(Files.exists(missing.getParent()));
    }
}
