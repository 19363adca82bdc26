package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Model.predict's per-thread activation buffers: the bits of new arrays per layer, results that later calls never
 * touch, arrays reused from call to call, and liveness that respects views, layers returning their input and nodes
 * read several times.
 */
class InferenceBuffersTest {
    @AfterEach
    void restore() {
        InferenceBuffers.enabled = true;
    }

    private static float[] withoutBuffers(Model m, Tensor x) {
        InferenceBuffers.enabled = false;
        try {
            return m.predict(x).data().clone();
        } finally {
            InferenceBuffers.enabled = true;
        }
    }

    /** Views (Flatten), a layer that returns its input (Dropout in inference), a node read three times, joins. */
    static Model awkwardGraph() {
        Graph inner = Graph.builder("inner").input("x", Shape.of(4, 6, 6))
                .add("c", new Conv2d(4, 3).padding(1), "x")
                .add("sum", new Add(), "c", "x")
                .output("sum").build();
        Graph g = Graph.builder("awkward").input("x", Shape.of(2, 6, 6))
                .add("c1", new Conv2d(4, 3).padding(1), "x")
                .add("b1", new BatchNorm2d(), "c1")
                .add("r1", new ReLU(), "b1")
                .add("d1", new Dropout(0.5), "r1")          // returns r1's tensor itself
                .add("c2", new Conv2d(4, 3).padding(1), "d1")
                .add("c3", new Conv2d(4, 1), "r1")           // r1 read after d1 passed it on
                .add("sum3", new Add(), "c2", "c3", "d1")
                .add("twice", new Add(), "sum3", "sum3")
                .add("blk", inner, "twice")                  // a nested model: its input is not its own to give back
                .add("p", new MaxPool2d(2), "blk")
                .add("f", new Flatten(), "p")               // a view of p
                .add("f2", new Flatten(), "blk")             // a view of blk, read after p
                .add("d", new Dense(5), "f")
                .add("d2", new Dense(5), "f2")
                .add("out", new Add(), "d", "d2")
                .output("out").build();
        g.initialize(5);
        return g;
    }

    static Model resnet() {
        Model m = ModelZoo.build("resnet18", ZooOptions.builder().input(Shape.of(3, 32, 32)).classes(7).width(0.25)
                .smallInput(true).build());
        m.initialize(2);
        return m;
    }

    static Model sequential() {
        Sequential s = new Sequential(Shape.of(2, 6, 6), new Conv2d(40, 3).padding(1), new BatchNorm2d(), new ReLU(),
                new Dropout(0.2), new MaxPool2d(2), new Conv2d(8, 1), new Flatten(), new Dense(3));
        s.initialize(4);
        return s;
    }

    @Test
    void buffersGiveTheBitsOfNewArraysAndLeaveEarlierResultsAlone() {
        Model convNext = StepBuffersTest.convNextLike();
        convNext.initialize(6);
        for (Model m : List.of(awkwardGraph(), resnet(), sequential(), convNext)) {
            Shape sample = m.inputShapes().get(0);
            Random r = new Random(3);
            List<Tensor> results = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int call = 0; call < 6; call++) {
                int n = 1 + call % 3; // the batch changes and comes back: arrays of other lengths are taken
                Tensor x = Tensor.randn(r, 1f, sample.prepend(n).dims());
                float[] xCopy = x.data().clone();
                float[] reference = withoutBuffers(m, x);
                Tensor y = m.predict(x);
                assertArrayEquals(reference, y.data(), m.name() + ", call " + call);
                assertArrayEquals(xCopy, x.data(), m.name() + ": the caller's input untouched");
                results.add(y);
                expected.add(reference);
            }
            for (int call = 0; call < results.size(); call++) {
                assertArrayEquals(expected.get(call), results.get(call).data(),
                        m.name() + ": result of call " + call + " changed by later calls");
            }
        }
    }

    @Test
    void callsReuseTheThreadsArraysAndKeepOnlyWhatOneCallNeeds() {
        Model m = resnet();
        Tensor x = Tensor.randn(new Random(1), 1f, 2, 3, 32, 32);
        InferenceBuffers.release();
        m.predict(x);
        long[] first = InferenceBuffers.state();
        assertTrue(first[0] > 0, "the call took arrays from the buffers");
        assertEquals(0, first[1], "every array but the result came back by the end of the call"); // result escaped
        m.predict(x);
        long[] second = InferenceBuffers.state();
        assertEquals(first[0], second[0], "a second call of the same shape takes no new arrays");
        assertEquals(first[2], second[2]);
        // a few activation-sized arrays, not one per layer (resnet18 at width 1/4 has ~60 activations)
        long activation = 2L * 16 * 32 * 32; // the stem's output
        assertTrue(second[2] <= 8 * activation, "floats kept: " + second[2]);
        // the result is not among them: two calls, two distinct arrays
        IdentityHashMap<float[], Boolean> seen = new IdentityHashMap<>();
        assertTrue(seen.put(m.predict(x).data(), true) == null);
        assertTrue(seen.put(m.predict(x).data(), true) == null);
        assertNotSame(m.predict(x).data(), m.predict(x).data());
        InferenceBuffers.release();
        assertEquals(0, InferenceBuffers.state()[0]);
    }

    @Test
    void trainingStepsAndPassesWithGradientsTakeNothing() {
        Model m = sequential();
        InferenceBuffers.release();
        Tensor x = Tensor.randn(new Random(2), 1f, 2, 2, 6, 6);
        m.forward(x, false);
        StepBuffers.step(() -> m.forward(x, true));
        GradMode.withoutGradients(() -> m.forward(x, false)); // without predict: no buffers either
        assertEquals(0, InferenceBuffers.state()[0]);
    }
}
