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
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** Classes of very different sizes (120, 50, 20, 7, 2, 1 pictures), shuffled; sample i holds i. */
    static ArrayDataset unbalanced() {
        int[] sizes = {120, 50, 20, 7, 2, 1};
        int n = Arrays.stream(sizes).sum();
        int[] labels = new int[n];
        int at = 0;
        for (int c = 0; c < sizes.length; c++) {
            for (int j = 0; j < sizes[c]; j++) {
                labels[at++] = c;
            }
        }
        int[] p = Datasets.permutation(n, new java.util.Random(3));
        int[] mixed = new int[n];
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            mixed[i] = labels[p[i]];
            d[i] = i;
        }
        return ArrayDataset.ofFloats(d, Shape.of(1, 1, 1), mixed, List.of("a", "b", "c", "d", "e", "f"));
    }

    private static int[] perClass(Dataset ds, int[] indices) {
        int[] c = new int[ds.numClasses()];
        for (int i : indices) {
            c[ds.label(i)]++;
        }
        return c;
    }

    /** The largest distance, in pictures, of a class's validation count from its share of the validation part. */
    private static double worstShare(Dataset ds, int[] val) {
        int[] all = perClass(ds, range(ds.size()));
        int[] v = perClass(ds, val);
        double worst = 0;
        for (int c = 0; c < all.length; c++) {
            worst = Math.max(worst, Math.abs(v[c] - all[c] * (double) val.length / ds.size()));
        }
        return worst;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    @Test
    void stratifiedSplitGivesEveryClassItsShareAndKeepsATrainingPictureOfEach() {
        ArrayDataset ds = unbalanced();
        int n = ds.size();
        double plainWorst = 0;
        for (double f : new double[] {0.1, 0.2, 0.5}) {
            for (long seed = 0; seed < 40; seed++) {
                int[][] parts = Datasets.stratifiedIndices(ds, f, seed);
                int[] train = parts[0];
                int[] val = parts[1];
                // disjoint and complete, in ascending order
                int[] both = new int[n];
                System.arraycopy(train, 0, both, 0, train.length);
                System.arraycopy(val, 0, both, train.length, val.length);
                Arrays.sort(both);
                assertArrayEquals(range(n), both);
                assertEquals(Math.round(n * f), val.length, "f " + f + " seed " + seed);
                double worst = worstShare(ds, val);
                assertTrue(worst < 1, "f " + f + " seed " + seed + ": a class is " + worst + " pictures off its share");
                int[] kept = perClass(ds, train);
                for (int c = 0; c < kept.length; c++) {
                    assertTrue(kept[c] >= 1, "class " + c + " lost every training picture (f " + f + ", seed " + seed + ")");
                }
                assertArrayEquals(val, Datasets.stratifiedIndices(ds, f, seed)[1], "the same seed, the same split");
                Datasets.Split plain = Datasets.split(ds, f, seed);
                plainWorst = Math.max(plainWorst, worstShare(ds, Datasets.source(plain.validation()).indices()));
            }
        }
        // the plain random split misses the bound on this data, so the bound above says something
        assertTrue(plainWorst >= 1, "plain split's worst " + plainWorst);
        assertFalse(Arrays.equals(Datasets.stratifiedIndices(ds, 0.2, 1)[1], Datasets.stratifiedIndices(ds, 0.2, 2)[1]));
        // the one-picture class stays in training; at f 0.5 the two-picture class gives one, not both
        int[] half = perClass(ds, Datasets.stratifiedIndices(ds, 0.5, 7)[1]);
        assertEquals(0, half[5]);
        assertEquals(1, half[4]);
        // views: labels follow their samples
        Datasets.Split s = Datasets.stratifiedSplit(ds, 0.2, 4);
        assertEquals(Math.round(n * 0.2), s.validation().size());
        for (int i = 0; i < s.validation().size(); i++) {
            assertEquals(ds.label((int) s.validation().sample(i).data()[0]), s.validation().label(i));
        }
    }

    @Test
    void stratifiedSplitOfOnlyOnePicturePerClassIsRefused() {
        ArrayDataset ones = ArrayDataset.ofFloats(new float[3], Shape.of(1, 1, 1), new int[] {0, 1, 2}, List.of("x", "y", "z"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.stratifiedIndices(ones, 0.5, 1));
        assertTrue(e.getMessage().contains("every class must keep a training sample"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Datasets.stratifiedIndices(numbered(10), 0, 1));
        // four pictures of three classes at 0.5: only the class of two can give one
        ArrayDataset few = ArrayDataset.ofFloats(new float[4], Shape.of(1, 1, 1), new int[] {0, 1, 2, 0}, List.of("x", "y", "z"));
        assertArrayEquals(new int[] {1, 0, 0}, perClass(few, Datasets.stratifiedIndices(few, 0.5, 1)[1]));
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
