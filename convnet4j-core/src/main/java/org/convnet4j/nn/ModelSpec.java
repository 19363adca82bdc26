package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.tensor.Shape;

/**
 * A model's architecture as a JSON-friendly structure of maps, lists, strings, numbers and booleans (no
 * weights: those are matched by parameter name in checkpoints), and back. Nested models are nested maps.
 *
 * <pre>
 * Sequential: {"type": "Sequential", "name": ..., "input_shape": [1, 28, 28], "layers": [entry, ...],
 *              "class_names": [...], "spec_version": 1}
 * Graph:      {"type": "Graph", "name": ..., "inputs": [{"name": "x", "shape": [..]}, ...],
 *              "nodes": [{"inputs": ["x"], "layer": entry}, ...], "outputs": ["sum"], "class_names": [...]}
 * entry:      {"type": "Conv2d", "name": "conv1", "config": {...}} (a plain layer), or a nested model's map;
 *             either may carry "trainable": false.
 * </pre>
 *
 * "name" is left out for an unnamed top-level model; "spec_version" only appears at the top level.
 */
public final class ModelSpec {
    /** Bumped when the structure changes incompatibly. */
    public static final int VERSION = 1;

    private ModelSpec() {
    }

    /** The architecture of {@code model} as nested maps and lists. */
    public static Map<String, Object> toMap(Model model) {
        Map<String, Object> m = modelMap(model);
        m.put("spec_version", VERSION);
        return m;
    }

    /**
     * As {@link #fromMap(Map)} for a structure read from {@code source} (a file): all parameters together are kept
     * within the memory budget ({@link org.convnet4j.util.MemoryBudget#startModelBuild(String)}), so a description that
     * declares many layers, each within the per-parameter limit, is refused with a
     * {@link org.convnet4j.util.MemoryBudget.ModelTooLargeException} naming {@code source} before the one that crosses
     * the limit is allocated.
     */
    public static Model fromMap(Map<String, Object> spec, String source) {
        return fromMap(spec, source, -1);
    }

    /**
     * As {@link #fromMap(Map, String)} for a file that stores {@code storedBytes} of weights (as float32): the model is
     * also kept within the per-file cap ({@link org.convnet4j.util.MemoryBudget#fileCapBytes}), so a description of a
     * large model next to a few stored tensors is refused before most of it is built. Negative: no per-file cap.
     */
    public static Model fromMap(Map<String, Object> spec, String source, long storedBytes) {
        try (org.convnet4j.util.MemoryBudget.ModelBuild counted =
                org.convnet4j.util.MemoryBudget.startModelBuild(source, storedBytes)) {
            try {
                return fromMap(spec);
            } catch (RuntimeException e) {
                throw counted.refusalOr(e); // the refusal itself, not "cannot add Dense ...: " around it
            }
        }
    }

    /** Rebuilds a model (fresh, initialised parameters) from {@link #toMap}'s structure, e.g. parsed from JSON. */
    public static Model fromMap(Map<String, Object> spec) {
        if (spec.containsKey("spec_version")) {
            int v = LayerConfig.intList("model spec: spec_version", List.of(spec.get("spec_version"))).get(0);
            if (v != VERSION) {
                throw new IllegalArgumentException("model spec: version " + v + " is not supported (this build reads "
                        + VERSION + ")");
            }
        }
        List<Runnable> freezes = new ArrayList<>();
        Model m = buildModel(spec, freezes);
        freezes.forEach(Runnable::run); // after building: parameters exist only once shapes are known
        return m;
    }

    private static Map<String, Object> modelMap(Model model) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (model instanceof Sequential) {
            Sequential s = (Sequential) model;
            m.put("type", "Sequential");
            if (s.name() != null) {
                m.put("name", s.name());
            }
            m.put("input_shape", shapeList(s.inputShapes().get(0)));
            List<Object> layers = new ArrayList<>();
            for (Layer l : s.layers()) {
                layers.add(entry(l));
            }
            m.put("layers", layers);
        } else if (model instanceof Graph) {
            Graph g = (Graph) model;
            m.put("type", "Graph");
            if (g.name() != null) {
                m.put("name", g.name());
            }
            List<Object> inputs = new ArrayList<>();
            List<Object> nodes = new ArrayList<>();
            for (Graph.Node n : g.nodes()) {
                if (n.isInput()) {
                    Map<String, Object> in = new LinkedHashMap<>();
                    in.put("name", n.name());
                    in.put("shape", shapeList(n.shape()));
                    inputs.add(in);
                } else {
                    Map<String, Object> node = new LinkedHashMap<>();
                    node.put("inputs", new ArrayList<>(n.inputs()));
                    node.put("layer", entry(n.layer()));
                    nodes.add(node);
                }
            }
            m.put("inputs", inputs);
            m.put("nodes", nodes);
            m.put("outputs", new ArrayList<>(g.outputNames()));
        } else {
            throw new IllegalArgumentException("model spec: cannot describe model class " + model.getClass().getName()
                    + " (only Sequential and Graph)");
        }
        if (!model.classNames().isEmpty()) {
            m.put("class_names", new ArrayList<>(model.classNames()));
        }
        return m;
    }

    private static Map<String, Object> entry(Layer l) {
        Map<String, Object> e;
        if (l instanceof Model) {
            e = modelMap((Model) l);
        } else {
            e = new LinkedHashMap<>();
            e.put("type", l.type());
            e.put("name", l.name());
            e.put("config", l.config());
        }
        if (!l.isTrainable()) {
            e.put("trainable", false);
        }
        return e;
    }

    private static Model buildModel(Map<String, Object> m, List<Runnable> freezes) {
        String type = string(m, "type", "model");
        String name = m.containsKey("name") ? string(m, "name", "model") : null;
        Model model;
        if (type.equals("Sequential")) {
            Shape in = shape("Sequential '" + name + "': input_shape", require(m, "input_shape", "Sequential"));
            Sequential s = new Sequential(in);
            if (name != null) {
                s.named(name);
            }
            for (Object o : list(m, "layers", "Sequential '" + name + "'")) {
                s.add(buildLayer(map(o, "Sequential '" + name + "': layer entry"), freezes));
            }
            model = s;
        } else if (type.equals("Graph")) {
            String where = "Graph '" + name + "'";
            Graph.Builder b = name == null ? Graph.builder() : Graph.builder(name);
            for (Object o : list(m, "inputs", where)) {
                Map<String, Object> in = map(o, where + ": input");
                b.input(string(in, "name", where + ": input"), shape(where + ": input shape", require(in, "shape", where)));
            }
            for (Object o : list(m, "nodes", where)) {
                Map<String, Object> node = map(o, where + ": node");
                Layer layer = buildLayer(map(require(node, "layer", where + ": node"), where + ": node layer"), freezes);
                List<String> from = new ArrayList<>();
                for (Object s : list(node, "inputs", where + ": node '" + layer.name() + "'")) {
                    from.add(String.valueOf(s));
                }
                b.add(layer.name(), layer, from.toArray(new String[0]));
            }
            for (Object o : list(m, "outputs", where)) {
                b.output(String.valueOf(o));
            }
            model = b.build();
        } else {
            throw new IllegalArgumentException("model spec: unknown model type '" + type + "' (Sequential or Graph)");
        }
        if (m.containsKey("class_names")) {
            List<String> names = new ArrayList<>();
            for (Object o : list(m, "class_names", "model")) {
                names.add(String.valueOf(o));
            }
            model.setClassNames(names);
        }
        return model;
    }

    private static Layer buildLayer(Map<String, Object> e, List<Runnable> freezes) {
        String type = string(e, "type", "layer entry");
        Layer layer;
        if (type.equals("Sequential") || type.equals("Graph")) {
            layer = buildModel(e, freezes);
        } else {
            String name = string(e, "name", "layer entry of type " + type);
            try {
                layer = LayerFactory.create(type, e.containsKey("config") ? map(e.get("config"), type + " config") : Map.of());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("layer '" + name + "': " + ex.getMessage(), ex);
            }
            layer.named(name);
        }
        Object trainable = e.get("trainable");
        if (trainable != null && !Boolean.TRUE.equals(trainable)) {
            if (!Boolean.FALSE.equals(trainable)) {
                throw new IllegalArgumentException("model spec: layer '" + layer.name() + "': trainable must be true or "
                        + "false, got " + trainable);
            }
            freezes.add(() -> layer.setTrainable(false));
        }
        return layer;
    }

    private static List<Integer> shapeList(Shape s) {
        List<Integer> out = new ArrayList<>();
        for (int d : s.dims()) {
            out.add(d);
        }
        return out;
    }

    private static Shape shape(String what, Object v) {
        List<Integer> l = LayerConfig.intList(what, v);
        int[] d = new int[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = l.get(i);
        }
        try {
            return Shape.of(d);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    private static Object require(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("model spec: " + where + ": missing '" + key + "'");
        }
        return v;
    }

    private static String string(Map<String, Object> m, String key, String where) {
        Object v = require(m, key, where);
        if (!(v instanceof String)) {
            throw new IllegalArgumentException("model spec: " + where + ": '" + key + "' must be a string, got " + v);
        }
        return (String) v;
    }

    private static List<?> list(Map<String, Object> m, String key, String where) {
        Object v = require(m, key, where);
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("model spec: " + where + ": '" + key + "' must be a list, got " + v);
        }
        return (List<?>) v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object v, String where) {
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("model spec: " + where + " must be an object, got " + v);
        }
        return (Map<String, Object>) v;
    }
}
