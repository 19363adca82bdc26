package org.convnet4j.data;

import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFolderDatasetTest {
    @TempDir
    Path root;

    /** A w x h RGB image filled with one colour. */
    private static Tensor solid(int h, int w, float r, float g, float b) {
        Tensor t = Tensor.zeros(3, h, w);
        float[] d = t.data();
        for (int i = 0; i < h * w; i++) {
            d[i] = r;
            d[h * w + i] = g;
            d[2 * h * w + i] = b;
        }
        return t;
    }

    /** Classes "dog" (2 good) and "cat" (1 good, 1 grey), plus a corrupt and an empty file and a text file. */
    private void makeFolder() throws IOException {
        Path cat = Files.createDirectories(root.resolve("cat"));
        Path dog = Files.createDirectories(root.resolve("dog"));
        Files.createDirectories(root.resolve(".hidden"));
        Images.write(solid(4, 6, 200, 0, 0), cat.resolve("c1.png"));
        Images.write(Tensor.full(Shape.of(1, 4, 6), 77), cat.resolve("c2.bmp"));
        Images.write(solid(4, 6, 0, 0, 250), dog.resolve("d1.png"));
        Path sub = Files.createDirectories(dog.resolve("more"));
        Images.write(solid(8, 12, 0, 100, 0), sub.resolve("d2.PNG"));
        byte[] junk = new byte[64];
        new Random(1).nextBytes(junk);
        junk[0] = 'x';
        Files.write(dog.resolve("broken.jpg"), junk);
        Files.createFile(cat.resolve("empty.png"));
        Files.writeString(cat.resolve("notes.txt"), "not an image, ignored");
    }

    private static final Transform RESIZE = new Transform.Resize(4, 6);

    /** Pictures beside the class folders have no class: left out of the dataset and listed (they were dropped silently). */
    @Test
    void picturesOutsideAnyClassFolderAreLeftOutAndListed() throws IOException {
        makeFolder();
        Images.write(solid(4, 6, 9, 9, 9), root.resolve("loose-b.png"));
        Images.write(solid(4, 6, 9, 9, 9), root.resolve("loose-a.bmp"));
        Files.writeString(root.resolve("README.txt"), "not a picture: not counted");
        ImageFolderDataset ds = ImageFolderDataset.builder(root).transform(RESIZE).onBadFile(OnBadFile.SKIP).build();
        assertEquals(List.of("cat", "dog"), ds.classNames());
        assertEquals(4, ds.size());
        assertEquals(List.of(root.resolve("loose-a.bmp"), root.resolve("loose-b.png")), ds.outsideClassFolders());
        assertEquals("2 pictures outside any class folder were left out: first " + root.resolve("loose-a.bmp"),
                ImageFolderDataset.outsideClassFoldersLine(2, ds.outsideClassFolders().get(0).toString()));
    }

    @Test
    void skipModeKeepsGoodImagesAndListsBadOnes() throws IOException {
        makeFolder();
        ImageFolderDataset ds = ImageFolderDataset.builder(root).transform(RESIZE).onBadFile(OnBadFile.SKIP).build();
        assertEquals(List.of("cat", "dog"), ds.classNames());
        assertEquals(4, ds.size());
        assertEquals(Shape.of(3, 4, 6), ds.sampleShape());
        assertEquals(List.of("c1.png", "c2.bmp", "d1.png", "d2.PNG"),
                List.of(0, 1, 2, 3).stream().map(i -> ds.file(i).getFileName().toString()).collect(Collectors.toList()));
        assertArrayEquals(new int[] {0, 0, 1, 1}, new int[] {ds.label(0), ds.label(1), ds.label(2), ds.label(3)});
        List<ImageFolderDataset.Skipped> skipped = ds.skipped();
        assertEquals(2, skipped.size(), skipped.toString());
        assertEquals(root.resolve("cat/empty.png"), skipped.get(0).file());
        assertTrue(skipped.get(0).reason().startsWith("empty file"), skipped.get(0).reason());
        assertEquals(root.resolve("dog/broken.jpg"), skipped.get(1).file());
        assertTrue(skipped.get(1).reason().startsWith("not a supported image"), skipped.get(1).reason());
        // pixel values come through: red cat, grey cat replicated to 3 channels, resized green dog
        assertEquals(200f, ds.sample(0).get(0, 1, 1));
        Tensor grey = ds.sample(1);
        assertEquals(77f, grey.get(0, 2, 3));
        assertEquals(77f, grey.get(2, 2, 3));
        assertEquals(100f, ds.sample(3).get(1, 3, 5), 1e-4f);
    }

    @Test
    void failModeStopsAtTheFirstBadFile() throws IOException {
        makeFolder();
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> ImageFolderDataset.builder(root).transform(RESIZE).onBadFile(OnBadFile.FAIL).build());
        assertTrue(e.getMessage().startsWith(root.resolve("cat/empty.png") + ": empty file"), e.getMessage());
    }

    @Test
    void differentSizesWithoutResizeAreBadFiles() throws IOException {
        makeFolder();
        Files.delete(root.resolve("cat/empty.png"));
        Files.delete(root.resolve("dog/broken.jpg"));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ImageFolderDataset.builder(root).build());
        assertTrue(e.getMessage().contains("d2.PNG: after the transform its shape is [3, 8, 12]"), e.getMessage());
        ImageFolderDataset ds = ImageFolderDataset.builder(root).onBadFile(OnBadFile.SKIP).channels(1).build();
        assertEquals(3, ds.size());
        assertEquals(Shape.of(1, 4, 6), ds.sampleShape());
        assertEquals(0.299f * 200, ds.sample(0).get(0, 0, 0), 1e-3f);
    }

    @Test
    void randomTransformsUseTheGivenRandomSource() throws IOException {
        Path a = Files.createDirectories(root.resolve("a"));
        Tensor img = Tensor.zeros(1, 2, 3);
        img.set(255, 0, 0, 0); // a bright left edge
        img.set(255, 0, 1, 0);
        Images.write(img, a.resolve("x.png"));
        ImageFolderDataset ds = ImageFolderDataset.builder(root).channels(1)
                .transform(new Transform.RandomHorizontalFlip(1)).build();
        float[] plain = new float[6];
        ds.copySample(0, plain, 0);
        assertEquals(255f, plain[0]);
        float[] flipped = new float[6];
        ds.copySample(0, flipped, 0, new Random(1));
        assertEquals(0f, flipped[0]);
        assertEquals(255f, flipped[2]);
    }

    @Test
    void symlinksOutsideTheRootAreIgnored() throws IOException {
        Path inside = Files.createDirectories(root.resolve("data"));
        Path cls = Files.createDirectories(inside.resolve("one"));
        Images.write(solid(2, 2, 1, 2, 3), cls.resolve("in.png"));
        Path outsideDir = Files.createDirectories(root.resolve("secret"));
        Path secret = outsideDir.resolve("s.png");
        Images.write(solid(2, 2, 9, 9, 9), secret);
        try {
            Files.createSymbolicLink(cls.resolve("link.png"), secret);
            Files.createSymbolicLink(inside.resolve("two"), outsideDir);
            Files.createSymbolicLink(cls.resolve("ok.png"), cls.resolve("in.png"));
        } catch (UnsupportedOperationException | IOException e) {
            org.junit.jupiter.api.Assumptions.abort("symbolic links not supported here: " + e);
        }
        ImageFolderDataset ds = ImageFolderDataset.builder(inside).build();
        assertEquals(List.of("one"), ds.classNames());
        assertEquals(List.of(cls.resolve("in.png"), cls.resolve("ok.png")), List.of(ds.file(0), ds.file(1)));
        assertEquals(2, ds.skipped().size(), ds.skipped().toString());
        assertTrue(ds.skipped().stream().allMatch(s -> s.reason().contains("outside")));
    }

    @Test
    void emptyOrMissingRootIsAClearError() throws IOException {
        assertThrows(DatasetFormatException.class, () -> ImageFolderDataset.builder(root.resolve("nope")).build());
        String m = assertThrows(DatasetFormatException.class, () -> ImageFolderDataset.builder(root).build()).getMessage();
        assertTrue(m.contains("no class folders"), m);
        Files.createDirectories(root.resolve("a"));
        m = assertThrows(DatasetFormatException.class, () -> ImageFolderDataset.builder(root).build()).getMessage();
        assertTrue(m.contains("no usable images"), m);
    }

    /** What {@code predict FILE DIR ...} classifies: files as given, folders as their pictures, sorted. */
    @Test
    void picturesOfKeepsFilesAndOpensFoldersInOrder(@TempDir Path where) throws IOException {
        Path folder = Files.createDirectories(where.resolve("shots").resolve("inner"));
        Images.write(solid(2, 2, 1, 2, 3), folder.getParent().resolve("b.png"));
        Images.write(solid(2, 2, 1, 2, 3), folder.resolve("a.jpg"));
        Files.writeString(folder.getParent().resolve("notes.txt"), "not a picture");
        Path single = where.resolve("z.png");
        Images.write(solid(2, 2, 4, 5, 6), single);
        List<Path> got = ImageFolderDataset.picturesOf(List.of(single, where.resolve("shots")));
        // the file first, then the folder's pictures sorted by path (shots/b.png before shots/inner/a.jpg)
        assertEquals(List.of(single, folder.getParent().resolve("b.png"), folder.resolve("a.jpg")), got);
        Path empty = Files.createDirectories(where.resolve("empty"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderDataset.picturesOf(List.of(single, empty)));
        assertTrue(e.getMessage().startsWith(empty + ": a folder without pictures (bmp, gif, jpeg, jpg, png, webp)"),
                e.getMessage());
        Path missing = where.resolve("shoe.png");
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolderDataset.picturesOf(List.of(single, missing)));
        assertEquals(missing + ": no such picture file", e.getMessage());
    }
}
