package org.convnet4j.fusion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.convnet4j.data.DatasetFormatException;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.data.Transform;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.image.Images;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Pairs image folders of several modalities, e.g. {@code rgb/<class>/x.png} with {@code depth/<class>/x.png}.
 * Each modality is an image folder (one sub-folder per class); samples are matched by class and file name without
 * extension ({@code cat/x.png} with {@code cat/x.jpg}). All modalities must have the same class folders. A sample
 * present in some modalities only is reported ({@link Result#missing()}) and, by {@link OnMissing}, skipped or
 * fatal. Each modality keeps its own size and channel count (grey pictures 1 channel, colour 3, decided by the
 * first picture), unless {@code resize} is given, or its network fixes its input shape: then its pictures are converted
 * to that shape as every other command converts pictures ({@link Preprocessing#forInput}: channels, size, 0..1).
 */
public final class PairedFolders {
    /** Pictures are read as 0..255 and scaled by this, as {@code Preprocessing.UNIT_SCALE}. */
    public static final float UNIT_SCALE = 1f / 255f;

    /** What to do with a sample that is missing in some modality. */
    public enum OnMissing {
        /** Leave the sample out (and report it). */
        SKIP,
        /** Refuse the data. */
        FAIL;

        /** "skip" or "fail" (any case); anything else is an IllegalArgumentException. */
        public static OnMissing parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "skip" -> SKIP;
                case "fail" -> FAIL;
                default -> throw new IllegalArgumentException("'" + s + "' is not skip or fail");
            };
        }
    }

    /**
     * The paired data set, the samples left out, and one line per modality whose pictures were converted to a fixed
     * input shape ({@link DataSpec#conversion}'s words; empty when they fit as they are).
     */
    public record Result(MultiInputDataset dataset, List<String> missing, List<String> conversions) {
        public Result {
            missing = List.copyOf(missing);
            conversions = List.copyOf(conversions);
        }
    }

    private PairedFolders() {
    }

    /**
     * @param roots  modality name to folder, in input order
     * @param resize height and width every picture is resampled to, or null to keep the sizes (each modality's
     *               pictures must then share one size)
     */
    public static Result load(Map<String, Path> roots, int[] resize, OnMissing onMissing) throws IOException {
        return load(roots, resize, Map.of(), onMissing);
    }

    /**
     * As {@link #load(Map, int[], OnMissing)}, with the input shape some modalities must have ({@code shapes}, by
     * name; [1 or 3, H, W]): a pretrained branch or a saved model fixes it. Their pictures are read as
     * {@link Preprocessing#forInput} prepares a picture for such an input (what the saved fusion model records and
     * {@code predict} applies): converted to its channels and size, whatever {@code resize} says, and scaled to 0..1;
     * {@link Result#conversions()} says what was converted.
     */
    public static Result load(Map<String, Path> roots, int[] resize, Map<String, Shape> shapes, OnMissing onMissing)
            throws IOException {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("PairedFolders: no modalities given");
        }
        Map<String, ImageFolderDataset> sets = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> keys = new LinkedHashMap<>();
        List<String> conversions = new ArrayList<>();
        String first = null;
        for (Map.Entry<String, Path> e : roots.entrySet()) {
            Shape fixed = shapes.get(e.getKey());
            ImageFolderDataset.Builder b = ImageFolderDataset.builder(e.getValue());
            if (fixed != null) {
                Preprocessing p = Preprocessing.forInput(fixed);
                b.channels(p.channels()).transform(p.transform());
            } else {
                // pixels 0..255 become 0..1 like every other input (Fashion-MNIST, train's folders): raw values made
                // the losses 20-150 and training unstable
                Transform scale = new Transform.Scale(UNIT_SCALE);
                b.channels(channelsOf(e.getValue()))
                        .transform(resize == null ? scale : new Transform.Resize(resize[0], resize[1]).andThen(scale));
            }
            ImageFolderDataset d = b.build();
            if (fixed != null) {
                String note = DataSpec.conversion("input '" + e.getKey() + "' (" + e.getValue() + ")", d, fixed);
                if (!note.isEmpty()) {
                    conversions.add(note);
                }
            }
            if (d.numClasses() < 2) { // as DataSpec refuses a --data folder of one class: nothing to tell apart
                throw new IllegalArgumentException("paired folders: modality '" + e.getKey() + "' (" + e.getValue()
                        + ") has " + d.numClasses() + " class folder(s) " + d.classNames()
                        + "; a classifier needs at least 2 (one sub-folder of pictures per class)");
            }
            if (first != null && !d.classNames().equals(sets.get(first).classNames())) {
                TreeSet<String> onlyHere = new TreeSet<>(d.classNames());
                onlyHere.removeAll(sets.get(first).classNames());
                TreeSet<String> onlyThere = new TreeSet<>(sets.get(first).classNames());
                onlyThere.removeAll(d.classNames());
                throw new IllegalArgumentException("paired folders: modality '" + e.getKey() + "' (" + e.getValue()
                        + ") has class folders " + d.classNames() + " but '" + first + "' has "
                        + sets.get(first).classNames() + " (only in '" + e.getKey() + "': " + onlyHere + "; only in '"
                        + first + "': " + onlyThere + ")");
            }
            if (first == null) {
                first = e.getKey();
            }
            sets.put(e.getKey(), d);
            keys.put(e.getKey(), keysOf(e.getKey(), d));
        }
        // the samples every modality has, in the first modality's order
        List<String> missing = new ArrayList<>();
        List<String> common = new ArrayList<>();
        TreeSet<String> all = new TreeSet<>();
        keys.values().forEach(k -> all.addAll(k.keySet()));
        for (String key : all) {
            List<String> lacking = new ArrayList<>();
            for (Map.Entry<String, Map<String, Integer>> e : keys.entrySet()) {
                if (!e.getValue().containsKey(key)) {
                    lacking.add(e.getKey());
                }
            }
            if (lacking.isEmpty()) {
                common.add(key);
            } else {
                missing.add(key + " (missing in " + String.join(", ", lacking) + ")");
            }
        }
        if (!missing.isEmpty() && onMissing == OnMissing.FAIL) {
            throw new IllegalArgumentException("paired folders: " + missing.size() + " sample(s) are not in every "
                    + "modality, e.g. " + missing.subList(0, Math.min(5, missing.size()))
                    + " (skip them with --on-missing skip)");
        }
        if (common.isEmpty()) {
            throw new IllegalArgumentException("paired folders: no sample is present in every modality " + roots.keySet()
                    + " (files are matched by class folder and file name without extension)");
        }
        // a class without a paired sample (an empty class folder, or one whose pictures --on-missing skip dropped)
        // would be an output the model never sees an example of, trained and scored without a word
        ImageFolderDataset firstSet = sets.get(first);
        boolean[] seen = new boolean[firstSet.numClasses()];
        for (String key : common) {
            seen[firstSet.label(keys.get(first).get(key))] = true;
        }
        for (int c = 0; c < seen.length; c++) {
            if (!seen[c]) {
                throw new IllegalArgumentException("paired folders: class folder '" + firstSet.classNames().get(c)
                        + "' has no picture that every modality " + roots.keySet() + " has (an empty class folder?)");
            }
        }
        Map<String, org.convnet4j.data.Dataset> aligned = new LinkedHashMap<>();
        for (String name : sets.keySet()) {
            int[] idx = new int[common.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = keys.get(name).get(common.get(i));
            }
            aligned.put(name, Datasets.view(sets.get(name), idx));
        }
        return new Result(MultiInputDataset.of(aligned), missing, conversions);
    }

    /** class/relative-path-without-extension of every sample; two files with one key are refused. */
    private static Map<String, Integer> keysOf(String modality, ImageFolderDataset d) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < d.size(); i++) {
            Path f = d.file(i);
            String cls = d.classNames().get(d.label(i));
            Path classDir = d.root().resolve(cls);
            String rel = f.startsWith(classDir) ? classDir.relativize(f).toString() : f.getFileName().toString();
            int dot = rel.lastIndexOf('.');
            String key = cls + "/" + (dot > 0 ? rel.substring(0, dot) : rel);
            Integer prev = out.put(key, i);
            if (prev != null) {
                throw new IllegalArgumentException("paired folders: modality '" + modality + "' has two pictures for "
                        + "sample " + key + ": " + d.file(prev) + " and " + f);
            }
        }
        return out;
    }

    /** 1 if the first picture found is grey, else 3. */
    private static int channelsOf(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new DatasetFormatException(root + ": " + (Files.exists(root) ? "not a directory" : "directory not found"));
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                int dot = n.lastIndexOf('.');
                if (Files.isRegularFile(p) && dot > 0 && ImageFolderDataset.EXTENSIONS.contains(n.substring(dot + 1))) {
                    Tensor t = Images.read(p);
                    return t.dim(0) == 1 ? 1 : 3;
                }
            }
        }
        return 3; // no picture: the folder scan reports it
    }
}
