package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.InferenceFusion;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.ops.ConvEpilogue;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.PreparedMatrix;

/**
 * Fully connected layer: y = x W^T + b, with x [N, in] and y [N, units].
 * The kernel is stored [units, in] (PyTorch/ONNX order); importers of Keras' [in, units] transpose.
 * The input size is taken from the shape the layer is built with.
 *
 * <p>In inference without gradients ({@link InferenceFusion}) the layer absorbs what follows it row by row: a
 * {@link ConstantArithmetic} whose constant is one output row (the bias Add of a Linear layer PyTorch exports as
 * MatMul + Add), then an element-wise activation (ConvNeXt's GELU, ReLU, ...). The product is computed in blocks of
 * at most 192 rows with the kept packed weights, and each block gets the absorbed layers' own
 * arithmetic while it is in cache: the bits of running the layers one by one.
 */
public final class Dense extends UnaryLayer implements InferenceFusion {
    private final int units;
    private final boolean useBias;
    private Initializer kernelInit = Initializer.GLOROT_UNIFORM;
    private int in = -1;
    private Parameter kernel;
    private Parameter bias;
    private boolean lastAxis;
    private Tensor x; // cached input
    private boolean inference; // this forward call: not training and no gradients (InferenceFusion.active)
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2); // output, input gradient

    public Dense(int units) {
        this(units, true);
    }

    /** A dense layer with a kernel only ({@code y = W x}), as in front of a batch norm or in imported graphs. */
    public static Dense withoutBias(int units) {
        return new Dense(units, false);
    }

    /**
     * @deprecated {@code new Dense(units, false)} does not say what {@code false} is: use {@link #withoutBias(int)}
     *             or {@link #Dense(int)}
     */
    @Deprecated
    public Dense(int units, boolean useBias) {
        if (units < 1) {
            throw new IllegalArgumentException("Dense: units must be >= 1, got " + units);
        }
        this.units = units;
        this.useBias = useBias;
    }

    /** Sets the kernel initializer (before the layer is built). */
    public Dense init(Initializer init) {
        this.kernelInit = init;
        return this;
    }

    /** What a dense layer multiplies by its kernel. */
    public enum Over {
        /** The whole sample, flattened into one vector (the default). */
        WHOLE_SAMPLE,
        /**
         * The last axis of inputs of any rank, every other axis acting as more rows (ONNX MatMul of a [N, H, W, C]
         * tensor by a constant [C, M], as ConvNeXt's channels-last MLP does).
         */
        LAST_AXIS
    }

    /** Sets what the layer multiplies (before it is built); {@link Over#WHOLE_SAMPLE} by default. */
    public Dense over(Over over) {
        requireUnbuilt("over_last_axis");
        this.lastAxis = java.util.Objects.requireNonNull(over, "over") == Over.LAST_AXIS;
        return this;
    }

    /**
     * @deprecated {@code overLastAxis(true)} does not say what the alternative is: use {@link #over(Over)}
     */
    @Deprecated
    public Dense overLastAxis(boolean value) {
        return over(value ? Over.LAST_AXIS : Over.WHOLE_SAMPLE);
    }

    public boolean isOverLastAxis() {
        return lastAxis;
    }

    public int units() {
        return units;
    }

    public Parameter kernel() {
        return kernel;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (lastAxis) {
            return input.withDim(input.rank() - 1, build(input.dim(input.rank() - 1)).dim(0));
        }
        if (input.rank() != 1) {
            throw new IllegalArgumentException(describe() + ": expects a flat input [features], got " + input
                    + " (add a Flatten or global pooling layer first)");
        }
        return build(input.dim(0));
    }

    private Shape build(int features) {
        if (in == -1) {
            in = features;
            kernel = Parameter.learnable("kernel", Shape.of(units, in), kernelInit, in, units);
            if (useBias) {
                bias = Parameter.learnable("bias", Shape.of(units), Initializer.ZEROS, in, units);
            }
            setTrainable(isTrainable()); // a layer frozen before it was built freezes its new parameters

        } else if (in != features) {
            throw new IllegalArgumentException(describe() + ": built for " + in + " input features, given " + features);
        }
        return Shape.of(units);
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        if (GradMode.isEnabled()) {
            // As Conv2d: a hand-written loop may write the weights after a gradient-tracking pass without calling
            // Parameter.changed(); the next inference packs them afresh.
            kernel.changed();
        }
        this.inference = !training && !GradMode.isEnabled();
        return forwardShaped(input, NONE);
    }

    private static final ConvEpilogue.Activation[] NONE = {};

    private Tensor forwardShaped(Tensor input, ConvEpilogue.Activation[] after) {
        if (lastAxis) {
            Shape out = outputShapeOf(input.shape().dropFirst()).prepend(input.dim(0));
            return forwardRows(input.reshape(input.size() / in, in), after).reshape(out);
        }
        requireSample(input, Shape.of(in));
        return forwardRows(input, after);
    }

    /** y = x W^T (+ b), then each of {@code after} in place on the rows (what absorbed layers compute). */
    private Tensor forwardRows(Tensor input, ConvEpilogue.Activation[] after) {
        this.x = GradMode.keep(input);
        int n = input.dim(0);
        // the GEMM writes every output (beta 0): last step's buffer, or one of predict's, needs no clearing
        Tensor y = buffers.overwritten(0, Shape.of(n, units));
        float[] xd = input.data();
        float[] yd = y.data();
        // y[N, units] = x[N, in] * W[units, in]^T
        Kernels k = KernelProvider.get();
        int blocks = rowBlocks(k, n);
        if (blocks > 0) {
            PreparedMatrix packed = kernel.derived(k, () -> k.prepareB(true, in, units, kernel.value().data(), 0, in));
            int rowUnits = (n + BLOCK_UNIT - 1) / BLOCK_UNIT;
            java.util.function.IntUnaryOperator start = b -> Math.min(n, (int) ((long) rowUnits * b / blocks)
                    * BLOCK_UNIT);
            if (blocks >= k.threads()) { // a block per task: its product, then its rows finished, on one thread
                k.parallelFor(blocks, b -> {
                    int r0 = start.applyAsInt(b);
                    int r1 = start.applyAsInt(b + 1);
                    k.sgemmPreparedB(false, r1 - r0, xd, r0 * in, in, packed, 0f, yd, r0 * units, units);
                    finishRows(k, yd, r0, r1, after);
                });
            } else {
                for (int b = 0; b < blocks; b++) {
                    int r0 = start.applyAsInt(b);
                    int r1 = start.applyAsInt(b + 1);
                    k.sgemmPreparedBThreaded(false, r1 - r0, xd, r0 * in, in, packed, 0f, yd, r0 * units, units);
                    finishRows(k, yd, r0, r1, after);
                }
            }
        } else {
            k.sgemm(false, true, n, units, in, 1f, xd, 0, in, kernel.value().data(), 0, in, 0f, yd, 0, units);
            finishRows(k, yd, 0, n, after);
        }
        return y;
    }

    /** Rows [r0, r1) of y after the product: the bias, then the absorbed layers in order. */
    private void finishRows(Kernels k, float[] yd, int r0, int r1, ConvEpilogue.Activation[] after) {
        if (bias != null) {
            float[] b = bias.value().data();
            for (int i = r0; i < r1; i++) {
                for (int j = 0; j < units; j++) {
                    yd[i * units + j] += b[j];
                }
            }
        }
        for (ConvEpilogue.Activation a : after) {
            a.apply(k, yd, r0 * units, (r1 - r0) * units);
        }
    }

    /**
     * Switch for A/B runs: {@code -Dconvnet4j.inference.denseWeights=false} packs W^T on every inference call again
     * (same bits either way).
     */
    static volatile boolean keepPackedWeights =
            !"false".equals(System.getProperty("convnet4j.inference.denseWeights"));

    /**
     * Switch for A/B runs: {@code -Dconvnet4j.inference.denseRowBlocks=false} computes a product of more than
     * {@link #ROW_BLOCK} rows in one call on W^T itself again, as before 2026-12-05 (same bits either way).
     */
    static volatile boolean blockRows = !"false".equals(System.getProperty("convnet4j.inference.denseRowBlocks"));

    /**
     * Switch for A/B runs: {@code -Dconvnet4j.inference.denseEpilogue=false} absorbs nothing (the bias Add and the
     * activation after the layer run as their own layers again; same bits either way).
     */
    static volatile boolean fuseEpilogue = !"false".equals(System.getProperty("convnet4j.inference.denseEpilogue"));

    /**
     * Most rows of one product with the kept packed weights: the vector GEMM reads a prepared right operand for up
     * to 192 rows ({@link Kernels#readsPreparedB}), and a block of 192 output rows of ConvNeXt's widest layer (1536)
     * still fits the L2 caches of the machines measured, so the absorbed layers find it there.
     */
    static final int ROW_BLOCK = 192;

    /** Block bounds fall on multiples of this (the GEMM's register tile is 8 rows tall with AVX-512). */
    private static final int BLOCK_UNIT = 8;

    /**
     * In inference without gradients: into how many row blocks the product of {@code rows} inputs is cut, each
     * computed with W^T packed for the GEMM ({@link Kernels#prepareB}) and kept in the kernel parameter
     * ({@link Parameter#derived}) until its values change; 0 (one ordinary call on W^T itself) when the GEMM would
     * not read that copy for blocks of that size ({@link Kernels#readsPreparedB}: a few rows against a transposed
     * B are dot products and pack nothing) or outside inference. Without the kept copy every call packed all of
     * W^T for a handful of rows (at 8 rows of [400] to [120] the packing was 4/5 of the call); without the blocks
     * a product of more than 192 rows (ConvNeXt-Tiny's 196 to 3136) packed all of W^T on every call. The GEMM
     * computes every element by the same operations wherever its row falls, so the blocks have the bits of the
     * unpacked single call.
     */
    private int rowBlocks(Kernels k, int rows) {
        if (!keepPackedWeights || !inference || rows == 0) {
            return 0;
        }
        if (rows <= ROW_BLOCK || !blockRows) {
            return k.readsPreparedB(true, rows, in, units) ? 1 : 0;
        }
        int blocks = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
        int threads = k.threads();
        if (threads > 1) { // a whole number of blocks per thread (each thread takes whole blocks): 784 rows in 6, not 5
            blocks = (blocks + threads - 1) / threads * threads;
        }
        int rowUnits = (rows + BLOCK_UNIT - 1) / BLOCK_UNIT;
        int largest = (rowUnits + blocks - 1) / blocks * BLOCK_UNIT;
        return k.readsPreparedB(true, largest, in, units) ? blocks : 0; // smaller blocks (more than 4 rows) too
    }

    @Override
    public int absorbable(List<Layer> following) {
        if (!fuseEpilogue || following.isEmpty() || in == -1) {
            return 0;
        }
        int count = following.get(0) instanceof ConstantArithmetic ca && ca.rowEpilogue(units) != null ? 1 : 0;
        return following.size() > count && activation(following.get(count)) != null ? count + 1 : count;
    }

    private static ConvEpilogue.Activation activation(Layer layer) {
        if (layer instanceof ReLU relu) {
            return relu.epilogueActivation();
        }
        return layer instanceof FusableActivation a ? a.epilogueActivation() : null;
    }

    @Override
    public Tensor forwardAbsorbing(List<Tensor> inputs, List<Layer> following, int count) {
        requireInputs(inputs);
        ConvEpilogue.Activation[] after = new ConvEpilogue.Activation[count];
        int i = 0;
        if (following.get(0) instanceof ConstantArithmetic ca && ca.rowEpilogue(units) != null) {
            after[i++] = ca.rowEpilogue(units);
        }
        if (i < count) {
            after[i] = activation(following.get(i));
        }
        this.inference = true;
        return forwardShaped(inputs.get(0), after);
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (lastAxis) {
            fromForward(x);
            int lead = dy.size() / units;
            int[] d = dy.shape().dims().clone();
            d[d.length - 1] = in;
            return backwardRows(dy.reshape(lead, units)).reshape(d);
        }
        return backwardRows(dy);
    }

    private Tensor backwardRows(Tensor dy) {
        int n = dy.dim(0);
        // dW[units, in] += dy[N, units]^T * x[N, in]
        KernelProvider.get().sgemm(true, false, units, in, n, 1f, dy.data(), 0, units, fromForward(x).data(), 0, in, 1f,
                kernel.grad().data(), 0, in);
        if (bias != null) {
            float[] db = bias.grad().data();
            float[] g = dy.data();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < units; j++) {
                    db[j] += g[i * units + j];
                }
            }
        }
        // dx[N, in] = dy[N, units] * W[units, in]
        Tensor dx = buffers.gradientOverwritten(1, Shape.of(n, in)); // written whole by the GEMM (beta 0)
        KernelProvider.get().sgemm(false, false, n, in, units, 1f, dy.data(), 0, units, kernel.value().data(), 0, in, 0f, dx.data(), 0, in);
        return dx;
    }

    @Override
    protected long macsOf(Shape input) {
        return (long) input.size() * units;
    }

    @Override
    public List<Parameter> parameters() {
        return bias == null ? List.of(kernel) : List.of(kernel, bias);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("units", units);
        c.put("use_bias", useBias);
        c.put("kernel_init", kernelInit.id());
        if (lastAxis) {
            c.put("over_last_axis", true);
        }
        return c;
    }
}
