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
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.GlobalMaxPool2d;
import org.convnet4j.nn.layers.LRN;
import org.convnet4j.nn.layers.LeakyReLU;
import org.convnet4j.nn.layers.LpPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.PadNd;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.Reshape;
import org.convnet4j.nn.layers.Sigmoid;
import org.convnet4j.nn.layers.Tanh;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

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
    public static final int MIN_OPSET = 7;
    public static final int MAX_OPSET = 17;

    /** Operators this importer maps, with a one-line summary for the supported-op table. */
    public static final Map<String, String> SUPPORTED = supported();

    private static Map<String, String> supported() {
        Map<String, String> m = new TreeMap<>();
        m.put("Conv", "2-D; pads, strides, dilations, group, auto_pad");
        m.put("ConvTranspose", "2-D; pads, strides, dilations, group, output_padding, output_shape, auto_pad");
        m.put("MaxPool", "2-D; pads, strides, auto_pad, ceil_mode; no dilations, no Indices output");
        m.put("AveragePool", "2-D; pads, strides, auto_pad, ceil_mode, count_include_pad");
        m.put("LpPool", "2-D; p, pads, strides, auto_pad");
        m.put("GlobalAveragePool", "2-D");
        m.put("GlobalMaxPool", "2-D");
        m.put("BatchNormalization", "inference form (running statistics as buffers)");
        m.put("Relu", "");
        m.put("LeakyRelu", "");
        m.put("Sigmoid", "");
        m.put("Tanh", "");
        m.put("Softmax", "any axis but the batch axis");
        m.put("LogSoftmax", "any axis but the batch axis");
        m.put("Gemm", "A computed, B and C constant; transB, alpha, beta");
        m.put("MatMul", "[N, K] times a constant [K, M]");
        m.put("Add", "broadcasting; with a constant or two computed tensors of equal rank");
        m.put("Sub", "as Add");
        m.put("Mul", "as Add");
        m.put("Div", "as Add");
        m.put("Concat", "channel axis (1)");
        m.put("Flatten", "axis 1");
        m.put("Reshape", "constant shape keeping the batch axis");
        m.put("Dropout", "no mask output");
        m.put("LRN", "odd size");
        m.put("Pad", "constant, reflect, edge; constant pads, none on the batch axis");
        m.put("Clip", "constant bounds");
        m.put("Constant", "tensor, float(s), int(s) values");
        m.put("Identity", "");
        return java.util.Collections.unmodifiableMap(m);
    }

    private final Model model;
    private final String what;
    private final long opset;
    private final Map<String, TensorData> consts = new HashMap<>();
    private final Map<String, String> nodeOf = new HashMap<>(); // ONNX value name -> our graph node name
    private final Set<String> taken = new HashSet<>();
    private final Graph.Builder builder;
    private long nominalBatch = -1;

    private OnnxImporter(Model model, String what, Map<String, TensorData> boundInputs) {
        this.model = model;
        this.what = what;
        this.opset = model.defaultOpset();
        String name = sanitize(model.graph().name().isEmpty() ? "onnx_model" : model.graph().name());
        this.builder = Graph.builder(name);
        for (TensorData t : model.graph().initializers()) {
            consts.put(t.name(), t);
        }
        consts.putAll(boundInputs);
    }

    /** Imports the model; {@code what} names it in messages (e.g. the file). */
    public static Graph importModel(Model model, String what) {
        return importModel(model, what, Map.of());
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

    /** Operators and opsets this importer cannot map (empty if every node's type is supported). */
    public static List<String> check(Model model) {
        List<String> problems = new ArrayList<>();
        long opset = model.defaultOpset();
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            problems.add("opset " + opset + " (supported: " + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
        Map<String, Integer> missing = new TreeMap<>();
        for (Node n : model.graph().nodes()) {
            boolean ok = (n.domain().isEmpty() || n.domain().equals("ai.onnx")) && SUPPORTED.containsKey(n.opType());
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
        for (ValueInfo in : model.graph().inputs()) {
            if (consts.containsKey(in.name())) {
                continue; // IR < 4 lists initializers among the inputs too
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
                            + Arrays.toString(in.dims()));
                }
                sample[i] = (int) d;
            }
            if (nominalBatch == -1) {
                nominalBatch = in.dims()[0];
            }
            String node = uniqueName(in.name());
            builder.input(node, Shape.of(sample));
            nodeOf.put(in.name(), node);
        }
        for (Node n : model.graph().nodes()) {
            try {
                convert(n);
            } catch (UnsupportedOnnxException e) {
                throw e;
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw unsupported(where(n) + ": " + e.getMessage());
            }
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

    private void convert(Node n) {
        if (n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) {
            throw unsupported(where(n) + ": the node has no output");
        }
        switch (n.opType()) {
            case "Constant" -> {
                consts.put(n.outputs().get(0), constantValue(n));
                return;
            }
            case "Identity" -> {
                alias(n, n.inputs().get(0));
                return;
            }
            default -> {
            }
        }
        onlyFirstOutputUsed(n);
        switch (n.opType()) {
            case "Conv" -> conv(n);
            case "ConvTranspose" -> convTranspose(n);
            case "MaxPool", "AveragePool", "LpPool" -> pool(n);
            case "GlobalAveragePool", "GlobalMaxPool" -> {
                Shape s = requireImage(n);
                String g = add(n, n.opType().equals("GlobalMaxPool") ? new GlobalMaxPool2d() : new GlobalAvgPool2d(),
                        "_pool", input(n, 0));
                addNamed(n, n.outputs().get(0), new Reshape(Shape.of(s.dim(0), 1, 1)), g);
            }
            case "BatchNormalization" -> batchNorm(n);
            case "Relu" -> unary(n, new ReLU());
            case "Sigmoid" -> unary(n, new Sigmoid());
            case "Tanh" -> unary(n, new Tanh());
            case "LeakyRelu" -> unary(n, new LeakyReLU(floatAttr(n, "alpha", 0.01f)));
            case "Softmax", "LogSoftmax" -> softmax(n);
            case "Gemm" -> gemm(n);
            case "MatMul" -> matmul(n);
            case "Add" -> arithmetic(n, ArithmeticOp.ADD);
            case "Sub" -> arithmetic(n, ArithmeticOp.SUB);
            case "Mul" -> arithmetic(n, ArithmeticOp.MUL);
            case "Div" -> arithmetic(n, ArithmeticOp.DIV);
            case "Concat" -> concat(n);
            case "Flatten" -> flatten(n);
            case "Reshape" -> reshape(n);
            case "Dropout" -> dropout(n);
            case "LRN" -> {
                int size = (int) intAttr(n, "size", -1);
                if (size < 1 || size % 2 == 0) {
                    throw unsupported(where(n) + ": size " + size + " (only odd sizes centre the window)");
                }
                unary(n, new LRN(size, floatAttr(n, "alpha", 1e-4f), floatAttr(n, "beta", 0.75f),
                        floatAttr(n, "bias", 1f)));
            }
            case "Pad" -> pad(n);
            case "Clip" -> clip(n);
            default -> throw unsupported(where(n) + ": operator " + n.opType() + " is not supported");
        }
    }

    private void conv(Node n) {
        Shape in = requireImage(n);
        TensorData w = constInput(n, 1, "weights W");
        if (w.dims().length != 4) {
            throw unsupported(where(n) + ": only 2-D convolutions (4-D weights), got W " + Arrays.toString(w.dims()));
        }
        int m = (int) w.dims()[0];
        int kh = (int) w.dims()[2];
        int kw = (int) w.dims()[3];
        int group = (int) intAttr(n, "group", 1);
        long[] strides = intsAttr(n, "strides", new long[] {1, 1});
        long[] dil = intsAttr(n, "dilations", new long[] {1, 1});
        Padding pad = padding(n, in, kh, kw, strides, dil);
        TensorData b = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? constInput(n, 2, "bias B") : null;
        Conv2d conv = new Conv2d(m, kh, kw).stride((int) strides[0], (int) strides[1])
                .dilation((int) dil[0], (int) dil[1]).padding(PaddingSpec.explicit(pad)).groups(group)
                .useBias(b != null);
        addNamed(n, n.outputs().get(0), conv, input(n, 0));
        conv.kernel().load(w.toTensor());
        if (b != null) {
            conv.bias().load(b.toTensor().reshape(m));
        }
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
        layer.kernel().load(w.toTensor());
        if (b != null) {
            layer.bias().load(b.toTensor().reshape(m));
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
                return new Padding((int) p[0], (int) p[2], (int) p[1], (int) p[3]);
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
        Shape in = requireImage(n);
        long[] k = intsAttr(n, "kernel_shape", null);
        if (k == null || k.length != 2) {
            throw unsupported(where(n) + ": only 2-D pooling (kernel_shape of 2 entries)");
        }
        long[] dil = intsAttr(n, "dilations", new long[] {1, 1});
        if (dil.length != 2 || dil[0] != 1 || dil[1] != 1) {
            throw unsupported(where(n) + ": dilated pooling " + Arrays.toString(dil));
        }
        if (intAttr(n, "storage_order", 0) != 0) {
            throw unsupported(where(n) + ": storage_order 1");
        }
        long[] strides = intsAttr(n, "strides", new long[] {1, 1});
        int kh = (int) k[0];
        int kw = (int) k[1];
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
        int sh = (int) strides[0];
        int sw = (int) strides[1];
        Layer layer = switch (n.opType()) {
            case "MaxPool" -> new MaxPool2d(kh, kw).stride(sh, sw).padding(spec);
            case "AveragePool" -> new AvgPool2d(kh, kw).stride(sh, sw).padding(spec).countIncludePad(includePad);
            default -> new LpPool2d(intAttr(n, "p", 2), kh, kw).stride(sh, sw).padding(spec);
        };
        addNamed(n, n.outputs().get(0), layer, input(n, 0));
    }

    private static int ceilExtra(int padded, int k, int s) {
        int floorOut = (padded - k) / s + 1;
        int ceilOut = (padded - k + s - 1) / s + 1;
        // PyTorch and the ONNX reference drop a last window that would start in the end padding only
        return ceilOut > floorOut ? (ceilOut - 1) * s + k - padded : 0;
    }

    private void batchNorm(Node n) {
        if (intAttr(n, "training_mode", 0) != 0) {
            throw unsupported(where(n) + ": training_mode 1 (only the inference form is imported)");
        }
        Shape in = shapeOf(input(n, 0));
        BatchNorm bn = in.rank() == 3 ? new BatchNorm2d() : new BatchNorm1d();
        // ONNX momentum weights the running value; ours (PyTorch's) weights the batch statistic
        bn.momentum(1 - floatAttr(n, "momentum", 0.9f)).eps(floatAttr(n, "epsilon", 1e-5f));
        addNamed(n, n.outputs().get(0), bn, input(n, 0));
        int c = in.dim(0);
        bn.gamma().load(constInput(n, 1, "scale").toTensor().reshape(c));
        bn.beta().load(constInput(n, 2, "B").toTensor().reshape(c));
        bn.runningMean().load(constInput(n, 3, "mean").toTensor().reshape(c));
        bn.runningVar().load(constInput(n, 4, "var").toTensor().reshape(c));
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
        Tensor kernel = transB ? b.toTensor() : transpose(b.toTensor());
        int units = kernel.dim(0);
        scale(kernel, alpha);
        Tensor bias = null;
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
        dense(n, kernel, bias);
    }

    private void matmul(Node n) {
        Shape in = shapeOf(input(n, 0));
        if (in.rank() != 1) {
            throw unsupported(where(n) + ": only [N, K] times a constant [K, M], got per-sample A " + in);
        }
        TensorData b = constInput(n, 1, "B");
        if (b.dims().length != 2) {
            throw unsupported(where(n) + ": B must be a 2-D constant, got " + Arrays.toString(b.dims()));
        }
        dense(n, transpose(b.toTensor()), null);
    }

    private void dense(Node n, Tensor kernel, Tensor bias) {
        Dense d = new Dense(kernel.dim(0), bias != null);
        addNamed(n, n.outputs().get(0), d, input(n, 0));
        d.kernel().load(kernel);
        if (bias != null) {
            d.bias().load(bias);
        }
    }

    private void arithmetic(Node n, ArithmeticOp op) {
        String a = n.inputs().get(0);
        String b = n.inputs().get(1);
        boolean ca = consts.containsKey(a);
        boolean cb = consts.containsKey(b);
        if (ca && cb) {
            throw unsupported(where(n) + ": both operands are constants (constant folding is not implemented)");
        }
        if (!ca && !cb) {
            Shape sa = shapeOf(input(n, 0));
            Shape sb = shapeOf(input(n, 1));
            if (sa.rank() != sb.rank()) {
                throw unsupported(where(n) + ": computed operands of different ranks " + sa + " and " + sb);
            }
            addNamed(n, n.outputs().get(0), new Arithmetic(op), input(n, 0), input(n, 1));
            return;
        }
        int runtime = ca ? 1 : 0;
        Shape s = shapeOf(input(n, runtime));
        TensorData c = consts.get(ca ? a : b);
        int rank = s.rank() + 1;
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
        addNamed(n, n.outputs().get(0), new ConstantArithmetic(op, value, ca), input(n, runtime));
    }

    private void concat(Node n) {
        List<String> from = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            from.add(input(n, i));
        }
        int rank = shapeOf(from.get(0)).rank() + 1;
        long axis = intAttr(n, "axis", 1);
        long a = axis < 0 ? axis + rank : axis;
        if (a != 1) {
            throw unsupported(where(n) + ": axis " + axis + " of rank " + rank + " (only the channel axis 1)");
        }
        addNamed(n, n.outputs().get(0), new Concat(), from.toArray(new String[0]));
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
        TensorData t = constInput(n, 1, "shape");
        if (!t.isInteger()) {
            throw unsupported(where(n) + ": shape must be an integer tensor");
        }
        long[] target = t.longs();
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
            pads = intsAttr(n, "pads", null);
            value = floatAttr(n, "value", 0f);
        } else {
            pads = constInput(n, 1, "pads").longs();
            value = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? constInput(n, 2, "constant_value").floats()[0]
                    : 0f;
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
            return new TensorData(out, t.dataType(), t.dims(), t.floats(), t.longs());
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

    // ---- helpers --------------------------------------------------------------------------------

    private void unary(Node n, Layer layer) {
        addNamed(n, n.outputs().get(0), layer, input(n, 0));
    }

    private void alias(Node n, String source) {
        if (consts.containsKey(source)) {
            consts.put(n.outputs().get(0), consts.get(source));
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

    private void onlyFirstOutputUsed(Node n) {
        for (int i = 1; i < n.outputs().size(); i++) {
            String o = n.outputs().get(i);
            if (o.isEmpty()) {
                continue;
            }
            for (Node other : model.graph().nodes()) {
                if (other.inputs().contains(o)) {
                    throw unsupported(where(n) + ": output " + i + " ('" + o + "') is used");
                }
            }
            for (ValueInfo out : model.graph().outputs()) {
                if (out.name().equals(o)) {
                    throw unsupported(where(n) + ": output " + i + " ('" + o + "') is a graph output");
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
        Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.i();
    }

    private static float floatAttr(Node n, String name, float fallback) {
        Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.f();
    }

    private static long[] intsAttr(Node n, String name, long[] fallback) {
        Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.ints();
    }

    private static String stringAttr(Node n, String name, String fallback) {
        Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.string();
    }

    static Tensor transpose(Tensor m) {
        int r = m.dim(0);
        int c = m.dim(1);
        Tensor t = Tensor.zeros(c, r);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                t.data()[j * r + i] = m.data()[i * c + j];
            }
        }
        return t;
    }

    private static void scale(Tensor t, float s) {
        if (s != 1f) {
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) {
                d[i] *= s;
            }
        }
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
