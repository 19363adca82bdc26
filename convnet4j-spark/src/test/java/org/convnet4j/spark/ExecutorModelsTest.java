package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * A task's engine gets the cores Spark gives that task ({@code spark.task.cpus}, 1 in the tests' local[2]
     * session), not every processor of the machine (the engine's default: 2 on this project's 2-core machines): the
     * model a task borrows sets convnet4j's thread count ({@link EngineThreads#PROPERTY}) from the task, and a count the user set is kept.
     */
    @Test
    void aTasksEngineGetsTheTasksCores() throws Exception {
        Path pictures = TestSpark.stripeFolder(dir.resolve("threads"), 2, 7);
        Path model = TestSpark.lenetFile(Files.createDirectories(dir.resolve("t")), List.of("horizontal", "vertical"));
        SparkSession spark = TestSpark.session();
        String before = System.getProperty(EngineThreads.PROPERTY);
        try {
            System.clearProperty(EngineThreads.PROPERTY);
            classNames(spark, model, pictures);
            assertEquals(Integer.toString(spark.sparkContext().conf().getInt("spark.task.cpus", 1)),
                    System.getProperty(EngineThreads.PROPERTY), "threads after a task borrowed a model");
            System.setProperty(EngineThreads.PROPERTY, "3");
            classNames(spark, model, pictures);
            assertEquals("3", System.getProperty(EngineThreads.PROPERTY), "a count the user set");
        } finally {
            if (before == null) {
                System.clearProperty(EngineThreads.PROPERTY);
            } else {
                System.setProperty(EngineThreads.PROPERTY, before);
            }
        }
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
