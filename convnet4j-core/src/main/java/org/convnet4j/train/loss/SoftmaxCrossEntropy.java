package org.convnet4j.train.loss;

import org.convnet4j.tensor.Tensor;

/**
 * Cross-entropy of softmax(logits) against target distributions, averaged over the samples of the batch
 * (PyTorch's {@code CrossEntropyLoss}). Takes raw logits: log-softmax is computed as {@code z - logsumexp(z)}
 * with the row maximum subtracted first, so logits of ±1000 give finite values and gradients.
 *
 * <p>With label smoothing ε, a label y becomes the target {@code (1-ε)·onehot(y) + ε/K}, as in PyTorch's
 * {@code label_smoothing}. The gradient with respect to the logits is {@code (softmax(z) - target) / N}.
 */
public final class SoftmaxCrossEntropy implements Loss {
    private final double smoothing;

    public SoftmaxCrossEntropy() {
        this(0);
    }

    public SoftmaxCrossEntropy(double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("SoftmaxCrossEntropy: label smoothing must be in [0, 1), got "
                    + labelSmoothing);
        }
        this.smoothing = labelSmoothing;
    }

    public double labelSmoothing() {
        return smoothing;
    }

    @Override
    public String name() {
        return "softmax_cross_entropy";
    }

    @Override
    public LossValue compute(Tensor logits, int[] labels) {
        int[] nk = Loss.requireLabels("SoftmaxCrossEntropy", logits, labels);
        int k = nk[1];
        Tensor target = Tensor.zeros(logits.shape());
        float[] t = target.data();
        double off = smoothing / k;
        for (int i = 0; i < nk[0]; i++) {
            for (int j = 0; j < k; j++) {
                t[i * k + j] = (float) (off + (j == labels[i] ? 1 - smoothing : 0));
            }
        }
        return fromDistribution(logits, target);
    }

    /** Target rows are probability distributions (soft labels); label smoothing is not applied to them. */
    @Override
    public LossValue compute(Tensor logits, Tensor target) {
        Loss.requireSameShape("SoftmaxCrossEntropy", logits, target);
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("SoftmaxCrossEntropy: expects logits [N, classes], got " + logits.shape());
        }
        return fromDistribution(logits, target);
    }

    private static LossValue fromDistribution(Tensor logits, Tensor target) {
        int n = logits.dim(0);
        int k = logits.dim(1);
        float[] z = logits.data();
        float[] t = target.data();
        Tensor grad = Tensor.zeros(logits.shape());
        float[] g = grad.data();
        double total = 0;
        double[] e = new double[k];
        for (int i = 0; i < n; i++) {
            int row = i * k;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, z[row + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                e[j] = Math.exp(z[row + j] - max);
                sum += e[j];
            }
            double logSumExp = max + Math.log(sum);
            for (int j = 0; j < k; j++) {
                double tj = t[row + j];
                if (tj != 0) { // 0 · (-inf) must not turn into NaN for a -inf logit of an absent class
                    total -= tj * (z[row + j] - logSumExp);
                }
                g[row + j] = (float) ((e[j] / sum - tj) / n);
            }
        }
        return new LossValue(total / n, grad);
    }
}
