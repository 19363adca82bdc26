package org.convnet4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.convnet4j.data.LabelledDataset;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Labelled pictures in one sub-folder per class on any Hadoop file system, listed but not decoded: the driver keeps
 * only names and labels. {@link ExecutorPictures} ships the names and the executors decode (and cache) the pictures;
 * {@link #copySample} decodes one on the calling machine, for the few the driver needs itself.
 *
 * <p>Same layout rules as {@link ImageFolderDataset}: class names are the sub-folders in sorted order, pictures are
 * found recursively by extension and sorted by path; class folders whose name starts with {@code .} are ignored (pictures
 * of any name are taken, as by train). Pictures directly in the root have no class: they are left out and counted
 * ({@link #outsideClassFoldersLine}), as by train. Every picture is converted with the
 * {@link Preprocessing} (channels, size, scale), so all samples have its output shape.
 */
public final class PictureFolder extends LabelledDataset {
    private final String root;
    private final String[] files;
    private final Preprocessing preprocessing;
    private final SerializableHadoopConf conf;
    /** The line that reports the pictures directly in the root, outside any class folder; null if there are none. */
    private final String outsideLine;
    private transient DecodedCache decoded; // driver side, on a folder made by decodable()
    /** Pictures decoded in this JVM so far (for the test that each is decoded once). */
    static final java.util.concurrent.atomic.AtomicLong DECODES = new java.util.concurrent.atomic.AtomicLong();

    private PictureFolder(String root, List<String> classNames, String[] files, int[] labels, Preprocessing p,
                          Configuration conf, String outsideLine) {
        super(classNames, labels);
        this.root = root;
        this.files = files;
        this.preprocessing = p;
        this.conf = new SerializableHadoopConf(conf);
        this.outsideLine = outsideLine;
    }

    /** Lists {@code root} (a local path or any Hadoop URI); one-line errors for a missing folder or empty classes. */
    public static PictureFolder list(String root, Preprocessing preprocessing, Configuration conf) throws IOException {
        return HadoopFiles.reach(root, () -> listReached(root, preprocessing, conf));
    }

    private static PictureFolder listReached(String root, Preprocessing preprocessing, Configuration conf)
            throws IOException {
        Path r = new Path(HadoopFiles.resolve(root, conf));
        FileSystem fs = r.getFileSystem(conf);
        if (!fs.exists(r) || !fs.getFileStatus(r).isDirectory()) {
            throw new IllegalArgumentException(root + ": " + (fs.exists(r) ? "not a directory" : "no such directory")
                    + " (give a folder with one sub-folder of pictures per class)");
        }
        List<FileStatus> dirs = new ArrayList<>();
        List<String> outside = new ArrayList<>(); // no class folder gives them a class: left out, counted for the user
        for (FileStatus s : fs.listStatus(r)) {
            if (s.isDirectory() && !hidden(s.getPath())) {
                dirs.add(s);
            } else if (!s.isDirectory() && picture(s.getPath())) {
                outside.add(s.getPath().toString());
            }
        }
        dirs.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
        if (dirs.size() < 2) {
            throw new IllegalArgumentException(root + ": found " + dirs.size() + " class folder(s); a classifier needs"
                    + " at least 2 (one sub-folder of pictures per class)");
        }
        List<String> names = new ArrayList<>();
        List<String> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int label = 0; label < dirs.size(); label++) {
            Path dir = dirs.get(label).getPath();
            names.add(dir.getName());
            List<String> inClass = new ArrayList<>();
            List<FileStatus> found = new ArrayList<>();
            PictureFiles.filesBelow(fs, dir, PictureFolder::picture, found); // any name, as ImageFolderDataset takes it
            for (FileStatus f : found) {
                inClass.add(f.getPath().toString());
            }
            if (inClass.isEmpty()) {
                throw new IllegalArgumentException(root + ": class folder '" + dir.getName() + "' has no pictures ("
                        + String.join(", ", new java.util.TreeSet<>(ImageFolderDataset.EXTENSIONS)) + ")");
            }
            inClass.sort(null);
            for (String f : inClass) {
                files.add(f);
                labels.add(label);
            }
        }
        return new PictureFolder(fs.makeQualified(r).toString(), names, files.toArray(new String[0]),
                labels.stream().mapToInt(Integer::intValue).toArray(), preprocessing, conf,
                outside.isEmpty() ? null : ImageFolderDataset.outsideClassFoldersLine(outside.size(),
                        java.util.Collections.min(outside)));
    }

    /** A picture left out of training, and why (one line). */
    public record Skipped(String file, String reason) implements java.io.Serializable {
        @Override
        public String toString() {
            return file + ": " + reason;
        }
    }

    /** The pictures that decode (a folder without the others) and the ones left out, in path order. */
    public record Checked(PictureFolder folder, List<Skipped> skipped) {
    }

    /**
     * Decodes every picture once on the executors ({@code partitions} tasks) and returns this folder without the
     * pictures that cannot be decoded, with the reasons. The decoded pictures stay cached on the executors
     * ({@code MEMORY_AND_DISK}, one partition per contiguous range of files), and {@link ExecutorPictures} cuts the
     * training and validation shards of the returned folder (and of its splits and views) from that cache instead of
     * decoding again; {@link #releaseDecoded()} drops it. A file that cannot be read (an I/O error) is not skipped: it
     * fails the task, which Spark retries. A class left with no picture fails in one line.
     */
    public Checked decodable(org.apache.spark.api.java.JavaSparkContext jsc, int partitions) {
        ExecutorPictures.Prep prep = ExecutorPictures.Prep.of(preprocessing);
        SerializableHadoopConf c = conf;
        int parts = Math.max(1, Math.min(partitions, files.length));
        List<IndexedFile> all = new ArrayList<>();
        for (int i = 0; i < files.length; i++) {
            all.add(new IndexedFile(i, files[i]));
        }
        int per = preprocessing.outputShape().size();
        org.apache.spark.api.java.JavaRDD<Decoded> decoded = jsc.parallelize(all, parts)
                .mapPartitions(it -> {
                    Preprocessing q = prep.toPreprocessing();
                    Configuration hc = c.get();
                    List<Integer> good = new ArrayList<>();
                    List<float[]> values = new ArrayList<>();
                    List<Skipped> bad = new ArrayList<>();
                    while (it.hasNext()) {
                        IndexedFile f = it.next();
                        try {
                            values.add(decode(f.file(), q, hc));
                            good.add(f.index());
                        } catch (UncheckedIOException e) {
                            throw e;
                        } catch (RuntimeException e) {
                            String m = String.valueOf(e.getMessage());
                            bad.add(new Skipped(f.file(), m.startsWith(f.file() + ": ")
                                    ? m.substring(f.file().length() + 2) : m));
                        }
                    }
                    float[] x = new float[Math.multiplyExact(values.size(), per)];
                    for (int j = 0; j < values.size(); j++) {
                        System.arraycopy(values.get(j), 0, x, j * per, per);
                    }
                    int[] idx = good.stream().mapToInt(Integer::intValue).toArray();
                    return List.of(new Decoded(idx, x, bad)).iterator();
                })
                .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        List<Summary> summaries = decoded.map(d -> new Summary(d.files(), d.bad())).collect();
        List<Skipped> bad = new ArrayList<>();
        int[] partitionOf = new int[files.length];
        int[] rowOf = new int[files.length];
        java.util.Arrays.fill(partitionOf, -1);
        for (int p = 0; p < summaries.size(); p++) {
            bad.addAll(summaries.get(p).bad());
            int[] good = summaries.get(p).files();
            for (int r = 0; r < good.length; r++) {
                partitionOf[good[r]] = p;
                rowOf[good[r]] = r;
            }
        }
        bad.sort(java.util.Comparator.comparing(Skipped::file));
        List<String> keep = new ArrayList<>();
        List<Integer> keptLabels = new ArrayList<>();
        List<Integer> keptPartition = new ArrayList<>();
        List<Integer> keptRow = new ArrayList<>();
        int[] perClass = new int[classNames.size()];
        for (int i = 0; i < files.length; i++) {
            if (partitionOf[i] >= 0) {
                keep.add(files[i]);
                keptLabels.add(labels[i]);
                keptPartition.add(partitionOf[i]);
                keptRow.add(rowOf[i]);
                perClass[labels[i]]++;
            }
        }
        for (int k = 0; k < perClass.length; k++) {
            if (perClass[k] == 0) {
                decoded.unpersist(false);
                throw new IllegalArgumentException(root + ": class folder '" + classNames.get(k) + "' has no picture"
                        + " that can be decoded (" + bad.size() + " skipped, first: " + bad.get(0) + ")");
            }
        }
        PictureFolder kept = new PictureFolder(root, classNames, keep.toArray(new String[0]),
                keptLabels.stream().mapToInt(Integer::intValue).toArray(), preprocessing, conf.get(), outsideLine);
        kept.decoded = new DecodedCache(decoded, keptPartition.stream().mapToInt(Integer::intValue).toArray(),
                keptRow.stream().mapToInt(Integer::intValue).toArray());
        return new Checked(kept, List.copyOf(bad));
    }

    /** Drops the pictures {@link #decodable} left cached on the executors (nothing if there are none). */
    public void releaseDecoded() {
        if (decoded != null) {
            decoded.rdd().unpersist(false);
            decoded = null;
        }
    }

    /** The check pass's cache (driver side), or null: where each sample of this folder is in it. */
    DecodedCache decodedCache() {
        return decoded;
    }

    /** The cached pictures of {@link #decodable}, and per sample of the checked folder its partition and row. */
    record DecodedCache(org.apache.spark.api.java.JavaRDD<Decoded> rdd, int[] partition, int[] row) {
    }

    /** One partition of the check pass: the folder indices of the pictures that decoded, their values, the others. */
    record Decoded(int[] files, float[] x, List<Skipped> bad) implements java.io.Serializable {
    }

    private record Summary(int[] files, List<Skipped> bad) implements java.io.Serializable {
    }

    private record IndexedFile(int index, String file) implements java.io.Serializable {
    }

    /** A folder that is no class, as for train's ImageFolderDataset: a name starting with '.'. */
    private static boolean hidden(Path p) {
        return p.getName().startsWith(".");
    }

    private static boolean picture(Path p) {
        String n = p.getName();
        int dot = n.lastIndexOf('.');
        return dot >= 0 && ImageFolderDataset.EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    public String root() {
        return root;
    }

    /**
     * The line that says how many pictures lie directly in the root, outside any class folder, and were left out, in
     * {@code train}'s and {@code transfer}'s words ({@link ImageFolderDataset#outsideClassFoldersLine}); empty if none.
     */
    public java.util.Optional<String> outsideClassFoldersLine() {
        return java.util.Optional.ofNullable(outsideLine);
    }

    /** The file of sample {@code index} (a qualified Hadoop path). */
    public String file(int index) {
        checkIndex("PictureFolder.file", index);
        return files[index];
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    SerializableHadoopConf conf() {
        return conf;
    }

    /** Reads and converts one picture: [C, H, W] of the preprocessing's output shape; one-line errors. */
    static float[] decode(String file, Preprocessing p, Configuration conf) {
        DECODES.incrementAndGet();
        byte[] bytes;
        try {
            Path path = new Path(file);
            try (InputStream in = path.getFileSystem(conf).open(path)) {
                bytes = in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        try {
            Tensor t = p.apply(Images.read(bytes, file));
            return t.data();
        } catch (ImageFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public Shape sampleShape() {
        return preprocessing.outputShape();
    }

    @Override
    public void copySample(int index, float[] dest, int destOff) {
        checkIndex("PictureFolder.copySample", index);
        float[] x = decode(files[index], preprocessing, conf.get());
        System.arraycopy(x, 0, dest, destOff, x.length);
    }
}
