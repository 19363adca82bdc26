package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Errors the spark commands let through picocli (it gives only Exceptions to the handler) are one line too: before,
 * a spark command that ran out of memory, overflowed its stack, or was started by hand without the --add-opens
 * Spark needs on Java 17 printed a raw trace (27 lines for the last, exit 1).
 */
class SparkErrorsTest {
    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        private final Error error;

        Boom(Error error) {
            this.error = error;
        }

        @Override
        public Integer call() {
            throw error;
        }
    }

    /** {exit code, stderr} of a command that throws {@code error}, run as SparkMain runs its commands. */
    private static Object[] run(Error error) {
        StringWriter err = new StringWriter();
        CommandLine cmd = SparkMain.handled(new CommandLine(new Boom(error)), false);
        cmd.setErr(new PrintWriter(err, true));
        int code;
        try {
            code = SparkMain.execute(cmd, new String[0], false);
        } catch (Throwable escaped) { // an OutOfMemoryError escaping a test would end the test JVM (JUnit rethrows it)
            throw new AssertionError("escaped SparkMain.execute: " + escaped);
        }
        return new Object[] {code, err.toString()};
    }

    private static String oneLine(Object[] r) {
        List<String> lines = ((String) r[1]).lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), (String) r[1]);
        return lines.get(0);
    }

    @Test
    void outOfMemoryAndStackOverflowSayWhatToDo() {
        Object[] oom = run(new OutOfMemoryError("Java heap space"));
        assertEquals(2, oom[0]);
        String line = oneLine(oom);
        assertTrue(line.startsWith("boom: out of memory (") && line.contains("CONVNET4J_JAVA_OPTS=-Xmx8g")
                && line.contains("--driver-memory"), line);
        Object[] soe = run(new StackOverflowError());
        assertEquals(2, soe[0]);
        assertTrue(oneLine(soe).startsWith("boom: stack overflow: "), oneLine(soe));
    }

    @Test
    void aJvmWithoutSparksOptionsIsToldHowToStart() {
        Object[] r = run(new IllegalAccessError("class org.apache.spark.storage.StorageUtils$ (in unnamed module @0x4bec1f0c)"
                + " cannot access class sun.nio.ch.DirectBuffer (in module java.base) because module java.base does not"
                + " export sun.nio.ch to unnamed module @0x4bec1f0c"));
        assertEquals(1, r[0]);
        assertEquals("boom: this JVM was started without the options Spark needs on Java 17 (module java.base does not"
                + " export sun.nio.ch to unnamed module @0x4bec1f0c); start the spark commands with './convnet4j spark"
                + " ...' or spark-submit, or give the driver's java the --add-opens options listed in docs/SPARK.md"
                + " (java.base/sun.nio.ch=ALL-UNNAMED and others)", oneLine(r));
        Object[] other = run(new NoClassDefFoundError("org/apache/spark/Missing"));
        assertEquals(1, other[0]);
        assertEquals("boom: internal error: java.lang.NoClassDefFoundError: org/apache/spark/Missing (rerun with --debug"
                + " for details)", oneLine(other));
    }

    @Test
    void aConfWithoutAValueIsNamedOnce() {
        String[] r = CliRun.run("predict", "--model", "m.c4j", "--images", "pics", "--conf", "novalue", "-o", "p.csv");
        assertEquals("2", r[0]);
        assertEquals("convnet4j spark predict: Value for option '--conf' (KEY=VALUE) should be in KEY=VALUE format but"
                + " was novalue (see 'convnet4j spark predict --help')", r[2].strip());
    }

    /** A command whose Spark job was aborted with {@code message} (as the DAG scheduler aborts it). */
    @Command(name = "aborted")
    static final class Aborted implements Callable<Integer> {
        private final String message;

        Aborted(String message) {
            this.message = message;
        }

        @Override
        public Integer call() throws Exception {
            throw new org.apache.spark.SparkException(message);
        }
    }

    /**
     * A job Spark gave up on because the executor running a task was lost each time (YarnClusterIT with no task retry,
     * {@code spark.task.maxFailures=1}, its container killed: the message below, shortened) is said as the cluster's
     * failure, in one line, exit 1; it was "internal error: org.apache.spark.SparkException: Job aborted ...". Another
     * aborted job stays an internal error.
     */
    @Test
    void aJobWhoseExecutorsWereLostSaysSo() {
        String abort = "Job aborted due to stage failure: Task 0 in stage 84.0 failed 1 times, most recent failure: Lost"
                + " task 0.0 in stage 84.0 (TID 130) (localhost executor 2): ExecutorLostFailure (executor 2 exited"
                + " caused by one of the running tasks) Reason: Container from a bad node: container_1796571747333_0001"
                + "_01_000003 on host: localhost. Exit status: 137. Diagnostics: [2026-12-06 15:44:04.151]Container"
                + " killed on request. Exit code is 137\n[2026-12-06 15:44:04.152]Killed by external signal\n.\nDriver"
                + " stacktrace:";
        for (boolean debug : new boolean[] {false, true}) {
            StringWriter err = new StringWriter();
            CommandLine cmd = SparkMain.handled(new CommandLine(new Aborted(abort)), debug);
            cmd.setErr(new PrintWriter(err, true));
            assertEquals(1, SparkMain.execute(cmd, new String[0], debug));
            assertEquals("aborted: the job failed: task 0 of stage 84.0 failed 1 time(s) (spark.task.maxFailures), the"
                    + " last time because the executor running it was lost (ExecutorLostFailure (executor 2 exited caused"
                    + " by one of the running tasks) Reason: Container from a bad node: container_1796571747333_0001_01"
                    + "_000003 on host: localhost. Exit status: 137. Diagnostics: [2026-12-06 15:44:04.151]Container"
                    + " killed on request. Exit code is 137); see the cluster's logs for why its executors died",
                    err.toString().lines().findFirst().orElse(""));
            if (!debug) {
                assertEquals(1, err.toString().lines().filter(l -> !l.isBlank()).count(), err.toString());
            }
        }
        StringWriter err = new StringWriter();
        CommandLine cmd = SparkMain.handled(new CommandLine(new Aborted("Job aborted due to stage failure: Task 1 in"
                + " stage 3.0 failed 4 times, most recent failure: java.lang.ArithmeticException: / by zero")), false);
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(1, SparkMain.execute(cmd, new String[0], false));
        assertTrue(err.toString().startsWith("aborted: internal error: org.apache.spark.SparkException: Job aborted"),
                err.toString());
    }
}
