package org.convnet4j.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Batch;
import org.convnet4j.data.DataLoader;
import org.convnet4j.data.Dataset;
import org.convnet4j.image.Images;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad multi-input data and incompatible fusion parts fail with messages naming what differs. */
class FusionBadInputTest {
    private static ArrayDataset data(int n, Shape shape, List<String> classes, int labelShift) {
        float[] v = new float[n * shape.size()];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (i + labelShift) % classes.size();
            java.util.Arrays.fill(v, i * shape.size(), (i + 1) * shape.size(), i);
        }
        return ArrayDataset.ofFloats(v, shape, labels, classes);
    }

    private static final List<String> AB = List.of("a", "b");

    private static Map<String, Dataset> two(Dataset x, Dataset y) {
        Map<String, Dataset> m = new LinkedHashMap<>();
        m.put("rgb", x);
        m.put("depth", y);
        return m;
    }

    private static void assertMessage(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void mismatchedCountsClassesAndLabelsAreNamed() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> MultiInputDataset.of(
                two(data(4, Shape.of(3, 2, 2), AB, 0), data(5, Shape.of(1, 2, 2), AB, 0)))), "'depth' has 5", "'rgb' has 4");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> MultiInputDataset.of(
                two(data(4, Shape.of(3, 2, 2), AB, 0), data(4, Shape.of(1, 2, 2), List.of("a", "c"), 0)))),
                "classes [a, c]", "[a, b]");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> MultiInputDataset.of(
                two(data(4, Shape.of(3, 2, 2), AB, 0), data(4, Shape.of(1, 2, 2), AB, 1)))), "sample 0", "'depth'");
    }

    @Test
    void batchesCarryEveryInputAndASingleShapeIsRefused() {
        MultiInputDataset d = MultiInputDataset.of(two(data(5, Shape.of(3, 2, 2), AB, 0), data(5, Shape.of(1, 4, 4), AB, 0)));
        Batch b = DataLoader.builder(d).batchSize(5).build().iterator(0).next();
        assertEquals(2, b.inputs().size());
        assertEquals(Shape.of(5, 1, 4, 4), b.inputs().get(1).shape());
        assertEquals(3f, b.inputs().get(1).get(3, 0, 2, 2)); // sample 3 is filled with 3 in every input
        assertEquals(3f, b.inputs().get(0).get(3, 2, 1, 1));
        assertMessage(assertThrows(IllegalStateException.class, b::x), "2 inputs");
        assertMessage(assertThrows(UnsupportedOperationException.class, d::sampleShape), "inputShapes");
        // a split keeps the inputs together
        MultiInputDataset.Split s = d.split(0.4, 1);
        for (int i = 0; i < s.validation().size(); i++) {
            assertEquals(s.validation().samples(i).get(0).data()[0], s.validation().samples(i).get(1).data()[0]);
        }
    }

    @Test
    void earlyFusionNeedsOneSizeOrResampling() {
        MultiInputDataset d = MultiInputDataset.of(two(data(3, Shape.of(3, 8, 8), AB, 0), data(3, Shape.of(1, 4, 4), AB, 0)));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> EarlyFusion.commonSize(d, EarlyFusion.SizeMismatch.FAIL)),
                "'depth' is 4x4", "'rgb' is 8x8", "--resize");
        MultiInputDataset r = EarlyFusion.commonSize(d, EarlyFusion.SizeMismatch.RESAMPLE);
        assertEquals(List.of(Shape.of(3, 8, 8), Shape.of(1, 8, 8)), r.inputShapes());
        assertEquals(Shape.of(4, 8, 8), EarlyFusion.stackedShape(r.shapesByName()));
    }

    @Test
    void incompatibleJoinShapesAreExplained() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IntermediateFusion.builder(10)
                .branch("pixels", FusionNets.smallCnn(Shape.of(1, 28, 28), 10), "pool2")
                .branch("edges", FusionNets.smallCnn(Shape.of(2, 28, 28), 10), "pool1")
                .join(Join.CONCAT).build());
        assertMessage(e, "pixels (up to pool2)", "[16, 7, 7]", "edges (up to pool1)", "[8, 14, 14]", "height and width");
        e = assertThrows(IllegalArgumentException.class, () -> IntermediateFusion.builder(10)
                .branch("pixels", FusionNets.smallCnn(Shape.of(1, 28, 28), 10), "dense1")
                .branch("edges", FusionNets.smallCnn(Shape.of(2, 28, 28), 10), "nope").build());
        assertMessage(e, "no layer 'nope'", "pool2");
        e = assertThrows(IllegalArgumentException.class, () -> IntermediateFusion.builder(10)
                .branch("pixels", FusionNets.smallCnn(Shape.of(1, 28, 28), 10), "relu3")
                .branch("edges", FusionNets.smallCnn(Shape.of(2, 28, 28), 10), "pool2").join(Join.SUM).build());
        assertMessage(e, "sum join needs identical shapes", "[64]");
    }

    @Test
    void lateFusionMemberTrainedOnOtherClassesIsRefused() {
        MultiInputDataset d = MultiInputDataset.of(two(data(6, Shape.of(1, 28, 28), AB, 0), data(6, Shape.of(2, 28, 28), AB, 0)));
        Model ok = FusionNets.smallCnn(Shape.of(1, 28, 28), 2).setClassNames(AB);
        Model other = FusionNets.smallCnn(Shape.of(2, 28, 28), 2).setClassNames(List.of("cat", "dog"));
        Map<String, Model> members = new LinkedHashMap<>();
        members.put("rgb", ok);
        members.put("depth", other);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> LateFusion.checkMembers(members, d)),
                "member 'depth'", "[cat, dog]", "[a, b]");
        members.put("depth", FusionNets.smallCnn(Shape.of(2, 28, 28), 3));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> LateFusion.checkMembers(members, d)),
                "member 'depth' outputs [3]", "2 classes");
        members.put("depth", FusionNets.smallCnn(Shape.of(1, 28, 28), 2));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> LateFusion.checkMembers(members, d)),
                "member 'depth' takes [1, 28, 28]", "input 'depth' is [2, 28, 28]");
    }

    @Test
    void pairedFoldersMatchByNameAndReportMissingSamples(@TempDir Path dir) throws IOException {
        for (String cls : List.of("cat", "dog")) {
            for (String n : List.of("x", "y")) {
                Files.createDirectories(dir.resolve("rgb").resolve(cls));
                Files.createDirectories(dir.resolve("depth").resolve(cls));
                float v = cls.equals("cat") ? 10 : 200;
                Images.write(Tensor.full(Shape.of(3, 6, 6), v), dir.resolve("rgb").resolve(cls).resolve(n + ".png"));
                if (!(cls.equals("dog") && n.equals("y"))) {
                    Images.write(Tensor.full(Shape.of(1, 4, 4), v), dir.resolve("depth").resolve(cls).resolve(n + ".png"));
                }
            }
        }
        Map<String, Path> roots = new LinkedHashMap<>();
        roots.put("rgb", dir.resolve("rgb"));
        roots.put("depth", dir.resolve("depth"));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> PairedFolders.load(roots, null, PairedFolders.OnMissing.FAIL)), "dog/y (missing in depth)");
        PairedFolders.Result r = PairedFolders.load(roots, null, PairedFolders.OnMissing.SKIP);
        assertEquals(List.of("dog/y (missing in depth)"), r.missing());
        MultiInputDataset d = r.dataset();
        assertEquals(3, d.size());
        assertEquals(List.of(Shape.of(3, 6, 6), Shape.of(1, 4, 4)), d.inputShapes());
        for (int i = 0; i < 3; i++) { // each pair comes from one class: equal grey levels
            assertEquals(d.samples(i).get(0).data()[0], d.samples(i).get(1).data()[0], 1e-6);
        }
        Files.createDirectories(dir.resolve("depth").resolve("bird"));
        Images.write(Tensor.full(Shape.of(1, 4, 4), 0), dir.resolve("depth").resolve("bird").resolve("z.png"));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> PairedFolders.load(roots, null, PairedFolders.OnMissing.SKIP)), "only in 'depth': [bird]");
    }

    @Test
    void pairedFoldersRefuseOneClassAndAClassWithoutAPairedPicture(@TempDir Path dir) throws IOException {
        Map<String, Path> roots = new LinkedHashMap<>();
        for (String input : List.of("rgb", "depth")) {
            Files.createDirectories(dir.resolve(input).resolve("cat"));
            Images.write(Tensor.full(Shape.of(1, 4, 4), 9), dir.resolve(input).resolve("cat").resolve("x.png"));
            roots.put(input, dir.resolve(input));
        }
        // one class: it trained a one-output model and called it accurate
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> PairedFolders.load(roots, null, PairedFolders.OnMissing.FAIL)), "modality 'rgb'",
                "1 class folder(s) [cat]", "needs at least 2");
        // an empty class folder in every input: a class the model would never see a picture of
        Files.createDirectories(dir.resolve("rgb").resolve("dog"));
        Files.createDirectories(dir.resolve("depth").resolve("dog"));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> PairedFolders.load(roots, null, PairedFolders.OnMissing.FAIL)), "class folder 'dog'",
                "no picture that every modality [rgb, depth] has");
        // the same when --on-missing skip drops the class's only pictures
        Images.write(Tensor.full(Shape.of(1, 4, 4), 200), dir.resolve("rgb").resolve("dog").resolve("y.png"));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> PairedFolders.load(roots, null, PairedFolders.OnMissing.SKIP)), "class folder 'dog'");
        Images.write(Tensor.full(Shape.of(1, 4, 4), 200), dir.resolve("depth").resolve("dog").resolve("y.png"));
        assertEquals(2, PairedFolders.load(roots, null, PairedFolders.OnMissing.FAIL).dataset().size());
    }

    @Test
    void dataIsReorderedForAModelAndExtraOrMissingInputsAreNamed() {
        MultiInputDataset d = MultiInputDataset.of(two(data(3, Shape.of(3, 2, 2), AB, 0), data(3, Shape.of(1, 4, 4), AB, 0)));
        MultiInputDataset r = d.orderedFor(List.of("depth", "rgb"));
        assertEquals(List.of("depth", "rgb"), r.inputNames());
        assertEquals(List.of(Shape.of(1, 4, 4), Shape.of(3, 2, 2)), r.inputShapes());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> d.orderedFor(List.of("rgb", "thermal"))),
                "[rgb, thermal]", "[rgb, depth]");
    }

    @Test
    void corruptionChangesOnlyTheChosenInputDeterministically() {
        MultiInputDataset d = MultiInputDataset.of(two(data(4, Shape.of(1, 2, 2), AB, 0), data(4, Shape.of(1, 2, 2), AB, 0)));
        MultiInputDataset z = d.corrupted("depth", Corruption.zeros());
        assertEquals(2f, z.samples(2).get(0).data()[0]);
        assertEquals(0f, z.samples(2).get(1).data()[3]);
        MultiInputDataset n = d.corrupted("rgb", Corruption.gaussianNoise(0.5, 9));
        assertEquals(n.samples(1).get(0).data()[2], n.samples(1).get(0).data()[2]);
        assertTrue(n.samples(1).get(0).data()[2] != 1f);
        assertEquals(1f, n.samples(1).get(1).data()[2]);
    }

    /** What {@code predict --input NAME=IMAGE} takes: files named by input, each checked before anything is read. */
    @Test
    void namedPicturesKeepTheOrderAndRefuseBadTextsTwiceNamedInputsAndMissingFiles(@TempDir Path dir)
            throws IOException {
        Path shoe = dir.resolve("shoe.png");
        Images.write(Tensor.zeros(1, 4, 4), shoe);
        Path edges = dir.resolve("edges.png");
        Files.copy(shoe, edges);
        Map<String, Path> got = FusionClassifier.namedPictures(List.of("pixels=" + shoe, " edges = " + edges));
        assertEquals(List.of("pixels", "edges"), List.copyOf(got.keySet()));
        assertEquals(List.of(shoe, edges), List.copyOf(got.values()));
        assertEquals(Map.of(), FusionClassifier.namedPictures(List.of()));
        for (String bad : new String[] {"shoe.png", "=shoe.png", "pixels=", "pixels= "}) {
            assertEquals("'" + bad + "' is not NAME=IMAGE (e.g. pixels=shoe.png)", assertThrows(
                    IllegalArgumentException.class, () -> FusionClassifier.namedPictures(List.of(bad))).getMessage());
        }
        assertEquals("input 'pixels' is given twice", assertThrows(IllegalArgumentException.class,
                () -> FusionClassifier.namedPictures(List.of("pixels=" + shoe, "pixels=" + edges))).getMessage());
        assertEquals(dir.resolve("no.png") + ": no such picture file", assertThrows(IllegalArgumentException.class,
                () -> FusionClassifier.namedPictures(List.of("pixels=" + dir.resolve("no.png")))).getMessage());
        assertEquals(dir + ": is a directory, not a picture", assertThrows(IllegalArgumentException.class,
                () -> FusionClassifier.namedPictures(List.of("pixels=" + dir))).getMessage());
    }
}
