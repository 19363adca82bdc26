package org.convnet4j.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.image.Images;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, "Fusion inputs from folders are scaled like every other input; each input's preprocessing is stored in
 * the model and used by evaluate and predict": pictures of a colour and a grey folder come out of PairedFolders in
 * 0..1, and a saved model prepares a picture file exactly as training read it.
 */
class FolderInputsTest {
    @TempDir
    Path dir;

    @Test
    void folderInputsAreScaledToUnitAndTheSavedModelPreparesPicturesAsTrainingReadThem() throws Exception {
        Random r = new Random(3);
        Map<String, Path> roots = new LinkedHashMap<>();
        roots.put("rgb", dir.resolve("rgb"));
        roots.put("depth", dir.resolve("depth"));
        for (String cls : new String[] {"bright", "dark"}) {
            for (int i = 0; i < 3; i++) {
                for (Map.Entry<String, Path> e : roots.entrySet()) {
                    int c = e.getKey().equals("rgb") ? 3 : 1;
                    Tensor t = Tensor.zeros(c, 28, 28);
                    for (int j = 0; j < t.size(); j++) {
                        t.data()[j] = (cls.equals("bright") ? 190 : 10) + r.nextInt(60);
                    }
                    Files.createDirectories(e.getValue().resolve(cls));
                    Images.write(t, e.getValue().resolve(cls).resolve(i + ".png"));
                }
            }
        }
        MultiInputDataset data = PairedFolders.load(roots, null, PairedFolders.OnMissing.FAIL).dataset();
        float max = 0;
        for (int input = 0; input < 2; input++) {
            float[] x = new float[data.inputShapes().get(input).size()];
            for (int i = 0; i < data.size(); i++) {
                data.copyInput(input, i, x, 0, null);
                for (float v : x) {
                    assertTrue(v >= 0 && v <= 1, "input " + input + " sample " + i + ": " + v);
                    max = Math.max(max, v);
                }
            }
        }
        assertTrue(max > 0.9, "bright pictures reach 249/255: " + max); // scaled, not all near 0

        Graph model = EarlyFusion.build(data.shapesByName(), s -> FusionNets.smallCnn(s, 2));
        model.initialize(5);
        model.setClassNames(data.classNames());
        Path file = dir.resolve("fused.c4j");
        Map<String, String> sources = new LinkedHashMap<>();
        roots.forEach((k, v) -> sources.put(k, v.toString()));
        FusionClassifier.save(model, file, "early", sources);
        FusionClassifier fused = FusionClassifier.load(file);
        for (int i = 0; i < data.size(); i++) {
            int sample = i;
            String cls = data.classNames().get(data.label(i));
            String name = (i % 3) + ".png";
            List<Tensor> prepared = fused.prepare(Map.of("rgb", Images.read(roots.get("rgb").resolve(cls).resolve(name)),
                    "depth", Images.read(roots.get("depth").resolve(cls).resolve(name))));
            for (int input = 0; input < 2; input++) {
                float[] x = new float[data.inputShapes().get(input).size()];
                data.copyInput(input, sample, x, 0, null);
                assertArrayEquals(x, prepared.get(input).data(), 1e-6f, "sample " + i + " input " + input);
            }
            // and the classifier's probabilities are the model's on the training data's tensors
            List<Tensor> batch = List.of(prepared.get(0).reshape(prepared.get(0).shape().prepend(1)),
                    prepared.get(1).reshape(prepared.get(1).shape().prepend(1)));
            float[] logits = GradMode.withoutGradients(() -> fused.model().forward(batch, false)).data();
            int best = logits[0] >= logits[1] ? 0 : 1;
            assertEquals(data.classNames().get(best), fused.classifyFiles(Map.of(
                    "rgb", roots.get("rgb").resolve(cls).resolve(name),
                    "depth", roots.get("depth").resolve(cls).resolve(name))).best().className());
        }
    }
}
