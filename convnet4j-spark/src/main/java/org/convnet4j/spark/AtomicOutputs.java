package org.convnet4j.spark;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

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

    public static void writeCsv(String out, CsvBody body, Configuration conf) throws IOException {
        Path tmp = Files.createTempFile("convnet4j-spark-", ".csv");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                body.write(w);
            }
            HadoopFiles.writeAtomically(out, Files.readAllBytes(tmp), conf);
        } finally {
            Files.deleteIfExists(tmp);
        }
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
     * A directory output written by {@code body} into a hidden temporary sibling ({@code .NAME.tmp-N}) and renamed
     * into place when it is complete, so a job that fails leaves neither a partial directory nor a changed
     * {@code out}; the parent folders are created.
     */
    public static void writeDirectory(String out, boolean overwrite, Configuration conf, DirectoryBody body) throws IOException {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(out);
        FileSystem fs = target.getFileSystem(conf);
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(fs.makeQualified(target).getParent(),
                "." + target.getName() + ".tmp-" + System.nanoTime());
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
            awaitNoRunningTasks(); // a task of a failed job may still be writing below tmp
            if (fs.exists(tmp)) {
                fs.delete(tmp, true);
            }
        }
    }

    /** Waits (up to 60 s) until the active Spark session runs no stage: tasks of an aborted job run to their end. */
    private static void awaitNoRunningTasks() {
        var session = SparkSession.getActiveSession();
        if (session.isEmpty()) {
            return;
        }
        var tracker = session.get().sparkContext().statusTracker();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (tracker.getActiveStageIds().length > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
