package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

/**
 * Where two paths join (a node read by two layers), backward adds their gradients in chunks on the kernels' threads
 * ({@code Graph.parallelJoin}): the input and parameter gradients are the bits of the sum on the calling thread, with
 * the memory plan (the sum written over one of the operands) and without it (into the graph's own buffer), and equal
 * the sum of the two paths' gradients computed apart.
 */
class GraphParallelJoinTest {
    /** 4 x 4 x 100 x 93 = 148,800 values: four whole chunks and a ragged end. */
    private static final int N = 4;
    private static final Shape SAMPLE = Shape.of(4, 100, 93);

    @Test
    void joinedGradientsAreTheCallerOnlyBits() {
        for (StepBuffers.MemoryPlan plan : StepBuffers.MemoryPlan.values()) {
            float[][] parallel = run(true, plan);
            float[][] caller = run(false, plan);
            for (int k = 0; k < parallel.length; k++) {
                assertArrayEquals(caller[k], parallel[k], "plan " + plan + ", gradient " + k);
            }
            // the join is the sum of what each path sends back: x's gradient = relu'(x) (W1^T dy + W2^T dy)
            float[] dx = parallel[0];
            float[] apart = parallel[3];
            int nonzero = 0;
            for (int i = 0; i < dx.length; i++) {
                assertEquals(Float.floatToIntBits(apart[i]), Float.floatToIntBits(dx[i]), "value " + i);
                nonzero += dx[i] != 0f ? 1 : 0;
            }
            assertTrue(nonzero > dx.length / 4, "gradients flowed: " + nonzero);
        }
    }

    /** {input gradient, conv a's kernel gradient, conv b's kernel gradient, the input gradient from the paths apart}. */
    private static float[][] run(boolean parallel, StepBuffers.MemoryPlan plan) {
        boolean was = Graph.parallelJoin;
        Graph.parallelJoin = parallel;
        try {
            Conv2d a = new Conv2d(4, 1);
            Conv2d b = new Conv2d(4, 1);
            Graph g = Graph.builder("join")
                    .input("x", SAMPLE)
                    .add("r", new ReLU(), "x")
                    .add("a", a, "r")
                    .add("b", b, "r")
                    .add("sum", new Add(), "a", "b")
                    .build();
            g.initialize(5);
            Random random = new Random(11);
            Tensor x = Tensor.randn(random, 1f, N, 4, 100, 93);
            Tensor dy = Tensor.randn(random, 1f, N, 4, 100, 93);
            float[][] out = new float[4][];
            long h0 = KernelProvider.handOffs();
            StepBuffers.step(plan, () -> {
                g.forward(x.copy(), true);
                out[0] = g.backwardAll(dy.copy()).get(0).data().clone();
            });
            long handOffs = KernelProvider.handOffs() - h0;
            out[1] = a.parameters().get(0).grad().data().clone();
            out[2] = b.parameters().get(0).grad().data().clone();
            // each path's input gradient on its own, added here, then ReLU's mask
            Tensor r = new ReLU().forward(x.copy(), false);
            a.forward(r, true);
            float[] da = a.backward(dy.copy()).data().clone();
            b.forward(r, true);
            float[] db = b.backward(dy.copy()).data();
            float[] expected = new float[da.length];
            for (int i = 0; i < da.length; i++) {
                expected[i] = x.data()[i] > 0f ? da[i] + db[i] : 0f;
            }
            out[3] = expected;
            if (parallel && KernelProvider.get().threads() > 1) {
                assertTrue(handOffs >= 1, "hand-offs " + handOffs);
            }
            return out;
        } finally {
            Graph.parallelJoin = was;
        }
    }
}
