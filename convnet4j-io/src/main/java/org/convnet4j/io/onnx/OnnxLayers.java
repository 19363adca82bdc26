package org.convnet4j.io.onnx;

import org.convnet4j.nn.LayerType;

/** The layer type of the ONNX import, for model files: an imported program with a typed path (a LayerType service). */
public final class OnnxLayers extends LayerType.Definition<OnnxProgramLayer> {
    public OnnxLayers() {
        super(LayerType.of(OnnxProgramLayer.TYPE, OnnxProgramLayer.class, OnnxProgramLayer::fromConfig));
    }
}
