package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.image.Images;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real cluster on this machine, shared by the tests of this class: a Spark standalone master and two workers of one
 * core each (each its own JVM, address, work and local directories), started here from the test class path, and a real
 * HDFS (Hadoop's MiniDFSCluster) in this JVM. With root (CI runs as root) the master and each worker are on a separate
 * network host ({@link NetworkNamespaces}: a network namespace of its own, with its own address, loopback and ports,
 * reached over a veth pair and a bridge), and the drivers and HDFS are on the bridge address in this JVM's namespace;
 * without root (outside CI only: in CI it fails) the master is on 127.0.0.1, the workers on 127.0.0.2 and 127.0.0.3, the
 * drivers and HDFS on 127.0.0.1. The drivers are further JVMs submitting to spark://MASTER:PORT. An integration test
 * (failsafe, after the package phase): it submits the shaded jar.
 *
 * <ul>
 *   <li>The killed-executor application reads its pictures, model and training data from HDFS
 *       (hdfs://DRIVER-HOST:PORT, not a path the hosts share), writes its CSV and its checkpoints to HDFS, and its
 *       ring exchange's sockets go from one worker's host to the other's (until 2026-12-06 a second cluster of
 *       NetworkNamespacesClusterIT ran a second application for that: a prediction and a ring training from HDFS).</li>
 *   <li>Training (ring exchange): the executor is killed in the middle of epoch 2, when it holds cached shards of the
 *       decoded training pictures and a model replica that has taken some of epoch 2's steps; Spark rebuilds the
 *       shards from their lineage (file names), the driver rebuilds every replica from epoch 1's state and replays
 *       epoch 2's exchanges so far, the run finishes, and its model equals the in-process {@code TrainingRun}'s (same
 *       steps; the gradient sum's order may differ, 1e-5).</li>
 *   <li>Prediction: the executor is killed in the middle of a task: the one reading a picture held open
 *       ({@link HoldingHdfs}: the application's HDFS opens wait while the test holds that picture); its tasks are
 *       retried and the CSV is complete and byte for byte the one of a clean local run.</li>
 *   <li>spark-submit: that application is {@code convnet4j-spark.jar} submitted through Spark's launcher in client
 *       deploy mode, with executors that get convnet4j only from that jar, and after the prediction it computes
 *       features of pictures given as a {@code file:} URI, equal to a local run's (until 2026-12-07 a third
 *       application did train, predict and featurize through spark-submit); a second application is submitted in
 *       cluster deploy mode.</li>
 * </ul>
 *
 * <p>Lessons from its first versions on the shared machine: with ResNet-18 as the predicted model executors needed
 * 1536m (at 768m they died of OutOfMemoryError and were replaced before the kill) and minutes to start under load, so
 * the prediction job now decodes larger pictures for LeNet-5 instead; ProcessHandle.Info gives at most one page of a command line on
 * Linux, and the executor's starts with the long class path, so the executor is found by its full /proc command line
 * (a descendant of one of our workers, CoarseGrainedExecutorBackend, with the app id and --executor-id of the work
 * directory whose stderr shows "Running task"); heartbeats and the master's worker timeout are raised so that only the
 * kill removes an executor on a loaded machine (a killed executor is still noticed at once: its worker and its
 * connection report it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandaloneClusterIT {
    /** Without network namespaces: the workers' loopback addresses, other than the master's and the drivers' 127.0.0.1. */
    static final List<String> LOOPBACK_WORKER_HOSTS = List.of("127.0.0.2", "127.0.0.3");

    private final List<Process> started = new ArrayList<>();
    /** The master's and the workers' JVMs (in their namespaces, if any). */
    private final List<Process> daemons = new ArrayList<>();
    /** The master's (0) and the workers' (1, 2) network hosts; null without root (outside CI). */
    private NetworkNamespaces hosts;
    /** Why there are no network hosts of their own (null if there are). */
    private String noNamespaces;
    private String masterHost;
    /** The workers' addresses. */
    private List<String> workerHosts;
    /** The drivers' and HDFS's address: the bridge's with network hosts, else 127.0.0.1. */
    private String driverHost;
    private MiniHdfs hdfs;

    @TempDir
    static Path dir;

    private Path sparkHome;
    private Path log4j;
    private String url;
    private final List<Path> workDirs = new ArrayList<>();
    /** What the client-mode application sets (spark-submit options; the cluster-deploy-mode one sets its own). */
    private List<String> cluster;

    /**
     * The cluster all tests of this class share: a master and two workers of 1 core each, each on a network host of its
     * own (or, without root, on 127.0.0.1, 127.0.0.2 and 127.0.0.3), each with its own work and local directories and
     * SPARK_LOCAL_IP (so their executors bind to and advertise that address); HDFS in this JVM on the drivers' address. The Spark home is a distribution's layout made of Spark's jars from Maven Central
     * (jars/ links to the module's provided class path): what a worker puts on its executors' class path and what
     * the spark-submit launcher builds the driver's class path from.
     */
    @BeforeAll
    void startCluster() throws Exception {
        try {
            hosts = NetworkNamespaces.create(3);
            masterHost = hosts.address(0);
            workerHosts = List.of(hosts.address(1), hosts.address(2));
            driverHost = hosts.bridgeAddress();
        } catch (IOException e) {
            noNamespaces = "separate network hosts need root and iproute2 (ip netns, veth, bridge): " + e.getMessage();
            if (org.convnet4j.testsupport.NoSkipInCi.inCi()) {
                throw new AssertionError("in CI the cluster must run on separate network hosts: " + noNamespaces, e);
            }
            System.out.println("StandaloneClusterIT: the cluster on loopback addresses (" + noNamespaces + ")");
            masterHost = "127.0.0.1";
            workerHosts = LOOPBACK_WORKER_HOSTS;
            driverHost = "127.0.0.1";
        }
        sparkHome = dir.resolve("spark-home");
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        for (String jar : Files.readString(Path.of(System.getProperty("convnet4j.spark.classpathFile"))).trim().split(":")) {
            Path j = Path.of(jar);
            Files.createSymbolicLink(jars.resolve(j.getFileName()), j);
        }
        log4j = dir.resolve("executor-log4j2.properties");
        Files.writeString(log4j, String.join("\n", "rootLogger.level = warn", "rootLogger.appenderRef.e.ref = e",
                "appender.e.type = Console", "appender.e.name = e", "appender.e.target = SYSTEM_ERR",
                "appender.e.layout.type = PatternLayout", "appender.e.layout.pattern = %m%n",
                "logger.x.name = org.apache.spark.executor.Executor", "logger.x.level = info", ""));

        // on a host of its own nothing else listens: fixed ports there
        int masterPort = hosts == null ? freePort() : 7077;
        Process master = startDaemon(0, "master", List.of("org.apache.spark.deploy.master.Master", "--host", masterHost,
                "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(hosts == null ? freePort() : 8080)),
                masterHost, null);
        // HDFS starts in this JVM while the master's JVM starts
        hdfs = new MiniHdfs(dir.resolve("dfs"), hosts == null ? null : driverHost);
        System.out.printf(java.util.Locale.ROOT, "StandaloneClusterIT: master %s, workers %s, drivers and HDFS %s (%s, up"
                + " in %.1f s, %.1f s CPU)%n", masterHost, workerHosts, driverHost, hdfs.uri, hdfs.startSeconds,
                hdfs.startCpuSeconds);
        waitForPort(masterHost, masterPort, master, 90);
        url = "spark://" + masterHost + ":" + masterPort;
        for (int w = 0; w < workerHosts.size(); w++) {
            String host = workerHosts.get(w);
            Path work = dir.resolve("worker" + w);
            workDirs.add(work);
            startDaemon(w + 1, "worker" + w, List.of("org.apache.spark.deploy.worker.Worker", "--host", host, "--cores",
                    "1", "--memory", "2g", "--webui-port", Integer.toString(hosts == null ? freePort() : 8081),
                    "--work-dir", work.toString(), url), host, Files.createDirectories(dir.resolve("local" + w)));
        }
        List<String> c = new ArrayList<>(ClusterTests.driverConf(driverHost));
        if (hosts != null) {
            // the DataNode is found by the name it announces (the bridge address), not the NameNode's view of it
            c.addAll(List.of("--conf", "spark.hadoop.dfs.client.use.datanode.hostname=true"));
        }
        cluster = List.copyOf(c);
    }

    @AfterAll
    void stopEverything() {
        ClusterTests.stopAll(started); // only what this test started: drivers, workers (and their executors), master
        for (Process p : started) {
            try {
                p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the namespaces go anyway
            }
        }
        if (local != null) {
            // a session left running in this JVM would be the next cluster test's (SparkSessions.start refuses it)
            local.stop();
        }
        if (hdfs != null) {
            hdfs.close();
        }
        if (hosts != null) {
            hosts.close();
        }
    }

    /**
     * The cluster's hosts are separate network hosts: the master and each worker in a network namespace of its own
     * (its own interfaces, loopback and ports: a worker does not have the master's port on its loopback), none of them
     * this JVM's, where the drivers and HDFS run. Without root (outside CI only) it is skipped, saying why.
     */
    @Test
    void theClusterRunsOnSeparateNetworkHosts() throws Exception {
        Assumptions.assumeTrue(hosts != null, () -> noNamespaces);
        String ours = NetworkNamespaces.namespaceOf(ProcessHandle.current().pid());
        Set<String> theirs = new TreeSet<>();
        for (Process p : daemons) {
            assertTrue(p.isAlive(), "a cluster JVM exited");
            theirs.add(NetworkNamespaces.namespaceOf(p.pid()));
        }
        assertEquals(3, daemons.size());
        assertEquals(3, theirs.size(), "master and workers each in a namespace of their own: " + theirs);
        assertTrue(!theirs.contains(ours), "a cluster JVM runs in the drivers' namespace");
        assertNotEquals(workerHosts.get(0), workerHosts.get(1));
    }

    private org.apache.spark.sql.SparkSession local;

    /**
     * The clean runs every cluster output is compared with: {@code spark COMMAND --master local[2]} in this JVM, in one
     * local[2] session for the whole class (SparkMain.run keeps a caller's session on the same master and leaves it
     * running) instead of a session started and stopped by each command; stopped after the last test.
     */
    private int runLocally(List<String> args) {
        synchronized (this) {
            if (local == null || local.sparkContext().isStopped()) {
                local = TestSpark.session();
            }
        }
        return org.convnet4j.spark.cli.SparkMain.run(args.toArray(String[]::new));
    }

    /**
     * One application, submitted as {@code spark-submit} submits it in client deploy mode (until 2026-12-07 the
     * spark-submit test was an application of its own, a driver and two executors more): Spark's launcher
     * ({@code org.apache.spark.launcher.Main}, what {@code bin/spark-submit} runs through {@code bin/spark-class}) builds
     * the driver's command from the Spark home, that command runs {@code SparkSubmit} with {@code convnet4j-spark.jar}
     * as the application jar and the test driver {@link org.convnet4j.spark.cli.PoolCheckingDriver} as the main class
     * (from a jar of its own given as {@code --jars}, with the test's HDFS client {@link HoldingHdfs}), and the executors
     * get convnet4j only from the shaded jar (their class path is the Spark home's jars; the driver ships the jars). In
     * it: {@code spark train} with an executor killed in the middle of epoch 2, then {@code spark predict} with an
     * executor killed in the middle of a task, then {@code spark featurize} with the trained model on pictures given
     * as a {@code file:} URI. Training data, model and the predicted pictures are on HDFS, its checkpoints and CSV go to
     * HDFS; its executors ran on both worker hosts, with their own addresses; their command lines show spark-submit's
     * executor option kept and SparkSessions' options added to it.
     */
    @Test
    void killedExecutorsCostNeitherTrainingNorPredictions() throws Exception {
        Path jar = Path.of(System.getProperty("convnet4j.spark.jar"));
        assertTrue(Files.isRegularFile(jar), "no shaded jar at " + jar + " (built in the package phase)");
        Set<Path> appsBefore = applicationDirs();
        Prediction prediction = predictionJob();
        Path go = dir.resolve("predict-go");
        Path folder = TestSpark.stripeFolder(dir.resolve("stripes"), 50, 21);
        String data = hdfs.put(folder, "/data/train");
        String checkpoints = hdfs.uri + "/runs/ring";
        Path model = Files.createDirectories(dir.resolve("cluster-train")).resolve("m.c4j");
        // featurize's pictures through a URI every executor resolves by itself (on one machine the path is shared)
        Path featurePictures = TestSpark.stripeFolder(dir.resolve("feature-stripes"), 30, 33);
        String featureData = featurePictures.toUri().toString();
        assertTrue(featureData.startsWith("file:/"), featureData);
        Path features = dir.resolve("cluster-featurize.csv");

        // spark train with the ring exchange (the optimiser steps on the executors, their sockets from one worker host
        // to the other), checkpoints to HDFS; then, once go exists, spark predict and spark featurize
        List<String> commands = new ArrayList<>(List.of("train", "--master", url,
                "--model", "lenet5-classic", "--data", data, "--epochs", "2", "--batch", "16",
                "--optimizer", "sgd", "--lr", "0.5", "--momentum", "0.5", "--val-split", "0.2", "--seed", "9",
                "--partitions", "2", "--exchange", "ring", "--no-progress", "--checkpoint-dir", checkpoints,
                "--out", model.toString(), "--then"));
        commands.addAll(predict(url, prediction.model(), prediction.pictures(), prediction.csv()));
        commands.addAll(List.of("--then", "featurize", "--model", model.toString(), "--images", featureData,
                "--partitions", "4", "--batch", "8", "--master", url, "-o", features.toString()));
        // the application's HDFS opens go through HoldingHdfs, which can hold up the task reading a picture
        Path holds = Files.createDirectories(dir.resolve("holds"));
        List<String> submitArgs = new ArrayList<>(List.of("--master", url, "--name", "killed-executors",
                "--class", org.convnet4j.spark.cli.PoolCheckingDriver.class.getName(),
                "--jars", ClusterTests.testClassesJar(dir.resolve("killed-driver/pool-checking-driver.jar"),
                        List.of(org.convnet4j.spark.cli.PoolCheckingDriver.class,
                                org.convnet4j.spark.cli.CommandsInOneApplication.class, PoolProbe.class,
                                HoldingHdfs.class, HoldingFileSystem.class)).toString(),
                "--driver-memory", "1g", "--executor-memory", "1g", "--total-executor-cores", "2",
                "--driver-java-options", ClusterTests.withJit("--add-modules jdk.incubator.vector -Xss4m"
                        + " -Dconvnet4j.test.go=" + go),
                "--conf", "spark.executor.extraJavaOptions=" + ClusterTests.withJit("-Dlog4j2.configurationFile=" + log4j
                        + " -Dconvnet4j.test.submitted=yes"),
                "--conf", "spark.hadoop.fs.hdfs.impl=" + HoldingHdfs.class.getName(),
                "--conf", "spark.hadoop." + HoldingHdfs.HOLDS + "=" + holds));
        submitArgs.addAll(cluster);
        List<String> cmd = sparkSubmitCommand(submitArgs, jar, commands);
        assertTrue(cmd.contains("org.apache.spark.deploy.SparkSubmit"), cmd.toString());
        try (HeldPicture held = new HeldPicture(holds.resolve(HELD))) {
            Process driver = launch("train-driver", cmd, sparkHome, driverHost, null);
            String driverLog = trainingSurvivesAKilledExecutor(driver, folder, checkpoints, model, go);
            predictionsSurviveAKilledExecutor(driver, prediction, driverLog, go, held);
        }

        // featurize against the same command on local[2]
        Path want = dir.resolve("local-featurize.csv");
        assertEquals(0, runLocally(List.of("featurize", "--model", model.toString(), "--images", featureData,
                "--partitions", "4", "--batch", "8", "--master", "local[2]", "-o", want.toString())));
        assertEquals(61, Files.readAllLines(features).size(), "a header and one row per picture");
        assertArrayEquals(Files.readAllBytes(want), Files.readAllBytes(features));

        // the application's executors (the killed ones and their replacements) ran on both worker hosts, each with its
        // own address; convnet4j only from the shipped jar; spark-submit's executor option kept and SparkSessions' added
        Set<String> executorHosts = new TreeSet<>();
        int ranTasks = 0;
        List<String> looked = new ArrayList<>(); // for the failure message: what the walk found
        Set<Path> apps = applicationDirs();
        apps.removeAll(appsBefore);
        for (Path app : apps) {
            try (Stream<Path> files = Files.walk(app)) {
                for (Path err : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
                    looked.add(err + " (" + Files.size(err) + " bytes)");
                    String log = Files.readString(err);
                    String command = log.lines().filter(l -> l.startsWith("Spark Executor Command:")).findFirst()
                            .orElseThrow(() -> new AssertionError("no executor command in " + err));
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"--hostname\" \"([0-9.]+)\"")
                            .matcher(command);
                    assertTrue(m.find(), command);
                    executorHosts.add(m.group(1));
                    // (the worker quotes every argument) spark-submit's option kept, SparkSessions' after it
                    int submitted = command.indexOf("\"-Dconvnet4j.test.submitted=yes\"");
                    int ours = command.indexOf("\"--add-modules\" \"jdk.incubator.vector\" \"-Xss4m\"");
                    assertTrue(submitted >= 0, "spark-submit's option lost: " + command);
                    assertTrue(ours > submitted, "SparkSessions' options missing: " + command);
                    java.util.regex.Matcher cp = java.util.regex.Pattern.compile("\"-cp\" \"([^\"]*)\"").matcher(command);
                    assertTrue(cp.find() && !cp.group(1).contains("convnet4j") && !cp.group(1).contains("/target/"),
                            "convnet4j on the executor's class path: " + command);
                    if (log.contains("Running task")) {
                        // an executor fetches the application's jars before its first task (a replacement started
                        // at the end may have had none)
                        ranTasks++;
                        Path fetched = err.resolveSibling(jar.getFileName());
                        assertTrue(Files.isRegularFile(fetched) && Files.size(fetched) == Files.size(jar),
                                "the executor did not fetch the application jar: " + err.getParent());
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(workerHosts), executorHosts, "executors' stderr files of " + apps + ": " + looked);
        assertTrue(ranTasks >= 2, "executors that ran tasks: " + ranTasks + " of " + looked);
    }

    /** The application directories in the workers' work directories (one per application that had an executor there). */
    private Set<Path> applicationDirs() throws IOException {
        Set<Path> apps = new java.util.HashSet<>();
        for (Path work : workDirs) {
            if (Files.isDirectory(work)) {
                try (Stream<Path> d = Files.list(work)) {
                    d.filter(f -> f.getFileName().toString().startsWith("app-")).forEach(apps::add);
                }
            }
        }
        return apps;
    }

    /**
     * The first command of {@code driver}: spark train from the picture folder {@code folder}, put on HDFS, with the
     * ring exchange, checkpoints to {@code checkpoints} on HDFS, the model to {@code out}; one executor killed in the
     * middle of epoch 2; the model equals the in-process run's (on the same pictures from the local folder). The driver
     * then waits for {@code go} before its next command; returns the driver's log up to there.
     */
    private String trainingSurvivesAKilledExecutor(Process driver, Path folder, String checkpoints, Path out, Path go)
            throws Exception {
        // kill an executor in the middle of epoch 2 (5 exchanges of 16 pictures): once epoch 1 is logged, wait until
        // one executor has started the second exchange of epoch 2 (each exchange is a barrier stage with one task per
        // executor), then kill it. Its cached shards are rebuilt from their lineage elsewhere, and its model replica
        // is gone: the replacement executor says so at the rendezvous, the driver rebuilds every replica from epoch
        // 1's state and replays the exchanges of epoch 2 made so far
        long deadline = System.nanoTime() + 300_000_000_000L; // generous: a loaded CI machine starts JVMs slowly
        while (!log("train-driver").contains("epoch 1/2") && driver.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(log("train-driver").contains("epoch 1/2"), "epoch 1 did not finish:\n" + logs(workDirs, "train-driver"));
        Executor victim = runningExecutor(workDirs, java.util.Map.of())
                .orElseThrow(() -> new AssertionError("no executor ran a task"));
        int tasksBefore = victim.tasksStarted();
        while (victim.tasksStarted() < tasksBefore + 2 && driver.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(!log("train-driver").contains("epoch 2/2"), "epoch 2 ended before the kill:\n" + log("train-driver"));
        kill(victim.process());
        // the training's end: the driver waits for go before the next command
        String waiting = "waiting for " + go;
        deadline = System.nanoTime() + 600_000_000_000L;
        while (!log("train-driver").contains(waiting) && driver.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        String all = log("train-driver");
        assertTrue(all.contains(waiting), "the training did not finish (driver " + (driver.isAlive() ? "running"
                : "exited " + driver.exitValue()) + "):\n" + tail(all));
        String driverLog = all.substring(0, all.indexOf(waiting));
        assertTrue(driverLog.contains("Lost") || driverLog.contains("lost"), "the driver should have seen the executor go:\n"
                + driverLog);
        assertTrue(driverLog.contains("epoch 2/2"), driverLog);
        java.util.regex.Matcher rebuilt = java.util.regex.Pattern
                .compile("rebuilding the replicas from exchange 5 and replaying (\\d+)").matcher(driverLog);
        assertTrue(rebuilt.find() && Integer.parseInt(rebuilt.group(1)) >= 1, "the replicas should have been rebuilt"
                + " from epoch 1's state (exchange 5) and epoch 2's exchanges replayed:\n" + driverLog);
        System.out.println("StandaloneClusterIT: " + rebuilt.group() + "; barrier stages waited for free slots "
                + driverLog.lines().filter(l -> l.contains("Barrier stage in job")).count() + " times");
        // the run's model copies (step pool, replicas) were released on the executors when the run ended
        java.util.regex.Matcher released = java.util.regex.Pattern
                .compile("released the run's (\\d+) model copies on (\\d+) executors").matcher(driverLog);
        assertTrue(released.find() && Integer.parseInt(released.group(1)) >= 2, driverLog);
        java.util.regex.Matcher after = java.util.regex.Pattern
                .compile("model copies pooled per executor after the run: \\{(.*)}").matcher(driverLog);
        assertTrue(after.find(), driverLog);
        String[] perExecutor = after.group(1).split(", ");
        assertEquals(2, perExecutor.length, after.group());
        for (String e : perExecutor) {
            assertTrue(e.endsWith("=0"), after.group());
        }
        System.out.println("StandaloneClusterIT: " + released.group() + "; " + after.group());

        // the same run in this process, without Spark
        Path local = dir.resolve("local-train/m.c4j");
        Files.createDirectories(local.getParent());
        Preprocessing prep = Preprocessing.forInput(Shape.of(1, 28, 28));
        TrainingRun.Result expected = new TrainingRun(TrainingSettings.builder().model("lenet5-classic")
                .data(folder.toString()).epochs(2).batch(16).optimizer("sgd").lr(0.5).momentum(0.5).valSplit(0.2).seed(9)
                .out(local).build(),
                ImageFolderDataset.builder(folder).channels(1).transform(prep.transform()).build()).run();
        double worst = largestDifference(local, out);
        System.out.println("StandaloneClusterIT: ring training across the worker hosts, largest weight difference to"
                + " the in-process run " + worst);
        assertTrue(worst <= 1e-5, "largest weight difference to the in-process run: " + worst);
        // the checkpoints on HDFS (each epoch's, written by the driver)
        assertTrue(hdfs.fileSystem().exists(new org.apache.hadoop.fs.Path(checkpoints + "/last.c4j")),
                "no checkpoint on HDFS at " + checkpoints);
        assertTrue(driverLog.contains(String.format(java.util.Locale.ROOT, "best validation accuracy %.4f at epoch %d",
                expected.bestValidationAccuracy(), expected.bestEpoch())), driverLog);
        return driverLog;
    }

    /**
     * {@code spark-submit --deploy-mode cluster --jars extra-lib.jar convnet4j-spark.jar predict ...}: the master has a
     * worker start the driver (DriverWrapper, with the application jar copied into the worker's directory), the
     * submitting client waits for it to finish ({@code spark.standalone.submit.waitAppCompletion}). spark-submit's
     * {@code spark.jars} (the application jar's URL and {@code --jars}) is kept by SparkSessions.start: the executors
     * fetch the extra jar as well as convnet4j's, once each; the CSV equals a local[2] run's.
     */
    @Test
    void clusterDeployModeKeepsSparkSubmitsJars() throws Exception {
        Path jar = Path.of(System.getProperty("convnet4j.spark.jar"));
        assertTrue(Files.isRegularFile(jar), "no shaded jar at " + jar + " (built in the package phase)");
        Path extra = Files.createDirectories(dir.resolve("cluster-mode")).resolve("extra-lib.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(extra))) {
            out.putNextEntry(new java.util.zip.ZipEntry("convnet4j-test/extra.txt"));
            out.write("an extra library".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.closeEntry();
        }
        Path pictures = TestSpark.stripeFolder(dir.resolve("cluster-mode/pictures"), 10, 44);
        Path model = TestSpark.lenetFile(dir.resolve("cluster-mode"), List.of("horizontal", "vertical"));
        Path csv = dir.resolve("cluster-mode/answers.csv");
        List<String> command = List.of("predict", "--master", url, "--model", model.toString(), "--images",
                pictures.toUri().toString(), "-o", csv.toString(), "--partitions", "2", "--batch", "4");
        List<String> cmd = sparkSubmitCommand(List.of("--master", url, "--deploy-mode", "cluster",
                "--name", "cluster-mode", "--class", "org.convnet4j.spark.cli.SparkMain", "--jars", extra.toString(),
                "--driver-memory", "1g", "--executor-memory", "1g", "--total-executor-cores", "1",
                // a worker starts this driver without the --add-opens Spark's launcher gives a client-mode driver
                // (without them: IllegalAccessError, sun.nio.ch.DirectBuffer): the executors' options, as SPARK.md says
                "--driver-java-options", ClusterTests.withJit(SparkSessions.EXECUTOR_JVM_OPTIONS),
                "--conf", "spark.standalone.submit.waitAppCompletion=true",
                "--conf", "spark.executor.extraJavaOptions=" + ClusterTests.withJit("-Dlog4j2.configurationFile=" + log4j),
                "--conf", "spark.network.timeout=600s", "--conf", "spark.executor.heartbeatInterval=30s",
                "--conf", "spark.ui.enabled=false"),
                jar, command);
        // no SPARK_LOCAL_IP for this client: Spark's standalone client sends its whole environment with the driver, and
        // the worker starts the driver with it (DriverRunner), so the driver would try to bind this host's address on
        // the worker's host ("Service 'Driver' could not bind", seen on separate network hosts; SPARK.md says so)
        // the submitting client only submits and waits (no engine code): C1 only, as the cluster's own JVMs (an
        // option of its java command, not SPARK_SUBMIT_OPTS: the client sends its environment with the driver)
        List<String> clientCmd = new ArrayList<>(cmd);
        clientCmd.add(1, ClusterTests.CLIENT_COMPILER_ONLY);
        Process client = launch("cluster-mode-client", clientCmd, sparkHome, null, null);
        assertTrue(client.waitFor(600, java.util.concurrent.TimeUnit.SECONDS), "the submitting client did not finish");
        String clientLog = log("cluster-mode-client");
        assertEquals(0, client.exitValue(), clientLog);

        // the driver ran on a worker, from the application jar the worker copied into its directory
        List<Path> driverDirs = new ArrayList<>();
        for (Path work : workDirs) {
            try (Stream<Path> d = Files.list(work)) {
                d.filter(f -> f.getFileName().toString().startsWith("driver-")).forEach(driverDirs::add);
            }
        }
        assertEquals(1, driverDirs.size(), "one driver started by a worker: " + driverDirs + "\n" + clientLog);
        Path driverDir = driverDirs.get(0);
        String driverErr = Files.readString(driverDir.resolve("stderr"));
        assertTrue(Files.isRegularFile(driverDir.resolve(jar.getFileName())), "the worker did not copy the jar: " + driverDir);
        assertTrue(driverErr.contains("20 pictures, 20 classified, 0 could not be decoded"), tail(driverErr));

        // its executors fetched both jars of spark.jars, once each
        int executors = 0;
        for (Path work : workDirs) {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path fetched : files.filter(f -> f.getFileName().toString().equals("extra-lib.jar")).toList()) {
                    Path executorDir = fetched.getParent();
                    if (executorDir.getFileName().toString().startsWith("driver-")) {
                        continue;
                    }
                    executors++;
                    try (Stream<Path> in = Files.list(executorDir)) {
                        assertEquals(List.of("convnet4j-spark.jar", "extra-lib.jar"), in.map(f -> f.getFileName().toString())
                                .filter(n -> n.endsWith(".jar")).sorted().toList(), "jars fetched by " + executorDir);
                    }
                }
            }
        }
        assertTrue(executors >= 1, "no executor fetched the --jars jar (spark-submit's spark.jars lost)");

        Path want = dir.resolve("cluster-mode/local.csv");
        List<String> clean = new ArrayList<>(command);
        clean.set(clean.indexOf(url), "local[2]");
        clean.set(clean.indexOf(csv.toString()), want.toString());
        assertEquals(0, runLocally(clean));
        assertEquals(21, Files.readAllLines(csv).size());
        assertArrayEquals(Files.readAllBytes(want), Files.readAllBytes(csv));
    }

    /**
     * The driver's command line Spark's launcher makes for {@code spark-submit SUBMIT_ARGS JAR COMMAND} (what
     * {@code bin/spark-submit} runs via {@code bin/spark-class}) with this test's Spark home.
     */
    private List<String> sparkSubmitCommand(List<String> submitArgs, Path jar, List<String> command) throws Exception {
        List<String> launcher = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", sparkHome.resolve("jars") + "/*", "org.apache.spark.launcher.Main",
                "org.apache.spark.deploy.SparkSubmit"));
        launcher.addAll(submitArgs);
        launcher.add(jar.toString());
        launcher.addAll(command);
        ProcessBuilder b = new ProcessBuilder(launcher).redirectError(ProcessBuilder.Redirect.INHERIT);
        b.environment().put("SPARK_HOME", sparkHome.toString());
        b.environment().put("SPARK_SCALA_VERSION", "2.13");
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = b.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), "Spark's launcher failed");
        // the launcher prints the command, each argument ended by NUL (bin/spark-class reads it the same way)
        return Arrays.stream(new String(out, java.nio.charset.StandardCharsets.UTF_8).split("\0"))
                .map(String::strip).filter(a -> !a.isEmpty()).toList();
    }


    private static double largestDifference(Path want, Path got) throws IOException {
        return ClusterTests.largestDifference(Checkpoint.load(want).parameters(), Checkpoint.load(got).parameters());
    }

    /** The prediction job: the pictures, the model and where the cluster's CSV goes (HDFS URIs). */
    private record Prediction(String pictures, String model, String csv, int n) {
    }

    /** The pictures and the model written here and put on HDFS; the CSV to go to HDFS. */
    private Prediction predictionJob() throws IOException {
        Path pictures = dir.resolve("pictures");
        Files.createDirectories(pictures);
        Random r = new Random(5);
        int n = 96;
        for (int i = 0; i < n; i++) {
            // 160x160 colour noise: decoding and resizing to LeNet's 28x28 grey is the work of the job (a ResNet-18
            // here made executors slow to start and hungry for memory: minutes on a loaded machine)
            float[] d = new float[3 * 160 * 160];
            for (int j = 0; j < d.length; j++) {
                d[j] = r.nextInt(256);
            }
            Images.write(Tensor.wrap(d, 3, 160, 160), pictures.resolve(String.format("p%03d.png", i)));
        }
        Model m = ModelZoo.build("lenet5", Shape.of(1, 28, 28), 10);
        m.initialize(1);
        Path model = dir.resolve("lenet5.c4j");
        ModelFiles.save(m, model);
        hdfs.fileSystem().mkdirs(new org.apache.hadoop.fs.Path(hdfs.uri + "/out"));
        return new Prediction(hdfs.put(pictures, "/data/pictures"), hdfs.put(model, "/models/lenet5.c4j"),
                hdfs.uri + "/out/cluster.csv", n);
    }

    /** The picture of the prediction job whose task is killed (held open: {@link HoldingHdfs}). */
    private static final String HELD = "p005.png";

    /**
     * spark predict, the next command of the training driver {@code training} (after {@code trainLog}, the log of
     * the training); one executor killed in the middle of a task of the prediction: the one reading the held picture
     * ({@link #HELD}, {@link HoldingHdfs}), which waits until the retry of its task in another executor has opened it
     * too; the CSV (on HDFS) equals a clean local run's on the same HDFS files. (Until 2026-12-06 the kill went to the first executor
     * seen starting a task of the prediction, whose task could be over by then.)
     */
    private void predictionsSurviveAKilledExecutor(Process training, Prediction job, String trainLog, Path go,
            HeldPicture held) throws Exception {
        held.hold();
        Files.createFile(go);
        long deadline = System.nanoTime() + 300_000_000_000L;
        ProcessHandle victim = firstReader(held, -1, training, deadline);
        long killed = System.nanoTime();
        kill(victim);
        ProcessHandle retry = firstReader(held, victim.pid(), training, deadline);
        held.release();
        System.out.printf(java.util.Locale.ROOT, "StandaloneClusterIT: killed executor %d while its task held %s open;"
                + " executor %d opened it %.1f s after the kill%n", victim.pid(), HELD, retry.pid(),
                (System.nanoTime() - killed) / 1e9);
        assertTrue(training.waitFor(600, java.util.concurrent.TimeUnit.SECONDS), "driver did not finish");
        String all = log("train-driver");
        assertEquals(0, training.exitValue(), all);
        assertTrue(all.startsWith(trainLog), "the driver's log changed before the prediction");
        String driverLog = all.substring(trainLog.length());
        assertTrue(driverLog.contains("command 2 (predict) exited with 0"), driverLog);
        assertTrue(driverLog.contains("command 3 (featurize) exited with 0"), driverLog);
        assertTrue(driverLog.contains("Lost") || driverLog.contains("lost"),
                "the driver should have seen the executor go:\n" + driverLog);

        // the clean run in this JVM (one JVM start less): the same command on local[2]
        String localCsv = hdfs.uri + "/out/local.csv";
        assertEquals(0, runLocally(predict("local[2]", job.model(), job.pictures(), localCsv)));

        byte[] csv = readHdfs(job.csv());
        List<String> lines = new String(csv, java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertEquals("path,class,probability", lines.get(0));
        assertEquals(job.n() + 1, lines.size(), "one row per picture");
        assertArrayEquals(readHdfs(localCsv), csv);
    }

    /** The first executor of ours (other than {@code not}) with the held picture open; waits for one. */
    private ProcessHandle firstReader(HeldPicture held, long not, Process driver, long deadline) throws Exception {
        while (System.nanoTime() < deadline && driver.isAlive()) {
            List<ProcessHandle> readers = held.readers(started.stream().flatMap(Process::descendants)
                    .filter(h -> h.pid() != not).filter(h -> commandLine(h).contains("CoarseGrainedExecutorBackend")));
            if (!readers.isEmpty()) {
                return readers.get(0);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no executor opened the held picture" + (not < 0 ? "" : " after the kill") + " (driver "
                + (driver.isAlive() ? "running" : "exited " + driver.exitValue()) + "); logs:\n"
                + logs(workDirs, "train-driver"));
    }

    private static void kill(ProcessHandle victim) throws Exception {
        assertTrue(victim.destroyForcibly(), "kill -9 was not delivered to executor " + victim.pid());
        assertTrue(victim.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS) != null && !victim.isAlive(),
                "the killed executor is still alive");
    }

    /** An executor JVM and its log (stderr in the worker's work directory). */
    private record Executor(ProcessHandle process, Path stderr) {
        /** Tasks it has started so far (its log has a line for each). */
        int tasksStarted() throws IOException {
            int n = 0;
            for (String line : Files.readAllLines(stderr)) {
                if (line.contains("Running task")) {
                    n++;
                }
            }
            return n;
        }
    }

    private byte[] readHdfs(String uri) throws IOException {
        try (java.io.InputStream in = hdfs.fileSystem().open(new org.apache.hadoop.fs.Path(uri))) {
            return in.readAllBytes();
        }
    }

    /** The prediction job's command on {@code master}. */
    private static List<String> predict(String master, String model, String pictures, String out) {
        return List.of("predict", "--master", master, "--model", model, "--images", pictures, "-o", out,
                "--partitions", "8", "--batch", "8");
    }

    /**
     * An executor (a child of one of our workers) whose log shows more tasks started than {@code before} gives for that
     * log (none for a log not in it).
     */
    private Optional<Executor> runningExecutor(List<Path> workDirs, java.util.Map<Path, Integer> before)
            throws IOException {
        for (Path err : executorLogs(workDirs)) {
            Executor e = new Executor(null, err);
            if (e.tasksStarted() <= before.getOrDefault(err, 0)) {
                continue;
            }
            String id = err.getParent().getFileName().toString();
            String app = err.getParent().getParent().getFileName().toString();
            Optional<ProcessHandle> p = started.stream().flatMap(Process::descendants)
                    .filter(h -> commandLine(h).contains("CoarseGrainedExecutorBackend"))
                    .filter(h -> commandLine(h).contains(" --executor-id " + id + " "))
                    .filter(h -> commandLine(h).contains(" --app-id " + app + " "))
                    .findFirst();
            if (p.isPresent()) {
                return Optional.of(new Executor(p.get(), err));
            }
        }
        return Optional.empty();
    }

    /** The executors' logs (stderr) in the workers' directories. */
    private static List<Path> executorLogs(List<Path> workDirs) throws IOException {
        List<Path> logs = new ArrayList<>();
        for (Path work : workDirs) {
            if (!Files.isDirectory(work)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(work)) {
                files.filter(f -> f.getFileName().toString().equals("stderr"))
                        .filter(f -> !f.getParent().getFileName().toString().startsWith("driver-")).forEach(logs::add);
            }
        }
        return logs;
    }

    /**
     * The whole command line. ProcessHandle.Info reads at most one page of it on Linux, and the executor's starts
     * with the test class path, so its main class and --executor-id are only in /proc.
     */
    private static String commandLine(ProcessHandle h) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) { // gone already, or not Linux
            return h.info().commandLine().orElse("");
        }
    }

    /**
     * The master (host 0) or a worker (1, 2): a JVM of the test class path on {@code address}, in its host's network
     * namespace if there are network hosts.
     */
    private Process startDaemon(int host, String name, List<String> mainAndArgs, String address, Path localDirs)
            throws IOException {
        List<String> cmd = ClusterTests.clusterJvm(mainAndArgs);
        Process p = launch(name, hosts == null ? cmd : hosts.command(host, cmd), sparkHome, address, localDirs);
        daemons.add(p);
        return p;
    }


    /** {@code cmd} with SPARK_LOCAL_IP {@code host} (none if null), its output in NAME.log. */
    private Process launch(String name, List<String> cmd, Path sparkHome, String host, Path localDirs)
            throws IOException {
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        b.environment().put("SPARK_HOME", sparkHome.toString());
        b.environment().put("SPARK_SCALA_VERSION", "2.13");
        if (host != null) {
            b.environment().put("SPARK_LOCAL_IP", host);
        } else {
            b.environment().remove("SPARK_LOCAL_IP");
        }
        b.environment().put("SPARK_LOG_DIR", dir.toString());
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        if (localDirs != null) {
            b.environment().put("SPARK_LOCAL_DIRS", localDirs.toString());
        }
        Process p = b.start();
        started.add(p);
        return p;
    }

    /** Everything the cluster wrote, for a failure message. */
    private String logs(List<Path> workDirs, String driverName) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String name : List.of("master", "worker0", "worker1", driverName)) {
            b.append("---- ").append(name).append('\n').append(tail(log(name)));
        }
        for (Path work : workDirs) {
            if (Files.isDirectory(work)) {
                try (Stream<Path> files = Files.walk(work)) {
                    for (Path f : files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().startsWith("std")).toList()) {
                        b.append("---- ").append(f).append('\n').append(tail(Files.readString(f)));
                    }
                }
            }
        }
        return b.toString();
    }

    private static String tail(String s) {
        return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
    }

    private String log(String name) throws IOException {
        Path f = dir.resolve(name + ".log");
        return Files.exists(f) ? Files.readString(f) : "(no log)";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(String host, int port, Process p, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(host, port)) {
                return;
            } catch (IOException e) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("the Spark master exited with " + p.exitValue());
                }
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the Spark master did not open port " + port + " within " + seconds + " s");
    }

}
