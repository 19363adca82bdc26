package org.convnet4j.train.loss;

import org.convnet4j.tensor.Tensor;

/**
 * A training objective: from a model's output for a batch and the targets, the loss value and its gradient
 * with respect to that output (which is what {@code model.backwardAll} takes).
 *
 * <p>Outputs are {@code [N, ...]} with the batch first. Targets are either class labels ({@code int[N]}) or a
 * tensor of the output's shape. Reductions are means, as PyTorch's default {@code reduction='mean'}: see each
 * implementation for over what (samples for cross-entropy, all elements for MSE and binary cross-entropy).
 */
public interface Loss {

    /** Loss and gradient for targets of the output's shape (probabilities, 0/1 values or regression targets). */
    LossValue compute(Tensor output, Tensor target);

    /** Loss and gradient for class labels, one per sample. */
    default LossValue compute(Tensor output, int[] labels) {
        return compute(output, oneHot("loss " + name(), output, labels));
    }

    /** Short name for logs and checkpoints, e.g. {@code softmax_cross_entropy}. */
    String name();

    /** Loss value (a mean) and d(loss)/d(output), a new tensor of the output's shape. */
    record LossValue(double value, Tensor gradient) {
        public boolean isFinite() {
            return Double.isFinite(value);
        }
    }

    /** One-hot [N, K] targets for labels; the output must be [N, K] and each label in 0 .. K-1. */
    static Tensor oneHot(String op, Tensor output, int[] labels) {
        int[] nk = requireLabels(op, output, labels);
        Tensor t = Tensor.zeros(output.shape());
        for (int i = 0; i < nk[0]; i++) {
            t.data()[i * nk[1] + labels[i]] = 1f;
        }
        return t;
    }

    /** Checks labels against an output [N, K] and returns {N, K}. */
    static int[] requireLabels(String op, Tensor output, int[] labels) {
        if (output.rank() != 2) {
            throw new IllegalArgumentException(op + ": expects output [N, classes], got " + output.shape());
        }
        int n = output.dim(0);
        int k = output.dim(1);
        if (labels.length != n) {
            throw new IllegalArgumentException(op + ": " + labels.length + " labels for a batch of " + n);
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException(op + ": label " + labels[i] + " of sample " + i
                        + " outside 0.." + (k - 1));
            }
        }
        return new int[] {n, k};
    }

    /** Fails unless the target has the output's shape. */
    static void requireSameShape(String op, Tensor output, Tensor target) {
        if (!output.shape().equals(target.shape())) {
            throw new IllegalArgumentException(op + ": target shape " + target.shape() + " differs from output shape "
                    + output.shape());
        }
        if (output.rank() < 1 || output.dim(0) == 0) {
            throw new IllegalArgumentException(op + ": empty batch " + output.shape());
        }
    }
}
