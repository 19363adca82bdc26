package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.convnet4j.testsupport.NativeLibraries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/convnet4j-spark.jar goes on a class path that already holds Spark's jars (spark-submit's, a worker's, a YARN
 * container's): it carries no class of what Spark ships under that library's own package names — protobuf, Gson and
 * jline, which Spark's class path has in versions of its own, and Spark, Scala and Hadoop themselves — so no class of
 * ours shadows one of Spark's or is shadowed by it. The two libraries it needs that Spark also has or may have, Gson
 * and picocli, are in it relocated under {@code org/convnet4j/shaded/}. (The cluster tests run the jar on Spark's
 * class path; this says why nothing in it can clash, whatever version Spark brings.)
 */
class ShadedJarContentsIT {
    /** The package folders of what Spark's class path holds and the jar must not. */
    static final List<String> SPARKS_OWN = List.of("com/google/protobuf/", "com/google/gson/", "jline/", "org/jline/",
            "org/apache/spark/", "scala/", "org/apache/hadoop/");

    /** The classes of {@code jar} in {@link #SPARKS_OWN}'s packages. */
    static List<String> clashing(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().map(ZipEntry::getName)
                    .filter(n -> n.endsWith(".class") && SPARKS_OWN.stream().anyMatch(n::startsWith)).sorted().toList();
        }
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("convnet4j.spark.jar"));
        assertTrue(Files.isRegularFile(jar), "no shaded jar at " + jar + " (built in the package phase)");
        return jar;
    }

    @Test
    void theJarCarriesNothingSparkShipsUnderItsOwnNameAndGsonAndPicocliRelocated() throws Exception {
        Path jar = jar();
        assertEquals(List.of(), clashing(jar), jar.toString());
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            assertNotNull(zip.getEntry("org/convnet4j/spark/cli/SparkMain.class"), "the spark commands");
            assertNotNull(zip.getEntry("org/convnet4j/shaded/gson/Gson.class"), "Gson, relocated");
            assertNotNull(zip.getEntry("org/convnet4j/shaded/picocli/CommandLine.class"), "picocli, relocated");
        }
    }

    @Test
    void plantedClassesOfSparksLibrariesAreFound(@TempDir Path tmp) throws Exception {
        List<String> planted = List.of("com/google/protobuf/Message.class", "com/google/gson/Gson.class",
                "jline/console/ConsoleReader.class", "org/jline/terminal/Terminal.class", "scala/Option.class");
        assertEquals(planted.stream().sorted().toList(), clashing(NativeLibraries.withPlanted(jar(), planted, tmp)));
    }
}
