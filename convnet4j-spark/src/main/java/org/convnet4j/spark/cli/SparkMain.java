package org.convnet4j.spark.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.spark.SparkSessions;
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
        subcommands = {PredictCommand.class, FeaturizeCommand.class, TrainCommand.class, TransferCommand.class,
                PackageYarnCommand.class})
public final class SparkMain implements Runnable {
    static final int BAD_INPUT = 2;
    static final int INTERNAL = 1;
    static final String TASK_LOG_LEVEL = "convnet4j.spark.taskLogLevel";
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        int code = run(args);
        if (!insideYarnApplicationMaster()) {
            System.exit(code);
        } else if (code != 0) {
            // the ApplicationMaster reports a user class's exception as the application's failure
            throw new IllegalStateException("convnet4j spark: exit code " + code + " (the error is the line above)");
        }
        // in YARN's cluster deploy mode this main runs inside the ApplicationMaster, which marks the application
        // FAILED ("Shutdown hook called before final status was reported") and retries it when the JVM exits before
        // main returns, even with 0
    }

    /** Whether this JVM is the ApplicationMaster of {@code spark-submit --master yarn --deploy-mode cluster}. */
    static boolean insideYarnApplicationMaster() {
        return "yarn".equals(System.getProperty("spark.master"))
                && "cluster".equals(System.getProperty("spark.submit.deployMode"));
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
        if (debug && System.getProperty(TASK_LOG_LEVEL) == null) {
            System.setProperty(TASK_LOG_LEVEL, "warn"); // Spark's reports of failed tasks (log4j2-cli.properties)
            System.setProperty("convnet4j.spark.raceFilter", "NEUTRAL");
        }
        return execute(handled(new CommandLine(new SparkMain()), debug), args, debug);
    }

    /**
     * Runs {@code cmd}; an Error picocli lets through (it hands only Exceptions to the handler) is one line too:
     * out of memory and a stack overflow say what to do (exit 2, as the other CLI); a JVM started without the
     * options Spark needs on Java 17 says how to start it (exit 1); others are internal errors.
     */
    static int execute(CommandLine cmd, String[] args, boolean debug) {
        try {
            return cmd.execute(args);
        } catch (VirtualMachineError | LinkageError | AssertionError e) {
            PrintWriter err = cmd.getErr();
            String name = cmd.getCommandSpec().qualifiedName()
                    + (args.length > 0 && !args[0].isEmpty() && !args[0].startsWith("-") ? " " + args[0] : "");
            err.println(name + ": " + ErrorLines.describe(e, debug));
            if (debug) {
                e.printStackTrace(err);
            }
            err.flush();
            return e instanceof OutOfMemoryError || e instanceof StackOverflowError ? BAD_INPUT : INTERNAL;
        }
    }

    /** {@code cmd} with the spark commands' handlers: every failure is one line, exit 2 for bad input, 1 otherwise. */
    static CommandLine handled(CommandLine cmd, boolean debug) {
        cmd.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String name = ex.getCommandLine().getCommandSpec().qualifiedName();
            // picocli says "Value for option option '--conf' (KEY=VALUE) should be ..." for a map option
            String msg = oneLine(ex.getMessage()).replace("option option '", "option '");
            err.println(name + ": " + msg + " (see '" + name + " --help')");
            err.flush();
            return BAD_INPUT;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter err = c.getErr();
            String name = c.getCommandSpec().qualifiedName();
            Throwable root = SparkSessions.userCause(ex);
            boolean bad = root instanceof IllegalArgumentException || root instanceof IOException
                    || root instanceof UncheckedIOException;
            String lost = ErrorLines.executorsLost(root); // the cluster's failure: said as such, still exit 1
            err.println(name + ": " + (lost != null ? lost : (bad ? "" : "internal error: ") + oneLine(bad
                    ? root.getMessage() : root.toString()) + (bad || debug ? "" : " (rerun with --debug for details)")));
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return bad ? BAD_INPUT : INTERNAL;
        });
        return cmd;
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

        /** What the checks made before Spark starts read paths with: the session's ({@link SparkSessions#hadoopConfiguration}). */
        org.apache.hadoop.conf.Configuration hadoopConf() {
            return SparkSessions.hadoopConfiguration(conf);
        }

        /** The session ({@link SparkSessions#start}: master checked, this jar shipped to a cluster's executors). */
        SparkSession session(String appName) {
            return SparkSessions.start(appName, master, conf);
        }
    }

    /** Base of the commands: the session is stopped at the end, unless the caller of {@link #run} already had it. */
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
                    SparkSessions.awaitNoRunningTasks(session); // a failed job's tasks end before the pools shut down
                    session.stop();
                }
            }
        }

        /** What can be checked before Spark starts (options, existing outputs). */
        abstract void check() throws IOException;

        abstract int run(SparkSession session) throws Exception;
    }
}
