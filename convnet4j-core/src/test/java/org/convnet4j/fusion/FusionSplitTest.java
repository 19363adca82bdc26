package org.convnet4j.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** fuse's validation (and fitting) split is stratified by class and keeps the inputs of a sample together. */
class FusionSplitTest {
    /** Class sizes 60, 25, 10, 4, 1 in label order (as a folder reader lists them); both inputs hold the index. */
    private static MultiInputDataset unbalanced() {
        int[] sizes = {60, 25, 10, 4, 1};
        int n = java.util.Arrays.stream(sizes).sum();
        int[] labels = new int[n];
        int at = 0;
        for (int c = 0; c < sizes.length; c++) {
            for (int j = 0; j < sizes[c]; j++) {
                labels[at++] = c;
            }
        }
        float[] a = new float[n * 4];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(a, 4 * i, 4 * i + 4, i);
            b[i] = i;
        }
        List<String> names = List.of("Ankle boot", "Bag", "Sandal", "Shirt", "Sneaker");
        Map<String, Dataset> m = new LinkedHashMap<>();
        m.put("rgb", ArrayDataset.ofFloats(a, Shape.of(1, 2, 2), labels, names));
        m.put("edges", ArrayDataset.ofFloats(b, Shape.of(1, 1, 1), labels, names));
        return MultiInputDataset.of(m);
    }

    private static int[] counts(MultiInputDataset d) {
        int[] c = new int[d.numClasses()];
        for (int i = 0; i < d.size(); i++) {
            c[d.label(i)]++;
        }
        return c;
    }

    @Test
    void eachClassGetsItsShareOfTheValidationSplitAndTheTinyClassStaysInTraining() {
        MultiInputDataset d = unbalanced();
        for (long seed = 0; seed < 20; seed++) {
            MultiInputDataset.Split s = d.split(0.1, seed);
            assertEquals(10, s.validation().size());
            assertEquals(90, s.train().size());
            // 10% of 60, 25, 10, 4, 1 is 6, 2.5, 1, 0.4, 0.1: 6, 2 or 3, 1, 0 or 1, 0
            int[] v = counts(s.validation());
            assertEquals(6, v[0]);
            assertTrue(v[1] == 2 || v[1] == 3, "Bag " + v[1]);
            assertEquals(1, v[2]);
            assertTrue(v[3] <= 1, "Shirt " + v[3]);
            assertEquals(0, v[4], "the one Sneaker stays in training");
            assertEquals(1, counts(s.train())[4]);
            for (int i = 0; i < s.validation().size(); i++) {
                float id = s.validation().samples(i).get(1).data()[0];
                assertEquals(id, s.validation().samples(i).get(0).data()[3], "inputs stay together");
                assertEquals(s.validation().label(i), d.label((int) id));
            }
            assertArrayEquals(v, counts(d.split(0.1, seed).validation()));
        }
    }
}
