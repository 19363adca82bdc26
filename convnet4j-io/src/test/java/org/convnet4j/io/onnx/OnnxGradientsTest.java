package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.convnet4j.io.onnx.OnnxFolding.Arr;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Backward passes of the typed path (OnnxGradients) against central finite differences in double precision, per
 * operator, with a random weighting of every output element as the loss; and the whole of OnnxProgram's backward
 * (typed nodes into the float graph and its parameters) against finite differences of its float32 forward pass.
 * The per-operator checks take DOUBLE-typed values, which the typed path computes in double precision: FLOAT Conv,
 * MatMul and Gemm run in float32 on the engine's kernels (OnnxFloatRoute, checked against these double loops in
 * OnnxFloatRouteTest), too coarse for differences with a step of 1e-6.
 */
class OnnxGradientsTest {
    private final SplittableRandom rnd = new SplittableRandom(1616);

    private Arr random(long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble(-1.5, 1.5);
        }
        return new Arr(OnnxModel.DOUBLE, dims, v);
    }

    private static Arr ints(long[] values, long... dims) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        return new Arr(OnnxModel.INT64, dims, v);
    }

    private static Attribute i(String name, long v) {
        return new Attribute(name, Attribute.INT, 0, v, null, null, null, null, null);
    }

    private static Attribute is(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    private static Attribute f(String name, float v) {
        return new Attribute(name, Attribute.FLOAT, v, 0, null, null, null, null, null);
    }

    private static Node node(String op, int inputs, int outputs, Attribute... attrs) {
        Map<String, Attribute> m = new LinkedHashMap<>();
        for (Attribute a : attrs) {
            m.put(a.name(), a);
        }
        List<String> in = new ArrayList<>();
        for (int k = 0; k < inputs; k++) {
            in.add("in" + k);
        }
        List<String> out = new ArrayList<>();
        for (int k = 0; k < outputs; k++) {
            out.add("out" + k);
        }
        return new Node(op, op, "", in, out, m);
    }

    private static List<Arr> forward(Node n, List<Arr> in, long opset) {
        return OnnxFolding.multiOutput(n) ? OnnxFolding.evalMulti(n, in, opset).subList(0,
                n.outputs().size()) : List.of(OnnxFolding.eval(n, in, opset));
    }

    private static double loss(Node n, List<Arr> in, List<double[]> w, long opset) {
        List<Arr> ys = forward(n, in, opset);
        double l = 0;
        for (int o = 0; o < ys.size(); o++) {
            for (int k = 0; k < ys.get(o).v().length; k++) {
                l += w.get(o)[k] * ys.get(o).v()[k];
            }
        }
        return l;
    }

    /** Analytic input gradients of sum(w * y) against central differences, every element of every float input. */
    private void check(Node n, long opset, Arr... inputs) {
        List<Arr> in = new ArrayList<>(List.of(inputs));
        List<Arr> ys = forward(n, in, opset);
        List<double[]> w = new ArrayList<>();
        for (Arr y : ys) {
            w.add(random(y.dims()).v());
        }
        List<double[]> g = OnnxGradients.backward(n, in, w, opset);
        int checked = 0;
        for (int j = 0; j < in.size(); j++) {
            Arr a = in.get(j);
            if (a.integer()) {
                assertEquals(null, g.get(j), n.opType() + ": integer input " + j + " has no gradient");
                continue;
            }
            if ((n.opType().equals("Resize") || n.opType().equals("Upsample")) && j >= 1) {
                assertEquals(null, g.get(j), "Resize's roi, scales and sizes have no gradient");
                continue;
            }
            if (n.opType().equals("BatchNormalization") && j >= 3 && (!OnnxFolding.multiOutput(n)
                    || n.outputs().size() <= j - 2)) { // training form: only through its running_* outputs
                assertEquals(null, g.get(j), "the running mean and variance have no gradient");
                continue;
            }
            assertNotNull(g.get(j), n.opType() + ": input " + j);
            for (int k = 0; k < a.v().length; k++) {
                double keep = a.v()[k];
                double eps = 1e-6;
                a.v()[k] = keep + eps;
                double up = loss(n, in, w, opset);
                a.v()[k] = keep - eps;
                double down = loss(n, in, w, opset);
                a.v()[k] = keep;
                double numeric = (up - down) / (2 * eps);
                double analytic = g.get(j)[k];
                assertTrue(Math.abs(analytic - numeric) <= 1e-6 * Math.max(1, Math.abs(numeric)), n.opType()
                        + " input " + j + " element " + k + ": analytic " + analytic + ", finite differences " + numeric);
                checked++;
            }
        }
        assertTrue(checked > 0, n.opType());
    }

    @Test
    void movingOperators() {
        check(node("Transpose", 1, 1, is("perm", 2, 0, 1)), 13, random(2, 3, 4));
        check(node("Concat", 2, 1, i("axis", 0)), 13, random(2, 3), random(1, 3));
        check(node("Split", 2, 2, i("axis", 1)), 13, random(2, 5), ints(new long[] {2, 3}, 2));
        // repeated indices: their gradients add up
        check(node("Gather", 2, 1, i("axis", 1)), 13, random(2, 4, 3), ints(new long[] {3, 0, 3, -1}, 2, 2));
        check(node("Tile", 2, 1), 13, random(2, 3), ints(new long[] {2, 3}, 2));
        check(node("Slice", 5, 1), 13, random(4, 5), ints(new long[] {1, 4}, 2), ints(new long[] {4, 0}, 2),
                ints(new long[] {0, 1}, 2), ints(new long[] {2, -2}, 2));
        check(node("Expand", 2, 1), 13, random(3, 1), ints(new long[] {2, 3, 4}, 3));
        check(node("Reshape", 2, 1), 13, random(2, 6), ints(new long[] {3, -1}, 2));
        // Deliver 1's Squeeze and Unsqueeze (axes as an input from opset 13, an attribute before) and Flatten
        check(node("Squeeze", 2, 1), 13, random(2, 1, 3, 1), ints(new long[] {-1, 1}, 2));
        check(node("Squeeze", 1, 1, is("axes", 1)), 11, random(2, 1, 3));
        check(node("Unsqueeze", 2, 1), 13, random(2, 3), ints(new long[] {0, -1}, 2));
        check(node("Unsqueeze", 1, 1, is("axes", 1)), 11, random(2, 3));
        check(node("Flatten", 1, 1, i("axis", 2)), 13, random(2, 3, 2, 2));
        // Range of float start, limit and delta (5 values: the count is far from changing within the step)
        check(node("Range", 3, 1), 11, new Arr(OnnxModel.DOUBLE, new long[0], new double[] {0.5}),
                new Arr(OnnxModel.DOUBLE, new long[0], new double[] {3.9}),
                new Arr(OnnxModel.DOUBLE, new long[0], new double[] {0.8}));
        Arr cond = new Arr(OnnxModel.BOOL, new long[] {2, 3}, new double[] {1, 0, 0, 1, 1, 0});
        check(node("Where", 3, 1), 13, cond, random(2, 3), random(3));
    }

    @Test
    void matrixProducts() {
        check(node("MatMul", 2, 1), 13, random(2, 3, 4), random(4, 5)); // batch axes broadcast
        check(node("MatMul", 2, 1), 13, random(4), random(2, 4, 3)); // 1-D promoted
        check(node("MatMul", 2, 1), 13, random(2, 1, 3, 4), random(3, 4, 2));
        check(node("Gemm", 3, 1, i("transA", 1), i("transB", 1), f("alpha", 0.7f), f("beta", -1.3f)), 13,
                random(4, 3), random(5, 4), random(5));
        check(node("Gemm", 3, 1), 13, random(3, 4), random(4, 2), random(3, 1));
    }

    @Test
    void normalisingAndReducingOperators() {
        check(node("Softmax", 1, 1, i("axis", 0)), 13, random(3, 4));
        check(node("Softmax", 1, 1, i("axis", 1)), 11, random(2, 3, 4)); // opset < 13: the axes from 1 on
        check(node("LogSoftmax", 1, 1, i("axis", -1)), 13, random(2, 5));
        check(node("LayerNormalization", 3, 1, i("axis", 1)), 17, random(2, 3, 4), random(3, 4), random(4));
        // with its Mean and InvStdDev outputs in the loss too (their gradients were dropped before 2026-12-06), over
        // every axis (axis 0: the typed path's, as the node suite's test_layer_normalization_*_axis0 cases run it)
        check(node("LayerNormalization", 3, 3, i("axis", 0)), 17, random(3, 4), random(3, 4), random(3, 4));
        check(node("LayerNormalization", 2, 3, i("axis", -2)), 17, random(2, 3, 4), random(3, 4));
        for (String op : new String[] {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2",
            "ReduceSumSquare", "ReduceLogSumExp"}) {
            check(node(op, 1, 1, is("axes", 0, 2), i("keepdims", 0)), 13, random(2, 3, 4));
            check(node(op, 1, 1), 13, random(3, 2));
        }
        check(node("ReduceSum", 2, 1, i("keepdims", 1)), 13, random(2, 3, 4), ints(new long[] {1}, 1));
    }

    @Test
    void elementwiseOperators() {
        check(node("PRelu", 2, 1), 13, random(2, 3, 4), random(3, 1));
        check(node("Add", 2, 1), 13, random(2, 3), random(3));
        check(node("Sub", 2, 1), 13, random(2, 1), random(1, 3));
        check(node("Mul", 2, 1), 13, random(2, 3), random(2, 1));
        Arr away = random(3);
        for (int k = 0; k < 3; k++) {
            away.v()[k] += Math.copySign(1, away.v()[k]); // divisors away from 0
        }
        check(node("Div", 2, 1), 13, random(2, 3), away);
        Arr dividend = random(4, 3);
        for (int k = 0; k < dividend.v().length; k++) {
            dividend.v()[k] *= 4; // several periods of the divisors, both signs
        }
        check(node("Mod", 2, 1, i("fmod", 1)), 13, dividend, away); // d/db = -trunc(a / b), as PyTorch's fmod
        for (String op : new String[] {"Neg", "Abs", "Exp", "Relu", "Tanh", "Sigmoid", "Sin", "Cos"}) {
            check(node(op, 1, 1), 13, random(2, 3));
        }
        Arr positive = random(2, 3);
        for (int k = 0; k < 6; k++) {
            positive.v()[k] = Math.abs(positive.v()[k]) + 0.5;
        }
        for (String op : new String[] {"Sqrt", "Log", "Reciprocal"}) {
            check(node(op, 1, 1), 13, positive);
        }
    }

    private Arr positive(long... dims) {
        Arr a = random(dims);
        for (int k = 0; k < a.v().length; k++) {
            a.v()[k] = Math.abs(a.v()[k]) + 0.5;
        }
        return a;
    }

    private static Attribute s(String name, String v) {
        return new Attribute(name, Attribute.STRING, 0, 0, v.getBytes(java.nio.charset.StandardCharsets.UTF_8), null,
                null, null, null);
    }

    @Test
    void zeroGradientOperatorsCastPowAndVariadicOperators() {
        // integer and boolean results, step functions: zeros for the floating inputs (finite differences agree)
        check(node("ArgMax", 1, 1, i("axis", 1)), 13, random(2, 5));
        check(node("ArgMin", 1, 1, i("axis", 0), i("keepdims", 0)), 13, random(3, 2));
        for (String op : new String[] {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}) {
            check(node(op, 2, 1), 13, random(2, 3), random(3));
        }
        for (String op : new String[] {"Floor", "Ceil"}) {
            check(node(op, 1, 1), 13, random(2, 3)); // random values are never within 1e-6 of an integer here
        }
        Arr d = random(2, 3);
        check(node("Cast", 1, 1, i("to", OnnxModel.DOUBLE)), 13, new Arr(OnnxModel.FLOAT, d.dims(), d.v()));
        check(node("Cast", 1, 1, i("to", OnnxModel.DOUBLE)), 13, random(3, 2));
        check(node("Pow", 2, 1), 13, positive(2, 3), random(3));
        check(node("Pow", 2, 1), 15, positive(2, 1), random(1, 4));
        for (String op : new String[] {"Max", "Min", "Sum", "Mean"}) {
            check(node(op, 3, 1), 13, random(2, 3), random(3), random(2, 1));
            check(node(op, 1, 1), 13, random(4));
        }
    }

    @Test
    void windowOperatorsOverOneToThreeSpatialAxes() {
        check(node("Conv", 3, 1, is("pads", 1, 0, 1, 1, 0, 1), is("strides", 2, 1, 1), is("dilations", 1, 1, 2)), 13,
                random(2, 2, 3, 4, 5), random(3, 2, 2, 2, 2), random(3));
        check(node("Conv", 2, 1, i("group", 2), s("auto_pad", "SAME_UPPER")), 13, random(1, 4, 5), random(2, 2, 3));
        check(node("ConvTranspose", 3, 1, is("strides", 2, 1, 2), is("pads", 0, 1, 0, 1, 0, 0)), 13,
                random(1, 2, 2, 3, 2), random(2, 3, 2, 2, 3), random(3));
        check(node("MaxPool", 1, 1, is("kernel_shape", 2, 2, 2), is("strides", 1, 2, 1), is("pads", 0, 1, 0, 0, 1, 1)),
                13, random(2, 1, 3, 4, 4));
        check(node("MaxPool", 1, 1, is("kernel_shape", 3), is("dilations", 2)), 13, random(1, 2, 7));
        check(node("AveragePool", 1, 1, is("kernel_shape", 2, 3, 2), is("pads", 1, 1, 0, 0, 1, 1)), 13,
                random(1, 2, 3, 4, 3));
        check(node("AveragePool", 1, 1, is("kernel_shape", 2, 3, 2), is("pads", 1, 1, 0, 0, 1, 1),
                i("count_include_pad", 1), i("ceil_mode", 1), is("strides", 2, 2, 2)), 13, random(1, 2, 3, 4, 3));
        check(node("BatchNormalization", 5, 1, f("epsilon", 1e-3f)), 15, random(2, 3, 2, 2, 3), random(3), random(3),
                random(3), positive(3));
        // LpPool (typed since 2026-12-05): p 2 (default), 1 and 3, 1-D to 3-D, pads, strides, dilations, ceil mode
        check(node("LpPool", 1, 1, is("kernel_shape", 2, 2, 2), is("pads", 0, 1, 0, 1, 0, 1)), 13,
                random(1, 2, 3, 3, 4));
        check(node("LpPool", 1, 1, is("kernel_shape", 3), i("p", 3), is("strides", 2), i("ceil_mode", 1)), 18,
                random(2, 1, 8));
        check(node("LpPool", 1, 1, is("kernel_shape", 2, 2), i("p", 1), is("dilations", 2, 1)), 18,
                random(1, 2, 5, 4));
    }

    /**
     * BatchNormalization's training form (batch statistics; Y, running_mean and running_var all weighted in the loss,
     * and with Y alone) and MaxPool with its Indices output (Y's gradient to the first maximum of each window; the
     * integer Indices have none), 1-D to 3-D.
     */
    @Test
    void trainingBatchNormalizationAndMaxPoolWithIndices() {
        Attribute training = i("training_mode", 1);
        check(node("BatchNormalization", 5, 3, training, f("epsilon", 1e-3f), f("momentum", 0.8f)), 15,
                random(2, 3, 2, 3), random(3), random(3), random(3), positive(3));
        check(node("BatchNormalization", 5, 1, training), 15, random(3, 2, 4), random(2), random(2), random(2),
                positive(2));
        check(node("BatchNormalization", 5, 3, training), 15, random(2, 2, 2, 2, 3), random(2), random(2), random(2),
                positive(2));
        check(node("MaxPool", 1, 2, is("kernel_shape", 2, 2), is("strides", 1, 2), is("pads", 1, 0, 0, 1)), 12,
                random(2, 2, 4, 5));
        check(node("MaxPool", 1, 2, is("kernel_shape", 2, 2), i("storage_order", 1)), 12, random(1, 3, 4, 4));
        check(node("MaxPool", 1, 2, is("kernel_shape", 3), is("dilations", 2)), 12, random(2, 1, 7));
        check(node("MaxPool", 1, 2, is("kernel_shape", 2, 2, 2)), 12, random(1, 2, 3, 3, 4));
    }

    /**
     * TopK: the gradient of Values reaches the elements chosen (largest and smallest, every axis, K as an input and as
     * opset 1's attribute); the int64 K and Indices have none.
     */
    @Test
    void topKSendsTheGradientOfItsValuesToTheElementsChosen() {
        check(node("TopK", 2, 2), 13, random(3, 5), ints(new long[] {2}, 1));
        check(node("TopK", 2, 2, i("axis", 1), i("largest", 0)), 11, random(2, 4, 3), ints(new long[] {3}, 1));
        check(node("TopK", 2, 2, i("axis", -3)), 13, random(4, 2, 3), ints(new long[] {4}, 1));
        check(node("TopK", 1, 2, i("k", 1), i("axis", 0)), 1, random(3, 2));
    }

    @Test
    void operatorsWithoutABackwardPassAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxGradients.backward(
                node("ConstantOfShape", 1, 1), List.of(ints(new long[] {2, 3}, 2)), List.of(new double[6]), 13));
        assertTrue(e.getMessage().contains("ConstantOfShape has no backward pass"), e.getMessage());
    }

    private static Arr floats(double... v) {
        return new Arr(OnnxModel.FLOAT, new long[] {v.length}, v);
    }

    private static Arr scalar(double v) {
        return new Arr(OnnxModel.DOUBLE, new long[0], new double[] {v});
    }

    /** Resize (nearest, linear), Pad (constant, reflect, edge, cropping), Clip and Erf on the typed path. */
    @Test
    void resizePadClipAndErf() {
        Arr none = new Arr(OnnxModel.FLOAT, new long[] {0}, new double[0]);
        // nearest, every axis of the typed value may be resized (the batch axis too)
        check(node("Resize", 3, 1, s("mode", "nearest")), 13, random(2, 2, 3, 4), none, floats(1.5, 1, 2, 1.5));
        check(node("Resize", 3, 1, s("mode", "nearest"), s("coordinate_transformation_mode", "asymmetric"),
                s("nearest_mode", "ceil")), 13, random(1, 2, 5, 3), none, floats(1, 1, 0.6, 2));
        // linear: half_pixel with sizes, align_corners with scales, pytorch_half_pixel
        check(node("Resize", 4, 1, s("mode", "linear")), 13, random(1, 2, 3, 4), none, none,
                ints(new long[] {1, 2, 5, 7}, 4));
        check(node("Resize", 3, 1, s("mode", "linear"), s("coordinate_transformation_mode", "align_corners")), 13,
                random(2, 3, 4), none, floats(1.5, 1, 2));
        check(node("Resize", 3, 1, s("mode", "linear"), s("coordinate_transformation_mode", "pytorch_half_pixel")), 11,
                random(1, 1, 4, 5), none, floats(1, 1, 0.5, 1.6));
        check(node("Upsample", 2, 1, s("mode", "linear")), 9, random(1, 2, 3, 3), floats(1, 1, 2, 2));
        // tf_crop_and_resize: a roi partly outside the input, its positions filled (no gradient there)
        check(node("Resize", 3, 1, s("mode", "linear"), s("coordinate_transformation_mode", "tf_crop_and_resize")),
                13, random(1, 1, 4, 4), floats(0, 0, 0.2, -0.1, 1, 1, 0.9, 1.2), floats(1, 1, 1.5, 1.25));
        // pads: constant (its value a computed input here, so it has a gradient too), reflect, edge with cropping
        check(node("Pad", 3, 1), 13, random(2, 3), ints(new long[] {1, 0, 0, 2}, 4), scalar(0.25));
        check(node("Pad", 2, 1, s("mode", "reflect")), 13, random(2, 4), ints(new long[] {1, 2, 0, 3}, 4));
        check(node("Pad", 2, 1, s("mode", "edge")), 13, random(3, 4), ints(new long[] {0, -1, 2, 1}, 4));
        check(node("Pad", 1, 1, s("mode", "edge"), is("pads", 1, 0, 2, 2)), 2, random(2, 3));
        check(node("Pad", 4, 1, s("mode", "reflect")), 18, random(2, 3, 4), ints(new long[] {1, 2}, 2), none,
                ints(new long[] {-1}, 1));
        // Clip: bounds as inputs (their gradients as PyTorch's clamp gives them) and as attributes (opset 6)
        check(node("Clip", 3, 1), 13, random(3, 4), scalar(-0.7), scalar(0.8));
        check(node("Clip", 2, 1), 13, random(3, 4), scalar(-0.2));
        check(node("Clip", 1, 1, f("min", -0.5f), f("max", 0.5f)), 6, random(3, 4));
        check(node("Erf", 1, 1), 13, random(2, 5));
        // cubic: half_pixel with the default coefficient, align_corners, asymmetric with a = -0.5 and exclude_outside
        check(node("Resize", 3, 1, s("mode", "cubic")), 13, random(1, 2, 4, 3), none, floats(1, 1, 1.5, 2));
        check(node("Resize", 3, 1, s("mode", "cubic"), s("coordinate_transformation_mode", "align_corners")), 13,
                random(1, 1, 5, 4), none, floats(1, 1, 0.6, 1.75));
        check(node("Resize", 4, 1, s("mode", "cubic"), s("coordinate_transformation_mode", "asymmetric"),
                f("cubic_coeff_a", -0.5f), i("exclude_outside", 1)), 13, random(2, 3, 4), none, none,
                ints(new long[] {2, 5, 7}, 3));
        // opset 18: antialias (linear and cubic, downscaling and upscaling, the edge repeated or excluded) and
        // keep_aspect_ratio_policy on sizes with axes
        check(node("Resize", 4, 1, s("mode", "linear"), i("antialias", 1)), 18, random(1, 2, 7, 6), none, none,
                ints(new long[] {1, 2, 3, 8}, 4));
        check(node("Resize", 4, 1, s("mode", "cubic"), i("antialias", 1), f("cubic_coeff_a", -0.5f),
                i("exclude_outside", 1), is("axes", 2, 3)), 18, random(1, 2, 9, 4), none, none,
                ints(new long[] {4, 3}, 2));
        check(node("Resize", 4, 1, s("mode", "cubic"), i("antialias", 1), is("axes", 2)), 18, random(2, 1, 10, 2),
                none, none, ints(new long[] {3}, 1));
        check(node("Resize", 4, 1, s("mode", "linear"), s("keep_aspect_ratio_policy", "not_larger"),
                is("axes", 2, 3)), 18, random(1, 1, 6, 8), none, none, ints(new long[] {5, 7}, 2));
        check(node("Resize", 4, 1, s("mode", "nearest"), s("keep_aspect_ratio_policy", "not_smaller"),
                is("axes", 2, 3)), 18, random(1, 1, 6, 8), none, none, ints(new long[] {4, 2}, 2));
    }

    /**
     * Cubic Resize evaluated on the typed path (double precision, OnnxResampling) against every cubic case of the
     * libonnx-testdata node suite (the reference's outputs; rtol 1e-3, atol 1e-5 as the node runner).
     */
    @Test
    void cubicResizeOnTheTypedPathReproducesTheNodeSuite() throws Exception {
        int cases = 0;
        try (var dirs = java.nio.file.Files.list(OnnxNodeTests.ROOT)) {
            for (java.nio.file.Path dir : dirs.filter(d -> d.getFileName().toString().startsWith("test_resize_")
                    && d.getFileName().toString().contains("cubic")).sorted().toList()) {
                OnnxModel.Model m = OnnxReader.readModel(dir.resolve("model.onnx"));
                Node n = m.graph().nodes().get(0);
                Map<String, Arr> fed = new java.util.HashMap<>(); // input_K.pb is the graph's K-th input
                for (int k = 0; k < m.graph().inputs().size(); k++) {
                    fed.put(m.graph().inputs().get(k).name(), Arr.of(OnnxReader.readTensor(
                            dir.resolve("test_data_set_0/input_" + k + ".pb"))));
                }
                m.graph().initializers().forEach(t -> fed.putIfAbsent(t.name(), Arr.of(t)));
                List<Arr> in = new ArrayList<>();
                for (String v : n.inputs()) {
                    in.add(v.isEmpty() ? null : fed.get(v));
                }
                Arr y = OnnxFolding.eval(n, in, m.opsets().getOrDefault("", 13L));
                TensorData want = OnnxReader.readTensor(dir.resolve("test_data_set_0/output_0.pb"));
                assertEquals(java.util.Arrays.toString(want.dims()), java.util.Arrays.toString(y.dims()), dir.toString());
                for (int k = 0; k < y.v().length; k++) {
                    double w = want.value(k);
                    assertEquals(w, y.v()[k], 1e-5 + 1e-3 * Math.abs(w), dir.getFileName() + "[" + k + "]");
                }
                cases++;
            }
        }
        assertEquals(9, cases, "the node suite's cubic Resize cases");
    }

    /** The typed forward of the same operators against values worked out by hand. */
    @Test
    void resizePadAndClipForward() {
        Arr x = new Arr(OnnxModel.FLOAT, new long[] {1, 3}, new double[] {1, 2, 4});
        Arr none = new Arr(OnnxModel.FLOAT, new long[] {0}, new double[0]);
        // align_corners, 3 -> 5 (sizes): positions 0, .5, 1, 1.5, 2
        assertEquals(List.of(1.0, 1.5, 2.0, 3.0, 4.0), boxed(OnnxFolding.eval(node("Resize", 4, 1, s("mode", "linear"),
                s("coordinate_transformation_mode", "align_corners")), List.of(x, none, none,
                ints(new long[] {1, 5}, 2)), 13).v()));
        // a float scale of 5/3 is 1.6666666 in float32: floor(3 x 1.6666666) = 4 positions, as the reference makes
        assertEquals(4, OnnxFolding.eval(node("Resize", 3, 1, s("mode", "linear")), List.of(x, none,
                floats(1, 5.0 / 3)), 13).v().length);
        assertEquals(List.of(4.0, 2.0, 1.0, 2.0, 4.0, 2.0), boxed(OnnxFolding.eval(node("Pad", 2, 1,
                s("mode", "reflect")), List.of(x, ints(new long[] {0, 2, 0, 1}, 4)), 13).v()));
        assertEquals(List.of(2.0, 4.0, 9.0), boxed(OnnxFolding.eval(node("Pad", 3, 1), List.of(x,
                ints(new long[] {0, -1, 0, 1}, 4), scalar(9)), 13).v()));
        assertEquals(List.of(1.5, 2.0, 3.0), boxed(OnnxFolding.eval(node("Clip", 3, 1), List.of(x, scalar(1.5),
                scalar(3)), 13).v()));
    }

    private static List<Double> boxed(double[] v) {
        List<Double> out = new ArrayList<>();
        for (double d : v) {
            out.add(d);
        }
        return out;
    }

    /**
     * A program whose float graph (a Gemm with learned B) is followed by typed nodes across the batch axis
     * (Softmax along axis 0, a Transpose, ReduceSumSquare over everything): its backward against central
     * differences of its own float32 forward pass, for the input and for the float graph's weights.
     */
    @Test
    void programBackwardReachesTheFloatGraph() {
        float[] b = new float[3 * 4];
        for (int k = 0; k < b.length; k++) {
            b[k] = (float) rnd.nextDouble(-1, 1);
        }
        List<Node> nodes = List.of(
                new Node("g", "Gemm", "", List.of("x", "B"), List.of("h"), Map.of()),
                new Node("s", "Softmax", "", List.of("h"), List.of("p"), Map.of("axis", i("axis", 0))),
                new Node("t", "Transpose", "", List.of("p"), List.of("q"), Map.of("perm", is("perm", 1, 0))),
                new Node("r", "ReduceSumSquare", "", List.of("q"), List.of("y"), Map.of("keepdims", i("keepdims", 0))));
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 13L), "test", "", new OnnxModel.Graph("g", nodes,
                List.of(new TensorData("B", OnnxModel.FLOAT, new long[] {3, 4}, b, null)),
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {2, 3}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[0], true)), List.of()));
        OnnxProgram p = OnnxImporter.importProgram(m, "train");
        assertEquals(3, p.typedNodeCount(), p.toString());
        float[] x = new float[6];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) rnd.nextDouble(-1, 1);
        }
        TensorData in = new TensorData("x", OnnxModel.FLOAT, new long[] {2, 3}, x, null);
        p.forwardForTraining(List.of(in));
        List<Tensor> gx = p.backward(List.of(new TensorData("dy", OnnxModel.FLOAT, new long[0], new float[] {1}, null)));
        float eps = 1e-2f;
        for (int k = 0; k < x.length; k++) {
            float keep = x[k];
            x[k] = keep + eps;
            double up = p.run(List.of(in)).get(0).floats()[0];
            x[k] = keep - eps;
            double down = p.run(List.of(in)).get(0).floats()[0];
            x[k] = keep;
            double numeric = (up - down) / (2 * eps);
            assertEquals(numeric, gx.get(0).data()[k], 2e-3 + 1e-2 * Math.abs(numeric), "d y / d x[" + k + "]");
        }
        assertEquals(1, p.graph().namedParameters().size(), p.graph().namedParameters().keySet().toString());
        Parameter w = p.graph().namedParameters().values().iterator().next();
        float[] wv = w.value().data();
        float[] wg = w.grad().data().clone();
        double norm = 0;
        for (int k = 0; k < wv.length; k++) {
            float keep = wv[k];
            // each write announced (Parameter's contract): inference keeps the Dense's W^T packed between calls
            wv[k] = keep + eps;
            w.changed();
            double up = p.run(List.of(in)).get(0).floats()[0];
            wv[k] = keep - eps;
            w.changed();
            double down = p.run(List.of(in)).get(0).floats()[0];
            wv[k] = keep;
            w.changed();
            double numeric = (up - down) / (2 * eps);
            norm += numeric * numeric;
            assertEquals(numeric, wg[k], 2e-3 + 1e-2 * Math.abs(numeric), "d y / d W[" + k + "]");
        }
        assertTrue(norm > 1e-4, "the weights' gradient is not trivially zero: " + norm);
    }
}
