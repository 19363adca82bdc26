package org.convnet4j.nn;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Rebuilds an (unbuilt) layer from its {@link Layer#type()} and {@link Layer#config()}, as saved in
 * checkpoints, with the {@link LayerType} of that name in {@link LayerTypes}. Models (Sequential, Graph) have
 * structure beyond a config and are rebuilt by {@link ModelSpec}. Unknown types and unknown config keys fail
 * with a message listing what is known.
 */
public final class LayerFactory {
    private LayerFactory() {
    }

    /**
     * Registers (or replaces) the builder of a layer type, e.g. for a custom layer.
     *
     * @deprecated register a {@link LayerType} with {@link LayerTypes#register} (or as a service): it also carries
     *     the type's ONNX form and examples
     */
    @Deprecated
    public static void register(String type, Function<LayerConfig, Layer> builder) {
        LayerTypes.register(LayerType.of(type, Layer.class, builder));
    }

    /** The names of every known layer type ({@link LayerTypes#names()}). */
    public static Set<String> types() {
        return LayerTypes.names();
    }

    /** A new, unbuilt layer of the given type; fails naming the type and the problem. */
    public static Layer create(String type, Map<String, Object> config) {
        LayerType<?> t = LayerTypes.find(type);
        if (t == null) {
            String hint = "Sequential".equals(type) || "Graph".equals(type) ? " (models are rebuilt by ModelSpec)" : "";
            throw new IllegalArgumentException("unknown layer type '" + type + "'" + hint + "; known: " + types());
        }
        LayerConfig c = new LayerConfig(type, config);
        Layer layer;
        try {
            layer = t.create(c);
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("layer type " + type)) {
                throw e;
            }
            throw new IllegalArgumentException("layer type " + type + ": bad config " + config + ": " + e.getMessage(), e);
        }
        c.requireAllUsed();
        return layer;
    }
}
