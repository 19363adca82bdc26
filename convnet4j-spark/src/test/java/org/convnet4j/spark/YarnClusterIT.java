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
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.spark.cli.SparkMain;
import org.convnet4j.tensor.Shape;
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
 *   <li>client deploy mode, {@code spark predict}, {@code featurize}, {@code transfer} and {@code train} (tree
 *       exchange) in one application (a test driver running the four commands in one session, as the commands make
 *       it), with Spark's jars from the archive {@code spark package-yarn} put on an HDFS: the driver is a JVM of this
 *       test, the ApplicationMaster and the executor are YARN containers; the CSV equals the local[2] run's byte for
 *       byte, the features equal local[2]'s within 1e-6, the pipeline answers as the local[2] one, the model equals
 *       the in-process run's within 1e-5, and the ResourceManager saw the application finish with SUCCEEDED;</li>
 *   <li>cluster deploy mode through Spark's launcher (what {@code spark-submit --master yarn --deploy-mode cluster}
 *       runs): the driver runs in the ApplicationMaster's container from the uploaded application jar; {@code spark
 *       train --exchange ring} (two executor containers; the model equals the in-process run's within 1e-5) and
 *       {@code spark featurize}, {@code spark transfer} and {@code spark predict} (the same features, pipeline and CSV as
 *       local[2]; an executor container killed in the middle of a prediction task, which is retried) in one application
 *       (the same test driver, from {@code --jars}), SUCCEEDED in one attempt.</li>
 * </ul>
 *
 * <p>One ResourceManager and NodeManager for the class; the local[2] references run in one session of this JVM,
 * stopped after the last test.
 *
 * <p>Spark's jars reach the cluster-mode containers as {@code spark.yarn.jars} = {@code local:} paths (the test class
 * path's Spark jars; a cluster has them installed on every node): nothing of Spark is uploaded; the client-mode
 * application gets them from package-yarn's archive instead. The NodeManager's memory checks are
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
        // the NodeManager reports every 100 ms (1 s by default): the scheduler hands out containers on those reports
        // (an ApplicationMaster, the executors, a replacement), and a killed container's end reaches the driver's
        // "Lost executor" (which the cluster-mode test waits for) through them; latencies, not work
        c.setLong(YarnConfiguration.RM_NM_HEARTBEAT_INTERVAL_MS, 100);
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
        long t0 = System.nanoTime();
        ClusterTests.stopAll(started);
        if (local != null) {
            // a session left running in this JVM would be the next cluster test's (SparkSessions.start refuses it)
            local.stop();
        }
        System.out.printf("YarnClusterIT: local session stopped in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        if (yarn != null) {
            // MiniYARNCluster's stop is mostly sleeping (17.1 s at load 32; the quiet CI spent ~21 s of this class
            // outside its two tests): the NodeManager waits in 1-s sleeps for its applications to be finished, then up
            // to 10 s for its log deleter's pool (NonAggregatingLogHandler: log aggregation is off, and the logs'
            // deletion is scheduled hours ahead). Nothing after this class needs it gone (every port ephemeral, its
            // folders its own, the applications ended, the JVMs this class started stopped above): it stops in the
            // background while the next class runs
            MiniYARNCluster cluster = yarn;
            Thread stopper = new Thread(() -> {
                long t1 = System.nanoTime();
                cluster.stop();
                System.out.printf("YarnClusterIT: MiniYARNCluster stopped in %.1f s (in the background)%n",
                        (System.nanoTime() - t1) / 1e9);
            }, "YarnClusterIT-stop");
            stopper.setDaemon(true);
            stopper.start();
        }
    }

    private org.apache.spark.sql.SparkSession local;

    /**
     * One local[2] session for every local run of this class (the references the YARN runs must equal): the commands
     * run with {@code --master local[2]} in it and leave it running (SparkMain.run keeps a caller's session on the same
     * master), instead of starting and stopping a session of their own each time; stopped after the last test.
     */
    private synchronized org.apache.spark.sql.SparkSession local() {
        if (local == null || local.sparkContext().isStopped()) {
            local = TestSpark.session();
        }
        return local;
    }

    /**
     * The settings of an application with {@code executors} executors of {@code cores} cores, its staging directory
     * in {@code staging} (no spark.yarn.jars).
     */
    private List<String> yarnConf(int executors, int cores, String staging) {
        String java = System.getProperty("java.home");
        return List.of(
                "spark.yarn.stagingDir=" + staging,
                "spark.yarn.maxAppAttempts=1",
                "spark.executor.instances=" + executors, "spark.executor.cores=" + cores,
                "spark.executor.memory=512m", "spark.yarn.am.memory=384m",
                // the NodeManager's JVM has no JAVA_HOME of its own here (a cluster's has)
                "spark.yarn.appMasterEnv.JAVA_HOME=" + java, "spark.executorEnv.JAVA_HOME=" + java,
                "spark.network.timeout=600s", "spark.executor.heartbeatInterval=30s",
                // the executor containers: C1 only, as every JVM of the tests (ClusterTests.jitOptions)
                "spark.executor.extraJavaOptions=" + ClusterTests.jitOptions(),
                // the client asks for the application's state every 0.25 s (1 s by default): it waits for it to run
                // (client mode) or to end (cluster mode)
                "spark.yarn.report.interval=250ms",
                // no web UI (a Jetty server and its pages in each driver): nothing here looks at it
                "spark.ui.enabled=false");
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
            local();
            assertEquals(0, SparkMain.run(predict("local[2]", want).toArray(String[]::new)));
        }
        return Files.readAllBytes(want);
    }

    /**
     * A driver as {@code ./convnet4j spark} starts it: this module's shaded jar, Spark's jars, the cluster's
     * configuration folder, the driver on 127.0.0.1, and {@code home} as the user's home folder (where the default file
     * system, {@code file:} here, has package-yarn's archive); the arguments are to be added.
     */
    private List<String> clientDriver(Path home) throws IOException {
        return clientDriver(home, false);
    }

    /**
     * {@link #clientDriver(Path)}, or with {@code several} a driver that runs several commands, separated by
     * {@code --then}, in one application: the same class path and a jar of the test's {@code CommandsInOneApplication}
     * as the main class instead of SparkMain. That jar is one more than the archive package-yarn wrote holds, as a
     * user's library next to convnet4j's jar would be: the driver still finds that archive (it has every jar of it) and
     * ships its own jar to the executors itself.
     */
    private List<String> clientDriver(Path home, boolean several) throws IOException {
        Files.createDirectories(home);
        String main = SparkMain.class.getName();
        String classPath = jar + ":" + String.join(":", sparkJars) + ":" + confDir;
        if (several) {
            main = org.convnet4j.spark.cli.CommandsInOneApplication.class.getName();
            classPath += ":" + ClusterTests.commandsDriverJar(dir.resolve("client-driver"));
        }
        List<String> cmd = new ArrayList<>(List.of(javaBin()));
        cmd.addAll(testJvmArgs());
        cmd.addAll(List.of("-Xmx1g", "-Duser.home=" + home, "-cp", classPath, main));
        return cmd;
    }

    private List<String> clientConf(String appName, List<String> conf) {
        List<String> all = new ArrayList<>(confArgs(conf));
        all.addAll(List.of("--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.app.name=" + appName));
        return all;
    }

    /** The training both exchanges run on YARN (2 partitions, global batch 16, seed 3, one epoch). */
    private List<String> train(String exchange, Path out) {
        return new ArrayList<>(List.of("train", "--master", "yarn", "--model", "lenet5-classic", "--data",
                trainFolder().toUri().toString(), "--epochs", "1", "--batch", "16", "--optimizer", "sgd", "--lr", "0.5",
                "--momentum", "0.5", "--val-split", "0.2", "--seed", "3", "--partitions", "2", "--exchange", exchange,
                "--no-progress", "--out", out.toString()));
    }

    private Path trainFolder;
    private TrainingRun.Result inProcess;
    private Path inProcessModel;

    private synchronized Path trainFolder() {
        if (trainFolder == null) {
            try {
                trainFolder = TestSpark.stripeFolder(dir.resolve("train"), 40, 12);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return trainFolder;
    }

    /** The same training in this process, without Spark: what both YARN trainings must give. */
    private synchronized TrainingRun.Result inProcess() throws Exception {
        if (inProcess == null) {
            inProcessModel = Files.createDirectories(dir.resolve("in-process-train")).resolve("m.c4j");
            Preprocessing prep = Preprocessing.forInput(Shape.of(1, 28, 28));
            inProcess = new TrainingRun(TrainingSettings.builder().model("lenet5-classic")
                    .data(trainFolder().toString()).epochs(1).batch(16).optimizer("sgd").lr(0.5).momentum(0.5)
                    .valSplit(0.2).seed(3).out(inProcessModel).build(),
                    ImageFolderDataset.builder(trainFolder()).channels(1).transform(prep.transform()).build()).run();
        }
        return inProcess;
    }

    /** The model spark train wrote on YARN evaluates as the in-process one: weights within 1e-5, same accuracy. */
    private double assertLikeInProcess(Path model, String log) throws Exception {
        TrainingRun.Result want = inProcess();
        double worst = ClusterTests.largestDifference(Checkpoint.load(inProcessModel).parameters(),
                Checkpoint.load(model).parameters());
        assertTrue(worst <= 1e-5, "largest weight difference to the in-process run: " + worst);
        assertTrue(log.contains(String.format(java.util.Locale.ROOT, "best validation accuracy %.4f at epoch %d",
                want.bestValidationAccuracy(), want.bestEpoch())), log);
        return worst;
    }

    /**
     * Client deploy mode, one application of four commands ({@link org.convnet4j.spark.cli.CommandsInOneApplication}:
     * the session made as the commands make theirs, each command reusing it; one ApplicationMaster and executor start
     * instead of four): the driver is a JVM of this test, the ApplicationMaster and the executor are YARN containers;
     * the application SUCCEEDED and an executor container ran tasks.
     *
     * <p>Where Spark comes from: {@code spark package-yarn} puts Spark's jars on the cluster's file system once, an
     * HDFS (MiniDFSCluster, the default file system given as {@code spark.hadoop.fs.defaultFS}) in the user's home
     * folder there (run twice: the second finds it). Then the application, with nothing saying where Spark's jars
     * are, finds it and gives it as {@code spark.yarn.archive}; its staging directory, on the same HDFS, holds Spark's
     * configuration but none of Spark's jars and no copy of the archive (Spark copies only what is on another file
     * system), and the containers ran Spark from it. The commands' own files are {@code file:} URIs (the default file
     * system is HDFS).
     *
     * <ul>
     *   <li>{@code spark predict}: the CSV equals local[2]'s byte for byte;</li>
     *   <li>{@code spark featurize}: the features equal local[2]'s within 1e-6;</li>
     *   <li>{@code spark transfer}: the pipeline answers as the local[2] one;</li>
     *   <li>{@code spark train} with the tree exchange: the model equals the in-process one.</li>
     * </ul>
     */
    @Test
    void predictFeaturizeTransferAndTreeTrainingInClientDeployModeWithSparkFromTheArchiveOnHdfs() throws Exception {
        long t0 = System.nanoTime();
        try (MiniHdfs hdfs = new MiniHdfs(dir.resolve("hdfs"))) {
            System.out.printf("YarnClusterIT: MiniDFSCluster up in %.1f s%n", hdfs.startSeconds);
            List<String> fs = List.of("--conf", "spark.hadoop.fs.defaultFS=" + hdfs.uri);
            List<String> publish = clientDriver(dir.resolve("home"));
            publish.add("package-yarn");
            publish.addAll(fs);
            String printed = run("package-yarn", publish);
            org.apache.hadoop.fs.FileSystem files = hdfs.fileSystem();
            org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(hdfs.uri + "/user/"
                    + System.getProperty("user.name") + "/.convnet4j");
            org.apache.hadoop.fs.FileStatus[] made = files.listStatus(folder);
            assertEquals(1, made.length, Arrays.toString(made));
            org.apache.hadoop.fs.Path archive = made[0].getPath();
            assertTrue(archive.getName().matches("spark-jars-3\\.5\\.[0-9]+-[0-9a-f]{12}\\.zip"), archive.toString());
            assertTrue(printed.contains("wrote " + hdfs.uri + archive.toUri().getPath()), printed);
            assertEquals((short) 0644, made[0].getPermission().toShort(), "readable by every user (NodeManagers' cache)");
            java.util.Set<String> entries = new java.util.TreeSet<>();
            try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(files.open(archive))) {
                for (java.util.zip.ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                    entries.add(e.getName());
                }
            }
            assertEquals(sparkJars.stream().map(j -> Path.of(j).getFileName().toString())
                    .collect(Collectors.toCollection(java.util.TreeSet::new)), entries);
            long modified = made[0].getModificationTime();
            assertTrue(run("package-yarn-again", publish).contains("already there:"));
            assertEquals(modified, files.getFileStatus(archive).getModificationTime(), "package-yarn wrote it again");
            System.out.printf("YarnClusterIT: package-yarn put %d jars, %d MB, on HDFS, %.1f s%n", entries.size(),
                    made[0].getLen() >> 20, (System.nanoTime() - t0) / 1e9);

            Path csv = dir.resolve("client.csv");
            Path features = dir.resolve("yarn-features.csv");
            Path yarnPipeline = dir.resolve("yarn-pipeline");
            Path trained = Files.createDirectories(dir.resolve("yarn-tree")).resolve("m.c4j");
            List<String> conf = new ArrayList<>(yarnConf(1, 2, hdfs.uri + "/staging"));
            conf.add("spark.yarn.preserve.staging.files=true");
            // the ApplicationMaster of client deploy mode only asks for and watches containers: no engine code
            conf.add("spark.yarn.am.extraJavaOptions=" + ClusterTests.CLIENT_COMPILER_ONLY);
            List<String> settings = new ArrayList<>(fs);
            settings.addAll(clientConf("convnet4j-client", conf));
            String modelUri = model.toUri().toString();
            String images = pictures.toUri().toString();
            List<String> cmd = clientDriver(dir.resolve("home"), true);
            cmd.addAll(List.of("predict", "--master", "yarn", "--model", modelUri, "--images", images, "-o",
                    csv.toUri().toString(), "--partitions", "4", "--batch", "8"));
            cmd.addAll(settings);
            cmd.addAll(List.of("--then", "featurize", "--master", "yarn", "--model", modelUri, "--images", images,
                    "--partitions", "4", "--batch", "8", "-o", features.toUri().toString()));
            cmd.addAll(settings);
            cmd.addAll(List.of("--then", "transfer", "--master", "yarn", "--base", modelUri, "--images", images, "-o",
                    yarnPipeline.toUri().toString(), "--partitions", "4", "--max-iter", TRANSFER_ITERATIONS));
            cmd.addAll(settings);
            cmd.add("--then");
            cmd.addAll(train("tree", trained));
            cmd.addAll(settings);
            String log = run("client", cmd);
            assertTrue(log.contains("command 4 (train) exited with 0"), log);
            RMApp app = onlyApp("convnet4j-client", "client");
            assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(),
                    app.getDiagnostics().toString());
            assertTrue(executorsRanTasks(app) >= 1, "no executor container of " + app.getApplicationId() + " ran a task");
            // Spark from the archive: nothing of it uploaded
            assertTrue(!log.contains("uploading Spark's"), log);
            List<String> staged = new ArrayList<>();
            // Spark 3 puts an application's staging folder under spark.yarn.stagingDir/USER/.sparkStaging/ID
            org.apache.hadoop.fs.FileStatus[] stagingDirs = files.globStatus(new org.apache.hadoop.fs.Path(hdfs.uri
                    + "/staging/*/.sparkStaging/" + app.getApplicationId()));
            assertTrue(stagingDirs != null && stagingDirs.length == 1, "the staging folder of " + app.getApplicationId()
                    + " (kept: spark.yarn.preserve.staging.files): " + Arrays.toString(stagingDirs));
            for (org.apache.hadoop.fs.FileStatus f : files.listStatus(stagingDirs[0].getPath())) {
                staged.add(f.getPath().getName() + " " + f.getLen());
            }
            assertTrue(staged.stream().anyMatch(f -> f.startsWith("__spark_conf__.zip ")), staged.toString());
            assertTrue(staged.stream().noneMatch(f -> f.startsWith("spark-") || f.startsWith("__spark_libs__")
                    || f.contains(".zip ") && !f.startsWith("__spark_conf__")), "Spark's jars were uploaded: " + staged);

            // predict
            assertTrue(log.contains("24 pictures, 24 classified, 0 could not be decoded"), log);
            assertArrayEquals(localCsv(), Files.readAllBytes(csv), "client mode's CSV differs from local[2]'s");
            // featurize
            assertTrue(log.contains("24 pictures, 0 could not be decoded"), log);
            int columns = assertLocalFeatures(features);
            // transfer
            assertTrue(log.contains("case 1: 24 pictures of 2 classes"), log);
            double coefficients = assertLocalPipelinesAnswers(yarnPipeline, log);
            // train
            double worst = assertLikeInProcess(trained, log);
            System.out.printf("YarnClusterIT: client deploy mode, Spark from the archive on HDFS (staged %s), predict,"
                    + " featurize (%d features per picture), transfer (coefficients within %.2g) and train (tree, weights"
                    + " within %.2g) in one application, %s, %.1f s%n", staged, columns - 1, coefficients, worst,
                    app.getApplicationId(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** spark featurize's arguments but the master and the output, on YARN and on local[2]. */
    private List<String> featurizeArgs() {
        return List.of("featurize", "--model", model.toString(), "--images", pictures.toString(), "--partitions", "4",
                "--batch", "8");
    }

    private Path localFeatures;

    /** The local[2] run of the same featurize (once for the class): what both YARN runs' features must equal. */
    private synchronized Path localFeatures() {
        if (localFeatures == null) {
            Path want = dir.resolve("local-features.csv");
            local();
            List<String> clean = new ArrayList<>(featurizeArgs());
            clean.addAll(List.of("--master", "local[2]", "-o", want.toString()));
            assertEquals(0, SparkMain.run(clean.toArray(String[]::new)));
            localFeatures = want;
        }
        return localFeatures;
    }

    /**
     * The bottleneck features (the default cut) of every picture in {@code got}, a CSV written by {@code spark
     * featurize} on YARN, equal the same command's on local[2] within 1e-6 (same header, same pictures); returns the
     * number of columns.
     */
    private int assertLocalFeatures(Path got) throws Exception {
        List<String> wantLines = Files.readAllLines(localFeatures());
        List<String> gotLines = Files.readAllLines(got);
        assertEquals(wantLines.get(0), gotLines.get(0), "header");
        Map<String, String[]> wantRows = csvRows(wantLines);
        Map<String, String[]> gotRows = csvRows(gotLines);
        assertEquals(24, wantRows.size());
        assertEquals(wantRows.keySet(), gotRows.keySet());
        int columns = wantLines.get(0).split(",").length;
        assertTrue(columns > 10, "features per picture: " + (columns - 1));
        double worst = 0;
        for (Map.Entry<String, String[]> e : wantRows.entrySet()) {
            String[] g = gotRows.get(e.getKey());
            assertEquals(columns, e.getValue().length, e.getKey());
            assertEquals(columns, g.length, e.getKey());
            for (int i = 1; i < columns; i++) {
                worst = Math.max(worst, Math.abs(Double.parseDouble(e.getValue()[i]) - Double.parseDouble(g[i])));
            }
        }
        assertTrue(worst <= 1e-6, "largest feature difference to local[2]: " + worst);
        System.out.printf("YarnClusterIT: featurize (%s), %d features per picture within %.2g of local[2]%n",
                got.getFileName(), columns - 1, worst);
        return columns;
    }

    /** The rows of a CSV after its header, by their first field. */
    private static Map<String, String[]> csvRows(List<String> lines) {
        Map<String, String[]> rows = new java.util.TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            rows.put(f[0], f);
        }
        return rows;
    }

    /** What the local[2] run of spark transfer made (once for the class). */
    private record LocalTransfer(org.apache.spark.ml.PipelineModel model, String stated,
            Map<String, String[]> answers) {
    }

    private LocalTransfer localTransfer;

    /**
     * The logistic regression's iterations in every spark transfer of this class (YARN's and local[2]'s alike): each
     * is a Spark job (23 to converge with the default 100, ~25 s of a loaded cluster-mode application); the
     * assertions compare the same fit on YARN and on local[2], which needs no converged one.
     */
    private static final String TRANSFER_ITERATIONS = "5";

    /**
     * The local[2] run of the same {@code spark transfer} (once for the class): its pipeline, the result it states
     * ("case 1: ... training accuracy A", the line up to "; saved"), and that pipeline's answer (class name, top
     * probability) for every picture, applied directly in the local[2] session.
     */
    private synchronized LocalTransfer localTransfer() throws Exception {
        if (localTransfer == null) {
            Path localPipeline = dir.resolve("local-pipeline");
            org.apache.spark.sql.SparkSession spark = local();
            java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(new OutputStream() {
                @Override
                public void write(int b) {
                    out.write(b);
                    printed.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    out.write(b, off, len);
                    printed.write(b, off, len);
                }
            }, true, java.nio.charset.StandardCharsets.UTF_8));
            try {
                assertEquals(0, SparkMain.run("transfer", "--master", "local[2]", "--base", model.toString(),
                        "--images", pictures.toString(), "-o", localPipeline.toString(), "--partitions", "4",
                        "--max-iter", TRANSFER_ITERATIONS));
            } finally {
                System.setOut(out);
            }
            String stated = printed.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("case 1: ")).findFirst().orElseThrow(() -> new AssertionError(
                            "no 'case 1:' line from the local[2] transfer:\n" + printed));
            stated = stated.substring(0, stated.indexOf("; saved"));
            org.apache.spark.ml.PipelineModel localModel = org.apache.spark.ml.PipelineModel.load(
                    localPipeline.toString());
            Map<String, String[]> answers = new java.util.TreeMap<>();
            String names = org.convnet4j.spark.ConvNetPipelines.classNameColumn(localModel);
            org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> pics = spark.read().format("binaryFile")
                    .option("recursiveFileLookup", "true").load(pictures.toString());
            for (org.apache.spark.sql.Row r : org.convnet4j.spark.ConvNetPipelines.transform(localModel, pics)
                    .select("path", names, "prediction", "probability").collectAsList()) {
                org.apache.spark.ml.linalg.Vector p = r.getAs(3);
                answers.put(r.getString(0), new String[] {r.getString(0), r.getString(1),
                    Double.toString(p.apply((int) r.getDouble(2)))});
            }
            assertEquals(24, answers.size());
            localTransfer = new LocalTransfer(localModel, stated, answers);
        }
        return localTransfer;
    }

    /**
     * The pipeline {@code spark transfer} wrote on YARN in {@code yarnPipeline} (case 1: features of the LeNet-5, MLlib's
     * logistic regression) gives the same class names as the pipeline of the same command on local[2] for every
     * picture, probabilities within 1e-5, coefficients within 1e-6 (MLlib sums the partitions' gradients in the order
     * tasks finish), and the YARN run's {@code log} states the local[2] run's result (pictures, classes, features,
     * cut, training accuracy); returns the largest coefficient difference.
     */
    private double assertLocalPipelinesAnswers(Path yarnPipeline, String log) throws Exception {
        LocalTransfer want = localTransfer();
        assertTrue(log.contains(want.stated() + "; saved "), "the local[2] transfer's result, '" + want.stated()
                + "', is not in the YARN run's log:\n" + tail(log));
        org.apache.spark.ml.linalg.Matrix wantCoefficients = logistic(want.model()).coefficientMatrix();
        org.apache.spark.ml.linalg.Matrix got = logistic(org.apache.spark.ml.PipelineModel.load(yarnPipeline.toString()))
                .coefficientMatrix();
        double worst = 0;
        for (int i = 0; i < wantCoefficients.numRows(); i++) {
            for (int j = 0; j < wantCoefficients.numCols(); j++) {
                worst = Math.max(worst, Math.abs(wantCoefficients.apply(i, j) - got.apply(i, j)));
            }
        }
        assertTrue(worst <= 1e-6, "largest coefficient difference: " + worst);
        // the YARN pipeline through spark predict (local[2]), the local one applied directly in the same session
        Path csv = dir.resolve(yarnPipeline.getFileName() + ".csv");
        assertEquals(0, SparkMain.run("predict", "--master", "local[2]", "--model", yarnPipeline.toString(), "--images",
                pictures.toString(), "-o", csv.toString()));
        Map<String, String[]> yarnRows = csvRows(Files.readAllLines(csv));
        assertEquals(want.answers().keySet(), yarnRows.keySet());
        for (Map.Entry<String, String[]> e : want.answers().entrySet()) {
            String[] y = yarnRows.get(e.getKey());
            assertEquals(e.getValue()[1], y[1], e.getKey());
            assertEquals(Double.parseDouble(e.getValue()[2]), Double.parseDouble(y[2]), 1e-5, e.getKey());
        }
        System.out.printf("YarnClusterIT: transfer (%s), coefficients within %.2g of local[2]%n",
                yarnPipeline.getFileName(), worst);
        return worst;
    }

    private static org.apache.spark.ml.classification.LogisticRegressionModel logistic(
            org.apache.spark.ml.PipelineModel pipeline) {
        for (org.apache.spark.ml.Transformer t : pipeline.stages()) {
            if (t instanceof org.apache.spark.ml.classification.LogisticRegressionModel lr) {
                return lr;
            }
        }
        throw new AssertionError("no logistic regression in " + pipeline);
    }

    /**
     * YARN's cluster deploy mode through Spark's launcher ({@code spark-submit --master yarn --deploy-mode cluster}): the
     * driver runs in the ApplicationMaster's container, two executor containers of one core each; one application
     * (the test driver CommandsInOneApplication, given with {@code --jars}, the last command through SparkMain.main
     * as spark-submit runs it there) instead of one per command, SUCCEEDED in one attempt:
     *
     * <ul>
     *   <li>{@code spark train --exchange ring}: each step a barrier stage of 2 tasks in the 2 executor containers,
     *       exchanging gradients over the ring's sockets between the containers; the driver writes the model, which
     *       equals the in-process one, and its log has the in-process best validation accuracy (the tree exchange runs
     *       in client deploy mode below);</li>
     *   <li>{@code spark featurize}: the features equal local[2]'s within 1e-6 (the reference the client-mode test
     *       uses, computed once for the class);</li>
     *   <li>{@code spark transfer}: the ApplicationMaster's log states the local[2] run's result (pictures, classes,
     *       features, training accuracy), coefficients within 1e-6, the pipeline answers as the local[2] one;</li>
     *   <li>{@code spark predict}, the pictures read through {@link HoldingFileSystem}, with one executor container
     *       killed (kill -9) in the middle of a task (the task that opened a picture the test holds up,
     *       {@link HeldPicture}): the task is retried in another container and finishes, the CSV has local[2]'s rows
     *       (the pictures named by their {@code held:} URIs), the summary is in the ApplicationMaster's log.</li>
     * </ul>
     */
    @Test
    void ringTrainingFeaturizeTransferAndPredictInClusterDeployModeAcrossTwoExecutorContainers() throws Exception {
        long t0 = System.nanoTime();
        Path trained = Files.createDirectories(dir.resolve("yarn-ring")).resolve("m.c4j");
        Path csv = dir.resolve("cluster.csv");
        List<String> conf = new ArrayList<>(List.of(
                "spark.yarn.jars=" + sparkJars.stream().map(j -> "local:" + j).collect(Collectors.joining(","))));
        conf.addAll(yarnConf(2, 1, dir.resolve("staging").toUri().toString()));
        // a barrier stage waits for both executors' slots: check every second, not every 15 s
        conf.addAll(List.of("spark.dynamicAllocation.enabled=false",
                "spark.scheduler.barrier.maxConcurrentTasksCheck.interval=1s",
                "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures=600",
                "spark.scheduler.minRegisteredResourcesRatio=1.0"));
        Path features = dir.resolve("cluster-features.csv");
        Path pipeline = dir.resolve("cluster-pipeline");
        List<String> commands = train("ring", trained);
        commands.add("--then");
        commands.addAll(featurizeArgs());
        commands.addAll(List.of("--master", "yarn", "-o", features.toString()));
        commands.addAll(List.of("--then", "transfer", "--master", "yarn", "--base", model.toString(), "--images",
                pictures.toString(), "-o", pipeline.toString(), "--partitions", "4", "--max-iter",
                TRANSFER_ITERATIONS));
        commands.add("--then");
        // the prediction reads the pictures through HoldingFileSystem (held: URIs), which can hold up a picture's task
        List<String> predict = predict("yarn", csv);
        predict.set(predict.indexOf("--images") + 1, HeldPicture.uri(pictures));
        commands.addAll(predict);
        conf.add("spark.hadoop.fs." + HoldingFileSystem.SCHEME + ".impl=" + HoldingFileSystem.class.getName());
        // an executor container killed (kill -9) in the middle of a task of the last command, the prediction: the
        // driver waits for go before it; the test notes which containers ran tasks so far, holds one picture (the task
        // that opens it waits), says go, kills the container whose task opened that picture, and lets the picture go
        // once the task's retry in another container has opened it
        Path go = dir.resolve("cluster-mode-go");
        HeldPicture held = new HeldPicture(pictures.resolve("vertical").resolve("vertical-5.png"));
        java.util.concurrent.CompletableFuture<KilledContainer> killer = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> killAnExecutorContainerInAPredictionTask("convnet4j-cluster-mode", go, held));
        RMApp app;
        try {
            app = submitInClusterMode("convnet4j-cluster-mode", conf, commands, "-Dconvnet4j.test.goBeforeLast=" + go);
        } finally {
            Files.writeString(go.resolveSibling("cluster-mode-stop"), "the submission ended");
            held.close();
        }
        KilledContainer killed = killer.get(60, TimeUnit.SECONDS);
        String logs = containerLogs(app);
        for (String done : List.of("command 1 (train)", "command 2 (featurize)", "command 3 (transfer)",
                "command 4 (predict)")) {
            assertTrue(logs.contains(done + " exited with 0"),
                    "'" + done + " exited with 0' is not in the ApplicationMaster's log:\n" + tail(logs));
        }
        // the killed container: the driver saw it go, the prediction ran without it (the CSV below is complete and
        // local[2]'s), the application SUCCEEDED in one attempt (submitInClusterMode)
        assertTrue(logs.contains("Lost executor"), "the driver should have seen the executor go:\n" + tail(logs));
        // in the middle of a task: the killed container's log has the task it was running (the one that had the held
        // picture open) started and never finished; the container that opened the picture next ran it again (a later
        // attempt of the same partition of the same stage) and finished it
        java.util.regex.Matcher retried = java.util.regex.Pattern.compile("Finished task " + killed.partition()
                + "\\.([1-9][0-9]*) in stage " + killed.stage() + "\\.[0-9]+ ").matcher(containerLog(app, killed.retriedIn()));
        assertTrue(retried.find(), "container " + killed.retriedIn() + " opened the held picture after the kill but did"
                + " not finish a later attempt of task " + killed.partition() + " in stage " + killed.stage() + ":\n"
                + tail(containerLog(app, killed.retriedIn())));
        System.out.println("YarnClusterIT: killed executor container " + killed.container() + " in the middle of "
                + killed.task() + " of spark predict (it had the held picture open); attempt " + retried.group(1)
                + " finished in " + killed.retriedIn() + "; the application still SUCCEEDED in one attempt");
        // train
        assertEquals(2, killed.ranTasksBefore(), "executor containers that ran tasks");
        double worst = assertLikeInProcess(trained, logs);
        // featurize
        assertTrue(logs.contains("24 pictures, 0 could not be decoded"), tail(logs));
        int columns = assertLocalFeatures(features);
        // transfer
        double coefficients = assertLocalPipelinesAnswers(pipeline, logs);
        // predict
        assertTrue(logs.contains("24 pictures, 24 classified, 0 could not be decoded"),
                "the driver's summary is not in the ApplicationMaster's log:\n" + tail(logs));
        // the same rows as local[2]'s, the pictures named by their held: URIs
        assertEquals(new String(localCsv(), java.nio.charset.StandardCharsets.UTF_8).replace("\nfile:/", "\n"
                + HoldingFileSystem.SCHEME + ":/"), Files.readString(csv), "cluster mode's CSV differs from local[2]'s");
        System.out.printf("YarnClusterIT: cluster deploy mode, train (ring, weights within %.2g), featurize (%d features"
                + " per picture), transfer (coefficients within %.2g) and predict in one application, 2 executor"
                + " containers, %s, %.1f s%n", worst, columns - 1, coefficients, app.getApplicationId(),
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * {@code spark-submit --master yarn --deploy-mode cluster --name NAME --conf ... --jars commands-driver.jar
     * convnet4j-spark.jar ARGS} as Spark's launcher builds it (a SPARK_HOME whose jars are the test class path's Spark
     * jars): the driver runs the commands of {@code args} (separated by {@code --then}) with CommandsInOneApplication
     * in the ApplicationMaster's container, the last through {@link SparkMain#main}. Asserts the submission exits 0 and the application SUCCEEDED in
     * one attempt; returns it.
     */
    private RMApp submitInClusterMode(String name, List<String> conf, List<String> args, String driverOptions)
            throws Exception {
        Path driverJar = ClusterTests.commandsDriverJar(dir.resolve("cluster-driver"));
        Path sparkHome = dir.resolve("spark-home");
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        synchronized (this) {
            for (String j : sparkJars) {
                Path p = Path.of(j);
                if (!Files.exists(jars.resolve(p.getFileName()))) {
                    Files.createSymbolicLink(jars.resolve(p.getFileName()), p);
                }
            }
        }
        List<String> submit = new ArrayList<>(List.of(javaBin(), "-cp", jars + "/*", "org.apache.spark.launcher.Main",
                "org.apache.spark.deploy.SparkSubmit", "--master", "yarn", "--deploy-mode", "cluster",
                "--name", name, "--class", org.convnet4j.spark.cli.CommandsInOneApplication.class.getName(),
                "--jars", driverJar.toString(), "--driver-memory", "768m",
                "--driver-java-options", ClusterTests.withJit("--add-modules jdk.incubator.vector -Xss4m " + driverOptions)));
        submit.addAll(confArgs(conf));
        submit.add(jar.toString());
        submit.addAll(args);
        ProcessBuilder b = new ProcessBuilder(submit);
        Map<String, String> env = b.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("HADOOP_CONF_DIR", confDir.toString());
        // the client JVM the launcher's command starts (it submits, then watches the application): no engine code
        env.put("SPARK_SUBMIT_OPTS", ClusterTests.CLIENT_COMPILER_ONLY);
        Process launcher = b.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] printed = launcher.getInputStream().readAllBytes();
        assertEquals(0, launcher.waitFor(), "Spark's launcher failed");
        // the launcher prints the command, each argument ended by NUL (bin/spark-class reads it the same way)
        List<String> command = Arrays.stream(new String(printed, java.nio.charset.StandardCharsets.UTF_8).split("\0"))
                .map(String::strip).filter(a -> !a.isEmpty()).toList();
        assertTrue(command.contains("org.apache.spark.deploy.SparkSubmit"), command.toString());
        String log = run(name, command, env);
        RMApp app = onlyApp(name, "cluster");
        assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(),
                app.getDiagnostics() + "\n" + log);
        assertEquals(1, app.getAppAttempts().size(), "one attempt: " + app.getDiagnostics());
        return app;
    }

    /**
     * The executor container killed in the middle of a task of the last command, how many containers had run tasks
     * before that command, the task it was running ({@code task P.0 in stage S.A (TID T)}: partition, stage) and the
     * container that opened the held picture next (the task's retry).
     */
    private record KilledContainer(String container, int ranTasksBefore, String task, int partition, int stage,
            String retriedIn) {
    }

    private static final java.util.regex.Pattern RUNNING = java.util.regex.Pattern.compile(
            "Running (task ([0-9]+)\\.([0-9]+) in stage ([0-9]+)\\.[0-9]+ \\(TID ([0-9]+)\\))");

    /**
     * For the cluster-mode application {@code name} whose driver waits for {@code go} before its last command (a
     * prediction): waits for the driver to say so, counts the containers that ran tasks so far, holds the picture
     * {@code held} (a named pipe from now: the task that reads it waits), creates {@code go}, waits for an executor
     * container to have the held picture open, kills (kill -9) that container's process, waits for another executor
     * container to open the picture (the task's retry), lets the picture go and waits until the driver has logged the
     * loss ("Lost executor"). Gives up when the file {@code cluster-mode-stop} next to {@code go} appears (the
     * submission ended) or after 10 minutes; puts the picture back if it fails (the job then goes on instead of
     * waiting for ever). A task of this short prediction would often end before a kill aimed by time landed: the held
     * picture keeps it running until it is killed.
     */
    private KilledContainer killAnExecutorContainerInAPredictionTask(String name, Path go, HeldPicture held) {
        try {
            Path stop = go.resolveSibling("cluster-mode-stop");
            long deadline = System.nanoTime() + 600_000_000_000L;
            RMApp app = null;
            while (System.nanoTime() < deadline && !Files.exists(stop)) {
                if (app == null) {
                    app = yarn.getResourceManager().getRMContext().getRMApps().values().stream()
                            .filter(a -> a.getName().equals(name)).findFirst().orElse(null);
                }
                if (app != null && containerLogs(app).contains("waiting for " + go)) {
                    break;
                }
                Thread.sleep(100);
            }
            assertTrue(app != null && containerLogs(app).contains("waiting for " + go),
                    "the driver did not reach its last command");
            Map<String, Integer> before = tasksPerContainer(app);
            List<String> ran = before.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toList();
            assertTrue(!ran.isEmpty(), "no executor container ran a task: " + before);
            held.hold();
            Files.createFile(go);
            ProcessHandle victim = firstReader(held, -1, deadline, stop);
            String container = containerOf(victim);
            // the task it is in the middle of: started in its log, not finished (one core: one task at a time)
            String log = containerLog(app, container);
            java.util.regex.Matcher m = RUNNING.matcher(log);
            String task = null;
            int partition = -1;
            int stage = -1;
            while (m.find()) {
                if (!log.contains("Finished " + m.group(1))) {
                    task = m.group(1);
                    partition = Integer.parseInt(m.group(2));
                    stage = Integer.parseInt(m.group(4));
                    assertEquals("0", m.group(3), "the first attempt of " + task);
                }
            }
            assertTrue(task != null, container + " has the held picture open but no unfinished task:\n" + tail(log));
            long held0 = System.nanoTime();
            assertTrue(victim.destroyForcibly(), "kill -9 was not delivered to " + container);
            victim.onExit().get(60, TimeUnit.SECONDS);
            String retriedIn = containerOf(firstReader(held, victim.pid(), deadline, stop));
            held.release();
            System.out.printf("YarnClusterIT: killed %s in %s; %s opened the held picture %.1f s after the kill%n",
                    container, task, retriedIn, (System.nanoTime() - held0) / 1e9);
            while (System.nanoTime() < deadline && !Files.exists(stop) && !containerLogs(app).contains("Lost executor")) {
                Thread.sleep(100);
            }
            return new KilledContainer(container, ran.size(), task, partition, stage, retriedIn);
        } catch (Exception | AssertionError e) {
            try {
                held.close();
            } catch (IOException ignored) {
                // the assertion is the report
            }
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    /** The first executor container process (other than {@code not}) seen with {@code held} open; waits for one. */
    private static ProcessHandle firstReader(HeldPicture held, long not, long deadline, Path stop) throws Exception {
        while (System.nanoTime() < deadline && !Files.exists(stop)) {
            List<ProcessHandle> readers = held.readers(ProcessHandle.current().descendants()
                    .filter(h -> h.pid() != not)
                    .filter(h -> commandLine(h).contains("YarnCoarseGrainedExecutorBackend")));
            if (!readers.isEmpty()) {
                return readers.get(0);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no executor container opened the held picture" + (not < 0 ? "" : " after the kill"));
    }

    private static final java.util.regex.Pattern CONTAINER = java.util.regex.Pattern.compile(
            "container_(e[0-9]+_)?[0-9]+_[0-9]+_[0-9]+_[0-9]+");

    /** The YARN container id of an executor process (its log folder, on its command line). */
    private static String containerOf(ProcessHandle executor) {
        java.util.regex.Matcher m = CONTAINER.matcher(commandLine(executor));
        assertTrue(m.find(), "no container id in " + commandLine(executor));
        return m.group();
    }

    /** The log files of one container of {@code app}, joined. */
    private String containerLog(RMApp app, String container) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String logDir : yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path c = Path.of(logDir, app.getApplicationId().toString(), container);
            if (Files.isDirectory(c)) {
                try (Stream<Path> files = Files.walk(c)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        b.append(Files.readString(f));
                    }
                }
            }
        }
        return b.toString();
    }

    /** Tasks started per container of {@code app} (their logs' "Running task" lines), by container id. */
    private Map<String, Integer> tasksPerContainer(RMApp app) throws IOException {
        Map<String, Integer> n = new java.util.TreeMap<>();
        for (String logDir : yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path appDir = Path.of(logDir, app.getApplicationId().toString());
            if (!Files.isDirectory(appDir)) {
                continue;
            }
            try (Stream<Path> containers = Files.list(appDir)) {
                for (Path c : containers.filter(Files::isDirectory).toList()) {
                    int tasks = 0;
                    try (Stream<Path> files = Files.walk(c)) {
                        for (Path f : files.filter(Files::isRegularFile).toList()) {
                            tasks += (int) Files.readString(f).lines().filter(l -> l.contains("Running task")).count();
                        }
                    }
                    n.put(c.getFileName().toString(), tasks);
                }
            }
        }
        return n;
    }

    /** A process's whole command line (/proc: ProcessHandle.Info gives at most a page of it). */
    private static String commandLine(ProcessHandle h) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return h.info().commandLine().orElse("");
        }
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

    /** How many containers of {@code app} ran a task (their logs say "Running task"). */
    private int executorsRanTasks(RMApp app) throws IOException {
        int n = 0;
        for (String logDir : yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path appDir = Path.of(logDir, app.getApplicationId().toString());
            if (!Files.isDirectory(appDir)) {
                continue;
            }
            try (Stream<Path> containers = Files.list(appDir)) {
                for (Path c : containers.filter(Files::isDirectory).toList()) {
                    try (Stream<Path> files = Files.walk(c)) {
                        boolean ran = false;
                        for (Path f : files.filter(Files::isRegularFile).toList()) {
                            ran |= Files.readString(f).contains("Running task");
                        }
                        n += ran ? 1 : 0;
                    }
                }
            }
        }
        return n;
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
