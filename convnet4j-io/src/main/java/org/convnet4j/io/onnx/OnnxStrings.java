package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.util.MemoryBudget;

/**
 * STRING tensors on the typed path, where sklearn-onnx's files compute with them: a string column one-hot encoded
 * ({@code OneHotEncoder} with {@code cats_strings}) or mapped ({@code LabelEncoder} with string keys or values:
 * ai.onnx.ml 1 {@code classes_strings}, 2 {@code keys_strings}/{@code values_strings}, 4 STRING
 * {@code keys_tensor}/{@code values_tensor}), and the operators that only move values: {@link #MOVERS} (the
 * MLPClassifier's label is {@code ArrayFeatureExtractor} of a STRING classes initializer). Movers run the numeric
 * evaluator on codes (each distinct string's index in a table of the node's inputs) and decode its result, so they
 * move strings exactly as they move numbers. Any other operator reading a string is refused at import
 * ({@link #refusal}).
 */
final class OnnxStrings {
    /** Operators that move a STRING input's values unchanged (input 0; every input of Concat). */
    static final Set<String> MOVERS = Set.of("Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat",
            "Gather", "ArrayFeatureExtractor");

    private OnnxStrings() {
    }

    /** Whether node n may read a STRING value at input {@code i}. */
    static boolean reads(Node n, int i) {
        String op = n.opType();
        if (OnnxMl.isMl(n)) {
            return i == 0 && Set.of("ArrayFeatureExtractor", "LabelEncoder", "OneHotEncoder").contains(op);
        }
        boolean std = n.domain().isEmpty() || n.domain().equals("ai.onnx");
        return std && (op.equals("Concat") || i == 0 && MOVERS.contains(op));
    }

    /** Whether node n's output 0 is a STRING tensor, given whether its input 0 (any input, for Concat) is one. */
    static boolean gives(Node n, boolean readsString) {
        if (OnnxMl.isMl(n) && n.opType().equals("LabelEncoder")) {
            return stringValues(n, readsString);
        }
        return readsString && MOVERS.contains(n.opType());
    }

    /** Whether node n has string attributes that {@link OnnxMl}'s numeric forms refuse (this class computes it). */
    static boolean takes(Node n) {
        if (!OnnxMl.isMl(n)) {
            return false;
        }
        if (n.opType().equals("OneHotEncoder")) {
            return n.attributes().containsKey("cats_strings");
        }
        if (!n.opType().equals("LabelEncoder")) {
            return false;
        }
        for (String s : List.of("classes_strings", "keys_strings", "values_strings")) {
            if (n.attributes().containsKey(s)) {
                return true;
            }
        }
        for (String s : List.of("keys_tensor", "values_tensor")) {
            Attribute a = OnnxMl.attribute(n, s, Attribute.TENSOR);
            if (a != null && a.t() != null && a.t().isString()) {
                return true;
            }
        }
        return false;
    }

    /** Whether a string-taking LabelEncoder gives strings (its values, or classes_strings read with integers). */
    private static boolean stringValues(Node n, boolean readsString) {
        if (n.attributes().containsKey("classes_strings")) {
            return !readsString;
        }
        Attribute vt = OnnxMl.attribute(n, "values_tensor", Attribute.TENSOR);
        return n.attributes().containsKey("values_strings") || vt != null && vt.t() != null && vt.t().isString();
    }

    /** The import-time check of a node {@link #takes}: its attributes read as at run time. */
    static void check(Node n) {
        if (n.opType().equals("OneHotEncoder")) {
            if (n.attributes().containsKey("cats_int64s")) {
                throw new IllegalArgumentException("attributes cats_strings and cats_int64s are both given (one of"
                        + " them names the categories)");
            }
            if (OnnxMl.strings(n, "cats_strings").length == 0) {
                throw new IllegalArgumentException("attribute cats_strings is empty");
            }
        }
    }

    /** Whether {@link #evaluate} computes node n on these inputs (a STRING input or string attributes). */
    static boolean handles(Node n, List<TensorData> in) {
        return takes(n) || in.stream().anyMatch(t -> t != null && t.isString());
    }

    /** One line for a node that reads STRING value v where strings cannot go; null when it may. */
    static String refusal(Node n, int i, String v) {
        if (reads(n, i)) {
            return null;
        }
        return n.opType() + " node '" + (n.name().isEmpty() ? String.join(",", n.outputs()) : n.name())
                + "' reads the string tensor '" + v + "': strings are read by OneHotEncoder (cats_strings),"
                + " LabelEncoder and the operators that move values (" + String.join(", ", new java.util.TreeSet<>(
                MOVERS)) + ") only";
    }

    static List<TensorData> evaluate(Node n, List<TensorData> in, long opset) {
        String out = n.outputs().isEmpty() ? "" : n.outputs().get(0);
        if (OnnxMl.isMl(n) && n.opType().equals("OneHotEncoder")) {
            return List.of(oneHot(n, in.get(0), out));
        }
        if (OnnxMl.isMl(n) && n.opType().equals("LabelEncoder")) {
            return List.of(labelEncoder(n, in.get(0), out));
        }
        for (int i = 0; i < in.size(); i++) {
            if (in.get(i) != null && in.get(i).isString() && !reads(n, i)) {
                throw new IllegalArgumentException(refusal(n, i, in.get(i).name()));
            }
        }
        // movers: the numeric evaluator on codes, decoded
        Map<String, Integer> codes = new LinkedHashMap<>();
        List<TensorData> coded = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            TensorData t = in.get(i);
            if (t != null && i == 1 && !t.isString() && !t.isInteger()
                    && (n.opType().equals("Gather") || n.opType().equals("ArrayFeatureExtractor"))) {
                coded.add(wholeIndices(n, t)); // an ArgMax the float layers computed holds its int64 result as floats
                continue;
            }
            if (t == null || !t.isString()) {
                coded.add(t);
                continue;
            }
            long[] c = new long[t.strings().size()];
            float[] f = new float[c.length];
            for (int k = 0; k < c.length; k++) {
                c[k] = codes.computeIfAbsent(t.strings().get(k), s -> codes.size());
                f[k] = c[k];
            }
            coded.add(new TensorData(t.name(), OnnxModel.INT64, t.dims().clone(), f, c));
        }
        if (n.opType().equals("Concat") && coded.stream().anyMatch(t -> t != null && t.dataType() != OnnxModel.INT64)) {
            throw new IllegalArgumentException("Concat of STRING and numeric tensors");
        }
        List<String> table = new ArrayList<>(codes.keySet());
        List<TensorData> results = new ArrayList<>();
        for (TensorData r : OnnxFolding.evaluate(n, coded, opset)) {
            List<String> s = new ArrayList<>(r.longs().length);
            for (long c : r.longs()) {
                s.add(table.get((int) c));
            }
            results.add(new TensorData(r.name(), 8 /* STRING */, r.dims().clone(), new float[0], null, null, s));
        }
        return results;
    }

    /** Float indices (an integer operator's result held by the float layers) as INT64; they must be whole. */
    private static TensorData wholeIndices(Node n, TensorData t) {
        long[] l = new long[t.floats().length];
        for (int k = 0; k < l.length; k++) {
            double v = t.value(k);
            if (Math.rint(v) != v || Math.abs(v) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(n.opType() + ": index " + v + " of '" + t.name() + "' is not a whole"
                        + " number");
            }
            l[k] = (long) v;
        }
        return new TensorData(t.name(), OnnxModel.INT64, t.dims().clone(), t.floats().clone(), l);
    }

    /** OneHotEncoder, cats_strings: X's shape and one more axis of C; zeros = 0 makes an unknown string an error. */
    private static TensorData oneHot(Node n, TensorData x, String name) {
        if (!x.isString()) {
            throw new IllegalArgumentException("OneHotEncoder with cats_strings reads a STRING tensor, given "
                    + OnnxModel.typeName(x.dataType()));
        }
        String[] cats = OnnxMl.strings(n, "cats_strings");
        boolean zeros = OnnxMl.intAttr(n, "zeros", 1) != 0;
        int rows = x.strings().size();
        int c = cats.length;
        if ((long) rows * c > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("OneHotEncoder: " + rows + " values x " + c + " categories is more"
                    + " values than an array holds");
        }
        MemoryBudget.requireParameter("OneHotEncoder: " + rows + " values x " + c + " categories",
                MemoryBudget.bytesOf(Float.BYTES, rows, c));
        Map<String, Integer> at = new HashMap<>();
        for (int k = c - 1; k >= 0; k--) {
            at.put(cats[k], k);
        }
        float[] out = new float[rows * c];
        for (int k = 0; k < rows; k++) {
            Integer i = at.get(x.strings().get(k));
            if (i != null) {
                out[k * c + i] = 1;
            } else if (!zeros) {
                throw new IllegalArgumentException("OneHotEncoder: '" + clip(x.strings().get(k)) + "' is not among"
                        + " cats_strings (zeros = 0)");
            }
        }
        long[] dims = java.util.Arrays.copyOf(x.dims(), x.dims().length + 1);
        dims[x.dims().length] = c;
        return new TensorData(name, OnnxModel.FLOAT, dims, out, null);
    }

    /** LabelEncoder with string keys or values, element by element as {@link OnnxMlLabels#map} maps a label. */
    private static TensorData labelEncoder(Node n, TensorData x, String name) {
        int count = (int) x.elementCount();
        Map<Object, Object> seen = new HashMap<>(); // each distinct value mapped once
        List<Object> mapped = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            Object v = x.isString() ? x.strings().get(k) : x.isInteger() ? (Object) x.longs()[k]
                    : (Object) ((double) (float) x.value(k) + 0.0);
            Object y = seen.get(v);
            if (y == null) {
                try {
                    y = OnnxMlLabels.map(n, v);
                } catch (IllegalArgumentException e) {
                    String m = e.getMessage();
                    throw new IllegalArgumentException(m.startsWith("label output: ") ? m.substring(14) : m, e);
                }
                seen.put(v, y);
            }
            mapped.add(y);
        }
        int type = outputType(n, x.isString());
        if (type == OnnxModel.STRING) {
            List<String> s = new ArrayList<>(count);
            mapped.forEach(y -> s.add((String) y));
            return new TensorData(name, 8, x.dims().clone(), new float[0], null, null, s);
        }
        float[] f = new float[count];
        long[] l = type == OnnxModel.INT64 ? new long[count] : null;
        double[] d = type == OnnxModel.DOUBLE ? new double[count] : null;
        for (int k = 0; k < count; k++) {
            Object y = mapped.get(k);
            if (y instanceof String) {
                throw new IllegalArgumentException("LabelEncoder node '" + n.name() + "': a string value where its"
                        + " values are numbers");
            }
            double v = y instanceof Long i ? (double) i : (Double) y;
            f[k] = (float) v;
            if (l != null) {
                l[k] = (long) v;
            }
            if (d != null) {
                d[k] = v;
            }
        }
        return new TensorData(name, type, x.dims().clone(), f, l, d);
    }

    /** The element type of a LabelEncoder's output: its values' type (classes_strings: the other of the input's). */
    private static int outputType(Node n, boolean readsString) {
        if (n.attributes().containsKey("classes_strings")) {
            return readsString ? OnnxModel.INT64 : 8;
        }
        Attribute vt = OnnxMl.attribute(n, "values_tensor", Attribute.TENSOR);
        if (vt != null && vt.t() != null) {
            return vt.t().dataType();
        }
        return n.attributes().containsKey("values_strings") ? 8 : n.attributes().containsKey("values_int64s")
                ? OnnxModel.INT64 : OnnxModel.FLOAT;
    }

    private static String clip(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        StringBuilder b = new StringBuilder();
        for (char ch : t.toCharArray()) {
            b.append(ch < 0x20 || ch == 0x7f ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
        }
        return b.toString();
    }
}
