package org.convnet4j.cli.transfer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.image.Images;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * The target data set of a transfer run, from a {@code --data} spec, split into training and held-out test:
 * <ul>
 *   <li>{@code fashion-mnist:5-9} or {@code fashion-mnist:0,2,4} — the chosen classes, relabelled 0..K-1 with their
 *       names; training from Fashion-MNIST's training set, test from its test set;</li>
 *   <li>{@code opencv-digits[:CLASSES]} — the 5000 handwritten digits of OpenCV's {@code digits.png} (Debian package
 *       {@code opencv-doc}), 20x20 resized to the base's input; 100 per class held out for testing;</li>
 *   <li>a folder with one sub-folder of pictures per class; 20% held out (seeded).</li>
 * </ul>
 * {@code limitPerClass} keeps at most that many training images per class (test data is not limited).
 */
public record TargetData(Dataset train, Dataset test, String spec) {
    public static final String DIGITS_PNG = "/usr/share/doc/opencv-doc/examples/data/digits.png";

    public int classes() {
        return train.numClasses();
    }

    public double imagesPerClass() {
        return train.size() / (double) train.numClasses();
    }

    public static TargetData load(String spec, Shape input, boolean resize, Integer limitPerClass, long seed)
            throws IOException {
        return load(spec, Preprocessing.forInput(input), resize, limitPerClass, seed);
    }

    /**
     * As {@link #load(String, Shape, boolean, Integer, long)} with the base's own preprocessing for folders of
     * pictures (an imported ImageNet base: its mean/std or caffe normalisation). The built-in sets
     * (Fashion-MNIST, OpenCV digits) are always scaled to 0..1.
     */
    public static TargetData load(String spec, Preprocessing prep, boolean resize, Integer limitPerClass, long seed)
            throws IOException {
        Shape input = prep.outputShape();
        TargetData d;
        if (spec.startsWith("fashion-mnist")) {
            d = fashion(spec, input, resize);
        } else if (spec.startsWith("opencv-digits")) {
            d = digits(spec, input, seed);
        } else {
            d = folder(spec, prep, resize, seed);
        }
        Dataset train = limitPerClass == null ? d.train : perClass(d.train, limitPerClass, seed);
        return new TargetData(train, d.test, spec);
    }

    private static TargetData fashion(String spec, Shape input, boolean resize) throws IOException {
        List<Integer> classes = spec.equals("fashion-mnist") ? range(0, 9) : parseClasses(spec, "fashion-mnist", 10);
        Shape own = Shape.of(1, 28, 28);
        if (!own.equals(input) && !resize) {
            throw new IllegalArgumentException("--data " + spec + ": Fashion-MNIST pictures are " + own
                    + " but the base takes " + input + "; add --resize to convert them");
        }
        Dataset train = select(FashionMnist.train(), classes, FashionMnist.CLASS_NAMES);
        Dataset test = select(FashionMnist.test(), classes, FashionMnist.CLASS_NAMES);
        if (!own.equals(input)) {
            train = converted(train, input);
            test = converted(test, input);
        }
        return new TargetData(train, test, spec);
    }

    private static TargetData digits(String spec, Shape input, long seed) throws IOException {
        Path file = Path.of(System.getProperty("convnet4j.digitsPng", DIGITS_PNG));
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--data " + spec + ": " + file + " not found (apt-get install opencv-doc)");
        }
        Tensor sheet = Images.toGrey(Images.read(file));
        if (sheet.dim(1) != 1000 || sheet.dim(2) != 2000) {
            throw new IllegalArgumentException(file + ": expected a 2000x1000 sheet of 20x20 digits, got "
                    + sheet.dim(2) + "x" + sheet.dim(1));
        }
        List<Integer> classes = spec.equals("opencv-digits") ? range(0, 9) : parseClasses(spec, "opencv-digits", 10);
        // 50 rows of 100 digits; every 5 rows hold one digit, 0 first
        int n = 500 * classes.size();
        float[] x = new float[n * input.size()];
        int[] y = new int[n];
        List<String> names = new ArrayList<>();
        int at = 0;
        for (int k = 0; k < classes.size(); k++) {
            int digit = classes.get(k);
            names.add(Integer.toString(digit));
            for (int i = 0; i < 500; i++) {
                int row = digit * 5 + i / 100;
                int col = i % 100;
                Tensor cell = Tensor.zeros(1, 20, 20);
                for (int r = 0; r < 20; r++) {
                    for (int c = 0; c < 20; c++) {
                        cell.data()[r * 20 + c] = sheet.data()[(row * 20 + r) * 2000 + col * 20 + c];
                    }
                }
                Tensor t = Preprocessing.forInput(input).apply(cell);
                System.arraycopy(t.data(), 0, x, at * input.size(), input.size());
                y[at++] = k;
            }
        }
        Dataset all = ArrayDataset.ofFloats(x, input, y, names);
        return stratifiedSplit(all, 100, seed, spec);
    }

    private static TargetData folder(String spec, Preprocessing p, boolean resize, long seed) throws IOException {
        Shape input = p.outputShape();
        Path dir = Path.of(spec);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--data " + spec + ": " + (Files.exists(dir) ? "not a directory"
                    : "no such directory") + " (give fashion-mnist:CLASSES, opencv-digits or a folder of class folders)");
        }
        for (Path sub : Files.list(dir).filter(Files::isDirectory).sorted().toList()) {
            try (var files = Files.list(sub)) {
                if (files.noneMatch(Files::isRegularFile)) {
                    throw new IllegalArgumentException("--data " + spec + ": class folder '" + sub.getFileName()
                            + "' is empty");
                }
            }
        }
        ImageFolderDataset raw = ImageFolderDataset.builder(dir).build();
        Shape own = raw.sampleShape();
        if (!own.equals(input) && !resize) {
            throw new IllegalArgumentException("--data " + spec + ": the pictures are " + own + " (channels, height, "
                    + "width) but the base takes " + input + "; add --resize to convert size and channels");
        }
        ImageFolderDataset ds = ImageFolderDataset.builder(dir).channels(p.channels()).transform(p.transform()).build();
        if (ds.numClasses() < 2) {
            throw new IllegalArgumentException("--data " + spec + ": found " + ds.numClasses()
                    + " class folder(s); a classifier needs at least 2");
        }
        int[] counts = new int[ds.numClasses()];
        for (int i = 0; i < ds.size(); i++) {
            counts[ds.label(i)]++;
        }
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] < 2) {
                throw new IllegalArgumentException("--data " + spec + ": class folder '" + ds.classNames().get(c)
                        + "' has " + counts[c] + " usable pictures; each class needs at least 2 (one to test)");
            }
        }
        Datasets.Split s = Datasets.split(ds, 0.2, seed);
        return new TargetData(s.train(), s.validation(), spec);
    }

    /** Classes "5-9" or "0,2,4" after "name:". */
    static List<Integer> parseClasses(String spec, String name, int available) {
        String text = spec.substring(name.length());
        if (!text.startsWith(":") || text.length() < 2) {
            throw new IllegalArgumentException("--data " + spec + ": expected " + name + ":5-9 or " + name + ":0,2,4");
        }
        text = text.substring(1);
        List<Integer> out = new ArrayList<>();
        try {
            for (String part : text.split(",")) {
                String[] ab = part.trim().split("-");
                int a = Integer.parseInt(ab[0].trim());
                int b = ab.length > 1 ? Integer.parseInt(ab[1].trim()) : a;
                for (int c = a; c <= b; c++) {
                    if (c < 0 || c >= available) {
                        throw new IllegalArgumentException("--data " + spec + ": class " + c + " outside 0.." + (available - 1));
                    }
                    if (!out.contains(c)) {
                        out.add(c);
                    }
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--data " + spec + ": '" + text + "' is not a class list like 5-9 or 0,2,4");
        }
        if (out.size() < 2) {
            throw new IllegalArgumentException("--data " + spec + ": a classifier needs at least 2 classes, got " + out);
        }
        return out;
    }

    /** The samples of the chosen classes, relabelled 0..K-1 in the order given, with their names. */
    static Dataset select(Dataset ds, List<Integer> classes, List<String> allNames) {
        List<Integer> idx = new ArrayList<>();
        int[] newLabel = new int[allNames.size()];
        java.util.Arrays.fill(newLabel, -1);
        for (int k = 0; k < classes.size(); k++) {
            newLabel[classes.get(k)] = k;
        }
        for (int i = 0; i < ds.size(); i++) {
            if (newLabel[ds.label(i)] >= 0) {
                idx.add(i);
            }
        }
        int size = ds.sampleShape().size();
        float[] x = new float[idx.size() * size];
        int[] y = new int[idx.size()];
        for (int j = 0; j < idx.size(); j++) {
            ds.copySample(idx.get(j), x, j * size);
            y[j] = newLabel[ds.label(idx.get(j))];
        }
        List<String> names = new ArrayList<>();
        classes.forEach(c -> names.add(allNames.get(c)));
        return ArrayDataset.ofFloats(x, ds.sampleShape(), y, names);
    }

    /** At most {@code n} samples per class, drawn in a seeded random order. */
    public static Dataset perClass(Dataset ds, int n, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("--limit must be at least 1 image per class, got " + n);
        }
        int[] perm = Datasets.permutation(ds.size(), new Random(seed));
        int[] count = new int[ds.numClasses()];
        List<Integer> keep = new ArrayList<>();
        for (int i : perm) {
            if (count[ds.label(i)]++ < n) {
                keep.add(i);
            }
        }
        keep.sort(Integer::compare);
        return Datasets.view(ds, keep.stream().mapToInt(Integer::intValue).toArray());
    }

    private static TargetData stratifiedSplit(Dataset all, int testPerClass, long seed, String spec) {
        int[] perm = Datasets.permutation(all.size(), new Random(seed));
        int[] count = new int[all.numClasses()];
        List<Integer> test = new ArrayList<>();
        List<Integer> train = new ArrayList<>();
        for (int i : perm) {
            (count[all.label(i)]++ < testPerClass ? test : train).add(i);
        }
        return new TargetData(Datasets.view(all, train.stream().mapToInt(Integer::intValue).sorted().toArray()),
                Datasets.view(all, test.stream().mapToInt(Integer::intValue).sorted().toArray()), spec);
    }

    private static Dataset converted(Dataset ds, Shape input) {
        Preprocessing p = Preprocessing.forInput(input);
        // Fashion-MNIST samples are already scaled to 0..1: convert channels and size only
        return Datasets.transformed(ds, new org.convnet4j.data.Transform.ToGrey().andThen(
                input.dim(0) == 3 ? new org.convnet4j.data.Transform.ToRgb() : (t, r) -> t)
                .andThen(new org.convnet4j.data.Transform.Resize(p.height(), p.width())));
    }

    private static List<Integer> range(int a, int b) {
        List<Integer> l = new ArrayList<>();
        for (int i = a; i <= b; i++) {
            l.add(i);
        }
        return l;
    }
}
