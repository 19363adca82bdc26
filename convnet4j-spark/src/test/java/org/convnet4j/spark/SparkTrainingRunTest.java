package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.spark.ExecutorPictures.Shard;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.History;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library's training run with Spark as its engine, on a picture folder the executors decode themselves. */
class SparkTrainingRunTest {
    static SparkSession spark;
    static Path folder;
    static final Preprocessing PREP = Preprocessing.forInput(Shape.of(1, 28, 28));

    @BeforeAll
    static void setUp(@TempDir Path dir) throws Exception {
        spark = TestSpark.session();
        folder = TestSpark.stripeFolder(dir.resolve("stripes"), 45, 17);
    }

    /** What the executors decode and cache is what ImageFolderDataset gives on one machine, sample for sample. */
    @Test
    void executorsDecodeThePicturesTheDriverOnlyListed() throws Exception {
        PictureFolder listed = PictureFolder.list(folder.toString(), PREP, spark.sparkContext().hadoopConfiguration());
        ImageFolderDataset local = ImageFolderDataset.builder(folder).channels(1).transform(PREP.transform()).build();
        assertEquals(local.size(), listed.size());
        assertEquals(local.classNames(), listed.classNames());
        ExecutorPictures shipped = ExecutorPictures.of(JavaSparkContext.fromSparkContext(spark.sparkContext()),
                org.convnet4j.data.Datasets.split(listed, 0.25, 3).train(), 4);
        Dataset expected = org.convnet4j.data.Datasets.split(local, 0.25, 3).train();
        try {
            List<Shard> shards = shipped.shards().collect();
            assertEquals(4, shards.size());
            int per = PREP.outputShape().size();
            int seen = 0;
            for (Shard s : shards) {
                assertEquals(seen, s.indices()[0], "shards are contiguous, in sample order");
                for (int i = 0; i < s.count(); i++) {
                    assertEquals(seen + i, s.indices()[i]);
                    float[] want = expected.sample(seen + i).data();
                    float[] got = new float[per];
                    s.copy(i, got, 0);
                    assertArrayEquals(want, got);
                    assertEquals(expected.label(seen + i), s.labels()[i]);
                }
                seen += s.count();
            }
            assertEquals(expected.size(), seen);
        } finally {
            shipped.release();
        }
    }

    /**
     * TrainingRun with the Spark engine: same --limit per class, split, data order and steps as in process, so the
     * same weights (within float rounding of the gradient sum), the same history and the same best epoch in --out.
     */
    @Test
    void sparkEngineRunsTheSameTrainingRunAsInProcess(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("local"));
        Files.createDirectories(dir.resolve("spark"));
        TrainingSettings.Builder b = TrainingSettings.builder().model("lenet5-classic").data(folder.toString())
                .epochs(2).batch(16).optimizer("sgd").lr(0.5).momentum(0.5).seed(9).valSplit(0.25).limit(40);
        ImageFolderDataset local = ImageFolderDataset.builder(folder).channels(1).transform(PREP.transform()).build();
        TrainingRun.Result a = new TrainingRun(b.out(dir.resolve("local/m.c4j")).build(), local).run();
        PictureFolder listed = PictureFolder.list(folder.toString(), PREP, spark.sparkContext().hadoopConfiguration());
        TrainingRun.Result s = new TrainingRun(b.out(dir.resolve("spark/m.c4j")).build(), listed)
                .engine(new SparkTrainer(spark).partitions(3)).run();

        assertEquals(60, a.train().size(), "40 per class, a quarter held out");
        assertEquals(a.train().size(), s.train().size());
        assertEquals(a.history().size(), s.history().size());
        for (int e = 0; e < a.history().size(); e++) {
            var x = a.history().epochs().get(e);
            var y = s.history().epochs().get(e);
            assertEquals(x.get(History.TRAIN_LOSS), y.get(History.TRAIN_LOSS), 1e-5, "train loss, epoch " + (e + 1));
            assertEquals(x.get(History.TRAIN_ACCURACY), y.get(History.TRAIN_ACCURACY), 1e-9);
            assertEquals(x.get(History.VAL_LOSS), y.get(History.VAL_LOSS), 1e-5, "validation on the executors");
            assertEquals(x.get(History.VAL_ACCURACY), y.get(History.VAL_ACCURACY), 1e-9);
        }
        assertEquals(a.bestEpoch(), s.bestEpoch());
        SparkTrainerTest.assertSameWeights(a.model(), s.model(), 1e-5);
        assertTrue(Files.exists(s.out()) && Files.exists(s.last()), "best and last files written");
        assertTrue(s.history().last().get(History.TRAIN_LOSS) < s.history().epochs().get(0).get(History.TRAIN_LOSS),
                "it learns");

        // the same run on the folder after the check pass: the shards are cut from its cached pictures (partitions of
        // files, not of the sample order), and the result is the same
        Files.createDirectories(dir.resolve("checked"));
        PictureFolder checked = listed.decodable(JavaSparkContext.fromSparkContext(spark.sparkContext()), 3).folder();
        try {
            TrainingRun.Result c = new TrainingRun(b.out(dir.resolve("checked/m.c4j")).build(), checked)
                    .engine(new SparkTrainer(spark).partitions(3)).run();
            assertEquals(a.history().last().get(History.VAL_ACCURACY), c.history().last().get(History.VAL_ACCURACY),
                    1e-9);
            assertEquals(a.bestEpoch(), c.bestEpoch());
            SparkTrainerTest.assertSameWeights(a.model(), c.model(), 1e-5);
        } finally {
            checked.releaseDecoded();
        }
    }

    /**
     * A picture that cannot be decoded is left out of a Spark training run (counted and named in the summary), as
     * ImageFolderDataset with OnBadFile.SKIP leaves it out on one machine; with failFast the run fails naming it.
     * Each picture is decoded once.
     */
    @Test
    void undecodablePicturesAreSkippedAndCountedUnlessFailFast(@TempDir Path dir) throws Exception {
        Path broken = TestSpark.stripeFolder(dir.resolve("broken"), 10, 5);
        Files.write(broken.resolve("horizontal/garbage.png"), "not a picture".getBytes());
        byte[] png = Files.readAllBytes(broken.resolve("vertical/vertical-0.png"));
        Files.write(broken.resolve("vertical/truncated.png"), java.util.Arrays.copyOf(png, 40));
        ImageFolderDataset local = ImageFolderDataset.builder(broken).channels(1).transform(PREP.transform())
                .onBadFile(org.convnet4j.data.OnBadFile.SKIP).build();
        assertEquals(2, local.skipped().size(), "the reference leaves both out");
        Files.createDirectories(dir.resolve("out"));
        TrainingSettings.Builder b = TrainingSettings.builder().model("lenet5-classic").data(broken.toString())
                .epochs(1).batch(8).seed(3).valSplit(0.2).out(dir.resolve("out/m.c4j"));

        long files;
        try (var w = Files.walk(broken)) {
            files = w.filter(Files::isRegularFile).count();
        }
        long before = PictureFolder.DECODES.get();
        SparkTrainingRun.Result r = new SparkTrainingRun(b.build()).partitions(2).run(spark, m -> { });
        // local mode: the executors are this JVM. The check pass decodes every file once, and the training and
        // validation shards (and the feature statistics' sample) are cut from its cache: nothing is decoded twice
        assertEquals(files, PictureFolder.DECODES.get() - before, "pictures decoded");
        assertEquals(2, r.skipped().size());
        assertEquals(List.of("garbage.png", "truncated.png"), r.skipped().stream()
                .map(k -> new org.apache.hadoop.fs.Path(k.file()).getName()).toList());
        assertEquals(local.size(), r.run().train().size() + r.run().validation().size(), "the others all train");
        assertTrue(r.summary().startsWith("skipped 2 picture(s) that cannot be decoded: "), r.summary());
        assertTrue(r.summary().contains("garbage.png: ") && r.summary().contains("truncated.png: "), r.summary());
        var json = com.google.gson.JsonParser.parseString(r.toJson()).getAsJsonObject();
        assertEquals(2, json.get("skipped").getAsInt());
        assertEquals(2, json.getAsJsonArray("skipped_first").size());
        // the kept epoch as train --json gives it for the same run (TrainingRun.Report.kept)
        var train = com.google.gson.JsonParser.parseString(new TrainingRun.Report(r.settings(), r.run()).toJson())
                .getAsJsonObject();
        for (String k : List.of("epochs", "max_epochs", "kept_epoch", "kept_because", "early_stop", "val_loss",
                "val_accuracy", "history")) {
            assertEquals(train.get(k), json.get(k), k);
        }
        assertEquals(r.run().bestEpoch(), r.kept().epoch());

        SparkTrainingRun strict = new SparkTrainingRun(b.out(dir.resolve("out/strict.c4j")).build()).partitions(2)
                .failFast(true);
        // one line from the driver after the check pass, not a failed Spark task (no ERROR stack trace in the log)
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> strict.run(spark, m -> { }));
        assertTrue(e.getMessage().contains("garbage.png: ") && e.getMessage().endsWith("(and 1 more picture(s) that"
                + " cannot be decoded)"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("out/strict.c4j")), "no model written");
    }
}
