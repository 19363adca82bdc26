package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.GradientCheck;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.LayerFactory;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class WeightedSumTest {
    private static WeightedSum built(int k, Shape s) {
        WeightedSum ws = new WeightedSum();
        ws.outputShape(java.util.Collections.nCopies(k, s));
        return ws;
    }

    @Test
    void startsAsTheMeanAndSumsWithItsWeights() {
        WeightedSum ws = built(2, Shape.of(3));
        assertArrayEquals(new float[] {0.5f, 0.5f}, ws.weights().value().data());
        ws.weights().value().data()[0] = 2f;
        ws.weights().value().data()[1] = -1f;
        Tensor a = Tensor.fromRows(new double[][] {{1, 2, 3}});
        Tensor b = Tensor.fromRows(new double[][] {{10, 0, -4}});
        // by hand: 2*a - b
        assertArrayEquals(new float[] {-8f, 4f, 10f}, ws.forward(List.of(a, b), true).data(), 1e-6f);
        // backward with dy = (1, 1, 1): dx_a = 2, dx_b = -1, dw_a = 1+2+3 = 6, dw_b = 10+0-4 = 6
        List<Tensor> g = ws.backwardAll(Tensor.fromRows(new double[][] {{1, 1, 1}}));
        assertArrayEquals(new float[] {2f, 2f, 2f}, g.get(0).data());
        assertArrayEquals(new float[] {-1f, -1f, -1f}, g.get(1).data());
        assertArrayEquals(new float[] {6f, 6f}, ws.weights().grad().data(), 1e-6f);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Random r = new Random(3);
        WeightedSum ws = built(3, Shape.of(2, 3, 3));
        ws.weights().value().data()[1] = -0.7f;
        ws.weights().value().data()[2] = 1.3f;
        List<Tensor> in = List.of(Tensor.randn(r, 1f, 2, 2, 3, 3), Tensor.randn(r, 1f, 2, 2, 3, 3),
                Tensor.randn(r, 1f, 2, 2, 3, 3));
        GradientCheck.Result res = GradientCheck.check(ws, in, GradientCheck.Options.training(40, 11));
        assertTrue(res.passed(), res.toString());
        assertTrue(res.checked() >= 3 * 36 + 3);
    }

    @Test
    void refusesUnequalShapesAndSurvivesASaveByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WeightedSum().outputShape(List.of(Shape.of(4), Shape.of(5))));
        assertTrue(e.getMessage().contains("equal shapes"), e.getMessage());
        assertTrue(LayerFactory.types().contains("WeightedSum"));
        Graph g = Graph.builder("g").input("a", Shape.of(4)).input("b", Shape.of(4))
                .add("ws", new WeightedSum(), "a", "b").build();
        Model again = ModelSpec.fromMap(ModelSpec.toMap(g));
        assertEquals(Shape.of(4), again.outputShape());
        assertEquals(List.of("ws.weights"), List.copyOf(again.namedParameters().keySet()));
    }
}
