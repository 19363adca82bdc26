package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broadcast ids count from 0 in every SparkContext. A JVM that runs one application after another (local mode; the
 * cluster test's JVM ran a prediction, then another with a different model, and got the first model's class names)
 * must build each application's model from that application's broadcast, not reuse an earlier one's instance that
 * has the same id.
 */
class ExecutorModelsTest {
    @TempDir
    Path dir;

    @Test
    void aLaterApplicationInTheSameJvmGetsItsOwnModel() throws Exception {
        Path pictures = TestSpark.stripeFolder(dir.resolve("pictures"), 3, 5);
        Path first = TestSpark.lenetFile(Files.createDirectories(dir.resolve("a")), List.of("horizontal", "vertical"));
        Path second = TestSpark.lenetFile(Files.createDirectories(dir.resolve("b")), List.of("left", "right"));
        // each application does the same from a fresh context, so the two models' broadcasts get the same id (a
        // session left running by an earlier test class is stopped; none is started only to be stopped)
        TestSpark.stopIfRunning();
        Set<String> before = classNames(TestSpark.session(), first, pictures);
        assertTrue(Set.of("horizontal", "vertical").containsAll(before), before.toString());
        TestSpark.session().stop();
        Set<String> after = classNames(TestSpark.session(), second, pictures);
        assertTrue(!after.isEmpty() && Set.of("left", "right").containsAll(after),
                "the second application's answers should be its own model's classes: " + after);
    }

    private static Set<String> classNames(SparkSession spark, Path model, Path pictures) throws Exception {
        Set<String> names = new TreeSet<>();
        for (Row r : ConvNetClassifierModel.fromFile(spark, model.toString()).setBatchSize(2)
                .transform(spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                        .load(pictures.toString()).coalesce(1))
                .select("className").collectAsList()) {
            names.add(r.getString(0));
        }
        return names;
    }
}
