package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.convnet4j.tensor.Tensor;

/** What the tests of training and of clusters share: comparing weights, a driver's settings, stopping JVMs. */
final class ClusterTests {
    private ClusterTests() {
    }

    /** The largest absolute difference between two sets of weights of the same names (asserted) and sizes. */
    static double largestDifference(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        double worst = 0;
        for (String k : want.keySet()) {
            float[] x = want.get(k).data();
            float[] y = got.get(k).data();
            assertEquals(x.length, y.length, k);
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
        }
        return worst;
    }

    /**
     * The spark-submit settings of a driver on {@code host} for a standalone cluster the tests started, patient with a
     * loaded machine (memory, cores and the executors' JVM options are spark-submit options of their own).
     */
    static List<String> driverConf(String host) {
        return List.of(
                "--conf", "spark.driver.host=" + host, "--conf", "spark.driver.bindAddress=" + host,
                // no web UI (a Jetty server and its pages per driver): nothing here looks at it
                "--conf", "spark.ui.enabled=false",
                // a loaded machine stalls JVMs for many seconds: only the kill may remove an executor, not a late
                // heartbeat (a killed executor is still noticed at once, its connection and its worker report it)
                "--conf", "spark.network.timeout=600s", "--conf", "spark.executor.heartbeatInterval=30s",
                // a ring exchange is a barrier stage, which Spark submits only when the free task slots suffice; after
                // a kill it checks again every 15 s by default (40 times): every second instead, as many seconds in all
                "--conf", "spark.scheduler.barrier.maxConcurrentTasksCheck.interval=1s",
                "--conf", "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures=600");
    }

    /** The main classes of a standalone cluster's own JVMs: they keep the cluster's state and start executors. */
    private static final java.util.Set<String> DAEMONS = java.util.Set.of("org.apache.spark.deploy.master.Master",
            "org.apache.spark.deploy.worker.Worker");

    /**
     * The JVM option of the JVMs the tests start that run no convnet4j engine code (a master, a worker, a YARN client
     * ApplicationMaster, spark-submit's client in cluster deploy mode): the C1 compiler only, no C2. Such a JVM spends
     * about 40 % less CPU (a Spark JVM's start and a tiny job: 2.9 against 4.8 CPU-s, loaded; docs/SPARK.md, "Test time
     * (session 11)"). Since session 13 the tests' drivers and executors get C1 only as well ({@link #jitOptions()}, the
     * POM's spark.test.jit.args): their engine work is small.
     */
    static final String CLIENT_COMPILER_ONLY = "-XX:TieredStopAtLevel=1";

    /**
     * The JIT options of the test JVMs (the POM's {@code spark.test.jit.args}: C1 only) for the JVMs the tests do not
     * start themselves, which {@code convnet4j.spark.testJvmArgs} does not reach: the drivers and executors Spark starts
     * (spark-submit's, the workers' executors, YARN's containers). Empty when the property is not set.
     */
    static String jitOptions() {
        return System.getProperty("convnet4j.spark.testJitArgs", "").trim();
    }

    /** {@code options} followed by {@link #jitOptions()}, one space between. */
    static String withJit(String options) {
        String jit = jitOptions();
        return jit.isEmpty() ? options : options + " " + jit;
    }

    /**
     * The command of a cluster JVM (master, worker, driver) the tests start: this JVM's java, the JVM options Spark
     * needs as surefire gives them to this module's tests, 1 GB of heap ({@link #CLIENT_COMPILER_ONLY} for a master or
     * a worker), the archive's options and class path, then {@code mainAndArgs}.
     */
    static List<String> clusterJvm(List<String> mainAndArgs) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : System.getProperty("convnet4j.spark.testJvmArgs", "").trim().split("\\s+")) {
            if (!a.isEmpty()) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx1g");
        if (mainAndArgs.stream().anyMatch(DAEMONS::contains)) {
            cmd.add(CLIENT_COMPILER_ONLY);
        }
        cmd.addAll(SparkCds.options());
        // the master drops a worker whose heartbeat is 60 s late by default; a loaded machine can stall that long
        cmd.add("-Dspark.worker.timeout=600");
        cmd.add("-cp");
        cmd.add(SparkCds.classPath());
        cmd.addAll(mainAndArgs);
        return cmd;
    }

    /**
     * A jar in {@code folder} holding only the test driver {@link org.convnet4j.spark.cli.CommandsInOneApplication}
     * (several spark commands in one application) and {@link HoldingFileSystem} (a test's {@code held:} files): for
     * spark-submit's {@code --jars} or a driver's class path, next to the shaded jar it runs the commands from.
     */
    static Path commandsDriverJar(Path folder) throws IOException {
        return testClassesJar(folder.resolve("commands-driver.jar"),
                List.of(org.convnet4j.spark.cli.CommandsInOneApplication.class, HoldingFileSystem.class));
    }

    /**
     * The jar {@code jar} holding only {@code classes}, test classes without nested ones (their class files as
     * compiled): test code for spark-submit's {@code --jars}, which the driver and the executors load next to the
     * shaded jar.
     */
    static Path testClassesJar(Path jar, List<Class<?>> classes) throws IOException {
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Class<?> c : classes) {
                try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
                    out.putNextEntry(new ZipEntry(c.getName().replace('.', '/') + ".class"));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return jar;
    }

    /** Stops the JVMs a test started (and what they started), the last started first. */
    static void stopAll(List<Process> started) {
        for (int i = started.size() - 1; i >= 0; i--) {
            Process p = started.get(i);
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
