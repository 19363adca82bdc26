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
    private final String before = System.getProperty(KEY);

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(KEY);
        } else {
            System.setProperty(KEY, before);
        }
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
