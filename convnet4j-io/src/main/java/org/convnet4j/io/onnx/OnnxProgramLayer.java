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
public final class OnnxProgramLayer extends Layer implements org.convnet4j.transfer.ReplaceableHead {
    /** The layer type written in model files. */
    public static final String TYPE = "OnnxProgram";

    private final OnnxModel.Model source;
    private final String what;
    private final OnnxProgram program;
    private final String inputName;
    private final Shape inputShape;
    private final Shape outputShape;
    private final long declaredBatch;

    /**
     * Imports {@code model} ({@code what} names it in messages) as a program and checks that it has the one float
     * input and one float output with batch axes a layer needs.
     *
     * @throws IllegalArgumentException naming the model and the problem
     */
    public OnnxProgramLayer(OnnxModel.Model model, String what) {
        this.source = model;
        this.what = what;
        this.program = OnnxImporter.importProgram(model, what);
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
        this.declaredBatch = in.dims()[0] > 0 ? in.dims()[0] : 1;
        // the per-sample output shape, from one run on zeros (the typed path has no shape inference of its own)
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

    /** The ONNX model this layer was imported from. */
    public OnnxModel.Model source() {
        return source;
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
        List<Tensor> g = program.backward(List.of(TensorData.of(program.outputNames().get(0), gradOutput)));
        if (g.isEmpty() || g.get(0) == null) {
            int[] dims = new int[inputShape.rank() + 1];
            dims[0] = gradOutput.dim(0);
            System.arraycopy(inputShape.dims(), 0, dims, 1, inputShape.rank());
            return List.of(Tensor.zeros(Shape.of(dims))); // the input reaches the output on the typed path only
        }
        return List.of(g.get(0));
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

    @Override
    public String toString() {
        return TYPE + "[" + program + ", parameters " + new ArrayList<>(namedParameters().keySet()) + "]";
    }
}
