package org.convnet4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
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
        filesBelow(fs, dir, take, out, Integer.MAX_VALUE);
    }

    /** {@link #filesBelow}, stopping once {@code out} holds {@code limit} files. */
    private static void filesBelow(FileSystem fs, Path dir, java.util.function.Predicate<Path> take,
                                   List<FileStatus> out, int limit) throws IOException {
        for (FileStatus f : fs.listStatus(dir)) {
            if (out.size() >= limit) {
                return;
            }
            if (f.isDirectory()) {
                filesBelow(fs, f.getPath(), take, out, limit);
            } else if (f.isFile() && take.test(f.getPath())) {
                out.add(f);
            }
        }
    }

    /**
     * Whether any picture ({@link #isPicture}) lies below {@code dir}, at any depth: the walk stops at the first one
     * (the driver's check before any task; as {@link #filesBelow}, it asks no file for its permissions).
     */
    public static boolean anyPictureBelow(FileSystem fs, Path dir) throws IOException {
        List<FileStatus> first = new ArrayList<>(1);
        filesBelow(fs, dir, f -> isPicture(f.getName()), first, 1);
        return !first.isEmpty();
    }

    /**
     * The pictures of {@link #list} in {@code partitions} partitions by a hash of the path, sorted by path within
     * each, the content read in the tasks (through the file's Hadoop file system, as {@code binaryFile} reads it).
     */
    public static Dataset<Row> read(SparkSession spark, String images, int partitions) throws IOException {
        List<Row> listed = new ArrayList<>();
        for (FileStatus s : list(images, spark.sparkContext().hadoopConfiguration())) {
            listed.add(listedRow(s));
        }
        return readInTasks(spark, listed, SCHEMA, partitions);
    }

    /** A listed file's row of {@link #SCHEMA} (content and read error still empty), then {@code more} columns. */
    private static Row listedRow(FileStatus s, Object... more) {
        Object[] v = new Object[SCHEMA.size() + more.length];
        v[0] = s.getPath().toString();
        v[1] = new java.sql.Timestamp(s.getModificationTime());
        v[2] = s.getLen();
        System.arraycopy(more, 0, v, SCHEMA.size(), more.length);
        return RowFactory.create(v);
    }

    /** The listed rows hash-partitioned by path, sorted within each partition, their content read in the tasks. */
    private static Dataset<Row> readInTasks(SparkSession spark, List<Row> listed, StructType schema, int partitions) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // an RDD, not a local relation: a million names are not folded into the plan on the driver
        JavaRDD<Row> names = jsc.parallelize(listed, Math.max(1, Math.min(partitions, listed.size())));
        Dataset<Row> sorted = spark.createDataFrame(names, schema)
                .repartition(partitions, functions.col("path")).sortWithinPartitions("path");
        SerializableHadoopConf shipped = new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration());
        JavaRDD<Row> read = sorted.javaRDD().mapPartitions(rows -> withContent(rows, shipped));
        return spark.createDataFrame(read, schema);
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
                Object[] v = new Object[r.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = r.get(i);
                }
                String path = r.getString(0);
                try {
                    v[3] = content(path, r.getLong(2), conf.get());
                } catch (java.io.FileNotFoundException | org.apache.hadoop.security.AccessControlException e) {
                    // gone since the listing, or not ours to read: a retry would not help; the row says why
                    v[4] = path + ": cannot read: " + reason(e);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e); // the task fails and Spark retries it, as for binaryFile
                }
                return RowFactory.create(v);
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

    /** {@link #SCHEMA} and the class of each picture ({@code label_name}). */
    public static final StructType LABELLED_SCHEMA = SCHEMA.add("label_name", DataTypes.StringType, false);

    /**
     * The pictures of class folders as {@link #labelled} finds them ({@link #LABELLED_SCHEMA}, read as {@link #read}
     * reads them), how many there are, and the pictures left out for lying outside any class folder.
     */
    public record Labelled(Dataset<Row> pictures, long count, long outside, String firstOutside) {
        /** The line that reports the pictures outside any class folder, as {@code transfer} says it; empty if none. */
        public Optional<String> outsideLine() {
            return outside == 0 ? Optional.empty()
                    : Optional.of(ImageFolderDataset.outsideClassFoldersLine(outside, firstOutside));
        }
    }

    /**
     * The pictures with their class ({@code label_name}) as train's and transfer's class folders give it: the name of
     * the sub-folder of {@code images} a picture is below (at any depth). Class folders whose name starts with
     * {@code .} are left out, as {@code ImageFolderDataset} leaves them out; pictures outside any class folder (directly
     * in {@code images}) are left out and counted, as {@code transfer} counts them. For a glob (a path with {@code *},
     * {@code ?}, {@code [} or a brace), the folder a picture is in. The classes are given on the driver, from the
     * listing, so the pictures left out are never read.
     */
    public static Labelled labelled(SparkSession spark, String images, int partitions) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<FileStatus> files = list(images, conf);
        Path root = new Path(HadoopFiles.resolve(images, conf));
        String prefix = isGlob(images) ? null
                : root.getFileSystem(conf).makeQualified(root).toString().replaceAll("/+$", "") + "/";
        List<Row> listed = new ArrayList<>();
        long outside = 0;
        String firstOutside = null;
        for (FileStatus s : files) {
            String path = s.getPath().toString();
            String label = prefix == null ? s.getPath().getParent().getName() : classFolder(path, prefix);
            if (label == null) {
                outside++;
                firstOutside = firstOutside == null || path.compareTo(firstOutside) < 0 ? path : firstOutside;
            } else if (prefix == null || !label.startsWith(".")) {
                listed.add(listedRow(s, label));
            }
        }
        return new Labelled(readInTasks(spark, listed, LABELLED_SCHEMA, partitions), listed.size(), outside,
                firstOutside);
    }

    /** The first folder name of {@code path} after {@code prefix} (its class folder), or null if it has none. */
    private static String classFolder(String path, String prefix) {
        int slash = path.startsWith(prefix) ? path.indexOf('/', prefix.length()) : -1;
        return slash < 0 ? null : path.substring(prefix.length(), slash);
    }

    private static boolean isGlob(String path) {
        return path.contains("*") || path.contains("?") || path.contains("[") || path.contains("{");
    }
}
