package org.convnet4j.cli.fusion;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.fusion.FashionMnistSobel;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.fusion.PairedFolders;
import org.convnet4j.image.Images;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Saved multi-input (fusion) models as {@code fuse --evaluate}, {@code evaluate} and {@code predict} use them:
 * recognising one, loading its test data from {@code --inputs}, and preparing one picture per input the way the
 * inputs were prepared for training (as recorded under "fusion" in the model file by {@code fuse}).
 */
public final class FusionModels {
    /** The description key {@code fuse} writes: {"mode": ..., "inputs": {NAME: SOURCE, ...}}. */
    public static final String KEY = "fusion";

    private FusionModels() {
    }

    /** The model as a graph with two or more inputs, or null for a single-input model. */
    public static Graph multiInput(SavedModel saved) {
        return saved.model() instanceof Graph g && g.inputNames().size() >= 2 ? g : null;
    }

    /** The input sources recorded when the model was trained (NAME -> SOURCE), or an empty map. */
    public static Map<String, String> savedSources(SavedModel saved) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonObject d = saved.description();
        if (d != null && d.has(KEY) && d.get(KEY).isJsonObject() && d.getAsJsonObject(KEY).has("inputs")) {
            for (Map.Entry<String, JsonElement> e : d.getAsJsonObject(KEY).getAsJsonObject("inputs").entrySet()) {
                out.put(e.getKey(), e.getValue().getAsString());
            }
        }
        return out;
    }

    /**
     * The test data of {@code inputs} for {@code g}: its names must be the model's input names; the data come in
     * the model's input order. Fashion-MNIST sources use the test set.
     */
    public static MultiInputDataset testData(Graph g, String file, FusionInputs inputs, Integer limit, int[] resize,
                                             PairedFolders.OnMissing onMissing, PrintWriter log) throws IOException {
        if (!new HashSet<>(g.inputNames()).equals(inputs.sources().keySet())) {
            throw new IllegalArgumentException(file + " takes inputs " + g.inputNames() + " but --inputs gives "
                    + inputs.sources().keySet());
        }
        return inputs.load(true, limit, resize, onMissing, log).orderedFor(g.inputNames());
    }

    /**
     * One sample per model input, in the model's input order, from pictures (values 0..255) named by input:
     * prepared as the input's recorded source was ({@code fashion-mnist}: grey, resized, scaled to 0..1;
     * {@code fashion-mnist:sobel}: the Sobel magnitude and direction of that; a folder: the input's channel count
     * and size, values 0..255, as {@link PairedFolders} reads them).
     */
    public static List<Tensor> prepare(Graph g, Map<String, String> sources, Map<String, Tensor> pictures,
                                       String file) {
        if (!new HashSet<>(g.inputNames()).equals(pictures.keySet())) {
            throw new IllegalArgumentException(file + " takes one picture per input " + g.inputNames()
                    + " (--input NAME=IMAGE), given " + pictures.keySet());
        }
        List<Tensor> out = new ArrayList<>();
        List<Shape> shapes = g.inputShapes();
        for (int i = 0; i < shapes.size(); i++) {
            String name = g.inputNames().get(i);
            String source = sources.getOrDefault(name, "").toLowerCase(Locale.ROOT);
            out.add(prepareOne(name, source, pictures.get(name), shapes.get(i)));
        }
        return out;
    }

    private static Tensor prepareOne(String name, String source, Tensor picture, Shape shape) {
        if (shape.rank() != 3) {
            throw new IllegalArgumentException("input '" + name + "' takes " + shape + ", not a picture");
        }
        int h = shape.dim(1);
        int w = shape.dim(2);
        if (source.equals(FusionInputs.SOBEL)) {
            if (shape.dim(0) != 2) {
                throw new IllegalArgumentException("input '" + name + "' (Sobel edges) takes " + shape
                        + ", expected 2 channels");
            }
            Tensor grey = Preprocessing.forInput(Shape.of(1, h, w)).apply(picture);
            ArrayDataset one = ArrayDataset.ofFloats(grey.data(), grey.shape(), new int[] {0}, List.of("picture"));
            return FashionMnistSobel.of(one, 1).input(FashionMnistSobel.EDGES).sample(0);
        }
        int c = shape.dim(0);
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException("input '" + name + "' takes " + shape + "; a picture gives 1 or 3"
                    + " channels" + (source.isEmpty() ? " (the model file does not say how the input was made)" : ""));
        }
        if (source.equals(FusionInputs.PIXELS)) {
            return Preprocessing.forInput(shape).apply(picture);
        }
        // folders: converted to the channel count and resized, not scaled (as ImageFolderDataset reads them)
        Tensor t = picture.dim(0) == c ? picture : c == 1 ? Images.toGrey(picture) : Images.toRgb(picture);
        return t.dim(1) == h && t.dim(2) == w ? t : Images.resize(t, h, w);
    }

    /**
     * What is saved with a fusion model about its folder inputs: for each, the {@link Preprocessing} that makes
     * a picture of it (0..255) into the input (channels, size, scaled to 0..1, as {@link PairedFolders} reads them
     * for training), so that evaluate and predict prepare new pictures the same way.
     */
    public static JsonObject folderPreprocessing(org.convnet4j.nn.Model model, Map<String, String> sources) {
        JsonObject out = new JsonObject();
        if (model instanceof Graph g) {
            for (int i = 0; i < g.inputNames().size(); i++) {
                String name = g.inputNames().get(i);
                String src = sources.getOrDefault(name, "").toLowerCase(Locale.ROOT);
                Shape shape = g.inputShapes().get(i);
                if (!src.equals(FusionInputs.PIXELS) && !src.equals(FusionInputs.SOBEL) && shape.rank() == 3
                        && (shape.dim(0) == 1 || shape.dim(0) == 3)) {
                    out.add(name, Preprocessing.forInput(shape).toJson());
                }
            }
        }
        return out;
    }

    /** As {@link #prepare(Graph, Map, Map, String)}, with each folder input's preprocessing saved in the model. */
    public static List<Tensor> prepare(Graph g, SavedModel saved, Map<String, Tensor> pictures, String file) {
        List<Tensor> out = prepare(g, savedSources(saved), pictures, file);
        JsonObject d = saved.description();
        if (d == null || !d.has(KEY) || !d.getAsJsonObject(KEY).has("preprocessing")) {
            return out; // saved before inputs were scaled: folder inputs stay 0..255, as they were trained
        }
        JsonObject preps = d.getAsJsonObject(KEY).getAsJsonObject("preprocessing");
        for (int i = 0; i < g.inputNames().size(); i++) {
            String name = g.inputNames().get(i);
            if (preps.has(name)) {
                Preprocessing p = Preprocessing.fromJson(preps.getAsJsonObject(name), file + " input '" + name + "'");
                out.set(i, p.apply(pictures.get(name)));
            }
        }
        return out;
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
