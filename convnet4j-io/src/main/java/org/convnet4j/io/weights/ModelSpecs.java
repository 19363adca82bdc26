package org.convnet4j.io.weights;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;

/** Variants of a built architecture, made by editing its {@link ModelSpec} and rebuilding. */
public final class ModelSpecs {
    private ModelSpecs() {
    }

    /** The same architecture with every batch norm's eps set to {@code eps} (fresh weights). */
    public static Model withBatchNormEps(Model model, double eps) {
        Map<String, Object> spec = ModelSpec.toMap(model);
        setEps(spec, eps);
        Model rebuilt = ModelSpec.fromMap(spec);
        rebuilt.setClassNames(model.classNames());
        return rebuilt;
    }

    @SuppressWarnings("unchecked")
    private static void setEps(Object node, double eps) {
        if (node instanceof Map<?, ?> m) {
            Object type = m.get("type");
            Object config = m.get("config");
            if (type instanceof String t && t.startsWith("BatchNorm") && config instanceof Map<?, ?> c
                    && c.containsKey("eps")) {
                ((Map<String, Object>) c).put("eps", eps);
            }
            for (Object v : m.values()) {
                setEps(v, eps);
            }
        } else if (node instanceof List<?> l) {
            for (Object v : l) {
                setEps(v, eps);
            }
        }
    }
}
