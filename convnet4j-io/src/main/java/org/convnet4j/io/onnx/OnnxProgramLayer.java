package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerConfig;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * An imported ONNX model with a typed path ({@link OnnxProgram}) as one {@link Layer}, so that the library's
 * {@code Trainer}, transfer learning and model files drive it as any other layer: one float input with a batch axis,
 * one float output with a batch axis. Its parameters are the float graph's (a child layer) and the typed path's
 * ({@link OnnxProgram#parameters()}); its configuration is the ONNX model itself (the file's bytes, Base64), so a
 * saved model rebuilds it and then loads the learned weights over the file's. {@link #of} wraps it in a
 * {@link Sequential}, the model the loaders return.
 */
public final class OnnxProgramLayer extends Layer implements org.convnet4j.transfer.ReplaceableHead,
        org.convnet4j.transfer.CuttableLayer, org.convnet4j.nn.ProbabilityOutput {
    /** The layer type written in model files. */
    public static final String TYPE = "OnnxProgram";

    private final OnnxModel.Model source;
    private final String what;
    private final OnnxProgram program;
    private final String inputName;
    private final Shape inputShape;
    private final Shape outputShape;
    private final long declaredBatch;
    /** A two-output classifier file's label output and the class names it gives (null for one output). */
    private final OnnxMlLabels.Split labels;

    /**
     * Imports {@code model} ({@code what} names it in messages) as a program and checks that it has the one float
     * input and one float output with batch axes a layer needs.
     *
     * @throws IllegalArgumentException naming the model and the problem
     */
    public OnnxProgramLayer(OnnxModel.Model model, String what) {
        this.source = model;
        this.what = what;
        try {
            this.labels = OnnxMlLabels.split(model.graph());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
        // a classifier's label output is not the layer's: its scores are, and the label path names their columns
        this.program = OnnxImporter.importProgram(labels == null ? model : scoresOnly(model, labels.scores()), what);
        if (program.inputNames().size() != 1 || program.outputNames().size() != 1) {
            throw new IllegalArgumentException(what + ": a layer needs one input and one output; this model has inputs "
                    + program.inputNames() + " and outputs " + program.outputNames());
        }
        this.inputName = program.inputNames().get(0);
        ValueInfo in = model.graph().inputs().stream().filter(v -> v.name().equals(inputName)).findFirst()
                .orElseThrow();
        if (!OnnxModel.isFloating(in.elemType()) || !in.hasShape() || in.dims().length < 2) {
            throw new IllegalArgumentException(what + ": input '" + inputName + "' must be a float tensor with a batch"
                    + " axis and a fixed per-sample shape");
        }
        int[] sample = new int[in.dims().length - 1];
        for (int i = 0; i < sample.length; i++) {
            long d = in.dims()[i + 1];
            if (d < 1 || d > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(what + ": input '" + inputName + "' has no fixed size along axis "
                        + (i + 1));
            }
            sample[i] = (int) d;
        }
        this.inputShape = Shape.of(sample);
        // a symbolic batch runs as 2, so that an output whose first axis is not the batch is told apart
        this.declaredBatch = in.dims()[0] > 0 ? in.dims()[0] : 2;
        // the per-sample output shape, from one run on zeros (the typed path has no shape inference of its own)
        // the declared shape is the file's word, not stored data: budget the zeros before making them (a 3.7 KB file
        // declaring [6, 1048576, 8, 8] asked for 1.6 GB here, out of memory)
        org.convnet4j.util.MemoryBudget.requireParameter(what + ": input '" + inputName + "' as declared "
                + java.util.Arrays.toString(in.dims()) + " (the run on zeros that finds the output shape, batch "
                + declaredBatch + ")",
                org.convnet4j.util.MemoryBudget.bytesOf(Float.BYTES, toLongs(declaredBatch, sample)));
        // and the float graph's pass over it (a [2, 1, 28, 1048576] input of 235 MB gave a 872 MB convolution output)
        if (program.graph() != null) {
            long pass;
            try {
                pass = org.convnet4j.nn.ModelSummary.of(program.graph())
                        .inferenceMemoryBytes((int) Math.min(declaredBatch, Integer.MAX_VALUE));
            } catch (RuntimeException e) {
                pass = 0; // no estimate for this graph's shapes: the input's budget above is what there is
            }
            org.convnet4j.util.MemoryBudget.requireParameter(what + ": a run of its float graph on the declared input "
                    + java.util.Arrays.toString(in.dims()) + " (weights and every activation, batch " + declaredBatch
                    + ", to find the output shape)", pass);
        }
        int[] dims = new int[sample.length + 1];
        dims[0] = (int) declaredBatch;
        System.arraycopy(sample, 0, dims, 1, sample.length);
        TensorData out = program.run(List.of(TensorData.of(inputName, Tensor.zeros(Shape.of(dims))))).get(0);
        if (!OnnxModel.isFloating(out.dataType()) || out.dims().length < 2 || out.dims()[0] != declaredBatch) {
            throw new IllegalArgumentException(what + ": output '" + program.outputNames().get(0) + "' must be a float"
                    + " tensor with the batch axis first; it is " + OnnxModel.typeName(out.dataType()) + " "
                    + java.util.Arrays.toString(out.dims()));
        }
        int[] o = new int[out.dims().length - 1];
        for (int i = 0; i < o.length; i++) {
            o[i] = (int) out.dims()[i + 1];
        }
        this.outputShape = Shape.of(o);
        if (program.graph() != null) {
            program.graph().named(program.graph().name() == null ? "float_graph" : program.graph().name());
        }
    }

    /**
     * What one value needs: the nodes it is computed by, walked back from it, and every value they read (inputs and
     * initializers among them). A node's subgraphs are not walked: the importer refuses control flow.
     */
    private record Upstream(java.util.Set<OnnxModel.Node> nodes, java.util.Set<String> values) {
        static Upstream of(Map<String, OnnxModel.Node> producer, String start) {
            java.util.Set<OnnxModel.Node> nodes = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            java.util.Set<String> values = new java.util.HashSet<>();
            java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(start));
            while (!todo.isEmpty()) {
                String value = todo.pop();
                if (!values.add(value)) {
                    continue;
                }
                OnnxModel.Node n = producer.get(value);
                if (n != null && nodes.add(n)) {
                    n.inputs().stream().filter(i -> !i.isEmpty()).forEach(todo::push);
                }
            }
            return new Upstream(nodes, values);
        }
    }

    /** Model m with output {@code scores} only, and the nodes and initializers it needs. */
    private static OnnxModel.Model scoresOnly(OnnxModel.Model m, String scores) {
        OnnxModel.Graph g = m.graph();
        Map<String, OnnxModel.Node> producer = new java.util.HashMap<>();
        g.nodes().forEach(n -> n.outputs().forEach(o -> producer.put(o, n)));
        Upstream up = Upstream.of(producer, scores);
        java.util.Set<OnnxModel.Node> needed = up.nodes();
        java.util.Set<String> reads = up.values();
        return new OnnxModel.Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                new OnnxModel.Graph(g.name(), g.nodes().stream().filter(needed::contains).toList(),
                        g.initializers().stream().filter(t -> reads.contains(t.name())).toList(),
                        g.inputs().stream().filter(i -> reads.contains(i.name())).toList(),
                        g.outputs().stream().filter(o -> o.name().equals(scores)).toList(), g.valueInfo()));
    }

    private static long[] toLongs(long batch, int[] sample) {
        long[] l = new long[sample.length + 1];
        l[0] = batch;
        for (int i = 0; i < sample.length; i++) {
            l[i + 1] = sample[i];
        }
        return l;
    }

    /** The layer in a one-layer {@link Sequential} named after the model: what {@code ModelLoader} returns. */
    public static Sequential of(OnnxModel.Model model, String what) {
        OnnxProgramLayer layer = new OnnxProgramLayer(model, what);
        layer.named(OnnxImporter.sanitize(model.graph().name().isEmpty() ? "onnx_program" : model.graph().name()));
        Sequential s = new Sequential(layer.inputShape);
        s.named(layer.name() + "_model");
        return s.add(layer);
    }

    /** Rebuilds the layer from its {@link #config()} (a model file). */
    public static OnnxProgramLayer fromConfig(LayerConfig c) {
        String encoded = c.string("onnx", null);
        if (encoded == null) {
            throw new IllegalArgumentException("layer type " + TYPE + ": no 'onnx' model in the configuration");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer type " + TYPE + ": the 'onnx' model is not Base64", e);
        }
        OnnxModel.Model model;
        try {
            model = OnnxReader.readModel(bytes, "layer type " + TYPE);
        } catch (OnnxFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new OnnxProgramLayer(model, c.string("what", TYPE));
    }

    /** The imported program (its float graph and typed path). */
    public OnnxProgram program() {
        return program;
    }

    /**
     * Whether the output is class probabilities (a Softmax, or an ONNX-ML classifier's probabilities, also through a
     * ZipMap), so that {@code ImageClassifier} (and {@code predict}) does not apply a softmax to them again.
     */
    @Override
    public boolean outputsProbabilities() {
        try {
            return OnnxMl.probabilities(source.graph(), program.outputNames().get(0));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A two-output classifier file's label output (not this layer's output), or null. */
    public String labelOutput() {
        return labels == null ? null : labels.label();
    }

    /**
     * The batch size the file fixed for the input (its first dimension), or -1 where it is symbolic: what the export
     * writes, since a typed path may hold constants of that batch (a PyTorch export traced at batch 10 multiplying by a
     * [10, 10] constant runs at batch 10 only).
     */
    long fixedBatch() {
        ValueInfo in = source.graph().inputs().stream().filter(v -> v.name().equals(inputName)).findFirst()
                .orElseThrow();
        return in.dims()[0] > 0 ? in.dims()[0] : -1;
    }

    /** The ONNX model this layer was imported from. */
    public OnnxModel.Model source() {
        return source;
    }

    /**
     * The class labels of an ONNX-ML classifier head whose scores (or ZipMap of them) this program outputs, as text
     * ({@code classlabels_strings}, or the integer labels written out); null when the output is not such scores.
     * For a file with two outputs, a classifier's label and its scores (as sklearn-onnx writes it), the layer's output
     * is the scores and these are the values its label output gives each class: the classifier's labels mapped
     * through the LabelEncoder, CategoryMapper, Cast and Identity nodes between it and that output.
     * {@code ModelLoader} makes them the model's class names.
     */
    public List<String> classLabels() {
        if (labels != null) {
            return labels.names();
        }
        try {
            return OnnxMl.classLabels(source.graph(), program.outputNames().get(0));
        } catch (IllegalArgumentException e) {
            return null; // labels the import did not read (the check at import names any that are malformed)
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
        if (inputShapes.size() != 1 || !inputShapes.get(0).equals(inputShape)) {
            throw new IllegalArgumentException(describe() + ": takes one input of shape " + inputShape + ", given "
                    + inputShapes);
        }
        return outputShape;
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        requireInputs(inputs);
        TensorData in = TensorData.of(inputName, inputs.get(0));
        boolean keep = training && GradMode.isEnabled();
        TensorData out = keep ? program.forwardForTraining(List.of(in)).get(0) : program.run(List.of(in)).get(0);
        return out.toTensor();
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        // the input's whole gradient: through the float graph and through the typed nodes that read it directly (before
        // 2026-12-06 only the float graph's: zero where the input reaches the output on the typed path only)
        double[] g = program.backwardToInputs(List.of(TensorData.of(program.outputNames().get(0), gradOutput)))
                .get(inputName);
        int[] dims = new int[inputShape.rank() + 1];
        dims[0] = gradOutput.dim(0);
        System.arraycopy(inputShape.dims(), 0, dims, 1, inputShape.rank());
        if (g == null) {
            return List.of(Tensor.zeros(Shape.of(dims))); // the output does not depend on the input
        }
        float[] f = new float[g.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) g[k];
        }
        return List.of(Tensor.wrap(f, Shape.of(dims)));
    }

    @Override
    public List<Parameter> parameters() {
        return program.parameters();
    }

    @Override
    public List<Layer> children() {
        return program.graph() == null ? List.of() : List.of(program.graph());
    }

    @Override
    public long macs(List<Shape> inputShapes) {
        return program.graph() == null ? 0 : program.graph().macs(program.graph().inputShapes());
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("what", what);
        c.put("onnx", Base64.getEncoder().encodeToString(OnnxWriter.modelBytes(source)));
        return c;
    }

    /** Nodes the walk from the output back to the head passes through (one computed input each). */
    private static final java.util.Set<String> HEAD_PATH = java.util.Set.of("Softmax", "LogSoftmax", "Identity",
            "Transpose", "Flatten", "Add", "Sub", "Mul", "Div", "Gemm", "MatMul");

    /**
     * The head is the last Gemm or MatMul before the output, with the learned weights on the way to it (a bias Add):
     * every axis of those weights as long as the output's class axis gets {@code classes} entries, drawn afresh
     * (Glorot-uniform matrices, zero vectors); the ONNX model is imported again with them, and every other learned
     * weight keeps its current value.
     */
    @Override
    public Layer withNewHead(int classes, long seed) {
        if (classes < 1) {
            throw new IllegalArgumentException(describe() + ": " + classes + " classes");
        }
        if (outputShape.rank() != 1) {
            throw new IllegalArgumentException(describe() + ": the output " + outputShape + " is not one score per class");
        }
        long old = outputShape.dim(0);
        Map<String, TensorData> inits = new LinkedHashMap<>();
        source.graph().initializers().forEach(t -> inits.put(t.name(), t));
        Map<String, OnnxModel.Node> producer = new java.util.HashMap<>();
        source.graph().nodes().forEach(n -> n.outputs().forEach(o -> producer.put(o, n)));
        java.util.Set<String> resized = new java.util.LinkedHashSet<>();
        String v = program.outputNames().get(0);
        boolean matrix = false;
        while (!matrix) {
            OnnxModel.Node n = producer.get(v);
            if (n == null || !HEAD_PATH.contains(n.opType())) {
                throw new IllegalArgumentException(describe() + ": no Gemm or MatMul head found before the output ("
                        + (n == null ? "'" + v + "' is not computed by a node" : "reached a " + n.opType()
                        + " node") + ")");
            }
            matrix = n.opType().equals("Gemm") || n.opType().equals("MatMul");
            String next = null;
            for (String in : n.inputs()) {
                if (inits.containsKey(in)) {
                    if (inits.get(in).dataType() == OnnxModel.FLOAT && java.util.Arrays.stream(inits.get(in).dims())
                            .anyMatch(d -> d == old)) {
                        resized.add(in);
                    }
                } else if (!in.isEmpty() && next == null) {
                    next = in;
                }
            }
            v = next;
        }
        java.util.Random r = new java.util.Random(seed);
        List<TensorData> fresh = new ArrayList<>();
        for (TensorData t : source.graph().initializers()) {
            if (!resized.contains(t.name())) {
                fresh.add(t);
                continue;
            }
            long[] dims = t.dims().clone();
            int count = 0;
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] == old) {
                    dims[i] = classes;
                    count++;
                }
            }
            if (count > 1 && dims.length > 1) {
                throw new IllegalArgumentException(describe() + ": head weight '" + t.name() + "' "
                        + java.util.Arrays.toString(t.dims()) + " has more than one axis of " + old + " (the classes)");
            }
            int size = (int) java.util.Arrays.stream(dims).reduce(1, (a, b) -> a * b);
            float[] values = new float[size];
            if (dims.length >= 2) {
                double limit = Math.sqrt(6.0 / (dims[dims.length - 1] + dims[dims.length - 2]));
                for (int k = 0; k < size; k++) {
                    values[k] = (float) ((r.nextDouble() * 2 - 1) * limit);
                }
            }
            fresh.add(new TensorData(t.name(), t.dataType(), dims, values, null));
        }
        List<ValueInfo> outs = new ArrayList<>();
        for (ValueInfo o : source.graph().outputs()) {
            long[] d = o.dims() == null ? null : o.dims().clone();
            if (d != null && d.length > 1 && d[1] == old) {
                d[1] = classes;
            }
            outs.add(new ValueInfo(o.name(), o.elemType(), d, o.hasShape()));
        }
        OnnxModel.Graph g = source.graph();
        OnnxModel.Model m = new OnnxModel.Model(source.irVersion(), source.opsets(), source.producerName(),
                source.producerVersion(), new OnnxModel.Graph(g.name(), g.nodes(), fresh, g.inputs(), outs,
                g.valueInfo()));
        OnnxProgramLayer copy = new OnnxProgramLayer(m, what);
        Map<String, Parameter> now = namedParameters();
        Map<String, String> sources = program.parameterSources();
        copy.namedParameters().forEach((name, p) -> {
            Parameter was = now.get(name);
            boolean head = sources.containsKey(name) && resized.contains(sources.get(name));
            if (was != null && !head && was.shape().equals(p.shape())) {
                p.load(was.value());
            }
        });
        return copy;
    }

    // ---- cuts inside the program (transfer learning) --------------------------------------------

    /**
     * The value a cut names: a value computed by a node (its ONNX name), or a node by its ONNX name or by the layer
     * name the importer gives it (sanitised), which stands for the node's first output; null if none.
     */
    private String resolve(String point) {
        if (point == null || point.isEmpty()) {
            return null;
        }
        for (OnnxModel.Node n : source.graph().nodes()) {
            if (n.outputs().contains(point)) {
                return point;
            }
        }
        for (OnnxModel.Node n : source.graph().nodes()) {
            if (!n.name().isEmpty() && (n.name().equals(point) || OnnxImporter.sanitize(n.name()).equals(point))
                    && !n.outputs().isEmpty() && !n.outputs().get(0).isEmpty()) {
                return n.outputs().get(0);
            }
        }
        return null;
    }

    @Override
    public boolean hasCutPoint(String point) {
        return resolve(point) != null;
    }

    /** The nodes' names (or, for a node without one, its first output), in file order. */
    @Override
    public List<String> cutPoints() {
        List<String> out = new ArrayList<>();
        for (OnnxModel.Node n : source.graph().nodes()) {
            if (!n.outputs().isEmpty() && !n.outputs().get(0).isEmpty() && !n.opType().equals("Constant")) {
                out.add(n.name().isEmpty() ? n.outputs().get(0) : n.name());
            }
        }
        return out;
    }

    /**
     * The input of the head, the last Gemm or MatMul before the output (what {@link #withNewHead} resizes): its
     * computed operand, or, where that only turns the batch axis away (a Transpose, as {@code W @ h.t()} exports),
     * the value before it. Null when the program has no such head.
     */
    @Override
    public String defaultCut() {
        Map<String, OnnxModel.Node> producer = producers();
        java.util.Set<String> inits = new java.util.HashSet<>();
        source.graph().initializers().forEach(t -> inits.add(t.name()));
        String v = program.outputNames().get(0);
        while (true) {
            OnnxModel.Node n = producer.get(v);
            if (n == null || !HEAD_PATH.contains(n.opType())) {
                return null;
            }
            String next = null;
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !inits.contains(in) && producer.containsKey(in)
                        && !producer.get(in).opType().equals("Constant") || inputName.equals(in)) {
                    next = next == null ? in : next;
                }
            }
            if (next == null) {
                return null;
            }
            if (n.opType().equals("Gemm") || n.opType().equals("MatMul")) {
                OnnxModel.Node p = producer.get(next);
                while (p != null && (p.opType().equals("Transpose") || p.opType().equals("Identity"))) {
                    next = p.inputs().get(0);
                    p = producer.get(next);
                }
                return next.equals(inputName) ? null : next;
            }
            v = next;
        }
    }

    /** The output of the first pooling node (not a global one), else of the first node that reads a weight. */
    @Override
    public String earlyCut() {
        for (OnnxModel.Node n : source.graph().nodes()) {
            if (n.opType().equals("MaxPool") || n.opType().equals("AveragePool") || n.opType().equals("LpPool")) {
                return n.outputs().get(0);
            }
        }
        java.util.Set<String> weights = new java.util.HashSet<>();
        source.graph().initializers().stream().filter(t -> t.dims().length >= 2).forEach(t -> weights.add(t.name()));
        for (OnnxModel.Node n : source.graph().nodes()) {
            if (n.inputs().stream().anyMatch(weights::contains)) {
                return n.outputs().get(0);
            }
        }
        return null;
    }

    private Map<String, OnnxModel.Node> producers() {
        Map<String, OnnxModel.Node> producer = new java.util.HashMap<>();
        source.graph().nodes().forEach(n -> n.outputs().forEach(o -> producer.put(o, n)));
        return producer;
    }

    /**
     * The program from its input to {@code point} (a value or node name, see {@link #hasCutPoint}) as a layer of its
     * own: the nodes that value needs and the initializers they read, with this layer's current weights (float
     * layers and typed path alike) loaded over the file's.
     */
    @Override
    public OnnxProgramLayer cutAt(String point) {
        String v = resolve(point);
        if (v == null) {
            throw new IllegalArgumentException(describe() + ": no node or value '" + point + "' to cut at; nodes: "
                    + String.join(", ", cutPoints()));
        }
        Map<String, OnnxModel.Node> producer = producers();
        Upstream up = Upstream.of(producer, v);
        java.util.Set<OnnxModel.Node> needed = up.nodes();
        java.util.Set<String> reads = up.values();
        OnnxModel.Graph g = source.graph();
        List<OnnxModel.Node> nodes = g.nodes().stream().filter(needed::contains).toList();
        List<TensorData> inits = g.initializers().stream().filter(t -> reads.contains(t.name())).toList();
        List<ValueInfo> inputs = g.inputs().stream().filter(i -> reads.contains(i.name())).toList();
        List<ValueInfo> info = g.valueInfo().stream().filter(i -> reads.contains(i.name())).toList();
        OnnxModel.Model m = new OnnxModel.Model(source.irVersion(), source.opsets(), source.producerName(),
                source.producerVersion(), new OnnxModel.Graph(g.name(), nodes, inits, inputs,
                List.of(new ValueInfo(v, OnnxModel.FLOAT, null, false)), info));
        OnnxProgramLayer cut;
        try {
            cut = new OnnxProgramLayer(m, what + " up to '" + v + "'");
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(describe() + ": cannot cut at '" + point + "': " + e.getMessage(), e);
        }
        Map<String, Parameter> now = namedParameters();
        cut.namedParameters().forEach((name, p) -> {
            Parameter was = now.get(name);
            if (was == null || !was.shape().equals(p.shape())) {
                throw new IllegalArgumentException(describe() + ": cannot cut at '" + point + "': weight '" + name
                        + "' of the cut has no counterpart " + p.shape() + " in the program");
            }
            p.load(was.value());
        });
        return cut;
    }

    /**
     * The weighted nodes, in the order they run: each float layer with learned weights (the float graph runs
     * first), then each typed node that reads learned weights (a bias Add after a typed Gemm or MatMul joins that
     * node's part, as a Dense layer holds its bias), then each second-stage node that reads learned weights (the
     * stage's weights are the program's parameters, {@link OnnxProgram#parameters()}; a weight the stage shares with
     * a float layer is in that layer's part).
     */
    @Override
    public List<Part> parts() {
        List<Part> out = new ArrayList<>();
        if (program.graph() != null) {
            for (org.convnet4j.nn.Graph.Node n : program.graph().nodes()) {
                if (n.layer() != null
                        && n.layer().namedParameters().values().stream().anyMatch(Parameter::isLearnable)) {
                    out.add(new Part(n.layer().name(), List.of(n.layer()), List.of()));
                }
            }
        }
        Map<String, Parameter> learned = program.learnedByValue();
        java.util.Set<String> taken = new java.util.HashSet<>();
        int typedParts = 0;
        List<OnnxModel.Node> nodes = new ArrayList<>(program.typedNodes());
        if (program.deferred() != null) {
            nodes.addAll(program.deferred().nodes()); // the second stage runs last; its weights are the program's
        }
        for (OnnxModel.Node n : nodes) {
            List<Parameter> ps = new ArrayList<>();
            for (String in : n.inputs()) {
                if (learned.containsKey(in) && taken.add(in)) {
                    ps.add(learned.get(in));
                }
            }
            if (ps.isEmpty()) {
                continue;
            }
            boolean bias = (n.opType().equals("Add") || n.opType().equals("Sub"))
                    && ps.stream().allMatch(p -> p.shape().rank() <= 1);
            if (bias && typedParts > 0) {
                Part prev = out.remove(out.size() - 1);
                List<Parameter> merged = new ArrayList<>(prev.parameters());
                merged.addAll(ps);
                out.add(new Part(prev.name(), prev.layers(), merged));
                continue;
            }
            out.add(new Part(OnnxImporter.sanitize(n.name().isEmpty() ? n.outputs().get(0) : n.name()), List.of(), ps));
            typedParts++;
        }
        return out;
    }

    @Override
    public String toString() {
        return TYPE + "[" + program + ", parameters " + new ArrayList<>(namedParameters().keySet()) + "]";
    }
}
