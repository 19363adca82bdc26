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
        return childJvm(SparkMain.class.getName(), exit, List.of(args), List.of());
    }

    /** {@link #child} with {@code jvmOptions} (system properties, say) added to the child's command line. */
    public static List<String> child(List<String> jvmOptions, int exit, String... args) throws Exception {
        return childJvm(SparkMain.class.getName(), exit, List.of(args), jvmOptions);
    }

    private static final String THEN = "--then";
    private static final String EXIT = "convnet4j-test: exit code ";

    /**
     * Several spark commands one after another in one child JVM (one JVM start instead of one each; each command
     * through {@link SparkMain#run} as SparkMain.main runs it, with a session of its own, started and stopped by the
     * command): asserts command {@code i} exits with {@code exits[i]}; returns each command's stderr lines but the
     * JVM's incubator-module warning. The first command meets a fresh JVM as a user's does; the later ones a JVM
     * with SparkMain's logging set up already, as the first left it.
     */
    public static List<List<String>> children(int[] exits, List<List<String>> commands) throws Exception {
        List<String> args = new ArrayList<>();
        for (List<String> c : commands) {
            if (!args.isEmpty()) {
                args.add(THEN);
            }
            args.addAll(c);
        }
        List<String> lines = childJvm(CliRun.class.getName(), 0, args, List.of());
        List<List<String>> each = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith(EXIT)) {
                assertEquals(exits[each.size()], Integer.parseInt(line.substring(EXIT.length())),
                        "command " + (each.size() + 1) + ": " + String.join("\n", lines));
                each.add(current);
                current = new ArrayList<>();
            } else {
                current.add(line);
            }
        }
        assertEquals(commands.size(), each.size(), String.join("\n", lines));
        return each;
    }

    /** {@link #children}' child JVM: each command separated by --then through SparkMain.run, then its exit code. */
    public static void main(String[] args) {
        List<String> command = new ArrayList<>();
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals(THEN)) {
                int code = SparkMain.run(command.toArray(String[]::new));
                System.err.println(EXIT + code);
                command.clear();
            } else {
                command.add(args[i]);
            }
        }
        System.exit(0);
    }

    private static List<String> childJvm(String main, int exit, List<String> args, List<String> jvmOptions)
            throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin));
        for (String a : System.getProperty("convnet4j.spark.testJvmArgs", "").trim().split("\\s+")) {
            if (!a.isEmpty()) {
                cmd.add(a);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.addAll(org.convnet4j.spark.SparkCds.options());
        cmd.addAll(List.of("-cp", org.convnet4j.spark.SparkCds.classPath(), main));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), err);
        assertEquals(exit, p.exitValue(), err);
        return err.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).toList();
    }
}
