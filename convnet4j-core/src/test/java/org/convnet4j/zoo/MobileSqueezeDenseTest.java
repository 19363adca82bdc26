package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * MobileNetV2, SqueezeNet and DenseNet as zoo models: reduced builds run, save and rebuild from their spec (what a
 * .c4j file stores) to the same outputs, and serve as feature extractors; the table-driven shapes are the papers'.
 * Their counts and MACs against torchvision: ZooCountsTest; torchvision's weights: convnet4j-io's TorchvisionZooTest.
 */
class MobileSqueezeDenseTest {
    private static final String[] NAMES = {"mobilenet_v2", "squeezenet1_0", "squeezenet1_1", "densenet121",
        "densenet161", "densenet169", "densenet201"};

    @Test
    void reducedModelsRebuildFromTheirSpecToTheSameOutputs() {
        Tensor x = Tensor.randn(new Random(5), 1f, 2, 3, 64, 64);
        for (String name : NAMES) {
            Model m = ModelZoo.build(name, ZooOptions.builder().width(name.startsWith("mobilenet") ? 0.25 : 0.125)
                    .input(3, 64, 64).classes(7).build());
            m.initialize(11);
            Model back = ModelSpec.fromMap(ModelSpec.toMap(m));
            m.namedParameters().forEach((k, p) -> back.namedParameters().get(k).load(p.value()));
            Tensor y = m.predict(x);
            assertEquals(Shape.of(2, 7), y.shape(), name);
            assertEquals(0f, y.maxAbsDiff(back.predict(x)), name);
        }
    }

    @Test
    void featureExtractorsEndInTheLastConvolutionsChannels() {
        int[] channels = {1280, 512, 512, 1024, 2208, 1664, 1920};
        for (int i = 0; i < NAMES.length; i++) {
            Model m = ModelZoo.describe(NAMES[i], ZooOptions.builder().includeTop(false).pooling(ZooOptions.Pool.AVG)
                    .build());
            assertEquals(Shape.of(channels[i]), m.outputShape(), NAMES[i]);
        }
        // the shapes of the papers' tables at 224x224
        assertEquals(Shape.of(1280, 7, 7), ModelZoo.describe("mobilenet_v2", ZooOptions.builder().includeTop(false)
                .build()).outputShape());
        assertEquals(Shape.of(512, 13, 13), ModelZoo.describe("squeezenet1_0", ZooOptions.builder().includeTop(false)
                .build()).outputShape());
        assertEquals(Shape.of(512, 13, 13), ModelZoo.describe("squeezenet1_1", ZooOptions.builder().includeTop(false)
                .build()).outputShape());
        assertEquals(Shape.of(1024, 7, 7), ModelZoo.describe("densenet121", ZooOptions.builder().includeTop(false)
                .build()).outputShape());
    }

    @Test
    void mobileNetWidthRoundsAsTorchvisionDoes() {
        // torchvision.models._utils._make_divisible(v, 8) for these v: 8, 16, 32, 48, 24, 24, 1792, 32
        double[] v = {32 * 0.25, 16 * 0.75, 320 * 0.1, 32 * 1.4, 18, 20, 1280 * 1.4, 96 * 0.35};
        int[] torchvision = {8, 16, 32, 48, 24, 24, 1792, 32};
        for (int i = 0; i < v.length; i++) {
            assertEquals(torchvision[i], MobileNetV2.divisible(v[i]), "v = " + v[i]);
        }
    }

    @Test
    void tooSmallInputsNameTheSmallestSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelZoo.build("squeezenet1_0",
                ZooOptions.builder().input(3, 16, 16).build()));
        assertTrue(e.getMessage().contains("smallest input"), e.getMessage());
    }
}
