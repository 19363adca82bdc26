package org.convnet4j.nn.layers;

import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * max(0, x). The derivative at exactly 0 is taken as 0, as PyTorch does. Runs on the provider's vectorised
 * {@link Kernels#reluForward}, whose contract is {@code x > 0 ? x : 0}: a NaN input gives 0 (PyTorch keeps NaN).
 */
public final class ReLU extends UnaryLayer {
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
        KERNELS.reluForward(x.size(), x.data(), 0, out.data(), 0);
        this.y = GradMode.keep(out);
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = buffers.overwritten(1, dy.shape());
        // The output is positive exactly where the input was, so it serves as the mask.
        KERNELS.reluBackward(dy.size(), fromForward(y).data(), 0, dy.data(), 0, dx.data(), 0);
        return dx;
    }
}
