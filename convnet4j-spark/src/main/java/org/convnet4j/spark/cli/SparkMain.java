package org.convnet4j.spark.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkException;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code convnet4j spark predict|featurize|train|transfer}: the commands that run on Apache Spark. Kept in this
 * module's own main (the launcher puts Spark's jars on the class path only for these) so the main CLI jar stays small.
 * Every failure is one line on stderr: exit 2 for bad input (files, options, an unreachable master, a missing cut
 * layer, an existing output), 1 for anything else.
 */
@Command(name = "convnet4j spark", mixinStandardHelpOptions = true, version = "convnet4j spark (Apache Spark 3.5)",
        description = "Run convnet4j on Apache Spark: predict, featurize, train and transfer (case 1) at scale.",
        subcommands = {PredictCommand.class, FeaturizeCommand.class, TrainCommand.class, TransferCommand.class})
public final class SparkMain implements Runnable {
    static final int BAD_INPUT = 2;
    static final int INTERNAL = 1;
    /**
     * What executors need: the Vector API module for our kernels, a deeper stack for big networks, and the
     * --add-opens Spark passes to its own JVMs on Java 17.
     */
    static final String EXECUTOR_JVM_OPTIONS = "--add-modules jdk.incubator.vector -Xss4m -XX:+IgnoreUnrecognizedVMOptions"
            + " --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED"
            + " --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED"
            + " --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED"
            + " --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED"
            + " --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED"
            + " --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED"
            + " --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED"
            + " -Djdk.reflect.useDirectMethodHandle=false";

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("log4j.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "org/convnet4j/spark/cli/log4j2-cli.properties");
        }
        // the library's notes (System.Logger, backed by java.util.logging) as one line each, like the other CLI's,
        // instead of JUL's two-line "date class method / LEVEL: message"; read when the first record is printed
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "convnet4j spark: %4$s: %5$s%6$s%n");
        }
        boolean debug = java.util.Arrays.asList(args).contains("--debug") || "1".equals(System.getenv("CONVNET4J_DEBUG"));
        CommandLine cmd = new CommandLine(new SparkMain());
        cmd.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String name = ex.getCommandLine().getCommandSpec().qualifiedName();
            err.println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
            err.flush();
            return BAD_INPUT;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter err = c.getErr();
            String name = c.getCommandSpec().qualifiedName();
            Throwable root = userCause(ex);
            boolean bad = root instanceof IllegalArgumentException || root instanceof IOException
                    || root instanceof UncheckedIOException;
            err.println(name + ": " + (bad ? "" : "internal error: ") + oneLine(bad ? root.getMessage() : root.toString())
                    + (bad || debug ? "" : " (rerun with --debug for details)"));
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return bad ? BAD_INPUT : INTERNAL;
        });
        return cmd.execute(args);
    }

    /** A failed Spark job wraps the task's exception in layers; the user wants the innermost message of ours. */
    static Throwable userCause(Throwable ex) {
        Throwable t = ex;
        while ((t instanceof SparkException || t instanceof UncheckedIOException && t.getCause() != null
                || t.getClass().getName().startsWith("org.apache.spark")) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof SparkException && t.getMessage() != null) {
            // task failures arrive as text ("Job aborted ... java.lang.IllegalArgumentException: x.png: ...")
            String m = t.getMessage();
            int at = m.indexOf("IllegalArgumentException: ");
            if (at >= 0) {
                String rest = m.substring(at + "IllegalArgumentException: ".length());
                return new IllegalArgumentException(rest.lines().findFirst().orElse(rest));
            }
        }
        return t;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").trim();
    }

    /** Options every spark command has: where to run and how. */
    static class SparkOptions {
        @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL",
                description = "local[*] (default: Spark inside this process), local[N], spark://HOST:PORT, yarn, k8s://...")
        String master;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "any Spark setting (repeatable)")
        Map<String, String> conf = new LinkedHashMap<>();

        @Option(names = "--debug", description = "stack traces on errors")
        boolean debug;

        /**
         * The session: for a standalone master, the master is checked first (Spark itself would retry for a minute
         * before giving up); for a cluster, this jar is shipped to the executors unless spark.jars says otherwise.
         */
        SparkSession session(String appName) {
            if (master.startsWith("spark://")) {
                requireReachable(master);
            }
            SparkSession.Builder b = SparkSession.builder().appName(appName).master(master)
                    .config("spark.ui.showConsoleProgress", "false");
            if (!master.startsWith("local")) {
                String jar = ownJar();
                if (jar != null && !conf.containsKey("spark.jars")) {
                    b.config("spark.jars", jar);
                }
                // added to the executors' options of --conf, or else of spark-submit (its --conf arrive as system
                // properties, which a new SparkConf reads), not instead of them
                String key = "spark.executor.extraJavaOptions";
                String given = conf.containsKey(key) ? conf.get(key) : new org.apache.spark.SparkConf().get(key, "");
                b.config(key, (given + " " + EXECUTOR_JVM_OPTIONS).trim());
            }
            conf.forEach((k, v) -> {
                if (!k.equals("spark.executor.extraJavaOptions")) {
                    b.config(k, v);
                }
            });
            return b.getOrCreate();
        }

        private static String ownJar() {
            try {
                Path p = Path.of(SparkMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                return p.toString().endsWith(".jar") ? p.toString() : null;
            } catch (Exception e) {
                return null;
            }
        }

        static void requireReachable(String master) {
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
    }

    /**
     * Base of the commands: the session the command made is always stopped; a session the caller already had (an
     * application that calls {@link SparkMain#run} with its own) is used and left running.
     */
    abstract static class SparkCommand implements Callable<Integer> {
        @CommandLine.Mixin
        SparkOptions spark = new SparkOptions();

        @Override
        public Integer call() throws Exception {
            check();
            boolean callers = SparkSession.getDefaultSession().isDefined();
            SparkSession session = spark.session("convnet4j " + getClass().getSimpleName());
            try {
                return run(session);
            } finally {
                if (!callers) {
                    session.stop();
                }
            }
        }

        /** What can be checked before Spark starts (options, existing outputs). */
        abstract void check() throws IOException;

        abstract int run(SparkSession session) throws Exception;
    }
}
