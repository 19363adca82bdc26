package org.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code OnnxInputs.read} of a {@code .json} tensor: every form it takes gives the values written (exact for 64-bit
 * integers and doubles), and every hostile or broken file is one line starting with the file. The fuzz target
 * {@code ReaderFuzzTest#jsonTensor} runs the same reader on its corpus ({@code tools/fixtures/json_tensor_corpus.py}).
 */
class JsonTensorFileTest {
    @TempDir
    Path dir;

    private TensorData read(String text) throws IOException {
        Path f = dir.resolve("t.json");
        Files.writeString(f, text);
        return OnnxInputs.read(f);
    }

    /** Refused in one clean line that starts with the file and holds {@code part}. */
    private void refused(String text, String part) {
        Path f = dir.resolve("t.json");
        Exception e = assertThrows(Exception.class, () -> {
            Files.writeString(f, text);
            OnnxInputs.read(f);
        });
        assertTrue(e instanceof IllegalArgumentException || e instanceof IOException, e::toString);
        String m = e.getMessage();
        assertTrue(m.startsWith(f + ": "), m);
        assertTrue(m.contains(part), () -> "'" + part + "' not in: " + m);
        assertTrue(m.chars().noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)), m);
        assertFalse(m.contains("Strictness") || m.contains("JsonReader"), m); // Gson's advice to a programmer
        // nor its jargon: token names, its JSONPath, exception classes, a troubleshooting link
        assertFalse(m.matches(".*(BEGIN_|END_|\\bpath \\$|Exception|https?://).*"), m);
    }

    @Test
    void everyFormGivesTheValuesWritten() throws IOException {
        TensorData flat = read("{\"shape\": [2, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4, 5, 6.5]}");
        TensorData nested = read("{\"data\": [[1, 2, 3], [4, 5, 6.5]], \"name\": \"x\", \"parameters\": {\"a\":"
                + " [1, {\"b\": null}]}, \"datatype\": \"FP32\", \"shape\": [2, 3]}");
        for (TensorData t : new TensorData[] {flat, nested}) {
            assertEquals(OnnxModel.FLOAT, t.dataType());
            assertArrayEquals(new long[] {2, 3}, t.dims());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6.5f}, t.floats());
            assertNull(t.longs());
        }
        TensorData big = read("{\"shape\": [2, 2], \"datatype\": \"INT64\", \"data\": [[9223372036854775807,"
                + " -9223372036854775808], [1.0, -2.50e1]]}");
        assertArrayEquals(new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 1, -25}, big.longs());
        TensorData d = read("{\"shape\": [3], \"datatype\": \"FP64\", \"data\": [1.7976931348623157e308, 5e-324,"
                + " 0.1]}");
        assertArrayEquals(new double[] {Double.MAX_VALUE, Double.MIN_VALUE, 0.1}, d.doubles());
        TensorData b = read("{\"shape\": [4], \"datatype\": \"BOOL\", \"data\": [true, false, 1, 0]}");
        assertArrayEquals(new long[] {1, 0, 1, 0}, b.longs());
        TensorData scalar = read("{\"shape\": [], \"datatype\": \"FP32\", \"data\": 1.5}");
        assertEquals(0, scalar.dims().length);
        assertArrayEquals(new float[] {1.5f}, scalar.floats());
        TensorData empty = read("{\"shape\": [2, 0], \"datatype\": \"FP32\", \"data\": [[], []]}");
        assertEquals(0, empty.floats().length);
        TensorData u8 = read("{\"shape\": [1, 3], \"datatype\": \"UINT8\", \"data\": [[255, 0, 1]]}");
        assertArrayEquals(new long[] {255, 0, 1}, u8.longs());
    }

    @Test
    void hostileAndBrokenFilesAreOneLineNamingTheFile() {
        refused("{\"shape\": [2147483647, 2147483647, 2147483647], \"datatype\": \"FP32\", \"data\": [1]}",
                "needs more than 268435456 values, data has 1");
        refused("{\"shape\": [4294967296], \"datatype\": \"FP32\", \"data\": [1]}", "shape holds 4294967296");
        refused("{\"shape\": [-1, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3]}", "shape holds -1");
        refused("{\"shape\": [" + "1, ".repeat(39) + "1], \"datatype\": \"FP32\", \"data\": [1]}",
                "more than 32 dimensions");
        refused("{\"shape\": [1], \"datatype\": \"FP32\", \"data\": " + "[".repeat(40) + "1" + "]".repeat(40) + "}",
                "data is nested more deeply than 32 arrays");
        refused("{\"x\": " + "[{\"a\":".repeat(3000) + "1" + "}]".repeat(3000) + "}", "nests deeper than 64");
        refused("{\"shape\": [3], \"datatype\": \"FP32\", \"data\": [NaN, Infinity, -Infinity]}", "not a JSON tensor");
        refused("{\"shape\": [2], \"datatype\": \"FP32\", \"data\": [1e39, 1]}", "FP32 data holds 1e39, beyond the range");
        refused("{\"shape\": [1], \"datatype\": \"FP64\", \"data\": [1e400]}", "FP64 data holds 1e400, beyond the range");
        refused("{\"shape\": [1], \"datatype\": \"INT32\", \"data\": [2147483648]}",
                "INT32 data holds 2147483648, outside -2147483648..2147483647");
        refused("{\"shape\": [1], \"datatype\": \"INT64\", \"data\": [9223372036854775808]}",
                "INT64 data holds 9223372036854775808, outside");
        refused("{\"shape\": [1], \"datatype\": \"INT64\", \"data\": [1e999999999]}", "outside");
        refused("{\"shape\": [1], \"datatype\": \"INT64\", \"data\": [1e-999999999]}", "not a whole number");
        refused("{\"shape\": [1], \"datatype\": \"INT8\", \"data\": [1.5]}", "INT8 data holds a value that is not a whole"
                + " number (1.5)");
        refused("{\"shape\": [3], \"datatype\": \"INT64\", \"data\": [[0, 1], [2, 3]]}", "shape [3] needs 3 values, data"
                + " has 4");
        refused("{\"shape\": [3], \"datatype\": \"FP32\", \"data\": [[1, 2], [3]]}", "uneven");
        refused("{\"shape\": [2], \"datatype\": \"FP32\", \"data\": [1, [2]]}", "uneven");
        refused("{\"shape\": [3, 2], \"datatype\": \"FP32\", \"data\": [[1, 2, 3], [4, 5, 6]]}",
                "data is nested as [2, 3], the shape is [3, 2]");
        refused("{\"shape\": [1], \"datatype\": \"FP32\", \"data\": [1], \"data\": [2]}", "data is given twice");
        refused("{\"shape\": [2], \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}", "shape is given twice");
        refused("{\"shape\": [2], \"datatype\": \"FP32\", \"data\": [1, \"2\"]}", "data holds a string");
        refused("{\"shape\": [2], \"datatype\": \"FP32\", \"data\": [1, null]}", "data holds null");
        refused("{\"shape\": [2], \"datatype\": \"FP32\", \"data\": [1, true]}", "FP32 data holds a boolean");
        refused("{\"shape\": [1], \"datatype\": \"INT8\", \"data\": [false]}", "INT8 data holds a boolean");
        refused("{\"shape\": [1], \"datatype\": \"\\u001b]0;owned\\u0007\\n\", \"data\": [1]}",
                "datatype '\\x1b]0;owned\\x07\\n' is not one of");
        refused("{\"shape\": [1], \"datatype\": 5, \"data\": [1]}", "datatype must be a string");
        refused("{\"shape\": [1], \"datatype\": \"FP32\"}", "needs shape, datatype and data");
        refused("{\"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]} {}", "not a JSON tensor");
        refused("{\"shape\": [1], \"datatype\": \"FP64\", \"data\": [" + "1".repeat(5000) + "]}", "not a JSON tensor");
        refused("{\"shape\": [1], \"datatype\": \"" + "X".repeat(3000) + "\", \"data\": [1]}", "(3000 characters)");
        refused("", "not a JSON tensor");
        // Jazzer's first finding: Gson quotes a malformed escape's characters (here ESC ] 0 ;) in its message
        refused("{\"d\":\"\\u\u001b]0;\"}", "malformed Unicode escape \\u\\x1b]0;");
    }

    /**
     * Anything but one object is told in our words, with what the file should hold: a bare array of values was
     * "Expected BEGIN_OBJECT but was BEGIN_ARRAY at line 1 column 2 path $" (Gson's wording).
     */
    @Test
    void aFileThatIsNotOneObjectIsToldWhatItShouldHold() {
        String should = "the file must hold one object such as {\"shape\": [2, 3], \"datatype\": \"FP32\", \"data\"";
        refused("[1, 2, 3]", "holds an array, not a JSON tensor: " + should);
        refused("[[1, 2], [3, 4]]", "holds an array, not a JSON tensor");
        refused("1.5", "holds a number, not a JSON tensor");
        refused("\"x\"", "holds a string, not a JSON tensor");
        refused("null", "holds null, not a JSON tensor");
        // syntax errors: where, in words (Gson's "Unterminated array at line 1 column 44 path $.data[1]")
        refused("{\"shape\": [1], \"datatype\": \"FP32\", \"data\": [1", "the text ends too early at line 1, column");
        refused("{\"shape\": [1], \"datatype\": \"FP32\", \"data\": [1}", "at line 1, column");
        refused("{\"shape\": [1]\n \"datatype\": \"FP32\"}", "at line 2, column");
        refused("{shape: [1]}", "at line 1, column");
    }

    @Test
    void bytesThatAreNotUtf8AreNamed() throws IOException {
        Path f = dir.resolve("t.json");
        Files.write(f, "{\"shape\": [1], \"datatype\": \"FP\u00ff32\", \"data\": [1]}"
                .getBytes(StandardCharsets.ISO_8859_1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxInputs.read(f));
        assertTrue(e.getMessage().startsWith(f + ": not UTF-8 text"), e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), "the cause in words, not a class name: " + e.getMessage());
    }

    /** A file of {@code n} zeros as an INT64 tensor: 2 bytes of text a value. */
    private static Path zeros(Path f, int n) throws IOException {
        StringBuilder b = new StringBuilder(2 * n + 64).append("{\"shape\": [").append(n)
                .append("], \"datatype\": \"INT64\", \"data\": [0");
        b.append(",0".repeat(n - 1)).append("]}");
        Files.writeString(f, b);
        return f;
    }

    /** The budget (8 bytes a byte of the file) is checked before reading: beyond it, refused having allocated little. */
    @Test
    void theBudgetIsCheckedBeforeReading() throws IOException {
        Path f = zeros(dir.resolve("zeros.json"), 1_000_000); // the values alone would take 12 MB
        long need = JsonTensorFile.BYTES_PER_CHARACTER * Files.size(f);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, Long.toString(need - 1))) {
            long before = threads.getCurrentThreadAllocatedBytes();
            MemoryBudget.TooLargeException e = assertThrows(MemoryBudget.TooLargeException.class,
                    () -> OnnxInputs.read(f));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(e.getMessage().startsWith(f + ": a JSON tensor of " + Files.size(f) + " bytes needs"),
                    e.getMessage());
            assertTrue(allocated < 4_000_000, "allocated " + allocated + " bytes before refusing");
        }
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, Long.toString(need))) {
            assertEquals(1_000_000, OnnxInputs.read(f).longs().length);
        }
    }

    /**
     * The budget bounds what reading holds: in a child JVM of 150 MiB (default limit about 75 MiB), 4,500,000 INT64
     * zeros (9 MB of text, 72 MB of budget) are read. The reader before this one kept three growing arrays
     * (17 bytes a value, doubled as they grew, then copied): about 196 MB at once for this file, out of memory.
     */
    @Test
    void whatTheBudgetAllowsFitsInTheMemoryItWasCheckedAgainst() throws Exception {
        Path f = zeros(dir.resolve("zeros.json"), 4_500_000);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx150m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                ReadMain.class.getName(), f.toString());
        pb.redirectErrorStream(true);
        Process child = pb.start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out);
        assertEquals(0, child.exitValue(), out);
        assertEquals("4500000", out.strip().lines().reduce((x, y) -> y).orElse(""), out);
    }

    /** The child of {@link #whatTheBudgetAllowsFitsInTheMemoryItWasCheckedAgainst}: reads the file, prints the count. */
    public static final class ReadMain {
        public static void main(String[] args) throws IOException {
            System.out.println(OnnxInputs.read(Path.of(args[0])).longs().length);
        }
    }
}
