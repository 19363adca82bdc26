package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.ops.PoolType;
import org.convnet4j.ops.Pooling;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Common part of the windowed pooling layers ({@link MaxPool2d}, {@link AvgPool2d}, {@link LpPool2d}):
 * [C, H, W] to [C, OH, OW] with a {@code KH x KW} window. The stride defaults to the window size (PyTorch
 * and Keras). Padding is "valid", "same" or explicit, at most half the window on each side; how padded
 * cells count depends on the type (never win a max, zeros for Lp, see {@link Pooling}).
 * Pooling has no parameters and reports 0 MACs (it adds or compares, it does not multiply by weights).
 */
public abstract class Pool2d extends UnaryLayer {
    private final int kh;
    private final int kw;
    private int strideH;
    private int strideW;
    private PaddingSpec padding = PaddingSpec.valid();
    private Shape built;
    private PoolParams params;
    private Tensor x;
    private Tensor y;
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2); // output, input gradient
    private int[] argMax;

    protected Pool2d(int kh, int kw) {
        if (kh < 1 || kw < 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": pool size must be >= 1, got "
                    + kh + "x" + kw);
        }
        this.kh = kh;
        this.kw = kw;
        this.strideH = kh;
        this.strideW = kw;
    }

    /** The operator parameters for a given (resolved) padding. */
    protected abstract PoolParams poolParams(int kh, int kw, int sh, int sw, Padding padding);

    protected final void setStride(int sh, int sw) {
        requireUnbuilt("stride");
        if (sh < 1 || sw < 1) {
            throw new IllegalArgumentException(describe() + ": stride must be >= 1, got " + sh + "x" + sw);
        }
        strideH = sh;
        strideW = sw;
    }

    protected final void setPadding(PaddingSpec spec) {
        requireUnbuilt("padding");
        if (spec == null) {
            throw new IllegalArgumentException(describe() + ": padding must not be null");
        }
        padding = spec;
    }

    @Override
    protected boolean isBuilt() {
        return built != null;
    }

    public PoolParams poolParams() {
        return params;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(describe() + ": expects an image input [C, H, W], got " + input);
        }
        if (built != null && !built.equals(input)) {
            throw new IllegalArgumentException(describe() + ": built for input " + built + ", given " + input);
        }
        if (built == null) {
            Padding pad = padding.resolve(input.dim(1), input.dim(2), kh, kw, strideH, strideW, 1, 1);
            PoolParams p;
            try {
                p = poolParams(kh, kw, strideH, strideW, pad);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(describe() + ": " + e.getMessage(), e);
            }
            Shape out = Pooling.outputShape(input.prepend(1), p).dropFirst();
            params = p;
            built = input;
            return out;
        }
        return Pooling.outputShape(input.prepend(1), params).dropFirst();
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        if (built == null) {
            outputShapeOf(input.shape().dropFirst());
        }
        requireSample(input, built);
        Tensor out;
        if (params.type() == PoolType.MAX && GradMode.isEnabled()) {
            // The arg-max of every window, kept for backward (reused while the batch shape repeats).
            int outSize = Pooling.outputShape(input.shape(), params).size();
            if (argMax == null || argMax.length != outSize) {
                argMax = new int[outSize];
            }
            out = Pooling.forward(input, params, argMax,
                    buffers.overwritten(0, Pooling.outputShape(input.shape(), params)));
        } else if (!GradMode.isEnabled() && params.type() != PoolType.LP) {
            // every output written (a window's first value, then the others): a reused buffer needs no clearing
            out = Pooling.forward(input, params, null,
                    buffers.overwritten(0, Pooling.outputShape(input.shape(), params)));
        } else {
            out = Pooling.forward(input, params);
        }
        x = GradMode.keep(input);
        y = GradMode.keep(out);
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        fromForward(x);
        if (params.type() == PoolType.MAX) {
            if (!dy.shape().equals(y.shape())) {
                throw new IllegalArgumentException(describe() + ": gradient " + dy.shape()
                        + " does not match the output " + y.shape() + " of the last forward pass");
            }
            return Pooling.backwardMax(argMax, dy, x.shape(), buffers.gradientZeros(1, x.shape()));
        }
        return Pooling.backward(x, y, dy, params);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("pool_size", List.of(kh, kw));
        c.put("strides", List.of(strideH, strideW));
        c.put("padding", padding.toString());
        return c;
    }

    static PoolParams params(PoolType type, int kh, int kw, int sh, int sw, Padding pad, double p, boolean includePad) {
        return new PoolParams(type, kh, kw, sh, sw, pad, p, includePad);
    }
}
