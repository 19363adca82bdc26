package org.convnet4j.ml;

import java.util.Set;
import org.convnet4j.transfer.ShallowClassifier;
import org.convnet4j.transfer.ShallowClassifierProvider;

/**
 * The shallow classifiers of transfer-learning Case 1, from Tribuo's pure-Java trainers:
 * <ul>
 *   <li>{@code logreg} — L2-regularised logistic regression (liblinear), probabilities;</li>
 *   <li>{@code svm} — linear SVM, L2 loss (liblinear); scores turned into probabilities by a softmax;</li>
 *   <li>{@code rbf-svm} — C-SVC with an RBF kernel (libsvm), gamma = 1/features, Platt probabilities;</li>
 *   <li>{@code knn} — 5 nearest neighbours, Euclidean, majority vote (vote fractions as probabilities);</li>
 *   <li>{@code forest} — 20 CART trees (depth at most 12) on bootstrap samples, sqrt(features) candidates per split, voting.</li>
 * </ul>
 * Registered as a {@link java.util.ServiceLoader} service so the core finds it without depending on Tribuo.
 */
public final class TribuoClassifiers implements ShallowClassifierProvider {
    public static final Set<String> ALGORITHMS = Set.of("logreg", "svm", "rbf-svm", "knn", "forest");

    @Override
    public Set<String> algorithms() {
        return ALGORITHMS;
    }

    @Override
    public ShallowClassifier create(String algorithm, long seed) {
        require(algorithm);
        return new TribuoClassifier(algorithm, seed);
    }

    @Override
    public ShallowClassifier load(String algorithm, byte[] bytes) {
        require(algorithm);
        return TribuoClassifier.fromBytes(algorithm, bytes);
    }

    private static void require(String algorithm) {
        if (!ALGORITHMS.contains(algorithm)) {
            throw new IllegalArgumentException("shallow classifier '" + algorithm + "' is not known; known: "
                    + String.join(", ", new java.util.TreeSet<>(ALGORITHMS)));
        }
    }
}
