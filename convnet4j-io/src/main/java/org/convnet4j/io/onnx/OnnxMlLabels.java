package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;

/**
 * A classifier file with two outputs, as sklearn-onnx writes them: a label per row (int64 or string, possibly mapped
 * by LabelEncoder, CategoryMapper, Cast or Identity nodes after the classifier) and the per-class scores or
 * probabilities (possibly through Normalizer, Softmax, LogSoftmax, Identity and ZipMap). Loaded as a model, the
 * scores are its output and the label output becomes its class names: each class label of the classifier mapped
 * through the label path's nodes as ONNX Runtime maps the label output's values, so the name of a row's highest score
 * is what the file's label output says for that row (when the classifier's label is the argmax of its scores).
 *
 * <p>String tensors stay out of the typed path: the label path is evaluated here on the classifier's class labels
 * (a few values known at import), not on tensors. A string tensor anywhere else is refused by the importer.
 */
final class OnnxMlLabels {
    /** The label output, the scores output and the class names the label path gives the score columns. */
    record Split(String label, String scores, List<String> names) {
    }

    private static final Set<String> LABEL_PATH = Set.of("Identity", "Cast", "Reshape", "LabelEncoder",
            "CategoryMapper");

    private OnnxMlLabels() {
    }

    /**
     * The split of a two-output graph into a label and a scores output, or null when neither output is a classifier's
     * label reached through {@link #LABEL_PATH} nodes (then the graph is not such a classifier file). Throws
     * IllegalArgumentException (naming the outputs and what does not fit) when one output is such a label but the
     * other is not that classifier's per-class scores, or a node of the label path cannot be mapped.
     */
    static Split split(OnnxModel.Graph graph) {
        if (graph.outputs().size() != 2) {
            return null;
        }
        Map<String, Node> maker = new HashMap<>();
        graph.nodes().forEach(n -> n.outputs().forEach(o -> maker.put(o, n)));
        Set<String> initializers = new java.util.HashSet<>();
        graph.initializers().forEach(t -> initializers.add(t.name()));
        for (int i = 0; i < 2; i++) {
            String label = graph.outputs().get(i).name();
            String scores = graph.outputs().get(1 - i).name();
            List<Node> path = new ArrayList<>();
            Node classifier = labelPath(maker, initializers, label, path);
            if (classifier == null) {
                continue;
            }
            if (classifier.opType().equals("ArrayFeatureExtractor")) {
                return new Split(label, scores, names(extracted(graph, maker, classifier, scores), path));
            }
            Node behind = scoresClassifier(maker, scores);
            if (behind != classifier) {
                throw new IllegalArgumentException("output '" + label + "' is the label of " + describe(classifier)
                        + ", but output '" + scores + "' is not its scores (read as the model's output, through"
                        + " Normalizer, Softmax, LogSoftmax, Identity or ZipMap)");
            }
            if (!OnnxMl.scoresPerClass(classifier)) {
                throw new IllegalArgumentException("output '" + scores + "' of " + describe(classifier) + " holds the"
                        + " decision values of the class pairs (no prob_a), not one score per class; a model needs"
                        + " per-class scores");
            }
            return new Split(label, scores, names(OnnxMl.labelValues(classifier), path));
        }
        return null;
    }

    /** The class labels mapped through the label path's nodes, as text. */
    private static List<String> names(List<Object> values, List<Node> path) {
        for (Node n : path) {
            List<Object> mapped = new ArrayList<>();
            for (Object v : values) {
                mapped.add(map(n, v));
            }
            values = mapped;
        }
        List<String> names = new ArrayList<>();
        for (Object v : values) {
            names.add(text(v));
        }
        return names;
    }

    /**
     * The class labels of a label made as sklearn-onnx writes it for MLPClassifier (and other converters without an
     * ONNX-ML classifier): {@code ArrayFeatureExtractor(classes, ArgMax(scores, axis=1))}, classes an initializer
     * (strings, int64s or floats); the ArgMax must read the scores output (through Identity or ZipMap), along the
     * class axis, taking the first of equal scores.
     */
    private static List<Object> extracted(OnnxModel.Graph graph, Map<String, Node> maker, Node afe, String scores) {
        TensorData classes = graph.initializers().stream().filter(t -> t.name().equals(afe.inputs().get(0)))
                .findFirst().orElseThrow();
        Node argmax = afe.inputs().size() > 1 ? maker.get(afe.inputs().get(1)) : null;
        if (argmax == null || !argmax.opType().equals("ArgMax") || !(argmax.domain() == null
                || argmax.domain().isEmpty()) || argmax.inputs().isEmpty()) {
            throw cannot(afe, "its indices are not an ArgMax of the scores (a label picks a class name by the"
                    + " largest score)");
        }
        long axis = OnnxMl.intAttr(argmax, "axis", 0);
        if (axis != 1 && axis != -1 || OnnxMl.intAttr(argmax, "select_last_index", 0) != 0) {
            throw cannot(argmax, "attribute axis is " + axis + (axis == 1 || axis == -1 ? " with select_last_index"
                    : "") + "; a label is the class of a row's largest score (axis 1, the first of equal scores)");
        }
        if (!source(maker, argmax.inputs().get(0)).equals(source(maker, scores))) {
            throw cannot(argmax, "it reads '" + argmax.inputs().get(0) + "', not the scores output '" + scores + "'");
        }
        long rows = classes.dims().length == 2 ? classes.dims()[0] : 1;
        if (classes.dims().length > 2 || rows != 1) {
            throw cannot(afe, "the classes '" + classes.name() + "' have dims "
                    + java.util.Arrays.toString(classes.dims()) + " (one row of class labels)");
        }
        List<Object> out = new ArrayList<>();
        for (int k = 0; k < classes.elementCount(); k++) {
            out.add(classes.isString() ? classes.strings().get(k) : classes.isInteger() ? (Object) (long) classes.value(k)
                    : (Object) (classes.value(k) + 0.0));
        }
        return out;
    }

    /** Value v traced back through Identity and ZipMap nodes. */
    private static String source(Map<String, Node> maker, String v) {
        for (int step = 0; step <= maker.size(); step++) {
            Node n = maker.get(v);
            boolean passes = n != null && !n.inputs().isEmpty() && (OnnxMl.isMl(n) ? n.opType().equals("ZipMap")
                    : n.opType().equals("Identity"));
            if (!passes) {
                return v;
            }
            v = n.inputs().get(0);
        }
        return v;
    }

    /**
     * The classifier whose label output (its first) {@code value} is, through label-path nodes (collected into
     * {@code path} in the order they run), or null.
     */
    private static Node labelPath(Map<String, Node> maker, Set<String> initializers, String value, List<Node> path) {
        String v = value;
        for (int step = 0; step <= maker.size(); step++) {
            Node n = maker.get(v);
            if (n == null) {
                return null;
            }
            if (OnnxMl.isMl(n) && OnnxMl.CLASSIFIERS.contains(n.opType())) {
                return n.outputs().indexOf(v) == 0 ? n : null;
            }
            if (OnnxMl.isMl(n) && n.opType().equals("ArrayFeatureExtractor") && n.inputs().size() == 2) {
                return initializers.contains(n.inputs().get(0)) ? n : null; // the class labels, picked by index
            }
            boolean ml = OnnxMl.isMl(n);
            boolean passes = ml ? n.opType().equals("LabelEncoder") || n.opType().equals("CategoryMapper")
                    : (n.domain() == null || n.domain().isEmpty()) && LABEL_PATH.contains(n.opType());
            if (!passes || n.inputs().isEmpty()) {
                return null;
            }
            path.add(0, n);
            v = n.inputs().get(0);
        }
        return null;
    }

    /** The classifier whose scores (its second output) {@code value} is, through pass-through nodes, or null. */
    private static Node scoresClassifier(Map<String, Node> maker, String value) {
        String v = value;
        for (int step = 0; step <= maker.size(); step++) {
            Node n = maker.get(v);
            if (n == null) {
                return null;
            }
            boolean ml = OnnxMl.isMl(n);
            if (ml && OnnxMl.CLASSIFIERS.contains(n.opType())) {
                return n.outputs().indexOf(v) == 1 ? n : null;
            }
            boolean passes = ml && (n.opType().equals("ZipMap") || n.opType().equals("Normalizer"))
                    || !ml && Set.of("Identity", "Softmax", "LogSoftmax").contains(n.opType());
            if (!passes || n.inputs().isEmpty()) {
                return null;
            }
            v = n.inputs().get(0);
        }
        return null;
    }

    private static String describe(Node n) {
        return n.opType() + " node '" + (n.name().isEmpty() ? n.outputs().get(0) : n.name()) + "'";
    }

    private static IllegalArgumentException cannot(Node n, String why) {
        return new IllegalArgumentException("label output: " + describe(n) + ": " + why);
    }

    /** Value v (Long, Double or String) as node n maps it. */
    static Object map(Node n, Object v) {
        return switch (n.opType()) {
            case "Identity", "Reshape" -> v; // Reshape: sklearn-onnx's [N, 1] labels to [N]
            case "Cast" -> cast(n, v);
            case "LabelEncoder" -> labelEncoder(n, v);
            case "CategoryMapper" -> categoryMapper(n, v);
            default -> throw cannot(n, "not a node of a label path");
        };
    }

    private static Object cast(Node n, Object v) {
        int to = (int) OnnxMl.intAttr(n, "to", -1);
        switch (to) {
            case OnnxModel.INT64, 6 /* INT32 */ -> {
                if (v instanceof Long) {
                    return v;
                }
                if (v instanceof String s) {
                    try {
                        return Long.parseLong(s.trim());
                    } catch (NumberFormatException e) {
                        throw cannot(n, "class label '" + s + "' is not an integer to cast to "
                                + OnnxModel.typeName(to));
                    }
                }
                double d = (Double) v;
                return (long) d; // towards zero, as a float-to-integer cast
            }
            case 8 /* STRING */ -> {
                if (v instanceof String) {
                    return v;
                }
                if (v instanceof Long) {
                    return v.toString();
                }
                throw cannot(n, "a float label cast to string (its text form is ONNX Runtime's own; give integer or"
                        + " string labels)");
            }
            case OnnxModel.FLOAT, OnnxModel.DOUBLE -> {
                if (v instanceof String s) {
                    try {
                        return Double.parseDouble(s.trim());
                    } catch (NumberFormatException e) {
                        throw cannot(n, "class label '" + s + "' is not a number to cast to "
                                + OnnxModel.typeName(to));
                    }
                }
                double d = v instanceof Long l ? (double) l : (Double) v;
                return to == OnnxModel.FLOAT ? (double) (float) d : d;
            }
            default -> throw cannot(n, "attribute to is " + to + "; a label is cast to INT64, INT32, FLOAT, DOUBLE or"
                    + " STRING");
        }
    }

    /**
     * LabelEncoder: ai.onnx.ml 1 (classes_strings: an integer is an index into them, a string its position, with
     * default_string "_Unused" and default_int64 -1), ai.onnx.ml 2 (keys_* to values_*, strings, int64s or floats;
     * defaults "_Unused", -1, -0.0) and 4's keys_tensor / values_tensor (numbers or strings).
     */
    private static Object labelEncoder(Node n, Object v) {
        String[] classes = OnnxMl.strings(n, "classes_strings");
        if (classes.length > 0) {
            if (v instanceof Long l) {
                return l >= 0 && l < classes.length ? classes[(int) (long) l]
                        : OnnxMl.string(n, "default_string", "_Unused");
            }
            if (v instanceof String s) {
                int at = List.of(classes).indexOf(s);
                return at >= 0 ? (Object) (long) at : (Object) OnnxMl.intAttr(n, "default_int64", -1);
            }
            throw cannot(n, "a float label with classes_strings (it maps int64 to string or string to int64)");
        }
        Attribute kt = OnnxMl.attribute(n, "keys_tensor", Attribute.TENSOR);
        List<Object> keys;
        List<Object> values;
        Object fallback;
        if (kt != null) {
            Attribute vt = OnnxMl.attribute(n, "values_tensor", Attribute.TENSOR);
            if (vt == null || kt.t() == null || vt.t() == null) {
                throw cannot(n, "attributes keys_tensor and values_tensor are required together");
            }
            keys = tensorValues(kt.t());
            values = tensorValues(vt.t());
            Attribute dt = OnnxMl.attribute(n, "default_tensor", Attribute.TENSOR);
            fallback = dt != null && dt.t() != null && dt.t().elementCount() > 0 ? tensorValues(dt.t()).get(0)
                    : vt.t().isString() ? "_Unused" : vt.t().isInteger() ? (Object) (-1L) : (Object) (-0.0);
        } else {
            keys = listOf(n, "keys");
            values = listOf(n, "values");
            if (keys == null || values == null) {
                throw cannot(n, "one of keys_strings, keys_int64s, keys_floats and one of values_strings,"
                        + " values_int64s, values_floats are required");
            }
            fallback = values.get(0) instanceof String ? (Object) OnnxMl.string(n, "default_string", "_Unused")
                    : values.get(0) instanceof Long ? (Object) OnnxMl.intAttr(n, "default_int64", -1)
                    : (Object) OnnxMl.floatAttr(n, "default_float", -0.0f);
        }
        if (keys.size() != values.size()) {
            throw cannot(n, "the keys are " + keys.size() + ", the values " + values.size());
        }
        if (!keys.isEmpty() && keys.get(0).getClass() != v.getClass()) {
            throw cannot(n, "its keys are " + kind(keys.get(0)) + ", the label is " + kind(v) + " ('" + text(v)
                    + "')");
        }
        int at = keys.indexOf(v);
        return at >= 0 ? values.get(at) : fallback;
    }

    /** CategoryMapper: cats_strings[i] and cats_int64s[i] map to each other; default_string, default_int64. */
    private static Object categoryMapper(Node n, Object v) {
        String[] strings = OnnxMl.strings(n, "cats_strings");
        long[] ints = OnnxMl.ints(n, "cats_int64s");
        if (strings.length != ints.length) {
            throw cannot(n, "attribute cats_strings has " + strings.length + " values, cats_int64s " + ints.length);
        }
        if (v instanceof Long l) {
            for (int i = 0; i < ints.length; i++) {
                if (ints[i] == l) {
                    return strings[i];
                }
            }
            return OnnxMl.string(n, "default_string", "_Unused");
        }
        if (v instanceof String s) {
            int at = List.of(strings).indexOf(s);
            return at >= 0 ? (Object) ints[at] : (Object) OnnxMl.intAttr(n, "default_int64", -1);
        }
        throw cannot(n, "a float label (it maps int64 to string or string to int64)");
    }

    /** The keys_* or values_* attribute as a list (strings, int64s or floats: exactly one); null when none. */
    private static List<Object> listOf(Node n, String prefix) {
        String[] s = OnnxMl.strings(n, prefix + "_strings");
        long[] i = OnnxMl.ints(n, prefix + "_int64s");
        double[] f = OnnxMl.floats(n, prefix + "_floats");
        int given = (s.length > 0 ? 1 : 0) + (i.length > 0 ? 1 : 0) + (f.length > 0 ? 1 : 0);
        if (given > 1) {
            throw cannot(n, "more than one of " + prefix + "_strings, " + prefix + "_int64s, " + prefix
                    + "_floats is given");
        }
        List<Object> out = new ArrayList<>();
        for (String x : s) {
            out.add(x);
        }
        for (long x : i) {
            out.add(x);
        }
        for (double x : f) {
            out.add((double) (float) x + 0.0);
        }
        return given == 0 ? null : out;
    }

    private static List<Object> tensorValues(TensorData t) {
        if (t.isString()) {
            return new ArrayList<>(t.strings());
        }
        List<Object> out = new ArrayList<>();
        for (int k = 0; k < t.elementCount(); k++) {
            out.add(t.isInteger() ? (Object) (long) t.value(k) : (Object) (t.value(k) + 0.0));
        }
        return out;
    }

    private static String kind(Object v) {
        return v instanceof String ? "strings" : v instanceof Long ? "integers" : "floats";
    }

    /** A label as text: a string as it is, an integer in decimal, a float as Java writes a float. */
    static String text(Object v) {
        return v instanceof Double d ? Float.toString((float) (double) d) : v.toString();
    }
}
