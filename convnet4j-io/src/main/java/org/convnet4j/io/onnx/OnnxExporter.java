package org.convnet4j.io.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerType;
import org.convnet4j.nn.LayerTypes;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.OnnxForm;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Writes a {@link Sequential} or {@link Graph} of our layers as an ONNX model (opset {@value #OPSET}) with a
 * symbolic batch axis "N". Nested models are inlined; parameter names become initializer names
 * ({@code conv1.kernel}). Each layer is written by the ONNX form of its {@link LayerType} ({@link LayerTypes}: the
 * library's own types and any registered one, through {@link OnnxForm.Export}); a layer without one fails naming
 * the layer.
 */
public final class OnnxExporter {
    /** The opset of the default domain written: the one the layer types' ONNX forms are written for. */
    public static final int OPSET = OnnxForm.OPSET;
    /**
     * Model metadata (metadata_props) that a layer's ONNX form records ({@link OnnxForm.Export#record}) is keyed
     * {@code RECORD_PREFIX + node name + ":" + what}; the importer reads it back for the node of that name.
     */
    public static final String RECORD_PREFIX = "org.convnet4j:";

    private final List<Node> nodes = new ArrayList<>();
    /** The per-sample shapes of every input of the layer being emitted. */
    private List<Shape> currentShapes = List.of();
    /** Custom operator domains used by layer types' own ONNX forms, with their versions (opset imports). */
    private final Map<String, Long> domains = new java.util.TreeMap<>();
    private final List<TensorData> inits = new ArrayList<>();
    private final Map<String, String> records = new LinkedHashMap<>();
    private final Map<String, Integer> used = new LinkedHashMap<>();

    /**
     * Initializers refer to the model's own arrays instead of copies: only for {@link #export}, which writes them at
     * once (a model returned by {@link #toOnnx} must not change when the model trains on).
     */
    private final boolean shareValues;

    private OnnxExporter(boolean shareValues) {
        this.shareValues = shareValues;
    }

    public static void export(Model model, Path file) throws IOException {
        OnnxWriter.writeModel(file, toOnnx(model, true));
    }

    public static OnnxModel.Model toOnnx(Model model) {
        return toOnnx(model, false);
    }

    private static OnnxModel.Model toOnnx(Model model, boolean shareValues) {
        OnnxExporter e = new OnnxExporter(shareValues);
        List<ValueInfo> inputs = new ArrayList<>();
        List<String> inNames = new ArrayList<>();
        List<Shape> inShapes = model.inputShapes();
        List<String> declared = model instanceof Graph ? ((Graph) model).inputNames() : List.of("input");
        long batch = fixedBatch(model);
        for (int i = 0; i < inShapes.size(); i++) {
            inputs.add(info(declared.get(i), inShapes.get(i), batch));
            inNames.add(declared.get(i));
        }
        List<String> outs = e.emitModel(model, "", inNames);
        List<ValueInfo> outputs = new ArrayList<>();
        List<Shape> outShapes = model instanceof Graph ? ((Graph) model).outputNames().stream()
                .map(n -> ((Graph) model).node(n).shape()).toList() : List.of(model.outputShape());
        for (int i = 0; i < outs.size(); i++) {
            outputs.add(info(outs.get(i), outShapes.get(i), batch));
        }
        String name = model.name() == null ? "convnet4j_model" : model.name();
        OnnxModel.Graph g = new OnnxModel.Graph(name, e.nodes, e.inits, inputs, outputs, List.of());
        Map<String, Long> opsets = new LinkedHashMap<>();
        opsets.put("", (long) OPSET);
        opsets.putAll(e.domains);
        return new OnnxModel.Model(8, opsets, "convnet4j", "0.1", g, e.records);
    }

    /**
     * Writes an imported program ({@link OnnxImporter#importProgram}) as an ONNX model of opset {@value #OPSET} with
     * its current weights: every input it is fed and every output, named and typed as the file it came from declared
     * them (inputs bound at import are constants of the program, written as initializers); the float graph by its
     * layers' ONNX forms, the typed path's and second stage's nodes as the file had them, translated from an opset
     * before 13 ({@link OnnxLegacyForms}). For programs that are not a model of one float input with a batch axis (int64
     * token inputs, several inputs, tensors without a batch axis), which {@link #export(Model, Path)} cannot take.
     *
     * @throws IllegalArgumentException one line naming the program and what cannot be written (a typed node of a
     *         newer opset than {@value #OPSET}, an older operator without a translation, a layer without ONNX form)
     */
    public static void export(OnnxProgram program, Path file) throws IOException {
        OnnxWriter.writeModel(file, toOnnx(program, "program", true));
    }

    /** As {@link #export(OnnxProgram, Path)}, the model in memory ({@code name} its graph's name). */
    public static OnnxModel.Model toOnnx(OnnxProgram program, String name) {
        return toOnnx(program, name, false);
    }

    private static OnnxModel.Model toOnnx(OnnxProgram program, String name, boolean shareValues) {
        OnnxExporter e = new OnnxExporter(shareValues);
        List<ValueInfo> inputs = new ArrayList<>();
        for (String in : program.inputNames()) {
            ValueInfo d = program.declaredInput(in);
            inputs.add(d != null ? d : new ValueInfo(in, OnnxModel.FLOAT, new long[0], false));
            e.used.put(in, 1);
        }
        List<String> outNames = program.outputNames();
        for (String o : outNames) {
            e.used.merge(o, 1, Integer::sum);
        }
        FormExport fe = e.new FormExport(OnnxImporter.sanitize(name), program.inputNames(), null, List.of());
        List<String> results = OnnxProgramExport.program(name, program, fe);
        List<ValueInfo> outputs = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ValueInfo declared = program.outputInfos().get(i);
            String o = outNames.get(i);
            if (program.inputNames().contains(o)) {
                // an input that is an output as well: the output is a copy under a name of its own
                o = e.unique(o + "_output");
            }
            e.node("Identity", e.unique(OnnxImporter.sanitize(name) + ".output_" + i), List.of(results.get(i)), o);
            outputs.add(new ValueInfo(o, declared.elemType(), declared.dims(), declared.hasShape()));
        }
        OnnxModel.Graph g = new OnnxModel.Graph(name, e.nodes, e.inits, inputs, outputs, List.of());
        Map<String, Long> opsets = new LinkedHashMap<>();
        opsets.put("", (long) OPSET);
        opsets.putAll(e.domains);
        return new OnnxModel.Model(8, opsets, "convnet4j", "0.1", g, e.records);
    }

    /**
     * The batch size a model's file fixed, where its first layer is an imported program that needs it
     * ({@link OnnxProgramLayer#fixedBatch}); else -1, a symbolic batch axis "N".
     */
    private static long fixedBatch(Model model) {
        if (model instanceof Sequential s && !s.layers().isEmpty() && s.layers().get(0) instanceof OnnxProgramLayer p) {
            return p.fixedBatch();
        }
        return -1;
    }

    private static ValueInfo info(String name, Shape sample, long batch) {
        long[] dims = new long[sample.rank() + 1];
        dims[0] = batch;
        for (int i = 0; i < sample.rank(); i++) {
            dims[i + 1] = sample.dim(i);
        }
        return new ValueInfo(name, OnnxModel.FLOAT, dims, true);
    }

    /** Emits a model's nodes fed by ONNX values {@code inputs}; returns the ONNX names of its outputs. */
    private List<String> emitModel(Model model, String prefix, List<String> inputs) {
        if (model instanceof Sequential s) {
            String x = inputs.get(0);
            Shape shape = s.inputShapes().get(0);
            for (Layer l : s.layers()) {
                currentShapes = List.of(shape);
                x = emitLayer(l, prefix, List.of(x));
                shape = l.outputShape(shape);
            }
            return List.of(x);
        }
        if (model instanceof Graph g) {
            Map<String, String> value = new LinkedHashMap<>();
            for (int i = 0; i < g.inputNames().size(); i++) {
                value.put(g.inputNames().get(i), inputs.get(i));
            }
            for (Graph.Node n : g.nodes()) {
                if (n.isInput()) {
                    continue;
                }
                List<String> from = n.inputs().stream().map(value::get).toList();
                currentShapes = n.inputs().stream().map(i -> g.node(i).shape()).toList();
                value.put(n.name(), emitLayer(n.layer(), prefix, from));
            }
            return g.outputNames().stream().map(value::get).toList();
        }
        throw new IllegalArgumentException("ONNX export: model class " + model.getClass().getSimpleName()
                + " (only Sequential and Graph)");
    }

    private String emitLayer(Layer l, String prefix, List<String> in) {
        String name = prefix + l.name();
        if (l instanceof Model m) {
            List<String> outs = emitModel(m, name + ".", in);
            return outs.get(0);
        }
        String out = unique(name);
        LayerType<?> type = typeOf(l);
        if (type == null) {
            throw unsupported(l, "no ONNX mapping for layer type " + l.type());
        }
        exportForm(type, l, name, in, out);
        return out;
    }

    /**
     * The registered type with an ONNX form for this layer: the type of its name, or else the type of its nearest
     * registered superclass (a subclass of Conv2d with a type name of its own is written as a Conv2d).
     */
    private static LayerType<?> typeOf(Layer l) {
        LayerType<?> named = LayerTypes.find(l.type());
        if (named != null && named.onnx() != null && named.layerClass().isInstance(l)) {
            return named;
        }
        List<LayerType<?>> all = LayerTypes.all();
        for (Class<?> k = l.getClass(); k != null && Layer.class.isAssignableFrom(k); k = k.getSuperclass()) {
            for (LayerType<?> t : all) {
                if (t.layerClass() == k && t.onnx() != null) {
                    return t;
                }
            }
        }
        return null;
    }

    /** A layer whose {@link LayerType} has an {@link OnnxForm}: the form writes it through {@link FormExport}. */
    private <L extends Layer> void exportForm(LayerType<L> type, Layer l, String name, List<String> in, String out) {
        type.onnx().export(type.layerClass().cast(l), new FormExport(name, in, out, currentShapes));
    }

    /**
     * The exporter as an {@link OnnxForm.Export}: what a layer type's own ONNX form writes through. The ONNX forms of
     * convnet4j-io's own layer types (an imported {@link OnnxProgram}) also write nested models, nodes as read from a
     * file and typed initializers through its package-private methods.
     */
    final class FormExport implements OnnxForm.Export {
        private final String name;
        private final List<String> inputs;
        private final String output;
        private final List<Shape> shapes;

        FormExport(String name, List<String> inputs, String output, List<Shape> shapes) {
            this.name = name;
            this.inputs = List.copyOf(inputs);
            this.output = output;
            this.shapes = shapes;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<String> inputs() {
            return inputs;
        }

        @Override
        public String output() {
            return output;
        }

        @Override
        public Shape inputShape(int i) {
            return shapes.get(i);
        }

        @Override
        public String initializer(String suffix, Tensor value) {
            return init(name + "." + suffix, value);
        }

        @Override
        public String constant(String suffix, Tensor value) {
            return OnnxExporter.this.constant(name + "." + suffix, value);
        }

        @Override
        public String longs(String suffix, long... values) {
            return longsInit(name + "." + suffix, values);
        }

        @Override
        public String scalar(String suffix, float value) {
            return init(name + "." + suffix, Tensor.wrap(new float[] {value}, 1), true);
        }

        @Override
        public void record(String what, String value) {
            records.put(RECORD_PREFIX + name + ":" + what, value);
        }

        @Override
        public String longScalar(String suffix, long value) {
            String k = unique(name + "." + suffix);
            inits.add(new TensorData(k, OnnxModel.INT64, new long[0], new float[] {value}, new long[] {value}));
            return k;
        }

        @Override
        public String value(String suffix) {
            return unique(name + suffix);
        }

        /** A model fed by the ONNX values {@code in} (as a nested model is); returns the values of its outputs. */
        List<String> model(Model m, List<String> in) {
            List<Shape> saved = currentShapes;
            try {
                return emitModel(m, name + ".", in);
            } finally {
                currentShapes = saved;
            }
        }

        /** An initializer of any element type named {@code name() + "." + suffix} (made unique); returns its name. */
        String tensor(String suffix, TensorData t) {
            String k = unique(name + "." + suffix);
            inits.add(new TensorData(k, t.dataType(), t.dims().clone(), t.floats(), t.longs(), t.doubles()));
            return k;
        }

        /** A node as a file holds it (any domain, several outputs, attributes as read), named after the layer. */
        void node(Node n, long domainVersion) {
            declare(n.domain(), domainVersion);
            nodes.add(new Node(unique(name + "." + (n.name().isEmpty() ? n.opType() : n.name())), n.opType(),
                    n.domain().equals("ai.onnx") ? "" : n.domain(), List.copyOf(n.inputs()), List.copyOf(n.outputs()),
                    n.attributes()));
        }

        private void declare(String domain, long domainVersion) {
            if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
                Long had = domains.putIfAbsent(domain, domainVersion);
                if (had != null && had != domainVersion) {
                    throw new IllegalArgumentException("ONNX export: domain " + domain + " at versions " + had
                            + " and " + domainVersion);
                }
            }
        }

        @Override
        public void node(String domain, long domainVersion, String opType, String nodeSuffix, List<String> in,
                         String out, Map<String, Object> attributes) {
            node(domain, domainVersion, opType, nodeSuffix, in, List.of(out), attributes);
        }

        @Override
        public void node(String domain, long domainVersion, String opType, String nodeSuffix, List<String> in,
                         List<String> out, Map<String, Object> attributes) {
            declare(domain, domainVersion);
            Map<String, Attribute> map = new LinkedHashMap<>();
            attributes.forEach((k, v) -> map.put(k, attribute(k, v)));
            nodes.add(new Node(name + nodeSuffix, opType, domain.equals("ai.onnx") ? "" : domain, List.copyOf(in),
                    List.copyOf(out), map));
        }
    }

    /** An attribute from a Java value (OnnxForm's convention). */
    private static Attribute attribute(String name, Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return intAttr(name, ((Number) v).longValue());
        }
        if (v instanceof Boolean b) {
            return intAttr(name, b ? 1 : 0);
        }
        if (v instanceof Float || v instanceof Double) {
            return floatAttr(name, ((Number) v).floatValue());
        }
        if (v instanceof String str) {
            return new Attribute(name, Attribute.STRING, 0, 0, str.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    null, null, null, null);
        }
        if (v instanceof long[] a) {
            return ints(name, a);
        }
        if (v instanceof int[] a) {
            return ints(name, java.util.Arrays.stream(a).asLongStream().toArray());
        }
        if (v instanceof float[] a) {
            return new Attribute(name, Attribute.FLOATS, 0, 0, null, null, a.clone(), null, null);
        }
        if (v instanceof String[] a) {
            List<byte[]> strings = new java.util.ArrayList<>();
            for (String str : a) {
                strings.add(str.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return new Attribute(name, Attribute.STRINGS, 0, 0, null, null, null, null, strings);
        }
        if (v instanceof Tensor t) {
            return new Attribute(name, Attribute.TENSOR, 0, 0, null, TensorData.of(name, t), null, null, null);
        }
        throw new IllegalArgumentException("ONNX export: attribute " + name + " of a " + (v == null ? "null"
                : v.getClass().getSimpleName()) + " (Long, Float, String, long[], int[], float[], String[] or Tensor)");
    }

    /** A Constant node holding {@code value}; returns its output name. */
    private String constant(String base, Tensor value) {
        String k = unique(base);
        node("Constant", k + "_node", List.of(), k, new Attribute("value", Attribute.TENSOR, 0, 0, null,
                TensorData.of(k, value), null, null, null));
        return k;
    }

    private String longsInit(String name, long[] v) {
        String k = unique(name);
        inits.add(TensorData.ofLongs(k, v, v.length));
        return k;
    }

    private String init(String name, Tensor value) {
        return init(name, value, false);
    }

    /** Adds an initializer; {@code scalar} stores a one-element tensor with no dims (as ONNX wants for bounds). */
    private String init(String name, Tensor value, boolean scalar) {
        String n = unique(name);
        TensorData t = shareValues && value.data().length == value.size() ? TensorData.sharing(n, value)
                : TensorData.of(n, value);
        inits.add(scalar ? new TensorData(n, OnnxModel.FLOAT, new long[0], t.floats(), null) : t);
        return n;
    }

    private String unique(String base) {
        int k = used.merge(base, 1, Integer::sum);
        return k == 1 ? base : base + "_" + (k - 1);
    }

    private void node(String op, String name, List<String> in, String out, Attribute... attrs) {
        Map<String, Attribute> map = new LinkedHashMap<>();
        for (Attribute a : attrs) {
            map.put(a.name(), a);
        }
        nodes.add(new Node(name, op, "", List.copyOf(in), List.of(out), map));
    }

    private static Attribute ints(String name, long... values) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, values, null);
    }

    private static Attribute intAttr(String name, long v) {
        return new Attribute(name, Attribute.INT, 0, v, null, null, null, null, null);
    }

    private static Attribute floatAttr(String name, float v) {
        return new Attribute(name, Attribute.FLOAT, v, 0, null, null, null, null, null);
    }

    private static IllegalArgumentException unsupported(Layer l, String why) {
        return new IllegalArgumentException("ONNX export: " + l.describe() + ": " + why);
    }
}
