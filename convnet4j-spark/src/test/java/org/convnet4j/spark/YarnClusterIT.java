package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMApp;
import org.convnet4j.spark.cli.SparkMain;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real YARN on this machine: Hadoop's {@code MiniYARNCluster} (a ResourceManager and one NodeManager in this JVM,
 * every port ephemeral on 127.0.0.1, the NodeManager starting containers as separate JVMs with Hadoop's
 * {@code DefaultContainerExecutor}), its configuration written to a {@code yarn-site.xml} in a folder given as
 * {@code HADOOP_CONF_DIR}, as a cluster's client machine has it. {@code spark predict --master yarn} runs the shaded
 * jar with Spark's jars, as {@code ./convnet4j spark} runs it:
 *
 * <ul>
 *   <li>client deploy mode: the driver is a JVM of this test, the ApplicationMaster and the executor are YARN
 *       containers; the CSV equals the local[2] run's byte for byte, and the ResourceManager saw the application
 *       finish with SUCCEEDED;</li>
 *   <li>cluster deploy mode through Spark's launcher (what {@code spark-submit --master yarn --deploy-mode cluster}
 *       runs): the driver runs in the ApplicationMaster's container from the uploaded application jar; the same CSV,
 *       SUCCEEDED in one attempt.</li>
 * </ul>
 *
 * <p>Spark's jars reach the containers as {@code spark.yarn.jars} = {@code local:} paths (the test class path's Spark
 * jars; a cluster has them installed on every node): nothing of Spark is uploaded. The NodeManager's memory checks are
 * off (a loaded machine; virtual memory of JVMs is no measure of use) and its memory is 4 GB.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YarnClusterIT {
    @TempDir
    static Path dir;

    private MiniYARNCluster yarn;
    private Path confDir;
    private Path jar;
    private List<String> sparkJars;
    private Path model;
    private Path pictures;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    void startYarn() throws Exception {
        long t0 = System.nanoTime();
        YarnConfiguration c = new YarnConfiguration();
        // every address on 127.0.0.1 with an ephemeral port (MiniYARNCluster would use the host name otherwise)
        c.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
        for (String key : List.of(YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
                YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
                YarnConfiguration.RM_WEBAPP_ADDRESS, YarnConfiguration.NM_ADDRESS,
                YarnConfiguration.NM_LOCALIZER_ADDRESS, YarnConfiguration.NM_WEBAPP_ADDRESS,
                YarnConfiguration.NM_COLLECTOR_SERVICE_ADDRESS)) {
            c.set(key, "127.0.0.1:0");
        }
        c.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        c.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        c.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        c.setInt(YarnConfiguration.NM_PMEM_MB, 4096);
        c.setInt(YarnConfiguration.NM_VCORES, 4);
        c.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        c.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        // the capacity scheduler's one queue (the shaded minicluster has no capacity-scheduler.xml), AMs may use half
        c.set("yarn.scheduler.capacity.root.queues", "default");
        c.set("yarn.scheduler.capacity.root.default.capacity", "100");
        c.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        c.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
        c.set("yarn.scheduler.capacity.node-locality-delay", "-1");
        yarn = new MiniYARNCluster("YarnClusterIT", 1, 1, 1);
        yarn.init(c);
        yarn.start();
        // the ResourceManager writes its bound port into the configuration once its services run
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(yarn.waitForNodeManagersToConnect(120_000), "the NodeManager did not register");
        confDir = Files.createDirectories(dir.resolve("hadoop-conf"));
        try (OutputStream out = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
            yarn.getConfig().writeXml(out);
        }
        System.out.printf("YarnClusterIT: MiniYARNCluster (RM %s, 1 NM) up in %.1f s%n",
                yarn.getConfig().get(YarnConfiguration.RM_ADDRESS), (System.nanoTime() - t0) / 1e9);

        jar = Path.of(System.getProperty("convnet4j.spark.jar"));
        assertTrue(Files.isRegularFile(jar), "no shaded jar at " + jar + " (built in the package phase)");
        sparkJars = Arrays.asList(Files.readString(Path.of(System.getProperty("convnet4j.spark.classpathFile")))
                .trim().split(":"));
        model = TestSpark.lenetFile(Files.createDirectories(dir.resolve("model")), List.of("horizontal", "vertical"));
        pictures = TestSpark.stripeFolder(dir.resolve("pictures"), 12, 19);
    }

    @AfterAll
    void stop() {
        ClusterTests.stopAll(started);
        if (yarn != null) {
            yarn.stop();
        }
    }

    /** What every application here sets: Spark's jars from the nodes' disks, small containers, a patient driver. */
    private List<String> yarnConf() {
        String java = System.getProperty("java.home");
        return List.of(
                "spark.yarn.jars=" + sparkJars.stream().map(j -> "local:" + j).collect(Collectors.joining(",")),
                "spark.yarn.stagingDir=" + dir.resolve("staging").toUri(),
                "spark.yarn.maxAppAttempts=1",
                "spark.executor.instances=1", "spark.executor.cores=2", "spark.executor.memory=512m",
                "spark.yarn.am.memory=384m",
                // the NodeManager's JVM has no JAVA_HOME of its own here (a cluster's has)
                "spark.yarn.appMasterEnv.JAVA_HOME=" + java, "spark.executorEnv.JAVA_HOME=" + java,
                "spark.network.timeout=600s", "spark.executor.heartbeatInterval=30s");
    }

    private static List<String> confArgs(List<String> conf) {
        List<String> a = new ArrayList<>();
        for (String kv : conf) {
            a.add("--conf");
            a.add(kv);
        }
        return a;
    }

    private List<String> predict(String master, Path out) {
        return new ArrayList<>(List.of("predict", "--master", master, "--model", model.toString(), "--images",
                pictures.toString(), "-o", out.toString(), "--partitions", "4", "--batch", "8"));
    }

    /** The local[2] run of the same prediction: what both YARN runs must write, byte for byte. */
    private byte[] localCsv() throws IOException {
        Path want = dir.resolve("local.csv");
        if (!Files.exists(want)) {
            assertEquals(0, SparkMain.run(predict("local[2]", want).toArray(String[]::new)));
        }
        return Files.readAllBytes(want);
    }

    @Test
    void predictInClientDeployMode() throws Exception {
        long t0 = System.nanoTime();
        Path out = dir.resolve("client.csv");
        List<String> cmd = new ArrayList<>(List.of(javaBin()));
        cmd.addAll(testJvmArgs());
        cmd.addAll(List.of("-Xmx1g", "-cp", jar + ":" + String.join(":", sparkJars) + ":" + confDir,
                SparkMain.class.getName()));
        cmd.addAll(predict("yarn", out));
        cmd.addAll(confArgs(yarnConf()));
        cmd.addAll(List.of("--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1"));
        String log = run("client", cmd);
        assertTrue(log.contains("24 pictures, 24 classified, 0 could not be decoded"), log);
        assertArrayEquals(localCsv(), Files.readAllBytes(out), "client mode's CSV differs from local[2]'s");
        RMApp app = onlyApp("convnet4j PredictCommand", "client");
        assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(), app.getDiagnostics().toString());
        assertTrue(executorsRanTasks(app), "no executor container of " + app.getApplicationId() + " ran a task");
        System.out.printf("YarnClusterIT: client deploy mode, %s, %.1f s%n", app.getApplicationId(),
                (System.nanoTime() - t0) / 1e9);
    }

    @Test
    void predictInClusterDeployModeThroughSparkSubmit() throws Exception {
        long t0 = System.nanoTime();
        Path sparkHome = dir.resolve("spark-home");
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        for (String j : sparkJars) {
            Path p = Path.of(j);
            if (!Files.exists(jars.resolve(p.getFileName()))) {
                Files.createSymbolicLink(jars.resolve(p.getFileName()), p);
            }
        }
        Path out = dir.resolve("cluster.csv");
        List<String> submit = new ArrayList<>(List.of(javaBin(), "-cp", jars + "/*", "org.apache.spark.launcher.Main",
                "org.apache.spark.deploy.SparkSubmit", "--master", "yarn", "--deploy-mode", "cluster",
                "--name", "convnet4j-cluster-mode", "--class", SparkMain.class.getName(), "--driver-memory", "768m",
                "--driver-java-options", "--add-modules jdk.incubator.vector -Xss4m"));
        submit.addAll(confArgs(yarnConf()));
        submit.add(jar.toString());
        submit.addAll(predict("yarn", out));
        ProcessBuilder b = new ProcessBuilder(submit);
        Map<String, String> env = b.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("HADOOP_CONF_DIR", confDir.toString());
        Process launcher = b.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] printed = launcher.getInputStream().readAllBytes();
        assertEquals(0, launcher.waitFor(), "Spark's launcher failed");
        // the launcher prints the command, each argument ended by NUL (bin/spark-class reads it the same way)
        List<String> command = Arrays.stream(new String(printed, java.nio.charset.StandardCharsets.UTF_8).split("\0"))
                .map(String::strip).filter(a -> !a.isEmpty()).toList();
        assertTrue(command.contains("org.apache.spark.deploy.SparkSubmit"), command.toString());
        String log = run("cluster", command, env);
        RMApp app = onlyApp("convnet4j-cluster-mode", "cluster");
        assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(),
                app.getDiagnostics() + "\n" + log);
        assertEquals(1, app.getAppAttempts().size(), "one attempt: " + app.getDiagnostics());
        assertTrue(containerLogs(app).contains("24 pictures, 24 classified, 0 could not be decoded"),
                "the driver's summary is not in the ApplicationMaster's log:\n" + tail(containerLogs(app)));
        assertArrayEquals(localCsv(), Files.readAllBytes(out), "cluster mode's CSV differs from local[2]'s");
        System.out.printf("YarnClusterIT: cluster deploy mode, %s, %.1f s%n", app.getApplicationId(),
                (System.nanoTime() - t0) / 1e9);
    }

    private String run(String name, List<String> cmd) throws Exception {
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().put("HADOOP_CONF_DIR", confDir.toString());
        return run(name, cmd, b.environment());
    }

    /** Runs {@code cmd} with {@code env}; asserts exit 0 within 10 minutes; returns its output. */
    private String run(String name, List<String> cmd, Map<String, String> env) throws Exception {
        Path log = dir.resolve(name + ".log");
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().clear();
        b.environment().putAll(env);
        Process p = b.start();
        started.add(p);
        boolean done = p.waitFor(600, TimeUnit.SECONDS);
        String text = Files.readString(log);
        assertTrue(done, name + " did not finish:\n" + tail(text));
        assertEquals(0, p.exitValue(), name + ":\n" + tail(text) + "\n---- containers\n" + allContainerLogs());
        return text;
    }

    private RMApp onlyApp(String name, String mode) {
        List<RMApp> apps = yarn.getResourceManager().getRMContext().getRMApps().values().stream()
                .filter(a -> a.getName().equals(name)).toList();
        assertEquals(1, apps.size(), mode + " mode: applications named '" + name + "' on the ResourceManager: " + apps);
        return apps.get(0);
    }

    /** The containers' logs of {@code app} (the NodeManager's log folders), all files joined. */
    private String containerLogs(RMApp app) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String logDir : yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path appDir = Path.of(logDir, app.getApplicationId().toString());
            if (!Files.isDirectory(appDir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(appDir)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    b.append("---- ").append(f).append('\n').append(Files.readString(f));
                }
            }
        }
        return b.toString();
    }

    private String allContainerLogs() throws IOException {
        StringBuilder b = new StringBuilder();
        for (RMApp app : yarn.getResourceManager().getRMContext().getRMApps().values()) {
            b.append("==== ").append(app.getApplicationId()).append(' ').append(app.getDiagnostics()).append('\n')
                    .append(tail(containerLogs(app)));
        }
        return b.toString();
    }

    private boolean executorsRanTasks(RMApp app) throws IOException {
        return containerLogs(app).contains("Running task");
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> testJvmArgs() {
        return Arrays.stream(System.getProperty("convnet4j.spark.testJvmArgs", "").trim().split("\\s+"))
                .filter(a -> !a.isEmpty()).toList();
    }

    private static String tail(String s) {
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }
}
