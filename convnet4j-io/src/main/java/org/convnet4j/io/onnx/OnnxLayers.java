package org.convnet4j.io.onnx;

import java.util.Map;
import java.util.function.Function;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerConfig;
import org.convnet4j.nn.LayerProvider;

/** The layer types of the ONNX import, for model files: an imported program with a typed path. */
public final class OnnxLayers implements LayerProvider {
    @Override
    public Map<String, Function<LayerConfig, Layer>> layers() {
        return Map.of(OnnxProgramLayer.TYPE, OnnxProgramLayer::fromConfig);
    }
}
