package org.convnet4j.io.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.channels.SeekableByteChannel;
import java.util.Set;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Graph;
import org.convnet4j.io.onnx.OnnxModel.Model;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.util.MemoryBudget;

/**
 * Reads ONNX files (ModelProto) and single TensorProto files straight from the protobuf wire format, with
 * the field numbers of onnx.proto. The file is untrusted: nothing in it is executed, every length is checked
 * against the bytes that are really there before anything is allocated, element counts are multiplied with
 * overflow checks and capped, raw data must be exactly dims x element size, and external data may only
 * name a regular file inside the model's own directory. Every failure is an {@link OnnxFormatException}
 * naming the file.
 */
public final class OnnxReader {
    /** Largest file read into memory (Java arrays are int-indexed). */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 1024;
    /** Largest tensor, in elements (1 GiB of floats). */
    public static final long MAX_ELEMENTS = 1L << 28;

    private final String what;
    private final Path baseDir;
    /** Float32 bytes of the tensors read so far plus the external bytes they came from, for {@link MemoryBudget}. */
    private long declaredBytes;
    /** External bytes read so far per file (its real path): together they must lie within the file's size. */
    private final Map<Path, Long> externalUse = new LinkedHashMap<>();
    /**
     * What the tensor being read is, for messages: "initializer" in a graph, "Conv node 'c1' attribute 'value'"
     * inside a node's attribute, "tensor" in a TensorProto file.
     */
    private String tensorRole = "tensor";
    /**
     * The bytes being parsed, when the whole message is in memory (a file read at once, bytes given): a tensor's
     * raw_data is decoded from them where it lies instead of being copied out first (a 0.4 GB matrix of vgg11 was
     * held three times while read: the file, the copy, the floats).
     */
    private byte[] source;

    private OnnxReader(String what, Path baseDir) {
        this.what = what;
        this.baseDir = baseDir;
    }

    /** Reads a model file; external data is looked up next to it. */
    public static Model readModel(Path file) throws IOException {
        byte[] bytes = readCapped(file);
        OnnxReader reader = new OnnxReader(file.toString(), file.toAbsolutePath().getParent());
        reader.requireExternalWithinFiles(bytes);
        return reader.model(bytes);
    }

    /** Reads a model from bytes; {@code what} names the source in messages; external data is refused. */
    public static Model readModel(byte[] bytes, String what) throws OnnxFormatException {
        return new OnnxReader(what, null).model(bytes);
    }

    /** Reads a file holding one TensorProto (the ONNX test-data {@code input_0.pb} layout). */
    public static TensorData readTensor(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            requireTensorFileSize(file, Files.size(file));
        }
        byte[] bytes = readCapped(file);
        OnnxReader r = new OnnxReader(file.toString(), file.toAbsolutePath().getParent());
        r.source = bytes;
        try {
            return r.tensor(CodedInputStream.newInstance(bytes));
        } catch (IOException | RuntimeException e) {
            throw r.wrap(e);
        }
    }

    private static byte[] readCapped(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new OnnxFormatException(file + ": not a regular file");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new OnnxFormatException(file + ": " + size + " bytes is more than the " + MAX_FILE_BYTES
                    + " this reader holds in memory");
        }
        return Files.readAllBytes(file);
    }

    /**
     * The first check of {@link #readTensor}: a tensor file of {@code size} bytes is held whole in memory while it is
     * decoded, so it must fit a Java array and the memory budget ({@link MemoryBudget#require}).
     */
    public static void requireTensorFileSize(Path file, long size) throws IOException {
        if (size > MAX_FILE_BYTES) {
            throw new OnnxFormatException(file + ": " + size + " bytes is more than the " + MAX_FILE_BYTES
                    + " this reader holds in memory");
        }
        MemoryBudget.require(file + ": a tensor file of " + size + " bytes", size);
    }

    /**
     * Before any tensor is read: the external data the graph's initializers declare, summed per file, must fit that
     * file. Tensors that each fit but share one file's bytes (30 initializers over one sparse 256 MiB file, 7.5 GB
     * asked for by a file of 2 KB) are refused here, before the first is read, instead of after it. Anything this
     * scan cannot follow is left to the full reading, which checks each tensor and the running sum again.
     */
    private void requireExternalWithinFiles(byte[] bytes) throws OnnxFormatException {
        Map<Path, long[]> use = new LinkedHashMap<>(); // bytes declared, tensors
        Map<Path, String> names = new LinkedHashMap<>();
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (WireFormat.getTagFieldNumber(tag) != 7) {
                    in.skipField(tag);
                    continue;
                }
                nested(in, tag, graph -> {
                    for (int t = graph.readTag(); t != 0; t = graph.readTag()) {
                        if (WireFormat.getTagFieldNumber(t) != 5) {
                            graph.skipField(t);
                            continue;
                        }
                        nested(graph, t, tensor -> {
                            declaredExternal(tensor, use, names);
                            return null;
                        });
                    }
                    return null;
                });
            }
        } catch (IOException | RuntimeException e) {
            return; // the full reading says what is wrong with the file
        }
        for (Map.Entry<Path, long[]> e : use.entrySet()) {
            long size;
            try {
                size = Files.size(e.getKey());
            } catch (IOException | RuntimeException x) {
                continue;
            }
            // one tensor beyond its file, a file with other links: the full reading says so more precisely
            if (e.getValue()[1] > 1 && e.getValue()[0] > size
                    && !(linkCount(e.getKey()) instanceof Integer links && links > 1)) {
                throw bad(e.getValue()[1] + " initializers (" + names.get(e.getKey()) + ") declare "
                        + MemoryBudget.human(e.getValue()[0]) + " of external data in '" + baseDir.relativize(e.getKey())
                        + "', which holds " + MemoryBudget.human(size) + ": tensors that share one file's bytes are"
                        + " refused (each byte of external data may back one tensor)");
            }
        }
    }

    /** One TensorProto of the scan above: adds its external length to its file's total, when it has one. */
    private void declaredExternal(CodedInputStream in, Map<Path, long[]> use, Map<Path, String> names)
            throws IOException {
        LongList dims = new LongList();
        int dataType = 0;
        String name = "";
        boolean external = false;
        Map<String, String> ext = new LinkedHashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> readVarints(in, tag, dims);
                case 2 -> dataType = (int) varint(in, tag);
                case 8 -> name = string(in, tag);
                case 13 -> readEntry(in, tag, ext);
                case 14 -> external = varint(in, tag) == 1;
                default -> in.skipField(tag);
            }
        }
        String location = ext.get("location");
        if (!external || baseDir == null || location == null || location.isEmpty() || location.contains(":")) {
            return;
        }
        Path file = baseDir.resolve(location).normalize();
        if (!file.startsWith(baseDir) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        long length;
        if (ext.containsKey("length")) {
            length = Long.parseLong(ext.get("length").trim());
        } else {
            length = MemoryBudget.bytesOf(OnnxModel.elementSize(dataType), dims.toArray());
        }
        if (length < 0) {
            return;
        }
        long[] u = use.computeIfAbsent(file, f -> new long[2]);
        u[0] = MemoryBudget.add(u[0], length);
        u[1]++;
        names.merge(file, "'" + name + "'", (a, b) -> a.endsWith("...") ? a : a.chars().filter(c -> c == ',').count() >= 2
                ? a + ", ..." : a + ", " + b);
    }

    private Model model(byte[] bytes) throws OnnxFormatException {
        source = bytes;
        Model model;
        try {
            model = parseModel(CodedInputStream.newInstance(bytes));
        } catch (IOException | RuntimeException e) {
            throw wrap(e);
        }
        requireNoNaN(model.graph());
        return model;
    }

    /**
     * NaN in no stored value of a floating type: the initializers (weights, Clip bounds, operands), the tensors of node
     * attributes (a Constant node's value, ConstantOfShape's fill) and float attributes (a LeakyRelu's alpha, a
     * Constant's value_float), whatever reads them, so every use of the file (import, inspection, the typed path)
     * refuses it alike ({@link TrainingCheckpoints#requireNoNaN}). Infinities pass here: a constant may mean one (a
     * Clip bound); what becomes a learned weight is refused when infinite after the import
     * ({@code ModelLoader.importOnnx}). ONNX-ML operators' attributes are left: an Imputer's replaced_value_float is
     * NaN by design (NaN marks what it replaces) and a LabelEncoder compares its keys bit for bit (a NaN key maps NaN
     * inputs). Tensor files of inputs ({@link #readTensor}) are data, not a model: a NaN input is the caller's to give.
     */
    private void requireNoNaN(Graph graph) throws OnnxFormatException {
        try {
            for (TensorData t : graph.initializers()) {
                if (OnnxModel.isFloating(t.dataType())) {
                    requireNoNaN(t.floats(), "initializer '" + t.name() + "'");
                }
            }
            for (Node n : graph.nodes()) {
                if (OnnxMl.isMl(n)) {
                    continue;
                }
                String shown = n.name().isEmpty() && !n.outputs().isEmpty() ? n.outputs().get(0) : n.name();
                String node = n.opType() + " node '" + shown + "'";
                for (Attribute a : n.attributes().values()) {
                    String where = node + " attribute '" + a.name() + "'";
                    if (a.t() != null && OnnxModel.isFloating(a.t().dataType())) {
                        requireNoNaN(a.t().floats(), where);
                    } else if (a.type() == Attribute.FLOAT) {
                        requireNoNaN(new float[] {a.f()}, where);
                    } else if (a.type() == Attribute.FLOATS) {
                        requireNoNaN(a.floats(), where);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new OnnxFormatException(e.getMessage(), e); // one line naming the file, as every refusal here
        }
    }

    private void requireNoNaN(float[] values, String where) {
        TrainingCheckpoints.requireNoNaN(values, org.convnet4j.util.TerminalText.escape(where), what);
    }

    private OnnxFormatException wrap(Exception e) {
        if (e instanceof OnnxFormatException) {
            return (OnnxFormatException) e;
        }
        if (e instanceof MemoryBudget.TooLargeException) {
            return new OnnxFormatException(e.getMessage(), e); // a valid file, just too large: no "corrupted?"
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new OnnxFormatException(what + ": not a valid ONNX file (truncated or corrupted?): " + m, e);
    }

    /**
     * A refusal naming the file; names taken from it (a tensor's, a node's) are escaped, so the line stays one clean
     * line (Jazzer, sixteenth session: a TensorProto named U+0001 made "tensor '?' is segmented" with the raw
     * character).
     */
    private OnnxFormatException bad(String message) {
        return new OnnxFormatException(what + ": " + org.convnet4j.util.TerminalText.escape(message.replace("\n", "\\n")
                .replace("\t", "\\t")
                .replace("\r", "\\r")));
    }

    // ---- messages -------------------------------------------------------------------------------

    private Model parseModel(CodedInputStream in) throws IOException {
        long ir = 0;
        Map<String, Long> opsets = new LinkedHashMap<>();
        String producer = "";
        String producerVersion = "";
        Graph graph = null;
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> ir = varint(in, tag);
                case 2 -> producer = string(in, tag);
                case 3 -> producerVersion = string(in, tag);
                case 7 -> graph = nested(in, tag, this::parseGraph);
                case 8 -> {
                    long[] dv = new long[1];
                    String[] dom = {""};
                    nested(in, tag, sub -> {
                        for (int t = sub.readTag(); t != 0; t = sub.readTag()) {
                            switch (WireFormat.getTagFieldNumber(t)) {
                                case 1 -> dom[0] = string(sub, t);
                                case 2 -> dv[0] = varint(sub, t);
                                default -> sub.skipField(t);
                            }
                        }
                        return null;
                    });
                    opsets.put(dom[0], dv[0]);
                }
                case 14 -> { // metadata_props: StringStringEntryProto (key 1, value 2)
                    String[] kv = {"", ""};
                    nested(in, tag, sub -> {
                        for (int t = sub.readTag(); t != 0; t = sub.readTag()) {
                            switch (WireFormat.getTagFieldNumber(t)) {
                                case 1 -> kv[0] = string(sub, t);
                                case 2 -> kv[1] = string(sub, t);
                                default -> sub.skipField(t);
                            }
                        }
                        return null;
                    });
                    metadata.put(kv[0], kv[1]);
                }
                default -> in.skipField(tag);
            }
        }
        if (graph == null) {
            throw bad("has no graph (is it an ONNX model?)");
        }
        return new Model(ir, opsets, producer, producerVersion, graph, metadata);
    }

    private Graph parseGraph(CodedInputStream in) throws IOException {
        String name = "";
        List<Node> nodes = new ArrayList<>();
        List<TensorData> inits = new ArrayList<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        List<ValueInfo> info = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> nodes.add(nested(in, tag, this::parseNode));
                case 2 -> name = string(in, tag);
                case 5 -> {
                    tensorRole = "initializer";
                    inits.add(nested(in, tag, this::tensor));
                    tensorRole = "tensor";
                }
                case 11 -> inputs.add(nested(in, tag, this::parseValueInfo));
                case 12 -> outputs.add(nested(in, tag, this::parseValueInfo));
                case 13 -> info.add(nested(in, tag, this::parseValueInfo));
                case 15 -> throw bad("graph '" + name + "' has sparse initializers, which are not supported");
                default -> in.skipField(tag);
            }
        }
        return new Graph(name, nodes, inits, inputs, outputs, info);
    }

    private Node parseNode(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(string(in, tag));
                case 2 -> outputs.add(string(in, tag));
                case 3 -> name = string(in, tag);
                case 4 -> op = string(in, tag);
                case 7 -> domain = string(in, tag);
                case 5 -> {
                    String node = op + " node '" + (name.isEmpty() && !outputs.isEmpty() ? outputs.get(0) : name) + "'";
                    tensorRole = node + " attribute";
                    Attribute a = nested(in, tag, this::parseAttribute);
                    tensorRole = "tensor";
                    if (a.type() < 0 || a.type() > MAX_ATTRIBUTE_TYPE) {
                        throw bad(node + ": attribute '" + a.name() + "' has type " + a.type() + ", which is not an"
                                + " ONNX attribute type (AttributeProto.type is 1 to " + MAX_ATTRIBUTE_TYPE + ")");
                    }
                    attrs.put(a.name(), a);
                }
                default -> in.skipField(tag);
            }
        }
        return new Node(name, op, domain, inputs, outputs, attrs);
    }

    /** AttributeProto.AttributeType: FLOAT = 1 ... TYPE_PROTOS = 14 (0 is UNDEFINED, tolerated in old files). */
    private static final int MAX_ATTRIBUTE_TYPE = 14;

    private Attribute parseAttribute(CodedInputStream in) throws IOException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        byte[] s = null;
        TensorData t = null;
        FloatList floats = new FloatList();
        LongList ints = new LongList();
        List<byte[]> strings = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = string(in, tag);
                case 20 -> type = (int) varint(in, tag);
                case 2 -> {
                    expect(tag, WireFormat.WIRETYPE_FIXED32);
                    f = in.readFloat();
                }
                case 3 -> i = varint(in, tag);
                case 4 -> {
                    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    s = in.readByteArray();
                }
                case 5 -> {
                    String role = tensorRole;
                    tensorRole = role + " '" + name + "'";
                    t = nested(in, tag, this::tensor);
                    tensorRole = role;
                }
                case 7 -> readFloats(in, tag, floats);
                case 8 -> readVarints(in, tag, ints);
                case 9 -> {
                    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    strings.add(in.readByteArray());
                }
                default -> in.skipField(tag); // graphs, sparse tensors, type protos: not used by supported ops
            }
        }
        return new Attribute(name, type, f, i, s, t, floats.toArray(), ints.toArray(), strings);
    }

    private ValueInfo parseValueInfo(CodedInputStream in) throws IOException {
        String[] name = {""};
        int[] elem = {0};
        LongList dims = new LongList();
        boolean[] hasShape = {false};
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name[0] = string(in, tag);
                case 2 -> nested(in, tag, type -> { // TypeProto
                    for (int t = type.readTag(); t != 0; t = type.readTag()) {
                        if (WireFormat.getTagFieldNumber(t) != 1) {
                            type.skipField(t); // sequences, maps, optionals: left without a tensor type
                            continue;
                        }
                        nested(type, t, tensorType -> { // TypeProto.Tensor
                            for (int u = tensorType.readTag(); u != 0; u = tensorType.readTag()) {
                                switch (WireFormat.getTagFieldNumber(u)) {
                                    case 1 -> elem[0] = (int) varint(tensorType, u);
                                    case 2 -> {
                                        hasShape[0] = true;
                                        nested(tensorType, u, shape -> {
                                            for (int v = shape.readTag(); v != 0; v = shape.readTag()) {
                                                if (WireFormat.getTagFieldNumber(v) != 1) {
                                                    shape.skipField(v);
                                                    continue;
                                                }
                                                long[] value = {-1};
                                                nested(shape, v, dim -> {
                                                    for (int w = dim.readTag(); w != 0; w = dim.readTag()) {
                                                        if (WireFormat.getTagFieldNumber(w) == 1) {
                                                            value[0] = varint(dim, w);
                                                        } else {
                                                            dim.skipField(w);
                                                        }
                                                    }
                                                    return null;
                                                });
                                                dims.add(value[0]);
                                            }
                                            return null;
                                        });
                                    }
                                    default -> tensorType.skipField(u);
                                }
                            }
                            return null;
                        });
                    }
                    return null;
                });
                default -> in.skipField(tag);
            }
        }
        return new ValueInfo(name[0], elem[0], dims.toArray(), hasShape[0]);
    }

    /** TensorProto, decoded and checked. */
    TensorData tensor(CodedInputStream in) throws IOException {
        LongList dims = new LongList();
        int dataType = 0;
        String name = "";
        FloatList floatData = new FloatList();
        LongList intData = new LongList(); // int32_data and int64_data (never both for one type)
        LongList uint64Data = new LongList(); // uint64_data (UINT32, UINT64)
        List<Double> doubles = new ArrayList<>();
        byte[] raw = null; // raw_data: rawLength bytes of raw from rawOffset (the file's own bytes, or a copy)
        int rawOffset = 0;
        int rawLength = 0;
        boolean external = false;
        Map<String, String> ext = new LinkedHashMap<>();
        List<String> stringData = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> readVarints(in, tag, dims);
                case 6 -> stringData.add(string(in, tag));
                case 2 -> dataType = (int) varint(in, tag);
                case 4 -> readFloats(in, tag, floatData);
                case 5, 7 -> readVarints(in, tag, intData);
                case 11 -> readVarints(in, tag, uint64Data);
                case 8 -> name = string(in, tag);
                case 9 -> {
                    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    if (source != null) { // where the bytes lie in the message: skipped now, decoded below
                        rawLength = in.readRawVarint32();
                        if (rawLength < 0) {
                            throw bad("tensor '" + name + "': raw_data claims a negative length (corrupted)");
                        }
                        rawOffset = in.getTotalBytesRead();
                        in.skipRawBytes(rawLength); // within the message and the bytes, or an exception
                        raw = source;
                    } else {
                        raw = in.readByteArray();
                        rawOffset = 0;
                        rawLength = raw.length;
                    }
                }
                case 10 -> readDoubles(in, tag, doubles);
                case 13 -> readEntry(in, tag, ext);
                case 14 -> external = varint(in, tag) == 1;
                case 3 -> throw bad("tensor '" + name + "' is segmented, which is not supported");
                default -> in.skipField(tag);
            }
        }
        // an initializer by its name; a tensor inside an attribute by the node and attribute (its own name is often empty)
        String where = tensorRole.equals("initializer") || tensorRole.equals("tensor") ? tensorRole + " '" + name + "'"
                : tensorRole + (name.isEmpty() ? "" : " (tensor '" + name + "')");
        long[] d = dims.toArray();
        long count = 1;
        for (long x : d) {
            if (x < 0) {
                throw bad(where + ": dims " + Arrays.toString(d) + " has a negative dimension");
            }
            try {
                count = Math.multiplyExact(count, x);
            } catch (ArithmeticException e) {
                throw bad(where + ": dims " + Arrays.toString(d) + " overflow");
            }
            if (count > MAX_ELEMENTS) {
                throw bad(where + ": dims " + Arrays.toString(d) + " exceed the limit of " + MAX_ELEMENTS + " elements");
            }
        }
        int n = (int) count;
        if (dataType == OnnxModel.STRING) { // string_data only (its bytes are already in memory, read with the file)
            if (raw != null || external || stringData.size() != n) {
                throw bad(where + ": a STRING tensor needs string_data of " + n + " values (dims " + Arrays.toString(d)
                        + "), not " + (raw != null || external ? "raw or external data" : stringData.size() + " values"));
            }
            return new TensorData(name, dataType, d, new float[0], null, null, List.copyOf(stringData));
        }
        int size = OnnxModel.elementSize(dataType);
        if (size == 0) {
            throw bad(where + ": data_type " + OnnxModel.typeName(dataType) + " is not supported (FLOAT, DOUBLE, FLOAT16,"
                    + " BFLOAT16, INT8/16/32/64, UINT8/16/32/64, BOOL and STRING are)");
        }
        // what all tensors of the file ask for together (30 initializers can each stay under the per-tensor cap)
        long held = declaredBytes; // the tensors before this one are decoded already: in the heap, counted once
        declaredBytes = MemoryBudget.add(declaredBytes, MemoryBudget.bytesOf(4L + (dataType == OnnxModel.DOUBLE ? 8 : 0)
                + (external ? size : 0), n));
        MemoryBudget.require(what + ": its tensors (" + where + " and those before it)", declaredBytes, held);
        if (external) {
            raw = readExternal(where, ext, (long) n * size);
            rawOffset = 0;
            rawLength = raw.length;
        }
        float[] f = new float[n];
        boolean floating = OnnxModel.isFloating(dataType);
        long[] longs = floating ? null : new long[n];
        double[] exact = dataType == OnnxModel.DOUBLE ? new double[n] : null;
        if (raw != null) {
            if (rawLength != (long) n * size) {
                throw bad(where + ": raw_data has " + rawLength + " bytes, but dims " + Arrays.toString(d) + " x "
                        + size + " bytes (" + OnnxModel.typeName(dataType) + ") need " + (long) n * size);
            }
            ByteBuffer b = ByteBuffer.wrap(raw, rawOffset, rawLength).order(ByteOrder.LITTLE_ENDIAN);
            if (dataType == OnnxModel.FLOAT) {
                b.asFloatBuffer().get(f); // the same values as getFloat() one by one
            }
            for (int k = dataType == OnnxModel.FLOAT ? n : 0; k < n; k++) {
                switch (dataType) {
                    case OnnxModel.FLOAT -> f[k] = b.getFloat();
                    case OnnxModel.DOUBLE -> exact[k] = b.getDouble();
                    case OnnxModel.FLOAT16 -> f[k] = HalfFloats.halfToFloat(b.getShort() & 0xFFFF);
                    case OnnxModel.BFLOAT16 -> f[k] = HalfFloats.bfloat16ToFloat(b.getShort() & 0xFFFF);
                    case OnnxModel.INT64, OnnxModel.UINT64 -> longs[k] = b.getLong();
                    case OnnxModel.INT32 -> longs[k] = b.getInt();
                    case OnnxModel.UINT32 -> longs[k] = b.getInt() & 0xFFFFFFFFL;
                    case OnnxModel.INT16 -> longs[k] = b.getShort();
                    case OnnxModel.UINT16 -> longs[k] = b.getShort() & 0xFFFF;
                    case OnnxModel.INT8 -> longs[k] = b.get();
                    default -> longs[k] = b.get() & 0xFF; // UINT8, BOOL
                }
            }
        } else {
            boolean wide = dataType == OnnxModel.UINT32 || dataType == OnnxModel.UINT64;
            int have = dataType == OnnxModel.FLOAT ? floatData.size
                    : dataType == OnnxModel.DOUBLE ? doubles.size() : wide ? uint64Data.size : intData.size;
            if (have != n) {
                String field = switch (dataType) {
                    case OnnxModel.FLOAT -> "float_data";
                    case OnnxModel.DOUBLE -> "double_data";
                    case OnnxModel.INT64 -> "int64_data";
                    case OnnxModel.UINT32, OnnxModel.UINT64 -> "uint64_data";
                    default -> "int32_data";
                };
                throw bad(where + ": " + field + " holds " + have + " values (and there is no raw_data), but dims "
                        + Arrays.toString(d) + " need " + n);
            }
            for (int k = 0; k < n; k++) {
                switch (dataType) {
                    case OnnxModel.FLOAT -> f[k] = floatData.values[k];
                    case OnnxModel.DOUBLE -> exact[k] = doubles.get(k);
                    case OnnxModel.FLOAT16 -> f[k] = HalfFloats.halfToFloat((int) intData.values[k] & 0xFFFF);
                    case OnnxModel.BFLOAT16 -> f[k] = HalfFloats.bfloat16ToFloat((int) intData.values[k] & 0xFFFF);
                    case OnnxModel.INT32 -> longs[k] = (int) intData.values[k];
                    case OnnxModel.INT16 -> longs[k] = (short) intData.values[k];
                    case OnnxModel.UINT16 -> longs[k] = intData.values[k] & 0xFFFF;
                    case OnnxModel.INT8 -> longs[k] = (byte) intData.values[k];
                    case OnnxModel.UINT8, OnnxModel.BOOL -> longs[k] = intData.values[k] & 0xFF;
                    case OnnxModel.UINT32 -> longs[k] = uint64Data.values[k] & 0xFFFFFFFFL;
                    case OnnxModel.UINT64 -> longs[k] = uint64Data.values[k];
                    default -> longs[k] = intData.values[k];
                }
            }
        }
        if (exact != null) {
            for (int k = 0; k < n; k++) {
                f[k] = (float) exact[k];
            }
        }
        TensorData t = new TensorData(name, dataType, d, f, longs, exact);
        if (longs != null) {
            for (int k = 0; k < n; k++) {
                f[k] = (float) t.value(k);
            }
        }
        return t;
    }

    /** External data: a regular file inside the model's directory, offset and length within it. */
    private byte[] readExternal(String where, Map<String, String> ext, long expected) throws IOException {
        if (baseDir == null) {
            throw bad(where + ": has external_data, which cannot be read for an in-memory model");
        }
        String location = ext.get("location");
        if (location == null || location.isEmpty()) {
            throw bad(where + ": external_data has no 'location'");
        }
        Path rel = Path.of(location);
        if (rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\") || location.contains(":")) {
            throw bad(where + ": external_data location '" + location + "' is absolute; only files inside "
                    + baseDir + " are read");
        }
        for (Path part : rel) {
            if (part.toString().equals("..")) {
                throw bad(where + ": external_data location '" + location + "' leaves the model's directory");
            }
        }
        Path file = baseDir.resolve(rel).normalize();
        Path cursor = baseDir;
        for (Path part : rel) {
            cursor = cursor.resolve(part);
            if (Files.isSymbolicLink(cursor)) {
                throw bad(where + ": external_data location '" + location + "' goes through a symbolic link");
            }
        }
        if (!file.startsWith(baseDir) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw bad(where + ": external_data location '" + location + "' is not a regular file in " + baseDir);
        }
        if (!file.toRealPath().startsWith(baseDir.toRealPath())) {
            throw bad(where + ": external_data location '" + location + "' resolves outside " + baseDir);
        }
        long offset = parseLong(where, ext, "offset", 0);
        long length = parseLong(where, ext, "length", expected);
        if (length != expected) {
            throw bad(where + ": external_data length " + length + " does not match dims x element size " + expected);
        }
        byte[] out;
        // NOFOLLOW_LINKS: a symbolic link swapped in after the checks above is refused by open(2) itself
        try (SeekableByteChannel ch = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            // a hard link is indistinguishable from the file itself except by its count: one outside the model's
            // directory would let a model read any file the user can (its bytes then leak through predictions)
            Object links = linkCount(file);
            if (links instanceof Integer count && count > 1) {
                throw bad(where + ": external_data location '" + location + "' has " + count + " hard links; only a file"
                        + " with a single link is read (copy it instead of linking it)");
            }
            long fileSize = ch.size();
            if (offset > fileSize || length > fileSize - offset) {
                throw bad(where + ": external_data offset " + offset + " + length " + length + " lies outside '"
                        + location + "' (" + fileSize + " bytes)");
            }
            // tensors that each fit their file but together read more than it holds share its bytes
            long used = MemoryBudget.add(externalUse.getOrDefault(file, 0L), length);
            if (used < 0 || used > fileSize) {
                throw bad(where + ": external_data in '" + location + "' with the tensors before it comes to "
                        + MemoryBudget.human(used) + ", but the file holds " + MemoryBudget.human(fileSize)
                        + ": tensors that share one file's bytes are refused (each byte of external data may back one"
                        + " tensor)");
            }
            externalUse.put(file, used);
            out = new byte[(int) length];
            ch.position(offset);
            ByteBuffer buf = ByteBuffer.wrap(out);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw bad(where + ": external_data location '" + location + "' ended early");
                }
            }
        } catch (java.nio.file.FileSystemException e) {
            throw bad(where + ": external_data location '" + location + "' cannot be opened ("
                    + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()) + ")");
        }
        return out;
    }

    /** The number of hard links (unix:nlink), or null where the file system does not say. */
    private static Object linkCount(Path file) {
        try {
            return Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return null;
        }
    }

    private long parseLong(String where, Map<String, String> ext, String key, long fallback) throws OnnxFormatException {
        String v = ext.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            long x = Long.parseLong(v.trim());
            if (x < 0) {
                throw new NumberFormatException("negative");
            }
            return x;
        } catch (NumberFormatException e) {
            throw bad(where + ": external_data " + key + " '" + v + "' is not a whole number >= 0");
        }
    }

    // ---- wire helpers ---------------------------------------------------------------------------

    private interface Parser<T> {
        T parse(CodedInputStream in) throws IOException;
    }

    private <T> T nested(CodedInputStream in, int tag, Parser<T> parser) throws IOException {
        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        int len = in.readRawVarint32();
        if (len < 0) {
            throw bad("a nested message claims a negative length (corrupted)");
        }
        int old = in.pushLimit(len);
        T value = parser.parse(in);
        if (!in.isAtEnd()) {
            throw bad("a nested message ends early (corrupted)");
        }
        in.popLimit(old);
        return value;
    }

    private void expect(int tag, int wireType) throws OnnxFormatException {
        if (WireFormat.getTagWireType(tag) != wireType) {
            throw bad("field " + WireFormat.getTagFieldNumber(tag) + " has wire type " + WireFormat.getTagWireType(tag)
                    + ", expected " + wireType + " (corrupted?)");
        }
    }

    /** One StringStringEntry (key 1, value 2): a tensor's external-data location, offset, length, checksum. */
    private void readEntry(CodedInputStream in, int tag, Map<String, String> into) throws IOException {
        nested(in, tag, e -> {
            String k = "";
            String v = "";
            for (int t = e.readTag(); t != 0; t = e.readTag()) {
                switch (WireFormat.getTagFieldNumber(t)) {
                    case 1 -> k = string(e, t);
                    case 2 -> v = string(e, t);
                    default -> e.skipField(t);
                }
            }
            into.put(k, v);
            return null;
        });
    }

    private long varint(CodedInputStream in, int tag) throws IOException {
        expect(tag, WireFormat.WIRETYPE_VARINT);
        return in.readInt64();
    }

    private String string(CodedInputStream in, int tag) throws IOException {
        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        return new String(in.readByteArray(), StandardCharsets.UTF_8);
    }

    private void readVarints(CodedInputStream in, int tag, LongList out) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int len = in.readRawVarint32();
            int old = in.pushLimit(len);
            while (!in.isAtEnd()) {
                out.add(in.readInt64());
            }
            in.popLimit(old);
        } else {
            out.add(varint(in, tag));
        }
    }

    private void readFloats(CodedInputStream in, int tag, FloatList out) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int len = in.readRawVarint32();
            if (len % 4 != 0) {
                throw bad("packed float field of " + len + " bytes (not a multiple of 4)");
            }
            int old = in.pushLimit(len);
            while (!in.isAtEnd()) {
                out.add(in.readFloat());
            }
            in.popLimit(old);
        } else {
            expect(tag, WireFormat.WIRETYPE_FIXED32);
            out.add(in.readFloat());
        }
    }

    private void readDoubles(CodedInputStream in, int tag, List<Double> out) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int len = in.readRawVarint32();
            if (len % 8 != 0) {
                throw bad("packed double field of " + len + " bytes (not a multiple of 8)");
            }
            int old = in.pushLimit(len);
            while (!in.isAtEnd()) {
                out.add(in.readDouble());
            }
            in.popLimit(old);
        } else {
            expect(tag, WireFormat.WIRETYPE_FIXED64);
            out.add(in.readDouble());
        }
    }

    /** Growable primitive lists: each element costs at least one byte of input, so growth is bounded. */
    private static final class LongList {
        long[] values = new long[8];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    private static final class FloatList {
        float[] values = new float[8];
        int size;

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
