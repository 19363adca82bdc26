package org.convnet4j.io.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.internal.json.Json;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.zoo.ModelZoo;
import org.junit.jupiter.api.Test;

/**
 * MobileNetV2, SqueezeNet 1.0/1.1 and DenseNet-121/161/169/201 read torchvision's state dicts, and the ResNet family's
 * deepest and widest members that have no value fixture map name by name (tools/fixtures/torchvision_zoo2_fixture.py):
 * <ul>
 *   <li>reduced torchvision models saved by torch.save (float16, legacy format; DenseNet-121's with the published
 *       files' older {@code norm.1} spelling) open by architecture detection and match torch's logits within 1e-4;</li>
 *   <li>every full-size state-dict name and shape torchvision's model has (the keys/ listings) is detected as its
 *       architecture at width 1 with 1000 classes and loads into our full-size model with nothing left over or
 *       missing.</li>
 * </ul>
 */
class TorchvisionZooTest {
    private static String architecture(SavedModel m) {
        return Json.parseObject(m.description(), "description").getAsJsonObject("imported_from")
                .get("zoo_architecture").getAsString();
    }

    @Test
    void reducedTorchvisionModelsLoadByDetectionAndMatchTorch() throws IOException {
        String[][] cases = {{"mobilenet_v2_w4", "mobilenet_v2"}, {"squeezenet1_0_w8", "squeezenet1_0"},
            {"squeezenet1_1_w8", "squeezenet1_1"}, {"densenet121_w8", "densenet121"}, {"densenet161_w16", "densenet161"}};
        for (String[] c : cases) {
            SavedModel m = ModelLoader.load(PthFileTest.fixture(c[0] + ".pth"), null, Shape.of(3, 64, 64));
            assertEquals(c[1], architecture(m), c[0]);
            PthFileTest.assertMatchesTorch(c[0], m.model());
        }
        // DenseNet-121's fixture spells its modules as the published files do
        assertTrue(PthFile.open(PthFileTest.fixture("densenet121_w8.pth")).shapes()
                .containsKey("features.denseblock1.denselayer1.norm.1.weight"));
    }

    @Test
    void theWrongSqueezeNetDoesNotFitTheFile() {
        // negative control: the two versions have the same fire modules; v1.1's 3x3 stem cannot take v1.0's 7x7
        Exception e = assertThrows(Exception.class, () -> ModelLoader.load(
                PthFileTest.fixture("squeezenet1_0_w8.pth"), "squeezenet1_1", Shape.of(3, 64, 64)));
        assertTrue(e.getMessage().contains("features.0"), e.getMessage());
    }

    /** A listing (name and shape per line) as a state dict whose values are zeros. */
    static StateDict listing(String name, boolean olderDenseNetNames) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String line : Files.readAllLines(PthFileTest.fixture("keys/" + name + ".txt"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] kv = line.split(" ");
            String key = olderDenseNetNames ? kv[0].replaceFirst("(denselayer\\d+\\.(norm|relu|conv))([12]\\.)", "$1.$3")
                    : kv[0];
            String[] d = kv[1].equals("scalar") ? new String[0] : kv[1].split("x");
            long[] s = new long[d.length];
            for (int i = 0; i < d.length; i++) {
                s[i] = Long.parseLong(d[i]);
            }
            shapes.put(key, s);
        }
        return new StateDict() {
            @Override
            public String source() {
                return "keys/" + name + ".txt";
            }

            @Override
            public Map<String, long[]> shapes() {
                return shapes;
            }

            @Override
            public float[] values(String key) {
                long n = 1;
                for (long x : shapes.get(key)) {
                    n *= x;
                }
                return new float[(int) n];
            }
        };
    }

    /**
     * The listing is detected as {@code name} at width 1 with 1000 classes and fits that zoo model name by name and
     * shape by shape with nothing left over or missing. Checked on the model described shapes only
     * ({@code ModelZoo.describe}, {@link TorchWeights#check}): the values are zeros, so loading them into a built
     * model (drawing up to 88 M initial weights first) would add no assertion; {@link #aCheckAndALoadAgree} loads one.
     */
    static void assertListingLoads(String name, boolean olderDenseNetNames) throws IOException {
        StateDict sd = listing(name, olderDenseNetNames);
        TorchArchitectures.Detected d = TorchArchitectures.detect(sd, null, null);
        assertEquals(name, d.architecture());
        assertEquals(1.0, d.options().width(), 0.0, name);
        assertEquals(1000, d.options().classes(), name);
        Model m = ModelZoo.describe(d.architecture(), d.options());
        // throws naming every unexpected, missing or mis-shaped tensor, as a load would
        org.convnet4j.io.weights.ImportReport report = TorchWeights.check(sd, m);
        assertEquals(m.parameterCount() + org.convnet4j.nn.ModelSummary.bufferCount(m), report.values(), name);
        long values = 0;
        for (Map.Entry<String, long[]> e : sd.shapes().entrySet()) {
            if (!e.getKey().endsWith("num_batches_tracked")) {
                long n = 1;
                for (long x : e.getValue()) {
                    n *= x;
                }
                values += n;
            }
        }
        assertEquals(values, m.parameterCount() + org.convnet4j.nn.ModelSummary.bufferCount(m), name + ": every value");
    }

    @Test
    void fullSizeStateDictNamesAndShapesMapOntoTheNewZooModels() throws IOException {
        for (String name : List.of("mobilenet_v2", "squeezenet1_0", "squeezenet1_1", "densenet121", "densenet161",
                "densenet169", "densenet201")) {
            assertListingLoads(name, false);
        }
        // the published DenseNet files' spelling
        assertListingLoads("densenet121", true);
    }

    @Test
    void fullSizeStateDictNamesAndShapesMapOntoTheDeepAndWideResNets() throws IOException {
        for (String name : List.of("resnet101", "resnext101_32x8d", "wide_resnet50_2")) {
            assertListingLoads(name, false);
        }
    }

    /**
     * The check the listings above get is the load's own: on a built model a full-size listing (SqueezeNet 1.1, the
     * smallest) loads with the report the check gives on the described one, every value written (the zeros replace
     * the initial weights); and a listing with one tensor mis-shaped fails the check with the load's message.
     */
    @Test
    void aCheckAndALoadAgree() throws IOException {
        StateDict sd = listing("squeezenet1_1", false);
        TorchArchitectures.Detected d = TorchArchitectures.detect(sd, null, null);
        Model built = ModelZoo.build(d.architecture(), d.options());
        built.initialize(1);
        org.convnet4j.io.weights.ImportReport loaded = TorchWeights.load(sd, built);
        org.convnet4j.io.weights.ImportReport checked = TorchWeights.check(sd, ModelZoo.describe(d.architecture(),
                d.options()));
        assertEquals(loaded, checked);
        for (Map.Entry<String, org.convnet4j.nn.Parameter> p : built.learnableParameters().entrySet()) {
            for (float v : p.getValue().value().data()) {
                assertEquals(0f, v, p.getKey());
            }
        }
        Map<String, long[]> s = new LinkedHashMap<>(sd.shapes());
        s.put("features.0.weight", new long[] {64, 3, 5, 5});
        StateDict bad = new ShapesOnly("bad.pth", s);
        Exception onCheck = assertThrows(org.convnet4j.checkpoint.CheckpointMismatchException.class,
                () -> TorchWeights.check(bad, ModelZoo.describe(d.architecture(), d.options())));
        Exception onLoad = assertThrows(org.convnet4j.checkpoint.CheckpointMismatchException.class,
                () -> TorchWeights.load(bad, ModelZoo.build(d.architecture(), d.options())));
        assertEquals(onLoad.getMessage(), onCheck.getMessage());
        assertTrue(onCheck.getMessage().contains("features.0"), onCheck.getMessage());
    }

    @Test
    void anUnpublishedDenseNetIsNamedNotGuessed() throws IOException {
        Map<String, long[]> s = new LinkedHashMap<>(listing("densenet121", false).shapes());
        s.put("features.denseblock4.denselayer17.conv1.weight", new long[] {128, 1024, 1, 1});
        StateDict sd = new ShapesOnly("odd.pth", s);
        FileFormatException e = assertThrows(FileFormatException.class, () -> TorchArchitectures.detect(sd, null, null));
        assertTrue(e.getMessage().startsWith("odd.pth") && e.getMessage().contains("6,12,24,17"), e.getMessage());
    }
}
