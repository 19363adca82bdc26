package org.convnet4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.SparkException;
import org.apache.spark.sql.SparkSession;

/**
 * Sessions set up for convnet4j and the failures of its jobs, as the {@code convnet4j spark} commands use them:
 *
 * <pre>
 *   SparkSession spark = SparkSessions.start("my job", "spark://10.0.0.5:7077", Map.of());
 *   try { ... } catch (Exception e) { Throwable ours = SparkSessions.userCause(e); ... } finally { spark.stop(); }
 * </pre>
 */
public final class SparkSessions {
    /**
     * What executors need: the Vector API module for the kernels, a deeper stack for big networks, and the
     * {@code --add-opens} Spark passes to its own JVMs on Java 17.
     */
    public static final String EXECUTOR_JVM_OPTIONS = "--add-modules jdk.incubator.vector -Xss4m"
            + " -XX:+IgnoreUnrecognizedVMOptions"
            + " --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED"
            + " --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED"
            + " --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED"
            + " --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED"
            + " --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"
            + " --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED"
            + " --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED"
            + " --add-opens=java.base/sun.security.action=ALL-UNNAMED"
            + " --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false";

    private static final String EXECUTOR_OPTIONS_KEY = "spark.executor.extraJavaOptions";

    private SparkSessions() {
    }

    /**
     * A session on {@code master} with the settings {@code conf}. A standalone master ({@code spark://}) is checked
     * first ({@link #requireReachable}: Spark itself would retry for a minute before giving up). Off {@code local},
     * the jar this class was loaded from is added to the jars shipped to the executors ({@link #jars}: those of
     * {@code conf}'s or spark-submit's {@code spark.jars}, kept) and {@link #EXECUTOR_JVM_OPTIONS} are appended to
     * {@code conf}'s {@code spark.executor.extraJavaOptions} (or, when {@code conf} has none, to the one spark-submit
     * set). On {@code yarn}, where the containers get Spark from is worked out ({@link #yarnLibraries}: package-yarn's
     * archive, else an upload with a warning) only when no session runs on it yet: a running one is returned as it is,
     * so several commands in one application look once and warn at most once.
     * Spark's console progress bar is off.
     *
     * @throws IllegalArgumentException when a standalone master cannot be reached
     */
    public static SparkSession start(String appName, String master, Map<String, String> conf) {
        Objects.requireNonNull(master, "master");
        requireKnownMaster(master);
        if (master.startsWith("spark://")) {
            requireReachable(master);
        } else if (master.equals("yarn")) {
            requireReachableYarn(yarnConf(conf));
        }
        // after the master's own checks: a master that is wrong or down is the line to show, whatever else runs here
        requireNoSessionOnAnotherMaster(master);
        SparkSession.Builder b = SparkSession.builder().appName(appName).master(master)
                .config("spark.ui.showConsoleProgress", "false");
        // a running session is reused as it is (getOrCreate): its libraries were worked out (and any upload warned
        // of) when it started, once per application
        Map<String, String> libraries = forANewSession(master, () -> master.equals("yarn")
                ? yarnLibraries(conf, System.getenv("SPARK_HOME"), System.getProperty("java.class.path"), ownJar(),
                        yarnConf(conf))
                : Map.of());
        if (!master.startsWith("local")) {
            String jars = jars(conf, ownJar());
            if (!jars.isEmpty()) {
                b.config(JARS_KEY, jars);
            }
            b.config(EXECUTOR_OPTIONS_KEY, executorJavaOptions(conf));
        }
        conf.forEach((k, v) -> {
            if (!k.equals(EXECUTOR_OPTIONS_KEY) && !(k.equals(JARS_KEY) && !master.startsWith("local"))) {
                b.config(k, v);
            }
        });
        libraries.forEach(b::config); // after conf: its spark.yarn.dist.jars are in them
        return b.getOrCreate();
    }

    /**
     * Fails in one line, naming both masters, when this JVM already runs a Spark session (the default or this thread's
     * active one) on another master than {@code master}. Spark allows one SparkContext per JVM, and its session builder
     * returns the running one whatever master it is asked for: the job would run where the caller did not ask (seen: a
     * test's leftover local[2] session took a later command's {@code --master spark://...} job). A session on the same
     * master is reused (the caller's, kept running).
     *
     * @throws IllegalArgumentException naming {@code master} and the running session's master
     */
    public static void requireNoSessionOnAnotherMaster(String master) {
        scala.Option<SparkSession> running = SparkSession.getActiveSession();
        if (running.isEmpty()) {
            running = SparkSession.getDefaultSession();
        }
        if (running.isDefined() && !running.get().sparkContext().isStopped()) {
            String theirs = running.get().sparkContext().master();
            if (!theirs.equals(master)) {
                throw new IllegalArgumentException("--master " + master + ": this JVM already runs a Spark session on "
                        + theirs + " (one per JVM); stop that session first, or use --master " + theirs);
            }
        }
    }

    /**
     * What {@code workOut} gives, or nothing without calling it when this JVM already runs a session on {@code master}
     * ({@link #runningOn}): {@link #start} returns that session as it is, so settings only a new session takes (a YARN
     * application's libraries, and the warning that Spark's jars are uploaded) are worked out, and that warning printed,
     * once per application, by the command that starts it, not again by every command that reuses it.
     */
    static Map<String, String> forANewSession(String master,
            java.util.function.Supplier<Map<String, String>> workOut) {
        return runningOn(master) ? Map.of() : workOut.get();
    }

    /**
     * Whether this JVM runs a Spark session (the active or the default one, not stopped) on {@code master}: the one
     * {@link #start} then returns, as it is.
     */
    static boolean runningOn(String master) {
        scala.Option<SparkSession> running = SparkSession.getActiveSession();
        if (running.isEmpty()) {
            running = SparkSession.getDefaultSession();
        }
        return running.isDefined() && !running.get().sparkContext().isStopped()
                && running.get().sparkContext().master().equals(master);
    }

    /**
     * The executors' JVM options on a cluster: {@link #EXECUTOR_JVM_OPTIONS} appended to the options of {@code conf},
     * or else to those already set for the application (spark-submit's {@code --conf} arrive as system properties,
     * which a new SparkConf reads), not put instead of them.
     */
    static String executorJavaOptions(Map<String, String> conf) {
        String given = conf.containsKey(EXECUTOR_OPTIONS_KEY) ? conf.get(EXECUTOR_OPTIONS_KEY)
                : new org.apache.spark.SparkConf().get(EXECUTOR_OPTIONS_KEY, "");
        return (given + " " + EXECUTOR_JVM_OPTIONS).trim();
    }

    /**
     * The jars the executors fetch: those of {@code conf}'s {@code spark.jars}, or else those spark-submit set for the
     * application (its application jar and {@code --jars}, in cluster deploy mode as the worker that runs the driver
     * gives them), then {@code own} (this library's jar, when it runs from one) unless a jar of that file name is
     * already there (the same jar, e.g. the application jar by its submitted URL); duplicates dropped, order kept.
     */
    static String jars(Map<String, String> conf, String own) {
        String given = conf.containsKey(JARS_KEY) ? conf.get(JARS_KEY)
                : new org.apache.spark.SparkConf().get(JARS_KEY, "");
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String jar : given.split(",")) {
            if (!jar.isBlank()) {
                all.add(jar.strip());
                names.add(fileName(jar.strip()));
            }
        }
        if (own != null && !names.contains(fileName(own))) {
            all.add(own);
        }
        return String.join(",", all);
    }

    private static String fileName(String jar) {
        String path = URI.create(jar.replace(" ", "%20")).getPath();
        String p = path != null ? path : jar;
        return p.substring(p.lastIndexOf('/') + 1);
    }

    private static final String JARS_KEY = "spark.jars";
    private static final String YARN_JARS_KEY = "spark.yarn.jars";
    private static final String YARN_ARCHIVE_KEY = "spark.yarn.archive";
    private static final String YARN_DIST_JARS_KEY = "spark.yarn.dist.jars";

    /**
     * The Spark jars a YARN application's containers get when nothing says where they are: the jar files of
     * {@code classPath} but {@code own} (shipped as {@code spark.jars}), uploaded to the application's staging
     * directory, as Spark itself does with {@code SPARK_HOME/jars}. Null when {@code conf} or the application (system
     * properties) set {@code spark.yarn.jars} or {@code spark.yarn.archive}, or when {@code sparkHome} is set (a Spark
     * distribution, e.g. under spark-submit): then Spark's own rule applies. Without this a driver outside a
     * distribution (the launcher's {@code ./convnet4j spark --master yarn}) failed with "Library directory
     * '.../assembly/target/scala-2.13/jars' does not exist".
     */
    static String yarnJars(Map<String, String> conf, String sparkHome, String classPath, String own) {
        org.apache.spark.SparkConf app = new org.apache.spark.SparkConf();
        for (String k : new String[] {YARN_JARS_KEY, YARN_ARCHIVE_KEY}) {
            if (conf.containsKey(k) || app.contains(k)) {
                return null;
            }
        }
        if (sparkHome != null && !sparkHome.isBlank() || classPath == null) {
            return null;
        }
        java.util.List<String> jars = SparkYarnArchive.sparkJars(classPath, own).stream().map(Path::toString).toList();
        return jars.isEmpty() ? null : String.join(",", jars);
    }

    /**
     * Where a YARN application's containers get Spark from when nothing says ({@link #yarnJars} not null): the archive
     * {@code convnet4j spark package-yarn} ({@link SparkYarnArchive#publish}) put in its default folder on the
     * cluster's file system ({@code hadoop}'s {@code fs.defaultFS}) when one fits ({@link SparkYarnArchive#find}), as
     * {@code spark.yarn.archive} (nothing of Spark uploaded), with the class path's jars that are not in it (a user's
     * library next to convnet4j's jar) added to {@code spark.yarn.dist.jars} (what spark-submit makes of
     * {@code --jars} on YARN: uploaded for the application, on the executors' class path); else {@link #yarnJars} as
     * {@code spark.yarn.jars}, uploaded for this application, with a warning saying how to stop that. Empty when
     * Spark's own rule applies.
     */
    static Map<String, String> yarnLibraries(Map<String, String> conf, String sparkHome, String classPath,
            String own, org.apache.hadoop.conf.Configuration hadoop) {
        return yarnLibraries(conf, sparkHome, classPath, own, hadoop, null);
    }

    /** {@link #yarnLibraries}, looking for the archive in {@code folder} (null: the default folder). */
    static Map<String, String> yarnLibraries(Map<String, String> conf, String sparkHome, String classPath,
            String own, org.apache.hadoop.conf.Configuration hadoop, URI folder) {
        String jars = yarnJars(conf, sparkHome, classPath, own);
        if (jars == null) {
            return Map.of();
        }
        java.util.List<Path> list = SparkYarnArchive.sparkJars(classPath, own);
        try {
            SparkYarnArchive.Found archive = SparkYarnArchive.find(list, folder != null ? folder
                    : SparkYarnArchive.defaultFolder(HadoopFiles.forChecks(hadoop)), hadoop);
            if (archive != null) {
                Map<String, String> settings = new java.util.LinkedHashMap<>();
                settings.put(YARN_ARCHIVE_KEY, archive.location().toString());
                if (!archive.notInIt().isEmpty()) {
                    String given = conf.containsKey(YARN_DIST_JARS_KEY) ? conf.get(YARN_DIST_JARS_KEY)
                            : new org.apache.spark.SparkConf().get(YARN_DIST_JARS_KEY, "");
                    java.util.List<String> all = new java.util.ArrayList<>();
                    if (!given.isBlank()) {
                        all.add(given.strip());
                    }
                    archive.notInIt().forEach(p -> all.add(p.toUri().toString()));
                    settings.put(YARN_DIST_JARS_KEY, String.join(",", all));
                }
                return settings;
            }
        } catch (IOException | RuntimeException e) {
            // no default file system to look on: upload, as without an archive
        }
        long bytes = list.stream().mapToLong(p -> p.toFile().length()).sum();
        System.getLogger(SparkSessions.class.getName()).log(System.Logger.Level.WARNING, String.format(
                java.util.Locale.ROOT, "uploading Spark's %d jars (%d MB) for this application; 'convnet4j spark"
                        + " package-yarn' puts them on the cluster once (docs/SPARK.md)", list.size(), bytes >> 20));
        return Map.of(YARN_JARS_KEY, jars);
    }

    static String ownJar() {
        try {
            Path p = Path.of(SparkSessions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return p.toString().endsWith(".jar") ? p.toString() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Fails in one line unless this JVM's Spark can run on {@code master}: {@code local}, {@code local[N]},
     * {@code local[N,F]}, {@code local-cluster[...]} and {@code spark://} always; {@code yarn}, {@code k8s://...} (and
     * any other) only when a cluster manager for it is on the class path (Spark's {@code spark-yarn},
     * {@code spark-kubernetes}; a cluster's own Spark has them, this library does not bring the Kubernetes one).
     *
     * @throws IllegalArgumentException naming the master and what to do
     */
    public static void requireKnownMaster(String master) {
        if (master.matches("local(\\[[^\\]]*])?|local-cluster\\[[^\\]]*]|spark://.*")) {
            return;
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : SparkSessions.class.getClassLoader();
        for (org.apache.spark.scheduler.ExternalClusterManager m
                : java.util.ServiceLoader.load(org.apache.spark.scheduler.ExternalClusterManager.class, loader)) {
            if (m.canCreate(master)) {
                return;
            }
        }
        String kind = master.equals("yarn") ? "YARN (Spark's spark-yarn jar)"
                : master.startsWith("k8s://") ? "Kubernetes (Spark's spark-kubernetes jar)" : null;
        throw new IllegalArgumentException("--master " + master + ": " + (kind == null
                ? "not a master this Spark knows (local[*], local[N], spark://HOST:PORT, yarn, k8s://https://HOST:PORT)"
                : "this Spark has no support for " + kind + " on its class path; submit with the spark-submit of a"
                        + " Spark distribution that has it (docs/SPARK.md)"));
    }

    /**
     * The Hadoop configuration a session started with {@code conf} ({@link #start}) will hold, for reading paths
     * before it starts (model files, pictures, outputs, a checkpoint to resume): Hadoop's defaults and the site files
     * on the class path ({@code HADOOP_CONF_DIR} under spark-submit), then every {@code spark.hadoop.KEY} set for the
     * application (spark-submit's {@code --conf}, which arrive as system properties) and in {@code conf}, as
     * {@code KEY}: so {@code hdfs:///path} with {@code spark.hadoop.fs.defaultFS=hdfs://NAMENODE:8020} is read where
     * Spark will read it.
     */
    public static org.apache.hadoop.conf.Configuration hadoopConfiguration(Map<String, String> conf) {
        org.apache.hadoop.conf.Configuration c = new org.apache.hadoop.conf.Configuration();
        for (scala.Tuple2<String, String> kv : new org.apache.spark.SparkConf().getAllWithPrefix(HADOOP_PREFIX)) {
            c.set(kv._1(), kv._2());
        }
        conf.forEach((k, v) -> {
            if (k.startsWith(HADOOP_PREFIX)) {
                c.set(k.substring(HADOOP_PREFIX.length()), v);
            }
        });
        return c;
    }

    private static final String HADOOP_PREFIX = "spark.hadoop.";

    /** What a YARN client reads: {@link #hadoopConfiguration} with YARN's defaults and site file (YARN_CONF_DIR). */
    static org.apache.hadoop.conf.Configuration yarnConf(Map<String, String> conf) {
        org.apache.hadoop.conf.Configuration c = hadoopConfiguration(conf);
        c.addResource("yarn-default.xml"); // the spark.hadoop.* values set above stay over these files
        c.addResource("yarn-site.xml");
        return c;
    }

    /**
     * Fails in one line unless the YARN ResourceManager of {@code conf} ({@code yarn.resourcemanager.address}, or
     * with {@code yarn.resourcemanager.ha.enabled} the address of each of {@code yarn.resourcemanager.ha.rm-ids}: one
     * is enough) accepts a connection within 5 s. Spark's YARN client would retry for up to 15 minutes
     * ({@code yarn.resourcemanager.connect.max-wait.ms}) before giving up.
     *
     * @throws IllegalArgumentException naming the address and why
     */
    public static void requireReachableYarn(org.apache.hadoop.conf.Configuration conf) {
        java.util.List<String> addresses = new java.util.ArrayList<>();
        if (conf.getBoolean("yarn.resourcemanager.ha.enabled", false)) {
            for (String id : conf.getTrimmedStrings("yarn.resourcemanager.ha.rm-ids")) {
                String a = conf.get("yarn.resourcemanager.address." + id);
                if (a == null && conf.get("yarn.resourcemanager.hostname." + id) != null) {
                    a = conf.get("yarn.resourcemanager.hostname." + id) + ":8032";
                }
                if (a != null) {
                    addresses.add(a);
                }
            }
        }
        if (addresses.isEmpty()) {
            addresses.add(conf.getTrimmed("yarn.resourcemanager.address", "0.0.0.0:8032"));
        }
        String why = "";
        for (String a : addresses) {
            int colon = a.lastIndexOf(':');
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))), 5000);
                return;
            } catch (IOException | RuntimeException e) {
                why = e.getMessage();
            }
        }
        throw new IllegalArgumentException("--master yarn: cannot reach the YARN ResourceManager at "
                + String.join(", ", addresses) + " (" + why + "; its address comes from yarn-site.xml in"
                + " HADOOP_CONF_DIR or YARN_CONF_DIR, or --conf spark.hadoop.yarn.resourcemanager.address=HOST:PORT)");
    }

    /**
     * Fails in one line unless a master of {@code spark://HOST:PORT[,HOST:PORT...]} accepts a connection within
     * 5 s (with several masters, one is enough).
     *
     * @throws IllegalArgumentException naming the master and why
     */
    public static void requireReachable(String master) {
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            URI u = URI.create("spark://" + hostPort);
            if (u.getHost() == null || u.getPort() < 0) {
                throw new IllegalArgumentException("--master " + master + ": expected spark://HOST:PORT");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 5000);
                return;
            } catch (IOException e) {
                if (!master.contains(",")) {
                    throw new IllegalArgumentException("--master " + master + ": cannot reach the Spark master ("
                            + e.getMessage() + ")");
                }
            }
        }
        throw new IllegalArgumentException("--master " + master + ": cannot reach any of the Spark masters");
    }

    /**
     * The exception a user wants to see from a failed job: Spark wraps a task's exception in layers (and sometimes
     * only as text, "Job aborted ... java.lang.IllegalArgumentException: x.png: ..."), this returns the innermost
     * one of ours (an {@code IllegalArgumentException} rebuilt from that text when only the text is left).
     */
    public static Throwable userCause(Throwable ex) {
        Throwable t = ex;
        while ((t instanceof SparkException || t instanceof UncheckedIOException && t.getCause() != null
                || t.getClass().getName().startsWith("org.apache.spark")) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof SparkException && t.getMessage() != null) {
            String m = t.getMessage();
            String marker = "IllegalArgumentException: ";
            int at = m.indexOf(marker);
            if (at >= 0) {
                String rest = m.substring(at + marker.length());
                return new IllegalArgumentException(rest.lines().findFirst().orElse(rest));
            }
        }
        return t;
    }

    /**
     * Waits (up to 60 s) until the active Spark session runs no stage and no executor runs a task: tasks of an aborted
     * job run to their end, and a stage stops being active before its killed tasks have ended (their end events
     * come later). Outputs wait before removing a failed job's temporary (a loaded machine once found one left
     * behind), and the commands before stopping the session (stopping it under a finishing job once printed Scala's
     * RejectedExecutionException traces next to the command's one line).
     */
    public static void awaitNoRunningTasks() {
        var session = SparkSession.getActiveSession();
        if (session.isDefined()) {
            awaitNoRunningTasks(session.get());
        }
    }

    /** As {@link #awaitNoRunningTasks()}, for the given session. */
    public static void awaitNoRunningTasks(SparkSession session) {
        var tracker = session.sparkContext().statusTracker();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while ((tracker.getActiveStageIds().length > 0 || runningTasks(tracker) > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int runningTasks(org.apache.spark.SparkStatusTracker tracker) {
        int n = 0;
        for (var e : tracker.getExecutorInfos()) {
            n += e.numRunningTasks();
        }
        return n;
    }
}
