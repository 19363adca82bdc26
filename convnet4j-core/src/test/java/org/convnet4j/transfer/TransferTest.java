package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.AdamW;
import org.convnet4j.train.optim.Optimizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferTest {
    private static final List<String> TARGET = List.of("a", "b", "c");

    @BeforeAll
    static void registerTestClassifier() {
        ShallowClassifiers.register(new NearestCentroid());
    }

    /** conv1 -> bn1 -> relu -> pool -> conv2 -> relu -> flatten -> dense1 -> relu -> predictions(4). */
    static Sequential base(long seed) {
        Sequential s = new Sequential("tiny", Shape.of(1, 8, 8),
                new Conv2d(4, 3).padding(1).named("conv1"), new BatchNorm2d().named("bn1"), new ReLU().named("act1"),
                new MaxPool2d(2).named("pool1"), new Conv2d(4, 3).named("conv2"), new ReLU().named("act2"),
                new Flatten().named("flatten"), new Dense(8).named("dense1"), new ReLU().named("act3"),
                new Dense(4).named("predictions"));
        s.initialize(seed);
        s.setClassNames(List.of("w", "x", "y", "z"));
        return s;
    }

    /** Three classes told apart by where a bright square lies. */
    static Dataset data(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 64];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 64; j++) {
                x[i * 64 + j] = (float) (0.1 * r.nextGaussian());
            }
            int row = y[i] * 2 + 1;
            for (int a = row; a < row + 2; a++) {
                for (int b = 2; b < 6; b++) {
                    x[i * 64 + a * 8 + b] += 1;
                }
            }
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 8, 8), y, TARGET);
    }

    static Map<String, float[]> snapshot(Model m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.value().data().clone()));
        return out;
    }

    static TrainConfig config(Optimizer opt, int epochs) {
        return TrainConfig.builder(opt).epochs(epochs).batchSize(8).seed(3).build();
    }

    @Test
    void case2FreezesEverythingButTheLastTwoWeightedLayersEvenWithWeightDecay() {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(1), TransferOptions.forClasses(TARGET).withNewClassifier(false));
        assertEquals(List.of("dense1", "predictions"), plan.trainedLayers());
        assertEquals(List.of("conv1", "bn1", "conv2"), plan.frozenLayers());
        assertEquals(1e-3, plan.learningRate(), 1e-12);
        Map<String, float[]> before = snapshot(plan.model());
        // AdamW with a large decay: a frozen parameter that were decayed would change at once
        AdamW opt = new AdamW(plan.groups(), plan.learningRate());
        opt.weightDecay(0.5);
        Trainer.fit(plan.model(), data(24, 2), null, config(opt, 2));
        Map<String, float[]> after = snapshot(plan.model());
        for (String k : before.keySet()) {
            boolean trained = k.startsWith("dense1.") || k.startsWith("predictions.");
            if (trained && !k.endsWith("bias")) {
                assertFalse(java.util.Arrays.equals(before.get(k), after.get(k)), k + " should have been trained");
            } else if (!trained) {
                assertArrayEquals(before.get(k), after.get(k), k + " is frozen and must be bit-identical");
            }
        }
    }

    @Test
    void case2WithOneLayerTrainsOnlyTheHeadAndRefusesMoreLayersThanExist() {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(1),
                TransferOptions.forClasses(TARGET).withNewClassifier(false).withFineTuneLast(1));
        assertEquals(List.of("predictions"), plan.trainedLayers());
        assertEquals(8 * 3 + 3, plan.model().trainableParameterCount());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transfer.plan(
                TransferCase.FINE_TUNE_LAST, base(1), TransferOptions.forClasses(TARGET).withNewClassifier(false).withFineTuneLast(6)));
        assertTrue(e.getMessage().contains("only 5 layers with weights"), e.getMessage());
        assertTrue(e.getMessage().contains("conv1, bn1, conv2, dense1, predictions"), e.getMessage());
    }

    @Test
    void frozenBatchNormKeepsItsRunningStatisticsAndTheFreezeIsSavedWithTheModel(@TempDir Path dir) throws Exception {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(1), TransferOptions.forClasses(TARGET).withNewClassifier(false));
        float[] runningMean = plan.model().namedParameters().get("bn1.running_mean").value().data().clone();
        Trainer.fit(plan.model(), data(24, 2), null, config(new AdamW(plan.groups(), 1e-2), 1));
        assertArrayEquals(runningMean, plan.model().namedParameters().get("bn1.running_mean").value().data());
        Path f = dir.resolve("case2.c4j");
        ModelFiles.save(plan.model(), f);
        Sequential back = (Sequential) ModelFiles.load(f);
        assertFalse(back.layer("conv1").isTrainable());
        assertFalse(back.layer("bn1").isTrainable());
        assertTrue(back.layer("dense1").isTrainable());
        assertEquals(plan.model().trainableParameterCount(), back.trainableParameterCount());
        assertEquals(TARGET, back.classNames());
    }

    @Test
    void case3TrainsEverythingButBatchNormWithDiscriminativeRates() {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_ALL, base(1),
                TransferOptions.forClasses(TARGET).withNewClassifier(false).withDiscriminative(0.5));
        assertEquals(List.of("bn1"), plan.frozenLayers());
        assertEquals(5, plan.groups().size());
        assertTrue(plan.groups().get(0).isFrozen());
        assertEquals(1.0, plan.groups().get(4).lrScale());
        assertEquals(0.125, plan.groups().get(1).lrScale(), 1e-12);
        Map<String, float[]> before = snapshot(plan.model());
        Trainer.fit(plan.model(), data(24, 2), null, config(TransferTraining.adam(plan, plan.model()), 1));
        assertFalse(java.util.Arrays.equals(before.get("conv1.kernel"), snapshot(plan.model()).get("conv1.kernel")));
    }

    @Test
    void case4ReinitialisesAndCase3KeepsThePretrainedWeights() {
        Sequential pretrained = base(1);
        float[] conv = pretrained.namedParameters().get("conv1.kernel").value().data().clone();
        TransferPlan scratch = Transfer.plan(TransferCase.FROM_SCRATCH, base(1), TransferOptions.forClasses(TARGET).withSeed(9));
        assertFalse(java.util.Arrays.equals(conv, scratch.model().namedParameters().get("conv1.kernel").value().data()));
        assertEquals(1e-3, scratch.learningRate(), 1e-12);
        TransferPlan tune = Transfer.plan(TransferCase.FINE_TUNE_ALL, base(1), TransferOptions.forClasses(TARGET).withNewClassifier(false));
        assertArrayEquals(conv, tune.model().namedParameters().get("conv1.kernel").value().data());
        assertEquals(Shape.of(3), tune.model().outputShape());
    }

    @Test
    void byDefaultCasesTwoAndThreePutOneNewClassifierOnTheFeatures() {
        Sequential base = base(1);
        float[] conv2 = base.namedParameters().get("conv2.kernel").value().data().clone();
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base, TransferOptions.forClasses(TARGET));
        assertEquals(List.of("conv1", "bn1", "act1", "pool1", "conv2", "act2", "flatten", "predictions"),
                plan.model().layers().stream().map(org.convnet4j.nn.Layer::name).toList());
        assertEquals(Shape.of(3), plan.model().outputShape());
        assertEquals(List.of("conv2", "predictions"), plan.trainedLayers());
        assertEquals(List.of("conv1", "bn1"), plan.frozenLayers());
        assertArrayEquals(conv2, plan.model().namedParameters().get("conv2.kernel").value().data());
        assertEquals(0.003, plan.headLearningRate(), 1e-12);
        assertEquals(0.001, plan.learningRate(), 1e-12);
    }

    @Test
    void case0FreezesEverythingAndKeepsTheBasesClasses() {
        TransferPlan plan = Transfer.plan(TransferCase.PREDICT, base(1), TransferOptions.forClasses(List.of()));
        assertEquals(0, plan.model().trainableParameterCount());
        assertEquals(List.of("w", "x", "y", "z"), plan.model().classNames());
        assertFalse(plan.trainsByGradient());
    }

    @Test
    void case0RefusesATargetWithClassesTheBaseDoesNotKnowUnlessAskedForPartialClasses() throws Exception {
        // the base knows w, x, y, z; the target is w, X (lenient), a and b: a and b cannot be answered right
        List<String> target = List.of("w", "X", "a", "b");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transfer.plan(TransferCase.PREDICT, base(1), TransferOptions.forClasses(target)));
        assertTrue(e.getMessage().startsWith("Case 0: the base does not know the target's classes [a, b] (its classes:"
                + " [w, x, y, z])"), e.getMessage());
        // known classes only (any spelling, a subset): planned
        Transfer.plan(TransferCase.PREDICT, base(1), TransferOptions.forClasses(List.of("Y", "w")));
        // the run checks the test data too, whatever the plan was given
        Dataset unknown = data(12, 3); // classes a, b, c
        TransferPlan plain = Transfer.plan(TransferCase.PREDICT, base(1), TransferOptions.forClasses(List.of()));
        IllegalArgumentException run = assertThrows(IllegalArgumentException.class, () -> TransferRun.run(plain,
                unknown, unknown, "logreg", FineTuneSettings.defaults(), null, null, List.of(), FeatureExtractor.Progress.NONE));
        assertTrue(run.getMessage().contains("[a, b, c]"), run.getMessage());
        // asked for explicitly: scored, every answer wrong, with the warning
        TransferPlan partial = Transfer.plan(TransferCase.PREDICT, base(1), TransferOptions.forClasses(target)
                .withPartialClasses(true));
        assertTrue(partial.partialClasses());
        List<String> log = new java.util.ArrayList<>();
        TransferRun.Outcome r = TransferRun.run(partial, unknown, unknown, "logreg", FineTuneSettings.defaults(), null,
                log::add, List.of(), FeatureExtractor.Progress.NONE);
        assertEquals(0.0, r.accuracy());
        assertTrue(log.stream().anyMatch(l -> l.contains("no match for [a, b, c]")), log.toString());
    }

    /**
     * Case 0 trains nothing, so a dashboard heard nothing of it: now the phase listeners get the phase, the test
     * pictures answered batch by batch, and at the end the confusion matrix in the target's classes (a column for the
     * base's classes that are none of them) with the class map; its accuracy is the run's.
     */
    @Test
    void case0TellsPhaseListenersItsConfusionInTheTargetsClassesAndTheClassMap() throws Exception {
        // the base knows w, x, y, z; the target is Y (lenient), w and q (unknown): x and z answer for none of them
        Dataset abc = data(300, 4);
        float[] x = new float[300 * 64];
        int[] labels = new int[300];
        for (int i = 0; i < 300; i++) {
            abc.copySample(i, x, i * 64);
            labels[i] = abc.label(i);
        }
        Dataset test = ArrayDataset.ofFloats(x, Shape.of(1, 8, 8), labels, List.of("Y", "w", "q"));
        TransferPlan plan = Transfer.plan(TransferCase.PREDICT, base(1), TransferOptions.forClasses(List.of())
                .withPartialClasses(true));
        List<String> told = new java.util.ArrayList<>();
        org.convnet4j.train.ConfusionMatrix[] confusion = new org.convnet4j.train.ConfusionMatrix[1];
        Map<String, String> classMap = new LinkedHashMap<>();
        org.convnet4j.train.PhaseListener listener = new org.convnet4j.train.PhaseListener() {
            @Override
            public void onPhaseStart(int number, String title) {
                told.add(number + ": " + title);
            }

            @Override
            public void onPhaseProgress(String what, long done, long total) {
                told.add(what + " " + done + "/" + total);
            }

            @Override
            public void onEvaluated(org.convnet4j.train.ConfusionMatrix cm, int samples, Map<String, String> map) {
                told.add("evaluated " + samples);
                confusion[0] = cm;
                classMap.putAll(map);
            }
        };
        TransferRun.Outcome r = TransferRun.run(plan, test, test, "logreg", FineTuneSettings.defaults(), null, null,
                List.of(listener), FeatureExtractor.Progress.NONE);
        assertEquals(List.of("1: evaluation only: the base answers with its own 4 classes; nothing is trained",
                "test pictures answered 0/300", "test pictures answered 256/300", "test pictures answered 300/300",
                "evaluated 300"), told);
        org.convnet4j.train.ConfusionMatrix cm = confusion[0];
        assertEquals(List.of("Y", "w", "q", ByNameEvaluation.OTHER), cm.classNames());
        assertEquals(r.accuracy(), cm.accuracy(), 1e-12);
        assertEquals(r.accuracy(), TransferRun.accuracyByName(plan.model(), test, null), 1e-12);
        Map<String, String> expectedMap = new LinkedHashMap<>();
        expectedMap.put("Y", "y");
        expectedMap.put("w", "w");
        expectedMap.put("q", null);
        assertEquals(expectedMap, classMap);
        // counted against the base's own answers: each predicted class goes to its column (x and z to the last)
        long[] byBaseClass = new long[4];
        Tensor out = plan.model().predict(Tensor.wrap(x, Shape.of(300, 1, 8, 8)));
        for (int i = 0; i < 300; i++) {
            byBaseClass[org.convnet4j.tensor.RowOps.argmax(out.data(), i * 4, 4)]++;
        }
        long[] columns = new long[4];
        for (int row = 0; row < 4; row++) {
            int a = row;
            assertEquals(a == 3 ? 0 : 100, java.util.stream.IntStream.range(0, 4).mapToLong(p -> cm.count(a, p)).sum());
            for (int p = 0; p < 4; p++) {
                columns[p] += cm.count(a, p);
            }
        }
        assertArrayEquals(new long[] {byBaseClass[2], byBaseClass[0], 0, byBaseClass[1] + byBaseClass[3]}, columns);
        assertEquals(0, cm.count(2, 2), "q is never answered right");
    }

    @Test
    void prefixCachingGivesTheSameWeightsAsTrainingTheWholeModel() {
        TransferOptions o = TransferOptions.forClasses(TARGET).withNewClassifier(false);
        TransferPlan cached = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(1), o);
        TransferPlan plain = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(1), o);
        TrainConfig cfg = config(new AdamW(plain.groups(), 1e-3), 2);
        TransferTraining.Result a = TransferTraining.fit(cached, data(24, 2), data(9, 5),
                TransferTraining.Settings.of(cfg).withPrefixCache(true));
        TransferTraining.Result b = TransferTraining.fit(plain, data(24, 2), data(9, 5), TransferTraining.Settings.of(cfg));
        assertEquals(7, a.cachedLayers()); // conv1 .. flatten are fixed
        assertEquals(0, b.cachedLayers());
        Map<String, float[]> sa = snapshot(cached.model());
        Map<String, float[]> sb = snapshot(plain.model());
        for (String k : sa.keySet()) {
            assertEquals(0f, Tensor.wrap(sa.get(k), sa.get(k).length).maxAbsDiff(Tensor.wrap(sb.get(k), sb.get(k).length)),
                    1e-6f, k);
        }
        assertEquals(a.history().last().get("val_accuracy"), b.history().last().get("val_accuracy"));
    }

    @Test
    void case1RefusesAnUnknownClassifierBeforeExtractingAnyFeature(@TempDir Path dir) {
        TransferPlan plan = Transfer.plan(TransferCase.BOTTLENECK, base(1), TransferOptions.forClasses(TARGET));
        AtomicLong seen = new AtomicLong();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bottleneck.fit(plan,
                data(30, 2), "centroids", 1, new FeatureCache(dir.resolve("cache")), 16, (d, t) -> seen.set(d)));
        assertTrue(e.getMessage().startsWith("Case 1's classifier centroids: not known; known: ")
                && e.getMessage().contains("centroid"), e.getMessage());
        assertEquals(0, seen.get()); // no picture went through the network
        assertFalse(Files.exists(dir.resolve("cache")));
        assertEquals("centroid", ShallowClassifiers.requireKnown("centroid"));
        // the scored fit (TransferRun's, so transfer --case 1's) checks the same, before any feature
        IllegalArgumentException scored = assertThrows(IllegalArgumentException.class, () -> Bottleneck.fitScored(
                plan, data(30, 2), "centroids", 1, new FeatureCache(dir.resolve("cache")), 16, (d, t) -> seen.set(d)));
        assertEquals(e.getMessage(), scored.getMessage());
        assertEquals(0, seen.get());
        assertFalse(Files.exists(dir.resolve("cache")));
    }

    @Test
    void case1JoinsTheCutNetworkAndTheClassifierIntoOneModelThatSavesAndPredicts(@TempDir Path dir) throws Exception {
        TransferPlan plan = Transfer.plan(TransferCase.BOTTLENECK, base(1), TransferOptions.forClasses(TARGET));
        assertEquals("flatten", plan.cut());
        Dataset train = data(30, 2);
        AtomicLong seen = new AtomicLong();
        FeatureCache cache = new FeatureCache(dir.resolve("cache"));
        Sequential model = Bottleneck.fit(plan, train, "centroid", 1, cache, 16, (d, t) -> seen.set(d));
        assertEquals(30, seen.get());
        Dataset test = data(30, 7);
        double acc = Trainer.evaluate(model, test, 16).accuracy();
        assertTrue(acc > 0.6, "accuracy " + acc); // 3 classes: chance is 1/3
        Path f = dir.resolve("case1.c4j");
        ModelFiles.save(model, f);
        Model back = ModelFiles.load(f);
        Tensor x = Tensor.zeros(4, 1, 8, 8);
        for (int i = 0; i < 4; i++) {
            test.copySample(i, x.data(), i * 64);
        }
        assertEquals(0f, model.predict(x).maxAbsDiff(back.predict(x)));
        assertEquals(TARGET, back.classNames());
        assertEquals(0, back.trainableParameterCount());
        // the cache holds one file and a second run reads it instead of extracting
        assertEquals(1, Files.list(dir.resolve("cache")).count());
        Features again = cache.features(plan.model(), train, 16, FeatureExtractor.Progress.NONE);
        assertArrayEquals(FeatureExtractor.extract(plan.model(), train, 16, FeatureExtractor.Progress.NONE).values(),
                again.values());
        assertNotEquals(FeatureCache.key(plan.model(), train), FeatureCache.key(plan.model(), data(30, 3)));
    }

    /**
     * Issue 12, Deliver 7 ("history for every training case"): Case 1 gave no history at all, in the library's result
     * or in transfer --json. Its classifier's fit is now one phase of one row, in the words of the head phase of
     * Cases 2 and 3: the training loss and accuracy, which must be what the saved model itself scores on its own
     * training pictures (an independent path: the network, then the classifier layer's log-probabilities).
     */
    @Test
    void case1ReportsItsClassifiersFitAsOneHistoryRowOfTrainingLossAndAccuracy() throws Exception {
        TransferPlan plan = Transfer.plan(TransferCase.BOTTLENECK, base(1), TransferOptions.forClasses(TARGET));
        Dataset train = data(30, 2);
        List<String> log = new java.util.ArrayList<>();
        TransferRun.Outcome r = TransferRun.run(plan, train, data(30, 7), "centroid", FineTuneSettings.defaults(),
                null, log::add, List.of(), FeatureExtractor.Progress.NONE);
        assertEquals(1, r.history().size());
        Map<String, Double> row = r.history().epochs().get(0);
        org.convnet4j.train.Metrics own = Trainer.evaluate(r.model(), train, 16,
                new org.convnet4j.train.loss.SoftmaxCrossEntropy());
        assertEquals(own.accuracy(), row.get("train_accuracy"), 1e-12);
        assertEquals(own.loss(), row.get("train_loss"), 1e-4);
        assertTrue(own.loss() > 0.01, "a loss that could differ: " + own.loss());
        assertFalse(row.containsKey("val_loss"), row.toString()); // Case 1 fits on all its pictures: no validation
        assertEquals(List.of(), r.phases()); // the gradient phases (the experiment's rows) stay Cases 2-4's
        TransferHistory h = r.transferHistory();
        assertEquals(1, h.phases().size());
        TransferHistory.PhaseEpochs p = h.phases().get(0);
        assertEquals(List.of("classifier"), p.phase().trainedLayers());
        assertEquals(1, p.keptEpoch());
        assertEquals(List.of(Map.of("epoch", 1.0, "train_loss", row.get("train_loss"), "train_accuracy",
                row.get("train_accuracy"), "seconds", row.get("seconds"))), p.epochs());
        assertTrue(log.get(0).startsWith("phase 1: features of the frozen base, then the centroid classifier fitted on"
                + " them; one fit on 30 pictures x 16 features (no epochs): train loss "), log.get(0));
        // what transfer --json prints: the phase with its one row, and the run's history of one row
        String json = new TransferReport(r, "tiny", "data", "centroid", 30, 30, "c1.c4j").toJson();
        com.google.gson.JsonObject o = org.convnet4j.internal.json.Json.parseObject(json, "json");
        assertEquals(1, o.getAsJsonArray("history").size(), json);
        com.google.gson.JsonObject phase = o.getAsJsonArray("phases").get(0).getAsJsonObject();
        assertEquals(1, phase.get("kept_epoch").getAsInt(), json);
        assertEquals(1, phase.getAsJsonArray("history").size(), json);
        assertTrue(phase.getAsJsonArray("history").get(0).getAsJsonObject().has("train_accuracy"), json);
        assertTrue(phase.get("kept_because").getAsString().startsWith("the classifier as fitted on all the training pictures"), json);
    }

    @Test
    void badCutsNameTheLayersThereAre() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transfer.plan(
                TransferCase.BOTTLENECK, base(1), TransferOptions.forClasses(TARGET).withCut("conv9")));
        assertTrue(e.getMessage().contains("no layer 'conv9'") && e.getMessage().contains("conv1, bn1, act1"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Transfer.plan(TransferCase.BOTTLENECK, base(1),
                TransferOptions.forClasses(TARGET).withCut("predictions")));
        assertEquals("pool1", Transfer.earlyCut(base(1)));
        TransferPlan early = Transfer.plan(TransferCase.BOTTLENECK, base(1), TransferOptions.forClasses(TARGET).withCut("pool1"));
        assertEquals(Shape.of(4 * 4 * 4), early.model().outputShape());
    }

    @Test
    void bytesSurviveTheFloatPacking() {
        byte[] b = new byte[1001];
        new Random(4).nextBytes(b);
        assertArrayEquals(b, ByteTensors.unpack(ByteTensors.pack(b), b.length));
        Tensor bad = ByteTensors.pack(b);
        bad.data()[3] = 0.5f;
        assertThrows(IllegalArgumentException.class, () -> ByteTensors.unpack(bad, b.length));
    }

    @Test
    void advisorFollowsTheLecturesTable() {
        assertEquals(TransferCase.BOTTLENECK, TransferAdvisor.table(TransferAdvisor.Size.SMALL,
                TransferAdvisor.Similarity.SIMILAR).transferCase());
        assertFalse(TransferAdvisor.table(TransferAdvisor.Size.SMALL, TransferAdvisor.Similarity.SIMILAR).earlyCut());
        assertEquals(TransferCase.FINE_TUNE_LAST, TransferAdvisor.table(TransferAdvisor.Size.MEDIUM,
                TransferAdvisor.Similarity.SIMILAR).transferCase());
        assertEquals(TransferCase.FINE_TUNE_ALL, TransferAdvisor.table(TransferAdvisor.Size.LARGE,
                TransferAdvisor.Similarity.SIMILAR).transferCase());
        TransferAdvisor.Recommendation smallDissimilar = TransferAdvisor.table(TransferAdvisor.Size.SMALL,
                TransferAdvisor.Similarity.DISSIMILAR);
        assertEquals(TransferCase.BOTTLENECK, smallDissimilar.transferCase());
        assertTrue(smallDissimilar.earlyCut());
        assertEquals(TransferCase.FINE_TUNE_ALL, TransferAdvisor.table(TransferAdvisor.Size.LARGE,
                TransferAdvisor.Similarity.DISSIMILAR).transferCase());
        assertEquals(TransferAdvisor.Size.SMALL, TransferAdvisor.sizeOf(99));
        assertEquals(TransferAdvisor.Size.MEDIUM, TransferAdvisor.sizeOf(100));
        assertEquals(TransferAdvisor.Size.LARGE, TransferAdvisor.sizeOf(1001));
        TransferAdvisor.Recommendation m = TransferAdvisor.measured(40, 3.0);
        assertTrue(m.earlyCut());
        assertEquals(40.0, m.figures().get("images_per_class"));
    }

    @Test
    void featureShiftIsZeroForTheSameDataAndGrowsWithADifferentOne() {
        Sequential net = base(1);
        FeatureStatistics src = FeatureStatistics.compute(net, "act3", data(30, 2), 0);
        assertEquals(0.0, src.shift(src), 1e-12);
        assertTrue(src.shift(FeatureStatistics.compute(net, "act3", data(30, 8), 0)) < 0.5);
        Dataset noise = ArrayDataset.ofFloats(Tensor.randn(new Random(1), 3f, 30, 64).data(), Shape.of(1, 8, 8),
                new int[30], TARGET);
        assertTrue(src.shift(FeatureStatistics.compute(net, "act3", noise, 0)) > 1.0);
        FeatureStatistics back = FeatureStatistics.fromJson(src.toJson(), "test");
        assertEquals(src.shift(back), 0.0, 1e-5);
    }


}
