package org.convnet4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
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

    private InferenceProtocol() {
    }

    static JsonObject metadata(String name, Shape input, Shape output) {
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
     * {@link ApiException} 400 that says what was expected. The body is read as a stream (strict JSON, Gson's
     * nesting limit), numbers straight into floats, and at most {@code maxSamples} samples' worth of them: a
     * request never costs more memory than that, whatever its size on the wire.
     */
    public static Request parseRequest(Reader body, Shape sample, int maxSamples) {
        try {
            JsonReader r = new JsonReader(body);
            r.setStrictness(Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw bad("the body must be a JSON object with \"inputs\"");
            }
            r.beginObject();
            String id = null;
            Request input = null;
            boolean sawInputs = false;
            while (r.hasNext()) {
                String field = r.nextName();
                if (field.equals("id") && (r.peek() == JsonToken.STRING || r.peek() == JsonToken.NUMBER)) {
                    id = r.nextString();
                } else if (field.equals("inputs")) {
                    if (r.peek() != JsonToken.BEGIN_ARRAY) {
                        throw bad("\"inputs\" must be an array of tensors");
                    }
                    sawInputs = true;
                    r.beginArray();
                    while (r.hasNext()) {
                        if (input != null) {
                            throw bad("the model takes one input tensor \"" + INPUT_NAME + "\", got more");
                        }
                        input = readTensor(r, sample, maxSamples);
                    }
                    r.endArray();
                } else {
                    r.skipValue(); // outputs, parameters: nothing to choose for one-output models
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw bad("the body has more after its JSON object");
            }
            if (!sawInputs) {
                throw bad("\"inputs\" must be an array of tensors");
            }
            if (input == null) {
                throw bad("the model takes one input tensor \"" + INPUT_NAME + "\", got 0");
            }
            return new Request(input.input(), id);
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw bad("the body is not valid JSON: " + rootMessage(e));
        }
    }

    /** Reads one tensor object (fields in any order), then checks name, datatype, shape and element count. */
    private static Request readTensor(JsonReader r, Shape sample, int maxSamples) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw bad("an input tensor must be an object with name, shape, datatype and data");
        }
        r.beginObject();
        String name = null;
        String datatype = null;
        List<Double> shape = null;
        Floats data = null;
        long cap = (long) maxSamples * sample.size();
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "name" -> name = r.peek() == JsonToken.STRING ? r.nextString() : skipNull(r);
                case "datatype" -> datatype = r.peek() == JsonToken.STRING ? r.nextString() : skipNull(r);
                case "shape" -> {
                    if (r.peek() != JsonToken.BEGIN_ARRAY) {
                        throw bad("\"shape\" must be an array of dimensions");
                    }
                    shape = new ArrayList<>();
                    r.beginArray();
                    while (r.hasNext()) {
                        if (r.peek() != JsonToken.NUMBER || shape.size() > 16) {
                            throw bad("\"shape\" must be an array of whole numbers");
                        }
                        shape.add(r.nextDouble());
                    }
                    r.endArray();
                }
                case "data" -> data = readData(r, sample.rank() + 1, cap);
                default -> r.skipValue();
            }
        }
        r.endObject();
        if (name != null && !INPUT_NAME.equals(name)) {
            throw bad("unknown input \"" + name + "\"; the model's input is \"" + INPUT_NAME + "\"");
        }
        if (!FP32.equals(datatype)) {
            throw bad("datatype must be FP32, got " + (datatype == null ? "none" : datatype));
        }
        if (shape == null) {
            throw bad("\"shape\" must be an array of dimensions");
        }
        String shown = shape.stream().map(d -> d == Math.rint(d) ? Long.toString(d.longValue()) : d.toString())
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
        int[] expected = sample.dims();
        if (shape.size() != expected.length + 1) {
            throw bad("shape " + shown + " does not match the model's input [N, " + join(expected) + "]");
        }
        int[] dims = new int[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            double v = shape.get(i);
            if (v != Math.rint(v) || v < 1 || v > Integer.MAX_VALUE) {
                throw bad("shape " + shown + ": dimensions must be positive whole numbers");
            }
            dims[i] = (int) v;
            if (i > 0 && dims[i] != expected[i - 1]) {
                throw bad("shape " + shown + " does not match the model's input [N, " + join(expected) + "]");
            }
        }
        if (dims[0] > maxSamples) {
            throw bad("shape " + shown + ": at most " + maxSamples + " samples per request");
        }
        long size = (long) dims[0] * sample.size();
        if (data == null) {
            throw bad("\"data\" must be an array of numbers");
        }
        if (data.size != size) {
            throw bad("\"data\" has " + data.size + " numbers, shape " + shown + " needs " + size);
        }
        return new Request(Tensor.wrap(data.trimmed(), dims), null);
    }

    private static String skipNull(JsonReader r) throws IOException {
        r.skipValue();
        return null;
    }

    /** A growing float array that refuses to grow past its cap. */
    private static final class Floats {
        float[] values = new float[1024];
        int size;

        float[] trimmed() {
            return size == values.length ? values : java.util.Arrays.copyOf(values, size);
        }
    }

    /** Numbers in arrays nested at most {@code maxDepth} deep, in order, at most {@code cap} of them. */
    private static Floats readData(JsonReader r, int maxDepth, long cap) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw bad("\"data\" must be an array of numbers");
        }
        Floats out = new Floats();
        r.beginArray();
        int depth = 1;
        while (depth > 0) {
            JsonToken t = r.peek();
            if (t == JsonToken.BEGIN_ARRAY) {
                if (depth >= maxDepth) {
                    throw bad("\"data\" is nested more deeply than the shape has dimensions");
                }
                r.beginArray();
                depth++;
            } else if (t == JsonToken.END_ARRAY) {
                r.endArray();
                depth--;
            } else if (t == JsonToken.NUMBER) {
                float v = (float) r.nextDouble();
                if (!Float.isFinite(v)) {
                    throw bad("\"data\" holds a number outside the FP32 range");
                }
                if (out.size >= cap) {
                    throw bad("\"data\" has more numbers than " + cap + " (the most samples per request)");
                }
                if (out.size == out.values.length) {
                    out.values = java.util.Arrays.copyOf(out.values, (int) Math.min(cap, 2L * out.values.length));
                }
                out.values[out.size++] = v;
            } else {
                throw bad("\"data\" holds " + t.name().toLowerCase(java.util.Locale.ROOT) + ", not a number");
            }
        }
        return out;
    }

    /**
     * A request for samples [N, ...input] as JSON text (clients, tests and the load test build their bodies with
     * it); {@code id} may be null.
     */
    public static String request(Tensor input, String id) {
        return requestTree(input, id).toString();
    }

    static JsonObject requestTree(Tensor input, String id) {
        JsonObject r = new JsonObject();
        if (id != null) {
            r.addProperty("id", id);
        }
        JsonArray inputs = new JsonArray();
        inputs.add(tensor(INPUT_NAME, input));
        r.add("inputs", inputs);
        return r;
    }

    static JsonObject response(String modelName, String id, Tensor output) {
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

    /** The innermost message on one line, without Gson's advice to parse leniently. */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        m = m.lines().findFirst().orElse("").replaceFirst("Use JsonReader\\.setStrictness\\(.*?\\) to accept ", "");
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
}
