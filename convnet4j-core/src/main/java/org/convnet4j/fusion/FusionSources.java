package org.convnet4j.fusion;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;

/**
 * Where each input of a fusion model comes from: {@code NAME=SOURCE,...} where SOURCE is a folder (one sub-folder
 * per class; the folders are paired by file name), a built-in data spec ({@code fashion-mnist[:CLASSES]},
 * {@code opencv-digits[:CLASSES]}: the grey pictures) or such a spec followed by {@code :sobel} (their Sobel
 * magnitude and direction, 2 channels); or the shorthand {@value #SHORTHAND} for
 * {@code pixels=fashion-mnist,edges=fashion-mnist:sobel}. {@link #load} turns them into a
 * {@link MultiInputDataset}, as the {@code fuse} command and {@link FusionClassifier#savedSources} name them.
 */
public final class FusionSources {
    public static final String PIXELS = FusionClassifier.PIXELS;
    public static final String SOBEL = FusionClassifier.SOBEL;
    public static final String SHORTHAND = "fashion-mnist-sobel";

    /** Which part of the built-in data {@link #load} reads (folders have no parts: they are read whole). */
    public enum Part { TRAIN, TEST }

    private final Map<String, String> sources;

    private FusionSources(Map<String, String> sources) {
        this.sources = Collections.unmodifiableMap(sources);
    }

    /** NAME -> SOURCE, in the order given. */
    public Map<String, String> sources() {
        return sources;
    }

    /** From NAME -> SOURCE (at least two inputs). */
    public static FusionSources of(Map<String, String> sources) {
        if (sources.size() < 2) {
            throw new IllegalArgumentException("fusion needs at least two inputs, got " + sources.keySet());
        }
        return new FusionSources(new LinkedHashMap<>(sources));
    }

    /**
     * Parses {@code NAME=SOURCE,NAME=SOURCE} or {@value #SHORTHAND}. Problems are IllegalArgumentExceptions whose
     * messages name the offending part (an application may prefix its option name).
     */
    public static FusionSources parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("give NAME=SOURCE,NAME=SOURCE (or " + SHORTHAND + ")");
        }
        Map<String, String> m = new LinkedHashMap<>();
        if (spec.trim().equalsIgnoreCase(SHORTHAND)) {
            m.put(FashionMnistSobel.PIXELS, PIXELS);
            m.put(FashionMnistSobel.EDGES, SOBEL);
            return new FusionSources(m);
        }
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw new IllegalArgumentException("'" + part + "' is not NAME=SOURCE (e.g. rgb=data/rgb)");
            }
            String name = part.substring(0, eq).trim();
            if (m.put(name, part.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("input '" + name + "' is given twice");
            }
        }
        return of(m);
    }

    /**
     * The sources a saved multi-input model was trained on, as {@link FusionClassifier#save} recorded them: what
     * {@code evaluate} reads when no sources are given. Refused in one line naming {@code file} and the model's
     * inputs when the file records none (e.g. a model saved by hand) or the model has a single input.
     */
    public static FusionSources forModel(org.convnet4j.model.SavedModel saved, String file) {
        if (!FusionClassifier.isMultiInput(saved)) {
            throw new IllegalArgumentException(file + " has a single input; it takes one data set, not sources per"
                    + " input");
        }
        Map<String, String> recorded = FusionClassifier.savedSources(saved);
        if (recorded.size() < 2) {
            throw new IllegalArgumentException(file + " takes inputs " + ((org.convnet4j.nn.Graph) saved.model())
                    .inputNames() + " but records no sources; give NAME=DIR,... (one folder of class folders per"
                    + " input)");
        }
        return of(recorded);
    }

    /**
     * The test part of the sources {@code saved} was trained on ({@link #forModel}), in its input order: a saved
     * fusion model evaluated on the data it was made for, in one call. {@code limit} as {@link #load}; samples
     * missing from some folder fail.
     */
    public static MultiInputDataset testDataFor(org.convnet4j.model.SavedModel saved, String file, Integer limit)
            throws IOException {
        return forModel(saved, file).loadFor((org.convnet4j.nn.Graph) saved.model(), file, limit, null,
                PairedFolders.OnMissing.FAIL, note -> { });
    }

    /**
     * Parses a resize target "HxW" (both at least 1, at most 16,777,216 pixels) into {height, width}; null gives
     * null (no resize).
     */
    public static int[] parseResize(String s) {
        if (s == null) {
            return null;
        }
        try {
            Shape size = Shape.parse(s);
            if (size.rank() == 2 && size.dim(0) >= 1 && size.dim(1) >= 1 && size.size() <= 16_777_216) {
                return new int[] {size.dim(0), size.dim(1)};
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + s + "' is not HxW with positive sizes (e.g. 64x64)");
    }

    /**
     * The test part of these sources for a saved multi-input model {@code g} (named {@code file} in messages):
     * the source names must be the model's input names; the data come in the model's input order. Arguments as
     * {@link #load}.
     */
    public MultiInputDataset loadFor(org.convnet4j.nn.Graph g, String file, Integer limit, int[] resize,
                                     PairedFolders.OnMissing onMissing, Consumer<String> notes) throws IOException {
        if (!new java.util.HashSet<>(g.inputNames()).equals(sources.keySet())) {
            throw new IllegalArgumentException(file + " takes inputs " + g.inputNames() + " but the sources give "
                    + sources.keySet());
        }
        // the model fixes every input: folder pictures are converted to it as predict converts a picture file
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (int i = 0; i < g.inputNames().size(); i++) {
            Shape s = g.inputShapes().get(i);
            if (s.rank() == 3 && (s.dim(0) == 1 || s.dim(0) == 3)) {
                shapes.put(g.inputNames().get(i), s);
            }
        }
        // inputs of one size (early fusion stacks them) are read at it: the size --resize or an early network's file
        // gave in training, without --resize again
        int[] at = resize;
        java.util.Set<List<Integer>> sizes = new java.util.HashSet<>();
        g.inputShapes().forEach(s -> sizes.add(s.rank() == 3 ? List.of(s.dim(1), s.dim(2)) : List.of()));
        if (at == null && sizes.size() == 1 && sizes.iterator().next().size() == 2) {
            List<Integer> hw = sizes.iterator().next();
            at = new int[] {hw.get(0), hw.get(1)};
        }
        return load(Part.TEST, limit, at, shapes, onMissing, notes).orderedFor(g.inputNames());
    }

    /**
     * Built-in input {@code name} for a network that fixes its shape (a pretrained branch, a saved model): its
     * pictures ({@code pictures}, grey 0..1 at their own size, whatever --resize said) converted as every command
     * converts built-in pictures for a model, the conversion noted. Sobel maps are refused: their 2 channels are no
     * picture a network of pictures takes.
     */
    private Dataset fittedBuiltIn(String name, Shape now, Dataset pictures, Shape shape, Consumer<String> notes) {
        String source = sources.get(name);
        String label = "input '" + name + "' (" + source + ")";
        if (FusionClassifier.isSobel(source)) {
            throw new IllegalArgumentException(label + " gives Sobel edges " + now + " (magnitude and direction) but"
                    + " its network takes " + shape + "; give that network a picture source ("
                    + FusionClassifier.dataOf(source) + ")");
        }
        List<String> lines = new java.util.ArrayList<>();
        Dataset d = DataSpec.fitted(label, pictures, Preprocessing.forInput(shape), lines);
        lines.forEach(line -> notes.accept("converting: " + line));
        return d;
    }

    private static boolean builtIn(String source) {
        return FusionClassifier.isBuiltIn(source);
    }

    /**
     * Loads the inputs: the built-in data's training or test part ({@code part}) for the built-in sources, the
     * paired folders otherwise. {@code limit} (or null) keeps at most that many samples per class
     * ({@link DataSpec#perClass}); {@code resize} (or null) is {height, width}. Samples missing from some folder
     * are handled as {@code onMissing} says and, when skipped, described in one line to {@code notes}.
     * <p>
     * Inputs named in {@code shapes} (by input name, [1 or 3, H, W]; may be empty) must have that shape,
     * because their network fixes it (a pretrained branch, {@link org.convnet4j.run.FusionBranches#inputShapes}, or
     * a saved model): their pictures, grey or colour and any size, are converted to it as every command converts
     * pictures for a model ({@link PairedFolders#load(Map, int[], Map, PairedFolders.OnMissing)}), and each
     * conversion is described in one line to {@code notes} ("converting: ..."). A built-in picture source is
     * converted the same way ({@link DataSpec#fitted}: a grey 28x28 Fashion-MNIST input for a colour branch of another
     * size); a Sobel source, 2 channels, cannot be.
     */
    public MultiInputDataset load(Part part, Integer limit, int[] resize, Map<String, Shape> shapes,
                                  PairedFolders.OnMissing onMissing, Consumer<String> notes) throws IOException {
        long builtIns = sources.values().stream().filter(FusionSources::builtIn).count();
        if (builtIns == sources.size()) {
            java.util.Set<String> specs = new java.util.LinkedHashSet<>();
            sources.values().forEach(src -> specs.add(FusionClassifier.dataOf(src).toLowerCase(Locale.ROOT)));
            if (specs.size() > 1) {
                throw new IllegalArgumentException("the built-in sources must show the same pictures, got "
                        + String.join(" and ", specs) + " (e.g. pixels=fashion-mnist:5-9,edges=fashion-mnist:5-9:sobel)");
            }
            DataSpec.Loaded loaded = DataSpec.of(specs.iterator().next())
                    .trainAndTest(Preprocessing.forInput(Shape.of(1, 28, 28)), 42);
            Dataset pictures = part == Part.TEST ? loaded.test() : loaded.train();
            MultiInputDataset fm = FashionMnistSobel.of(DataSpec.limited(pictures, limit, 42), Integer.MAX_VALUE);
            Map<String, Dataset> m = new LinkedHashMap<>();
            sources.forEach((name, src) -> m.put(name, fm.input(FusionClassifier.isSobel(src)
                    ? FashionMnistSobel.EDGES : FashionMnistSobel.PIXELS)));
            MultiInputDataset d = MultiInputDataset.of(m);
            d = resize == null ? d : d.resized(resize[0], resize[1]);
            for (Map.Entry<String, Shape> e : shapes.entrySet()) {
                if (!d.input(e.getKey()).sampleShape().equals(e.getValue())) {
                    d = d.withInput(e.getKey(), fittedBuiltIn(e.getKey(), d.input(e.getKey()).sampleShape(),
                            fm.input(FashionMnistSobel.PIXELS), e.getValue(), notes));
                }
            }
            return d;
        }
        if (builtIns > 0) {
            throw new IllegalArgumentException("the built-in sources (" + PIXELS + "[:CLASSES], " + SOBEL
                    + ", opencv-digits[:CLASSES][:sobel]) cannot be paired with folders; give only folders or only"
                    + " built-in sources");
        }
        Map<String, Path> roots = new LinkedHashMap<>();
        sources.forEach((name, src) -> roots.put(name, Path.of(src)));
        PairedFolders.Result r = PairedFolders.load(roots, resize, shapes, onMissing);
        r.conversions().forEach(c -> notes.accept("converting: " + c));
        if (!r.missing().isEmpty()) {
            notes.accept(String.format(Locale.ROOT, "skipped %d sample(s) not present in every input, e.g. %s",
                    r.missing().size(), r.missing().subList(0, Math.min(3, r.missing().size()))));
        }
        return limit == null ? r.dataset() : r.dataset().view(DataSpec.perClassIndices(r.dataset(), limit, 42));
    }
}
