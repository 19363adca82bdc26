package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;

/**
 * An imported ONNX model with typed values ({@link OnnxImporter#importProgram}): the float {@link Graph} (batch
 * axis first, trainable, as {@link OnnxImporter#importModel} gives it) and, after it, the nodes of the typed path,
 * evaluated exactly on {@link TensorData} — integer and boolean tensors, tensors without a batch axis, comparisons,
 * {@code Shape}/{@code Size} of the run's actual tensors, Dropout's mask. {@link #run} is inference.
 */
public final class OnnxProgram {
    /** Integers the float layers read as float32 must lie within this magnitude to stay exact. */
    private static final long FLOAT_EXACT = 1L << 24;

    private final String what;
    private final Graph graph;
    private final List<String> graphInputValues;
    private final List<List<String>> graphOutputValues;
    private final List<String> inputs;
    private final Map<String, ValueInfo> declared = new HashMap<>();
    private final List<Node> typedNodes;
    private final Map<String, TensorData> constants;
    private final List<ValueInfo> outputs;
    private final long opset;
    /** The file's opset imports (domain -> version; "" the default domain). */
    private final Map<String, Long> opsets;
    private final Deferred deferred;
    /** Learned weights of the typed path by the ONNX value they replace (see {@link #parameters()}). */
    private final Map<String, Parameter> learned;
    /**
     * Values of {@link #learned} that are a float layer's parameter too (one parameter, both gradients summed): true
     * where the layer holds the initializer transposed (a Gemm or MatMul weight as a Dense kernel).
     */
    private final Map<String, Boolean> tied;
    /** Float layers' parameters by the initializer they were loaded from (a second stage's weights live there). */
    private final Map<String, OnnxImporter.FloatBinding> bindings;
    /**
     * Initializers of {@link #learned} that the second stage reads: its weights (learned) and batch norms' running
     * statistics (buffers). Each import of the second stage gets them as initializers and holds copies in its own
     * layers; {@link #runSecondStage} copies their current values in, {@link #backward} adds the copies' gradients
     * back, and a training pass copies the running statistics back out.
     */
    private final java.util.Set<String> stageWeights;
    /** Per imported stage: the version of each stage weight last copied into it ({@link #STALE}: copy it again). */
    private final Map<OnnxProgram, Map<String, Long>> synced = new java.util.WeakHashMap<>();
    /** A copy the next sync makes whatever the weight's version (versions are positive). */
    private static final long STALE = -1;
    /** The second stage that ran in the last training pass (for {@link #backward}). */
    private OnnxProgram lastStage;
    /** Second stages imported for the run-time values they were given, most recent last (at most STAGES). */
    private final Map<String, OnnxProgram> stages = new java.util.LinkedHashMap<>(8, 0.75f, true);
    private static final int STAGES = 8;

    /**
     * The second stage: float nodes that read typed values computed at run time (a computed shape into a Reshape
     * before a convolution, run-time sizes of a Resize, a Cast to float of a comparison feeding a pool) and the nodes
     * after them that read their results. At run time they are imported as a program of their own, with the typed
     * values bound as constants (integer, boolean and batchless values, and any value in an operand an operator takes
     * as a constant) and the float values fed as inputs; one import per distinct set of bound values and fed shapes
     * (the last eight are kept).
     */
    record Deferred(OnnxModel.Model model, List<Node> nodes, List<String> reads, Map<String, TensorData> constants,
                    List<ValueInfo> outputs) {
    }

    OnnxProgram(String what, Graph graph, List<String> graphInputValues, List<List<String>> graphOutputValues,
                List<String> inputs, List<ValueInfo> declaredInputs, List<Node> typedNodes,
                Map<String, TensorData> constants, List<ValueInfo> outputs, long opset, Map<String, Long> opsets,
                Deferred deferred,
                Map<String, Parameter> learned, Map<String, Boolean> tied,
                Map<String, OnnxImporter.FloatBinding> bindings, java.util.Set<String> stageWeights) {
        this.what = what;
        this.graph = graph;
        this.graphInputValues = List.copyOf(graphInputValues);
        this.graphOutputValues = List.copyOf(graphOutputValues);
        this.inputs = List.copyOf(inputs);
        declaredInputs.forEach(v -> declared.put(v.name(), v));
        this.typedNodes = List.copyOf(typedNodes);
        this.constants = Map.copyOf(constants);
        this.outputs = List.copyOf(outputs);
        this.opset = opset;
        this.opsets = Map.copyOf(opsets);
        this.deferred = deferred;
        this.learned = new LinkedHashMap<>(learned);
        this.tied = Map.copyOf(tied);
        this.bindings = Map.copyOf(bindings);
        this.stageWeights = java.util.Set.copyOf(stageWeights);
    }

    /**
     * The learned weights of the typed path, in file order: the model's float32 initializers that typed nodes read
     * where their backward pass gives a gradient (a Gemm's B and C, a MatMul's constant operand, a
     * LayerNormalization's scale and bias, a PRelu slope, a bias Add, a Concat's learned token). Typed nodes read
     * their current values on every run; {@link #backward} accumulates (+=) their gradients, as layers do. Named
     * {@code typed_} + the sanitised initializer name. (The float graph's parameters are {@code graph()}'s.)
     */
    public List<Parameter> parameters() {
        return learned.entrySet().stream().filter(e -> !tied.containsKey(e.getKey())).map(Map.Entry::getValue)
                .toList();
    }

    /**
     * Every value the program learns or keeps by name, as a checkpoint would name them: the float graph's
     * {@link Graph#stateDict()} and then the typed path's {@link #parameters()}.
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> all = graph == null ? new LinkedHashMap<>() : new LinkedHashMap<>(graph.stateDict());
        parameters().forEach(p -> all.put(p.name(), p.value()));
        return all;
    }

    /** The ONNX initializer each {@link #parameters()} entry replaces, by parameter name. */
    public Map<String, String> parameterSources() {
        Map<String, String> out = new LinkedHashMap<>();
        learned.forEach((v, p) -> {
            if (!tied.containsKey(v)) {
                out.put(p.name(), v);
            }
        });
        return out;
    }

    // ---- the parts, for the ONNX export of an OnnxProgramLayer (OnnxProgramExport) ----

    List<String> graphInputValues() {
        return graphInputValues;
    }

    List<List<String>> graphOutputValues() {
        return graphOutputValues;
    }

    /** The nodes of the typed path, in the order they run (after the float graph). */
    List<Node> typedNodes() {
        return typedNodes;
    }

    /** The fixed constants the typed nodes and outputs read, by ONNX value name. */
    Map<String, TensorData> typedConstants() {
        return constants;
    }

    Deferred deferred() {
        return deferred;
    }

    long opset() {
        return opset;
    }

    /** The opset imports of the file the program was imported from. */
    Map<String, Long> opsets() {
        return opsets;
    }

    List<ValueInfo> outputInfos() {
        return outputs;
    }

    ValueInfo declaredInput(String name) {
        return declared.get(name);
    }

    /** The typed path's learned parameters by the ONNX value they replace. */
    Map<String, Parameter> learnedByValue() {
        Map<String, Parameter> own = new LinkedHashMap<>(learned);
        own.keySet().removeAll(tied.keySet());
        return own;
    }

    /** The ONNX values whose typed reads share a float layer's parameter (see {@link #tied}). */
    public java.util.Set<String> tiedValues() {
        return tied.keySet();
    }

    /** A constant the typed nodes read: a learned parameter's current value, else the fixed constant. */
    TensorData constant(String v) {
        Parameter p = learned.get(v);
        if (p == null) {
            return constants.get(v);
        }
        if (!tied.containsKey(v)) {
            return TensorData.of(v, p.value());
        }
        // the float layer's parameter, in the initializer's layout (the file's dims: a typed node's or the stage's)
        Tensor t = tied.get(v) ? p.value().transposed() : p.value();
        TensorData file = constants.containsKey(v) || deferred == null ? constants.get(v)
                : deferred.constants().get(v);
        return new TensorData(v, OnnxModel.FLOAT, file.dims().clone(), t.data().clone(), null);
    }

    /** The float part (null when every output is computed on the typed path). */
    public Graph graph() {
        return graph;
    }

    /** The graph inputs fed at run time, in file order. */
    public List<String> inputNames() {
        return inputs;
    }

    /** Names of the outputs, in file order. */
    public List<String> outputNames() {
        return outputs.stream().map(ValueInfo::name).toList();
    }

    /** How many nodes run on the typed path. */
    public int typedNodeCount() {
        return typedNodes.size();
    }

    /**
     * Runs the model on one value per {@link #inputNames()} entry (each of its declared element type) and returns
     * the graph outputs, each of its declared element type (float results of the float layers that the file declares
     * integer, e.g. ArgMax or a max pool of UINT8 values, must be whole numbers).
     *
     * @throws IllegalArgumentException naming the input or node when a value does not fit
     */
    public List<TensorData> run(List<TensorData> values) {
        return run(values, false);
    }

    /** What {@link #forwardForTraining} kept for {@link #backward}: every value of the pass. */
    private Map<String, TensorData> lastPass;

    /**
     * As {@link #run}, in training mode, keeping what {@link #backward} needs: the float graph's activations and the
     * typed nodes' inputs, and the second stage's pass (its weights are the program's {@link #parameters()}). A
     * second stage that cannot be trained is refused in one line naming its node (see {@link #runSecondStage}). One
     * pass at a time: not thread-safe.
     */
    public List<TensorData> forwardForTraining(List<TensorData> values) {
        return run(values, true);
    }

    /**
     * Backward pass after {@link #forwardForTraining}: from the gradients of the outputs (null for an output that
     * does not reach the loss; integer and boolean outputs have none) through the typed nodes (each must be one of
     * {@link OnnxGradients#DIFFERENTIABLE}, else an exception names it) into the float graph, whose parameters
     * accumulate their gradients as in {@link Graph#backwardMulti}, and so do the typed path's {@link #parameters()};
     * fixed constants get none. Returns the gradients of the float graph's
     * inputs in {@code graph().inputNames()} order (empty without a float graph).
     */
    public List<Tensor> backward(List<TensorData> outputGradients) {
        return backward(outputGradients, null);
    }

    /**
     * As {@link #backward(List)}, returning the gradient of each float program input by name: what the float graph
     * gives for it plus what the typed nodes and the second stage that read it directly give (absent where none does).
     */
    Map<String, double[]> backwardToInputs(List<TensorData> outputGradients) {
        Map<String, double[]> in = new HashMap<>();
        backward(outputGradients, in);
        return in;
    }

    /** As {@link #backward(List)}; with {@code inputGrads}, also the gradient of each float program input by name. */
    private List<Tensor> backward(List<TensorData> outputGradients, Map<String, double[]> inputGrads) {
        if (lastPass == null) {
            throw new IllegalStateException(what + ": backward before forwardForTraining");
        }
        if (outputGradients.size() != outputs.size()) {
            throw new IllegalArgumentException(what + ": " + outputGradients.size() + " output gradients given, "
                    + outputs.size() + " outputs");
        }
        Map<String, double[]> grads = new HashMap<>();
        for (int i = 0; i < outputs.size(); i++) {
            TensorData g = outputGradients.get(i);
            if (g != null && OnnxModel.isFloating(lastPass.get(outputs.get(i).name()) == null ? OnnxModel.FLOAT
                    : lastPass.get(outputs.get(i).name()).dataType())) {
                double[] v = new double[g.floats().length];
                for (int k = 0; k < v.length; k++) {
                    v[k] = g.value(k);
                }
                accumulate(grads, outputs.get(i).name(), v);
            }
        }
        if (lastStage != null) {
            stageBackward(grads);
        }
        for (int t = typedNodes.size() - 1; t >= 0; t--) {
            Node n = typedNodes.get(t);
            List<double[]> gOut = new ArrayList<>();
            boolean any = false;
            for (String o : n.outputs()) {
                double[] g = grads.get(o);
                gOut.add(g);
                any |= g != null;
            }
            if (!any) {
                continue;
            }
            List<OnnxFolding.Arr> in = new ArrayList<>();
            for (String v : n.inputs()) {
                TensorData d = v.isEmpty() ? null : lastPass.containsKey(v) ? lastPass.get(v) : constant(v);
                in.add(d == null ? null : OnnxFolding.Arr.of(d));
            }
            List<double[]> gIn;
            try {
                if (frozenTrainingForm(n)) { // it ran as its inference form; running_* outputs pass their inputs on
                    gIn = OnnxGradients.backward(inferenceForm(n), in, gOut.subList(0, 1), opset);
                    for (int k = 1; k < gOut.size() && k <= 2; k++) {
                        gIn.set(k + 2, gOut.get(k));
                    }
                } else {
                    gIn = OnnxGradients.backward(n, in, gOut, opset);
                }
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException(what + ": " + n.opType() + " node '" + (n.name().isEmpty()
                        ? n.outputs().get(0) : n.name()) + "' on the typed path: " + e.getMessage(), e);
            }
            for (int i = 0; i < gIn.size(); i++) {
                String v = n.inputs().get(i);
                if (gIn.get(i) != null && !v.isEmpty() && (lastPass.containsKey(v) || learned.containsKey(v))) {
                    accumulate(grads, v, gIn.get(i)); // fixed constants (Constant nodes, folded values) get none
                }
            }
        }
        learned.forEach((v, p) -> {
            double[] g = grads.get(v);
            if (g != null) {
                float[] into = p.grad().data();
                if (Boolean.TRUE.equals(tied.get(v))) { // the layer holds the initializer [rows, cols] transposed
                    int rows = (int) constants.get(v).dims()[0];
                    int cols = (int) constants.get(v).dims()[1];
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) {
                            into[j * rows + i] += (float) g[i * cols + j];
                        }
                    }
                    return;
                }
                for (int k = 0; k < into.length; k++) {
                    into[k] += (float) g[k];
                }
            }
        });
        if (inputGrads != null) {
            for (String v : inputs) {
                if (grads.containsKey(v)) {
                    accumulate(inputGrads, v, grads.get(v)); // typed nodes and the second stage read it directly
                }
            }
        }
        if (graph == null) {
            return List.of();
        }
        List<Tensor> graphGrads = new ArrayList<>();
        boolean any = false;
        for (List<String> values : graphOutputValues) {
            double[] sum = null;
            for (String v : values) {
                double[] g = grads.get(v);
                if (g != null) {
                    if (sum == null) {
                        sum = new double[g.length];
                    }
                    for (int k = 0; k < g.length; k++) {
                        sum[k] += g[k];
                    }
                }
            }
            if (sum == null) {
                graphGrads.add(null);
                continue;
            }
            any = true;
            float[] f = new float[sum.length];
            for (int k = 0; k < f.length; k++) {
                f[k] = (float) sum[k];
            }
            TensorData shape = lastPass.get(values.get(0));
            graphGrads.add(new TensorData(values.get(0), OnnxModel.FLOAT, shape.dims(), f, null).toTensor());
        }
        List<Tensor> back = any ? graph.backwardMulti(graphGrads) : List.of();
        if (inputGrads != null) {
            for (int i = 0; i < back.size() && i < graphInputValues.size(); i++) {
                if (back.get(i) != null && graphInputValues.get(i) != null) {
                    float[] f = back.get(i).data();
                    double[] d = new double[f.length];
                    for (int k = 0; k < f.length; k++) {
                        d[k] = f[k];
                    }
                    accumulate(inputGrads, graphInputValues.get(i), d);
                }
            }
        }
        return back;
    }

    /**
     * The second stage's backward pass: from the gradients of its outputs (program outputs) to the values it was fed
     * and, in the initializer's layout, to its weights (the gradients of its copies, added here to the program's
     * parameters by the caller).
     */
    private void stageBackward(Map<String, double[]> grads) {
        OnnxProgram stage = lastStage;
        List<TensorData> gOut = new ArrayList<>();
        boolean any = false;
        for (ValueInfo o : stage.outputs) {
            double[] g = grads.get(o.name());
            TensorData y = stage.lastPass.get(o.name());
            if (g == null || y == null) {
                gOut.add(null);
                continue;
            }
            float[] f = new float[g.length];
            for (int k = 0; k < f.length; k++) {
                f[k] = (float) g[k];
            }
            gOut.add(new TensorData(o.name(), OnnxModel.FLOAT, y.dims(), f, null));
            any = true;
        }
        if (!any) {
            return;
        }
        for (String v : stageWeights) {
            Parameter h = stage.holder(v);
            if (h != null) {
                h.zeroGrad();
            }
        }
        Map<String, double[]> fed = new HashMap<>();
        stage.backward(gOut, fed);
        fed.forEach((v, g) -> accumulate(grads, v, g));
        for (String v : stageWeights) {
            Parameter h = stage.holder(v);
            if (h != null && h.isLearnable()) {
                Tensor g = stage.holderTransposed(v) ? h.grad().transposed() : h.grad();
                double[] d = new double[g.data().length];
                for (int k = 0; k < d.length; k++) {
                    d[k] = g.data()[k];
                }
                accumulate(grads, v, d);
            }
        }
    }

    /** The parameter here that holds initializer v: a learned one (typed, tied or a stage weight), else a layer's. */
    Parameter holder(String v) {
        Parameter p = learned.get(v);
        if (p != null) {
            return p;
        }
        OnnxImporter.FloatBinding b = bindings.get(v);
        return b == null ? null : b.parameter();
    }

    /** Whether {@link #holder} keeps v transposed (a Gemm or MatMul weight as a Dense kernel). */
    boolean holderTransposed(String v) {
        if (learned.containsKey(v)) {
            return Boolean.TRUE.equals(tied.get(v));
        }
        OnnxImporter.FloatBinding b = bindings.get(v);
        return b != null && b.transposed();
    }

    private static void accumulate(Map<String, double[]> grads, String v, double[] g) {
        double[] have = grads.get(v);
        if (have == null) {
            grads.put(v, g.clone());
        } else {
            for (int k = 0; k < g.length; k++) {
                have[k] += g[k];
            }
        }
    }

    private List<TensorData> run(List<TensorData> values, boolean training) {
        if (values.size() != inputs.size()) {
            throw new IllegalArgumentException(what + ": " + values.size() + " inputs given, " + inputs.size()
                    + " expected " + inputs);
        }
        Map<String, TensorData> env = new HashMap<>();
        for (int i = 0; i < values.size(); i++) {
            TensorData v = values.get(i);
            ValueInfo d = declared.get(inputs.get(i));
            if (d != null && d.elemType() != 0 && family(d.elemType()) != family(v.dataType())) {
                throw new IllegalArgumentException(what + ": input '" + inputs.get(i) + "' is declared "
                        + OnnxModel.typeName(d.elemType()) + ", given " + OnnxModel.typeName(v.dataType()));
            }
            env.put(inputs.get(i), new TensorData(inputs.get(i), v.dataType(), v.dims(), v.floats(), v.longs(),
                    v.doubles(), v.strings()));
        }
        if (graph != null) {
            List<Tensor> feed = new ArrayList<>();
            for (String name : graphInputValues) {
                TensorData t = env.get(name);
                if (t.isInteger()) {
                    for (long x : t.longs()) {
                        if (Math.abs(x) > FLOAT_EXACT) {
                            throw new IllegalArgumentException(what + ": integer input '" + name + "' holds " + x
                                    + ", beyond 2^24, which the float layers cannot hold exactly");
                        }
                    }
                }
                feed.add(t.toTensor());
            }
            List<Tensor> got = training ? graph.forwardMulti(feed, true)
                    : GradMode.withoutGradients(() -> graph.forwardMulti(feed, false));
            for (int i = 0; i < got.size(); i++) {
                for (String v : graphOutputValues.get(i)) {
                    env.put(v, TensorData.of(v, got.get(i)));
                }
            }
        }
        for (Node n : typedNodes) {
            List<TensorData> in = new ArrayList<>();
            for (String v : n.inputs()) {
                in.add(v.isEmpty() ? null : env.containsKey(v) ? env.get(v) : constant(v));
            }
            try {
                List<TensorData> results;
                if (frozenTrainingForm(n)) {
                    // Y on the running statistics, which stay as they are: its running_mean and running_var outputs
                    // are its inputs (as a frozen float BatchNorm2d, or Keras' trainable=False)
                    results = new ArrayList<>(OnnxFolding.evaluate(inferenceForm(n), in, opset));
                    for (int k = 3; k <= 4; k++) {
                        TensorData r = in.get(k);
                        results.add(new TensorData(n.outputs().size() > k - 2 ? n.outputs().get(k - 2) : "",
                                r.dataType(), r.dims(), r.floats(), r.longs(), r.doubles()));
                    }
                } else {
                    results = OnnxFolding.evaluate(n, in, opset);
                }
                for (int k = 0; k < results.size() && k < n.outputs().size(); k++) {
                    if (!n.outputs().get(k).isEmpty()) {
                        env.put(n.outputs().get(k), results.get(k));
                    }
                }
                if (training && n.opType().equals("BatchNormalization") && results.size() == 3 && !frozen(n)) {
                    // the training form's running statistics, as PyTorch moves its buffers in a training pass (a
                    // frozen batch norm keeps them, as a frozen float layer does)
                    for (int k = 1; k <= 2; k++) {
                        Parameter b = learned.get(n.inputs().get(k + 2));
                        if (b != null && !b.isLearnable()) { // its own buffer, or a float batch norm's (tied)
                            b.load(results.get(k).toTensor().reshape(b.value().shape()));
                        }
                    }
                }
            } catch (IllegalArgumentException | IndexOutOfBoundsException | NullPointerException e) {
                throw new IllegalArgumentException(what + ": " + n.opType() + " node '" + (n.name().isEmpty()
                        ? n.outputs().get(0) : n.name()) + "': " + e.getMessage(), e);
            }
        }
        lastStage = null;
        if (deferred != null) {
            runSecondStage(env, training);
        }
        lastPass = training ? env : null;
        List<TensorData> out = new ArrayList<>();
        for (ValueInfo o : outputs) {
            TensorData t = env.containsKey(o.name()) ? env.get(o.name()) : constants.get(o.name());
            if (t == null) {
                throw new IllegalStateException(what + ": output '" + o.name() + "' was not computed");
            }
            out.add(declaredType(t, o));
        }
        return out;
    }

    /**
     * Whether {@code n} is a BatchNormalization in training form (training_mode 1) whose scale and bias are frozen: it
     * then runs as its inference form on the running statistics, in training passes too, as a frozen float batch norm.
     */
    private boolean frozenTrainingForm(Node n) {
        return n.opType().equals("BatchNormalization") && OnnxFolding.multiOutput(n) && frozen(n);
    }

    /** The inference form of a training-form BatchNormalization: Y only, epsilon kept. */
    private static Node inferenceForm(Node n) {
        Map<String, OnnxModel.Attribute> attrs = new LinkedHashMap<>(n.attributes());
        attrs.remove("training_mode");
        attrs.remove("momentum");
        return new Node(n.name(), n.opType(), n.domain(), n.inputs(), List.of(n.outputs().get(0)), attrs);
    }

    /**
     * Whether a BatchNormalization node's scale and bias are both frozen parameters (transfer learning froze its
     * part): its running statistics then stay as they are.
     */
    private boolean frozen(Node n) {
        boolean any = false;
        for (int slot = 1; slot <= 2 && slot < n.inputs().size(); slot++) {
            Parameter p = learned.get(n.inputs().get(slot));
            if (p == null) {
                OnnxImporter.FloatBinding b = bindings.get(n.inputs().get(slot));
                p = b == null ? null : b.parameter();
            }
            if (p == null || !p.isFrozen()) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /** Imports (or reuses) the second stage for the typed values of this run and puts its outputs in {@code env}. */
    private void runSecondStage(Map<String, TensorData> env, boolean training) {
        Map<String, TensorData> bind = new java.util.LinkedHashMap<>(deferred.constants());
        bind.keySet().removeAll(stageWeights);
        List<ValueInfo> declaredIn = new ArrayList<>();
        List<TensorData> feed = new ArrayList<>();
        StringBuilder key = new StringBuilder();
        for (String v : deferred.reads()) {
            if (stageWeights.contains(v)) {
                continue; // an initializer of the stage, its current value (below)
            }
            if (deferred.constants().containsKey(v)) {
                declaredIn.add(new ValueInfo(v, deferred.constants().get(v).dataType(), deferred.constants().get(v).dims(),
                        true));
                continue;
            }
            TensorData t = env.get(v);
            if (t == null) {
                // a value no node makes (its producer dropped by a fuzzed file): the file's fault, not ours
                throw new IllegalArgumentException(what + ": the second stage reads '" + v + "', which no node of the"
                        + " model computes");
            }
            boolean constant = !OnnxModel.isFloating(t.dataType()) || t.dims().length == 0 || readAsConstant(v);
            if (constant) {
                if (training && OnnxModel.isFloating(t.dataType())) {
                    refuseBoundFloat(v);
                }
                bind.put(v, t);
                declaredIn.add(new ValueInfo(v, t.dataType(), t.dims(), true));
                key.append(v).append(':').append(t.dataType()).append(java.util.Arrays.toString(t.dims()));
                for (int i = 0; i < t.floats().length; i++) {
                    key.append(i == 0 ? '=' : ',').append(t.value(i));
                }
            } else {
                // the batch size too: sizes and shapes bound beside it may name it (a Resize's [N, C, H, W])
                key.append(v).append(java.util.Arrays.toString(t.dims()));
                declaredIn.add(new ValueInfo(v, t.dataType(), t.dims().clone(), true));
                feed.add(t);
            }
            key.append(';');
        }
        OnnxProgram stage;
        synchronized (stages) {
            stage = stages.get(key.toString());
        }
        if (stage == null) {
            OnnxModel.Model m = deferred.model();
            List<TensorData> weights = new ArrayList<>();
            for (String v : deferred.reads()) {
                if (stageWeights.contains(v)) {
                    weights.add(constant(v));
                }
            }
            OnnxModel.Model sub = new OnnxModel.Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                    new OnnxModel.Graph(m.graph().name(), deferred.nodes(), weights, declaredIn, deferred.outputs(),
                            List.of()));
            stage = OnnxImporter.importProgram(sub, what + " (second stage, run-time values)", bind);
            requireStageFits(stage, feed, key);
            synchronized (stages) {
                stages.put(key.toString(), stage);
                if (stages.size() > STAGES) {
                    stages.remove(stages.keySet().iterator().next());
                }
            }
        }
        syncInto(stage, training);
        List<TensorData> got = training ? stage.forwardForTraining(feed) : stage.run(feed);
        for (int i = 0; i < got.size(); i++) {
            env.put(deferred.outputs().get(i).name(), got.get(i));
        }
        if (training) {
            lastStage = stage;
            syncBuffersOut(stage);
            markCopiesStale();
        }
    }

    /**
     * After a training pass every stage copies the learned weights again at its next run: a hand-written step
     * ({@code w -= lr * g} on the arrays, no {@code changed()} call) moves them without a new version, as Conv2d and
     * Dense assume of a pass that tracks gradients (the next inference reads the written values). Frozen weights are
     * left (no step moves them); an optimiser step gives the others new versions anyway, so a training loop copies no
     * more than before.
     */
    private void markCopiesStale() {
        synchronized (synced) {
            for (Map<String, Long> seen : synced.values()) {
                for (String v : stageWeights) {
                    Parameter mine = learned.get(v);
                    if (mine.isLearnable() && !mine.isFrozen() && seen.containsKey(v)) {
                        seen.put(v, STALE);
                    }
                }
            }
        }
    }

    /**
     * A second stage sized by run-time values (a Resize factor of 1000 given as an input) is checked against the memory
     * budget before it runs: its float graph's weights and every activation at the fed batch, as for a model read
     * from a file (fuzzing, issue 15: an OutOfMemoryError in the stage's first layer otherwise).
     */
    private void requireStageFits(OnnxProgram stage, List<TensorData> feed, StringBuilder key) {
        if (stage.graph() == null) {
            return;
        }
        long batch = 1;
        for (TensorData t : feed) {
            if (OnnxModel.isFloating(t.dataType()) && t.dims().length > 0) {
                batch = Math.max(1, t.dims()[0]);
                break;
            }
        }
        long bytes;
        try {
            bytes = org.convnet4j.nn.ModelSummary.of(stage.graph()).inferenceMemoryBytes((int) Math.min(batch,
                    Integer.MAX_VALUE));
        } catch (RuntimeException e) {
            return; // no estimate for this graph's shapes; the typed path's own limits still apply
        }
        String values = key.length() > 200 ? key.substring(0, 200) + "..." : key.toString();
        org.convnet4j.util.MemoryBudget.requireParameter(what + ": its second stage for the run-time values " + values
                + " (weights and every activation, batch " + batch + ")", bytes);
    }

    /**
     * Copies the stage weights whose version moved since the last copy into the stage's own layers (an import has
     * the values of its moment; an optimiser step or a load moves them after). A weight the stage holds in no
     * parameter (an operator whose float layer keeps it fixed) cannot follow: inference is fine until it changes,
     * training is refused naming the node.
     */
    private void syncInto(OnnxProgram stage, boolean training) {
        Map<String, Long> seen;
        synchronized (synced) {
            seen = synced.computeIfAbsent(stage, k -> new HashMap<>());
        }
        for (String v : stageWeights) {
            Parameter mine = learned.get(v);
            Parameter h = stage.holder(v);
            if (h == null) {
                if (training && mine.isLearnable()) {
                    Node n = deferred.nodes().stream().filter(d -> d.inputs().contains(v)).findFirst().orElseThrow();
                    throw new IllegalStateException(what + ": the second stage's " + n.opType() + " node '"
                            + (n.name().isEmpty() ? n.outputs().get(0) : n.name()) + "' keeps initializer '" + v
                            + "' fixed, so the program cannot be trained (docs/ONNX.md, \"Training the second"
                            + " stage\")");
                }
                continue;
            }
            Long was = seen.get(v);
            if (was == null) { // the import read the value of this moment
                seen.put(v, mine.version());
                continue;
            }
            if (was != mine.version()) {
                Tensor now = constant(v).toTensor();
                h.load(stage.holderTransposed(v) ? now.transposed() : now.reshape(h.value().shape()));
                h.changed();
                seen.put(v, mine.version());
            }
        }
        freezeAsTheProgram(stage);
    }

    /**
     * The stage's layers learn when a program parameter they hold a copy of is learning: a layer whose copied weights
     * are all frozen (transfer learning froze their part) is frozen too, so that a batch norm among them runs on, and
     * keeps, its running statistics, as a frozen float layer does.
     */
    private void freezeAsTheProgram(OnnxProgram stage) {
        if (stage.graph() == null) {
            return;
        }
        Map<Parameter, Parameter> mineByCopy = new java.util.IdentityHashMap<>();
        for (String v : stageWeights) {
            Parameter h = stage.holder(v);
            Parameter mine = learned.get(v);
            if (h != null && mine.isLearnable()) {
                mineByCopy.put(h, mine);
                h.setFrozen(mine.isFrozen()); // a typed batch norm of the stage reads it (frozen(Node))
            }
        }
        for (org.convnet4j.nn.Graph.Node n : stage.graph().nodes()) {
            org.convnet4j.nn.Layer l = n.layer();
            if (l == null) {
                continue;
            }
            boolean copies = false;
            boolean learning = false;
            for (Parameter h : l.namedParameters().values()) {
                Parameter mine = mineByCopy.get(h);
                if (mine != null) {
                    copies = true;
                    learning |= !mine.isFrozen();
                }
            }
            if (copies && l.isTrainable() != learning) {
                l.setTrainable(learning);
            }
        }
    }

    /** After a training pass: the stage's batch norms' running statistics become the program's. */
    private void syncBuffersOut(OnnxProgram stage) {
        Map<String, Long> seen;
        synchronized (synced) {
            seen = synced.get(stage);
        }
        for (String v : stageWeights) {
            Parameter mine = learned.get(v);
            Parameter h = stage.holder(v);
            if (mine.isLearnable() || h == null) {
                continue; // (a tied buffer is a float batch norm's running statistic: the one state, moved here too)
            }
            mine.load(h.value().reshape(mine.value().shape()));
            mine.changed();
            seen.put(v, mine.version());
        }
    }

    /** Training with a float value computed at run time bound as a constant would lose its gradient: refused. */
    private void refuseBoundFloat(String v) {
        for (Node n : deferred.nodes()) {
            int slot = n.inputs().indexOf(v);
            if (slot >= 1 && (n.opType().equals("Resize") || n.opType().equals("Upsample"))) {
                continue; // a roi or scales: no gradient by definition
            }
            if (slot >= 0) {
                throw new IllegalStateException(what + ": the second stage's " + n.opType() + " node '"
                        + (n.name().isEmpty() ? n.outputs().get(0) : n.name()) + "' reads float value '" + v
                        + "' computed at run time as a constant, so its gradient is not computed: the program cannot"
                        + " be trained (docs/ONNX.md, \"Training the second stage\")");
            }
        }
    }

    /** Whether some second-stage node reads {@code v} where its operator takes a constant. */
    private boolean readAsConstant(String v) {
        for (Node n : deferred.nodes()) {
            for (int slot = 0; slot < n.inputs().size(); slot++) {
                if (n.inputs().get(slot).equals(v) && OnnxImporter.takesConstant(n.opType(), slot)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** How many second stages are kept (imported for distinct run-time values); for tests. */
    int secondStages() {
        synchronized (stages) {
            return stages.size();
        }
    }

    private static int family(int type) {
        return OnnxModel.isFloating(type) ? 0 : type == OnnxModel.BOOL ? 2 : type == OnnxModel.STRING ? 3 : 1;
    }

    /** A float result of the float layers given the output's declared integer or boolean type. */
    private TensorData declaredType(TensorData t, ValueInfo o) {
        int type = o.elemType();
        if (t.isInteger() || type == 0 || type == t.dataType()) {
            return t;
        }
        if (family(type) == 0) { // a float32 result of the float layers, given the declared floating type
            double[] v = new double[t.floats().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.floats()[i];
            }
            return new OnnxFolding.Arr(type, t.dims().clone(), v).data(t.name());
        }
        long[] l = new long[t.floats().length];
        for (int i = 0; i < l.length; i++) {
            float f = t.floats()[i];
            if (f != Math.rint(f) || Math.abs(f) > FLOAT_EXACT) {
                throw new IllegalArgumentException(what + ": output '" + o.name() + "' is declared "
                        + OnnxModel.typeName(type) + " but element " + i + " is " + f);
            }
            l[i] = OnnxFolding.wrap(type, (long) f);
        }
        float[] f = new float[l.length];
        for (int i = 0; i < l.length; i++) {
            f[i] = l[i];
        }
        return new TensorData(t.name(), type, t.dims().clone(), f, l);
    }

    @Override
    public String toString() {
        return "OnnxProgram[" + what + ": inputs " + inputs + ", outputs " + outputNames() + ", typed nodes "
                + typedNodes.size() + (graph == null ? ", no float graph" : "") + (deferred == null ? ""
                : ", second stage of " + deferred.nodes().size() + " nodes") + "]";
    }
}
