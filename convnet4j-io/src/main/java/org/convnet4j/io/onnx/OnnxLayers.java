package org.convnet4j.io.onnx;

import org.convnet4j.nn.LayerType;

/**
 * The layer type of the ONNX import, for model files: an imported program with a typed path. Found by the layer
 * registry as a {@code LayerType} service (it has no ONNX form of its own: it is written back as the program).
 */
public final class OnnxLayers extends LayerType.Definition<OnnxProgramLayer> {
    public OnnxLayers() {
        super(LayerType.of(OnnxProgramLayer.TYPE, OnnxProgramLayer.class, OnnxProgramLayer::fromConfig));
    }
}
