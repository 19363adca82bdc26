package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.junit.jupiter.api.Test;

/**
 * Batch norm taking the following ReLU's mask in its own backward ({@link ReluMasked}): Sequential and Graph hand
 * the mask over where the ReLU is the batch norm's only reader, and every gradient (parameters, running statistics,
 * input) has the bits of the ReLU's backward followed by batch norm's; with and without the memory plan, with a
 * frozen batch norm (fixed statistics), and in a graph where the batch norm's output has a second reader (no
 * fusion there). A counting stand-in shows that the mask is handed over where it should be, and only there.
 */
class ReluMaskedBackwardTest {

    private static Sequential sequential() {
        return new Sequential(Shape.of(2, 8, 8),
                new Conv2d(4, 3).padding(1), new BatchNorm2d(), new ReLU(),
                new Conv2d(6, 3).padding(1), new BatchNorm2d(), new ReLU(),
                new Flatten(), new Dense(5));
    }

    private static Graph residual(boolean frozenFirst) {
        BatchNorm2d first = new BatchNorm2d();
        if (frozenFirst) {
            first.setTrainable(false);
        }
        return Graph.builder("res").input("x", Shape.of(4, 6, 6))
                .add("c1", new Conv2d(4, 3).padding(1), "x")
                .add("b1", first, "c1")
                .add("r1", new ReLU(), "b1")
                .add("c2", new Conv2d(4, 3).padding(1), "r1")
                .add("b2", new BatchNorm2d(), "c2")
                .add("sum", new Add(), "b2", "x")
                .add("r2", new ReLU(), "sum")
                .add("c3", new Conv2d(4, 1), "r2")
                .add("b3", new BatchNorm2d(), "c3")
                .add("r3", new ReLU(), "b3")
                .add("side", new Conv2d(4, 1), "b3")      // b3 has a second reader: r3's mask is not handed over
                .add("out", new Add(), "r3", "side")
                .add("flat", new Flatten(), "out")
                .add("fc", new Dense(3), "flat")
                .output("fc").build();
    }

    @Test
    void sequentialGradientsHaveTheBitsOfTheTwoPasses() throws Exception {
        same(ReluMaskedBackwardTest::sequential, Shape.of(2, 8, 8), 5);
    }

    @Test
    void graphGradientsHaveTheBitsOfTheTwoPassesAlsoWithAFrozenBatchNorm() throws Exception {
        same(() -> residual(false), Shape.of(4, 6, 6), 3);
        same(() -> residual(true), Shape.of(4, 6, 6), 3);
    }

    /** Two steps (the second with the first's reused buffers) with the mask handed over and without, plan on and off. */
    private static void same(Supplier<Model> make, Shape in, int classes) throws Exception {
        for (boolean plan : new boolean[] {true, false}) {
            List<float[]> on = steps(make, in, classes, plan, true);
            List<float[]> off = steps(make, in, classes, plan, false);
            assertEquals(off.size(), on.size());
            for (int i = 0; i < on.size(); i++) {
                float[] a = off.get(i);
                float[] b = on.get(i);
                assertEquals(a.length, b.length);
                for (int k = 0; k < a.length; k++) {
                    assertEquals(Float.floatToRawIntBits(a[k]), Float.floatToRawIntBits(b[k]),
                            "array " + i + " at " + k + " (plan " + plan + ")");
                }
            }
        }
    }

    private static List<float[]> steps(Supplier<Model> make, Shape in, int classes, boolean plan, boolean mask)
            throws Exception {
        Field f = Class.forName("org.convnet4j.nn.layers.BatchNorm").getDeclaredField("reluMask");
        f.setAccessible(true);
        boolean before = f.getBoolean(null);
        f.setBoolean(null, mask);
        try {
            Model m = make.get();
            m.initialize(3);
            Random r = new Random(5);
            List<float[]> out = new ArrayList<>();
            for (int step = 0; step < 2; step++) {
                Tensor x = Tensor.randn(r, 1f, in.prepend(6).dims());
                int[] labels = {0, 1, 2, 1, 0, classes - 1};
                Runnable body = () -> {
                    for (Parameter p : m.parameters()) {
                        if (p.grad() != null) {
                            p.grad().fill(0f);
                        }
                    }
                    Tensor y = m.forward(x, true);
                    Tensor dx = m.backwardAll(new SoftmaxCrossEntropy().compute(y, labels).gradient()).get(0);
                    out.add(dx.data().clone());
                    for (Parameter p : m.parameters()) {
                        out.add(p.value().data().clone()); // running statistics moved by the forward pass
                        if (p.grad() != null) {
                            out.add(p.grad().data().clone());
                        }
                    }
                };
                if (plan) {
                    StepBuffers.step(body);
                } else {
                    body.run();
                }
            }
            return out;
        } finally {
            f.setBoolean(null, before);
        }
    }

    /** Identity forward; counts masked backward calls and applies the mask as the ReLU would. */
    static final class Counting extends UnaryLayer implements ReluMasked {
        int masked;
        int plain;

        @Override
        protected Shape outputShapeOf(Shape input) {
            return input;
        }

        @Override
        public Tensor forward(Tensor x, boolean training) {
            return x.copy();
        }

        @Override
        public Tensor backward(Tensor dy) {
            plain++;
            return dy.copy();
        }

        @Override
        public boolean takesReluMask() {
            return true;
        }

        @Override
        public Tensor backwardMasked(Tensor dy, Tensor mask, boolean overDy) {
            masked++;
            Tensor dx = Tensor.zeros(dy.shape().dims());
            for (int i = 0; i < dx.size(); i++) {
                dx.data()[i] = mask.data()[i] > 0 ? dy.data()[i] : 0f;
            }
            return dx;
        }
    }

    @Test
    void theMaskIsHandedOverWhereTheReluIsTheOnlyReaderAndOnlyThere() {
        Counting a = new Counting();
        Counting b = new Counting();
        Counting first = new Counting();
        Sequential s = new Sequential(Shape.of(4), first, new ReLU(), new Dense(3), a, new ReLU(), new Dense(2));
        s.initialize(1);
        Tensor x = Tensor.randn(new Random(2), 1f, 3, 4);
        Tensor dy = Tensor.randn(new Random(3), 1f, 3, 2);
        s.forward(x, true);
        s.backwardParameters(dy);
        assertEquals(1, a.masked, "dense, counting, relu: handed over");
        assertEquals(0, a.plain);
        assertEquals(1, first.plain, "the first layer's input gradient is not needed: its ReLU runs on its own");
        s.forward(x, true);
        s.backwardAll(dy);
        assertEquals(1, first.masked, "backwardAll: the first pair too");
        assertEquals(2, a.masked);
        a = new Counting();
        Graph g = Graph.builder("g").input("x", Shape.of(4))
                .add("d", new Dense(4), "x")
                .add("a", a, "d")
                .add("ra", new ReLU(), "a")
                .add("b", b, "d")
                .add("rb", new ReLU(), "b")
                .add("other", new Dense(4), "b")          // b read twice: rb runs its own backward
                .add("sum", new Add(), "ra", "rb", "other")
                .output("sum").build();
        g.initialize(1);
        g.forward(x, true);
        g.backwardAll(Tensor.randn(new Random(4), 1f, 3, 4));
        assertEquals(1, a.masked);
        assertEquals(0, b.masked);
        assertEquals(1, b.plain);
    }
}
