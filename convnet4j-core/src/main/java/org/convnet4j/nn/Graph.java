package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.ParallelChunks;

/**
 * A directed acyclic graph of named nodes: inputs, and layers fed by earlier nodes. Residual blocks
 * (a layer output added to a shortcut), inception modules (branches concatenated) and multi-input fusion
 * models are graphs. Nodes are added in an order where every input already exists, so that order is
 * a topological order and forward runs through it; backward runs through it in reverse, summing the
 * gradients of a node used by several consumers.
 *
 * <pre>{@code
 * Graph block = Graph.builder("block")
 *     .input("x", Shape.of(64, 56, 56))
 *     .add("conv1", new Conv2d(64, 3).padding(1), "x")
 *     .add("relu1", new ReLU(), "conv1")
 *     .add("sum", new Add(), "relu1", "x")
 *     .output("sum")
 *     .build();
 * }</pre>
 */
public final class Graph extends Model {
    /** A node: an input (layer == null) or a layer applied to earlier nodes. */
    public record Node(String name, Layer layer, List<String> inputs, Shape shape) {
        public boolean isInput() {
            return layer == null;
        }
    }

    private final List<Node> nodes;                 // topological order
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final List<String> inputNames;
    private final List<String> outputNames;
    private Tensor[] activations;                   // of the last forward pass, by node index
    private final int[] lastUse;                    // per node: index of the last node reading it (-1: an output)
    private final int[] readers;                    // per node: how many node inputs name it
    private final StepBuffers.Slots joins;          // per node: its summed gradient where paths join
    private final List<List<Layer>> chains;          // per node: the chain after it that fusion may absorb
    private final int[] residualSkip;               // per node: the skip of a sum after its chain (-1: none)
    private final int[] residualSumAt;              // per node: where that sum is in its residual chain
    private final List<List<Layer>> residualChains;  // per node: unary chain, the sum, the sum's chain

    private Graph(String name, List<Node> nodes, List<String> inputs, List<String> outputs) {
        if (name != null) {
            named(name);
        }
        this.nodes = List.copyOf(nodes);
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).name(), i);
        }
        this.inputNames = List.copyOf(inputs);
        this.outputNames = List.copyOf(outputs);
        this.lastUse = new int[nodes.size()];
        this.readers = new int[nodes.size()];
        this.joins = new StepBuffers.Slots(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            for (String src : nodes.get(i).inputs()) {
                lastUse[index.get(src)] = i;
                readers[index.get(src)]++;
            }
        }
        for (String o : outputs) {
            lastUse[index.get(o)] = -1;
        }
        List<List<Layer>> after = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            after.add(chainAfter(i, readers));
        }
        this.chains = List.copyOf(after);
        this.residualSkip = new int[nodes.size()];
        this.residualSumAt = new int[nodes.size()];
        List<List<Layer>> residual = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            int m = chainLengthBeforeSum(i);
            residualSumAt[i] = m;
            residualSkip[i] = m < 0 ? -1 : skipOfSum(i, m);
            List<Layer> chain = new ArrayList<>();
            if (residualSkip[i] >= 0) {
                chain.addAll(chains.get(i).subList(0, m));
                chain.add(nodes.get(i + m + 1).layer());
                chain.addAll(chains.get(i + m + 1));
            }
            residual.add(List.copyOf(chain));
        }
        this.residualChains = List.copyOf(residual);
    }

    /**
     * How many nodes of node i's chain come before a two-input node right after them that reads the last of them
     * (the chain's end, read by that node alone, or node i itself); -1 when there is no such node.
     */
    private int chainLengthBeforeSum(int i) {
        if (nodes.get(i).isInput()) {
            return -1;
        }
        for (int m = 0; m <= chains.get(i).size() && i + m + 1 < nodes.size(); m++) {
            Node end = nodes.get(i + m);
            Node sum = nodes.get(i + m + 1);
            if (!sum.isInput() && sum.inputs().size() == 2 && readers[i + m] == 1 && lastUse[i + m] == i + m + 1
                    && sum.inputs().get(0).equals(end.name()) != sum.inputs().get(1).equals(end.name())) {
                return m;
            }
        }
        return -1;
    }

    /** The sum's other input when it was computed before node i and has the chain end's shape; else -1. */
    private int skipOfSum(int i, int m) {
        Node end = nodes.get(i + m);
        Node sum = nodes.get(i + m + 1);
        String other = sum.inputs().get(0).equals(end.name()) ? sum.inputs().get(1) : sum.inputs().get(0);
        int s = index.get(other);
        return s < i && nodes.get(s).shape().equals(end.shape()) ? s : -1;
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} runs residual sums as layers of their own in inference
     * instead of inside the layer before them ({@link ResidualFusion}; same bits);
     * {@code -Dconvnet4j.inference.fuseResidual=false}.
     */
    static volatile boolean fuseResidual = !"false".equals(System.getProperty("convnet4j.inference.fuseResidual"));

    /** How many of node i's residual chain its layer runs with the skip added (0: none), with the switches now. */
    private int residualAbsorbable(int i) {
        Node n = nodes.get(i);
        if (!fuseResidual || residualSkip[i] < 0 || !(n.layer() instanceof ResidualFusion rf)) {
            return 0;
        }
        int count = rf.absorbableWithResidual(residualChains.get(i), residualSumAt[i]);
        return count > residualSumAt[i] ? count : 0;
    }

    /** How many residual sums an inference pass runs inside the layer before them ({@link ResidualFusion}). */
    public int fusedResidualSums() {
        int count = 0;
        for (int i = 0; i < nodes.size(); i++) {
            count += residualAbsorbable(i) > 0 ? 1 : 0;
        }
        return count;
    }

    public static Builder builder() {
        return new Builder(null);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    @Override
    public String defaultName() {
        return "graph";
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Node node(String nodeName) {
        Integer i = index.get(nodeName);
        if (i == null) {
            throw new IllegalArgumentException("graph '" + name() + "' has no node '" + nodeName + "'; nodes: "
                    + index.keySet());
        }
        return nodes.get(i);
    }

    public List<String> inputNames() {
        return inputNames;
    }

    public List<String> outputNames() {
        return outputNames;
    }

    @Override
    public List<Shape> inputShapes() {
        return inputNames.stream().map(n -> node(n).shape()).toList();
    }

    @Override
    public Shape outputShape() {
        return node(outputNames.get(0)).shape();
    }

    @Override
    public int minInputs() {
        return inputNames.size();
    }

    @Override
    public int maxInputs() {
        return inputNames.size();
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
        requireInputs(inputShapes);
        List<Shape> own = inputShapes();
        for (int i = 0; i < own.size(); i++) {
            if (!own.get(i).equals(inputShapes.get(i))) {
                throw new IllegalArgumentException(describe() + ": input '" + inputNames.get(i) + "' was built for "
                        + own.get(i) + ", given " + inputShapes.get(i));
            }
        }
        return outputShape();
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        return forwardMulti(inputs, training).get(0);
    }

    /** Forward pass returning every output node's value, in {@link #outputNames()} order. */
    public List<Tensor> forwardMulti(List<Tensor> inputs, boolean training) {
        requireInputs(inputs);
        Tensor[] acts = new Tensor[nodes.size()];
        boolean tracking = GradMode.isEnabled();
        boolean fuse = InferenceFusion.active(training);
        boolean plan = StepBuffers.plan() != null;
        InferenceBuffers reuse = InferenceBuffers.active();
        for (int i = 0; i < inputNames.size(); i++) {
            Node in = node(inputNames.get(i));
            Tensor x = inputs.get(i);
            if (x.rank() != in.shape().rank() + 1 || !x.shape().dropFirst().equals(in.shape())) {
                throw new IllegalArgumentException("graph '" + name() + "': input '" + in.name() + "' expects [N, "
                        + in.shape().toString().substring(1) + ", got " + x.shape());
            }
            acts[index.get(in.name())] = x;
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.isInput()) {
                continue;
            }
            List<Tensor> args = new ArrayList<>(n.inputs().size());
            for (String src : n.inputs()) {
                args.add(acts[index.get(src)]);
            }
            int withSkip = fuse ? residualAbsorbable(i) : 0;
            int absorbed = withSkip > 0 ? withSkip
                    : fuse && n.layer() instanceof InferenceFusion f ? f.absorbable(chains.get(i)) : 0;
            int target = plan && n.layer() instanceof InPlace ip ? overwritable(i, ip) : -1;
            if (absorbed == 0 && plan && reluRunsInside(i)) {
                // the ReLU after node i would run in place over its output: node i's layer runs it (same bits)
                acts[i] = ((TrainingReluFusion) n.layer()).forwardWithRelu(args, target, training,
                        nodes.get(i + 1).layer());
                acts[i + 1] = acts[i];
                i++;
                continue;
            }
            if (withSkip > 0) {
                // node i's layer runs its chain, the sum after it (adding the skip as it writes) and the sum's chain
                acts[i + absorbed] = ((ResidualFusion) n.layer()).forwardAbsorbingResidual(args,
                        residualChains.get(i), absorbed, acts[residualSkip[i]]);
            } else if (absorbed > 0) {
                // node i's layer also runs the next nodes of its chain, which nobody else reads
                acts[i + absorbed] = ((InferenceFusion) n.layer()).forwardAbsorbing(args, chains.get(i), absorbed);
            } else if (target >= 0) {
                acts[i] = ((InPlace) n.layer()).forwardInPlace(args, target, training);
            } else {
                acts[i] = n.layer().forward(args, training);
            }
            if (!tracking) {
                // Nothing will go backward: an activation can go as soon as its last reader has run (node i or a node
                // it absorbed: a fused sum's skip).
                for (int q = i; q <= i + absorbed; q++) {
                    for (String src : nodes.get(q).inputs()) {
                        int j = index.get(src);
                        if (lastUse[j] == q && acts[j] != null) {
                            Tensor dead = acts[j];
                            acts[j] = null;
                            if (reuse != null && !nodes.get(j).isInput() && !shared(acts, dead.data())) {
                                reuse.giveBack(dead.data()); // Model.predict's buffers: the next layer may write it
                            }
                        }
                    }
                }
            }
            i += absorbed;
        }
        this.activations = tracking ? acts : null;
        List<Tensor> out = new ArrayList<>();
        for (String o : outputNames) {
            out.add(acts[index.get(o)]);
        }
        return out;
    }

    /**
     * Under the memory plan: whether node i's layer runs the ReLU of node i + 1 ({@link TrainingReluFusion}), which
     * reads node i alone and would run in place over it.
     */
    private boolean reluRunsInside(int i) {
        Node n = nodes.get(i);
        if (n.isInput() || !(n.layer() instanceof TrainingReluFusion f) || chains.get(i).isEmpty()) {
            return false;
        }
        Layer next = chains.get(i).get(0); // node i + 1's layer, reading node i alone
        return f.absorbsRelu(next) && next instanceof InPlace ip && overwritable(i + 1, ip) == 0;
    }

    /** Whether a live activation (a view, or a layer that returned its input) still holds array {@code a}. */
    private static boolean shared(Tensor[] acts, float[] a) {
        for (Tensor t : acts) {
            if (t != null && t.data() == a) {
                return true;
            }
        }
        return false;
    }

    /**
     * Under the memory plan: the input of node i its layer may write over — one read by node i alone (not an
     * output, not a graph input) whose producer's backward does not read it; -1 when there is none.
     */
    private int overwritable(int i, InPlace layer) {
        List<String> in = nodes.get(i).inputs();
        for (int k = 0; k < in.size(); k++) {
            int j = index.get(in.get(k));
            Node src = nodes.get(j);
            if (!src.isInput() && readers[j] == 1 && lastUse[j] == i && layer.canOverwriteInput(k, in.size())
                    && !src.layer().backwardReadsOutput()) {
                return k;
            }
        }
        return -1;
    }

    /**
     * The layers of up to two nodes after node i that form a chain from it: each reads only the node before,
     * which nobody else reads and which is not an output. Fixed by the graph's structure, so built once.
     */
    private List<Layer> chainAfter(int i, int[] readers) {
        List<Layer> chain = new ArrayList<>(2);
        for (int j = i; chain.size() < 2 && j + 1 < nodes.size(); j++) {
            Node next = nodes.get(j + 1);
            if (next.isInput() || readers[j] != 1 || lastUse[j] != j + 1 || next.inputs().size() != 1
                    || !next.inputs().get(0).equals(nodes.get(j).name())) {
                break;
            }
            chain.add(next.layer());
        }
        return chain;
    }

    /** The value a node had in the last forward pass (feature maps, bottleneck features). */
    public Tensor activation(String nodeName) {
        if (activations == null) {
            throw new IllegalStateException("graph '" + name() + "': no forward pass has kept its activations yet "
                    + "(predict() and other passes without gradients keep none)");
        }
        return activations[index.get(node(nodeName).name())];
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        List<Tensor> grads = new ArrayList<>();
        grads.add(gradOutput);
        for (int i = 1; i < outputNames.size(); i++) {
            grads.add(null);
        }
        return backwardMulti(grads);
    }

    /**
     * Backward pass from gradients of the outputs ({@code null} for an output that does not reach the
     * loss); returns the gradients of the inputs in {@link #inputNames()} order.
     */
    public List<Tensor> backwardMulti(List<Tensor> outputGrads) {
        if (activations == null) {
            throw new IllegalStateException("graph '" + name() + "': backward before forward");
        }
        Tensor[] grads = new Tensor[nodes.size()];
        GradientPool pool = StepBuffers.plan();
        // The caller's gradients: never written over, never given back (the memory plan works on our own only).
        List<float[]> fromCaller = new ArrayList<>();
        for (Tensor g : outputGrads) {
            if (g != null) {
                fromCaller.add(g.data());
            }
        }
        for (int i = 0; i < outputNames.size(); i++) {
            Tensor g = outputGrads.get(i);
            if (g != null) {
                accumulate(grads, index.get(outputNames.get(i)), g, pool, fromCaller);
            }
        }
        List<float[]> released = new ArrayList<>(4);
        Tensor[] masks = null; // per node: the mask of the ReLU after it, whose backward it runs (ReluMasked)
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (n.isInput() || grads[i] == null) {
                continue; // a node that does not reach the loss has no gradient to pass on
            }
            Tensor gi = grads[i];
            grads[i] = null;
            boolean own = pool != null && mayWrite(gi.data(), grads, pool, fromCaller);
            int before = maskTaker(i);
            List<Tensor> inGrads;
            if (before >= 0) {
                // a ReLU whose input only it reads, made by a layer that applies the mask itself: the gradient goes
                // on unmasked, the mask with it
                masks = masks == null ? new Tensor[nodes.size()] : masks;
                masks[before] = ((ReluMasked.Mask) n.layer()).reluMask();
                inGrads = List.of(gi);
            } else if (masks != null && masks[i] != null) {
                inGrads = List.of(((ReluMasked) n.layer()).backwardMasked(gi, masks[i], own));
                masks[i] = null;
            } else {
                inGrads = own && n.layer() instanceof InPlace ip ? ip.backwardInPlace(gi) : n.layer().backwardAll(gi);
            }
            released.clear();
            if (pool != null) {
                released.add(gi.data());
            }
            for (int j = 0; j < n.inputs().size(); j++) {
                // neither operand may take the sum while a later input of this node still needs its array
                List<float[]> later = new ArrayList<>(inGrads.size() - j);
                later.add(gi.data());
                for (int k = j + 1; k < inGrads.size(); k++) {
                    later.add(inGrads.get(k).data());
                }
                accumulate(grads, index.get(n.inputs().get(j)), inGrads.get(j), pool, fromCaller, released, later);
            }
            // Memory plan: what nothing holds any more goes back (layers keep no gradient after their backward).
            for (float[] a : released) {
                if (mayWrite(a, grads, pool, fromCaller)) {
                    pool.giveBack(a);
                }
            }
        }
        List<Tensor> out = new ArrayList<>();
        for (String in : inputNames) {
            int k = index.get(in);
            out.add(grads[k] != null ? grads[k] : Tensor.zeros(activations[k].shape()));
        }
        return out;
    }

    /**
     * For a ReLU node i: the node before it when that node's layer takes the ReLU's mask in its own backward
     * ({@link ReluMasked}) and nothing else reads its output; else -1.
     */
    private int maskTaker(int i) {
        Node n = nodes.get(i);
        if (!(n.layer() instanceof ReluMasked.Mask) || n.inputs().size() != 1) {
            return -1;
        }
        int j = index.get(n.inputs().get(0));
        Node before = nodes.get(j);
        return !before.isInput() && readers[j] == 1 && lastUse[j] == i && before.inputs().size() == 1
                && ReluMasked.fusable(before.layer(), n.layer()) ? j : -1;
    }

    /**
     * Adds a gradient arriving at node i. Received tensors are never written to (layers may hand back their
     * input gradient itself, as Add does for each of its inputs, or a view of it), so the first gradient is kept
     * as it is and a second one makes a new tensor holding the sum: no copy per node, one new tensor per join.
     */
    private void accumulate(Tensor[] grads, int i, Tensor g, GradientPool pool, List<float[]> fromCaller) {
        accumulate(grads, i, g, pool, fromCaller, new ArrayList<>(), fromCaller);
    }

    /**
     * As above; under the memory plan the sum goes over the earlier gradient (or else the arriving one) when this
     * graph holds it alone — the same additions in the same order, {@code grads[i] + g} — and both operands are
     * noted in {@code released} for the caller to give back once nothing holds them.
     */
    private void accumulate(Tensor[] grads, int i, Tensor g, GradientPool pool, List<float[]> fromCaller,
                            List<float[]> released, List<float[]> stillNeeded) {
        if (grads[i] == null) {
            grads[i] = g;
            return;
        }
        Tensor sum;
        if (pool == null) {
            sum = joins.overwritten(i, grads[i].shape());
        } else {
            Tensor e = grads[i];
            float[] earlier = e.data();
            grads[i] = null; // while deciding: does anything else hold the earlier gradient?
            boolean earlierFree = earlier != g.data() && mayWrite(earlier, grads, pool, fromCaller)
                    && !stillNeeded.contains(earlier);
            grads[i] = e;
            if (earlierFree) {
                sum = e;
            } else if (!stillNeeded.contains(g.data()) && mayWrite(g.data(), grads, pool, fromCaller)) {
                sum = g;
            } else {
                sum = pool.overwritten(g.shape());
            }
            released.add(earlier);
            released.add(g.data());
        }
        addJoin(sum.size(), grads[i].data(), g.data(), sum.data());
        grads[i] = sum;
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} adds the gradients where paths join on the calling thread
     * alone ({@code -Dconvnet4j.graph.parallelJoin=false}). In a ResNet-50 training step at batch 8 the 16 joins add
     * about 44 M values (0.5 GB of memory traffic) while the second thread waited.
     */
    static volatile boolean parallelJoin = !"false".equals(System.getProperty("convnet4j.graph.parallelJoin"));

    /**
     * out = a + b over the first n values, chunk by chunk on the kernels' threads when long ({@link ParallelChunks}; a
     * shorter sum stays on the calling thread): each value is one addition by the same kernel whichever chunk holds it,
     * so the same bits on any thread count. {@code out} may be {@code a} or {@code b}.
     */
    static void addJoin(int n, float[] a, float[] b, float[] out) {
        org.convnet4j.tensor.kernels.Kernels k = KernelProvider.get();
        ParallelChunks.run(k, n, parallelJoin, (from, to) -> k.add((int) (to - from), a, (int) from, b, (int) from, out,
                (int) from));
    }

    /** Whether the pool handed out {@code a} in this step and neither the caller nor a pending node holds it. */
    private static boolean mayWrite(float[] a, Tensor[] grads, GradientPool pool, List<float[]> fromCaller) {
        if (!pool.holds(a)) {
            return false;
        }
        for (float[] c : fromCaller) {
            if (c == a) {
                return false;
            }
        }
        for (Tensor t : grads) {
            if (t != null && t.data() == a) {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<Layer> children() {
        List<Layer> out = new ArrayList<>();
        for (Node n : nodes) {
            if (!n.isInput()) {
                out.add(n.layer());
            }
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public long macs(List<Shape> inputShapes) {
        long total = 0;
        for (Node n : nodes) {
            if (!n.isInput()) {
                total += n.layer().macs(n.inputs().stream().map(s -> node(s).shape()).toList());
            }
        }
        return total;
    }

    @Override
    public List<SummaryRow> summaryRows() {
        List<SummaryRow> rows = new ArrayList<>();
        for (Node n : nodes) {
            if (n.isInput()) {
                rows.add(new SummaryRow(n.name(), "Input", n.shape(), 0, 0, 0, List.of()));
            } else {
                long[] c = counts(n.layer());
                long m = n.layer().macs(n.inputs().stream().map(s -> node(s).shape()).toList());
                rows.add(new SummaryRow(n.name(), n.layer().type(), n.shape(), c[0], c[1], m, n.inputs()));
            }
        }
        return rows;
    }

    /** Builds a graph node by node, checking shapes as it goes. */
    public static final class Builder {
        private final String name;
        private final List<Node> nodes = new ArrayList<>();
        private final Map<String, Node> byName = new LinkedHashMap<>();
        private final List<String> inputs = new ArrayList<>();
        private final List<String> outputs = new ArrayList<>();
        private final Set<String> taken = new HashSet<>();
        private final Graph namer = new Graph(null, List.of(), List.of(), List.of()); // holds name counters

        private Builder(String name) {
            this.name = name;
        }

        public Builder input(String inputName, Shape shape) {
            checkNew(inputName);
            Node n = new Node(inputName, null, List.of(), shape);
            nodes.add(n);
            byName.put(inputName, n);
            taken.add(inputName);
            inputs.add(inputName);
            return this;
        }

        /** Adds a layer under its own name (or a default one) fed by the named nodes. */
        public Builder add(Layer layer, String... from) {
            namer.assignName(layer, taken);
            return add(layer.name(), layer, from);
        }

        /** Adds a layer under {@code nodeName} (which becomes the layer's name) fed by the named nodes. */
        public Builder add(String nodeName, Layer layer, String... from) {
            if (layer.name() == null || !layer.name().equals(nodeName)) {
                layer.named(nodeName);
            }
            checkNew(nodeName);
            if (from.length == 0) {
                throw new IllegalArgumentException("graph node '" + nodeName + "': no inputs given");
            }
            List<Shape> inShapes = new ArrayList<>();
            for (String src : from) {
                Node s = byName.get(src);
                if (s == null) {
                    throw new IllegalArgumentException("graph node '" + nodeName + "': input '" + src
                            + "' is not defined before it; defined: " + byName.keySet());
                }
                inShapes.add(s.shape());
            }
            Shape out;
            try {
                out = layer.outputShape(inShapes);
            } catch (org.convnet4j.util.MemoryBudget.ModelTooLargeException e) {
                throw e.in("graph node '" + nodeName + "'"); // too large, not inputs that do not fit
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("graph node '" + nodeName + "' (" + layer.type() + ") does not fit its inputs "
                        + List.of(from) + " with shapes " + inShapes + ": " + e.getMessage(), e);
            }
            Node n = new Node(nodeName, layer, List.of(from), out);
            nodes.add(n);
            byName.put(nodeName, n);
            taken.add(nodeName);
            return this;
        }

        /** Shape of a node added so far (useful while building). */
        public Shape shapeOf(String nodeName) {
            Node n = byName.get(nodeName);
            if (n == null) {
                throw new IllegalArgumentException("graph: no node '" + nodeName + "' yet");
            }
            return n.shape();
        }

        /** Name of the most recently added node. */
        public String last() {
            return nodes.get(nodes.size() - 1).name();
        }

        public Builder output(String... outputNames) {
            for (String o : outputNames) {
                if (!byName.containsKey(o)) {
                    throw new IllegalArgumentException("graph output '" + o + "' is not a node; nodes: " + byName.keySet());
                }
                outputs.add(o);
            }
            return this;
        }

        public Graph build() {
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException("graph '" + name + "' has no inputs");
            }
            if (outputs.isEmpty()) {
                outputs.add(nodes.get(nodes.size() - 1).name());
            }
            return new Graph(name, nodes, inputs, outputs);
        }

        private void checkNew(String nodeName) {
            if (nodeName == null || nodeName.isEmpty() || nodeName.contains(".") || nodeName.contains("/")) {
                throw new IllegalArgumentException("graph node name '" + nodeName + "' must be non-empty without '.' or '/'");
            }
            if (byName.containsKey(nodeName)) {
                throw new IllegalArgumentException("graph '" + name + "': node '" + nodeName + "' is defined twice");
            }
        }
    }
}
