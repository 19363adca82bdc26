package org.convnet4j.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
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
import org.convnet4j.util.Digests;

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
 * <p>The archive's name carries Spark's version and a hash of the jars' file names and sizes. A driver looks for the
 * archive of exactly its jars first; failing that it takes an archive whose every jar it has ({@link #find}: a driver
 * with a user's jar besides Spark's still uses the archive of Spark's jars, and ships its own jars itself), never one
 * with a jar it lacks or has in another size (another Spark).
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
     * the SHA-256 of the jars' file names and sizes, by file name (the class path's order does not count).
     */
    public static String fileName(List<java.nio.file.Path> jars) throws IOException {
        MessageDigest sha = Digests.sha256();
        List<java.nio.file.Path> byName = new ArrayList<>(jars);
        byName.sort(java.util.Comparator.comparing(j -> j.getFileName().toString()));
        for (java.nio.file.Path j : byName) {
            sha.update((j.getFileName() + " " + Files.size(j) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return "spark-jars-" + org.apache.spark.package$.MODULE$.SPARK_VERSION() + "-"
                + Digests.hex(sha).substring(0, 12) + ".zip";
    }

    /**
     * Where {@link #publish} puts the archive and {@link SparkSessions#start} looks for it: {@code .convnet4j/NAME} in
     * the user's home directory on the default file system of {@code conf} ({@code fs.defaultFS}: on a cluster
     * {@code hdfs://NAMENODE/user/USER}).
     */
    public static URI defaultLocation(List<java.nio.file.Path> jars, Configuration conf) throws IOException {
        return new Path(new Path(defaultFolder(conf)), fileName(jars)).toUri();
    }

    /**
     * The folder of {@link #defaultLocation}: {@code .convnet4j} in the user's home directory on the default file
     * system of {@code conf}.
     */
    public static URI defaultFolder(Configuration conf) throws IOException {
        FileSystem fs = FileSystem.get(conf);
        return new Path(fs.getHomeDirectory(), ".convnet4j").toUri();
    }

    /**
     * An archive a driver can take Spark from: where it is, and the driver's jars that are not in it (to be shipped
     * to the executors another way, e.g. {@code spark.jars}; empty when the archive has them all).
     */
    public record Found(URI location, List<java.nio.file.Path> notInIt) {
    }

    /**
     * The archive in {@code folder} for a driver whose jars are {@code jars} (its class path's but convnet4j's, as
     * {@link #sparkJars}): the one named for exactly these jars ({@link #fileName}) when it is there; else, of the
     * archives of this Spark version there ({@code spark-jars-VERSION-*.zip}), the largest whose every jar (file name
     * and size, read from the zip's central directory) is one of {@code jars}. A driver with jars besides Spark's (a
     * user's library next to convnet4j's jar, a test's driver) thus still finds the archive package-yarn wrote from
     * Spark's jars alone, and ships the others itself; an archive with a jar the driver does not have, or of another
     * size, is never taken. Null when none fits or the folder cannot be read (the application then uploads the jars).
     */
    public static Found find(List<java.nio.file.Path> jars, URI folder, Configuration conf) {
        try {
            Path dir = new Path(folder);
            FileSystem fs = dir.getFileSystem(HadoopFiles.forChecks(conf));
            Path exact = new Path(dir, fileName(jars));
            if (fs.exists(exact) && fs.getFileStatus(exact).isFile()) {
                return new Found(exact.toUri(), List.of());
            }
            java.util.Map<String, Long> sizes = new java.util.HashMap<>();
            for (java.nio.file.Path j : jars) {
                sizes.put(j.getFileName().toString(), Files.size(j));
            }
            String prefix = "spark-jars-" + org.apache.spark.package$.MODULE$.SPARK_VERSION() + "-";
            if (!fs.exists(dir)) {
                return null;
            }
            org.apache.hadoop.fs.FileStatus[] listed = fs.listStatus(dir,
                    f -> f.getName().startsWith(prefix) && f.getName().endsWith(".zip"));
            Path best = null;
            Set<String> bestNames = null;
            long bestBytes = -1;
            for (org.apache.hadoop.fs.FileStatus f : listed) {
                java.util.Map<String, Long> entries = f.isFile() ? entries(fs, f.getPath(), f.getLen()) : null;
                if (entries == null || entries.isEmpty() || !entries.entrySet().stream()
                        .allMatch(e -> e.getValue().equals(sizes.get(e.getKey())))) {
                    continue;
                }
                long bytes = entries.values().stream().mapToLong(Long::longValue).sum();
                if (bytes > bestBytes) {
                    best = new Path(dir, f.getPath().getName());
                    bestNames = entries.keySet();
                    bestBytes = bytes;
                }
            }
            if (best == null) {
                return null;
            }
            Set<String> in = bestNames;
            return new Found(best.toUri(), jars.stream().filter(j -> !in.contains(j.getFileName().toString())).toList());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The entries of the zip {@code archive} ({@code length} bytes) with their uncompressed sizes, from its central
     * directory (read from the end of the file; nothing else of it is read); null when it is not a zip this class
     * reads (no end record in the last 64 KB, a ZIP64 archive, a central directory over 16 MB).
     */
    static java.util.Map<String, Long> entries(FileSystem fs, Path archive, long length) throws IOException {
        int tail = (int) Math.min(length, 22 + 65_535);
        byte[] end = new byte[tail];
        try (org.apache.hadoop.fs.FSDataInputStream in = fs.open(archive)) {
            in.readFully(length - tail, end);
            java.nio.ByteBuffer e = java.nio.ByteBuffer.wrap(end).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int at = tail - 22;
            while (at >= 0 && e.getInt(at) != 0x06054b50) {
                at--;
            }
            if (at < 0) {
                return null;
            }
            long size = Integer.toUnsignedLong(e.getInt(at + 12));
            long offset = Integer.toUnsignedLong(e.getInt(at + 16));
            if (size > 16 << 20 || offset == 0xFFFFFFFFL || offset + size > length) {
                return null;
            }
            byte[] directory = new byte[(int) size];
            in.readFully(offset, directory);
            java.nio.ByteBuffer d = java.nio.ByteBuffer.wrap(directory).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            java.util.Map<String, Long> entries = new java.util.LinkedHashMap<>();
            int i = 0;
            while (i + 46 <= directory.length && d.getInt(i) == 0x02014b50) {
                long uncompressed = Integer.toUnsignedLong(d.getInt(i + 24));
                int name = Short.toUnsignedInt(d.getShort(i + 28));
                int extra = Short.toUnsignedInt(d.getShort(i + 30));
                int comment = Short.toUnsignedInt(d.getShort(i + 32));
                if (uncompressed == 0xFFFFFFFFL || i + 46 + name > directory.length) {
                    return null;
                }
                entries.put(new String(directory, i + 46, name, StandardCharsets.UTF_8), uncompressed);
                i += 46 + name + extra + comment;
            }
            return entries;
        }
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
