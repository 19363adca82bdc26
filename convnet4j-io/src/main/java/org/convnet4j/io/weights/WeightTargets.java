package org.convnet4j.io.weights;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.tensor.Shape;

/**
 * The layers of a model that hold weights, in the order Keras would list them.
 *
 * <p>Keras saves {@code model.layers} in its own order, and loading "by topology" pairs the file's layers
 * with weights with the model's in that order. For a sequential model it is the order of the layers. For a
 * functional model Keras sorts layers by depth (longest path to the output, deepest first) and, within a
 * depth, by the order a depth-first walk from the outputs first reaches them (inputs in order). That is why
 * Keras' InceptionV3 file lists {@code conv2d_9} before {@code conv2d_7} and {@code conv2d_6}. We apply the
 * same rule to each {@link Graph}, and expand nested models in place.
 */
public final class WeightTargets {
    private WeightTargets() {
    }

    /** Every weight-holding layer of {@code model} in Keras order. */
    public static List<WeightTarget> of(Model model) {
        List<WeightTarget> out = new ArrayList<>();
        collect(model, "", out);
        return out;
    }

    /** The same layers by full name. */
    public static Map<String, WeightTarget> byName(Model model) {
        Map<String, WeightTarget> out = new LinkedHashMap<>();
        for (WeightTarget t : of(model)) {
            out.put(t.name(), t);
        }
        return out;
    }

    private static void collect(Layer layer, String prefix, List<WeightTarget> out) {
        if (layer instanceof Sequential s) {
            List<Layer> layers = s.layers();
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                Shape flattened = null;
                if (i > 0 && layers.get(i - 1) instanceof Flatten) {
                    Shape in = i >= 2 ? s.outputShapeAt(i - 2) : s.inputShapes().get(0);
                    if (in.rank() == 3 && in.dim(1) * in.dim(2) > 1) {
                        flattened = in;
                    }
                }
                visit(l, prefix, flattened, out);
            }
        } else if (layer instanceof Graph g) {
            for (Graph.Node n : kerasOrder(g)) {
                visit(n.layer(), prefix, null, out);
            }
        } else if (!layer.parameters().isEmpty()) {
            out.add(new WeightTarget(prefix.isEmpty() ? layer.name() : prefix.substring(0, prefix.length() - 1),
                    WeightTarget.kindOf(layer), layer, null));
        }
    }

    private static void visit(Layer l, String prefix, Shape flattened, List<WeightTarget> out) {
        if (l instanceof Model) {
            collect(l, prefix + l.name() + ".", out);
        } else if (!l.parameters().isEmpty()) {
            out.add(new WeightTarget(prefix + l.name(), WeightTarget.kindOf(l), l, flattened));
        }
    }

    /** The graph's layer nodes sorted as Keras sorts {@code model.layers} (see the class comment). */
    static List<Graph.Node> kerasOrder(Graph g) {
        Map<String, Integer> firstVisit = new HashMap<>();
        List<String> postOrder = new ArrayList<>();
        for (String out : g.outputNames()) {
            walk(g, out, firstVisit, postOrder);
        }
        Map<String, Integer> depth = new HashMap<>();
        for (int i = postOrder.size() - 1; i >= 0; i--) {
            String name = postOrder.get(i);
            int d = depth.getOrDefault(name, 0);
            depth.put(name, d);
            for (String in : g.node(name).inputs()) {
                depth.merge(in, d + 1, Math::max);
            }
        }
        List<Graph.Node> nodes = new ArrayList<>();
        for (String name : postOrder) {
            if (!g.node(name).isInput()) {
                nodes.add(g.node(name));
            }
        }
        nodes.sort(Comparator.<Graph.Node>comparingInt(n -> -depth.get(n.name()))
                .thenComparingInt(n -> firstVisit.get(n.name())));
        return nodes;
    }

    /** Depth-first from {@code name} through inputs in order; iterative, as Inception graphs are deep. */
    private static void walk(Graph g, String start, Map<String, Integer> firstVisit, List<String> postOrder) {
        if (firstVisit.containsKey(start)) {
            return;
        }
        record Frame(String name, int next) {
        }
        java.util.ArrayDeque<Frame> stack = new java.util.ArrayDeque<>();
        firstVisit.put(start, firstVisit.size());
        stack.push(new Frame(start, 0));
        while (!stack.isEmpty()) {
            Frame f = stack.pop();
            List<String> inputs = g.node(f.name()).inputs();
            if (f.next() < inputs.size()) {
                stack.push(new Frame(f.name(), f.next() + 1));
                String in = inputs.get(f.next());
                if (!firstVisit.containsKey(in)) {
                    firstVisit.put(in, firstVisit.size());
                    stack.push(new Frame(in, 0));
                }
            } else {
                postOrder.add(f.name());
            }
        }
    }
}
