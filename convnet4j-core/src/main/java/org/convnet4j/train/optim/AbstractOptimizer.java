package org.convnet4j.train.optim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.ParallelChunks;

/**
 * Groups, learning rate, step counting, frozen-skipping and named state for concrete optimisers, which
 * {@link #prepare} one parameter's element-wise update per step and keep their per-parameter tensors in named slots.
 *
 * <p>{@link #step()} prepares every parameter's update on the calling thread (slots, counters, the per-parameter
 * scalars), then runs all of them as <b>one parallel call</b> over the parameters' values laid end to end in fixed
 * chunks ({@link ParallelChunks#runOverParts}), not one call per parameter ({@link #fusedStep}): ResNet-50's update
 * was 42 hand-offs per step. The update is element-wise and every piece of a parameter starts at a multiple of
 * {@link #ALIGN} from the parameter's start, so the split never changes a bit.
 */
public abstract class AbstractOptimizer implements Optimizer {
    /** Counts are saved as two float32 values, hi·2^24 + lo, both exact: float32 alone is exact only to 2^24. */
    private static final long COUNT_BASE = 1L << 24;
    static final String STEP_KEY = "step";

    private final List<ParamGroup> groups;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private final Map<String, Map<String, Tensor>> slots = new LinkedHashMap<>();
    private double lr;
    private double weightDecay;
    private long steps;

    protected AbstractOptimizer(List<ParamGroup> groups, double lr) {
        this.groups = List.copyOf(groups);
        for (ParamGroup g : this.groups) {
            g.parameters().forEach((k, p) -> {
                if (byName.put(k, p) != null) {
                    throw new IllegalArgumentException(name() + ": parameter '" + k + "' is in more than one group");
                }
            });
        }
        setLearningRate(lr);
    }

    /** One group with every learnable parameter of the model (frozen ones are skipped at each step). */
    protected static List<ParamGroup> allOf(Model model) {
        return List.of(ParamGroup.of("all", model.learnableParameters()));
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code true} runs a step's updates of all parameters as one parallel call
     * over fixed chunks of their values laid end to end; {@code false} ({@code -Dconvnet4j.optim.fusedStep=false})
     * parameter by parameter, as before (SGD's large parameters each in a parallel call of their own, Adam's on the
     * calling thread). The same bits either way.
     */
    static volatile boolean fusedStep = "true".equals(System.getProperty("convnet4j.optim.fusedStep"));

    /**
     * Where a parameter's values start in the fused run, and where its pieces start: a multiple of every vector
     * length (16 floats for AVX-512), so each piece splits into vector loop and tail as one call over the whole
     * parameter does.
     */
    static final int ALIGN = 64;

    /** Kernels for tests that compare thread counts; null: {@link KernelProvider#get()}. */
    private Kernels kernels;

    /** One parameter's update over its values {@code [from, to)}, with this step's scalars fixed. */
    @FunctionalInterface
    protected interface Update {
        void run(int from, int to);
    }

    /**
     * Prepares one parameter's update of this step, on the calling thread, before any parameter's values change:
     * creates its slots on its first update, advances its own counters, fixes its scalars, and returns the
     * element-wise work, which may run in pieces on any thread. Called only for parameters that are not frozen.
     */
    protected abstract Update prepare(String name, Parameter p, double lr, double weightDecay, Kernels k);

    /**
     * Runs one parameter's whole update when {@link #fusedStep} is off: on the calling thread here; a subclass may
     * split it itself.
     */
    protected void updateAlone(Update update, int n, Kernels k) {
        update.run(0, n);
    }

    /** For tests: the kernels (and so the thread count) this optimiser's steps use. */
    final void useKernels(Kernels k) {
        this.kernels = k;
    }

    /** Slot names this optimiser keeps per parameter, and the shape of each for a parameter of shape {@code s}. */
    protected abstract Map<String, Shape> slotShapes(Shape s);

    @Override
    public final void step() {
        steps++;
        Kernels k = kernels != null ? kernels : KernelProvider.get();
        boolean fused = fusedStep;
        List<Parameter> stepped = new ArrayList<>();
        List<Update> updates = new ArrayList<>();
        for (ParamGroup g : groups) {
            if (g.isFrozen()) {
                continue;
            }
            double groupLr = lr * g.lrScale();
            double decay = g.weightDecayOr(weightDecay);
            for (Map.Entry<String, Parameter> e : g.parameters().entrySet()) {
                Parameter p = e.getValue();
                if (p.isFrozen()) {
                    continue;
                }
                Update u = prepare(e.getKey(), p, groupLr, decay, k);
                if (fused) {
                    stepped.add(p);
                    updates.add(u);
                } else {
                    updateAlone(u, p.value().size(), k);
                    p.changed(); // what inference derived from the old values (packed weights) is stale
                }
            }
        }
        if (fused && !updates.isEmpty()) {
            int[] lengths = new int[stepped.size()];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = stepped.get(i).value().size();
            }
            ParallelChunks.runOverParts(k, lengths, ALIGN, true, (i, from, to) -> updates.get(i).run(from, to));
            for (Parameter p : stepped) {
                p.changed();
            }
        }
    }

    /**
     * float32 values of state this optimiser will keep once every parameter it updates has been updated (its slots
     * for the unfrozen parameters of unfrozen groups): what a memory budget adds to weights and gradients.
     */
    public final long stateValues() {
        long n = 0;
        for (ParamGroup g : groups) {
            if (g.isFrozen()) {
                continue;
            }
            for (Parameter p : g.parameters().values()) {
                if (!p.isFrozen()) {
                    for (Shape s : slotShapes(p.shape()).values()) {
                        n += s.size();
                    }
                }
            }
        }
        return n;
    }

    /**
     * float32 values of {@link #stateValues} not held yet (slots the next steps will create; a run resumed from saved
     * state, or a second run with this optimiser, holds some or all of them already): what starting training adds.
     */
    public final long stateValuesToCome() {
        long n = 0;
        for (ParamGroup g : groups) {
            if (g.isFrozen()) {
                continue;
            }
            for (Map.Entry<String, Parameter> e : g.parameters().entrySet()) {
                if (e.getValue().isFrozen()) {
                    continue;
                }
                Map<String, Tensor> held = slots.get(e.getKey());
                for (Map.Entry<String, Shape> s : slotShapes(e.getValue().shape()).entrySet()) {
                    if (held == null || !held.containsKey(s.getKey())) {
                        n += s.getValue().size();
                    }
                }
            }
        }
        return n;
    }

    /** The slot tensor of a parameter, or null if it has not been created (parameter never updated). */
    protected final Tensor slot(String param, String slot) {
        Map<String, Tensor> m = slots.get(param);
        return m == null ? null : m.get(slot);
    }

    protected final void putSlot(String param, String slot, Tensor value) {
        slots.computeIfAbsent(param, k -> new LinkedHashMap<>()).put(slot, value);
    }

    @Override
    public List<ParamGroup> groups() {
        return groups;
    }

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double value) {
        if (!(value >= 0) || value > Float.MAX_VALUE) {
            // the update is computed in float: a rate beyond float's range is infinity there
            throw new IllegalArgumentException(name() + ": learning rate must be in [0, " + Float.MAX_VALUE + "], got " + value);
        }
        this.lr = value;
    }

    public double weightDecay() {
        return weightDecay;
    }

    protected final void setWeightDecay(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name() + ": weight decay must be >= 0, got " + value);
        }
        this.weightDecay = value;
    }

    @Override
    public long stepCount() {
        return steps;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name());
        c.put("lr", lr);
        c.put("weight_decay", weightDecay);
        return c;
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(STEP_KEY, encodeCount(steps));
        slots.forEach((param, m) -> m.forEach((slot, t) -> out.put(param + "." + slot, t.copy())));
        return out;
    }

    @Override
    public void loadState(Map<String, Tensor> state) {
        Tensor stepTensor = state.get(STEP_KEY);
        if (stepTensor == null) {
            throw new IllegalArgumentException(name() + ".loadState: no '" + STEP_KEY + "' entry");
        }
        long loadedSteps = decodeCount(name() + ".loadState '" + STEP_KEY + "'", stepTensor);
        Map<String, Map<String, Tensor>> loaded = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            if (key.equals(STEP_KEY)) {
                continue;
            }
            int dot = key.lastIndexOf('.');
            String param = dot < 0 ? key : key.substring(0, dot);
            String slot = dot < 0 ? "" : key.substring(dot + 1);
            Parameter p = byName.get(param);
            if (p == null) {
                problems.add("'" + key + "' names no parameter of this optimiser");
                continue;
            }
            Shape want = slotShapes(p.shape()).get(slot);
            if (want == null) {
                problems.add("'" + key + "': " + name() + " keeps no slot '" + slot + "' (it keeps "
                        + slotShapes(p.shape()).keySet() + ")");
            } else if (!want.equals(e.getValue().shape())) {
                problems.add("'" + key + "' is " + e.getValue().shape() + ", expected " + want);
            } else {
                loaded.computeIfAbsent(param, k -> new LinkedHashMap<>()).put(slot, e.getValue().copy());
            }
        }
        loaded.forEach((param, m) -> {
            Set<String> want = slotShapes(byName.get(param).shape()).keySet();
            if (!m.keySet().equals(want)) {
                problems.add("parameter '" + param + "' has slots " + m.keySet() + ", expected all of " + want);
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(name() + ".loadState: state does not fit: " + String.join("; ", problems));
        }
        slots.clear();
        slots.putAll(loaded);
        steps = loadedSteps;
    }

    /** A count as a [2] tensor (hi, lo) of exact float32 values. */
    public static Tensor encodeCount(long count) {
        if (count < 0 || count >= COUNT_BASE * COUNT_BASE) {
            throw new IllegalArgumentException("count " + count + " outside 0..2^48");
        }
        return Tensor.of(new float[] {count / COUNT_BASE, count % COUNT_BASE}, 2);
    }

    public static long decodeCount(String what, Tensor t) {
        if (t.size() != 2) {
            throw new IllegalArgumentException(what + ": expected a [2] count tensor, got " + t.shape());
        }
        float hi = t.data()[0];
        float lo = t.data()[1];
        if (hi < 0 || lo < 0 || lo >= COUNT_BASE || hi != Math.rint(hi) || lo != Math.rint(lo)) {
            throw new IllegalArgumentException(what + ": (" + hi + ", " + lo + ") is not a valid count");
        }
        return (long) hi * COUNT_BASE + (long) lo;
    }

    /** For subclasses: a map of slot name to shape. */
    protected static Map<String, Shape> shapes(Object... nameShape) {
        Map<String, Shape> m = new HashMap<>();
        for (int i = 0; i < nameShape.length; i += 2) {
            m.put((String) nameShape[i], (Shape) nameShape[i + 1]);
        }
        return m;
    }
}
