package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.layers.Elementwise;

/**
 * GELU as exporters write it below opset 20, a chain of elementary nodes, recognised at import so that it runs as
 * one {@link Elementwise} layer (one pass over the activations, no intermediate tensors):
 * <ul>
 *   <li>exact: {@code x * 0.5 * (1 + erf(x / sqrt 2))}, PyTorch's order being Div, Erf, Add, Mul(x, .), Mul(., 0.5);
 *   also {@code x * (1/sqrt 2)} for the Div, {@code (x * 0.5) * (...)}, {@code x * ((...) * 0.5)} and a final
 *   Div by 2, each product in either operand order;</li>
 *   <li>tanh approximation: {@code 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))}, PyTorch's order being
 *   Mul(x, x), Mul(x, xx), Mul(kappa, .), Add(x, .), Mul(beta, .), Tanh, Add(1, .), Mul(x, .), Mul(0.5, .); the
 *   cube also as {@code Pow(x, 3)}.</li>
 * </ul>
 * Only exact patterns: every intermediate value feeds exactly one node of the chain (and is no graph output), the
 * constants are one-element tensors (initializers or Constant nodes) within one float rounding of their
 * values, and x is the same computed value throughout. Anything else is imported node by node as before.
 */
final class OnnxActivationFusion {

    /**
     * One recognised chain: the function, its input x, its nodes in graph order (the last gives the result) and the
     * value each constant input must hold. The constants are checked when the last node is reached
     * ({@link #constantsHold}), because Constant nodes are only decoded as the import walks the graph.
     */
    record Group(Elementwise.Fn fn, String x, List<Node> nodes, Map<String, Double> constants) {
        Node last() {
            return nodes.get(nodes.size() - 1);
        }

        /** True if every constant input is a known one-element constant within float rounding of its value. */
        boolean constantsHold(Map<String, TensorData> consts) {
            for (Map.Entry<String, Double> c : constants.entrySet()) {
                TensorData t = consts.get(c.getKey());
                if (t == null || t.dims().length > 1 || t.elementCount() != 1
                        || !withinFloatRounding(t.value(0), c.getValue())) {
                    return false;
                }
            }
            return true;
        }
    }

    static final double SQRT2 = Math.sqrt(2);
    static final double TANH_BETA = Math.sqrt(2 / Math.PI);
    static final double TANH_KAPPA = 0.044715;

    /** |value - expected| at most one float ulp of expected (what writing the constant as a float may cost). */
    static boolean withinFloatRounding(double value, double expected) {
        return Math.abs(value - expected) <= Math.ulp((float) expected);
    }

    private final Map<String, Node> producer = new HashMap<>();
    private final Map<String, Integer> uses = new HashMap<>();
    private final Set<String> constantLike = new HashSet<>();

    private OnnxActivationFusion(OnnxModel.Graph g) {
        for (Node n : g.nodes()) {
            n.outputs().forEach(o -> producer.put(o, n));
            n.inputs().forEach(i -> uses.merge(i, 1, Integer::sum));
            if (n.opType().equals("Constant")) {
                constantLike.addAll(n.outputs());
            }
        }
        for (ValueInfo out : g.outputs()) {
            uses.merge(out.name(), 1, Integer::sum);
        }
        g.initializers().forEach(t -> constantLike.add(t.name()));
    }

    /** Every GELU chain of the graph, each of its nodes mapped to its group. */
    static Map<Node, Group> geluGroups(OnnxModel.Graph g) {
        OnnxActivationFusion f = new OnnxActivationFusion(g);
        Map<Node, Integer> order = new IdentityHashMap<>();
        for (int i = 0; i < g.nodes().size(); i++) {
            order.put(g.nodes().get(i), i);
        }
        Map<Node, Group> groups = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            Match m = f.outer(n);
            if (m == null || m.nodes.stream().anyMatch(groups::containsKey)) {
                continue;
            }
            List<Node> nodes = new ArrayList<>(m.nodes);
            nodes.sort(Comparator.comparingInt(order::get));
            if (nodes.get(nodes.size() - 1) != n) {
                continue; // the result node must come last (a valid ONNX graph is in topological order)
            }
            Group group = new Group(m.fn, m.x, List.copyOf(nodes), Map.copyOf(m.constants));
            nodes.forEach(x -> groups.put(x, group));
        }
        return groups;
    }

    /** A partial match: x, the nodes so far and the constants they need. */
    private static final class Match {
        Elementwise.Fn fn;
        String x;
        final List<Node> nodes = new ArrayList<>();
        final Map<String, Double> constants = new LinkedHashMap<>();

        Match with(Node n) {
            nodes.add(n);
            return this;
        }

        Match constant(String value, double expected) {
            constants.merge(value, expected, (a, b) -> a.equals(b) ? a : Double.NaN);
            return this;
        }
    }

    /** The node producing v when v feeds exactly one node and is no graph output; else null. */
    private Node sole(String v) {
        return uses.getOrDefault(v, 0) == 1 ? producer.get(v) : null;
    }

    private static boolean is(Node n, String op, int inputs) {
        return n != null && n.opType().equals(op) && n.inputs().size() == inputs && n.outputs().size() == 1;
    }

    private boolean computed(String v) {
        return !v.isEmpty() && !constantLike.contains(v);
    }

    /** The result node: 0.5 * (x * gate), (x * 0.5) * gate, x * (gate * 0.5), or (x * gate) / 2. */
    private Match outer(Node f) {
        if (is(f, "Div", 2) && constantLike.contains(f.inputs().get(1))) {
            Match m = xTimesGate(sole(f.inputs().get(0)));
            return m == null ? null : m.with(f).constant(f.inputs().get(1), 2.0);
        }
        if (!is(f, "Mul", 2)) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            String here = f.inputs().get(k);
            String other = f.inputs().get(1 - k);
            if (constantLike.contains(other)) { // 0.5 * (x * gate)
                Match m = xTimesGate(sole(here));
                if (m != null) {
                    return m.with(f).constant(other, 0.5);
                }
                continue;
            }
            Node h = sole(here);
            if (!is(h, "Mul", 2)) {
                continue;
            }
            for (int j = 0; j < 2; j++) {
                String a = h.inputs().get(j);
                String half = h.inputs().get(1 - j);
                if (!constantLike.contains(half)) {
                    continue;
                }
                Match g = gate(other); // (x * 0.5) * gate
                if (g != null && a.equals(g.x)) {
                    return g.with(h).with(f).constant(half, 0.5);
                }
                g = gate(a); // x * (gate * 0.5)
                if (g != null && other.equals(g.x)) {
                    return g.with(h).with(f).constant(half, 0.5);
                }
            }
        }
        return null;
    }

    /** x * gate, in either order. */
    private Match xTimesGate(Node m) {
        if (!is(m, "Mul", 2)) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            Match g = gate(m.inputs().get(k));
            if (g != null && m.inputs().get(1 - k).equals(g.x)) {
                return g.with(m);
            }
        }
        return null;
    }

    /** 1 + erf(x / sqrt 2) or 1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)): the Add and what feeds it. */
    private Match gate(String value) {
        Node add = sole(value);
        if (!is(add, "Add", 2)) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            String one = add.inputs().get(1 - k);
            if (!constantLike.contains(one)) {
                continue;
            }
            Node t = sole(add.inputs().get(k));
            Match m = is(t, "Erf", 1) ? erfArgument(sole(t.inputs().get(0)))
                    : is(t, "Tanh", 1) ? tanhArgument(sole(t.inputs().get(0))) : null;
            if (m != null) {
                return m.with(t).with(add).constant(one, 1.0);
            }
        }
        return null;
    }

    /** x / sqrt 2 or x * (1 / sqrt 2). */
    private Match erfArgument(Node s) {
        if (is(s, "Div", 2) && computed(s.inputs().get(0)) && constantLike.contains(s.inputs().get(1))) {
            return start(Elementwise.Fn.GELU, s.inputs().get(0), s).constant(s.inputs().get(1), SQRT2);
        }
        if (is(s, "Mul", 2)) {
            for (int k = 0; k < 2; k++) {
                if (computed(s.inputs().get(k)) && constantLike.contains(s.inputs().get(1 - k))) {
                    return start(Elementwise.Fn.GELU, s.inputs().get(k), s).constant(s.inputs().get(1 - k), 1 / SQRT2);
                }
            }
        }
        return null;
    }

    /** beta * (x + kappa * x^3), each product and the sum in either order; the cube as x * (x * x) or Pow(x, 3). */
    private Match tanhArgument(Node inner) {
        if (!is(inner, "Mul", 2)) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            String beta = inner.inputs().get(1 - k);
            Node sum = sole(inner.inputs().get(k));
            if (!constantLike.contains(beta) || !is(sum, "Add", 2)) {
                continue;
            }
            for (int j = 0; j < 2; j++) {
                String x = sum.inputs().get(j);
                Node kc = sole(sum.inputs().get(1 - j));
                if (!computed(x) || !is(kc, "Mul", 2)) {
                    continue;
                }
                for (int i = 0; i < 2; i++) {
                    String kappa = kc.inputs().get(1 - i);
                    Match cube = constantLike.contains(kappa) ? cube(sole(kc.inputs().get(i)), x) : null;
                    if (cube != null) {
                        return cube.with(kc).with(sum).with(inner).constant(kappa, TANH_KAPPA).constant(beta, TANH_BETA);
                    }
                }
            }
        }
        return null;
    }

    /** x^3 as Pow(x, 3), x * (x * x) or (x * x) * x. */
    private Match cube(Node c, String x) {
        if (is(c, "Pow", 2) && c.inputs().get(0).equals(x) && constantLike.contains(c.inputs().get(1))) {
            return start(Elementwise.Fn.GELU_TANH, x, c).constant(c.inputs().get(1), 3.0);
        }
        if (!is(c, "Mul", 2)) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            Node sq = sole(c.inputs().get(k));
            if (c.inputs().get(1 - k).equals(x) && is(sq, "Mul", 2) && sq.inputs().get(0).equals(x)
                    && sq.inputs().get(1).equals(x)) {
                return start(Elementwise.Fn.GELU_TANH, x, sq).with(c);
            }
        }
        return null;
    }

    private static Match start(Elementwise.Fn fn, String x, Node first) {
        Match m = new Match();
        m.fn = fn;
        m.x = x;
        return m.with(first);
    }
}
