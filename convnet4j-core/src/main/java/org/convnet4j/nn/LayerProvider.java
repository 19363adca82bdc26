package org.convnet4j.nn;

import java.util.Map;
import java.util.function.Function;

/**
 * Layer types defined in packages (or jars) that {@code nn} must not depend on, found with
 * {@link java.util.ServiceLoader} (a {@code META-INF/services/org.convnet4j.nn.LayerProvider} entry) when
 * {@link LayerTypes} starts, so that model files naming them can be read.
 *
 * @deprecated provide {@link LayerType} services instead ({@code META-INF/services/org.convnet4j.nn.LayerType}):
 *     a type also carries its ONNX form and examples. Still read, as types without either.
 */
@Deprecated
public interface LayerProvider {
    /** Layer type name (as written in model files) to the builder of a new, unbuilt layer of that type. */
    Map<String, Function<LayerConfig, Layer>> layers();
}
