package org.convnet4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.convnet4j.data.ImageFolderDataset;

/**
 * Every picture of a folder (or every file a glob matches) as rows of Spark's {@code binaryFile} schema (path,
 * modificationTime, length, content), <em>all</em> of them: Spark's own file index leaves out, without a word, empty
 * files and names starting with {@code .} or {@code _}, which the main CLI's {@code predict DIR} classifies (an empty
 * one as an error). Here the folder is listed on the driver as {@code predict DIR} lists it
 * ({@link ImageFolderDataset#EXTENSIONS}, any case, any depth, any name), an empty file keeps its row (empty
 * content, which the stages report as "empty file, not an image"), and the content is read in the tasks after the
 * rows are hash-partitioned by path (the pictures' bytes are not shuffled; a retried task reads the same files in
 * the same order). A file that is gone since the listing or may not be read gets a row with the reason
 * ({@link Pictures#READ_ERROR}), which the stages report as its error; any other I/O error fails the task, which Spark
 * retries, as with {@code binaryFile}.
 */
public final class PictureFiles {
    /**
     * The schema of Spark's {@code binaryFile} data source, which the stages read, and {@link Pictures#READ_ERROR}: why
     * a listed file could not be read (no such file any more, no permission to read it; its content is then null),
     * which the stages report as the row's error.
     */
    public static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("modificationTime", DataTypes.TimestampType, false)
            .add("length", DataTypes.LongType, false)
            .add("content", DataTypes.BinaryType, true)
            .add(Pictures.READ_ERROR, DataTypes.StringType, true);

    private PictureFiles() {
    }

    /** Whether {@code name} has a picture suffix of the main CLI ({@link ImageFolderDataset#EXTENSIONS}) in any case. */
    public static boolean isPicture(String name) {
        int dot = name.lastIndexOf('.');
        return dot >= 0 && ImageFolderDataset.EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * The files: below a folder every picture ({@link #isPicture}), at any depth; for a glob (a path with {@code *},
     * {@code ?}, {@code [} or a brace) every file it matches and the pictures below each folder it matches. Listed on
     * the driver, as Spark lists a folder.
     */
    public static List<FileStatus> list(String images, Configuration conf) throws IOException {
        return HadoopFiles.reach(images, () -> listReached(images, conf));
    }

    private static List<FileStatus> listReached(String images, Configuration conf) throws IOException {
        Path p = new Path(HadoopFiles.resolve(images, conf));
        FileSystem fs = p.getFileSystem(conf);
        FileStatus[] found = fs.globStatus(p);
        List<FileStatus> out = new ArrayList<>();
        if (found == null) {
            return out;
        }
        for (FileStatus s : found) {
            if (!s.isDirectory()) {
                out.add(s);
                continue;
            }
            filesBelow(fs, s.getPath(), f -> isPicture(f.getName()), out);
        }
        return out;
    }

    /**
     * The files below {@code dir} that {@code take} accepts, depth first in the file system's order (as
     * {@code listFiles(dir, true)} gives them). Not {@code listFiles}: it wraps each file in a
     * {@link LocatedFileStatus}, whose copy of the permissions makes Hadoop's local file system (without its native
     * library, as here) start an {@code ls -ld} process per file (docs/SCALE.md, the lead's quiet run of 2026-12-06).
     */
    static void filesBelow(FileSystem fs, Path dir, java.util.function.Predicate<Path> take, List<FileStatus> out)
            throws IOException {
        for (FileStatus f : fs.listStatus(dir)) {
            if (f.isDirectory()) {
                filesBelow(fs, f.getPath(), take, out);
            } else if (f.isFile() && take.test(f.getPath())) {
                out.add(f);
            }
        }
    }

    /**
     * The pictures of {@link #list} in {@code partitions} partitions by a hash of the path, sorted by path within
     * each, the content read in the tasks (through the file's Hadoop file system, as {@code binaryFile} reads it).
     */
    public static Dataset<Row> read(SparkSession spark, String images, int partitions) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<Row> listed = new ArrayList<>();
        for (FileStatus s : list(images, conf)) {
            listed.add(RowFactory.create(s.getPath().toString(), new java.sql.Timestamp(s.getModificationTime()),
                    s.getLen(), null, null));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // an RDD, not a local relation: a million names are not folded into the plan on the driver
        JavaRDD<Row> names = jsc.parallelize(listed, Math.max(1, Math.min(partitions, listed.size())));
        Dataset<Row> sorted = spark.createDataFrame(names, SCHEMA)
                .repartition(partitions, functions.col("path")).sortWithinPartitions("path");
        SerializableHadoopConf shipped = new SerializableHadoopConf(conf);
        JavaRDD<Row> read = sorted.javaRDD().mapPartitions(rows -> withContent(rows, shipped));
        return spark.createDataFrame(read, SCHEMA);
    }

    private static Iterator<Row> withContent(Iterator<Row> rows, SerializableHadoopConf conf) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row r = rows.next();
                String path = r.getString(0);
                try {
                    return RowFactory.create(path, r.get(1), r.getLong(2), content(path, r.getLong(2), conf.get()), null);
                } catch (java.io.FileNotFoundException | org.apache.hadoop.security.AccessControlException e) {
                    // gone since the listing, or not ours to read: a retry would not help; the row says why
                    return RowFactory.create(path, r.get(1), r.getLong(2), null, path + ": cannot read: " + reason(e));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e); // the task fails and Spark retries it, as for binaryFile
                }
            }
        };
    }

    private static String reason(IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /** The file's bytes; an empty file is not opened (its row says "empty file" when decoded). */
    static byte[] content(String path, long listedLength, Configuration conf) throws IOException {
        if (listedLength == 0) {
            return new byte[0];
        }
        if (listedLength > Integer.MAX_VALUE - 16) { // binaryFile's limit: one Java array
            throw new IOException(path + ": " + listedLength + " bytes, more than one array holds");
        }
        Path p = new Path(path);
        try (InputStream in = p.getFileSystem(conf).open(p)) {
            byte[] b = in.readNBytes((int) listedLength);
            if (b.length != listedLength || in.read() != -1) {
                throw new IOException(path + ": changed while the job ran (listed with " + listedLength + " bytes)");
            }
            return b;
        }
    }

    /**
     * The pictures with their class ({@code label_name}) as train's and transfer's class folders give it: the name of
     * the sub-folder of {@code images} a picture is below (at any depth); pictures outside a class folder and class
     * folders whose name starts with {@code .} are left out, as {@code ImageFolderDataset} leaves them out. For a glob
     * (a path with {@code *}, {@code ?}, {@code [} or a brace), the folder a picture is in.
     */
    public static Dataset<Row> labelled(Dataset<Row> pictures, String images, Configuration conf) throws IOException {
        Column path = functions.col("path");
        if (isGlob(images)) {
            return pictures.withColumn("label_name", functions.element_at(functions.split(path, "/"), -2));
        }
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(images);
        String prefix = root.getFileSystem(conf).makeQualified(root).toString().replaceAll("/+$", "") + "/";
        Column below = functions.split(functions.substring(path, prefix.length() + 1, Integer.MAX_VALUE), "/");
        Column label = functions.element_at(below, 1);
        return pictures.withColumn("label_name", label).filter(path.startsWith(prefix)
                .and(functions.size(below).geq(2)).and(functions.not(label.startsWith("."))));
    }

    private static boolean isGlob(String path) {
        return path.contains("*") || path.contains("?") || path.contains("[") || path.contains("{");
    }
}
