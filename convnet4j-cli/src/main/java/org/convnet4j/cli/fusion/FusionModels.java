package org.convnet4j.cli.fusion;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.fusion.FusionSources;
import org.convnet4j.fusion.FusionClassifier;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.fusion.PairedFolders;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Graph;

/**
 * The command line's side of saved multi-input (fusion) models: loading their test data from {@code --inputs}
 * and parsing {@code --input NAME=IMAGE} options. Recognising, preparing and classifying are the library's
 * {@link FusionClassifier}.
 */
public final class FusionModels {
    /** The description key {@code fuse} writes (see {@link FusionClassifier#KEY}). */
    public static final String KEY = FusionClassifier.KEY;

    private FusionModels() {
    }

    /** The model as a graph with two or more inputs, or null for a single-input model. */
    public static Graph multiInput(SavedModel saved) {
        return FusionClassifier.isMultiInput(saved) ? (Graph) saved.model() : null;
    }

    /** The input sources recorded when the model was trained (NAME -> SOURCE), or an empty map. */
    public static Map<String, String> savedSources(SavedModel saved) {
        return FusionClassifier.savedSources(saved);
    }

    /**
     * The test data of {@code inputs} for {@code g}: its names must be the model's input names; the data come in
     * the model's input order. Fashion-MNIST sources use the test set.
     */
    public static MultiInputDataset testData(Graph g, String file, FusionSources inputs, Integer limit, int[] resize,
                                             PairedFolders.OnMissing onMissing, PrintWriter log) throws IOException {
        if (!new HashSet<>(g.inputNames()).equals(inputs.sources().keySet())) {
            throw new IllegalArgumentException(file + " takes inputs " + g.inputNames() + " but --inputs gives "
                    + inputs.sources().keySet());
        }
        return inputs.load(FusionSources.Part.TEST, limit, resize, onMissing, log::println).orderedFor(g.inputNames());
    }

    /** Parses repeated {@code NAME=IMAGE} options into name -> path. */
    public static Map<String, Path> parsePictures(List<String> specs) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String s : specs) {
            int eq = s.indexOf('=');
            if (eq <= 0 || eq == s.length() - 1) {
                throw new IllegalArgumentException("--input: '" + s + "' is not NAME=IMAGE (e.g. pixels=shoe.png)");
            }
            if (out.put(s.substring(0, eq).trim(), Path.of(s.substring(eq + 1).trim())) != null) {
                throw new IllegalArgumentException("--input: input '" + s.substring(0, eq).trim() + "' is given twice");
            }
        }
        return out;
    }
}
