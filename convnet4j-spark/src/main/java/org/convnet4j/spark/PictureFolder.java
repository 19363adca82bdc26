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
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
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
 * found recursively by extension and sorted by path; hidden entries are ignored. Every picture is converted with the
 * {@link Preprocessing} (channels, size, scale), so all samples have its output shape.
 */
public final class PictureFolder extends LabelledDataset {
    private final String root;
    private final String[] files;
    private final Preprocessing preprocessing;
    private final SerializableHadoopConf conf;

    private PictureFolder(String root, List<String> classNames, String[] files, int[] labels, Preprocessing p,
                          Configuration conf) {
        super(classNames, labels);
        this.root = root;
        this.files = files;
        this.preprocessing = p;
        this.conf = new SerializableHadoopConf(conf);
    }

    /** Lists {@code root} (a local path or any Hadoop URI); one-line errors for a missing folder or empty classes. */
    public static PictureFolder list(String root, Preprocessing preprocessing, Configuration conf) throws IOException {
        Path r = new Path(root);
        FileSystem fs = r.getFileSystem(conf);
        if (!fs.exists(r) || !fs.getFileStatus(r).isDirectory()) {
            throw new IllegalArgumentException(root + ": " + (fs.exists(r) ? "not a directory" : "no such directory")
                    + " (give a folder with one sub-folder of pictures per class)");
        }
        List<FileStatus> dirs = new ArrayList<>();
        for (FileStatus s : fs.listStatus(r)) {
            if (s.isDirectory() && !hidden(s.getPath())) {
                dirs.add(s);
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
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
            while (it.hasNext()) {
                LocatedFileStatus f = it.next();
                if (f.isFile() && picture(f.getPath()) && !hiddenBelow(f.getPath(), dir)) {
                    inClass.add(f.getPath().toString());
                }
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
                labels.stream().mapToInt(Integer::intValue).toArray(), preprocessing, conf);
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
     * Decodes every picture once on the executors ({@code partitions} tasks; nothing is kept) and returns this folder
     * without the pictures that cannot be decoded, with the reasons. A file that cannot be read (an I/O error) is not
     * skipped: it fails the task, which Spark retries. A class left with no picture fails in one line.
     */
    public Checked decodable(org.apache.spark.api.java.JavaSparkContext jsc, int partitions) {
        ExecutorPictures.Prep prep = ExecutorPictures.Prep.of(preprocessing);
        SerializableHadoopConf c = conf;
        int parts = Math.max(1, Math.min(partitions, files.length));
        List<Skipped> bad = new ArrayList<>(jsc.parallelize(java.util.Arrays.asList(files), parts)
                .mapPartitions(it -> {
                    Preprocessing q = prep.toPreprocessing();
                    Configuration hc = c.get();
                    List<Skipped> out = new ArrayList<>();
                    while (it.hasNext()) {
                        String f = it.next();
                        try {
                            decode(f, q, hc);
                        } catch (UncheckedIOException e) {
                            throw e;
                        } catch (RuntimeException e) {
                            String m = String.valueOf(e.getMessage());
                            out.add(new Skipped(f, m.startsWith(f + ": ") ? m.substring(f.length() + 2) : m));
                        }
                    }
                    return out.iterator();
                }).collect());
        if (bad.isEmpty()) {
            return new Checked(this, List.of());
        }
        bad.sort(java.util.Comparator.comparing(Skipped::file));
        java.util.Set<String> out = new java.util.HashSet<>();
        bad.forEach(b -> out.add(b.file()));
        List<String> keep = new ArrayList<>();
        List<Integer> keptLabels = new ArrayList<>();
        int[] perClass = new int[classNames.size()];
        for (int i = 0; i < files.length; i++) {
            if (!out.contains(files[i])) {
                keep.add(files[i]);
                keptLabels.add(labels[i]);
                perClass[labels[i]]++;
            }
        }
        for (int k = 0; k < perClass.length; k++) {
            if (perClass[k] == 0) {
                throw new IllegalArgumentException(root + ": class folder '" + classNames.get(k) + "' has no picture"
                        + " that can be decoded (" + bad.size() + " skipped, first: " + bad.get(0) + ")");
            }
        }
        PictureFolder kept = new PictureFolder(root, classNames, keep.toArray(new String[0]),
                keptLabels.stream().mapToInt(Integer::intValue).toArray(), preprocessing, conf.get());
        return new Checked(kept, List.copyOf(bad));
    }

    private static boolean hidden(Path p) {
        return p.getName().startsWith(".") || p.getName().startsWith("_");
    }

    private static boolean hiddenBelow(Path file, Path dir) {
        for (Path p = file; p != null && !p.equals(dir); p = p.getParent()) {
            if (hidden(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean picture(Path p) {
        String n = p.getName();
        int dot = n.lastIndexOf('.');
        return dot >= 0 && ImageFolderDataset.EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    public String root() {
        return root;
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
