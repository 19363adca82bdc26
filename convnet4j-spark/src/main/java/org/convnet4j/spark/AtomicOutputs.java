package org.convnet4j.spark;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.util.WriterId;

/**
 * Job outputs on any Hadoop file system, all or nothing: a CSV or a directory (Parquet, a saved pipeline) is written
 * beside its target under a hidden temporary name and moved into place only when complete, so a job that fails leaves
 * neither a partial output nor a changed target.
 */
public final class AtomicOutputs {
    private AtomicOutputs() {
    }

    /** A CSV written to a temporary sibling and moved into place, so a failed job leaves nothing. */
    public interface CsvBody {
        void write(Writer w) throws IOException;
    }

    /**
     * The CSV is made in memory (it is written in one piece anyway) and then written through
     * {@link HadoopFiles#writeAtomically}: a driver killed at any point leaves no partial {@code out} and nothing in the
     * system's temporary directory (a temporary file there outlived a {@code kill -9}).
     */
    public static void writeCsv(String out, CsvBody body, Configuration conf) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(bytes, StandardCharsets.UTF_8))) {
            body.write(w);
        }
        HadoopFiles.writeAtomically(out, bytes.toByteArray(), conf);
    }

    /** Parquet via a hidden temporary directory renamed into place when the job has succeeded. */
    public static void writeParquet(Dataset<Row> d, String out, boolean overwrite, Configuration conf) throws IOException {
        writeDirectory(out, overwrite, conf, tmp -> d.write().parquet(tmp));
    }

    /** What writes a directory output (Parquet, a saved pipeline) at the path it is given. */
    public interface DirectoryBody {
        void write(String path) throws IOException;
    }

    /**
     * A directory output written by {@code body} into a hidden temporary sibling ({@code .NAME.tmp-pPID@HOST-N}) and renamed
     * into place when it is complete, so a job that fails leaves neither a partial directory nor a changed
     * {@code out}; the parent folders are created.
     */
    public static void writeDirectory(String out, boolean overwrite, Configuration conf, DirectoryBody body) throws IOException {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(out);
        FileSystem fs = target.getFileSystem(conf);
        org.apache.hadoop.fs.Path parent = fs.makeQualified(target).getParent();
        String prefix = "." + target.getName() + ".tmp-";
        cleanStaleDirectories(fs, parent, prefix);
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(parent, prefix
                + WriterId.self().tag() + "-" + System.nanoTime());
        try {
            body.write(tmp.toString());
            if (fs.exists(target)) {
                if (!overwrite) {
                    throw new IOException(out + ": appeared while the job ran (add --overwrite to replace it)");
                }
                fs.delete(target, true);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException(out + ": cannot move the result into place");
            }
        } finally {
            removeAfterFailedJob(fs, tmp);
        }
    }

    /** How long a failed write's temporary is watched after its removal, and how often. */
    static final long SETTLE_MS = 500, SETTLE_STEP_MS = 50;

    /**
     * Removes a failed job's temporary directory once its tasks have stopped. The status tracker can show no running
     * task while a task of the failed job still runs (it learns of tasks through the asynchronous listener bus): such a
     * task creates its attempt folder below {@code tmp} again after the removal (seen in CI: a
     * {@code .answers.parquet.tmp-...} left by {@code spark predict --fail-fast}). So after a removal the folder is
     * watched for {@link #SETTLE_MS} and removed again whenever it reappears; a successful write (nothing to remove)
     * does not wait.
     */
    static void removeAfterFailedJob(FileSystem fs, org.apache.hadoop.fs.Path tmp) throws IOException {
        SparkSessions.awaitNoRunningTasks();
        if (!fs.exists(tmp)) {
            return;
        }
        fs.delete(tmp, true);
        long until = System.nanoTime() + SETTLE_MS * 1_000_000L;
        while (System.nanoTime() < until) {
            try {
                Thread.sleep(SETTLE_STEP_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (fs.exists(tmp)) {
                SparkSessions.awaitNoRunningTasks();
                fs.delete(tmp, true);
                until = System.nanoTime() + SETTLE_MS * 1_000_000L;
            }
        }
    }

    /**
     * Removes the temporary directories ({@code .NAME.tmp-...}) of earlier writes to the same output that were
     * killed ({@code kill -9} of the driver cannot delete them). On the local file system (which may be a network
     * folder that other hosts write too) the writer is told by its name's {@link WriterId} tag ({@code pPID@HOST}), as
     * for convnet4j's own temporary files: this host's whose process no longer runs at once; another host's, and the
     * older form's ({@code pPID}, no host), once untouched for {@link WriterId}'s day
     * ({@code -Dconvnet4j.files.otherHostsStaleAfter}). Elsewhere (HDFS, object stores: the writer may be another
     * machine's driver) those untouched for {@link HadoopFiles#STALE_AFTER_MS}; the oldest names without a process id
     * after that time everywhere. Returns how many were removed; never fails the write (cleaning up is a courtesy).
     */
    static int cleanStaleDirectories(FileSystem fs, org.apache.hadoop.fs.Path parent, String prefix) {
        int removed = 0;
        try {
            boolean local = fs instanceof org.apache.hadoop.fs.LocalFileSystem
                    || fs instanceof org.apache.hadoop.fs.RawLocalFileSystem;
            java.util.regex.Pattern named = java.util.regex.Pattern.compile("(p\\d+(?:@[^/]*)?)-\\d+");
            long now = System.currentTimeMillis();
            for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(parent, p -> p.getName().startsWith(prefix))) {
                java.util.regex.Matcher m = named.matcher(f.getPath().getName().substring(prefix.length()));
                boolean old = now - f.getModificationTime() > HadoopFiles.STALE_AFTER_MS;
                boolean stale;
                if (m.matches() && local) {
                    WriterId writer = WriterId.ofTag(m.group(1));
                    stale = writer != null ? writer.gone(java.nio.file.Path.of(f.getPath().toUri())) : old;
                } else {
                    stale = old;
                }
                if (stale && fs.delete(f.getPath(), true)) {
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // a folder that cannot be listed: the write itself reports what matters
        }
        return removed;
    }
}
