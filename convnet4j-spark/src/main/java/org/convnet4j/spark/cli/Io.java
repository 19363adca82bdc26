package org.convnet4j.spark.cli;

import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Pictures in and results out for the spark commands: any Hadoop path, outputs all-or-nothing. */
final class Io {
    /**
     * The pictures of a folder, as Spark's {@code pathGlobFilter}: the main CLI's picture types
     * ({@link org.convnet4j.data.ImageFolderDataset#EXTENSIONS}, as {@code predict DIR} and {@code spark train} find
     * them) in any case ({@code *.{[bB][mM][pP],...}}), so that both commands answer for the same pictures of a folder.
     */
    static final String PICTURES = org.convnet4j.data.ImageFolderDataset.EXTENSIONS.stream().sorted().map(Io::anyCase)
            .collect(java.util.stream.Collectors.joining(",", "*.{", "}"));

    private Io() {
    }

    static boolean isGlob(String path) {
        return path.contains("*") || path.contains("?") || path.contains("[") || path.contains("{");
    }

    /** Fails in one line when the folder or pattern names nothing (checked on the driver, before any task). */
    static void requirePictures(String images, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(org.convnet4j.spark.HadoopFiles.resolve(images, conf));
        FileStatus[] found = org.convnet4j.spark.HadoopFiles.reach(images, () -> p.getFileSystem(conf).globStatus(p));
        if (found == null || found.length == 0) {
            throw new IOException("--images " + images + ": " + (isGlob(images) ? "no file matches" : "no such file or directory"));
        }
        if (!isGlob(images) && found.length == 1 && found[0].isDirectory()) {
            // a folder without a picture below it: refused as local predict refuses it (Spark read nothing, exit 0)
            FileSystem fs = p.getFileSystem(conf);
            // not listFiles: its LocatedFileStatus asks every file for its permissions (an ls process each, locally)
            boolean any = org.convnet4j.spark.HadoopFiles.reach(images,
                    () -> org.convnet4j.spark.PictureFiles.anyPictureBelow(fs, found[0].getPath()));
            if (!any) {
                throw new IOException("--images " + images + ": a folder without pictures (" + PICTURE_TYPES + ")");
            }
        }
    }

    /** The picture types {@link #PICTURES} takes from a folder, as the main CLI names them. */
    static final String PICTURE_TYPES = String.join(", ",
            new java.util.TreeSet<>(org.convnet4j.data.ImageFolderDataset.EXTENSIONS));

    /** A glob matching {@code ext} in any case: {@code png} gives {@code [pP][nN][gG]}. */
    private static String anyCase(String ext) {
        StringBuilder b = new StringBuilder();
        for (char c : ext.toCharArray()) {
            b.append('[').append(Character.toLowerCase(c)).append(Character.toUpperCase(c)).append(']');
        }
        return b.toString();
    }

    /**
     * The pictures as rows (path, modificationTime, length, content), hash-partitioned by path and sorted within each
     * partition, so that a rerun (or a retried task) forms exactly the same batches. Every picture {@code predict DIR}
     * finds, empty ones and names starting with . or _ included ({@link org.convnet4j.spark.PictureFiles}: Spark's
     * binaryFile source leaves those out without a word).
     */
    static Dataset<Row> pictures(SparkSession spark, String images, int partitions) throws IOException {
        requirePictures(images, spark.sparkContext().hadoopConfiguration());
        return org.convnet4j.spark.PictureFiles.read(spark, images, partitions(spark, partitions));
    }

    /** {@code --partitions}, or for 0 (automatic) twice the task slots, at least 2. */
    static int partitions(SparkSession spark, int partitions) {
        return partitions > 0 ? partitions : Math.max(2, spark.sparkContext().defaultParallelism() * 2);
    }

    /** Driver-side bookkeeping per partition (task, partition and shuffle metadata): a rough lower bound. */
    static final long BYTES_PER_PARTITION = 4096;

    /**
     * {@code --partitions}: 0 (the default: from the task slots) or a positive count whose driver bookkeeping fits
     * the memory budget; checked before Spark starts.
     */
    static void checkPartitions(int partitions) {
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions: must be 0 (automatic) or more, got " + partitions);
        }
        org.convnet4j.util.MemoryBudget.requireSetting("--partitions " + partitions, "the driver's bookkeeping of "
                + partitions + " partitions (" + BYTES_PER_PARTITION + " bytes each, a lower bound of Spark's per-task"
                + " records; the executors' memory is not estimated)",
                org.convnet4j.util.MemoryBudget.bytesOf(BYTES_PER_PARTITION, partitions));
    }

    /**
     * {@code --batch}: at least 1, and a forward pass of that many pictures through {@code model} (weights, buffers,
     * every activation: {@code ModelSummary.inferenceMemoryBytes}) within the memory budget of this JVM, checked on
     * the driver before Spark starts; each executor runs such passes (with its own heap, which Spark configures).
     */
    static void checkBatch(int batch, org.convnet4j.spark.ModelBytes model) throws IOException {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch: must be at least 1, got " + batch);
        }
        org.convnet4j.util.MemoryBudget.requireSetting("--batch " + batch, "a forward pass of " + batch
                + " pictures through " + model.origin(), org.convnet4j.nn.ModelSummary.of(model.parse().model())
                .inferenceMemoryBytes(batch));
    }

    /** Refuses an existing output unless {@code overwrite}; checked before Spark starts any work. */
    private static final java.util.Set<String> OBJECT_STORES = java.util.Set.of("s3a", "gs", "abfs", "abfss", "wasb",
            "wasbs");

    static void checkOutput(String out, boolean overwrite, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(org.convnet4j.spark.HadoopFiles.resolve(out, conf));
        FileSystem fs = org.convnet4j.spark.HadoopFiles.fileSystem(p.toString(), conf);
        checkOutputFolder(out, overwrite, conf);
        org.apache.hadoop.fs.Path parent = fs.makeQualified(p).getParent();
        // an object store (s3a://bucket/new/prefix/a.csv) has no folders to create: only names
        if (parent != null && !OBJECT_STORES.contains(fs.getScheme())
                && !org.convnet4j.spark.HadoopFiles.reach(out, () -> fs.exists(parent))) {
            throw new IOException(out + ": the folder " + parent + " does not exist");
        }
    }

    /** Refuses an existing output folder unless {@code overwrite}; its parent folders are created when it is written. */
    static void checkOutputFolder(String out, boolean overwrite, Configuration conf) throws IOException {
        if (org.convnet4j.spark.HadoopFiles.exists(out, conf) && !overwrite) {
            throw new IOException(out + ": already exists (add --overwrite to replace it)");
        }
    }

    /**
     * The featurizer of the model file at {@code model} (read and checked before Spark starts); a cut layer that does
     * not exist fails here, naming the layers there are.
     */
    static org.convnet4j.spark.ConvNetFeaturizer featurizer(String model, String cut, Configuration conf) throws IOException {
        var f = new org.convnet4j.spark.ConvNetFeaturizer(org.convnet4j.spark.ModelBytes.read(model, conf));
        if (cut != null) {
            f.setCutLayer(cut);
        }
        try {
            f.featureSize();
        } catch (IllegalArgumentException e) { // core's words are transfer's ("the base has no layer ...")
            if (cut == null) {
                throw e;
            }
            throw new IllegalArgumentException("--cut " + cut + ": " + String.valueOf(e.getMessage())
                    .replaceFirst("^transfer: the base ", java.util.regex.Matcher.quoteReplacement(model) + " "), e);
        }
        return f;
    }

    static String csv(String s) {
        if (s == null) {
            return "";
        }
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    static String number(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    static String extension(String out) {
        String lower = out.toLowerCase(Locale.ROOT);
        if (lower.endsWith("/")) { // a folder meant, as a local file option says (AtomicFiles.outputFile)
            throw new IllegalArgumentException("-o " + out + ": names no file (it ends in '/': a folder); give a name"
                    + " ending in .csv or .parquet, such as " + out + "predictions.parquet");
        }
        if (lower.endsWith(".csv")) {
            return "csv";
        }
        if (lower.endsWith(".parquet")) {
            return "parquet";
        }
        throw new IllegalArgumentException("-o " + out + ": the name must end in .csv or .parquet");
    }
}
