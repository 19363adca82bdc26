package org.convnet4j.model;

import org.convnet4j.nn.Model;

/**
 * A model read back from a file: the rebuilt network with its weights and class names, how pictures are
 * prepared for it, and the file's whole description (architecture, training state and metrics if saved
 * during training) as JSON text, an object.
 */
public record SavedModel(Model model, Preprocessing preprocessing, String description) {
    /**
     * How pictures become this model's input: what its file says, or what the loader chose when it did not. A model
     * that does not take pictures (no preprocessing) is an IllegalArgumentException "NAME: the model does not take
     * pictures (input [...])", {@code name} the file, URL or catalogue name it came from (null: no name).
     */
    public Preprocessing picturePreprocessing(Object name) {
        if (preprocessing == null) {
            throw new IllegalArgumentException((name == null ? "" : name + ": ") + "the model does not take pictures"
                    + " (input " + model.inputShapes() + ")");
        }
        return preprocessing;
    }

    /** The model as an {@link ImageClassifier} with its {@link #picturePreprocessing}. */
    public ImageClassifier classifier(Object name) {
        return new ImageClassifier(model, picturePreprocessing(name));
    }
}
