package org.convnet4j.nn.layers;

import org.convnet4j.tensor.RowOps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Late (decision-level) fusion: combines the class decisions of M member models. Each input is one member's
 * logits [N, K]; each is turned into probabilities by a softmax, the M distributions are combined by the
 * {@link Mode}, and the output is the <em>log</em> of the combined distribution [N, K], so that its argmax is the
 * fused decision and a softmax of it gives the fused probabilities back (softmax cross-entropy on it is the fused
 * negative log-likelihood).
 *
 * <p>Nothing here is learned by back-propagation: the weights of {@link Mode#WEIGHTED} and the meta-classifier of
 * {@link Mode#STACK} are fitted on validation outputs (see {@code org.convnet4j.fusion.LateFusion}) and saved as
 * buffers (the mode is the only config). {@link #backwardAll} therefore refuses to run.
 */
public final class DecisionFusion extends Layer {
    /** How the members' probabilities p_m are combined into one distribution. */
    public enum Mode {
        /** The mean of the p_m. */
        MEAN,
        /** sum_m w_m p_m with fitted weights (non-negative, summing to 1). */
        WEIGHTED,
        /** Per class the largest p_m(c), renormalised: the most confident member wins. */
        MAX,
        /** Per class prod_m p_m(c) (the geometric mean), renormalised: a naive-Bayes style combination. */
        PRODUCT,
        /** Each member votes for its argmax; ties are broken by the mean probability. */
        VOTE,
        /** A multinomial logistic regression (the meta-classifier) on the concatenated p_m. */
        STACK;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.id().equals(s.toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException("decision fusion: unknown combination '" + s
                    + "'; known: mean, weighted, max, product, vote, stack");
        }
    }

    /** Probabilities below this are clipped before the log, so a certain "no" stays finite. */
    public static final double FLOOR = 1e-12;
    /** A vote is worth this much more than any difference in mean probability (which is at most 1). */
    private static final double VOTE_UNIT = 1e3;

    private final Mode mode;
    private int members = -1;
    private int classes = -1;
    private Parameter weights;           // WEIGHTED only: [M], starts at 1/M (the mean)
    private Parameter metaKernel;        // STACK only: [K, M*K]
    private Parameter metaBias;          // STACK only: [K]

    public DecisionFusion(Mode mode) {
        this.mode = mode;
    }

    public Mode mode() {
        return mode;
    }

    /** The member weights of {@link Mode#WEIGHTED} (a copy), else null. */
    public float[] weights() {
        return weights == null ? null : weights.value().data().clone();
    }

    /** Sets the member weights of a built {@link Mode#WEIGHTED} combiner: finite, >= 0, not all 0. */
    public DecisionFusion setWeights(float[] w) {
        if (mode != Mode.WEIGHTED || weights == null) {
            throw new IllegalStateException(describe() + ": weights belong to a built 'weighted' combiner");
        }
        if (w.length != members) {
            throw new IllegalArgumentException(describe() + ": " + w.length + " weights for " + members + " members");
        }
        double sum = 0;
        for (float x : w) {
            if (!(x >= 0) || !Float.isFinite(x)) {
                throw new IllegalArgumentException(describe() + ": weights must be finite and >= 0, got "
                        + java.util.Arrays.toString(w));
            }
            sum += x;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException(describe() + ": weights must not all be 0");
        }
        weights.load(Tensor.wrap(w.clone(), members));
        return this;
    }

    /** Sets the meta-classifier of {@link Mode#STACK}: kernel [K, M*K], bias [K] (after the layer is built). */
    public DecisionFusion setMetaClassifier(Tensor kernel, Tensor bias) {
        if (mode != Mode.STACK || metaKernel == null) {
            throw new IllegalStateException(describe() + ": a meta-classifier belongs to a built 'stack' combiner");
        }
        metaKernel.load(kernel);
        metaBias.load(bias);
        return this;
    }

    @Override
    public int minInputs() {
        return 1;
    }

    @Override
    public int maxInputs() {
        return Integer.MAX_VALUE;
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
        requireInputs(inputShapes);
        Shape first = inputShapes.get(0);
        for (int m = 0; m < inputShapes.size(); m++) {
            Shape s = inputShapes.get(m);
            if (s.rank() != 1 || !s.equals(first)) {
                throw new IllegalArgumentException(describe() + ": every member must give class scores [K] with the "
                        + "same K; member " + m + " gives " + s + ", member 0 gives " + first);
            }
        }
        int m = inputShapes.size();
        int k = first.dim(0);
        if (members == -1) {
            members = m;
            classes = k;
            if (mode == Mode.WEIGHTED) {
                float[] mean = new float[m];
                java.util.Arrays.fill(mean, 1f / m);
                weights = Parameter.buffer("weights", Tensor.wrap(mean, m));
            }
            if (mode == Mode.STACK) {
                metaKernel = Parameter.buffer("meta_kernel", Tensor.zeros(k, m * k));
                metaBias = Parameter.buffer("meta_bias", Tensor.zeros(k));
            }
        } else if (members != m || classes != k) {
            throw new IllegalArgumentException(describe() + ": built for " + members + " members of " + classes
                    + " classes, given " + m + " of " + k);
        }
        return first;
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        requireInputs(inputs);
        List<Shape> shapes = new ArrayList<>();
        for (Tensor t : inputs) {
            shapes.add(t.shape().dropFirst());
        }
        outputShape(shapes);
        int n = inputs.get(0).dim(0);
        Tensor out = Tensor.zeros(n, classes);
        double[][] p = new double[members][classes];
        double[] fused = new double[classes];
        for (int i = 0; i < n; i++) {
            for (int m = 0; m < members; m++) {
                if (inputs.get(m).dim(0) != n) {
                    throw new IllegalArgumentException(describe() + ": members gave different batch sizes");
                }
                softmax(inputs.get(m).data(), i * classes, p[m]);
            }
            combine(p, fused);
            for (int c = 0; c < classes; c++) {
                out.data()[i * classes + c] = (float) fused[c];
            }
        }
        return out;
    }

    /** The log of the fused distribution of one sample from the members' probabilities p[m][c]. */
    public void combine(double[][] p, double[] logOut) {
        int m = p.length;
        int k = p[0].length;
        switch (mode) {
            case MEAN, WEIGHTED -> {
                float[] w = weights == null ? null : weights.value().data();
                double wsum = 0;
                for (int j = 0; j < m; j++) {
                    wsum += w == null ? 1 : w[j];
                }
                for (int c = 0; c < k; c++) {
                    double s = 0;
                    for (int j = 0; j < m; j++) {
                        s += (w == null ? 1 : w[j]) * p[j][c];
                    }
                    logOut[c] = s / wsum;
                }
                logNormalised(logOut);
            }
            case MAX -> {
                for (int c = 0; c < k; c++) {
                    double best = 0;
                    for (int j = 0; j < m; j++) {
                        best = Math.max(best, p[j][c]);
                    }
                    logOut[c] = best;
                }
                logNormalised(logOut);
            }
            case PRODUCT -> {
                // in logs: the product of many small probabilities underflows, its log does not
                for (int c = 0; c < k; c++) {
                    double s = 0;
                    for (int j = 0; j < m; j++) {
                        s += Math.log(Math.max(p[j][c], FLOOR));
                    }
                    logOut[c] = s / m;
                }
                RowOps.logSoftmaxInPlace(logOut);
            }
            case VOTE -> {
                for (int c = 0; c < k; c++) {
                    logOut[c] = 0;
                }
                for (int j = 0; j < m; j++) {
                    logOut[RowOps.argmax(p[j])] += VOTE_UNIT;
                }
                for (int c = 0; c < k; c++) {
                    double mean = 0;
                    for (int j = 0; j < m; j++) {
                        mean += p[j][c];
                    }
                    logOut[c] += mean / m;
                }
                logNormalised(logOut);
            }
            case STACK -> {
                float[] w = metaKernel.value().data();
                float[] b = metaBias.value().data();
                for (int c = 0; c < k; c++) {
                    double z = b[c];
                    for (int j = 0; j < m; j++) {
                        for (int d = 0; d < k; d++) {
                            z += w[c * m * k + j * k + d] * p[j][d];
                        }
                    }
                    logOut[c] = z;
                }
                RowOps.logSoftmaxInPlace(logOut);
            }
            default -> throw new IllegalStateException("unreachable");
        }
    }

    /** Softmax of logits[off .. off+K) into out, in double. */
    public static void softmax(float[] logits, int off, double[] out) {
        RowOps.softmax(logits, off, out.length, out);
    }

    private static void logNormalised(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        for (int c = 0; c < v.length; c++) {
            v[c] = Math.log(Math.max(v[c] / sum, FLOOR));
        }
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        throw new IllegalStateException(describe() + ": decision-level fusion is fitted on validation outputs "
                + "(LateFusion), not trained by back-propagation; train the members on their own");
    }

    @Override
    public List<Parameter> parameters() {
        if (weights != null) {
            return List.of(weights);
        }
        return metaKernel == null ? List.of() : List.of(metaKernel, metaBias);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("mode", mode.id());
        return c;
    }
}
