package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.convnet4j.image.Images;
import org.convnet4j.spark.ConvNetFeaturizer;
import org.convnet4j.spark.ConvNetPipelines;
import org.convnet4j.spark.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Spark ML user gets from the pipeline {@code spark transfer} saves (Spark's examples: a StringIndexer fitted
 * on the label strings, the classifier, an IndexToString giving the predicted label back as a string): class names,
 * never bare indices, and indices that follow the class folders' order.
 */
class SparkTransferPipelineTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path labelled;
    static Path pipeline;

    /** Unbalanced on purpose: more "vertical" than "horizontal", so frequency order is not the folders' order. */
    @BeforeAll
    static void transfer() throws Exception {
        TestSpark.session();
        model = TestSpark.lenetFile(dir, List.of("a", "b"));
        labelled = TestSpark.stripeFolder(dir.resolve("labelled"), 8, 41);
        Random r = new Random(42);
        for (int i = 0; i < 6; i++) {
            Images.write(TestSpark.stripes(false, r), labelled.resolve("vertical").resolve("extra-" + i + ".png"));
        }
        pipeline = dir.resolve("pipeline");
        // 5 iterations of the logistic regression (each a Spark job; the default 100 took ~20 here): what is checked
        // is the pipeline's stages, names and order, not how well it fits
        String[] out = CliRun.run("transfer", "--master", "local[2]", "--base", model.toString(), "--images",
                labelled.toString(), "-o", pipeline.toString(), "--max-iter", "5");
        assertEquals("0", out[0], out[2]);
    }

    @Test
    void thePipelinePredictsTheFoldersNamesAndIndexesThemInFolderOrder() throws Exception {
        SparkSession spark = TestSpark.session();
        PipelineModel fitted = PipelineModel.load(pipeline.toString());
        StringIndexerModel indexer = (StringIndexerModel) fitted.stages()[0];
        // index i = the i-th class folder by name (StringIndexer's default, by frequency, would put vertical first)
        assertEquals(List.of("horizontal", "vertical"), List.of(indexer.labelsArray()[0]));
        IndexToString names = (IndexToString) fitted.stages()[fitted.stages().length - 1];
        assertEquals(List.of("horizontal", "vertical"), List.of(names.getLabels()));
        assertEquals("className", ConvNetPipelines.classNameColumn(fitted));

        // new pictures without labels: the indexer has nothing to index (skipped), the answer is a folder's name
        Path fresh = TestSpark.stripeFolder(dir.resolve("fresh"), 5, 77);
        Dataset<Row> pictures = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(fresh.toString());
        List<Row> rows = ConvNetPipelines.transform(fitted, pictures).select("path", "prediction", "className")
                .collectAsList();
        assertEquals(10, rows.size());
        Map<String, String> byName = new HashMap<>();
        for (Row row : rows) {
            String cls = row.getString(2);
            assertEquals(List.of("horizontal", "vertical").get((int) row.getDouble(1)), cls, row.toString());
            byName.put(Path.of(java.net.URI.create(row.getString(0)).getPath()).getFileName().toString(), cls);
        }

        // labelled pictures: label is the folder's index in that order, and the names agree with the CSV of predict
        Dataset<Row> withLabels = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(labelled.toString())
                .withColumn("label_name", functions.element_at(functions.split(functions.col("path"), "/"), -2));
        for (Row row : fitted.transform(withLabels).select("label_name", "label").collectAsList()) {
            assertEquals(row.getString(0).equals("horizontal") ? 0.0 : 1.0, row.getDouble(1), row.toString());
        }
        Path csv = dir.resolve("fresh.csv");
        String[] out = CliRun.run("predict", "--master", "local[2]", "--model", pipeline.toString(), "--images",
                fresh.toString(), "-o", csv.toString());
        assertEquals("0", out[0], out[2]);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(11, lines.size());
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertEquals(byName.get(Path.of(f[0]).getFileName().toString()), f[1], line);
        }
    }

    /**
     * A pipeline of one's own without an IndexToString gives indices only: spark predict says so in one line instead
     * of writing them (or failing with an internal error about a missing column); with one it writes the names.
     */
    @Test
    void predictRefusesAPipelineThatGivesOnlyIndices() throws Exception {
        SparkSession spark = TestSpark.session();
        Dataset<Row> withLabels = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(labelled.toString())
                .withColumn("label_name", functions.element_at(functions.split(functions.col("path"), "/"), -2));
        ConvNetFeaturizer features = ConvNetFeaturizer.fromFile(spark, model.toString());
        StringIndexerModel labels = new StringIndexer().setInputCol("label_name").setOutputCol("label").fit(withLabels);
        List<PipelineStage> stages = new ArrayList<>(List.of(labels, features, new LogisticRegression().setMaxIter(5)));
        PipelineModel indicesOnly = new Pipeline().setStages(stages.toArray(PipelineStage[]::new)).fit(withLabels);
        indicesOnly.write().overwrite().save(dir.resolve("indices-only").toString());
        String[] out = CliRun.run("predict", "--master", "local[2]", "--model", dir.resolve("indices-only").toString(),
                "--images", labelled.toString(), "-o", dir.resolve("indices.csv").toString());
        assertEquals("2", out[0], out[2]);
        assertEquals(1, out[2].strip().lines().count(), out[2]);
        assertTrue(out[2].contains("gives class indices but no class names"), out[2]);
        assertTrue(!Files.exists(dir.resolve("indices.csv")));

        // the same pipeline with Spark's IndexToString under a name of its own: predict writes the names (the fitted
        // stages reused: a pipeline of transformers only is fitted without passing any data through it)
        List<PipelineStage> named = new ArrayList<>(List.of(indicesOnly.stages()));
        named.add(new IndexToString().setInputCol("prediction").setOutputCol("predictedLabel")
                .setLabels(labels.labelsArray()[0]));
        new Pipeline().setStages(named.toArray(PipelineStage[]::new)).fit(withLabels).write().overwrite()
                .save(dir.resolve("with-names").toString());
        Path csv = dir.resolve("names.csv");
        out = CliRun.run("predict", "--master", "local[2]", "--model", dir.resolve("with-names").toString(),
                "--images", labelled.toString(), "-o", csv.toString());
        assertEquals("0", out[0], out[2]);
        for (String line : Files.readAllLines(csv).subList(1, 23)) {
            String cls = line.split(",")[1];
            assertTrue(cls.equals("horizontal") || cls.equals("vertical"), line);
        }
    }
}
