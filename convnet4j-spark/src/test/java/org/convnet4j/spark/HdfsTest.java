package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
import org.convnet4j.spark.cli.SparkMain;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pictures, models, outputs, saved stages and checkpoints on a real HDFS ({@link MiniHdfs}: a NameNode and a DataNode
 * on 127.0.0.1, read through Spark's own Hadoop client): the ML stages, {@code spark train} with its checkpoints and
 * {@code --resume}, and the {@code spark} commands give on {@code hdfs://} what they give on the local file system.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HdfsTest {
    @TempDir
    static Path dir;
    private MiniHdfs hdfs;
    private Path model;
    private Path pictures;
    private String hdfsModel;
    private String hdfsPictures;

    @BeforeAll
    void startHdfs() throws Exception {
        hdfs = new MiniHdfs(dir.resolve("dfs"));
        System.out.printf(java.util.Locale.ROOT, "HdfsTest: MiniDFSCluster (1 NameNode, 1 DataNode) up in %.1f s, %.1f s CPU, at %s%n",
                hdfs.startSeconds, hdfs.startCpuSeconds, hdfs.uri);
        model = TestSpark.lenetFile(dir, List.of("horizontal", "vertical"));
        pictures = TestSpark.stripeFolder(dir.resolve("pictures"), 12, 3);
        Files.write(pictures.resolve("vertical").resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2});
        hdfsModel = hdfs.put(model, "/models/lenet.c4j");
        hdfsPictures = hdfs.put(pictures, "/data/pictures");
        // the folder of an output file must exist (as on the local file system)
        assertTrue(hdfs.fileSystem().mkdirs(new org.apache.hadoop.fs.Path(hdfs.uri + "/out")));
        assertTrue(hdfs.fileSystem().getFileStatus(new org.apache.hadoop.fs.Path(hdfsPictures + "/vertical/broken.png"))
                .isFile());
    }

    @AfterAll
    void stopHdfs() {
        if (hdfs != null) {
            hdfs.close();
        }
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
    void stagesReadModelsAndPicturesFromHdfsAndSaveThemThere() throws Exception {
        SparkSession spark = TestSpark.session();
        String localRoot = "file:" + pictures.toAbsolutePath();
        ConvNetClassifierModel fromHdfs = ConvNetClassifierModel.fromFile(spark, hdfsModel).setBatchSize(4);
        assertEquals(hdfsModel, fromHdfs.modelBytes().origin());
        Map<String, Row> got = byPicture(fromHdfs.transform(binary(spark, hdfsPictures))
                .select("path", "prediction", "probability", "error").collectAsList(), hdfsPictures);
        Map<String, Row> want = byPicture(ConvNetClassifierModel.fromFile(spark, model.toString()).setBatchSize(4)
                .transform(binary(spark, pictures.toString())).select("path", "prediction", "probability", "error")
                .collectAsList(), localRoot);
        assertEquals(25, got.size(), "24 pictures and a broken one, all read from HDFS");
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertEquals(want.get(k).get(1), got.get(k).get(1), k);
            assertEquals(want.get(k).get(2), got.get(k).get(2), k);
        }
        String error = got.get("/vertical/broken.png").getString(3);
        assertTrue(error != null && error.contains(hdfsPictures + "/vertical/broken.png"), error);

        // ML persistence on HDFS: the stage with its model saved there and loaded back gives the same answers
        String saved = hdfs.uri + "/stages/classifier";
        fromHdfs.write().overwrite().save(saved);
        assertTrue(hdfs.fileSystem().exists(new org.apache.hadoop.fs.Path(saved + "/metadata")));
        ConvNetClassifierModel back = ConvNetClassifierModel.load(saved);
        Map<String, Row> again = byPicture(back.transform(binary(spark, hdfsPictures))
                .select("path", "prediction", "probability", "error").collectAsList(), hdfsPictures);
        for (String k : want.keySet()) {
            assertEquals(want.get(k).get(2), again.get(k).get(2), k);
        }

        // the featurizer: the same feature vectors from HDFS as from the local folder, and saved/loaded there too
        ConvNetFeaturizer features = ConvNetFeaturizer.fromFile(spark, hdfsModel).setBatchSize(5);
        features.write().overwrite().save(hdfs.uri + "/stages/featurizer");
        Map<String, Row> f1 = byPicture(ConvNetFeaturizer.load(hdfs.uri + "/stages/featurizer")
                .transform(binary(spark, hdfsPictures)).select("path", "features").collectAsList(), hdfsPictures);
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
    void sparkCommandsReadAndWriteHdfs() throws Exception {
        // predict: model, pictures and the CSV on HDFS; the same rows as from the local folder to a local file
        String csv = hdfs.uri + "/out/answers.csv";
        String[] r = run("predict", "--master", "local[2]", "--model", hdfsModel, "--images", hdfsPictures, "-o", csv,
                "--partitions", "3", "--batch", "4");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("25 pictures, 24 classified, 1 could not be decoded"), r[2]);
        Path localCsv = dir.resolve("answers.csv");
        r = run("predict", "--master", "local[2]", "--model", model.toString(), "--images", pictures.toString(), "-o",
                localCsv.toString(), "--partitions", "3", "--batch", "4");
        assertEquals("0", r[0], r[2]);
        List<String> fromHdfs = readLines(csv);
        assertEquals(25, fromHdfs.size(), "a header and 24 rows");
        assertEquals(Files.readAllLines(localCsv).stream().map(l -> l.replace("file:" + pictures.toAbsolutePath(), ""))
                .toList(), fromHdfs.stream().map(l -> l.replace(hdfsPictures, "")).toList());

        // an output that exists on HDFS is refused before any work, in one line, and left as it was
        byte[] before = hdfs.fileSystem().open(new org.apache.hadoop.fs.Path(csv)).readAllBytes();
        r = run("predict", "--master", "local[2]", "--model", hdfsModel, "--images", hdfsPictures, "-o", csv);
        assertEquals("2", r[0], r[2]);
        assertEquals(csv + ": already exists (add --overwrite to replace it)", r[2].strip().lines().reduce((a, b) -> b)
                .orElse("").replace("convnet4j spark predict: ", ""));
        assertArrayEquals(before, hdfs.fileSystem().open(new org.apache.hadoop.fs.Path(csv)).readAllBytes());
        // a model file that is not there fails before any task, naming it
        r = run("predict", "--master", "local[2]", "--model", hdfs.uri + "/models/none.c4j", "--images", hdfsPictures,
                "-o", hdfs.uri + "/out/never.csv");
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].contains(hdfs.uri + "/models/none.c4j: file not found"), r[2]);
        assertFalse(hdfs.fileSystem().exists(new org.apache.hadoop.fs.Path(hdfs.uri + "/out/never.csv")));

        // featurize to Parquet on HDFS (written by the executors, renamed into place by the driver), and a glob
        String parquet = hdfs.uri + "/out/features.parquet";
        r = run("featurize", "--master", "local[2]", "--model", hdfsModel, "--images", hdfsPictures + "/*/*.png",
                "-o", parquet, "--partitions", "2");
        assertEquals("0", r[0], r[2]);
        List<Row> rows = TestSpark.session().read().parquet(parquet).collectAsList();
        assertEquals(25, rows.size());
        assertEquals(List.of("_SUCCESS"), listNames(hdfs.uri + "/out/features.parquet").stream()
                .filter(n -> !n.startsWith("part-")).toList(), "a complete Parquet directory, no temporaries");
        assertEquals(List.of("answers.csv", "features.parquet"), listNames(hdfs.uri + "/out"));

        // case 1 at scale: transfer saves the fitted pipeline on HDFS, predict applies it from there
        String pipeline = hdfs.uri + "/pipelines/stripes";
        r = run("transfer", "--master", "local[2]", "--base", hdfsModel, "--images", hdfs.put(
                TestSpark.stripeFolder(dir.resolve("labelled"), 10, 8), "/data/labelled"), "-o", pipeline);
        assertEquals("0", r[0], r[2]);
        assertEquals(4, PipelineModel.load(pipeline).stages().length);
        r = run("predict", "--master", "local[2]", "--model", pipeline, "--images", hdfsPictures, "-o",
                hdfs.uri + "/out/by-pipeline.csv");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("25 pictures, 24 classified, 1 could not be decoded"), r[2]);
        assertEquals(25, readLines(hdfs.uri + "/out/by-pipeline.csv").size());
        // the same in Java: the broken picture is a row with an error and no answer; every other row is exactly what
        // the pipeline gives without it (PipelineModel.transform itself fails the job on the broken one)
        PipelineModel fitted = PipelineModel.load(pipeline);
        for (org.apache.spark.ml.Transformer t : fitted.stages()) {
            if (t instanceof ConvNetFeaturizer f) {
                assertTrue(f.getFailFast(), "transfer fits on every picture or fails");
                f.setFailFast(false); // as spark predict does unless --fail-fast
            }
        }
        Dataset<Row> all = binary(TestSpark.session(), hdfsPictures);
        Map<String, Row> kept = byPicture(ConvNetPipelines.transform(fitted, all)
                .select("path", "prediction", "probability", "className", "features", "error").collectAsList(), hdfsPictures);
        Map<String, Row> plain = byPicture(fitted.transform(all.filter(functions.not(functions.col("path")
                .endsWith("broken.png")))).select("path", "prediction", "probability", "className").collectAsList(),
                hdfsPictures);
        assertEquals(25, kept.size());
        Row broken = kept.remove("/vertical/broken.png");
        assertTrue(broken.isNullAt(1) && broken.isNullAt(2) && broken.isNullAt(3) && broken.isNullAt(4), broken.toString());
        assertTrue(broken.getString(5).contains("broken.png"), broken.getString(5));
        assertEquals(plain.keySet(), kept.keySet());
        for (String k : plain.keySet()) {
            for (int c = 1; c <= 3; c++) {
                assertEquals(plain.get(k).get(c), kept.get(k).get(c), k);
            }
            assertTrue(kept.get(k).isNullAt(5), k);
        }
    }

    @Test
    void trainingReadsPicturesFromHdfsCheckpointsThereAndResumesFromThere() throws Exception {
        String data = hdfs.put(TestSpark.stripeFolder(dir.resolve("train"), 20, 4), "/data/train");
        String ckpt = hdfs.uri + "/runs/stripes";
        List<String> common = List.of("--master", "local[2]", "--model", "lenet5-classic", "--batch", "8",
                "--optimizer", "sgd", "--lr", "0.3", "--val-split", "0.25", "--seed", "5", "--partitions", "2",
                "--no-progress");
        Path fromHdfs = dir.resolve("hdfs-run/m.c4j");
        Files.createDirectories(fromHdfs.getParent());
        String[] r = run(concat(List.of("train", "--data", data, "--epochs", "2", "--checkpoint-dir", ckpt, "--out",
                fromHdfs.toString()), common));
        assertEquals("0", r[0], r[1] + r[2]);
        assertEquals(List.of("epoch-001.c4j", "epoch-002.c4j", "last.c4j"), listNames(ckpt));
        // the same run from the local copy of the folder
        Path fromLocal = dir.resolve("local-run/m.c4j");
        Files.createDirectories(fromLocal.getParent());
        r = run(concat(List.of("train", "--data", dir.resolve("train").toString(), "--epochs", "2", "--out",
                fromLocal.toString()), common));
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(largestDifference(Checkpoint.load(fromLocal), Checkpoint.load(fromHdfs)) <= 1e-5);
        // last.c4j on HDFS is the run's last state, a complete model file
        Path last = dir.resolve("last-from-hdfs.c4j");
        Files.write(last, hdfs.fileSystem().open(new org.apache.hadoop.fs.Path(ckpt + "/last.c4j")).readAllBytes());
        assertTrue(largestDifference(Checkpoint.load(dir.resolve("hdfs-run/m.last.c4j")), Checkpoint.load(last)) == 0);

        // resumed from the HDFS checkpoint of epoch 1, to 2 epochs: the model of the uninterrupted run
        Path resumed = dir.resolve("resumed/m.c4j");
        Files.createDirectories(resumed.getParent());
        r = run("train", "--master", "local[2]", "--resume", ckpt + "/epoch-001.c4j", "--epochs", "2", "--no-progress",
                "--out", resumed.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("epoch 2/2") && !r[1].contains("epoch 1/2"), r[1]);
        assertTrue(largestDifference(Checkpoint.load(fromHdfs), Checkpoint.load(resumed)) <= 1e-5);
    }

    /**
     * {@code hdfs:///path} as a cluster user writes it: the NameNode comes from {@code fs.defaultFS}, here given as
     * {@code --conf spark.hadoop.fs.defaultFS=...}; the checks made before Spark starts read with it too.
     */
    @Test
    void hdfsPathsWithoutANameNodeUseTheDefaultFileSystemGivenWithConf() throws Exception {
        // the command must make its own session (Spark applies spark.hadoop.* only to a new context)
        TestSpark.session().stop();
        try {
            String[] r = run("predict", "--master", "local[2]", "--conf", "spark.hadoop.fs.defaultFS=" + hdfs.uri,
                    "--conf", "spark.ui.enabled=false", "--model", "hdfs:///models/lenet.c4j", "--images",
                    "/data/pictures", "-o", "/out/default-fs.csv", "--partitions", "2");
            assertEquals("0", r[0], r[2]);
            List<String> lines = readLines(hdfs.uri + "/out/default-fs.csv");
            assertEquals(25, lines.size());
            assertTrue(lines.get(1).startsWith(hdfsPictures + "/horizontal/"), lines.get(1));
        } finally {
            SparkSession.getDefaultSession().foreach(s -> {
                s.stop();
                return null;
            });
        }
    }

    private List<String> readLines(String uri) throws Exception {
        return new String(hdfs.fileSystem().open(new org.apache.hadoop.fs.Path(uri)).readAllBytes(),
                StandardCharsets.UTF_8).lines().toList();
    }

    private List<String> listNames(String uri) throws Exception {
        FileSystem fs = hdfs.fileSystem();
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
        Map<String, Tensor> a = want.parameters();
        Map<String, Tensor> b = got.parameters();
        assertEquals(a.keySet(), b.keySet());
        double worst = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k).data();
            float[] y = b.get(k).data();
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
        }
        return worst;
    }

    /** SparkMain with stdout and stderr captured: {exit code, out, err}. */
    private static String[] run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = SparkMain.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8)};
    }
}
