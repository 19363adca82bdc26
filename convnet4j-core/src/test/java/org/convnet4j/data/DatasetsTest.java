package org.convnet4j.data;

import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatasetsTest {
    /** n samples of shape [1, 1, 2]; sample i holds (i, -i) and label i % 3, so views can be checked by value. */
    static ArrayDataset numbered(int n) {
        float[] d = new float[2 * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            d[2 * i] = i;
            d[2 * i + 1] = -i;
            labels[i] = i % 3;
        }
        return ArrayDataset.ofFloats(d, Shape.of(1, 1, 2), labels, List.of("x", "y", "z"));
    }

    private static int[] ids(Dataset ds) {
        int[] ids = new int[ds.size()];
        for (int i = 0; i < ds.size(); i++) {
            ids[i] = (int) ds.sample(i).data()[0];
            assertEquals(ids[i] % 3, ds.label(i), "label follows the sample");
        }
        return ids;
    }

    @Test
    void splitIsDisjointCompleteAndSeeded() {
        ArrayDataset ds = numbered(100);
        Datasets.Split s = Datasets.split(ds, 0.2, 5);
        assertEquals(80, s.train().size());
        assertEquals(20, s.validation().size());
        int[] all = new int[100];
        System.arraycopy(ids(s.train()), 0, all, 0, 80);
        System.arraycopy(ids(s.validation()), 0, all, 80, 20);
        Arrays.sort(all);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, all[i]);
        }
        assertArrayEquals(ids(s.validation()), ids(Datasets.split(ds, 0.2, 5).validation()));
        assertFalse(Arrays.equals(ids(s.validation()), ids(Datasets.split(ds, 0.2, 6).validation())));
        assertEquals(ds.sampleShape(), s.train().sampleShape());
        assertEquals(ds.classNames(), s.validation().classNames());
        assertThrows(IllegalArgumentException.class, () -> Datasets.split(ds, 1.0, 1));
        assertThrows(IllegalArgumentException.class, () -> Datasets.split(numbered(1), 0.5, 1));
    }

    @Test
    void subsetTakesTheFirstSamples() {
        ArrayDataset ds = numbered(10);
        assertArrayEquals(new int[] {0, 1, 2}, ids(Datasets.subset(ds, 3)));
        assertSame(ds, Datasets.subset(ds, 10));
        assertSame(ds, Datasets.subset(ds, 50));
        assertThrows(IllegalArgumentException.class, () -> Datasets.subset(ds, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Datasets.subset(ds, 3).label(3));
    }

    @Test
    void shuffleIsASeededPermutation() {
        ArrayDataset ds = numbered(50);
        int[] a = ids(Datasets.shuffle(ds, 9));
        assertArrayEquals(a, ids(Datasets.shuffle(ds, 9)));
        assertFalse(Arrays.equals(a, ids(ds)));
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        assertArrayEquals(ids(ds), sorted);
    }

    @Test
    void transformedViewAppliesTheTransformPerSample() {
        ArrayDataset ds = numbered(4);
        Dataset t = Datasets.transformed(ds, new Transform.Scale(10));
        assertArrayEquals(new float[] {30, -30}, t.sample(3).data());
        Dataset cropped = Datasets.transformed(ds, new Transform.CenterCrop(1, 1));
        assertEquals(Shape.of(1, 1, 1), cropped.sampleShape());
    }
}
