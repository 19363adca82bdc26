package org.convnet4j.io.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
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
 */
public final class OnnxWriter {
    private OnnxWriter() {
    }

    public static void writeModel(Path file, Model model) throws IOException {
        byte[] bytes = modelBytes(model);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    public static void writeTensor(Path file, TensorData tensor) throws IOException {
        byte[] bytes = tensorBytes(tensor);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    public static byte[] modelBytes(Model m) {
        return message(out -> {
            out.writeInt64(1, m.irVersion());
            out.writeString(2, m.producerName());
            out.writeString(3, m.producerVersion());
            out.writeByteArray(7, graphBytes(m.graph()));
            for (Map.Entry<String, Long> e : m.opsets().entrySet()) {
                out.writeByteArray(8, message(o -> {
                    o.writeString(1, e.getKey());
                    o.writeInt64(2, e.getValue());
                }));
            }
            for (Map.Entry<String, String> e : m.metadata().entrySet()) {
                out.writeByteArray(14, message(o -> {
                    o.writeString(1, e.getKey());
                    o.writeString(2, e.getValue());
                }));
            }
        });
    }

    private static byte[] graphBytes(Graph g) {
        return message(out -> {
            for (Node n : g.nodes()) {
                out.writeByteArray(1, nodeBytes(n));
            }
            out.writeString(2, g.name());
            for (TensorData t : g.initializers()) {
                out.writeByteArray(5, tensorBytes(t));
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
        });
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
        return message(out -> {
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
            ByteBuffer b = ByteBuffer.allocate(t.floats().length * size).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < t.floats().length; k++) {
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
            out.writeByteArray(9, b.array());
        });
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
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
