package org.convnet4j.nn.layers;

import java.util.List;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.InPlace;
import org.convnet4j.nn.ReluMasked;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.ops.ConvEpilogue;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * max(0, x). The derivative at exactly 0 is taken as 0, as PyTorch does. Runs on the provider's vectorised
 * {@link Kernels#reluForward}, whose contract is {@code x > 0 ? x : 0}: a NaN input gives 0 (PyTorch keeps NaN).
 */
public final class ReLU extends UnaryLayer implements InPlace, FusableActivation, ReluMasked.Mask {
    private static final Kernels KERNELS = KernelProvider.get();
    private Tensor y;
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2); // output, input gradient

    @Override
    protected Shape outputShapeOf(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Tensor out = buffers.overwritten(0, x.shape());
        float[] xd = x.data();
        float[] od = out.data();
        ElementRuns.run(KERNELS, x.size(), (from, to) -> KERNELS.reluForward(to - from, xd, from, od, from));
        this.y = GradMode.keep(out);
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        return backwardInto(dy, buffers.gradientOverwritten(1, dy.shape()));
    }

    private Tensor backwardInto(Tensor dy, Tensor dx) {
        // The output is positive exactly where the input was, so it serves as the mask.
        float[] yd = fromForward(y).data();
        float[] g = dy.data();
        float[] d = dx.data();
        ElementRuns.run(KERNELS, dy.size(), (from, to) -> KERNELS.reluBackward(to - from, yd, from, g, from, d, from));
        return dx;
    }

    /** The output of the last forward pass, which backward masks with (positive exactly where the input was). */
    @Override
    public Tensor reluMask() {
        return fromForward(y);
    }

    /** {@link Kernels#reluForward}, which {@link #forward} runs. */
    @Override
    public ConvEpilogue.Activation epilogueActivation() {
        return ConvEpilogue.RELU;
    }

    /** max(0, x) written over x; the output kept for backward is then that tensor. */
    @Override
    public Tensor forwardInPlace(List<Tensor> inputs, int target, boolean training) {
        requireInputs(inputs);
        Tensor x = inputs.get(0);
        float[] xd = x.data();
        ElementRuns.run(KERNELS, x.size(), (from, to) -> KERNELS.reluForward(to - from, xd, from, xd, from));
        this.y = GradMode.keep(x);
        return x;
    }

    /**
     * The layer before ran this ReLU over its own output {@code out} ({@link org.convnet4j.nn.TrainingReluFusion}):
     * keep it as this pass's output, as {@link #forwardInPlace} over that tensor would have.
     */
    void ranOver(Tensor out) {
        this.y = GradMode.keep(out);
    }

    @Override
    public List<Tensor> backwardInPlace(Tensor gradOutput) {
        return one(backwardInto(gradOutput, gradOutput));
    }
}
