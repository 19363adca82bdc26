package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pictures, models, outputs, saved stages and checkpoints on a file system other than the local one, reached through
 * Spark's own Hadoop client: the ML stages, {@code spark train} with its checkpoints and {@code --resume}, and the
 * {@code spark} commands give there what they give on the local file system. A subclass starts a real server of that
 * file system (HdfsTest: HDFS; S3Check, on demand: an S3-compatible server) and says how to reach it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RemoteFileSystemTests {
    @TempDir
    static Path dir;
    private Path model;
    private Path pictures;
    private String remoteModel;
    private String remotePictures;

    /** Starts the server (files below {@code base}); returns the URI of the folder the tests write below. */
    abstract String start(Path base) throws Exception;

    abstract void stop() throws Exception;

    /** A client of the file system with the settings the tests' Spark session has. */
    abstract FileSystem fileSystem() throws IOException;

    /** What the commands need to reach the file system: {@code --conf spark.hadoop.KEY=VALUE} options. */
    List<String> conf() {
        return List.of();
    }

    private String root;

    /** Copies a local file or folder (recursively) below the tests' folder; returns its full URI. */
    String put(Path local, String remotePath) throws IOException {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(root + remotePath);
        fileSystem().copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()), target);
        return target.toString();
    }

    @BeforeAll
    void startServer() throws Exception {
        root = start(dir.resolve("server"));
        for (int i = 0; i + 1 < conf().size(); i += 2) { // the tests' own session: the same settings as the commands'
            String kv = conf().get(i + 1);
            TestSpark.session().sparkContext().hadoopConfiguration().set(
                    kv.substring("spark.hadoop.".length(), kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        model = TestSpark.lenetFile(dir, List.of("horizontal", "vertical"));
        pictures = TestSpark.stripeFolder(dir.resolve("pictures"), 12, 3);
        Files.write(pictures.resolve("vertical").resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2});
        remoteModel = put(model, "/models/lenet.c4j");
        remotePictures = put(pictures, "/data/pictures");
        // the folder of an output file must exist (as on the local file system)
        assertTrue(fileSystem().mkdirs(new org.apache.hadoop.fs.Path(root + "/out")));
        assertTrue(fileSystem().getFileStatus(new org.apache.hadoop.fs.Path(remotePictures + "/vertical/broken.png"))
                .isFile());
    }

    @AfterAll
    void stopServer() throws Exception {
        stop();
    }

    private static Dataset<Row> binary(SparkSession spark, String folder) {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(folder).repartition(3);
    }

    /** Rows keyed by the picture's path below {@code root} (class/file.png), with the rest of the row. */
    private static Map<String, Row> byPicture(List<Row> rows, String root) {
        Map<String, Row> m = new TreeMap<>();
        for (Row r : rows) {
            String path = r.getString(0);
            assertTrue(path.startsWith(root), path + " is not below " + root);
            m.put(path.substring(root.length()), r);
        }
        return m;
    }

    @Test
    void stagesReadModelsAndPicturesFromThereAndSaveThemThere() throws Exception {
        SparkSession spark = TestSpark.session();
        String localRoot = "file:" + pictures.toAbsolutePath();
        ConvNetClassifierModel fromRemote = ConvNetClassifierModel.fromFile(spark, remoteModel).setBatchSize(4);
        assertEquals(remoteModel, fromRemote.modelBytes().origin());
        Map<String, Row> got = byPicture(fromRemote.transform(binary(spark, remotePictures))
                .select("path", "prediction", "probability", "error").collectAsList(), remotePictures);
        Map<String, Row> want = byPicture(ConvNetClassifierModel.fromFile(spark, model.toString()).setBatchSize(4)
                .transform(binary(spark, pictures.toString())).select("path", "prediction", "probability", "error")
                .collectAsList(), localRoot);
        assertEquals(25, got.size(), "24 pictures and a broken one, all read from there");
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertEquals(want.get(k).get(1), got.get(k).get(1), k);
            assertEquals(want.get(k).get(2), got.get(k).get(2), k);
        }
        String error = got.get("/vertical/broken.png").getString(3);
        assertTrue(error != null && error.contains(remotePictures + "/vertical/broken.png"), error);

        // ML persistence there: the stage with its model saved there and loaded back gives the same answers
        String saved = root + "/stages/classifier";
        fromRemote.write().overwrite().save(saved);
        assertTrue(fileSystem().exists(new org.apache.hadoop.fs.Path(saved + "/metadata")));
        ConvNetClassifierModel back = ConvNetClassifierModel.load(saved);
        Map<String, Row> again = byPicture(back.transform(binary(spark, remotePictures))
                .select("path", "prediction", "probability", "error").collectAsList(), remotePictures);
        for (String k : want.keySet()) {
            assertEquals(want.get(k).get(2), again.get(k).get(2), k);
        }

        // the featurizer: the same feature vectors from there as from the local folder, and saved/loaded there too
        ConvNetFeaturizer features = ConvNetFeaturizer.fromFile(spark, remoteModel).setBatchSize(5);
        features.write().overwrite().save(root + "/stages/featurizer");
        Map<String, Row> f1 = byPicture(ConvNetFeaturizer.load(root + "/stages/featurizer")
                .transform(binary(spark, remotePictures)).select("path", "features").collectAsList(), remotePictures);
        Map<String, Row> f2 = byPicture(ConvNetFeaturizer.fromFile(spark, model.toString()).setBatchSize(5)
                .transform(binary(spark, pictures.toString())).select("path", "features").collectAsList(), localRoot);
        assertEquals(f2.keySet(), f1.keySet());
        for (String k : f2.keySet()) {
            if (!k.endsWith("broken.png")) {
                Vector a = f2.get(k).getAs(1);
                assertEquals(features.featureSize(), a.size());
                assertArrayEquals(a.toArray(), ((Vector) f1.get(k).getAs(1)).toArray(), 0.0, k);
            }
        }
    }

    @Test
    void sparkCommandsReadAndWriteThere() throws Exception {
        // the commands run in the tests' local[2] session (SparkMain.run keeps a caller's session on the same master)
        // instead of each starting and stopping one of its own (another test of this class stops it)
        TestSpark.session();
        // predict: model, pictures and the CSV there; the same rows as from the local folder to a local file
        String csv = root + "/out/answers.csv";
        String[] r = run("predict", "--master", "local[2]", "--model", remoteModel, "--images", remotePictures, "-o", csv,
                "--partitions", "3", "--batch", "4");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("25 pictures, 24 classified, 1 could not be decoded"), r[2]);
        Path localCsv = dir.resolve("answers.csv");
        r = run("predict", "--master", "local[2]", "--model", model.toString(), "--images", pictures.toString(), "-o",
                localCsv.toString(), "--partitions", "3", "--batch", "4");
        assertEquals("0", r[0], r[2]);
        List<String> fromRemote = readLines(csv);
        assertEquals(25, fromRemote.size(), "a header and 24 rows");
        assertEquals(Files.readAllLines(localCsv).stream().map(l -> l.replace("file:" + pictures.toAbsolutePath(), ""))
                .toList(), fromRemote.stream().map(l -> l.replace(remotePictures, "")).toList());

        // an output that exists there is refused before any work, in one line, and left as it was
        byte[] before = fileSystem().open(new org.apache.hadoop.fs.Path(csv)).readAllBytes();
        r = run("predict", "--master", "local[2]", "--model", remoteModel, "--images", remotePictures, "-o", csv);
        assertEquals("2", r[0], r[2]);
        assertEquals(csv + ": already exists (add --overwrite to replace it)", r[2].strip().lines().reduce((a, b) -> b)
                .orElse("").replace("convnet4j spark predict: ", ""));
        assertArrayEquals(before, fileSystem().open(new org.apache.hadoop.fs.Path(csv)).readAllBytes());
        // a model file that is not there fails before any task, naming it
        r = run("predict", "--master", "local[2]", "--model", root + "/models/none.c4j", "--images", remotePictures,
                "-o", root + "/out/never.csv");
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].contains(root + "/models/none.c4j: file not found"), r[2]);
        assertFalse(fileSystem().exists(new org.apache.hadoop.fs.Path(root + "/out/never.csv")));

        // featurize to Parquet there (written by the executors, renamed into place by the driver), and a glob
        String parquet = root + "/out/features.parquet";
        r = run("featurize", "--master", "local[2]", "--model", remoteModel, "--images", remotePictures + "/*/*.png",
                "-o", parquet, "--partitions", "2");
        assertEquals("0", r[0], r[2]);
        List<Row> rows = TestSpark.session().read().parquet(parquet).collectAsList();
        assertEquals(25, rows.size());
        assertEquals(List.of("_SUCCESS"), listNames(root + "/out/features.parquet").stream()
                .filter(n -> !n.startsWith("part-")).toList(), "a complete Parquet directory, no temporaries");
        assertEquals(List.of("answers.csv", "features.parquet"), listNames(root + "/out"));

        // case 1 at scale: transfer saves the fitted pipeline there, predict applies it from there
        String pipeline = root + "/pipelines/stripes";
        // 5 logistic-regression iterations (each a Spark job): where the pipeline goes and what it gives are
        // checked, not the fit
        r = run("transfer", "--master", "local[2]", "--base", remoteModel, "--images", put(
                TestSpark.stripeFolder(dir.resolve("labelled"), 10, 8), "/data/labelled"), "-o", pipeline,
                "--max-iter", "5");
        assertEquals("0", r[0], r[2]);
        assertEquals(4, PipelineModel.load(pipeline).stages().length);
        r = run("predict", "--master", "local[2]", "--model", pipeline, "--images", remotePictures, "-o",
                root + "/out/by-pipeline.csv");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("25 pictures, 24 classified, 1 could not be decoded"), r[2]);
        assertEquals(25, readLines(root + "/out/by-pipeline.csv").size());
        // the same in Java: the broken picture is a row with an error and no answer; every other row is exactly what
        // the pipeline gives without it (PipelineModel.transform itself fails the job on the broken one)
        PipelineModel fitted = PipelineModel.load(pipeline);
        for (org.apache.spark.ml.Transformer t : fitted.stages()) {
            if (t instanceof ConvNetFeaturizer f) {
                assertFalse(f.getFailFast(), "saved as transfer ran: error rows (as spark predict does unless --fail-fast)");
            }
        }
        Dataset<Row> all = binary(TestSpark.session(), remotePictures);
        Map<String, Row> kept = byPicture(ConvNetPipelines.transform(fitted, all)
                .select("path", "prediction", "probability", "className", "features", "error").collectAsList(), remotePictures);
        Map<String, Row> plain = byPicture(fitted.transform(all.filter(functions.not(functions.col("path")
                .endsWith("broken.png")))).select("path", "prediction", "probability", "className").collectAsList(),
                remotePictures);
        assertEquals(25, kept.size());
        Row broken = kept.remove("/vertical/broken.png");
        assertTrue(broken.isNullAt(1) && broken.isNullAt(2) && broken.isNullAt(3) && broken.isNullAt(4), broken.toString());
        assertTrue(broken.getString(5).contains("broken.png"), broken.getString(5));
        assertEquals(plain.keySet(), kept.keySet());
        for (String k : plain.keySet()) {
            // the same class, and the same probabilities but for the last bits: without the broken picture the
            // pictures after it fall into other batches, and a Dense layer's rows come out with other bits when
            // their batch is small: a product of at most 4 rows (up to 25 for a narrow output from long rows,
            // 1024 -> 10) is computed as VectorGemm's dot products, which add a row's terms in another order than
            // the GEMM that larger batches take (issue 17, docs/PERFORMANCE.md "Dense's bits and the batch"; every
            // other path gives a row the same bits in any batch; -Dconvnet4j.gemm.exactRows=true would, and stays
            // off). Seen once in two runs on 2026-12-05: 0.0011785925210078584 against ...593
            assertEquals(plain.get(k).get(1), kept.get(k).get(1), k);
            assertEquals(plain.get(k).get(3), kept.get(k).get(3), k);
            assertArrayEquals(((Vector) plain.get(k).get(2)).toArray(), ((Vector) kept.get(k).get(2)).toArray(), 1e-12, k);
            assertTrue(kept.get(k).isNullAt(5), k);
        }
    }

    @Test
    void trainingReadsPicturesFromThereCheckpointsThereAndResumesFromThere() throws Exception {
        TestSpark.session(); // the runs share the tests' local[2] session, as the commands above
        String data = put(TestSpark.stripeFolder(dir.resolve("train"), 20, 4), "/data/train");
        String ckpt = root + "/runs/stripes";
        List<String> common = List.of("--master", "local[2]", "--model", "lenet5-classic", "--batch", "8",
                "--optimizer", "sgd", "--lr", "0.3", "--val-split", "0.25", "--seed", "5", "--partitions", "2",
                "--no-progress");
        Path fromRemote = dir.resolve("remote-run/m.c4j");
        Files.createDirectories(fromRemote.getParent());
        String[] r = run(concat(List.of("train", "--data", data, "--epochs", "2", "--checkpoint-dir", ckpt, "--out",
                fromRemote.toString()), common));
        assertEquals("0", r[0], r[1] + r[2]);
        assertEquals(List.of("epoch-001.c4j", "epoch-002.c4j", "last.c4j"), listNames(ckpt));
        // the same run in this process, without Spark, from the local copy of the folder (until 2026-12-07 a second
        // spark train from the local copy: seconds of Spark jobs, one per step, for the same comparison)
        Path fromLocal = dir.resolve("local-run/m.c4j");
        Files.createDirectories(fromLocal.getParent());
        Path localCopy = dir.resolve("train");
        new TrainingRun(TrainingSettings.builder().model("lenet5-classic").data(localCopy.toString()).epochs(2).batch(8)
                .optimizer("sgd").lr(0.3).valSplit(0.25).seed(5).out(fromLocal).build(),
                ImageFolderDataset.builder(localCopy).channels(1)
                        .transform(Preprocessing.forInput(Shape.of(1, 28, 28)).transform()).build()).run();
        assertTrue(largestDifference(Checkpoint.load(fromLocal), Checkpoint.load(fromRemote)) <= 1e-5);
        // last.c4j there is the run's last state, a complete model file
        Path last = dir.resolve("last-from-remote.c4j");
        Files.write(last, fileSystem().open(new org.apache.hadoop.fs.Path(ckpt + "/last.c4j")).readAllBytes());
        assertTrue(largestDifference(Checkpoint.load(dir.resolve("remote-run/m.last.c4j")), Checkpoint.load(last)) == 0);

        // resumed from the checkpoint there of epoch 1, to 2 epochs: the last state of the uninterrupted run (its -o
        // holds the best epoch, which may be epoch 1: a resumed run writes its -o only when an epoch after the resume
        // point beats the restored history's best, CheckpointListener)
        Path resumed = dir.resolve("resumed/m.c4j");
        Files.createDirectories(resumed.getParent());
        r = run("train", "--master", "local[2]", "--resume", ckpt + "/epoch-001.c4j", "--epochs", "2", "--no-progress",
                "--out", resumed.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("epoch 2/2") && !r[1].contains("epoch 1/2"), r[1]);
        // a --checkpoint-dir file resumed without --checkpoint-dir: the run keeps checkpointing in its folder there
        assertTrue(r[1].contains("checkpoints continue in " + ckpt + " (the folder of the resumed checkpoint;"), r[1]);
        assertEquals(List.of("epoch-001.c4j", "epoch-002.c4j", "last.c4j"), listNames(ckpt));
        assertTrue(largestDifference(Checkpoint.load(dir.resolve("remote-run/m.last.c4j")),
                Checkpoint.load(dir.resolve("resumed/m.last.c4j"))) <= 1e-5);
    }

    private List<String> readLines(String uri) throws Exception {
        return new String(fileSystem().open(new org.apache.hadoop.fs.Path(uri)).readAllBytes(),
                StandardCharsets.UTF_8).lines().toList();
    }

    private List<String> listNames(String uri) throws Exception {
        FileSystem fs = fileSystem();
        List<String> names = new ArrayList<>();
        for (var s : fs.listStatus(new org.apache.hadoop.fs.Path(uri))) {
            names.add(s.getPath().getName());
        }
        names.sort(null);
        return names;
    }

    private static String[] concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.toArray(String[]::new);
    }

    private static double largestDifference(Checkpoint want, Checkpoint got) {
        return ClusterTests.largestDifference(want.parameters(), got.parameters());
    }

    /** A spark command in this JVM with {@link #conf()} added: {exit code, out, err}. */
    private String[] run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(1, conf());
        return org.convnet4j.spark.cli.CliRun.run(all);
    }
}
