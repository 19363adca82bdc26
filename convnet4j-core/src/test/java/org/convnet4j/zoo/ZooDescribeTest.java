package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.ModelSummary;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.ShapesOnly;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelZoo#describe} (shapes only, no weights) gives what the allocated model gives: every parameter's name,
 * kind and shape, the counts, MACs, output shape, summary (with its memory estimates) and spec, for every zoo
 * architecture and layout at a small width, and for one whole model. ZooCountsTest's published counts rely on it.
 */
class ZooDescribeTest {
    private static List<ZooOptions> variants(String name) {
        // resnext's 32 groups keep whole groups at 1/16 (2 groups), not at 1/32
        double w = 1.0 / 16;
        ZooOptions.Builder base = ZooOptions.builder().width(w);
        List<ZooOptions> out = new ArrayList<>();
        out.add(base.build());
        out.add(base.includeTop(false).pooling(ZooOptions.Pool.AVG).build());
        base = ZooOptions.builder().width(w);
        switch (name) {
            case "alexnet" -> {
                out.add(base.layout("paper").build());
                out.add(base.layout(null).lrn(true).build());
            }
            case "googlenet" -> out.add(base.layout("torchvision").build());
            case "inception_v3" -> out.add(base.layout("torchvision").build());
            case "lenet5" -> {
                for (String l : new String[] {"classic", "lecun1998", "lecun1998-dense"}) {
                    out.add(ZooOptions.builder().layout(l).build());
                }
                out.add(ZooOptions.defaults());
            }
            default -> {
                if (name.startsWith("vgg")) {
                    out.add(base.batchNorm(true).build());
                } else if (name.startsWith("resnet")) {
                    out.add(base.layout("keras").build());
                    out.add(ZooOptions.builder().width(w).smallInput(true).input(3, 32, 32).classes(10).build());
                }
            }
        }
        return out;
    }

    /** Everything a description shows, as one comparable map. */
    private static Map<String, Object> described(Model m) {
        Map<String, Object> d = new LinkedHashMap<>();
        List<String> params = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            params.add(e.getKey() + " " + p.kind() + " " + p.shape() + (p.isFrozen() ? " frozen" : "")
                    + (p.isLearnable() ? " " + p.initializer().id() : ""));
        }
        d.put("parameters", params);
        d.put("count", m.parameterCount());
        d.put("trainable", m.trainableParameterCount());
        d.put("buffers", ModelSummary.bufferCount(m));
        d.put("macs", m.totalMacs());
        d.put("output", m.outputShape());
        d.put("inputs", m.inputShapes());
        ModelSummary s = ModelSummary.of(m);
        d.put("summary", s.toMap(8));
        d.put("table", s.toTable(8));
        d.put("training memory", s.trainingMemoryBytes(32, 2));
        d.put("inference memory", s.inferenceMemoryBytes(32));
        d.put("spec", ModelSpec.toMap(m));
        return d;
    }

    private static void assertSameDescription(Map<String, Object> built, Map<String, Object> shapes, String what) {
        assertEquals(built.keySet(), shapes.keySet(), what);
        built.forEach((k, v) -> assertEquals(v, shapes.get(k), what + ": " + k));
    }

    @Test
    void everyArchitectureAndLayoutDescribesAsItsAllocatedModel() {
        int compared = 0;
        for (String name : ModelZoo.names()) {
            for (ZooOptions o : variants(name)) {
                Model built = ModelZoo.build(name, o);
                Model shapes = ModelZoo.describe(name, o);
                String what = name + " " + o;
                assertFalse(ShapesOnly.isShapesOnly(built), what);
                assertTrue(ShapesOnly.isShapesOnly(shapes), what);
                assertTrue(built.parameterCount() > 0, what);
                assertSameDescription(described(built), described(shapes), what);
                compared++;
            }
        }
        assertTrue(compared >= 2 * ModelZoo.names().size(), "compared " + compared);
    }

    @Test
    void aWholeResNet50DescribesAsItsAllocatedModel() {
        Model built = ModelZoo.build("resnet50", ZooOptions.defaults());
        assertSameDescription(described(built), described(ModelZoo.describe("resnet50", ZooOptions.defaults())),
                "resnet50");
    }

    @Test
    void aDescribedModelRefusesToRunTrainOrLoadWithOneMessage() {
        Model m = ModelZoo.describe("resnet18", ZooOptions.builder().width(1.0 / 16).input(3, 32, 32).build());
        Tensor x = Tensor.randn(new Random(1), 1f, 1, 3, 32, 32);
        IllegalStateException run = assertThrows(IllegalStateException.class, () -> m.predict(x));
        assertTrue(run.getMessage().contains("built shapes only") && run.getMessage().contains("ModelZoo.build"),
                run.getMessage());
        IllegalStateException train = assertThrows(IllegalStateException.class, () -> m.forward(x, true));
        assertTrue(train.getMessage().contains("shapes only"), train.getMessage());
        assertThrows(IllegalStateException.class, () -> m.initialize(7));
        assertThrows(IllegalStateException.class, m::stateDict);
        Parameter kernel = m.namedParameters().values().iterator().next();
        IllegalStateException load = assertThrows(IllegalStateException.class,
                () -> kernel.load(Tensor.zeros(kernel.shape())));
        assertTrue(load.getMessage().contains("'" + kernel.name() + "'"), load.getMessage());
    }

    @Test
    void describingNeedsNoMemoryBudgetAndLeavesBuildingAsItWas() {
        // 10x VGG16's width: 1.47 billion convolution weights (5.9 GB of floats, twice that with gradients); under a
        // 16 MB budget the build is refused, the description is not
        try (MemoryBudget.Limit small = MemoryBudget.limit("16m", "test")) {
            Model huge = ModelZoo.describe("vgg16", ZooOptions.builder().width(10).includeTop(false).build());
            assertTrue(huge.parameterCount() > 1_400_000_000L, "" + huge.parameterCount());
            assertThrows(MemoryBudget.ModelTooLargeException.class, () -> ModelZoo.build("vgg16",
                    ZooOptions.defaults()));
        }
        // the switch is off again after describe: the next build has values
        Model next = ModelZoo.build("lenet5", ZooOptions.defaults());
        assertFalse(ShapesOnly.isShapesOnly(next));
        assertEquals(61_706L, next.parameterCount());
        // and off after a describe that failed
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> ModelZoo.describe(
                "squeezenet1_0", ZooOptions.builder().input(3, 16, 16).build()));
        assertTrue(small.getMessage().contains("smallest input"), small.getMessage());
        assertFalse(ShapesOnly.active());
        assertThrows(IllegalArgumentException.class, () -> ModelZoo.describe("nonet", ZooOptions.defaults()));
    }
}
