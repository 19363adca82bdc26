package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import org.convnet4j.internal.json.Json;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Forward parity with PyTorch: each fixture (written by tools/fixtures/zoo_parity.py) holds a reduced-width
 * architecture's random weights under our parameter names, an input batch, and PyTorch's eval-mode output
 * computed in float64. We build the same architecture from the options in the fixture's metadata, load the
 * weights by name (every parameter and buffer must be there, and nothing else), predict and compare.
 *
 * <p>Tolerance: max |ours - torch| / max |torch| <= 1e-4. Our forward pass is float32 against a float64
 * reference; these nets are at most ~100 convs deep, where float32 round-off stays around 1e-6 relative.
 */
class ZooParityTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"lenet5", "alexnet", "alexnet_paper", "vgg16", "vgg19_bn", "resnet18", "resnet34_small",
        "resnet50", "resnet50_keras", "googlenet", "googlenet_torchvision", "inception_v3"})
    void matchesPyTorch(String fixture) throws Exception {
        SafeTensors.Contents c = SafeTensors.read(resource(fixture));
        JsonObject o = Json.parseObject(c.metadata().get("options"), fixture + " options");
        Tensor input = c.tensors().get("input");
        ZooOptions.Builder b = ZooOptions.builder()
                .input(input.shape().dropFirst())
                .classes(o.has("classes") ? o.get("classes").getAsInt() : 0)
                .width(o.has("width") ? o.get("width").getAsDouble() : 1.0)
                .smallInput(o.has("small_input") && o.get("small_input").getAsBoolean())
                .batchNorm(o.has("batch_norm") && o.get("batch_norm").getAsBoolean());
        if (o.has("layout")) {
            b.layout(o.get("layout").getAsString());
        }
        Model model = ModelZoo.build(c.metadata().get("model"), b.build());

        Map<String, Parameter> params = model.namedParameters();
        TreeSet<String> inFile = new TreeSet<>(c.tensors().keySet());
        inFile.remove("input");
        inFile.remove("output");
        assertEquals(new TreeSet<>(params.keySet()), inFile, fixture + ": parameter names");
        params.forEach((name, p) -> p.load(c.tensors().get(name)));

        Tensor expected = c.tensors().get("output");
        Tensor actual = model.predict(input);
        assertEquals(expected.shape(), actual.shape());
        double scale = 0;
        for (float v : expected.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 0.1, fixture + ": reference output is degenerate");
        double rel = actual.maxAbsDiff(expected) / scale;
        assertTrue(rel <= TOLERANCE, fixture + ": max abs diff / max abs value = " + rel);
    }

    private static Path resource(String fixture) throws URISyntaxException {
        return Path.of(ZooParityTest.class.getResource("/fixtures/zoo/" + fixture + ".safetensors").toURI());
    }
}
