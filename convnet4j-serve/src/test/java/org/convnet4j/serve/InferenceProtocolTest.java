package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The byte-level request parser against the JDK's number parser and Gson, and the binary tensor extension. */
class InferenceProtocolTest {
    private static final Shape SAMPLE = Shape.of(1, 2, 3);

    private static InferenceProtocol.Request parse(String json) {
        return InferenceProtocol.parseRequest(json.getBytes(StandardCharsets.UTF_8), -1, SAMPLE, 4);
    }

    private static String message(String json) {
        return assertThrows(ApiException.class, () -> parse(json)).getMessage();
    }

    private static double number(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        JsonBytes r = new JsonBytes(b, b.length);
        double v = r.number();
        r.expectEnd();
        return v;
    }

    @Test
    void numbersAreReadExactlyAsDoubleParseDoubleReadsThem() {
        Random r = new Random(5);
        String[] fixed = {"0", "-0", "1", "-1", "0.1", "0.30000000000000004", "1e22", "1e23", "1E-22", "9007199254740993",
            "123456789012345678901234567890", "4.9e-324", "2.2250738585072014E-308", "1.7976931348623157e308",
            "0.000000000000000000000000001234", "3.4028235e38", "1.4e-45", "100000000000000000000000", "12.5e+3",
            "0e999999", "1e-999999"};
        for (String s : fixed) {
            assertEquals(Double.parseDouble(s), number(s), s);
            assertEquals(Double.doubleToRawLongBits(Double.parseDouble(s)), Double.doubleToRawLongBits(number(s)), s);
        }
        for (int i = 0; i < 200_000; i++) {
            String s = switch (i % 5) {
                case 0 -> Float.toString((float) (r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10)));
                case 1 -> Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20));
                case 2 -> String.format(Locale.ROOT, "%." + r.nextInt(12) + "f", r.nextDouble() * 1000 - 500);
                case 3 -> (r.nextBoolean() ? "-" : "") + r.nextInt(1_000_000) + "." + r.nextInt(1_000_000) + "e"
                        + (r.nextInt(60) - 30);
                default -> Long.toString(r.nextLong() >> r.nextInt(64));
            };
            // JSON has no exponent with a '+' from Double.toString, but Java's "1.0E-5" form is valid JSON
            assertEquals(Double.doubleToRawLongBits(Double.parseDouble(s)), Double.doubleToRawLongBits(number(s)), s);
        }
    }

    /**
     * Runs of digits of every length from 1 to 40 in the integer part and the fraction, with leading zeros in the
     * fraction, so that the eight-digits-at-a-time reading meets every split: a run shorter than eight, a block of
     * eight ending exactly at the end of the text or before '.', 'e', ',' or ']', a non-digit at each position of the
     * eight bytes, and the significant-digit count crossing 15 and 18 inside a block. Each must be read as
     * Double.parseDouble reads it, and inside a data array as (float) of that.
     */
    @Test
    void digitRunsOfEveryLengthAndSplitAreReadAsParseDoubleReadsThem() {
        Random r = new Random(18);
        StringBuilder data = new StringBuilder("[");
        java.util.List<Float> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            StringBuilder s = new StringBuilder(r.nextInt(4) == 0 ? "-" : "");
            int whole = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(40);
            s.append(whole == 0 ? "0" : Integer.toString(1 + r.nextInt(9)));
            for (int k = 1; k < whole; k++) {
                s.append((char) ('0' + r.nextInt(10)));
            }
            if (r.nextInt(4) != 0) {
                s.append('.');
                int zeros = r.nextInt(3) == 0 ? r.nextInt(20) : 0;
                s.append("0".repeat(zeros));
                int fraction = 1 + r.nextInt(40);
                for (int k = 0; k < fraction; k++) {
                    s.append((char) ('0' + r.nextInt(10)));
                }
            }
            if (r.nextInt(5) == 0) {
                s.append(r.nextBoolean() ? 'e' : 'E').append(r.nextBoolean() ? "-" : "").append(r.nextInt(30));
            }
            String t = s.toString();
            assertEquals(Double.doubleToRawLongBits(Double.parseDouble(t)), Double.doubleToRawLongBits(number(t)), t);
            float f = (float) Double.parseDouble(t);
            if (Float.isFinite(f) && expected.size() < 6 * 4) {
                data.append(expected.isEmpty() ? "" : ",").append(t);
                expected.add(f);
            }
        }
        // in a data array the same numbers end at ',' and ']' instead of the end of the text
        for (int k = 0; expected.size() < 6 * 4; k++) {
            data.append(",12345678.123456789");
            expected.add((float) 12345678.123456789);
        }
        float[] want = new float[expected.size()];
        for (int i = 0; i < want.length; i++) {
            want[i] = expected.get(i);
        }
        InferenceProtocol.Request req = parse("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
                + "\"shape\":[4,1,2,3],\"data\":" + data + "]}]}");
        assertArrayEquals(want, req.input().data());
        // a digit block cut by a non-digit at each of its eight positions
        for (int cut = 0; cut < 8; cut++) {
            String t = "0." + "1234567".substring(0, cut) + "x" + "98765432";
            assertThrows(ApiException.class, () -> number(t), t);
            String u = "0." + "12345678".substring(0, cut);
            if (cut > 0) {
                assertEquals(Double.parseDouble(u), number(u + " "), u);
            }
        }
    }

    @Test
    void dataEqualsWhatGsonReads() {
        Random r = new Random(6);
        Tensor x = Tensor.uniform(r, -3, 3, 2, 1, 2, 3);
        String body = InferenceProtocol.request(x, "a\"b").toString();
        InferenceProtocol.Request req = parse(body);
        assertArrayEquals(x.data(), req.input().data());
        assertArrayEquals(new int[] {2, 1, 2, 3}, req.input().shape().dims());
        assertEquals("a\"b", req.id());
        assertFalse(req.binaryOutput());
        // nested data, whitespace everywhere, unknown fields skipped, numeric id kept as written
        InferenceProtocol.Request nested = parse(" {\n\"parameters\" : {\"x\": [1, {\"y\": null}], \"z\": \"\\u00e9\"},"
                + " \"id\": 17, \"inputs\" : [ { \"datatype\": \"FP32\", \"shape\": [1, 1, 2, 3], \"name\": \"input\","
                + " \"data\": [[[ [1, 2.5, -3e0], [4, 5, 6 ] ]]] } ] } \t");
        assertArrayEquals(new float[] {1, 2.5f, -3, 4, 5, 6}, nested.input().data());
        assertEquals("17", nested.id());
    }

    @Test
    void brokenJsonIsRefusedWithThePlace() {
        String ok = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,2,3],\"data\":[1,2,3,4,5,6]}]}";
        assertEquals(6, parse(ok).input().size());
        String[] broken = {
            ok.replace("[1,2,3", "[01,2,3"), ok.replace("[1,2,3", "[1.,2,3"), ok.replace("[1,2,3", "[+1,2,3"),
            ok.replace("[1,2,3", "[1,,2,3"), ok.replace("5,6]", "5,6,]"), ok.replace("}]}", "},]}"),
            ok.replace("\"inputs\"", "'inputs'"), ok.replace("[1,2,3", "[NaN,2,3"), ok.replace("[1,2,3", "[1e,2,3"),
            ok.replace("\"input\"", "\"in\tput\""), ok.replace("\"input\"", "\"in\\xput\""), ok + "x",
            ok.substring(0, ok.length() - 1), ok.replace("5,6]", "5 6]"), ok.replace("[1,2,3", "[-,2,3"),
        };
        for (String b : broken) {
            String m = message(b);
            assertTrue(m.contains("not valid JSON") && m.contains("byte"), b + " -> " + m);
        }
        assertTrue(message("[1]").contains("must be a JSON object"));
        assertTrue(message(ok.replace("[1,2,3", "[\"1\",2,3")).contains("holds string"));
        assertTrue(message(ok.replace("[1,2,3", "[true,2,3")).contains("holds boolean"));
        assertTrue(message(ok.replace("[1,2,3", "[1e39,2,3")).contains("outside the FP32 range"));
        assertTrue(message(ok.replace("6]", "[[[[6]]]]]")).contains("nested more deeply"));
        assertTrue(message(ok.replace("5,6]", "5]")).contains("\"data\" has 5 numbers"));
        assertTrue(message("{\"inputs\": []}").contains("got 0"));
        assertTrue(message("{\"x\": " + "[".repeat(300) + "]".repeat(300) + ", \"inputs\": []}").contains("nesting"));
        assertTrue(message(ok.replace("\"input\",", "\"input\",\"parameters\":{\"binary_data_size\":24},"))
                .contains("both"));
        assertTrue(message(ok.replace("}]}", "}],\"outputs\":[{\"name\":\"probs\"}]}")).contains("unknown output"));
    }

    /** The extension's layout: JSON header, then the raw little-endian bytes; returns the whole body. */
    private static byte[] binaryBody(String header, float[] values) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(h.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(h);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    @Test
    void binaryTensorDataInAndOut() {
        float[] v = {1.5f, -2, 3, Float.MIN_VALUE, 5e-3f, 6e20f};
        String header = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,2,3],"
                + "\"parameters\":{\"binary_data_size\":24}}],\"parameters\":{\"binary_data_output\":true}}";
        int length = header.getBytes(StandardCharsets.UTF_8).length;
        byte[] body = binaryBody(header, v);
        InferenceProtocol.Request req = InferenceProtocol.parseRequest(body, length, SAMPLE, 4);
        assertArrayEquals(v, req.input().data());
        assertTrue(req.binaryOutput());
        assertNull(req.id());

        // wrong sizes: declared vs shape, declared vs bytes present, no header, extra bytes without a binary tensor
        assertTrue(assertThrows(ApiException.class, () -> InferenceProtocol.parseRequest(
                binaryBody(header.replace("24", "20"), v), length, SAMPLE, 4)).getMessage().contains("needs 24"));
        assertTrue(assertThrows(ApiException.class, () -> InferenceProtocol.parseRequest(
                java.util.Arrays.copyOf(body, body.length - 4), length, SAMPLE, 4)).getMessage().contains("20 bytes follow"));
        assertTrue(assertThrows(ApiException.class, () -> InferenceProtocol.parseRequest(
                body, -1, SAMPLE, 4)).getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(ApiException.class, () -> InferenceProtocol.parseRequest(
                body, body.length + 1, SAMPLE, 4)).getMessage().contains("Inference-Header-Content-Length"));
        float[] nan = v.clone();
        nan[2] = Float.NaN;
        assertTrue(assertThrows(ApiException.class, () -> InferenceProtocol.parseRequest(
                binaryBody(header, nan), length, SAMPLE, 4)).getMessage().contains("NaN"));
        String json = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,2,3],\"data\":[1,2,3,4,5,6]}]}";
        assertTrue(assertThrows(ApiException.class, () -> InferenceProtocol.parseRequest(
                binaryBody(json, v), json.length(), SAMPLE, 4)).getMessage().contains("no tensor has binary_data_size"));
        // asked per output instead of per request
        assertTrue(parse(json.replace("]}]}", "]}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}"))
                .binaryOutput());

        Tensor out = Tensor.wrap(new float[] {0.25f, -1e-7f, 3}, 1, 3);
        InferenceProtocol.Encoded bin = InferenceProtocol.encodeResponse("m", "q\n", out, InferenceProtocol.OutputFormat.BINARY);
        JsonObject head = JsonParser.parseString(new String(bin.body(), 0, bin.jsonLength(), StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals("q\n", head.get("id").getAsString());
        JsonObject o = head.getAsJsonArray("outputs").get(0).getAsJsonObject();
        assertEquals(12, o.getAsJsonObject("parameters").get("binary_data_size").getAsInt());
        assertEquals("[1,3]", o.get("shape").toString());
        float[] back = new float[3];
        ByteBuffer.wrap(bin.body(), bin.jsonLength(), 12).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(back);
        assertArrayEquals(out.data(), back);
        InferenceProtocol.Encoded text = InferenceProtocol.encodeResponse("m", null, out, InferenceProtocol.OutputFormat.JSON);
        assertEquals(-1, text.jsonLength());
        JsonObject t = JsonParser.parseString(new String(text.body(), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("[0.25,-1.0E-7,3.0]", t.getAsJsonArray("outputs").get(0).getAsJsonObject().get("data").toString());
    }

    /**
     * A body in a buffer (the server's path for a body that arrived in one piece: Jetty's buffer, heap or direct, the
     * body anywhere between position and limit) is read as the same bytes in an array: same input, id and output
     * format, the same refusal; the buffer's position and limit are left as they were.
     */
    @Test
    void aBodyInABufferIsReadAsTheSameBytesInAnArray() {
        Shape sample = Shape.of(1, 2, 2);
        float[] v = {0.5f, -1, 2, 3.25f, 4, 5, 6, -7};
        byte[] header = ("{\"id\":\"q\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[2,1,2,2],"
                + "\"parameters\":{\"binary_data_size\":32}}],\"parameters\":{\"binary_data_output\":true}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(header.length + 32).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header).asFloatBuffer().put(v);
        byte[] bin = b.array();
        byte[] json = InferenceProtocol.request(Tensor.of(v, 2, 1, 2, 2), "j").getBytes(StandardCharsets.UTF_8);
        byte[] broken = ("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,2,2],\"data\":[1,2,3,\"x\"]}]}")
                .getBytes(StandardCharsets.UTF_8);
        for (boolean direct : new boolean[] {false, true}) {
            for (Object[] c : new Object[][] {{bin, header.length}, {json, -1}}) {
                byte[] body = (byte[]) c[0];
                int jsonLength = (Integer) c[1];
                ByteBuffer at = inBuffer(body, direct);
                InferenceProtocol.Request fromArray = InferenceProtocol.parseRequest(body, jsonLength, sample, 4);
                InferenceProtocol.Request fromBuffer = InferenceProtocol.parseRequest(at, jsonLength, sample, 4,
                        TensorNames.GENERIC);
                assertEquals(7, at.position());
                assertEquals(7 + body.length, at.limit());
                assertArrayEquals(fromArray.input().data(), fromBuffer.input().data());
                assertEquals(fromArray.input().shape(), fromBuffer.input().shape());
                assertEquals(fromArray.id(), fromBuffer.id());
                assertEquals(fromArray.binaryOutput(), fromBuffer.binaryOutput());
            }
            ApiException fromArray = assertThrows(ApiException.class,
                    () -> InferenceProtocol.parseRequest(broken, -1, sample, 4));
            ApiException fromBuffer = assertThrows(ApiException.class,
                    () -> InferenceProtocol.parseRequest(inBuffer(broken, direct), -1, sample, 4, TensorNames.GENERIC));
            assertEquals(fromArray.getMessage(), fromBuffer.getMessage());
            ApiException tooLong = assertThrows(ApiException.class, () -> InferenceProtocol.parseRequest(
                    inBuffer(bin, direct), bin.length + 1, sample, 4, TensorNames.GENERIC));
            assertEquals(InferenceProtocol.HEADER_LENGTH + " is " + (bin.length + 1) + " but the body has " + bin.length
                    + " bytes", tooLong.getMessage());
        }
        assertArrayEquals(v, InferenceProtocol.parseRequest(inBuffer(bin, true), header.length, sample, 4,
                TensorNames.GENERIC).input().data());
    }

    /** {@code body} at position 7 of a larger buffer, 5 bytes of other data after its limit. */
    private static ByteBuffer inBuffer(byte[] body, boolean direct) {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(body.length + 12) : ByteBuffer.allocate(body.length + 12);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) '{');
        }
        b.put(7, body);
        return b.position(7).limit(7 + body.length);
    }
}
