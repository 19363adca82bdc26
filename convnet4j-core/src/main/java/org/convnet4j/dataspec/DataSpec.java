package org.convnet4j.dataspec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.data.OnBadFile;
import org.convnet4j.data.Transform;
import org.convnet4j.image.Images;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * The one data language of every command that reads labelled pictures ({@code --data SPEC}):
 * <ul>
 *   <li>{@code fashion-mnist} — Fashion-MNIST, 60000 training and 10000 test pictures (found as
 *       {@link FashionMnist#locate} describes);</li>
 *   <li>{@code fashion-mnist:CLASSES} — only those classes, e.g. {@code fashion-mnist:0-4} or
 *       {@code fashion-mnist:0,2,4}, relabelled 0..K-1 in that order, keeping their names;</li>
 *   <li>{@code opencv-digits[:CLASSES]} — the 5000 handwritten 20x20 digits of OpenCV's {@code digits.png}
 *       (Debian package {@code opencv-doc}); 100 per class are the test part (seeded), the rest training;</li>
 *   <li>{@code DIR} — a folder with one sub-folder of pictures per class (grey or colour, any size).</li>
 * </ul>
 * Pictures are converted to the model's input ({@link Preprocessing}: channels, size, scaling, normalisation)
 * automatically; {@link Loaded#conversions()} says what was converted, for the user to see.
 *
 * <p>{@code --limit N} means the same everywhere: at most N pictures <b>per class</b>, a seeded random choice
 * ({@link #perClass}).
 */
public final class DataSpec {
    public static final String FASHION_MNIST = "fashion-mnist";
    public static final String OPENCV_DIGITS = "opencv-digits";
    public static final String DIGITS_PNG = "/usr/share/doc/opencv-doc/examples/data/digits.png";
    /** What every --help says about --limit. */
    public static final String LIMIT_HELP = "At most N pictures per class (a seeded random choice).";
    /** What every --help says about --data. */
    public static final String DATA_HELP = "fashion-mnist, fashion-mnist:CLASSES (e.g. 0-4 or 0,2,4), "
            + "opencv-digits[:CLASSES] or a folder with one sub-folder of pictures per class (any size, grey or colour:"
            + " converted to the model's input).";

    private static final Shape FASHION_SHAPE = Shape.of(1, 28, 28);

    /** The training part, the test part, and what was converted (empty when the pictures fit as they are). */
    public record Loaded(Dataset train, Dataset test, String spec, List<String> conversions) {
        public Loaded {
            conversions = List.copyOf(conversions);
        }

        public double imagesPerClass() {
            return train.size() / (double) train.numClasses();
        }

        /** The folder's pictures left out (cannot be decoded, or links out of the folder), "file: reason" each. */
        public List<String> skipped() {
            return skippedPictures(train);
        }

        /**
         * The line that says how many pictures of the folder lie outside any class folder and were left out
         * ({@link ImageFolderDataset#outsideClassFoldersLine}), if any; empty for other data.
         */
        public java.util.Optional<String> outsideClassFolders() {
            if (Datasets.source(train).base() instanceof ImageFolderDataset folder
                    && !folder.outsideClassFolders().isEmpty()) {
                List<Path> outside = folder.outsideClassFolders();
                return java.util.Optional.of(ImageFolderDataset.outsideClassFoldersLine(outside.size(),
                        outside.get(0).toString()));
            }
            return java.util.Optional.empty();
        }
    }

    /**
     * The pictures of the folder behind {@code data} (a folder dataset, or a split, limit or other view of one) that
     * were left out when it was listed (cannot be decoded with {@link OnBadFile#SKIP}, or links pointing out of the
     * folder), as "file: reason" in path order; empty for other data.
     */
    public static List<String> skippedPictures(Dataset data) {
        if (data != null && Datasets.source(data).base() instanceof ImageFolderDataset folder) {
            return folder.skipped().stream().map(ImageFolderDataset.Skipped::toString).toList();
        }
        return List.of();
    }

    private final String spec;
    private final OnBadFile onBadFile;

    private DataSpec(String spec, OnBadFile onBadFile) {
        this.spec = spec;
        this.onBadFile = onBadFile;
    }

    /** Parses a spec; errors (unknown class lists, missing folders) surface when loading. */
    public static DataSpec of(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--data: empty; give " + DATA_HELP);
        }
        return new DataSpec(spec.trim(), OnBadFile.FAIL);
    }

    /**
     * What a folder's picture that cannot be decoded does: {@link OnBadFile#FAIL} (the default) fails the loading
     * naming it; {@link OnBadFile#SKIP} leaves it out, and {@link Loaded#skipped()} lists it.
     */
    public DataSpec onBadFile(OnBadFile mode) {
        return new DataSpec(spec, java.util.Objects.requireNonNull(mode, "onBadFile"));
    }

    public String spec() {
        return spec;
    }

    /**
     * Fails now, without reading any picture, if the spec cannot work: a class list a built-in set does not have, or
     * a folder that does not exist. Commands call it before they download or load a model, so that a mistyped
     * folder costs one line, not a download. (Fashion-MNIST itself may still be fetched when loading.)
     */
    public DataSpec requireAvailable() {
        if (isBuiltIn(FASHION_MNIST)) {
            classes(FASHION_MNIST, 10);
        } else if (isBuiltIn(OPENCV_DIGITS)) {
            classes(OPENCV_DIGITS, 10);
        } else {
            requireFolder();
        }
        return this;
    }

    private Path requireFolder() {
        Path dir = Path.of(spec);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--data " + spec + ": " + (Files.exists(dir) ? "not a directory"
                    : "no such directory") + " (give " + DATA_HELP + ")");
        }
        return dir;
    }

    /**
     * Training and test parts prepared for {@code prep}. Fashion-MNIST: its training and test sets; digits: the
     * seeded 400/100 split per class; a folder: a seeded 80/20 split ({@code seed}).
     */
    public Loaded trainAndTest(Preprocessing prep, long seed) throws IOException {
        if (isBuiltIn(FASHION_MNIST)) {
            List<String> notes = new ArrayList<>();
            List<Integer> classes = classes(FASHION_MNIST, 10);
            Dataset train = fitted(spec, select(FashionMnist.train(), classes, FashionMnist.CLASS_NAMES), prep, notes);
            Dataset test = fitted(spec, select(FashionMnist.test(), classes, FashionMnist.CLASS_NAMES), prep,
                    new ArrayList<>());
            return new Loaded(train, test, spec, notes);
        }
        if (isBuiltIn(OPENCV_DIGITS)) {
            List<String> notes = new ArrayList<>();
            Dataset all = fitted(spec, digits(classes(OPENCV_DIGITS, 10)), prep, notes);
            int[][] parts = stratified(all, 100, seed);
            return new Loaded(Datasets.view(all, parts[1]), Datasets.view(all, parts[0]), spec, notes);
        }
        List<String> notes = new ArrayList<>();
        Dataset all = folder(prep, notes);
        Datasets.Split s = Datasets.split(all, 0.2, seed);
        return new Loaded(s.train(), s.validation(), spec, notes);
    }

    /** The pictures to train on: Fashion-MNIST's (selected) training set, the digits' training part, or the whole folder. */
    public Loaded training(Preprocessing prep, long seed) throws IOException {
        if (isBuiltIn(FASHION_MNIST) || isBuiltIn(OPENCV_DIGITS)) {
            return trainAndTest(prep, seed);
        }
        List<String> notes = new ArrayList<>();
        Dataset all = folder(prep, notes);
        return new Loaded(all, all, spec, notes);
    }

    /** The pictures to evaluate on: Fashion-MNIST's (selected) test set, the digits' test part, or the whole folder. */
    public Loaded test(Preprocessing prep, long seed) throws IOException {
        Loaded l = training(prep, seed);
        return new Loaded(l.test(), l.test(), spec, l.conversions());
    }

    /**
     * Whether {@code text} names a built-in set ({@code fashion-mnist[:CLASSES]}, {@code opencv-digits[:CLASSES]})
     * rather than a file or folder: it starts with one of their names and no file or folder of that name exists.
     * For commands that take pictures and specs in the same place ({@code predict IMAGE|DIR|SPEC}).
     */
    public static boolean isBuiltInSpec(String text) {
        String lower = text.trim().toLowerCase(Locale.ROOT);
        boolean named = false;
        for (String name : List.of(FASHION_MNIST, OPENCV_DIGITS)) {
            named |= lower.equals(name) || lower.startsWith(name + ":");
        }
        return named && !Files.exists(Path.of(text.trim()));
    }

    /**
     * A name for sample {@code index} of {@code data} loaded from {@code spec}: the picture's file for a folder (or a
     * view of one), else the spec and the sample's number in the set it was loaded from ({@code fashion-mnist:5-9
     * #17}: the 18th test picture of those classes), so that a limited choice still names the same pictures.
     */
    public static String sampleName(Dataset data, int index, String spec) {
        Datasets.Source source = Datasets.source(data);
        int at = source.indices()[index];
        if (source.base() instanceof ImageFolderDataset folder) {
            return folder.file(at).toString();
        }
        return spec + " #" + at;
    }

    private boolean isBuiltIn(String name) {
        String lower = spec.toLowerCase(Locale.ROOT);
        return (lower.equals(name) || lower.startsWith(name + ":")) && !Files.isDirectory(Path.of(spec));
    }

    /** All classes, or the list after "name:" ("5-9", "0,2,4"). */
    private List<Integer> classes(String name, int available) {
        if (spec.length() == name.length()) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < available; i++) {
                all.add(i);
            }
            return all;
        }
        return parseClasses(spec, name, available);
    }

    /** Classes "5-9" or "0,2,4" after "name:". */
    public static List<Integer> parseClasses(String spec, String name, int available) {
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
                if (ab.length > 2 || b < a) {
                    throw new NumberFormatException(part);
                }
                for (int c = a; c <= b; c++) {
                    if (c < 0 || c >= available) {
                        throw new IllegalArgumentException("--data " + spec + ": class " + c + " outside 0.."
                                + (available - 1));
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

    /**
     * Built-in pictures (grey 0..1, 28x28 or the digits' 20x20, as Fashion-MNIST and the digits are loaded) prepared
     * for a model's input as every command prepares them: {@code ds} itself when they fit, else converted (channels,
     * size, the model's own steps) with one note "LABEL: pictures [1, 28, 28] converted to the model's input ..."
     * added to {@code notes}. Fusion converts a built-in input for a pretrained branch with it too.
     */
    public static Dataset fitted(String label, Dataset ds, Preprocessing prep, List<String> notes) {
        Shape own = ds.sampleShape();
        boolean plain = prep.scale() == Preprocessing.UNIT_SCALE && prep.mean().length == 0 && !prep.bgr()
                && prep.resizeShorter() == 0;
        if (own.equals(prep.outputShape()) && plain) {
            return ds;
        }
        notes.add(label + ": pictures " + own + " converted to the model's input " + prep.outputShape()
                + (plain ? "" : " with its preprocessing (" + prep + ")"));
        // the built-in samples are pixels / 255: back to 0..255, then the model's own steps
        Transform back = new Transform.Scale(255f);
        Dataset converted = Datasets.transformed(ds, back.andThen(prep.transform()));
        long floats = (long) ds.size() * prep.outputShape().size();
        // converted once up front when that fits easily in memory, so training epochs do not resize again
        return floats <= MATERIALISE_FLOATS ? materialised(converted) : converted;
    }

    private static final long MATERIALISE_FLOATS = 32L << 20;

    private static Dataset materialised(Dataset ds) {
        int size = ds.sampleShape().size();
        float[] x = new float[ds.size() * size];
        int[] y = new int[ds.size()];
        for (int i = 0; i < ds.size(); i++) {
            ds.copySample(i, x, i * size);
            y[i] = ds.label(i);
        }
        return ArrayDataset.ofFloats(x, ds.sampleShape(), y, ds.classNames());
    }

    private Dataset folder(Preprocessing prep, List<String> notes) throws IOException {
        Path dir = requireFolder();
        try (var subs = Files.list(dir)) {
            for (Path sub : subs.filter(Files::isDirectory).sorted().toList()) {
                try (var files = Files.list(sub)) {
                    if (files.noneMatch(Files::isRegularFile)) {
                        throw new IllegalArgumentException("--data " + spec + ": class folder '" + sub.getFileName()
                                + "' is empty");
                    }
                }
            }
        }
        // the transform resizes to the model's input: a picture too big for memory may be decoded subsampled
        int side = Math.max(prep.resizeShorter(), Math.max(prep.height(), prep.width()));
        ImageFolderDataset ds = ImageFolderDataset.builder(dir).channels(prep.channels()).transform(prep.transform())
                .decodeAtLeast(side, side).onBadFile(onBadFile).build();
        if (ds.numClasses() < 2) {
            throw new IllegalArgumentException("--data " + spec + ": found " + ds.numClasses() + " class folder(s) "
                    + ds.classNames() + "; a classifier needs at least 2 (one sub-folder of pictures per class)");
        }
        String conversion = conversion(spec, ds, prep.outputShape());
        if (!conversion.isEmpty()) {
            notes.add(conversion);
        }
        int[] counts = new int[ds.numClasses()];
        for (int i = 0; i < ds.size(); i++) {
            counts[ds.label(i)]++;
        }
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] < 1) {
                throw new IllegalArgumentException("--data " + spec + ": class folder '" + ds.classNames().get(c)
                        + "' has no usable pictures");
            }
        }
        return ds;
    }

    /**
     * The conversion note of a folder: empty when every picture already has the model's shape; "pictures like F
     * [c, h, w] ... converted" when they all share another; when they mix shapes (grey and colour, several sizes),
     * how many pictures have each shape, the commonest first (at most four, then how many more). {@code label} names
     * the data in it ("--data" specs, "input 'a' (DIR)" for a fusion input).
     */
    public static String conversion(String label, ImageFolderDataset ds, Shape model) {
        Map<Shape, Integer> shapes = ds.decodedShapes();
        if (shapes.isEmpty() || (shapes.size() == 1 && shapes.containsKey(model))) {
            return "";
        }
        if (shapes.size() == 1) {
            return label + ": pictures like " + ds.file(0).getFileName() + " " + shapes.keySet().iterator().next()
                    + " (channels, height, width) converted to the model's input " + model;
        }
        List<Map.Entry<Shape, Integer>> byCount = new ArrayList<>(shapes.entrySet());
        byCount.sort((x, y) -> Integer.compare(y.getValue(), x.getValue())); // stable: ties in the order first met
        StringBuilder list = new StringBuilder();
        int shown = Math.min(4, byCount.size());
        for (int i = 0; i < shown; i++) {
            list.append(i == 0 ? "" : ", ").append(byCount.get(i).getValue()).append(" ").append(byCount.get(i).getKey());
        }
        if (byCount.size() > shown) {
            list.append(" and ").append(byCount.size() - shown).append(" more");
        }
        return label + ": " + ds.size() + " pictures of " + shapes.size() + " shapes (channels, height, width): " + list
                + ", converted to the model's input " + model;
    }

    private static Dataset digits(List<Integer> classes) throws IOException {
        Path file = Path.of(System.getProperty("convnet4j.digitsPng", DIGITS_PNG));
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--data " + OPENCV_DIGITS + ": " + file
                    + " not found (apt-get install opencv-doc)");
        }
        Tensor sheet = Images.toGrey(Images.read(file));
        if (sheet.dim(1) != 1000 || sheet.dim(2) != 2000) {
            throw new IllegalArgumentException(file + ": expected a 2000x1000 sheet of 20x20 digits, got "
                    + sheet.dim(2) + "x" + sheet.dim(1));
        }
        // 50 rows of 100 digits; every 5 rows hold one digit, 0 first; kept as 20x20 pixels / 255
        int n = 500 * classes.size();
        float[] x = new float[n * 400];
        int[] y = new int[n];
        List<String> names = new ArrayList<>();
        int at = 0;
        for (int k = 0; k < classes.size(); k++) {
            int digit = classes.get(k);
            names.add(Integer.toString(digit));
            for (int i = 0; i < 500; i++) {
                int row = digit * 5 + i / 100;
                int col = i % 100;
                for (int r = 0; r < 20; r++) {
                    for (int c = 0; c < 20; c++) {
                        x[at * 400 + r * 20 + c] = sheet.data()[(row * 20 + r) * 2000 + col * 20 + c] / 255f;
                    }
                }
                y[at++] = k;
            }
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 20, 20), y, names);
    }

    /** The samples of the chosen classes, relabelled 0..K-1 in the order given, with their names. */
    public static Dataset select(Dataset ds, List<Integer> classes, List<String> allNames) {
        if (classes.size() == allNames.size() && classes.equals(range(allNames.size()))) {
            return ds;
        }
        int[] newLabel = new int[allNames.size()];
        Arrays.fill(newLabel, -1);
        for (int k = 0; k < classes.size(); k++) {
            newLabel[classes.get(k)] = k;
        }
        List<Integer> idx = new ArrayList<>();
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

    /** {@code --limit}: at most {@code n} samples per class, drawn in a seeded random order, kept in data order. */
    public static Dataset perClass(Dataset ds, int n, long seed) {
        int[] keep = perClassIndices(ds, n, seed);
        return keep.length == ds.size() ? ds : Datasets.view(ds, keep);
    }

    /** The indices {@link #perClass} keeps, ascending (for datasets with their own views, e.g. multi-input data). */
    public static int[] perClassIndices(Dataset ds, int n, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("--limit must be at least 1 picture per class, got " + n);
        }
        int[] perm = Datasets.permutation(ds.size(), new Random(seed));
        int[] count = new int[ds.numClasses()];
        List<Integer> keep = new ArrayList<>();
        for (int i : perm) {
            if (count[ds.label(i)]++ < n) {
                keep.add(i);
            }
        }
        return keep.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** {@code perClass} when {@code limit} is given, else the data as it is. */
    public static Dataset limited(Dataset ds, Integer limit, long seed) {
        return limit == null ? ds : perClass(ds, limit, seed);
    }

    /** Indices: [0] = {@code perClass} per class for testing, [1] = the rest; seeded. */
    private static int[][] stratified(Dataset all, int perClass, long seed) {
        int[] perm = Datasets.permutation(all.size(), new Random(seed));
        int[] count = new int[all.numClasses()];
        List<Integer> test = new ArrayList<>();
        List<Integer> train = new ArrayList<>();
        for (int i : perm) {
            (count[all.label(i)]++ < perClass ? test : train).add(i);
        }
        return new int[][] {test.stream().mapToInt(Integer::intValue).sorted().toArray(),
            train.stream().mapToInt(Integer::intValue).sorted().toArray()};
    }

    private static List<Integer> range(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    @Override
    public String toString() {
        return spec;
    }
}
