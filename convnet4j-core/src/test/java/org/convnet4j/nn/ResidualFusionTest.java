package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;

/**
 * In inference a convolution runs the residual sum after it (behind its batch norm, with the ReLU after the sum) by
 * adding the skip in its epilogue: predict gives the bits of the layers one by one, on the 1x1 GEMM path with one
 * sample (tiles written into the output) and with samples joined (tiles scattered), the 3x3 shifted-patches path, both
 * operand orders of the sum, a strided 1x1 (im2col) whose skip is the main path computed before it (a downsample after
 * conv6); a sum whose chain end has a second reader is not fused and still agrees.
 */
class ResidualFusionTest {

    /** A bottleneck with an identity skip, a basic block (3x3 last), a sum without batch norm or ReLU, a downsample. */
    private static Graph blocks(int c, int hw) {
        Graph g = Graph.builder("blocks").input("x", Shape.of(c, hw, hw))
                .add("conv1", new Conv2d(8, 1).useBias(false), "x")
                .add("bn1", new BatchNorm2d(), "conv1")
                .add("relu1", new ReLU(), "bn1")
                .add("conv2", new Conv2d(8, 3).padding(1).useBias(false), "relu1")
                .add("bn2", new BatchNorm2d(), "conv2")
                .add("relu2", new ReLU(), "bn2")
                .add("conv3", new Conv2d(c, 1).useBias(false), "relu2")
                .add("bn3", new BatchNorm2d(), "conv3")
                .add("add1", new Add(), "bn3", "x")
                .add("out1", new ReLU(), "add1")
                .add("conv4", new Conv2d(c, 3).padding(1), "out1")
                .add("bn4", new BatchNorm2d(), "conv4")
                .add("add2", new Add(), "out1", "bn4") // the skip first
                .add("out2", new ReLU(), "add2")
                .add("conv5", new Conv2d(c, 1), "out2")
                .add("add3", new Add(), "conv5", "out1") // no batch norm, no ReLU after
                .add("conv6", new Conv2d(2 * c, 1).stride(2), "add3")
                .add("down", new Conv2d(2 * c, 1).stride(2), "add3") // fused, conv6 its skip
                .add("add4", new Add(), "conv6", "down")
                .add("out4", new ReLU(), "add4")
                .add("conv7", new Conv2d(2 * c, 1), "out4")
                .add("tap", new ReLU(), "conv7") // conv7 has two readers: its sum is not fused
                .add("add5", new Add(), "conv7", "out4")
                .add("sum", new Add(), "add5", "tap")
                .output("sum").build();
        g.initialize(5);
        return g;
    }

    private static void assertFusedGivesLayerByLayerBits(int c, int hw, int batch) {
        Graph g = blocks(c, hw);
        assertEquals(4, g.fusedResidualSums());
        Tensor x = Tensor.randn(new Random(11), 1f, batch, c, hw, hw);
        for (int i = 0; i < 2; i++) {
            g.forward(x, true); // batch-norm running statistics away from 0/1
        }
        Tensor layerByLayer = g.forward(x, false); // gradients tracked: nothing fused
        assertArrayEquals(layerByLayer.data(), g.predict(x).data(), "fused, batch " + batch + ", " + hw + "x" + hw);
        Graph.fuseResidual = false;
        try {
            assertEquals(0, g.fusedResidualSums());
            assertArrayEquals(layerByLayer.data(), g.predict(x).data(), "sums apart, batch " + batch);
        } finally {
            Graph.fuseResidual = true;
        }
    }

    @Test
    void oneSampleWrittenIntoTheOutput() {
        assertFusedGivesLayerByLayerBits(16, 20, 1); // 400 pixels: the tiles are rows of the output itself
    }

    @Test
    void joinedSamplesScatteredFirst() {
        assertFusedGivesLayerByLayerBits(16, 7, 6); // 49 pixels: samples joined in a scratch tile, then scattered
    }

    @Test
    void resnet50FusesItsTwelveIdentitySums() {
        Model m = ModelZoo.describe("resnet50", ZooOptions.builder().input(Shape.of(3, 32, 32)).classes(10).build());
        int[] sums = new int[1];
        count(m, sums);
        assertEquals(12, sums[0]); // 16 bottlenecks, 4 with a downsample computed after conv3
    }

    private static void count(Layer layer, int[] sums) {
        if (layer instanceof Graph g) {
            sums[0] += g.fusedResidualSums();
        } else if (layer instanceof Sequential s) {
            for (Layer l : s.layers()) {
                count(l, sums);
            }
        }
    }
}
