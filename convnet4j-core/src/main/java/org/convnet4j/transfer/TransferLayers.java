package org.convnet4j.transfer;

import java.util.Map;
import java.util.function.Function;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerConfig;
import org.convnet4j.nn.LayerProvider;

/** The layer types of transfer learning, for model files: the case-1 shallow classifier head. */
public final class TransferLayers implements LayerProvider {
    @Override
    public Map<String, Function<LayerConfig, Layer>> layers() {
        return Map.of(ShallowClassifierLayer.TYPE, ShallowClassifierLayer::fromConfig);
    }
}
