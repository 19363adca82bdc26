package org.convnet4j.nn;

/**
 * A layer that can say its outputs are already class probabilities (each row non-negative, summing to 1), as a
 * Softmax layer's are: {@code ImageClassifier} then takes them as they are instead of applying a softmax to them.
 * An imported ONNX program whose output is a classifier's probabilities (a Softmax, a SOFTMAX post_transform, libsvm's
 * coupled probabilities, a ZipMap of those) says so.
 */
public interface ProbabilityOutput {
    /** Whether each output row is a probability distribution over the classes. */
    boolean outputsProbabilities();
}
