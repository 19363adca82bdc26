package org.convnet4j.nn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.convnet4j.nn.OnnxForm.Export;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.ArgMax;
import org.convnet4j.nn.layers.Arithmetic;
import org.convnet4j.nn.layers.ArithmeticOp;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.AxisResize;
import org.convnet4j.nn.layers.AxisSoftmax;
import org.convnet4j.nn.layers.AxisTaps;
import org.convnet4j.nn.layers.BatchNorm;
import org.convnet4j.nn.layers.BatchNorm1d;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Clip;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.nn.layers.RbfOutput;
import org.convnet4j.nn.layers.ScaledTanh;
import org.convnet4j.nn.layers.TrainableSubsampling;
import org.convnet4j.nn.layers.WeightedSum;
import org.convnet4j.nn.layers.ConstantArithmetic;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.ConvTranspose2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.DilatedAvgPool2d;
import org.convnet4j.nn.layers.DilatedMaxPool2d;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.Elementwise;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.GlobalMaxPool2d;
import org.convnet4j.nn.layers.LRN;
import org.convnet4j.nn.layers.LayerNorm;
import org.convnet4j.nn.layers.LeakyReLU;
import org.convnet4j.nn.layers.LpPool2d;
import org.convnet4j.nn.layers.MatMul;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.PRelu;
import org.convnet4j.nn.layers.PadNd;
import org.convnet4j.nn.layers.Pool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.Reduce;
import org.convnet4j.nn.layers.Reshape;
import org.convnet4j.nn.layers.Sigmoid;
import org.convnet4j.nn.layers.Slice;
import org.convnet4j.nn.layers.Softmax;
import org.convnet4j.nn.layers.Take;
import org.convnet4j.nn.layers.Tanh;
import org.convnet4j.nn.layers.Transpose;
import org.convnet4j.nn.layers.ZeroPad2d;
import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * The ONNX export (opset 17, the exporter's) of the library's own layer types, attached to their {@link LayerType}s
 * in {@link LayerTypes}. Import of the standard operators stays in convnet4j-io's operator table (an operator may
 * become several layers, a folded constant or a typed-path node).
 */
final class BuiltinOnnxForms {
    private static final int OPSET = OnnxForm.OPSET;
    static final Map<String, OnnxForm<?>> FORMS = new LinkedHashMap<>();

    private BuiltinOnnxForms() {
    }

    private static <L extends Layer> void export(Class<L> type, BiConsumer<L, Export> export) {
        FORMS.put(type.getSimpleName(), (OnnxForm<L>) export::accept);
    }

    static {
        export(Elementwise.class, BuiltinOnnxForms::elementwise);
        export(Transpose.class, (l, o) -> {
            int[] p = l.perm();
            long[] perm = new long[p.length + 1];
            for (int i = 0; i < p.length; i++) {
                perm[i + 1] = p[i] + 1;
            }
            o.node("Transpose", o.inputs(), attrs("perm", perm));
        });
        export(Slice.class, (l, o) -> {
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
            o.node("Slice", List.of(o.inputs().get(0), o.longs("starts", st), o.longs("ends", en), o.longs("axes", axes),
                    o.longs("steps", sp)), Map.of());
        });
        export(Take.class, (l, o) -> {
            Map<String, Object> c = l.config();
            long[] idx = longs(c.get("indices"));
            boolean drop = (Boolean) c.get("drop_axis");
            String k = drop ? o.longScalar("indices", idx[0]) : o.longs("indices", idx);
            o.node("Gather", List.of(o.inputs().get(0), k), attrs("axis", ((Number) c.get("axis")).longValue() + 1));
        });
        export(Reduce.class, (r, o) -> {
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
            long keep = r.keepDims() ? 1 : 0;
            if (r.op() == Reduce.Op.SUM) { // axes became an input of ReduceSum at opset 13
                o.node(op, List.of(o.inputs().get(0), o.longs("axes", axes)), attrs("keepdims", keep));
            } else {
                o.node(op, o.inputs(), attrs("axes", axes, "keepdims", keep));
            }
        });
        export(LayerNorm.class, (n, o) -> {
            // a fixed identity affine (the normalisation inside an imported Group/InstanceNormalization) is written
            // as Constant nodes, so importing the file again keeps it fixed; otherwise initializers (learned)
            boolean fixed = !n.isTrainable() && allEqual(n.gamma().value(), 1f) && allEqual(n.beta().value(), 0f);
            String gamma = fixed ? o.constant("gamma", n.gamma().value()) : o.initializer("gamma", n.gamma().value());
            String beta = fixed ? o.constant("beta", n.beta().value()) : o.initializer("beta", n.beta().value());
            o.node("LayerNormalization", List.of(o.inputs().get(0), gamma, beta),
                    attrs("axis", (long) -n.normalizedAxes(), "epsilon", (float) n.eps()));
        });
        export(MatMul.class, (l, o) -> o.node("MatMul", o.inputs(), Map.of()));
        export(DilatedMaxPool2d.class, (p, o) -> {
            int[] k = p.kernel();
            int[] st = p.strides();
            int[] d = p.dilations();
            int[] pd = p.pads();
            o.node("MaxPool", o.inputs(), attrs("kernel_shape", k, "strides", st, "dilations", d, "pads", pd,
                    "ceil_mode", p.ceilMode() ? 1L : 0L));
        });
        export(DilatedAvgPool2d.class, BuiltinOnnxForms::dilatedAvgPool);
        export(PRelu.class, (l, o) -> {
            Tensor slope = l.slope().value();
            o.node("PRelu", List.of(o.inputs().get(0), o.initializer("slope", slope.reshape(slope.shape().prepend(1)))),
                    Map.of());
        });
        export(ArgMax.class, (l, o) -> {
            Map<String, Object> c = l.config();
            String index = o.value("_index");
            o.node("", 0, "ArgMax", "_index", o.inputs(), index, attrs("axis", ((Number) c.get("axis")).longValue() + 1,
                    "keepdims", (Boolean) c.get("keep_dims") ? 1L : 0L,
                    "select_last_index", (Boolean) c.get("select_last") ? 1L : 0L));
            // ONNX ArgMax yields int64; our layer yields the index as a float
            o.node("Cast", List.of(index), attrs("to", 1L)); // 1: FLOAT
        });
        export(AxisResize.class, (l, o) -> axisResize(l.axis(), l.matrix(o.inputShape(0).dim(l.axis())), o));
        export(AxisTaps.class, (l, o) -> axisResize(l.axis(), l.matrix(o.inputShape(0).dim(l.axis())), o));
        export(Conv2d.class, (c, o) -> {
            ConvParams p = c.convParams();
            if (p.padMode() != PadMode.ZERO) {
                throw unsupported(c, "pad mode " + p.padMode() + " (ONNX Conv pads with zeros)");
            }
            Shape w = c.kernel().shape();
            List<String> args = new java.util.ArrayList<>(List.of(o.inputs().get(0), o.initializer("kernel",
                    c.kernel().value())));
            if (c.bias() != null) {
                args.add(o.initializer("bias", c.bias().value()));
            }
            o.node("Conv", args, attrs("kernel_shape", new long[] {w.dim(2), w.dim(3)},
                    "strides", new long[] {p.strideH(), p.strideW()}, "dilations", new long[] {p.dilationH(), p.dilationW()},
                    "pads", pads(p.padding()), "group", (long) p.groups()));
        });
        export(ConvTranspose2d.class, (t, o) -> {
            ConvParams p = t.convParams();
            Shape w = t.kernel().shape();
            List<String> args = new java.util.ArrayList<>(List.of(o.inputs().get(0), o.initializer("kernel",
                    t.kernel().value())));
            if (t.bias() != null) {
                args.add(o.initializer("bias", t.bias().value()));
            }
            int[] op = t.outputPadding();
            o.node("ConvTranspose", args, attrs("kernel_shape", new long[] {w.dim(2), w.dim(3)},
                    "strides", new long[] {p.strideH(), p.strideW()}, "dilations", new long[] {p.dilationH(), p.dilationW()},
                    "pads", pads(p.padding()), "output_padding", new long[] {op[0], op[1]}, "group", (long) p.groups()));
        });
        export(MaxPool2d.class, BuiltinOnnxForms::pool2d);
        export(AvgPool2d.class, BuiltinOnnxForms::pool2d);
        export(LpPool2d.class, BuiltinOnnxForms::pool2d);
        export(GlobalAvgPool2d.class, (l, o) -> globalPool("GlobalAveragePool", o));
        export(GlobalMaxPool2d.class, (l, o) -> globalPool("GlobalMaxPool", o));
        export(Dense.class, (d, o) -> {
            if (d.isOverLastAxis()) {
                String w = o.initializer("kernel_t", d.kernel().value().transposed());
                if (d.bias() == null) {
                    o.node("MatMul", List.of(o.inputs().get(0), w), Map.of());
                } else {
                    String mm = o.value("_matmul");
                    o.node("", 0, "MatMul", "_matmul", List.of(o.inputs().get(0), w), mm, Map.of());
                    o.node("Add", List.of(mm, o.initializer("bias", d.bias().value())), Map.of());
                }
                return;
            }
            List<String> args = new java.util.ArrayList<>(List.of(o.inputs().get(0), o.initializer("kernel",
                    d.kernel().value())));
            if (d.bias() != null) {
                args.add(o.initializer("bias", d.bias().value()));
            }
            o.node("Gemm", args, attrs("transB", 1L));
        });
        export(Flatten.class, (l, o) -> o.node("Flatten", o.inputs(), attrs("axis", 1L)));
        export(ReLU.class, (l, o) -> o.node("Relu", o.inputs(), Map.of()));
        export(Sigmoid.class, (l, o) -> o.node("Sigmoid", o.inputs(), Map.of()));
        export(Tanh.class, (l, o) -> o.node("Tanh", o.inputs(), Map.of()));
        export(LeakyReLU.class, (l, o) -> o.node("LeakyRelu", o.inputs(), attrs("alpha", (float) l.alpha())));
        export(Softmax.class, (l, o) -> o.node("Softmax", o.inputs(), attrs("axis", -1L)));
        export(AxisSoftmax.class, (s, o) -> {
            Map<String, Object> cfg = s.config();
            int axis = ((Number) cfg.get("axis")).intValue();
            int end = ((Number) cfg.get("end_axis")).intValue();
            Shape in = o.inputShape(0);
            int last = end == -1 ? in.rank() : end;
            String op = s.isLog() ? "LogSoftmax" : "Softmax";
            if (last == axis + 1) {
                o.node(op, o.inputs(), attrs("axis", (long) axis + 1));
                return;
            }
            // several axes [axis, last) together (the form of opsets before 13, which flatten at axis): opset 13's
            // Softmax takes one axis, so the axes are reshaped into one, and back (0: the batch as the input has it)
            long[] flat = new long[axis + 2 + in.rank() - last];
            long[] back = new long[in.rank() + 1];
            long len = 1;
            for (int i = axis; i < last; i++) {
                len *= in.dim(i);
            }
            for (int i = 0; i < in.rank(); i++) {
                back[i + 1] = in.dim(i);
                if (i < axis) {
                    flat[i + 1] = in.dim(i);
                } else if (i >= last) {
                    flat[i + 1 - (last - axis) + 1] = in.dim(i);
                }
            }
            flat[axis + 1] = len;
            String flattened = node(o, "Reshape", "_flat", List.of(o.inputs().get(0), o.longs("flat_shape", flat)),
                    Map.of());
            String soft = node(o, op, "_softmax", List.of(flattened), attrs("axis", (long) axis + 1));
            o.node("Reshape", List.of(soft, o.longs("shape", back)), Map.of());
        });
        export(Dropout.class, (d, o) -> o.node("Dropout", List.of(o.inputs().get(0), o.scalar("ratio", (float) d.rate())),
                Map.of()));
        export(BatchNorm1d.class, BuiltinOnnxForms::batchNorm);
        export(BatchNorm2d.class, BuiltinOnnxForms::batchNorm);
        export(LRN.class, (l, o) -> {
            Map<String, Object> c = l.config();
            o.node("LRN", o.inputs(), attrs("size", ((Number) c.get("size")).longValue(),
                    "alpha", ((Number) c.get("alpha")).floatValue(), "beta", ((Number) c.get("beta")).floatValue(),
                    "bias", ((Number) c.get("k")).floatValue()));
        });
        export(ZeroPad2d.class, (z, o) -> {
            Padding p = z.padding();
            pad(o, new long[] {0, 0, p.top(), p.left(), 0, 0, p.bottom(), p.right()}, "constant", 0f);
        });
        export(PadNd.class, (p, o) -> {
            Map<String, Object> c = p.config();
            List<?> before = (List<?>) c.get("before");
            List<?> after = (List<?>) c.get("after");
            int r = before.size() + 1;
            long[] pads = new long[2 * r];
            for (int i = 1; i < r; i++) {
                pads[i] = ((Number) before.get(i - 1)).longValue();
                pads[r + i] = ((Number) after.get(i - 1)).longValue();
            }
            pad(o, pads, (String) c.get("mode"), ((Number) c.get("value")).floatValue());
        });
        export(Clip.class, (c, o) -> o.node("Clip", List.of(o.inputs().get(0), o.scalar("min", c.min()),
                o.scalar("max", c.max())), Map.of()));
        export(Reshape.class, (r, o) -> {
            long[] shape = new long[r.target().rank() + 1];
            shape[0] = -1;
            for (int i = 0; i < r.target().rank(); i++) {
                shape[i + 1] = r.target().dim(i);
            }
            o.node("Reshape", List.of(o.inputs().get(0), o.longs("shape", shape)), Map.of());
        });
        export(Add.class, (l, o) -> {
            List<String> in = o.inputs();
            String acc = in.get(0);
            for (int i = 1; i < in.size(); i++) {
                boolean last = i == in.size() - 1;
                String out = last ? o.output() : o.value("_sum" + i);
                o.node("", 0, "Add", last ? "" : "_sum" + i, List.of(acc, in.get(i)), out, Map.of());
                acc = out;
            }
        });
        export(Concat.class, (c, o) -> o.node("Concat", o.inputs(), attrs("axis", (long) c.axis() + 1)));
        export(Arithmetic.class, (a, o) -> o.node(opName(a.op().id()), o.inputs(), arithmeticAttributes(a.op())));
        // LeNet-5 (1998) and fusion layers
        export(ScaledTanh.class, (t, o) -> {
            // A tanh(S x): the constants are Constant nodes, so that importing the file keeps them fixed
            String scaled = o.value("_slope");
            o.node("", 0, "Mul", "_slope", List.of(o.inputs().get(0), o.constant("slope", one((float) t.slope()))),
                    scaled, Map.of());
            String th = o.value("_tanh");
            o.node("", 0, "Tanh", "_tanh", List.of(scaled), th, Map.of());
            o.node("Mul", List.of(th, o.constant("amplitude", one((float) t.amplitude()))), Map.of());
        });
        export(TrainableSubsampling.class, (t, o) -> {
            // weight[c] * (window sum) + bias[c]: the window sum is an average pool times k^2 (a Constant node; exact
            // for k = 2, a power of two), the coefficient and the bias per map are initializers (learned on import)
            int c = o.inputShape(0).dim(0);
            int k = t.size();
            String mean = o.value("_window_mean");
            o.node("", 0, "AveragePool", "_window_mean", List.of(o.inputs().get(0)), mean,
                    attrs("kernel_shape", new long[] {k, k}, "strides", new long[] {k, k}));
            String sum = o.value("_window_sum");
            o.node("", 0, "Mul", "_window_sum", List.of(mean, o.constant("window_area", one(k * k))), sum, Map.of());
            String scaled = o.value("_scaled");
            o.node("", 0, "Mul", "_scaled", List.of(sum, o.initializer("weight", t.weight().value().reshape(1, c, 1, 1))),
                    scaled, Map.of());
            o.node("Add", List.of(scaled, o.initializer("bias", t.bias().value().reshape(1, c, 1, 1))), Map.of());
        });
        FORMS.put(ConnectionTableOnnxForm.TYPE, new ConnectionTableOnnxForm()); // with its import
        export(RbfOutput.class, (r, o) -> {
            // -sum_j (x_j - w_ij)^2: x [N, 1, D] minus the centres [units, D], squared and summed over D, negated;
            // the paper's fixed codes (a buffer) are a Constant node, learnable centres an initializer
            Tensor centres = r.centres().value();
            String w = r.centres().isLearnable() ? o.initializer("centres", centres) : o.constant("centres", centres);
            String x3 = o.value("_unsqueeze");
            o.node("", 0, "Unsqueeze", "_unsqueeze", List.of(o.inputs().get(0), o.longs("axes", 1)), x3, Map.of());
            String diff = o.value("_diff");
            o.node("", 0, "Sub", "_diff", List.of(x3, w), diff, Map.of());
            String d2 = o.value("_distance");
            o.node("", 0, "ReduceSumSquare", "_distance", List.of(diff), d2, attrs("axes", new long[] {2},
                    "keepdims", 0L));
            o.node("Neg", List.of(d2), Map.of());
        });
        export(WeightedSum.class, (ws, o) -> {
            // w_0 x_0 + w_1 x_1 + ... added in the layer's order; each weight its own one-value initializer (learned)
            float[] w = ws.weights().value().data();
            List<String> in = o.inputs();
            String acc = null;
            for (int k = 0; k < in.size(); k++) {
                boolean last = k == in.size() - 1;
                String term = o.value("_term" + k);
                o.node("", 0, "Mul", "_term" + k, List.of(in.get(k), o.initializer("weight" + k, one(w[k]))), term,
                        Map.of());
                if (acc == null) {
                    acc = term;
                    continue;
                }
                String out = last ? o.output() : o.value("_sum" + k);
                o.node("", 0, "Add", last ? "" : "_sum" + k, List.of(acc, term), out, Map.of());
                acc = out;
            }
        });
        export(DecisionFusion.class, BuiltinOnnxForms::decisionFusion);
        export(ConstantArithmetic.class, (c, o) -> {
            Tensor value = c.constant().reshape(c.constant().shape().prepend(1));
            // an initializer is imported again as a learnable parameter, a Constant node as a fixed value
            String k = c.learnable() ? o.initializer("constant", value) : o.constant("constant", value);
            o.node(opName(c.op().id()), c.constantFirst() ? List.of(k, o.inputs().get(0)) : List.of(o.inputs().get(0), k),
                    arithmeticAttributes(c.op()));
        });
    }

    private static void elementwise(Elementwise l, Export o) {
        String x = o.inputs().get(0);
        String op = switch (l.fn()) {
            case EXP -> "Exp";
            case LOG -> "Log";
            case SQRT -> "Sqrt";
            case ABS -> "Abs";
            case NEG -> "Neg";
            case RECIPROCAL -> "Reciprocal";
            case FLOOR -> "Floor";
            case CEIL -> "Ceil";
            case ROUND -> "Round";
            case ERF -> "Erf";
            case HARD_SWISH -> "HardSwish";
            case SOFTPLUS -> "Softplus";
            case SIN -> "Sin";
            case COS -> "Cos";
            case SIGN -> "Sign";
            case IDENTITY -> "Identity";
            default -> null;
        };
        if (op != null) {
            o.node(op, List.of(x), Map.of());
            return;
        }
        float a = (float) l.alpha();
        float b = (float) l.beta();
        switch (l.fn()) {
            case HARD_SIGMOID -> o.node("HardSigmoid", List.of(x), attrs("alpha", a, "beta", b));
            case ELU -> o.node("Elu", List.of(x), attrs("alpha", a));
            case CELU -> o.node("Celu", List.of(x), attrs("alpha", a));
            case SELU -> o.node("Selu", List.of(x), attrs("alpha", a, "gamma", b));
            case POW -> o.node("Pow", List.of(x, o.scalar("exponent", a)), Map.of());
            case GELU -> {
                // Gelu is an operator from opset 20; the export writes opset 17: x * 0.5 * (1 + erf(x / sqrt 2)), as
                // torch exports it (the importer fuses the chain back into one layer)
                String d = o.value("_div");
                o.node("", 0, "Div", "_div", List.of(x, o.scalar("sqrt2", (float) Math.sqrt(2))), d, Map.of());
                String er = o.value("_erf");
                o.node("", 0, "Erf", "_erf", List.of(d), er, Map.of());
                String p1 = o.value("_add");
                o.node("", 0, "Add", "_add", List.of(er, o.scalar("one", 1f)), p1, Map.of());
                String m = o.value("_mul");
                o.node("", 0, "Mul", "_mul", List.of(x, p1), m, Map.of());
                o.node("Mul", List.of(m, o.scalar("half", 0.5f)), Map.of());
            }
            case GELU_TANH -> {
                // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))), in the order torch exports it
                String sq = o.value("_square");
                o.node("", 0, "Mul", "_square", List.of(x, x), sq, Map.of());
                String cube = o.value("_cube");
                o.node("", 0, "Mul", "_cube", List.of(x, sq), cube, Map.of());
                String kc = o.value("_kappa_cube");
                o.node("", 0, "Mul", "_kappa_cube", List.of(o.scalar("kappa", 0.044715f), cube), kc, Map.of());
                String sum = o.value("_sum");
                o.node("", 0, "Add", "_sum", List.of(x, kc), sum, Map.of());
                String inner = o.value("_inner");
                o.node("", 0, "Mul", "_inner", List.of(o.scalar("beta", (float) Math.sqrt(2 / Math.PI)), sum), inner,
                        Map.of());
                String th = o.value("_tanh");
                o.node("", 0, "Tanh", "_tanh", List.of(inner), th, Map.of());
                String p1 = o.value("_add");
                o.node("", 0, "Add", "_add", List.of(o.scalar("one", 1f), th), p1, Map.of());
                String m = o.value("_mul");
                o.node("", 0, "Mul", "_mul", List.of(x, p1), m, Map.of());
                o.node("Mul", List.of(o.scalar("half", 0.5f), m), Map.of());
            }
            case SILU -> {
                String sg = o.value("_sigmoid");
                o.node("", 0, "Sigmoid", "_sigmoid", List.of(x), sg, Map.of());
                o.node("Mul", List.of(x, sg), Map.of());
            }
            case MISH -> {
                // Mish is an operator from opset 18 (ONNX Runtime refuses it in an opset-17 file): x * tanh(softplus(x)),
                // as torch exports it below opset 18
                String sp = o.value("_softplus");
                o.node("", 0, "Softplus", "_softplus", List.of(x), sp, Map.of());
                String th = o.value("_tanh");
                o.node("", 0, "Tanh", "_tanh", List.of(sp), th, Map.of());
                o.node("Mul", List.of(x, th), Map.of());
            }
            default -> throw unsupported(l, "no ONNX opset " + OPSET + " operator for " + l.fn().id());
        }
    }

    /**
     * Late fusion: each member's softmax, combined as {@link DecisionFusion.Mode} says, the log of the result. The
     * fitted member weights and meta-classifier are Constant nodes (fitted on validation outputs, never learned).
     */
    private static void decisionFusion(DecisionFusion f, Export o) {
        List<String> in = o.inputs();
        int m = in.size();
        int k = o.inputShape(0).dim(0);
        List<String> p = new java.util.ArrayList<>();
        for (int j = 0; j < m; j++) {
            p.add(node(o, "Softmax", "_p" + j, List.of(in.get(j)), attrs("axis", 1L)));
        }
        switch (f.mode()) {
            case MEAN, WEIGHTED -> {
                float[] w = f.weights();
                double wsum = 0;
                for (int j = 0; j < m; j++) {
                    wsum += w == null ? 1 : w[j];
                }
                List<String> terms = new java.util.ArrayList<>();
                for (int j = 0; j < m; j++) {
                    float share = (float) ((w == null ? 1 : w[j]) / wsum);
                    terms.add(node(o, "Mul", "_share" + j, List.of(p.get(j), o.constant("share" + j, one(share))),
                            Map.of()));
                }
                logNormalised(o, node(o, "Sum", "_mixture", terms, Map.of()));
            }
            case MAX -> logNormalised(o, node(o, "Max", "_max", p, Map.of()));
            case PRODUCT -> {
                List<String> logs = new java.util.ArrayList<>();
                for (int j = 0; j < m; j++) {
                    String floored = node(o, "Clip", "_floor" + j, List.of(p.get(j), o.scalar("floor" + j,
                            (float) DecisionFusion.FLOOR), o.scalar("ceiling" + j, Float.MAX_VALUE)), Map.of());
                    logs.add(node(o, "Log", "_log" + j, List.of(floored), Map.of()));
                }
                String mean = node(o, "Mul", "_mean_log", List.of(node(o, "Sum", "_sum_log", logs, Map.of()),
                        o.constant("one_over_m", one(1f / m))), Map.of());
                o.node("LogSoftmax", List.of(mean), attrs("axis", 1L));
            }
            case VOTE -> {
                // a vote is 1 at the member's arg-max (the first of equal ones), worth 1000 more than the mean
                long[] classes = new long[k];
                for (int c = 0; c < k; c++) {
                    classes[c] = c;
                }
                String range = o.longs("classes", classes);
                List<String> votes = new java.util.ArrayList<>();
                for (int j = 0; j < m; j++) {
                    String best = node(o, "ArgMax", "_argmax" + j, List.of(p.get(j)), attrs("axis", 1L, "keepdims", 1L,
                            "select_last_index", 0L));
                    String hit = node(o, "Equal", "_vote" + j, List.of(best, range), Map.of());
                    votes.add(node(o, "Cast", "_vote_float" + j, List.of(hit), attrs("to", 1L)));
                }
                String counted = node(o, "Mul", "_votes", List.of(node(o, "Sum", "_vote_sum", votes, Map.of()),
                        o.constant("vote_unit", one(1000f))), Map.of());
                String mean = node(o, "Mul", "_mean", List.of(node(o, "Sum", "_p_sum", p, Map.of()),
                        o.constant("one_over_m", one(1f / m))), Map.of());
                logNormalised(o, node(o, "Add", "_score", List.of(counted, mean), Map.of()));
            }
            case STACK -> {
                List<org.convnet4j.nn.Parameter> meta = f.parameters();
                String joined = node(o, "Concat", "_concat", p, attrs("axis", 1L));
                String z = node(o, "Gemm", "_meta", List.of(joined, o.constant("meta_kernel", meta.get(0).value()),
                        o.constant("meta_bias", meta.get(1).value())), attrs("transB", 1L));
                o.node("LogSoftmax", List.of(z), attrs("axis", 1L));
            }
            default -> throw unsupported(f, "combination " + f.mode().id());
        }
    }

    /** log(max(v / sum(v), 1e-12)) per row, written to the layer's output. */
    private static void logNormalised(Export o, String v) {
        String total = node(o, "ReduceSum", "_total", List.of(v, o.longs("sum_axes", 1)), attrs("keepdims", 1L));
        String ratio = node(o, "Div", "_normalised", List.of(v, total), Map.of());
        String floored = node(o, "Clip", "_floored", List.of(ratio, o.scalar("floor", (float) DecisionFusion.FLOOR),
                o.scalar("ceiling", Float.MAX_VALUE)), Map.of());
        o.node("Log", List.of(floored), Map.of());
    }

    /** An intermediate node named and valued {@code name() + suffix}; returns its value. */
    private static String node(Export o, String op, String suffix, List<String> in, Map<String, Object> attributes) {
        String v = o.value(suffix);
        o.node("", 0, op, suffix, in, v, attributes);
        return v;
    }

    private static Tensor one(float v) {
        return Tensor.wrap(new float[] {v}, 1);
    }

    private static void pool2d(Pool2d pool, Export o) {
        PoolParams p = pool.poolParams();
        Map<String, Object> a = attrs("kernel_shape", new long[] {p.kh(), p.kw()},
                "strides", new long[] {p.strideH(), p.strideW()}, "pads", pads(p.padding()));
        String op;
        if (pool instanceof MaxPool2d) {
            op = "MaxPool";
        } else if (pool instanceof AvgPool2d) {
            op = "AveragePool";
            a.put("count_include_pad", p.countIncludePad() ? 1L : 0L);
        } else if (pool instanceof LpPool2d lp && lp.p() == Math.rint(lp.p())) {
            op = "LpPool";
            a.put("p", (long) lp.p());
        } else {
            throw unsupported(pool, "Lp pooling with a fractional p (ONNX LpPool takes an integer p)");
        }
        o.node(op, o.inputs(), a);
    }

    private static void globalPool(String op, Export o) {
        String pooled = o.value("_pool");
        o.node("", 0, op, "_pool", o.inputs(), pooled, Map.of());
        o.node("Flatten", List.of(pooled), attrs("axis", 1L));
    }

    private static void batchNorm(BatchNorm bn, Export o) {
        o.node("BatchNormalization", List.of(o.inputs().get(0), o.initializer("gamma", bn.gamma().value()),
                o.initializer("beta", bn.beta().value()), o.initializer("running_mean", bn.runningMean().value()),
                o.initializer("running_var", bn.runningVar().value())),
                attrs("epsilon", (float) bn.eps(), "momentum", (float) (1 - bn.momentum())));
    }

    /** A resize along one axis as a product with its interpolation matrix, the axis moved last and back. */
    private static void axisResize(int axis, float[][] m, Export o) {
        Shape in = o.inputShape(0);
        int len = in.dim(axis);
        int size = m.length;
        Tensor mt = Tensor.zeros(len, size);
        for (int j = 0; j < size; j++) {
            for (int i = 0; i < len; i++) {
                mt.data()[i * size + j] = m[j][i];
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
        String src = o.inputs().get(0);
        if (!last) {
            String moved = o.value("_to_last");
            o.node("", 0, "Transpose", "_to_last", List.of(src), moved, attrs("perm", perm));
            src = moved;
        }
        String w = o.initializer("interpolation", mt);
        if (last) {
            o.node("MatMul", List.of(src, w), Map.of());
        } else {
            String mm = o.value("_matmul");
            o.node("", 0, "MatMul", "_matmul", List.of(src, w), mm, Map.of());
            o.node("Transpose", List.of(mm), attrs("perm", perm));
        }
    }

    /**
     * Dilated average pooling at opset 17 (AveragePool has dilations from opset 19 only): a depthwise dilated Conv
     * with all-ones kernels (the window sums; extra bottom/right zero padding gives the ceil mode's last window)
     * times the fixed reciprocal divisor of every output position. Both are Constant nodes.
     */
    private static void dilatedAvgPool(DilatedAvgPool2d p, Export o) {
        Shape in = o.inputShape(0);
        int c = in.dim(0);
        int h = in.dim(1);
        int w = in.dim(2);
        int[] k = p.kernel();
        int[] st = p.strides();
        int[] d = p.dilations();
        int[] pd = p.pads();
        Shape out = p.outputShape(in);
        int[] extra = new int[2];
        int[] len = {h, w};
        for (int a = 0; a < 2; a++) {
            int span = (k[a] - 1) * d[a] + 1;
            extra[a] = Math.max(0, (out.dim(a + 1) - 1) * st[a] + span - (len[a] + pd[a] + pd[a + 2]));
        }
        String ones = o.constant("ones", Tensor.full(Shape.of(c, 1, k[0], k[1]), 1f));
        String sum = o.value("_sum");
        o.node("", 0, "Conv", "_sum", List.of(o.inputs().get(0), ones), sum, attrs("kernel_shape", k, "strides", st,
                "dilations", d, "pads", new int[] {pd[0], pd[1], pd[2] + extra[0], pd[3] + extra[1]}, "group", (long) c));
        String inv = o.constant("divisor", Tensor.wrap(p.reciprocalCounts(h, w), Shape.of(1, 1, out.dim(1), out.dim(2))));
        o.node("Mul", List.of(sum, inv), Map.of());
    }

    private static void pad(Export o, long[] pads, String mode, float value) {
        String p = o.longs("pads", pads);
        String v = o.scalar("value", value);
        o.node("Pad", List.of(o.inputs().get(0), p, v), attrs("mode", mode));
    }

    /** ONNX order: begin of each axis, then end of each axis. */
    private static long[] pads(Padding p) {
        return new long[] {p.top(), p.left(), p.bottom(), p.right()};
    }

    private static Map<String, Object> attrs(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    private static long[] longs(Object list) {
        return ((List<?>) list).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
    }

    /** Mod's fmod=1: C's fmod, what {@link ArithmeticOp#MOD} computes (ONNX's default fmod=0 is integer only). */
    private static Map<String, Object> arithmeticAttributes(ArithmeticOp op) {
        return op == ArithmeticOp.MOD ? attrs("fmod", 1L) : Map.of();
    }

    private static String opName(String id) {
        return Character.toUpperCase(id.charAt(0)) + id.substring(1);
    }

    private static boolean allEqual(Tensor t, float v) {
        for (float x : t.data()) {
            if (x != v) {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException unsupported(Layer l, String why) {
        return new IllegalArgumentException("ONNX export: " + l.describe() + ": " + why);
    }
}
