package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSummary;
import org.junit.jupiter.api.Test;

/**
 * Published parameter counts at default settings, and MACs, each checked against torchvision
 * (tools/fixtures/zoo_parity.py --counts prints them) or by hand where noted. Each big model is built once.
 */
class ZooCountsTest {
    private static long buffers(Model m) {
        return ModelSummary.bufferCount(m);
    }

    @Test
    void alexnet() {
        Model m = ModelZoo.build("alexnet", ZooOptions.defaults());
        assertEquals(61_100_840L, m.parameterCount());   // torchvision alexnet
        assertEquals(714_188_480L, m.totalMacs());       // torchvision conv+linear hooks ("0.71 GFLOPS")
        // paper layout with two groups: conv 34,944 + 307,456 + 885,120 + 663,936 + 442,624, fc 37,752,832
        // + 16,781,312 + 4,097,000 (by hand)
        Model paper = ModelZoo.build("alexnet", ZooOptions.builder().layout("paper").build());
        assertEquals(60_965_224L, paper.parameterCount());
    }

    @Test
    void vgg16() {
        Model m = ModelZoo.build("vgg16", ZooOptions.defaults());
        assertEquals(138_357_544L, m.parameterCount());
        assertEquals(15_470_264_320L, m.totalMacs());    // torchvision "15.47 GFLOPS"
    }

    @Test
    void vgg19() {
        Model m = ModelZoo.build("vgg19", ZooOptions.defaults());
        assertEquals(143_667_240L, m.parameterCount());
        assertEquals(19_632_062_464L, m.totalMacs());
    }

    @Test
    void vgg16WithBatchNormIsTorchvisionsVgg16Bn() {
        Model m = ModelZoo.build("vgg16", ZooOptions.builder().batchNorm(true).includeTop(false).build());
        // vgg16_bn 138,365,992 minus the classifier (102,764,544 + 16,781,312 + 4,097,000)
        assertEquals(138_365_992L - 123_642_856L, m.parameterCount());
        assertEquals(8_448L, buffers(m));
    }

    @Test
    void resnets() {
        Model r18 = ModelZoo.build("resnet18", ZooOptions.defaults());
        assertEquals(11_689_512L, r18.parameterCount());
        assertEquals(1_814_073_344L, r18.totalMacs());
        Model r34 = ModelZoo.build("resnet34", ZooOptions.defaults());
        assertEquals(21_797_672L, r34.parameterCount());
        assertEquals(3_663_761_408L, r34.totalMacs());
        Model r50 = ModelZoo.build("resnet50", ZooOptions.defaults());
        assertEquals(25_557_032L, r50.parameterCount());   // torchvision: learnable values only
        assertEquals(53_120L, buffers(r50));                // running mean + var
        assertEquals(4_089_184_256L, r50.totalMacs());      // torchvision "4.09 GFLOPS"
    }

    @Test
    void resnet50KerasLayoutCountsLikeKeras() {
        Model k = ModelZoo.build("resnet50", ZooOptions.builder().layout("keras").build());
        // Keras: trainable 25,583,592 (torchvision's + 26,560 conv biases), total 25,636,712 with buffers
        assertEquals(25_583_592L, k.parameterCount());
        assertEquals(25_636_712L, k.parameterCount() + buffers(k));
    }

    @Test
    void googlenetBothLayouts() {
        Model paper = ModelZoo.build("googlenet", ZooOptions.defaults());
        assertEquals(6_998_552L, paper.parameterCount());
        Model tv = ModelZoo.build("googlenet", ZooOptions.builder().layout("torchvision").build());
        assertEquals(6_624_904L, tv.parameterCount());
        assertEquals(1_498_376_192L, tv.totalMacs());     // torchvision "1.50 GFLOPS"
    }

    @Test
    void inceptionV3() {
        Model m = ModelZoo.build("inception_v3", ZooOptions.defaults());
        assertEquals(23_834_568L, m.parameterCount());    // torchvision inception_v3(aux_logits=False)
        Model tv = ModelZoo.build("inception_v3", ZooOptions.builder().layout("torchvision").build());
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
        assertEquals(61_706L, ModelZoo.build("lenet5", ZooOptions.defaults()).parameterCount());
    }
}
