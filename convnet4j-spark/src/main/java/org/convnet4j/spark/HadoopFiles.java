package org.convnet4j.spark;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

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
        return fileSystem(uri, conf).exists(new Path(uri));
    }

    /** The whole file; one-line messages for a missing, oversized or unreadable file. */
    public static byte[] readAll(String uri, Configuration conf) throws IOException {
        Path p = new Path(uri);
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

    /** Writes {@code bytes} to {@code uri} through a temporary sibling and a rename (replacing an old file). */
    public static void writeAtomically(String uri, byte[] bytes, Configuration conf) throws IOException {
        Path target = new Path(uri);
        FileSystem fs = target.getFileSystem(conf);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + System.nanoTime());
        try (OutputStream out = fs.create(tmp, true)) {
            out.write(bytes);
        }
        if (fs.exists(target) && !fs.delete(target, false)) {
            fs.delete(tmp, false);
            throw new IOException(uri + ": cannot replace the existing file");
        }
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, false);
            throw new IOException(uri + ": cannot rename the temporary file into place");
        }
    }

    /** A local path or URI made absolute (a bare path means the default file system, normally the local one). */
    public static String qualify(String uri, Configuration conf) throws IOException {
        Path p = new Path(uri);
        return p.getFileSystem(conf).makeQualified(p).toString();
    }

    static URI toUri(String uri) {
        return new Path(uri).toUri();
    }
}
