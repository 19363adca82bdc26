package org.convnet4j.transfer;

import java.util.List;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Parameter;

/**
 * A layer with layer boundaries inside it that transfer learning can cut at and freeze by: an imported ONNX program
 * (convnet4j-io's {@code OnnxProgramLayer}) is one layer to the model that holds it, but its values are named and its
 * weights belong to nodes. {@link Transfer#cutAt} cuts at {@link #cutAt}'s copy when a cut names such a value,
 * {@link Transfer#defaultCut} takes {@link #defaultCut}, and case 2's "last N layers" counts {@link #parts}.
 */
public interface CuttableLayer {
    /**
     * The value the default cut takes (Case 1's features, the input of a new classifier): the input of the layer's
     * own classifier head; null when the layer has none (its output is then features already).
     */
    String defaultCut();

    /** The cut of the lecture's small, dissimilar case: after the first pooling node (else the first weighted one). */
    String earlyCut();

    /** Whether {@code point} names a value inside the layer that {@link #cutAt} takes (a value or node name). */
    boolean hasCutPoint(String point);

    /** The names a cut may take, in computation order, for messages. */
    List<String> cutPoints();

    /**
     * The part of this layer from its input to {@code point}, as a layer of its own with this layer's current
     * weights: per sample, the value at {@code point} (a batch axis first).
     *
     * @throws IllegalArgumentException naming the point when the layer cannot be cut there
     */
    Layer cutAt(String point);

    /**
     * The layer's weighted parts in computation order: what "the last N layers with weights" of Case 2 counts
     * inside it. Freezing a part freezes its layers and parameters and nothing else.
     */
    List<Part> parts();

    /**
     * A group of weights inside the layer, named as the layer's node it comes from: layers inside (the float
     * layers of an imported program; {@link Layer#setTrainable} freezes them, a batch norm among them then keeps
     * its running statistics) and parameters held outside any inner layer.
     */
    record Part(String name, List<Layer> layers, List<Parameter> parameters) {
        public Part {
            layers = List.copyOf(layers);
            parameters = List.copyOf(parameters);
        }
    }
}
