package org.convnet4j.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.convnet4j.io.onnx.OnnxFormatException;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.AtomicFiles;

/**
 * NumPy .npy files (format versions 1-3) of little-endian float32, float64, int64 or uint8 in C order, read
 * into float tensors. The header is parsed as plain text (never evaluated) and object arrays (pickles) are
 * refused; the data length must equal shape x element size. Written as float32, version 1.0.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final long MAX_ELEMENTS = 1L << 28;

    private Npy() {
    }

    public static Tensor read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 1024) {
            throw new OnnxFormatException(file + ": too large for a .npy tensor (" + size + " bytes)");
        }
        byte[] b = Files.readAllBytes(file);
        if (b.length < 10) {
            throw new OnnxFormatException(file + ": too short for a .npy file");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) {
                throw new OnnxFormatException(file + ": not a .npy file (bad magic)");
            }
        }
        int major = b[6];
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int start;
        if (major == 1) {
            headerLen = buf.getShort(8) & 0xFFFF;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (b.length < 12) {
                throw new OnnxFormatException(file + ": truncated .npy header");
            }
            headerLen = buf.getInt(8) & 0xFFFFFFFFL;
            start = 12;
        } else {
            throw new OnnxFormatException(file + ": .npy format version " + major + " is not supported");
        }
        if (headerLen > b.length - start) {
            throw new OnnxFormatException(file + ": truncated .npy header");
        }
        String header = new String(b, start, (int) headerLen, StandardCharsets.UTF_8);
        Matcher d = DESCR.matcher(header);
        Matcher o = ORDER.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !o.find() || !s.find()) {
            throw new OnnxFormatException(file + ": .npy header lacks descr, fortran_order or shape: " + header.trim());
        }
        if (o.group(1).equals("True")) {
            throw new OnnxFormatException(file + ": Fortran-order arrays are not supported (save with C order)");
        }
        String descr = d.group(1);
        int elem = switch (descr) {
            case "<f4" -> 4;
            case "<f8", "<i8" -> 8;
            case "|u1", "<u1" -> 1;
            default -> throw new OnnxFormatException(file + ": dtype '" + descr + "' is not supported (float32,"
                    + " float64, int64 or uint8, little-endian; object arrays are never read)");
        };
        String[] parts = s.group(1).split(",");
        int[] dims = new int[0];
        long count = 1;
        for (String p : parts) {
            if (p.isBlank()) {
                continue;
            }
            long v;
            try {
                v = Long.parseLong(p.trim());
            } catch (NumberFormatException e) {
                throw new OnnxFormatException(file + ": bad shape entry '" + p.trim() + "'");
            }
            if (v < 1 || v > Integer.MAX_VALUE) {
                throw new OnnxFormatException(file + ": shape dimension " + v + " is not supported (1.."
                        + Integer.MAX_VALUE + ")");
            }
            count *= v;
            if (count > MAX_ELEMENTS) {
                throw new OnnxFormatException(file + ": more than " + MAX_ELEMENTS + " elements");
            }
            dims = java.util.Arrays.copyOf(dims, dims.length + 1);
            dims[dims.length - 1] = (int) v;
        }
        if (dims.length == 0) {
            dims = new int[] {1};
        }
        long dataStart = start + headerLen;
        if (b.length - dataStart != count * elem) {
            throw new OnnxFormatException(file + ": data has " + (b.length - dataStart) + " bytes, shape "
                    + java.util.Arrays.toString(dims) + " of " + descr + " needs " + count * elem);
        }
        float[] out = new float[(int) count];
        buf.position((int) dataStart);
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (descr) {
                case "<f4" -> buf.getFloat();
                case "<f8" -> (float) buf.getDouble();
                case "<i8" -> buf.getLong();
                default -> buf.get() & 0xFF;
            };
        }
        return Tensor.wrap(out, Shape.of(dims));
    }

    public static void write(Path file, Tensor t) throws IOException {
        StringBuilder shape = new StringBuilder();
        for (int d : t.shape().dims()) {
            shape.append(d).append(", ");
        }
        if (t.rank() > 1) {
            shape.setLength(shape.length() - 1);
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape.toString().trim() + "), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xFF);
        out.write(header.length() >> 8);
        out.write(header.getBytes(StandardCharsets.US_ASCII));
        ByteBuffer data = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : t.data()) {
            data.putFloat(v);
        }
        out.write(data.array());
        byte[] bytes = out.toByteArray();
        AtomicFiles.write(file, o -> o.write(bytes));
    }
}
