package org.convnet4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.TaskCompletionListener;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.AdamW;
import org.convnet4j.train.optim.GradientClipping;
import org.convnet4j.train.optim.Optimizer;
import org.convnet4j.train.optim.ParamGroup;
import org.convnet4j.train.optim.Sgd;

/**
 * Ring mode's model replicas on the executors: each task slot keeps the run's model together with its own copy of
 * the optimiser (same groups, hyper-parameters and state as the driver's), and every task applies the same optimiser
 * step to the same all-reduced gradient sum, so the replicas stay bit for bit identical without the weights going
 * through the driver. A replica remembers which state it holds: the timeline ({@code generation}, bumped when the
 * driver rebuilds the replicas) and the number of exchanges applied ({@code seq}); -1 while an update is under way,
 * so that a task killed half-way never leaves a replica that looks current.
 */
final class Replicas {
    private static final Map<String, ConcurrentLinkedQueue<Replica>> IDLE = new ConcurrentHashMap<>();

    private Replicas() {
    }

    /** One task slot's model and optimiser, and which state they hold. */
    static final class Replica {
        final Model model;
        final Optimizer optimizer;
        private long generation = -1;
        private long seq = -1;

        Replica(Model model, Optimizer optimizer) {
            this.model = model;
            this.optimizer = optimizer;
        }

        boolean holds(long gen, long s) {
            return generation == gen && seq == s;
        }

        void mark(long gen, long s) {
            generation = gen;
            seq = s;
        }
    }

    /** A replica of the run for this task (built on first use in this JVM), given back when the task ends. */
    static Replica borrow(RunPools.Key run, Broadcast<String> architecture, OptimizerRecipe recipe) {
        run.noteHolder();
        ConcurrentLinkedQueue<Replica> idle = IDLE.computeIfAbsent(run.runId(), k -> new ConcurrentLinkedQueue<>());
        Replica r = idle.poll();
        if (r == null) {
            Model m = StepWork.buildModel(architecture);
            r = new Replica(m, recipe.build(m));
        }
        Replica borrowed = r;
        TaskContext t = TaskContext.get();
        if (t != null) {
            t.addTaskCompletionListener((TaskCompletionListener) ctx -> idle.offer(borrowed));
        }
        return r;
    }

    /** Drops this JVM's replicas of a run ({@link RunPools#release} calls it on every executor that holds some). */
    static void drop(String runId) {
        IDLE.remove(runId);
    }

    /** Replicas of the run pooled in this JVM. */
    static int pooled(String runId) {
        ConcurrentLinkedQueue<Replica> q = IDLE.get(runId);
        return q == null ? 0 : q.size();
    }

    /** Replicas of any run pooled in this JVM. */
    static int pooled() {
        return IDLE.values().stream().mapToInt(ConcurrentLinkedQueue::size).sum();
    }

    /** Drops every replica of this JVM, as if its executor had died (tests). */
    static void dropAll() {
        IDLE.clear();
    }

    /** The weights (parameters and buffers) and the optimiser state of a replica or of the driver's model. */
    record State(Map<String, float[]> weights, Map<String, float[]> optimizer, Map<String, int[]> optimizerShapes,
                 double learningRate) implements Serializable {
        static State of(Model model, Optimizer opt) {
            Map<String, float[]> w = new LinkedHashMap<>();
            model.stateDict().forEach((k, t) -> w.put(k, t.data().clone()));
            Map<String, float[]> o = new LinkedHashMap<>();
            Map<String, int[]> shapes = new LinkedHashMap<>();
            opt.state().forEach((k, t) -> {
                o.put(k, t.data().clone());
                shapes.put(k, t.shape().dims());
            });
            return new State(w, o, shapes, opt.learningRate());
        }

        void loadInto(Model model, Optimizer opt) {
            Map<String, Tensor> dict = model.stateDict();
            weights.forEach((k, w) -> System.arraycopy(w, 0, dict.get(k).data(), 0, w.length));
            Map<String, Tensor> s = new LinkedHashMap<>();
            optimizer.forEach((k, v) -> s.put(k, Tensor.of(v.clone(), optimizerShapes.get(k))));
            opt.loadState(s);
            opt.setLearningRate(learningRate);
        }

        /** float32 values it holds (4 bytes each on the wire). */
        long values() {
            long n = 0;
            for (float[] w : weights.values()) {
                n += w.length;
            }
            for (float[] o : optimizer.values()) {
                n += o.length;
            }
            return n;
        }
    }

    /**
     * What rebuilds the driver's optimiser over a replica's parameters: its kind (SGD, Adam, AdamW), hyper-parameters,
     * parameter groups (names, learning-rate scale, weight decay, frozen) and frozen parameters, and the gradient
     * clipping of the run.
     */
    record OptimizerRecipe(String name, Map<String, Object> config, List<Group> groups, List<String> frozen,
                           String clipping) implements Serializable {

        record Group(String name, List<String> parameters, double lrScale, double weightDecay, boolean frozen)
                implements Serializable {
        }

        /**
         * The recipe of {@code opt} over {@code model}; fails for an optimiser it cannot rebuild (a class of the
         * caller's own), checked by rebuilding it over the driver's model and comparing the configurations.
         */
        static OptimizerRecipe of(Optimizer opt, Model model, GradientClipping clipping) {
            Class<?> c = opt.getClass();
            if (c != Sgd.class && c != Adam.class && c != AdamW.class) {
                throw new IllegalArgumentException("SparkTrainer: the ring exchange rebuilds the optimiser on the"
                        + " executors and knows Sgd, Adam and AdamW, not " + c.getName() + " (use the tree exchange)");
            }
            List<Group> groups = new ArrayList<>();
            for (ParamGroup g : opt.groups()) {
                groups.add(new Group(g.name(), List.copyOf(g.parameters().keySet()), g.lrScale(),
                        g.weightDecayOr(Double.NaN), g.isFrozen()));
            }
            List<String> frozen = new ArrayList<>();
            model.namedParameters().forEach((k, p) -> {
                if (p.isFrozen()) {
                    frozen.add(k);
                }
            });
            OptimizerRecipe r = new OptimizerRecipe(opt.name(), new LinkedHashMap<>(opt.config()), groups, frozen,
                    clipping.toString());
            Map<String, Object> again = r.build(model).config();
            if (!again.equals(opt.config())) {
                throw new IllegalStateException("SparkTrainer: the optimiser rebuilt for the executors has " + again
                        + ", the driver's has " + opt.config());
            }
            r.clippingRule(); // fails now for a rule it cannot read
            return r;
        }

        Optimizer build(Model model) {
            Map<String, Parameter> params = model.namedParameters();
            for (String f : frozen) {
                params.get(f).setFrozen(true);
            }
            List<ParamGroup> gs = new ArrayList<>();
            for (Group g : groups) {
                Map<String, Parameter> members = new LinkedHashMap<>();
                for (String p : g.parameters()) {
                    members.put(p, params.get(p));
                }
                ParamGroup pg = ParamGroup.of(g.name(), members).lrScale(g.lrScale()).frozen(g.frozen());
                if (!Double.isNaN(g.weightDecay())) {
                    pg.weightDecay(g.weightDecay());
                }
                gs.add(pg);
            }
            double lr = number("lr");
            double decay = number("weight_decay");
            return switch (name) {
                case "sgd" -> new Sgd(gs, lr).momentum(number("momentum")).dampening(number("dampening"))
                        .nesterov((Boolean) config.get("nesterov")).weightDecay(decay);
                case "adam" -> new Adam(gs, lr).betas(number("beta1"), number("beta2")).eps(number("eps"))
                        .weightDecay(decay);
                case "adamw" -> new AdamW(gs, lr).betas(number("beta1"), number("beta2")).eps(number("eps"))
                        .weightDecay(decay);
                default -> throw new IllegalStateException("no optimiser " + name);
            };
        }

        GradientClipping clippingRule() {
            if (clipping.equals("none")) {
                return GradientClipping.none();
            }
            int open = clipping.indexOf('(');
            double limit = Double.parseDouble(clipping.substring(open + 1, clipping.length() - 1));
            return switch (clipping.substring(0, open)) {
                case "global_norm" -> GradientClipping.byGlobalNorm(limit);
                case "value" -> GradientClipping.byValue(limit);
                default -> throw new IllegalArgumentException("SparkTrainer: unknown gradient clipping " + clipping);
            };
        }

        private double number(String key) {
            return ((Number) config.get(key)).doubleValue();
        }
    }
}
