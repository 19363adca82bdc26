package org.convnet4j.data;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.convnet4j.data.IdxFiles.gzip;
import static org.convnet4j.data.IdxFiles.idx;
import static org.convnet4j.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MnistTest {
    @TempDir
    Path dir;

    private static final List<String> THREE = List.of("a", "b", "c");

    @Test
    void loadsSamplesScaledToUnitRangeWithLabels() throws IOException {
        byte[] pixels = IdxFiles.imagePixels(4, 3, 2);
        pixels[0] = (byte) 255;
        Path images = write(dir.resolve("img.gz"), gzip(idx(8, new int[] {4, 3, 2}, pixels)));
        Path labels = write(dir.resolve("lab"), idx(8, new int[] {4}, new byte[] {2, 0, 1, 2}));
        ArrayDataset ds = Mnist.load(images, labels, THREE);
        assertEquals(4, ds.size());
        assertEquals(Shape.of(1, 3, 2), ds.sampleShape());
        assertEquals(THREE, ds.classNames());
        assertEquals(2, ds.label(0));
        assertEquals(1, ds.label(2));
        Tensor s0 = ds.sample(0);
        assertEquals(1f, s0.data()[0], 0f);
        // sample 3, element 4 holds byte (3 * 7 + 4) = 25
        assertEquals(25f / 255f, ds.sample(3).data()[4], 1e-7f);
        float[] dest = new float[10];
        ds.copySample(1, dest, 3);
        assertEquals(0f, dest[2]);
        assertEquals(7f / 255f, dest[3], 1e-7f);
        assertThrows(IndexOutOfBoundsException.class, () -> ds.sample(4));
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        Path images = write(dir.resolve("img"), idx(8, new int[] {4, 2, 2}, new byte[16]));
        Path labels = write(dir.resolve("lab"), idx(8, new int[] {3}, new byte[3]));
        String m = assertThrows(DatasetFormatException.class, () -> Mnist.load(images, labels, THREE)).getMessage();
        assertEquals(images + " holds 4 images but " + labels + " holds 3 labels", m);
    }

    @Test
    void labelOutOfRangeNamesTheIndexAndValue() throws IOException {
        Path images = write(dir.resolve("img"), idx(8, new int[] {4, 2, 2}, new byte[16]));
        Path labels = write(dir.resolve("lab"), idx(8, new int[] {4}, new byte[] {0, 1, 2, (byte) 200}));
        String m = assertThrows(DatasetFormatException.class, () -> Mnist.load(images, labels, THREE)).getMessage();
        assertEquals(labels + ": label 3 is 200, outside 0..2 (3 classes)", m);
    }

    @Test
    void rankMismatchIsRefused() throws IOException {
        Path flat = write(dir.resolve("flat"), idx(8, new int[] {4, 4}, new byte[16]));
        Path labels = write(dir.resolve("lab"), idx(8, new int[] {4}, new byte[4]));
        String m = assertThrows(DatasetFormatException.class, () -> Mnist.load(flat, labels, THREE)).getMessage();
        assertTrue(m.startsWith(flat + ": expected image data with 3 dimensions"), m);
        Path images = write(dir.resolve("img"), idx(8, new int[] {4, 2, 2}, new byte[16]));
        Path labels2d = write(dir.resolve("lab2"), idx(8, new int[] {4, 1}, new byte[4]));
        m = assertThrows(DatasetFormatException.class, () -> Mnist.load(images, labels2d, THREE)).getMessage();
        assertTrue(m.startsWith(labels2d + ": expected label data with 1 dimension"), m);
    }
}
