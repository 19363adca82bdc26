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

    /**
     * The warning that Spark's jars are uploaded is printed when they are, once per application: by the command that
     * starts the session (SparkSessions.start on a master no session of this JVM runs on), not by every command that
     * reuses it (several commands in one application: the test drivers, a user's program), and not when package-yarn's
     * archive is found (nothing of Spark uploaded). Before, the commands of a one-application run each printed it.
     */
    @Test
    void theUploadWarningIsPrintedOnlyByTheCommandThatStartsAnApplicationThatUploads(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.util.List<String> warned = new java.util.ArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(SparkSessions.class.getName());
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                warned.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try {
            java.nio.file.Path spark = java.nio.file.Files.write(dir.resolve("spark-core_2.13-3.5.6.jar"), new byte[3000]);
            org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
            java.net.URI folder = dir.resolve("cluster/.convnet4j").toUri();
            // no archive: Spark's jars are uploaded, and the warning says so, once
            assertEquals(Map.of("spark.yarn.jars", spark.toString()),
                    SparkSessions.yarnLibraries(Map.of(), null, spark.toString(), null, hadoop, folder));
            assertEquals(1, warned.size(), warned.toString());
            org.junit.jupiter.api.Assertions.assertTrue(warned.get(0).startsWith("uploading Spark's 1 jars"), warned.get(0));
            // package-yarn's archive there: nothing uploaded, nothing printed
            SparkYarnArchive.publish(java.util.List.of(spark), new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(
                    folder), SparkYarnArchive.fileName(java.util.List.of(spark))).toUri(), hadoop, false);
            assertEquals("spark.yarn.archive", SparkSessions.yarnLibraries(Map.of(), null, spark.toString(), null, hadoop,
                    folder).keySet().iterator().next());
            assertEquals(1, warned.size(), warned.toString());
        } finally {
            log.removeHandler(h);
        }

        // a session running on the master: start returns it as it is, the libraries are not worked out again
        org.apache.spark.sql.SparkSession running = TestSpark.session(); // local[2]
        int[] workedOut = {0};
        java.util.function.Supplier<Map<String, String>> count = () -> {
            workedOut[0]++;
            return Map.of("spark.yarn.jars", "x.jar");
        };
        assertEquals(Map.of(), SparkSessions.forANewSession("local[2]", count));
        assertEquals(0, workedOut[0], "worked out for a command reusing the running session");
        org.junit.jupiter.api.Assertions.assertSame(running, SparkSessions.start("x", "local[2]", Map.of()));
        // a master no session runs on: a new session's settings are worked out
        assertEquals(Map.of("spark.yarn.jars", "x.jar"), SparkSessions.forANewSession("yarn", count));
        assertEquals(1, workedOut[0]);
        org.junit.jupiter.api.Assertions.assertTrue(SparkSessions.runningOn("local[2]"));
        org.junit.jupiter.api.Assertions.assertFalse(SparkSessions.runningOn("yarn"));
    }

    /**
     * The Hadoop settings the commands check paths with before Spark starts: spark-submit's spark.hadoop.* (system
     * properties), overridden by the command's own, with the prefix cut; other keys are left out. A YARN client's
     * keeps them over yarn-default.xml (which names its own resourcemanager address).
     */
    @Test
    void theHadoopConfigurationHoldsEverySparkHadoopSettingWithoutItsPrefix() {
        String a = "spark.hadoop.convnet4j.test.a";
        String b = "spark.hadoop.yarn.resourcemanager.address";
        System.setProperty(a, "from-submit");
        System.setProperty(b, "rm-from-submit:1");
        try {
            org.apache.hadoop.conf.Configuration c = SparkSessions.hadoopConfiguration(Map.of(
                    "spark.hadoop.convnet4j.test.b", "given", "convnet4j.test.c", "not hadoop's"));
            assertEquals("from-submit", c.get("convnet4j.test.a"));
            assertEquals("given", c.get("convnet4j.test.b"));
            assertEquals(null, c.get("convnet4j.test.c"));
            assertEquals("given-rm:2", SparkSessions.hadoopConfiguration(Map.of(b, "given-rm:2"))
                    .get("yarn.resourcemanager.address"));
            org.apache.hadoop.conf.Configuration yarn = SparkSessions.yarnConf(Map.of());
            assertEquals("rm-from-submit:1", yarn.get("yarn.resourcemanager.address"));
            assertEquals("from-submit", yarn.get("convnet4j.test.a"));
        } finally {
            System.clearProperty(a);
            System.clearProperty(b);
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
    /**
     * Outside a Spark distribution (the launcher: no SPARK_HOME) a yarn application gets the class path's jars but
     * convnet4j's own as spark.yarn.jars (YARN's containers would otherwise look for SPARK_HOME/jars and the driver
     * fail); anything the user or spark-submit set wins.
     */
    @Test
    void yarnGetsTheClassPathsSparkJarsOnlyWhenNothingElseSaysWhereTheyAre(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        java.nio.file.Path a = java.nio.file.Files.createFile(dir.resolve("spark-core_2.13-3.5.6.jar"));
        java.nio.file.Path b = java.nio.file.Files.createFile(dir.resolve("hadoop-client-api-3.3.4.jar"));
        java.nio.file.Path own = java.nio.file.Files.createFile(dir.resolve("convnet4j-spark.jar"));
        String cp = String.join(java.io.File.pathSeparator, own.toString(), a.toString(), dir.resolve("conf").toString(),
                b.toString(), dir.resolve("missing.jar").toString());
        assertEquals(a + "," + b, SparkSessions.yarnJars(Map.of(), null, cp, own.toString()));
        assertEquals(null, SparkSessions.yarnJars(Map.of(), "/opt/spark", cp, own.toString()));
        assertEquals(null, SparkSessions.yarnJars(Map.of("spark.yarn.jars", "local:/opt/spark/jars/*"), null, cp,
                own.toString()));
        assertEquals(null, SparkSessions.yarnJars(Map.of("spark.yarn.archive", "hdfs:///spark/jars.zip"), null, cp,
                own.toString()));
        System.setProperty("spark.yarn.archive", "hdfs:///spark/jars.zip"); // as spark-submit passes its --conf
        try {
            assertEquals(null, SparkSessions.yarnJars(Map.of(), null, cp, own.toString()));
        } finally {
            System.clearProperty("spark.yarn.archive");
        }
    }
}
