package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
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
        double worst = ClusterTests.largestDifference(a.stateDict(), b.stateDict());
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

    /**
     * Checkpoints after each epoch to a Hadoop URI, and a driver killed ({@code kill -9}) halfway through writing
     * epoch 2's {@code last.c4j} (a child JVM running {@link HadoopCheckpoints#save}, as {@link AtomicOutputsTest}
     * does) loses nothing: the previous {@code last.c4j} is whole and loads, resuming from it gives the uninterrupted
     * run's weights, and that run's next checkpoint removes the killed writer's temporary; nothing went to the
     * system's temporary directory.
     */
    @Test
    void checkpointsEachEpochToAHadoopUriAndAKilledWriteLosesNothingAndResumes(@TempDir Path dir) throws Exception {
        String uri = dir.resolve("ckpt").toUri().toString(); // file:///...
        Sequential full = lenet();
        new SparkTrainer(spark, config(new Sgd(full, 0.05).momentum(0.9), 2)).partitions(2).checkpointDir(uri)
                .fit(full, data, null);
        assertEquals(List.of("epoch-001.c4j", "epoch-002.c4j", "last.c4j"), names(dir.resolve("ckpt")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("ckpt/epoch-002.c4j")),
                Files.readAllBytes(dir.resolve("ckpt/last.c4j")));

        // a run that has written epoch 1, killed while writing epoch 2's last.c4j
        Path killed = Files.createDirectories(dir.resolve("killed"));
        byte[] epoch1 = Files.readAllBytes(dir.resolve("ckpt/epoch-001.c4j"));
        Files.write(killed.resolve("epoch-001.c4j"), epoch1);
        Files.write(killed.resolve("last.c4j"), epoch1);
        Path epoch2 = dir.resolve("ckpt/epoch-002.c4j");
        Path childTmp = Files.createDirectories(dir.resolve("child-tmp")); // the child's java.io.tmpdir
        long pid = AtomicOutputsTest.killHalfway(List.of("-Djava.io.tmpdir=" + childTmp), KilledCheckpoint.class,
                epoch2.toString(), killed.toUri().toString(), Long.toString(Files.size(epoch2) / 2));
        List<String> left = names(killed);
        assertEquals(4, left.size(), left.toString());
        assertTrue(left.get(0).startsWith(org.convnet4j.util.AtomicFiles.temporaryPrefix("last.c4j", pid)) && left.get(0).endsWith(".tmp"), left.toString());
        assertTrue(Files.size(killed.resolve(left.get(0))) > 0, "the kill came in the middle of the write");
        assertEquals(List.of("epoch-001.c4j", "epoch-002.c4j", "last.c4j"), left.subList(1, 4));
        assertArrayEquals(epoch1, Files.readAllBytes(killed.resolve("last.c4j")), "the previous last.c4j is whole");
        org.convnet4j.checkpoint.Checkpoint.load(killed.resolve("last.c4j"));
        assertEquals(List.of(), names(childTmp), "nothing staged in the system's temporary directory");

        String k = killed.toUri().toString();
        Sequential resumed = lenet();
        History h = new SparkTrainer(spark, config(new Sgd(resumed, 0.05).momentum(0.9), 2)).partitions(2)
                .checkpointDir(k).resume(k + "/last.c4j", resumed, data, null);
        assertEquals(2, h.size());
        assertSameWeights(full, resumed, 1e-6);
        assertEquals(List.of("epoch-001.c4j", "epoch-002.c4j", "last.c4j"), names(killed),
                "the killed writer's temporary is removed by the next write of last.c4j");
        assertSameWeights(full, org.convnet4j.model.ModelFiles.load(killed.resolve("last.c4j")), 1e-6);
    }

    private static List<String> names(Path d) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
        }
    }

    /** A driver writing epoch 2's checkpoint (the file given) into a directory, stopped halfway through last.c4j. */
    public static final class KilledCheckpoint {
        public static void main(String[] args) throws Exception {
            var c = org.convnet4j.checkpoint.Checkpoint.load(Path.of(args[0]));
            long half = Long.parseLong(args[2]);
            int[] files = {0};
            HadoopCheckpoints.save(args[1], 2, c, new org.apache.hadoop.conf.Configuration(), out -> {
                if (++files[0] < 2) {
                    return out; // epoch-002.c4j in full
                }
                return new java.io.FilterOutputStream(out) {
                    long written;

                    @Override
                    public void write(byte[] b, int off, int len) throws java.io.IOException {
                        out.write(b, off, len);
                        written += len;
                        if (written >= half) {
                            out.flush();
                            System.out.println("HALFWAY");
                            System.out.flush();
                            try {
                                Thread.sleep(120_000);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                };
            });
        }
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
     * Ring mode steps on the executors (each replica keeps the optimiser state and applies the same step): after 8
     * steps the weights and the optimiser's step count equal the in-process Trainer's on the same global batch, with
     * SGD + momentum and with Adam, and the driver's optimiser holds the replicas' state (a checkpoint resumes).
     */
    @Test
    void ringExchangeStepsOnTheExecutorsAndGivesTheInProcessWeights() {
        for (boolean adam : new boolean[] {false, true}) {
            Sequential local = lenet();
            Optimizer o1 = adam ? new Adam(local, 1e-3) : new Sgd(local, 0.05).momentum(0.9);
            History h1 = Trainer.fit(local, data, null, config(o1, 2));
            Sequential ring = lenet();
            Optimizer o2 = adam ? new Adam(ring, 1e-3) : new Sgd(ring, 0.05).momentum(0.9);
            History h2 = new SparkTrainer(spark, config(o2, 2)).partitions(2).exchange(SparkTrainer.Exchange.RING)
                    .fit(ring, data, null);
            assertSameWeights(local, ring, 1e-5);
            assertEquals(o1.stepCount(), o2.stepCount());
            assertEquals(o1.state().keySet(), o2.state().keySet());
            for (String k : o1.state().keySet()) {
                float[] a = o1.state().get(k).data();
                float[] b = o2.state().get(k).data();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-5, k);
                }
            }
            assertEquals(h1.last().get(History.TRAIN_LOSS), h2.last().get(History.TRAIN_LOSS), 1e-5);
        }
    }

    /**
     * A lost replica (here: every replica of the JVM dropped after step 6, as when executors die) is noticed at the
     * next rendezvous; the replicas are rebuilt from the state of the last epoch end and steps 5-6 replayed, and the
     * run ends with the weights of an undisturbed one, bit for bit.
     */
    @Test
    void ringReplicasLostMidEpochAreRebuiltFromTheLastEpochEnd() {
        Sequential clean = lenet();
        new SparkTrainer(spark, config(new Sgd(clean, 0.05).momentum(0.9), 2)).partitions(2)
                .exchange(SparkTrainer.Exchange.RING).fit(clean, data, null);
        Sequential hit = lenet();
        Optimizer o = new Sgd(hit, 0.05).momentum(0.9);
        List<String> logged = new java.util.ArrayList<>();
        SparkTrainer t = new SparkTrainer(spark, config(o, 2)).partitions(2).exchange(SparkTrainer.Exchange.RING)
                .log(logged::add);
        Trainer trainer = new Trainer(config(o, 2)).engine(t);
        trainer.addListener(new org.convnet4j.train.TrainingListener() {
            @Override
            public void onBatchEnd(org.convnet4j.train.TrainingContext ctx, int epoch, int batch, int batches,
                                   double loss) {
                if (epoch == 2 && batch == 2) {
                    Replicas.dropAll();
                }
            }
        });
        trainer.fit(hit, data, null);
        assertEquals(1, t.ringRebuilds(), String.join("\n", logged));
        assertTrue(logged.stream().anyMatch(l -> l.contains("rebuilding the replicas from exchange 4 and replaying 2")),
                String.join("\n", logged));
        for (String k : clean.stateDict().keySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(clean.stateDict().get(k).data(),
                    hit.stateDict().get(k).data(), k);
        }
    }

    /**
     * What the driver receives per step (Spark's own result-size metric) and broadcasts: with treeReduce every
     * partition's gradients come up and the weights go out each step; in ring mode the tasks send loss and counts,
     * and the state comes up once per epoch.
     */
    @Test
    void ringExchangeKeepsTheModelOffTheDriver() {
        long[] up = new long[2];
        long[] down = new long[2];
        int values = 0;
        for (int mode = 0; mode < 2; mode++) {
            Sequential m = lenet();
            values = 0;
            for (var p : m.namedParameters().values()) {
                values += p.value().size();
            }
            SparkTrainer t = new SparkTrainer(spark, config(new Sgd(m, 0.05).momentum(0.9), 2)).partitions(2)
                    .exchange(mode == 0 ? SparkTrainer.Exchange.TREE : SparkTrainer.Exchange.RING);
            try (DriverTraffic traffic = new DriverTraffic(spark.sparkContext())) {
                t.fit(m, data, null);
                up[mode] = traffic.resultBytes();
            }
            down[mode] = t.broadcastBytes();
        }
        int steps = 8;
        // tree: 2 partitions x the vector up, the weights down, every step
        assertTrue(up[0] >= 2L * 4 * values * steps, "tree up " + up[0]);
        assertEquals(4L * values * steps, down[0]);
        // ring: the model and its momentum come up once per epoch (2 epochs), plus a few hundred bytes per task
        assertTrue(up[1] >= 2L * 2 * 4 * values && up[1] < 2L * 2 * 4 * values + 2 * steps * 4096, "ring up " + up[1]);
        // the start state and one per epoch end (weights, then weights + momentum): made, read only to build replicas
        assertEquals(4L * (values + 2) + 2 * 4L * (2 * values + 2), down[1]);
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

    /**
     * The model copies a run builds in the task slots (StepWork's pool for steps and validation, ring replicas) are
     * released when fit() returns; in local mode the executor is the driver's JVM (StandaloneClusterIT checks
     * executor JVMs of a real cluster).
     */
    @Test
    void aRunLeavesNoModelCopiesBehind() {
        for (SparkTrainer.Exchange e : SparkTrainer.Exchange.values()) {
            Sequential m = lenet();
            SparkTrainer t = new SparkTrainer(spark, config(new Sgd(m, 0.05).momentum(0.9), 1)).partitions(2).exchange(e);
            t.fit(m, data, data);
            assertEquals(0, RunPools.pooledHere(), e + ": model copies left in the JVM");
            // tree: a model per busy task slot; ring: a replica per partition (both run at once) + validation models
            assertTrue(t.released().models() >= (e == SparkTrainer.Exchange.RING ? 3 : 1), e + " " + t.released());
            assertTrue(t.released().missed().isEmpty(), e + " " + t.released());
        }
    }
}
