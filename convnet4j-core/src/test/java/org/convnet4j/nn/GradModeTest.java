package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;

/**
 * Inference without gradient bookkeeping ({@link GradMode#withoutGradients}, {@link Model#predict}) gives the
 * same bits as an ordinary inference pass, keeps nothing for backward (which then fails clearly), and leaves
 * ordinary passes working afterwards.
 */
class GradModeTest {

    private static Model resnet() {
        // a small ResNet-18: conv, batch norm, ReLU, max pool, residual Graph blocks, global pooling, dense
        Model m = ModelZoo.build("resnet18", ZooOptions.builder().input(Shape.of(3, 32, 32)).classes(7).width(0.125)
                .build());
        m.initialize(5);
        return m;
    }

    @Test
    void predictGivesTheBitsOfAnInferenceForwardPass() {
        Model m = resnet();
        Tensor x = Tensor.randn(new Random(1), 1f, 3, 3, 32, 32);
        // move the batch-norm statistics away from 0/1 so that inference normalisation does something
        for (int i = 0; i < 3; i++) {
            m.forward(x, true);
        }
        Tensor expected = m.forward(x, false);
        assertArrayEquals(expected.data(), m.predict(x).data());
        assertArrayEquals(expected.data(), GradMode.withoutGradients(() -> m.forward(x, false)).data());
    }

    @Test
    void fusedInferenceGivesTheBitsOfLayerByLayerInference() {
        // Conv -> BN -> ReLU chains in Graph blocks and Sequential stems (ResNet, Keras layout with conv
        // biases), Conv -> ReLU in VGG and GoogLeNet; scalar kernels are covered by the epilogue's own calls.
        for (String name : new String[] {"resnet18", "vgg16", "googlenet", "resnet50"}) {
            ZooOptions.Builder o = ZooOptions.builder().input(Shape.of(3, 32, 32)).classes(5).width(0.125);
            if (name.equals("resnet50")) {
                o.layout("keras");
            }
            Model m = ModelZoo.build(name, o.build());
            m.initialize(11);
            Tensor x = Tensor.randn(new Random(6), 1f, 3, 3, 32, 32);
            for (int i = 0; i < 2; i++) {
                m.forward(x, true); // running statistics away from their initial 0/1
            }
            Tensor layerByLayer = m.forward(x, false);
            assertArrayEquals(layerByLayer.data(), m.predict(x).data(), name);
        }
    }

    @Test
    void backwardAfterAPassWithoutGradientsFailsClearlyAndOrdinaryPassesStillWork() {
        Model m = resnet();
        Tensor x = Tensor.randn(new Random(2), 1f, 2, 3, 32, 32);
        Tensor y = m.predict(x);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> m.backwardAll(Tensor.zeros(y.shape().dims())));
        assertTrue(e.getMessage().contains("backward"), e.getMessage());
        assertTrue(GradMode.isEnabled());
        Tensor again = m.forward(x, false);
        m.zeroGrad();
        m.backwardAll(Tensor.randn(new Random(3), 1f, again.shape().dims())); // works: the pass kept its inputs
    }

    @Test
    void graphKeepsNoActivationsWithoutGradients() {
        Graph g = Graph.builder("g").input("x", Shape.of(4))
                .add("a", new org.convnet4j.nn.layers.Dense(3), "x")
                .add("r", new org.convnet4j.nn.layers.ReLU(), "a")
                .output("r").build();
        g.initialize(1);
        Tensor x = Tensor.randn(new Random(4), 1f, 2, 4);
        g.forward(x, false);
        assertArrayEquals(g.forward(x, false).data(), g.activation("r").data());
        g.predict(x);
        assertThrows(IllegalStateException.class, () -> g.activation("a"));
        assertFalse(!GradMode.isEnabled());
    }

    @Test
    void theModeIsRestoredWhenTheBodyThrows() {
        assertThrows(IllegalArgumentException.class, () -> GradMode.withoutGradients(() -> {
            assertFalse(GradMode.isEnabled());
            throw new IllegalArgumentException("boom");
        }));
        assertTrue(GradMode.isEnabled());
    }
}
