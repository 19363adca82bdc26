package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Model;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerType;
import org.convnet4j.nn.LayerTypes;
import org.convnet4j.nn.OnnxForm;
import org.convnet4j.nn.layers.Arithmetic;
import org.convnet4j.nn.layers.ArithmeticOp;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.AxisSoftmax;
import org.convnet4j.nn.layers.BatchNorm;
import org.convnet4j.nn.layers.BatchNorm1d;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Clip;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.ConstantArithmetic;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.ConvTranspose2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Add;
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
import org.convnet4j.nn.layers.PoolRounding;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.Reshape;
import org.convnet4j.nn.layers.Sigmoid;
import org.convnet4j.nn.layers.Tanh;
import org.convnet4j.ops.ConvGeometry;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.MemoryBudget;

/**
 * Turns an ONNX model (opsets {@value #MIN_OPSET} to {@value #MAX_OPSET}) into a {@link Graph} of our layers,
 * with the initializers loaded as parameters, so the result runs, trains and saves like any model.
 *
 * <p>ONNX axis 0 is taken as the batch axis: graph inputs are [N, ...] and our per-sample shapes drop N. An
 * operator that works across the batch (softmax over axis 0, concat on axis 0) is refused. Initializers and
 * Constant outputs are folded into the layers that use them (weights, biases, shapes, pads). Everything that
 * cannot be mapped is collected and reported at once by {@link UnsupportedOnnxException}.
 */
public final class OnnxImporter {
    public static final int MIN_OPSET = 1;
    public static final int MAX_OPSET = 21;
    /** The batch size that Shape yields for an input whose batch axis is symbolic (a value no real shape has). */
    static final long SYMBOLIC_BATCH = 999_983;

    /** How one ONNX operator becomes layers: the one place an operator is added to the importer. */
    @FunctionalInterface
    interface OpImport {
        void convert(OnnxImporter importer, Node node);
    }

    private record OpDef(String summary, OpImport importer) {
    }

    private static final Map<String, OpDef> OPS = new TreeMap<>();

    private static void op(String type, String summary, OpImport importer) {
        OPS.put(type, new OpDef(summary, importer));
    }

    private static void unaryOp(String type, Elementwise.Fn fn) {
        op(type, "element-wise", (im, n) -> im.unary(n, new Elementwise(fn)));
    }

    static {
        op("Constant", "tensor, float(s), int(s) values", (im, n) -> im.consts.put(n.outputs().get(0), im.constantValue(n)));
        op("Identity", "", (im, n) -> im.alias(n, n.inputs().get(0)));
        op("Conv", "1-D and 2-D; pads, strides, dilations, group, auto_pad; kernel_shape checked against W", OnnxImporter::conv);
        op("ConvTranspose", "2-D; pads, strides, dilations, group, output_padding, output_shape, auto_pad",
                OnnxImporter::convTranspose);
        op("MaxPool", "1-D and 2-D; pads, strides, dilations, auto_pad, ceil_mode; no Indices output", OnnxImporter::pool);
        op("AveragePool", "1-D and 2-D; pads, strides, dilations (2-D), auto_pad, ceil_mode, count_include_pad", OnnxImporter::pool);
        op("LpPool", "2-D; p, pads, strides, auto_pad", OnnxImporter::pool);
        op("GlobalAveragePool", "2-D", OnnxImporter::globalPool);
        op("GlobalMaxPool", "2-D", OnnxImporter::globalPool);
        op("BatchNormalization", "inference form (running statistics as buffers); legacy spatial/is_test/"
                + "consumed_inputs", OnnxImporter::batchNorm);
        op("LayerNormalization", "over the last axes; scale and B constant (learned); Mean and InvStdDev outputs",
                OnnxImporter::layerNorm);
        op("Relu", "", (im, n) -> im.unary(n, new ReLU()));
        op("Sigmoid", "", (im, n) -> im.unary(n, new Sigmoid()));
        op("Tanh", "", (im, n) -> im.unary(n, new Tanh()));
        op("LeakyRelu", "", (im, n) -> im.unary(n, new LeakyReLU(floatAttr(n, "alpha", 0.01f))));
        unaryOp("Exp", Elementwise.Fn.EXP);
        unaryOp("Log", Elementwise.Fn.LOG);
        unaryOp("Sqrt", Elementwise.Fn.SQRT);
        unaryOp("Abs", Elementwise.Fn.ABS);
        unaryOp("Neg", Elementwise.Fn.NEG);
        unaryOp("Reciprocal", Elementwise.Fn.RECIPROCAL);
        unaryOp("Floor", Elementwise.Fn.FLOOR);
        unaryOp("Ceil", Elementwise.Fn.CEIL);
        unaryOp("Round", Elementwise.Fn.ROUND);
        unaryOp("Erf", Elementwise.Fn.ERF);
        unaryOp("HardSwish", Elementwise.Fn.HARD_SWISH);
        unaryOp("Mish", Elementwise.Fn.MISH);
        unaryOp("Softplus", Elementwise.Fn.SOFTPLUS);
        unaryOp("Sin", Elementwise.Fn.SIN);
        unaryOp("Cos", Elementwise.Fn.COS);
        unaryOp("Sign", Elementwise.Fn.SIGN);
        op("Gelu", "approximate none or tanh", (im, n) -> im.unary(n, new Elementwise(
                stringAttr(n, "approximate", "none").equals("tanh") ? Elementwise.Fn.GELU_TANH : Elementwise.Fn.GELU)));
        op("HardSigmoid", "alpha, beta", (im, n) -> im.unary(n, new Elementwise(Elementwise.Fn.HARD_SIGMOID,
                floatAttr(n, "alpha", 0.2f), floatAttr(n, "beta", 0.5f))));
        op("Elu", "alpha", (im, n) -> im.unary(n, new Elementwise(Elementwise.Fn.ELU, floatAttr(n, "alpha", 1f), 0)));
        op("Celu", "alpha", (im, n) -> im.unary(n, new Elementwise(Elementwise.Fn.CELU, floatAttr(n, "alpha", 1f), 0)));
        op("Selu", "alpha, gamma", (im, n) -> im.unary(n, new Elementwise(Elementwise.Fn.SELU,
                floatAttr(n, "alpha", 1.67326319217681884765625f), floatAttr(n, "gamma", 1.05070102214813232421875f))));
        op("Pow", "constant scalar exponent", OnnxImporter::pow);
        op("Softmax", "any axis but the batch axis", OnnxImporter::softmax);
        op("LogSoftmax", "any axis but the batch axis", OnnxImporter::softmax);
        op("Gemm", "A computed, B and C constant; transB, alpha, beta", OnnxImporter::gemm);
        op("MatMul", "computed times a constant matrix (any leading axes), or two computed tensors of equal rank",
                OnnxImporter::matmul);
        op("Add", "broadcasting; with a constant (an initializer is learned, a Constant is fixed) or two computed"
                + " tensors of equal rank; legacy broadcast/axis",
                (im, n) -> im.arithmetic(n, ArithmeticOp.ADD));
        op("Sub", "as Add", (im, n) -> im.arithmetic(n, ArithmeticOp.SUB));
        op("Mul", "as Add", (im, n) -> im.arithmetic(n, ArithmeticOp.MUL));
        op("Div", "as Add", (im, n) -> im.arithmetic(n, ArithmeticOp.DIV));
        op("Mod", "fmod 1 on floats (C's fmod: the sign of the dividend; PyTorch's torch.fmod), as Add; fmod 0 (Python's"
                + " sign rule) on integers, folded or on the typed path (importProgram)", (im, n) -> {
            if (intAttr(n, "fmod", 0) == 0) {
                // float-graph values are floating point; ONNX defines fmod=0 for integers only
                throw im.unsupported(im.where(n) + ": fmod=0 on floating-point tensors: ONNX defines it for integers"
                        + " only; floats need fmod=1");
            }
            im.arithmetic(n, ArithmeticOp.MOD);
        });
        op("Sum", "variadic, computed tensors of equal rank", OnnxImporter::variadic);
        op("Mean", "variadic, computed tensors of equal rank", OnnxImporter::variadic);
        op("Max", "variadic, computed tensors of equal rank", OnnxImporter::variadic);
        op("Min", "variadic, computed tensors of equal rank", OnnxImporter::variadic);
        op("PRelu", "constant slope broadcast over the sample (learnable)", OnnxImporter::prelu);
        op("ArgMax", "non-batch axis, keepdims, select_last_index; indices as floats", (im, n) -> {
            Shape in = im.shapeOf(im.input(n, 0));
            im.unary(n, new ArgMax(im.sampleAxis(n, intAttr(n, "axis", 0), in.rank() + 1),
                    intAttr(n, "keepdims", 1) != 0 ? ArgMax.Dims.KEEP : ArgMax.Dims.DROP,
                    intAttr(n, "select_last_index", 0) != 0 ? ArgMax.Ties.LAST : ArgMax.Ties.FIRST));
        });
        op("ArgMin", "as ArgMax, of the input negated (negation is exact, so the same index, ties included)",
                (im, n) -> {
            // the first (select_last_index: last) smallest value is the first (last) largest of -x
            Shape in = im.shapeOf(im.input(n, 0));
            String negated = im.add(n, new Elementwise(Elementwise.Fn.NEG), "_neg", im.input(n, 0));
            im.unaryFrom(n, new ArgMax(im.sampleAxis(n, intAttr(n, "axis", 0), in.rank() + 1),
                    intAttr(n, "keepdims", 1) != 0 ? ArgMax.Dims.KEEP : ArgMax.Dims.DROP,
                    intAttr(n, "select_last_index", 0) != 0 ? ArgMax.Ties.LAST : ArgMax.Ties.FIRST), negated);
        });
        op("Tile", "constant repeats, 1 along the batch axis", OnnxImporter::tile);
        op("Expand", "a computed tensor to a constant shape of the same rank, the batch axis unchanged", OnnxImporter::expand);
        op("DepthToSpace", "DCR and CRD", OnnxImporter::depthToSpace);
        op("SpaceToDepth", "", OnnxImporter::depthToSpace);
        op("Resize", "nearest (all nearest modes), linear and cubic (cubic_coeff_a, exclude_outside); every"
                + " coordinate transformation but tf_crop_and_resize;"
                + " scales or sizes, axes; antialias (linear, cubic) and keep_aspect_ratio_policy (18+);"
                + " not along the batch axis", OnnxImporter::resize);
        op("Upsample", "nearest and linear, scales attribute (opset 7-8) or input (9)", OnnxImporter::resize);
        op("InstanceNormalization", "scale and B constant (learned when initializers)", OnnxImporter::groupNorm);
        op("GroupNormalization", "scale and bias constant (learned per channel when initializers); per-group"
                + " (opset 18) or per-channel (21)",
                OnnxImporter::groupNorm);
        op("Concat", "channel axis (1); any axis when constant", OnnxImporter::concat);
        op("Flatten", "axis 1", OnnxImporter::flatten);
        op("Reshape", "constant (or folded) shape keeping the batch axis", OnnxImporter::reshape);
        op("Squeeze", "axes other than the batch axis (attribute or input)", OnnxImporter::squeezeOp);
        op("Unsqueeze", "axes other than the batch axis (attribute or input)", OnnxImporter::squeezeOp);
        op("Transpose", "perm keeping the batch axis first", OnnxImporter::transposeOp);
        op("Slice", "constant starts/ends/axes/steps (attributes or inputs), not along the batch axis",
                OnnxImporter::sliceOp);
        op("Split", "constant split (attribute, input or num_outputs), not along the batch axis", OnnxImporter::split);
        op("Gather", "constant indices along a non-batch axis", OnnxImporter::gather);
        op("Shape", "folded from the shapes known at import (start, end); importProgram: also computed from each run's"
                + " tensor", OnnxImporter::shapeOp);
        op("Size", "folded from the shapes known at import; importProgram: also computed from each run's tensor",
                OnnxImporter::shapeOp);
        for (String r : new String[] {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2",
            "ReduceSumSquare", "ReduceLogSumExp"}) {
            op(r, "non-batch axes (attribute or input), keepdims", OnnxImporter::reduce);
        }
        op("Dropout", "legacy is_test; the mask output with importProgram (inference: all true)", OnnxImporter::dropout);
        op("LRN", "odd size", (im, n) -> {
            int size = im.int32(n, "size", intAttr(n, "size", -1));
            if (size < 1 || size % 2 == 0) {
                throw im.unsupported(im.where(n) + ": size " + size + " (only odd sizes centre the window)");
            }
            im.unary(n, new LRN(size, floatAttr(n, "alpha", 1e-4f), floatAttr(n, "beta", 0.75f), floatAttr(n, "bias", 1f)));
        });
        op("Pad", "constant, reflect, edge; constant pads (attribute or input, legacy paddings), none on the batch axis",
                OnnxImporter::pad);
        op("Clip", "constant bounds", OnnxImporter::clip);
        op("Cast", "to float or double of a computed tensor (identity); any type when constant; importProgram: to"
                + " integer and boolean types", (im, n) -> {
            long to = intAttr(n, "to", OnnxModel.FLOAT);
            if (to != OnnxModel.FLOAT && to != OnnxModel.DOUBLE) {
                throw im.unsupported(im.where(n) + ": cast of a computed tensor to " + OnnxModel.typeName((int) to)
                        + " (the engine computes in float32)");
            }
            im.alias(n, n.inputs().get(0));
        });
        for (String f : new String[] {"Range", "ConstantOfShape", "Where", "Equal", "Less", "Greater",
            "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "TopK"}) {
            op(f, "folded at import; computed inputs on the typed path (importProgram)", (im, n) -> {
                throw im.unsupported(im.where(n) + ": only constant inputs are supported in a float graph (folded at"
                        + " import); OnnxImporter.importProgram computes it at run time");
            });
        }
    }

    /** Operators this importer maps, with a one-line summary for the supported-op table. */
    public static final Map<String, String> SUPPORTED = supported();

    private static Map<String, String> supported() {
        Map<String, String> m = new TreeMap<>();
        OPS.forEach((k, v) -> m.put(k, v.summary()));
        return java.util.Collections.unmodifiableMap(m);
    }

    private final Model model;
    private final String what;
    private final long opset;
    private final Map<String, TensorData> consts = new HashMap<>();
    // values that are a model parameter: initializers, and what Identity/Unsqueeze/Reshape/... make of one alone
    private final Set<String> parameterValues = new HashSet<>();
    /**
     * A float layer's parameter loaded from an initializer as it is (its values in the same order) or as the
     * transpose of a matrix: a typed node that reads the same initializer shares it (importProgram).
     */
    record FloatBinding(org.convnet4j.nn.Parameter parameter, boolean transposed) {
    }

    private final Map<String, FloatBinding> floatBindings = new HashMap<>();

    private void bound(Node n, int slot, org.convnet4j.nn.Parameter p, boolean transposed) {
        // the same values in the same order (only the shape may differ: a per-channel vector held as [C, 1, 1])
        if (slot < n.inputs().size() && isParameter(n.inputs().get(slot)) && consts.containsKey(n.inputs().get(slot))
                && consts.get(n.inputs().get(slot)).elementCount() == p.value().size()) {
            floatBindings.putIfAbsent(n.inputs().get(slot), new FloatBinding(p, transposed));
        }
    }
    private final Map<String, String> nodeOf = new HashMap<>(); // ONNX value name -> our graph node name
    private final Set<String> taken = new HashSet<>();
    private final Graph.Builder builder;
    private long nominalBatch = -1;
    private int folded;
    private int dead;
    private final Set<Node> absorbed = new HashSet<>();
    // the typed run-time path (importProgram only): integer/boolean and batchless values, evaluated exactly
    private final boolean program;
    private boolean fuseActivations = true; // exported GELU chains as one layer (off only to compare, in tests)
    /** importProgram: STRING values (inputs, initializers, what string nodes give), all on the typed path. */
    private final Set<String> stringValues = new HashSet<>();
    private final Set<String> runtimeTyped = new HashSet<>(); // ONNX values computed on the typed path at run time
    private final List<Node> typedNodes = new ArrayList<>(); // evaluated after the float graph, in this order
    private final Set<String> graphReads = new java.util.LinkedHashSet<>(); // float values the typed nodes read
    // importProgram: float nodes that read a typed value computed at run time, and everything after them that reads
    // their results, are imported again at run time with those values known (OnnxProgram's second stage)
    private final List<Node> deferredNodes = new ArrayList<>();
    private final Set<String> deferredValues = new HashSet<>();

    private OnnxImporter(Model model, String what, Map<String, TensorData> boundInputs) {
        this(model, what, boundInputs, false);
    }

    private OnnxImporter(Model model, String what, Map<String, TensorData> boundInputs, boolean program) {
        this.program = program;
        this.model = model;
        this.what = what;
        this.opset = model.defaultOpset();
        String name = sanitize(model.graph().name().isEmpty() ? "onnx_model" : model.graph().name());
        this.builder = Graph.builder(name);
        if (program) {
            stringsOfTheProgram(model.graph());
        } else {
            refuseStrings(model.graph());
        }
        for (TensorData t : model.graph().initializers()) {
            consts.put(t.name(), t);
            parameterValues.add(t.name());
        }
        consts.putAll(boundInputs);
        parameterValues.removeAll(boundInputs.keySet());
    }

    /** Imports the model; {@code what} names it in messages (e.g. the file). */
    public static Graph importModel(Model model, String what) {
        return importModel(model, what, Map.of());
    }

    /** The import node by node, without fusing exported GELU chains: what the fused layer must equal (tests). */
    static Graph importUnfused(Model model, String what) {
        OnnxImporter im = new OnnxImporter(model, what, Map.of());
        im.fuseActivations = false;
        return im.build();
    }

    /**
     * Imports the model with some graph inputs bound to fixed values, which then act as constants (as
     * initializers do): e.g. the second operand of a MatMul that a test feeds as an input.
     */
    public static Graph importModel(Model model, String what, Map<String, Tensor> boundInputs) {
        Map<String, TensorData> data = new LinkedHashMap<>();
        boundInputs.forEach((k, v) -> data.put(k, TensorData.of(k, v)));
        return importWithConstants(model, what, data);
    }

    /** As {@link #importModel(Model, String, Map)} with typed values (integer shapes and pads stay exact). */
    public static Graph importWithConstants(Model model, String what, Map<String, TensorData> boundInputs) {
        List<String> problems = check(model);
        if (!problems.isEmpty()) {
            throw new UnsupportedOnnxException(what, problems);
        }
        return new OnnxImporter(model, what, boundInputs).build();
    }

    /**
     * Imports the model as an {@link OnnxProgram}: the float graph of {@link #importModel} plus a typed path for
     * what a {@link Graph} cannot hold — integer and boolean tensors, tensors without a batch axis (scalars,
     * shapes), comparisons, {@code Shape}/{@code Size} computed from the tensors of each run, Dropout's mask.
     * Typed values are evaluated exactly (integers up to 2^53) after the float graph; they may not feed a float
     * layer again, except integer graph inputs, which the float layers read as float32 (exact up to 2^24).
     */
    public static OnnxProgram importProgram(Model model, String what) {
        return importProgram(model, what, Map.of());
    }

    /** As {@link #importProgram(Model, String)}, with some graph inputs bound to fixed values (constants). */
    public static OnnxProgram importProgram(Model model, String what, Map<String, TensorData> boundInputs) {
        List<String> problems = check(model);
        if (!problems.isEmpty()) {
            throw new UnsupportedOnnxException(what, problems);
        }
        return new OnnxImporter(model, what, boundInputs, true).buildProgram();
    }

    /** Operators and opsets this importer cannot map (empty if every node's type is supported). */
    public static List<String> check(Model model) {
        List<String> problems = new ArrayList<>();
        long opset = model.defaultOpset();
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            problems.add("opset " + opset + " (supported: " + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
        Map<String, Integer> missing = new TreeMap<>();
        for (Node n : model.graph().nodes()) {
            boolean ok = (n.domain().isEmpty() || n.domain().equals("ai.onnx")) && SUPPORTED.containsKey(n.opType())
                    || registeredImport(n) != null || OnnxMl.evaluates(n);
            if (!ok) {
                String key = (n.domain().isEmpty() ? "" : n.domain() + ".") + n.opType() + " (opset "
                        + model.opsets().getOrDefault(n.domain(), opset) + ")";
                missing.merge(key, 1, Integer::sum);
            }
        }
        missing.forEach((k, v) -> problems.add("operator " + k + (v > 1 ? " x" + v : "") + " is not supported"));
        return problems;
    }

    // ---- the graph ------------------------------------------------------------------------------

    private Graph build() {
        // all parameters of the model together within the memory budget, checked before each is allocated (issue
        // 15: a GroupNormalization's LayerNorm over a 2^20-wide declared input, each parameter alone within it)
        // and within the per-file cap: the file's tensors (initializers and node attributes) bound what it may ask for
        try (MemoryBudget.ModelBuild counted = MemoryBudget.startModelBuild(null, storedBytes(model))) {
            return buildNodes();
        }
    }

    /**
     * String tensors are read only on a two-output classifier's label path ({@code OnnxMlLabels}), which is left out
     * of what is imported: one anywhere else (an initializer a node reads, a tensor attribute) is one line naming the
     * node that reads it.
     */
    private void refuseStrings(OnnxModel.Graph g) {
        Set<String> strings = new HashSet<>();
        g.initializers().stream().filter(TensorData::isString).forEach(t -> strings.add(t.name()));
        for (Node n : g.nodes()) {
            String node = n.opType() + " node '" + (n.name().isEmpty() ? String.join(",", n.outputs()) : n.name()) + "'";
            for (String in : n.inputs()) {
                if (strings.contains(in)) {
                    throw new UnsupportedOnnxException(what, List.of(node + " reads the string tensor '" + in + "':"
                            + " string tensors are read only as a classifier's class names, on a two-output file's"
                            + " label path, which runs on the typed path only"));
                }
            }
            for (OnnxModel.Attribute a : n.attributes().values()) {
                if (a.t() != null && a.t().isString()) {
                    throw new UnsupportedOnnxException(what, List.of(node + ": attribute " + a.name() + " is a string"
                            + " tensor: string tensors are read only as a classifier's class names, on a two-output"
                            + " file's label path, which runs on the typed path only"));
                }
            }
        }
    }

    /**
     * importProgram: the STRING values the file starts with (graph inputs, initializers); the typed path computes with
     * them where {@link OnnxStrings} does (refused in one line elsewhere, {@link #stringStep}). A STRING tensor
     * attribute is read by a LabelEncoder only.
     */
    private void stringsOfTheProgram(OnnxModel.Graph g) {
        g.initializers().stream().filter(TensorData::isString).forEach(t -> stringValues.add(t.name()));
        g.inputs().stream().filter(v -> v.elemType() == OnnxModel.STRING).forEach(v -> stringValues.add(v.name()));
        for (Node n : g.nodes()) {
            for (OnnxModel.Attribute a : n.attributes().values()) {
                if (a.t() != null && a.t().isString() && !(OnnxMl.isMl(n) && n.opType().equals("LabelEncoder"))) {
                    String node = n.opType() + " node '" + (n.name().isEmpty() ? String.join(",", n.outputs())
                            : n.name()) + "'";
                    throw new UnsupportedOnnxException(what, List.of(node + ": attribute " + a.name() + " is a string"
                            + " tensor: string tensor attributes are read by LabelEncoder only"));
                }
            }
        }
    }

    /**
     * importProgram: node n reads a STRING value: it runs on the typed path ({@link OnnxStrings}) where it may read
     * one there, else one line naming the node and the value. Its outputs are typed, and STRING where it gives strings.
     */
    private void stringStep(Node n) {
        boolean readsString = false;
        for (int i = 0; i < n.inputs().size(); i++) {
            String v = n.inputs().get(i);
            if (stringValues.contains(v)) {
                String refused = OnnxStrings.refusal(n, i, v);
                if (refused != null) {
                    throw new UnsupportedOnnxException(what, List.of(refused));
                }
                readsString = true;
            }
        }
        if (n.outputs().size() != 1 || n.outputs().get(0).isEmpty()) {
            throw unsupported(where(n) + ": " + n.outputs().size() + " outputs (one is read with strings)");
        }
        if (OnnxStrings.takes(n)) {
            OnnxStrings.check(n);
        } else if (OnnxMl.isMl(n)) {
            OnnxMl.check(n, isRead(n.outputs().get(0)));
        }
        for (String v : n.inputs()) {
            if (!v.isEmpty() && !runtimeTyped.contains(v) && !consts.containsKey(v)) {
                input(n, n.inputs().indexOf(v)); // defined before?
                graphReads.add(v);
            }
        }
        typedNodes.add(n);
        runtimeTyped.add(n.outputs().get(0));
        if (OnnxStrings.gives(n, readsString)) {
            stringValues.add(n.outputs().get(0));
        }
    }

    /** The ML check of a typed node: its string form ({@link OnnxStrings}) or its numeric one ({@link OnnxMl}). */
    private void checkMl(Node n) {
        if (OnnxStrings.takes(n)) {
            OnnxStrings.check(n);
        } else {
            OnnxMl.check(n, isRead(n.outputs().get(0)));
        }
    }

    /** The tensors a model holds (initializers and tensors in node attributes), as float32 bytes. */
    static long storedBytes(Model model) {
        long total = 0;
        for (TensorData t : model.graph().initializers()) {
            total = MemoryBudget.add(total, MemoryBudget.bytesOf(4, t.elementCount()));
        }
        for (OnnxModel.Node n : model.graph().nodes()) {
            for (OnnxModel.Attribute a : n.attributes().values()) {
                if (a.t() != null) {
                    total = MemoryBudget.add(total, MemoryBudget.bytesOf(4, a.t().elementCount()));
                }
            }
        }
        return total;
    }

    private Graph buildNodes() {
        for (ValueInfo in : model.graph().inputs()) {
            if (consts.containsKey(in.name())) {
                continue; // IR < 4 lists initializers among the inputs too
            }
            boolean floating = in.elemType() == OnnxModel.FLOAT || in.elemType() == OnnxModel.DOUBLE;
            if (program && (!floating || batchless(in))) {
                runtimeTyped.add(in.name()); // typed path: integer/boolean, or no batch axis
                continue;
            }
            if (!in.hasShape() || in.dims().length < 1) {
                throw unsupported("input '" + in.name() + "' has no shape with a batch axis");
            }
            if (in.elemType() != OnnxModel.FLOAT && in.elemType() != OnnxModel.DOUBLE) {
                throw unsupported("input '" + in.name() + "' has element type " + OnnxModel.typeName(in.elemType())
                        + " (only float inputs)");
            }
            int[] sample = new int[in.dims().length - 1];
            for (int i = 0; i < sample.length; i++) {
                long d = in.dims()[i + 1];
                if (d < 1 || d > Integer.MAX_VALUE) {
                    throw unsupported("input '" + in.name() + "' has no fixed size along axis " + (i + 1) + " "
                            + Arrays.toString(in.dims()) + " (fix the sizes with OnnxModel.Model.withSampleShape, or"
                            + " import --input-shape CxHxW)");
                }
                sample[i] = (int) d;
            }
            if (nominalBatch == -1) {
                nominalBatch = in.dims()[0] > 0 ? in.dims()[0] : SYMBOLIC_BATCH;
            }
            String node = uniqueName(in.name());
            builder.input(node, Shape.of(sample));
            nodeOf.put(in.name(), node);
        }
        Set<String> live = liveValues();
        Map<Node, Node> silu = siluPairs();
        Map<Node, OnnxActivationFusion.Group> geluGroups = fuseActivations
                ? OnnxActivationFusion.geluGroups(model.graph()) : Map.of();
        for (Node n : model.graph().nodes()) {
            if (n.outputs().stream().noneMatch(live::contains)) {
                dead++; // dead-node removal: nothing that leads to an output is lost
                continue;
            }
            if (absorbed.contains(n)) {
                continue; // already imported with the node before it (a dilated average pool's divisor Mul)
            }
            if (silu.containsKey(n)) {
                if (silu.get(n) != null) { // the Mul of x * sigmoid(x): one SiLU layer from x
                    Node sig = silu.get(n);
                    addNamed(n, n.outputs().get(0), new Elementwise(Elementwise.Fn.SILU), input(sig, 0));
                }
                continue; // the Sigmoid itself is folded into the SiLU
            }
            OnnxActivationFusion.Group gelu = geluGroups.get(n);
            if (gelu != null) {
                if (n != gelu.last()) {
                    continue; // imported with the chain's last node, which only reads x, constants and the chain
                }
                String x = deferredValues.contains(gelu.x()) || runtimeTyped.contains(gelu.x()) ? null
                        : nodeOf.get(gelu.x());
                if (x != null && gelu.constantsHold(consts)) {
                    addNamed(n, n.outputs().get(0), new Elementwise(gelu.fn()), x);
                } else {
                    gelu.nodes().forEach(this::step); // not the exact pattern after all: node by node, in order
                }
                continue;
            }
            step(n);
        }
        if (program) {
            return null; // buildProgram() chooses the float graph's outputs
        }
        for (ValueInfo out : model.graph().outputs()) {
            String node = nodeOf.get(out.name());
            if (node == null) {
                throw unsupported("output '" + out.name() + "' is " + (consts.containsKey(out.name())
                        ? "a constant, not computed from the inputs" : "not produced by any node"));
            }
            builder.output(node);
        }
        return builder.build();
    }

    /** Imports one node: a float layer, a folded constant, a typed-path step or a deferred (second-stage) node. */
    private void step(Node n) {
        try {
            if (!program) {
                convert(n);
            } else if (n.inputs().stream().anyMatch(stringValues::contains)) {
                stringStep(n);
            } else if (n.inputs().stream().anyMatch(deferredValues::contains)) {
                defer(n);
            } else if (!typedStep(n)) {
                convertOrEvaluate(n);
            }
        } catch (UnsupportedOnnxException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw unsupported(where(n) + ": " + e.getMessage());
        } catch (IndexOutOfBoundsException e) {
            // fewer inputs, outputs or values than the operator reads (structure-aware fuzzing, issue 15:
            // a Concat without inputs, an Add given one, a folded Concat longer than its declared result)
            throw unsupported(where(n) + ": its inputs or values do not fit the operator (" + e.getMessage() + ")");
        }
    }

    /** Float operators whose inputs after the data are settings (sizes, scales, pads, bounds). */
    private static final Set<String> SETTINGS_OPS = Set.of("Resize", "Upsample", "Pad", "Clip");

    /** Operators whose result is integer or boolean whatever their inputs (the typed path computes them). */
    private static final Set<String> TYPED_RESULT = Set.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
            "Not", "And", "Or", "Range", "ConstantOfShape", "Where");

    /**
     * The typed path (importProgram): takes node n when it reads a typed run-time value or gives one (comparisons,
     * Shape/Size of a computed tensor, Cast to an integer type, Dropout's mask); true if n needs nothing else. A
     * float operator that reads a typed graph input reads it as a float graph input instead.
     */
    private boolean typedStep(Node n) {
        boolean constant = !n.inputs().isEmpty() && n.inputs().stream().allMatch(v -> v.isEmpty() || consts.containsKey(v));
        if (constant && n.inputs().stream().noneMatch(runtimeTyped::contains)) {
            if (n.inputs().stream().anyMatch(shapeDerived::contains) && OnnxFolding.EVALUATED.contains(n.opType())) {
                // folded for the float layers, and computed again at run time from the actual shapes
                convert(n);
                if (consts.containsKey(n.outputs().get(0))) {
                    shapeDerived.add(n.outputs().get(0));
                    typedNodes.add(n);
                }
                return true;
            }
            return false;
        }
        boolean readsTyped = n.inputs().stream().anyMatch(runtimeTyped::contains);
        boolean castToInteger = n.opType().equals("Cast")
                && intAttr(n, "to", OnnxModel.FLOAT) != OnnxModel.FLOAT && intAttr(n, "to", OnnxModel.FLOAT) != OnnxModel.DOUBLE;
        boolean shape = n.opType().equals("Shape") || n.opType().equals("Size");
        if (readsTyped || TYPED_RESULT.contains(n.opType()) || castToInteger || shape) {
            // 3-D windows (which the float layers refuse) of a typed value run on the typed path, where they train;
            // 1-D and 2-D ones, and any with a computed operand, wait for the second stage's float layers
            boolean window = OnnxWindows.OPS.contains(n.opType()) && runtimeTyped.contains(n.inputs().get(0))
                    && !runtimeInputs(model).contains(n.inputs().get(0)) && n.outputs().size() == 1
                    && n.inputs().stream().skip(1).allMatch(v -> v.isEmpty() || consts.containsKey(v))
                    && windowAxes(n) >= 3;
            if (window) {
                checkWindowAttributes(n);
            }
            // Resize, Pad and Clip of a float-graph value whose sizes, pads or bounds are computed at run time stay
            // float layers (the second stage), as before the typed path had them; of a typed value, the typed path
            boolean settingsOnly = SETTINGS_OPS.contains(n.opType()) && !runtimeTyped.contains(n.inputs().get(0));
            if ((!OnnxFolding.evaluates(n) || settingsOnly) && !window) {
                if (!typedGraphInputs(n)) {
                    defer(n); // a typed value computed at run time feeds a float layer: second stage
                    return true;
                }
                return false;
            }
            if (n.outputs().size() != 1 && !OnnxMl.multiOutput(n)) {
                throw unsupported(where(n) + ": " + n.outputs().size() + " outputs on the typed path");
            }
            if (OnnxMl.isMl(n)) {
                checkMl(n);
                if (OnnxStrings.gives(n, false)) {
                    stringValues.add(n.outputs().get(0)); // a LabelEncoder from numbers to strings
                }
            }
            for (String v : n.inputs()) {
                if (!v.isEmpty() && !runtimeTyped.contains(v) && !consts.containsKey(v)) {
                    input(n, n.inputs().indexOf(v)); // defined before?
                    graphReads.add(v);
                }
            }
            typedNodes.add(n);
            if (shape && !readsTyped && !(n.opType().equals("Size") && nominalBatch == SYMBOLIC_BATCH)) {
                // folded too, from the shapes known at import, for the float layers that take it as a constant;
                // computed again at run time (from the actual batch size) where a graph output needs it
                shapeOp(n);
                shapeDerived.add(n.outputs().get(0));
                return true;
            }
            n.outputs().stream().filter(o -> !o.isEmpty()).forEach(runtimeTyped::add);
            return true;
        }
        if (n.opType().equals("Dropout") && n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()
                && isRead(n.outputs().get(1))) {
            if (n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()) {
                TensorData training = consts.get(n.inputs().get(2));
                TensorData ratio = n.inputs().size() > 1 ? consts.get(n.inputs().get(1)) : null;
                boolean keepsAll = ratio != null && ratio.floats().length == 1 && ratio.floats()[0] == 0;
                // training with ratio 0 drops nothing: the output is the input and the mask all true, as inference
                if (training == null || training.floats()[0] != 0 && !keepsAll) {
                    throw unsupported(where(n) + ": training_mode must be a constant false for the mask (inference)");
                }
            }
            String x = n.inputs().get(0);
            input(n, 0);
            graphReads.add(x);
            Node out = new Node(n.name(), n.opType(), n.domain(), n.inputs(), List.of(n.outputs().get(0)), n.attributes());
            convert(out);
            typedNodes.add(new Node(n.name() + "_mask", OnnxFolding.DROPOUT_MASK, "", List.of(x),
                    List.of(n.outputs().get(1)), Map.of()));
            runtimeTyped.add(n.outputs().get(1));
            return true;
        }
        return false;
    }

    /**
     * Whether graph input {@code in} has no batch axis: no shape, a scalar, or a fixed first axis that is not the fixed
     * batch size of the inputs before it (a broadcast operand fed as an input: test_operator_add_broadcast's [3] beside
     * [2, 3], which the float layers would take as a batch of 3 samples).
     */
    private boolean batchless(ValueInfo in) {
        return !in.hasShape() || in.dims().length < 1 || in.dims()[0] > 0 && nominalBatch > 0
                && nominalBatch != SYMBOLIC_BATCH && in.dims()[0] != nominalBatch;
    }

    /**
     * Typed graph inputs of float operator n become float graph inputs (data it computes on: a max pool of UINT8
     * pixels); false, with nothing changed, when n reads a typed value computed at run time, a boolean or batchless
     * graph input, or a typed graph input where it takes a constant (sizes, shapes, weights): then n waits for the
     * values (the second stage of {@link OnnxProgram}).
     */
    private boolean typedGraphInputs(Node n) {
        List<ValueInfo> become = new ArrayList<>();
        for (int slot = 0; slot < n.inputs().size(); slot++) {
            String v = n.inputs().get(slot);
            if (v.isEmpty() || !runtimeTyped.contains(v) || nodeOf.containsKey(v)) {
                continue;
            }
            ValueInfo in = model.graph().inputs().stream().filter(i -> i.name().equals(v)).findFirst().orElse(null);
            if (in == null || batchless(in) || in.elemType() == OnnxModel.BOOL
                    || takesConstant(n.opType(), slot)) {
                return false;
            }
            for (int i = 1; i < in.dims().length; i++) {
                if (in.dims()[i] < 1 || in.dims()[i] > Integer.MAX_VALUE) {
                    return false;
                }
            }
            become.add(in);
        }
        for (ValueInfo in : become) {
            int[] sample = new int[in.dims().length - 1];
            for (int i = 0; i < sample.length; i++) {
                sample[i] = (int) in.dims()[i + 1];
            }
            if (nominalBatch == -1) {
                nominalBatch = in.dims()[0] > 0 ? in.dims()[0] : SYMBOLIC_BATCH;
            }
            if (!nodeOf.containsKey(in.name())) {
                String node = uniqueName(in.name());
                builder.input(node, Shape.of(sample));
                nodeOf.put(in.name(), node);
            }
        }
        return true;
    }

    /** Operators whose operands after the first may be computed tensors; other operators take constants there. */
    private static final Set<String> COMPUTED_OPERANDS = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum",
            "Mean", "Concat", "MatMul", "Where", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And",
            "Or", "Mod", "PRelu");

    /** Whether operator {@code op} takes a constant at input {@code slot} (a shape, sizes, weights, bounds). */
    static boolean takesConstant(String op, int slot) {
        return slot >= 1 && !COMPUTED_OPERANDS.contains(op);
    }

    private void defer(Node n) {
        deferredNodes.add(n);
        n.outputs().stream().filter(o -> !o.isEmpty()).forEach(deferredValues::add);
    }

    /**
     * importProgram: a node the float graph refuses (it works across the batch axis, or on a tensor without one) is
     * evaluated on the typed path instead when the evaluator has it — after the float graph, for inference.
     */
    private void convertOrEvaluate(Node n) {
        try {
            convert(n);
        } catch (IllegalArgumentException | IllegalStateException e) { // UnsupportedOnnxException among them
            // the window operators (OnnxWindows) only here: for what the float layers refuse (3-D, wide pads)
            boolean evaluated = OnnxFolding.evaluates(n) || OnnxWindows.OPS.contains(n.opType());
            if (n.opType().equals("Mod") && intAttr(n, "fmod", 0) == 0) {
                throw e; // of a float-graph value: fmod=0 is defined for integers only, on either path
            }
            long outs = n.outputs().stream().filter(o -> !o.isEmpty()).count();
            if (!evaluated || outs != 1 && !OnnxFolding.multiOutput(n)) {
                throw e;
            }
            if (OnnxWindows.OPS.contains(n.opType())) {
                checkWindowAttributes(n); // a malformed node is refused as the float import refuses it
            }
            if (OnnxMl.isMl(n)) {
                checkMl(n); // attributes read once here: one line naming the one amiss
                if (OnnxStrings.gives(n, false)) {
                    stringValues.add(n.outputs().get(0)); // a LabelEncoder from numbers to strings
                }
            }
            for (String v : n.inputs()) {
                if (v.isEmpty() || consts.containsKey(v) || runtimeTyped.contains(v)) {
                    continue;
                }
                if (!nodeOf.containsKey(v)) {
                    throw e;
                }
                graphReads.add(v);
            }
            typedNodes.add(n);
            n.outputs().stream().filter(o -> !o.isEmpty()).forEach(runtimeTyped::add);
        }
    }

    /** Spatial axes of a window node, from its weights or kernel_shape (0 when neither tells). */
    private int windowAxes(Node n) {
        if (n.opType().equals("Conv") || n.opType().equals("ConvTranspose")) {
            TensorData w = n.inputs().size() > 1 ? consts.get(n.inputs().get(1)) : null;
            return w == null ? 0 : w.dims().length - 2;
        }
        Attribute k = n.attributes().get("kernel_shape");
        return k == null || k.ints() == null ? 0 : k.ints().length;
    }

    /** The window attributes' types, and Conv's kernel_shape against its weights (what the typed path assumes). */
    private void checkWindowAttributes(Node n) {
        for (String a : List.of("kernel_shape", "pads", "strides", "dilations", "output_padding", "output_shape")) {
            typed(n, a, Attribute.INTS);
        }
        long[] ks = intsAttr(n, "kernel_shape", null);
        TensorData w = n.inputs().size() > 1 ? consts.get(n.inputs().get(1)) : null;
        if ((n.opType().equals("Conv") || n.opType().equals("ConvTranspose")) && ks != null && w != null
                && !Arrays.equals(ks, Arrays.copyOfRange(w.dims(), Math.min(2, w.dims().length), w.dims().length))) {
            throw unsupported(where(n) + ": kernel_shape " + Arrays.toString(ks) + " does not match the weights W "
                    + Arrays.toString(w.dims()));
        }
    }

    private boolean isRead(String value) {
        return model.graph().nodes().stream().anyMatch(o -> o.inputs().contains(value))
                || model.graph().outputs().stream().anyMatch(o -> o.name().equals(value));
    }

    private final Set<String> shapeDerived = new HashSet<>();

    private OnnxProgram buildProgram() {
        build();
        // only the typed nodes that some output needs (a shape folded for a Reshape is not computed again)
        Set<String> need = new HashSet<>();
        model.graph().outputs().forEach(o -> need.add(o.name()));
        // what the second stage reads from the first: float graph values, typed values, constants
        Set<String> stage2Reads = new java.util.LinkedHashSet<>();
        for (Node d : deferredNodes) {
            d.inputs().stream().filter(v -> !v.isEmpty() && !deferredValues.contains(v)).forEach(stage2Reads::add);
        }
        need.addAll(stage2Reads);
        List<Node> kept = new ArrayList<>();
        for (int i = typedNodes.size() - 1; i >= 0; i--) {
            Node t = typedNodes.get(i);
            if (t.outputs().stream().anyMatch(need::contains)) {
                kept.add(0, t);
                need.addAll(t.inputs());
            }
        }
        Set<String> typedOutputs = new HashSet<>();
        kept.forEach(t -> typedOutputs.addAll(t.outputs()));
        Map<String, List<String>> graphValues = new LinkedHashMap<>(); // our node -> the ONNX values it gives
        List<String> rawInputs = runtimeInputs(model);
        for (ValueInfo out : model.graph().outputs()) {
            String v = out.name();
            if (typedOutputs.contains(v) || rawInputs.contains(v) && !consts.containsKey(v)
                    || deferredValues.contains(v)) {
                continue;
            }
            if (nodeOf.containsKey(v)) {
                graphValues.computeIfAbsent(nodeOf.get(v), k -> new ArrayList<>()).add(v);
            } else if (!consts.containsKey(v)) {
                throw unsupported("output '" + v + "' is not produced by any node");
            }
        }
        for (Node t : kept) {
            for (String v : t.inputs()) {
                if (graphReads.contains(v) && !rawInputs.contains(v) && need.contains(v)) {
                    graphValues.computeIfAbsent(nodeOf.get(v), k -> new ArrayList<>()).add(v);
                }
            }
        }
        for (String v : stage2Reads) {
            if (nodeOf.containsKey(v) && !runtimeTyped.contains(v) && !rawInputs.contains(v) && !consts.containsKey(v)
                    && !typedOutputs.contains(v)) {
                List<String> given = graphValues.computeIfAbsent(nodeOf.get(v), k -> new ArrayList<>());
                if (!given.contains(v)) {
                    given.add(v);
                }
            }
        }
        Graph graph = null;
        List<String> graphInputValues = new ArrayList<>();
        if (!graphValues.isEmpty()) {
            graphValues.keySet().forEach(builder::output);
            graph = builder.build();
            Map<String, String> valueOfInput = new HashMap<>();
            for (String raw : rawInputs) {
                if (nodeOf.containsKey(raw)) {
                    valueOfInput.put(nodeOf.get(raw), raw);
                }
            }
            for (String gi : graph.inputNames()) {
                graphInputValues.add(valueOfInput.get(gi));
            }
        }
        Map<String, TensorData> constants = new HashMap<>();
        for (Node t : kept) {
            t.inputs().stream().filter(consts::containsKey).forEach(v -> constants.put(v, consts.get(v)));
        }
        model.graph().outputs().stream().filter(o -> consts.containsKey(o.name())).forEach(o -> constants.put(o.name(),
                consts.get(o.name())));
        OnnxProgram.Deferred deferred = null;
        if (!deferredNodes.isEmpty()) {
            Map<String, TensorData> stage2Consts = new LinkedHashMap<>();
            stage2Reads.stream().filter(consts::containsKey).forEach(v -> stage2Consts.put(v, consts.get(v)));
            deferred = new OnnxProgram.Deferred(model, List.copyOf(deferredNodes), List.copyOf(stage2Reads), stage2Consts,
                    model.graph().outputs().stream().filter(o -> deferredValues.contains(o.name())).toList());
        }
        // the model's float32 parameters that typed nodes read where their backward gives a gradient (a Gemm's B,
        // a MatMul's weight, a LayerNormalization's scale and bias, a PRelu slope, a bias Add, a class token
        // Concat): learned as the float layers' are; Constant nodes, folded values and bound inputs stay fixed
        Set<String> learned = new java.util.LinkedHashSet<>();
        for (Node t : kept) {
            for (int slot = 0; slot < t.inputs().size(); slot++) {
                String v = t.inputs().get(slot);
                if (!OnnxGradients.learnable(t.opType(), slot)) {
                    continue;
                }
                TensorData c = consts.get(v);
                if (c != null && isParameter(v) && c.dataType() == OnnxModel.FLOAT && c.dims().length > 0
                        && c.elementCount() > 0) {
                    learned.add(v);
                }
            }
        }
        // the second stage's weights (learned where its float layers learn them) and its batch norms' running
        // statistics (buffers): the program's parameters, copied into each import of the stage
        Set<String> stageWeights = new java.util.LinkedHashSet<>();
        Set<String> buffers = new HashSet<>();
        for (Node d : deferredNodes) {
            for (int slot = 0; slot < d.inputs().size(); slot++) {
                String v = d.inputs().get(slot);
                TensorData c = consts.get(v);
                if (c == null || !isParameter(v) || c.dataType() != OnnxModel.FLOAT || c.dims().length == 0
                        || c.elementCount() == 0) {
                    continue;
                }
                boolean runningStatistic = d.opType().equals("BatchNormalization") && slot >= 3;
                if (runningStatistic || OnnxGradients.learnable(d.opType(), slot)
                        || NORM_SCALE.contains(d.opType()) && (slot == 1 || slot == 2)) {
                    stageWeights.add(v);
                    if (runningStatistic && !learned.contains(v)) {
                        buffers.add(v);
                    }
                    learned.add(v);
                }
            }
        }
        // a typed BatchNormalization in training form moves its running statistics: buffers of the program too
        for (Node t : kept) {
            if (t.opType().equals("BatchNormalization") && OnnxFolding.multiOutput(t)) {
                for (int slot = 3; slot <= 4 && slot < t.inputs().size(); slot++) {
                    String v = t.inputs().get(slot);
                    TensorData c = consts.get(v);
                    if (c != null && isParameter(v) && c.dataType() == OnnxModel.FLOAT && c.dims().length > 0
                            && !learned.contains(v)) {
                        buffers.add(v);
                        learned.add(v);
                    }
                }
            }
        }
        List<Node> reading = new ArrayList<>(kept);
        reading.addAll(deferredNodes);
        // an initializer a float layer holds as its parameter too is tied to it: one parameter, both gradients
        Map<String, org.convnet4j.nn.Parameter> params = learnedParameters(reading, learned, buffers);
        Map<String, Boolean> tied = new LinkedHashMap<>();
        Map<String, FloatBinding> bindings = new HashMap<>();
        if (graph != null) {
            java.util.Set<org.convnet4j.nn.Parameter> inGraph = java.util.Collections.newSetFromMap(
                    new java.util.IdentityHashMap<>());
            inGraph.addAll(graph.namedParameters().values());
            floatBindings.forEach((v, b) -> {
                if (inGraph.contains(b.parameter())) {
                    bindings.put(v, b);
                }
            });
            for (String v : learned) {
                FloatBinding b = floatBindings.get(v);
                // a running statistic a float batch norm holds as well is one state with it (a batch norm module
                // applied twice): the float layer's buffer, moved by both in a training pass
                boolean sharedState = buffers.contains(v) && b != null && !b.parameter().isLearnable();
                if (b != null && inGraph.contains(b.parameter()) && (b.parameter().isLearnable() || sharedState)
                        && sameValues(consts.get(v), b)) {
                    params.put(v, b.parameter());
                    tied.put(v, b.transposed());
                }
            }
        }
        return new OnnxProgram(what, graph, graphInputValues, new ArrayList<>(graphValues.values()), rawInputs.stream()
                .filter(v -> !consts.containsKey(v)).toList(), model.graph().inputs(), kept, constants,
                model.graph().outputs(), opset, model.opsets(), deferred, params, tied, bindings, stageWeights);
    }

    /** Whether the float parameter still holds the initializer's values (as they are, or transposed). */
    private static boolean sameValues(TensorData init, FloatBinding b) {
        float[] p = b.parameter().value().data();
        float[] c = init.floats();
        if (p.length != c.length) {
            return false;
        }
        if (!b.transposed()) {
            return Arrays.equals(p, c);
        }
        if (init.dims().length != 2) {
            return false;
        }
        int rows = (int) init.dims()[0];
        int cols = (int) init.dims()[1];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (Float.floatToIntBits(c[i * cols + j]) != Float.floatToIntBits(p[j * rows + i])) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Parameters of the typed path, keyed by the ONNX value they replace; named after it (sanitised, unique). */
    private Map<String, org.convnet4j.nn.Parameter> learnedParameters(List<Node> kept, Set<String> learned,
                                                                     Set<String> buffers) {
        Map<String, org.convnet4j.nn.Parameter> out = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (String v : learned) {
            TensorData c = consts.get(v);
            int[] dims = new int[c.dims().length];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = Math.toIntExact(c.dims()[i]);
            }
            boolean scale = kept.stream().anyMatch(t -> t.inputs().indexOf(v) == 1 && NORM_SCALE.contains(t.opType()));
            org.convnet4j.nn.init.Initializer init = dims.length >= 2 ? org.convnet4j.nn.init.Initializer.GLOROT_UNIFORM
                    : scale ? org.convnet4j.nn.init.Initializer.ONES : org.convnet4j.nn.init.Initializer.ZEROS;
            int fanIn = dims.length >= 2 ? dims[dims.length - 2] : 1;
            int fanOut = dims.length >= 2 ? dims[dims.length - 1] : 1;
            String base = "typed_" + sanitize(v);
            String name = base;
            for (int k = 1; !names.add(name); k++) {
                name = base + "_" + k;
            }
            org.convnet4j.nn.Parameter p = buffers.contains(v)
                    ? org.convnet4j.nn.Parameter.buffer(name, c.toTensor().reshape(dims))
                    : org.convnet4j.nn.Parameter.learnable(name, Shape.of(dims), init, fanIn, fanOut);
            p.load(c.view().reshape(dims));
            out.put(v, p);
        }
        return out;
    }

    private static final Set<String> NORM_SCALE = Set.of("LayerNormalization", "InstanceNormalization",
            "GroupNormalization", "BatchNormalization");

    private void convert(Node n) {
        if (n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) {
            throw unsupported(where(n) + ": the node has no output");
        }
        checkIntAttributes(n);
        LayerType<?> registered = registeredImport(n);
        boolean defaultDomain = n.domain().isEmpty() || n.domain().equals("ai.onnx");
        if (defaultDomain && fold(n)) {
            return;
        }
        if (registered == null && OnnxMl.evaluates(n)) {
            throw unsupported(where(n) + ": operator " + OnnxMl.DOMAIN + "." + n.opType() + " runs on the typed path"
                    + " only (OnnxImporter.importProgram; ModelLoader falls back to it)");
        }
        if (!n.opType().equals("Split") && !n.opType().equals("Constant") && !n.opType().equals("Identity")
                && !n.opType().equals("LayerNormalization")) {
            onlyFirstOutputUsed(n);
        }
        LayerType<?> recorded = recordedImport(n);
        if (recorded != null) {
            importForm(recorded, n);
            return;
        }
        OpDef def = defaultDomain ? OPS.get(n.opType()) : null;
        if (def == null && registered != null) {
            importForm(registered, n);
            return;
        }
        if (def == null) {
            throw unsupported(where(n) + ": operator " + n.opType() + " is not supported");
        }
        def.importer().convert(this, n);
    }

    /**
     * The layer type whose ONNX form ({@link LayerType#onnx()}) imports this node's operator: any operator of a
     * custom domain, and operators of the default domain that the table above does not map; null if none.
     */
    private static LayerType<?> registeredImport(Node n) {
        boolean defaultDomain = n.domain().isEmpty() || n.domain().equals("ai.onnx");
        if (defaultDomain && OPS.containsKey(n.opType())) {
            return null;
        }
        return LayerTypes.importing(defaultDomain ? "" : n.domain(), n.opType());
    }

    /**
     * The layer type that our exporter recorded for this node in the model's metadata ({@link OnnxForm.Export#record}
     * of "layer_type"; e.g. ConnectionTableConv2d, written as a standard Conv), when that type's form imports the
     * node's operator; null otherwise (the node is read as its operator says).
     */
    private LayerType<?> recordedImport(Node n) {
        String typeName = n.name().isEmpty() ? null
                : model.metadata().get(OnnxExporter.RECORD_PREFIX + n.name() + ":layer_type");
        LayerType<?> t = typeName == null ? null : LayerTypes.find(typeName);
        if (t == null || t.onnx() == null) {
            return null;
        }
        boolean defaultDomain = n.domain().isEmpty() || n.domain().equals("ai.onnx");
        String domain = defaultDomain ? "" : n.domain();
        return t.onnx().imports().stream().anyMatch(op -> op.type().equals(n.opType()) && op.domain().equals(domain))
                ? t : null;
    }

    /** One layer from a layer type's own ONNX form, fed by the node's computed inputs in their order. */
    private <L extends Layer> void importForm(LayerType<L> type, Node n) {
        OnnxForm<L> form = type.onnx();
        FormImport in = new FormImport(n);
        L layer = form.importNode(in);
        if (layer == null || !type.layerClass().isInstance(layer)) {
            throw new IllegalStateException("the ONNX form of layer type " + type.name() + " made " + layer);
        }
        List<String> from = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            if (!n.inputs().get(i).isEmpty() && !consts.containsKey(n.inputs().get(i))) {
                from.add(input(n, i));
            }
        }
        if (from.isEmpty()) {
            throw unsupported(where(n) + ": every input is a constant (layer type " + type.name() + " needs a computed"
                    + " one)");
        }
        addNamed(n, n.outputs().get(0), layer, from.toArray(new String[0]));
        form.loadParameters(layer, in);
    }

    /** One node as an {@link OnnxForm.Import}: what a layer type's own ONNX form reads. */
    private final class FormImport implements OnnxForm.Import {
        private final Node n;

        FormImport(Node n) {
            this.n = n;
        }

        @Override
        public String operator() {
            boolean defaultDomain = n.domain().isEmpty() || n.domain().equals("ai.onnx");
            return defaultDomain ? n.opType() : n.domain() + "." + n.opType();
        }

        @Override
        public String where() {
            return OnnxImporter.this.where(n) + " in " + what;
        }

        @Override
        public String recorded(String key) {
            return n.name().isEmpty() ? null : model.metadata().get(OnnxExporter.RECORD_PREFIX + n.name() + ":" + key);
        }

        @Override
        public int inputCount() {
            return n.inputs().size();
        }

        @Override
        public boolean isConstant(int i) {
            return i < n.inputs().size() && !n.inputs().get(i).isEmpty() && consts.containsKey(n.inputs().get(i));
        }

        @Override
        public boolean isParameter(int i) {
            return isConstant(i) && OnnxImporter.this.isParameter(n.inputs().get(i));
        }

        @Override
        public Tensor constant(int i) {
            return constInput(n, i, "input " + i).toTensor();
        }

        @Override
        public Shape inputShape(int i) {
            return shapeOf(input(n, i));
        }

        @Override
        public long intAttribute(String name, long fallback) {
            return intAttr(n, name, fallback);
        }

        @Override
        public float floatAttribute(String name, float fallback) {
            return floatAttr(n, name, fallback);
        }

        @Override
        public String stringAttribute(String name, String fallback) {
            return stringAttr(n, name, fallback);
        }

        @Override
        public long[] intsAttribute(String name, long[] fallback) {
            return intsAttr(n, name, fallback);
        }

        @Override
        public RuntimeException unsupported(String why) {
            return OnnxImporter.this.unsupported(OnnxImporter.this.where(n) + ": " + why);
        }
    }

    /**
     * ONNX integer attributes are 64-bit; our shapes, pads and strides are ints. Every value must fit, so a pad of
     * 2^33 + 2 fails here instead of becoming 2. Slice's starts/ends (INT64_MAX means "to the end") are clamped
     * by the operator itself and Constant values are kept as longs.
     */
    private void checkIntAttributes(Node n) {
        if (n.opType().equals("Constant")) {
            return;
        }
        for (Attribute a : n.attributes().values()) {
            if (n.opType().equals("Slice") && (a.name().equals("starts") || a.name().equals("ends"))) {
                continue;
            }
            if (a.type() == Attribute.INT) {
                int32(n, "attribute " + a.name() + " value", a.i());
            } else if (a.type() == Attribute.INTS && a.ints() != null) {
                int32s(n, "attribute " + a.name() + " value", a.ints());
            }
        }
        // the geometry attributes every convolution and pooling operator shares, by the ranges onnx.proto gives them
        atLeast(n, "group", 1);
        atLeast(n, "kernel_shape", 1);
        atLeast(n, "strides", 1);
        atLeast(n, "dilations", 1);
        atLeast(n, "pads", 0);
    }

    private void atLeast(Node n, String name, long min) {
        Attribute a = n.attributes().get(name);
        if (a == null) {
            return;
        }
        long[] values = a.type() == Attribute.INTS ? a.ints() : a.type() == Attribute.INT ? new long[] {a.i()} : null;
        if (values == null) {
            return; // a wrong type is refused where the operator reads it
        }
        for (long v : values) {
            if (v < min) {
                throw unsupported(where(n) + ": attribute '" + name + "' " + (a.type() == Attribute.INTS
                        ? Arrays.toString(values) : Long.toString(v)) + ": every value must be >= " + min);
            }
        }
    }

    /** Evaluates a node with only constant inputs at import (constant folding); true if it was folded. */
    private boolean fold(Node n) {
        if (n.opType().equals("Constant")) {
            return false;
        }
        List<TensorData> in = new ArrayList<>();
        for (String v : n.inputs()) {
            if (v.isEmpty()) {
                in.add(null);
                continue;
            }
            TensorData t = consts.get(v);
            if (t == null) {
                return false;
            }
            in.add(t);
        }
        if (in.isEmpty() || n.outputs().size() != 1 && !n.opType().equals("Dropout")) {
            return false;
        }
        TensorData t = OnnxFolding.fold(n, in, opset);
        if (t == null) {
            return false;
        }
        consts.put(n.outputs().get(0), t);
        traceParameter(n);
        folded++;
        return true;
    }

    private void globalPool(Node n) {
        Shape s = requireImage(n);
        String g = add(n, n.opType().equals("GlobalMaxPool") ? new GlobalMaxPool2d() : new GlobalAvgPool2d(),
                "_pool", input(n, 0));
        addNamed(n, n.outputs().get(0), new Reshape(Shape.of(s.dim(0), 1, 1)), g);
    }

    /**
     * x * sigmoid(x) (SiLU/swish, EfficientNet's and RegNet's activation, exported as Sigmoid + Mul) becomes one
     * layer: one pass over the activations instead of two and no intermediate tensor. Maps each such Mul to its
     * Sigmoid, and the Sigmoid to null (skipped); only when the sigmoid feeds nothing else.
     */
    private Map<Node, Node> siluPairs() {
        Map<String, Node> producer = new HashMap<>();
        Map<String, Integer> uses = new HashMap<>();
        for (Node n : model.graph().nodes()) {
            n.outputs().forEach(o -> producer.put(o, n));
            n.inputs().forEach(i -> uses.merge(i, 1, Integer::sum));
        }
        for (ValueInfo out : model.graph().outputs()) {
            uses.merge(out.name(), 1, Integer::sum);
        }
        Map<Node, Node> pairs = new java.util.IdentityHashMap<>();
        for (Node n : model.graph().nodes()) {
            if (!n.opType().equals("Mul") || n.inputs().size() != 2) {
                continue;
            }
            for (int k = 0; k < 2; k++) {
                Node sig = producer.get(n.inputs().get(k));
                String x = n.inputs().get(1 - k);
                if (sig != null && sig.opType().equals("Sigmoid") && sig.inputs().get(0).equals(x)
                        && uses.getOrDefault(n.inputs().get(k), 0) == 1 && !consts.containsKey(x)) {
                    pairs.put(n, sig);
                    pairs.put(sig, null);
                    break;
                }
            }
        }
        return pairs;
    }

    /** Values that some graph output depends on (everything else is dead and skipped). */
    private Set<String> liveValues() {
        Set<String> live = new HashSet<>();
        for (ValueInfo out : model.graph().outputs()) {
            live.add(out.name());
        }
        List<Node> nodes = model.graph().nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (n.outputs().stream().anyMatch(live::contains)) {
                live.addAll(n.inputs());
            }
        }
        return live;
    }

    /** Operator statistics of the last import, for messages: folded constant nodes and dead nodes skipped. */
    int foldedCount() {
        return folded;
    }

    int deadCount() {
        return dead;
    }

    /** A 64-bit attribute value that must fit an int; fails naming it instead of truncating. */
    private int int32(Node n, String what, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw unsupported(where(n) + ": " + what + " " + v + " does not fit 32 bits");
        }
        return (int) v;
    }

    private int[] int32s(Node n, String what, long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = int32(n, what, v[i]);
        }
        return out;
    }

    /** The per-sample axis of ONNX axis {@code axis} of a rank-{@code rank} tensor; the batch axis is refused. */
    private int sampleAxis(Node n, long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw unsupported(where(n) + ": axis " + axis + " outside rank " + rank);
        }
        if (a == 0) {
            throw unsupported(where(n) + ": works along axis 0, the batch axis");
        }
        return (int) a - 1;
    }

    /** 1-D Conv/pooling as the 2-D operator on [C, 1, L]: a reshape in, the 2-D node, a reshape out. */
    private boolean oneD(Node n, int weightSlot) {
        Shape in = shapeOf(input(n, 0));
        if (in.rank() != 2) {
            return false;
        }
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        for (Attribute a : n.attributes().values()) {
            long[] v = a.ints();
            if (a.type() == Attribute.INTS && v != null) {
                long[] w;
                if (a.name().equals("pads")) {
                    if (v.length != 2) {
                        throw unsupported(where(n) + ": pads must have 2 entries for a 1-D operator");
                    }
                    w = new long[] {0, v[0], 0, v[1]};
                } else {
                    if (v.length != 1) {
                        throw unsupported(where(n) + ": " + a.name() + " must have 1 entry for a 1-D operator");
                    }
                    w = new long[] {a.name().equals("output_padding") ? 0 : 1, v[0]};
                }
                attrs.put(a.name(), new Attribute(a.name(), Attribute.INTS, 0, 0, null, null, null, w, null));
            } else {
                attrs.put(a.name(), a);
            }
        }
        List<String> inputs = new ArrayList<>(n.inputs());
        if (weightSlot >= 0) {
            TensorData w = constInput(n, weightSlot, "weights W");
            if (w.dims().length != 3) {
                throw unsupported(where(n) + ": 1-D weights must have 3 axes, got " + Arrays.toString(w.dims()));
            }
            String name = n.inputs().get(weightSlot) + "_2d";
            consts.put(name, new TensorData(name, w.dataType(), new long[] {w.dims()[0], w.dims()[1], 1, w.dims()[2]},
                    w.floats(), w.longs()));
            inputs.set(weightSlot, name);
        }
        String up = add(n, new Reshape(Shape.of(in.dim(0), 1, in.dim(1))), "_2d", input(n, 0));
        String tmp = n.outputs().get(0) + "_2d";
        nodeOf.put(tmp + "_in", up);
        inputs.set(0, tmp + "_in");
        Node two = new Node(n.name().isEmpty() ? "" : n.name() + "_2d", n.opType(), n.domain(), inputs, List.of(tmp),
                attrs);
        OPS.get(n.opType()).importer().convert(this, two);
        Shape out = shapeOf(nodeOf.get(tmp));
        addNamed(n, n.outputs().get(0), new Reshape(Shape.of(out.dim(0), out.dim(2))), nodeOf.get(tmp));
        return true;
    }

    private void conv(Node n) {
        if (oneD(n, 1)) {
            return;
        }
        Shape in = requireImage(n);
        TensorData w = constInput(n, 1, "weights W");
        if (w.dims().length != 4) {
            throw unsupported(where(n) + ": only 1-D and 2-D convolutions (3-D or 4-D weights), got W "
                    + Arrays.toString(w.dims()));
        }
        int m = int32(n, "W dimension", w.dims()[0]);
        int kh = int32(n, "W dimension", w.dims()[2]);
        int kw = int32(n, "W dimension", w.dims()[3]);
        long[] ks = intsAttr(n, "kernel_shape", null);
        if (ks != null && (ks.length != 2 || ks[0] != kh || ks[1] != kw)) {
            throw unsupported(where(n) + ": kernel_shape " + Arrays.toString(ks) + " does not match the weights W "
                    + Arrays.toString(w.dims()));
        }
        int group = int32(n, "group", intAttr(n, "group", 1));
        if (group < 1 || in.dim(0) != (long) w.dims()[1] * group) {
            throw unsupported(where(n) + ": input of " + in.dim(0) + " channels does not fit W "
                    + Arrays.toString(w.dims()) + " with group " + group);
        }
        long[] strides = intsAttr(n, "strides", new long[] {1, 1});
        long[] dil = intsAttr(n, "dilations", new long[] {1, 1});
        Padding pad = padding(n, in, kh, kw, strides, dil);
        if (dilatedAveragePool(n, in, w, group, strides, dil, pad)) {
            return;
        }
        TensorData b = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? constInput(n, 2, "bias B") : null;
        Conv2d conv = new Conv2d(m, kh, kw).stride(int32(n, "stride", strides[0]), int32(n, "stride", strides[1]))
                .dilation(int32(n, "dilation", dil[0]), int32(n, "dilation", dil[1])).padding(PaddingSpec.explicit(pad)).groups(group)
                .useBias(b != null);
        addNamed(n, n.outputs().get(0), conv, input(n, 0));
        conv.kernel().load(w.view());
        bound(n, 1, conv.kernel(), false);
        if (b != null) {
            conv.bias().load(b.view().reshape(m));
            bound(n, 2, conv.bias(), false);
        }
    }

    /**
     * The exporter's form of a dilated AveragePool at opset 17 (OnnxExporter.dilatedAvgPool): a depthwise Conv whose
     * kernel is a Constant of ones, without bias, read only by a Mul with a Constant divisor per output position.
     * When the divisors are exactly those of a DilatedAvgPool2d with the Conv's window (count_include_pad either
     * way; with ceil_mode the extra end padding of the last window), the pair comes back as that pool — fixed, as
     * it was — rather than as a learnable Conv and a constant Mul.
     */
    private boolean dilatedAveragePool(Node n, Shape in, TensorData w, int group, long[] strides, long[] dil,
                                       Padding pad) {
        String wName = n.inputs().get(1);
        if (isParameter(wName) || group != in.dim(0) || w.dims()[1] != 1 || n.inputs().size() > 2
                && !n.inputs().get(2).isEmpty() || strides.length != 2 || dil.length != 2) {
            return false;
        }
        for (float v : w.floats()) {
            if (v != 1f) {
                return false;
            }
        }
        String out = n.outputs().get(0);
        List<Node> readers = model.graph().nodes().stream().filter(o -> o.inputs().contains(out)).toList();
        if (readers.size() != 1 || !readers.get(0).opType().equals("Mul")
                || model.graph().outputs().stream().anyMatch(o -> o.name().equals(out))) {
            return false;
        }
        Node mul = readers.get(0);
        String divName = mul.inputs().get(0).equals(out) ? mul.inputs().get(1) : mul.inputs().get(0);
        TensorData div = consts.get(divName);
        if (div == null) { // the exporter writes the divisor's Constant node after the Conv
            div = model.graph().nodes().stream().filter(o -> o.opType().equals("Constant")
                    && o.outputs().equals(List.of(divName)) && o.attributes().containsKey("value"))
                    .map(o -> o.attributes().get("value").t()).filter(t -> t != null).findFirst().orElse(null);
        }
        if (div == null || isParameter(divName) || mul.inputs().get(0).equals(mul.inputs().get(1))) {
            return false;
        }
        int[] k = {(int) w.dims()[2], (int) w.dims()[3]};
        int[] st = {(int) strides[0], (int) strides[1]};
        int[] dd = {(int) dil[0], (int) dil[1]};
        int[] conv = {pad.top(), pad.left(), pad.bottom(), pad.right()};
        Shape convOut;
        try {
            convOut = Shape.of(in.dim(0),
                    ConvGeometry.outputSize("Conv", in.dim(1), k[0], st[0], dd[0], conv[0], conv[2]),
                    ConvGeometry.outputSize("Conv", in.dim(2), k[1], st[1], dd[1], conv[1], conv[3]));
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (div.elementCount() != (long) convOut.dim(1) * convOut.dim(2)) {
            return false;
        }
        float[] want = div.floats();
        for (boolean ceil : new boolean[] {false, true}) {
            for (int pb = ceil ? 0 : conv[2]; pb <= conv[2]; pb++) {
                for (int pr = ceil ? 0 : conv[3]; pr <= conv[3]; pr++) {
                    for (boolean include : new boolean[] {false, true}) {
                        DilatedAvgPool2d p;
                        try {
                            p = new DilatedAvgPool2d(k, st, dd, new int[] {conv[0], conv[1], pb, pr},
                                    PoolRounding.ceilMode(ceil), DilatedAvgPool2d.Divisor.countIncludePad(include));
                            if (!p.outputShape(in).equals(convOut)) {
                                continue;
                            }
                        } catch (IllegalArgumentException e) {
                            continue;
                        }
                        if (Arrays.equals(p.reciprocalCounts(in.dim(1), in.dim(2)), want)) {
                            addNamed(mul, mul.outputs().get(0), p, input(n, 0));
                            absorbed.add(mul);
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private void convTranspose(Node n) {
        Shape in = requireImage(n);
        TensorData w = constInput(n, 1, "weights W");
        if (w.dims().length != 4) {
            throw unsupported(where(n) + ": only 2-D transposed convolutions (4-D weights), got W "
                    + Arrays.toString(w.dims()));
        }
        int group = (int) intAttr(n, "group", 1);
        int m = (int) w.dims()[1] * group;
        int kh = (int) w.dims()[2];
        int kw = (int) w.dims()[3];
        long[] strides = intsAttr(n, "strides", new long[] {1, 1});
        long[] dil = intsAttr(n, "dilations", new long[] {1, 1});
        long[] outPad = intsAttr(n, "output_padding", new long[] {0, 0});
        if (strides.length != 2 || dil.length != 2 || outPad.length != 2) {
            throw unsupported(where(n) + ": strides, dilations and output_padding must have 2 entries for a 2-D operator");
        }
        int[] k = {kh, kw};
        int[] op = {(int) outPad[0], (int) outPad[1]};
        int[] begin = new int[2];
        int[] end = new int[2];
        String auto = stringAttr(n, "auto_pad", "NOTSET");
        long[] outputShape = intsAttr(n, "output_shape", null);
        if (outputShape != null || auto.startsWith("SAME")) {
            if (outputShape != null && outputShape.length != 2) {
                throw unsupported(where(n) + ": output_shape must have 2 entries (H, W), got "
                        + Arrays.toString(outputShape));
            }
            for (int i = 0; i < 2; i++) {
                int size = in.dim(1 + i);
                int target = outputShape != null ? (int) outputShape[i] : size * (int) strides[i];
                int total = (int) strides[i] * (size - 1) + op[i] + (k[i] - 1) * (int) dil[i] + 1 - target;
                if (total < 0) {
                    // a larger output than the full transposed one: the extra rows come at the end, as
                    // output_padding (the reference implementation's reading)
                    op[i] -= total;
                } else if (auto.equals("SAME_UPPER")) {
                    begin[i] = total / 2;
                    end[i] = total - total / 2;
                } else {
                    begin[i] = total - total / 2;
                    end[i] = total / 2;
                }
            }
        } else if (auto.equals("NOTSET")) {
            long[] p = intsAttr(n, "pads", new long[] {0, 0, 0, 0});
            if (p.length != 4) {
                throw unsupported(where(n) + ": pads must have 4 entries, got " + Arrays.toString(p));
            }
            begin = new int[] {(int) p[0], (int) p[1]};
            end = new int[] {(int) p[2], (int) p[3]};
        } else if (!auto.equals("VALID")) {
            throw unsupported(where(n) + ": auto_pad '" + auto + "'");
        }
        TensorData b = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? constInput(n, 2, "bias B") : null;
        ConvTranspose2d layer;
        try {
            layer = new ConvTranspose2d(m, kh, kw).stride((int) strides[0], (int) strides[1])
                    .dilation((int) dil[0], (int) dil[1]).padding(new Padding(begin[0], end[0], begin[1], end[1]))
                    .outputPadding(op[0], op[1]).groups(group).useBias(b != null);
        } catch (IllegalArgumentException e) {
            throw unsupported(where(n) + ": " + e.getMessage());
        }
        addNamed(n, n.outputs().get(0), layer, input(n, 0));
        layer.kernel().load(w.view());
        if (b != null) {
            layer.bias().load(b.view().reshape(m));
        }
    }

    /** Explicit pads or auto_pad, resolved for this input (SAME_UPPER puts the odd extra cell at the end). */
    private Padding padding(Node n, Shape in, int kh, int kw, long[] strides, long[] dil) {
        String auto = stringAttr(n, "auto_pad", "NOTSET");
        if (strides.length != 2 || dil.length != 2) {
            throw unsupported(where(n) + ": strides/dilations must have 2 entries for a 2-D operator");
        }
        switch (auto) {
            case "NOTSET" -> {
                long[] p = intsAttr(n, "pads", new long[] {0, 0, 0, 0});
                if (p.length != 4) {
                    throw unsupported(where(n) + ": pads must have 4 entries, got " + Arrays.toString(p));
                }
                return new Padding(int32(n, "pad", p[0]), int32(n, "pad", p[2]), int32(n, "pad", p[1]),
                        int32(n, "pad", p[3]));
            }
            case "VALID" -> {
                return Padding.valid();
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] th = same(in.dim(1), kh, (int) strides[0], (int) dil[0]);
                int[] tw = same(in.dim(2), kw, (int) strides[1], (int) dil[1]);
                boolean upper = auto.equals("SAME_UPPER");
                return upper ? new Padding(th[0], th[1], tw[0], tw[1]) : new Padding(th[1], th[0], tw[1], tw[0]);
            }
            default -> throw unsupported(where(n) + ": auto_pad '" + auto + "'");
        }
    }

    /** {small, large} halves of the total 'same' padding. */
    private static int[] same(int in, int k, int s, int d) {
        int out = (in + s - 1) / s;
        int total = Math.max((out - 1) * s + (k - 1) * d + 1 - in, 0);
        return new int[] {total / 2, total - total / 2};
    }

    private void pool(Node n) {
        if (oneD(n, -1)) {
            return;
        }
        Shape in = requireImage(n);
        long[] k = intsAttr(n, "kernel_shape", null);
        if (k == null || k.length != 2) {
            throw unsupported(where(n) + ": only 2-D pooling (kernel_shape of 2 entries)");
        }
        long[] dil = intsAttr(n, "dilations", new long[] {1, 1});
        if (dil.length != 2) {
            throw unsupported(where(n) + ": dilations must have 2 entries for a 2-D operator");
        }
        if (dil[0] != 1 || dil[1] != 1) {
            dilatedMaxPool(n, in, k, dil);
            return;
        }
        if (intAttr(n, "storage_order", 0) != 0) {
            throw unsupported(where(n) + ": storage_order 1");
        }
        long[] strides = intsAttr(n, "strides", new long[] {1, 1});
        int kh = int32(n, "kernel_shape", k[0]);
        int kw = int32(n, "kernel_shape", k[1]);
        Padding pad = padding(n, in, kh, kw, strides, dil);
        boolean includePad = intAttr(n, "count_include_pad", 0) != 0;
        if (intAttr(n, "ceil_mode", 0) != 0) {
            // ceil mode keeps a last, partial window: extra cells at the bottom/right that never count
            int extraH = ceilExtra(in.dim(1) + pad.top() + pad.bottom(), kh, (int) strides[0]);
            int extraW = ceilExtra(in.dim(2) + pad.left() + pad.right(), kw, (int) strides[1]);
            if ((extraH > 0 || extraW > 0) && includePad && n.opType().equals("AveragePool")) {
                throw unsupported(where(n) + ": ceil_mode with count_include_pad (the partial window's divisor"
                        + " would count the ceil cells)");
            }
            pad = new Padding(pad.top(), pad.bottom() + extraH, pad.left(), pad.right() + extraW);
        }
        PaddingSpec spec = PaddingSpec.explicit(pad);
        int sh = int32(n, "stride", strides[0]);
        int sw = int32(n, "stride", strides[1]);
        Layer layer = switch (n.opType()) {
            case "MaxPool" -> new MaxPool2d(kh, kw).stride(sh, sw).padding(spec);
            case "AveragePool" -> new AvgPool2d(kh, kw).stride(sh, sw).padding(spec).countIncludePad(includePad);
            default -> new LpPool2d(intAttr(n, "p", 2), kh, kw).stride(sh, sw).padding(spec);
        };
        addNamed(n, n.outputs().get(0), layer, input(n, 0));
    }

    private void dilatedMaxPool(Node n, Shape in, long[] k, long[] dil) {
        if (!n.opType().equals("MaxPool") && !n.opType().equals("AveragePool")) {
            throw unsupported(where(n) + ": dilated " + n.opType() + " " + Arrays.toString(dil)
                    + " (MaxPool and AveragePool only)");
        }
        long[] strides = intsAttr(n, "strides", new long[] {1, 1});
        int[] kk = int32s(n, "kernel_shape", k);
        int[] dd = int32s(n, "dilations", dil);
        int[] ss = int32s(n, "strides", strides);
        String auto = stringAttr(n, "auto_pad", "NOTSET");
        int[] pads;
        if (auto.equals("NOTSET")) {
            pads = int32s(n, "pads", intsAttr(n, "pads", new long[] {0, 0, 0, 0})); // ONNX: top, left, bottom, right
        } else if (auto.equals("VALID")) {
            pads = new int[4];
        } else {
            int[] th = same(in.dim(1), kk[0], ss[0], dd[0]);
            int[] tw = same(in.dim(2), kk[1], ss[1], dd[1]);
            boolean upper = auto.equals("SAME_UPPER");
            pads = upper ? new int[] {th[0], tw[0], th[1], tw[1]} : new int[] {th[1], tw[1], th[0], tw[0]};
        }
        PoolRounding rounding = PoolRounding.ceilMode(intAttr(n, "ceil_mode", 0) != 0);
        unary(n, n.opType().equals("MaxPool") ? new DilatedMaxPool2d(kk, ss, dd, pads, rounding)
                : new DilatedAvgPool2d(kk, ss, dd, pads, rounding,
                        DilatedAvgPool2d.Divisor.countIncludePad(intAttr(n, "count_include_pad", 0) != 0)));
    }

    private static int ceilExtra(int padded, int k, int s) {
        int floorOut = (padded - k) / s + 1;
        int ceilOut = (padded - k + s - 1) / s + 1;
        // PyTorch and the ONNX reference drop a last window that would start in the end padding only
        return ceilOut > floorOut ? (ceilOut - 1) * s + k - padded : 0;
    }

    private void batchNorm(Node n) {
        if (intAttr(n, "spatial", 1) == 0) {
            throw unsupported(where(n) + ": spatial 0 (statistics per position, opset < 9)");
        }
        if (intAttr(n, "training_mode", 0) != 0) {
            throw unsupported(where(n) + ": training_mode 1 (only the inference form is imported)");
        }
        Shape in = shapeOf(input(n, 0));
        BatchNorm bn = in.rank() == 3 ? new BatchNorm2d() : new BatchNorm1d();
        // ONNX momentum weights the running value; ours (PyTorch's) weights the batch statistic
        bn.momentum(1 - floatAttr(n, "momentum", 0.9f)).eps(floatAttr(n, "epsilon", 1e-5f));
        addNamed(n, n.outputs().get(0), bn, input(n, 0));
        int c = in.dim(0);
        bn.gamma().load(constInput(n, 1, "scale").view().reshape(c));
        bn.beta().load(constInput(n, 2, "B").view().reshape(c));
        bn.runningMean().load(constInput(n, 3, "mean").view().reshape(c));
        bn.runningVar().load(constInput(n, 4, "var").view().reshape(c));
        for (int slot = 1; slot <= 4; slot++) { // one parameter with a typed node or a second stage reading it
            bound(n, slot, bn.parameters().get(slot - 1), false);
        }
    }

    private void softmax(Node n) {
        Shape in = shapeOf(input(n, 0));
        int rank = in.rank() + 1;
        long axis = intAttr(n, "axis", opset < 13 ? 1 : -1);
        int a = (int) (axis < 0 ? axis + rank : axis);
        if (a <= 0 || a >= rank) {
            throw unsupported(where(n) + ": axis " + axis + " of a rank-" + rank + " input works across the batch"
                    + " axis 0");
        }
        boolean log = n.opType().equals("LogSoftmax");
        unary(n, opset < 13 ? new AxisSoftmax(a - 1, -1, log) : new AxisSoftmax(a - 1, a, log));
    }

    private void gemm(Node n) {
        if (intAttr(n, "transA", 0) != 0) {
            throw unsupported(where(n) + ": transA 1 (A's first axis must be the batch)");
        }
        Shape in = shapeOf(input(n, 0));
        if (in.rank() != 1) {
            throw unsupported(where(n) + ": A must be [N, K], got per-sample " + in);
        }
        TensorData b = constInput(n, 1, "B");
        if (b.dims().length != 2) {
            throw unsupported(where(n) + ": B must be 2-D, got " + Arrays.toString(b.dims()));
        }
        boolean transB = intAttr(n, "transB", 0) != 0;
        float alpha = floatAttr(n, "alpha", 1f);
        float beta = floatAttr(n, "beta", 1f);
        int units = int32(n, "B dimension", b.dims()[transB ? 0 : 1]);
        Tensor bias = null;
        if (n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() && !consts.containsKey(n.inputs().get(2))) {
            // computed C: the product as a dense layer, then + beta * C
            Dense d = Dense.withoutBias(units);
            String prod = add(n, d, "_gemm", input(n, 0));
            loadKernel(n, d.kernel(), b, !transB, alpha);
            String c = input(n, 2);
            if (beta != 1f) {
                c = add(n, new ConstantArithmetic(ArithmeticOp.MUL, Tensor.full(Shape.of(oneShape(shapeOf(c).rank())),
                        beta)), "_beta", c);
            }
            addNamed(n, n.outputs().get(0), new Arithmetic(ArithmeticOp.ADD), prod, c);
            return;
        }
        if (n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()) {
            TensorData c = constInput(n, 2, "C");
            long count = c.elementCount();
            boolean rowVector = c.dims().length <= 1 || (c.dims().length == 2 && c.dims()[0] == 1);
            if (!rowVector || (count != 1 && count != units)) {
                throw unsupported(where(n) + ": C of shape " + Arrays.toString(c.dims()) + " depends on the batch row"
                        + " (only a scalar or [" + units + "] bias)");
            }
            bias = Tensor.full(Shape.of(units), 0f);
            for (int i = 0; i < units; i++) {
                bias.data()[i] = beta * c.floats()[count == 1 ? 0 : i];
            }
        }
        Dense d = new Dense(units, bias != null);
        addNamed(n, n.outputs().get(0), d, input(n, 0));
        loadKernel(n, d.kernel(), b, !transB, alpha);
        if (bias != null) {
            d.bias().load(bias);
        }
        if (alpha == 1f) {
            bound(n, 1, d.kernel(), !transB);
        }
        if (bias != null && beta == 1f && consts.get(n.inputs().get(2)).elementCount() == units) {
            bound(n, 2, d.bias(), false);
        }
    }

    private void matmul(Node n) {
        Shape in = shapeOf(input(n, 0));
        if (!consts.containsKey(n.inputs().get(1))) {
            Shape sb = shapeOf(input(n, 1));
            if (sb.rank() != in.rank()) {
                throw unsupported(where(n) + ": computed operands of different ranks " + in + " and " + sb);
            }
            addNamed(n, n.outputs().get(0), new MatMul(), input(n, 0), input(n, 1));
            return;
        }
        TensorData b = constInput(n, 1, "B");
        if (b.dims().length != 2) {
            throw unsupported(where(n) + ": a constant B must be 2-D, got " + Arrays.toString(b.dims()));
        }
        Dense d = Dense.withoutBias(int32(n, "B dimension", b.dims()[1]))
                .over(in.rank() > 1 ? Dense.Over.LAST_AXIS : Dense.Over.WHOLE_SAMPLE);
        addNamed(n, n.outputs().get(0), d, input(n, 0));
        loadKernel(n, d.kernel(), b, true, 1f);
        bound(n, 1, d.kernel(), true);
    }

    /**
     * Writes the 2-D constant {@code b} (or its transpose), times {@code alpha}, straight into a dense layer's kernel
     * [units, inputs]: the same values as loading {@code b.toTensor().transposed()} scaled by alpha, without that
     * temporary matrix (vgg11's first classifier matrix, 0.4 GB, was held a second and a third time while imported).
     */
    private void loadKernel(Node n, org.convnet4j.nn.Parameter kernel, TensorData b, boolean transposed, float alpha) {
        int rows = int32(n, "B dimension", b.dims()[0]);
        int cols = int32(n, "B dimension", b.dims()[1]);
        Shape want = transposed ? Shape.of(cols, rows) : Shape.of(rows, cols);
        if (!kernel.value().shape().equals(want)) {
            throw unsupported(where(n) + ": B " + Arrays.toString(b.dims()) + (transposed ? " transposed" : "")
                    + " does not fit the kernel " + kernel.value().shape());
        }
        float[] from = b.floats();
        float[] to = kernel.value().data();
        if (transposed) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    to[j * rows + i] = from[i * cols + j];
                }
            }
        } else {
            System.arraycopy(from, 0, to, 0, to.length);
        }
        if (alpha != 1f) {
            for (int i = 0; i < to.length; i++) {
                to[i] *= alpha;
            }
        }
        kernel.markLoaded();
    }

    /**
     * Switch for A/B runs ({@code -Dconvnet4j.import.residualAdd=false}): an Add of two computed tensors of one shape is
     * imported as an {@link Arithmetic} ADD again instead of the engine's {@link Add} (same values either way).
     */
    static volatile boolean residualAdd = !"false".equals(System.getProperty("convnet4j.import.residualAdd"));

    private void arithmetic(Node n, ArithmeticOp op) {
        if (n.inputs().size() != 2 || n.inputs().get(0).isEmpty() || n.inputs().get(1).isEmpty()) {
            throw unsupported(where(n) + ": needs two inputs, got " + n.inputs());
        }
        String a = n.inputs().get(0);
        String b = n.inputs().get(1);
        boolean ca = consts.containsKey(a);
        boolean cb = consts.containsKey(b);
        if (ca && cb) {
            // only legacy broadcast/axis forms get here (folding handles the rest)
            throw unsupported(where(n) + ": both operands are constants with a legacy axis attribute");
        }
        if (!ca && !cb) {
            Shape sa = shapeOf(input(n, 0));
            Shape sb = shapeOf(input(n, 1));
            if (sa.rank() != sb.rank()) {
                throw unsupported(where(n) + ": computed operands of different ranks " + sa + " and " + sb);
            }
            // a residual sum of two equal shapes (ResNet's, ConvNeXt's): the engine's Add, which sums in place of a
            // dying operand and takes the ReLU after it into the same pass in inference (the same additions, bits)
            boolean residual = op == ArithmeticOp.ADD && sa.equals(sb) && residualAdd;
            addNamed(n, n.outputs().get(0), residual ? new Add() : new Arithmetic(op), input(n, 0), input(n, 1));
            return;
        }
        int runtime = ca ? 1 : 0;
        Shape s = shapeOf(input(n, runtime));
        TensorData c = consts.get(ca ? a : b);
        int rank = s.rank() + 1;
        if (opset < 7 && intAttr(n, "broadcast", 0) != 0 && n.attributes().containsKey("axis") && cb) {
            // legacy broadcast: B's axes start at 'axis' of A, trailing axes of A are broadcast
            int axis = (int) intAttr(n, "axis", 0);
            axis = axis < 0 ? axis + rank : axis;
            long[] d = new long[rank - axis];
            Arrays.fill(d, 1);
            if (c.dims().length > d.length) {
                throw unsupported(where(n) + ": B " + Arrays.toString(c.dims()) + " does not fit at axis " + axis);
            }
            System.arraycopy(c.dims(), 0, d, 0, c.dims().length);
            c = new TensorData(c.name(), c.dataType(), d, c.floats(), c.longs(), c.doubles());
        }
        if (c.dims().length > rank) {
            throw unsupported(where(n) + ": constant " + Arrays.toString(c.dims()) + " has more axes than the input");
        }
        int[] full = new int[rank];
        Arrays.fill(full, 1);
        for (int i = 0; i < c.dims().length; i++) {
            full[rank - c.dims().length + i] = (int) c.dims()[i];
        }
        if (full[0] != 1) {
            throw unsupported(where(n) + ": constant " + Arrays.toString(c.dims()) + " varies along the batch axis");
        }
        Tensor value = Tensor.wrap(c.floats().clone(), Shape.of(Arrays.copyOfRange(full, 1, rank)));
        // a graph initializer is a model parameter (PyTorch exports its parameters so, e.g. a layer scale or the
        // bias of a Linear exported as MatMul + Add): it is fine-tuned; Constant nodes and folded values are fixed
        ConstantArithmetic layer = new ConstantArithmetic(op, value, ConstantArithmetic.Order.constantFirst(ca),
                ConstantArithmetic.Kind.learnable(isParameter(ca ? a : b)));
        addNamed(n, n.outputs().get(0), layer, input(n, runtime));
        if (layer.learnable()) { // one parameter with a typed node or a second stage reading the initializer
            bound(n, ca ? 0 : 1, layer.parameters().get(0), false);
        }
    }

    /**
     * True if the value is a model parameter: a graph initializer, or one re-shaped at import (PyTorch exports
     * GroupNorm's weight through Unsqueeze, and equal initializers once, behind Identity nodes); not a Constant,
     * a bound input or a value computed from several constants.
     */
    private boolean isParameter(String value) {
        return parameterValues.contains(value);
    }

    private static final Set<String> RESHAPING = Set.of("Identity", "Unsqueeze", "Squeeze", "Reshape", "Flatten",
            "Transpose");

    /** After {@code n} was folded or aliased: its output is still a parameter if it only re-shapes one. */
    private void traceParameter(Node n) {
        if (RESHAPING.contains(n.opType()) && !n.inputs().isEmpty() && parameterValues.contains(n.inputs().get(0))) {
            parameterValues.add(n.outputs().get(0));
        }
    }

    private void concat(Node n) {
        List<String> from = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            from.add(input(n, i));
        }
        int rank = shapeOf(from.get(0)).rank() + 1;
        long axis = intAttr(n, "axis", opset < 4 ? 1 : Long.MIN_VALUE);
        if (axis == Long.MIN_VALUE) {
            throw unsupported(where(n) + ": no axis attribute");
        }
        addNamed(n, n.outputs().get(0), new Concat(sampleAxis(n, axis, rank)), from.toArray(new String[0]));
    }

    private void flatten(Node n) {
        Shape in = shapeOf(input(n, 0));
        int rank = in.rank() + 1;
        long axis = intAttr(n, "axis", 1);
        long a = axis < 0 ? axis + rank : axis;
        long lead = 1;
        for (int i = 0; i < a - 1 && i < in.rank(); i++) {
            lead *= in.dim(i);
        }
        if (a < 1 || lead != 1) {
            throw unsupported(where(n) + ": axis " + axis + " would fold other axes into the batch axis");
        }
        unary(n, in.rank() == 1 ? new Reshape(in) : new Flatten());
    }

    private void reshape(Node n) {
        Shape in = shapeOf(input(n, 0));
        long[] target;
        if (opset < 5) {
            target = intsAttr(n, "shape", null);
            if (target == null) {
                throw unsupported(where(n) + ": no shape attribute");
            }
        } else {
            TensorData t = constInput(n, 1, "shape");
            if (!t.isInteger()) {
                throw unsupported(where(n) + ": shape must be an integer tensor");
            }
            target = t.longs();
        }
        boolean allowZero = intAttr(n, "allowzero", 0) != 0;
        if (target.length < 1) {
            throw unsupported(where(n) + ": target shape " + Arrays.toString(target) + " has no batch axis");
        }
        long first = target[0];
        boolean keepsBatch = first == 0 && !allowZero || first == -1 || first > 0 && first == nominalBatch;
        if (!keepsBatch) {
            throw unsupported(where(n) + ": target shape " + Arrays.toString(target) + " does not keep the batch axis");
        }
        int[] out = new int[target.length - 1];
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            long v = target[i + 1];
            if (v == 0 && !allowZero) {
                if (i >= in.rank()) {
                    throw unsupported(where(n) + ": 0 at axis " + (i + 1) + " copies an axis the input lacks");
                }
                v = in.dim(i);
            }
            if (v == -1) {
                if (unknown >= 0 || first == -1) {
                    throw unsupported(where(n) + ": more than one -1 in " + Arrays.toString(target));
                }
                unknown = i;
                continue;
            }
            if (v < 1) {
                throw unsupported(where(n) + ": target dimension " + v + " in " + Arrays.toString(target));
            }
            out[i] = (int) v;
            known *= v;
        }
        if (unknown >= 0) {
            if (known == 0 || in.size() % known != 0) {
                throw unsupported(where(n) + ": cannot infer -1 in " + Arrays.toString(target) + " for " + in);
            }
            out[unknown] = (int) (in.size() / known);
        }
        unary(n, new Reshape(Shape.of(out)));
    }

    private void dropout(Node n) {
        float ratio = floatAttr(n, "ratio", 0.5f);
        if (opset >= 12 && n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()) {
            ratio = constInput(n, 1, "ratio").floats()[0];
        }
        if (ratio == 0f) {
            alias(n, n.inputs().get(0));
        } else {
            unary(n, new Dropout(ratio));
        }
    }

    private void pad(Node n) {
        Shape in = shapeOf(input(n, 0));
        int rank = in.rank() + 1;
        String modeText = stringAttr(n, "mode", "constant");
        long[] pads;
        float value;
        if (opset < 11) {
            pads = intsAttr(n, opset < 2 ? "paddings" : "pads", null);
            value = floatAttr(n, "value", 0f);
        } else {
            pads = constLongs(n, 1, "pads");
            value = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? constInput(n, 2, "constant_value").floats()[0]
                    : 0f;
            if (n.inputs().size() > 3 && !n.inputs().get(3).isEmpty()) {
                // opset 18: pads for the listed axes only
                long[] axes = constLongs(n, 3, "axes");
                if (pads.length != 2 * axes.length) {
                    throw unsupported(where(n) + ": " + pads.length + " pads for " + axes.length + " axes");
                }
                long[] full = new long[2 * rank];
                for (int i = 0; i < axes.length; i++) {
                    int ax = (int) (axes[i] < 0 ? axes[i] + rank : axes[i]);
                    if (ax < 0 || ax >= rank) {
                        throw unsupported(where(n) + ": axis " + axes[i] + " outside rank " + rank);
                    }
                    full[ax] = pads[i];
                    full[rank + ax] = pads[axes.length + i];
                }
                pads = full;
            }
        }
        if (pads == null || pads.length != 2 * rank) {
            throw unsupported(where(n) + ": pads must have " + 2 * rank + " entries");
        }
        if (pads[0] != 0 || pads[rank] != 0) {
            throw unsupported(where(n) + ": pads along the batch axis");
        }
        int[] before = new int[rank - 1];
        int[] after = new int[rank - 1];
        long outSize = 1;
        for (int i = 1; i < rank; i++) {
            outSize *= Math.min(in.dim(i - 1) + Math.max(pads[i], 0) + Math.max(pads[rank + i], 0), OnnxReader.MAX_ELEMENTS + 1);
            if (outSize > OnnxReader.MAX_ELEMENTS || pads[i] > Integer.MAX_VALUE || pads[rank + i] > Integer.MAX_VALUE) {
                throw unsupported(where(n) + ": pads " + Arrays.toString(pads) + " make a sample of more than "
                        + OnnxReader.MAX_ELEMENTS + " values");
            }
            if (pads[i] < 0 || pads[rank + i] < 0) {
                throw unsupported(where(n) + ": negative pads (cropping) " + Arrays.toString(pads));
            }
            before[i - 1] = (int) pads[i];
            after[i - 1] = (int) pads[rank + i];
        }
        unary(n, new PadNd(before, after, PadNd.parseMode(modeText), value));
    }

    private void clip(Node n) {
        float lo = Float.NEGATIVE_INFINITY;
        float hi = Float.POSITIVE_INFINITY;
        if (opset < 11) {
            lo = floatAttr(n, "min", lo);
            hi = floatAttr(n, "max", hi);
        } else {
            if (n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()) {
                lo = constInput(n, 1, "min").floats()[0];
            }
            if (n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()) {
                hi = constInput(n, 2, "max").floats()[0];
            }
        }
        unary(n, new Clip(lo, hi));
    }

    private TensorData constantValue(Node n) {
        String out = n.outputs().get(0);
        Map<String, Attribute> a = n.attributes();
        if (a.containsKey("value") && a.get("value").t() != null) {
            TensorData t = a.get("value").t();
            return new TensorData(out, t.dataType(), t.dims(), t.floats(), t.longs(), t.doubles());
        }
        if (a.containsKey("value_float")) {
            return new TensorData(out, OnnxModel.FLOAT, new long[0], new float[] {a.get("value_float").f()}, null);
        }
        if (a.containsKey("value_floats")) {
            float[] f = a.get("value_floats").floats();
            return new TensorData(out, OnnxModel.FLOAT, new long[] {f.length}, f, null);
        }
        if (a.containsKey("value_int")) {
            return TensorData.ofLongs(out, new long[] {a.get("value_int").i()});
        }
        if (a.containsKey("value_ints")) {
            long[] v = a.get("value_ints").ints();
            return TensorData.ofLongs(out, v, v.length);
        }
        throw unsupported(where(n) + ": Constant without a tensor, float(s) or int(s) value");
    }

    private void layerNorm(Node n) {
        Shape in = shapeOf(input(n, 0));
        int rank = in.rank() + 1;
        int first = sampleAxis(n, intAttr(n, "axis", -1), rank);
        LayerNorm ln = new LayerNorm(in.rank() - first, floatAttr(n, "epsilon", 1e-5f));
        addNamed(n, n.outputs().get(0), ln, input(n, 0));
        Shape norm = ln.gamma().shape();
        ln.gamma().load(constInput(n, 1, "scale").view().reshape(norm));
        boolean hasB = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty();
        if (hasB) {
            ln.beta().load(constInput(n, 2, "B").view().reshape(norm));
        }
        if (!isParameter(n.inputs().get(1)) && (!hasB || !isParameter(n.inputs().get(2)))) {
            ln.setTrainable(false); // scale and B from Constant nodes (or folded): fixed, as everywhere else
        } else {
            bound(n, 1, ln.gamma(), false);
            if (hasB) {
                bound(n, 2, ln.beta(), false);
            }
        }
        // the optional Mean and InvStdDev outputs (the normalised axes kept as 1), when something reads them:
        // mean = ReduceMean(x), InvStdDev = (ReduceMean((x - mean)^2) + epsilon)^-1/2, computed beside the LayerNorm
        String mean = n.outputs().size() > 1 && used(n.outputs().get(1)) ? n.outputs().get(1) : null;
        String inv = n.outputs().size() > 2 && used(n.outputs().get(2)) ? n.outputs().get(2) : null;
        if (mean == null && inv == null) {
            return;
        }
        int[] axes = new int[in.rank() - first];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = first + i;
        }
        String m = add(n, new Reduce(Reduce.Op.MEAN, axes, true), "_mean", input(n, 0));
        if (mean != null) {
            nodeOf.put(mean, m);
        }
        if (inv != null) {
            String d = add2(n, new Arithmetic(ArithmeticOp.SUB), "_centred", input(n, 0), m);
            String sq = add2(n, new Arithmetic(ArithmeticOp.MUL), "_squared", d, d);
            String var = add(n, new Reduce(Reduce.Op.MEAN, axes, true), "_variance", sq);
            String eps = add(n, new ConstantArithmetic(ArithmeticOp.ADD, Tensor.full(Shape.of(oneShape(in.rank())),
                    floatAttr(n, "epsilon", 1e-5f))), "_epsilon", var);
            addNamed(n, inv, new Elementwise(Elementwise.Fn.POW, -0.5f, 0), eps);
        }
    }

    /** Whether a node or a graph output reads ONNX value {@code v}. */
    private boolean used(String v) {
        if (v.isEmpty()) {
            return false;
        }
        return model.graph().nodes().stream().anyMatch(o -> o.inputs().contains(v))
                || model.graph().outputs().stream().anyMatch(o -> o.name().equals(v));
    }

    private void pow(Node n) {
        TensorData e = constInput(n, 1, "exponent Y");
        if (e.elementCount() != 1) {
            throw unsupported(where(n) + ": only a scalar constant exponent, got " + Arrays.toString(e.dims()));
        }
        unary(n, new Elementwise(Elementwise.Fn.POW, e.floats()[0], 0));
    }

    private void variadic(Node n) {
        String acc = input(n, 0);
        int count = n.inputs().size();
        if (count == 1) {
            alias(n, n.inputs().get(0));
            return;
        }
        ArithmeticOp op = switch (n.opType()) {
            case "Max" -> ArithmeticOp.MAX;
            case "Min" -> ArithmeticOp.MIN;
            default -> ArithmeticOp.ADD;
        };
        for (int i = 1; i < count; i++) {
            boolean last = i == count - 1 && !n.opType().equals("Mean");
            if (consts.containsKey(n.inputs().get(i))) {
                throw unsupported(where(n) + ": a constant operand among computed ones");
            }
            Layer l = new Arithmetic(op);
            if (last) {
                addNamed(n, n.outputs().get(0), l, acc, input(n, i));
                return;
            }
            acc = add2(n, l, "_sum" + i, acc, input(n, i));
        }
        if (n.opType().equals("Mean")) {
            unaryFrom(n, new ConstantArithmetic(ArithmeticOp.MUL, Tensor.full(Shape.of(oneShape(shapeOf(acc).rank())),
                    1f / count)), acc);
        } else {
            nodeOf.put(n.outputs().get(0), acc);
        }
    }

    private void prelu(Node n) {
        Shape in = shapeOf(input(n, 0));
        TensorData slope = constInput(n, 1, "slope");
        int rank = in.rank() + 1;
        long[] d = slope.dims();
        if (d.length > rank) {
            throw unsupported(where(n) + ": slope " + Arrays.toString(d) + " has more axes than the input");
        }
        int[] full = oneShape(rank);
        if (opset < 7 && d.length == 1 && rank > 1 && d[0] == in.dim(0) && d[0] > 1) {
            full[1] = in.dim(0); // before opset 7 a vector slope is per channel (axis 1), not aligned at the end
        } else {
            for (int i = 0; i < d.length; i++) {
                full[rank - d.length + i] = int32(n, "slope dimension", d[i]);
            }
        }
        if (full[0] != 1) {
            throw unsupported(where(n) + ": slope varies along the batch axis");
        }
        PRelu p = new PRelu(Shape.of(Arrays.copyOfRange(full, 1, rank)));
        addNamed(n, n.outputs().get(0), p, input(n, 0));
        p.slope().load(Tensor.wrap(slope.floats().clone(), p.slope().shape()));
        bound(n, 1, p.slope(), false);
    }

    private static int[] range(int count, int repeats) {
        int[] out = new int[count * repeats];
        for (int i = 0; i < out.length; i++) {
            out[i] = i % count;
        }
        return out;
    }

    /** A chain of single-axis layers from the node's input; the last one is named after the node. */
    private void chain(Node n, List<Layer> layers) {
        if (layers.isEmpty()) {
            alias(n, n.inputs().get(0));
            return;
        }
        String from = input(n, 0);
        for (int i = 0; i < layers.size() - 1; i++) {
            from = add(n, layers.get(i), "_" + i, from);
        }
        unaryFrom(n, layers.get(layers.size() - 1), from);
    }

    private void tile(Node n) {
        Shape in = shapeOf(input(n, 0));
        long[] reps = constLongs(n, 1, "repeats");
        if (reps.length != in.rank() + 1 || reps[0] != 1) {
            throw unsupported(where(n) + ": repeats " + Arrays.toString(reps) + " (one per axis, 1 along the batch axis)");
        }
        List<Layer> layers = new ArrayList<>();
        long total = in.size();
        for (int i = 1; i < reps.length; i++) {
            total *= reps[i];
            if (reps[i] < 1 || total > OnnxReader.MAX_ELEMENTS) {
                throw unsupported(where(n) + ": repeats " + Arrays.toString(reps) + " for " + in);
            }
            if (reps[i] > 1) {
                layers.add(new Take(i - 1, range(in.dim(i - 1), (int) reps[i]), false));
            }
        }
        chain(n, layers);
    }

    private void expand(Node n) {
        Shape in = shapeOf(input(n, 0));
        long[] shape = constLongs(n, 1, "shape");
        long[] out = OnnxFolding.broadcast(fullDims(in), shape);
        if (out.length != in.rank() + 1) {
            throw unsupported(where(n) + ": shape " + Arrays.toString(shape) + " adds axes before the batch axis");
        }
        if (out[0] != fullDims(in)[0]) {
            throw unsupported(where(n) + ": expands the batch axis");
        }
        List<Layer> layers = new ArrayList<>();
        long total = 1;
        for (int i = 1; i < out.length; i++) {
            total *= out[i];
            if (total > OnnxReader.MAX_ELEMENTS) {
                throw unsupported(where(n) + ": shape " + Arrays.toString(shape) + " is too large");
            }
            if (out[i] != in.dim(i - 1)) {
                layers.add(new Take(i - 1, new int[(int) out[i]], false));
            }
        }
        chain(n, layers);
    }

    private void depthToSpace(Node n) {
        Shape in = requireImage(n);
        int bs = int32(n, "blocksize", intAttr(n, "blocksize", 0));
        int c = in.dim(0);
        int h = in.dim(1);
        int w = in.dim(2);
        List<Layer> layers = new ArrayList<>();
        if (n.opType().equals("DepthToSpace")) {
            if (bs < 1 || c % (bs * bs) != 0) {
                throw unsupported(where(n) + ": blocksize " + bs + " for " + c + " channels");
            }
            int cc = c / (bs * bs);
            boolean crd = stringAttr(n, "mode", "DCR").equals("CRD");
            layers.add(new Reshape(crd ? Shape.of(cc, bs, bs, h, w) : Shape.of(bs, bs, cc, h, w)));
            layers.add(crd ? new Transpose(0, 3, 1, 4, 2) : new Transpose(2, 3, 0, 4, 1));
            layers.add(new Reshape(Shape.of(cc, h * bs, w * bs)));
        } else {
            if (bs < 1 || h % bs != 0 || w % bs != 0) {
                throw unsupported(where(n) + ": blocksize " + bs + " for " + in);
            }
            layers.add(new Reshape(Shape.of(c, h / bs, bs, w / bs, bs)));
            layers.add(new Transpose(2, 4, 0, 1, 3));
            layers.add(new Reshape(Shape.of(c * bs * bs, h / bs, w / bs)));
        }
        chain(n, layers);
    }

    private void resize(Node n) {
        Shape in = shapeOf(input(n, 0));
        int rank = in.rank() + 1;
        long[] dims = fullDims(in);
        String mode = stringAttr(n, "mode", "nearest");
        boolean upsample = n.opType().equals("Upsample");
        String coord = upsample || opset < 11 ? "asymmetric"
                : stringAttr(n, "coordinate_transformation_mode", "half_pixel");
        String nearest = upsample || opset < 11 ? "floor" : stringAttr(n, "nearest_mode", "round_prefer_floor");
        if (!mode.equals("nearest") && !mode.equals("linear") && !mode.equals("bilinear") && !mode.equals("cubic")) {
            throw unsupported(where(n) + ": mode " + mode + " (nearest, linear and cubic only)");
        }
        boolean cubic = mode.equals("cubic");
        double cubicA = floatAttr(n, "cubic_coeff_a", -0.75f);
        boolean excludeOutside = intAttr(n, "exclude_outside", 0) != 0;
        if (coord.equals("tf_crop_and_resize")) {
            throw unsupported(where(n) + ": coordinate_transformation_mode tf_crop_and_resize");
        }
        // opset 18's antialias (linear and cubic; nearest ignores it) and keep_aspect_ratio_policy (on sizes)
        boolean antialias = !upsample && opset >= 18 && intAttr(n, "antialias", 0) != 0 && !mode.equals("nearest");
        String policy = upsample || opset < 18 ? "stretch" : stringAttr(n, "keep_aspect_ratio_policy", "stretch");
        float[] scales = null;
        long[] sizes = null;
        if (upsample && opset < 9) {
            scales = floatsAttr(n, "scales");
        } else if (upsample || opset == 10) {
            scales = constInput(n, 1, "scales").floats();
        } else {
            if (n.inputs().size() > 3 && !n.inputs().get(3).isEmpty()) {
                sizes = constLongs(n, 3, "sizes");
            }
            if (sizes == null && n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()) {
                scales = constInput(n, 2, "scales").floats();
            }
        }
        long[] axes = intsAttr(n, "axes", null);
        int count = axes == null ? rank : axes.length;
        if ((scales == null || scales.length != count) && (sizes == null || sizes.length != count)) {
            throw unsupported(where(n) + ": need " + count + " scales or sizes");
        }
        List<OnnxResampling.AxisPlan> plans;
        try {
            plans = OnnxResampling.axisPlans(dims, axes, scales == null ? null : OnnxFloatRoute.doubles(scales), sizes, policy);
        } catch (IllegalArgumentException e) {
            throw unsupported(where(n) + ": " + e.getMessage());
        }
        List<Layer> layers = new ArrayList<>();
        for (OnnxResampling.AxisPlan plan : plans) {
            int ax = plan.axis();
            long inLen = plan.inLen();
            double scale = plan.scale();
            long outLen = plan.outLen();
            if (ax == 0) {
                if (outLen != inLen) {
                    throw unsupported(where(n) + ": resizes the batch axis");
                }
                continue;
            }
            if (outLen < 1 || outLen > OnnxReader.MAX_ELEMENTS) {
                throw unsupported(where(n) + ": output length " + outLen + " along axis " + ax);
            }
            if (outLen == inLen && scale == 1) {
                continue;
            }
            int len = (int) outLen;
            if (antialias) {
                OnnxResampling.Taps t = OnnxResampling.antialiasTaps(coord, len, inLen, scale, cubic, cubicA,
                        excludeOutside);
                if (t == null) {
                    throw unsupported(where(n) + ": coordinate_transformation_mode " + coord);
                }
                float[] tw = new float[t.w().length];
                for (int j = 0; j < tw.length; j++) {
                    tw[j] = (float) t.w()[j];
                }
                layers.add(new AxisTaps(ax - 1, t.taps(), t.idx(), tw));
                continue;
            }
            int[] lo = new int[len];
            int[] hi = new int[len];
            float[] w = new float[len];
            int[] tapIndex = new int[cubic ? 4 * len : 0];
            float[] tapWeight = new float[cubic ? 4 * len : 0];
            for (int o = 0; o < len; o++) {
                double x = OnnxResampling.sourceCoordinate(coord, o, len, inLen, scale);
                if (Double.isNaN(x)) {
                    throw unsupported(where(n) + ": coordinate_transformation_mode " + coord);
                }
                if (cubic) {
                    cubicTaps(x, inLen, cubicA, excludeOutside, o, tapIndex, tapWeight);
                } else if (mode.equals("nearest")) {
                    long i = OnnxResampling.nearestIndex(nearest, x);
                    lo[o] = (int) Math.max(0, Math.min(inLen - 1, i));
                    hi[o] = lo[o];
                } else {
                    double c = Math.max(0, Math.min(inLen - 1, x));
                    lo[o] = (int) Math.floor(c);
                    hi[o] = (int) Math.min(inLen - 1, lo[o] + 1);
                    w[o] = (float) (c - lo[o]);
                }
            }
            layers.add(cubic ? new AxisTaps(ax - 1, 4, tapIndex, tapWeight) : new AxisResize(ax - 1, lo, hi, w));
        }
        chain(n, layers);
    }

    /**
     * Keys' cubic convolution at source coordinate {@code x} (ONNX Resize, mode cubic): the four positions
     * floor(x) - 1 .. floor(x) + 2 clamped to the axis (the reference pads by repeating the edge) with the
     * coefficients of parameter {@code a}; {@code excludeOutside} gives the positions outside the axis weight 0
     * and renormalises the others to sum 1.
     */
    /** {@link OnnxResampling#cubicTaps}, the weights as float32 for the {@code AxisTaps} layer. */
    private static void cubicTaps(double x, long inLen, double a, boolean excludeOutside, int o, int[] index,
                                  float[] weight) {
        double[] w = new double[weight.length];
        OnnxResampling.cubicTaps(x, inLen, a, excludeOutside, o, index, w);
        for (int k = 0; k < 4; k++) {
            weight[4 * o + k] = (float) w[4 * o + k];
        }
    }

    private void groupNorm(Node n) {
        Shape in = shapeOf(input(n, 0));
        if (in.rank() < 2) {
            throw unsupported(where(n) + ": needs [N, C, ...], got per-sample " + in);
        }
        int c = in.dim(0);
        boolean instance = n.opType().equals("InstanceNormalization");
        int groups = instance ? c : int32(n, "num_groups", intAttr(n, "num_groups", 0));
        if (groups < 1 || c % groups != 0) {
            throw unsupported(where(n) + ": " + groups + " groups for " + c + " channels");
        }
        float[] scale = constInput(n, 1, "scale").floats();
        float[] bias = constInput(n, 2, "bias").floats();
        boolean perGroup = !instance && opset < 21 && scale.length == groups && groups != c;
        int[] chan = oneShape(in.rank());
        chan[0] = c;
        Tensor sc = Tensor.zeros(Shape.of(chan));
        Tensor bi = Tensor.zeros(Shape.of(chan));
        for (int i = 0; i < c; i++) {
            int from = perGroup ? i / (c / groups) : i;
            if (from >= scale.length || from >= bias.length) {
                throw unsupported(where(n) + ": scale/bias of " + scale.length + "/" + bias.length + " values for " + c
                        + " channels");
            }
            sc.data()[i] = scale[from];
            bi.data()[i] = bias[from];
        }
        // normalise each group (or channel) by a LayerNorm whose own affine stays the identity
        LayerNorm norm = new LayerNorm(1, floatAttr(n, "epsilon", 1e-5f));
        norm.setTrainable(false);
        String g = add(n, new Reshape(Shape.of(groups, in.size() / groups)), "_groups", input(n, 0));
        String normed = add(n, norm, "_norm", g);
        if (perGroup) {
            // opset 18-20: one scale and bias per group, applied (and learned) per group on the grouped view, as
            // the file defines them - not copied to the channels, which would learn them per channel
            ConstantArithmetic scaleLayer = new ConstantArithmetic(ArithmeticOp.MUL, Tensor.wrap(scale.clone(),
                    Shape.of(groups, 1)), ConstantArithmetic.Order.INPUT_FIRST,
                    ConstantArithmetic.Kind.learnable(isParameter(n.inputs().get(1))));
            String scaled = add(n, scaleLayer, "_scale", normed);
            if (bias.length != groups) {
                throw unsupported(where(n) + ": bias of " + bias.length + " values for " + groups + " groups");
            }
            ConstantArithmetic biasLayer = new ConstantArithmetic(ArithmeticOp.ADD, Tensor.wrap(bias.clone(),
                    Shape.of(groups, 1)), ConstantArithmetic.Order.INPUT_FIRST,
                    ConstantArithmetic.Kind.learnable(isParameter(n.inputs().get(2))));
            String biased = add(n, biasLayer, "_bias", scaled);
            bound(n, 1, scaleLayer.parameters().get(0), false);
            bound(n, 2, biasLayer.parameters().get(0), false);
            unaryFrom(n, new Reshape(in), biased);
            return;
        }
        String back = add(n, new Reshape(in), "_back", normed);
        // the affine is learned (per channel) when scale and bias are initializers, as PyTorch's weight and bias
        ConstantArithmetic scaleLayer = new ConstantArithmetic(ArithmeticOp.MUL, sc, ConstantArithmetic.Order.INPUT_FIRST,
                ConstantArithmetic.Kind.learnable(isParameter(n.inputs().get(1))));
        String scaled = add(n, scaleLayer, "_scale", back);
        ConstantArithmetic biasLayer = new ConstantArithmetic(ArithmeticOp.ADD, bi, ConstantArithmetic.Order.INPUT_FIRST,
                ConstantArithmetic.Kind.learnable(isParameter(n.inputs().get(2))));
        unaryFrom(n, biasLayer, scaled);
        bound(n, 1, scaleLayer.parameters().get(0), false);
        bound(n, 2, biasLayer.parameters().get(0), false);
    }

    private static int[] oneShape(int rank) {
        int[] d = new int[rank];
        Arrays.fill(d, 1);
        return d;
    }

    private void squeezeOp(Node n) {
        Shape in = shapeOf(input(n, 0));
        long[] axes = opset >= 13 ? (n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()
                ? constLongs(n, 1, "axes") : null) : intsAttr(n, "axes", null);
        long[] full = new long[in.rank() + 1];
        full[0] = 1;
        for (int i = 0; i < in.rank(); i++) {
            full[i + 1] = in.dim(i);
        }
        OnnxFolding.Arr a = new OnnxFolding.Arr(OnnxModel.FLOAT, full, new double[0]);
        boolean squeeze = n.opType().equals("Squeeze");
        if (axes == null && !squeeze) {
            throw unsupported(where(n) + ": no axes");
        }
        long[] out;
        if (squeeze) {
            if (axes == null) {
                List<Long> keep = new ArrayList<>(List.of(1L));
                for (int i = 0; i < in.rank(); i++) {
                    if (in.dim(i) != 1) {
                        keep.add((long) in.dim(i));
                    }
                }
                out = keep.stream().mapToLong(Long::longValue).toArray();
            } else {
                for (long ax : axes) {
                    sampleAxis(n, ax, full.length);
                }
                out = OnnxFolding.squeeze(a, axes).dims();
            }
        } else {
            int r = full.length + axes.length;
            for (long ax : axes) {
                sampleAxis(n, ax, r);
            }
            out = OnnxFolding.unsqueeze(a, axes).dims();
        }
        unary(n, new Reshape(Shape.of(int32s(n, "dimension", Arrays.copyOfRange(out, 1, out.length)))));
    }

    private void transposeOp(Node n) {
        Shape in = shapeOf(input(n, 0));
        long[] perm = intsAttr(n, "perm", null);
        int rank = in.rank() + 1;
        if (perm == null) {
            throw unsupported(where(n) + ": no perm (reversing all axes moves the batch axis)");
        }
        if (perm.length != rank || perm[0] != 0) {
            throw unsupported(where(n) + ": perm " + Arrays.toString(perm) + " moves the batch axis 0");
        }
        int[] p = new int[rank - 1];
        for (int i = 1; i < rank; i++) {
            p[i - 1] = (int) perm[i] - 1;
        }
        unary(n, new Transpose(p));
    }

    private long[] optLongs(Node n, int slot, String role) {
        return n.inputs().size() > slot && !n.inputs().get(slot).isEmpty() ? constLongs(n, slot, role) : null;
    }

    private void sliceOp(Node n) {
        Shape in = shapeOf(input(n, 0));
        List<long[]> args = new ArrayList<>();
        if (opset >= 10) {
            args.add(constLongs(n, 1, "starts"));
            args.add(constLongs(n, 2, "ends"));
            args.add(optLongs(n, 3, "axes"));
            args.add(optLongs(n, 4, "steps"));
        }
        long[][] s = OnnxFolding.sliceArgs(n, args, opset);
        if (s[0] == null || s[1] == null || s[0].length != s[1].length) {
            throw unsupported(where(n) + ": starts and ends must be given with equal lengths");
        }
        long[] dims = fullDims(in);
        long[][] b = OnnxFolding.sliceBounds(dims, s[0], s[1], s[2], s[3]);
        if (b[0][0] != 0 || b[0][2] != 1 || b[0][1] != dims[0]) {
            throw unsupported(where(n) + ": slices along axis 0, the batch axis");
        }
        slice(n, n.outputs().get(0), in, b);
    }

    /** [batch, sample...] with the nominal batch size (SYMBOLIC_BATCH when the batch axis is symbolic). */
    private long[] fullDims(Shape in) {
        long[] d = new long[in.rank() + 1];
        d[0] = nominalBatch > 0 ? nominalBatch : SYMBOLIC_BATCH;
        for (int i = 0; i < in.rank(); i++) {
            d[i + 1] = in.dim(i);
        }
        return d;
    }

    private void slice(Node n, String value, Shape in, long[][] bounds) {
        int r = in.rank();
        int[] st = new int[r];
        int[] en = new int[r];
        int[] sp = new int[r];
        for (int i = 0; i < r; i++) {
            long[] b = bounds[i + 1];
            if (OnnxFolding.sliceCount(b) == 0) {
                throw unsupported(where(n) + ": empty slice along axis " + (i + 1));
            }
            st[i] = (int) b[0];
            en[i] = (int) b[1];
            sp[i] = int32(n, "step", b[2]);
        }
        addNamed(n, value, new Slice(st, en, sp), input(n, 0));
    }

    private void split(Node n) {
        Shape in = shapeOf(input(n, 0));
        int rank = in.rank() + 1;
        int ax = sampleAxis(n, intAttr(n, "axis", 0), rank);
        int outs = n.outputs().size();
        long[] sizes = opset >= 13 ? optLongs(n, 1, "split") : intsAttr(n, "split", null);
        int dim = in.dim(ax);
        if (sizes == null) {
            long parts = opset >= 18 && n.attributes().containsKey("num_outputs") ? intAttr(n, "num_outputs", outs) : outs;
            long each = (dim + parts - 1) / parts;
            sizes = new long[outs];
            long left = dim;
            for (int i = 0; i < outs; i++) {
                sizes[i] = Math.min(each, left);
                left -= sizes[i];
            }
        }
        if (sizes.length != outs) {
            throw unsupported(where(n) + ": " + sizes.length + " split sizes for " + outs + " outputs");
        }
        long start = 0;
        long[] dims = fullDims(in);
        for (int i = 0; i < outs; i++) {
            long[][] b = OnnxFolding.sliceBounds(dims, new long[] {start}, new long[] {start + sizes[i]},
                    new long[] {ax + 1}, null);
            start += sizes[i];
            if (!n.outputs().get(i).isEmpty()) {
                slice(n, n.outputs().get(i), in, b);
            }
        }
        if (start != dim) {
            throw unsupported(where(n) + ": split sizes " + Arrays.toString(sizes) + " do not add up to " + dim);
        }
    }

    private void gather(Node n) {
        Shape in = shapeOf(input(n, 0));
        int ax = sampleAxis(n, intAttr(n, "axis", 0), in.rank() + 1);
        TensorData idx = constInput(n, 1, "indices");
        int len = in.dim(ax);
        int[] ids = new int[idx.floats().length];
        for (int i = 0; i < ids.length; i++) {
            long v = idx.isInteger() ? idx.longs()[i] : (long) idx.floats()[i];
            v = v < 0 ? v + len : v;
            if (v < 0 || v >= len) {
                throw unsupported(where(n) + ": index " + v + " outside axis of size " + len);
            }
            ids[i] = (int) v;
        }
        if (idx.dims().length == 0) {
            unary(n, new Take(ax, ids, true));
        } else if (idx.dims().length == 1) {
            unary(n, new Take(ax, ids, false));
        } else {
            String t = add(n, new Take(ax, ids, false), "_take", input(n, 0));
            int[] d = new int[in.rank() - 1 + idx.dims().length];
            int k = 0;
            for (int i = 0; i < ax; i++) {
                d[k++] = in.dim(i);
            }
            for (long v : idx.dims()) {
                d[k++] = (int) v;
            }
            for (int i = ax + 1; i < in.rank(); i++) {
                d[k++] = in.dim(i);
            }
            unaryFrom(n, new Reshape(Shape.of(d)), t);
        }
    }

    private void shapeOp(Node n) {
        long[] d = fullDims(shapeOf(input(n, 0)));
        TensorData fake = new TensorData("", OnnxModel.FLOAT, d, new float[0], null);
        if (n.opType().equals("Size")) {
            long c = 1;
            for (long v : d) {
                c *= v;
            }
            consts.put(n.outputs().get(0), TensorData.ofLongs(n.outputs().get(0), new long[] {c}));
            if (nominalBatch == SYMBOLIC_BATCH) {
                throw unsupported(where(n) + ": Size of a tensor with a symbolic batch axis");
            }
            return;
        }
        consts.put(n.outputs().get(0), OnnxFolding.shape(n, fake));
    }

    private void reduce(Node n) {
        Shape in = shapeOf(input(n, 0));
        int rank = in.rank() + 1;
        long[] axes;
        boolean axesInput = opset >= 18 || opset >= 13 && n.opType().equals("ReduceSum");
        axes = axesInput ? optLongs(n, 1, "axes") : intsAttr(n, "axes", null);
        if (axes == null || axes.length == 0) {
            if (intAttr(n, "noop_with_empty_axes", 0) != 0) {
                alias(n, n.inputs().get(0));
                return;
            }
            throw unsupported(where(n) + ": reduces every axis, the batch axis 0 too");
        }
        int[] a = new int[axes.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = sampleAxis(n, axes[i], rank);
        }
        Reduce.Op op = switch (n.opType()) {
            case "ReduceMean" -> Reduce.Op.MEAN;
            case "ReduceSum" -> Reduce.Op.SUM;
            case "ReduceMax" -> Reduce.Op.MAX;
            case "ReduceMin" -> Reduce.Op.MIN;
            case "ReduceL1" -> Reduce.Op.L1;
            case "ReduceL2" -> Reduce.Op.L2;
            case "ReduceSumSquare" -> Reduce.Op.SUM_SQUARE;
            default -> Reduce.Op.LOG_SUM_EXP;
        };
        boolean keep = intAttr(n, "keepdims", 1) != 0;
        if (!keep && a.length == in.rank()) {
            throw unsupported(where(n) + ": reduces every per-sample axis without keepdims (output [N])");
        }
        unary(n, new Reduce(op, a, keep));
    }

    // ---- helpers --------------------------------------------------------------------------------

    private void unary(Node n, Layer layer) {
        addNamed(n, n.outputs().get(0), layer, input(n, 0));
    }

    private void alias(Node n, String source) {
        if (consts.containsKey(source)) {
            consts.put(n.outputs().get(0), consts.get(source));
            traceParameter(n);
        } else {
            nodeOf.put(n.outputs().get(0), input(n, 0));
        }
    }

    /** Adds a layer for ONNX value {@code value}; its node (and layer) name comes from the ONNX node name. */
    private void addNamed(Node n, String value, Layer layer, String... from) {
        String base = n.name().isEmpty() ? value : n.name();
        String node = uniqueName(base);
        builder.add(node, layer, from);
        nodeOf.put(value, node);
    }

    private void unaryFrom(Node n, Layer layer, String from) {
        addNamed(n, n.outputs().get(0), layer, from);
    }

    private String add2(Node n, Layer layer, String suffix, String a, String b) {
        String node = uniqueName((n.name().isEmpty() ? n.outputs().get(0) : n.name()) + suffix);
        builder.add(node, layer, a, b);
        return node;
    }

    /** An auxiliary node (e.g. the pooling before a reshape); returns its name. */
    private String add(Node n, Layer layer, String suffix, String from) {
        String node = uniqueName((n.name().isEmpty() ? n.outputs().get(0) : n.name()) + suffix);
        builder.add(node, layer, from);
        return node;
    }

    private String uniqueName(String raw) {
        String base = sanitize(raw);
        String name = base;
        for (int k = 1; taken.contains(name); k++) {
            name = base + "_" + k;
        }
        taken.add(name);
        return name;
    }

    /** Our names may not hold '.' or '/', which ONNX exporters use freely ("/layer1/conv/Conv"). */
    static String sanitize(String raw) {
        String s = raw.replaceAll("[^A-Za-z0-9_\\-]", "_").replaceAll("^_+", "");
        return s.isEmpty() ? "node" : s;
    }

    private String input(Node n, int i) {
        if (i >= n.inputs().size() || n.inputs().get(i).isEmpty()) {
            throw unsupported(where(n) + ": input " + i + " is missing");
        }
        String v = n.inputs().get(i);
        String node = nodeOf.get(v);
        if (node == null) {
            if (consts.containsKey(v)) {
                throw unsupported(where(n) + ": input " + i + " ('" + v + "') is a constant where a computed tensor is"
                        + " needed");
            }
            throw unsupported(where(n) + ": input '" + v + "' is not defined before this node");
        }
        return node;
    }

    private Shape shapeOf(String node) {
        return builder.shapeOf(node);
    }

    private Shape requireImage(Node n) {
        Shape s = shapeOf(input(n, 0));
        if (s.rank() != 3) {
            throw unsupported(where(n) + ": only 2-D images [N, C, H, W], got per-sample " + s);
        }
        return s;
    }

    private TensorData constInput(Node n, int i, String role) {
        if (i >= n.inputs().size() || n.inputs().get(i).isEmpty()) {
            throw unsupported(where(n) + ": " + role + " (input " + i + ") is missing");
        }
        TensorData t = consts.get(n.inputs().get(i));
        if (t == null) {
            throw unsupported(where(n) + ": " + role + " ('" + n.inputs().get(i) + "') must be a constant"
                    + " (initializer or Constant), not computed");
        }
        return t;
    }

    /**
     * The integer values of a constant input (shapes, axes, pads, repeats); a floating-point constant there is
     * refused by name instead of being read as missing values (structure-aware fuzzing, issue 15: a Tile whose
     * repeats were rewired to a Gemm's float weight).
     */
    private long[] constLongs(Node n, int i, String role) {
        TensorData t = constInput(n, i, role);
        if (!t.isInteger()) {
            throw unsupported(where(n) + ": " + role + " ('" + n.inputs().get(i) + "') must be an integer tensor,"
                    + " not ONNX data type " + t.dataType());
        }
        return t.longs();
    }

    /** The optional outputs that inference exports leave unread, named as in the operator documentation. */
    private static final Map<String, String[]> SECONDARY_OUTPUTS = Map.of(
            "MaxPool", new String[] {"Y", "Indices (flat positions: an integer tensor, read only by MaxUnpool)"},
            "Dropout", new String[] {"output", "mask (a training-time boolean tensor)"},
            "BatchNormalization", new String[] {"Y", "running_mean", "running_var", "saved_mean", "saved_var"});

    private void onlyFirstOutputUsed(Node n) {
        for (int i = 1; i < n.outputs().size(); i++) {
            String o = n.outputs().get(i);
            if (o.isEmpty()) {
                continue;
            }
            String[] roles = SECONDARY_OUTPUTS.get(n.opType());
            String what = "output " + i + " ('" + o + "'"
                    + (roles != null && i < roles.length ? ", " + roles[i] : "") + ")";
            String why = n.opType().equals("BatchNormalization") ? "; only the inference form is imported"
                    : "; only the first output is supported";
            for (Node other : model.graph().nodes()) {
                if (other.inputs().contains(o)) {
                    throw unsupported(where(n) + ": " + what + " is used" + why);
                }
            }
            for (ValueInfo out : model.graph().outputs()) {
                if (out.name().equals(o)) {
                    throw unsupported(where(n) + ": " + what + " is a graph output" + why);
                }
            }
        }
    }

    private String where(Node n) {
        // a nameless node without outputs is named by its type alone (found by ReaderFuzzTest)
        String name = !n.name().isEmpty() ? n.name() : n.outputs().isEmpty() ? "" : n.outputs().get(0);
        return n.opType() + " node '" + name + "'";
    }

    private UnsupportedOnnxException unsupported(String problem) {
        return new UnsupportedOnnxException(what, List.of(problem));
    }

    private static long intAttr(Node n, String name, long fallback) {
        Attribute a = typed(n, name, Attribute.INT);
        return a == null ? fallback : a.i();
    }

    private static float floatAttr(Node n, String name, float fallback) {
        Attribute a = typed(n, name, Attribute.FLOAT);
        return a == null ? fallback : a.f();
    }

    private static long[] intsAttr(Node n, String name, long[] fallback) {
        Attribute a = typed(n, name, Attribute.INTS);
        return a == null ? fallback : a.ints();
    }

    private static float[] floatsAttr(Node n, String name) {
        Attribute a = typed(n, name, Attribute.FLOATS);
        return a == null ? null : a.floats();
    }

    private static String stringAttr(Node n, String name, String fallback) {
        Attribute a = typed(n, name, Attribute.STRING);
        return a == null ? fallback : a.string();
    }

    private static final String[] ATTRIBUTE_TYPES = {"UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH", "FLOATS",
        "INTS", "STRINGS", "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};

    /**
     * The attribute, or null if absent; one of another type (a group given as FLOAT, kernel_shape as INT) is refused
     * instead of read as 0 or []. UNDEFINED (0) is let through: very old exporters leave the type out.
     */
    private static Attribute typed(Node n, String name, int type) {
        Attribute a = n.attributes().get(name);
        if (a != null && a.type() != 0 && a.type() != type) {
            throw new IllegalArgumentException("attribute '" + name + "' is " + attributeType(a.type()) + ", expected "
                    + attributeType(type));
        }
        return a;
    }

    private static String attributeType(int type) {
        return type >= 0 && type < ATTRIBUTE_TYPES.length ? ATTRIBUTE_TYPES[type] : "type " + type;
    }

    /** Input names that are fed at run time (graph inputs without an initializer), in order. */
    public static List<String> runtimeInputs(Model model) {
        Set<String> inits = new HashSet<>();
        model.graph().initializers().forEach(t -> inits.add(t.name()));
        List<String> out = new ArrayList<>();
        for (ValueInfo v : model.graph().inputs()) {
            if (!inits.contains(v.name())) {
                out.add(v.name());
            }
        }
        return out;
    }

    static Map<String, Tensor> none() {
        return new LinkedHashMap<>();
    }
}
