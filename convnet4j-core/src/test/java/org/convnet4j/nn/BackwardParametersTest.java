package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;

/** Model.backwardParameters (training's backward pass) leaves exactly the gradients backwardAll leaves. */
class BackwardParametersTest {

    private static Map<String, float[]> gradients(Model m) {
        Map<String, float[]> g = new HashMap<>();
        m.namedParameters().forEach((name, p) -> g.put(name, p.grad().data().clone()));
        return g;
    }

    private static void sameGradients(Model m, Tensor x) {
        Tensor dy = Tensor.randn(new Random(3), 1f, m.forward(x, true).shape().dims());
        m.zeroGrad();
        m.forward(x, true);
        m.backwardAll(dy);
        Map<String, float[]> full = gradients(m);
        m.zeroGrad();
        m.forward(x, true);
        m.backwardParameters(dy);
        Map<String, float[]> only = gradients(m);
        assertEquals(full.keySet(), only.keySet());
        for (String name : full.keySet()) {
            assertArrayEquals(full.get(name), only.get(name), name);
        }
        // a gradient that stayed all zero would make the comparison vacuous
        assertTrue(only.values().stream().allMatch(a -> {
            for (float v : a) {
                if (v != 0f) {
                    return true;
                }
            }
            return false;
        }));
    }

    @Test
    void convolutionFirstLayerSkipsOnlyTheInputGradient() {
        Sequential net = LeNet5.build();
        net.initialize(1);
        sameGradients(net, Tensor.randn(new Random(2), 1f, 4, 1, 28, 28));
    }

    @Test
    void otherFirstLayersRunTheirOrdinaryBackward() {
        Sequential net = new Sequential("mlp", Shape.of(2, 3, 3), new Flatten(), new Dense(5), new ReLU(), new Dense(3));
        net.initialize(1);
        sameGradients(net, Tensor.randn(new Random(2), 1f, 4, 2, 3, 3));
    }
}
