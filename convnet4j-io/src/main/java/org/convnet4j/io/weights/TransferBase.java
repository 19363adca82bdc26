package org.convnet4j.io.weights;

import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.FeatureStatistics;
import org.convnet4j.transfer.GraphChain;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.zoo.ModelZoo;

/**
 * The base model of a transfer, as {@code convnet4j transfer --base} and {@code advise --base} take it: a model file
 * ({@code .c4j}, ONNX, Keras .h5, PyTorch .pth/.safetensors), an http(s) URL or a catalogued name such as
 * {@code resnet18:imagenet} (read by {@link ModelLoader#load(String, ModelLoader.Options)}; graphs become a chain of
 * layers and blocks, see {@link GraphChain}), or a zoo name (random weights: only Case 4 makes sense with it).
 *
 * <pre>{@code
 * TransferBase base = TransferBase.load("resnet18:imagenet", ModelLoader.Options.defaults());
 * TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base.copy(), TransferOptions.forClasses(classes));
 * }</pre>
 *
 * @param model               the base as a chain of layers and blocks (do not train it: {@link #copy()} for a plan)
 * @param reference           what was given: a file, a URL, a catalogued name or a zoo name
 * @param pretrained          false for a zoo name (random weights, seed 42)
 * @param description         the file's description (JSON; {@code {}} for a zoo name)
 * @param savedPreprocessing  how the file says its pictures are prepared, or null
 * @param chosenPreprocessing what the loader chose when the file did not say, or the options' preprocessing (null when
 *                            the file carried its own): {@link ModelLoader#chosenPreprocessing(SavedModel)}
 */
public record TransferBase(Sequential model, String reference, boolean pretrained, String description,
                           Preprocessing savedPreprocessing, String chosenPreprocessing) {

    /**
     * The base {@code reference} names, read with {@code options} (its {@code preprocessing} replaces what a file
     * says or the loader guesses; a zoo name takes none). Errors start with the reference: an unreadable file, a
     * name that is neither a model file nor a zoo model, a model that is not a chain of one input and one output.
     */
    public static TransferBase load(String reference, ModelLoader.Options options) {
        if (ModelLoader.isModelReference(reference)) {
            SavedModel saved;
            try {
                saved = ModelLoader.load(reference, options);
            } catch (Exception e) {
                throw new IllegalArgumentException(reference + ": cannot read the base model: " + e.getMessage(), e);
            }
            // imported ONNX models are graphs: split into a chain of layers and blocks, every case works on it
            return new TransferBase(GraphChain.asSequential(saved.model(), reference), reference, true,
                    saved.description(), saved.preprocessing(), ModelLoader.chosenPreprocessing(saved));
        }
        if (!ModelZoo.contains(reference)) {
            throw new IllegalArgumentException(reference + ": neither a model file nor a zoo model (zoo: "
                    + String.join(", ", ModelZoo.names()) + ")");
        }
        if (options.preprocessing() != null) {
            throw new IllegalArgumentException(reference + ": a preprocessing applies to a model file; the zoo model "
                    + reference + " has random weights and takes pixels / 255");
        }
        Model m = ModelZoo.build(reference, null, 0);
        m.initialize(42);
        return new TransferBase(GraphChain.asSequential(m, reference), reference, false, "{}", null, null);
    }

    /**
     * How pictures are prepared for the base: as saved with it or chosen by the loader (an imported ImageNet model's
     * normalisation), else (a zoo name, a file that says nothing) {@link ModelFiles#defaultPreprocessing}.
     * Transferred models keep the base's input, so they keep this too.
     *
     * @throws IllegalArgumentException (starting with the reference) when the model does not take pictures
     */
    public Preprocessing preprocessing() {
        Preprocessing p = savedPreprocessing != null ? savedPreprocessing : ModelFiles.defaultPreprocessing(model);
        if (p == null || !p.outputShape().equals(model.inputShapes().get(0))) {
            throw new IllegalArgumentException(reference + ": the model does not take pictures of its input "
                    + model.inputShapes() + (p == null ? "" : " (its preprocessing gives " + p.outputShape() + ")"));
        }
        return p;
    }

    /** A fresh copy: every plan takes the layers of the model it is given. */
    public Sequential copy() {
        return Transfer.copyOf(model);
    }

    /**
     * The statistics saved with the base when it was trained, or null: its pixel statistics when it has them (what
     * the advisor measures the similarity with), else its penultimate feature statistics.
     */
    public FeatureStatistics featureStatistics() {
        return FeatureStatistics.savedIn(description, reference).orElse(null);
    }
}
