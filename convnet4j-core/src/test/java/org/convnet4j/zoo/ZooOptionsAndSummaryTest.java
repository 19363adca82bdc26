package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.convnet4j.internal.json.Json;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSummary;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ZooOptionsAndSummaryTest {
    @Test
    void inception3aFiveByFiveBranchCostsATenthWithItsBottleneck() {
        // paper layout at 224: 3a sees 192x28x28
        Sequential g = (Sequential) ModelZoo.build("googlenet", ZooOptions.builder().includeTop(false).build());
        ModelSummary s = ModelSummary.of(g);
        ModelSummary.Row branch3 = s.rows().stream().filter(r -> r.name().equals("inception3a.branch3")).findFirst()
                .orElseThrow();
        // 1x1 192->16 at 28x28: 16*192*784 = 2,408,448; 5x5 16->32: 32*16*25*784 = 10,035,200
        assertEquals(12_443_648L, branch3.macs());
        assertEquals(2_408_448L, rowMacs(s, "inception3a.branch3.0.conv"));
        assertEquals(10_035_200L, rowMacs(s, "inception3a.branch3.1.conv"));
        // the same 5x5 straight from 192 channels: 32*192*25*784
        Sequential direct = new Sequential(Shape.of(192, 28, 28), new org.convnet4j.nn.layers.Conv2d(32, 5).padding(2));
        assertEquals(120_422_400L, direct.totalMacs());
        assertTrue(direct.totalMacs() > 9 * branch3.macs());
    }

    private static long rowMacs(ModelSummary s, String name) {
        return s.rows().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow().macs();
    }

    @Test
    void nestedRowsAndTotalsOfASmallResNet() {
        Model m = ModelZoo.build("resnet18", ZooOptions.builder().input(3, 32, 32).classes(10).width(0.125)
                .smallInput(true).build());
        m.namedParameters().get("fc.kernel").setFrozen(true);
        ModelSummary s = ModelSummary.of(m);
        assertEquals(m.parameterCount(), s.totalParams());
        assertEquals(10L * 64, s.frozenParams());            // fc kernel [10, 512*0.125]
        assertEquals(m.parameterCount() - 640, s.trainableParams());
        assertEquals(m.totalMacs(), s.totalMacs());
        ModelSummary.Row conv = s.rows().stream().filter(r -> r.name().equals("layer2.0.downsample.0")).findFirst()
                .orElseThrow();
        assertEquals(3, conv.depth());                      // layer2 > 0 > downsample > 0
        assertEquals(Shape.of(16, 16, 16), conv.outputShape());
        assertEquals(16L * 8, conv.params());                // 1x1 conv 8->16, no bias
        // activation bytes: every leaf output once; the stem's conv1 output is 8x32x32 floats
        assertEquals(4L * 8 * 32 * 32, s.rows().get(0).activationBytes());
        long leaves = s.rows().stream().filter(r -> !r.type().equals("Sequential") && !r.type().equals("Graph"))
                .mapToLong(ModelSummary.Row::activationBytes).sum();
        assertEquals(leaves, s.activationBytesPerSample());
        // training memory rule: 4*(P+B) + 4*T + 4*T*2 + 2*A*batch + 4*input*batch
        long p = s.totalParams();
        long t = s.trainableParams();
        long expected = 4 * (p + s.bufferValues()) + 4 * t + 8 * t + 2 * leaves * 16 + 4L * 3 * 32 * 32 * 16;
        assertEquals(expected, s.trainingMemoryBytes(16, 2));
        assertTrue(s.toTable(16).contains("\n  layer1.0 (Graph)"), s.toTable(16)); // block 0 of layer1, indented
    }

    @Test
    void summaryJson() {
        Model m = ModelZoo.build("lenet5", ZooOptions.defaults());
        JsonObject j = Json.parseObject(ModelSummary.of(m).toJson(32), "summary");
        assertEquals(61_706L, j.get("total_params").getAsLong());
        assertEquals(61_706L, j.get("trainable_params").getAsLong());
        assertEquals(0L, j.get("frozen_params").getAsLong());
        assertEquals(m.totalMacs(), j.get("total_macs").getAsLong());
        JsonArray rows = j.getAsJsonArray("rows");
        assertEquals(12, rows.size());
        JsonObject conv1 = rows.get(0).getAsJsonObject();
        assertEquals("conv1", conv1.get("name").getAsString());
        assertEquals(156L, conv1.get("params").getAsLong());
        assertEquals(117_600L, conv1.get("macs").getAsLong());
        assertEquals(4L * 6 * 28 * 28, conv1.get("activation_bytes").getAsLong());
        assertEquals("[6,28,28]", conv1.get("output_shape").toString());
    }

    @Test
    void inputTooSmallNamesTheSmallestSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("vgg16", ZooOptions.builder().input(3, 16, 16).build()));
        assertTrue(e.getMessage().contains("smallest input that works is 32x32"), e.getMessage());
        IllegalArgumentException i = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("inception_v3", ZooOptions.builder().input(3, 64, 64).build()));
        assertTrue(i.getMessage().contains("75x75"), i.getMessage()); // Keras' documented minimum
        // 32x32 builds (and 31 would not): the message is right about both sides
        ModelZoo.build("vgg16", ZooOptions.builder().input(3, 32, 32).includeTop(false).width(0.01).build());
        assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("vgg16", ZooOptions.builder().input(3, 31, 31).includeTop(false).width(0.01).build()));
    }

    @Test
    void unknownNamesAndLayoutsListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("resnet51", ZooOptions.defaults()));
        for (String n : new String[] {"lenet5", "alexnet", "vgg16", "vgg19", "resnet18", "resnet34", "resnet50",
            "googlenet", "inception_v3"}) {
            assertTrue(e.getMessage().contains(n), e.getMessage());
        }
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("googlenet", ZooOptions.builder().layout("keras").build()));
        assertTrue(l.getMessage().contains("paper, torchvision"), l.getMessage());
    }

    @Test
    void featureExtractionAndSmallInputs() {
        Model avg = ModelZoo.build("resnet50", ZooOptions.builder().input(3, 64, 64).includeTop(false)
                .pooling(ZooOptions.Pool.AVG).width(0.0625).build());
        assertEquals(Shape.of(128), avg.outputShape());     // 512*4 channels at width 1/16
        Model maps = ModelZoo.build("vgg16", ZooOptions.builder().input(3, 64, 64).includeTop(false).width(0.0625).build());
        assertEquals(Shape.of(32, 2, 2), maps.outputShape());
        Model cifar = ModelZoo.build("resnet18", ZooOptions.builder().input(1, 28, 28).classes(10).smallInput(true)
                .width(0.125).build());
        assertEquals(Shape.of(64, 4, 4), ((Sequential) cifar).outputShapeAt(((Sequential) cifar).indexOf("layer4")));
        Tensor y = cifar.predict(Tensor.randn(new java.util.Random(1), 1, 2, 1, 28, 28));
        assertEquals(Shape.of(2, 10), y.shape());
        Graph inc = (Graph) ModelZoo.build("inception_v3", ZooOptions.builder().width(0.05).includeTop(false).build());
        assertEquals("mixed10", inc.outputNames().get(0));
        assertTrue(inc.namedParameters().containsKey("conv2d_94.kernel"));
        assertTrue(inc.namedParameters().containsKey("batch_normalization_94.running_var"));
    }
}
