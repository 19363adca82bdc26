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
        assertEquals(SparkYarnArchive.fileName(List.of(a, b)), SparkYarnArchive.fileName(List.of(b, a)),
                "the same jars in another class path order");
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
        Map<String, String> got = SparkSessions.yarnLibraries(Map.of(), null, a.toString(), null, conf);
        assertEquals(Map.of("spark.yarn.jars", a.toString()), got);
        assertTrue(System.nanoTime() - t0 < 60e9, "took " + (System.nanoTime() - t0) / 1e9 + " s");
        assertEquals(Map.of(), SparkSessions.yarnLibraries(Map.of("spark.yarn.archive", "hdfs:///x.zip"), null,
                a.toString(), null, conf));
    }

    /**
     * A driver with a jar besides Spark's (a user's library next to convnet4j's jar) finds the archive package-yarn wrote
     * from Spark's jars alone, and is told which of its jars are not in it; one whose jars match no archive exactly
     * prefers the archive of exactly its jars; a driver that lacks one of an archive's jars, or has it in another size,
     * does not take that archive. (Before, the archive's name was a hash of all the driver's jars: one more jar and it
     * was not found, and every application uploaded Spark's jars, 260 MB.)
     */
    @Test
    void aDriverWithAJarBesidesSparksTakesTheArchiveOfSparksJarsAndShipsItsOwn() throws Exception {
        Files.createDirectories(dir.resolve("jars"));
        Path a = jar("spark-core_2.13-3.5.6.jar", 3000, 1);
        Path b = jar("hadoop-client-api-3.3.4.jar", 2000, 2);
        Path user = jar("my-udfs-1.0.jar", 500, 3);
        Configuration conf = new Configuration();
        URI folder = dir.resolve("cluster/user/me/.convnet4j").toUri();
        assertNull(SparkYarnArchive.find(List.of(a, b), folder, conf), "no folder yet");
        URI spark = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(folder),
                SparkYarnArchive.fileName(List.of(a, b))).toUri();
        SparkYarnArchive.publish(List.of(a, b), spark, conf, false);
        Files.writeString(Path.of(folder).resolve("notes.txt"), "not an archive");

        assertEquals(new SparkYarnArchive.Found(spark, List.of()), SparkYarnArchive.find(List.of(a, b), folder, conf));
        assertEquals(new SparkYarnArchive.Found(spark, List.of(user)),
                SparkYarnArchive.find(List.of(user, a, b), folder, conf));
        assertNull(SparkYarnArchive.find(List.of(a, user), folder, conf), "the archive has a jar the driver lacks");
        Path otherSize = Files.write(Files.createDirectories(dir.resolve("other")).resolve(b.getFileName()),
                new byte[1999]);
        assertNull(SparkYarnArchive.find(List.of(a, otherSize, user), folder, conf), "a jar of another size");

        // what a yarn application then gets: that archive, the driver's other jars added to spark.yarn.dist.jars
        String cp = String.join(File.pathSeparator, a.toString(), b.toString(), user.toString());
        assertEquals(Map.of("spark.yarn.archive", spark.toString(), "spark.yarn.dist.jars", user.toUri().toString()),
                SparkSessions.yarnLibraries(Map.of(), null, cp, null, conf, folder));
        assertEquals(Map.of("spark.yarn.archive", spark.toString(), "spark.yarn.dist.jars",
                "hdfs:///jobs/x.jar," + user.toUri()), SparkSessions.yarnLibraries(Map.of("spark.yarn.dist.jars",
                        "hdfs:///jobs/x.jar"), null, cp, null, conf, folder));
        assertEquals(Map.of("spark.yarn.archive", spark.toString()), SparkSessions.yarnLibraries(Map.of(), null,
                String.join(File.pathSeparator, a.toString(), b.toString()), null, conf, folder));

        // an archive of exactly the driver's jars is taken before the smaller one
        URI all = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(folder),
                SparkYarnArchive.fileName(List.of(a, b, user))).toUri();
        SparkYarnArchive.publish(List.of(a, b, user), all, conf, false);
        assertEquals(new SparkYarnArchive.Found(all, List.of()), SparkYarnArchive.find(List.of(a, b, user), folder, conf));
        // of two that fit, the larger: with one more jar the driver has both archives' jars
        Path more = jar("my-other-lib-2.0.jar", 100, 4);
        assertEquals(new SparkYarnArchive.Found(all, List.of(more)),
                SparkYarnArchive.find(List.of(a, b, user, more), folder, conf));
        // a truncated file of an archive's name is not taken (no central directory), nor does it stop the search
        Files.write(Path.of(folder).resolve(SparkYarnArchive.fileName(List.of(b, more))), new byte[100]);
        assertEquals(new SparkYarnArchive.Found(all, List.of(more)),
                SparkYarnArchive.find(List.of(more, a, b, user), folder, conf));
    }
}
