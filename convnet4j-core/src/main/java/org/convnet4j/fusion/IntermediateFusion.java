package org.convnet4j.fusion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;

/**
 * Intermediate fusion: each input has its own branch (any network cut after a named layer), the branches'
 * feature maps or vectors are joined ({@link Join}), and shared layers and a classification head follow. The
 * whole graph trains end to end; a branch may start from pretrained weights and be frozen.
 *
 * <pre>{@code
 * Graph g = IntermediateFusion.builder(10)
 *     .branch("pixels", FusionNets.smallCnn(Shape.of(1, 28, 28), 10), "pool2")
 *     .branch("edges", FusionNets.smallCnn(Shape.of(2, 28, 28), 10), "pool2")
 *     .join(Join.CONCAT)
 *     .build();   // pixels_branch, edges_branch -> join -> shared (flatten, dense 64, relu) -> head (dense 10)
 * }</pre>
 */
public final class IntermediateFusion {
    private IntermediateFusion() {
    }

    public static Builder builder(int classes) {
        return new Builder(classes);
    }

    private record Branch(String input, Model model, String cutAt, boolean frozen) {
    }

    public static final class Builder {
        private final int classes;
        private final List<Branch> branches = new ArrayList<>();
        private Join join = Join.CONCAT;
        private List<Layer> shared;
        private int hidden = 64;

        private Builder(int classes) {
            if (classes < 2) {
                throw new IllegalArgumentException("intermediate fusion: needs at least 2 classes, got " + classes);
            }
            this.classes = classes;
        }

        /** Input {@code input} goes through {@code model} up to and including layer {@code cutAt} (null: all). */
        public Builder branch(String input, Model model, String cutAt) {
            return branch(input, model, cutAt, false);
        }

        /** As {@link #branch(String, Model, String)}, keeping the branch's (pretrained) weights fixed. */
        public Builder frozenBranch(String input, Model model, String cutAt) {
            return branch(input, model, cutAt, true);
        }

        /**
         * As above; {@code frozen} keeps the branch's (pretrained) weights fixed.
         *
         * @deprecated the boolean does not say what it means at the call site; use {@link #branch(String, Model, String)}
         *     or {@link #frozenBranch}
         */
        @Deprecated
        public Builder branch(String input, Model model, String cutAt, boolean frozen) {
            for (Branch b : branches) {
                if (b.input().equals(input)) {
                    throw new IllegalArgumentException("intermediate fusion: input '" + input + "' has two branches");
                }
            }
            branches.add(new Branch(input, model, cutAt, frozen));
            return this;
        }

        public Builder join(Join j) {
            this.join = j;
            return this;
        }

        /**
         * Layers after the join (default: Flatten if the join gives feature maps, then Dense(hidden), ReLU);
         * the head Dense(classes) is always added after them.
         */
        public Builder shared(Layer... layers) {
            this.shared = List.of(layers);
            return this;
        }

        /** Width of the default shared dense layer (64). */
        public Builder hidden(int units) {
            this.hidden = units;
            return this;
        }

        public Graph build() {
            if (branches.size() < 2) {
                throw new IllegalArgumentException("intermediate fusion: needs at least two branches, got "
                        + branches.size());
            }
            Graph.Builder g = Graph.builder("intermediate_fusion");
            Map<String, Shape> features = new LinkedHashMap<>();
            List<String> branchNodes = new ArrayList<>();
            for (Branch b : branches) {
                g.input(b.input(), b.model().inputShapes().get(0));
            }
            for (Branch b : branches) {
                String node = b.input() + "_branch";
                Model cut = Branches.cut(b.model(), b.cutAt(), node);
                if (b.frozen()) {
                    cut.setTrainable(false);
                }
                g.add(node, cut, b.input());
                features.put(b.input() + " (" + (b.cutAt() == null ? "whole model" : "up to " + b.cutAt()) + ")",
                        cut.outputShape());
                branchNodes.add(node);
            }
            checkJoinable(features);
            g.add("join", join.layer(), branchNodes.toArray(new String[0]));
            Shape joined = g.shapeOf("join");
            Sequential head = new Sequential("shared", joined);
            if (shared == null) {
                if (joined.rank() > 1) {
                    head.add(new Flatten().named("flatten"));
                }
                head.add(new Dense(hidden).init(Initializer.HE_UNIFORM).named("dense"));
                head.add(new ReLU().named("relu"));
            } else {
                shared.forEach(head::add);
                if (head.outputShape().rank() > 1) {
                    head.add(new Flatten().named("flatten_head"));
                }
            }
            head.add(new Dense(classes).named("predictions"));
            g.add("shared", head, "join");
            return g.output("shared").build();
        }

        /** A clear message when the branch outputs cannot be joined this way. */
        private void checkJoinable(Map<String, Shape> features) {
            Shape first = features.values().iterator().next();
            for (Shape s : features.values()) {
                boolean ok = switch (join) {
                    case CONCAT -> s.rank() == first.rank()
                            && s.dropFirstOrEmpty().equals(first.dropFirstOrEmpty());
                    case SUM, WEIGHTED -> s.equals(first);
                };
                if (!ok) {
                    String need = join == Join.CONCAT
                            ? "concatenation needs feature maps of one height and width (or vectors)"
                            : "a " + join.id() + " join needs identical shapes";
                    throw new IllegalArgumentException("intermediate fusion: cannot join the branches' features "
                            + features + ": " + need + " (choose other --join-at layers or another --join)");
                }
            }
        }
    }
}
