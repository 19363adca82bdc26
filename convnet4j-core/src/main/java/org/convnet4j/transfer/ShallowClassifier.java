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
     * A trained k-nearest-neighbour classifier as data, so that it can be written as tensor operations (its ONNX
     * form): the training rows it keeps, in the space where it measures Euclidean distance, and how a feature vector
     * gets there. Empty for other classifiers (the default).
     */
    default java.util.Optional<Neighbours> neighbours() {
        return java.util.Optional.empty();
    }

    /**
     * k-NN by vote: a row {@code x} goes to {@code z_j = (x_j - mean[j]) * inverseScale[j]} (an inverse scale of 0
     * leaves a feature out of the distance), its {@code k} nearest {@code points} (rows of {@code features} values,
     * Euclidean distance) vote, and class {@code c}'s probability is the fraction of the {@code k} votes whose
     * {@code labels} entry is {@code c}.
     */
    record Neighbours(int classes, int features, int k, float[] mean, float[] inverseScale, float[] points,
                      int[] labels) {
        public Neighbours {
            int n = labels.length;
            if (classes < 1 || features < 1 || k < 1 || k > n || mean.length != features
                    || inverseScale.length != features || points.length != (long) n * features) {
                throw new IllegalArgumentException("neighbours: k " + k + ", " + n + " labels, " + points.length
                        + " point values, " + mean.length + " means and " + inverseScale.length + " scales for "
                        + features + " features");
            }
            for (int label : labels) {
                if (label < 0 || label >= classes) {
                    throw new IllegalArgumentException("neighbours: label " + label + " outside 0.." + (classes - 1));
                }
            }
        }

        /** The number of training rows kept. */
        public int size() {
            return labels.length;
        }
    }

    /**
     * A trained forest of decision trees that votes (each tree's leaf names one class), as data, so that it can be
     * written as a tree ensemble (its ONNX form). Empty for other classifiers (the default).
     */
    default java.util.Optional<Forest> forest() {
        return java.util.Optional.empty();
    }

    /**
     * Trees voting: a row {@code x} goes to {@code z_j = (x_j - mean[j]) * inverseScale[j]}, each tree is walked from
     * its node 0 to a leaf, and class {@code c}'s probability is the fraction of trees whose leaf names {@code c}.
     */
    record Forest(int classes, int features, float[] mean, float[] inverseScale, java.util.List<Tree> trees) {
        public Forest {
            if (classes < 1 || features < 1 || trees.isEmpty() || mean.length != features
                    || inverseScale.length != features) {
                throw new IllegalArgumentException("forest: " + trees.size() + " trees, " + mean.length + " means and "
                        + inverseScale.length + " scales for " + features + " features, " + classes + " classes");
            }
            for (Tree t : trees) {
                t.check(features, classes);
            }
            trees = java.util.List.copyOf(trees);
        }
    }

    /**
     * A trained C-SVC with an RBF kernel and Platt probabilities (libsvm's model), as data, so that it can be written
     * as ONNX-ML's {@code SVMClassifier}. Empty for other classifiers (the default).
     */
    default java.util.Optional<KernelSvm> kernelSvm() {
        return java.util.Optional.empty();
    }

    /**
     * libsvm's one-vs-one RBF classifier on the standardised row {@code z_j = (x_j - mean[j]) * inverseScale[j]}.
     * Its internal classes are numbered {@code 0..classes-1} in libsvm's order; {@code classOf[i]} is our class of
     * internal class {@code i}. The support vectors (rows of {@code supportVectors}, {@code features} values each)
     * are grouped by internal class, {@code vectorsPerClass[i]} of class {@code i}. For the pair {@code i < j} (pairs
     * numbered (0,1), (0,2), ..., (1,2), ...) the decision value is
     * {@code sum over i's vectors v of coefficients[(j-1) * l + v] K(z, v) + sum over j's vectors v of
     * coefficients[i * l + v] K(z, v) - rho[pair]} with {@code K(a, b) = exp(-gamma |a - b|^2)} and {@code l} the
     * number of vectors; its probability that the class is {@code i} rather than {@code j} is
     * {@code 1 / (1 + exp(probA[pair] d + probB[pair]))}, and the class probabilities couple the pairs (Wu, Lin and
     * Weng, 2004), as libsvm's {@code svm_predict_probability}.
     */
    record KernelSvm(int classes, int features, float[] mean, float[] inverseScale, double gamma, int[] classOf,
                     int[] vectorsPerClass, float[] supportVectors, double[] coefficients, double[] rho,
                     double[] probA, double[] probB) {
        public KernelSvm {
            int pairs = classes * (classes - 1) / 2;
            int l = java.util.Arrays.stream(vectorsPerClass).sum();
            if (classes < 2 || features < 1 || mean.length != features || inverseScale.length != features
                    || classOf.length != classes || vectorsPerClass.length != classes
                    || supportVectors.length != l * features || coefficients.length != (classes - 1) * l
                    || rho.length != pairs || probA.length != pairs || probB.length != pairs
                    || !(gamma > 0) || java.util.Arrays.stream(classOf).distinct().count() != classes
                    || java.util.Arrays.stream(classOf).anyMatch(c -> c < 0 || c >= classes)) {
                throw new IllegalArgumentException("kernel SVM: " + classes + " classes " + java.util.Arrays.toString(
                        classOf) + ", " + features + " features, " + l + " support vectors of " + supportVectors.length
                        + " values, " + coefficients.length + " coefficients, " + rho.length + " rho, " + probA.length
                        + "/" + probB.length + " probability pairs, gamma " + gamma);
            }
        }

        /** How many support vectors. */
        public int size() {
            return supportVectors.length / features;
        }
    }

    /**
     * One decision tree as arrays over its nodes (node 0 is the root). A split node {@code i} has
     * {@code feature[i] >= 0}: {@code z[feature[i]] <= threshold[i]} goes to {@code lessOrEqual[i]}, else to
     * {@code greater[i]}. A leaf has {@code feature[i] == -1} and names {@code leafClass[i]}.
     */
    record Tree(int[] feature, float[] threshold, int[] lessOrEqual, int[] greater, int[] leafClass) {
        void check(int features, int classes) {
            int n = feature.length;
            if (n == 0 || threshold.length != n || lessOrEqual.length != n || greater.length != n
                    || leafClass.length != n) {
                throw new IllegalArgumentException("tree: node arrays of lengths " + n + ", " + threshold.length + ", "
                        + lessOrEqual.length + ", " + greater.length + ", " + leafClass.length);
            }
            for (int i = 0; i < n; i++) {
                boolean split = feature[i] >= 0;
                if (split ? feature[i] >= features || lessOrEqual[i] <= i || lessOrEqual[i] >= n || greater[i] <= i
                        || greater[i] >= n : feature[i] != -1 || leafClass[i] < 0 || leafClass[i] >= classes) {
                    throw new IllegalArgumentException("tree: node " + i + " (feature " + feature[i] + ", children "
                            + lessOrEqual[i] + " and " + greater[i] + ", class " + leafClass[i] + ") of " + n);
                }
            }
        }
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
