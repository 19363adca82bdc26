package org.convnet4j.serve;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * The JSON of KServe's Open Inference Protocol (v2 REST) for one-input, one-output models: model metadata, the
 * inference request ({@code {"inputs": [{"name", "shape", "datatype", "data"}]}}, data flat in row-major order or
 * nested) and the response ({@code {"model_name", "id", "outputs": [...]}}). Only FP32 is accepted, the only
 * type our models compute in; the batch dimension is the first one, -1 in the metadata.
 */
public final class InferenceProtocol {
    public static final String INPUT_NAME = "input";
    public static final String OUTPUT_NAME = "output";
    private static final String FP32 = "FP32";
    /** Gson's JsonParser reads leniently; requests are parsed as strict JSON instead. */
    private static final Gson STRICT = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    private InferenceProtocol() {
    }

    public static JsonObject metadata(String name, Shape input, Shape output) {
        JsonObject m = new JsonObject();
        m.addProperty("name", name);
        JsonArray versions = new JsonArray();
        versions.add("1");
        m.add("versions", versions);
        m.addProperty("platform", "convnet4j");
        m.add("inputs", tensorMeta(INPUT_NAME, input));
        m.add("outputs", tensorMeta(OUTPUT_NAME, output));
        return m;
    }

    private static JsonArray tensorMeta(String name, Shape sample) {
        JsonObject t = new JsonObject();
        t.addProperty("name", name);
        t.addProperty("datatype", FP32);
        JsonArray shape = new JsonArray();
        shape.add(-1);
        for (int d : sample.dims()) {
            shape.add(d);
        }
        t.add("shape", shape);
        JsonArray a = new JsonArray();
        a.add(t);
        return a;
    }

    /** A parsed request: the samples [n, ...input] and the request id to echo (or null). */
    public record Request(Tensor input, String id) {
    }

    /**
     * Parses and checks an inference request against the model's per-sample input shape; anything wrong is an
     * {@link ApiException} 400 that says what was expected.
     */
    public static Request parseRequest(String body, Shape sample, int maxSamples) {
        JsonObject o;
        try {
            JsonElement e = STRICT.fromJson(body, JsonElement.class);
            if (!e.isJsonObject()) {
                throw bad("the body must be a JSON object with \"inputs\"");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw bad("the body is not valid JSON: " + rootMessage(e));
        }
        String id = o.has("id") && o.get("id").isJsonPrimitive() ? o.get("id").getAsString() : null;
        if (!o.has("inputs") || !o.get("inputs").isJsonArray()) {
            throw bad("\"inputs\" must be an array of tensors");
        }
        JsonArray inputs = o.getAsJsonArray("inputs");
        if (inputs.size() != 1 || !inputs.get(0).isJsonObject()) {
            throw bad("the model takes one input tensor \"" + INPUT_NAME + "\", got " + inputs.size());
        }
        JsonObject t = inputs.get(0).getAsJsonObject();
        if (t.has("name") && !t.get("name").isJsonNull() && !INPUT_NAME.equals(t.get("name").getAsString())) {
            throw bad("unknown input \"" + t.get("name").getAsString() + "\"; the model's input is \"" + INPUT_NAME + "\"");
        }
        String datatype = t.has("datatype") && t.get("datatype").isJsonPrimitive() ? t.get("datatype").getAsString() : null;
        if (!FP32.equals(datatype)) {
            throw bad("datatype must be FP32, got " + (datatype == null ? "none" : datatype));
        }
        if (!t.has("shape") || !t.get("shape").isJsonArray()) {
            throw bad("\"shape\" must be an array of dimensions");
        }
        JsonArray shapeJson = t.getAsJsonArray("shape");
        int[] expected = sample.dims();
        if (shapeJson.size() != expected.length + 1) {
            throw bad("shape " + shapeJson + " does not match the model's input [N, " + join(expected) + "]");
        }
        int[] dims = new int[shapeJson.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonElement d = shapeJson.get(i);
            if (!d.isJsonPrimitive() || !d.getAsJsonPrimitive().isNumber()) {
                throw bad("shape " + shapeJson + ": dimensions must be whole numbers");
            }
            double v = d.getAsDouble();
            if (v != Math.rint(v) || v < 1 || v > Integer.MAX_VALUE) {
                throw bad("shape " + shapeJson + ": dimensions must be positive whole numbers");
            }
            dims[i] = (int) v;
            if (i > 0 && dims[i] != expected[i - 1]) {
                throw bad("shape " + shapeJson + " does not match the model's input [N, " + join(expected) + "]");
            }
        }
        if (dims[0] > maxSamples) {
            throw bad("shape " + shapeJson + ": at most " + maxSamples + " samples per request");
        }
        long size = (long) dims[0] * sample.size();
        if (!t.has("data") || !t.get("data").isJsonArray()) {
            throw bad("\"data\" must be an array of numbers");
        }
        float[] data = new float[(int) size];
        int n = flatten(t.getAsJsonArray("data"), data, 0, size, dims.length);
        if (n != size) {
            throw bad("\"data\" has " + n + " numbers, shape " + shapeJson + " needs " + size);
        }
        return new Request(Tensor.wrap(data, dims), id);
    }

    /** Copies numbers (arrays nested at most as deep as the shape) into {@code out}; returns the count, which may exceed {@code max}. */
    private static int flatten(JsonArray a, float[] out, int at, long max, int depthLeft) {
        int n = at;
        for (JsonElement e : a) {
            if (e.isJsonArray()) {
                if (depthLeft <= 1) {
                    throw bad("\"data\" is nested more deeply than the shape has dimensions");
                }
                n = flatten(e.getAsJsonArray(), out, n, max, depthLeft - 1);
            } else if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                if (n < max) {
                    float v = e.getAsFloat();
                    if (!Float.isFinite(v)) {
                        throw bad("\"data\" holds " + e + ", which is not a finite FP32 number");
                    }
                    out[n] = v;
                }
                n++;
            } else {
                throw bad("\"data\" holds " + e + ", not a number");
            }
        }
        return n;
    }

    /** A request for samples [N, ...input] (clients, tests and the load test build their bodies with it). */
    public static JsonObject request(Tensor input, String id) {
        JsonObject r = new JsonObject();
        if (id != null) {
            r.addProperty("id", id);
        }
        JsonArray inputs = new JsonArray();
        inputs.add(tensor(INPUT_NAME, input));
        r.add("inputs", inputs);
        return r;
    }

    public static JsonObject response(String modelName, String id, Tensor output) {
        JsonObject r = new JsonObject();
        r.addProperty("model_name", modelName);
        r.addProperty("model_version", "1");
        if (id != null) {
            r.addProperty("id", id);
        }
        JsonArray outs = new JsonArray();
        outs.add(tensor(OUTPUT_NAME, output));
        r.add("outputs", outs);
        return r;
    }

    /** One tensor in the protocol's form: name, FP32, shape, the data flat in row-major order. */
    private static JsonObject tensor(String name, Tensor x) {
        JsonObject t = new JsonObject();
        t.addProperty("name", name);
        t.addProperty("datatype", FP32);
        JsonArray shape = new JsonArray();
        for (int d : x.shape().dims()) {
            shape.add(d);
        }
        t.add("shape", shape);
        JsonArray data = new JsonArray(x.size());
        for (float v : x.data()) {
            data.add(v);
        }
        t.add("data", data);
        return t;
    }

    static ApiException bad(String message) {
        return new ApiException(400, message);
    }

    private static String join(int[] dims) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            b.append(i > 0 ? ", " : "").append(dims[i]);
        }
        return b.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
}
