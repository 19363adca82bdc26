package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The spark commands as a user runs them, for this module's tests: in this JVM, or in a child JVM of their own. */
public final class CliRun {
    private CliRun() {
    }

    /** {@link SparkMain#run} in this JVM with stdout and stderr captured: {exit code, out, err}. */
    public static String[] run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = SparkMain.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8)};
    }

    public static String[] run(List<String> args) {
        return run(args.toArray(String[]::new));
    }

    /**
     * {@link SparkMain} in a child JVM (where the logging set-up is SparkMain's alone, as for a user), with the JVM
     * options Spark needs as surefire gives them to this module's tests; asserts it exits with {@code exit} within
     * 180 s and returns its stderr lines but the JVM's incubator-module warning.
     */
    public static List<String> child(int exit, String... args) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin));
        for (String a : System.getProperty("convnet4j.spark.testJvmArgs", "").trim().split("\\s+")) {
            if (!a.isEmpty()) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SparkMain.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), err);
        assertEquals(exit, p.exitValue(), err);
        return err.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).toList();
    }
}
