package org.convnet4j.spark;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
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
        return new Path(uri).getFileSystem(conf);
    }

    public static boolean exists(String uri, Configuration conf) throws IOException {
        uri = resolve(uri, conf);
        return fileSystem(uri, conf).exists(new Path(uri));
    }

    /** The whole file; one-line messages for a missing, oversized or unreadable file. */
    public static byte[] readAll(String uri, Configuration conf) throws IOException {
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
     * {@code OVERWRITE}, which HDFS performs atomically; temporaries of interrupted writes older than an hour are
     * removed first.
     */
    public static void writeAtomically(String uri, byte[] bytes, Configuration conf) throws IOException {
        writeAtomically(uri, bytes, conf, false);
    }

    /** As above; {@code shared} takes the HDFS path on any file system (tests run it on the local one). */
    static void writeAtomically(String uri, byte[] bytes, Configuration conf, boolean shared) throws IOException {
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
            AtomicFiles.write(path, out -> out.write(bytes));
            return;
        }
        String prefix = "." + target.getName() + ".tmp-";
        cleanStale(fs, target.getParent(), prefix);
        Path tmp = new Path(target.getParent(), prefix + System.currentTimeMillis() + "-" + System.nanoTime());
        boolean done = false;
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                out.write(bytes);
                out.hsync();
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

    /** Removes this target's temporaries older than {@link #STALE_AFTER_MS}; never throws. */
    private static void cleanStale(FileSystem fs, Path dir, String prefix) {
        try {
            FileStatus[] found = fs.listStatus(dir, p -> p.getName().startsWith(prefix));
            long now = System.currentTimeMillis();
            for (FileStatus f : found) {
                if (f.isFile() && now - f.getModificationTime() > STALE_AFTER_MS) {
                    fs.delete(f.getPath(), false);
                }
            }
        } catch (IOException | RuntimeException e) {
            // cleaning up is a courtesy, not part of the write
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
