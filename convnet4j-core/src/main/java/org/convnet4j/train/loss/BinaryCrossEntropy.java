package org.convnet4j.train.loss;

import org.convnet4j.tensor.Tensor;

/**
 * Binary cross-entropy, averaged over all elements (PyTorch's {@code BCEWithLogitsLoss} and {@code BCELoss}).
 *
 * <p>{@link #fromLogits()} takes raw scores z and computes {@code max(z,0) - z·y + log(1 + exp(-|z|))}, which
 * is finite for any finite z; its gradient is {@code (sigmoid(z) - y) / count}. {@link #fromProbabilities()}
 * takes p in [0, 1] and, as PyTorch does, clamps each log to at least -100 so p = 0 or 1 gives a finite loss,
 * and bounds the gradient's denominator p(1-p) below by 1e-12.
 *
 * <p>With class labels, an output [N, 1] (or [N]) takes label 0 or 1 as the target; an output [N, K] takes
 * the one-hot vector (one-vs-rest).
 */
public final class BinaryCrossEntropy implements Loss {
    private static final double LOG_FLOOR = -100;
    private static final double GRAD_EPS = 1e-12;
    private final boolean logits;

    private BinaryCrossEntropy(boolean logits) {
        this.logits = logits;
    }

    public static BinaryCrossEntropy fromLogits() {
        return new BinaryCrossEntropy(true);
    }

    public static BinaryCrossEntropy fromProbabilities() {
        return new BinaryCrossEntropy(false);
    }

    public boolean takesLogits() {
        return logits;
    }

    @Override
    public String name() {
        return logits ? "binary_cross_entropy_logits" : "binary_cross_entropy";
    }

    @Override
    public LossValue compute(Tensor output, int[] labels) {
        boolean single = output.rank() == 1 || (output.rank() == 2 && output.dim(1) == 1);
        if (!single) {
            return compute(output, Loss.oneHot("BinaryCrossEntropy", output, labels));
        }
        if (labels.length != output.dim(0)) {
            throw new IllegalArgumentException("BinaryCrossEntropy: " + labels.length + " labels for a batch of "
                    + output.dim(0));
        }
        Tensor target = Tensor.zeros(output.shape());
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0 && labels[i] != 1) {
                throw new IllegalArgumentException("BinaryCrossEntropy: label " + labels[i] + " of sample " + i
                        + " is not 0 or 1");
            }
            target.data()[i] = labels[i];
        }
        return compute(output, target);
    }

    @Override
    public LossValue compute(Tensor output, Tensor target) {
        Loss.requireSameShape("BinaryCrossEntropy", output, target);
        float[] o = output.data();
        float[] y = target.data();
        int count = o.length;
        Tensor grad = Tensor.zeros(output.shape());
        float[] g = grad.data();
        double total = 0;
        for (int i = 0; i < count; i++) {
            double yi = y[i];
            if (logits) {
                double z = o[i];
                total += Math.max(z, 0) - z * yi + Math.log1p(Math.exp(-Math.abs(z)));
                double sigmoid = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
                g[i] = (float) ((sigmoid - yi) / count);
            } else {
                double p = o[i];
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("BinaryCrossEntropy.fromProbabilities: output " + i + " is "
                            + p + ", not a probability (use fromLogits() for raw scores)");
                }
                double logP = Math.max(Math.log(p), LOG_FLOOR);
                double log1mP = Math.max(Math.log1p(-p), LOG_FLOOR);
                total -= yi * logP + (1 - yi) * log1mP;
                g[i] = (float) ((p - yi) / Math.max(p * (1 - p), GRAD_EPS) / count);
            }
        }
        return new LossValue(total / count, grad);
    }
}
