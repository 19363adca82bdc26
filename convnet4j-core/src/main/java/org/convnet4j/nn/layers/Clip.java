package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.ops.ConvEpilogue;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * {@code min(max(x, lo), hi)} element-wise (ReLU6 is Clip(0, 6)). The gradient passes where
 * {@code lo <= x <= hi} and is zero where the value was clipped.
 */
public final class Clip extends UnaryLayer implements FusableActivation {
    private final float lo;
    private final float hi;
    private Tensor x;
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2); // output, input gradient

    public Clip(double lo, double hi) {
        if (Double.isNaN(lo) || Double.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("Clip: need min <= max, got min=" + lo + ", max=" + hi);
        }
        this.lo = (float) lo;
        this.hi = (float) hi;
    }

    public float min() {
        return lo;
    }

    public float max() {
        return hi;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        return input;
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): false runs the old path (new tensors, scalar loops on the calling thread;
     * the same bits).
     */
    static volatile boolean fast = true;

    /** Values per parallel task: large activations use the kernels' threads, small ones stay on this thread. */
    private static final int CHUNK = 1 << 15;

    @Override
    public Tensor forward(Tensor input, boolean training) {
        x = GradMode.keep(input);
        Tensor y = buffers.overwritten(0, input.shape());
        float[] xd = input.data();
        float[] yd = y.data();
        Kernels k = KernelProvider.get();
        if (!fast) { // the old path, for A/B runs: a new tensor, scalar loop on this thread
            Tensor fresh = Tensor.zeros(input.shape());
            KernelProvider.scalar().clip(xd.length, xd, 0, lo, hi, fresh.data(), 0);
            return fresh;
        }
        inChunks(k, xd.length, (from, to) -> k.clip(to - from, xd, from, lo, hi, yd, from));
        return y;
    }

    /** The clip {@link #forward} runs ({@link Kernels#clip}), in place. */
    @Override
    public ConvEpilogue.Activation epilogueActivation() {
        return (k, y, off, len) -> k.clip(len, y, off, lo, hi, y, off);
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor in = fromForward(x);
        Tensor dx = fast ? buffers.gradientOverwritten(1, in.shape()) : Tensor.zeros(in.shape());
        float[] xd = in.data();
        float[] g = dy.data();
        float[] d = dx.data();
        Kernels k = KernelProvider.get();
        if (!fast) {
            KernelProvider.scalar().clipBackward(xd.length, xd, 0, lo, hi, g, 0, d, 0);
            return dx;
        }
        inChunks(k, xd.length, (from, to) -> k.clipBackward(to - from, xd, from, lo, hi, g, from, d, from));
        return dx;
    }

    private interface Run {
        void range(int from, int to);
    }

    private static void inChunks(Kernels k, int n, Run run) {
        int tasks = (n + CHUNK - 1) / CHUNK;
        if (tasks > 1) {
            k.parallelFor(tasks, t -> run.range(t * CHUNK, Math.min(n, (t + 1) * CHUNK)));
        } else {
            run.range(0, n);
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("min", (double) lo);
        c.put("max", (double) hi);
        return c;
    }
}
