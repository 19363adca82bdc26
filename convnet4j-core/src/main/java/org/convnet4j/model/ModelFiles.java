package org.convnet4j.model;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.internal.json.Json;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainingCheckpoints;

/**
 * A complete model in one file ({@code model.c4j}, a {@link Checkpoint}): architecture ({@link ModelSpec}),
 * weights, class names, input shape and {@link Preprocessing}, so that {@link #load} needs nothing else.
 * Checkpoints written during training with {@code CheckpointListener.describedBy(m -> ModelFiles.describe(m, p))}
 * have the same layout plus the training state, so they load here as well.
 *
 * <pre>
 *   ModelFiles.save(model, Path.of("model.c4j"));
 *   Model again = ModelFiles.load(Path.of("model.c4j"));
 * </pre>
 */
public final class ModelFiles {
    public static final String ARCHITECTURE = "architecture";
    public static final String CLASS_NAMES = "class_names";
    public static final String INPUT_SHAPE = "input_shape";

    private static final Set<String> RESERVED = Set.of(ARCHITECTURE, CLASS_NAMES, INPUT_SHAPE, Preprocessing.KEY,
            TrainingCheckpoints.KEY);

    private ModelFiles() {
    }

    /**
     * The description saved with {@code model}: architecture, class names, input shape, preprocessing; as compact
     * JSON text (what {@code CheckpointListener.describedBy} and {@code new Checkpoint(...)} take).
     */
    public static String describe(Model model, Preprocessing preprocessing) {
        return Json.toCompact(describeTree(model, preprocessing));
    }

    private static JsonObject describeTree(Model model, Preprocessing preprocessing) {
        JsonObject d = new JsonObject();
        d.add(ARCHITECTURE, architecture(model));
        d.add(CLASS_NAMES, Json.toTree(model.classNames()));
        if (model.inputShapes().size() == 1) {
            d.add(INPUT_SHAPE, Json.toTree(model.inputShapes().get(0).dims()));
        }
        if (preprocessing != null) {
            d.add(Preprocessing.KEY, preprocessing.tree());
        }
        return d;
    }

    /** Saves with the default preprocessing for the model's input (pixels scaled to 0..1). */
    public static void save(Model model, Path file) throws IOException {
        save(model, file, defaultPreprocessing(model), null);
    }

    public static void save(Model model, Path file, Preprocessing preprocessing) throws IOException {
        save(model, file, preprocessing, null);
    }

    /**
     * Saves atomically. {@code extra} (may be null) adds entries to the description, e.g. test metrics; it may not
     * replace the ones this class writes. Values are written as JSON the usual way: strings, numbers, booleans,
     * lists and maps of them, records; a {@link RawJson} value is inserted as the JSON it holds.
     */
    public static void save(Model model, Path file, Preprocessing preprocessing, Map<String, ?> extra)
            throws IOException {
        if (preprocessing != null && model.inputShapes().size() == 1
                && !preprocessing.outputShape().equals(model.inputShapes().get(0))) {
            throw new IllegalArgumentException("ModelFiles.save: preprocessing gives " + preprocessing.outputShape()
                    + " but the model takes " + model.inputShapes().get(0));
        }
        JsonObject d = describeTree(model, preprocessing);
        if (extra != null) {
            for (Map.Entry<String, ?> e : extra.entrySet()) {
                if (RESERVED.contains(e.getKey())) {
                    throw new IllegalArgumentException("ModelFiles.save: extra entry '" + e.getKey()
                            + "' would replace what the model file itself stores");
                }
                d.add(e.getKey(), e.getValue() instanceof RawJson raw
                        ? Json.parse(raw.json(), "ModelFiles.save: extra entry '" + e.getKey() + "'")
                        : Json.toTree(e.getValue()));
            }
        }
        Checkpoint.save(file, new Checkpoint(model.stateDict(), Map.of(), Json.toCompact(d)));
    }

    /** The model in {@code file}, rebuilt and loaded; see {@link #read} for the checks. */
    public static Model load(Path file) throws IOException {
        return read(file).model();
    }

    /**
     * Reads a model file: verifies the checksum, rebuilds the architecture, checks that the weights are exactly
     * the ones it needs (names and shapes) and loads them. A file without an architecture (weights only) is
     * refused with a message saying so.
     */
    public static SavedModel read(Path file) throws IOException {
        return read(file, file.toString());
    }

    /**
     * As {@link #read(Path)} for a copy of a model kept elsewhere: {@code origin} (a URI, say) names it in messages
     * and notes, which are logged once per origin and content (see {@link Checkpoint#load(Path, String)}).
     */
    public static SavedModel read(Path file, String origin) throws IOException {
        return fromCheckpoint(Checkpoint.load(file, origin), origin);
    }

    /**
     * As {@link #read(Path)} for a model file held as bytes (fetched from a remote file system, broadcast to a
     * worker): the same checks and memory budget, {@code origin} naming it in messages, no copy written to disk.
     */
    public static SavedModel read(byte[] bytes, String origin) throws IOException {
        return fromCheckpoint(Checkpoint.load(bytes, origin), origin);
    }

    /** The tensors of a checkpoint as float32 bytes: a model built for it is bounded by them (the per-file cap). */
    public static long storedBytes(Map<String, Tensor> tensors) {
        long total = 0;
        for (Tensor t : tensors.values()) {
            total = org.convnet4j.util.MemoryBudget.add(total, org.convnet4j.util.MemoryBudget.bytesOf(4, t.size()));
        }
        return total;
    }

    /** As {@link #read}, for a checkpoint already loaded; {@code origin} names it in messages. */
    public static SavedModel fromCheckpoint(Checkpoint checkpoint, String origin) {
        TrainingCheckpoints.requireFinite(checkpoint, origin);
        JsonObject d = Json.parseObject(checkpoint.description(), origin + ": description");
        JsonElement arch = d.get(ARCHITECTURE);
        if (arch == null || !arch.isJsonObject()) {
            throw new IllegalArgumentException(origin + " holds weights but no architecture, so it cannot be loaded as a"
                    + " model on its own (load it into a model you build with TrainingCheckpoints.loadParameters)");
        }
        Model model;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = new Gson().fromJson(arch, Map.class);
            model = ModelSpec.fromMap(spec, origin, storedBytes(checkpoint.parameters()));
        } catch (org.convnet4j.util.MemoryBudget.ModelTooLargeException e) {
            throw e; // names the file already: "m.c4j: parameter 'kernel' [...] needs ... for one model"
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(origin + ": the architecture cannot be rebuilt: " + e.getMessage(), e);
        }
        TrainingCheckpoints.loadParameters(checkpoint, model);
        List<String> names = classNames(d, origin);
        if (!names.isEmpty()) {
            model.setClassNames(names);
        }
        Preprocessing p = d.has(Preprocessing.KEY) && d.get(Preprocessing.KEY).isJsonObject()
                ? Preprocessing.fromTree(d.getAsJsonObject(Preprocessing.KEY), origin)
                : defaultPreprocessing(model);
        if (p != null && model.inputShapes().size() == 1 && !p.outputShape().equals(model.inputShapes().get(0))) {
            throw new IllegalArgumentException(origin + ": its preprocessing gives " + p.outputShape()
                    + " but its model takes " + model.inputShapes().get(0));
        }
        return new SavedModel(model, p, checkpoint.description());
    }

    /**
     * Fails unless {@code checkpoint} was saved from the same architecture as {@code model} (class names aside).
     * Needed on top of the weight check: LeNet-5's ReLU/max and sigmoid/average variants have identical weight
     * names and shapes, and loading one into the other would silently give a different network. Checkpoints
     * without an architecture pass (only their weights can be checked).
     */
    public static void requireSameArchitecture(Checkpoint checkpoint, Model model, String origin) {
        JsonElement saved = Json.parseObject(checkpoint.description(), origin + ": description").get(ARCHITECTURE);
        if (saved == null || !saved.isJsonObject()) {
            return;
        }
        JsonObject a = withoutClassNames(saved.getAsJsonObject());
        JsonObject b = withoutClassNames(architecture(model));
        // compare the texts: numbers read back from a file and numbers of a live spec print alike
        JsonObject fileSide = Json.parseObject(Json.toCompact(a), origin);
        JsonObject modelSide = Json.parseObject(Json.toCompact(b), "model");
        if (!Json.toCompact(fileSide).equals(Json.toCompact(modelSide))) {
            throw new IllegalArgumentException(origin + " was saved from a different architecture than "
                    + name(model) + ": " + describeDifference(fileSide, modelSide));
        }
    }

    private static String name(Model model) {
        return model.name() == null ? "this model" : "model '" + model.name() + "'";
    }

    static JsonObject architecture(Model model) {
        return Json.toTree(ModelSpec.toMap(model)).getAsJsonObject();
    }

    private static JsonObject withoutClassNames(JsonObject o) {
        JsonObject c = o.deepCopy();
        c.remove(CLASS_NAMES);
        return c;
    }

    /** A layer of another type says more than the first differing detail (an initializer), so it comes first. */
    private static String describeDifference(JsonObject file, JsonObject model) {
        if (file.has("layers") && model.has("layers") && file.get("layers").isJsonArray() && model.get("layers").isJsonArray()) {
            JsonArray f = file.getAsJsonArray("layers");
            JsonArray m = model.getAsJsonArray("layers");
            for (int i = 0; i < Math.min(f.size(), m.size()); i++) {
                String tf = field(f.get(i), "type");
                String tm = field(m.get(i), "type");
                if (!tf.equals(tm)) {
                    return "layer " + (i + 1) + " ('" + field(m.get(i), "name") + "') is " + tf + " in the file and " + tm
                            + " in the model";
                }
            }
        }
        return firstDifference(file, model, "architecture");
    }

    private static String field(JsonElement e, String key) {
        return e.isJsonObject() && e.getAsJsonObject().has(key) ? e.getAsJsonObject().get(key).getAsString() : "?";
    }

    /** Where two JSON trees first differ, as "path: X in the file, Y in the model". */
    static String firstDifference(JsonElement file, JsonElement model, String path) {
        if (file.isJsonObject() && model.isJsonObject()) {
            JsonObject f = file.getAsJsonObject();
            JsonObject m = model.getAsJsonObject();
            for (String k : f.keySet()) {
                if (!m.has(k)) {
                    return path + "." + k + " is only in the file";
                }
                if (!Json.toCompact(f.get(k)).equals(Json.toCompact(m.get(k)))) {
                    return firstDifference(f.get(k), m.get(k), path + "." + k);
                }
            }
            for (String k : m.keySet()) {
                if (!f.has(k)) {
                    return path + "." + k + " is only in the model";
                }
            }
        } else if (file.isJsonArray() && model.isJsonArray()) {
            JsonArray f = file.getAsJsonArray();
            JsonArray m = model.getAsJsonArray();
            for (int i = 0; i < Math.min(f.size(), m.size()); i++) {
                if (!Json.toCompact(f.get(i)).equals(Json.toCompact(m.get(i)))) {
                    return firstDifference(f.get(i), m.get(i), path + "[" + i + "]");
                }
            }
            if (f.size() != m.size()) {
                return path + " has " + f.size() + " entries in the file and " + m.size() + " in the model";
            }
        }
        return path + " is " + Json.toCompact(file) + " in the file and " + Json.toCompact(model) + " in the model";
    }

    private static List<String> classNames(JsonObject d, String origin) {
        List<String> names = new ArrayList<>();
        JsonElement e = d.get(CLASS_NAMES);
        if (e == null || e.isJsonNull()) {
            return names;
        }
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException(origin + ": class_names is not a list");
        }
        for (JsonElement n : e.getAsJsonArray()) {
            names.add(n.getAsString());
        }
        return names;
    }

    /**
     * How pictures reach a model whose file does not say: pixels scaled to 0..1 at its input size, for a single
     * [C, H, W] input of 1 or 3 channels (what {@code train} saves); null for models that do not take pictures. The one
     * such decision: saved models, zoo models and the commands all use it.
     */
    public static Preprocessing defaultPreprocessing(Model model) {
        if (model.inputShapes().size() != 1) {
            return null;
        }
        Shape in = model.inputShapes().get(0);
        return in.rank() == 3 && (in.dim(0) == 1 || in.dim(0) == 3) ? Preprocessing.forInput(in) : null;
    }
}
