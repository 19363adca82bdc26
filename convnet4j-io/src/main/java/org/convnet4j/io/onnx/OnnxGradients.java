package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.convnet4j.io.onnx.OnnxFolding.Arr;
import org.convnet4j.io.onnx.OnnxModel.Node;

/**
 * Backward passes of the typed path's float-valued operators (double precision), so that gradients reach the float
 * graph before them: given a node's inputs and the gradients of its outputs, the gradients of its floating-point
 * inputs (null for integer and boolean inputs, which have none).
 *
 * <p>Operators that only move values (Transpose, Concat, Split, Gather, Tile, Slice, Expand, Reshape, Flatten,
 * Squeeze, Unsqueeze, Identity, Where) are differentiated by running the node on the indices of its inputs' elements:
 * each output element then holds the index of the input element it came from, and the gradient is scattered back
 * along those indices. The others have their derivatives written out: MatMul, Gemm, Softmax, LogSoftmax,
 * LayerNormalization (Y; X, scale and B), the Reduce* family, PRelu, Add, Sub, Mul, Div, Pow, variadic Max, Min,
 * Sum and Mean, TopK (Values back to the elements chosen), a float-to-float Cast (passed through), the window
 * operators over any number of spatial axes (Conv, ConvTranspose, MaxPool, AveragePool, inference
 * BatchNormalization: {@link OnnxWindows#backward}) and the element-wise Neg, Abs, Sqrt, Exp, Log, Reciprocal, Relu,
 * Tanh, Sigmoid, Sin, Cos. ArgMax, ArgMin, the comparisons, Floor, Ceil, Round and Sign give zeros ({@link #ZERO}).
 */
final class OnnxGradients {
    /**
     * Operators whose gradient is zero wherever it exists (integer and boolean results, step functions): their
     * floating inputs get zeros, as in PyTorch.
     */
    static final Set<String> ZERO = Set.of("ArgMax", "ArgMin", "Equal", "Less", "Greater", "LessOrEqual",
            "GreaterOrEqual", "Floor", "Ceil", "Round", "Sign");

    /** Operators with a backward pass here. */
    static final Set<String> DIFFERENTIABLE = union(ZERO, OnnxWindows.OPS, Set.of("Cast", "Pow", "Max", "Min", "Sum",
            "Mean"), Set.of("Identity", "Transpose", "Concat", "Split", "Gather", "Tile",
            "Slice", "Expand", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Where", "MatMul", "Gemm", "Softmax",
            "LogSoftmax", "LayerNormalization", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL1",
            "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp", "PRelu", "Add", "Sub", "Mul", "Div", "Mod", "Neg", "Abs", "Sqrt",
            "Exp", "Log", "Reciprocal", "Relu", "Tanh", "Sigmoid", "Sin", "Cos"),
            Set.of("Resize", "Upsample", "Pad", "Clip", "Erf", "Range", "TopK"));

    /** Operators whose inputs after the data are settings (sizes, pads, bounds): not learned even when float. */
    private static final Set<String> DATA_ONLY = Set.of("Resize", "Upsample", "Pad", "Clip");

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        java.util.Set<String> all = new java.util.HashSet<>();
        for (Set<String> s : sets) {
            all.addAll(s);
        }
        return Set.copyOf(all);
    }

    /**
     * Whether a model parameter (a float initializer) read by operator {@code op} at input {@code slot} is learned on
     * the typed path: where the backward pass gives it a gradient (not a BatchNormalization's running mean and
     * variance, not the inputs of operators whose gradient is zero).
     */
    static boolean learnable(String op, int slot) {
        return DIFFERENTIABLE.contains(op) && !ZERO.contains(op) && !op.equals("Cast")
                && !(op.equals("BatchNormalization") && slot >= 3) && !(DATA_ONLY.contains(op) && slot >= 1);
    }

    private static final Set<String> UNARY = Set.of("Neg", "Abs", "Sqrt", "Exp", "Log", "Reciprocal", "Relu", "Tanh",
            "Sigmoid", "Sin", "Cos");

    private static final Set<String> MOVES = Set.of("Identity", "Transpose", "Concat", "Split", "Gather", "Tile",
            "Slice", "Expand", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Where");

    private OnnxGradients() {
    }

    private static boolean differentiable(Arr a) {
        return a != null && !a.integer();
    }

    /**
     * Gradients of node {@code n}'s inputs {@code in} from those of its outputs ({@code gradOut}, one per output,
     * null where an output does not reach the loss). Entries of the result are null for inputs without one.
     */
    static List<double[]> backward(Node n, List<Arr> in, List<double[]> gradOut, long opset) {
        String op = n.opType();
        if (OnnxMl.isMl(n)) {
            throw new IllegalArgumentException(OnnxMl.DOMAIN + "." + op + " has no backward pass: the ONNX-ML"
                    + " classifiers are for inference (trees and SVMs are not trained by gradient in any reference"
                    + " framework); freeze the part of the model that leads to it, or train a Dense head");
        }
        if (!DIFFERENTIABLE.contains(op)) {
            throw new IllegalArgumentException(op + " has no backward pass on the typed path");
        }
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            out.add(null);
        }
        if (MOVES.contains(op)) {
            moves(n, in, gradOut, opset, out);
            return out;
        }
        if (ZERO.contains(op)) {
            for (int i = 0; i < in.size(); i++) {
                out.set(i, differentiable(in.get(i)) ? new double[in.get(i).v().length] : null);
            }
            return out;
        }
        if (op.equals("BatchNormalization") && OnnxFolding.multiOutput(n)) {
            // the training form: Y and the running statistics' outputs all depend on X
            OnnxWindows.batchNormTrainingBackward(n, in, gradOut, out);
            return nullsForIntegers(in, out);
        }
        if (op.equals("LayerNormalization")) {
            // its Mean and InvStdDev outputs depend on X too: a loss may read them without Y
            layerNorm(n, in, gradOut, out);
            return nullsForIntegers(in, out);
        }
        if (op.equals("TopK") && gradOut.get(0) != null) {
            // Values are elements of X (its int64 Indices have no gradient): each goes back to the element it is
            out.set(0, topK(n, in.get(0), OnnxFolding.evalMulti(n, in, opset).get(1), gradOut.get(0)));
            return nullsForIntegers(in, out);
        }
        double[] g = gradOut.get(0);
        if (g == null) {
            return out;
        }
        // the window operators' backward passes need no forward result: not computed again for them
        Arr y = OnnxWindows.OPS.contains(op) ? null : OnnxFolding.multiOutput(n) ? OnnxFolding.evalMulti(n, in, opset)
                .get(0) : OnnxFolding.eval(n, in, opset);
        switch (op) {
            case "MatMul" -> matmul(in.get(0), in.get(1), g, y.dims(), out, 0, 1, 1);
            case "Gemm" -> gemm(n, in, g, y, out);
            case "Softmax", "LogSoftmax" -> out.set(0, softmax(n, in.get(0), y, g, opset));
            case "PRelu" -> {
                Arr x = in.get(0);
                Arr s = in.get(1);
                int[] mx = OnnxFolding.readMap(x.dims(), y.dims());
                int[] ms = OnnxFolding.readMap(s.dims(), y.dims());
                double[] gx = new double[x.v().length];
                double[] gs = new double[s.v().length];
                for (int k = 0; k < g.length; k++) {
                    double xv = x.v()[mx[k]];
                    gx[mx[k]] += xv < 0 ? g[k] * s.v()[ms[k]] : g[k];
                    gs[ms[k]] += xv < 0 ? g[k] * xv : 0;
                }
                out.set(0, gx);
                out.set(1, differentiable(s) ? gs : null);
            }
            case "Add", "Sub", "Mul", "Div", "Mod" -> arithmetic(op, in, y, g, out);
            // a float-to-float Cast passes the gradient through (its rounding has derivative 1 almost everywhere)
            case "Cast" -> out.set(0, y.integer() ? new double[in.get(0).v().length] : g.clone());
            case "Pow" -> pow(in.get(0), in.get(1), y, g, out);
            case "Max", "Min", "Sum", "Mean" -> variadic(op, in, y, g, out);
            case "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "BatchNormalization" ->
                    OnnxWindows.backward(n, in, g, out);
            case "Neg", "Abs", "Sqrt", "Exp", "Log", "Reciprocal", "Relu", "Tanh", "Sigmoid", "Sin", "Cos" ->
                    out.set(0, unary(op, in.get(0), y, g));
            case "Erf" -> out.set(0, OnnxResampling.erfBackward(in.get(0), g));
            case "Range" -> {
                // y[k] = start + k delta: d/dstart = sum g, d/ddelta = sum k g; the count, a step function of limit,
                // has derivative 0 almost everywhere
                double sum = 0;
                double weighted = 0;
                for (int k = 0; k < g.length; k++) {
                    sum += g[k];
                    weighted += k * g[k];
                }
                out.set(0, new double[] {sum});
                out.set(1, new double[] {0});
                out.set(2, new double[] {weighted});
            }
            case "Resize", "Upsample" -> out.set(0, OnnxResampling.resizeBackward(n, in, g, opset));
            case "Pad" -> OnnxResampling.padBackward(n, in, g, opset, out);
            case "Clip" -> OnnxResampling.clipBackward(n, in, g, opset, out);
            default -> out.set(0, reduce(n, in, y, g, opset));
        }
        return nullsForIntegers(in, out);
    }

    private static List<double[]> nullsForIntegers(List<Arr> in, List<double[]> out) {
        for (int i = 0; i < in.size(); i++) {
            if (!differentiable(in.get(i))) {
                out.set(i, null);
            }
        }
        return out;
    }

    /** dX = f'(x) dY for the element-wise functions (at 0, Abs and Relu take the derivative from the right). */
    private static double[] unary(String op, Arr x, Arr y, double[] g) {
        double[] gx = new double[g.length];
        for (int k = 0; k < g.length; k++) {
            double v = x.v()[k];
            double r = y.v()[k];
            gx[k] = g[k] * switch (op) {
                case "Neg" -> -1;
                case "Abs" -> v < 0 ? -1 : 1;
                case "Sqrt" -> 0.5 / r;
                case "Exp" -> r;
                case "Log" -> 1 / v;
                case "Reciprocal" -> -r * r;
                case "Relu" -> v > 0 ? 1 : 0;
                case "Tanh" -> 1 - r * r;
                case "Sigmoid" -> r * (1 - r);
                case "Sin" -> Math.cos(v);
                default -> -Math.sin(v); // Cos
            };
        }
        return gx;
    }

    /**
     * TopK's dX: the gradient of each Values element added to the X element its index names along the axis (the index
     * trick of {@link #moves} cannot serve: which elements TopK picks depends on their values). Elsewhere zero.
     */
    private static double[] topK(Node n, Arr x, Arr indices, double[] g) {
        int ax = (int) OnnxFolding.axis(OnnxFolding.ints(n, "axis", -1), x.rank());
        long len = x.dims()[ax];
        long k = indices.dims()[ax];
        long inner = 1;
        for (int i = ax + 1; i < x.rank(); i++) {
            inner *= x.dims()[i];
        }
        double[] gx = new double[x.v().length];
        for (int at = 0; at < g.length; at++) {
            long outer = at / (k * inner);
            gx[(int) ((outer * len + (long) indices.v()[at]) * inner + at % inner)] += g[at];
        }
        return gx;
    }

    /** The index trick for operators that move values (see the class comment). */
    private static void moves(Node n, List<Arr> in, List<double[]> gradOut, long opset, List<double[]> out) {
        List<Arr> idx = new ArrayList<>();
        int[] base = new int[in.size()];
        int next = 0;
        // Where's condition (input 0) stays as given: it chooses, it is not chosen
        int first = n.opType().equals("Where") ? 1 : 0;
        for (int i = 0; i < in.size(); i++) {
            Arr a = in.get(i);
            boolean moved = a != null && i >= first && (differentiable(a) || isMovedOperand(n, i));
            if (!moved) {
                idx.add(a);
                base[i] = -1;
                continue;
            }
            double[] v = new double[a.v().length];
            for (int k = 0; k < v.length; k++) {
                v[k] = next + k;
            }
            base[i] = next;
            next += v.length;
            idx.add(new Arr(OnnxModel.FLOAT, a.dims(), v));
        }
        List<Arr> sources = OnnxFolding.multiOutput(n) ? OnnxFolding.evalMulti(n, idx, opset)
                : List.of(OnnxFolding.eval(n, idx, opset));
        double[] all = new double[next];
        for (int o = 0; o < sources.size() && o < gradOut.size(); o++) {
            double[] g = gradOut.get(o);
            if (g == null) {
                continue;
            }
            double[] src = sources.get(o).v();
            for (int k = 0; k < g.length; k++) {
                all[(int) src[k]] += g[k];
            }
        }
        for (int i = 0; i < in.size(); i++) {
            if (base[i] >= 0 && differentiable(in.get(i))) {
                out.set(i, Arrays.copyOfRange(all, base[i], base[i] + in.get(i).v().length));
            }
        }
    }

    /** The data operands of a move (a variadic Concat's every input, the others' first; Where's second and third). */
    private static boolean isMovedOperand(Node n, int i) {
        return switch (n.opType()) {
            case "Concat" -> true;
            case "Where" -> i == 1 || i == 2;
            default -> i == 0;
        };
    }

    /** Sums a gradient of broadcast dims {@code outDims} back onto an operand of dims {@code inDims}. */
    private static double[] unbroadcast(double[] g, long[] outDims, long[] inDims, int inSize) {
        int[] map = OnnxFolding.readMap(inDims, outDims);
        double[] r = new double[inSize];
        for (int k = 0; k < g.length; k++) {
            r[map[k]] += g[k];
        }
        return r;
    }

    private static void arithmetic(String op, List<Arr> in, Arr y, double[] g, List<double[]> out) {
        Arr a = in.get(0);
        Arr b = in.get(1);
        int[] ma = OnnxFolding.readMap(a.dims(), y.dims());
        int[] mb = OnnxFolding.readMap(b.dims(), y.dims());
        double[] ga = new double[a.v().length];
        double[] gb = new double[b.v().length];
        for (int k = 0; k < g.length; k++) {
            double x = a.v()[ma[k]];
            double z = b.v()[mb[k]];
            switch (op) {
                case "Add" -> {
                    ga[ma[k]] += g[k];
                    gb[mb[k]] += g[k];
                }
                case "Sub" -> {
                    ga[ma[k]] += g[k];
                    gb[mb[k]] -= g[k];
                }
                case "Mul" -> {
                    ga[ma[k]] += g[k] * z;
                    gb[mb[k]] += g[k] * x;
                }
                case "Mod" -> { // fmod=1 on floats (fmod=0 is integer only): a - trunc(a / b) b, as PyTorch's fmod
                    double q = x / z;
                    ga[ma[k]] += g[k];
                    gb[mb[k]] -= g[k] * (q < 0 ? Math.ceil(q) : Math.floor(q));
                }
                default -> {
                    ga[ma[k]] += g[k] / z;
                    gb[mb[k]] -= g[k] * x / (z * z);
                }
            }
        }
        out.set(0, ga);
        out.set(1, gb);
    }

    /** Y = A^B: dA = B A^(B-1) dY, dB = Y ln(A) dY (0 where A <= 0, where the real power has no such derivative). */
    private static void pow(Arr a, Arr b, Arr y, double[] g, List<double[]> out) {
        int[] ma = OnnxFolding.readMap(a.dims(), y.dims());
        int[] mb = OnnxFolding.readMap(b.dims(), y.dims());
        double[] ga = new double[a.v().length];
        double[] gb = new double[b.v().length];
        for (int k = 0; k < g.length; k++) {
            double x = a.v()[ma[k]];
            double e = b.v()[mb[k]];
            ga[ma[k]] += g[k] * (e == 0 ? 0 : e * Math.pow(x, e - 1));
            gb[mb[k]] += x > 0 ? g[k] * y.v()[k] * Math.log(x) : 0;
        }
        out.set(0, ga);
        out.set(1, gb);
    }

    /**
     * Variadic Sum and Mean (each operand, broadcast back), Max and Min (the operands equal to the result, shared
     * evenly between ties, as PyTorch's maximum does).
     */
    private static void variadic(String op, List<Arr> in, Arr y, double[] g, List<double[]> out) {
        int[][] maps = new int[in.size()][];
        for (int i = 0; i < in.size(); i++) {
            maps[i] = OnnxFolding.readMap(in.get(i).dims(), y.dims());
            out.set(i, new double[in.get(i).v().length]);
        }
        for (int k = 0; k < g.length; k++) {
            if (op.equals("Sum") || op.equals("Mean")) {
                double share = op.equals("Sum") ? g[k] : g[k] / in.size();
                for (int i = 0; i < in.size(); i++) {
                    out.get(i)[maps[i][k]] += share;
                }
                continue;
            }
            int ties = 0;
            for (int i = 0; i < in.size(); i++) {
                ties += in.get(i).v()[maps[i][k]] == y.v()[k] ? 1 : 0;
            }
            for (int i = 0; i < in.size(); i++) {
                if (in.get(i).v()[maps[i][k]] == y.v()[k]) {
                    out.get(i)[maps[i][k]] += g[k] / ties;
                }
            }
        }
    }

    /** The last two axes swapped (rank >= 2). */
    private static Arr swapLast(Arr a) {
        int r = a.rank();
        long[] perm = new long[r];
        for (int i = 0; i < r; i++) {
            perm[i] = i;
        }
        perm[r - 2] = r - 1;
        perm[r - 1] = r - 2;
        return OnnxFolding.transpose(a, perm);
    }

    /**
     * dA = scale * dY B^T and dB = scale * A^T dY for Y = A B (NumPy matmul: 1-D operands promoted, batch axes
     * broadcast and summed back); into {@code out} at slots {@code ia} and {@code ib}.
     */
    private static void matmul(Arr a, Arr b, double[] g, long[] yDims, List<double[]> out, int ia, int ib,
                               double scale) {
        boolean aVec = a.rank() == 1;
        boolean bVec = b.rank() == 1;
        Arr a2 = aVec ? new Arr(a.type(), new long[] {1, a.dims()[0]}, a.v()) : a;
        Arr b2 = bVec ? new Arr(b.type(), new long[] {b.dims()[0], 1}, b.v()) : b;
        // the gradient with the promoted axes put back
        List<Long> gd = new ArrayList<>();
        for (int i = 0; i < yDims.length - (aVec ? 0 : 1) - (bVec ? 0 : 1); i++) {
            gd.add(yDims[i]);
        }
        gd.add(a2.dims()[a2.rank() - 2]);
        gd.add(b2.dims()[b2.rank() - 1]);
        double[] gs = g.clone();
        for (int i = 0; i < gs.length; i++) {
            gs[i] *= scale;
        }
        Arr gy = new Arr(a.type(), gd.stream().mapToLong(Long::longValue).toArray(), gs);
        Arr da = OnnxFolding.matmul(gy, swapLast(b2));
        Arr db = OnnxFolding.matmul(swapLast(a2), gy);
        out.set(ia, unbroadcast(da.v(), da.dims(), a2.dims(), a.v().length));
        out.set(ib, unbroadcast(db.v(), db.dims(), b2.dims(), b.v().length));
    }

    private static void gemm(Node n, List<Arr> in, double[] g, Arr y, List<double[]> out) {
        boolean ta = OnnxFolding.ints(n, "transA", 0) != 0;
        boolean tb = OnnxFolding.ints(n, "transB", 0) != 0;
        Arr a = ta ? OnnxFolding.transpose(in.get(0), null) : in.get(0);
        Arr b = tb ? OnnxFolding.transpose(in.get(1), null) : in.get(1);
        double alpha = OnnxFolding.floatAttr(n, "alpha", 1f);
        double beta = OnnxFolding.floatAttr(n, "beta", 1f);
        List<double[]> ab = new ArrayList<>(List.of(new double[0], new double[0]));
        matmul(a, b, g, y.dims(), ab, 0, 1, alpha);
        out.set(0, ta ? OnnxFolding.transpose(new Arr(OnnxModel.FLOAT, a.dims(), ab.get(0)), null).v() : ab.get(0));
        out.set(1, tb ? OnnxFolding.transpose(new Arr(OnnxModel.FLOAT, b.dims(), ab.get(1)), null).v() : ab.get(1));
        if (in.size() > 2 && in.get(2) != null) {
            double[] gc = unbroadcast(g, y.dims(), in.get(2).dims(), in.get(2).v().length);
            for (int i = 0; i < gc.length; i++) {
                gc[i] *= beta;
            }
            out.set(2, gc);
        }
    }

    private static double[] softmax(Node n, Arr x, Arr y, double[] g, long opset) {
        boolean[] red = new boolean[x.rank()];
        if (opset >= 13) {
            red[(int) OnnxFolding.axis(OnnxFolding.ints(n, "axis", -1), x.rank())] = true;
        } else {
            for (int i = (int) OnnxFolding.axis(OnnxFolding.ints(n, "axis", 1), x.rank()); i < red.length; i++) {
                red[i] = true;
            }
        }
        int[] map = OnnxFolding.outIndex(x.dims(), red);
        double[] sum = new double[map.length];
        boolean log = n.opType().equals("LogSoftmax");
        for (int k = 0; k < map.length; k++) {
            sum[map[k]] += log ? g[k] : g[k] * y.v()[k];
        }
        double[] gx = new double[map.length];
        for (int k = 0; k < map.length; k++) {
            gx[k] = log ? g[k] - Math.exp(y.v()[k]) * sum[map[k]] : y.v()[k] * (g[k] - sum[map[k]]);
        }
        return gx;
    }

    /** Gradient of X for Y = (x - mean) * invstd * scale + B over the axes from {@code axis} on. */
    private static void layerNorm(Node n, List<Arr> in, List<double[]> gradOut, List<double[]> out) {
        // Y's gradient, and the optional Mean and InvStdDev outputs' (one value per normalised row; null where no loss
        // reads them)
        double[] g = gradOut.get(0) != null ? gradOut.get(0) : new double[in.get(0).v().length];
        double[] gMean = gradOut.size() > 1 ? gradOut.get(1) : null;
        double[] gInv = gradOut.size() > 2 ? gradOut.get(2) : null;
        Arr x = in.get(0);
        Arr scale = in.get(1);
        Arr bias = in.size() > 2 ? in.get(2) : null;
        int ax = (int) OnnxFolding.axis(OnnxFolding.ints(n, "axis", -1), x.rank());
        double eps = OnnxFolding.floatAttr(n, "epsilon", 1e-5f);
        long[] innerDims = Arrays.copyOfRange(x.dims(), ax, x.rank());
        int inner = 1;
        for (long d : innerDims) {
            inner *= (int) d;
        }
        int outer = x.v().length / Math.max(inner, 1);
        int[] ms = OnnxFolding.readMap(scale.dims(), innerDims);
        int[] mb = bias == null ? null : OnnxFolding.readMap(bias.dims(), innerDims);
        double[] gx = new double[x.v().length];
        double[] gScale = new double[scale.v().length];
        double[] gBias = bias == null ? null : new double[bias.v().length];
        for (int r = 0; r < outer; r++) {
            double mu = 0;
            for (int k = 0; k < inner; k++) {
                mu += x.v()[r * inner + k];
            }
            mu /= inner;
            double var = 0;
            for (int k = 0; k < inner; k++) {
                double d = x.v()[r * inner + k] - mu;
                var += d * d;
            }
            double inv = 1 / Math.sqrt(var / inner + eps);
            double meanG = 0;
            double meanGx = 0;
            for (int k = 0; k < inner; k++) {
                double gh = g[r * inner + k] * scale.v()[ms[k]];
                double xh = (x.v()[r * inner + k] - mu) * inv;
                meanG += gh;
                meanGx += gh * xh;
            }
            meanG /= inner;
            meanGx /= inner;
            for (int k = 0; k < inner; k++) {
                double gh = g[r * inner + k] * scale.v()[ms[k]];
                double xh = (x.v()[r * inner + k] - mu) * inv;
                gx[r * inner + k] = inv * (gh - meanG - xh * meanGx);
                // d mean / dx = 1 / inner; d InvStdDev / dx = -inv^3 (x - mean) / inner (the mean's own term sums to 0)
                if (gMean != null) {
                    gx[r * inner + k] += gMean[r] / inner;
                }
                if (gInv != null) {
                    gx[r * inner + k] -= gInv[r] * inv * inv * xh / inner;
                }
                gScale[ms[k]] += g[r * inner + k] * xh;
                if (gBias != null) {
                    gBias[mb[k]] += g[r * inner + k];
                }
            }
        }
        out.set(0, gx);
        out.set(1, gScale);
        if (gBias != null) {
            out.set(2, gBias);
        }
    }

    private static double[] reduce(Node n, List<Arr> in, Arr y, double[] g, long opset) {
        String op = n.opType();
        Arr x = in.get(0);
        boolean axesInput = opset >= 18 || opset >= 13 && op.equals("ReduceSum");
        long[] axes = axesInput ? OnnxFolding.longsOf(in, 1) : OnnxFolding.intsArr(n, "axes");
        boolean[] red = new boolean[x.rank()];
        if (axes == null || axes.length == 0) {
            if (OnnxFolding.ints(n, "noop_with_empty_axes", 0) != 0) {
                return g.clone();
            }
            Arrays.fill(red, true);
        } else {
            for (long ax : axes) {
                red[(int) OnnxFolding.axis(ax, x.rank())] = true;
            }
        }
        int[] map = OnnxFolding.outIndex(x.dims(), red);
        long count = x.v().length / Math.max(y.v().length, 1);
        double[] gx = new double[x.v().length];
        for (int k = 0; k < gx.length; k++) {
            double xv = x.v()[k];
            double yv = y.v()[map[k]];
            double gy = g[map[k]];
            gx[k] = switch (op) {
                case "ReduceMean" -> gy / count;
                case "ReduceSum" -> gy;
                case "ReduceMax", "ReduceMin" -> xv == yv ? gy : 0;
                case "ReduceL1" -> Math.signum(xv) * gy;
                case "ReduceL2" -> yv == 0 ? 0 : xv / yv * gy;
                case "ReduceSumSquare" -> 2 * xv * gy;
                default -> Math.exp(xv - yv) * gy; // ReduceLogSumExp
            };
        }
        return gx;
    }
}
