package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ModelTest {
    @Test
    void sequentialNamesLayersAndParameters() {
        Sequential m = new Sequential(Shape.of(2, 3, 3), new Flatten(), new Dense(4), new ReLU(), new Dense(3));
        assertEquals(List.of("flatten", "dense", "re_lu", "dense_1"), m.layers().stream().map(Layer::name).toList());
        assertEquals(List.of("dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"),
                List.copyOf(m.namedParameters().keySet()));
        assertEquals(18 * 4 + 4 + 4 * 3 + 3, m.parameterCount());
        assertEquals(Shape.of(3), m.outputShape());
    }

    @Test
    void shapeMismatchFailsAtBuildNamingLayerAndShapes() {
        Sequential m = new Sequential(Shape.of(2, 3, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.add(new Dense(4).named("fc1")));
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("[2, 3, 3]"), e.getMessage());
        Graph.Builder g = Graph.builder().input("a", Shape.of(4)).input("b", Shape.of(5));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> g.add("sum", new Add(), "a", "b"));
        assertTrue(e2.getMessage().contains("sum") && e2.getMessage().contains("[4]") && e2.getMessage().contains("[5]"),
                e2.getMessage());
    }

    @Test
    void aWrongInputNamesTheModelOnlyWhenItHasAName() {
        Sequential m = new Sequential(Shape.of(2, 3, 3), new Flatten(), new Dense(4));
        m.initialize(1);
        String unnamed = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(1, 2, 3, 4), false))
                .getMessage();
        assertTrue(unnamed.startsWith("the model expects input [N, 2, 3, 3], got [1, 2, 3, 4]"), unnamed);
        assertFalse(unnamed.contains("null"), unnamed);
    }

    @Test
    void sameSeedSameModel() {
        Sequential a = new Sequential(Shape.of(6), new Dense(5), new Dense(2));
        Sequential b = new Sequential(Shape.of(6), new Dense(5), new Dense(2));
        a.initialize(7);
        b.initialize(7);
        assertEquals(0f, a.stateDict().get("dense.kernel").maxAbsDiff(b.stateDict().get("dense.kernel")));
        b.initialize(8);
        assertTrue(a.stateDict().get("dense.kernel").maxAbsDiff(b.stateDict().get("dense.kernel")) > 0);
    }

    @Test
    void denseGradientsMatchFiniteDifferences() {
        Sequential m = new Sequential(Shape.of(2, 2, 2), new Flatten(), new Dense(5), new Dense(3));
        Tensor x = Tensor.randn(new Random(1), 1f, 4, 2, 2, 2);
        GradientCheck.Result r = GradientCheck.check(m, List.of(x), GradientCheck.Options.training(60, 3));
        assertTrue(r.passed(), r.toString());
        assertEquals(32 + 40 + 5 + 15 + 3, r.checked());
    }

    @Test
    void residualGraphRoutesGradientsThroughBothPaths() {
        Graph g = Graph.builder("block")
                .input("x", Shape.of(6))
                .add("fc1", new Dense(6), "x")
                .add("fc2", new Dense(6), "fc1")
                .add("sum", new Add(), "fc2", "x")
                .add("cat", new Concat(), "sum", "fc1")
                .output("cat")
                .build();
        assertEquals(Shape.of(12), g.outputShape());
        Tensor x = Tensor.randn(new Random(2), 1f, 3, 6);
        GradientCheck.Result r = GradientCheck.check(g, List.of(x), GradientCheck.Options.training(50, 4));
        assertTrue(r.passed(), r.toString());
        assertEquals(List.of("fc1.kernel", "fc1.bias", "fc2.kernel", "fc2.bias"), List.copyOf(g.namedParameters().keySet()));
    }

    @Test
    void gradientCheckCatchesAWrongGradient() {
        // a layer whose backward is deliberately off by a factor: the check must fail
        UnaryLayer wrong = new UnaryLayer() {
            @Override
            protected Shape outputShapeOf(Shape input) {
                return input;
            }

            @Override
            public Tensor forward(Tensor x, boolean training) {
                Tensor y = x.copy();
                for (int i = 0; i < y.size(); i++) {
                    y.data()[i] *= 3f;
                }
                return y;
            }

            @Override
            public Tensor backward(Tensor dy) {
                Tensor dx = dy.copy();
                for (int i = 0; i < dx.size(); i++) {
                    dx.data()[i] *= 2.9f;
                }
                return dx;
            }
        };
        GradientCheck.Result r = GradientCheck.check(wrong, List.of(Tensor.randn(new Random(1), 1f, 2, 5)), GradientCheck.Options.training(10, 1));
        assertFalse(r.passed());
    }

    @Test
    void nestedModelsPrefixNames() {
        Sequential inner = new Sequential("block1", Shape.of(4), new Dense(4).named("conv1"));
        Sequential outer = new Sequential(Shape.of(4), inner, new Dense(2).named("predictions"));
        assertEquals(List.of("block1.conv1.kernel", "block1.conv1.bias", "predictions.kernel", "predictions.bias"),
                List.copyOf(outer.namedParameters().keySet()));
        outer.layer("block1").setTrainable(false);
        assertTrue(outer.namedParameters().get("block1.conv1.kernel").isFrozen());
        assertFalse(outer.namedParameters().get("predictions.kernel").isFrozen());
        assertEquals(10, outer.trainableParameterCount());
    }
}
