package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.convnet4j.nn.InPlace;
import org.convnet4j.nn.InferenceFusion;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.TrainingReluFusion;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/** Element-wise sum of two or more inputs of equal shape: the join of a residual connection. */
public final class Add extends Layer implements InferenceFusion, InPlace, TrainingReluFusion {
    private int arity;
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(1); // output

    @Override
    public int minInputs() {
        return 2;
    }

    @Override
    public int maxInputs() {
        return Integer.MAX_VALUE;
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
        requireInputs(inputShapes);
        Shape first = inputShapes.get(0);
        for (Shape s : inputShapes) {
            if (!s.equals(first)) {
                throw new IllegalArgumentException(describe() + ": inputs must have equal shapes, got " + inputShapes);
            }
        }
        return first;
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        return sum(inputs, false);
    }

    /**
     * The sum into this layer's output, then with {@code relu} max(0, .) on it, chunk by chunk on the kernels'
     * threads ({@link ElementRuns}): each value sees the same kernel calls in the same order on any thread count.
     */
    private Tensor sum(List<Tensor> inputs, boolean relu) {
        requireInputs(inputs);
        Tensor first = inputs.get(0);
        Tensor out = buffers.overwritten(0, first.shape());
        float[] o = out.data();
        for (int k = 1; k < inputs.size(); k++) {
            Tensor.requireSameShape(describe(), out, inputs.get(k));
        }
        Kernels kernels = KernelProvider.get();
        float[] a = first.data();
        ElementRuns.run(kernels, o.length, (from, to) -> {
            // the first sum straight into the output, without copying the first input there first: the same additions
            kernels.add(to - from, a, from, inputs.get(1).data(), from, o, from);
            for (int k = 2; k < inputs.size(); k++) {
                kernels.add(to - from, o, from, inputs.get(k).data(), from, o, from);
            }
            if (relu) {
                kernels.reluForward(to - from, o, from, o, from);
            }
        });
        arity = inputs.size();
        return out;
    }

    /** Backward passes the gradient on and reads nothing of the forward pass. */
    @Override
    public boolean backwardReadsOutput() {
        return false;
    }

    /** Any input of two (a + b and b + a are the same floats); only the first of three or more (the order counts). */
    @Override
    public boolean canOverwriteInput(int k, int arity) {
        return k == 0 || arity == 2;
    }

    /** The sum written over input {@code target}: the same additions in the same order as {@link #forward}. */
    @Override
    public Tensor forwardInPlace(List<Tensor> inputs, int target, boolean training) {
        return sumOver(inputs, target, false);
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} leaves the ReLU after a residual sum its own pass in training
     * ({@code -Dconvnet4j.add.trainingRelu=false}). On: max(0, .) over each chunk right after its sum, while it is in
     * cache ({@link TrainingReluFusion}; the kernels the ReLU itself runs: the same bits).
     */
    static volatile boolean trainingRelu = !"false".equals(System.getProperty("convnet4j.add.trainingRelu"));

    @Override
    public boolean absorbsRelu(Layer next) {
        return trainingRelu && next instanceof ReLU;
    }

    @Override
    public Tensor forwardWithRelu(List<Tensor> inputs, int target, boolean training, Layer relu) {
        Tensor y = target >= 0 ? sumOver(inputs, target, true) : sum(inputs, true);
        ((ReLU) relu).ranOver(y);
        return y;
    }

    /** The sum written over input {@code target}, then with {@code relu} max(0, .) on each chunk. */
    private Tensor sumOver(List<Tensor> inputs, int target, boolean relu) {
        requireInputs(inputs);
        Tensor out = inputs.get(target);
        for (Tensor t : inputs) {
            Tensor.requireSameShape(describe(), out, t);
        }
        float[] o = out.data();
        Kernels kernels = KernelProvider.get();
        ElementRuns.run(kernels, o.length, (from, to) -> {
            if (target == 0) {
                for (int k = 1; k < inputs.size(); k++) {
                    kernels.add(to - from, o, from, inputs.get(k).data(), from, o, from);
                }
            } else {
                // two inputs, the sum over the second: in0 + in1 as forward computes it (addition commutes exactly)
                kernels.add(to - from, inputs.get(0).data(), from, o, from, o, from);
            }
            if (relu) {
                kernels.reluForward(to - from, o, from, o, from);
            }
        });
        arity = inputs.size();
        return out;
    }

    @Override
    public List<Tensor> backwardInPlace(Tensor gradOutput) {
        return backwardAll(gradOutput);
    }

    /** A ReLU right after the sum (a residual block's end). */
    @Override
    public int absorbable(List<Layer> following) {
        return !following.isEmpty() && following.get(0) instanceof ReLU ? 1 : 0;
    }

    /**
     * The sum, then ReLU in place on it, chunk by chunk while the chunk is in cache: the kernels ReLU itself uses,
     * so the same bits.
     */
    @Override
    public Tensor forwardAbsorbing(List<Tensor> inputs, List<Layer> following, int count) {
        return sum(inputs, true);
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        List<Tensor> out = new ArrayList<>(arity);
        for (int k = 0; k < arity; k++) {
            out.add(gradOutput); // the graph never writes into a gradient it receives, so sharing is safe
        }
        return out;
    }
}
