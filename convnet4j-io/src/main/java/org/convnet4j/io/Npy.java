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
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.AtomicFiles;
import org.convnet4j.util.MemoryBudget;

/**
 * NumPy .npy files (format versions 1-3) of little-endian float32, float64, int64, int32, int8, uint8 or bool in C
 * order, read into float tensors ({@link #read}) or with their element type kept ({@link #readData}). The header is parsed as plain text (never evaluated) and object arrays (pickles) are
 * refused; the data length must equal shape x element size. Written as float32 ({@link #write(Path, Tensor)}) or in the tensor's own type ({@link #write(Path, TensorData)}), version 1.0.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final long MAX_ELEMENTS = 1L << 28;

    private Npy() {
    }

    /** The array as a float tensor (integers converted; exact up to 2^24). */
    public static Tensor read(Path file) throws IOException {
        return readData(file).toTensor();
    }

    /** The first check of {@link #readData}: a .npy file of {@code size} bytes is held whole while it is decoded. */
    static void requireSize(Path file, long size) throws IOException {
        if (size > Integer.MAX_VALUE - 1024) {
            throw new OnnxFormatException(file + ": too large for a .npy tensor (" + size + " bytes)");
        }
        MemoryBudget.require(file + ": a .npy file of " + size + " bytes", size);
    }

    /**
     * The array with its element type kept: float32 as FLOAT, float64 as DOUBLE (exact doubles), int64 as INT64,
     * int32 as INT32, uint8 as UINT8, int8 as INT8, bool as BOOL (integers as exact longs), named by the file. The
     * element count is checked against the memory budget before the values are decoded.
     */
    public static TensorData readData(Path file) throws IOException {
        if (!Files.isRegularFile(file)) { // a device or a pipe has no size to budget (/dev/zero never ends)
            throw new OnnxFormatException(file + ": " + (Files.exists(file) ? "not a regular file" : "file not found"));
        }
        long size = Files.size(file);
        requireSize(file, size);
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
            throw new OnnxFormatException(file + ": .npy header lacks descr, fortran_order or shape: " + shown(header.trim()));
        }
        if (o.group(1).equals("True")) {
            throw new OnnxFormatException(file + ": Fortran-order arrays are not supported (save with C order)");
        }
        String descr = d.group(1);
        int elem = switch (descr) {
            case "<f4" -> 4;
            case "<f8", "<i8" -> 8;
            case "<i4" -> 4;
            case "|u1", "<u1", "|i1", "<i1", "|b1" -> 1;
            default -> throw new OnnxFormatException(file + ": dtype '" + shown(descr) + "' is not supported (float32,"
                    + " float64, int64, int32, int8, uint8 or bool, little-endian; object arrays are never read)");
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
                throw new OnnxFormatException(file + ": bad shape entry '" + shown(p.trim()) + "'");
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
        boolean scalar = dims.length == 0;
        if (scalar) {
            dims = new int[] {1};
        }
        long dataStart = start + headerLen;
        if (b.length - dataStart != count * elem) {
            throw new OnnxFormatException(file + ": data has " + (b.length - dataStart) + " bytes, shape "
                    + java.util.Arrays.toString(dims) + " of " + descr + " needs " + count * elem);
        }
        int n = (int) count;
        boolean integer = !descr.startsWith("<f");
        MemoryBudget.require(file + ": " + descr + " array of " + count + " elements",
                MemoryBudget.add(b.length, MemoryBudget.bytesOf(4L + (integer || descr.equals("<f8") ? 8 : 0), count)));
        float[] out = new float[n];
        long[] longs = integer ? new long[n] : null;
        double[] doubles = descr.equals("<f8") ? new double[n] : null;
        buf.position((int) dataStart);
        for (int i = 0; i < n; i++) {
            switch (descr) {
                case "<f4" -> out[i] = buf.getFloat();
                case "<f8" -> {
                    doubles[i] = buf.getDouble();
                    out[i] = (float) doubles[i];
                }
                default -> {
                    longs[i] = switch (descr) {
                        case "<i8" -> buf.getLong();
                        case "<i4" -> buf.getInt();
                        case "|i1", "<i1" -> buf.get();
                        case "|b1" -> buf.get() != 0 ? 1 : 0;
                        default -> buf.get() & 0xFF;
                    };
                    out[i] = longs[i];
                }
            }
        }
        long[] shape = new long[scalar ? 0 : dims.length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims[i];
        }
        int type = switch (descr) {
            case "<f4" -> OnnxModel.FLOAT;
            case "<f8" -> OnnxModel.DOUBLE;
            case "<i8" -> OnnxModel.INT64;
            case "<i4" -> OnnxModel.INT32;
            case "|i1", "<i1" -> OnnxModel.INT8;
            case "|b1" -> OnnxModel.BOOL;
            default -> OnnxModel.UINT8;
        };
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        return new TensorData(name, type, shape, out, longs, doubles);
    }

    /**
     * Writes {@code t} keeping its element type: FLOAT as float32, DOUBLE as float64, INT64, INT32, INT8, UINT8 and
     * BOOL as themselves; other types are refused (IllegalArgumentException naming the file and the type).
     */
    public static void write(Path file, TensorData t) throws IOException {
        byte[] bytes = bytes(file, t);
        AtomicFiles.write(file, o -> o.write(bytes));
    }

    /** The content of {@link #write(Path, TensorData)}'s file ({@code file} in messages). */
    static byte[] bytes(Path file, TensorData t) {
        String descr = switch (t.dataType()) {
            case OnnxModel.FLOAT -> "<f4";
            case OnnxModel.DOUBLE -> "<f8";
            case OnnxModel.INT64 -> "<i8";
            case OnnxModel.INT32 -> "<i4";
            case OnnxModel.INT8 -> "|i1";
            case OnnxModel.UINT8 -> "|u1";
            case OnnxModel.BOOL -> "|b1";
            default -> throw new IllegalArgumentException(file + ": a .npy file here holds float32, float64, int64,"
                    + " int32, int8, uint8 or bool, not " + OnnxModel.typeName(t.dataType()) + " (write .pb instead)");
        };
        int n = (int) t.elementCount();
        int elem = descr.equals("<f8") || descr.equals("<i8") ? 8 : descr.equals("<f4") || descr.equals("<i4") ? 4 : 1;
        ByteBuffer data = ByteBuffer.allocate(n * elem).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (descr) {
                case "<f4" -> data.putFloat(t.floats()[i]);
                case "<f8" -> data.putDouble(t.doubles() != null ? t.doubles()[i] : t.floats()[i]);
                case "<i8" -> data.putLong(t.longs()[i]);
                case "<i4" -> data.putInt((int) t.longs()[i]);
                default -> data.put((byte) t.longs()[i]);
            }
        }
        int[] dims = new int[t.dims().length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = (int) t.dims()[i];
        }
        return arrayBytes(descr, dims, data.array());
    }

    public static void write(Path file, Tensor t) throws IOException {
        byte[] bytes = bytes(t);
        AtomicFiles.write(file, o -> o.write(bytes));
    }

    /** The content of {@link #write(Path, Tensor)}'s file. */
    static byte[] bytes(Tensor t) {
        ByteBuffer data = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : t.data()) {
            data.putFloat(v);
        }
        return arrayBytes("<f4", t.shape().dims(), data.array());
    }

    private static byte[] arrayBytes(String descr, int[] dims, byte[] data) {
        StringBuilder shape = new StringBuilder();
        for (int d : dims) {
            shape.append(d).append(", ");
        }
        if (dims.length > 1) {
            shape.setLength(shape.length() - 1);
        }
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape.toString().trim() + "), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xFF);
        out.write(header.length() >> 8);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** Header text in a message: at most 60 characters, on one line, nothing a terminal would act on. */
    private static String shown(String text) {
        String s = text.length() > 60 ? text.substring(0, 60) + "... (" + text.length() + " characters)" : text;
        return org.convnet4j.util.TerminalText.escape(s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"));
    }
}
