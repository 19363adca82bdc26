package org.convnet4j.io;

import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.convnet4j.internal.json.Json;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.util.TerminalText;

/**
 * One tensor in a JSON file, as in an inference request: {@code {"shape": [2, 3], "datatype": "INT64", "data": [...]}}.
 * The file is read twice, streamed. The first pass checks the layout and counts the values without keeping them:
 * each key at most once, shape, datatype and data present, data laid out as {@link TensorNesting} says (flat, one
 * number for a one-element tensor, or nested exactly as the shape, at most {@value #MAX_RANK} levels: the server's v2
 * requests follow the same rule), numbers, booleans for BOOL, strings for BYTES (the v2 protocol's name for a STRING
 * tensor). Only then are the value
 * arrays allocated, of exactly the count, and the second pass stores the values, checking each against the datatype:
 * FP32 and FP64 values within their finite range, integer values whole and within the type's range, BYTES values
 * strings of Unicode text (no lone surrogate, which UTF-8 cannot hold). Every refusal is one line starting with the
 * file.
 *
 * <p>Memory: {@value #BYTES_PER_CHARACTER} bytes a byte of the file, checked against the budget before the first
 * pass. The first pass keeps nothing but the strings Gson builds for a key or the datatype (at most 6 bytes a
 * character while a string grows and is copied); the second holds the arrays, at most 12 bytes a value (a float and a
 * long or double), every value taking at least 2 characters ("0,"), plus the same strings again, so it too stays
 * within 8 bytes a byte of the file. Numbers are at most 1024 characters (Gson refuses longer ones in strict mode).
 * BYTES values are budgeted again after the first pass, before any is kept: {@value #BYTES_PER_STRING} bytes a
 * string (its object, its array and its slot) beside the 8 bytes a byte of the file (a string's characters take at
 * most 2 bytes each, fewer than the file's).
 */
final class JsonTensorFile {
    /** Deepest nesting of data, and the largest rank of shape. */
    static final int MAX_RANK = TensorNesting.MAX_DEPTH;
    /** Deepest nesting of a value under a key this reader does not use (skipped). */
    static final int MAX_SKIPPED_DEPTH = 64;
    /** Elements a JSON tensor file may hold (as {@code .npy} and TensorProto files). */
    static final long MAX_ELEMENTS = OnnxReader.MAX_ELEMENTS;
    /** Bytes of memory a byte of the file may cost while it is read (the class comment says why). */
    static final int BYTES_PER_CHARACTER = 8;
    /** Bytes of memory a BYTES value may cost besides its characters. */
    static final int BYTES_PER_STRING = 64;
    /** What a JSON tensor file holds, for messages refusing one that holds something else. */
    static final String EXAMPLE = "{\"shape\": [2, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4, 5, 6]}";

    private final Path file;
    private long[] shape;
    private String datatype;
    private int type = -1;
    private boolean sawData;
    private long count;
    private final TensorNesting nesting = new TensorNesting(MAX_RANK); // the rule the server's requests follow too
    // second pass only
    private float[] floats;
    private long[] longs;
    private double[] doubles;
    private String[] strings;
    private int stored;

    private JsonTensorFile(Path file) {
        this.file = file;
    }

    /** The first check of {@link #read}: a JSON tensor file of {@code size} bytes against the memory budget. */
    static void requireSize(Path file, long size) throws IOException {
        MemoryBudget.require(file + ": a JSON tensor of " + size + " bytes", MemoryBudget.bytesOf(BYTES_PER_CHARACTER, size));
    }

    static TensorData read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) { // read twice, and budgeted from its size: a device or a pipe has neither
            throw bad(file, Files.exists(file) ? "not a regular file" : "file not found");
        }
        long size = Files.size(file);
        requireSize(file, size);
        JsonTensorFile layout = new JsonTensorFile(file);
        layout.pass(false);
        layout.check();
        JsonTensorFile values = new JsonTensorFile(file);
        values.type = layout.type;
        int n = (int) layout.count;
        if (layout.type == OnnxModel.STRING) {
            MemoryBudget.require(file + ": a JSON tensor of " + size + " bytes holding " + n + " strings",
                    MemoryBudget.add(MemoryBudget.bytesOf(BYTES_PER_CHARACTER, size), MemoryBudget.bytesOf(BYTES_PER_STRING, n)));
            values.strings = new String[n];
            values.floats = new float[0];
        } else {
            values.floats = new float[n];
        }
        if (layout.type == OnnxModel.DOUBLE) {
            values.doubles = new double[n];
        } else if (!OnnxModel.isFloating(layout.type) && layout.type != OnnxModel.STRING) {
            values.longs = new long[n];
        }
        values.pass(true);
        if (values.stored != n || values.count != layout.count || values.type() != layout.type
                || !Arrays.equals(values.shape, layout.shape)) {
            throw bad(file, "the file changed while it was read");
        }
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        return new TensorData(name, layout.type, layout.shape, values.floats, values.longs, values.doubles,
                values.strings == null ? null : java.util.Arrays.asList(values.strings));
    }

    private int type() {
        return datatype == null ? -1 : typeOf(datatype);
    }

    private void pass(boolean store) throws IOException {
        try (JsonReader r = new JsonReader(Files.newBufferedReader(file))) {
            r.setStrictness(Strictness.STRICT);
            JsonToken top = r.peek();
            if (top != JsonToken.BEGIN_OBJECT) { // a bare array of numbers, most likely: say what the file must hold
                throw bad(file, "holds " + describe(top) + ", not a JSON tensor: the file must hold one object such as "
                        + EXAMPLE);
            }
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                switch (key) {
                    case "shape" -> {
                        once(shape != null, key);
                        shape = shape(r);
                    }
                    case "datatype" -> {
                        once(datatype != null, key);
                        if (r.peek() != JsonToken.STRING) {
                            throw bad(file, "datatype must be a string such as \"FP32\", not " + describe(r.peek()));
                        }
                        datatype = r.nextString();
                        if (!store) {
                            type = typeOf(datatype);
                        }
                    }
                    case "data" -> {
                        once(sawData, key);
                        sawData = true;
                        data(r, store);
                    }
                    default -> skip(r);
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw bad(file, "text after the tensor's closing brace");
            }
        } catch (JsonParseException | IllegalStateException | NumberFormatException | EOFException e) {
            // MalformedJsonException is an IOException that Gson throws for text that is not JSON
            throw notJson(e);
        } catch (com.google.gson.stream.MalformedJsonException e) {
            throw notJson(e);
        } catch (CharacterCodingException e) {
            throw bad(file, "not UTF-8 text (it holds bytes that UTF-8 does not allow; save the file as UTF-8)");
        }
    }

    private IllegalArgumentException notJson(Exception e) {
        return bad(file, "not a JSON tensor such as " + EXAMPLE + ": " + Json.syntaxError(e));
    }

    private void once(boolean seen, String key) {
        if (seen) {
            throw bad(file, key + " is given twice");
        }
    }

    private long[] shape(JsonReader r) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw bad(file, "shape must be an array of sizes, not " + describe(r.peek()));
        }
        long[] dims = new long[MAX_RANK];
        int rank = 0;
        r.beginArray();
        while (r.hasNext()) {
            if (rank == MAX_RANK) {
                throw bad(file, "shape has more than " + MAX_RANK + " dimensions");
            }
            if (r.peek() != JsonToken.NUMBER) {
                throw bad(file, "shape holds " + describe(r.peek()) + " where sizes are expected");
            }
            String text = r.nextString();
            long d;
            try {
                d = Long.parseLong(text);
            } catch (NumberFormatException e) {
                d = -1;
            }
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw bad(file, "shape holds " + clip(text) + ", not a size in 0.." + Integer.MAX_VALUE);
            }
            dims[rank++] = d;
        }
        r.endArray();
        return Arrays.copyOf(dims, rank);
    }

    /** Walks data without recursion: counts its values, notes its nesting, stores the values in the second pass. */
    private void data(JsonReader r, boolean store) throws IOException {
        do {
            JsonToken t = r.peek();
            if (t == JsonToken.BEGIN_ARRAY) {
                try {
                    nesting.open();
                } catch (IllegalArgumentException e) { // nested too deeply
                    throw bad(file, e.getMessage());
                }
                r.beginArray();
            } else if (t == JsonToken.END_ARRAY) {
                r.endArray();
                nesting.close();
            } else {
                value(r, t, store);
                nesting.value();
            }
        } while (nesting.depth() > 0);
    }

    private void value(JsonReader r, JsonToken t, boolean store) throws IOException {
        // the datatype may come after data: a string is refused here when it is known, in the second pass otherwise
        boolean strings = type == OnnxModel.STRING;
        if (t != JsonToken.NUMBER && t != JsonToken.BOOLEAN && t != JsonToken.STRING
                || t == JsonToken.STRING && (store || type >= 0) && !strings) {
            throw bad(file, "data holds " + describe(t) + " where " + (strings ? "strings" : "numbers") + " are expected");
        }
        if (strings && (store || type >= 0) && t != JsonToken.STRING) {
            throw bad(file, "BYTES data holds " + describe(t) + " where strings are expected");
        }
        if (++count > MAX_ELEMENTS) {
            throw bad(file, "data holds more than " + MAX_ELEMENTS + " values");
        }
        if (!store) {
            r.skipValue();
            return;
        }
        if (stored == (strings ? this.strings.length : floats.length)) {
            throw bad(file, "the file changed while it was read");
        }
        int i = stored++;
        if (strings) {
            String v = r.nextString();
            for (int k = 0; k < v.length(); k++) {
                char c = v.charAt(k);
                if (Character.isHighSurrogate(c) && k + 1 < v.length() && Character.isLowSurrogate(v.charAt(k + 1))) {
                    k++;
                } else if (Character.isSurrogate(c)) {
                    throw bad(file, "BYTES data holds a string with a lone surrogate (\\u" + Integer.toHexString(c)
                            + "), which is not Unicode text");
                }
            }
            this.strings[i] = v;
            return;
        }
        if (t == JsonToken.BOOLEAN) {
            if (type != OnnxModel.BOOL) { // as the server's v2 requests: true and false are BOOL values only
                throw bad(file, datatype + " data holds a boolean where numbers are expected");
            }
            long b = r.nextBoolean() ? 1 : 0;
            floats[i] = b;
            if (longs != null) {
                longs[i] = b;
            } else if (doubles != null) {
                doubles[i] = b;
            }
            return;
        }
        String text = r.nextString(); // exact: integers of 64 bits, and doubles rounded once
        if (OnnxModel.isFloating(type)) {
            double d = Double.parseDouble(text);
            float f = (float) d;
            if (type == OnnxModel.DOUBLE ? !Double.isFinite(d) : !Float.isFinite(f)) {
                throw bad(file, datatype + " data holds " + clip(text) + ", beyond the range of " + datatype + " (+-"
                        + (type == OnnxModel.DOUBLE ? String.valueOf(Double.MAX_VALUE) : String.valueOf(Float.MAX_VALUE)) + ")");
            }
            floats[i] = f;
            if (doubles != null) {
                doubles[i] = d;
            }
            return;
        }
        long[] range = range(type);
        long v;
        try {
            v = Long.parseLong(text);
        } catch (NumberFormatException e) {
            v = whole(text, range);
        }
        if (v < range[0] || v > range[1]) {
            throw outside(text, range);
        }
        longs[i] = v;
        floats[i] = v;
    }

    /** A number written with a fraction or an exponent, or beyond 64 bits, as an integer if it is one exactly. */
    private long whole(String text, long[] range) {
        BigDecimal b;
        try {
            b = new BigDecimal(text); // Gson hands over at most 1024 characters
        } catch (NumberFormatException | ArithmeticException e) {
            throw outside(text, range); // an exponent beyond 32 bits
        }
        try {
            return b.longValueExact();
        } catch (ArithmeticException e) {
            if (b.stripTrailingZeros().scale() <= 0) { // whole, beyond 64 bits
                throw outside(text, range);
            }
            throw bad(file, datatype + " data holds a value that is not a whole number (" + clip(text) + ")");
        }
    }

    private IllegalArgumentException outside(String text, long[] range) {
        return bad(file, datatype + " data holds " + clip(text) + ", outside " + range[0] + ".." + range[1]);
    }

    /** Skips a value under a key this reader does not use, without recursion and at most so deep. */
    private void skip(JsonReader r) throws IOException {
        int depth = 0;
        do {
            switch (r.peek()) {
                case BEGIN_ARRAY, BEGIN_OBJECT -> {
                    if (++depth > MAX_SKIPPED_DEPTH) {
                        throw bad(file, "a value nests deeper than " + MAX_SKIPPED_DEPTH + " levels");
                    }
                    if (r.peek() == JsonToken.BEGIN_ARRAY) {
                        r.beginArray();
                    } else {
                        r.beginObject();
                    }
                }
                case END_ARRAY -> {
                    r.endArray();
                    depth--;
                }
                case END_OBJECT -> {
                    r.endObject();
                    depth--;
                }
                default -> r.skipValue(); // a name, string, number, boolean or null
            }
        } while (depth > 0);
    }

    /** After the first pass: what is there, the datatype known, and data laid out as the shape. */
    private void check() {
        if (shape == null || datatype == null || !sawData) {
            throw bad(file, "a JSON tensor needs shape, datatype and data");
        }
        if (type < 0) {
            throw bad(file, "datatype '" + clip(datatype) + "' is not one of FP32, FP64, INT64, INT32, INT16, INT8,"
                    + " UINT8, BOOL, BYTES" + (datatype.equals("STRING") ? " (BYTES holds strings)" : ""));
        }
        try {
            nesting.check(shape, MAX_ELEMENTS);
        } catch (IllegalArgumentException e) {
            throw bad(file, e.getMessage());
        }
    }

    static int typeOf(String datatype) {
        return switch (datatype) {
            case "FP32" -> OnnxModel.FLOAT;
            case "FP64" -> OnnxModel.DOUBLE;
            case "INT64" -> OnnxModel.INT64;
            case "INT32" -> OnnxModel.INT32;
            case "INT16" -> OnnxModel.INT16;
            case "INT8" -> OnnxModel.INT8;
            case "UINT8" -> OnnxModel.UINT8;
            case "BOOL" -> OnnxModel.BOOL;
            case "BYTES" -> OnnxModel.STRING;
            default -> -1;
        };
    }

    static long[] range(int type) {
        return switch (type) {
            case OnnxModel.BOOL -> new long[] {0, 1};
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

    private static String describe(JsonToken t) {
        return switch (t) {
            case BEGIN_ARRAY -> "an array";
            case BEGIN_OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> t.toString();
        };
    }

    /** Text from the file for a message: at most 40 characters, on one line, nothing a terminal would act on. */
    private static String clip(String text) {
        return oneLine(text.length() > 40 ? text.substring(0, 40) + "... (" + text.length() + " characters)" : text);
    }

    private static String oneLine(String s) {
        return TerminalText.escape(s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"));
    }

    private static IllegalArgumentException bad(Path file, String problem) {
        return new IllegalArgumentException(file + ": " + problem);
    }
}
