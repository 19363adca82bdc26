package org.convnet4j.model;

import org.convnet4j.nn.Model;

/**
 * A model read back from a file: the rebuilt network with its weights and class names, how pictures are
 * prepared for it, and the file's whole description (architecture, training state and metrics if saved
 * during training) as JSON text, an object.
 */
public record SavedModel(Model model, Preprocessing preprocessing, String description) {
}
