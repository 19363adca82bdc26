package org.convnet4j.io.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.internal.json.Json;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;

/**
 * The zoo builders named after torchvision's resnet.py and vgg.py models read torchvision's own (reduced) models
 * saved by torch.save (tools/fixtures/torchvision_families_fixture.py: float16 values, legacy format) and match
 * torch within 1e-4; architecture detection tells every family member apart from its tensor names and shapes.
 */
class TorchvisionFamiliesTest {
    private static String architecture(SavedModel m) {
        return Json.parseObject(m.description(), "description").getAsJsonObject("imported_from")
                .get("zoo_architecture").getAsString();
    }

    @Test
    void reducedTorchvisionModelsLoadByNameAndMatchTorch() throws IOException {
        String[][] cases = {{"resnet152_w32", "resnet152"}, {"resnext50_32x4d_w16", "resnext50_32x4d"},
            {"resnext101_64x4d_w32", "resnext101_64x4d"}, {"wide_resnet101_2_w32", "wide_resnet101_2"}};
        for (String[] c : cases) {
            SavedModel m = ModelLoader.load(PthFileTest.fixture(c[0] + ".pth"), null, Shape.of(3, 32, 32));
            assertEquals(c[1], architecture(m), c[0]);
            PthFileTest.assertMatchesTorch(c[0], m.model());
        }
        // VGG: the input size (64) follows from classifier.0, batch norm from features.1's running statistics
        for (String[] c : new String[][] {{"vgg11_bn_w32", "vgg11"}, {"vgg13_w32", "vgg13"}}) {
            SavedModel m = ModelLoader.load(PthFileTest.fixture(c[0] + ".pth"));
            assertEquals(c[1], architecture(m), c[0]);
            assertEquals(c[0].contains("_bn"), m.model().namedParameters().keySet().stream()
                    .anyMatch(n -> n.contains("_bn")), c[0] + ": batch norm");
            PthFileTest.assertMatchesTorch(c[0], m.model());
        }
    }

    @Test
    void theWrongBuilderDoesNotFitTheFile() throws IOException {
        // the negative control: resnext101_32x8d has the same depth and width ratio as 64x4d, half the groups
        Exception e = assertThrows(Exception.class, () -> ModelLoader.load(
                PthFileTest.fixture("resnext101_64x4d_w32.pth"), "resnext101_32x8d", Shape.of(3, 32, 32)));
        assertTrue(e.getMessage().contains("layer1.0.conv2"), e.getMessage());
    }

    /** Our model's tensors under torchvision's names, as a state dict without values. */
    private static StateDict shapesOf(Model m) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> p : m.namedParameters().entrySet()) {
            String n = p.getKey().replaceAll("\\.(kernel|gamma)$", ".weight").replaceAll("\\.beta$", ".bias");
            int[] d = p.getValue().shape().dims();
            long[] l = new long[d.length];
            for (int i = 0; i < d.length; i++) {
                l[i] = d[i];
            }
            shapes.put(n, l);
        }
        return new ShapesOnly("shapes of " + m.name(), shapes);
    }

    @Test
    void everyResNetFamilyMemberIsToldApartAtReducedWidths() throws IOException {
        String[] names = {"resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
            "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"};
        for (double w : new double[] {1.0 / 16, 1.0 / 8}) {
            for (String name : names) {
                ZooOptions o = ZooOptions.builder().width(w).input(3, 32, 32).classes(10).build();
                TorchArchitectures.Detected d = TorchArchitectures.detect(shapesOf(ModelZoo.build(name, o)), null,
                        Shape.of(3, 32, 32));
                assertEquals(name, d.architecture(), name + " at width " + w);
                assertEquals(w, d.options().width(), 1e-12, name);
            }
        }
        // a combination torchvision does not publish is named, not guessed
        Model odd = ModelZoo.build("resnext50_32x4d", ZooOptions.builder().width(1.0 / 16).input(3, 32, 32).build());
        Map<String, long[]> s = new LinkedHashMap<>(shapesOf(odd).shapes());
        s.put("layer3.22.conv1.weight", new long[] {1, 1, 1, 1}); // now "101 deep" with ResNeXt-50's width ratio
        StateDict sd = new ShapesOnly("odd.pth", s);
        FileFormatException e = assertThrows(FileFormatException.class, () -> TorchArchitectures.detect(sd, null, null));
        assertTrue(e.getMessage().startsWith("odd.pth") && e.getMessage().contains("does not publish"), e.getMessage());
    }

    @Test
    void vggConfigurationsAreToldApartWithAndWithoutBatchNorm() throws IOException {
        for (String name : new String[] {"vgg11", "vgg13", "vgg16", "vgg19"}) {
            for (boolean bn : new boolean[] {false, true}) {
                Model m = ModelZoo.build(name, ZooOptions.builder().width(1.0 / 32).input(3, 64, 64).classes(10)
                        .batchNorm(bn).build());
                // our VGG carries Keras' names; torchvision's are features.N in order (conv, [bn,] relu, pools)
                Map<String, long[]> s = new LinkedHashMap<>();
                int index = 0;
                for (Map.Entry<String, long[]> p : shapesOf(m).shapes().entrySet()) {
                    String n = p.getKey();
                    if (n.startsWith("block") && n.contains("_conv") && n.endsWith(".weight")) {
                        s.put("features." + index + ".weight", p.getValue());
                        if (bn) {
                            s.put("features." + (index + 1) + ".weight", new long[] {p.getValue()[0]});
                            s.put("features." + (index + 1) + ".running_mean", new long[] {p.getValue()[0]});
                        }
                        index += bn ? 3 : 2;
                        if (n.endsWith("_conv" + Vggs.convsInBlock(name, n) + ".weight")) {
                            index++; // the block's max pool
                        }
                    }
                }
                s.put("classifier.0.weight", new long[] {16, 16 * 4});
                s.put("classifier.6.weight", new long[] {10, 16});
                StateDict sd = new ShapesOnly(name, s);
                assertEquals(name, TorchArchitectures.detect(sd, null, null).architecture(), name + " bn=" + bn);
            }
        }
    }

    /** How many convs each VGG block has (the paper's Table 1), to place the pools. */
    private static final class Vggs {
        static int convsInBlock(String vgg, String layerName) {
            int block = layerName.charAt(5) - '0';
            int[][] t = switch (vgg) {
                case "vgg11" -> new int[][] {{1}, {1}, {2}, {2}, {2}};
                case "vgg13" -> new int[][] {{2}, {2}, {2}, {2}, {2}};
                case "vgg16" -> new int[][] {{2}, {2}, {3}, {3}, {3}};
                default -> new int[][] {{2}, {2}, {4}, {4}, {4}};
            };
            return t[block - 1][0];
        }
    }
}
