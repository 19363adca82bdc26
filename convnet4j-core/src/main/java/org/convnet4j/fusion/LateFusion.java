package org.convnet4j.fusion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.Batch;
import org.convnet4j.data.DataLoader;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.InferenceBuffers;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Late (decision-level) fusion: separately trained models, one per input, whose class probabilities are combined
 * by a {@link DecisionFusion.Mode}. The result is a graph {@code input -> <input>_model -> fusion} (members
 * frozen), saved and loaded like any model. {@link #fit} fits what the mode needs on a held-out split:
 * <ul>
 *   <li>{@code weighted}: member weights by {@link WeightSearch} (coordinate search maximising accuracy, then
 *       log-likelihood);</li>
 *   <li>{@code stack}: a {@link LogisticRegression} meta-classifier (hand-written, in core; L2 {@value #STACK_L2})
 *       on the members' concatenated probabilities;</li>
 *   <li>mean, max, product, vote: nothing to fit.</li>
 * </ul>
 * The split used for fitting must not be the members' training data: a member is over-confident on the data it
 * was trained on, and the combiner would learn to trust it too much.
 */
public final class LateFusion {
    public static final double STACK_L2 = 1e-3;
    public static final int STACK_ITERATIONS = 500;

    private LateFusion() {
    }

    /**
     * Checks that the members fit together and the data: same number of classes and, where known, the same class
     * names; each member takes its input's shape. Messages name the member and what differs.
     */
    public static void checkMembers(Map<String, Model> members, Dataset data) {
        if (members.size() < 2) {
            throw new IllegalArgumentException("late fusion: needs at least two members, got " + members.keySet());
        }
        List<String> dataClasses = data.classNames();
        Map<String, Shape> shapes = data instanceof MultiInputDataset mi ? mi.shapesByName() : null;
        for (Map.Entry<String, Model> e : members.entrySet()) {
            String name = e.getKey();
            Model m = e.getValue();
            if (m.inputShapes().size() != 1) {
                throw new IllegalArgumentException("late fusion: member '" + name + "' takes " + m.inputShapes().size()
                        + " inputs; a member takes one");
            }
            Shape out = m.outputShape();
            if (out.rank() != 1 || out.dim(0) != data.numClasses()) {
                throw new IllegalArgumentException("late fusion: member '" + name + "' outputs " + out + " but the data has "
                        + data.numClasses() + " classes " + dataClasses);
            }
            if (!m.classNames().isEmpty() && !m.classNames().equals(dataClasses)) {
                throw new IllegalArgumentException("late fusion: member '" + name + "' was trained on classes "
                        + m.classNames() + " but the data has classes " + dataClasses
                        + " (all members must predict the same classes in the same order)");
            }
            if (shapes != null) {
                Shape want = shapes.get(name);
                if (want == null) {
                    throw new IllegalArgumentException("late fusion: member '" + name + "' has no input of that name; inputs: "
                            + shapes.keySet());
                }
                if (!want.equals(m.inputShapes().get(0))) {
                    throw new IllegalArgumentException("late fusion: member '" + name + "' takes " + m.inputShapes().get(0)
                            + " but input '" + name + "' is " + want);
                }
            }
        }
    }

    /** The fusion graph with an unfitted combiner (weighted starts as the mean, stack as all-zero). */
    public static Graph build(Map<String, Model> members, DecisionFusion.Mode mode) {
        Graph.Builder b = Graph.builder("late_fusion");
        members.forEach((name, m) -> b.input(name, m.inputShapes().get(0)));
        List<String> nodes = new ArrayList<>();
        List<String> classes = null;
        for (Map.Entry<String, Model> e : members.entrySet()) {
            if (!e.getValue().classNames().isEmpty()) {
                classes = e.getValue().classNames();
            }
            e.getValue().setTrainable(false);
            String node = e.getKey() + "_model";
            b.add(node, e.getValue(), e.getKey());
            nodes.add(node);
        }
        b.add("fusion", new DecisionFusion(mode), nodes.toArray(new String[0]));
        Graph g = b.output("fusion").build();
        if (classes != null) {
            g.setClassNames(classes);
        }
        return g;
    }

    /** Builds the fusion graph and fits its combiner on {@code fitData} (see the class comment). */
    public static Graph fit(Map<String, Model> givenMembers, MultiInputDataset fitData, DecisionFusion.Mode mode) {
        checkMembers(givenMembers, fitData);
        if (!givenMembers.keySet().equals(new java.util.HashSet<>(fitData.inputNames()))) {
            throw new IllegalArgumentException("late fusion: members " + givenMembers.keySet()
                    + " do not match the data's inputs " + fitData.inputNames() + " (one member per input)");
        }
        // the graph takes its inputs in the data's order, so the same data sets feed it without reordering
        Map<String, Model> members = new LinkedHashMap<>();
        fitData.inputNames().forEach(n -> members.put(n, givenMembers.get(n)));
        Graph g = build(members, mode);
        g.setClassNames(fitData.classNames());
        DecisionFusion combiner = (DecisionFusion) g.node("fusion").layer();
        if (mode == DecisionFusion.Mode.WEIGHTED || mode == DecisionFusion.Mode.STACK) {
            double[][][] probs = new double[members.size()][][];
            int j = 0;
            for (Map.Entry<String, Model> e : members.entrySet()) {
                probs[j++] = probabilities(e.getValue(), fitData.input(e.getKey()), 256);
            }
            int[] labels = labels(fitData);
            if (mode == DecisionFusion.Mode.WEIGHTED) {
                double[] w = WeightSearch.fit(probs, labels);
                float[] wf = new float[w.length];
                for (int i = 0; i < w.length; i++) {
                    wf[i] = (float) w[i];
                }
                combiner.setWeights(wf);
            } else {
                LogisticRegression lr = LogisticRegression.fit(stackFeatures(probs), labels, fitData.numClasses(),
                        STACK_L2, STACK_ITERATIONS);
                combiner.setMetaClassifier(toTensor(lr.weights()), Tensor.wrap(toFloats(lr.bias()), lr.bias().length));
            }
        }
        return g;
    }

    /** Member-major concatenation of probs[member][sample][class]: row i = p_0(i) ++ p_1(i) ++ ... */
    public static double[][] stackFeatures(double[][][] probs) {
        int m = probs.length;
        int n = probs[0].length;
        int k = probs[0][0].length;
        double[][] x = new double[n][m * k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                System.arraycopy(probs[j][i], 0, x[i], j * k, k);
            }
        }
        return x;
    }

    /** Softmax probabilities [n][K] of a single-input model (logits out) on a data set. */
    public static double[][] probabilities(Model model, Dataset data, int batchSize) {
        int k = model.outputShape().dim(0);
        double[][] out = new double[data.size()][k];
        DataLoader loader = DataLoader.builder(data).batchSize(batchSize).augment(false).build();
        int i = 0;
        try (DataLoader.BatchIterator it = loader.iterator(0); InferenceBuffers.Scope scope = InferenceBuffers.scope()) {
            while (it.hasNext()) {
                Batch b = it.next();
                Tensor logits = model.predict(b.inputs());
                for (int r = 0; r < b.size(); r++) {
                    DecisionFusion.softmax(logits.data(), r * k, out[i++]);
                }
            }
        }
        return out;
    }

    static int[] labels(Dataset d) {
        int[] y = new int[d.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = d.label(i);
        }
        return y;
    }

    private static Tensor toTensor(double[][] w) {
        float[] f = new float[w.length * w[0].length];
        for (int c = 0; c < w.length; c++) {
            for (int j = 0; j < w[0].length; j++) {
                f[c * w[0].length + j] = (float) w[c][j];
            }
        }
        return Tensor.wrap(f, w.length, w[0].length);
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** Member names to models, in the order given (helper for callers holding lists). */
    public static Map<String, Model> members(List<String> names, List<Model> models) {
        Map<String, Model> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), models.get(i));
        }
        return m;
    }
}
