package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark's jars as one archive for spark.yarn.archive (what {@code convnet4j spark package-yarn} writes). */
class SparkYarnArchiveTest {
    @TempDir
    Path dir;

    private Path jar(String name, int size, long seed) throws Exception {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Files.write(dir.resolve("jars").resolve(name), b);
    }

    @Test
    void theArchiveHoldsEachJarAtTheTopAndIsWrittenOnceUnlessOverwritten() throws Exception {
        Files.createDirectories(dir.resolve("jars"));
        Path a = jar("spark-core_2.13-3.5.6.jar", 70_000, 1);
        Path b = jar("hadoop-client-api-3.3.4.jar", 5_000, 2);
        Path own = jar("convnet4j-spark.jar", 100, 3);
        Path again = Files.createDirectories(dir.resolve("other")).resolve(a.getFileName());
        Files.write(again, new byte[10]);
        String cp = String.join(File.pathSeparator, own.toString(), a.toString(), dir.resolve("conf").toString(),
                b.toString(), again.toString(), dir.resolve("missing.jar").toString());
        List<Path> jars = SparkYarnArchive.sparkJars(cp, own.toString());
        assertEquals(List.of(a, b), jars, "jar files only, convnet4j's left out, the first of a file name");

        URI at = dir.resolve("cluster/user/me/.convnet4j").resolve(SparkYarnArchive.fileName(jars)).toUri();
        Configuration conf = new Configuration();
        SparkYarnArchive.Published p = SparkYarnArchive.publish(jars, at, conf, false);
        assertTrue(p.written());
        assertEquals(2, p.jars());
        Path zip = Path.of(at);
        assertEquals(Files.size(zip), p.bytes());
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
                assertArrayEquals(Files.readAllBytes(e.getName().equals(a.getFileName().toString()) ? a : b),
                        in.readAllBytes(), e.getName());
            }
        }
        assertEquals(List.of(a.getFileName().toString(), b.getFileName().toString()), names);
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(zip)), "readable by every user");
        try (Stream<Path> left = Files.list(zip.getParent())) {
            assertTrue(left.noneMatch(f -> f.getFileName().toString().contains(".tmp-")), "a temporary was left");
        }

        long modified = Files.getLastModifiedTime(zip).toMillis();
        Thread.sleep(1100);
        assertFalse(SparkYarnArchive.publish(jars, at, conf, false).written(), "written again");
        assertEquals(modified, Files.getLastModifiedTime(zip).toMillis());
        assertTrue(SparkYarnArchive.publish(jars, at, conf, true).written());
        assertEquals(at, SparkYarnArchive.find(at, conf));
        assertNull(SparkYarnArchive.find(dir.resolve("nothing.zip").toUri(), conf));
    }

    /** Another set of jars (another Spark, the S3 add-on, a jar of another size) gets an archive of its own name. */
    @Test
    void theNameFollowsTheJars() throws Exception {
        Files.createDirectories(dir.resolve("jars"));
        Path a = jar("spark-core_2.13-3.5.6.jar", 1000, 1);
        Path b = jar("hadoop-aws-3.3.4.jar", 1000, 2);
        String one = SparkYarnArchive.fileName(List.of(a));
        assertTrue(one.matches("spark-jars-3\\.5\\.[0-9]+-[0-9a-f]{12}\\.zip"), one);
        assertEquals(one, SparkYarnArchive.fileName(List.of(a)));
        assertNotEquals(one, SparkYarnArchive.fileName(List.of(a, b)));
        Files.write(a, new byte[999]);
        assertNotEquals(one, SparkYarnArchive.fileName(List.of(a)));
    }

    /**
     * With no archive where package-yarn puts it (here: a default file system that does not answer, checked within
     * seconds), a yarn application still gets the class path's jars as spark.yarn.jars, as before.
     */
    @Test
    void withoutAnArchiveTheJarsAreUploadedAsBefore() throws Exception {
        Files.createDirectories(dir.resolve("jars"));
        Path a = jar("spark-core_2.13-3.5.6.jar", 100, 1);
        Configuration conf = new Configuration();
        conf.set("fs.defaultFS", "hdfs://127.0.0.1:1");
        long t0 = System.nanoTime();
        Map.Entry<String, String> got = SparkSessions.yarnLibraries(Map.of(), null, a.toString(), null, conf);
        assertEquals(Map.entry("spark.yarn.jars", a.toString()), got);
        assertTrue(System.nanoTime() - t0 < 60e9, "took " + (System.nanoTime() - t0) / 1e9 + " s");
        assertNull(SparkSessions.yarnLibraries(Map.of("spark.yarn.archive", "hdfs:///x.zip"), null, a.toString(), null,
                conf));
    }
}
