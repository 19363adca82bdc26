package org.convnet4j.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Spark's jars as one archive on a cluster's file system, for YARN's {@code spark.yarn.archive}: made once from the
 * jars a driver runs with, so that a YARN application no longer uploads them (273 MB for Spark 3.5.6's) to its
 * staging directory each time. The NodeManagers localise the archive from where it is and keep it in their cache.
 *
 * <pre>
 *   List&lt;java.nio.file.Path&gt; jars = SparkYarnArchive.sparkJarsOfThisJvm();
 *   URI at = SparkYarnArchive.defaultLocation(jars, hadoopConf);    // ~/.convnet4j/spark-jars-3.5.6-HASH.zip there
 *   SparkYarnArchive.Published p = SparkYarnArchive.publish(jars, at, hadoopConf, false);
 *   // then --conf spark.yarn.archive=p.location() (SparkSessions.start finds the default location by itself)
 * </pre>
 *
 * <p>The archive's name carries Spark's version and a hash of the jars' file names and sizes, so a driver whose class
 * path differs (another Spark, the S3 add-on's jars) looks for an archive of its own and never uses one that lacks
 * its jars.
 */
public final class SparkYarnArchive {
    private SparkYarnArchive() {
    }

    /** What {@link #publish} did. */
    public record Published(URI location, boolean written, int jars, long bytes) {
    }

    /**
     * The jar files of {@code classPath} (entries ending in {@code .jar} that are regular files), but {@code own}
     * (convnet4j's jar, shipped to the executors as {@code spark.jars} instead), in class path order, one per file
     * name (the first).
     */
    public static List<java.nio.file.Path> sparkJars(String classPath, String own) {
        List<java.nio.file.Path> jars = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (classPath == null) {
            return jars;
        }
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            if (!entry.endsWith(".jar")) {
                continue;
            }
            java.nio.file.Path p = java.nio.file.Path.of(entry);
            if ((own == null || !p.equals(java.nio.file.Path.of(own))) && Files.isRegularFile(p)
                    && names.add(p.getFileName().toString())) {
                jars.add(p);
            }
        }
        return jars;
    }

    /**
     * The jars of this JVM's class path but convnet4j's own: what a YARN application started from this driver needs
     * of Spark ({@link SparkSessions#start} looks for their archive).
     */
    public static List<java.nio.file.Path> sparkJarsOfThisJvm() {
        return sparkJars(System.getProperty("java.class.path"), SparkSessions.ownJar());
    }

    /**
     * The archive's file name for {@code jars}: {@code spark-jars-VERSION-HASH.zip}, HASH the first 12 hex digits of
     * the SHA-256 of the jars' file names and sizes in order.
     */
    public static String fileName(List<java.nio.file.Path> jars) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (java.nio.file.Path j : jars) {
            sha.update((j.getFileName() + " " + Files.size(j) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return "spark-jars-" + org.apache.spark.package$.MODULE$.SPARK_VERSION() + "-"
                + HexFormat.of().formatHex(sha.digest()).substring(0, 12) + ".zip";
    }

    /**
     * Where {@link #publish} puts the archive and {@link SparkSessions#start} looks for it: {@code .convnet4j/NAME} in
     * the user's home directory on the default file system of {@code conf} ({@code fs.defaultFS}: on a cluster
     * {@code hdfs://NAMENODE/user/USER}).
     */
    public static URI defaultLocation(List<java.nio.file.Path> jars, Configuration conf) throws IOException {
        FileSystem fs = FileSystem.get(conf);
        return new Path(new Path(fs.getHomeDirectory(), ".convnet4j"), fileName(jars)).toUri();
    }

    /**
     * The archive at {@code location} when it is there (a file), else null; a file system that cannot be reached
     * counts as not there (the application then uploads the jars as before).
     */
    public static URI find(URI location, Configuration conf) {
        try {
            Path p = new Path(location);
            FileSystem fs = p.getFileSystem(HadoopFiles.forChecks(conf));
            return fs.exists(p) && fs.getFileStatus(p).isFile() ? location : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Writes {@code jars} as a zip (each jar at the top, as {@code spark.yarn.archive} wants them) to
     * {@code location} on its file system, under a hidden temporary name renamed into place when complete, readable
     * by everyone (so NodeManagers may cache it for every user). Nothing is written when it is already there, unless
     * {@code overwrite}.
     *
     * @throws IOException when it cannot be written, naming the location
     */
    public static Published publish(List<java.nio.file.Path> jars, URI location, Configuration conf, boolean overwrite)
            throws IOException {
        if (jars.isEmpty()) {
            throw new IllegalArgumentException("no jar files on the class path to put in the archive");
        }
        Path target = new Path(location);
        FileSystem fs = HadoopFiles.reach(location.toString(), () -> target.getFileSystem(conf));
        if (!overwrite && HadoopFiles.reach(location.toString(), () -> fs.exists(target))) {
            return new Published(location, false, jars.size(), fs.getFileStatus(target).getLen());
        }
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + System.nanoTime());
        boolean done = false;
        try {
            fs.mkdirs(target.getParent());
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                write(jars, out);
            }
            fs.setPermission(tmp, new FsPermission((short) 0644));
            if (fs.exists(target) && !fs.delete(target, false)) {
                throw new IOException(location + ": cannot replace the existing archive");
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException(location + ": cannot rename the temporary archive into place");
            }
            done = true;
            return new Published(location, true, jars.size(), fs.getFileStatus(target).getLen());
        } finally {
            if (!done) {
                try {
                    fs.delete(tmp, false);
                } catch (IOException ignored) {
                    // a hidden temporary; the next publish writes another name
                }
            }
        }
    }

    /** The zip of {@code jars}, each at the top by its file name, not compressed again (jars are compressed). */
    public static void write(List<java.nio.file.Path> jars, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        zip.setLevel(Deflater.NO_COMPRESSION);
        for (java.nio.file.Path j : jars) {
            zip.putNextEntry(new ZipEntry(j.getFileName().toString()));
            Files.copy(j, zip);
            zip.closeEntry();
        }
        zip.finish();
    }
}
