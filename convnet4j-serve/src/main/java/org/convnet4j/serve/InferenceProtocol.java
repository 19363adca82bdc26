package org.convnet4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.io.TensorNesting;
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
    /**
     * The one version of every served model: its metadata lists it, answers carry it, and the protocol's versioned
     * paths ({@code /v2/models/NAME/versions/1[/ready|/infer]}) take it.
     */
    public static final String MODEL_VERSION = "1";
    private static final String FP32 = "FP32";

    private InferenceProtocol() {
    }

    static JsonObject metadata(String name, Shape input, Shape output) {
        return metadata(name, input, output, TensorNames.GENERIC);
    }

    /** The model's metadata, its tensors under {@code names}. */
    static JsonObject metadata(String name, Shape input, Shape output, TensorNames names) {
        JsonObject m = new JsonObject();
        m.addProperty("name", name);
        JsonArray versions = new JsonArray();
        versions.add(MODEL_VERSION);
        m.add("versions", versions);
        m.addProperty("platform", "convnet4j");
        m.add("inputs", tensorMeta(names.input(), input));
        m.add("outputs", tensorMeta(names.output(), output));
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

    /**
     * A parsed request: the samples [n, ...input], the request id to echo (or null), and whether the client asked
     * for the output in binary (the binary tensor data extension: {@code "binary_data_output": true} in the
     * request's parameters, or {@code "binary_data": true} in the output's).
     */
    public record Request(Tensor input, String id, boolean binaryOutput, String outputName) {
        /** A request that named no output: the answer calls it {@value #OUTPUT_NAME}. */
        public Request(Tensor input, String id, boolean binaryOutput) {
            this(input, id, binaryOutput, OUTPUT_NAME);
        }

        /** How the response is to be written: {@link OutputFormat#BINARY} when the request asked for binary data. */
        public OutputFormat outputFormat() {
            return binaryOutput ? OutputFormat.BINARY : OutputFormat.JSON;
        }

    }

    /** The header that says how many bytes of a body are JSON (binary tensor data extension). */
    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    /**
     * Parses and checks an inference request against the model's per-sample input shape; anything wrong is an
     * {@link ApiException} 400 that says what was expected. {@code jsonLength} is the value of the
     * {@value #HEADER_LENGTH} header (the binary tensor data extension: the JSON header, then each tensor's raw
     * little-endian bytes in order, sized by its {@code parameters.binary_data_size}), or -1 when the whole body is
     * JSON. The JSON is read strictly, numbers straight from the bytes into floats, and at most {@code maxSamples}
     * samples' worth of them: a request never costs more memory than that, whatever its size on the wire.
     */
    public static Request parseRequest(byte[] body, int jsonLength, Shape sample, int maxSamples) {
        return parseRequest(body, jsonLength, sample, maxSamples, TensorNames.GENERIC);
    }

    /**
     * As above for a model whose tensors are called {@code names}: the input may be named so or
     * {@value #INPUT_NAME}, an output asked for so or {@value #OUTPUT_NAME}; the request's
     * {@link Request#outputName} is the name it asked for, else the model's.
     */
    public static Request parseRequest(byte[] body, int jsonLength, Shape sample, int maxSamples, TensorNames names) {
        checkJsonLength(jsonLength, body.length);
        int json = jsonLength < 0 ? body.length : jsonLength;
        return parse(body, json, jsonLength >= 0, java.nio.ByteBuffer.wrap(body, json, body.length - json), sample,
                maxSamples, names);
    }

    /**
     * As above for a body in a buffer (its bytes from position to limit; neither is moved): the server parses a
     * body that arrived in one piece straight from the connection's buffer. Only the JSON part is copied (for a
     * binary request its short header); binary tensor data goes from the buffer straight into the input's floats.
     */
    static Request parseRequest(java.nio.ByteBuffer body, int jsonLength, Shape sample, int maxSamples,
                                TensorNames names) {
        int length = body.remaining();
        checkJsonLength(jsonLength, length);
        byte[] json = new byte[jsonLength < 0 ? length : jsonLength];
        body.get(body.position(), json);
        java.nio.ByteBuffer binary = body.slice(body.position() + json.length, length - json.length);
        return parse(json, json.length, jsonLength >= 0, binary, sample, maxSamples, names);
    }

    private static void checkJsonLength(int jsonLength, int bodyLength) {
        if (jsonLength > bodyLength || jsonLength < -1) {
            throw bad(HEADER_LENGTH + " is " + jsonLength + " but the body has " + bodyLength + " bytes");
        }
    }

    /**
     * Parses the JSON in {@code json[0, jsonEnd)} and the binary tensor data after it ({@code binary}'s position to
     * limit; empty when the whole body is JSON); {@code header}: whether the request gave {@value #HEADER_LENGTH}.
     */
    private static Request parse(byte[] json, int jsonEnd, boolean header, java.nio.ByteBuffer binary, Shape sample,
                                 int maxSamples, TensorNames names) {
        JsonBytes r = new JsonBytes(json, jsonEnd);
        r.skipByteOrderMark();
        if (r.peek() != '{') {
            throw bad("the body must be a JSON object with \"inputs\"");
        }
        r.expect('{');
        String id = null;
        Tensor input = null;
        long binarySize = -1;
        int[] binaryDims = null;
        boolean sawInputs = false;
        boolean binaryOutput = false;
        String outputName = names.output();
        if (!r.consume('}')) {
            do {
                String field = r.string();
                r.expect(':');
                if (field.equals("id") && (r.peek() == '"' || r.atNumber())) {
                    if (r.peek() == '"') {
                        id = r.string();
                    } else {
                        int from = r.position();
                        r.number();
                        id = new String(json, from, r.position() - from, java.nio.charset.StandardCharsets.US_ASCII)
                                .strip();
                    }
                } else if (field.equals("inputs")) {
                    if (r.peek() != '[') {
                        throw bad("\"inputs\" must be an array of tensors");
                    }
                    sawInputs = true;
                    r.expect('[');
                    if (!r.consume(']')) {
                        do {
                            TensorRead t;
                            try {
                                t = readTensor(r, sample, maxSamples, names);
                            } catch (InputProblem e) {
                                throw badInput(names, e);
                            }
                            if (input != null || binaryDims != null) {
                                throw bad("the model takes one input tensor " + inputShown(names) + ", got more");
                            }
                            input = t.values;
                            binaryDims = t.binaryDims;
                            binarySize = t.binarySize;
                        } while (r.more(']'));
                    }
                } else if (field.equals("parameters")) {
                    binaryOutput |= flag(r, "binary_data_output");
                } else if (field.equals("outputs")) {
                    String[] asked = {outputName};
                    binaryOutput |= readOutputs(r, names, asked);
                    outputName = asked[0];
                } else {
                    r.skipValue(1);
                }
            } while (r.more('}'));
        }
        r.expectEnd();
        if (!sawInputs) {
            throw bad("\"inputs\" must be an array of tensors");
        }
        if (input == null && binarySize < 0) {
            throw bad("the model takes one input tensor " + inputShown(names) + ", got 0");
        }
        int binaryBytes = binary.remaining();
        if (binarySize >= 0) {
            if (!header) {
                throw bad("the input has binary_data_size but the request has no " + HEADER_LENGTH + " header");
            }
            if (binaryBytes != binarySize) {
                throw bad("the input's binary_data_size is " + binarySize + " but " + binaryBytes
                        + " bytes follow the JSON header");
            }
            float[] v = new float[(int) (binarySize / 4)];
            binary.order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            // a vector at a time: the scalar loop took about a third of an 8-sample LeNet-5 body's parse
            if (!org.convnet4j.tensor.kernels.KernelProvider.get().allFinite(v.length, v, 0)) {
                throw bad("the input's binary data holds a NaN or infinity");
            }
            input = Tensor.wrap(v, binaryDims);
        } else if (binaryBytes > 0) {
            throw bad(binaryBytes + " bytes follow the JSON header but no tensor has binary_data_size");
        }
        return new Request(input, id, binaryOutput, outputName);
    }

    private static String inputShown(TensorNames names) {
        return TensorNames.shownWithGeneric(names.input(), INPUT_NAME);
    }

    /**
     * What one input tensor object held: its values, or, when they come as binary data, its dimensions and their
     * byte count (values null: no placeholder array for data that follows the JSON).
     */
    private record TensorRead(Tensor values, int[] binaryDims, long binarySize) {
    }

    /** {@code {"NAME": true, ...}}: whether the flag is there and true (other parameters are ignored). */
    private static boolean flag(JsonBytes r, String name) {
        if (r.peek() != '{') {
            throw bad("\"parameters\" must be an object");
        }
        r.expect('{');
        boolean on = false;
        if (r.consume('}')) {
            return false;
        }
        do {
            String key = r.string();
            r.expect(':');
            if (key.equals(name)) {
                if (r.peek() != 't' && r.peek() != 'f') {
                    throw bad("\"" + name + "\" must be true or false");
                }
                on = r.bool();
            } else {
                r.skipValue(2);
            }
        } while (r.more('}'));
        return on;
    }

    /**
     * The requested outputs: each must be ours (the last name given goes to {@code asked[0]}); true if one asks for
     * binary data.
     */
    private static boolean readOutputs(JsonBytes r, TensorNames names, String[] asked) {
        if (r.peek() != '[') {
            throw bad("\"outputs\" must be an array of {\"name\": ...} objects");
        }
        r.expect('[');
        boolean binary = false;
        if (r.consume(']')) {
            return false;
        }
        do {
            if (r.peek() != '{') {
                throw bad("\"outputs\" must be an array of {\"name\": ...} objects");
            }
            r.expect('{');
            if (!r.consume('}')) {
                do {
                    String key = r.string();
                    r.expect(':');
                    if (key.equals("name")) {
                        String n = r.peek() == '"' ? r.string() : null;
                        if (n == null || !names.isOutput(n)) {
                            throw bad("unknown output " + (n == null ? "name" : "\"" + shown(n) + "\"")
                                    + "; the model's output is " + TensorNames.shownWithGeneric(names.output(), OUTPUT_NAME));
                        }
                        asked[0] = n;
                    } else if (key.equals("parameters")) {
                        binary |= flag(r, "binary_data");
                    } else {
                        r.skipValue(3);
                    }
                } while (r.more('}'));
            }
        } while (r.more(']'));
        return binary;
    }

    /** Reads one tensor object (fields in any order), then checks name, datatype, shape and element count. */
    private static TensorRead readTensor(JsonBytes r, Shape sample, int maxSamples, TensorNames names) {
        if (r.peek() == ']' || r.peek() == -1) {
            throw r.syntax("expected a value");
        }
        if (r.peek() != '{') {
            throw bad("an input tensor must be an object with name, shape, datatype and data");
        }
        r.expect('{');
        String name = null;
        String datatype = null;
        List<Double> shape = null;
        Floats data = null;
        // the layout rule of JSON tensor files too (infer --input x.json): flat, a bare number, or nested as the shape
        TensorNesting nesting = new TensorNesting(Math.min(TensorNesting.MAX_DEPTH, sample.rank() + 1));
        long binarySize = -1;
        long cap = (long) maxSamples * sample.size();
        if (!r.consume('}')) {
            do {
                String key = r.string();
                r.expect(':');
                switch (key) {
                    case "name" -> {
                        name = r.peek() == '"' ? r.string() : skipNull(r);
                        if (name != null && !names.isInput(name)) {
                            throw bad("unknown input \"" + shown(name) + "\"; the model's input is " + inputShown(names));
                        }
                    }
                    case "datatype" -> {
                        once(datatype != null, key);
                        datatype = r.peek() == '"' ? r.string() : skipNull(r);
                        datatype = datatype == null ? "null" : datatype;
                    }
                    case "shape" -> {
                        once(shape != null, key);
                        if (r.peek() != '[') {
                            throw badInput("\"shape\" must be an array of dimensions");
                        }
                        r.expect('[');
                        shape = new ArrayList<>();
                        if (!r.consume(']')) {
                            do {
                                if (!r.atNumber() || shape.size() > 16) {
                                    throw badInput("\"shape\" must be an array of whole numbers");
                                }
                                shape.add(r.number());
                            } while (r.more(']'));
                        }
                    }
                    case "data" -> {
                        once(data != null, key);
                        data = readData(r, nesting, cap);
                    }
                    case "parameters" -> binarySize = binaryDataSize(r);
                    default -> r.skipValue(3);
                }
            } while (r.more('}'));
        }
        if (!FP32.equals(datatype)) {
            throw badInput("datatype must be FP32, got " + (datatype == null ? "none" : shown(datatype)));
        }
        if (shape == null) {
            throw badInput("\"shape\" must be an array of dimensions");
        }
        // the shape as the client wrote it, for messages only (built when one is needed)
        List<Double> given = shape;
        java.util.function.Supplier<String> shownShape = () -> given.stream()
                .map(d -> d == Math.rint(d) ? Long.toString(d.longValue()) : d.toString())
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
        int[] expected = sample.dims();
        if (shape.size() != expected.length + 1) {
            throw badInput("shape " + shownShape.get() + " does not match the model's input [N, " + join(expected)
                        + "]");
        }
        int[] dims = new int[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            double v = shape.get(i);
            if (v != Math.rint(v) || v < 1 || v > Integer.MAX_VALUE) {
                throw badInput("shape " + shownShape.get() + ": dimensions must be positive whole numbers");
            }
            dims[i] = (int) v;
            if (i > 0 && dims[i] != expected[i - 1]) {
                throw badInput("shape " + shownShape.get() + " does not match the model's input [N, " + join(expected)
                        + "]");
            }
        }
        if (dims[0] > maxSamples) {
            throw badInput("shape " + shownShape.get() + ": at most " + maxSamples + " samples per request");
        }
        long size = (long) dims[0] * sample.size();
        if (binarySize >= 0) {
            if (data != null) {
                throw badInput("the input has both \"data\" and binary_data_size");
            }
            if (binarySize != 4 * size) {
                throw badInput("binary_data_size is " + binarySize + " bytes, shape " + shownShape.get()
                        + " in FP32 needs " + 4 * size);
            }
            return new TensorRead(null, dims, binarySize);
        }
        if (data == null) {
            throw badInput("\"data\" must be an array of numbers");
        }
        if (data.size != size) {
            throw badInput("\"data\" has " + data.size + " numbers, shape " + shownShape.get() + " needs " + size);
        }
        long[] dimensions = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            dimensions[i] = dims[i];
        }
        try {
            nesting.check(dimensions, cap);
        } catch (IllegalArgumentException e) {
            throw badInput(e.getMessage());
        }
        return new TensorRead(Tensor.wrap(data.trimmed(), dims), null, -1);
    }

    /** A tensor's {@code "parameters"}: its binary_data_size, or -1 without one. */
    private static long binaryDataSize(JsonBytes r) {
        if (r.peek() != '{') {
            throw bad("\"parameters\" must be an object");
        }
        r.expect('{');
        long size = -1;
        if (r.consume('}')) {
            return -1;
        }
        do {
            String key = r.string();
            r.expect(':');
            if (key.equals("binary_data_size")) {
                double v = r.atNumber() ? r.number() : -1;
                if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE - 8) {
                    throw bad("binary_data_size must be a whole number of bytes");
                }
                size = (long) v;
            } else {
                r.skipValue(4);
            }
        } while (r.more('}'));
        return size;
    }

    private static String skipNull(JsonBytes r) {
        r.skipValue(3);
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

    /**
     * The numbers of {@code "data"}, in order, at most {@code cap} of them: an array (nested or not) or one bare number;
     * {@code nesting} sees every bracket and value, so the layout can be checked against the shape afterwards.
     */
    private static Floats readData(JsonBytes r, TensorNesting nesting, long cap) {
        int first = r.peek();
        if (first != '[' && first != '-' && (first < '0' || first > '9')) {
            throw badInput("\"data\" must be an array of numbers");
        }
        Floats out = new Floats();
        if (first != '[') { // one bare number (a one-element tensor)
            out.values[out.size++] = fp32(r);
            nesting.value();
            return out;
        }
        open(r, nesting);
        boolean opened = true; // right after '[': a ']' may close the array at once
        while (true) {
            boolean closed = opened && r.consume(']');
            if (closed) {
                nesting.close();
            } else {
                int c = r.peek();
                if (c == '[') {
                    open(r, nesting);
                    opened = true;
                    continue;
                }
                if (c == '-' || (c >= '0' && c <= '9')) {
                    float v = fp32(r);
                    if (out.size >= cap) {
                        throw badInput("\"data\" has more numbers than " + cap + " (the most samples per request)");
                    }
                    if (out.size == out.values.length) {
                        out.values = java.util.Arrays.copyOf(out.values, (int) Math.min(cap, 2L * out.values.length));
                    }
                    out.values[out.size++] = v;
                    nesting.value();
                } else if (c == '"' || c == '{' || c == 't' || c == 'f' || c == 'n') {
                    String kind = c == '"' ? "string" : c == '{' ? "object" : c == 'n' ? "null" : "boolean";
                    throw badInput("\"data\" holds " + kind + ", not a number");
                } else {
                    throw r.syntax("expected a number or '['");
                }
            }
            // after a value or a closed array: ',' and the next value, or ']'s closing arrays
            opened = false;
            while (nesting.depth() > 0 && !r.consume(',')) {
                if (!r.consume(']')) {
                    throw r.syntax("expected ',' or ']'");
                }
                nesting.close();
            }
            if (nesting.depth() == 0) {
                return out;
            }
        }
    }

    private static void open(JsonBytes r, TensorNesting nesting) {
        try {
            nesting.open();
        } catch (IllegalArgumentException e) { // nested more deeply than the shape can be
            throw badInput(e.getMessage() + " (the input's shape has " + nesting.maxDepth() + " dimensions)");
        }
        r.expect('[');
    }

    private static float fp32(JsonBytes r) {
        float v = (float) r.number();
        if (!Float.isFinite(v)) {
            throw badInput("\"data\" holds a number outside the FP32 range");
        }
        return v;
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

    /** How a response carries its output tensor. */
    public enum OutputFormat {
        /** The values as a JSON array ({@code "data"}). */
        JSON,
        /** The binary tensor data extension: a JSON header, then the raw little-endian FP32 values. */
        BINARY
    }

    /**
     * @deprecated {@code encodeResponse(..., true)} does not say what {@code true} is: use
     *             {@link #encodeResponse(String, String, Tensor, OutputFormat)}
     */
    @Deprecated
    public static Encoded encodeResponse(String modelName, String id, Tensor output, boolean binary) {
        return encodeResponse(modelName, id, output, binary ? OutputFormat.BINARY : OutputFormat.JSON);
    }

    /** A response as sent: its bytes and, for a binary one, how many of them are the JSON header (else -1). */
    public record Encoded(byte[] body, int jsonLength) {
    }

    /**
     * The response's bytes, written directly (no JSON tree): in JSON, or with {@code binary} the JSON header
     * ({@code "parameters": {"binary_data_size": N}} instead of {@code "data"}) followed by the raw little-endian
     * FP32 values, as the binary tensor data extension has it.
     */
    public static Encoded encodeResponse(String modelName, String id, Tensor output, OutputFormat format) {
        return encodeResponse(modelName, id, output, format, OUTPUT_NAME);
    }

    /** As above, the output tensor called {@code outputName} ({@link Request#outputName}). */
    public static Encoded encodeResponse(String modelName, String id, Tensor output, OutputFormat format,
                                         String outputName) {
        boolean binary = format == OutputFormat.BINARY;
        byte[] header = responseHeader(modelName, id, output, binary, outputName);
        if (!binary) {
            return new Encoded(header, -1);
        }
        byte[] all = java.util.Arrays.copyOf(header, header.length + 4 * output.size());
        java.nio.ByteBuffer.wrap(all, header.length, 4 * output.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer().put(output.data(), 0, output.size());
        return new Encoded(all, header.length);
    }

    private static byte[] responseHeader(String modelName, String id, Tensor output, boolean binary,
                                         String outputName) {
        StringBuilder b = new StringBuilder(64 + (binary ? 0 : 12 * output.size()));
        b.append("{\"model_name\":");
        quote(b, modelName);
        b.append(",\"model_version\":\"" + MODEL_VERSION + "\"");
        if (id != null) {
            b.append(",\"id\":");
            quote(b, id);
        }
        b.append(",\"outputs\":[{\"name\":");
        if (outputName == OUTPUT_NAME) { // NOPMD the constant itself: nothing to escape
            b.append("\"" + OUTPUT_NAME + "\"");
        } else {
            quote(b, outputName);
        }
        b.append(",\"datatype\":\"").append(FP32).append("\",\"shape\":[");
        int[] dims = output.shape().dims();
        for (int i = 0; i < dims.length; i++) {
            b.append(i > 0 ? "," : "").append(dims[i]);
        }
        b.append(']');
        if (binary) {
            b.append(",\"parameters\":{\"binary_data_size\":").append(4L * output.size()).append('}');
        } else {
            b.append(",\"data\":[");
            float[] d = output.data();
            for (int i = 0; i < output.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                float v = d[i];
                if (Float.isFinite(v)) {
                    b.append(v);
                } else {
                    b.append(v > 0 ? "\"inf\"" : v < 0 ? "\"-inf\"" : "\"nan\"");
                }
            }
            b.append(']');
        }
        b.append("}]}");
        return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A JSON string literal (quotes, backslashes and control characters escaped). */
    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
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

    /** Each of a tensor's shape, datatype and data at most once (as in a JSON tensor file). */
    private static void once(boolean seen, String key) {
        if (seen) {
            throw badInput("\"" + key + "\" is given twice");
        }
    }

    /**
     * The client's text in a refusal: at most 40 characters (a refusal is one short line, not an echo of the body),
     * control characters escaped (as a JSON tensor file's refusals show a file's text).
     */
    static String shown(String text) {
        String s = text.length() > 40 ? text.substring(0, 40) + "... (" + text.length() + " characters)" : text;
        return org.convnet4j.util.TerminalText.escape(s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"));
    }

    /**
     * A problem with the input tensor: {@link #readTensor} and what it calls do not know the model's names, so its
     * caller turns this into the 400 that names the input as the model does ({@link #badInput(TensorNames,
     * InputProblem)}): the names are needed only on the way out of a refusal, not passed along for every number.
     */
    private static InputProblem badInput(String problem) {
        return new InputProblem(problem);
    }

    /** The refusal of an input problem, the input named as the model names it (its only input). */
    private static ApiException badInput(TensorNames names, InputProblem problem) {
        return bad("input \"" + shown(names.input()) + "\": " + problem.getMessage());
    }

    /** A problem with the input tensor on its way to {@link #badInput(TensorNames, InputProblem)} (no stack trace). */
    private static final class InputProblem extends RuntimeException {
        InputProblem(String problem) {
            super(problem, null, false, false);
        }
    }

    private static String join(int[] dims) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            b.append(i > 0 ? ", " : "").append(dims[i]);
        }
        return b.toString();
    }
}
