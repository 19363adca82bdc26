package org.convnet4j.model;

import java.io.IOException;
import org.convnet4j.tensor.Tensor;

/**
 * Turns an application's input into a model input and the model's output into the application's answer: the
 * pre- and post-processing hooks of a {@link Predictor} (the idea of DJL's {@code Translator}). An
 * {@link ImageClassifier} supplies the standard one (decode, prepare as in training, softmax, rank); write
 * your own to accept other inputs (a crop of a frame, a record with a picture in it) or to answer differently
 * (a yes/no above a threshold), reusing {@link ImageClassifier#prepare} and
 * {@link ImageClassifier#classificationsOf} as building blocks.
 *
 * <p>A translator used by several threads at once must be thread-safe; stateless ones are.
 *
 * @param <I> what the application gives
 * @param <O> what the application gets back
 */
public interface Translator<I, O> {
    /** One sample as the model takes it: a tensor of the model's per-sample input shape (no batch dimension). */
    Tensor processInput(I input) throws IOException;

    /**
     * The answer for {@code input}, from the model's output for it: {@code scores} holds the per-sample output
     * (for a classifier, one score per class) starting at {@code offset}.
     */
    O processOutput(I input, float[] scores, int offset);
}
