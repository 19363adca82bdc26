package org.convnet4j.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.internal.json.Json;
import org.convnet4j.tensor.Shape;

/**
 * The typed form of a checkpoint's description, so every writer uses the same keys:
 * <pre>
 * {"architecture": {...}, "class_names": ["cat", ...], "input_shape": [3, 224, 224],
 *  "preprocessing": {...},
 *  "training": {"epoch": 3, "step": 1200, "seed": 42, "rng_state": "...", "optimizer": {...}, "metrics": {...}}}
 * </pre>
 * The architecture, preprocessing, optimizer configuration and metrics history are JSON objects owned by the
 * code that writes them, given and returned here as JSON text; {@code training} is absent for a model saved
 * for inference only.
 */
public record ModelDescription(String architectureJson, List<String> classNames, Shape inputShape,
                               String preprocessingJson, TrainingState training) {

    /** Where training stands, enough to resume it exactly. */
    public record TrainingState(int epoch, long step, long seed, String rngState, String optimizerJson,
                                String metricsJson) {
        public TrainingState {
            optimizerJson = Json.toCompact(Json.parseObject(optimizerJson, "TrainingState: optimizer"));
            metricsJson = Json.toCompact(Json.parseObject(metricsJson, "TrainingState: metrics"));
        }

        JsonObject tree() {
            JsonObject o = new JsonObject();
            o.addProperty("epoch", epoch);
            o.addProperty("step", step);
            o.addProperty("seed", seed);
            o.addProperty("rng_state", rngState);
            o.add("optimizer", Json.parseObject(optimizerJson, "optimizer"));
            o.add("metrics", Json.parseObject(metricsJson, "metrics"));
            return o;
        }

        static TrainingState fromJson(JsonObject o, String what) {
            return new TrainingState((int) number(o, "epoch", what), number(o, "step", what), number(o, "seed", what),
                    string(o, "rng_state", what), Json.toCompact(object(o, "optimizer", what)),
                    Json.toCompact(object(o, "metrics", what)));
        }
    }

    public ModelDescription {
        classNames = List.copyOf(classNames);
        architectureJson = Json.toCompact(Json.parseObject(architectureJson, "ModelDescription: architecture"));
        preprocessingJson = Json.toCompact(Json.parseObject(preprocessingJson, "ModelDescription: preprocessing"));
    }

    /** The description as compact JSON text, the layout shown above. */
    public String toJson() {
        return Json.toCompact(tree());
    }

    private JsonObject tree() {
        JsonObject o = new JsonObject();
        o.add("architecture", Json.parseObject(architectureJson, "architecture"));
        JsonArray classes = new JsonArray();
        classNames.forEach(classes::add);
        o.add("class_names", classes);
        JsonArray shape = new JsonArray();
        for (int d : inputShape.dims()) {
            shape.add(d);
        }
        o.add("input_shape", shape);
        o.add("preprocessing", Json.parseObject(preprocessingJson, "preprocessing"));
        if (training != null) {
            o.add("training", training.tree());
        }
        return o;
    }

    /**
     * Reads the typed form from JSON text (a checkpoint's {@code description()}); {@code what} names the source
     * (e.g. the file) in error messages.
     */
    public static ModelDescription fromJson(String json, String what) {
        JsonObject o = Json.parseObject(json, what);
        JsonArray classes = array(o, "class_names", what);
        List<String> names = new ArrayList<>();
        for (JsonElement e : classes) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw new IllegalArgumentException(what + ": class_names holds " + e + ", not a string");
            }
            names.add(e.getAsString());
        }
        JsonArray shapeArray = array(o, "input_shape", what);
        int[] dims = new int[shapeArray.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonElement e = shapeArray.get(i);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException(what + ": input_shape holds " + e + ", not a number");
            }
            dims[i] = e.getAsInt();
        }
        Shape shape;
        try {
            shape = Shape.of(dims);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(what + ": input_shape: " + ex.getMessage(), ex);
        }
        TrainingState training = o.has("training")
                ? TrainingState.fromJson(object(o, "training", what), what + ": training") : null;
        return new ModelDescription(Json.toCompact(object(o, "architecture", what)), names, shape,
                Json.toCompact(object(o, "preprocessing", what)), training);
    }

    private static JsonElement required(JsonObject o, String key, String what) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException(what + ": description lacks '" + key + "'");
        }
        return e;
    }

    private static JsonObject object(JsonObject o, String key, String what) {
        JsonElement e = required(o, key, what);
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException(what + ": '" + key + "' is not a JSON object");
        }
        return e.getAsJsonObject().deepCopy();
    }

    private static JsonArray array(JsonObject o, String key, String what) {
        JsonElement e = required(o, key, what);
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException(what + ": '" + key + "' is not a JSON array");
        }
        return e.getAsJsonArray();
    }

    private static long number(JsonObject o, String key, String what) {
        JsonElement e = required(o, key, what);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(what + ": '" + key + "' is not a number");
        }
        return e.getAsLong();
    }

    private static String string(JsonObject o, String key, String what) {
        JsonElement e = required(o, key, what);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException(what + ": '" + key + "' is not a string");
        }
        return e.getAsString();
    }
}
