package org.convnet4j.io.onnx;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Graph;
import org.convnet4j.io.onnx.OnnxModel.Model;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.util.AtomicFiles;

/**
 * Writes ModelProto and TensorProto in the protobuf wire format (field numbers from onnx.proto). Tensor
 * values go into raw_data (little-endian), as exporters usually do. Files are written atomically.
 *
 * <p>A model is streamed: the sizes of the graph and of each initializer (protobuf puts a message's length before it)
 * are computed from the tensors' dims, then every initializer's values are encoded in chunks of at most
 * {@value #CHUNK} bytes straight into the file. Writing vgg11_bn's 0.53 GB of weights held several whole copies
 * before (each tensor's bytes, the tensor message, the graph's message and the model's, each in a growing buffer).
 */
public final class OnnxWriter {
    /** Bytes of raw_data encoded at a time. */
    static final int CHUNK = 1 << 16;

    private OnnxWriter() {
    }

    public static void writeModel(Path file, Model model) throws IOException {
        long size = modelSize(model); // before the file is created: a model above 2 GB is refused
        AtomicFiles.write(file, out -> {
            CodedOutputStream coded = CodedOutputStream.newInstance(out, CHUNK);
            writeModel(coded, model);
            coded.flush();
            if (coded.getTotalBytesWritten() != size) { // the lengths written ahead must be what followed them
                throw new IllegalStateException("ONNX writer: wrote " + coded.getTotalBytesWritten() + " bytes to "
                        + file + ", computed " + size + " (the file is not kept)");
            }
        });
    }

    public static void writeTensor(Path file, TensorData tensor) throws IOException {
        byte[] bytes = tensorBytes(tensor);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    public static byte[] modelBytes(Model m) {
        return exactly(modelSize(m), out -> writeModel(out, m));
    }

    private static void writeModel(CodedOutputStream out, Model m) throws IOException {
        out.writeInt64(1, m.irVersion());
        out.writeString(2, m.producerName());
        out.writeString(3, m.producerVersion());
        out.writeTag(7, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(messageLength(graphSize(m.graph())));
        writeGraph(out, m.graph());
        for (byte[] b : opsetBytes(m)) {
            out.writeByteArray(8, b);
        }
        for (byte[] b : metadataBytes(m)) {
            out.writeByteArray(14, b);
        }
    }

    private static long modelSize(Model m) {
        long n = CodedOutputStream.computeInt64Size(1, m.irVersion())
                + CodedOutputStream.computeStringSize(2, m.producerName())
                + CodedOutputStream.computeStringSize(3, m.producerVersion())
                + delimitedSize(7, graphSize(m.graph()));
        for (byte[] b : opsetBytes(m)) {
            n += CodedOutputStream.computeByteArraySize(8, b);
        }
        for (byte[] b : metadataBytes(m)) {
            n += CodedOutputStream.computeByteArraySize(14, b);
        }
        messageLength(n);
        return n;
    }

    private static List<byte[]> opsetBytes(Model m) {
        List<byte[]> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : m.opsets().entrySet()) {
            out.add(message(o -> {
                o.writeString(1, e.getKey());
                o.writeInt64(2, e.getValue());
            }));
        }
        return out;
    }

    private static List<byte[]> metadataBytes(Model m) {
        List<byte[]> out = new ArrayList<>();
        for (Map.Entry<String, String> e : m.metadata().entrySet()) {
            out.add(message(o -> {
                o.writeString(1, e.getKey());
                o.writeString(2, e.getValue());
            }));
        }
        return out;
    }

    /** The graph's fields in onnx.proto's order; initializers streamed ({@link #writeTensor(CodedOutputStream, TensorData)}). */
    private static void writeGraph(CodedOutputStream out, Graph g) throws IOException {
        for (Node n : g.nodes()) {
            out.writeByteArray(1, nodeBytes(n));
        }
        out.writeString(2, g.name());
        for (TensorData t : g.initializers()) {
            out.writeTag(5, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(messageLength(tensorSize(t)));
            writeTensor(out, t);
        }
        for (ValueInfo v : g.inputs()) {
            out.writeByteArray(11, valueInfoBytes(v));
        }
        for (ValueInfo v : g.outputs()) {
            out.writeByteArray(12, valueInfoBytes(v));
        }
        for (ValueInfo v : g.valueInfo()) {
            out.writeByteArray(13, valueInfoBytes(v));
        }
    }

    private static long graphSize(Graph g) {
        long n = 0;
        for (Node node : g.nodes()) {
            n += CodedOutputStream.computeByteArraySize(1, nodeBytes(node));
        }
        n += CodedOutputStream.computeStringSize(2, g.name());
        for (TensorData t : g.initializers()) {
            n += delimitedSize(5, tensorSize(t));
        }
        for (ValueInfo v : g.inputs()) {
            n += CodedOutputStream.computeByteArraySize(11, valueInfoBytes(v));
        }
        for (ValueInfo v : g.outputs()) {
            n += CodedOutputStream.computeByteArraySize(12, valueInfoBytes(v));
        }
        for (ValueInfo v : g.valueInfo()) {
            n += CodedOutputStream.computeByteArraySize(13, valueInfoBytes(v));
        }
        return n;
    }

    /** A length-delimited field of {@code length} bytes: tag, length, content. */
    private static long delimitedSize(int field, long length) {
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(messageLength(length))
                + length;
    }

    /** A message's length as protobuf writes it (an int: 2 GB at most, as every protobuf reader requires). */
    private static int messageLength(long length) {
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ONNX writer: the model needs " + length + " bytes, above protobuf's"
                    + " limit of 2 GB for one message (weights this large go into ONNX external data, which this"
                    + " writer does not write)");
        }
        return (int) length;
    }

    private static byte[] nodeBytes(Node n) {
        return message(out -> {
            for (String s : n.inputs()) {
                out.writeString(1, s);
            }
            for (String s : n.outputs()) {
                out.writeString(2, s);
            }
            out.writeString(3, n.name());
            out.writeString(4, n.opType());
            for (Attribute a : n.attributes().values()) {
                out.writeByteArray(5, attributeBytes(a));
            }
            if (!n.domain().isEmpty()) {
                out.writeString(7, n.domain());
            }
        });
    }

    private static byte[] attributeBytes(Attribute a) {
        return message(out -> {
            out.writeString(1, a.name());
            switch (a.type()) {
                case Attribute.FLOAT -> out.writeFloat(2, a.f());
                case Attribute.INT -> out.writeInt64(3, a.i());
                case Attribute.STRING -> out.writeByteArray(4, a.s());
                case Attribute.TENSOR -> out.writeByteArray(5, tensorBytes(a.t()));
                case Attribute.FLOATS -> {
                    for (float f : a.floats()) {
                        out.writeFloat(7, f);
                    }
                }
                case Attribute.INTS -> {
                    for (long i : a.ints()) {
                        out.writeInt64(8, i);
                    }
                }
                case Attribute.STRINGS -> {
                    for (byte[] b : a.strings()) {
                        out.writeByteArray(9, b);
                    }
                }
                default -> throw new IllegalArgumentException("ONNX writer: attribute '" + a.name() + "' of type "
                        + a.type() + " cannot be written");
            }
            out.writeEnum(20, a.type());
        });
    }

    private static byte[] valueInfoBytes(ValueInfo v) {
        byte[] shape = v.dims() == null ? new byte[0] : message(out -> {
            for (long d : v.dims()) {
                out.writeByteArray(1, message(o -> {
                    if (d >= 0) {
                        o.writeInt64(1, d);
                    } else {
                        o.writeString(2, "N");
                    }
                }));
            }
        });
        byte[] tensorType = message(out -> {
            out.writeInt32(1, v.elemType());
            if (v.hasShape() && v.dims() != null) { // no shape field: the shape is unknown (an empty one is a scalar)
                out.writeByteArray(2, shape);
            }
        });
        return message(out -> {
            out.writeString(1, v.name());
            out.writeByteArray(2, message(o -> o.writeByteArray(1, tensorType)));
        });
    }

    public static byte[] tensorBytes(TensorData t) {
        return exactly(tensorSize(t), out -> writeTensor(out, t));
    }

    private static long tensorSize(TensorData t) {
        long n = 0;
        for (long d : t.dims()) {
            n += CodedOutputStream.computeInt64Size(1, d);
        }
        n += CodedOutputStream.computeInt32Size(2, t.dataType()) + CodedOutputStream.computeStringSize(8, t.name());
        if (t.isString()) {
            for (String v : t.strings()) {
                n += CodedOutputStream.computeStringSize(6, v);
            }
            return n;
        }
        int size = OnnxModel.elementSize(t.dataType());
        if (size == 0 && t.floats().length > 0) { // before the file is made
            throw new IllegalArgumentException("ONNX writer: tensor '" + t.name() + "' has type "
                    + OnnxModel.typeName(t.dataType()));
        }
        return n + delimitedSize(9, (long) t.floats().length * size);
    }

    /** A TensorProto's fields; raw_data encoded {@value #CHUNK} bytes at a time. */
    private static void writeTensor(CodedOutputStream out, TensorData t) throws IOException {
        for (long d : t.dims()) {
            out.writeInt64(1, d);
        }
        out.writeInt32(2, t.dataType());
        out.writeString(8, t.name());
        if (t.isString()) { // string_data, as read (a classifier's class names)
            for (String v : t.strings()) {
                out.writeString(6, v);
            }
            return;
        }
        int size = OnnxModel.elementSize(t.dataType());
        int count = t.floats().length;
        out.writeTag(9, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(messageLength((long) count * size));
        if (count == 0) {
            return;
        }
        if (size == 0) {
            throw new IllegalArgumentException("ONNX writer: tensor '" + t.name() + "' has type "
                    + OnnxModel.typeName(t.dataType()));
        }
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(CHUNK, (long) count * size)).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = b.capacity() / size;
        for (int from = 0; from < count; from += perChunk) {
            int to = Math.min(count, from + perChunk);
            b.clear();
            if (t.dataType() == OnnxModel.FLOAT) {
                b.asFloatBuffer().put(t.floats(), from, to - from);
                b.position((to - from) * size);
            } else {
                for (int k = from; k < to; k++) {
                    put(b, t, k);
                }
            }
            out.writeRawBytes(b.array(), 0, b.position());
        }
    }

    private static void put(ByteBuffer b, TensorData t, int k) {
        switch (t.dataType()) {
            case OnnxModel.FLOAT -> b.putFloat(t.floats()[k]);
            case OnnxModel.DOUBLE -> b.putDouble(t.value(k));
            case OnnxModel.FLOAT16 -> b.putShort((short) HalfFloats.halfBits(t.floats()[k]));
            case OnnxModel.BFLOAT16 -> b.putShort((short) HalfFloats.bfloat16Bits(t.floats()[k]));
            case OnnxModel.INT64, OnnxModel.UINT64 -> b.putLong(t.longs()[k]);
            case OnnxModel.INT32, OnnxModel.UINT32 -> b.putInt((int) t.longs()[k]);
            case OnnxModel.INT16, OnnxModel.UINT16 -> b.putShort((short) t.longs()[k]);
            case OnnxModel.UINT8, OnnxModel.INT8, OnnxModel.BOOL -> b.put((byte) t.longs()[k]);
            default -> throw new IllegalArgumentException("ONNX writer: tensor '" + t.name() + "' has type "
                    + OnnxModel.typeName(t.dataType()));
        }
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    /** {@code body} written into an array of exactly {@code size} bytes (its size computed ahead). */
    private static byte[] exactly(long size, Body body) {
        byte[] bytes = new byte[messageLength(size)];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // an array does not fail, but for a size computed wrong
        }
        out.checkNoSpaceLeft();
        return bytes;
    }

    private static byte[] message(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
    }
}
