package org.convnet4j.io.onnx;

import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX ModelProto this library reads and writes (field numbers from onnx.proto). Sub-graphs
 * (If/Loop bodies), functions and training info are not kept.
 */
public final class OnnxModel {
    private OnnxModel() {
    }

    /** ModelProto: ir_version, opset imports (domain to version; "" is the default ONNX domain), graph. */
    public record Model(long irVersion, Map<String, Long> opsets, String producerName, String producerVersion,
                        Graph graph) {
        /** The opset of the default domain ("" or "ai.onnx"), 1 if none is declared. */
        public long defaultOpset() {
            Long v = opsets.get("");
            if (v == null) {
                v = opsets.get("ai.onnx");
            }
            return v == null ? 1 : v;
        }
    }

    public record Graph(String name, List<Node> nodes, List<TensorData> initializers, List<ValueInfo> inputs,
                        List<ValueInfo> outputs, List<ValueInfo> valueInfo) {
    }

    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       Map<String, Attribute> attributes) {
    }

    /** AttributeProto; only the fields for its {@code type} are meaningful. */
    public record Attribute(String name, int type, float f, long i, byte[] s, TensorData t, float[] floats,
                            long[] ints, List<byte[]> strings) {
        public static final int FLOAT = 1;
        public static final int INT = 2;
        public static final int STRING = 3;
        public static final int TENSOR = 4;
        public static final int GRAPH = 5;
        public static final int FLOATS = 6;
        public static final int INTS = 7;
        public static final int STRINGS = 8;

        public String string() {
            return s == null ? "" : new String(s, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** ValueInfoProto with a tensor type: element type and dims (-1 where the dimension is symbolic or absent). */
    public record ValueInfo(String name, int elemType, long[] dims, boolean hasShape) {
    }

    /** Element types of TensorProto.DataType that this library reads. */
    public static final int FLOAT = 1;
    public static final int UINT8 = 2;
    public static final int INT8 = 3;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int BOOL = 9;
    public static final int DOUBLE = 11;

    /** Bytes per element of a readable data type, 0 for any other type. */
    public static int elementSize(int dataType) {
        switch (dataType) {
            case UINT8:
            case INT8:
            case BOOL:
                return 1;
            case FLOAT:
            case INT32:
                return 4;
            case INT64:
            case DOUBLE:
                return 8;
            default:
                return 0;
        }
    }

    public static String typeName(int dataType) {
        String[] names = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING",
            "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
        return dataType >= 0 && dataType < names.length ? names[dataType] : "type " + dataType;
    }
}
