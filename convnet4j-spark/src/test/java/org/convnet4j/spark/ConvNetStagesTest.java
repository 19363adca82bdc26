package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.Prediction;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.image.Images;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvNetStagesTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path model;
    static Path train;
    static Path fresh;

    @BeforeAll
    static void setUp() throws Exception {
        spark = TestSpark.session();
        model = TestSpark.lenetFile(dir, List.of("horizontal", "vertical"));
        train = TestSpark.stripeFolder(dir.resolve("train"), 24, 1);
        fresh = TestSpark.stripeFolder(dir.resolve("new"), 15, 2);
        Files.write(fresh.resolve("vertical").resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    }

    private static Dataset<Row> binary(Path folder) {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(folder.toString())
                .repartition(3);
    }

    @Test
    void classifierGivesTheInProcessAnswersAndAnErrorColumnForABrokenPicture() throws Exception {
        ConvNetClassifierModel stage = ConvNetClassifierModel.fromFile(spark, model.toString()).setBatchSize(4);
        List<Row> rows = stage.transform(binary(fresh)).select("path", "prediction", "probability", "className", "error")
                .collectAsList();
        assertEquals(31, rows.size());
        ImageClassifier local = ImageClassifier.load(model);
        int broken = 0;
        for (Row r : rows) {
            Path file = Path.of(new java.net.URI(r.getString(0)));
            if (file.getFileName().toString().equals("broken.png")) {
                broken++;
                assertTrue(r.isNullAt(1) && r.isNullAt(2) && r.isNullAt(3), "no outputs for a broken picture");
                assertTrue(r.getString(4).contains("broken.png"), r.getString(4));
                continue;
            }
            assertNull(r.get(4));
            Prediction top = local.predict(file, 1).get(0);
            assertEquals(top.label(), (int) r.getDouble(1), file.toString());
            assertEquals(top.className(), r.getString(3));
            Vector p = r.getAs(2);
            assertEquals(top.probability(), p.apply(top.label()), 1e-6);
            assertEquals(1.0, p.toArray()[0] + p.toArray()[1], 1e-6);
        }
        assertEquals(1, broken);
    }

    @Test
    void failFastFailsTheJobOnABrokenPicture() throws Exception {
        ConvNetClassifierModel stage = ConvNetClassifierModel.fromFile(spark, model.toString()).setFailFast(true);
        Exception e = assertThrows(Exception.class, () -> stage.transform(binary(fresh)).collectAsList());
        assertTrue(String.valueOf(e.getMessage()).contains("broken.png"), e.getMessage());
    }

    @Test
    void imageDataSourceStructGivesTheSameFeaturesAsEncodedFiles() throws Exception {
        ConvNetFeaturizer f = ConvNetFeaturizer.fromFile(spark, model.toString()).setCutLayer("pool2");
        Dataset<Row> images = spark.read().format("image").option("dropInvalid", "true")
                .load(fresh.resolve("horizontal").toString());
        Map<String, Vector> fromStruct = new HashMap<>();
        for (Row r : f.setInputCol("image").transform(images).select("image.origin", "features").collectAsList()) {
            fromStruct.put(Path.of(new java.net.URI(r.getString(0))).getFileName().toString(), r.getAs(1));
        }
        ConvNetFeaturizer g = ConvNetFeaturizer.fromFile(spark, model.toString()).setCutLayer("pool2");
        Sequential cut = Transfer.cutAt((Sequential) ModelFiles.load(model), "pool2");
        int n = 0;
        for (Row r : g.transform(binary(fresh.resolve("horizontal"))).select("path", "features").collectAsList()) {
            Path file = Path.of(new java.net.URI(r.getString(0)));
            Vector v = r.getAs(1);
            assertEquals(16 * 5 * 5, v.size());
            assertEquals(v, fromStruct.get(file.getFileName().toString()));
            float[] expected = cut.predict(ModelFiles.read(model).preprocessing().apply(Images.read(file))
                    .reshape(1, 1, 28, 28)).data();
            for (int j = 0; j < expected.length; j++) {
                assertEquals(expected[j], v.apply(j), 1e-5);
            }
            n++;
        }
        assertEquals(15, n);
    }

    @Test
    void aMissingCutLayerFailsOnTheDriverNamingTheLayers() throws Exception {
        ConvNetFeaturizer f = ConvNetFeaturizer.fromFile(spark, model.toString()).setCutLayer("conv9");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.transform(binary(fresh)));
        assertTrue(e.getMessage().contains("conv9") && e.getMessage().contains("pool2"), e.getMessage());
    }

    /** Case 1 at scale: features + MLlib logistic regression, fitted, saved, loaded, applied to new pictures. */
    @Test
    void featurizerAndLogisticRegressionPipelineSavesLoadsAndPredictsNewPictures() throws Exception {
        Dataset<Row> labelled = binary(train).withColumn("label_name",
                functions.element_at(functions.split(functions.col("path"), "/"), -2));
        StringIndexer indexer = new StringIndexer().setInputCol("label_name").setOutputCol("label");
        ConvNetFeaturizer features = ConvNetFeaturizer.fromFile(spark, model.toString());
        LogisticRegression lr = new LogisticRegression().setMaxIter(20).setRegParam(0.01);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {indexer, features, lr}).fit(labelled);
        String saved = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(saved);
        PipelineModel loaded = PipelineModel.load(saved);
        String[] labels = ((StringIndexerModel) loaded.stages()[0]).labelsArray()[0];
        IndexToString names = new IndexToString().setInputCol("prediction").setOutputCol("predicted").setLabels(labels);
        Dataset<Row> test = binary(fresh).filter(functions.not(functions.col("path").endsWith("broken.png")))
                .withColumn("label_name", functions.element_at(functions.split(functions.col("path"), "/"), -2));
        List<Row> out = names.transform(loaded.transform(test)).select("label_name", "predicted").collectAsList();
        assertEquals(30, out.size());
        long right = out.stream().filter(r -> r.getString(0).equals(r.getString(1))).count();
        assertTrue(right >= 27, right + " of 30 new pictures classified right");
        assertNotNull(loaded.stages()[1]);
        assertEquals(ConvNetFeaturizer.class, loaded.stages()[1].getClass());
    }
}
