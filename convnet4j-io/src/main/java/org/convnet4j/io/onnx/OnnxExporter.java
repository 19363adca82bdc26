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
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.Arithmetic;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.AxisSoftmax;
import org.convnet4j.nn.layers.BatchNorm;
import org.convnet4j.nn.layers.Clip;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.ConstantArithmetic;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.ConvTranspose2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.ArgMax;
import org.convnet4j.nn.layers.AxisResize;
import org.convnet4j.nn.layers.AxisTaps;
import org.convnet4j.nn.layers.DilatedAvgPool2d;
import org.convnet4j.nn.layers.DilatedMaxPool2d;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.PRelu;
import org.convnet4j.nn.layers.Elementwise;
import org.convnet4j.nn.layers.LayerNorm;
import org.convnet4j.nn.layers.MatMul;
import org.convnet4j.nn.layers.Reduce;
import org.convnet4j.nn.layers.Slice;
import org.convnet4j.nn.layers.Take;
import org.convnet4j.nn.layers.Transpose;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.GlobalMaxPool2d;
import org.convnet4j.nn.layers.LRN;
import org.convnet4j.nn.layers.LeakyReLU;
import org.convnet4j.nn.layers.LpPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.PadNd;
import org.convnet4j.nn.layers.Pool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.Reshape;
import org.convnet4j.nn.layers.Sigmoid;
import org.convnet4j.nn.layers.Softmax;
import org.convnet4j.nn.layers.Tanh;
import org.convnet4j.nn.layers.ZeroPad2d;
import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Writes a {@link Sequential} or {@link Graph} of our layers as an ONNX model (opset {@value #OPSET}) with a
 * symbolic batch axis "N". Nested models are inlined; parameter names become initializer names
 * ({@code conv1.kernel}). A layer without an ONNX counterpart fails naming the layer.
 */
public final class OnnxExporter {
    public static final int OPSET = 17;

    /** How a layer type becomes ONNX nodes: the one place a layer is added to the exporter. */
    @FunctionalInterface
    interface LayerExport {
        void emit(OnnxExporter e, Layer layer, String name, List<String> in, String out);
    }

    private static final Map<Class<? extends Layer>, LayerExport> EXPORTS = new LinkedHashMap<>();

    static <L extends Layer> void register(Class<L> type, LayerExport export) {
        EXPORTS.put(type, export);
    }

    static {
        register(Elementwise.class, (e, l, name, in, out) -> e.elementwise((Elementwise) l, name, in.get(0), out));
        register(Transpose.class, (e, l, name, in, out) -> {
            int[] p = ((Transpose) l).perm();
            long[] perm = new long[p.length + 1];
            for (int i = 0; i < p.length; i++) {
                perm[i + 1] = p[i] + 1;
            }
            e.node("Transpose", name, in, out, ints("perm", perm));
        });
        register(Slice.class, (e, l, name, in, out) -> {
            Map<String, Object> c = l.config();
            long[] st = longs(c.get("starts"));
            long[] en = longs(c.get("ends"));
            long[] sp = longs(c.get("steps"));
            long[] axes = new long[st.length];
            for (int i = 0; i < st.length; i++) {
                axes[i] = i + 1;
                if (sp[i] < 0 && en[i] == -1) {
                    en[i] = Long.MIN_VALUE; // before the first value (ONNX would read -1 as the last)
                }
            }
            e.node("Slice", name, List.of(in.get(0), e.longsInit(name + ".starts", st), e.longsInit(name + ".ends", en),
                    e.longsInit(name + ".axes", axes), e.longsInit(name + ".steps", sp)), out);
        });
        register(Take.class, (e, l, name, in, out) -> {
            Map<String, Object> c = l.config();
            long[] idx = longs(c.get("indices"));
            String k = e.unique(name + ".indices");
            boolean drop = (Boolean) c.get("drop_axis");
            e.inits.add(drop ? new TensorData(k, OnnxModel.INT64, new long[0], new float[] {idx[0]}, idx)
                    : TensorData.ofLongs(k, idx, idx.length));
            e.node("Gather", name, List.of(in.get(0), k), out,
                    intAttr("axis", ((Number) c.get("axis")).longValue() + 1));
        });
        register(Reduce.class, (e, l, name, in, out) -> {
            Reduce r = (Reduce) l;
            int[] a = r.axes();
            long[] axes = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                axes[i] = a[i] + 1;
            }
            String op = switch (r.op()) {
                case MEAN -> "ReduceMean";
                case SUM -> "ReduceSum";
                case MAX -> "ReduceMax";
                case MIN -> "ReduceMin";
                case L1 -> "ReduceL1";
                case L2 -> "ReduceL2";
                case SUM_SQUARE -> "ReduceSumSquare";
                case LOG_SUM_EXP -> "ReduceLogSumExp";
            };
            Attribute keep = intAttr("keepdims", r.keepDims() ? 1 : 0);
            if (r.op() == Reduce.Op.SUM) { // axes became an input of ReduceSum at opset 13
                e.node(op, name, List.of(in.get(0), e.longsInit(name + ".axes", axes)), out, keep);
            } else {
                e.node(op, name, in, out, ints("axes", axes), keep);
            }
        });
        register(LayerNorm.class, (e, l, name, in, out) -> {
            LayerNorm n = (LayerNorm) l;
            // a fixed identity affine (the normalisation inside an imported Group/InstanceNormalization) is written
            // as Constant nodes, so importing the file again keeps it fixed; otherwise initializers (learned)
            boolean fixed = !n.isTrainable() && allEqual(n.gamma().value(), 1f) && allEqual(n.beta().value(), 0f);
            String gamma = fixed ? e.constant(name + ".gamma", n.gamma().value()) : e.init(name + ".gamma", n.gamma().value());
            String beta = fixed ? e.constant(name + ".beta", n.beta().value()) : e.init(name + ".beta", n.beta().value());
            e.node("LayerNormalization", name, List.of(in.get(0), gamma, beta), out,
                    intAttr("axis", -n.normalizedAxes()), floatAttr("epsilon", (float) n.eps()));
        });
        register(MatMul.class, (e, l, name, in, out) -> e.node("MatMul", name, in, out));
        register(DilatedMaxPool2d.class, (e, l, name, in, out) -> {
            DilatedMaxPool2d p = (DilatedMaxPool2d) l;
            int[] k = p.kernel();
            int[] st = p.strides();
            int[] d = p.dilations();
            int[] pd = p.pads();
            e.node("MaxPool", name, in, out, ints("kernel_shape", k[0], k[1]), ints("strides", st[0], st[1]),
                    ints("dilations", d[0], d[1]), ints("pads", pd[0], pd[1], pd[2], pd[3]),
                    intAttr("ceil_mode", p.ceilMode() ? 1 : 0));
        });
        register(DilatedAvgPool2d.class, (e, l, name, in, out) -> e.dilatedAvgPool((DilatedAvgPool2d) l, name,
                in.get(0), out));
        register(PRelu.class, (e, l, name, in, out) -> {
            Tensor slope = ((PRelu) l).slope().value();
            e.node("PRelu", name, List.of(in.get(0), e.init(name + ".slope", slope.reshape(slope.shape().prepend(1)))),
                    out);
        });
        register(ArgMax.class, (e, l, name, in, out) -> {
            Map<String, Object> c = l.config();
            e.node("ArgMax", name + "_index", in, e.unique(name + "_index"),
                    intAttr("axis", ((Number) c.get("axis")).longValue() + 1),
                    intAttr("keepdims", (Boolean) c.get("keep_dims") ? 1 : 0),
                    intAttr("select_last_index", (Boolean) c.get("select_last") ? 1 : 0));
            // ONNX ArgMax yields int64; our layer yields the index as a float
            e.node("Cast", name, List.of(e.lastOutput()), out, intAttr("to", OnnxModel.FLOAT));
        });
        register(AxisResize.class, (e, l, name, in, out) -> e.axisResize(((AxisResize) l).axis(),
                ((AxisResize) l).matrix(e.currentShape.dim(((AxisResize) l).axis())), name, in.get(0), out));
        register(AxisTaps.class, (e, l, name, in, out) -> e.axisResize(((AxisTaps) l).axis(),
                ((AxisTaps) l).matrix(e.currentShape.dim(((AxisTaps) l).axis())), name, in.get(0), out));
        register(Conv2d.class, OnnxExporter::exportConv2d);
        register(ConvTranspose2d.class, OnnxExporter::exportConvTranspose2d);
        register(Pool2d.class, OnnxExporter::exportPool2d);
        register(GlobalAvgPool2d.class, OnnxExporter::exportGlobalPool);
        register(GlobalMaxPool2d.class, OnnxExporter::exportGlobalPool);
        register(Dense.class, OnnxExporter::exportDense);
        register(Flatten.class, OnnxExporter::exportFlatten);
        register(ReLU.class, OnnxExporter::exportReLU);
        register(Sigmoid.class, OnnxExporter::exportSigmoid);
        register(Tanh.class, OnnxExporter::exportTanh);
        register(LeakyReLU.class, OnnxExporter::exportLeakyReLU);
        register(Softmax.class, OnnxExporter::exportSoftmax);
        register(AxisSoftmax.class, OnnxExporter::exportAxisSoftmax);
        register(Dropout.class, OnnxExporter::exportDropout);
        register(BatchNorm.class, OnnxExporter::exportBatchNorm);
        register(LRN.class, OnnxExporter::exportLRN);
        register(ZeroPad2d.class, OnnxExporter::exportZeroPad2d);
        register(PadNd.class, OnnxExporter::exportPadNd);
        register(Clip.class, OnnxExporter::exportClip);
        register(Reshape.class, OnnxExporter::exportReshape);
        register(Add.class, OnnxExporter::exportAdd);
        register(Concat.class, OnnxExporter::exportConcat);
        register(Arithmetic.class, OnnxExporter::exportArithmetic);
        register(ConstantArithmetic.class, OnnxExporter::exportConstantArithmetic);
    }

    private String lastOutput() {
        return nodes.get(nodes.size() - 1).outputs().get(0);
    }

    /** A resize along one axis as a product with its interpolation matrix, the axis moved last and back. */
    private void axisResize(int axis, float[][] m, String name, String x, String out) {
        Shape in = currentShape;
        int len = in.dim(axis);
        int size = m.length;
        Tensor mt = Tensor.zeros(len, size);
        for (int o = 0; o < size; o++) {
            for (int i = 0; i < len; i++) {
                mt.data()[i * size + o] = m[o][i];
            }
        }
        int rank = in.rank() + 1;
        long[] perm = new long[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[axis + 1] = rank - 1;
        perm[rank - 1] = axis + 1;
        boolean last = axis + 1 == rank - 1;
        String src = x;
        if (!last) {
            src = unique(name + "_to_last");
            node("Transpose", name + "_to_last", List.of(x), src, ints("perm", perm));
        }
        String w = init(name + ".interpolation", mt);
        if (last) {
            node("MatMul", name, List.of(src, w), out);
        } else {
            String mm = unique(name + "_matmul");
            node("MatMul", name + "_matmul", List.of(src, w), mm);
            node("Transpose", name, List.of(mm), out, ints("perm", perm));
        }
    }

    private static long[] longs(Object list) {
        return ((List<?>) list).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
    }

    private String longsInit(String name, long[] v) {
        String k = unique(name);
        inits.add(TensorData.ofLongs(k, v, v.length));
        return k;
    }

    private void elementwise(Elementwise l, String name, String x, String out) {
        String op = switch (l.fn()) {
            case EXP -> "Exp";
            case LOG -> "Log";
            case SQRT -> "Sqrt";
            case ABS -> "Abs";
            case NEG -> "Neg";
            case RECIPROCAL -> "Reciprocal";
            case FLOOR -> "Floor";
            case CEIL -> "Ceil";
            case ERF -> "Erf";
            case HARD_SWISH -> "HardSwish";
            case MISH -> "Mish";
            case SOFTPLUS -> "Softplus";
            case SIN -> "Sin";
            case COS -> "Cos";
            case SIGN -> "Sign";
            case IDENTITY -> "Identity";
            default -> null;
        };
        if (op != null) {
            node(op, name, List.of(x), out);
            return;
        }
        float a = (float) l.alpha();
        float b = (float) l.beta();
        switch (l.fn()) {
            case HARD_SIGMOID -> node("HardSigmoid", name, List.of(x), out, floatAttr("alpha", a), floatAttr("beta", b));
            case ELU -> node("Elu", name, List.of(x), out, floatAttr("alpha", a));
            case CELU -> node("Celu", name, List.of(x), out, floatAttr("alpha", a));
            case SELU -> node("Selu", name, List.of(x), out, floatAttr("alpha", a), floatAttr("gamma", b));
            case POW -> node("Pow", name, List.of(x, init(name + ".exponent", Tensor.wrap(new float[] {a}, 1), true)), out);
            case GELU -> {
                // opset 17 has no Gelu: x * 0.5 * (1 + erf(x / sqrt 2)), as torch exports it
                String d = unique(name + "_div");
                node("Div", name + "_div", List.of(x, init(name + ".sqrt2", Tensor.wrap(new float[] {(float) Math.sqrt(2)}, 1),
                        true)), d);
                String er = unique(name + "_erf");
                node("Erf", name + "_erf", List.of(d), er);
                String p1 = unique(name + "_add");
                node("Add", name + "_add", List.of(er, init(name + ".one", Tensor.wrap(new float[] {1f}, 1), true)), p1);
                String m = unique(name + "_mul");
                node("Mul", name + "_mul", List.of(x, p1), m);
                node("Mul", name, List.of(m, init(name + ".half", Tensor.wrap(new float[] {0.5f}, 1), true)), out);
            }
            case SILU -> {
                String sg = unique(name + "_sigmoid");
                node("Sigmoid", name + "_sigmoid", List.of(x), sg);
                node("Mul", name, List.of(x, sg), out);
            }
            default -> throw unsupported(l, "no ONNX opset " + OPSET + " operator for " + l.fn().id());
        }
    }

    private final List<Node> nodes = new ArrayList<>();
    /** The per-sample shape of the first input of the layer being emitted (for exports that depend on it). */
    private Shape currentShape;
    /** The per-sample shapes of every input of the layer being emitted. */
    private List<Shape> currentShapes = List.of();
    /** Custom operator domains used by layer types' own ONNX forms, with their versions (opset imports). */
    private final Map<String, Long> domains = new java.util.TreeMap<>();
    private final List<TensorData> inits = new ArrayList<>();
    private final Map<String, Integer> used = new LinkedHashMap<>();

    private OnnxExporter() {
    }

    public static void export(Model model, Path file) throws IOException {
        OnnxWriter.writeModel(file, toOnnx(model));
    }

    public static OnnxModel.Model toOnnx(Model model) {
        OnnxExporter e = new OnnxExporter();
        List<ValueInfo> inputs = new ArrayList<>();
        List<String> inNames = new ArrayList<>();
        List<Shape> inShapes = model.inputShapes();
        List<String> declared = model instanceof Graph ? ((Graph) model).inputNames() : List.of("input");
        for (int i = 0; i < inShapes.size(); i++) {
            inputs.add(info(declared.get(i), inShapes.get(i)));
            inNames.add(declared.get(i));
        }
        List<String> outs = e.emitModel(model, "", inNames);
        List<ValueInfo> outputs = new ArrayList<>();
        List<Shape> outShapes = model instanceof Graph ? ((Graph) model).outputNames().stream()
                .map(n -> ((Graph) model).node(n).shape()).toList() : List.of(model.outputShape());
        for (int i = 0; i < outs.size(); i++) {
            outputs.add(info(outs.get(i), outShapes.get(i)));
        }
        String name = model.name() == null ? "convnet4j_model" : model.name();
        OnnxModel.Graph g = new OnnxModel.Graph(name, e.nodes, e.inits, inputs, outputs, List.of());
        Map<String, Long> opsets = new LinkedHashMap<>();
        opsets.put("", (long) OPSET);
        opsets.putAll(e.domains);
        return new OnnxModel.Model(8, opsets, "convnet4j", "0.1", g);
    }

    private static ValueInfo info(String name, Shape sample) {
        long[] dims = new long[sample.rank() + 1];
        dims[0] = -1;
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
                currentShape = shape;
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
                currentShape = g.node(n.inputs().get(0)).shape();
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
        LayerType<?> type = LayerTypes.find(l.type());
        if (type != null && type.onnx() != null && type.layerClass().isInstance(l)) {
            exportForm(type, l, name, in, out);
            return out;
        }
        LayerExport registered = exportOf(l.getClass());
        if (registered == null) {
            throw unsupported(l, "no ONNX mapping for layer type " + l.type());
        }
        registered.emit(this, l, name, in, out);
        return out;
    }

    /** A layer whose {@link LayerType} has an {@link OnnxForm}: the form writes it through {@link FormExport}. */
    private <L extends Layer> void exportForm(LayerType<L> type, Layer l, String name, List<String> in, String out) {
        type.onnx().export(type.layerClass().cast(l), new FormExport(name, in, out, currentShapes));
    }

    /** The exporter as an {@link OnnxForm.Export}: what a layer type's own ONNX form writes through. */
    private final class FormExport implements OnnxForm.Export {
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
        public String value(String suffix) {
            return unique(name + suffix);
        }

        @Override
        public void node(String domain, long domainVersion, String opType, String nodeSuffix, List<String> in,
                         String out, Map<String, Object> attributes) {
            if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
                Long had = domains.putIfAbsent(domain, domainVersion);
                if (had != null && had != domainVersion) {
                    throw new IllegalArgumentException("ONNX export: domain " + domain + " at versions " + had
                            + " and " + domainVersion);
                }
            }
            Map<String, Attribute> map = new LinkedHashMap<>();
            attributes.forEach((k, v) -> map.put(k, attribute(k, v)));
            nodes.add(new Node(name + nodeSuffix, opType, domain.equals("ai.onnx") ? "" : domain, List.copyOf(in),
                    List.of(out), map));
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
        if (v instanceof Tensor t) {
            return new Attribute(name, Attribute.TENSOR, 0, 0, null, TensorData.of(name, t), null, null, null);
        }
        throw new IllegalArgumentException("ONNX export: attribute " + name + " of a " + (v == null ? "null"
                : v.getClass().getSimpleName()) + " (Long, Float, String, long[], int[], float[] or Tensor)");
    }

    /** The export of a layer class, or of its nearest registered superclass (BatchNorm2d uses BatchNorm's). */
    private static LayerExport exportOf(Class<?> c) {
        for (Class<?> k = c; k != null && Layer.class.isAssignableFrom(k); k = k.getSuperclass()) {
            LayerExport e = EXPORTS.get(k);
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    private void exportConv2d(Layer l, String name, List<String> in, String out) {
        Conv2d c = (Conv2d) l;
        ConvParams p = c.convParams();
        if (p.padMode() != PadMode.ZERO) {
            throw unsupported(l, "pad mode " + p.padMode() + " (ONNX Conv pads with zeros)");
        }
        Shape w = c.kernel().shape();
        List<String> args = new ArrayList<>(List.of(in.get(0), init(name + ".kernel", c.kernel().value())));
        if (c.bias() != null) {
            args.add(init(name + ".bias", c.bias().value()));
        }
        node("Conv", name, args, out, ints("kernel_shape", w.dim(2), w.dim(3)),
                ints("strides", p.strideH(), p.strideW()), ints("dilations", p.dilationH(), p.dilationW()),
                pads(p.padding()), intAttr("group", p.groups()));
    }

    private void exportConvTranspose2d(Layer l, String name, List<String> in, String out) {
        ConvTranspose2d t = (ConvTranspose2d) l;
        ConvParams p = t.convParams();
        Shape w = t.kernel().shape();
        List<String> args = new ArrayList<>(List.of(in.get(0), init(name + ".kernel", t.kernel().value())));
        if (t.bias() != null) {
            args.add(init(name + ".bias", t.bias().value()));
        }
        int[] op = t.outputPadding();
        node("ConvTranspose", name, args, out, ints("kernel_shape", w.dim(2), w.dim(3)),
                ints("strides", p.strideH(), p.strideW()), ints("dilations", p.dilationH(), p.dilationW()),
                pads(p.padding()), ints("output_padding", op[0], op[1]), intAttr("group", p.groups()));
    }

    private void exportPool2d(Layer l, String name, List<String> in, String out) {
        Pool2d pool = (Pool2d) l;
        PoolParams p = pool.poolParams();
        List<Attribute> attrs = new ArrayList<>(List.of(ints("kernel_shape", p.kh(), p.kw()),
                ints("strides", p.strideH(), p.strideW()), pads(p.padding())));
        String op;
        if (l instanceof MaxPool2d) {
            op = "MaxPool";
        } else if (l instanceof AvgPool2d) {
            op = "AveragePool";
            attrs.add(intAttr("count_include_pad", p.countIncludePad() ? 1 : 0));
        } else if (l instanceof LpPool2d lp && lp.p() == Math.rint(lp.p())) {
            op = "LpPool";
            attrs.add(intAttr("p", (long) lp.p()));
        } else {
            throw unsupported(l, "Lp pooling with a fractional p (ONNX LpPool takes an integer p)");
        }
        node(op, name, in, out, attrs.toArray(new Attribute[0]));
    }

    private void exportGlobalPool(Layer l, String name, List<String> in, String out) {
        String pooled = unique(name + "_pool");
        node(l instanceof GlobalAvgPool2d ? "GlobalAveragePool" : "GlobalMaxPool", name + "_pool", in, pooled);
        node("Flatten", name, List.of(pooled), out, intAttr("axis", 1));
    }

    private void exportDense(Layer l, String name, List<String> in, String out) {
        Dense d = (Dense) l;
        if (d.isOverLastAxis()) {
            String w = init(name + ".kernel_t", OnnxImporter.transpose(d.kernel().value()));
            if (d.bias() == null) {
                node("MatMul", name, List.of(in.get(0), w), out);
            } else {
                String mm = unique(name + "_matmul");
                node("MatMul", name + "_matmul", List.of(in.get(0), w), mm);
                node("Add", name, List.of(mm, init(name + ".bias", d.bias().value())), out);
            }
            return;
        }
        List<String> args = new ArrayList<>(List.of(in.get(0), init(name + ".kernel", d.kernel().value())));
        if (d.bias() != null) {
            args.add(init(name + ".bias", d.bias().value()));
        }
        node("Gemm", name, args, out, intAttr("transB", 1));
    }

    private void exportFlatten(Layer l, String name, List<String> in, String out) {
        node("Flatten", name, in, out, intAttr("axis", 1));
    }

    private void exportReLU(Layer l, String name, List<String> in, String out) {
        node("Relu", name, in, out);
    }

    private void exportSigmoid(Layer l, String name, List<String> in, String out) {
        node("Sigmoid", name, in, out);
    }

    private void exportTanh(Layer l, String name, List<String> in, String out) {
        node("Tanh", name, in, out);
    }

    private void exportLeakyReLU(Layer l, String name, List<String> in, String out) {
        LeakyReLU lr = (LeakyReLU) l;
        node("LeakyRelu", name, in, out, floatAttr("alpha", lr.alpha()));
    }

    private void exportSoftmax(Layer l, String name, List<String> in, String out) {
        node("Softmax", name, in, out, intAttr("axis", -1));
    }

    private void exportAxisSoftmax(Layer l, String name, List<String> in, String out) {
        AxisSoftmax s = (AxisSoftmax) l;
        Map<String, Object> cfg = s.config();
        int axis = ((Number) cfg.get("axis")).intValue();
        int end = ((Number) cfg.get("end_axis")).intValue();
        if (end != axis + 1) {
            throw unsupported(l, "softmax over several axes (opset 13 Softmax takes one axis)");
        }
        node(s.isLog() ? "LogSoftmax" : "Softmax", name, in, out, intAttr("axis", axis + 1));
    }

    private void exportDropout(Layer l, String name, List<String> in, String out) {
        Dropout d = (Dropout) l;
        node("Dropout", name, List.of(in.get(0), init(name + ".ratio", Tensor.wrap(new float[] {(float) d.rate()}, 1),
                true)), out);
    }

    private void exportBatchNorm(Layer l, String name, List<String> in, String out) {
        BatchNorm bn = (BatchNorm) l;
        node("BatchNormalization", name, List.of(in.get(0), init(name + ".gamma", bn.gamma().value()),
                init(name + ".beta", bn.beta().value()), init(name + ".running_mean", bn.runningMean().value()),
                init(name + ".running_var", bn.runningVar().value())), out,
                floatAttr("epsilon", (float) bn.eps()), floatAttr("momentum", (float) (1 - bn.momentum())));
    }

    private void exportLRN(Layer l, String name, List<String> in, String out) {
        Map<String, Object> c = l.config();
        node("LRN", name, in, out, intAttr("size", ((Number) c.get("size")).longValue()),
                floatAttr("alpha", ((Number) c.get("alpha")).floatValue()),
                floatAttr("beta", ((Number) c.get("beta")).floatValue()),
                floatAttr("bias", ((Number) c.get("k")).floatValue()));
    }

    private void exportZeroPad2d(Layer l, String name, List<String> in, String out) {
        ZeroPad2d z = (ZeroPad2d) l;
        Padding p = z.padding();
        padNode(name, in.get(0), out, new long[] {0, 0, p.top(), p.left(), 0, 0, p.bottom(), p.right()}, "constant", 0f);
    }

    private void exportPadNd(Layer l, String name, List<String> in, String out) {
        PadNd p = (PadNd) l;
        Map<String, Object> c = p.config();
        List<?> before = (List<?>) c.get("before");
        List<?> after = (List<?>) c.get("after");
        int r = before.size() + 1;
        long[] pads = new long[2 * r];
        for (int i = 1; i < r; i++) {
            pads[i] = ((Number) before.get(i - 1)).longValue();
            pads[r + i] = ((Number) after.get(i - 1)).longValue();
        }
        padNode(name, in.get(0), out, pads, (String) c.get("mode"), ((Number) c.get("value")).floatValue());
    }

    private void exportClip(Layer l, String name, List<String> in, String out) {
        Clip c = (Clip) l;
        node("Clip", name, List.of(in.get(0), init(name + ".min", Tensor.wrap(new float[] {c.min()}, 1), true),
                init(name + ".max", Tensor.wrap(new float[] {c.max()}, 1), true)), out);
    }

    private void exportReshape(Layer l, String name, List<String> in, String out) {
        Reshape r = (Reshape) l;
        long[] shape = new long[r.target().rank() + 1];
        shape[0] = -1;
        for (int i = 0; i < r.target().rank(); i++) {
            shape[i + 1] = r.target().dim(i);
        }
        String s = unique(name + ".shape");
        inits.add(TensorData.ofLongs(s, shape, shape.length));
        node("Reshape", name, List.of(in.get(0), s), out);
    }

    private void exportAdd(Layer l, String name, List<String> in, String out) {
        String acc = in.get(0);
        for (int i = 1; i < in.size(); i++) {
            String o = i == in.size() - 1 ? out : unique(name + "_sum" + i);
            node("Add", name + (i == in.size() - 1 ? "" : "_sum" + i), List.of(acc, in.get(i)), o);
            acc = o;
        }
    }

    private void exportConcat(Layer l, String name, List<String> in, String out) {
        node("Concat", name, in, out, intAttr("axis", ((Concat) l).axis() + 1));
    }

    private void exportArithmetic(Layer l, String name, List<String> in, String out) {
        Arithmetic a = (Arithmetic) l;
        node(opName(a.op().id()), name, in, out);
    }

    private void exportConstantArithmetic(Layer l, String name, List<String> in, String out) {
        ConstantArithmetic c = (ConstantArithmetic) l;
        Tensor value = c.constant().reshape(c.constant().shape().prepend(1));
        String k;
        if (c.learnable()) {
            k = init(name + ".constant", value); // an initializer: imported again as a learnable parameter
        } else {
            k = constant(name + ".constant", value); // a Constant node: imported again as a fixed value
        }
        node(opName(c.op().id()), name, c.constantFirst() ? List.of(k, in.get(0)) : List.of(in.get(0), k), out);
    }


    private static boolean allEqual(Tensor t, float v) {
        for (float x : t.data()) {
            if (x != v) {
                return false;
            }
        }
        return true;
    }

    /** A Constant node holding {@code value}; returns its output name. */
    private String constant(String base, Tensor value) {
        String k = unique(base);
        node("Constant", k + "_node", List.of(), k, new Attribute("value", Attribute.TENSOR, 0, 0, null,
                TensorData.of(k, value), null, null, null));
        return k;
    }

    /**
     * Dilated average pooling at opset 17 (AveragePool has dilations from opset 19 only): a depthwise dilated Conv
     * with all-ones kernels (the window sums; extra bottom/right zero padding gives the ceil mode's last window)
     * times the fixed reciprocal divisor of every output position. Both are Constant nodes.
     */
    private void dilatedAvgPool(DilatedAvgPool2d p, String name, String x, String out) {
        Shape in = currentShape;
        int c = in.dim(0);
        int h = in.dim(1);
        int w = in.dim(2);
        int[] k = p.kernel();
        int[] st = p.strides();
        int[] d = p.dilations();
        int[] pd = p.pads();
        Shape o = p.outputShape(in);
        int[] extra = new int[2];
        int[] len = {h, w};
        for (int a = 0; a < 2; a++) {
            int span = (k[a] - 1) * d[a] + 1;
            extra[a] = Math.max(0, (o.dim(a + 1) - 1) * st[a] + span - (len[a] + pd[a] + pd[a + 2]));
        }
        String ones = constant(name + ".ones", Tensor.full(Shape.of(c, 1, k[0], k[1]), 1f));
        String sum = unique(name + "_sum");
        node("Conv", name + "_sum", List.of(x, ones), sum, ints("kernel_shape", k[0], k[1]), ints("strides", st[0], st[1]),
                ints("dilations", d[0], d[1]), ints("pads", pd[0], pd[1], pd[2] + extra[0], pd[3] + extra[1]),
                intAttr("group", c));
        String inv = constant(name + ".divisor", Tensor.wrap(p.reciprocalCounts(h, w), Shape.of(1, 1, o.dim(1), o.dim(2))));
        node("Mul", name, List.of(sum, inv), out);
    }

    private void padNode(String name, String in, String out, long[] pads, String mode, float value) {
        String p = unique(name + ".pads");
        inits.add(TensorData.ofLongs(p, pads, pads.length));
        String v = init(name + ".value", Tensor.wrap(new float[] {value}, 1), true);
        node("Pad", name, List.of(in, p, v), out, new Attribute("mode", Attribute.STRING, 0, 0,
                mode.getBytes(java.nio.charset.StandardCharsets.UTF_8), null, null, null, null));
    }

    private static String opName(String id) {
        return Character.toUpperCase(id.charAt(0)) + id.substring(1);
    }

    private String init(String name, Tensor value) {
        return init(name, value, false);
    }

    /** Adds an initializer; {@code scalar} stores a one-element tensor with no dims (as ONNX wants for bounds). */
    private String init(String name, Tensor value, boolean scalar) {
        String n = unique(name);
        TensorData t = TensorData.of(n, value);
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

    /** ONNX order: begin of each axis, then end of each axis. */
    private static Attribute pads(Padding p) {
        return ints("pads", p.top(), p.left(), p.bottom(), p.right());
    }

    private static IllegalArgumentException unsupported(Layer l, String why) {
        return new IllegalArgumentException("ONNX export: " + l.describe() + ": " + why);
    }
}
