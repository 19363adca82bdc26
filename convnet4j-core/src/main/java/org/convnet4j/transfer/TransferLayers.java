package org.convnet4j.transfer;

import org.convnet4j.nn.LayerType;

/** The layer type of transfer learning, for model files: the case-1 shallow classifier head (a LayerType service). */
public final class TransferLayers extends LayerType.Definition<ShallowClassifierLayer> {
    public TransferLayers() {
        super(LayerType.of(ShallowClassifierLayer.TYPE, ShallowClassifierLayer.class,
                c -> (ShallowClassifierLayer) ShallowClassifierLayer.fromConfig(c)));
    }
}
