package org.convnet4j.transfer;

import java.util.List;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;

/**
 * A single-input, single-output {@link Graph} (an imported ONNX model) as a {@link Sequential}, so that every
 * transfer case can work on it: the graph is split at its articulation nodes (nodes every path from the input
 * to the output passes through). A run of nodes between two such nodes with one layer becomes that layer; a
 * run with branches (a residual block, an inception module) becomes a nested graph, as in the zoo's ResNets.
 * The layers are reused, not copied; names stay the ONNX node names, so {@code --cut} takes them.
 */
public final class GraphChain {
    private GraphChain() {
    }

    /** {@code model} itself if it is a Sequential; the chain of {@code model}'s segments if it is a graph. */
    public static Sequential asSequential(Model model, String what) {
        if (model instanceof Sequential s) {
            return s;
        }
        if (!(model instanceof Graph g)) {
            throw new IllegalArgumentException(what + ": transfer works on sequential models and graphs; this one is a "
                    + model.type());
        }
        if (g.inputNames().size() != 1 || g.outputNames().size() != 1) {
            throw new IllegalArgumentException(what + ": transfer needs one input and one output; this graph has inputs "
                    + g.inputNames() + " and outputs " + g.outputNames());
        }
        List<Graph.Node> nodes = g.nodes();
        int outIndex = indexOf(nodes, g.outputNames().get(0));
        if (outIndex != nodes.size() - 1) {
            throw new IllegalArgumentException(what + ": the output node '" + g.outputNames().get(0)
                    + "' is not the last node, so the graph is not a chain of blocks");
        }
        // furthest[i]: the largest index of a node that consumes node i
        int[] furthest = new int[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            furthest[i] = i;
            for (String in : nodes.get(i).inputs()) {
                int j = indexOf(nodes, in);
                furthest[j] = Math.max(furthest[j], i);
            }
        }
        Sequential s = new Sequential(g.inputShapes().get(0));
        if (g.name() != null) {
            s.named(g.name());
        }
        int start = 0;        // the articulation node the current segment starts from
        int reach = 0;        // the furthest consumer of any node before i
        for (int i = 0; i < nodes.size(); i++) {
            if (i > start && reach <= i) { // nothing before i is used after i: i is an articulation node
                s.add(segment(nodes, start, i));
                start = i;
            }
            reach = Math.max(reach, furthest[i]);
        }
        s.setClassNames(g.classNames());
        return s;
    }

    /** Nodes start+1..end, fed by node start. */
    private static Layer segment(List<Graph.Node> nodes, int start, int end) {
        String from = nodes.get(start).name();
        Graph.Node last = nodes.get(end);
        if (end == start + 1 && last.inputs().size() == 1) {
            return last.layer(); // a plain link of the chain (not e.g. Mul(x, x), which stays a small graph)
        }
        Graph.Builder b = Graph.builder(nodes.get(end).name() + "_block").input(from, nodes.get(start).shape());
        for (int i = start + 1; i <= end; i++) {
            Graph.Node n = nodes.get(i);
            b.add(n.name(), n.layer(), n.inputs().toArray(new String[0]));
        }
        return b.output(nodes.get(end).name()).build();
    }

    private static int indexOf(List<Graph.Node> nodes, String name) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("graph: no node '" + name + "'");
    }
}
