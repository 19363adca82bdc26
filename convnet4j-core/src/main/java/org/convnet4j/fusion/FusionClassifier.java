package org.convnet4j.fusion;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.model.RawJson;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.image.Images;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.ConfusionMatrix;

/**
 * A saved multi-input (fusion) model applied to one picture per input: each picture is prepared the way its
 * input was prepared for training (as recorded under {@value #KEY} in the model file), then the outputs become
 * ranked {@link Classifications}.
 *
 * <pre>
 *   FusionClassifier fused = FusionClassifier.load(Path.of("fused.c4j"));
 *   Classifications c = fused.classify(Map.of("pixels", photo, "edges", photo));
 * </pre>
 *
 * Like {@link org.convnet4j.model.ImageClassifier}, an instance may be shared by any number of threads.
 */
public final class FusionClassifier {
    /** The description key fusion training writes: {"mode": ..., "inputs": {NAME: SOURCE, ...}}. */
    public static final String KEY = "fusion";
    /** Input source: Fashion-MNIST pictures (grey, 0..1). */
    public static final String PIXELS = "fashion-mnist";
    /** Input source: the Sobel magnitude and direction of Fashion-MNIST pictures (2 channels). */
    public static final String SOBEL = "fashion-mnist:sobel";

    private final Graph model;
    private final Map<String, String> sources;
    private final Map<String, Preprocessing> folderPreprocessing;
    private final List<String> classNames;

    /**
     * @throws IllegalArgumentException when the model has fewer than two inputs or names a different number of
     *         classes than it outputs
     */
    public FusionClassifier(SavedModel saved) {
        if (!isMultiInput(saved)) {
            throw new IllegalArgumentException("not a multi-input model (inputs " + saved.model().inputShapes() + ")");
        }
        this.model = (Graph) saved.model();
        this.sources = Collections.unmodifiableMap(savedSources(saved));
        this.folderPreprocessing = savedPreprocessing(saved);
        int k = model.outputShape().size();
        if (!model.classNames().isEmpty() && model.classNames().size() != k) {
            throw new IllegalArgumentException("the model names " + model.classNames().size() + " classes but outputs "
                    + k + " scores");
        }
        this.classNames = model.classNames().isEmpty() ? ConfusionMatrix.numberedClasses(k) : model.classNames();
    }

    /** Reads a fusion model file. */
    public static FusionClassifier load(Path file) throws IOException {
        SavedModel saved = ModelFiles.read(file);
        try {
            return new FusionClassifier(saved);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The suffix that makes a built-in source its pictures' Sobel edges ({@value #SOBEL}). */
    public static final String SOBEL_SUFFIX = ":sobel";

    /**
     * A built-in source: {@code fashion-mnist[:CLASSES]} or {@code opencv-digits[:CLASSES]} (the grey pictures), or
     * either followed by {@value #SOBEL_SUFFIX} (their Sobel magnitude and direction); anything else is a folder.
     */
    public static boolean isBuiltIn(String source) {
        String data = dataOf(source).toLowerCase(Locale.ROOT);
        boolean named = data.equals("fashion-mnist") || data.startsWith("fashion-mnist:")
                || data.equals("opencv-digits") || data.startsWith("opencv-digits:");
        return named && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(source));
    }

    /** True for a source ending in {@value #SOBEL_SUFFIX}. */
    public static boolean isSobel(String source) {
        return source.toLowerCase(Locale.ROOT).endsWith(SOBEL_SUFFIX);
    }

    /** The data spec of a built-in source: without {@value #SOBEL_SUFFIX}. */
    public static String dataOf(String source) {
        return isSobel(source) ? source.substring(0, source.length() - SOBEL_SUFFIX.length()) : source;
    }

    /**
     * How many pictures trained a fusion model and how it did on those it held out for validation: recorded in the
     * file ({@link #save(Graph, Path, String, Map, Training)}), so that evaluating it on the folders it was trained on
     * can say so ({@code run.TrainedOn#fusionWarning}), as {@code train} and {@code transfer} record theirs.
     */
    public record Training(int trainSamples, int validationSamples, double validationAccuracy) {
    }

    /**
     * Saves a trained fusion model with what {@link #prepare} needs later: the fusion {@code mode} and each
     * input's source (NAME -> {@value #PIXELS}, {@value #SOBEL} or a folder), written atomically.
     */
    public static void save(Graph model, Path file, String mode, Map<String, String> sources) throws IOException {
        save(model, file, mode, sources, null);
    }

    /**
     * As {@link #save(Graph, Path, String, Map)}, with what the sources' pictures did in training ({@code training},
     * or null): {@code train_samples}, {@code val_samples} and {@code val_accuracy} beside the inputs.
     */
    public static void save(Graph model, Path file, String mode, Map<String, String> sources, Training training)
            throws IOException {
        if (!new HashSet<>(model.inputNames()).equals(sources.keySet())) {
            throw new IllegalArgumentException("sources " + sources.keySet() + " must name the model's inputs "
                    + model.inputNames());
        }
        JsonObject inputs = new JsonObject();
        sources.forEach(inputs::addProperty);
        JsonObject fusion = new JsonObject();
        fusion.addProperty("mode", mode.toLowerCase(Locale.ROOT));
        fusion.add("inputs", inputs);
        if (training != null) {
            fusion.addProperty("train_samples", training.trainSamples());
            fusion.addProperty("val_samples", training.validationSamples());
            fusion.addProperty("val_accuracy", training.validationAccuracy());
        }
        // folder inputs: how a picture becomes the input (channels, size, 0..1), as PairedFolders read them
        JsonObject prep = new JsonObject();
        for (int i = 0; i < model.inputNames().size(); i++) {
            String name = model.inputNames().get(i);
            String src = sources.get(name).toLowerCase(Locale.ROOT);
            Shape shape = model.inputShapes().get(i);
            if (!isBuiltIn(src) && shape.rank() == 3 && (shape.dim(0) == 1 || shape.dim(0) == 3)) {
                prep.add(name, Json.parseObject(Preprocessing.forInput(shape).toJson(), "preprocessing"));
            }
        }
        if (prep.size() > 0) {
            fusion.add("preprocessing", prep);
        }
        ModelFiles.save(model, file, null, Map.of(KEY, new RawJson(Json.toCompact(fusion))));
    }

    /**
     * Each folder input's saved {@link Preprocessing}; empty for models saved before folder inputs were scaled
     * (their folder inputs stay 0..255, as they were trained).
     */
    private static Map<String, Preprocessing> savedPreprocessing(SavedModel saved) {
        Map<String, Preprocessing> out = new java.util.LinkedHashMap<>();
        JsonObject d = saved.description() == null ? null : Json.parseObject(saved.description(), "description");
        if (d != null && d.has(KEY) && d.get(KEY).isJsonObject() && d.getAsJsonObject(KEY).has("preprocessing")) {
            for (Map.Entry<String, JsonElement> e : d.getAsJsonObject(KEY).getAsJsonObject("preprocessing").entrySet()) {
                out.put(e.getKey(), Preprocessing.fromJson(Json.toCompact(e.getValue()), "input '" + e.getKey() + "'"));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** True for a graph with two or more inputs. */
    public static boolean isMultiInput(SavedModel saved) {
        return saved.model() instanceof Graph g && g.inputNames().size() >= 2;
    }

    /** The input sources recorded when the model was trained (NAME -> SOURCE), or an empty map. */
    public static Map<String, String> savedSources(SavedModel saved) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonObject d = saved.description() == null ? null : Json.parseObject(saved.description(), "description");
        if (d != null && d.has(KEY) && d.get(KEY).isJsonObject() && d.getAsJsonObject(KEY).has("inputs")) {
            for (Map.Entry<String, JsonElement> e : d.getAsJsonObject(KEY).getAsJsonObject("inputs").entrySet()) {
                out.put(e.getKey(), e.getValue().getAsString());
            }
        }
        return out;
    }

    public Graph model() {
        return model;
    }

    public List<String> inputNames() {
        return model.inputNames();
    }

    /** NAME -> SOURCE as recorded at training time. */
    public Map<String, String> sources() {
        return sources;
    }

    public List<String> classNames() {
        return classNames;
    }

    /**
     * One sample per model input, in the model's input order, from pictures (values 0..255) named by input:
     * prepared as the input's recorded source was ({@value #PIXELS}: grey, resized, scaled to 0..1;
     * {@value #SOBEL}: the Sobel magnitude and direction of that; a folder: its saved {@link Preprocessing}, the
     * input's channel count and size scaled to 0..1, as {@link PairedFolders} reads them).
     */
    public List<Tensor> prepare(Map<String, Tensor> pictures) {
        if (!new HashSet<>(model.inputNames()).equals(pictures.keySet())) {
            throw new IllegalArgumentException("the model takes one picture per input " + model.inputNames()
                    + ", given " + pictures.keySet());
        }
        List<Tensor> out = new ArrayList<>();
        List<Shape> shapes = model.inputShapes();
        for (int i = 0; i < shapes.size(); i++) {
            String name = model.inputNames().get(i);
            String source = sources.getOrDefault(name, "").toLowerCase(Locale.ROOT);
            Preprocessing p = folderPreprocessing.get(name);
            out.add(p != null ? p.apply(pictures.get(name)) : prepareOne(name, source, pictures.get(name), shapes.get(i)));
        }
        return out;
    }

    private static Tensor prepareOne(String name, String source, Tensor picture, Shape shape) {
        if (shape.rank() != 3) {
            throw new IllegalArgumentException("input '" + name + "' takes " + shape + ", not a picture");
        }
        int h = shape.dim(1);
        int w = shape.dim(2);
        if (isBuiltIn(source) && isSobel(source)) {
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
        if (isBuiltIn(source)) { // any built-in picture source (fashion-mnist:5-9, opencv-digits): trained on 0..1
            return Preprocessing.forInput(shape).apply(picture);
        }
        // folders: converted to the channel count and resized, not scaled (as ImageFolderDataset reads them)
        Tensor t = picture.dim(0) == c ? picture : c == 1 ? Images.toGrey(picture) : Images.toRgb(picture);
        return t.dim(1) == h && t.dim(2) == w ? t : Images.resize(t, h, w);
    }

    /** The classes of one sample: a picture [C, H, W] 0..255 per input name. */
    public Classifications classify(Map<String, Tensor> pictures) {
        List<Tensor> batch = new ArrayList<>();
        for (Tensor t : prepare(pictures)) {
            batch.add(t.reshape(t.shape().prepend(1)));
        }
        // fusion models end in logits (late fusion: log-probabilities): a softmax gives the probabilities
        float[] scores = model.predict(batch).data();
        return Classifications.fromLogits(scores, 0, classNames);
    }

    /**
     * Picture files named by input from texts {@code NAME=IMAGE} (what {@code predict --input} takes), in the order
     * given, for {@link #classifyFiles}. A text without a name or a file, a name given twice, and a file that does
     * not exist or is a folder are refused in one line ({@link IllegalArgumentException}) before anything is read.
     */
    public static Map<String, Path> namedPictures(List<String> specs) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String s : specs) {
            int eq = s.indexOf('=');
            if (eq <= 0 || s.substring(eq + 1).isBlank() || s.substring(0, eq).isBlank()) {
                throw new IllegalArgumentException("'" + s + "' is not NAME=IMAGE (e.g. pixels=shoe.png)");
            }
            String name = s.substring(0, eq).trim();
            Path file = Path.of(s.substring(eq + 1).trim());
            if (out.put(name, file) != null) {
                throw new IllegalArgumentException("input '" + name + "' is given twice");
            }
            if (!java.nio.file.Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + ": " + (java.nio.file.Files.isDirectory(file)
                        ? "is a directory, not a picture" : "no such picture file"));
            }
        }
        return out;
    }

    /** The classes of one sample given as picture files per input name. */
    public Classifications classifyFiles(Map<String, Path> files) throws IOException {
        Map<String, Tensor> pictures = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            pictures.put(e.getKey(), Images.read(e.getValue()));
        }
        return classify(pictures);
    }
}
