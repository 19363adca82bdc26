package org.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.io.onnx.OnnxFormatException;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Size checks, external-data containment and the .npy reader on hand-made hostile files. */
class UntrustedFilesTest {

    /** A TensorProto: FLOAT, the given dims, and either raw bytes or external data entries. */
    private static byte[] tensor(long[] dims, byte[] raw, String location, String offset, String length)
            throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(b);
        for (long d : dims) {
            o.writeInt64(1, d);
        }
        o.writeInt32(2, OnnxModel.FLOAT);
        o.writeString(8, "w");
        if (raw != null) {
            o.writeByteArray(9, raw);
        }
        if (location != null) {
            o.writeByteArray(13, entry("location", location));
            if (offset != null) {
                o.writeByteArray(13, entry("offset", offset));
            }
            if (length != null) {
                o.writeByteArray(13, entry("length", length));
            }
            o.writeEnum(14, 1);
        }
        o.flush();
        return b.toByteArray();
    }

    private static byte[] entry(String k, String v) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(b);
        o.writeString(1, k);
        o.writeString(2, v);
        o.flush();
        return b.toByteArray();
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void rawDataMustMatchDims(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("ok.pb");
        Files.write(ok, tensor(new long[] {2}, floats(1.5f, -2f), null, null, null));
        assertArrayEquals(new float[] {1.5f, -2f}, OnnxReader.readTensor(ok).floats());
        Path short1 = dir.resolve("short.pb");
        Files.write(short1, tensor(new long[] {3}, floats(1.5f, -2f), null, null, null));
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxReader.readTensor(short1));
        assertTrue(e.getMessage().contains("short.pb") && e.getMessage().contains("raw_data"), e.getMessage());
        Path huge = dir.resolve("huge.pb");
        Files.write(huge, tensor(new long[] {4, 1L << 62}, floats(1f), null, null, null));
        assertTrue(assertThrows(OnnxFormatException.class, () -> OnnxReader.readTensor(huge)).getMessage()
                .contains("overflow"));
        Path big = dir.resolve("big.pb");
        Files.write(big, tensor(new long[] {1L << 20, 1L << 20}, floats(1f), null, null, null));
        assertTrue(assertThrows(OnnxFormatException.class, () -> OnnxReader.readTensor(big)).getMessage()
                .contains("limit"));
    }

    @Test
    void externalDataStaysInsideTheModelDirectory(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectory(dir.resolve("model"));
        Files.write(sub.resolve("weights.bin"), floats(0f, 7f, 8f));
        Path ok = sub.resolve("ok.pb");
        Files.write(ok, tensor(new long[] {2}, null, "weights.bin", "4", "8"));
        assertArrayEquals(new float[] {7f, 8f}, OnnxReader.readTensor(ok).floats());

        Files.write(dir.resolve("secret.bin"), floats(1f, 2f));
        String[][] bad = {
            {"../secret.bin", "leaves"}, {dir.resolve("secret.bin").toString(), "absolute"},
            {"weights.bin", "outside"}, {"missing.bin", "not a regular file"}};
        String[] offsets = {"0", "0", "8", "0"};
        for (int i = 0; i < bad.length; i++) {
            Path f = sub.resolve("bad" + i + ".pb");
            Files.write(f, tensor(new long[] {2}, null, bad[i][0], offsets[i], "8"));
            OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxReader.readTensor(f));
            assertTrue(e.getMessage().contains(bad[i][1]) && e.getMessage().contains("bad" + i + ".pb"), e.getMessage());
        }
        Files.createSymbolicLink(sub.resolve("link.bin"), dir.resolve("secret.bin"));
        Path viaLink = sub.resolve("link.pb");
        Files.write(viaLink, tensor(new long[] {2}, null, "link.bin", "0", "8"));
        assertTrue(assertThrows(OnnxFormatException.class, () -> OnnxReader.readTensor(viaLink)).getMessage()
                .contains("symbolic link"));
    }

    @Test
    void npyRoundTripAndHostileHeaders(@TempDir Path dir) throws Exception {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Path f = dir.resolve("t.npy");
        Npy.write(f, t);
        byte[] bytes = Files.readAllBytes(f);
        assertEquals(0, (10 + ((bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8)) % 64, "header padded to 64 bytes");
        Tensor back = Npy.read(f);
        assertArrayEquals(t.shape().dims(), back.shape().dims());
        assertArrayEquals(t.data(), back.data());
        String[] headers = {
            "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
            "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"};
        for (String h : headers) {
            Path p = dir.resolve("h.npy");
            byte[] head = (h + "\n").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer b = ByteBuffer.allocate(10 + head.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) head.length).put(head);
            b.putFloat(1f).putFloat(2f);
            Files.write(p, b.array());
            OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> Npy.read(p), h);
            assertTrue(e.getMessage().contains("h.npy"), e.getMessage());
        }
    }
}
