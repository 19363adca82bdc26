package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.spark.SparkSessions;
import org.convnet4j.spark.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM that already runs a Spark session (an application calling {@link SparkMain#run}, a test): Spark allows one
 * SparkContext per JVM and its builder hands back the running session whatever master it is asked for. A command on
 * another master is refused in one line naming both masters, exit 2, before any work, and the caller's session keeps
 * running; on the same master the command runs in the caller's session and leaves it running.
 */
class ExistingSessionTest {
    @TempDir
    static Path dir;

    @Test
    void aCommandOnAnotherMasterIsRefusedAndTheSameMasterReusesTheSession() throws Exception {
        Path model = TestSpark.lenetFile(Files.createDirectories(dir.resolve("model")), List.of("horizontal", "vertical"));
        Path pictures = TestSpark.stripeFolder(dir.resolve("pictures"), 3, 5);
        SparkSession callers = TestSpark.session(); // local[2]
        Path refused = dir.resolve("refused.csv");
        String[] r = CliRun.run("predict", "--master", "local[1]", "--model", model.toString(), "--images",
                pictures.toString(), "-o", refused.toString());
        assertEquals("2", r[0], r[2]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].startsWith("convnet4j spark predict: --master local[1]: this JVM already runs a Spark session on"
                + " local[2]"), r[2]);
        assertFalse(r[2].contains("Exception"), r[2]);
        assertFalse(Files.exists(refused), "output written by a refused command");
        assertFalse(callers.sparkContext().isStopped(), "the caller's session was stopped");
        // the library call the commands use says the same
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkSessions.start("x", "local[*]", Map.of()));
        assertTrue(e.getMessage().contains("local[*]") && e.getMessage().contains("local[2]"), e.getMessage());

        Path same = dir.resolve("same.csv");
        r = CliRun.run("predict", "--master", "local[2]", "--model", model.toString(), "--images", pictures.toString(),
                "-o", same.toString());
        assertEquals("0", r[0], r[2]);
        assertEquals(1 + 6, Files.readAllLines(same).size(), "header and one row per picture");
        assertFalse(callers.sparkContext().isStopped(), "the command stopped the caller's session");
        assertSame(callers, SparkSessions.start("y", "local[2]", Map.of()));
    }
}
