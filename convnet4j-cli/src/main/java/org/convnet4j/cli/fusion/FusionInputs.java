package org.convnet4j.cli.fusion;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.data.Dataset;
import org.convnet4j.fusion.FashionMnistSobel;
import org.convnet4j.fusion.FusionClassifier;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.fusion.PairedFolders;

/**
 * What {@code --inputs} names: {@code NAME=SOURCE,...} where SOURCE is a folder (one sub-folder per class; the
 * folders are paired by file name), {@value #PIXELS} (Fashion-MNIST pictures) or {@value #SOBEL} (their Sobel
 * magnitude and direction, 2 channels); or the shorthand {@value #SHORTHAND} for
 * {@code pixels=fashion-mnist,edges=fashion-mnist:sobel}.
 */
public final class FusionInputs {
    public static final String PIXELS = FusionClassifier.PIXELS;
    public static final String SOBEL = FusionClassifier.SOBEL;
    public static final String SHORTHAND = "fashion-mnist-sobel";

    private final Map<String, String> sources;

    private FusionInputs(Map<String, String> sources) {
        this.sources = sources;
    }

    public Map<String, String> sources() {
        return sources;
    }

    public static FusionInputs parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--inputs: give NAME=SOURCE,NAME=SOURCE (or " + SHORTHAND + ")");
        }
        Map<String, String> m = new LinkedHashMap<>();
        if (spec.trim().equalsIgnoreCase(SHORTHAND)) {
            m.put(FashionMnistSobel.PIXELS, PIXELS);
            m.put(FashionMnistSobel.EDGES, SOBEL);
            return new FusionInputs(m);
        }
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw new IllegalArgumentException("--inputs: '" + part + "' is not NAME=SOURCE (e.g. rgb=data/rgb)");
            }
            String name = part.substring(0, eq).trim();
            if (m.put(name, part.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("--inputs: input '" + name + "' is given twice");
            }
        }
        if (m.size() < 2) {
            throw new IllegalArgumentException("--inputs: fusion needs at least two inputs, got " + m.keySet());
        }
        return new FusionInputs(m);
    }

    private boolean builtIn(String source) {
        String s = source.toLowerCase(Locale.ROOT);
        return s.equals(PIXELS) || s.equals(SOBEL);
    }

    /**
     * Loads the inputs: Fashion-MNIST's training (or, {@code test}, test) set for the built-in sources, the paired
     * folders otherwise. {@code limit} (or null) keeps the first samples. Missing pairs are reported on {@code log}.
     */
    public MultiInputDataset load(boolean test, Integer limit, int[] resize, PairedFolders.OnMissing onMissing,
                                  PrintWriter log) throws IOException {
        long builtIns = sources.values().stream().filter(this::builtIn).count();
        if (builtIns == sources.size()) {
            MultiInputDataset fm = FashionMnistSobel.load(test, limit == null ? Integer.MAX_VALUE : limit);
            Map<String, Dataset> m = new LinkedHashMap<>();
            sources.forEach((name, src) -> m.put(name, fm.input(src.equalsIgnoreCase(SOBEL)
                    ? FashionMnistSobel.EDGES : FashionMnistSobel.PIXELS)));
            MultiInputDataset d = MultiInputDataset.of(m);
            return resize == null ? d : d.resized(resize[0], resize[1]);
        }
        if (builtIns > 0) {
            throw new IllegalArgumentException("--inputs: the built-in sources (" + PIXELS + ", " + SOBEL
                    + ") cannot be paired with folders; give only folders or only built-in sources");
        }
        Map<String, Path> roots = new LinkedHashMap<>();
        sources.forEach((name, src) -> roots.put(name, Path.of(src)));
        PairedFolders.Result r = PairedFolders.load(roots, resize, onMissing);
        if (!r.missing().isEmpty()) {
            log.printf(Locale.ROOT, "skipped %d sample(s) not present in every input, e.g. %s%n", r.missing().size(),
                    r.missing().subList(0, Math.min(3, r.missing().size())));
        }
        return limit == null ? r.dataset() : r.dataset().limit(limit);
    }
}
