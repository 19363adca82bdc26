package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A convolution absorbs the element-wise activation after it (SiLU, a ReLU6 clip, hard-swish), also behind a batch
 * norm, in inference without gradients: the blocks of MobileNetV2 and EfficientNet (pointwise GEMM path, depthwise
 * direct path, a strided 3x3 stem) give the bits of running the layers one by one, on both SiLU paths; a
 * convolution whose output has a second reader is not fused (Graph's chains) and still agrees.
 */
class ConvActivationFusionTest {

    private static Graph blocks() {
        Graph g = Graph.builder("blocks").input("x", Shape.of(6, 19, 19))
                .add("stem", new Conv2d(16, 3).stride(2).padding(1), "x")
                .add("stem_bn", new BatchNorm2d(), "stem")
                .add("stem_act", new Elementwise(Elementwise.Fn.SILU), "stem_bn")
                .add("expand", new Conv2d(48, 1), "stem_act")
                .add("expand_act", new Clip(0, 6), "expand")
                .add("dw", new Conv2d(48, 5).padding(2).groups(48), "expand_act")
                .add("dw_act", new Elementwise(Elementwise.Fn.SILU), "dw")
                .add("dw2", new Conv2d(48, 3).stride(2).padding(1).groups(48), "dw_act")
                .add("dw2_bn", new BatchNorm2d(), "dw2")
                .add("dw2_act", new Elementwise(Elementwise.Fn.HARD_SWISH), "dw2_bn")
                .add("project", new Conv2d(24, 1), "dw2_act")
                .add("shared", new Elementwise(Elementwise.Fn.SILU), "project")
                .add("tap", new Conv2d(24, 1), "project") // project has two readers: not absorbed
                .add("sum", new Add(), "shared", "tap")
                .output("sum").build();
        g.initialize(3);
        return g;
    }

    @Test
    void fusedInferenceGivesTheBitsOfLayerByLayerInference() {
        Graph g = blocks();
        Tensor x = Tensor.randn(new Random(8), 1f, 2, 6, 19, 19);
        for (int i = 0; i < 2; i++) {
            g.forward(x, true); // batch-norm running statistics away from 0/1
        }
        boolean exact = Elementwise.exactSilu;
        try {
            for (boolean e : new boolean[] {false, true}) {
                Elementwise.exactSilu = e;
                Tensor layerByLayer = g.forward(x, false);
                assertArrayEquals(layerByLayer.data(), g.predict(x).data(), "exact SiLU " + e);
                Conv2d.fuseActivations = false;
                try {
                    assertArrayEquals(layerByLayer.data(), g.predict(x).data(), "only ReLU fused, exact SiLU " + e);
                } finally {
                    Conv2d.fuseActivations = true;
                }
            }
        } finally {
            Elementwise.exactSilu = exact;
        }
    }

    @Test
    void absorbsActivationsBehindABatchNormAndAlone() {
        Conv2d conv = new Conv2d(4, 3);
        Elementwise silu = new Elementwise(Elementwise.Fn.SILU);
        Clip relu6 = new Clip(0, 6);
        BatchNorm2d bn = new BatchNorm2d();
        Graph.builder("g").input("x", Shape.of(2, 8, 8)).add("c", conv, "x").add("b", bn, "c").add("s", silu, "b")
                .add("r", relu6, "s").output("r").build();
        assertEquals(2, conv.absorbable(List.of(bn, silu)));
        assertEquals(1, conv.absorbable(List.of(relu6)));
        assertEquals(1, conv.absorbable(List.of(bn, new Dense(3))));
        assertEquals(0, conv.absorbable(List.of(new Add())));
        Conv2d.fuseActivations = false;
        try {
            assertEquals(0, conv.absorbable(List.of(silu)));
            assertEquals(1, conv.absorbable(List.of(new ReLU())));
        } finally {
            Conv2d.fuseActivations = true;
        }
        assertFalse(conv.absorbable(List.of()) > 0);
    }
}
