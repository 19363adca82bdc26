package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.tensor.Tensor;

/**
 * Compares a layer's analytic gradients with central finite differences.
 *
 * <p>The scalar checked is {@code L = sum(y * r)} with a fixed random {@code r}, accumulated in double,
 * so dL/dy = r and every output element contributes. The engine computes in float32, so the difference
 * quotient carries rounding noise of about {@code ulp(y) * sqrt(size(y)) / eps}; with the default
 * {@code eps = 1e-2} on inputs of order 1 that is around 1e-4, while the truncation error of the central
 * difference is O(eps^2 f''') — hence the tolerance |analytic - numeric| &lt;= atol + rtol * max(|a|, |n|)
 * with defaults {@code atol = 2e-3}, {@code rtol = 2e-2}. Inputs must keep away from kinks (ReLU at 0,
 * ties in max pooling) by more than {@code eps}, or the difference straddles the kink.
 */
public final class GradientCheck {
    /** The default finite-difference step described above. */
    public static final double EPS = 1e-2;
    /** The default absolute tolerance. */
    public static final double ATOL = 2e-3;
    /** The default relative tolerance. */
    public static final double RTOL = 2e-2;

    private GradientCheck() {
    }

    /** Whether the layer runs as in training (batch statistics, dropout masks) or as in inference. */
    public enum Mode {
        /** {@code forward(inputs, true)}. */
        TRAINING,
        /** {@code forward(inputs, false)}. */
        INFERENCE
    }

    /**
     * What a check does: the mode the layer runs in, how many positions per tensor it compares (chosen with
     * {@code seed}), the finite-difference step and the tolerances.
     */
    public record Options(Mode mode, int maxPerTensor, long seed, double eps, double atol, double rtol) {
        public Options {
            java.util.Objects.requireNonNull(mode, "mode");
            if (maxPerTensor < 1 || !(eps > 0) || !(atol >= 0) || !(rtol >= 0)) {
                throw new IllegalArgumentException("GradientCheck: maxPerTensor >= 1, eps > 0, atol and rtol >= 0;"
                        + " got " + maxPerTensor + ", " + eps + ", " + atol + ", " + rtol);
            }
        }

        /** In training mode, with the default step and tolerances. */
        public static Options training(int maxPerTensor, long seed) {
            return new Options(Mode.TRAINING, maxPerTensor, seed, EPS, ATOL, RTOL);
        }

        /** In inference mode, with the default step and tolerances. */
        public static Options inference(int maxPerTensor, long seed) {
            return new Options(Mode.INFERENCE, maxPerTensor, seed, EPS, ATOL, RTOL);
        }

        /** The same with another step and tolerances. */
        public Options withTolerances(double eps, double atol, double rtol) {
            return new Options(mode, maxPerTensor, seed, eps, atol, rtol);
        }
    }

    /** Checks {@code layer} on {@code inputs} as {@code options} say. */
    public static Result check(Layer layer, List<Tensor> inputs, Options options) {
        return check(layer, inputs, options.mode() == Mode.TRAINING, options.maxPerTensor(), options.seed(),
                options.eps(), options.atol(), options.rtol());
    }

    /** One compared value. */
    public record Mismatch(String where, double analytic, double numeric) {
        @Override
        public String toString() {
            return where + ": analytic " + analytic + " vs numeric " + numeric;
        }
    }

    /** Outcome of a check: how many values were compared, the worst error, and any failures. */
    public record Result(int checked, double worstError, String worstWhere, List<Mismatch> failures) {
        public boolean passed() {
            return failures.isEmpty();
        }

        @Override
        public String toString() {
            return "checked " + checked + " values, worst |a-n|/(atol+rtol*max) = " + String.format("%.3f", worstError)
                    + " at " + worstWhere + (failures.isEmpty() ? "" : "; failures: " + failures.subList(0, Math.min(5, failures.size())));
        }
    }

    /**
     * Checks with the default eps and tolerances, up to {@code maxPerTensor} positions per tensor.
     *
     * @deprecated the boolean does not say what it means at the call site; use {@link #check(Layer, List, Options)}
     *     with {@link Options#training} or {@link Options#inference}
     */
    @Deprecated
    public static Result check(Layer layer, List<Tensor> inputs, boolean training, int maxPerTensor, long seed) {
        return check(layer, inputs, training, maxPerTensor, seed, EPS, ATOL, RTOL);
    }

    /**
     * Checks with the given step and tolerances.
     *
     * @deprecated use {@link #check(Layer, List, Options)} with {@link Options#withTolerances}
     */
    @Deprecated
    public static Result check(Layer layer, List<Tensor> inputs, boolean training, int maxPerTensor, long seed,
                               double eps, double atol, double rtol) {
        Random random = new Random(seed);
        Tensor y = layer.forward(inputs, training);
        Tensor r = Tensor.uniform(random, -1f, 1f, y.shape().dims());
        layer.zeroGrad();
        List<Tensor> inputGrads = layer.backwardAll(r.copy());

        List<Mismatch> failures = new ArrayList<>();
        double[] worst = {0};
        String[] worstWhere = {"-"};
        int checked = 0;
        for (int t = 0; t < inputs.size(); t++) {
            checked += compare("input " + t, inputs.get(t), inputGrads.get(t), layer, inputs, training, r,
                    random, maxPerTensor, eps, atol, rtol, failures, worst, worstWhere);
        }
        for (Map.Entry<String, Parameter> e : layer.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (!p.isLearnable()) {
                continue;
            }
            checked += compare(e.getKey(), p.value(), p.grad().copy(), layer, inputs, training, r, random,
                    maxPerTensor, eps, atol, rtol, failures, worst, worstWhere);
        }
        return new Result(checked, worst[0], worstWhere[0], failures);
    }

    private static int compare(String label, Tensor target, Tensor analytic, Layer layer, List<Tensor> inputs,
                               boolean training, Tensor r, Random random, int maxPositions, double eps,
                               double atol, double rtol, List<Mismatch> failures, double[] worst, String[] worstWhere) {
        float[] v = target.data();
        int n = v.length;
        int count = Math.min(n, maxPositions);
        for (int c = 0; c < count; c++) {
            int i = n <= maxPositions ? c : random.nextInt(n);
            float saved = v[i];
            v[i] = (float) (saved + eps);
            double plus = loss(layer, inputs, training, r);
            v[i] = (float) (saved - eps);
            double minus = loss(layer, inputs, training, r);
            v[i] = saved;
            // use the step actually taken in float, not the nominal eps
            double step = ((double) (float) (saved + eps)) - ((double) (float) (saved - eps));
            double numeric = (plus - minus) / step;
            double a = analytic.data()[i];
            double err = Math.abs(a - numeric) / (atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)));
            if (err > worst[0]) {
                worst[0] = err;
                worstWhere[0] = label + "[" + i + "]";
            }
            if (err > 1.0) {
                failures.add(new Mismatch(label + "[" + i + "]", a, numeric));
            }
        }
        return count;
    }

    private static double loss(Layer layer, List<Tensor> inputs, boolean training, Tensor r) {
        Tensor y = layer.forward(inputs, training);
        float[] yd = y.data();
        float[] rd = r.data();
        double s = 0;
        for (int i = 0; i < yd.length; i++) {
            s += (double) yd[i] * rd[i];
        }
        return s;
    }
}
