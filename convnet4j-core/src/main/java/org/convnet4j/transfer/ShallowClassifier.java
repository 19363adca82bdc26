package org.convnet4j.transfer;

/**
 * A classifier that is not a neural network, trained on feature vectors (Case 1 of transfer learning): logistic
 * regression, linear or kernel SVM, k-nearest neighbours, random forest. Implementations live outside the core
 * (the {@code convnet4j-ml} module adapts Tribuo) and are found through {@link ShallowClassifiers}.
 *
 * <p>{@link #toBytes()} must be a safe, data-only encoding (Tribuo's protobuf {@code ModelProto}), never Java
 * serialization, because model files are untrusted input.
 */
public interface ShallowClassifier {
    /** The algorithm's short name: {@code logreg}, {@code svm}, {@code rbf-svm}, {@code knn}, {@code forest}. */
    String algorithm();

    /** Trains on {@code x} (rows of equal length) with labels 0 .. classes-1. */
    void fit(float[][] x, int[] y, int classes);

    /**
     * Class probabilities, one row per input row, each row summing to 1. Algorithms without probabilities (the
     * linear SVM) give the softmax of their decision scores; k-NN and forests give vote fractions.
     */
    double[][] predictProba(float[][] x);

    /** The trained classifier as bytes that {@link ShallowClassifierProvider#load} reads back. */
    byte[] toBytes();

    /**
     * A trained linear classifier as class scores on the raw (unstandardised) features, {@code kernel · x + bias},
     * whose arg max is the class this classifier predicts: what a {@code Dense} layer computes, so the classifier can
     * become a network's head (Cases 2 and 3 start from Case 1's own classifier this way). Empty for classifiers that
     * are not linear (the default).
     */
    default java.util.Optional<LinearScores> linearScores() {
        return java.util.Optional.empty();
    }

    /**
     * Class scores {@code s_k = bias[k] + sum_j kernel[k * features + j] * x_j} ({@code Dense}'s [units, in] order).
     *
     * @param note how the scores relate to the classifier's probabilities, for the log
     * @param link how {@link #predictProba} follows from the scores (for an exact ONNX form of the classifier)
     */
    record LinearScores(int classes, int features, float[] kernel, float[] bias, String note, Link link) {
        public LinearScores {
            if (classes < 1 || features < 1 || kernel.length != classes * features || bias.length != classes) {
                throw new IllegalArgumentException("linear scores: " + kernel.length + " weights and " + bias.length
                        + " biases for " + classes + " classes x " + features + " features");
            }
            java.util.Objects.requireNonNull(link, "link");
        }

        /** Scores whose softmax is the classifier's probabilities ({@link Link#SOFTMAX}). */
        public LinearScores(int classes, int features, float[] kernel, float[] bias, String note) {
            this(classes, features, kernel, bias, note, Link.SOFTMAX);
        }
    }

    /** How a linear classifier's probabilities follow from its scores {@code s}. */
    enum Link {
        /** {@code softmax(s)}. */
        SOFTMAX,
        /** {@code sigmoid(s_k) / sum_j sigmoid(s_j)}: one-vs-rest logistic regression's normalised probabilities. */
        ONE_VS_REST_LOGISTIC
    }
}
