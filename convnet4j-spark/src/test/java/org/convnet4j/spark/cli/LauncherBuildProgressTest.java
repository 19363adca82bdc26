package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher ({@code ./convnet4j}, the repository's script) building the Spark commands on a fresh clone with its
 * stderr going to a file, as in a CI log: the first {@code spark} command with s3a:// builds for minutes, and the log
 * must show it is alive. The script runs as it is, copied into a folder without any built jar, with stand-ins for
 * {@code mvn} (records its arguments, prints what Maven would, takes a few seconds, writes the jar and class-path
 * files the real build writes) and {@code java} (prints its arguments) first on the PATH, and a progress interval of
 * 1 s instead of 30 s.
 */
class LauncherBuildProgressTest {
    @TempDir
    Path dir;

    private Path clone;
    private Path mvnArgs;

    private void setUp(String mvnBody) throws IOException {
        Path script = Path.of("").toAbsolutePath().getParent().resolve("convnet4j");
        assertTrue(Files.isRegularFile(script), "no launcher at " + script);
        clone = Files.createDirectories(dir.resolve("clone"));
        Files.copy(script, clone.resolve("convnet4j"));
        Files.writeString(clone.resolve("pom.xml"), "<project/>\n");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        mvnArgs = dir.resolve("mvn-args.txt");
        executable(bin.resolve("mvn"), "#!/bin/bash\n"
                + "printf '%s\\n' \"$@\" > '" + mvnArgs + "'\n"
                + "echo '[INFO] Downloading from central: https://repo.maven.apache.org/maven2/...'\n"
                + mvnBody);
        executable(bin.resolve("java"), "#!/bin/bash\necho \"java ran: $*\"\n");
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Runs the copied launcher with stdout and stderr to files; returns {exit code, stdout, stderr}. */
    private String[] launch(String... args) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder b = new ProcessBuilder(new java.util.ArrayList<>(List.of("bash", clone.resolve("convnet4j")
                .toString()))).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        b.command().addAll(List.of(args));
        b.environment().put("PATH", dir.resolve("bin") + ":/usr/bin:/bin");
        b.environment().put("CONVNET4J_BUILD_PROGRESS_SECONDS", "1");
        b.environment().remove("CONVNET4J_SPARK_S3");
        Process p = b.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not finish");
        return new String[] {Integer.toString(p.exitValue()), Files.readString(out), Files.readString(err)};
    }

    @Test
    void aLongFirstBuildPrintsAProgressLineEveryIntervalWhenStderrIsAFile() throws Exception {
        setUp("sleep 4\n"
                + "t=\"$(dirname \"$0\")/../clone/convnet4j-spark/target\"\n"
                + "mkdir -p \"$t\" && echo jar > \"$t/convnet4j-spark.jar\" && echo /spark.jar > \"$t/spark-classpath.txt\"\n"
                + "case \" $* \" in *-Dconvnet4j.s3*) echo /aws.jar > \"$t/s3-classpath.txt\" ;; esac\n");
        String[] r = launch("spark", "predict", "--model", "m.c4j", "--images", "s3a://pictures/", "-o", "p.csv");
        assertEquals("0", r[0], r[2]);
        List<String> lines = r[2].lines().toList();
        assertTrue(lines.get(0).startsWith("convnet4j: building the Spark commands"), r[2]);
        List<String> progress = lines.stream().filter(l -> l.startsWith("convnet4j: still building the Spark commands"))
                .toList();
        assertTrue(progress.size() >= 2, "progress lines in 4 s at one a second:\n" + r[2]);
        assertTrue(progress.get(0).matches(".*\\((1|2) s so far; Maven's output: .*\\)"), progress.get(0));
        assertEquals(1 + progress.size(), lines.size(), "only the status and progress lines:\n" + r[2]);
        assertFalse(r[2].contains("Downloading"), "Maven's output is shown only when the build fails:\n" + r[2]);
        assertTrue(Files.readAllLines(mvnArgs).contains("-Dconvnet4j.s3"), "the S3 add-on was not built");
        assertTrue(r[1].startsWith("java ran: ") && r[1].contains("org.convnet4j.spark.cli.SparkMain predict --model"),
                r[1]);
        assertTrue(r[1].contains(":/aws.jar"), "the S3 class path: " + r[1]);
    }

    @Test
    void aFailedBuildShowsMavensOutputAndStops() throws Exception {
        setUp("echo '[ERROR] Failed to execute goal: no network'\nexit 1\n");
        String[] r = launch("spark", "predict", "--model", "m.c4j", "--images", "p", "-o", "p.csv");
        assertEquals("1", r[0], r[2]);
        assertTrue(r[2].contains("[ERROR] Failed to execute goal: no network"), r[2]);
        assertTrue(r[2].strip().endsWith("convnet4j: build of the Spark commands failed (the Maven output is above)"),
                r[2]);
        assertEquals("", r[1], "java ran after a failed build");
        assertFalse(Files.readAllLines(mvnArgs).contains("-Dconvnet4j.s3"));
    }
}
