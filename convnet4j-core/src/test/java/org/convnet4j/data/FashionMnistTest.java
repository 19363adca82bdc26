package org.convnet4j.data;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistTest {
    @TempDir
    Path dir;

    private static final Path DEBIAN = Path.of(FashionMnist.DEBIAN_DIR);

    /**
     * The real data. Expected values were read from the files with zcat/od, not with this code: the first
     * training label is 9, the labels are 6000 per class, the first training image's bytes sum to 76247 and
     * the last test image's to 24390.
     */
    @Test
    void realFashionMnistFromTheDebianPackage() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DEBIAN), "Debian package dataset-fashion-mnist not installed");
        FashionMnist.Files files = FashionMnist.locate(
                new FashionMnist.Places(null, null, DEBIAN, dir.resolve("cache"), null));
        assertTrue(files.source().startsWith("Debian package"), files.source());
        ArrayDataset train = files.train();
        ArrayDataset test = files.test();
        assertEquals(60000, train.size());
        assertEquals(10000, test.size());
        assertEquals(Shape.of(1, 28, 28), train.sampleShape());
        assertEquals(10, train.numClasses());
        assertEquals(9, train.label(0));
        assertEquals("Ankle boot", train.classNames().get(train.label(0)));
        assertEquals(9, test.label(0));
        int[] perClass = new int[10];
        for (int i = 0; i < train.size(); i++) {
            perClass[train.label(i)]++;
        }
        for (int c = 0; c < 10; c++) {
            assertEquals(6000, perClass[c], "class " + c);
        }
        Tensor first = train.sample(0);
        assertEquals(76247.0, first.sum() * 255.0, 0.05);
        assertTrue(first.min() >= 0f && first.max() <= 1f);
        assertEquals(24390.0, test.sample(9999).sum() * 255.0, 0.05);
    }

    @Test
    void defaultLocateFindsTheDebianPackage() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DEBIAN), "Debian package dataset-fashion-mnist not installed");
        Assumptions.assumeTrue(System.getProperty(FashionMnist.DIR_PROPERTY) == null
                && System.getenv(FashionMnist.DIR_ENV) == null, "a user directory is configured");
        assertEquals(DEBIAN.resolve("train-images-idx3-ubyte.gz"), FashionMnist.locate().trainImages());
    }

    @Test
    void failedSearchSaysWhatToDo() {
        Path cache = dir.resolve("cache");
        // port 1 on the loopback interface: the connection is refused at once, no network needed
        FashionMnist.Places places = new FashionMnist.Places(null, null, dir.resolve("nodebian"), cache,
                URI.create("http://127.0.0.1:1/"));
        String m = assertThrows(IOException.class, () -> FashionMnist.locate(places)).getMessage();
        assertTrue(m.startsWith("Fashion-MNIST not found (looked in " + dir.resolve("nodebian") + ", " + cache), m);
        assertTrue(m.contains("download from http://127.0.0.1:1/ failed"), m);
        assertTrue(m.contains("install the Debian package: sudo apt-get install dataset-fashion-mnist, or put the four files "
                + "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz in "
                + cache), m);
    }

    @Test
    void userDirectoryWinsAndMustBeComplete() throws IOException {
        Path user = Files.createDirectories(dir.resolve("user"));
        for (String n : FashionMnist.FILE_NAMES) {
            Files.write(user.resolve(n), new byte[] {0});
        }
        FashionMnist.Places places = new FashionMnist.Places(user, "FASHION_MNIST_DIR", DEBIAN, dir.resolve("c"), null);
        FashionMnist.Files f = FashionMnist.locate(places);
        assertEquals(user.resolve("train-images-idx3-ubyte"), f.trainImages()); // raw (not gzipped) names work too
        assertEquals(user.resolve("t10k-labels-idx1-ubyte"), f.testLabels());
        Files.delete(user.resolve("t10k-labels-idx1-ubyte"));
        String m = assertThrows(IOException.class, () -> FashionMnist.locate(places)).getMessage();
        assertEquals("FASHION_MNIST_DIR points to " + user + ", which does not hold t10k-labels-idx1-ubyte.gz "
                + "(each may be gzipped, name.gz)", m);
    }

    /** An IDX file of unsigned bytes: magic 0x0000_08_RANK, the dimensions as big-endian ints, then the values. */
    private static void idx(Path file, int[] dims, byte[] values) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * dims.length + values.length);
        b.putInt(0x0800 | dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(values);
        Files.write(file, b.array());
    }

    /**
     * A file pair is decoded once per JVM: asked again, the same (unchangeable) set comes back; a file replaced (another
     * modification time) is read again. Without the cache the second call gave an equal set, not the same one.
     */
    @Test
    void aFilePairIsDecodedOnceAndReadAgainWhenAFileChanges() throws IOException {
        Path user = Files.createDirectories(dir.resolve("tiny"));
        byte[] pixels = new byte[3 * 28 * 28];
        pixels[5] = (byte) 255;
        for (String set : new String[] {"train", "t10k"}) {
            idx(user.resolve(set + "-images-idx3-ubyte"), new int[] {3, 28, 28}, pixels);
            idx(user.resolve(set + "-labels-idx1-ubyte"), new int[] {3}, new byte[] {9, 0, 4});
        }
        FashionMnist.Files f = FashionMnist.locate(new FashionMnist.Places(user, "test", DEBIAN, dir.resolve("c"), null));
        ArrayDataset first = f.train();
        assertEquals(9, first.label(0));
        org.junit.jupiter.api.Assertions.assertSame(first, f.train());
        org.junit.jupiter.api.Assertions.assertSame(first, FashionMnist.locate(new FashionMnist.Places(user, "test",
                DEBIAN, dir.resolve("c"), null)).train());
        assertTrue(first != f.test(), "the test pair is another set");
        Path labels = user.resolve("train-labels-idx1-ubyte");
        java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(labels);
        idx(labels, new int[] {3}, new byte[] {2, 0, 4});
        Files.setLastModifiedTime(labels, java.nio.file.attribute.FileTime.fromMillis(before.toMillis() + 2000));
        ArrayDataset again = f.train();
        assertTrue(again != first, "a changed file is read again");
        assertEquals(2, again.label(0));
        assertEquals(9, first.label(0), "the set handed out before is unchanged");
    }

    @Test
    void cacheIsUsedWhenThereIsNoPackage() throws IOException {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        for (String n : FashionMnist.FILE_NAMES) {
            Files.write(cache.resolve(n + ".gz"), new byte[] {0});
        }
        FashionMnist.Files f = FashionMnist.locate(new FashionMnist.Places(null, null, dir.resolve("none"), cache,
                URI.create("http://127.0.0.1:1/")));
        assertEquals(cache.resolve("train-labels-idx1-ubyte.gz"), f.trainLabels());
        assertTrue(f.source().startsWith("cache"));
    }
}
