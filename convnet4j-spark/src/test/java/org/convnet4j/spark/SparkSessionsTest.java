package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The executors' JVM options SparkSessions.start gives a cluster: added to what the application already set, not put
 * instead of it. spark-submit passes its {@code --conf} to the driver as system properties (StandaloneClusterIT checks
 * the same through a real spark-submit, on the executors' command lines).
 */
class SparkSessionsTest {
    private static final String KEY = "spark.executor.extraJavaOptions";
    private static final String JARS = "spark.jars";
    private final String before = System.getProperty(KEY);
    private final String jarsBefore = System.getProperty(JARS);

    @AfterEach
    void restore() {
        for (String[] kv : new String[][] {{KEY, before}, {JARS, jarsBefore}}) {
            if (kv[1] == null) {
                System.clearProperty(kv[0]);
            } else {
                System.setProperty(kv[0], kv[1]);
            }
        }
    }

    /**
     * spark-submit's application jar and --jars (spark.jars, a system property of the driver) are kept and ours added
     * once: cluster deploy mode and --jars work (StandaloneClusterIT runs both through spark-submit).
     */
    @Test
    void sparkSubmitsJarsAreKeptAndOursAddedOnce() {
        System.clearProperty(JARS);
        assertEquals("/opt/c4j/convnet4j-spark.jar", SparkSessions.jars(Map.of(), "/opt/c4j/convnet4j-spark.jar"));
        assertEquals("", SparkSessions.jars(Map.of(), null));
        System.setProperty(JARS, "file:/jobs/extra.jar,hdfs://nn:8020/jobs/udfs.jar");
        assertEquals("file:/jobs/extra.jar,hdfs://nn:8020/jobs/udfs.jar,/work/driver-1/convnet4j-spark.jar",
                SparkSessions.jars(Map.of(), "/work/driver-1/convnet4j-spark.jar"));
        // the application jar by its submitted URL is the jar the driver runs from (the worker copied it): not twice
        System.setProperty(JARS, "hdfs://nn:8020/jobs/convnet4j-spark.jar,file:/jobs/extra.jar,file:/jobs/extra.jar");
        assertEquals("hdfs://nn:8020/jobs/convnet4j-spark.jar,file:/jobs/extra.jar",
                SparkSessions.jars(Map.of(), "/work/driver-1/convnet4j-spark.jar"));
        // the command's own --conf spark.jars takes the place of spark-submit's, ours still added
        assertEquals("/a.jar,/opt/convnet4j-spark.jar", SparkSessions.jars(Map.of(JARS, "/a.jar"), "/opt/convnet4j-spark.jar"));
    }

    @Test
    void nothingGivenMeansOurOptionsAlone() {
        System.clearProperty(KEY);
        assertEquals(SparkSessions.EXECUTOR_JVM_OPTIONS, SparkSessions.executorJavaOptions(Map.of()));
    }

    @Test
    void sparkSubmitsOptionsAreKeptAndOursAdded() {
        System.setProperty(KEY, "-Dlog4j2.configurationFile=/etc/ours.properties -XX:+UseG1GC");
        assertEquals("-Dlog4j2.configurationFile=/etc/ours.properties -XX:+UseG1GC " + SparkSessions.EXECUTOR_JVM_OPTIONS,
                SparkSessions.executorJavaOptions(Map.of("spark.executor.memory", "2g")));
    }

    @Test
    void theCommandsConfIsKeptAndOursAddedAndItReplacesSparkSubmits() {
        System.setProperty(KEY, "-Dfrom=submit");
        assertEquals("-Dfrom=command " + SparkSessions.EXECUTOR_JVM_OPTIONS,
                SparkSessions.executorJavaOptions(Map.of(KEY, "-Dfrom=command")));
    }
}
