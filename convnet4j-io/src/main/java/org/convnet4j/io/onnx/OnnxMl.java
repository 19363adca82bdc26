package org.convnet4j.io.onnx;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.convnet4j.io.onnx.OnnxFolding.Arr;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.tensor.RowOps;

/**
 * The ONNX-ML operators (domain {@code ai.onnx.ml}) that heads on a network's features are written with: the
 * classifiers {@code SVMClassifier}, {@code TreeEnsembleClassifier}, {@code LinearClassifier}; the regressors
 * {@code SVMRegressor}, {@code TreeEnsembleRegressor}, {@code LinearRegressor} and ai.onnx.ml 5's
 * {@code TreeEnsemble}; the transforms {@code Normalizer}, {@code Scaler}, {@code Binarizer}, {@code Imputer},
 * {@code ArrayFeatureExtractor}, {@code OneHotEncoder} (integer categories), {@code LabelEncoder} (number keys and
 * values) and {@code ZipMap}. They run on the typed path of {@link OnnxProgram} (in double precision, as the rest of
 * it), for inference only: no reference framework trains a tree ensemble or a kernel SVM by gradient, so these nodes
 * have no backward pass and a program that reaches them in {@code backward} says so.
 *
 * <p>{@link #check} reads and checks a node's attributes once at import (lengths that must agree, known kernel,
 * mode and post_transform names), so a malformed node is one line naming the node and the attribute.
 * {@code ZipMap}'s result (a sequence of maps from class label to probability) is given as the [N, C] tensor of
 * its values, columns in the order of its labels. The typed path holds numbers: string class labels are read where
 * only the probabilities are used, a label output of string labels is refused, and so are string keys, values and
 * categories of LabelEncoder and OneHotEncoder.
 */
final class OnnxMl {
    static final String DOMAIN = "ai.onnx.ml";

    /** The operators of {@link #DOMAIN} this class evaluates. */
    static final Set<String> OPS = Set.of("SVMClassifier", "TreeEnsembleClassifier", "LinearClassifier",
            "Normalizer", "Scaler", "ZipMap", "SVMRegressor", "TreeEnsembleRegressor", "LinearRegressor",
            "TreeEnsemble", "ArrayFeatureExtractor", "Binarizer", "Imputer", "LabelEncoder", "OneHotEncoder");

    static final Set<String> CLASSIFIERS = Set.of("SVMClassifier", "TreeEnsembleClassifier",
            "LinearClassifier");

    private static final Set<String> TRANSFORMS = Set.of("NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT");

    private OnnxMl() {
    }

    static boolean isMl(Node n) {
        return DOMAIN.equals(n.domain());
    }

    /** Whether this class evaluates node n. */
    static boolean evaluates(Node n) {
        return isMl(n) && OPS.contains(n.opType());
    }

    /** Classifiers give two outputs: the label of each row and the scores. */
    static boolean multiOutput(Node n) {
        return isMl(n) && CLASSIFIERS.contains(n.opType());
    }

    /**
     * Reads and checks node n's attributes (the import-time check); {@code labelRead} tells whether anything reads a
     * classifier's label output. Throws IllegalArgumentException naming the attribute.
     */
    static void check(Node n, boolean labelRead) {
        switch (n.opType()) {
            case "SVMClassifier" -> labelsUsable(Svm.of(n).labels, labelRead);
            case "TreeEnsembleClassifier" -> labelsUsable(Trees.of(n).labels, labelRead);
            case "LinearClassifier" -> labelsUsable(Linear.of(n).labels, labelRead);
            case "SVMRegressor" -> Svr.of(n);
            case "LinearRegressor" -> LinearRegressor.of(n);
            case "TreeEnsembleRegressor", "TreeEnsemble" -> Trees.of(n);
            case "ArrayFeatureExtractor" -> {
            }
            case "Binarizer" -> floatAttr(n, "threshold", 0);
            case "Imputer" -> Imputer.of(n);
            case "LabelEncoder" -> LabelEncoder.of(n);
            case "OneHotEncoder" -> OneHot.of(n);
            case "Normalizer" -> norm(n);
            case "Scaler" -> {
                floats(n, "offset");
                floats(n, "scale");
            }
            case "ZipMap" -> Labels.of(n, "classlabels_int64s", "classlabels_strings");
            default -> throw new IllegalArgumentException("operator " + DOMAIN + "." + n.opType() + " is not supported");
        }
    }

    /**
     * The class labels behind graph value {@code value} as text, or null: the labels of the ZipMap that makes it, or
     * of the classifier whose scores it is, through Normalizer, Identity, Softmax and LogSoftmax nodes (a
     * classifier's scores normalised or put in a map keep its columns).
     */
    static List<String> classLabels(OnnxModel.Graph graph, String value) {
        java.util.Map<String, Node> maker = new java.util.HashMap<>();
        for (Node n : graph.nodes()) {
            for (String o : n.outputs()) {
                maker.put(o, n);
            }
        }
        String v = value;
        for (int step = 0; step <= graph.nodes().size(); step++) {
            Node n = maker.get(v);
            if (n == null) {
                return null;
            }
            boolean ml = isMl(n);
            String op = n.opType();
            if (ml && op.equals("ZipMap") || ml && CLASSIFIERS.contains(op) && n.outputs().indexOf(v) == 1) {
                if (!op.equals("ZipMap") && !scoresPerClass(n)) {
                    return null; // an SVM's pairwise decision values: a column per class pair, not per class
                }
                Labels labels = op.equals("ZipMap") || op.equals("TreeEnsembleClassifier")
                        ? Labels.of(n, "classlabels_int64s", "classlabels_strings")
                        : Labels.of(n, "classlabels_ints", "classlabels_strings");
                List<String> names = new ArrayList<>();
                for (int c = 0; c < labels.size(); c++) {
                    names.add(labels.ints != null ? Long.toString(labels.ints[c]) : labels.strings[c]);
                }
                return names;
            }
            boolean passes = ml && op.equals("Normalizer")
                    || !ml && Set.of("Identity", "Softmax", "LogSoftmax").contains(op);
            if (!passes || n.inputs().isEmpty()) {
                return null;
            }
            v = n.inputs().get(0);
        }
        return null;
    }

    /**
     * Whether classifier n's scores have one column per class: all but an SVMClassifier with support vectors, more
     * than two classes and no probabilities (prob_a), whose scores are the decision values of the class pairs.
     */
    static boolean scoresPerClass(Node n) {
        if (!n.opType().equals("SVMClassifier")) {
            return true;
        }
        Svm s = Svm.of(n);
        return s.vectors == 0 || s.probA.length > 0 || s.labels.size() <= 2;
    }

    /**
     * Whether graph value {@code value} holds class probabilities: made by a Softmax, or (through ZipMap and
     * Identity) by a classifier whose scores are probabilities: post_transform SOFTMAX or SOFTMAX_ZERO; LOGISTIC then a
     * Normalizer L1; a two-class LinearClassifier with LOGISTIC whose second row and intercept are the first's negated
     * (sklearn-onnx's binary logistic regression: the two scores are s and -s, and their logistics sum to 1); a
     * TreeEnsembleClassifier with NONE whose leaves prove its rows sum to 1 (a random forest's vote fractions: see
     * {@code Trees.fractionsSumToOne}); an SVMClassifier with prob_a. Read from the node's attributes, never from
     * output values.
     */
    static boolean probabilities(OnnxModel.Graph graph, String value) {
        java.util.Map<String, Node> maker = new java.util.HashMap<>();
        graph.nodes().forEach(n -> n.outputs().forEach(o -> maker.put(o, n)));
        String v = value;
        boolean l1 = false;
        for (int step = 0; step <= graph.nodes().size(); step++) {
            Node n = maker.get(v);
            if (n == null || n.inputs().isEmpty()) {
                return false;
            }
            boolean ml = isMl(n);
            String op = n.opType();
            if (!ml && op.equals("Softmax")) {
                return true;
            }
            if (ml && CLASSIFIERS.contains(op)) {
                if (n.outputs().indexOf(v) != 1) {
                    return false;
                }
                String t = postTransformOf(n);
                return t.equals("SOFTMAX") || t.equals("SOFTMAX_ZERO") || l1 && t.equals("LOGISTIC")
                        || op.equals("SVMClassifier") && Svm.of(n).probA.length > 0
                        || op.equals("LinearClassifier") && t.equals("LOGISTIC") && Linear.of(n).opposedPair()
                        || op.equals("TreeEnsembleClassifier") && t.equals("NONE") && Trees.of(n).fractionsSumToOne();
            }
            if (ml && op.equals("Normalizer")) {
                if (!norm(n).equals("L1")) {
                    return false;
                }
                l1 = true;
            } else if (!(ml && op.equals("ZipMap") || !ml && op.equals("Identity"))) {
                return false;
            }
            v = n.inputs().get(0);
        }
        return false;
    }

    /** Classifier n's labels in the order of its score columns: Long for integer labels, String for strings. */
    static List<Object> labelValues(Node n) {
        Labels labels = n.opType().equals("TreeEnsembleClassifier")
                ? Labels.of(n, "classlabels_int64s", "classlabels_strings")
                : Labels.of(n, "classlabels_ints", "classlabels_strings");
        List<Object> out = new ArrayList<>();
        for (int c = 0; c < labels.size(); c++) {
            out.add(labels.ints != null ? (Object) labels.ints[c] : labels.strings[c]);
        }
        return out;
    }

    private static void labelsUsable(Labels labels, boolean labelRead) {
        if (labelRead && labels.ints == null) {
            throw new IllegalArgumentException("attribute " + labels.attribute + ": the label output is read, and"
                    + " string labels cannot be held on the typed path (only the scores can; use integer labels)");
        }
    }

    /** Evaluates node n on its inputs: [labels, scores] for a classifier, [result] otherwise. */
    static List<Arr> eval(Node n, List<Arr> a) {
        Arr x = a.get(0);
        if (x == null) {
            throw new IllegalArgumentException(n.opType() + ": no input X");
        }
        switch (n.opType()) { // element-wise and indexing operators: any rank
            case "ArrayFeatureExtractor" -> {
                return List.of(extract(x, a.size() > 1 ? a.get(1) : null));
            }
            case "Binarizer" -> {
                double t = floatAttr(n, "threshold", 0);
                double[] v = new double[x.v().length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Double.isNaN(x.v()[i]) ? Double.NaN : x.v()[i] > t ? 1 : 0;
                }
                return List.of(new Arr(x.type(), x.dims().clone(), v));
            }
            case "Imputer" -> {
                return List.of(Imputer.of(n).run(x));
            }
            case "LabelEncoder" -> {
                return List.of(LabelEncoder.of(n).run(x));
            }
            case "OneHotEncoder" -> {
                return List.of(OneHot.of(n).run(x));
            }
            default -> {
            }
        }
        if (x.rank() < 1 || x.rank() > 2) {
            throw new IllegalArgumentException(n.opType() + ": X has shape " + java.util.Arrays.toString(x.dims())
                    + " (a row [F] or rows [N, F] are expected)");
        }
        int rows = x.rank() == 1 ? 1 : (int) x.dims()[0];
        int width = (int) x.dims()[x.rank() - 1];
        return switch (n.opType()) {
            case "SVMClassifier" -> Svm.of(n).run(x.v(), rows, width);
            case "TreeEnsembleClassifier", "TreeEnsembleRegressor", "TreeEnsemble" -> Trees.of(n).run(x, rows, width);
            case "LinearClassifier" -> Linear.of(n).run(x.v(), rows, width);
            case "SVMRegressor" -> Svr.of(n).run(x.v(), rows, width);
            case "LinearRegressor" -> LinearRegressor.of(n).run(x.v(), rows, width);
            case "Normalizer" -> List.of(normalize(norm(n), x, rows, width));
            case "Scaler" -> List.of(scale(n, x, rows, width));
            case "ZipMap" -> {
                Labels labels = Labels.of(n, "classlabels_int64s", "classlabels_strings");
                if (width != labels.size()) {
                    throw new IllegalArgumentException("ZipMap: X has " + width + " columns, "
                            + labels.attribute + " " + labels.size() + " labels");
                }
                yield List.of(new Arr(OnnxModel.FLOAT, new long[] {rows, width}, x.v().clone()));
            }
            default -> throw new IllegalArgumentException("operator " + DOMAIN + "." + n.opType() + " is not supported");
        };
    }

    // ---- attributes ---------------------------------------------------------------------------------------------

    static Attribute attribute(Node n, String name, int... types) {
        Attribute a = n.attributes().get(name);
        if (a == null) {
            return null;
        }
        for (int t : types) {
            if (a.type() == t) {
                return a;
            }
        }
        throw new IllegalArgumentException("attribute " + name + " has attribute type " + a.type() + " (expected "
                + java.util.Arrays.toString(types) + ")");
    }

    /**
     * A FLOATS attribute, or the TENSOR attribute {@code name_as_tensor} of later opsets, or a TENSOR attribute
     * {@code name} (ai.onnx.ml 5); empty if none.
     */
    static double[] floats(Node n, String name) {
        Attribute a = attribute(n, name, Attribute.FLOATS, Attribute.TENSOR);
        Attribute t = attribute(n, name + "_as_tensor", Attribute.TENSOR);
        if (a != null && a.type() == Attribute.TENSOR) { // ai.onnx.ml 5 gives its numbers as tensors
            if (t != null) {
                throw new IllegalArgumentException("attributes " + name + " and " + name + "_as_tensor are both given");
            }
            t = a;
            a = null;
        }
        if (a != null && t != null) {
            throw new IllegalArgumentException("attributes " + name + " and " + name + "_as_tensor are both given");
        }
        if (t != null && t.t() != null) {
            double[] v = new double[(int) t.t().elementCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.t().value(i);
            }
            return v;
        }
        double[] v = new double[a == null || a.floats() == null ? 0 : a.floats().length];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.floats()[i];
        }
        return v;
    }

    static long[] ints(Node n, String name) {
        Attribute a = attribute(n, name, Attribute.INTS);
        return a == null || a.ints() == null ? new long[0] : a.ints();
    }

    static String string(Node n, String name, String fallback) {
        Attribute a = attribute(n, name, Attribute.STRING);
        return a == null ? fallback : a.string();
    }

    static String[] strings(Node n, String name) {
        Attribute a = attribute(n, name, Attribute.STRINGS);
        if (a == null || a.strings() == null) {
            return new String[0];
        }
        String[] s = new String[a.strings().size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = new String(a.strings().get(i), StandardCharsets.UTF_8);
        }
        return s;
    }

    private static String postTransformOf(Node n) {
        String t = string(n, "post_transform", "NONE");
        if (!TRANSFORMS.contains(t)) {
            throw new IllegalArgumentException("attribute post_transform is '" + t + "' (one of NONE, SOFTMAX,"
                    + " LOGISTIC, SOFTMAX_ZERO, PROBIT)");
        }
        return t;
    }

    private static void sameLength(String name, int length, String other, int otherLength) {
        if (length != otherLength) {
            throw new IllegalArgumentException("attribute " + name + " has " + length + " values, " + other + " "
                    + otherLength);
        }
    }

    /** A classifier's labels: integers or strings (exactly one of the two attributes). */
    private record Labels(String attribute, long[] ints, String[] strings) {
        static Labels of(Node n, String intsName, String stringsName) {
            long[] i = OnnxMl.ints(n, intsName);
            String[] s = OnnxMl.strings(n, stringsName);
            if (i.length > 0 && s.length > 0) {
                throw new IllegalArgumentException("attributes " + intsName + " and " + stringsName
                        + " are both given (one of them names the classes)");
            }
            if (i.length == 0 && s.length == 0) {
                throw new IllegalArgumentException("attribute " + intsName + " or " + stringsName
                        + " is required (the classes)");
            }
            return i.length > 0 ? new Labels(intsName, i, null) : new Labels(stringsName, null, s);
        }

        int size() {
            return ints != null ? ints.length : strings.length;
        }

        /** The label of class index c (strings have none on the typed path: the index is kept). */
        double of(int c) {
            return ints != null ? ints[c] : c;
        }
    }

    private static Arr labelsOf(Labels labels, int[] classes) {
        double[] v = new double[classes.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = labels.of(classes[i]);
        }
        return new Arr(OnnxModel.INT64, new long[] {classes.length}, v);
    }

    private static void checkFeatures(String op, int width, int features) {
        if (width != features) {
            throw new IllegalArgumentException(op + ": X has " + width + " features per row, the model " + features);
        }
    }

    // ---- post_transform -----------------------------------------------------------------------------------------

    /** The operators' post_transform of one row of scores, in place. */
    static void applyTransform(String t, double[] s, int from, int length) {
        switch (t) {
            case "NONE" -> {
            }
            case "LOGISTIC" -> {
                for (int i = from; i < from + length; i++) {
                    s[i] = 1 / (1 + Math.exp(-s[i]));
                }
            }
            case "SOFTMAX", "SOFTMAX_ZERO" -> {
                boolean zero = t.equals("SOFTMAX_ZERO"); // zeros stay zero (they are "no score"), as the spec says
                double max = Double.NEGATIVE_INFINITY;
                for (int i = from; i < from + length; i++) {
                    max = Math.max(max, s[i]);
                }
                double sum = 0;
                for (int i = from; i < from + length; i++) {
                    s[i] = zero && s[i] == 0 ? 0 : Math.exp(s[i] - max);
                    sum += s[i];
                }
                for (int i = from; i < from + length; i++) {
                    s[i] /= sum;
                }
            }
            case "PROBIT" -> {
                for (int i = from; i < from + length; i++) {
                    s[i] = probit(s[i]);
                }
            }
            default -> throw new IllegalArgumentException("post_transform '" + t + "'");
        }
    }

    /** The standard normal quantile sqrt(2) erfinv(2p - 1), by Newton steps on erf from a close start. */
    static double probit(double p) {
        if (!(p > 0 && p < 1)) {
            return p == 0 ? Double.NEGATIVE_INFINITY : p == 1 ? Double.POSITIVE_INFINITY : Double.NaN;
        }
        double y = 2 * p - 1;
        // Winitzki's approximation of erfinv (a = 0.147) as the start; then Newton on erf(x) = y
        double a = 0.147;
        double ln = Math.log((1 - y) * (1 + y));
        double b = 2 / (Math.PI * a) + ln / 2;
        double x = Math.copySign(Math.sqrt(Math.sqrt(b * b - ln / a) - b), y);
        for (int k = 0; k < 4; k++) {
            double f = org.convnet4j.nn.layers.Elementwise.erf(x) - y;
            x -= f / (2 / Math.sqrt(Math.PI) * Math.exp(-x * x));
        }
        return Math.sqrt(2) * x;
    }

    // ---- SVMClassifier ------------------------------------------------------------------------------------------

    private record Svm(Labels labels, String kernel, double gamma, double coef0, double degree, int[] perClass,
                       int[] start, int vectors, int features, double[] supportVectors, double[] coefficients,
                       double[] rho, double[] probA, double[] probB, String transform) {
        static Svm of(Node n) {
            Labels labels = Labels.of(n, "classlabels_ints", "classlabels_strings");
            int classes = labels.size();
            String kernel = svmKernelType(n);
            double[] params = svmKernelParams(n);
            long[] per = ints(n, "vectors_per_class");
            double[] sv = floats(n, "support_vectors");
            double[] coefficients = floats(n, "coefficients");
            double[] rho = floats(n, "rho");
            double[] probA = floats(n, "prob_a");
            double[] probB = floats(n, "prob_b");
            sameLength("prob_a", probA.length, "prob_b", probB.length);
            if (coefficients.length == 0) {
                throw new IllegalArgumentException("attribute coefficients is required");
            }
            int vectors = 0;
            int[] perClass = new int[per.length];
            int[] start = new int[per.length];
            for (int c = 0; c < per.length; c++) {
                if (per[c] < 0 || per[c] > Integer.MAX_VALUE - vectors) {
                    throw new IllegalArgumentException("attribute vectors_per_class has " + per[c] + " for class " + c);
                }
                start[c] = vectors;
                perClass[c] = (int) per[c];
                vectors += perClass[c];
            }
            int features;
            if (vectors > 0) { // libsvm's SVC: support vectors grouped by class, one-against-one pairs
                sameLength("vectors_per_class", per.length, labels.attribute, classes);
                if (sv.length == 0 || sv.length % vectors != 0) {
                    throw new IllegalArgumentException("attribute support_vectors has " + sv.length + " values, not a"
                            + " multiple of the " + vectors + " vectors of vectors_per_class");
                }
                features = sv.length / vectors;
                // products as longs: a hostile file's counts must not wrap into a match
                if (coefficients.length != (long) (classes - 1) * vectors) {
                    throw new IllegalArgumentException("attribute coefficients has " + coefficients.length + " values,"
                            + " (classes - 1) x vectors " + (long) (classes - 1) * vectors);
                }
                long pairs = (long) classes * (classes - 1) / 2;
                if (rho.length != pairs) {
                    throw new IllegalArgumentException("attribute rho has " + rho.length + " values, the class pairs "
                            + pairs);
                }
                if (probA.length != 0) {
                    sameLength("prob_a", probA.length, "the class pairs", (int) pairs);
                }
            } else { // linear mode: one row of coefficients per class, rho[0] added to each score
                if (coefficients.length % classes != 0) {
                    throw new IllegalArgumentException("attribute coefficients has " + coefficients.length
                            + " values, not a multiple of the " + classes + " classes");
                }
                if (rho.length < 1) {
                    throw new IllegalArgumentException("attribute rho is required (one value)");
                }
                if (probA.length != 0) {
                    throw new IllegalArgumentException("attribute prob_a is given without support vectors");
                }
                features = coefficients.length / classes;
            }
            String transform = postTransformOf(n);
            if (classes == 2 && vectors > 0 && probA.length == 0 && !transform.equals("NONE")) {
                throw new IllegalArgumentException("attribute post_transform " + transform + " with two classes and"
                        + " no probabilities: the specification does not say which two scores it transforms (ONNX"
                        + " Runtime writes 1 - s and s untransformed); only NONE is read");
            }
            return new Svm(labels, kernel, params.length == 3 ? params[0] : 0, params.length == 3 ? params[1] : 0,
                    params.length == 3 ? params[2] : 0, perClass, start, vectors, features, sv, coefficients, rho,
                    probA, probB, transform);
        }

        double kernel(double[] x, int xFrom, double[] y, int yFrom) {
            return OnnxMl.kernel(kernel, gamma, coef0, degree, features, x, xFrom, y, yFrom);
        }

        List<Arr> run(double[] x, int rows, int width) {
            checkFeatures("SVMClassifier", width, features);
            int classes = labels.size();
            if (vectors == 0) {
                return linear(x, rows, classes);
            }
            int pairs = classes * (classes - 1) / 2;
            boolean proba = probA.length > 0;
            int columns = proba ? classes : classes == 2 ? 2 : pairs;
            double[] scores = new double[rows * columns];
            int[] label = new int[rows];
            double[] k = new double[vectors];
            double[] decision = new double[pairs];
            for (int r = 0; r < rows; r++) {
                for (int v = 0; v < vectors; v++) {
                    k[v] = kernel(x, r * features, supportVectors, v * features);
                }
                int[] votes = new int[classes];
                int p = 0;
                for (int i = 0; i < classes; i++) {
                    for (int j = i + 1; j < classes; j++, p++) {
                        double sum = rho[p];
                        for (int m = 0; m < perClass[i]; m++) {
                            sum += coefficients[(j - 1) * vectors + start[i] + m] * k[start[i] + m];
                        }
                        for (int m = 0; m < perClass[j]; m++) {
                            sum += coefficients[i * vectors + start[j] + m] * k[start[j] + m];
                        }
                        decision[p] = sum;
                        votes[sum > 0 ? i : j]++;
                    }
                }
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    best = votes[c] > votes[best] ? c : best; // the first of the most voted, as libsvm
                }
                label[r] = best;
                if (proba) {
                    double[] probs = couple(decision, classes);
                    System.arraycopy(probs, 0, scores, r * columns, classes);
                } else if (classes == 2) {
                    scores[r * 2] = -decision[0];
                    scores[r * 2 + 1] = decision[0];
                } else {
                    System.arraycopy(decision, 0, scores, r * columns, pairs);
                }
                applyTransform(transform, scores, r * columns, columns);
            }
            return List.of(labelsOf(labels, label), new Arr(OnnxModel.FLOAT, new long[] {rows, columns}, scores));
        }

        /** libsvm's probabilities: Platt's sigmoid per pair (clamped), coupled by Wu, Lin and Weng's method 2. */
        double[] couple(double[] decision, int classes) {
            double[][] r = new double[classes][classes];
            int p = 0;
            for (int i = 0; i < classes; i++) {
                for (int j = i + 1; j < classes; j++, p++) {
                    double q = 1 / (1 + Math.exp(decision[p] * probA[p] + probB[p]));
                    r[i][j] = Math.min(Math.max(q, 1e-7), 1 - 1e-7);
                    r[j][i] = 1 - r[i][j];
                }
            }
            double[][] q = new double[classes][classes];
            for (int t = 0; t < classes; t++) {
                for (int j = 0; j < classes; j++) {
                    if (j != t) {
                        q[t][t] += r[j][t] * r[j][t];
                        q[t][j] = -r[j][t] * r[t][j];
                    }
                }
            }
            double[] prob = new double[classes];
            java.util.Arrays.fill(prob, 1.0 / classes);
            double[] qp = new double[classes];
            for (int iter = 0; iter < Math.max(100, classes); iter++) {
                double pqp = 0;
                for (int t = 0; t < classes; t++) {
                    qp[t] = 0;
                    for (int j = 0; j < classes; j++) {
                        qp[t] += q[t][j] * prob[j];
                    }
                    pqp += prob[t] * qp[t];
                }
                double worst = 0;
                for (int t = 0; t < classes; t++) {
                    worst = Math.max(worst, Math.abs(qp[t] - pqp));
                }
                if (worst < 0.005 / classes) {
                    break;
                }
                for (int t = 0; t < classes; t++) {
                    double diff = (-qp[t] + pqp) / q[t][t];
                    prob[t] += diff;
                    pqp = (pqp + diff * (diff * q[t][t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
                    for (int j = 0; j < classes; j++) {
                        qp[j] = (qp[j] + diff * q[t][j]) / (1 + diff);
                        prob[j] /= 1 + diff;
                    }
                }
            }
            return prob;
        }

        /** Linear mode: a score per class, the class of the highest (two classes: as ONNX Runtime chooses). */
        List<Arr> linear(double[] x, int rows, int classes) {
            double[] scores = new double[rows * classes];
            int[] label = new int[rows];
            boolean positive = true;
            for (double c : coefficients) {
                positive &= c >= 0;
            }
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < classes; c++) {
                    scores[r * classes + c] = kernel(x, r * features, coefficients, c * features) + rho[0];
                }
                int best = RowOps.argmax(scores, r * classes, classes);
                double top = scores[r * classes + best];
                label[r] = classes == 2 && (positive && top >= 0.5 || !positive && top > 0) ? 1 : best;
                applyTransform(transform, scores, r * classes, classes);
            }
            return List.of(labelsOf(labels, label), new Arr(OnnxModel.FLOAT, new long[] {rows, classes}, scores));
        }
    }

    // ---- LinearClassifier ---------------------------------------------------------------------------------------

    private record Linear(Labels labels, double[] coefficients, double[] intercepts, int targets, String transform) {
        static Linear of(Node n) {
            Labels labels = Labels.of(n, "classlabels_ints", "classlabels_strings");
            double[] coefficients = floats(n, "coefficients");
            double[] intercepts = floats(n, "intercepts");
            int targets = intercepts.length > 0 ? intercepts.length : labels.size();
            if (coefficients.length == 0 || coefficients.length % targets != 0) {
                throw new IllegalArgumentException("attribute coefficients has " + coefficients.length + " values, not"
                        + " a multiple of the " + targets + " rows of " + (intercepts.length > 0 ? "intercepts"
                        : labels.attribute));
            }
            if (targets == 1) {
                throw new IllegalArgumentException("attribute coefficients has one row (a binary classifier's single"
                        + " score): runtimes differ on the second class's score; write one row per class, as"
                        + " sklearn-onnx does");
            }
            sameLength("coefficients' rows", targets, labels.attribute, labels.size());
            return new Linear(labels, coefficients, intercepts, targets, postTransformOf(n));
        }

        /**
         * Whether this is two rows, the second the first negated, intercepts too (exactly: negation is exact in
         * float), so that the two scores of every input are s and -s.
         */
        boolean opposedPair() {
            if (targets != 2) {
                return false;
            }
            int features = coefficients.length / 2;
            for (int j = 0; j < features; j++) {
                if (coefficients[features + j] != -coefficients[j]) {
                    return false;
                }
            }
            return intercepts.length == 0 || intercepts[1] == -intercepts[0];
        }

        List<Arr> run(double[] x, int rows, int width) {
            int features = coefficients.length / targets;
            checkFeatures("LinearClassifier", width, features);
            double[] scores = new double[rows * targets];
            int[] label = new int[rows];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < targets; c++) {
                    double s = intercepts.length > 0 ? intercepts[c] : 0;
                    for (int j = 0; j < features; j++) {
                        s += coefficients[c * features + j] * x[r * features + j];
                    }
                    scores[r * targets + c] = s;
                }
                label[r] = RowOps.argmax(scores, r * targets, targets);
                applyTransform(transform, scores, r * targets, targets);
            }
            return List.of(labelsOf(labels, label), new Arr(OnnxModel.FLOAT, new long[] {rows, targets}, scores));
        }
    }

    // ---- TreeEnsembleClassifier, TreeEnsembleRegressor, TreeEnsemble (ai.onnx.ml 5) -----------------------------

    /**
     * The trees as arrays indexed by node position: each branch's feature, threshold (or set, for BRANCH_MEMBER),
     * mode and the positions its two children are at; each leaf's (target, weight) pairs. A classifier's targets are
     * its classes. {@code TreeEnsemble} of ai.onnx.ml 5 keeps its leaves in arrays of their own; they are given
     * positions after its branches here.
     */
    private record Trees(String op, Labels labels, int targets, int[] roots, int[] feature, double[] threshold,
                         double[][] members, byte[] mode, boolean[] missingTrue, int[] yes, int[] no, int[][] leafClass,
                         double[][] leafWeight, double[] base, String transform, String aggregate, int maxFeature) {
        static final List<String> MODES = List.of("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ",
                "BRANCH_NEQ", "LEAF");
        static final byte NEQ = 5;
        static final byte LEAF = 6;
        static final byte MEMBER = 7;
        static final List<String> AGGREGATES = List.of("AVERAGE", "SUM", "MIN", "MAX");

        static Trees of(Node n) {
            if (n.opType().equals("TreeEnsemble")) {
                return ofVersion5(n);
            }
            boolean classifier = n.opType().equals("TreeEnsembleClassifier");
            Labels labels = classifier ? Labels.of(n, "classlabels_int64s", "classlabels_strings") : null;
            int targets;
            if (classifier) {
                targets = labels.size();
            } else {
                long t = intAttr(n, "n_targets", -1);
                if (t < 1 || t > 1 << 20) {
                    throw new IllegalArgumentException("attribute n_targets is " + (t == -1 ? "missing" : t)
                            + " (1 to 2^20 outputs per row)");
                }
                targets = (int) t;
            }
            String prefix = classifier ? "class_" : "target_";
            long[] treeIds = ints(n, "nodes_treeids");
            long[] nodeIds = ints(n, "nodes_nodeids");
            long[] featureIds = ints(n, "nodes_featureids");
            double[] values = floats(n, "nodes_values");
            String[] modes = strings(n, "nodes_modes");
            long[] yesIds = ints(n, "nodes_truenodeids");
            long[] noIds = ints(n, "nodes_falsenodeids");
            long[] missing = ints(n, "nodes_missing_value_tracks_true");
            int count = treeIds.length;
            if (count == 0) {
                throw new IllegalArgumentException("attribute nodes_treeids is empty (no trees)");
            }
            sameLength("nodes_nodeids", nodeIds.length, "nodes_treeids", count);
            sameLength("nodes_featureids", featureIds.length, "nodes_treeids", count);
            sameLength("nodes_values", values.length, "nodes_treeids", count);
            sameLength("nodes_modes", modes.length, "nodes_treeids", count);
            sameLength("nodes_truenodeids", yesIds.length, "nodes_treeids", count);
            sameLength("nodes_falsenodeids", noIds.length, "nodes_treeids", count);
            if (missing.length != 0) {
                sameLength("nodes_missing_value_tracks_true", missing.length, "nodes_treeids", count);
            }
            java.util.Map<Long, Integer> at = new java.util.HashMap<>(); // (tree, node) -> position
            java.util.Map<Long, Integer> roots = new java.util.LinkedHashMap<>();
            byte[] mode = new byte[count];
            int maxFeature = -1;
            for (int i = 0; i < count; i++) {
                if (treeIds[i] < 0 || treeIds[i] >= 1L << 31 || nodeIds[i] < 0 || nodeIds[i] >= 1L << 31) {
                    throw new IllegalArgumentException("attribute nodes_treeids/nodes_nodeids: ids " + treeIds[i] + "/"
                            + nodeIds[i] + " at position " + i + " are outside 0 to 2^31");
                }
                if (at.put(key(treeIds[i], nodeIds[i]), i) != null) {
                    throw new IllegalArgumentException("attribute nodes_nodeids: node " + nodeIds[i] + " of tree "
                            + treeIds[i] + " is given twice");
                }
                roots.putIfAbsent(treeIds[i], i); // the first node of each tree is its root, as the runtimes take it
                int m = MODES.indexOf(modes[i]);
                if (m < 0) {
                    throw new IllegalArgumentException("attribute nodes_modes has '" + modes[i] + "' at position " + i
                            + " (one of " + String.join(", ", MODES) + ")");
                }
                mode[i] = (byte) m;
                if (m != LEAF) {
                    maxFeature = Math.max(maxFeature, featureIndex(featureIds[i], i));
                }
            }
            int[] yes = new int[count];
            int[] no = new int[count];
            int[] feature = new int[count];
            boolean[] missingTrue = new boolean[count];
            for (int i = 0; i < count; i++) {
                feature[i] = (int) featureIds[i];
                missingTrue[i] = missing.length != 0 && missing[i] != 0;
                if (mode[i] == LEAF) {
                    continue;
                }
                Integer y = at.get(key(treeIds[i], yesIds[i]));
                Integer f = at.get(key(treeIds[i], noIds[i]));
                if (y == null || f == null) {
                    throw new IllegalArgumentException("attribute " + (y == null ? "nodes_truenodeids" : "nodes_falsenodeids")
                            + ": node " + (y == null ? yesIds[i] : noIds[i]) + " of tree " + treeIds[i]
                            + " (from node " + nodeIds[i] + ") is not among the nodes");
                }
                yes[i] = y;
                no[i] = f;
            }
            long[] leafTree = ints(n, prefix + "treeids");
            long[] leafNode = ints(n, prefix + "nodeids");
            long[] leafIds = ints(n, prefix + "ids");
            double[] weights = floats(n, prefix + "weights");
            sameLength(prefix + "nodeids", leafNode.length, prefix + "treeids", leafTree.length);
            sameLength(prefix + "ids", leafIds.length, prefix + "treeids", leafTree.length);
            sameLength(prefix + "weights", weights.length, prefix + "treeids", leafTree.length);
            List<List<int[]>> perLeaf = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                perLeaf.add(null);
            }
            java.util.Set<Long> used = new java.util.TreeSet<>();
            for (int k = 0; k < leafTree.length; k++) {
                Integer leaf = at.get(key(leafTree[k], leafNode[k]));
                if (leaf == null || mode[leaf] != LEAF) {
                    throw new IllegalArgumentException("attribute " + prefix + "nodeids: node " + leafNode[k]
                            + " of tree " + leafTree[k] + " (weight " + k + ") is not a leaf among the nodes");
                }
                if (leafIds[k] < 0 || leafIds[k] >= targets) {
                    throw new IllegalArgumentException("attribute " + prefix + "ids has " + leafIds[k]
                            + " at position " + k + " (there are " + targets + (classifier ? " classes)" : " targets)"));
                }
                used.add(leafIds[k]);
                if (perLeaf.get(leaf) == null) {
                    perLeaf.set(leaf, new ArrayList<>());
                }
                perLeaf.get(leaf).add(new int[] {(int) leafIds[k], k});
            }
            if (classifier && targets == 2 && used.size() < 2) {
                throw new IllegalArgumentException("attribute class_ids names one class of two (a binary ensemble's"
                        + " single score): runtimes differ on the other class's score; give each leaf a weight for"
                        + " both classes");
            }
            int[][] leafClass = new int[count][];
            double[][] leafWeight = new double[count][];
            for (int i = 0; i < count; i++) {
                List<int[]> w = perLeaf.get(i);
                int size = w == null ? 0 : w.size();
                leafClass[i] = new int[size];
                leafWeight[i] = new double[size];
                for (int k = 0; k < size; k++) {
                    leafClass[i][k] = w.get(k)[0];
                    leafWeight[i][k] = weights[w.get(k)[1]];
                }
            }
            double[] base = floats(n, "base_values");
            if (base.length != 0) {
                sameLength("base_values", base.length, classifier ? labels.attribute : "n_targets", targets);
            }
            String aggregate = "SUM";
            if (!classifier) {
                aggregate = string(n, "aggregate_function", "SUM");
                if (!AGGREGATES.contains(aggregate)) {
                    throw new IllegalArgumentException("attribute aggregate_function is '" + aggregate + "' (one of "
                            + String.join(", ", AGGREGATES) + ")");
                }
            }
            int[] rootAt = roots.values().stream().mapToInt(Integer::intValue).toArray();
            checkAcyclic(rootAt, mode, yes, no, count);
            return new Trees(n.opType(), labels, targets, rootAt, feature, values, null, mode, missingTrue, yes, no,
                    leafClass, leafWeight, base, postTransformOf(n), aggregate, maxFeature);
        }

        /**
         * Whether a classifier's scores (summed over trees, no post_transform) are fractions that sum to 1 for every
         * input: no base values (or all 0), every leaf's weights at least 0, every leaf a tree can reach holding the
         * same total as that tree's other leaves, and those per-tree totals summing to 1 (a random forest as
         * sklearn-onnx writes it: each leaf's class fractions divided by the number of trees). Totals are compared
         * within 1e-6 per tree and 1e-5 overall, the rounding of float weights.
         */
        boolean fractionsSumToOne() {
            for (double b : base) {
                if (b != 0) {
                    return false;
                }
            }
            boolean[] seen = new boolean[mode.length];
            double total = 0;
            for (int root : roots) {
                double tree = Double.NaN;
                java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>(List.of(root));
                while (!todo.isEmpty()) {
                    int i = todo.pop();
                    if (seen[i]) {
                        continue;
                    }
                    seen[i] = true;
                    if (mode[i] != LEAF) {
                        todo.push(yes[i]);
                        todo.push(no[i]);
                        continue;
                    }
                    double sum = 0;
                    for (double w : leafWeight[i]) {
                        if (!(w >= 0)) {
                            return false;
                        }
                        sum += w;
                    }
                    if (Double.isNaN(tree)) {
                        tree = sum;
                    } else if (Math.abs(sum - tree) > 1e-6) {
                        return false;
                    }
                }
                total += Double.isNaN(tree) ? 0 : tree;
            }
            return Math.abs(total - 1) <= 1e-5;
        }

        private static int featureIndex(long f, int position) {
            if (f < 0 || f > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("attribute nodes_featureids has " + f + " at position " + position);
            }
            return (int) f;
        }

        /**
         * ai.onnx.ml 5's TreeEnsemble: branches at positions 0..B-1 (nodes_*), leaves at B..B+L-1 (leaf_targetids,
         * leaf_weights; each leaf one target and one weight); a child is a leaf where nodes_trueleafs /
         * nodes_falseleafs say so. Modes are numbers (0 BRANCH_LEQ ... 5 BRANCH_NEQ, 6 BRANCH_MEMBER with the
         * branch's set in membership_values, the sets separated by NaN), aggregate_function and post_transform too.
         */
        private static Trees ofVersion5(Node n) {
            long t = intAttr(n, "n_targets", -1);
            if (t < 1 || t > 1 << 20) {
                throw new IllegalArgumentException("attribute n_targets is " + (t == -1 ? "missing" : t)
                        + " (1 to 2^20 outputs per row)");
            }
            int targets = (int) t;
            long[] featureIds = ints(n, "nodes_featureids");
            double[] splits = floats(n, "nodes_splits");
            double[] modeCodes = floats(n, "nodes_modes");
            long[] yesIds = ints(n, "nodes_truenodeids");
            long[] noIds = ints(n, "nodes_falsenodeids");
            long[] yesLeaf = ints(n, "nodes_trueleafs");
            long[] noLeaf = ints(n, "nodes_falseleafs");
            long[] missing = ints(n, "nodes_missing_value_tracks_true");
            long[] rootIds = ints(n, "tree_roots");
            long[] leafTargets = ints(n, "leaf_targetids");
            double[] leafWeights = floats(n, "leaf_weights");
            int branches = featureIds.length;
            if (branches == 0 || rootIds.length == 0) {
                throw new IllegalArgumentException("attribute " + (branches == 0 ? "nodes_featureids" : "tree_roots")
                        + " is empty (no trees)");
            }
            sameLength("nodes_splits", splits.length, "nodes_featureids", branches);
            sameLength("nodes_modes", modeCodes.length, "nodes_featureids", branches);
            sameLength("nodes_truenodeids", yesIds.length, "nodes_featureids", branches);
            sameLength("nodes_falsenodeids", noIds.length, "nodes_featureids", branches);
            sameLength("nodes_trueleafs", yesLeaf.length, "nodes_featureids", branches);
            sameLength("nodes_falseleafs", noLeaf.length, "nodes_featureids", branches);
            if (missing.length != 0) {
                sameLength("nodes_missing_value_tracks_true", missing.length, "nodes_featureids", branches);
            }
            sameLength("leaf_weights", leafWeights.length, "leaf_targetids", leafTargets.length);
            int leaves = leafTargets.length;
            int count = branches + leaves;
            byte[] mode = new byte[count];
            int[] feature = new int[count];
            int[] yes = new int[count];
            int[] no = new int[count];
            boolean[] missingTrue = new boolean[count];
            double[][] members = new double[count][];
            double[] membership = floats(n, "membership_values");
            int set = 0; // the next set in membership_values
            int maxFeature = -1;
            for (int i = 0; i < branches; i++) {
                double code = modeCodes[i];
                if (!(code >= 0 && code <= 6) || code != Math.rint(code)) {
                    throw new IllegalArgumentException("attribute nodes_modes has " + code + " at position " + i
                            + " (0 BRANCH_LEQ to 6 BRANCH_MEMBER)");
                }
                mode[i] = code == 6 ? MEMBER : (byte) code;
                feature[i] = featureIndex(featureIds[i], i);
                maxFeature = Math.max(maxFeature, feature[i]);
                missingTrue[i] = missing.length != 0 && missing[i] != 0;
                yes[i] = child("nodes_truenodeids", yesIds[i], yesLeaf[i] != 0, i, branches, leaves);
                no[i] = child("nodes_falsenodeids", noIds[i], noLeaf[i] != 0, i, branches, leaves);
                if (mode[i] == MEMBER) { // the sets, in the order of the BRANCH_MEMBER nodes, end at each NaN
                    int from = set;
                    while (set < membership.length && !Double.isNaN(membership[set])) {
                        set++;
                    }
                    if (set >= membership.length && from >= membership.length) {
                        throw new IllegalArgumentException("attribute membership_values has no set for the"
                                + " BRANCH_MEMBER node at position " + i);
                    }
                    members[i] = java.util.Arrays.copyOfRange(membership, from, set);
                    set++; // past the NaN
                }
            }
            int[][] leafClass = new int[count][];
            double[][] leafWeight = new double[count][];
            for (int i = 0; i < branches; i++) {
                leafClass[i] = new int[0];
                leafWeight[i] = new double[0];
            }
            for (int k = 0; k < leaves; k++) {
                if (leafTargets[k] < 0 || leafTargets[k] >= targets) {
                    throw new IllegalArgumentException("attribute leaf_targetids has " + leafTargets[k]
                            + " at position " + k + " (there are " + targets + " targets)");
                }
                mode[branches + k] = LEAF;
                leafClass[branches + k] = new int[] {(int) leafTargets[k]};
                leafWeight[branches + k] = new double[] {leafWeights[k]};
            }
            int[] roots = new int[rootIds.length];
            for (int r = 0; r < roots.length; r++) {
                roots[r] = child("tree_roots", rootIds[r], false, r, branches, leaves);
            }
            checkAcyclic(roots, mode, yes, no, count);
            double[] base = floats(n, "base_values"); // not in opset 5; kept for symmetry with the older forms
            int aggregate = (int) intAttr(n, "aggregate_function", 1);
            int transform = (int) intAttr(n, "post_transform", 0);
            if (aggregate < 0 || aggregate > 3) {
                throw new IllegalArgumentException("attribute aggregate_function is " + aggregate
                        + " (0 AVERAGE, 1 SUM, 2 MIN, 3 MAX)");
            }
            if (transform < 0 || transform > 4) {
                throw new IllegalArgumentException("attribute post_transform is " + transform
                        + " (0 NONE, 1 SOFTMAX, 2 LOGISTIC, 3 SOFTMAX_ZERO, 4 PROBIT)");
            }
            return new Trees(n.opType(), null, targets, roots, feature, splits, members, mode, missingTrue, yes, no,
                    leafClass, leafWeight, base.length == targets ? base : new double[0],
                    List.of("NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT").get(transform),
                    AGGREGATES.get(aggregate), maxFeature);
        }

        /** The position of a v5 child: a branch position, or a leaf index after the branches. */
        private static int child(String attribute, long id, boolean leaf, int position, int branches, int leaves) {
            long limit = leaf ? leaves : branches;
            if (id < 0 || id >= limit) {
                throw new IllegalArgumentException("attribute " + attribute + " has " + id + " at position " + position
                        + " (there are " + limit + (leaf ? " leaves)" : " branch nodes)"));
            }
            return (int) (leaf ? branches + id : id);
        }

        private static long key(long tree, long node) {
            return tree << 32 | node;
        }

        /** Every walk from a root ends at a leaf within the tree's node count (no cycles). */
        private static void checkAcyclic(int[] roots, byte[] mode, int[] yes, int[] no, int count) {
            int[] state = new int[count]; // 0 unseen, 1 on the path, 2 done
            for (int root : roots) {
                java.util.ArrayDeque<int[]> stack = new java.util.ArrayDeque<>();
                stack.push(new int[] {root, 0});
                while (!stack.isEmpty()) {
                    int[] top = stack.peek();
                    int i = top[0];
                    if (top[1] == 0) {
                        if (state[i] == 2) {
                            stack.pop();
                            continue;
                        }
                        if (state[i] == 1) {
                            throw new IllegalArgumentException("attributes nodes_truenodeids/nodes_falsenodeids form a"
                                    + " cycle through node position " + i);
                        }
                        state[i] = 1;
                    }
                    if (mode[i] == LEAF || top[1] == 2) {
                        state[i] = 2;
                        stack.pop();
                        continue;
                    }
                    int child = top[1] == 0 ? yes[i] : no[i];
                    top[1]++;
                    if (state[child] == 1) {
                        throw new IllegalArgumentException("attributes nodes_truenodeids/nodes_falsenodeids form a"
                                + " cycle through node position " + child);
                    }
                    stack.push(new int[] {child, 0});
                }
            }
        }

        /** The leaf row r reaches from a root. */
        private int leaf(double[] x, int r, int width, int root) {
            int i = root;
            while (mode[i] != LEAF) {
                double v = x[r * width + feature[i]];
                double t = threshold[i];
                boolean go;
                if (Double.isNaN(v)) {
                    go = missingTrue[i] || mode[i] == NEQ; // NaN compares false, and "not equal" true
                } else {
                    go = switch (mode[i]) {
                        case 0 -> v <= t;
                        case 1 -> v < t;
                        case 2 -> v >= t;
                        case 3 -> v > t;
                        case 4 -> v == t;
                        case NEQ -> v != t;
                        default -> contains(members[i], v);
                    };
                }
                i = go ? yes[i] : no[i];
            }
            return i;
        }

        private static boolean contains(double[] set, double v) {
            for (double s : set) {
                if (s == v) {
                    return true;
                }
            }
            return false;
        }

        List<Arr> run(Arr in, int rows, int width) {
            if (maxFeature >= width) {
                throw new IllegalArgumentException(op + ": X has " + width + " features per row, the trees read"
                        + " feature " + maxFeature);
            }
            double[] x = in.v();
            budget(op, rows, targets); // n_targets is the file's word, not stored data
            double[] scores = new double[rows * targets];
            boolean[] has = new boolean[targets];
            int[] label = new int[rows];
            boolean minMax = aggregate.equals("MIN") || aggregate.equals("MAX");
            for (int r = 0; r < rows; r++) {
                int o = r * targets;
                java.util.Arrays.fill(has, false);
                for (int root : roots) {
                    int i = leaf(x, r, width, root);
                    for (int k = 0; k < leafClass[i].length; k++) {
                        int c = leafClass[i][k];
                        double w = leafWeight[i][k];
                        if (!minMax) {
                            scores[o + c] += w;
                        } else if (!has[c]) { // the first value a target meets, then the smaller or larger
                            scores[o + c] = w;
                        } else {
                            scores[o + c] = aggregate.equals("MIN") ? Math.min(scores[o + c], w)
                                    : Math.max(scores[o + c], w);
                        }
                        has[c] = true;
                    }
                }
                for (int c = 0; c < targets; c++) {
                    if (aggregate.equals("AVERAGE")) {
                        scores[o + c] /= roots.length;
                    }
                    scores[o + c] += base.length == 0 ? 0 : base[c];
                }
                label[r] = RowOps.argmax(scores, o, targets);
                applyTransform(transform, scores, o, targets);
            }
            int type = op.equals("TreeEnsemble") ? in.type() : OnnxModel.FLOAT; // v5 gives X's type
            Arr y = new Arr(type, new long[] {rows, targets}, scores);
            return labels == null ? List.of(y) : List.of(labelsOf(labels, label), y);
        }
    }
    // ---- Normalizer, Scaler -------------------------------------------------------------------------------------

    private static String norm(Node n) {
        String norm = string(n, "norm", "");
        if (!Set.of("MAX", "L1", "L2").contains(norm)) {
            throw new IllegalArgumentException("attribute norm is '" + norm + "' (one of MAX, L1, L2)");
        }
        return norm;
    }

    /** Each row divided by its largest value, the sum of its magnitudes or its Euclidean length (a zero one kept). */
    private static Arr normalize(String norm, Arr x, int rows, int width) {
        double[] out = x.v().clone();
        for (int r = 0; r < rows; r++) {
            double d = norm.equals("MAX") ? Double.NEGATIVE_INFINITY : 0;
            for (int j = 0; j < width; j++) {
                double v = out[r * width + j];
                d = switch (norm) {
                    case "MAX" -> Math.max(d, v);
                    case "L1" -> d + Math.abs(v);
                    default -> d + v * v;
                };
            }
            d = norm.equals("L2") ? Math.sqrt(d) : d;
            if (d != 0 && width > 0) {
                for (int j = 0; j < width; j++) {
                    out[r * width + j] /= d;
                }
            }
        }
        return new Arr(OnnxModel.FLOAT, x.dims().clone(), out);
    }

    /** (X - offset) * scale, each of one value or one per column. */
    private static Arr scale(Node n, Arr x, int rows, int width) {
        double[] offset = floats(n, "offset");
        double[] scale = floats(n, "scale");
        for (double[] p : new double[][] {offset, scale}) {
            if (p.length > 1 && p.length != width) {
                throw new IllegalArgumentException("Scaler: attribute " + (p == offset ? "offset" : "scale") + " has "
                        + p.length + " values for " + width + " columns");
            }
        }
        double[] out = new double[x.v().length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                double o = offset.length == 0 ? 0 : offset[offset.length == 1 ? 0 : j];
                double s = scale.length == 0 ? 1 : scale[scale.length == 1 ? 0 : j];
                out[r * width + j] = (x.v()[r * width + j] - o) * s;
            }
        }
        return new Arr(OnnxModel.FLOAT, x.dims().clone(), out);
    }

    // ---- regressors ---------------------------------------------------------------------------------------------

    /** An output of rows x columns doubles fits the memory budget (and an int index). */
    private static void budget(String op, int rows, int columns) {
        long values = (long) rows * columns;
        if (values > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": " + rows + " rows x " + columns + " outputs is more values than"
                    + " an array holds");
        }
        org.convnet4j.util.MemoryBudget.requireParameter(op + ": " + rows + " rows x " + columns + " outputs",
                org.convnet4j.util.MemoryBudget.bytesOf(Double.BYTES, rows, columns));
    }

    /** A scalar FLOAT attribute, or {@code fallback}. */
    static double floatAttr(Node n, String name, double fallback) {
        Attribute a = attribute(n, name, Attribute.FLOAT);
        return a == null ? fallback : a.f();
    }

    /** A scalar INT attribute, or {@code fallback}. */
    static long intAttr(Node n, String name, long fallback) {
        Attribute a = attribute(n, name, Attribute.INT);
        return a == null ? fallback : a.i();
    }

    /** LIBSVM's kernels on two rows of {@code features} values. */
    static double kernel(String kernel, double gamma, double coef0, double degree, int features, double[] x, int xFrom,
                         double[] y, int yFrom) {
        if (kernel.equals("RBF")) {
            double sq = 0;
            for (int j = 0; j < features; j++) {
                double d = x[xFrom + j] - y[yFrom + j];
                sq += d * d;
            }
            return Math.exp(-gamma * sq);
        }
        double dot = 0;
        for (int j = 0; j < features; j++) {
            dot += x[xFrom + j] * y[yFrom + j];
        }
        return switch (kernel) {
            case "POLY" -> Math.pow(gamma * dot + coef0, degree);
            case "SIGMOID" -> Math.tanh(gamma * dot + coef0);
            default -> dot;
        };
    }

    /**
     * SVMRegressor: {@code sum_i coefficients[i] K(x, sv_i) + rho[0]} over the n_supports support vectors, or with
     * none, {@code coefficients . x + rho[0]}; one_class gives 1 for a positive score, -1 otherwise. Y is [N, 1].
     */
    /** SVMClassifier's and SVMRegressor's kernel_type, checked (LINEAR when absent). */
    private static String svmKernelType(Node n) {
        String kernel = string(n, "kernel_type", "LINEAR");
        if (!Set.of("LINEAR", "POLY", "RBF", "SIGMOID").contains(kernel)) {
            throw new IllegalArgumentException("attribute kernel_type is '" + kernel
                    + "' (one of LINEAR, POLY, RBF, SIGMOID)");
        }
        return kernel;
    }

    /** SVMClassifier's and SVMRegressor's kernel_params: none, or gamma, coef0 and degree. */
    private static double[] svmKernelParams(Node n) {
        double[] params = floats(n, "kernel_params");
        if (params.length != 0 && params.length != 3) {
            throw new IllegalArgumentException("attribute kernel_params has " + params.length
                    + " values (gamma, coef0, degree: 3)");
        }
        return params;
    }

    private record Svr(String kernel, double gamma, double coef0, double degree, int vectors, int features,
                       double[] supportVectors, double[] coefficients, double rho, boolean oneClass, String transform) {
        static Svr of(Node n) {
            String kernel = svmKernelType(n);
            double[] params = svmKernelParams(n);
            long supports = intAttr(n, "n_supports", 0);
            double[] sv = floats(n, "support_vectors");
            double[] coefficients = floats(n, "coefficients");
            double[] rho = floats(n, "rho");
            if (coefficients.length == 0) {
                throw new IllegalArgumentException("attribute coefficients is required");
            }
            if (rho.length != 1) {
                throw new IllegalArgumentException("attribute rho has " + rho.length + " values (one is read)");
            }
            if (supports < 0 || supports > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("attribute n_supports is " + supports);
            }
            int features;
            if (supports > 0) {
                sameLength("coefficients", coefficients.length, "n_supports", (int) supports);
                if (sv.length == 0 || sv.length % supports != 0) {
                    throw new IllegalArgumentException("attribute support_vectors has " + sv.length + " values, not a"
                            + " multiple of the " + supports + " vectors of n_supports");
                }
                features = (int) (sv.length / supports);
            } else {
                features = coefficients.length;
            }
            return new Svr(kernel, params.length == 3 ? params[0] : 0, params.length == 3 ? params[1] : 0,
                    params.length == 3 ? params[2] : 0, (int) supports, features, sv, coefficients, rho[0],
                    intAttr(n, "one_class", 0) != 0, postTransformOf(n));
        }

        List<Arr> run(double[] x, int rows, int width) {
            checkFeatures("SVMRegressor", width, features);
            double[] y = new double[rows];
            for (int r = 0; r < rows; r++) {
                double s = rho;
                if (vectors == 0) {
                    s += OnnxMl.kernel(kernel, gamma, coef0, degree, features, x, r * features, coefficients, 0);
                } else {
                    for (int v = 0; v < vectors; v++) {
                        s += coefficients[v] * OnnxMl.kernel(kernel, gamma, coef0, degree, features, x, r * features,
                                supportVectors, v * features);
                    }
                }
                y[r] = oneClass ? s > 0 ? 1 : -1 : s;
                applyTransform(transform, y, r, 1);
            }
            return List.of(new Arr(OnnxModel.FLOAT, new long[] {rows, 1}, y));
        }
    }

    /** LinearRegressor: {@code Y = X coefficients^T + intercepts}, [N, targets]. */
    private record LinearRegressor(double[] coefficients, double[] intercepts, int targets, String transform) {
        static LinearRegressor of(Node n) {
            long targets = intAttr(n, "targets", 1);
            double[] coefficients = floats(n, "coefficients");
            double[] intercepts = floats(n, "intercepts");
            if (targets < 1 || targets > 1 << 20) {
                throw new IllegalArgumentException("attribute targets is " + targets + " (1 to 2^20)");
            }
            if (coefficients.length == 0 || coefficients.length % targets != 0) {
                throw new IllegalArgumentException("attribute coefficients has " + coefficients.length + " values, not"
                        + " a multiple of the " + targets + " targets");
            }
            if (intercepts.length != 0) {
                sameLength("intercepts", intercepts.length, "targets", (int) targets);
            }
            return new LinearRegressor(coefficients, intercepts, (int) targets, postTransformOf(n));
        }

        List<Arr> run(double[] x, int rows, int width) {
            int features = coefficients.length / targets;
            checkFeatures("LinearRegressor", width, features);
            budget("LinearRegressor", rows, targets);
            double[] y = new double[rows * targets];
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < targets; t++) {
                    double s = intercepts.length == 0 ? 0 : intercepts[t];
                    for (int j = 0; j < features; j++) {
                        s += coefficients[t * features + j] * x[r * features + j];
                    }
                    y[r * targets + t] = s;
                }
                applyTransform(transform, y, r * targets, targets);
            }
            return List.of(new Arr(OnnxModel.FLOAT, new long[] {rows, targets}, y));
        }
    }

    // ---- ArrayFeatureExtractor, Imputer, LabelEncoder, OneHotEncoder --------------------------------------------

    /** X's last axis at the indices Y (int64), in Y's order: [..., len(Y)]. */
    private static Arr extract(Arr x, Arr y) {
        if (y == null || !y.integer()) {
            throw new IllegalArgumentException("ArrayFeatureExtractor: Y must be an int64 tensor of indices");
        }
        if (x.rank() == 0) {
            throw new IllegalArgumentException("ArrayFeatureExtractor: X is a scalar");
        }
        int width = (int) x.dims()[x.rank() - 1];
        int k = y.v().length;
        for (double i : y.v()) {
            if (i < 0 || i >= width) {
                throw new IllegalArgumentException("ArrayFeatureExtractor: index " + (long) i + " of Y is outside the "
                        + width + " columns of X");
            }
        }
        int rows = width == 0 ? 0 : x.v().length / width;
        double[] out = new double[rows * k];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < k; j++) {
                out[r * k + j] = x.v()[r * width + (int) y.v()[j]];
            }
        }
        long[] dims = x.rank() == 1 ? new long[] {1, k} : x.dims().clone(); // a row of features gives one row
        dims[dims.length - 1] = k;
        return new Arr(x.type(), dims, out);
    }

    /**
     * Imputer: each value equal to replaced_value_float (or int64), or NaN where that is NaN, replaced by the
     * imputed value of its column (one value for all columns, or one per column).
     */
    private record Imputer(double[] imputed, double replaced) {
        static Imputer of(Node n) {
            double[] f = floats(n, "imputed_value_floats");
            long[] i = ints(n, "imputed_value_int64s");
            if (f.length > 0 == i.length > 0) {
                throw new IllegalArgumentException("attribute imputed_value_floats or imputed_value_int64s is required"
                        + " (exactly one)");
            }
            double[] imputed = f;
            double replaced = floatAttr(n, "replaced_value_float", 0);
            if (i.length > 0) {
                imputed = new double[i.length];
                for (int k = 0; k < i.length; k++) {
                    imputed[k] = i[k];
                }
                replaced = intAttr(n, "replaced_value_int64", 0);
            }
            return new Imputer(imputed, replaced);
        }

        Arr run(Arr x) {
            int width = x.rank() == 0 ? 1 : (int) x.dims()[x.rank() - 1];
            if (imputed.length != 1 && imputed.length != width) {
                throw new IllegalArgumentException("Imputer: " + imputed.length + " imputed values for " + width
                        + " columns");
            }
            double[] out = x.v().clone();
            for (int k = 0; k < out.length; k++) {
                double v = out[k];
                if (v == replaced || Double.isNaN(replaced) && Double.isNaN(v)) {
                    out[k] = imputed[imputed.length == 1 ? 0 : k % width];
                }
            }
            return new Arr(x.type(), x.dims().clone(), out);
        }
    }

    /**
     * LabelEncoder with numbers for keys and values (ai.onnx.ml 2: keys_int64s / keys_floats, values_int64s /
     * values_floats, default_int64 / default_float; 4: keys_tensor, values_tensor, default_tensor). String keys or
     * values (opset 1's classes_strings and the *_strings attributes) are refused: the typed path holds numbers.
     */
    private record LabelEncoder(java.util.Map<Double, Double> map, double fallback, int type) {
        static LabelEncoder of(Node n) {
            for (String s : List.of("classes_strings", "keys_strings", "values_strings", "default_string")) {
                if (n.attributes().containsKey(s)) {
                    throw new IllegalArgumentException("attribute " + s + ": string keys or values cannot be held on"
                            + " the typed path (it holds numbers; int64 and float maps are read)");
                }
            }
            Attribute kt = attribute(n, "keys_tensor", Attribute.TENSOR);
            Attribute vt = attribute(n, "values_tensor", Attribute.TENSOR);
            double[] keys;
            double[] values;
            int type;
            double fallback;
            if (kt != null || vt != null) {
                if (kt == null || vt == null || kt.t() == null || vt.t() == null) {
                    throw new IllegalArgumentException("attributes keys_tensor and values_tensor are required together");
                }
                if (kt.t().dataType() == OnnxModel.STRING || vt.t().dataType() == OnnxModel.STRING) {
                    throw new IllegalArgumentException("attribute keys_tensor/values_tensor: string keys or values"
                            + " cannot be held on the typed path (it holds numbers)");
                }
                keys = values(kt.t());
                values = values(vt.t());
                type = vt.t().dataType();
                Attribute dt = attribute(n, "default_tensor", Attribute.TENSOR);
                fallback = dt == null || dt.t() == null || dt.t().elementCount() == 0 ? OnnxModel.isFloating(type)
                        ? -0.0 : -1 : dt.t().value(0);
            } else {
                long[] ki = ints(n, "keys_int64s");
                double[] kf = floats(n, "keys_floats");
                long[] vi = ints(n, "values_int64s");
                double[] vf = floats(n, "values_floats");
                if (ki.length > 0 == kf.length > 0 || vi.length > 0 == vf.length > 0) {
                    throw new IllegalArgumentException("attributes keys_int64s or keys_floats, and values_int64s or"
                            + " values_floats, are required (one of each)");
                }
                keys = ki.length > 0 ? toDoubles(ki) : kf;
                values = vi.length > 0 ? toDoubles(vi) : vf;
                type = vi.length > 0 ? OnnxModel.INT64 : OnnxModel.FLOAT;
                fallback = vi.length > 0 ? intAttr(n, "default_int64", -1) : floatAttr(n, "default_float", -0.0f);
            }
            sameLength("values", values.length, "keys", keys.length);
            java.util.Map<Double, Double> map = new java.util.HashMap<>();
            for (int k = 0; k < keys.length; k++) {
                map.put(Double.isNaN(keys[k]) ? Double.NaN : keys[k] + 0.0, values[k]); // -0.0 and 0.0 one key
            }
            return new LabelEncoder(map, fallback, type);
        }

        private static double[] toDoubles(long[] l) {
            double[] d = new double[l.length];
            for (int k = 0; k < l.length; k++) {
                d[k] = l[k];
            }
            return d;
        }

        private static double[] values(TensorData t) {
            double[] d = new double[(int) t.elementCount()];
            for (int k = 0; k < d.length; k++) {
                d[k] = t.value(k);
            }
            return d;
        }

        Arr run(Arr x) {
            double[] out = new double[x.v().length];
            for (int k = 0; k < out.length; k++) {
                double v = x.v()[k];
                out[k] = map.getOrDefault(Double.isNaN(v) ? Double.NaN : v + 0.0, fallback);
            }
            return new Arr(type, x.dims().clone(), out);
        }
    }

    /**
     * OneHotEncoder with integer categories (cats_int64s): Y has X's shape and one more axis of length C, 1 where X
     * is category c. zeros = 0 makes a value outside the categories an error. String categories are refused.
     */
    private record OneHot(double[] cats, boolean zeros) {
        static OneHot of(Node n) {
            if (n.attributes().containsKey("cats_strings")) {
                throw new IllegalArgumentException("attribute cats_strings: string categories cannot be held on the"
                        + " typed path (it holds numbers; cats_int64s is read)");
            }
            long[] c = ints(n, "cats_int64s");
            if (c.length == 0) {
                throw new IllegalArgumentException("attribute cats_int64s is required (the categories)");
            }
            return new OneHot(LabelEncoder.toDoubles(c), intAttr(n, "zeros", 1) != 0);
        }

        Arr run(Arr x) {
            int c = cats.length;
            budget("OneHotEncoder", x.v().length, c);
            java.util.Map<Double, Integer> at = new java.util.HashMap<>();
            for (int k = c - 1; k >= 0; k--) {
                at.put(cats[k], k);
            }
            double[] out = new double[x.v().length * c];
            for (int k = 0; k < x.v().length; k++) {
                double v = x.v()[k];
                Integer i = at.get(x.integer() ? v : Math.rint(v) == v ? v : Double.NaN);
                if (i != null) {
                    out[k * c + i] = 1;
                } else if (!zeros) {
                    throw new IllegalArgumentException("OneHotEncoder: value " + v + " is not among cats_int64s"
                            + " (zeros = 0)");
                }
            }
            long[] dims = java.util.Arrays.copyOf(x.dims(), x.rank() + 1);
            dims[x.rank()] = c;
            return new Arr(OnnxModel.FLOAT, dims, out);
        }
    }
}
