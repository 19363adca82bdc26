package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;

/**
 * Import-time constant folding: evaluates a node whose inputs are all constants (initializers, Constant
 * outputs, shapes known at import) on {@link TensorData}, keeping integer tensors exact as longs. This is what
 * makes the shape subgraphs of exports (Shape, Gather, Unsqueeze, Concat, Reshape) disappear. Values are held
 * as doubles while computing; integer and boolean results are stored as longs again.
 */
final class OnnxFolding {
    /** Constant tensors larger than this are not folded (they would cost memory for little gain). */
    static final long MAX_FOLD_ELEMENTS = 1 << 24;

    private OnnxFolding() {
    }

    /** An N-d array of doubles with the ONNX element type it stands for. */
    record Arr(int type, long[] dims, double[] v) {
        int rank() {
            return dims.length;
        }

        long size() {
            return v.length;
        }

        boolean integer() {
            return !OnnxModel.isFloating(type);
        }

        static Arr of(TensorData t) {
            double[] v = new double[t.floats().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.value(i);
            }
            return new Arr(t.dataType(), t.dims().clone(), v);
        }

        /**
         * As a tensor of its type: integers wrapped to the type, FLOAT16/BFLOAT16/FLOAT values rounded to the
         * type, DOUBLE values kept exactly.
         */
        TensorData data(String name) {
            float[] f = new float[v.length];
            long[] l = integer() ? new long[v.length] : null;
            double[] exact = type == OnnxModel.DOUBLE ? v.clone() : null;
            for (int i = 0; i < v.length; i++) {
                if (l != null) {
                    l[i] = wrap(type, (long) v[i]);
                    f[i] = l[i];
                } else {
                    f[i] = (float) switch (type) {
                        case OnnxModel.FLOAT16 -> HalfFloats.roundToHalf(v[i]);
                        case OnnxModel.BFLOAT16 -> HalfFloats.roundToBfloat16(v[i]);
                        default -> v[i];
                    };
                }
            }
            return new TensorData(name, type, dims.clone(), f, l, exact);
        }
    }

    /** Operators {@link #evaluate} computes on typed run-time values (the cases of {@code eval}). */
    static final java.util.Set<String> EVALUATED = java.util.Set.of("Identity", "Shape", "Size", "Cast", "Neg", "Abs",
            "Sqrt", "Exp", "Log", "Floor", "Ceil", "Reciprocal", "Not", "Relu", "Sign", "Round", "Sin", "Cos", "Tanh", "Sigmoid",
            "Add", "Sub",
            "Mul", "Div", "Pow", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Mod", "Max",
            "Min", "Sum", "Mean", "Where", "Unsqueeze", "Squeeze", "Reshape", "Flatten", "Concat", "Gather", "Slice",
            "Transpose", "Range", "ConstantOfShape", "Expand", "Dropout.mask", "ReduceMean", "ReduceSum",
            "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp", "Softmax",
            "LogSoftmax", "ArgMax", "ArgMin", "Tile", "Split", "LayerNormalization", "MatMul", "Gemm", "PRelu",
            "Resize", "Upsample", "Pad", "Clip", "Erf", "TopK");

    /** Whether {@link #evaluate} computes node n: {@link #EVALUATED} of the default domain, {@link OnnxMl#OPS}. */
    static boolean evaluates(Node n) {
        return OnnxMl.isMl(n) ? OnnxMl.evaluates(n)
                : (n.domain().isEmpty() || n.domain().equals("ai.onnx")) && EVALUATED.contains(n.opType());
    }

    /** Of {@link #EVALUATED}, the operators with several outputs. */
    static final java.util.Set<String> MULTI_OUTPUT = java.util.Set.of("Split", "LayerNormalization", "TopK");

    /** Whether node n gives several outputs here: {@link #MULTI_OUTPUT}, or a BatchNormalization in training mode. */
    static boolean multiOutput(Node n) {
        if (OnnxMl.isMl(n)) {
            return OnnxMl.multiOutput(n);
        }
        return MULTI_OUTPUT.contains(n.opType()) || n.opType().equals("BatchNormalization")
                && ints(n, "training_mode", 0) != 0 || n.opType().equals("MaxPool") && n.outputs().size() > 1
                && !n.outputs().get(1).isEmpty();
    }

    /** The op type of the importer's own node for Dropout's mask output in inference (all true, the input's shape). */
    static final String DROPOUT_MASK = "Dropout.mask";

    /** Integers beyond this magnitude are not exact as doubles: run-time evaluation refuses them. */
    static final double EXACT_LIMIT = 9007199254740992d; // 2^53

    /**
     * Run-time evaluation of one node on typed values (the typed path of {@link OnnxProgram}): as {@link #fold},
     * but a result the evaluator cannot give, or an integer beyond 2^53 (not exact as a double), is an error.
     */
    static List<TensorData> evaluate(Node n, List<TensorData> in, long opset) {
        if (OnnxStrings.handles(n, in)) {
            return OnnxStrings.evaluate(n, in, opset); // STRING values: OnnxStrings, which calls back with codes
        }
        List<Arr> a = new ArrayList<>();
        for (TensorData t : in) {
            if (t != null && t.isInteger()) {
                for (int k = 0; k < t.longs().length; k++) {
                    double v = t.value(k);
                    if (Math.abs(v) > EXACT_LIMIT) {
                        throw new IllegalArgumentException(n.opType() + ": integer " + (t.dataType() == OnnxModel.UINT64
                                ? Long.toUnsignedString(t.longs()[k]) : String.valueOf(t.longs()[k])) + " of '"
                                + t.name() + "' is beyond 2^53, where values are not exact");
                    }
                }
            }
            if (t != null) {
                // the typed path works in double precision: a float value made at run time (a Resize by a factor
                // given as an input) is checked before it is copied (fuzzing, issue 15: OutOfMemoryError here)
                org.convnet4j.util.MemoryBudget.requireParameter(n.opType() + " node '" + n.name() + "': input '"
                        + t.name() + "' " + Arrays.toString(t.dims()) + " in double precision on the typed path",
                        org.convnet4j.util.MemoryBudget.bytesOf(Double.BYTES, t.dims()));
            }
            a.add(t == null ? null : Arr.of(t));
        }
        List<Arr> results = OnnxMl.isMl(n) ? OnnxMl.eval(n, a) : multiOutput(n) ? evalMulti(n, a, opset) : java.util.Collections
                .singletonList(eval(n, a, opset));
        List<TensorData> out = new ArrayList<>();
        for (int k = 0; k < results.size(); k++) {
            Arr r = results.get(k);
            if (r == null) {
                throw new IllegalArgumentException(n.opType() + ": cannot be evaluated with these inputs and attributes");
            }
            if (r.size() > MAX_FOLD_ELEMENTS) {
                throw new IllegalArgumentException(n.opType() + " would make " + r.size() + " values (at most "
                        + MAX_FOLD_ELEMENTS + " on the typed path)");
            }
            if (r.integer()) {
                for (double v : r.v()) {
                    if (Math.abs(v) > EXACT_LIMIT || Double.isNaN(v)) {
                        throw new IllegalArgumentException(n.opType() + ": integer result " + v
                                + " is beyond 2^53, where values are not exact");
                    }
                }
            }
            out.add(r.data(k < n.outputs().size() ? n.outputs().get(k) : ""));
        }
        return out;
    }

    /** Split and LayerNormalization: every output (Split's parts; Y, Mean, InvStdDev). */
    static List<Arr> evalMulti(Node n, List<Arr> a, long opset) {
        Arr x = a.get(0);
        if (n.opType().equals("BatchNormalization")) {
            return OnnxWindows.batchNormTraining(n, a);
        }
        if (n.opType().equals("MaxPool")) {
            return OnnxWindows.maxPoolWithIndices(n, x);
        }
        if (n.opType().equals("TopK")) {
            return topK(n, x, opset >= 10 ? requiredLongs(n, a, 1, "K")[0] : ints(n, "k", -1));
        }
        if (n.opType().equals("Split")) {
            int ax = (int) axis(ints(n, "axis", 0), x.rank());
            long len = x.dims()[ax];
            int parts = n.outputs().size();
            long[] split = opset >= 13 ? longsOf(a, 1) : intsArr(n, "split");
            if (split == null) {
                long num = n.attributes().containsKey("num_outputs") ? ints(n, "num_outputs", parts) : parts;
                if (num < 1 || num > Math.max(parts, len)) { // sizes an array: 2^40 (a model's attribute) was 8 TB
                    throw new IllegalArgumentException("Split num_outputs " + num + " does not fit its " + parts
                            + " output(s) and axis of length " + len);
                }
                long each = (len + num - 1) / num;
                split = new long[(int) num];
                for (int i = 0; i < num; i++) {
                    split[i] = Math.max(0, Math.min(each, len - i * each));
                }
            }
            long total = 0;
            for (long size : split) {
                if (size < 0 || size > len || (total += size) > len) { // a fuzzed split of -1 was a NegativeArraySize
                    throw new IllegalArgumentException("Split sizes " + Arrays.toString(split)
                            + " do not fit axis " + ax + " of length " + len);
                }
            }
            List<Arr> out = new ArrayList<>();
            long start = 0;
            for (long size : split) {
                long[][] per = new long[x.rank()][];
                long[] d = x.dims().clone();
                d[ax] = size;
                for (int i = 0; i < d.length; i++) {
                    per[i] = new long[(int) d[i]];
                    for (int k = 0; k < d[i]; k++) {
                        per[i][k] = i == ax ? start + k : k;
                    }
                }
                out.add(pick(x, d, per));
                start += size;
            }
            return out;
        }
        // LayerNormalization: over the axes from `axis` on, scale and optional bias broadcast over them
        int ax = (int) axis(ints(n, "axis", -1), x.rank());
        double eps = floatAttr(n, "epsilon", 1e-5f);
        long outer = 1;
        for (int i = 0; i < ax; i++) {
            outer *= x.dims()[i];
        }
        int inner = (int) (x.size() / Math.max(outer, 1));
        long[] innerDims = Arrays.copyOfRange(x.dims(), ax, x.rank());
        Arr scale = a.get(1);
        Arr bias = a.size() > 2 ? a.get(2) : null;
        int[] ms = readMap(scale.dims(), innerDims);
        int[] mb = bias == null ? null : readMap(bias.dims(), innerDims);
        double[] y = new double[x.v().length];
        long[] statDims = x.dims().clone();
        for (int i = ax; i < statDims.length; i++) {
            statDims[i] = 1;
        }
        double[] mean = new double[(int) outer];
        double[] inv = new double[(int) outer];
        for (int r = 0; r < outer; r++) {
            double sum = 0;
            for (int k = 0; k < inner; k++) {
                sum += x.v()[r * inner + k];
            }
            double mu = sum / inner;
            double sq = 0;
            for (int k = 0; k < inner; k++) {
                double dv = x.v()[r * inner + k] - mu;
                sq += dv * dv;
            }
            double is = 1 / Math.sqrt(sq / inner + eps);
            mean[r] = mu;
            inv[r] = is;
            for (int k = 0; k < inner; k++) {
                y[r * inner + k] = (x.v()[r * inner + k] - mu) * is * scale.v()[ms[k]] + (bias == null ? 0 : bias.v()[mb[k]]);
            }
        }
        return List.of(new Arr(x.type(), x.dims(), y), new Arr(OnnxModel.FLOAT, statDims, mean),
                new Arr(OnnxModel.FLOAT, statDims, inv));
    }

    static float floatAttr(Node n, String name, float fallback) {
        Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.f();
    }

    private static Arr reduce(Node n, List<Arr> a, long opset) {
        Arr x = a.get(0);
        String op = n.opType();
        boolean axesInput = opset >= 18 || opset >= 13 && op.equals("ReduceSum");
        long[] axes = axesInput ? longsOf(a, 1) : intsArr(n, "axes");
        boolean keep = ints(n, "keepdims", 1) != 0;
        boolean[] red = new boolean[x.rank()];
        if (axes == null || axes.length == 0) {
            if (ints(n, "noop_with_empty_axes", 0) != 0) {
                return x;
            }
            Arrays.fill(red, true);
        } else {
            for (long ax : axes) {
                red[(int) axis(ax, x.rank())] = true;
            }
        }
        long[] keptDims = x.dims().clone();
        List<Long> outDims = new ArrayList<>();
        for (int i = 0; i < red.length; i++) {
            if (red[i]) {
                keptDims[i] = 1;
            }
            if (!red[i] || keep) {
                outDims.add(keptDims[i]);
            }
        }
        int outSize = (int) checkedCount(keptDims);
        int[] map = outIndex(x.dims(), red);
        double[] acc = new double[outSize];
        double[] max = new double[outSize];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        if (op.equals("ReduceMin")) {
            Arrays.fill(acc, Double.POSITIVE_INFINITY);
        } else if (op.equals("ReduceMax")) {
            Arrays.fill(acc, Double.NEGATIVE_INFINITY);
        }
        for (int k = 0; k < x.v().length; k++) {
            max[map[k]] = Math.max(max[map[k]], x.v()[k]);
        }
        for (int k = 0; k < x.v().length; k++) {
            double v = x.v()[k];
            int o = map[k];
            acc[o] = switch (op) {
                case "ReduceMax" -> Math.max(acc[o], v);
                case "ReduceMin" -> Math.min(acc[o], v);
                case "ReduceL1" -> acc[o] + Math.abs(v);
                case "ReduceL2", "ReduceSumSquare" -> acc[o] + v * v;
                case "ReduceLogSumExp" -> acc[o] + Math.exp(v - max[o]);
                default -> acc[o] + v;
            };
        }
        long count = x.size() / Math.max(outSize, 1);
        for (int o = 0; o < outSize; o++) {
            acc[o] = switch (op) {
                case "ReduceMean" -> acc[o] / count;
                case "ReduceL2" -> Math.sqrt(acc[o]);
                case "ReduceLogSumExp" -> Math.log(acc[o]) + max[o];
                default -> acc[o];
            };
        }
        return new Arr(x.type(), outDims.stream().mapToLong(Long::longValue).toArray(), acc);
    }

    /** For each element of an array of dims {@code d}, the flat index of its cell once the {@code red} axes are 1. */
    static int[] outIndex(long[] d, boolean[] red) {
        int r = d.length;
        long[] st = new long[r];
        long acc = 1;
        for (int i = r - 1; i >= 0; i--) {
            st[i] = red[i] ? 0 : acc;
            acc *= red[i] ? 1 : d[i];
        }
        int total = (int) checkedCount(d);
        int[] map = new int[total];
        int[] idx = new int[r];
        for (int k = 0; k < total; k++) {
            long o = 0;
            for (int i = 0; i < r; i++) {
                o += idx[i] * st[i];
            }
            map[k] = (int) o;
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < d[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return map;
    }

    /** Softmax / LogSoftmax: along one axis (opset 13+, default -1), or over the axes from `axis` on (earlier, default 1). */
    private static Arr softmax(Node n, Arr x, long opset) {
        boolean[] red = new boolean[x.rank()];
        if (opset >= 13) {
            red[(int) axis(ints(n, "axis", -1), x.rank())] = true;
        } else {
            for (int i = (int) axis(ints(n, "axis", 1), x.rank()); i < red.length; i++) {
                red[i] = true;
            }
        }
        int[] map = outIndex(x.dims(), red);
        int cells = 0;
        for (int m : map) {
            cells = Math.max(cells, m + 1);
        }
        double[] max = new double[cells];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        double[] sum = new double[cells];
        for (int k = 0; k < map.length; k++) {
            max[map[k]] = Math.max(max[map[k]], x.v()[k]);
        }
        for (int k = 0; k < map.length; k++) {
            sum[map[k]] += Math.exp(x.v()[k] - max[map[k]]);
        }
        double[] o = new double[map.length];
        boolean log = n.opType().equals("LogSoftmax");
        for (int k = 0; k < map.length; k++) {
            double z = x.v()[k] - max[map[k]];
            o[k] = log ? z - Math.log(sum[map[k]]) : Math.exp(z) / sum[map[k]];
        }
        return new Arr(x.type(), x.dims(), o);
    }

    /**
     * TopK: the k largest (or with largest=0 smallest) values along {@code axis} and their indices (int64), sorted
     * (sorted=0 gives the same order); equal values in index order, as the operator defines.
     */
    private static List<Arr> topK(Node n, Arr x, long k) {
        int ax = (int) axis(ints(n, "axis", -1), x.rank());
        boolean largest = ints(n, "largest", 1) != 0;
        long len = x.dims()[ax];
        if (k < 0 || k > len) {
            throw new IllegalArgumentException("TopK: k " + k + " outside 0.." + len + " along axis " + ax);
        }
        long stride = 1;
        for (int i = ax + 1; i < x.rank(); i++) {
            stride *= x.dims()[i];
        }
        final long inner = stride;
        long outer = x.size() / Math.max(1, len * inner);
        long[] d = x.dims().clone();
        d[ax] = k;
        double[] values = new double[(int) (outer * k * inner)];
        double[] indices = new double[values.length];
        Integer[] order = new Integer[(int) len];
        for (long o = 0; o < outer; o++) {
            for (long in = 0; in < inner; in++) {
                long base = o * len * inner + in;
                for (int i = 0; i < len; i++) {
                    order[i] = i;
                }
                double[] v = x.v();
                Arrays.sort(order, (p, q) -> {
                    double vp = v[(int) (base + p * inner)];
                    double vq = v[(int) (base + q * inner)];
                    int c = largest ? Double.compare(vq, vp) : Double.compare(vp, vq);
                    return c != 0 ? c : Integer.compare(p, q);
                });
                for (int j = 0; j < k; j++) {
                    int at = (int) (o * k * inner + j * inner + in);
                    values[at] = v[(int) (base + order[j] * inner)];
                    indices[at] = order[j];
                }
            }
        }
        return List.of(new Arr(x.type(), d, values), new Arr(OnnxModel.INT64, d.clone(), indices));
    }

    private static Arr argExtreme(Node n, Arr x) {
        int ax = (int) axis(ints(n, "axis", 0), x.rank());
        boolean keep = ints(n, "keepdims", 1) != 0;
        boolean last = ints(n, "select_last_index", 0) != 0;
        boolean max = n.opType().equals("ArgMax");
        boolean[] red = new boolean[x.rank()];
        red[ax] = true;
        int[] map = outIndex(x.dims(), red);
        long inner = 1;
        for (int i = ax + 1; i < x.rank(); i++) {
            inner *= x.dims()[i];
        }
        long len = x.dims()[ax];
        int cells = (int) (x.size() / Math.max(len, 1));
        double[] best = new double[cells];
        double[] idx = new double[cells];
        boolean[] seen = new boolean[cells];
        for (int k = 0; k < map.length; k++) {
            int o = map[k];
            double v = x.v()[k];
            long pos = (k / inner) % len;
            boolean better = !seen[o] || (max ? v > best[o] : v < best[o]) || last && v == best[o];
            if (better) {
                best[o] = v;
                idx[o] = pos;
                seen[o] = true;
            }
        }
        List<Long> d = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            if (i != ax) {
                d.add(x.dims()[i]);
            } else if (keep) {
                d.add(1L);
            }
        }
        return new Arr(OnnxModel.INT64, d.stream().mapToLong(Long::longValue).toArray(), idx);
    }

    /** NumPy matmul: 1-D operands promoted and the added axis removed again, leading axes broadcast. */
    static Arr matmul(Arr a, Arr b) {
        boolean aVec = a.rank() == 1;
        boolean bVec = b.rank() == 1;
        long[] ad = aVec ? new long[] {1, a.dims()[0]} : a.dims();
        long[] bd = bVec ? new long[] {b.dims()[0], 1} : b.dims();
        long n = ad[ad.length - 2];
        long k = ad[ad.length - 1];
        long m = bd[bd.length - 1];
        if (bd[bd.length - 2] != k) {
            throw new IllegalArgumentException("MatMul of " + Arrays.toString(a.dims()) + " and " + Arrays.toString(b.dims()));
        }
        long[] batch = broadcast(Arrays.copyOf(ad, ad.length - 2), Arrays.copyOf(bd, bd.length - 2));
        long[] aBatch = Arrays.copyOf(ad, ad.length - 2);
        long[] bBatch = Arrays.copyOf(bd, bd.length - 2);
        int[] ma = readMap(aBatch, batch);
        int[] mb = readMap(bBatch, batch);
        // the output counted before it is allocated: [32768, 1] x [1, 32768] (256 KB of operands) asked for 2^30 values
        // (4 GB as floats, at import), and past 2^31 the int size wrapped round (issue 15, sixteenth session)
        long[] outDims = Arrays.copyOf(batch, batch.length + 2);
        outDims[batch.length] = n;
        outDims[batch.length + 1] = m;
        checkedCount(outDims);
        double[] o;
        if (OnnxFloatRoute.applies(a, b)) {
            o = OnnxFloatRoute.matmul(a.v(), b.v(), ma, mb, (int) n, (int) k, (int) m);
        } else {
            o = new double[(int) checkedCount(batch) * (int) (n * m)];
            matmulLoops(a, b, o, ma, mb, n, k, m);
        }
        List<Long> d = new ArrayList<>();
        for (long v : batch) {
            d.add(v);
        }
        if (!aVec) {
            d.add(n);
        }
        if (!bVec) {
            d.add(m);
        }
        return new Arr(a.type(), d.stream().mapToLong(Long::longValue).toArray(), o);
    }

    /** The double loops of {@link #matmul} (every operand type but FLOAT). */
    private static void matmulLoops(Arr a, Arr b, double[] o, int[] ma, int[] mb, long n, long k, long m) {
        for (int t = 0; t < ma.length; t++) {
            int ao = (int) (ma[t] * n * k);
            int bo = (int) (mb[t] * k * m);
            int oo = (int) (t * n * m);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        sum += a.v()[ao + (int) (i * k) + p] * b.v()[bo + (int) (p * m) + j];
                    }
                    o[oo + (int) (i * m) + j] = sum;
                }
            }
        }
    }

    /** alpha * A' B' + beta * C, A' and B' transposed as transA/transB say. */
    private static Arr gemm(Node n, List<Arr> a) {
        Arr x = ints(n, "transA", 0) != 0 ? transpose(a.get(0), null) : a.get(0);
        Arr y = ints(n, "transB", 0) != 0 ? transpose(a.get(1), null) : a.get(1);
        Arr p = matmul(x, y);
        double alpha = floatAttr(n, "alpha", 1f);
        double beta = floatAttr(n, "beta", 1f);
        double[] o = p.v().clone();
        for (int i = 0; i < o.length; i++) {
            o[i] *= alpha;
        }
        Arr prod = new Arr(p.type(), p.dims(), o);
        if (a.size() < 3 || a.get(2) == null) {
            return prod;
        }
        Arr c = a.get(2);
        double[] cv = c.v().clone();
        for (int i = 0; i < cv.length; i++) {
            cv[i] *= beta;
        }
        return binary("Add", prod, new Arr(c.type(), c.dims(), cv));
    }

    private static Arr tile(Arr x, long[] repeats) {
        int r = x.rank();
        if (repeats == null || repeats.length != r) {
            throw new IllegalArgumentException("Tile needs one repeat per axis");
        }
        long[] d = new long[r];
        // repeats given at run time are counted before anything is allocated (issue 15, sixteenth session: repeats
        // [2^30] of a one-value input allocated 8 GB of indices; a negative one failed as NegativeArraySizeException)
        for (int i = 0; i < r; i++) {
            if (repeats[i] < 0) {
                throw new IllegalArgumentException("Tile repeats " + Arrays.toString(repeats) + ": must be >= 0");
            }
            long len = org.convnet4j.util.MemoryBudget.bytesOf(1, x.dims()[i], repeats[i]);
            d[i] = len < 0 ? Long.MAX_VALUE : len;
        }
        checkedCount(d);
        for (long len : d) { // each axis too: [0, 2^40] holds 0 values but would make 2^40 indices
            if (len > MAX_FOLD_ELEMENTS) {
                throw new IllegalArgumentException("Tile repeats " + Arrays.toString(repeats) + " make an axis of " + len
                        + ", above the limit of " + MAX_FOLD_ELEMENTS + " values");
            }
        }
        long[][] per = new long[r][];
        for (int i = 0; i < r; i++) {
            per[i] = new long[(int) d[i]];
            for (int k = 0; k < d[i]; k++) {
                per[i][k] = k % x.dims()[i];
            }
        }
        return pick(x, d, per);
    }

    /** An integer result in its type's range, as the type's two's-complement arithmetic wraps it. */
    static long wrap(int type, long v) {
        return switch (type) {
            case OnnxModel.UINT8 -> v & 0xFF;
            case OnnxModel.INT8 -> (byte) v;
            case OnnxModel.UINT16 -> v & 0xFFFF;
            case OnnxModel.INT16 -> (short) v;
            case OnnxModel.INT32 -> (int) v;
            case OnnxModel.UINT32 -> v & 0xFFFFFFFFL;
            case OnnxModel.BOOL -> v != 0 ? 1 : 0;
            default -> v;
        };
    }

    /** The folded value of {@code n}'s first output, or null if this op is not folded. */
    static TensorData fold(Node n, List<TensorData> in, long opset) {
        List<Arr> a = new ArrayList<>();
        for (TensorData t : in) {
            a.add(t == null ? null : Arr.of(t));
        }
        Arr r = eval(n, a, opset);
        if (r == null) {
            return null;
        }
        if (r.size() > MAX_FOLD_ELEMENTS) {
            throw new IllegalArgumentException("folding " + n.opType() + " would make a constant of " + r.size()
                    + " values");
        }
        return r.data(n.outputs().get(0));
    }

    static Arr eval(Node n, List<Arr> a, long opset) {
        Arr x = a.isEmpty() ? null : a.get(0);
        return switch (n.opType()) {
            case "Identity" -> x;
            case "Shape" -> {
                long start = ints(n, "start", 0);
                long end = ints(n, "end", x.rank());
                int s = (int) clampAxis(start, x.rank());
                int e = (int) clampAxis(end, x.rank());
                long[] d = Arrays.copyOfRange(x.dims(), s, Math.max(s, e));
                yield longs(d, d.length);
            }
            case "Size" -> new Arr(OnnxModel.INT64, new long[0], new double[] {x.size()});
            case "Cast" -> cast(x, (int) ints(n, "to", OnnxModel.FLOAT));
            case DROPOUT_MASK -> {
                double[] ones = new double[x.v().length];
                Arrays.fill(ones, 1);
                yield new Arr(OnnxModel.BOOL, x.dims(), ones);
            }
            case "Neg", "Abs", "Sqrt", "Exp", "Log", "Floor", "Ceil", "Reciprocal", "Not", "Relu", "Sign", "Round", "Sin",
                 "Cos", "Tanh", "Sigmoid" ->
                    unary(n.opType(), x);
            case "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                 "And", "Or" -> legacyOk(n, x, a.get(1)) ? binary(n.opType(), x, a.get(1)) : null;
            case "Mod" -> mod(x, a.get(1), ints(n, "fmod", 0) != 0);
            case "Max", "Min", "Sum", "Mean" -> {
                Arr acc = a.get(0);
                for (int i = 1; i < a.size(); i++) {
                    acc = binary(n.opType().equals("Max") ? "Max" : n.opType().equals("Min") ? "Min" : "Add", acc,
                            a.get(i));
                }
                if (n.opType().equals("Mean")) {
                    acc = binary("Div", acc, new Arr(acc.type(), new long[0], new double[] {a.size()}));
                }
                yield acc;
            }
            case "Where" -> where(a.get(0), a.get(1), a.get(2));
            case "Unsqueeze" -> {
                long[] axes = opset >= 13 ? longsOf(a, 1) : intsArr(n, "axes");
                yield axes == null ? null : unsqueeze(x, axes);
            }
            case "Squeeze" -> {
                long[] axes = opset >= 13 ? longsOf(a, 1) : intsArr(n, "axes");
                yield squeeze(x, axes);
            }
            case "Reshape" -> {
                long[] shape = opset >= 5 ? longsOf(a, 1) : intsArr(n, "shape");
                yield shape == null ? null : new Arr(x.type(), reshape(x.dims(), shape, ints(n, "allowzero", 0) != 0),
                        x.v());
            }
            case "Flatten" -> {
                long axis = clampAxis(ints(n, "axis", 1), x.rank());
                long lead = 1;
                for (int i = 0; i < axis; i++) {
                    lead *= x.dims()[i];
                }
                yield new Arr(x.type(), new long[] {lead, lead == 0 ? 0 : x.size() / lead}, x.v());
            }
            case "Concat" -> concat(a, ints(n, "axis", 1));
            case "Gather" -> gather(x, a.get(1), ints(n, "axis", 0));
            case "Slice" -> slice(n, a, opset);
            case "Transpose" -> transpose(x, intsArr(n, "perm"));
            case "Range" -> range(a.get(0), a.get(1), a.get(2));
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2", "ReduceSumSquare",
                 "ReduceLogSumExp" -> reduce(n, a, opset);
            case "Softmax", "LogSoftmax" -> softmax(n, x, opset);
            case "ArgMax", "ArgMin" -> argExtreme(n, x);
            case "Tile" -> tile(x, longsOf(a, 1));
            case "PRelu" -> binary("PRelu", x, a.get(1));
            case "MatMul" -> matmul(x, a.get(1));
            case "Gemm" -> gemm(n, a);
            case "Resize", "Upsample" -> OnnxResampling.resize(n, a, opset);
            case "Pad" -> OnnxResampling.pad(n, a, opset);
            case "Clip" -> OnnxResampling.clip(n, a, opset);
            case "Erf" -> OnnxResampling.erf(x);
            case "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "BatchNormalization" -> OnnxWindows.eval(n, a);
            case "ConstantOfShape" -> {
                long[] d = requiredLongs(n, a, 0, "shape");
                Attribute v = n.attributes().get("value");
                Arr fill = v == null || v.t() == null ? new Arr(OnnxModel.FLOAT, new long[0], new double[] {0})
                        : Arr.of(v.t());
                double[] vals = new double[(int) checkedCount(n, d)];
                Arrays.fill(vals, fill.v()[0]);
                yield new Arr(fill.type(), d, vals);
            }
            case "Expand" -> {
                long[] shape = requiredLongs(n, a, 1, "shape");
                Arr ones = new Arr(x.type(), shape, new double[(int) checkedCount(n, shape)]);
                yield binary("Add", x, ones);
            }
            default -> null;
        };
    }

    /**
     * Opset < 7 Add/Mul/... with broadcast=1 align the second operand at {@code axis}: where that is B's place in
     * numpy's alignment (A's last axes: test_operator_add_broadcast's [3] at axis 1 of [2, 3]) the values are the
     * same, else refused here (the importer aligns an inner axis for the float layers).
     */
    private static boolean legacyOk(Node n, Arr a, Arr b) {
        if (!n.attributes().containsKey("broadcast") || !n.attributes().containsKey("axis") || b == null) {
            return true;
        }
        long axis = n.attributes().get("axis").i();
        return (axis < 0 ? axis + a.rank() : axis) + b.rank() == a.rank();
    }

    /**
     * The number of values of an output of shape {@code d} that {@code n} makes from a shape it is given (ConstantOfShape,
     * Expand; at import or at run time), refused before allocating: beyond {@link #MAX_FOLD_ELEMENTS} or the memory
     * limit, naming the shape and the limit (before: "too large to fold", the importer's word, at run time too).
     */
    private static long checkedCount(Node n, long[] d) {
        long c = checkedCount(d);
        org.convnet4j.util.MemoryBudget.requireParameter(n.opType() + " output shape " + Arrays.toString(d)
                + " in double precision", c * Double.BYTES);
        return c;
    }

    /**
     * The number of values of shape {@code d}, refused beyond {@link #MAX_FOLD_ELEMENTS} naming the shape and the
     * limit; a product past 2^63 is refused too (before, it wrapped round: [2^23, 2^41] counted 0 values).
     */
    private static long checkedCount(long[] d) {
        for (long v : d) {
            if (v < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(d));
            }
        }
        long c = org.convnet4j.util.MemoryBudget.bytesOf(1, d); // -1 past 2^63
        if (c < 0 || c > MAX_FOLD_ELEMENTS) {
            throw new IllegalArgumentException("output shape " + Arrays.toString(d) + " = " + (c < 0 ? "more than 2^63" : c)
                    + " values, above the limit of " + MAX_FOLD_ELEMENTS + " values ("
                    + org.convnet4j.util.MemoryBudget.human(MAX_FOLD_ELEMENTS * Double.BYTES)
                    + " in double precision) for a tensor computed outside the float layers");
        }
        return c;
    }

    static Arr longs(long[] values, long... dims) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        return new Arr(OnnxModel.INT64, dims, v);
    }

    /**
     * As {@link #longsOf} for an input the operator cannot do without: a missing one is refused by name (an
     * Expand left with one input by structure-aware fuzzing, issue 15, reached {@link #checkedCount} with null).
     */
    private static long[] requiredLongs(Node n, List<Arr> a, int i, String role) {
        long[] v = longsOf(a, i);
        if (v == null) {
            throw new IllegalArgumentException(n.opType() + " needs its " + role + " (input " + i + "), which is missing");
        }
        return v;
    }

    static long[] longsOf(List<Arr> a, int i) {
        if (i >= a.size() || a.get(i) == null) {
            return null;
        }
        double[] v = a.get(i).v();
        long[] out = new long[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = (long) v[k];
        }
        return out;
    }

    static long ints(Node n, String name, long fallback) {
        Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.i();
    }

    static long[] intsArr(Node n, String name) {
        Attribute a = n.attributes().get(name);
        return a == null ? null : a.ints();
    }

    static long clampAxis(long axis, int rank) {
        long v = axis < 0 ? axis + rank : axis;
        return Math.max(0, Math.min(rank, v));
    }

    static long axis(long axis, int rank) {
        long v = axis < 0 ? axis + rank : axis;
        if (v < 0 || v >= rank) {
            throw new IllegalArgumentException("axis " + axis + " outside rank " + rank);
        }
        return v;
    }

    private static Arr cast(Arr x, int to) {
        Arr r = new Arr(to, x.dims(), x.v().clone());
        if (r.integer()) {
            for (int i = 0; i < r.v().length; i++) {
                double v = r.v()[i];
                r.v()[i] = to == OnnxModel.BOOL ? (v != 0 ? 1 : 0) : (double) (long) v;
            }
        }
        return r;
    }

    private static Arr unary(String op, Arr x) {
        double[] o = new double[x.v().length];
        for (int i = 0; i < o.length; i++) {
            double v = x.v()[i];
            o[i] = switch (op) {
                case "Neg" -> -v;
                case "Abs" -> Math.abs(v);
                case "Sqrt" -> Math.sqrt(v);
                case "Exp" -> Math.exp(v);
                case "Log" -> Math.log(v);
                case "Floor" -> Math.floor(v);
                case "Ceil" -> Math.ceil(v);
                case "Reciprocal" -> 1 / v;
                case "Not" -> v == 0 ? 1 : 0;
                case "Relu" -> Math.max(0, v);
                case "Sign" -> Math.signum(v);
                case "Sin" -> Math.sin(v);
                case "Cos" -> Math.cos(v);
                case "Tanh" -> Math.tanh(v);
                case "Sigmoid" -> 1 / (1 + Math.exp(-v));
                default -> Math.rint(v);
            };
        }
        return new Arr(x.type(), x.dims(), o);
    }

    /** NumPy broadcasting of ranks aligned at the end. */
    static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            long db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** For each element of the broadcast shape {@code out}, the flat index into an operand of dims {@code s}. */
    static int[] readMap(long[] s, long[] out) {
        int r = out.length;
        long[] st = new long[r];
        long acc = 1;
        for (int i = r - 1; i >= 0; i--) {
            int j = i - (r - s.length);
            long d = j >= 0 ? s[j] : 1;
            st[i] = d == 1 ? 0 : acc;
            acc *= d;
        }
        int total = (int) checkedCount(out);
        int[] map = new int[total];
        int[] idx = new int[r];
        for (int k = 0; k < total; k++) {
            long src = 0;
            for (int i = 0; i < r; i++) {
                src += idx[i] * st[i];
            }
            map[k] = (int) src;
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < out[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return map;
    }

    /**
     * ONNX Mod: fmod=1 is C's fmod (the remainder of the quotient truncated toward zero, with the sign of the dividend;
     * Java's {@code %}), fmod=0 Python's {@code %} (the quotient floored, the sign of the divisor). ONNX defines fmod=0
     * for integers only (ONNX Runtime refuses it on floats), so it is refused on floats.
     */
    static Arr mod(Arr a, Arr b, boolean fmod) {
        if (!fmod && !(a.integer() && b.integer())) {
            throw new IllegalArgumentException("Mod with fmod=0 on " + OnnxModel.typeName(a.integer() ? b.type()
                    : a.type()) + " tensors: ONNX defines fmod=0 for integers only; floating-point tensors need fmod=1");
        }
        return binary(fmod ? "Fmod" : "Mod", a, b);
    }

    private static Arr binary(String op, Arr a, Arr b) {
        long[] out = broadcast(a.dims(), b.dims());
        int[] ma = readMap(a.dims(), out);
        int[] mb = readMap(b.dims(), out);
        boolean integer = a.integer() && b.integer();
        boolean logical = switch (op) {
            case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or" -> true;
            default -> false;
        };
        double[] o = new double[ma.length];
        for (int k = 0; k < o.length; k++) {
            double x = a.v()[ma[k]];
            double y = b.v()[mb[k]];
            o[k] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                case "Div" -> integer ? (double) ((long) x / nonZero((long) y)) : x / y;
                case "Mod" -> Math.floorMod((long) x, nonZero((long) y)); // integers only (see mod)
                case "Fmod" -> integer ? (double) ((long) x % nonZero((long) y)) : x % y;
                case "Pow" -> Math.pow(x, y);
                case "PRelu" -> x < 0 ? x * y : x;
                case "Max" -> Math.max(x, y);
                case "Min" -> Math.min(x, y);
                case "Equal" -> x == y ? 1 : 0;
                case "Less" -> x < y ? 1 : 0;
                case "Greater" -> x > y ? 1 : 0;
                case "LessOrEqual" -> x <= y ? 1 : 0;
                case "GreaterOrEqual" -> x >= y ? 1 : 0;
                case "And" -> x != 0 && y != 0 ? 1 : 0;
                default -> x != 0 || y != 0 ? 1 : 0;
            };
        }
        return new Arr(logical ? OnnxModel.BOOL : a.type(), out, o);
    }

    private static long nonZero(long divisor) {
        if (divisor == 0) {
            throw new IllegalArgumentException("integer division by zero");
        }
        return divisor;
    }

    private static Arr where(Arr c, Arr x, Arr y) {
        long[] out = broadcast(broadcast(c.dims(), x.dims()), y.dims());
        int[] mc = readMap(c.dims(), out);
        int[] mx = readMap(x.dims(), out);
        int[] my = readMap(y.dims(), out);
        double[] o = new double[mc.length];
        for (int k = 0; k < o.length; k++) {
            o[k] = c.v()[mc[k]] != 0 ? x.v()[mx[k]] : y.v()[my[k]];
        }
        return new Arr(x.type(), out, o);
    }

    static Arr unsqueeze(Arr x, long[] axes) {
        int r = x.rank() + axes.length;
        boolean[] ins = new boolean[r];
        for (long ax : axes) {
            ins[(int) axis(ax, r)] = true;
        }
        long[] d = new long[r];
        for (int i = 0, j = 0; i < r; i++) {
            d[i] = ins[i] ? 1 : x.dims()[j++];
        }
        return new Arr(x.type(), d, x.v());
    }

    static Arr squeeze(Arr x, long[] axes) {
        List<Long> d = new ArrayList<>();
        boolean[] drop = new boolean[x.rank()];
        if (axes == null) {
            for (int i = 0; i < x.rank(); i++) {
                drop[i] = x.dims()[i] == 1;
            }
        } else {
            for (long ax : axes) {
                drop[(int) axis(ax, x.rank())] = true;
            }
        }
        for (int i = 0; i < x.rank(); i++) {
            if (!drop[i]) {
                d.add(x.dims()[i]);
            }
        }
        return new Arr(x.type(), d.stream().mapToLong(Long::longValue).toArray(), x.v());
    }

    /** ONNX Reshape's target resolution: 0 copies (unless allowzero), one -1 is inferred. */
    static long[] reshape(long[] in, long[] shape, boolean allowZero) {
        long total = 1;
        for (long d : in) {
            total *= d;
        }
        long[] out = shape.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) {
                if (i >= in.length) {
                    throw new IllegalArgumentException("0 at axis " + i + " of " + Arrays.toString(shape)
                            + " copies an axis the input lacks");
                }
                out[i] = in[i];
            }
            if (out[i] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException("more than one -1 in " + Arrays.toString(shape));
                }
                unknown = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("dimension " + out[i] + " in " + Arrays.toString(shape));
            } else {
                known *= out[i];
            }
        }
        if (unknown >= 0) {
            if (known == 0 || total % known != 0) {
                throw new IllegalArgumentException("cannot infer -1 in " + Arrays.toString(shape) + " for "
                        + Arrays.toString(in));
            }
            out[unknown] = total / known;
        } else if (known != total) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(shape));
        }
        return out;
    }

    private static Arr concat(List<Arr> a, long axisAttr) {
        Arr first = a.get(0);
        int r = first.rank();
        int ax = (int) axis(axisAttr, r);
        long[] d = first.dims().clone();
        d[ax] = 0;
        for (Arr t : a) {
            d[ax] += t.dims()[ax];
        }
        long outer = 1;
        for (int i = 0; i < ax; i++) {
            outer *= d[i];
        }
        double[] o = new double[(int) checkedCount(d)];
        int pos = 0;
        for (long b = 0; b < outer; b++) {
            for (Arr t : a) {
                int chunk = (int) (t.size() / Math.max(outer, 1));
                System.arraycopy(t.v(), (int) (b * chunk), o, pos, chunk);
                pos += chunk;
            }
        }
        int type = first.type();
        return new Arr(type, d, o);
    }

    private static Arr gather(Arr x, Arr idx, long axisAttr) {
        int ax = (int) axis(axisAttr, x.rank());
        long[] d = new long[x.rank() - 1 + idx.rank()];
        int k = 0;
        for (int i = 0; i < ax; i++) {
            d[k++] = x.dims()[i];
        }
        for (long v : idx.dims()) {
            d[k++] = v;
        }
        for (int i = ax + 1; i < x.rank(); i++) {
            d[k++] = x.dims()[i];
        }
        long outer = 1;
        for (int i = 0; i < ax; i++) {
            outer *= x.dims()[i];
        }
        long inner = 1;
        for (int i = ax + 1; i < x.rank(); i++) {
            inner *= x.dims()[i];
        }
        long len = x.dims()[ax];
        double[] o = new double[(int) checkedCount(d)];
        int pos = 0;
        for (long b = 0; b < outer; b++) {
            for (double iv : idx.v()) {
                long i = (long) iv;
                if (i < 0) {
                    i += len;
                }
                if (i < 0 || i >= len) {
                    throw new IllegalArgumentException("Gather index " + (long) iv + " outside axis of size " + len);
                }
                System.arraycopy(x.v(), (int) ((b * len + i) * inner), o, pos, (int) inner);
                pos += inner;
            }
        }
        return new Arr(x.type(), d, o);
    }

    /** Resolved (start, end, step) triples per axis; used by folding and by the Slice importer. */
    static long[][] sliceBounds(long[] dims, long[] starts, long[] ends, long[] axes, long[] steps) {
        int r = dims.length;
        long[][] out = new long[r][];
        for (int i = 0; i < r; i++) {
            out[i] = new long[] {0, dims[i], 1};
        }
        for (int k = 0; k < starts.length; k++) {
            int ax = (int) axis(axes == null ? k : axes[k], r);
            long dim = dims[ax];
            long step = steps == null ? 1 : steps[k];
            if (step == 0) {
                throw new IllegalArgumentException("Slice step 0");
            }
            long s = starts[k];
            long e = ends[k];
            if (s < 0) {
                s += dim;
            }
            if (e < 0) {
                e += dim;
            }
            if (step > 0) {
                s = Math.max(0, Math.min(dim, s));
                e = Math.max(0, Math.min(dim, e));
            } else {
                s = Math.max(-1, Math.min(dim - 1, s));
                e = Math.max(-1, Math.min(dim - 1, e));
            }
            out[ax] = new long[] {s, e, step};
        }
        return out;
    }

    static long sliceCount(long[] b) {
        return b[2] > 0 ? Math.max(0, (b[1] - b[0] + b[2] - 1) / b[2]) : Math.max(0, (b[0] - b[1] - b[2] - 1) / -b[2]);
    }

    /** starts, ends, axes, steps of a Slice node: attributes before opset 10, inputs from 10. */
    static long[][] sliceArgs(Node n, List<long[]> inputs, long opset) {
        if (opset < 10) {
            return new long[][] {intsArr(n, "starts"), intsArr(n, "ends"), intsArr(n, "axes"), null};
        }
        return new long[][] {inputs.get(0), inputs.get(1), inputs.size() > 2 ? inputs.get(2) : null,
            inputs.size() > 3 ? inputs.get(3) : null};
    }

    private static Arr slice(Node n, List<Arr> a, long opset) {
        Arr x = a.get(0);
        List<long[]> args = new ArrayList<>();
        for (int i = 1; i < a.size(); i++) {
            args.add(longsOf(a, i));
        }
        long[][] s = sliceArgs(n, args, opset);
        long[][] b = sliceBounds(x.dims(), s[0], s[1], s[2], s[3]);
        long[] d = new long[x.rank()];
        long[][] per = new long[x.rank()][];
        for (int i = 0; i < d.length; i++) {
            d[i] = sliceCount(b[i]);
            per[i] = new long[(int) d[i]];
            for (int k = 0; k < d[i]; k++) {
                per[i][k] = b[i][0] + k * b[i][2];
            }
        }
        return pick(x, d, per);
    }

    private static Arr pick(Arr x, long[] d, long[][] per) {
        int r = x.rank();
        long[] st = new long[r];
        long acc = 1;
        for (int i = r - 1; i >= 0; i--) {
            st[i] = acc;
            acc *= x.dims()[i];
        }
        double[] o = new double[(int) checkedCount(d)];
        int[] idx = new int[r];
        for (int k = 0; k < o.length; k++) {
            long src = 0;
            for (int i = 0; i < r; i++) {
                src += per[i][idx[i]] * st[i];
            }
            o[k] = x.v()[(int) src];
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < d[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return new Arr(x.type(), d, o);
    }

    static Arr transpose(Arr x, long[] perm) {
        int r = x.rank();
        long[] p = perm;
        if (p == null) {
            p = new long[r];
            for (int i = 0; i < r; i++) {
                p[i] = r - 1 - i;
            }
        }
        long[] st = new long[r];
        long acc = 1;
        for (int i = r - 1; i >= 0; i--) {
            st[i] = acc;
            acc *= x.dims()[i];
        }
        long[] d = new long[r];
        for (int i = 0; i < r; i++) {
            d[i] = x.dims()[(int) p[i]];
        }
        double[] o = new double[x.v().length];
        int[] idx = new int[r];
        for (int k = 0; k < o.length; k++) {
            long src = 0;
            for (int i = 0; i < r; i++) {
                src += idx[i] * st[(int) p[i]];
            }
            o[k] = x.v()[(int) src];
            for (int i = r - 1; i >= 0; i--) {
                if (++idx[i] < d[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return new Arr(x.type(), d, o);
    }

    private static Arr range(Arr start, Arr limit, Arr delta) {
        double s = start.v()[0];
        double l = limit.v()[0];
        double d = delta.v()[0];
        if (d == 0) {
            throw new IllegalArgumentException("Range delta 0");
        }
        long count = Math.max(0, (long) Math.ceil((l - s) / d));
        checkedCount(new long[] {count});
        double[] o = new double[(int) count];
        for (int i = 0; i < count; i++) {
            o[i] = s + i * d;
        }
        return new Arr(start.type(), new long[] {count}, o);
    }

    /** Shape's value (with start and end) for a tensor of dims {@code t.dims()}. */
    static TensorData shape(Node n, TensorData t) {
        int r = t.dims().length;
        int s = (int) clampAxis(ints(n, "start", 0), r);
        int e = (int) clampAxis(ints(n, "end", r), r);
        long[] d = Arrays.copyOfRange(t.dims(), s, Math.max(s, e));
        return TensorData.ofLongs(n.outputs().get(0), d, d.length);
    }
}
