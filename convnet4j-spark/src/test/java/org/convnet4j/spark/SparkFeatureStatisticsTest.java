package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.SavedFeatureStatistics;
import org.convnet4j.tensor.Shape;
import org.convnet4j.transfer.FeatureStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A saved model's feature statistics computed on the executors equal the in-process ones on ImageFolderDataset. */
class SparkFeatureStatisticsTest {
    @Test
    void executorsComputeTheSameStatisticsAsImageFolderDatasetInProcess(@TempDir Path dir) throws Exception {
        SparkSession spark = TestSpark.session();
        Path folder = TestSpark.stripeFolder(dir.resolve("stripes"), 45, 23);
        Preprocessing prep = Preprocessing.forInput(Shape.of(1, 28, 28));
        Path model = TestSpark.lenetFile(dir, List.of("horizontal", "vertical"));
        Path local = Files.copy(model, dir.resolve("local.c4j"));
        Path distributed = Files.copy(model, dir.resolve("spark.c4j"));
        ImageFolderDataset pictures = ImageFolderDataset.builder(folder).channels(1).transform(prep.transform()).build();
        PictureFolder listed = PictureFolder.list(folder.toString(), prep, spark.sparkContext().hadoopConfiguration());

        // 50 of 90 pictures: the seeded sample must be the same one on both sides
        FeatureStatistics a = SavedFeatureStatistics.addTo(local, pictures, 50);
        FeatureStatistics b = SavedFeatureStatistics.addTo(distributed, listed, 50, new SparkFeatureStatistics(spark, 3));
        assertEquals(a.layer(), b.layer());
        for (String key : List.of(FeatureStatistics.KEY, FeatureStatistics.INPUT_KEY)) {
            FeatureStatistics x = FeatureStatistics.savedIn(Checkpoint.load(local).description(), key, "local")
                    .orElseThrow();
            FeatureStatistics y = FeatureStatistics.savedIn(Checkpoint.load(distributed).description(), key, "spark")
                    .orElseThrow();
            assertEquals(50, x.count());
            assertEquals(x.count(), y.count(), key);
            assertEquals(x.layer(), y.layer(), key);
            assertEquals(x.mean().length, y.mean().length, key);
            double spread = 0;
            for (int j = 0; j < x.mean().length; j++) {
                assertEquals(x.mean()[j], y.mean()[j], 1e-5 * (1 + Math.abs(x.mean()[j])), key + " mean " + j);
                assertEquals(x.variance()[j], y.variance()[j], 1e-5 * (1 + x.variance()[j]), key + " variance " + j);
                spread += x.variance()[j];
            }
            assertTrue(spread > 0, key + ": the statistics describe something");
        }
    }
}
