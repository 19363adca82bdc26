package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.convnet4j.io.OnnxInputs;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One rule for JSON tensors: the same shape and data, as a v2 inference request and as a JSON tensor file
 * ({@code infer --input x.json}, {@link OnnxInputs#read}), are read or refused alike, with the same values when read.
 * The server's refusal is one line naming the input; the file's starts with the file.
 */
class JsonTensorRuleTest {
    @TempDir
    Path dir;

    /** shape, data, and null if both read it, else a part both refusals hold. */
    private static final String[][] CASES = {
        {"[1,1,2,3]", "[1,2,3,4,5,6]", null},
        {"[1,1,2,3]", "[[[[1,2,3],[4,5,6]]]]", null},
        {"[2,1,2,3]", "[1,2,3,4,5,6,7,8,9,10,11,12]", null},
        {"[2,1,2,3]", "[[[[1,2,3],[4,5,6]]],[[[7,8,9],[10,11,12]]]]", null},
        {"[1,1,1,1]", "7.5", null}, // one bare number for a one-element tensor
        {"[1,1,1,1]", "[[[[7.5]]]]", null},
        // nested otherwise than the shape (the server used to read these as if flat)
        {"[2,1,2,3]", "[[1,2,3,4,5,6],[7,8,9,10,11,12]]", "data is nested as [2, 6], the shape is [2, 1, 2, 3]"},
        {"[1,1,2,3]", "[[[1,2],[3,4],[5,6]]]", "data is nested as [1, 3, 2], the shape is [1, 1, 2, 3]"},
        {"[1,1,2,3]", "[[[[1,2,3]],[[4,5,6]]]]", "data is nested as [1, 2, 1, 3]"},
        {"[1,1,2,3]", "[[1,2,3],[4,5,6]]", "data is nested as [2, 3]"},
        // uneven or mixed
        {"[1,1,2,3]", "[[[[1,2,3],[4,5]],[[6]]]]", "uneven"},
        {"[1,1,2,3]", "[[[[1,2,3],4,5,6]]]", "uneven"},
        {"[1,1,2,3]", "[1,2,3,[4,5,6]]", "uneven"},
        {"[1,1,2,3]", "[[],[1,2,3,4,5,6]]", "uneven"},
        {"[1,1,2,3]", "[[1,2,3,4,5,6],[]]", "uneven"},
        // deeper than the shape, and counts other than the shape's
        {"[1,1,2,3]", "[[[[[1,2,3,4,5,6]]]]]", "nested"},
        {"[1,1,2,3]", "[1,2,3,4,5]", "5"},
        {"[1,1,1,1]", "[]", "0"},
        // values: booleans are BOOL's, FP32 holds numbers
        {"[1,1,1,1]", "[true]", "boolean"},
    };

    private static String request(String shape, String data) {
        return "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":" + shape + ",\"data\":" + data + "}]}";
    }

    private static String file(String shape, String data) {
        return "{\"shape\":" + shape + ",\"datatype\":\"FP32\",\"data\":" + data + "}";
    }

    private static Shape sampleOf(String shape) {
        int[] d = Arrays.stream(shape.substring(1, shape.length() - 1).split(",")).mapToInt(Integer::parseInt).toArray();
        return Shape.of(Arrays.copyOfRange(d, 1, d.length));
    }

    /** The server's reading: the values, or its refusal's message. */
    private static Object serve(byte[] body, Shape sample) {
        try {
            return InferenceProtocol.parseRequest(body, -1, sample, 4).input().data();
        } catch (ApiException e) {
            assertEquals(400, e.status());
            return e.getMessage();
        }
    }

    /** The file reader's reading: the values, or its refusal's message. */
    private Object read(String name, byte[] text) throws IOException {
        Path f = dir.resolve(name + ".json");
        Files.write(f, text);
        try {
            return OnnxInputs.read(f).floats();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
            return e.getMessage();
        }
    }

    private static void oneLine(String m) {
        assertFalse(m.contains("\n") || m.contains("\r"), m);
    }

    @Test
    void theServerAndTheFileReaderAcceptAndRefuseTheSameNesting() throws IOException {
        java.util.List<String> wrong = new java.util.ArrayList<>();
        for (int i = 0; i < CASES.length; i++) {
            String shape = CASES[i][0];
            String data = CASES[i][1];
            String part = CASES[i][2];
            String what = "case " + i + ": shape " + shape + ", data " + data;
            Object server = serve(request(shape, data).getBytes(StandardCharsets.UTF_8), sampleOf(shape));
            Object file = read("case" + i, file(shape, data).getBytes(StandardCharsets.UTF_8));
            if (part == null) {
                if (server instanceof float[] s && file instanceof float[] f) {
                    assertArrayEquals(f, s, what);
                } else {
                    wrong.add(what + ": both should read it; server: " + shown(server) + ", file: " + shown(file));
                }
            } else if (server instanceof String s && file instanceof String f) {
                oneLine(s);
                oneLine(f);
                if (!s.startsWith("input \"input\": ") || !s.contains(part) || !f.contains(part)) {
                    wrong.add(what + ": both refusals should hold '" + part + "' (the server's naming the input); server: "
                            + s + ", file: " + f);
                }
            } else {
                wrong.add(what + ": both should refuse it; server: " + shown(server) + ", file: " + shown(file));
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    private static String shown(Object reading) {
        return reading instanceof float[] v ? "read " + Arrays.toString(v) : (String) reading;
    }

    @Test
    void aByteOrderMarkAtTheStartIsSkippedByBothAndNowhereElse() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String shape = "[1,1,2,3]";
        String data = "[[[[1,2,3],[4,5,6]]]]";
        Object server = serve(concat(bom, request(shape, data)), sampleOf(shape));
        Object file = read("bom", concat(bom, file(shape, data)));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, (float[]) server);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, (float[]) file);
        // a mark anywhere else is not JSON, for both
        String laterRequest = request(shape, data).replace("{\"inputs\"", "{ \uFEFF\"inputs\"");
        String laterFile = file(shape, data).replace("{\"shape\"", "{ \uFEFF\"shape\"");
        Object s = serve(laterRequest.getBytes(StandardCharsets.UTF_8), sampleOf(shape));
        Object f = read("late", laterFile.getBytes(StandardCharsets.UTF_8));
        assertTrue(s instanceof String m && m.contains("not valid JSON"), String.valueOf(s));
        assertTrue(f instanceof String m && m.contains("not a JSON tensor"), String.valueOf(f));
        // two marks: the second is refused
        Object twice = serve(concat(bom, new String(concat(bom, request(shape, data)), StandardCharsets.UTF_8)),
                sampleOf(shape));
        assertTrue(twice instanceof String, String.valueOf(twice));
    }

    @Test
    void aKeyGivenTwiceIsRefusedByBoth() throws IOException {
        String shape = "[1,1,1,1]";
        for (String key : new String[] {"data", "shape", "datatype"}) {
            String value = key.equals("data") ? "[2]" : key.equals("shape") ? "[1,1,1,1]" : "\"FP32\"";
            String extra = ",\"" + key + "\":" + value;
            Object server = serve(request(shape, "[1]").replace("]}]}", "]" + extra + "}]}")
                    .getBytes(StandardCharsets.UTF_8), sampleOf(shape));
            Object file = read("twice-" + key, file(shape, "[1]").replace("]}", "]" + extra + "}")
                    .getBytes(StandardCharsets.UTF_8));
            assertTrue(server instanceof String m && m.startsWith("input \"input\": ") && m.contains("given twice"),
                    key + ": " + server);
            assertTrue(file instanceof String m && m.contains(key + " is given twice"), key + ": " + file);
        }
    }

    private static byte[] concat(byte[] a, String b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
