package org.convnet4j.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.image.Images;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A saved fusion model's own test data in one call: the sources it recorded, loaded in its input order. */
class FusionSourcesForModelTest {
    @TempDir
    Path dir;

    @Test
    void theRecordedFoldersComeBackInTheModelsInputOrder() throws Exception {
        Map<String, Path> roots = new LinkedHashMap<>();
        roots.put("rgb", dir.resolve("rgb"));
        roots.put("depth", dir.resolve("depth"));
        for (String cls : new String[] {"a", "b", "c"}) {
            for (int i = 0; i < 2 + cls.charAt(0) - 'a'; i++) { // 2, 3, 4 pictures
                for (Map.Entry<String, Path> e : roots.entrySet()) {
                    Tensor t = Tensor.zeros(e.getKey().equals("rgb") ? 3 : 1, 28, 28);
                    java.util.Arrays.fill(t.data(), 10 * i + 60 * (cls.charAt(0) - 'a') + (e.getKey().equals("rgb") ? 1 : 2));
                    Files.createDirectories(e.getValue().resolve(cls));
                    Images.write(t, e.getValue().resolve(cls).resolve(i + ".png"));
                }
            }
        }
        MultiInputDataset data = PairedFolders.load(roots, null, PairedFolders.OnMissing.FAIL).dataset();
        Graph model = EarlyFusion.build(data.shapesByName(), s -> FusionNets.smallCnn(s, 3));
        model.initialize(5);
        model.setClassNames(data.classNames());
        Map<String, String> reversed = new LinkedHashMap<>(); // recorded in the other order than the model's inputs
        reversed.put("depth", roots.get("depth").toString());
        reversed.put("rgb", roots.get("rgb").toString());
        Path file = dir.resolve("fused.c4j");
        FusionClassifier.save(model, file, "early", reversed);
        SavedModel saved = ModelFiles.read(file);

        assertEquals(reversed, FusionSources.forModel(saved, "fused.c4j").sources());
        MultiInputDataset test = FusionSources.testDataFor(saved, "fused.c4j", null);
        assertEquals(model.inputNames(), test.inputNames());
        assertEquals(9, test.size());
        assertEquals(data.classNames(), test.classNames());
        for (int input = 0; input < 2; input++) {
            float[] want = new float[data.inputShapes().get(input).size()];
            float[] got = new float[want.length];
            for (int i = 0; i < data.size(); i++) {
                assertEquals(data.label(i), test.label(i));
                data.copyInput(input, i, want, 0, null);
                test.copyInput(input, i, got, 0, null);
                assertArrayEquals(want, got, "sample " + i + " input " + input);
            }
        }
        MultiInputDataset two = FusionSources.testDataFor(saved, "fused.c4j", 2); // at most 2 per class
        assertEquals(6, two.size());
    }

    @Test
    void aModelWithoutSourcesOrWithOneInputIsRefusedInOneLine() throws Exception {
        Map<String, org.convnet4j.tensor.Shape> shapes = new LinkedHashMap<>();
        shapes.put("x", org.convnet4j.tensor.Shape.of(1, 28, 28));
        shapes.put("y", org.convnet4j.tensor.Shape.of(1, 28, 28));
        Graph model = EarlyFusion.build(shapes, s -> FusionNets.smallCnn(s, 2));
        model.initialize(1);
        model.setClassNames(List.of("p", "q"));
        Path bare = dir.resolve("bare.c4j");
        ModelFiles.save(model, bare);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FusionSources.forModel(ModelFiles.read(bare), "bare.c4j"));
        assertTrue(e.getMessage().startsWith("bare.c4j takes inputs [x, y] but records no sources"), e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1, e.getMessage());

        Path single = dir.resolve("single.c4j");
        ModelFiles.save(LeNet5.build(), single);
        e = assertThrows(IllegalArgumentException.class,
                () -> FusionSources.testDataFor(ModelFiles.read(single), "single.c4j", null));
        assertTrue(e.getMessage().startsWith("single.c4j has a single input"), e.getMessage());
    }
}
