package org.convnet4j.ml;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.transfer.ShallowClassifier;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.dtree.CARTClassificationTrainer;
import org.tribuo.classification.ensemble.VotingCombiner;
import org.tribuo.classification.liblinear.LibLinearClassificationTrainer;
import org.tribuo.classification.liblinear.LinearClassificationType;
import org.tribuo.classification.libsvm.LibSVMClassificationTrainer;
import org.tribuo.classification.libsvm.SVMClassificationType;
import org.tribuo.common.libsvm.KernelType;
import org.tribuo.common.libsvm.SVMParameters;
import org.tribuo.common.nearest.KNNModel;
import org.tribuo.common.nearest.KNNTrainer;
import org.tribuo.common.tree.RandomForestTrainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * One Tribuo model behind {@link ShallowClassifier}. Features are standardised (per-feature mean and standard
 * deviation of the training rows) before Tribuo sees them: liblinear, libsvm's RBF kernel and k-NN all assume
 * comparable feature scales, and CNN activations are far from that.
 *
 * <p>Saved form ({@link #toBytes()}), all big-endian: the magic {@code C4JT}, a version (1), the feature count
 * d, d means and d standard deviations (float32), the class count, then the length and bytes of Tribuo's
 * {@code ModelProto} ({@code model.serialize()}). Protobuf is plain data; Java serialization, which can run code
 * while reading, is never used.
 */
final class TribuoClassifier implements ShallowClassifier {
    private static final int MAGIC = 0x43344A54; // "C4JT"
    private static final int VERSION = 1;
    /** Forest size and depth: Tribuo's CART re-sorts every feature at every node, so both cost time linearly. */
    static final int TREES = 20;
    static final int MAX_TREE_DEPTH = 12;

    static {
        // liblinear and libsvm print their progress to stdout, and a library never writes to stdout. Tribuo's own
        // INFO lines ("Building model 3" per tree) go to java.util.logging: the application decides (the CLI mutes
        // them).
        // Both are reached by reflection: their jars carry no module name (not even Automatic-Module-Name), so
        // module-info.java could only require them by names derived from jar file names.
        try {
            ClassLoader loader = TribuoClassifier.class.getClassLoader();
            Class.forName("de.bwaldvogel.liblinear.Linear", true, loader).getMethod("disableDebugOutput").invoke(null);
            Class<?> print = Class.forName("libsvm.svm_print_interface", true, loader);
            Object silent = java.lang.reflect.Proxy.newProxyInstance(loader, new Class<?>[] {print},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "silent libsvm output";
                        default -> null; // print_string(String): dropped
                    });
            Class.forName("libsvm.svm", true, loader).getMethod("svm_set_print_string_function", print)
                    .invoke(null, silent);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot silence liblinear/libsvm output: " + e, e);
        }
    }

    private final String algorithm;
    private final long seed;
    private Model<Label> model;
    private float[] mean;
    private float[] std;
    private int classes;
    private String[] names;

    TribuoClassifier(String algorithm, long seed) {
        this.algorithm = algorithm;
        this.seed = seed;
    }

    @Override
    public String algorithm() {
        return algorithm;
    }

    @Override
    public void fit(float[][] x, int[] y, int numClasses) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException(algorithm + ": " + x.length + " feature rows and " + y.length + " labels");
        }
        int d = x[0].length;
        this.classes = numClasses;
        this.mean = new float[d];
        this.std = new float[d];
        double[] sum = new double[d];
        double[] sq = new double[d];
        for (float[] row : x) {
            if (row.length != d) {
                throw new IllegalArgumentException(algorithm + ": feature rows of different lengths " + d + " and "
                        + row.length);
            }
            for (int j = 0; j < d; j++) {
                sum[j] += row[j];
                sq[j] += (double) row[j] * row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            double m = sum[j] / x.length;
            double v = Math.max(0, sq[j] / x.length - m * m);
            mean[j] = (float) m;
            std[j] = (float) (v > 1e-12 ? Math.sqrt(v) : 1); // constant features (dead ReLUs) stay at 0
        }
        this.names = featureNames(d);
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> data = new MutableDataset<>(new SimpleDataSourceProvenance("convnet4j features", factory),
                factory);
        for (int i = 0; i < x.length; i++) {
            if (y[i] < 0 || y[i] >= numClasses) {
                throw new IllegalArgumentException(algorithm + ": label " + y[i] + " outside 0.." + (numClasses - 1));
            }
            data.add(example(new Label(Integer.toString(y[i])), x[i]));
        }
        this.model = trainer(algorithm, seed, d, x.length).train(data);
    }

    private static Trainer<Label> trainer(String algorithm, long seed, int features, int rows) {
        return switch (algorithm) {
            case "logreg" -> new LibLinearClassificationTrainer(
                    new LinearClassificationType(LinearClassificationType.LinearType.L2R_LR), 1.0, 1000, 0.01, seed);
            case "svm" -> new LibLinearClassificationTrainer(
                    new LinearClassificationType(LinearClassificationType.LinearType.L2R_L2LOSS_SVC), 1.0, 1000, 0.01,
                    seed);
            case "rbf-svm" -> {
                SVMParameters<Label> p = new SVMParameters<>(new SVMClassificationType(SVMClassificationType.SVMMode.C_SVC),
                        KernelType.RBF);
                p.setGamma(1.0 / features);
                p.setCost(10.0);
                p.setProbability();
                yield new LibSVMClassificationTrainer(p, seed);
            }
            case "knn" -> new KNNTrainer<>(Math.min(5, rows), KNNTrainer.Distance.L2, 1, new VotingCombiner(),
                    KNNModel.Backend.THREADPOOL);
            case "forest" -> {
                float fraction = (float) Math.min(0.99, Math.max(1.0 / features, Math.sqrt(features) / features));
                CARTClassificationTrainer tree = new CARTClassificationTrainer(MAX_TREE_DEPTH, fraction, seed);
                yield new RandomForestTrainer<>(tree, new VotingCombiner(), TREES, seed);
            }
            default -> throw new IllegalArgumentException("shallow classifier '" + algorithm + "' is not known");
        };
    }

    @Override
    public double[][] predictProba(float[][] x) {
        if (model == null) {
            throw new IllegalStateException(algorithm + ": predict before fit");
        }
        List<Example<Label>> examples = new ArrayList<>(x.length);
        for (float[] row : x) {
            if (row.length != mean.length) {
                throw new IllegalArgumentException(algorithm + ": trained on " + mean.length + " features, given "
                        + row.length);
            }
            examples.add(example(LabelFactory.UNKNOWN_LABEL, row));
        }
        List<Prediction<Label>> predictions = model.predict(examples);
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = probabilities(predictions.get(i));
        }
        return out;
    }

    private double[] probabilities(Prediction<Label> p) {
        double[] s = new double[classes];
        boolean probs = p.hasProbabilities();
        double max = Double.NEGATIVE_INFINITY;
        Map<String, Label> scores = p.getOutputScores();
        boolean[] seen = new boolean[classes];
        for (Map.Entry<String, Label> e : scores.entrySet()) {
            int c = Integer.parseInt(e.getKey());
            if (c >= 0 && c < classes) {
                s[c] = e.getValue().getScore();
                seen[c] = true;
                max = Math.max(max, s[c]);
            }
        }
        if (scores.isEmpty()) {
            s[Integer.parseInt(p.getOutput().getLabel())] = 1;
            return s;
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            if (probs) {
                s[c] = seen[c] ? Math.max(0, s[c]) : 0;
            } else {
                s[c] = seen[c] ? Math.exp(s[c] - max) : 0; // softmax of decision scores
            }
            sum += s[c];
        }
        if (!(sum > 0)) {
            s[Integer.parseInt(p.getOutput().getLabel())] = 1;
            return s;
        }
        for (int c = 0; c < classes; c++) {
            s[c] /= sum;
        }
        return s;
    }

    private Example<Label> example(Label label, float[] row) {
        double[] v = new double[row.length];
        for (int j = 0; j < row.length; j++) {
            v[j] = (row[j] - mean[j]) / std[j];
        }
        return new ArrayExample<>(label, names, v);
    }

    private static String[] featureNames(int d) {
        String[] n = new String[d];
        for (int j = 0; j < d; j++) {
            n[j] = String.format("f%06d", j);
        }
        return n;
    }

    /**
     * {@code logreg} and {@code svm} (liblinear, one-vs-rest) as scores on the raw features: liblinear's decision
     * values {@code w_k · z + b_k} on the standardised features {@code z = (x - mean) / std} (Tribuo's bias feature,
     * which liblinear regularises as a weight, becomes the bias), rewritten as {@code (w_k / std) · x + b_k - w_k ·
     * mean / std}. The arg max of the decision values is liblinear's prediction (its one-vs-rest probabilities are
     * increasing in them). With two classes liblinear keeps one weight vector for the first class; the scores are
     * then {@code +d/2} and {@code -d/2} for {@code logreg}, whose softmax is liblinear's probability
     * {@code 1 / (1 + exp(-d))}, and {@code +d}, {@code -d} for {@code svm}, whose softmax {@link #predictProba}
     * gives. A class missing from the training rows is never predicted (score far below the others).
     */
    @Override
    public java.util.Optional<LinearScores> linearScores() {
        if (model == null) {
            throw new IllegalStateException(algorithm + ": no linear scores before fit");
        }
        if (!(algorithm.equals("logreg") || algorithm.equals("svm"))) {
            return java.util.Optional.empty();
        }
        try {
            // reached by reflection, as in the static block: tribuo-common-liblinear and liblinear have no module name
            List<?> inners = (List<?>) model.getClass().getMethod("getInnerModels").invoke(model);
            if (inners.size() != 1) {
                return java.util.Optional.empty();
            }
            Object inner = inners.get(0);
            Class<?> type = inner.getClass();
            int[] labels = (int[]) type.getMethod("getLabels").invoke(inner);
            int nrClass = (Integer) type.getMethod("getNrClass").invoke(inner);
            java.lang.reflect.Method coef = type.getMethod("getDecfunCoef", int.class, int.class);
            java.lang.reflect.Method bias = type.getMethod("getDecfunBias", int.class);
            if (nrClass < 2) {
                return java.util.Optional.empty();
            }
            int d = mean.length;
            org.tribuo.ImmutableFeatureMap features = model.getFeatureIDMap();
            int biasIndex = features.size() + 1; // Tribuo appends a constant-1 feature after the real ones
            int[] index = new int[d];
            for (int j = 0; j < d; j++) {
                int id = features.getID(names[j]);
                index[j] = id < 0 ? -1 : id + 1;
            }
            double half = nrClass == 2 && algorithm.equals("logreg") ? 0.5 : 1;
            float[] kernel = new float[classes * d];
            float[] b = new float[classes];
            boolean[] known = new boolean[classes];
            double lowest = Double.POSITIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                int tribuoId = model.getOutputIDInfo().getID(new Label(Integer.toString(c)));
                int k = -1;
                for (int i = 0; i < labels.length; i++) {
                    k = labels[i] == tribuoId ? i : k;
                }
                if (tribuoId < 0 || k < 0) {
                    continue;
                }
                known[c] = true;
                double intercept = ((Double) coef.invoke(inner, biasIndex, k) + (Double) bias.invoke(inner, k)) * half;
                for (int j = 0; j < d; j++) {
                    double w = index[j] < 0 ? 0 : (Double) coef.invoke(inner, index[j], k) * half / std[j];
                    kernel[c * d + j] = (float) w;
                    intercept -= w * mean[j];
                }
                b[c] = (float) intercept;
                lowest = Math.min(lowest, intercept);
            }
            for (int c = 0; c < classes; c++) {
                if (!known[c]) {
                    b[c] = (float) (lowest - 1e4);
                }
            }
            String note = algorithm.equals("logreg")
                    ? (nrClass == 2 ? "liblinear's logistic regression: softmax = its probabilities"
                    : "liblinear's one-vs-rest decision values as logits: same arg max; the softmax is sharper or"
                    + " flatter than its normalised one-vs-rest probabilities")
                    : "liblinear's linear SVM decision values";
            // predictProba: liblinear's normalised one-vs-rest logistic probabilities (logreg, more than two
            // classes), else the softmax of the scores (two-class logreg: +d/2 and -d/2; svm: its decision values)
            ShallowClassifier.Link link = algorithm.equals("logreg") && nrClass > 2
                    ? ShallowClassifier.Link.ONE_VS_REST_LOGISTIC : ShallowClassifier.Link.SOFTMAX;
            return java.util.Optional.of(new LinearScores(classes, d, kernel, b, note, link));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(algorithm + ": cannot read liblinear's weights: " + e, e);
        }
    }

    /**
     * {@code knn}: the standardised training rows Tribuo's {@code KNNModel} keeps, read from its saved form
     * ({@code KNNModelProto}: the vectors and their labels, k), with this classifier's standardisation. Tribuo
     * measures the Euclidean distance over the features its feature map knows; a feature it does not know gets an
     * inverse scale of 0.
     */
    @Override
    public java.util.Optional<Neighbours> neighbours() {
        if (model == null) {
            throw new IllegalStateException(algorithm + ": no neighbours before fit");
        }
        if (!algorithm.equals("knn")) {
            return java.util.Optional.empty();
        }
        try {
            org.tribuo.common.nearest.protos.KNNModelProto p = model.serialize().getSerializedData()
                    .unpack(org.tribuo.common.nearest.protos.KNNModelProto.class);
            int d = mean.length;
            org.tribuo.ImmutableFeatureMap features = model.getFeatureIDMap();
            int[] id = new int[d];
            float[] inverse = new float[d];
            for (int j = 0; j < d; j++) {
                id[j] = features.getID(names[j]);
                inverse[j] = id[j] < 0 ? 0 : 1 / std[j];
            }
            int n = p.getVectorsCount();
            float[] points = new float[n * d];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                org.tribuo.math.la.SGDVector v = (org.tribuo.math.la.SGDVector) org.tribuo.math.la.Tensor.deserialize(
                        p.getVectors(i));
                for (int j = 0; j < d; j++) {
                    points[i * d + j] = id[j] < 0 ? 0 : (float) v.get(id[j]);
                }
                labels[i] = Integer.parseInt(((Label) org.tribuo.Output.deserialize(p.getOutputs(i))).getLabel());
            }
            return java.util.Optional.of(new Neighbours(classes, d, p.getK(), mean.clone(), inverse, points, labels));
        } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
            throw new IllegalStateException(algorithm + ": cannot read Tribuo's k-NN rows: " + e, e);
        }
    }

    /**
     * {@code rbf-svm}: libsvm's model as Tribuo saves it ({@code LibSVMClassificationModelProto}: libsvm's
     * {@code svm_model} field by field, plain protobuf data), its support vectors mapped from Tribuo's feature ids
     * back to this classifier's feature order (a feature a vector does not list is 0, as in libsvm) and its class
     * numbers to ours, with this classifier's standardisation. libsvm's own classes are not read (its jar has no
     * module name); nothing is reflected.
     */
    @Override
    public java.util.Optional<KernelSvm> kernelSvm() {
        if (model == null) {
            throw new IllegalStateException(algorithm + ": no support vectors before fit");
        }
        if (!algorithm.equals("rbf-svm")) {
            return java.util.Optional.empty();
        }
        try {
            org.tribuo.common.libsvm.protos.SVMModelProto m = model.serialize().getSerializedData()
                    .unpack(org.tribuo.classification.libsvm.protos.LibSVMClassificationModelProto.class).getModel();
            org.tribuo.common.libsvm.protos.SVMParameterProto param = m.getParam();
            if (param.getSvmType() != 0 || param.getKernelType() != 2 || param.getProbability() != 1) {
                throw new IllegalStateException("libsvm model of type " + param.getSvmType() + ", kernel "
                        + param.getKernelType() + ", probability " + param.getProbability() + " (expected C-SVC, RBF,"
                        + " with probabilities)");
            }
            int k = m.getNrClass();
            int d = mean.length;
            int l = m.getL();
            org.tribuo.ImmutableFeatureMap features = model.getFeatureIDMap();
            int[] column = new int[features.size()]; // Tribuo feature id -> our feature index
            java.util.Arrays.fill(column, -1);
            for (int j = 0; j < d; j++) {
                int id = features.getID(names[j]);
                if (id >= 0) {
                    column[id] = j;
                }
            }
            float[] vectors = new float[l * d];
            for (int v = 0; v < l; v++) {
                org.tribuo.common.libsvm.protos.SVMNodeArrayProto nodes = m.getSV(v);
                for (int n = 0; n < nodes.getIndexCount(); n++) {
                    int id = nodes.getIndex(n);
                    if (id >= 0 && id < column.length && column[id] >= 0) {
                        vectors[v * d + column[id]] = (float) nodes.getValue(n);
                    } else if (id != -1) { // -1 ends a libsvm node array
                        throw new IllegalStateException("support vector " + v + " names feature id " + id);
                    }
                }
            }
            int[] classOf = new int[k];
            for (int i = 0; i < k; i++) {
                classOf[i] = Integer.parseInt(model.getOutputIDInfo().getOutput(m.getLabel(i)).getLabel());
            }
            float[] inverse = new float[d];
            for (int j = 0; j < d; j++) {
                inverse[j] = 1 / std[j];
            }
            return java.util.Optional.of(new KernelSvm(k, d, mean.clone(), inverse, param.getGamma(), classOf,
                    m.getNSVList().stream().mapToInt(Integer::intValue).toArray(), vectors,
                    m.getSvCoefList().stream().mapToDouble(Double::doubleValue).toArray(),
                    m.getRhoList().stream().mapToDouble(Double::doubleValue).toArray(),
                    m.getProbAList().stream().mapToDouble(Double::doubleValue).toArray(),
                    m.getProbBList().stream().mapToDouble(Double::doubleValue).toArray()));
        } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
            throw new IllegalStateException(algorithm + ": cannot read libsvm's model: " + e, e);
        }
    }

    /**
     * {@code forest}: Tribuo's trees (the ensemble's {@code TreeModel}s; its {@code VotingCombiner} gives each tree
     * one vote for its leaf's label) as node arrays, split features mapped back from Tribuo's feature ids to this
     * classifier's feature order, with this classifier's standardisation (Tribuo splits the standardised values:
     * {@code z > split} goes to the greater-than child).
     */
    @Override
    public java.util.Optional<Forest> forest() {
        if (model == null) {
            throw new IllegalStateException(algorithm + ": no trees before fit");
        }
        if (!algorithm.equals("forest") || !(model instanceof org.tribuo.ensemble.EnsembleModel<Label> ensemble)) {
            return java.util.Optional.empty();
        }
        List<Tree> trees = new ArrayList<>();
        for (Model<Label> m : ensemble.getModels()) {
            if (!(m instanceof org.tribuo.common.tree.TreeModel<Label> tree)) {
                return java.util.Optional.empty();
            }
            trees.add(tree(tree));
        }
        float[] inverse = new float[std.length];
        for (int j = 0; j < std.length; j++) {
            inverse[j] = 1 / std[j];
        }
        return java.util.Optional.of(new Forest(classes, mean.length, mean.clone(), inverse, trees));
    }

    /** One Tribuo tree, nodes numbered depth first from the root (0), children after their parent. */
    private Tree tree(org.tribuo.common.tree.TreeModel<Label> model) {
        org.tribuo.ImmutableFeatureMap features = model.getFeatureIDMap();
        List<org.tribuo.common.tree.Node<Label>> nodes = new ArrayList<>();
        java.util.Map<org.tribuo.common.tree.Node<Label>, Integer> number = new java.util.IdentityHashMap<>();
        java.util.ArrayDeque<org.tribuo.common.tree.Node<Label>> todo = new java.util.ArrayDeque<>();
        todo.push(model.getRoot());
        while (!todo.isEmpty()) {
            org.tribuo.common.tree.Node<Label> n = todo.pop();
            number.put(n, nodes.size());
            nodes.add(n);
            if (n instanceof org.tribuo.common.tree.SplitNode<Label> split) {
                todo.push(split.getGreaterThan());
                todo.push(split.getLessThanOrEqual());
            }
        }
        int size = nodes.size();
        int[] feature = new int[size];
        float[] threshold = new float[size];
        int[] lessOrEqual = new int[size];
        int[] greater = new int[size];
        int[] leafClass = new int[size];
        for (int i = 0; i < size; i++) {
            org.tribuo.common.tree.Node<Label> n = nodes.get(i);
            if (n instanceof org.tribuo.common.tree.SplitNode<Label> split) {
                String name = features.get(split.getFeatureID()).getName();
                feature[i] = Integer.parseInt(name.substring(1));
                threshold[i] = (float) split.splitValue();
                lessOrEqual[i] = number.get(split.getLessThanOrEqual());
                greater[i] = number.get(split.getGreaterThan());
            } else if (n instanceof org.tribuo.common.tree.LeafNode<Label> leaf) {
                feature[i] = -1;
                leafClass[i] = Integer.parseInt(leaf.getOutput().getLabel());
            } else {
                throw new IllegalStateException(algorithm + ": a tree node of type " + n.getClass().getName());
            }
        }
        return new Tree(feature, threshold, lessOrEqual, greater, leafClass);
    }

    @Override
    public byte[] toBytes() {
        if (model == null) {
            throw new IllegalStateException(algorithm + ": nothing to save before fit");
        }
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(mean.length);
            for (float m : mean) {
                out.writeFloat(m);
            }
            for (float s : std) {
                out.writeFloat(s);
            }
            out.writeInt(classes);
            byte[] proto = model.serialize().toByteArray();
            out.writeInt(proto.length);
            out.write(proto);
            out.flush();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: writing to memory failed", e);
        }
    }

    static TribuoClassifier fromBytes(String algorithm, byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            if (bytes.length < 16 || in.readInt() != MAGIC) {
                throw new IllegalArgumentException(algorithm + ": not a convnet4j Tribuo classifier (bad magic)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException(algorithm + ": classifier format version " + version
                        + " is not supported (this build reads " + VERSION + ")");
            }
            int d = in.readInt();
            if (d < 1 || (long) d * 8 + 20 > bytes.length) {
                throw new IllegalArgumentException(algorithm + ": " + d + " features do not fit in " + bytes.length
                        + " bytes");
            }
            TribuoClassifier c = new TribuoClassifier(algorithm, 0);
            c.mean = new float[d];
            c.std = new float[d];
            for (int j = 0; j < d; j++) {
                c.mean[j] = in.readFloat();
            }
            for (int j = 0; j < d; j++) {
                c.std[j] = in.readFloat();
            }
            c.classes = in.readInt();
            int length = in.readInt();
            if (c.classes < 2 || length < 0 || length != in.available()) {
                throw new IllegalArgumentException(algorithm + ": damaged classifier (" + c.classes + " classes, "
                        + length + " model bytes, " + in.available() + " present)");
            }
            byte[] proto = in.readNBytes(length);
            Model<?> m = Model.deserialize(ModelProto.parseFrom(proto));
            c.model = m.castModel(Label.class);
            c.names = featureNames(d);
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException(algorithm + ": damaged classifier: " + e.getMessage(), e);
        } catch (IllegalStateException | ClassCastException e) {
            throw new IllegalArgumentException(algorithm + ": the saved Tribuo model cannot be read: " + e.getMessage(), e);
        }
    }

}
