package org.convnet4j.transfer;

import org.convnet4j.nn.LayerType;
import org.convnet4j.nn.OnnxForm;

/** The layer type of transfer learning, for model files: the case-1 shallow classifier head (a LayerType service). */
public final class TransferLayers extends LayerType.Definition<ShallowClassifierLayer> {
    public TransferLayers() {
        super(LayerType.of(ShallowClassifierLayer.TYPE, ShallowClassifierLayer.class,
                c -> (ShallowClassifierLayer) ShallowClassifierLayer.fromConfig(c))
                .onnx(OnnxForm.none("the head is a Tribuo model (transfer case 1) trained by its own algorithm, not a"
                        + " tensor function of standard operators; export the network before it (the features) and"
                        + " keep the classifier in Java, or train a Dense head (case 2) for a model ONNX can hold")));
    }
}
