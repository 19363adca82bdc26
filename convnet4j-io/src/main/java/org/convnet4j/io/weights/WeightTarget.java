package org.convnet4j.io.weights;

import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.layers.BatchNorm;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.tensor.Shape;

/**
 * One layer of our model that holds weights, as importers see it: its full dotted name
 * ({@code layer1.0.conv1}, the prefix of its parameters' names), what kind of layer it is, and for a dense
 * layer right after a {@code Flatten} of feature maps, the [C, H, W] shape that was flattened (importers from
 * channels-last frameworks must reorder that layer's input columns).
 */
public record WeightTarget(String name, Kind kind, Layer layer, Shape flattenedFrom) {
    /** The layer kinds importers know how to fill. */
    public enum Kind { CONV, DENSE, BATCH_NORM, OTHER }

    static Kind kindOf(Layer layer) {
        if (layer instanceof Conv2d) {
            return Kind.CONV;
        }
        if (layer instanceof Dense) {
            return Kind.DENSE;
        }
        if (layer instanceof BatchNorm) {
            return Kind.BATCH_NORM;
        }
        return Kind.OTHER;
    }

    /** The parameter with local name {@code local} ({@code kernel}, {@code gamma}, ...), or null. */
    public Parameter parameter(String local) {
        for (Parameter p : layer.parameters()) {
            if (p.name().equals(local)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return name + " (" + layer.type() + ")";
    }
}
