package org.convnet4j.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    // ---- building files by hand, straight from the format description, independent of the writer ----

    /** 8-byte LE length, the header text padded with spaces to a multiple of 8, then the data bytes. */
    static byte[] handMade(String headerJson, byte[] data) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(header);
        for (int i = header.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        b.put(data);
        return b.array();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    /** Reading fails with a message that starts with the file name and contains {@code fragment}. */
    private void assertFails(Path p, String fragment) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.read(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    /** A valid one-tensor header for 2 floats, with the entry text replaceable. */
    private static String oneTensor(String entry) {
        return "{\"w\":" + entry + "}";
    }

    // ---- round trip ------------------------------------------------------------------------------

    @Test
    void roundTripIsBitExactAndKeepsNamesOrderAndMetadata() throws IOException {
        Random r = new Random(42);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("zeta.kernel", Tensor.randn(r, 1f, 4, 3, 5, 5));
        tensors.put("alpha.bias", Tensor.randn(r, 1f, 4));
        tensors.put("bn1.running_mean", Tensor.uniform(r, -3f, 3f, 7, 2));
        tensors.put("scalar", Tensor.wrap(new float[] {3.25f}, Shape.of()));
        // Values a careless conversion would damage: signed zero, infinities, subnormals, extremes.
        tensors.put("special", Tensor.of(new float[] {-0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, -Float.MIN_NORMAL / 3, Float.MAX_VALUE, Float.NaN}, 7));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("note", "größe \"quoted\" <html> \u2603");
        metadata.put("empty", "");

        Path p = dir.resolve("round.safetensors");
        SafeTensors.write(p, tensors, metadata);
        SafeTensors.Contents back = SafeTensors.read(p);

        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.tensors().keySet()));
        assertEquals(metadata, back.metadata());
        for (String name : tensors.keySet()) {
            Tensor a = tensors.get(name);
            Tensor b = back.tensors().get(name);
            assertEquals(a.shape(), b.shape(), name);
            for (int i = 0; i < a.size(); i++) {
                assertEquals(Float.floatToRawIntBits(a.data()[i]), Float.floatToRawIntBits(b.data()[i]),
                        name + "[" + i + "]");
            }
        }
        // The buffer starts 8-byte aligned, as the header padding promises.
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8);
    }

    @Test
    void writingTwiceGivesIdenticalBytes() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("b", Tensor.randn(new Random(1), 1f, 3, 3));
        tensors.put("a", Tensor.randn(new Random(2), 1f, 2));
        Path p1 = dir.resolve("1.safetensors");
        Path p2 = dir.resolve("2.safetensors");
        SafeTensors.write(p1, tensors, Map.of("k", "v"));
        SafeTensors.write(p2, new LinkedHashMap<>(tensors), Map.of("k", "v"));
        assertArrayEquals(Files.readAllBytes(p1), Files.readAllBytes(p2));
    }

    @Test
    void writerOutputMatchesTheFormatByteForByte() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.of(new float[] {1f, -2f}, 2));
        Path p = dir.resolve("w.safetensors");
        SafeTensors.write(p, tensors, Map.of("k", "v"));
        byte[] expected = handMade(
                "{\"__metadata__\":{\"k\":\"v\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                bytes(0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0)); // 1.0f = 0x3F800000, -2.0f = 0xC0000000
        assertArrayEquals(expected, Files.readAllBytes(p));
    }

    // ---- golden file assembled by hand ---------------------------------------------------------

    @Test
    void readsHandMadeFileWithEveryDtype() throws IOException {
        String header = "{"
                + "\"f32\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"f16\":{\"dtype\":\"F16\",\"shape\":[1,3],\"data_offsets\":[8,14]},"
                + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[14,18]},"
                + "\"f64\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[18,26]},"
                + "\"i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[26,34]},"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[34,38]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[38,40]},"
                + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[40,42]},"
                + "\"__metadata__\":{\"source\":\"by hand\"}"
                + "}";
        byte[] data = bytes(
                0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x20, 0xC1, // F32 1.5 (0x3FC00000), -10 (0xC1200000)
                0x00, 0x3C, 0x00, 0xC0, 0x00, 0x7C,             // F16 1.0 (0x3C00), -2.0 (0xC000), +inf (0x7C00)
                0x80, 0x3F, 0x49, 0x40,                         // BF16 1.0 (0x3F80), 3.140625 (0x4049)
                0, 0, 0, 0, 0, 0, 0x04, 0x40,                   // F64 2.5 (0x4004000000000000)
                0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // I64 -3
                0x40, 0x42, 0x0F, 0x00,                         // I32 1000000 (0x000F4240)
                0xC8, 0x07,                                     // U8 200, 7
                0x01, 0x00);                                    // BOOL true, false
        Path p = file("golden.safetensors", handMade(header, data));
        SafeTensors.Contents c = SafeTensors.read(p);

        assertEquals(List.of("f32", "f16", "bf16", "f64", "i64", "i32", "u8", "bool"),
                List.copyOf(c.tensors().keySet()));
        assertEquals(Map.of("source", "by hand"), c.metadata());
        assertArrayEquals(new float[] {1.5f, -10f}, c.tensors().get("f32").data());
        assertEquals(Shape.of(1, 3), c.tensors().get("f16").shape());
        assertArrayEquals(new float[] {1f, -2f, Float.POSITIVE_INFINITY}, c.tensors().get("f16").data());
        assertArrayEquals(new float[] {1f, 3.140625f}, c.tensors().get("bf16").data());
        assertEquals(Shape.of(), c.tensors().get("f64").shape());
        assertArrayEquals(new float[] {2.5f}, c.tensors().get("f64").data());
        assertArrayEquals(new float[] {-3f}, c.tensors().get("i64").data());
        assertArrayEquals(new float[] {1_000_000f}, c.tensors().get("i32").data());
        assertArrayEquals(new float[] {200f, 7f}, c.tensors().get("u8").data());
        assertArrayEquals(new float[] {1f, 0f}, c.tensors().get("bool").data());

        SafeTensors.Header h = SafeTensors.readHeader(p);
        assertEquals(DType.F16, h.entries().get("f16").dtype());
        assertArrayEquals(new long[] {1, 3}, h.entries().get("f16").shape());
        assertEquals(8 + (header.length() + 7) / 8 * 8, h.dataStart());
        assertEquals(42, h.dataLength());
    }

    @Test
    void toleratesGapsAndTensorsOutOfOffsetOrder() throws IOException {
        // "b" comes first in the header but second in the buffer; 4 unused bytes sit between them.
        String header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        byte[] data = bytes(0, 0, 0x80, 0x3F, 9, 9, 9, 9, 0, 0, 0, 0x40); // a = 1.0, gap, b = 2.0
        SafeTensors.Contents c = SafeTensors.read(file("gap.safetensors", handMade(header, data)));
        assertEquals(List.of("b", "a"), List.copyOf(c.tensors().keySet()));
        assertEquals(2f, c.tensors().get("b").data()[0]);
        assertEquals(1f, c.tensors().get("a").data()[0]);
    }

    // ---- half-precision conversions --------------------------------------------------------------

    @Test
    void halfConversionMatchesKnownValues() {
        assertEquals(1f, DType.halfToFloat((short) 0x3C00));
        assertEquals(-2f, DType.halfToFloat((short) 0xC000));
        assertEquals(65504f, DType.halfToFloat((short) 0x7BFF)); // largest half
        assertEquals(0x1p-24f, DType.halfToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(0x1p-14f, DType.halfToFloat((short) 0x0400)); // smallest normal
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(DType.halfToFloat((short) 0x8000)));
        assertEquals(Float.NEGATIVE_INFINITY, DType.halfToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(DType.halfToFloat((short) 0x7E00)));
        assertEquals(1f, DType.bfloat16ToFloat((short) 0x3F80));
        assertEquals(-2f, DType.bfloat16ToFloat((short) 0xC000));
    }

    @Test
    void halfConversionAgreesWithTheDefinitionOnEveryValue() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int sign = (bits >> 15) == 1 ? -1 : 1;
            int e = (bits >> 10) & 0x1F;
            int m = bits & 0x3FF;
            float got = DType.halfToFloat((short) bits);
            if (e == 0x1F) {
                assertEquals(m == 0, Float.isInfinite(got), Integer.toHexString(bits));
                assertEquals(m != 0, Float.isNaN(got), Integer.toHexString(bits));
                continue;
            }
            // value = (-1)^s * 2^(e-15) * (1 + m/1024), or (-1)^s * 2^-14 * (m/1024) for e == 0
            double expected = e == 0 ? sign * Math.scalb((double) m, -24) : sign * Math.scalb(1024.0 + m, e - 25);
            assertEquals(expected, got, 0.0, Integer.toHexString(bits));
        }
    }

    // ---- untrusted input ----------------------------------------------------------------------

    @Test
    void refusesFileShorterThanTheLengthField() throws IOException {
        assertFails(file("tiny", bytes(1, 0, 0)), "too short");
    }

    @Test
    void refusesHeaderLengthLargerThanFile() throws IOException {
        byte[] f = handMade(oneTensor("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), new byte[8]);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertFails(file("long", f), "header length 1099511627776 is larger than the file");
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L); // 2^64 - 1 unsigned
        assertFails(file("huge", f), "18446744073709551615");
    }

    @Test
    void refusesHeaderAboveTheCapBeforeAllocating() throws IOException {
        Path p = dir.resolve("sparse");
        long length = SafeTensors.MAX_HEADER_BYTES + 1;
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(8 + length); // sparse: costs no disk
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array());
        }
        assertFails(p, "exceeds the limit");
    }

    @Test
    void refusesTruncatedFile() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.randn(new Random(3), 1f, 10));
        Path p = dir.resolve("full.safetensors");
        SafeTensors.write(p, t, Map.of());
        byte[] all = Files.readAllBytes(p);
        Path cut = file("cut.safetensors", java.util.Arrays.copyOf(all, all.length - 4));
        assertFails(cut, "tensor 'w': data_offsets [0, 40] lie outside the data buffer of 36 bytes");
        Path cutHeader = file("cut2.safetensors", java.util.Arrays.copyOf(all, 20));
        assertFails(cutHeader, "is larger than the file");
    }

    @Test
    void refusesOffsetsOutsideTheBuffer() throws IOException {
        Path p = file("out", handMade(oneTensor("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}"),
                new byte[8]));
        assertFails(p, "tensor 'w': data_offsets [4, 12] lie outside the data buffer of 8 bytes");
        Path reversed = file("rev", handMade(oneTensor("{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}"),
                new byte[8]));
        assertFails(reversed, "lie outside");
    }

    @Test
    void refusesOverlappingTensors() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertFails(file("overlap", handMade(header, new byte[12])),
                "tensor 'b' (bytes 4..12) overlaps tensor 'a' (bytes 0..8)");
    }

    @Test
    void refusesLengthThatDisagreesWithShape() throws IOException {
        Path p = file("len", handMade(oneTensor("{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}"),
                new byte[8]));
        assertFails(p, "tensor 'w': shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] hold 8");
    }

    @Test
    void refusesUnknownDtype() throws IOException {
        Path p = file("dtype", handMade(oneTensor("{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}"),
                new byte[2]));
        assertFails(p, "tensor 'w': unknown or unsupported dtype 'F8_E4M3'");
    }

    @Test
    void refusesAbsurdShapes() throws IOException {
        Path overflow = file("ovf", handMade(oneTensor(
                "{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}"), new byte[8]));
        assertFails(overflow, "tensor 'w': absurd shape");
        Path tooWide = file("wide", handMade(oneTensor(
                "{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,8]}"), new byte[8]));
        assertFails(tooWide, "tensor 'w': absurd shape");
        Path negative = file("neg", handMade(oneTensor("{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}"),
                new byte[8]));
        assertFails(negative, "tensor 'w': shape holds the negative number -2");
        Path fraction = file("frac", handMade(oneTensor("{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}"),
                new byte[8]));
        assertFails(fraction, "tensor 'w': shape holds 1.5");
        Path empty = file("empty", handMade(oneTensor("{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]}"),
                new byte[0]));
        assertFails(empty, "cannot be empty");
        // The header alone is fine for an empty tensor: summaries of foreign files still work.
        assertEquals(0, SafeTensors.readHeader(empty).entries().get("w").elementCount());
    }

    @Test
    void refusesDuplicateNames() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertFails(file("dup", handMade(header, new byte[8])), "tensor 'a' appears twice");
        String meta = "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}";
        assertFails(file("dupmeta", handMade(meta, new byte[0])), "metadata 'k' appears twice");
    }

    @Test
    void refusesMalformedHeaders() throws IOException {
        assertFails(file("notjson", handMade("{\"a\":", new byte[0])), "not valid safetensors JSON");
        assertFails(file("array", handMade("[1,2]", new byte[0])), "not a JSON object");
        assertFails(file("meta", handMade("{\"__metadata__\":{\"k\":1}}", new byte[0])), "metadata 'k' is not a string");
        assertFails(file("missing", handMade(oneTensor("{\"dtype\":\"F32\",\"shape\":[1]}"), new byte[4])), "tensor 'w': entry needs dtype, shape and data_offsets");
        byte[] badUtf8 = handMade("{\"x\":{}}", new byte[0]);
        badUtf8[10] = (byte) 0xFF; // inside the name
        assertFails(file("utf8", badUtf8), "not valid UTF-8");
        assertFails(file("trailing", handMade("{} {}", new byte[0])), "not valid safetensors JSON: malformed JSON at line 1, column 5");
    }

    // ---- atomic writing ------------------------------------------------------------------------

    /** Passes {@code limit} bytes, then fails as a full disk does. */
    static final class FullDisk extends FilterOutputStream {
        private long left;

        FullDisk(OutputStream out, long limit) {
            super(out);
            this.left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (left-- <= 0) {
                throw new IOException("No space left on device");
            }
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }
    }

    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = new ArrayList<>();
            s.forEach(p -> names.add(p.getFileName().toString()));
            names.sort(null);
            return names;
        }
    }

    @Test
    void failedWriteLeavesEarlierFileIntactAndNoTempFile() throws IOException {
        Path p = dir.resolve("model.safetensors");
        Map<String, Tensor> before = Map.of("w", Tensor.randn(new Random(5), 1f, 100));
        SafeTensors.write(p, before, Map.of("v", "1"));
        byte[] earlier = Files.readAllBytes(p);

        Map<String, Tensor> after = Map.of("w", Tensor.randn(new Random(6), 1f, 100_000));
        IOException e = assertThrows(IOException.class,
                () -> SafeTensors.write(p, after, Map.of("v", "2"), out -> new FullDisk(out, 100_000)));
        assertEquals(p + ": could not write (No space left on device); any earlier model.safetensors is unchanged", e.getMessage());

        assertArrayEquals(earlier, Files.readAllBytes(p));
        assertEquals(List.of("model.safetensors"), listing(dir));
    }

    @Test
    void fullDiskHelperReallyPassesBytesUpToItsLimit() throws IOException {
        // The test above relies on the failure coming from inside the write; check the helper itself.
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        FullDisk d = new FullDisk(sink, 3);
        d.write(new byte[] {1, 2, 3});
        assertThrows(IOException.class, () -> d.write(4));
        assertEquals(3, sink.size());
    }
}
