package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSummary;
import org.junit.jupiter.api.Test;

/**
 * Published parameter counts at default settings, and MACs, each checked against torchvision
 * (tools/fixtures/zoo_parity.py --counts prints them) or by hand where noted. The models are described
 * ({@link ModelZoo#describe}: shapes only, no weights drawn), whose counts and MACs are those of the built models
 * (ZooDescribeTest); building them drew 1.2 billion Gaussian weights (94 s of the suite).
 */
class ZooCountsTest {
    private static long buffers(Model m) {
        return ModelSummary.bufferCount(m);
    }

    @Test
    void alexnet() {
        Model m = ModelZoo.describe("alexnet", ZooOptions.defaults());
        assertEquals(61_100_840L, m.parameterCount());   // torchvision alexnet
        assertEquals(714_188_480L, m.totalMacs());       // torchvision conv+linear hooks ("0.71 GFLOPS")
        // paper layout with two groups: conv 34,944 + 307,456 + 885,120 + 663,936 + 442,624, fc 37,752,832
        // + 16,781,312 + 4,097,000 (by hand)
        Model paper = ModelZoo.describe("alexnet", ZooOptions.builder().layout("paper").build());
        assertEquals(60_965_224L, paper.parameterCount());
    }

    @Test
    void vgg16() {
        Model m = ModelZoo.describe("vgg16", ZooOptions.defaults());
        assertEquals(138_357_544L, m.parameterCount());
        assertEquals(15_470_264_320L, m.totalMacs());    // torchvision "15.47 GFLOPS"
    }

    @Test
    void vgg19() {
        Model m = ModelZoo.describe("vgg19", ZooOptions.defaults());
        assertEquals(143_667_240L, m.parameterCount());
        assertEquals(19_632_062_464L, m.totalMacs());
    }

    @Test
    void vgg16WithBatchNormIsTorchvisionsVgg16Bn() {
        Model m = ModelZoo.describe("vgg16", ZooOptions.builder().batchNorm(true).includeTop(false).build());
        // vgg16_bn 138,365,992 minus the classifier (102,764,544 + 16,781,312 + 4,097,000)
        assertEquals(138_365_992L - 123_642_856L, m.parameterCount());
        assertEquals(8_448L, buffers(m));
    }

    @Test
    void resnets() {
        Model r18 = ModelZoo.describe("resnet18", ZooOptions.defaults());
        assertEquals(11_689_512L, r18.parameterCount());
        assertEquals(1_814_073_344L, r18.totalMacs());
        Model r34 = ModelZoo.describe("resnet34", ZooOptions.defaults());
        assertEquals(21_797_672L, r34.parameterCount());
        assertEquals(3_663_761_408L, r34.totalMacs());
        Model r50 = ModelZoo.describe("resnet50", ZooOptions.defaults());
        assertEquals(25_557_032L, r50.parameterCount());   // torchvision: learnable values only
        assertEquals(53_120L, buffers(r50));                // running mean + var
        assertEquals(4_089_184_256L, r50.totalMacs());      // torchvision "4.09 GFLOPS"
    }

    /**
     * torchvision's resnet.py and vgg.py families, each against its weights' metadata (torchvision 0.14's num_params;
     * _ops, torchvision's GFLOPS at 224, to its three decimals). VGG without its classifier, which is added by hand.
     */
    @Test
    void torchvisionResNetAndVggFamiliesCountAsTorchvision() {
        Object[][] published = {
            {"resnet101", 44_549_160L, 7.801}, {"resnet152", 60_192_808L, 11.514},
            {"resnext50_32x4d", 25_028_904L, 4.23}, {"resnext101_32x8d", 88_791_336L, 16.414},
            {"resnext101_64x4d", 83_455_272L, 15.46}, {"wide_resnet50_2", 68_883_240L, 11.398},
            {"wide_resnet101_2", 126_886_696L, 22.753}};
        for (Object[] p : published) {
            String name = (String) p[0];
            Model m = ModelZoo.describe(name, ZooOptions.defaults());
            assertEquals((long) p[1], m.parameterCount(), name);
            assertEquals((double) p[2], m.totalMacs() / 1e9, 0.0005 + 1e-9, name + " GMACs");
        }
        // classifier: 25,088 x 4,096 + 4,096 x 4,096 + 4,096 x 1,000 weights (= MACs) and 9,192 biases
        long classifierMacs = 25_088L * 4_096 + 4_096L * 4_096 + 4_096L * 1_000;
        long classifier = classifierMacs + 4_096 + 4_096 + 1_000;
        Object[][] vggs = {{"vgg11", false, 132_863_336L, 7.609}, {"vgg11", true, 132_868_840L, 7.609},
            {"vgg13", false, 133_047_848L, 11.308}, {"vgg13", true, 133_053_736L, 11.308}};
        for (Object[] v : vggs) {
            Model m = ModelZoo.describe((String) v[0], ZooOptions.builder().batchNorm((boolean) v[1]).includeTop(false)
                    .build());
            String name = v[0] + ((boolean) v[1] ? "_bn" : "");
            assertEquals((long) v[2], m.parameterCount() + classifier, name);
            if (!(boolean) v[1]) {
                assertEquals((double) v[3], (m.totalMacs() + classifierMacs) / 1e9, 0.0005 + 1e-9, name + " GMACs");
            }
        }
    }

    /**
     * MobileNetV2, SqueezeNet 1.0/1.1 and DenseNet-121/161/169/201 against torchvision 0.14's num_params and
     * conv+linear MACs at 224x224 (tools/fixtures/torchvision_zoo2_fixture.py --counts; torchvision's published _ops,
     * 0.301, 0.819, 0.349, 2.834, 7.728, 3.36 and 4.291 GMACs, are these rounded).
     */
    @Test
    void mobileNetSqueezeNetAndDenseNetsCountAsTorchvision() {
        Object[][] published = {
            {"mobilenet_v2", 3_504_872L, 300_774_272L}, {"squeezenet1_0", 1_248_424L, 818_924_576L},
            {"squeezenet1_1", 1_235_496L, 349_151_936L}, {"densenet121", 7_978_856L, 2_834_161_664L},
            {"densenet161", 28_681_000L, 7_727_907_072L}, {"densenet169", 14_149_480L, 3_359_843_328L},
            {"densenet201", 20_013_928L, 4_291_365_888L}};
        for (Object[] p : published) {
            String name = (String) p[0];
            Model m = ModelZoo.describe(name, ZooOptions.defaults());
            assertEquals((long) p[1], m.parameterCount(), name);
            assertEquals((long) p[2], m.totalMacs(), name + " MACs");
        }
    }

    @Test
    void resnetVariantsAtReducedWidthKeepWholeGroups() {
        // 32 groups at width 1/16: 2 groups; layer1's bottleneck 128 -> 8 channels
        Model r = ModelZoo.describe("resnext50_32x4d", ZooOptions.builder().width(1.0 / 16).input(3, 32, 32).build());
        assertTrue(r.parameterCount() > 0);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.describe("resnext50_32x4d", ZooOptions.builder().width(0.3).build()));
        assertTrue(e.getMessage().contains("groups"), e.getMessage());
    }

    @Test
    void resnet50KerasLayoutCountsLikeKeras() {
        Model k = ModelZoo.describe("resnet50", ZooOptions.builder().layout("keras").build());
        // Keras: trainable 25,583,592 (torchvision's + 26,560 conv biases), total 25,636,712 with buffers
        assertEquals(25_583_592L, k.parameterCount());
        assertEquals(25_636_712L, k.parameterCount() + buffers(k));
    }

    @Test
    void googlenetBothLayouts() {
        Model paper = ModelZoo.describe("googlenet", ZooOptions.defaults());
        assertEquals(6_998_552L, paper.parameterCount());
        Model tv = ModelZoo.describe("googlenet", ZooOptions.builder().layout("torchvision").build());
        assertEquals(6_624_904L, tv.parameterCount());
        assertEquals(1_498_376_192L, tv.totalMacs());     // torchvision "1.50 GFLOPS"
    }

    @Test
    void inceptionV3() {
        Model m = ModelZoo.describe("inception_v3", ZooOptions.defaults());
        assertEquals(23_834_568L, m.parameterCount());    // torchvision inception_v3(aux_logits=False)
        Model tv = ModelZoo.describe("inception_v3", ZooOptions.builder().layout("torchvision").build());
        assertEquals(23_834_568L, tv.parameterCount()); // torchvision inception_v3(aux_logits=False), torchvision's names
        assertEquals(m.totalMacs(), tv.totalMacs());       // the same convolutions; only names and avg pools differ
        assertTrue(tv.namedParameters().containsKey("Mixed_7c.branch3x3dbl_3b.conv.kernel"), "torchvision's names");
        assertTrue(tv.namedParameters().containsKey("Mixed_5b.branch_pool.bn.running_var"), "torchvision's names");
        assertEquals(34_432L, buffers(m));
        long gammas = buffers(m) / 2;                      // one gamma per running mean
        assertEquals(23_851_784L, m.parameterCount() + buffers(m) - gammas); // Keras (scale=False)
        assertEquals(5_713_216_096L, m.totalMacs());      // torchvision "5.71 GFLOPS"
    }

    @Test
    void lenet5() {
        assertEquals(61_706L, ModelZoo.describe("lenet5", ZooOptions.defaults()).parameterCount());
    }
}
