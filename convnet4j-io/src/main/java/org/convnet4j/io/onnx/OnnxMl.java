package org.convnet4j.io.onnx;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.convnet4j.io.onnx.OnnxFolding.Arr;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;

/**
 * The ONNX-ML operators (domain {@code ai.onnx.ml}) that classifier heads on a network's features are written with:
 * {@code SVMClassifier}, {@code TreeEnsembleClassifier}, {@code LinearClassifier}, {@code Normalizer},
 * {@code Scaler} and {@code ZipMap}. They run on the typed path of {@link OnnxProgram} (in double precision, as the
 * rest of it), for inference only: no reference framework trains a tree ensemble or a kernel SVM by gradient, so
 * these nodes have no backward pass and a program that reaches them in {@code backward} says so.
 *
 * <p>{@link #check} reads and checks a node's attributes once at import (lengths that must agree, known kernel,
 * mode and post_transform names), so a malformed node is one line naming the node and the attribute.
 * {@code ZipMap}'s result (a sequence of maps from class label to probability) is given as the [N, C] tensor of
 * its values, columns in the order of its labels. String class labels are read where only the probabilities are
 * used; a label output of string labels is refused (the typed path holds numbers).
 */
final class OnnxMl {
    static final String DOMAIN = "ai.onnx.ml";

    /** The operators of {@link #DOMAIN} this class evaluates. */
    static final Set<String> OPS = Set.of("SVMClassifier", "TreeEnsembleClassifier", "LinearClassifier",
            "Normalizer", "Scaler", "ZipMap");

    private static final Set<String> CLASSIFIERS = Set.of("SVMClassifier", "TreeEnsembleClassifier",
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
            case "Normalizer" -> norm(n);
            case "Scaler" -> {
                floats(n, "offset");
                floats(n, "scale");
            }
            case "ZipMap" -> Labels.of(n, "classlabels_int64s", "classlabels_strings");
            default -> throw new IllegalArgumentException("operator " + DOMAIN + "." + n.opType() + " is not supported");
        }
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
        if (x.rank() < 1 || x.rank() > 2) {
            throw new IllegalArgumentException(n.opType() + ": X has shape " + java.util.Arrays.toString(x.dims())
                    + " (a row [F] or rows [N, F] are expected)");
        }
        int rows = x.rank() == 1 ? 1 : (int) x.dims()[0];
        int width = (int) x.dims()[x.rank() - 1];
        return switch (n.opType()) {
            case "SVMClassifier" -> Svm.of(n).run(x.v(), rows, width);
            case "TreeEnsembleClassifier" -> Trees.of(n).run(x.v(), rows, width);
            case "LinearClassifier" -> Linear.of(n).run(x.v(), rows, width);
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

    private static Attribute attribute(Node n, String name, int... types) {
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

    /** A FLOATS attribute, or the TENSOR attribute {@code name_as_tensor} of later opsets; empty if neither. */
    private static double[] floats(Node n, String name) {
        Attribute a = attribute(n, name, Attribute.FLOATS);
        Attribute t = attribute(n, name + "_as_tensor", Attribute.TENSOR);
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

    private static long[] ints(Node n, String name) {
        Attribute a = attribute(n, name, Attribute.INTS);
        return a == null || a.ints() == null ? new long[0] : a.ints();
    }

    private static String string(Node n, String name, String fallback) {
        Attribute a = attribute(n, name, Attribute.STRING);
        return a == null ? fallback : a.string();
    }

    private static String[] strings(Node n, String name) {
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

    private static int argmax(double[] v, int from, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (v[from + i] > v[from + best]) {
                best = i;
            }
        }
        return best;
    }

    // ---- SVMClassifier ------------------------------------------------------------------------------------------

    private record Svm(Labels labels, String kernel, double gamma, double coef0, double degree, int[] perClass,
                       int[] start, int vectors, int features, double[] supportVectors, double[] coefficients,
                       double[] rho, double[] probA, double[] probB, String transform) {
        static Svm of(Node n) {
            Labels labels = Labels.of(n, "classlabels_ints", "classlabels_strings");
            int classes = labels.size();
            String kernel = string(n, "kernel_type", "LINEAR");
            if (!Set.of("LINEAR", "POLY", "RBF", "SIGMOID").contains(kernel)) {
                throw new IllegalArgumentException("attribute kernel_type is '" + kernel
                        + "' (one of LINEAR, POLY, RBF, SIGMOID)");
            }
            double[] params = floats(n, "kernel_params");
            if (params.length != 0 && params.length != 3) {
                throw new IllegalArgumentException("attribute kernel_params has " + params.length
                        + " values (gamma, coef0, degree: 3)");
            }
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
                int best = argmax(scores, r * classes, classes);
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
                label[r] = argmax(scores, r * targets, targets);
                applyTransform(transform, scores, r * targets, targets);
            }
            return List.of(labelsOf(labels, label), new Arr(OnnxModel.FLOAT, new long[] {rows, targets}, scores));
        }
    }

    // ---- TreeEnsembleClassifier ---------------------------------------------------------------------------------

    /**
     * The trees as arrays indexed by position in the nodes_* attributes: each branch's feature, threshold, mode and
     * the positions its two children are at; each leaf's weights (class, weight) pairs.
     */
    private record Trees(Labels labels, int[] roots, int[] feature, double[] threshold, byte[] mode, boolean[] missingTrue,
                         int[] yes, int[] no, int[][] leafClass, double[][] leafWeight, double[] base, String transform,
                         int maxFeature) {
        static final List<String> MODES = List.of("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ",
                "BRANCH_NEQ", "LEAF");
        static final byte LEAF = 6;

        static Trees of(Node n) {
            Labels labels = Labels.of(n, "classlabels_int64s", "classlabels_strings");
            int classes = labels.size();
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
                if (m != LEAF && (featureIds[i] < 0 || featureIds[i] > Integer.MAX_VALUE)) {
                    throw new IllegalArgumentException("attribute nodes_featureids has " + featureIds[i]
                            + " at position " + i);
                }
                if (m != LEAF) {
                    maxFeature = (int) Math.max(maxFeature, featureIds[i]);
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
            long[] classTree = ints(n, "class_treeids");
            long[] classNode = ints(n, "class_nodeids");
            long[] classIds = ints(n, "class_ids");
            double[] weights = floats(n, "class_weights");
            sameLength("class_nodeids", classNode.length, "class_treeids", classTree.length);
            sameLength("class_ids", classIds.length, "class_treeids", classTree.length);
            sameLength("class_weights", weights.length, "class_treeids", classTree.length);
            List<List<int[]>> perLeaf = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                perLeaf.add(null);
            }
            java.util.Set<Long> used = new java.util.TreeSet<>();
            for (int k = 0; k < classTree.length; k++) {
                Integer leaf = at.get(key(classTree[k], classNode[k]));
                if (leaf == null || mode[leaf] != LEAF) {
                    throw new IllegalArgumentException("attribute class_nodeids: node " + classNode[k] + " of tree "
                            + classTree[k] + " (weight " + k + ") is not a leaf among the nodes");
                }
                if (classIds[k] < 0 || classIds[k] >= classes) {
                    throw new IllegalArgumentException("attribute class_ids has " + classIds[k] + " at position " + k
                            + " (there are " + classes + " classes)");
                }
                used.add(classIds[k]);
                if (perLeaf.get(leaf) == null) {
                    perLeaf.set(leaf, new ArrayList<>());
                }
                perLeaf.get(leaf).add(new int[] {(int) classIds[k], k});
            }
            if (classes == 2 && used.size() < 2) {
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
                sameLength("base_values", base.length, labels.attribute, classes);
            }
            int[] rootAt = roots.values().stream().mapToInt(Integer::intValue).toArray();
            checkAcyclic(rootAt, mode, yes, no, count);
            return new Trees(labels, rootAt, feature, values, mode, missingTrue, yes, no, leafClass, leafWeight, base,
                    postTransformOf(n), maxFeature);
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

        List<Arr> run(double[] x, int rows, int width) {
            if (maxFeature >= width) {
                throw new IllegalArgumentException("TreeEnsembleClassifier: X has " + width + " features per row,"
                        + " the trees read feature " + maxFeature);
            }
            int classes = labels.size();
            double[] scores = new double[rows * classes];
            int[] label = new int[rows];
            for (int r = 0; r < rows; r++) {
                int o = r * classes;
                for (int root : roots) {
                    int i = root;
                    while (mode[i] != LEAF) {
                        double v = x[r * width + feature[i]];
                        double t = threshold[i];
                        boolean go = Double.isNaN(v) ? missingTrue[i] || mode[i] == 5 : switch (mode[i]) {
                            case 0 -> v <= t;
                            case 1 -> v < t;
                            case 2 -> v >= t;
                            case 3 -> v > t;
                            case 4 -> v == t;
                            default -> v != t;
                        };
                        i = go ? yes[i] : no[i];
                    }
                    for (int k = 0; k < leafClass[i].length; k++) {
                        scores[o + leafClass[i][k]] += leafWeight[i][k];
                    }
                }
                for (int c = 0; c < base.length; c++) {
                    scores[o + c] += base[c];
                }
                label[r] = argmax(scores, o, classes);
                applyTransform(transform, scores, o, classes);
            }
            return List.of(labelsOf(labels, label), new Arr(OnnxModel.FLOAT, new long[] {rows, classes}, scores));
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
}
