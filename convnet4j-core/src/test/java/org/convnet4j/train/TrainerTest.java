package org.convnet4j.train;

import org.convnet4j.internal.json.Json;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import com.google.gson.JsonObject;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.checkpoint.ModelDescription;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.GradientClipping;
import org.convnet4j.train.optim.LrSchedule;
import org.convnet4j.train.optim.Optimizer;
import org.convnet4j.train.optim.Sgd;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    private static final List<String> CLASSES = List.of("a", "b", "c");

    /** Three Gaussian blobs in 16 dimensions, shaped [1, 4, 4] like tiny images. */
    private static Dataset blobs(int n, long seed) {
        Random r = new Random(seed);
        float[][] centres = new float[3][16];
        Random c = new Random(99);
        for (float[] centre : centres) {
            for (int i = 0; i < 16; i++) {
                centre[i] = (float) c.nextGaussian();
            }
        }
        float[] x = new float[n * 16];
        int[] y = new int[n];
        for (int s = 0; s < n; s++) {
            y[s] = r.nextInt(3);
            for (int i = 0; i < 16; i++) {
                x[s * 16 + i] = centres[y[s]][i] + (float) r.nextGaussian() * 0.8f;
            }
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 4, 4), y, CLASSES);
    }

    private static Sequential mlp(long seed) {
        Sequential m = new Sequential(Shape.of(1, 4, 4), new Flatten(), new Dense(12), new ReLU(), new Dense(3));
        m.initialize(seed);
        return m;
    }

    @Test
    void learnsFashionMnistSubset() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)),
                "Fashion-MNIST not installed at " + FashionMnist.DEBIAN_DIR);
        Dataset train = Datasets.subset(FashionMnist.train(), 2000);
        Dataset test = Datasets.subset(FashionMnist.test(), 1000);
        Sequential model = new Sequential(Shape.of(1, 28, 28), new Flatten(), new Dense(64), new ReLU(), new Dense(10));
        model.initialize(1);
        TrainConfig config = TrainConfig.builder(new Adam(model, 1e-3)).epochs(2).batchSize(32).seed(7).build();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        History h = new Trainer(config).addListener(new LogListener(new PrintStream(log, true, StandardCharsets.UTF_8)))
                .fit(model, train, test);
        Metrics m = Trainer.evaluate(model, test, 256);
        assertTrue(m.accuracy() > 0.6, "test accuracy " + m.accuracy() + " (chance 0.1)\n" + m);
        assertEquals(1000, m.count());
        assertEquals(2, h.size());
        assertTrue(h.series(History.TRAIN_LOSS)[1] < h.series(History.TRAIN_LOSS)[0], h.toString());
        assertEquals(m.accuracy(), h.last().get(History.VAL_ACCURACY), 1e-12);
        String lines = log.toString(StandardCharsets.UTF_8);
        assertTrue(lines.startsWith("epoch 1/2  train loss ") && lines.contains("epoch 2/2") && lines.contains("img/s"),
                lines);
        assertTrue(m.toString().contains("Trouser"));
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndRestoresBest() {
        Dataset data = blobs(90, 1);
        // A learning rate of 0: validation loss never moves, so it stops after epoch 1 + patience
        Sequential frozenLr = mlp(3);
        EarlyStopping stop = new EarlyStopping(History.VAL_LOSS, 2, EarlyStopping.AtEnd.KEEP_LAST);
        History h = new Trainer(TrainConfig.builder(new Sgd(frozenLr, 0.0)).epochs(10).batchSize(30).build())
                .addListener(stop).fit(frozenLr, data, data);
        assertEquals(3, h.size());
        assertEquals(3, stop.stoppedAt());
        assertEquals(1, stop.bestEpoch());

        // Training loss falls each epoch; watching it with "higher is better" makes epoch 1 the best, so the
        // parameters after epoch 1 must come back at the end.
        Sequential model = mlp(4);
        List<Map<String, Tensor>> afterEpoch = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> r) {
                afterEpoch.add(TrainingCheckpoints.snapshot(ctx.model()));
            }
        };
        EarlyStopping restore = new EarlyStopping(new Monitor(History.TRAIN_LOSS, true, 0), 2, EarlyStopping.AtEnd.RESTORE_BEST);
        History h2 = new Trainer(TrainConfig.builder(new Sgd(model, 0.1)).epochs(10).batchSize(30).build())
                .addListener(recorder).addListener(restore).fit(model, data, null);
        assertEquals(3, h2.size());
        assertTrue(h2.series(History.TRAIN_LOSS)[2] < h2.series(History.TRAIN_LOSS)[0]);
        Tensor best = afterEpoch.get(0).get("dense.kernel");
        assertEquals(0f, best.maxAbsDiff(model.stateDict().get("dense.kernel")));
        assertTrue(afterEpoch.get(2).get("dense.kernel").maxAbsDiff(best) > 0);

        // start_from_epoch: the same "higher loss is better" watch ignores epochs 1-3, so epoch 4 is the best and
        // the patience counts from there
        Sequential later = mlp(4);
        afterEpoch.clear();
        EarlyStopping warm = new EarlyStopping(new Monitor(History.TRAIN_LOSS, true, 0), 2, EarlyStopping.AtEnd.RESTORE_BEST)
                .startFromEpoch(4);
        History h3 = new Trainer(TrainConfig.builder(new Sgd(later, 0.1)).epochs(10).batchSize(30).build())
                .addListener(recorder).addListener(warm).fit(later, data, null);
        assertEquals(6, h3.size());
        assertEquals(4, warm.bestEpoch());
        assertEquals(6, warm.stoppedAt());
        assertEquals(0f, afterEpoch.get(3).get("dense.kernel").maxAbsDiff(later.stateDict().get("dense.kernel")));
    }

    /** A checkpoint that cannot be written: the message names the file once, then the cause (issue 15 walk). */
    @Test
    void aCheckpointThatCannotBeWrittenIsNamedOnceWithItsCause(@TempDir Path dir) throws IOException {
        Path notADirectory = java.nio.file.Files.writeString(dir.resolve("file"), "x");
        Path last = notADirectory.resolve("last.c4j");
        Sequential model = mlp(5);
        model.setClassNames(CLASSES);
        java.io.UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
                () -> new Trainer(TrainConfig.builder(new Sgd(model, 0.1)).epochs(1).batchSize(30).build())
                        .addListener(new CheckpointListener().saveLast(last)).fit(model, blobs(30, 2), null));
        assertTrue(e.getMessage().startsWith("could not save checkpoint " + last + ": "), e.getMessage());
        assertEquals(1, e.getMessage().split(java.util.regex.Pattern.quote(last.toString()), -1).length - 1,
                "the file once: " + e.getMessage());
    }

    @Test
    void checkpointListenerKeepsBestAndLast(@TempDir Path dir) throws IOException {
        Dataset data = blobs(90, 2);
        Sequential model = mlp(5);
        model.setClassNames(CLASSES);
        List<Map<String, Tensor>> afterEpoch = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> r) {
                afterEpoch.add(TrainingCheckpoints.snapshot(ctx.model()));
            }
        };
        Path best = dir.resolve("best.c4j");
        Path last = dir.resolve("last.c4j");
        // "higher training loss is better": epoch 1 stays best while the loss falls
        CheckpointListener ckpt = new CheckpointListener().saveBest(best, new Monitor(History.TRAIN_LOSS, true, 0))
                .saveLast(last).describedBy(m -> {
                    JsonObject d = new JsonObject();
                    d.add("architecture", new JsonObject());
                    d.add("preprocessing", new JsonObject());
                    return Json.toCompact(d);
                });
        new Trainer(TrainConfig.builder(new Sgd(model, 0.1).momentum(0.9)).epochs(3).batchSize(30).build())
                .addListener(recorder).addListener(ckpt).fit(model, data, null);
        assertEquals(1, ckpt.bestEpoch());
        Checkpoint b = Checkpoint.load(best);
        Checkpoint l = Checkpoint.load(last);
        assertEquals(0f, b.parameters().get("dense.kernel").maxAbsDiff(afterEpoch.get(0).get("dense.kernel")));
        assertEquals(0f, l.parameters().get("dense.kernel").maxAbsDiff(afterEpoch.get(2).get("dense.kernel")));
        assertEquals(1, TrainingCheckpoints.read(b).epochsCompleted());
        assertEquals(3, TrainingCheckpoints.read(l).epochsCompleted());
        assertEquals(9, TrainingCheckpoints.read(l).step());
        assertEquals(3, TrainingCheckpoints.read(l).history().size());
        assertTrue(l.optimizerState().containsKey("dense.kernel.momentum_buffer"));
        // the training state uses the checkpoint package's key layout
        ModelDescription described = ModelDescription.fromJson(l.description(), "last.c4j");
        assertEquals(3, described.training().epoch());
        assertEquals(9, described.training().step());
        assertEquals(CLASSES, described.classNames());
        assertEquals(Shape.of(1, 4, 4), described.inputShape());
    }

    @Test
    void nanLossStopsNamingEpochAndBatchAndKeepsCheckpoint(@TempDir Path dir) throws IOException {
        Dataset data = blobs(90, 3);
        Sequential model = mlp(6);
        Path last = dir.resolve("last.c4j");
        byte[][] savedAfterEpoch1 = new byte[1][];
        Loss poisoned = new Loss() {
            private final SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
            private int calls;

            @Override
            public LossValue compute(Tensor output, Tensor target) {
                return ce.compute(output, target);
            }

            @Override
            public LossValue compute(Tensor output, int[] labels) {
                LossValue v = ce.compute(output, labels);
                return ++calls == 5 ? new LossValue(Double.NaN, v.gradient()) : v;
            }

            @Override
            public String name() {
                return "poisoned";
            }
        };
        TrainingListener copyFile = new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> r) {
                try {
                    savedAfterEpoch1[0] = Files.readAllBytes(last);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }
        };
        // batches of 30: 3 per epoch; the 5th loss computed is epoch 2, batch 2
        Trainer trainer = new Trainer(TrainConfig.builder(new Sgd(model, 0.1)).epochs(3).batchSize(30).loss(poisoned)
                .build()).addListener(new CheckpointListener().saveLast(last)).addListener(copyFile);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> trainer.fit(model, data, null));
        assertEquals(2, e.epoch());
        assertEquals(2, e.batch());
        assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("epoch 2") && e.getMessage().contains("batch 2"),
                e.getMessage());
        assertArrayEquals(savedAfterEpoch1[0], Files.readAllBytes(last));
        assertEquals(1, TrainingCheckpoints.read(Checkpoint.load(last)).epochsCompleted());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(last), files.toList(), "no temporary files left behind");
        }
    }

    /** Builds the optimiser of the resume test: Adam with warm-up and cosine decay and clipping. */
    private static TrainConfig resumeConfig(Sequential model, int epochs) {
        Optimizer adam = new Adam(model, 0.01).weightDecay(1e-3);
        return TrainConfig.builder(adam).epochs(epochs).batchSize(16).seed(11)
                .schedule(LrSchedule.warmup(5, LrSchedule.cosine(0.01, 0.001, 12, LrSchedule.Unit.STEPS)))
                .clipping(GradientClipping.byGlobalNorm(1.0)).build();
    }

    @Test
    void aResumedRunWritesABestFileNamedAnewAndKeepsTheRecordOfAnExistingOne(@TempDir Path dir) throws IOException {
        Dataset train = blobs(60, 4);
        Path best = dir.resolve("best.c4j");
        Path last = dir.resolve("last.c4j");
        // "higher training loss is better": epoch 1 stays the best while the loss falls
        Monitor firstEpochBest = new Monitor(History.TRAIN_LOSS, true, 0);
        Sequential first = mlp(8);
        new Trainer(resumeConfig(first, 2)).addListener(new CheckpointListener().saveBest(best, firstEpochBest)
                .saveLast(last)).fit(first, train, null);
        assertEquals(1, TrainingCheckpoints.read(Checkpoint.load(best)).epochsCompleted());

        // resumed into the same best file: the restored record stands, epoch 3 is no better, the file is untouched
        CheckpointListener same = new CheckpointListener().saveBest(best, firstEpochBest);
        Sequential again = mlp(9);
        new Trainer(resumeConfig(again, 3)).addListener(same).resume(last, again, train, null);
        assertEquals(1, same.bestEpoch());
        assertEquals(1, TrainingCheckpoints.read(Checkpoint.load(best)).epochsCompleted());

        // resumed into a new best file: it gets the best of the resumed epochs instead of never being written
        Path other = dir.resolve("other.c4j");
        CheckpointListener anew = new CheckpointListener().saveBest(other, firstEpochBest);
        Sequential third = mlp(10);
        new Trainer(resumeConfig(third, 3)).addListener(anew).resume(last, third, train, null);
        assertEquals(3, anew.bestEpoch());
        assertEquals(3, TrainingCheckpoints.read(Checkpoint.load(other)).epochsCompleted());
    }

    @Test
    void resumingAfterOneEpochEqualsTrainingTwoStraight(@TempDir Path dir) throws IOException {
        Dataset train = blobs(100, 4);
        Dataset val = blobs(30, 5);

        Sequential straight = mlp(8);
        TrainConfig straightConfig = resumeConfig(straight, 2);
        History full = Trainer.fit(straight, train, val, straightConfig);

        Sequential first = mlp(8);
        Path last = dir.resolve("last.c4j");
        new Trainer(resumeConfig(first, 1)).addListener(new CheckpointListener().saveLast(last)).fit(first, train, val);

        Sequential fresh = mlp(1234); // different initial values: everything must come from the checkpoint
        TrainConfig resumed = resumeConfig(fresh, 2);
        History continued = new Trainer(resumed.withSeed(0)).resume(last, fresh, train, val);

        assertEquals(2, continued.size());
        for (Map.Entry<String, Tensor> e : straight.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().data(), fresh.stateDict().get(e.getKey()).data(), e.getKey());
        }
        Map<String, Tensor> a = straightConfig.optimizer().state();
        Map<String, Tensor> b = resumed.optimizer().state();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v.data(), b.get(k).data(), k));
        assertEquals(full.series(History.TRAIN_LOSS)[1], continued.series(History.TRAIN_LOSS)[1]);
        assertEquals(full.series(History.VAL_LOSS)[1], continued.series(History.VAL_LOSS)[1]);
    }

    @Test
    void refusesAnOptimiserOfAnotherModelAndAPlainCheckpoint() {
        Sequential model = mlp(1);
        Sequential other = mlp(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.fit(model, blobs(10, 1), null, TrainConfig.builder(new Sgd(other, 0.1)).build()));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        Checkpoint plain = new Checkpoint(model.stateDict(), Map.of(), null);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(TrainConfig.builder(new Sgd(model, 0.1)).build()).resume(plain, model, blobs(10, 1), null));
        assertTrue(e2.getMessage().contains("training"), e2.getMessage());
    }

    @Test
    void refusesAModelWhoseOutputsAreNotTheDatasClassesBeforeTheFirstStep() {
        // issue 12: a model with more outputs than the data has classes used to train and print "acc NaN"
        Sequential five = new Sequential(Shape.of(1, 4, 4), new Flatten(), new Dense(12), new ReLU(), new Dense(5));
        five.initialize(1);
        Map<String, Tensor> before = new java.util.HashMap<>();
        five.stateDict().forEach((k, v) -> before.put(k, v.copy()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.fit(five, blobs(12, 1), null, TrainConfig.builder(new Sgd(five, 0.1)).build()));
        assertTrue(e.getMessage().contains("the model has 5 outputs but the training data has 3 classes [a, b, c]"),
                e.getMessage());
        five.stateDict().forEach((k, v) -> assertArrayEquals(before.get(k).data(), v.data(), k + " changed"));
        // the right number of outputs, but class names of another count
        Sequential named = mlp(1);
        named.setClassNames(List.of("a", "b", "c", "d", "e"));
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> Trainer.fit(named, blobs(12, 1), null, TrainConfig.builder(new Sgd(named, 0.1)).build()));
        assertTrue(n.getMessage().contains("the model has 3 outputs but 5 class names"), n.getMessage());
        // evaluating it was NaN accuracy without a word: refused, naming both counts
        IllegalArgumentException ev = assertThrows(IllegalArgumentException.class,
                () -> Trainer.evaluate(five, blobs(12, 1), 8));
        assertTrue(ev.getMessage().contains("the model has 5 outputs but the data has 3 classes [a, b, c]"),
                ev.getMessage());
        assertTrue(Double.isFinite(Trainer.evaluate(mlp(1), blobs(12, 1), 8).accuracy()));
    }
}
