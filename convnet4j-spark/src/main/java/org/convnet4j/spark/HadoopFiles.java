package org.convnet4j.spark;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.convnet4j.util.AtomicFiles;

/**
 * Whole files on any Hadoop file system ({@code file://}, {@code hdfs://}, {@code s3a://}, or a plain local path):
 * model files travel to the driver this way, checkpoints and saved stages go back. Writes go to a hidden
 * temporary name next to the target and are renamed into place, so a reader never sees half a file.
 */
public final class HadoopFiles {
    /** Model files larger than this are refused before reading (the biggest zoo model, VGG-19, is ~575 MB). */
    public static final long MAX_BYTES = 2_000_000_000L;

    private HadoopFiles() {
    }

    public static FileSystem fileSystem(String uri, Configuration conf) throws IOException {
        return reach(uri, () -> new Path(uri).getFileSystem(conf));
    }

    public static boolean exists(String uri, Configuration conf) throws IOException {
        String u = resolve(uri, conf);
        return reach(uri, () -> fileSystem(u, conf).exists(new Path(u)));
    }

    /**
     * Whether {@code uri} is a folder saved by Spark ML (a stage or pipeline: it has {@code metadata}), as opposed to
     * a model file; a file system that cannot be reached is one line naming {@code uri} itself.
     */
    public static boolean isSavedStage(String uri, Configuration conf) throws IOException {
        String u = resolve(uri, conf);
        return reach(uri, () -> new Path(u).getFileSystem(conf).exists(new Path(u, "metadata")));
    }

    /** How long a check waits for a file system that accepted the connection to answer a call (ms). */
    public static final int CHECK_TIMEOUT_MS = 10_000;

    /**
     * A copy of {@code conf} for the quick checks a command makes before Spark starts (does the model, the folder,
     * the output exist): clients that give up on a file system that does not answer after a few seconds instead of
     * retrying for minutes (S3A's defaults retry an unreachable endpoint for more than 15 minutes, HDFS's a silent
     * NameNode 45 times 20 s; a NameNode that accepts the connection and never answers is waited for without end),
     * and not cached, so that the job itself later gets clients with the configuration's own
     * retries. A value the configuration sets itself ({@code --conf spark.hadoop.KEY=...}, a site file) is kept.
     * Not for anything that keeps the configuration to read with later (a picture folder read by the executors).
     */
    public static Configuration forChecks(Configuration conf) {
        Configuration c = new Configuration(conf);
        String[][] quick = {
            {"fs.s3a.attempts.maximum", "1"}, {"fs.s3a.retry.limit", "1"}, {"fs.s3a.retry.throttle.limit", "1"},
            {"fs.s3a.connection.establish.timeout", "5000"}, {"fs.s3a.connection.timeout", "15000"},
            {"ipc.client.connect.max.retries", "1"}, {"ipc.client.connect.max.retries.on.timeouts", "1"},
            {"ipc.client.connect.timeout", "10000"},
            // a NameNode that accepts the connection and never answers: Hadoop's default (0, with a ping every
            // minute) waits for ever; the checks give up after CHECK_TIMEOUT_MS
            {"ipc.client.rpc-timeout.ms", String.valueOf(CHECK_TIMEOUT_MS)}};
        for (String[] kv : quick) {
            String[] sources = conf.getPropertySources(kv[0]);
            boolean defaultOnly = sources == null || java.util.Arrays.stream(sources)
                    .allMatch(x -> x.endsWith("-default.xml"));
            if (defaultOnly) {
                c.set(kv[0], kv[1], "convnet4j checks");
            }
        }
        for (String scheme : new String[] {"hdfs", "s3a", "webhdfs", "viewfs"}) {
            c.setBoolean("fs." + scheme + ".impl.disable.cache", true);
        }
        return c;
    }

    /** A call to a file system, which may fail because it cannot be reached. */
    public interface Call<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code call} on the file system of {@code uri}, turning the ways a remote one cannot be reached into one
     * line naming the URI: a NameNode or endpoint that refuses the connection or does not answer, a host without a
     * DNS answer, a scheme this class path has no file system for ({@code s3a://} without the S3 add-on). Hadoop's
     * own words for them name neither the file nor the option ("Call From HOST to HOST:PORT failed on connection
     * exception ..."), or fail as internal errors (a missing class). Other failures pass unchanged.
     */
    public static <T> T reach(String uri, Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (IOException | RuntimeException e) {
            String why = unreachable(uri, e);
            if (why == null) {
                throw e;
            }
            throw new IOException(uri + ": " + why, e);
        }
    }

    /** Why {@code e} says the file system of {@code uri} cannot be reached, or null if it says something else. */
    static String unreachable(String uri, Throwable e) {
        String scheme;
        String where;
        try {
            scheme = toUri(uri).getScheme();
            where = toUri(uri).getAuthority();
        } catch (RuntimeException notAUri) {
            return null;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof java.net.UnknownHostException) {
                return "the host " + (t.getMessage() == null ? where : t.getMessage().replaceFirst(":.*", ""))
                        + " is not known (no DNS answer); check the URL (or fs.defaultFS)";
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException) {
                if ("s3a".equals(scheme)) { // the authority is the bucket; the address is fs.s3a.endpoint's
                    java.util.regex.Matcher at = java.util.regex.Pattern.compile("Connect to (\\S+)").matcher(m);
                    return "cannot reach the S3 endpoint" + (at.find() ? " " + at.group(1) : "") + " for bucket "
                            + where + " (" + reason(t) + "); is fs.s3a.endpoint right (--conf"
                            + " spark.hadoop.fs.s3a.endpoint=URL), and is the service running?";
                }
                return "cannot reach " + (where == null ? "its file system" : where) + " (" + reason(t)
                        + "); is the " + (scheme != null && scheme.startsWith("hdfs") ? "NameNode" : "service")
                        + " running, and is the address in the URL (or fs.defaultFS) right?";
            }
            if (t instanceof java.net.SocketTimeoutException || t instanceof org.apache.hadoop.net.ConnectTimeoutException) {
                java.util.regex.Matcher ms = java.util.regex.Pattern.compile("(\\d+) millis timeout").matcher(m);
                return "no answer from " + (where == null ? "its file system" : where) + " within the timeout ("
                        + (ms.find() ? ms.group(1) + " ms" : "to connect or to answer") + "); is the "
                        + (scheme != null && scheme.startsWith("hdfs") ? "NameNode" : "service")
                        + " at that address running and answering?";
            }
            if (t instanceof UnsupportedFileSystemException || m.contains("S3AFileSystem not found")
                    || t instanceof ClassNotFoundException) {
                return "this class path has no file system for " + scheme + "://" + ("s3a".equals(scheme)
                        ? " (the S3 add-on: hadoop-aws and the AWS SDK bundle; the convnet4j launcher adds them to a"
                        + " spark command that names s3a://, spark-submit needs them in --jars or --packages;"
                        + " docs/SPARK.md \"S3\")" : "");
            }
        }
        return null;
    }

    private static String reason(Throwable t) {
        String m = String.valueOf(t.getMessage());
        return m.contains("Connection refused") ? "connection refused" : m.contains("No route") ? "no route to host"
                : m.replaceFirst(";.*", "");
    }

    /** The whole file; one-line messages for a missing, oversized or unreadable file. */
    public static byte[] readAll(String uri, Configuration conf) throws IOException {
        return reach(uri, () -> readAllReached(uri, conf));
    }

    private static byte[] readAllReached(String uri, Configuration conf) throws IOException {
        Path p = new Path(resolve(uri, conf));
        FileSystem fs = p.getFileSystem(conf);
        long length;
        try {
            if (!fs.getFileStatus(p).isFile()) {
                throw new IOException(uri + ": not a file");
            }
            length = fs.getFileStatus(p).getLen();
        } catch (FileNotFoundException e) {
            throw new IOException(uri + ": file not found");
        }
        if (length > MAX_BYTES) {
            throw new IOException(uri + ": " + length + " bytes is more than the " + MAX_BYTES + " bytes a model file may have");
        }
        // The bytes are held in memory (then read from there, never staged on local disk): budget them first.
        org.convnet4j.util.MemoryBudget.require(uri + ": a file of " + length + " bytes", length);
        try (InputStream in = fs.open(p)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) length);
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** Temporary files of interrupted writes on a shared file system are removed once they are this old. */
    static final long STALE_AFTER_MS = 3_600_000L;

    /**
     * Writes {@code bytes} to {@code uri} through a temporary sibling and an atomic rename over the target: an
     * existing file is replaced in one step or, if anything fails, left as it was; never deleted first.
     *
     * <p>On the local file system this is {@link AtomicFiles#write} (temporary file forced to disk, renamed,
     * directory forced; temporaries of killed processes removed), and the checksum file Hadoop's local file system
     * may have left next to the target ({@code .NAME.crc}) is removed before, so that it never describes other
     * bytes. Elsewhere (HDFS, object stores) the temporary is synced and renamed with {@code FileContext}'s
     * {@code OVERWRITE}, which HDFS performs atomically; temporaries of interrupted writes
     * ({@code .NAME.tmp-pPID@HOST-N}) are removed first once they are an hour old (their writer may be another machine's).
     */
    public static void writeAtomically(String uri, byte[] bytes, Configuration conf) throws IOException {
        writeAtomically(uri, out -> out.write(bytes), conf, false);
    }

    /**
     * As {@link #writeAtomically(String, byte[], Configuration)}, with the content streamed by {@code body} straight
     * into the temporary file beside the target (nothing staged on the local disk or held in memory): a process killed
     * while writing leaves the target as it was and a hidden temporary ({@code .NAME.pPID@HOST-N.tmp} on the local file
     * system, {@code .NAME.tmp-pPID@HOST-N} elsewhere) that the next write to the same target removes.
     */
    public static void writeAtomically(String uri, AtomicFiles.Writer body, Configuration conf) throws IOException {
        writeAtomically(uri, body, conf, false);
    }

    /** As above; {@code shared} takes the HDFS path on any file system (tests run it on the local one). */
    static void writeAtomically(String uri, byte[] bytes, Configuration conf, boolean shared) throws IOException {
        writeAtomically(uri, out -> out.write(bytes), conf, shared);
    }

    static void writeAtomically(String uri, AtomicFiles.Writer body, Configuration conf, boolean shared)
            throws IOException {
        Path target = new Path(resolve(uri, conf));
        FileSystem fs = target.getFileSystem(conf);
        LocalFileSystem local = fs instanceof LocalFileSystem l ? l : null;
        if (!shared && (local != null || fs instanceof RawLocalFileSystem)) {
            java.io.File file = local != null ? local.pathToFile(target) : ((RawLocalFileSystem) fs).pathToFile(target);
            java.nio.file.Path path = file.toPath();
            java.nio.file.Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                java.nio.file.Files.createDirectories(parent); // as Hadoop's create does
                java.nio.file.Files.deleteIfExists(parent.resolve("." + path.getFileName() + ".crc"));
            }
            AtomicFiles.write(path, body);
            return;
        }
        String prefix = "." + target.getName() + ".tmp-";
        // the rule of AtomicOutputs' directories: a dead local writer's at once, elsewhere after STALE_AFTER_MS
        AtomicOutputs.cleanStaleDirectories(fs, target.getParent(), prefix);
        Path tmp = new Path(target.getParent(), prefix + org.convnet4j.util.WriterId.self().tag() + "-" + System.nanoTime());
        boolean done = false;
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                body.write(out);
                // to disk on HDFS; an object store (s3a) writes the object at close and warns "Syncable API ...
                // unsupported" when asked
                if (out.hasCapability(org.apache.hadoop.fs.StreamCapabilities.HSYNC)) {
                    out.hsync();
                }
            }
            try {
                FileContext.getFileContext(fs.getUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
            } catch (UnsupportedFileSystemException e) {
                // no AbstractFileSystem for this scheme: the two-step replacement is all there is
                if (fs.exists(target) && !fs.delete(target, false)) {
                    throw new IOException(uri + ": cannot replace the existing file");
                }
                if (!fs.rename(tmp, target)) {
                    throw new IOException(uri + ": cannot rename the temporary file into place");
                }
            }
            done = true;
        } finally {
            if (!done) {
                try {
                    fs.delete(tmp, false);
                } catch (IOException ignored) {
                    // the next write to this target removes it once it is old
                }
            }
        }
    }

    /**
     * {@code uri} with the default file system's authority filled in when it names that file system's scheme without
     * one: {@code hdfs:///data} with {@code fs.defaultFS=hdfs://nn:8020} becomes {@code hdfs://nn:8020/data}; anything
     * else is returned unchanged. Hadoop itself resolves such a URI against the configuration of the first client
     * made for that file system in the process, which need not be {@code conf} ("Wrong FS" errors).
     */
    public static String resolve(String uri, Configuration conf) {
        URI u = new Path(uri).toUri();
        URI d = FileSystem.getDefaultUri(conf);
        if (u.getScheme() != null && u.getAuthority() == null && d.getAuthority() != null
                && u.getScheme().equalsIgnoreCase(d.getScheme())) {
            return new Path(d.getScheme(), d.getAuthority(), u.getPath()).toString();
        }
        return uri;
    }

    static URI toUri(String uri) {
        return new Path(uri).toUri();
    }
}
