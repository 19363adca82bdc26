package org.convnet4j.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A model applied to an application's inputs through a {@link Translator}: {@code predict(input)} or, for
 * several at once, {@link #predictAll} (one batched forward pass).
 *
 * <p><b>Threads</b>: a predictor may be shared by any number of threads, provided its translator is
 * thread-safe. Inference runs in {@link Model#predict}, which keeps no per-call state in the layers (no
 * gradient bookkeeping, every call allocates its own activations), and nothing here changes the model; the
 * model must not be trained or modified while predictions run. The test {@code ConcurrentInferenceTest}
 * checks that many threads get exactly the sequential answers.
 *
 * @param <I> the application's input
 * @param <O> the application's answer
 */
public final class Predictor<I, O> {
    private final Model model;
    private final Translator<I, O> translator;
    private final Shape inputShape;
    private final int outputSize;

    public Predictor(Model model, Translator<I, O> translator) {
        this.model = Objects.requireNonNull(model, "model");
        this.translator = Objects.requireNonNull(translator, "translator");
        if (model.inputShapes().size() != 1) {
            throw new IllegalArgumentException("Predictor: the model must have one input, it has "
                    + model.inputShapes().size());
        }
        this.inputShape = model.inputShapes().get(0);
        this.outputSize = model.outputShape().size();
    }

    public Model model() {
        return model;
    }

    public Translator<I, O> translator() {
        return translator;
    }

    /** The answer for one input. */
    public O predict(I input) throws IOException {
        return predictAll(List.of(input)).get(0);
    }

    /** The answers for several inputs, in order, from one batched forward pass. */
    public List<O> predictAll(List<I> inputs) throws IOException {
        int n = inputs.size();
        if (n == 0) {
            return List.of();
        }
        Tensor batch = Tensor.zeros(inputShape.prepend(n));
        int size = inputShape.size();
        for (int i = 0; i < n; i++) {
            Tensor x = translator.processInput(inputs.get(i));
            if (!x.shape().equals(inputShape)) {
                throw new IllegalArgumentException("Predictor: the translator made an input of shape " + x.shape()
                        + " but the model takes " + inputShape);
            }
            System.arraycopy(x.data(), 0, batch.data(), i * size, size);
        }
        float[] out = model.predict(batch).data();
        List<O> answers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            answers.add(translator.processOutput(inputs.get(i), out, i * outputSize));
        }
        return answers;
    }
}
