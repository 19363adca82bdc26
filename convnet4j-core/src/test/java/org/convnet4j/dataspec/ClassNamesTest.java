package org.convnet4j.dataspec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class ClassNamesTest {
    /** Three samples, sample i has pixel value i and label labels[i]. */
    private static Dataset data(List<String> names, int... labels) {
        float[] x = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            x[i] = i;
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 1, 1), labels, names);
    }

    @Test
    void aFolderSortedByNameIsRelabelledToTheModelsOrder() {
        // folder names sort as [Coat, T-shirt_top, Trouser]; the model's order is Fashion-MNIST's
        Dataset d = data(List.of("Coat", "T-shirt_top", "Trouser"), 0, 1, 2, 1);
        ClassNames.Relabelled r = ClassNames.inOrderOf(d, List.of("T-shirt/top", "Trouser", "Coat"));
        assertEquals(List.of("T-shirt/top", "Trouser", "Coat"), r.data().classNames());
        assertEquals(List.of(2, 0, 1, 0), List.of(r.data().label(0), r.data().label(1), r.data().label(2),
                r.data().label(3)));
        assertEquals(3f, r.data().sample(3).data()[0]); // the samples themselves are unchanged
        assertEquals("class names matched ignoring case and punctuation: 'T-shirt_top' = 'T-shirt/top'; the data's"
                + " classes in the model's order [T-shirt/top, Trouser, Coat]", r.warning());
    }

    @Test
    void theSameOrderIsTheDataItselfAndMismatchesAreRefused() {
        Dataset d = data(List.of("a", "b"), 0, 1);
        ClassNames.Relabelled same = ClassNames.inOrderOf(d, List.of("a", "b"));
        assertSame(d, same.data());
        assertEquals("", same.warning());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> ClassNames.inOrderOf(d, List.of("a", "b", "c")));
        assertTrue(count.getMessage().contains("the model has 3 classes [a, b, c] but the data has 2 [a, b]"),
                count.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> ClassNames.inOrderOf(d, List.of("a", "z")));
        assertTrue(none.getMessage().contains("no match for [b] among [a, z]"), none.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> ClassNames.inOrderOf(data(List.of("A", "a"), 0, 1), List.of("a", "b")));
        assertTrue(twice.getMessage().contains("ambiguously"), twice.getMessage());
    }

    /** What evaluate checks before it runs, as a library call: output count, then names (relabelled). */
    @Test
    void forModelChecksTheOutputCountThenRelabelsByName() {
        Dataset d = data(List.of("Coat", "T-shirt_top", "Trouser"), 0, 1, 2, 1);
        org.convnet4j.nn.Sequential named = new org.convnet4j.nn.Sequential(Shape.of(1, 1, 1),
                new org.convnet4j.nn.layers.Flatten(), new org.convnet4j.nn.layers.Dense(3));
        named.setClassNames(List.of("T-shirt/top", "Trouser", "Coat"));
        ClassNames.Relabelled r = ClassNames.forModel(named, d, "pictures/");
        assertEquals(List.of("T-shirt/top", "Trouser", "Coat"), r.data().classNames());
        assertEquals(2, r.data().label(0));
        assertTrue(r.warning().contains("'T-shirt_top' = 'T-shirt/top'"), r.warning());

        org.convnet4j.nn.Sequential unnamed = new org.convnet4j.nn.Sequential(Shape.of(1, 1, 1),
                new org.convnet4j.nn.layers.Flatten(), new org.convnet4j.nn.layers.Dense(3));
        assertSame(d, ClassNames.forModel(unnamed, d, "pictures/").data(), "no names: the data as it is");

        org.convnet4j.nn.Sequential five = new org.convnet4j.nn.Sequential(Shape.of(1, 1, 1),
                new org.convnet4j.nn.layers.Flatten(), new org.convnet4j.nn.layers.Dense(5));
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> ClassNames.forModel(five, d, "pictures/"));
        assertEquals("the model has 5 classes but pictures/ has 3 [Coat, T-shirt_top, Trouser]", count.getMessage());
        named.setClassNames(List.of("a", "b", "c"));
        IllegalArgumentException names = assertThrows(IllegalArgumentException.class,
                () -> ClassNames.forModel(named, d, "pictures/"));
        assertTrue(names.getMessage().startsWith("pictures/: the model's classes [a, b, c] are not the data's"),
                names.getMessage());
    }
}
