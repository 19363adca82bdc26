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

    /**
     * ModelProto: ir_version, opset imports (domain to version; "" is the default ONNX domain), graph, and its
     * metadata_props (key to value; where the exporter records what standard operators cannot say, such as a
     * connection table: {@link OnnxExporter#RECORD_PREFIX}).
     */
    public record Model(long irVersion, Map<String, Long> opsets, String producerName, String producerVersion,
                        Graph graph, Map<String, String> metadata) {
        public Model {
            metadata = Map.copyOf(metadata);
        }

        /** A model without metadata. */
        public Model(long irVersion, Map<String, Long> opsets, String producerName, String producerVersion,
                     Graph graph) {
            this(irVersion, opsets, producerName, producerVersion, graph, Map.of());
        }
        /** The opset of the default domain ("" or "ai.onnx"), 1 if none is declared. */
        public long defaultOpset() {
            Long v = opsets.get("");
            if (v == null) {
                v = opsets.get("ai.onnx");
            }
            return v == null ? 1 : v;
        }

        /**
         * What the file holds, before any import, a line each: IR, opset and producer ("ONNX IR 8, opset 17, producer
         * pytorch 2.1.0"), the operators counted by type ("operators: {Conv=4, Relu=3}"), then "input  NAME [dims]" per
         * graph input and "output NAME [dims]" per output; what {@code convnet4j inspect} shows of an ONNX file.
         */
        public List<String> describe() {
            List<String> lines = new java.util.ArrayList<>();
            lines.add("ONNX IR " + irVersion + ", opset " + defaultOpset() + ", producer " + producerName + " "
                    + producerVersion);
            Map<String, Integer> ops = new java.util.TreeMap<>();
            graph.nodes().forEach(n -> ops.merge(n.opType(), 1, Integer::sum));
            lines.add("operators: " + ops);
            graph.inputs().forEach(v -> lines.add("input  " + v.name() + " " + java.util.Arrays.toString(v.dims())));
            graph.outputs().forEach(v -> lines.add("output " + v.name() + " " + java.util.Arrays.toString(v.dims())));
            return lines;
        }

        /**
         * This model with the per-sample shape of graph input {@code input} fixed to {@code sample} (axes 1 on;
         * axis 0, the batch axis, stays as the file has it). For exports whose height and width (or other
         * non-batch axes) are symbolic: the engine's layers have fixed per-sample shapes, and with the sizes fixed
         * the shape arithmetic such exports compute from {@code Shape} of a runtime tensor ({@code x.size()} in
         * PyTorch) folds at import. A fixed axis of the file must keep its size.
         *
         * @throws IllegalArgumentException naming the input and axis when the input does not exist, the rank
         *     differs or a fixed size would change
         */
        public Model withSampleShape(String input, int... sample) {
            List<ValueInfo> inputs = new java.util.ArrayList<>(graph.inputs());
            for (int k = 0; k < inputs.size(); k++) {
                ValueInfo in = inputs.get(k);
                if (!in.name().equals(input)) {
                    continue;
                }
                if (!in.hasShape() || in.dims().length != sample.length + 1) {
                    throw new IllegalArgumentException("input '" + input + "' has shape "
                            + (in.hasShape() ? java.util.Arrays.toString(in.dims()) : "(none)") + ", not a batch axis"
                            + " and " + sample.length + " more");
                }
                long[] dims = in.dims().clone();
                for (int i = 0; i < sample.length; i++) {
                    if (sample[i] < 1) {
                        throw new IllegalArgumentException("input '" + input + "': size " + sample[i] + " for axis "
                                + (i + 1));
                    }
                    if (dims[i + 1] > 0 && dims[i + 1] != sample[i]) {
                        throw new IllegalArgumentException("input '" + input + "' has a fixed size " + dims[i + 1]
                                + " along axis " + (i + 1) + ", not " + sample[i]);
                    }
                    dims[i + 1] = sample[i];
                }
                inputs.set(k, new ValueInfo(in.name(), in.elemType(), dims, true));
                return new Model(irVersion, opsets, producerName, producerVersion, new Graph(graph.name(),
                        graph.nodes(), graph.initializers(), List.copyOf(inputs), graph.outputs(), graph.valueInfo()), metadata);
            }
            throw new IllegalArgumentException("the model has no input '" + input + "'");
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
    public static final int UINT16 = 4;
    public static final int INT16 = 5;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    /** Text: read as {@code string_data}; only the typed program and ONNX-ML's string operators hold it. */
    public static final int STRING = 8;
    public static final int BOOL = 9;
    public static final int FLOAT16 = 10;
    public static final int DOUBLE = 11;
    public static final int UINT32 = 12;
    public static final int UINT64 = 13;
    public static final int BFLOAT16 = 16;

    /** FLOAT, DOUBLE, FLOAT16, BFLOAT16: the floating-point types (the others read are integer or BOOL). */
    public static boolean isFloating(int dataType) {
        return dataType == FLOAT || dataType == DOUBLE || dataType == FLOAT16 || dataType == BFLOAT16;
    }

    /** Bytes per element of a readable data type, 0 for any other type. */
    public static int elementSize(int dataType) {
        switch (dataType) {
            case UINT8:
            case INT8:
            case BOOL:
                return 1;
            case UINT16:
            case INT16:
            case FLOAT16:
            case BFLOAT16:
                return 2;
            case FLOAT:
            case INT32:
            case UINT32:
                return 4;
            case INT64:
            case UINT64:
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
