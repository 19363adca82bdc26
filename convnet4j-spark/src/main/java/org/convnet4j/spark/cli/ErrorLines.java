package org.convnet4j.spark.cli;

/** The one line for an Error a spark command let through (see {@link SparkMain#execute}). */
final class ErrorLines {
    private ErrorLines() {
    }

    static String describe(Throwable e, boolean debug) {
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB heap in the driver): the input"
                    + " or the model is too large for it; give the driver more with CONVNET4J_JAVA_OPTS=-Xmx8g"
                    + " (spark-submit: --driver-memory 8g)";
        }
        if (e instanceof StackOverflowError) {
            return "stack overflow: a structure in the input nests too deeply (a corrupt or hostile file?); if the file"
                    + " is genuine, give Java a larger stack with CONVNET4J_JAVA_OPTS=-Xss64m";
        }
        String msg = SparkMain.oneLine(e.getMessage());
        if (e instanceof IllegalAccessError && (msg.contains("does not export") || msg.contains("does not open"))) {
            int because = msg.indexOf("because ");
            return "this JVM was started without the options Spark needs on Java 17 ("
                    + (because >= 0 ? msg.substring(because + 8) : msg) + "); start the spark commands with"
                    + " './convnet4j spark ...' or spark-submit, or give the driver's java the --add-opens options"
                    + " listed in docs/SPARK.md (java.base/sun.nio.ch=ALL-UNNAMED and others)";
        }
        return "internal error: " + SparkMain.oneLine(e.toString()) + (debug ? "" : " (rerun with --debug for details)");
    }

    private static final java.util.regex.Pattern GAVE_UP = java.util.regex.Pattern.compile(
            "Task (\\S+) in stage (\\S+) failed (\\d+) times");

    /**
     * The line for a job Spark gave up on because the executor running one of its tasks was lost (killed, its
     * container or machine gone) as often as {@code spark.task.maxFailures} allows: the cluster's failure, neither the
     * input's nor an internal error; null for any other failure.
     */
    static String executorsLost(Throwable root) {
        String m = root instanceof org.apache.spark.SparkException ? SparkMain.oneLine(root.getMessage()) : "";
        int lost = m.indexOf("ExecutorLostFailure");
        if (lost < 0) {
            return null;
        }
        java.util.regex.Matcher t = GAVE_UP.matcher(m);
        return "the job failed: " + (t.find() ? "task " + t.group(1) + " of stage " + t.group(2) + " failed "
                + t.group(3) + " time(s) (spark.task.maxFailures)" : "a task failed")
                + ", the last time because the executor running it was lost (" + m.substring(lost)
                + "); see the cluster's logs for why its executors died";
    }
}
