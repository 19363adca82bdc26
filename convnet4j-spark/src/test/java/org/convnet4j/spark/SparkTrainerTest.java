package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.History;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.Optimizer;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkTrainerTest {
    static SparkSession spark;
    static Dataset data;

    @BeforeAll
    static void setUp() {
        spark = TestSpark.session();
        Random r = new Random(3);
        int n = 200; // not a multiple of the batch: the last batch is partial, as in Trainer
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            float[] p = TestSpark.stripes(y[i] == 0, r).data();
            for (int j = 0; j < 784; j++) {
                x[i * 784 + j] = p[j] / 255f;
            }
        }
        data = ArrayDataset.ofFloats(x, Shape.of(1, 28, 28), y, List.of("horizontal", "vertical"));
    }

    /**
     * The sigmoid / average-pooling LeNet-5 for the equality tests: with ReLU and max pooling, a pre-activation within
     * rounding distance of a kink flips when the gradient sum is done in another order, and a few such flips move
     * single weights by ~5e-5 in 8 steps (measured; the first step's gradients agree to 2e-8 either way). A smooth
     * network shows what the summation itself does: ~4e-8 with SGD, ~2e-6 with Adam.
     */
    static Sequential lenet() {
        return lenet(LeNet5.Variant.CLASSIC);
    }

    static Sequential lenet(LeNet5.Variant variant) {
        Sequential m = LeNet5.build(Shape.of(1, 28, 28), 2, variant);
        m.initialize(11);
        return m;
    }

    static TrainConfig config(Optimizer opt, int epochs) {
        return TrainConfig.builder(opt).epochs(epochs).batchSize(64).seed(5).build();
    }

    static void assertSameWeights(org.convnet4j.nn.Model a, org.convnet4j.nn.Model b, double tolerance) {
        Map<String, Tensor> wa = a.stateDict();
        Map<String, Tensor> wb = b.stateDict();
        assertEquals(wa.keySet(), wb.keySet());
        double worst = 0;
        for (String k : wa.keySet()) {
            float[] x = wa.get(k).data();
            float[] y = wb.get(k).data();
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
        }
        assertTrue(worst <= tolerance, "largest weight difference " + worst + " > " + tolerance);
    }

    /** 8 steps (2 epochs of 4 batches, the last one partial) over 3 partitions equal one machine's 8 steps. */
    @Test
    void synchronousDataParallelStepsGiveTheInProcessWeights() {
        for (boolean adam : new boolean[] {false, true}) {
            Sequential local = lenet();
            Optimizer o1 = adam ? new Adam(local, 1e-3) : new Sgd(local, 0.05).momentum(0.9);
            History h1 = Trainer.fit(local, data, null, config(o1, 2));
            Sequential distributed = lenet();
            Optimizer o2 = adam ? new Adam(distributed, 1e-3) : new Sgd(distributed, 0.05).momentum(0.9);
            History h2 = new SparkTrainer(spark, config(o2, 2)).partitions(3).fit(distributed, data, null);
            assertSameWeights(local, distributed, 1e-5);
            assertEquals(o1.stepCount(), o2.stepCount());
            assertEquals(h1.last().get(History.TRAIN_LOSS), h2.last().get(History.TRAIN_LOSS), 1e-5);
        }
    }

    @Test
    void checkpointsEachEpochToAHadoopUriAndResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        String uri = dir.resolve("ckpt").toUri().toString(); // file:///...
        Sequential full = lenet();
        new SparkTrainer(spark, config(new Sgd(full, 0.05).momentum(0.9), 2)).partitions(2).checkpointDir(uri)
                .fit(full, data, null);
        assertTrue(Files.exists(dir.resolve("ckpt/epoch-001.c4j")) && Files.exists(dir.resolve("ckpt/last.c4j")));
        Sequential resumed = lenet();
        History h = new SparkTrainer(spark, config(new Sgd(resumed, 0.05).momentum(0.9), 2)).partitions(2)
                .resume(uri + "/epoch-001.c4j", resumed, data, null);
        assertEquals(2, h.size());
        assertSameWeights(full, resumed, 1e-6);
    }

    @Test
    void parameterAveragingLearns() {
        Sequential m = lenet(LeNet5.Variant.MODERN);
        History h = new SparkTrainer(spark, config(new Sgd(m, 0.1), 3)).partitions(2).localSteps(2).fit(m, data, null);
        double first = h.epochs().get(0).get(History.TRAIN_LOSS);
        double last = h.last().get(History.TRAIN_LOSS);
        assertTrue(last < first * 0.8, "loss " + first + " -> " + last);
    }

    /**
     * Ring all-reduce in barrier mode against treeReduce, 2 tasks: each value is a + b either way, so the weights are
     * the same bit for bit; and no thread of the exchange (nor Spark's barrier timer) may keep a JVM alive.
     */
    @Test
    void ringAllReduceGivesTheTreeReduceWeightsBitForBit() {
        Sequential tree = lenet();
        new SparkTrainer(spark, config(new Sgd(tree, 0.05).momentum(0.9), 2)).partitions(2).fit(tree, data, null);
        Sequential ring = lenet();
        SparkTrainer r = new SparkTrainer(spark, config(new Sgd(ring, 0.05).momentum(0.9), 2)).partitions(2)
                .exchange(SparkTrainer.Exchange.RING);
        History h = r.fit(ring, data, null);
        assertEquals(2, h.size());
        int values = 0;
        for (var p : ring.namedParameters().values()) {
            values += p.value().size();
        }
        // per-link ring traffic: with 2 tasks each link carries 2(P-1)/P = all of the vector
        assertEquals(4L * values, r.bytesPerExchange());
        for (String k : tree.stateDict().keySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(tree.stateDict().get(k).data(),
                    ring.stateDict().get(k).data(), k);
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            boolean ours = t.getName().startsWith("convnet4j ring") || t.getName().startsWith("Barrier task timer");
            assertTrue(!ours || t.isDaemon() || !t.isAlive(), "non-daemon thread left: " + t.getName());
        }
    }
}
