package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The class-data-sharing archive of the JVMs the tests start: used where it fits, silent where it does not. */
class SparkCdsTest {
    /** A child's main: loads Spark's context class. */
    public static final class Load {
        public static void main(String[] args) throws Exception {
            Class.forName("org.apache.spark.SparkContext", false, Load.class.getClassLoader());
            System.out.println("loaded");
        }
    }

    @Test
    void theJvmsTheTestsStartMapSparksClassesFromTheArchiveAndSayNothingWhenItDoesNotFit() throws Exception {
        List<String> options = SparkCds.options();
        if ("true".equals(System.getenv("CI"))) {
            // the spark module's time budget counts on it: a CI machine that cannot make it should say so
            assertFalse(options.isEmpty(), "no class-data-sharing archive (SparkCds' line on this test's stdout)");
        }
        Assumptions.assumeFalse(options.isEmpty(), "no class-data-sharing archive here");
        String cp = SparkCds.classPath();
        String used = run(options, cp, "-Xlog:class+load=info");
        assertTrue(used.contains("org.apache.spark.SparkContext source: shared objects file (top)"),
                "Spark's classes are not mapped from the archive:\n" + used.lines().filter(l -> l.contains("SparkContext"))
                        .toList());
        // a class path the archive was not made for, and no archive at all: the JVM runs as without the options
        assertEquals("loaded\n", run(options, Path.of("no-such.jar").toAbsolutePath() + java.io.File.pathSeparator + cp));
        List<String> missing = new ArrayList<>(options);
        missing.replaceAll(o -> o.startsWith("-XX:SharedArchiveFile=") ? "-XX:SharedArchiveFile=no-such.jsa" : o);
        assertEquals("loaded\n", run(missing, cp));
    }

    /** stdout and stderr of {@link Load} in a child JVM with {@code options} on class path {@code cp}. */
    private static String run(List<String> options, String cp, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m"));
        cmd.addAll(options);
        cmd.addAll(List.of(more));
        cmd.addAll(List.of("-cp", cp, Load.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
