package org.convnet4j.fusion;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;

/** Cuts a network after a named layer, keeping the layer objects (so pretrained weights and freezing carry over). */
public final class Branches {
    private Branches() {
    }

    /**
     * The part of {@code source} from its input up to and including layer {@code cutAt} (the whole model if
     * null), as a new model named {@code name}. A {@link Graph} keeps the nodes {@code cutAt} depends on; it must
     * have one input.
     */
    public static Model cut(Model source, String cutAt, String name) {
        if (source.inputShapes().size() != 1) {
            throw new IllegalArgumentException("fusion branch '" + name + "': the source model takes "
                    + source.inputShapes().size() + " inputs; a branch takes one");
        }
        if (source instanceof Sequential s) {
            int end = cutAt == null ? s.layers().size() - 1 : indexOf(s, cutAt, name);
            Sequential out = new Sequential(name, s.inputShapes().get(0));
            for (int i = 0; i <= end; i++) {
                out.add(s.layers().get(i));
            }
            return out;
        }
        if (source instanceof Graph g) {
            String target = cutAt == null ? g.outputNames().get(0) : cutAt;
            if (g.nodes().stream().noneMatch(n -> n.name().equals(target))) {
                throw new IllegalArgumentException("fusion branch '" + name + "': model '" + g.name() + "' has no layer '"
                        + target + "'; layers: " + g.nodes().stream().filter(n -> !n.isInput()).map(Graph.Node::name).toList());
            }
            Set<String> needed = new HashSet<>();
            Deque<String> todo = new ArrayDeque<>(List.of(target));
            while (!todo.isEmpty()) {
                String n = todo.pop();
                if (needed.add(n)) {
                    todo.addAll(g.node(n).inputs());
                }
            }
            Graph.Builder b = Graph.builder(name);
            for (Graph.Node n : g.nodes()) {
                if (!needed.contains(n.name())) {
                    continue;
                }
                if (n.isInput()) {
                    b.input(n.name(), n.shape());
                } else {
                    b.add(n.name(), n.layer(), n.inputs().toArray(new String[0]));
                }
            }
            return b.output(target).build();
        }
        throw new IllegalArgumentException("fusion branch '" + name + "': cannot cut a " + source.getClass().getSimpleName());
    }

    private static int indexOf(Sequential s, String layer, String branch) {
        for (int i = 0; i < s.layers().size(); i++) {
            if (layer.equals(s.layers().get(i).name())) {
                return i;
            }
        }
        List<String> names = new ArrayList<>();
        for (Layer l : s.layers()) {
            names.add(l.name());
        }
        throw new IllegalArgumentException("fusion branch '" + branch + "': model '" + s.name() + "' has no layer '"
                + layer + "'; layers: " + names);
    }
}
