package org.convnet4j.dataspec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.image.Images;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSpecTest {
    @Test
    void classListsAreParsedAndBadOnesNamed() {
        assertEquals(List.of(5, 6, 7, 8, 9), DataSpec.parseClasses("fashion-mnist:5-9", "fashion-mnist", 10));
        assertEquals(List.of(0, 2, 4), DataSpec.parseClasses("fashion-mnist:0,2,4", "fashion-mnist", 10));
        for (String bad : List.of("fashion-mnist:7-3", "fashion-mnist:x", "fashion-mnist:3", "fashion-mnist:8-10")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DataSpec.parseClasses(bad, "fashion-mnist", 10), bad);
            assertTrue(e.getMessage().startsWith("--data " + bad + ":"), e.getMessage());
        }
    }

    @Test
    void limitCountsPicturesPerClass() {
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            labels[i] = i < 70 ? 0 : i < 95 ? 1 : 2; // 70, 25, 5
        }
        Dataset d = ArrayDataset.ofFloats(new float[100], Shape.of(1), labels, List.of("a", "b", "c"));
        Dataset ten = DataSpec.perClass(d, 10, 3);
        int[] count = new int[3];
        for (int i = 0; i < ten.size(); i++) {
            count[ten.label(i)]++;
        }
        assertArrayEquals(new int[] {10, 10, 5}, count);
        assertEquals(ten.size(), DataSpec.perClass(d, 10, 3).size());
        assertTrue(DataSpec.limited(d, null, 3) == d);
        assertThrows(IllegalArgumentException.class, () -> DataSpec.perClass(d, 0, 3));
    }

    /**
     * A user's folder mixes grey pictures of the model's size with colour ones of other sizes, and the first file
     * (in sorted order) already has the model's shape: the note still says what was converted, counting each shape
     * (it used to look at the first file only and print nothing). A folder all of the model's shape has no note.
     */
    @Test
    void mixedFolderSaysWhatWasConvertedEvenWhenTheFirstPictureFits(@TempDir Path dir) throws Exception {
        Shape[] shapes = {Shape.of(1, 28, 28), Shape.of(1, 28, 28), Shape.of(3, 12, 10), Shape.of(3, 40, 40),
            Shape.of(1, 28, 28), Shape.of(3, 12, 10)};
        for (int i = 0; i < shapes.length; i++) {
            Path cls = dir.resolve(i % 2 == 0 ? "a" : "b");
            java.nio.file.Files.createDirectories(cls);
            Tensor t = Tensor.zeros(shapes[i].dims());
            java.util.Arrays.fill(t.data(), 30 + 20 * i);
            Images.write(t, cls.resolve(i + ".png"));
        }
        Preprocessing grey28 = Preprocessing.forInput(Shape.of(1, 28, 28));
        DataSpec.Loaded l = DataSpec.of(dir.toString()).trainAndTest(grey28, 1);
        assertEquals(List.of(dir + ": 6 pictures of 3 shapes (channels, height, width): 3 [1, 28, 28], 2 [3, 12, 10],"
                + " 1 [3, 40, 40], converted to the model's input [1, 28, 28]"), l.conversions());
        assertEquals(Shape.of(1, 28, 28), l.train().sampleShape());

        Path fits = dir.resolve("fits");
        for (int i = 0; i < 4; i++) {
            java.nio.file.Files.createDirectories(fits.resolve(i % 2 == 0 ? "a" : "b"));
            Images.write(Tensor.zeros(1, 28, 28), fits.resolve(i % 2 == 0 ? "a" : "b").resolve(i + ".png"));
        }
        assertEquals(List.of(), DataSpec.of(fits.toString()).trainAndTest(grey28, 1).conversions());
    }

    @Test
    void colourFolderOfAnotherSizeIsConvertedAndSaysSo(@TempDir Path dir) throws Exception {
        for (String cls : List.of("cat", "dog")) {
            java.nio.file.Files.createDirectories(dir.resolve(cls));
            for (int i = 0; i < 5; i++) {
                Tensor t = Tensor.zeros(3, 32, 40);
                java.util.Arrays.fill(t.data(), cls.equals("cat") ? 40 + i : 200 - i);
                Images.write(t, dir.resolve(cls).resolve(i + ".png"));
            }
        }
        DataSpec.Loaded l = DataSpec.of(dir.toString()).trainAndTest(Preprocessing.forInput(Shape.of(1, 28, 28)), 1);
        assertEquals(Shape.of(1, 28, 28), l.train().sampleShape());
        assertEquals(8, l.train().size());
        assertEquals(2, l.test().size());
        assertEquals(List.of("cat", "dog"), l.train().classNames());
        assertEquals(1, l.conversions().size());
        assertTrue(l.conversions().get(0).contains("[3, 32, 40]") && l.conversions().get(0).contains("[1, 28, 28]"),
                l.conversions().toString());
        // a grey picture of 200 scaled to 0..1
        float[] x = new float[784];
        for (int i = 0; i < l.train().size(); i++) {
            if (l.train().label(i) == 1) {
                l.train().copySample(i, x, 0);
            }
        }
        assertEquals(196f / 255f, x[400], 0.02f);
    }

    @Test
    void fashionClassesKeepTheirNamesAndAreConvertedToTheModelsInput() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
        DataSpec.Loaded plain = DataSpec.of("fashion-mnist:5-9").trainAndTest(Preprocessing.forInput(Shape.of(1, 28, 28)), 1);
        assertEquals(List.of("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"), plain.train().classNames());
        assertEquals(30000, plain.train().size());
        assertEquals(5000, plain.test().size());
        assertTrue(plain.conversions().isEmpty());
        DataSpec.Loaded rgb = DataSpec.of("fashion-mnist:0,1").trainAndTest(Preprocessing.forInput(Shape.of(3, 32, 32)), 1);
        assertEquals(Shape.of(3, 32, 32), rgb.test().sampleShape());
        assertTrue(rgb.conversions().get(0).contains("[1, 28, 28] converted to the model's input [3, 32, 32]"),
                rgb.conversions().toString());
        // the three channels are the grey picture, resized, still 0..1
        Tensor t = rgb.test().sample(0);
        float max = 0;
        for (float v : t.data()) {
            max = Math.max(max, v);
        }
        assertTrue(max <= 1.0001f && max > 0.5f, "max " + max);
        assertEquals(t.data()[100], t.data()[1024 + 100], 1e-6);
    }

    @Test
    void classNamesMatchIgnoringCaseAndPunctuation() {
        ClassNames.Match m = ClassNames.match(List.of("T-shirt/top", "Trouser", "Bag"),
                List.of("trouser", "t-shirt_top", "Coat"));
        assertArrayEquals(new int[] {1, 0, -1}, m.indexOf());
        assertEquals(List.of("Bag"), m.unmatched());
        assertTrue(m.warning().contains("'T-shirt/top' = 't-shirt_top'") && m.warning().contains("no match for [Bag]"),
                m.warning());
        assertTrue(ClassNames.match(List.of("a"), List.of("a")).warning().isEmpty());
    }
}
