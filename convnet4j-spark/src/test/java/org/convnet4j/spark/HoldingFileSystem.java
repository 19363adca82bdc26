package org.convnet4j.spark;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Files;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under the scheme {@code held:} (give {@code fs.held.impl} = this class, e.g. {@code --conf
 * spark.hadoop.fs.held.impl=org.convnet4j.spark.HoldingFileSystem}), for a test that must catch a task in the middle
 * of its work: opening a file {@code F} while a file {@code F.hold} exists next to it first writes {@code F.reader-PID}
 * (the opening JVM's process id), then waits until {@code F.hold} is gone, then opens {@code F}. The task that reads
 * {@code F} is therefore running for as long as the test keeps {@code F.hold} ({@link HeldPicture}). Everything else is
 * Hadoop's {@link RawLocalFileSystem} (no checksum files), with {@code held:} paths; a file's status has the default
 * permissions (RawLocalFileSystem's reads them through {@code java.io.File(URI)}, which takes {@code file:} URIs only).
 */
public class HoldingFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "held";
    private static final URI NAME = URI.create(SCHEME + ":///");

    @Override
    public URI getUri() {
        return NAME;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        return plain(super.getFileStatus(f));
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        FileStatus[] all = super.listStatus(f);
        for (int i = 0; i < all.length; i++) {
            all[i] = plain(all[i]);
        }
        return all;
    }

    private static FileStatus plain(FileStatus s) {
        return new FileStatus(s.getLen(), s.isDirectory(), s.getReplication(), s.getBlockSize(), s.getModificationTime(),
                s.getPath());
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        waitWhileHeld(java.nio.file.Path.of(f.toUri().getPath()), f);
        return super.open(f, bufferSize);
    }

    /**
     * While {@code file.hold} exists (after writing {@code file.reader-PID}), waits; {@code what} names the file in
     * the message of an interrupted wait. Also {@link HoldingHdfs}'s, with {@code file} in a local folder of marks.
     */
    static void waitWhileHeld(java.nio.file.Path file, Object what) throws IOException {
        java.nio.file.Path hold = file.resolveSibling(file.getFileName() + ".hold");
        if (Files.exists(hold)) {
            Files.writeString(file.resolveSibling(file.getFileName() + ".reader-" + ProcessHandle.current().pid()), "");
            while (Files.exists(hold)) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("held open of " + what + " interrupted");
                }
            }
        }
    }
}
