package org.convnet4j.data;

import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Images in one sub-folder per class, like Keras' {@code image_dataset_from_directory}:
 * <pre>
 *   root/cat/001.jpg, root/cat/more/002.png, root/dog/a.bmp ...
 * </pre>
 * Class names are the sub-folder names in sorted order (label = position); files are found recursively inside
 * each class folder by extension (png, jpg, jpeg, bmp, gif; other files are ignored) and sorted by path.
 * Hidden folders (name starting with '.') are ignored.
 *
 * <p><b>Decoding:</b> every file is decoded once when the dataset is built, to find bad files up front (they are
 * skipped and listed in {@link #skipped()}, or fail the build, per {@link OnBadFile}); pixels are not kept, and
 * {@link #copySample} decodes the file again. Each image is converted to the requested number of channels
 * (grey replicated to RGB, or RGB to luma), then passed through the transform; the result must have the same
 * shape for every file (use Resize/CenterCrop to get there).
 *
 * <p><b>Symbolic links:</b> a link (to a file or a class folder) is followed only if its target lies inside the
 * root; links pointing outside are ignored and listed in {@link #skipped()} even in FAIL mode. Links to
 * folders inside a class folder are not descended into.
 */
public final class ImageFolderDataset extends LabelledDataset {
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp");

    /** A file left out, and why. */
    public record Skipped(Path file, String reason) {
        @Override
        public String toString() {
            return file + ": " + reason;
        }
    }

    private final Path root;
    private final List<Path> files;
    private final List<Skipped> skipped;
    private final List<Path> outsideClassFolders;
    private final Transform transform;
    private final int channels;
    private final long maxPixels;
    private final int minHeight;
    private final int minWidth;
    private final Shape sampleShape;
    private final Map<Shape, Integer> decodedShapes;

    private ImageFolderDataset(Builder b, List<String> classNames, List<Path> files, int[] labels,
                               List<Skipped> skipped, List<Path> outsideClassFolders, Shape sampleShape,
                               Map<Shape, Integer> decodedShapes) {
        super(classNames, labels);
        this.decodedShapes = Collections.unmodifiableMap(new LinkedHashMap<>(decodedShapes));
        this.root = b.root;
        this.files = List.copyOf(files);
        this.skipped = List.copyOf(skipped);
        this.outsideClassFolders = List.copyOf(outsideClassFolders);
        this.transform = b.transform;
        this.channels = b.channels;
        this.maxPixels = b.maxPixels;
        this.minHeight = b.minHeight;
        this.minWidth = b.minWidth;
        this.sampleShape = sampleShape;
    }

    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** Options of an image folder dataset; {@link #build()} scans and validates the folder. */
    public static final class Builder {
        private final Path root;
        private Transform transform = (t, r) -> t;
        private int channels = 3;
        private OnBadFile onBadFile = OnBadFile.FAIL;
        private long maxPixels = Images.maxPixels();
        private int minHeight;
        private int minWidth;

        private Builder(Path root) {
            this.root = root;
        }

        /** Per-sample preprocessing after decoding (default: none, so all images must have the same size). */
        public Builder transform(Transform t) {
            this.transform = t;
            return this;
        }

        /** 3 (default; grey images are replicated) or 1 (colour images converted to luma). */
        public Builder channels(int c) {
            if (c != 1 && c != 3) {
                throw new IllegalArgumentException("ImageFolderDataset: channels must be 1 or 3, got " + c);
            }
            this.channels = c;
            return this;
        }

        /** Default FAIL. */
        public Builder onBadFile(OnBadFile mode) {
            this.onBadFile = mode;
            return this;
        }

        /**
         * The transform resizes every picture to at least {@code height} x {@code width}, so a picture too large for
         * the memory budget or the pixel limit may be decoded subsampled, never below that size
         * ({@link Images#readAtLeast}); pictures that fit are decoded in full as without this setting.
         */
        public Builder decodeAtLeast(int height, int width) {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("ImageFolderDataset: decodeAtLeast sizes must be >= 1, got "
                        + height + "x" + width);
            }
            this.minHeight = height;
            this.minWidth = width;
            return this;
        }

        /** Pixel limit per image (default {@link Images#maxPixels()}). */
        public Builder maxPixels(long n) {
            this.maxPixels = n;
            return this;
        }

        public ImageFolderDataset build() throws IOException {
            return scan(this);
        }
    }

    private static ImageFolderDataset scan(Builder b) throws IOException {
        if (!Files.isDirectory(b.root)) {
            throw new DatasetFormatException(b.root + ": " + (Files.exists(b.root) ? "not a directory" : "directory not found"));
        }
        Path rootReal = b.root.toRealPath();
        List<Skipped> skipped = new ArrayList<>();
        List<Path> classDirs = new ArrayList<>();
        List<Path> outside = new ArrayList<>();
        try (Stream<Path> s = Files.list(b.root)) {
            for (Path p : s.sorted().collect(Collectors.toList())) {
                if (hasImageExtension(p) && Files.isRegularFile(p)
                        && (!Files.isSymbolicLink(p) || insideRoot(p, rootReal))) {
                    outside.add(p); // no class folder gives it a class: left out, and counted for the user
                    continue;
                }
                if (p.getFileName().toString().startsWith(".")) {
                    continue;
                }
                if (Files.isSymbolicLink(p) && !insideRoot(p, rootReal)) {
                    skipped.add(new Skipped(p, "symbolic link to a place outside " + b.root + ", ignored"));
                    continue;
                }
                if (Files.isDirectory(p)) {
                    classDirs.add(p);
                }
            }
        }
        if (classDirs.isEmpty()) {
            throw new DatasetFormatException(b.root + ": no class folders (expected one sub-folder per class holding images)");
        }
        // Sort by name as strings (like Python's sorted()), not by Path order, which may differ per platform.
        classDirs.sort((x, y) -> x.getFileName().toString().compareTo(y.getFileName().toString()));
        List<String> classNames = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        Shape shape = null;
        Path shapeSource = null;
        Map<Shape, Integer> decoded = new LinkedHashMap<>();
        for (int label = 0; label < classDirs.size(); label++) {
            Path dir = classDirs.get(label);
            classNames.add(dir.getFileName().toString());
            for (Path f : imageFiles(dir, rootReal, skipped)) {
                Tensor t;
                Shape asDecoded;
                try {
                    Tensor img = decode(f, b.maxPixels, b.minHeight, b.minWidth);
                    asDecoded = img.shape();
                    t = prepare(img, b.channels, b.transform, null);
                } catch (ImageFormatException e) {
                    if (b.onBadFile == OnBadFile.FAIL) {
                        throw e;
                    }
                    skipped.add(new Skipped(f, withoutFilePrefix(f, e.getMessage())));
                    continue;
                } catch (RuntimeException e) {
                    // a transform refusing this image, e.g. a crop larger than the image
                    if (b.onBadFile == OnBadFile.FAIL) {
                        throw new DatasetFormatException(f + ": " + e.getMessage(), e);
                    }
                    skipped.add(new Skipped(f, String.valueOf(e.getMessage())));
                    continue;
                }
                if (shape == null) {
                    shape = t.shape();
                    shapeSource = f;
                } else if (!shape.equals(t.shape())) {
                    String reason = "after the transform its shape is " + t.shape() + ", but " + shapeSource + " gives "
                            + shape + " (add a Resize to the transform)";
                    if (b.onBadFile == OnBadFile.FAIL) {
                        throw new DatasetFormatException(f + ": " + reason);
                    }
                    skipped.add(new Skipped(f, reason));
                    continue;
                }
                files.add(f);
                labels.add(label);
                decoded.merge(asDecoded, 1, Integer::sum);
            }
        }
        if (files.isEmpty()) {
            throw new DatasetFormatException(b.root + ": no usable images in " + classDirs.size() + " class folders"
                    + (skipped.isEmpty() ? "" : " (" + skipped.size() + " skipped, first: " + skipped.get(0) + ")")
                    + "; supported extensions: " + String.join(", ", new java.util.TreeSet<>(EXTENSIONS)));
        }
        int[] lab = labels.stream().mapToInt(Integer::intValue).toArray();
        return new ImageFolderDataset(b, classNames, files, lab, skipped, outside, shape, decoded);
    }

    private static boolean insideRoot(Path p, Path rootReal) {
        try {
            return p.toRealPath().startsWith(rootReal);
        } catch (IOException e) {
            return false; // a dangling link
        }
    }

    /**
     * The pictures in {@code dir} and its sub-folders (by extension, {@link #EXTENSIONS}), sorted by path: what
     * {@code predict DIR} classifies. Symbolic links leading outside {@code dir} are left out, as for a dataset.
     */
    public static List<Path> pictureFiles(Path dir) throws IOException {
        return imageFiles(dir, dir.toRealPath(), new ArrayList<>());
    }

    /**
     * Files and folders as the pictures to classify, in the order given: a file stays itself, a folder becomes
     * {@link #pictureFiles} (sorted). A path that is neither, and a folder without any picture, are refused in one
     * line naming it (and the extensions looked for) with an {@link IllegalArgumentException}, before any picture
     * is read.
     */
    public static List<Path> picturesOf(List<Path> filesOrFolders) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : filesOrFolders) {
            if (!Files.isDirectory(p)) {
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException(p + ": no such picture file");
                }
                out.add(p);
                continue;
            }
            List<Path> found = pictureFiles(p);
            if (found.isEmpty()) {
                throw new IllegalArgumentException(p + ": a folder without pictures (" + String.join(", ",
                        new java.util.TreeSet<>(EXTENSIONS)) + ")");
            }
            out.addAll(found);
        }
        return out;
    }

    private static List<Path> imageFiles(Path classDir, Path rootReal, List<Skipped> skipped) throws IOException {
        List<Path> out = new ArrayList<>();
        // Files.walk does not follow links, not even a linked start folder; a class folder link was already
        // checked to stay inside the root, so walk its target.
        Path start = Files.isSymbolicLink(classDir) ? classDir.toRealPath() : classDir;
        try (Stream<Path> s = Files.walk(start)) {
            for (Path p : s.sorted().collect(Collectors.toList())) {
                if (!hasImageExtension(p)) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    if (!insideRoot(p, rootReal)) {
                        skipped.add(new Skipped(p, "symbolic link to a place outside the root, ignored"));
                        continue;
                    }
                    if (!Files.isRegularFile(p)) {
                        continue;
                    }
                } else if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                out.add(p);
            }
        }
        return out;
    }

    private static boolean hasImageExtension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static String withoutFilePrefix(Path f, String message) {
        String prefix = f + ": ";
        return message != null && message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    private static Tensor load(Path f, long maxPixels, int minHeight, int minWidth, int channels, Transform transform,
                               Random random) throws ImageFormatException {
        return prepare(decode(f, maxPixels, minHeight, minWidth), channels, transform, random);
    }

    private static Tensor decode(Path f, long maxPixels, int minHeight, int minWidth) throws ImageFormatException {
        return minHeight > 0 ? Images.readAtLeast(f, maxPixels, minHeight, minWidth) : Images.read(f, maxPixels);
    }

    private static Tensor prepare(Tensor img, int channels, Transform transform, Random random) {
        if (img.dim(0) != channels) {
            img = channels == 1 ? Images.toGrey(img) : Images.toRgb(img);
        }
        return transform.apply(img, random);
    }

    // ---- Dataset --------------------------------------------------------------------------------

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public void copySample(int index, float[] dest, int destOff) {
        copySample(index, dest, destOff, null);
    }

    @Override
    public void copySample(int index, float[] dest, int destOff, Random random) {
        checkIndex("ImageFolderDataset.copySample", index);
        Path f = files.get(index);
        Tensor t;
        try {
            t = load(f, maxPixels, minHeight, minWidth, channels, transform, random);
        } catch (ImageFormatException e) {
            // It decoded when the dataset was built, so the file changed since.
            throw new UncheckedIOException(e);
        }
        if (!t.shape().equals(sampleShape)) {
            throw new IllegalStateException(f + ": after the transform its shape is " + t.shape() + ", expected "
                    + sampleShape + " (a random transform must always give the same shape)");
        }
        System.arraycopy(t.data(), 0, dest, destOff, t.size());
    }

    /** The image file of sample {@code index}. */
    public Path file(int index) {
        checkIndex("ImageFolderDataset.file", index);
        return files.get(index);
    }

    /**
     * The pictures' shapes as decoded (channels, height, width; before the conversion to {@link Builder#channels}
     * and the transform), each with how many of the dataset's pictures have it, in the order first met: what
     * {@code DataSpec} reports as the conversion when a folder mixes grey and colour pictures or sizes.
     */
    public Map<Shape, Integer> decodedShapes() {
        return decodedShapes;
    }

    /** The files left out (bad files in SKIP mode, links leading outside the root), in scan order. */
    public List<Skipped> skipped() {
        return Collections.unmodifiableList(skipped);
    }

    /**
     * The pictures directly in the root, outside any class folder, in path order: no class folder gives them a class,
     * so they are left out; {@link #outsideClassFoldersLine} reports them.
     */
    public List<Path> outsideClassFolders() {
        return outsideClassFolders;
    }

    /**
     * The one line that reports {@code count} pictures left out for lying outside any class folder, naming the first
     * (in path order): what {@code transfer} and {@code spark transfer} print.
     */
    public static String outsideClassFoldersLine(long count, String first) {
        return count == 1 ? "1 picture outside any class folder was left out: " + first
                : count + " pictures outside any class folder were left out: first " + first;
    }

    public Path root() {
        return root;
    }
}
