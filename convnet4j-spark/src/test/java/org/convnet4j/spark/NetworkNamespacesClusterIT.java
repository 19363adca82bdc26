package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.spark.cli.SparkMain;
import org.convnet4j.tensor.Shape;
import org.convnet4j.testsupport.NoSkipInCi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark standalone cluster on three separate network hosts of this machine ({@link NetworkNamespaces}: the master
 * in one network namespace, each worker in one of its own, each with its own address, loopback and ports), the driver
 * and HDFS in this JVM's namespace, reached over veth pairs and a bridge. The pictures and the model are on HDFS
 * (hdfs://BRIDGE:PORT), not on a path the hosts share. Needs root (CI runs as root); elsewhere it is skipped, and in CI
 * (CI=true) a skip fails.
 *
 * <ul>
 *   <li>{@code spark predict}: the CSV written to HDFS equals the one of a local[2] run on the same HDFS files.</li>
 *   <li>{@code spark train --exchange ring} from HDFS, checkpoints to HDFS: the ring's sockets go from one worker's
 *       namespace to the other's; the model equals the in-process run's within 1e-5.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkNamespacesClusterIT {
    @TempDir
    static Path dir;

    private NetworkNamespaces hosts;
    private MiniHdfs hdfs;
    private final List<Process> started = new ArrayList<>();
    private final List<Path> workDirs = new ArrayList<>();
    private String url;
    private List<String> cluster;

    @BeforeAll
    void startHosts() throws Exception {
        try {
            hosts = NetworkNamespaces.create(3);
        } catch (IOException e) {
            String why = "separate network hosts need root and iproute2 (ip netns, veth, bridge): " + e.getMessage();
            if (NoSkipInCi.inCi()) {
                throw new AssertionError("in CI this test must run: " + why, e);
            }
            Assumptions.abort(why);
        }
        String driver = hosts.bridgeAddress();
        hdfs = new MiniHdfs(dir.resolve("dfs"), driver);
        System.out.printf(java.util.Locale.ROOT, "NetworkNamespacesClusterIT: hosts master %s, workers %s and %s, driver"
                + " and HDFS %s (%s, up in %.1f s, %.1f s CPU)%n", hosts.address(0), hosts.address(1), hosts.address(2),
                driver, hdfs.uri, hdfs.startSeconds, hdfs.startCpuSeconds);

        Path log4j = dir.resolve("log4j2.properties");
        Files.writeString(log4j, String.join("\n", "rootLogger.level = warn", "rootLogger.appenderRef.e.ref = e",
                "appender.e.type = Console", "appender.e.name = e", "appender.e.target = SYSTEM_ERR",
                "appender.e.layout.type = PatternLayout", "appender.e.layout.pattern = %m%n",
                "logger.x.name = org.apache.spark.executor.Executor", "logger.x.level = info", ""));
        Path sparkHome = dir.resolve("spark-home");
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        for (String jar : Files.readString(Path.of(System.getProperty("convnet4j.spark.classpathFile"))).trim().split(":")) {
            Path j = Path.of(jar);
            Files.createSymbolicLink(jars.resolve(j.getFileName()), j);
        }
        // each host its own fixed ports: nothing else listens in its namespace
        // the master logs its workers' registrations (the test class path's log4j2 configuration would hide them)
        Path masterLog4j = dir.resolve("master-log4j2.properties");
        Files.writeString(masterLog4j, Files.readString(log4j).replace("org.apache.spark.executor.Executor",
                "org.apache.spark.deploy.master.Master"));
        String master = hosts.address(0);
        start(0, "master", List.of("-Dlog4j2.configurationFile=" + masterLog4j, "org.apache.spark.deploy.master.Master",
                "--host", master, "--port", "7077", "--webui-port", "8080"), sparkHome, null);
        waitForPort(master, 7077, started.get(0), 120);
        url = "spark://" + master + ":7077";
        for (int w = 1; w <= 2; w++) {
            Path work = dir.resolve("worker" + w);
            workDirs.add(work);
            start(w, "worker" + w, List.of("org.apache.spark.deploy.worker.Worker", "--host", hosts.address(w), "--cores",
                    "1", "--memory", "2g", "--webui-port", "8081", "--work-dir", work.toString(), url), sparkHome,
                    Files.createDirectories(dir.resolve("local" + w)));
        }
        // both workers registered with the master (from their namespaces, across the bridge)
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (Files.readString(dir.resolve("master.log")).split("Registering worker", -1).length - 1 < 2) {
            for (Process p : started) {
                assertTrue(p.isAlive(), "a cluster JVM exited: " + Files.readString(dir.resolve("master.log")));
            }
            assertTrue(System.nanoTime() < deadline, "the workers did not register within 300 s");
            Thread.sleep(200);
        }
        List<String> c = new ArrayList<>(List.of("--master", url, "--conf", "spark.ui.enabled=false",
                // the DataNode is found by the name it announces (the bridge address), not the NameNode's view of it
                "--conf", "spark.hadoop.dfs.client.use.datanode.hostname=true"));
        c.addAll(ClusterTests.driverConf(driver, log4j));
        cluster = List.copyOf(c);
    }

    @AfterAll
    void stopEverything() {
        ClusterTests.stopAll(started);
        for (Process p : started) {
            try {
                p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the namespaces go anyway
            }
        }
        if (hdfs != null) {
            hdfs.close();
        }
        if (hosts != null) {
            hosts.close();
        }
    }

    @Test
    void predictionsAndRingTrainingAcrossSeparateHosts() throws Exception {
        // the hosts are separate: the master and the workers are not in this JVM's network namespace, and a worker's
        // namespace does not have the master's port on its loopback
        String ours = NetworkNamespaces.namespaceOf(ProcessHandle.current().pid());
        Set<String> theirs = new TreeSet<>();
        for (Process p : started) {
            theirs.add(NetworkNamespaces.namespaceOf(p.pid()));
        }
        assertEquals(3, theirs.size(), "master and workers each in a namespace of their own: " + theirs);
        assertTrue(!theirs.contains(ours), "a cluster JVM runs in the driver's namespace");

        // predict, then train, in one application (one session on the cluster, made as the commands make theirs; each
        // command reuses it): one driver context and two executor starts instead of two each
        // predict: model and pictures on HDFS, CSV to HDFS; equal to a local[2] run on the same files
        String model = hdfs.put(TestSpark.lenetFile(dir, List.of("horizontal", "vertical")), "/models/lenet.c4j");
        String pictures = hdfs.put(TestSpark.stripeFolder(dir.resolve("pictures"), 30, 6), "/data/pictures");
        hdfs.fileSystem().mkdirs(new org.apache.hadoop.fs.Path(hdfs.uri + "/out"));
        List<String> predict = with(List.of("predict", "--model", model, "--images", pictures, "-o",
                hdfs.uri + "/out/cluster.csv", "--partitions", "4", "--batch", "8"));
        // train with the ring exchange (executor to executor across the bridge) from HDFS, checkpoints on HDFS
        Path folder = TestSpark.stripeFolder(dir.resolve("train"), 40, 12);
        String data = hdfs.put(folder, "/data/train");
        Path out = dir.resolve("cluster-train/m.c4j");
        Files.createDirectories(out.getParent());
        String[] predicted;
        String[] trained;
        org.apache.spark.sql.SparkSession application = org.convnet4j.spark.cli.CommandsInOneApplication.session(predict);
        try {
            predicted = run(predict);
            trained = run(with(List.of("train", "--model", "lenet5-classic", "--data", data, "--epochs", "1", "--batch",
                    "16", "--optimizer", "sgd", "--lr", "0.5", "--momentum", "0.5", "--val-split", "0.2", "--seed", "3",
                    "--partitions", "2", "--exchange", "ring", "--no-progress", "--checkpoint-dir",
                    hdfs.uri + "/runs/ring", "--out", out.toString())));
        } finally {
            application.stop();
        }
        assertEquals("0", predicted[0], predicted[2]);
        String[] r = run("predict", "--master", "local[2]", "--model", model, "--images", pictures, "-o",
                hdfs.uri + "/out/local.csv", "--partitions", "4", "--batch", "8");
        assertEquals("0", r[0], r[2]);
        String clusterCsv = read(hdfs.uri + "/out/cluster.csv");
        assertEquals(61, clusterCsv.lines().count(), "a header and one row per picture");
        assertEquals(read(hdfs.uri + "/out/local.csv"), clusterCsv);

        assertEquals("0", trained[0], trained[1] + trained[2]);
        Path local = dir.resolve("local-train/m.c4j");
        Files.createDirectories(local.getParent());
        Preprocessing prep = Preprocessing.forInput(Shape.of(1, 28, 28));
        new TrainingRun(TrainingSettings.builder().model("lenet5-classic").data(folder.toString()).epochs(1).batch(16)
                .optimizer("sgd").lr(0.5).momentum(0.5).valSplit(0.2).seed(3).out(local).build(),
                ImageFolderDataset.builder(folder).channels(1).transform(prep.transform()).build()).run();
        double worst = largestDifference(Checkpoint.load(local), Checkpoint.load(out));
        System.out.println("NetworkNamespacesClusterIT: ring training across hosts, largest weight difference to the"
                + " in-process run " + worst);
        assertTrue(worst <= 1e-5, "largest weight difference to the in-process run: " + worst);
        assertTrue(hdfs.fileSystem().exists(new org.apache.hadoop.fs.Path(hdfs.uri + "/runs/ring/last.c4j")));

        // the executors ran on both worker hosts, with their own addresses
        Set<String> executorHosts = new TreeSet<>();
        List<String> looked = new java.util.ArrayList<>(); // for the failure message: what the walk found
        for (Path work : workDirs) {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path err : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
                    looked.add(err + " (" + Files.size(err) + " bytes)");
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"--hostname\" \"([0-9.]+)\"")
                            .matcher(Files.readString(err));
                    if (m.find()) {
                        executorHosts.add(m.group(1));
                    }
                }
            }
        }
        // once (2026-12-05, a fresh-clone CI run) no host was found here although the ring training had run; the
        // message lists the executors' stderr files the walk saw, to tell a missing file from an unexpected header
        assertEquals(new TreeSet<>(List.of(hosts.address(1), hosts.address(2))), executorHosts,
                "executors' stderr files under " + workDirs + ": " + looked);
        assertNotEquals(hosts.address(1), hosts.address(2));
    }

    private List<String> with(List<String> command) {
        List<String> a = new ArrayList<>(command);
        a.addAll(cluster);
        return a;
    }

    private String read(String uri) throws IOException {
        return new String(hdfs.fileSystem().open(new org.apache.hadoop.fs.Path(uri)).readAllBytes(), StandardCharsets.UTF_8);
    }

    private static double largestDifference(Checkpoint want, Checkpoint got) {
        return ClusterTests.largestDifference(want.parameters(), got.parameters());
    }

    /** A JVM of the test class path in host {@code host}'s namespace. */
    private void start(int host, String name, List<String> mainAndArgs, Path sparkHome, Path localDirs) throws IOException {
        ProcessBuilder b = new ProcessBuilder(hosts.command(host, ClusterTests.clusterJvm(mainAndArgs))).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        b.environment().put("SPARK_HOME", sparkHome.toString());
        b.environment().put("SPARK_SCALA_VERSION", "2.13");
        b.environment().put("SPARK_LOCAL_IP", hosts.address(host));
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        if (localDirs != null) {
            b.environment().put("SPARK_LOCAL_DIRS", localDirs.toString());
        }
        started.add(b.start());
    }

    private static void waitForPort(String host, int port, Process p, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(host, port)) {
                return;
            } catch (IOException e) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("the Spark master exited with " + p.exitValue() + ": "
                            + Files.readString(dir.resolve("master.log")));
                }
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the Spark master did not open " + host + ":" + port + " within " + seconds + " s");
    }

    /** SparkMain in this JVM (the driver, on the bridge address) with stdout and stderr captured: {code, out, err}. */
    private static String[] run(List<String> args) {
        return org.convnet4j.spark.cli.CliRun.run(args);
    }

    private static String[] run(String... args) {
        return org.convnet4j.spark.cli.CliRun.run(args);
    }
}
