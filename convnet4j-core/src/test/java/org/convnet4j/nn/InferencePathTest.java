package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.ops.ConvEpilogue;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Passes without gradients outside {@code predict(Tensor)} take the inference path too (evaluation, several
 * inputs), and batch norm's fused inference epilogue is kept between calls instead of copied per call.
 */
class InferencePathTest {
    @AfterEach
    void restore() {
        InferenceBuffers.enabled = true;
        InferenceBuffers.release();
    }

    private static ArrayDataset data(int n, Shape sample, int classes, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * sample.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(classes);
        }
        return ArrayDataset.ofFloats(x, sample, labels, List.of("a", "b", "c"));
    }

    @Test
    void evaluateTakesThisThreadsInferenceBuffersAndKeepsNoneAfterwards() {
        Model m = InferenceBuffersTest.sequential(); // 2x6x6 in, 3 classes, conv + BN + ReLU fused in inference
        ArrayDataset d = data(10, Shape.of(2, 6, 6), 3, 7);
        InferenceBuffers.enabled = false;
        Metrics plain = Trainer.evaluate(m, d, 4, new SoftmaxCrossEntropy());
        InferenceBuffers.enabled = true;
        InferenceBuffers.release();
        Metrics buffered = Trainer.evaluate(m, d, 4, new SoftmaxCrossEntropy());
        assertEquals(plain.accuracy(), buffered.accuracy());
        assertEquals(plain.loss(), buffered.loss()); // the same bits: the loss of the same logits
        assertFalse(InferenceBuffers.held(), "a thread without buffers before evaluate has none after it");

        // a thread that serves predictions keeps its buffers, and evaluate worked in them: batch-4 arrays now
        m.predict(Tensor.randn(new Random(3), 1f, 1, 2, 6, 6));
        long longestBefore = InferenceBuffers.state()[3];
        Trainer.evaluate(m, d, 4, new SoftmaxCrossEntropy());
        assertTrue(InferenceBuffers.held());
        assertTrue(InferenceBuffers.state()[3] >= 4 * longestBefore,
                "evaluate took its activations from the thread's buffers: " + longestBefore + " -> "
                        + InferenceBuffers.state()[3]);
    }

    @Test
    void predictWithSeveralInputsGivesTheBitsOfForward() {
        Graph g = Graph.builder("two").input("a", Shape.of(3, 8, 8)).input("b", Shape.of(3, 8, 8))
                .add("ca", new Conv2d(40, 3).padding(1), "a")
                .add("na", new BatchNorm2d(), "ca")
                .add("ra", new ReLU(), "na")
                .add("cb", new Conv2d(40, 3).padding(1), "b")
                .add("sum", new Add(), "ra", "cb")
                .add("f", new Flatten(), "sum")
                .add("d", new Dense(3), "f")
                .output("d").build();
        g.initialize(11);
        List<Tensor> in = List.of(Tensor.randn(new Random(1), 1f, 2, 3, 8, 8), Tensor.randn(new Random(2), 1f, 2, 3, 8, 8));
        float[] reference = g.forward(in, false).data().clone(); // unfused, with gradient bookkeeping
        for (int call = 0; call < 3; call++) {
            assertArrayEquals(reference, g.predict(in).data(), "call " + call);
        }
        assertTrue(InferenceBuffers.state()[0] > 0, "predict(List) used the thread's buffers");
    }

    @Test
    void batchNormEpilogueIsKeptUntilItsStatisticsChange() {
        Sequential s = new Sequential(Shape.of(2, 6, 6), new Conv2d(40, 3).padding(1), new BatchNorm2d(), new ReLU(),
                new Flatten(), new Dense(3));
        s.initialize(4);
        BatchNorm2d bn = (BatchNorm2d) s.layers().get(1);
        ConvEpilogue e1 = bn.inferenceEpilogue(true);
        assertSame(e1, bn.inferenceEpilogue(true), "the same epilogue serves the next call");
        assertSame(bn.runningMean().value().data(), e1.mean(), "no copy of the running mean");
        assertSame(bn.gamma().value().data(), e1.gamma());
        assertSame(bn.beta().value().data(), e1.beta());
        assertNotSame(e1, bn.inferenceEpilogue(false), "another activation, another epilogue");

        Tensor x = Tensor.randn(new Random(5), 1f, 3, 2, 6, 6);
        // statistics written and announced: the next predict normalises with them (= the unfused forward's bits)
        float[] rv = bn.runningVar().value().data();
        float[] rm = bn.runningMean().value().data();
        for (int c = 0; c < rv.length; c++) {
            rv[c] = 0.5f + c * 0.1f;
            rm[c] = 0.01f * c;
        }
        bn.runningVar().changed();
        bn.runningMean().changed();
        ConvEpilogue e2 = bn.inferenceEpilogue(true);
        assertNotSame(e1.invStd(), e2.invStd());
        assertEquals((float) (1.0 / Math.sqrt(rv[3] + bn.eps())), e2.invStd()[3]);
        assertArrayEquals(s.forward(x, false).data(), s.predict(x).data());
        // a training pass moves the running statistics (and says so): predict follows again
        s.forward(x, true);
        float[] unfused = s.forward(x, false).data().clone();
        assertArrayEquals(unfused, s.predict(x).data());
        assertNotSame(e2.invStd(), bn.inferenceEpilogue(true).invStd());
    }
}
