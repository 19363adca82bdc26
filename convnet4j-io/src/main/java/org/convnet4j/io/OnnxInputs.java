package org.convnet4j.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxProgram;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.util.MemoryBudget;

/**
 * Input values for an ONNX model read from files with their element type kept, so that a model whose inputs are
 * integer (indices into an embedding, shapes, sizes) can be run on them ({@link OnnxProgram#run}): {@link #read}
 * takes TensorProto ({@code .pb}) or NumPy ({@code .npy}) files, {@link #conform} checks a value against the input the
 * model declares and converts an integer to the declared width. Every refusal is one line naming the file.
 *
 * <pre>
 *   OnnxModel.Model m = OnnxReader.readModel(Path.of("model.onnx"));
 *   OnnxProgram p = OnnxImporter.importProgram(m, "model.onnx");
 *   List&lt;OnnxModel.ValueInfo&gt; declared = OnnxInputs.declared(m);
 *   TensorData ids = OnnxInputs.conform(OnnxInputs.read(Path.of("ids.npy")), declared.get(0), "ids.npy");
 *   List&lt;TensorData&gt; outputs = p.run(List.of(ids));
 * </pre>
 */
public final class OnnxInputs {
    private OnnxInputs() {
    }

    /** The model's run-time inputs in order (a graph input that is also an initializer, as IR below 4 lists, is not). */
    public static List<OnnxModel.ValueInfo> declared(OnnxModel.Model model) {
        Set<String> initializers = new HashSet<>();
        for (TensorData t : model.graph().initializers()) {
            initializers.add(t.name());
        }
        List<OnnxModel.ValueInfo> inputs = new ArrayList<>();
        for (OnnxModel.ValueInfo v : model.graph().inputs()) {
            if (!initializers.contains(v.name())) {
                inputs.add(v);
            }
        }
        return inputs;
    }

    /** True when some run-time input of {@code model} is not floating point (integer or boolean). */
    public static boolean hasNonFloatInput(OnnxModel.Model model) {
        for (OnnxModel.ValueInfo v : declared(model)) {
            if (v.elemType() != 0 && !OnnxModel.isFloating(v.elemType())) {
                return true;
            }
        }
        return false;
    }

    /**
     * A tensor file with its element type, by its suffix: {@code .npy}; {@code .json}, one tensor as in an inference
     * request ({@code {"shape": [2, 5], "datatype": "INT64", "data": [...]}}, data flat or nested, datatype one of FP32,
     * FP64, INT64, INT32, INT16, INT8, UINT8, BOOL); a TensorProto otherwise.
     */
    public static TensorData read(Path file) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".npy") ? Npy.readData(file) : name.endsWith(".json") ? readJson(file)
                : OnnxReader.readTensor(file);
    }

    /** Elements a JSON tensor file may hold (as {@code .npy} and TensorProto files). */
    static final long MAX_JSON_ELEMENTS = OnnxReader.MAX_ELEMENTS;

    private static TensorData readJson(Path file) throws IOException {
        long size = java.nio.file.Files.size(file);
        // the text is streamed; the values it may hold are bounded by its length (a number takes at least 2 bytes)
        MemoryBudget.require(file + ": a JSON tensor of " + size + " bytes", MemoryBudget.bytesOf(16, size / 2 + 1));
        long[] shape = null;
        String datatype = null;
        double[] values = new double[16];
        long[] ints = new long[16];
        boolean[] whole = new boolean[16];
        int count = 0;
        boolean sawData = false;
        try (JsonReader r = new JsonReader(java.nio.file.Files.newBufferedReader(file))) {
            r.setStrictness(Strictness.STRICT);
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                switch (key) {
                    case "shape" -> {
                        List<Long> dims = new ArrayList<>();
                        r.beginArray();
                        while (r.hasNext()) {
                            dims.add(r.nextLong());
                        }
                        r.endArray();
                        shape = dims.stream().mapToLong(Long::longValue).toArray();
                    }
                    case "datatype" -> datatype = r.nextString();
                    case "data" -> {
                        sawData = true;
                        int depth = 0;
                        do {
                            JsonToken t = r.peek();
                            if (t == JsonToken.BEGIN_ARRAY) {
                                if (++depth > 32) {
                                    throw new IllegalArgumentException(file + ": data nests deeper than 32 arrays");
                                }
                                r.beginArray();
                            } else if (t == JsonToken.END_ARRAY) {
                                depth--;
                                r.endArray();
                            } else {
                                if (count == values.length) {
                                    if (count >= MAX_JSON_ELEMENTS) {
                                        throw new IllegalArgumentException(file + ": more than " + MAX_JSON_ELEMENTS
                                                + " values");
                                    }
                                    values = Arrays.copyOf(values, (int) Math.min(MAX_JSON_ELEMENTS, 2L * count));
                                    ints = Arrays.copyOf(ints, values.length);
                                    whole = Arrays.copyOf(whole, values.length);
                                }
                                if (t == JsonToken.BOOLEAN) {
                                    ints[count] = r.nextBoolean() ? 1 : 0;
                                    values[count] = ints[count];
                                    whole[count] = true;
                                } else if (t == JsonToken.NUMBER) {
                                    String text = r.nextString(); // exact for integers of 64 bits
                                    values[count] = Double.parseDouble(text);
                                    try {
                                        ints[count] = Long.parseLong(text);
                                        whole[count] = true;
                                    } catch (NumberFormatException e) {
                                        whole[count] = false; // checked for integer types below
                                    }
                                } else {
                                    throw new IllegalArgumentException(file + ": data holds " + t
                                            + " where numbers are expected");
                                }
                                count++;
                            }
                        } while (depth > 0);
                    }
                    default -> r.skipValue();
                }
            }
            r.endObject();
        } catch (com.google.gson.JsonParseException | IllegalStateException | NumberFormatException
                 | java.io.EOFException | com.google.gson.stream.MalformedJsonException e) {
            throw new IllegalArgumentException(file + ": not a JSON tensor {\"shape\", \"datatype\", \"data\"}: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (shape == null || datatype == null || !sawData) {
            throw new IllegalArgumentException(file + ": a JSON tensor needs shape, datatype and data");
        }
        int type = switch (datatype) {
            case "FP32" -> OnnxModel.FLOAT;
            case "FP64" -> OnnxModel.DOUBLE;
            case "INT64" -> OnnxModel.INT64;
            case "INT32" -> OnnxModel.INT32;
            case "INT16" -> OnnxModel.INT16;
            case "INT8" -> OnnxModel.INT8;
            case "UINT8" -> OnnxModel.UINT8;
            case "BOOL" -> OnnxModel.BOOL;
            default -> throw new IllegalArgumentException(file + ": datatype '" + datatype + "' is not one of FP32,"
                    + " FP64, INT64, INT32, INT16, INT8, UINT8, BOOL");
        };
        long elements = 1;
        for (long d : shape) {
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(file + ": shape " + Arrays.toString(shape) + " has a dimension"
                        + " outside 0.." + Integer.MAX_VALUE);
            }
            elements = Math.min(Long.MAX_VALUE / Integer.MAX_VALUE, elements * d);
        }
        if (elements != count) {
            throw new IllegalArgumentException(file + ": shape " + Arrays.toString(shape) + " needs " + elements
                    + " values, data has " + count);
        }
        float[] f = new float[count];
        for (int i = 0; i < count; i++) {
            f[i] = (float) values[i];
        }
        if (OnnxModel.isFloating(type)) {
            return new TensorData(file.getFileName().toString(), type, shape, f, null,
                    type == OnnxModel.DOUBLE ? Arrays.copyOf(values, count) : null);
        }
        long[] range = type == OnnxModel.BOOL ? new long[] {0, 1} : range(type);
        for (int i = 0; i < count; i++) {
            if (!whole[i] || ints[i] < range[0] || ints[i] > range[1]) {
                throw new IllegalArgumentException(file + ": " + datatype + " data holds " + (!whole[i]
                        ? "a value that is not a whole number (" + values[i] + ")" : ints[i] + ", outside " + range[0]
                        + ".." + range[1]));
            }
        }
        return new TensorData(file.getFileName().toString(), type, shape, f, Arrays.copyOf(ints, count));
    }

    /**
     * {@code value} as the input {@code declared}: the same kind (floating, integer or boolean); an integer converted
     * to the declared integer type when every element fits it; the declared rank and every fixed dimension.
     *
     * @throws IllegalArgumentException starting with {@code source} (the file) when the value does not fit
     */
    public static TensorData conform(TensorData value, OnnxModel.ValueInfo declared, String source) {
        int want = declared.elemType();
        String what = source + ": input '" + declared.name() + "' ";
        if (want != 0 && kind(want) != kind(value.dataType())) {
            throw new IllegalArgumentException(what + "is " + OnnxModel.typeName(want) + ", the file holds "
                    + OnnxModel.typeName(value.dataType()) + " values");
        }
        if (declared.hasShape()) {
            long[] dims = declared.dims();
            boolean fits = dims.length == value.dims().length;
            for (int i = 0; fits && i < dims.length; i++) {
                fits = dims[i] <= 0 || dims[i] == value.dims()[i];
            }
            if (!fits) {
                throw new IllegalArgumentException(what + "has shape " + shapeText(dims) + ", the file holds "
                        + Arrays.toString(value.dims()));
            }
        }
        if (want == 0 || want == value.dataType() || kind(want) != 1) {
            return value;
        }
        long[] range = range(want);
        for (long v : value.longs()) {
            if (v < range[0] || v > range[1]) {
                throw new IllegalArgumentException(what + "is " + OnnxModel.typeName(want) + ", the file holds " + v
                        + ", outside " + range[0] + ".." + range[1]);
            }
        }
        return new TensorData(declared.name(), want, value.dims(), value.floats(), value.longs());
    }

    private static int kind(int type) {
        return OnnxModel.isFloating(type) ? 0 : type == OnnxModel.BOOL ? 2 : 1;
    }

    private static long[] range(int type) {
        return switch (type) {
            case OnnxModel.INT8 -> new long[] {Byte.MIN_VALUE, Byte.MAX_VALUE};
            case OnnxModel.UINT8 -> new long[] {0, 255};
            case OnnxModel.INT16 -> new long[] {Short.MIN_VALUE, Short.MAX_VALUE};
            case OnnxModel.UINT16 -> new long[] {0, 65535};
            case OnnxModel.INT32 -> new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE};
            case OnnxModel.UINT32 -> new long[] {0, 0xFFFFFFFFL};
            case OnnxModel.UINT64 -> new long[] {0, Long.MAX_VALUE};
            default -> new long[] {Long.MIN_VALUE, Long.MAX_VALUE};
        };
    }

    private static String shapeText(long[] dims) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            b.append(i > 0 ? ", " : "").append(dims[i] > 0 ? Long.toString(dims[i]) : "?");
        }
        return b.append(']').toString();
    }
}
