package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.InferenceFusion;
import org.convnet4j.nn.InputGradientOptional;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.ResidualFusion;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.ops.ConvEpilogue;
import org.convnet4j.ops.ConvGeometry;
import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.Convolution;
import org.convnet4j.ops.PackedWeights;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.PreparedMatrix;

/**
 * 2-D convolution layer: [C, H, W] to [F, OH, OW] with {@code F} filters of size {@code KH x KW}, stride,
 * dilation, padding ("valid", "same" or explicit; zero, replicate or reflect filled) and channel groups.
 * The kernel parameter {@code kernel} has shape [F, C/groups, KH, KW] (PyTorch/ONNX order), the optional
 * {@code bias} has shape [F].
 *
 * <p>Hyper-parameters are set fluently and must be set before the layer is added to a model, because the
 * kernel is created (and the padding resolved) from the input shape when the model is built:
 * {@code new Conv2d(6, 5).padding(2).stride(1)}. The kernel starts glorot-uniform (Keras' default) with
 * {@code fanIn = C/groups*KH*KW}, {@code fanOut = F*KH*KW}; the bias starts at zero.
 */
public final class Conv2d extends UnaryLayer implements InputGradientOptional, InferenceFusion, ResidualFusion {
    private final int filters;
    private final int kh;
    private final int kw;
    private int strideH = 1;
    private int strideW = 1;
    private int dilationH = 1;
    private int dilationW = 1;
    private int groups = 1;
    private boolean useBias = true;
    private PaddingSpec padding = PaddingSpec.valid();
    private PadMode padMode = PadMode.ZERO;
    private Initializer kernelInit = Initializer.GLOROT_UNIFORM;

    private Shape built;          // per-sample input shape the parameters were made for
    private ConvParams params;    // with the padding resolved for that input
    private Parameter kernel;
    private Parameter bias;
    private Tensor x;             // cached input of the last forward pass
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2); // output, input gradient

    /** {@code filters} filters of size {@code kernel x kernel}. */
    public Conv2d(int filters, int kernel) {
        this(filters, kernel, kernel);
    }

    public Conv2d(int filters, int kernelH, int kernelW) {
        if (filters < 1 || kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("Conv2d: filters and kernel size must be >= 1, got filters=" + filters
                    + ", kernel " + kernelH + "x" + kernelW);
        }
        this.filters = filters;
        this.kh = kernelH;
        this.kw = kernelW;
    }

    public Conv2d stride(int s) {
        return stride(s, s);
    }

    public Conv2d stride(int sh, int sw) {
        requireUnbuilt("stride");
        positive("stride", sh, sw);
        strideH = sh;
        strideW = sw;
        return this;
    }

    public Conv2d dilation(int d) {
        return dilation(d, d);
    }

    public Conv2d dilation(int dh, int dw) {
        requireUnbuilt("dilation");
        positive("dilation", dh, dw);
        dilationH = dh;
        dilationW = dw;
        return this;
    }

    /** Padding of {@code p} on all four sides, filled per {@link #padMode(PadMode)}. */
    public Conv2d padding(int p) {
        return padding(PaddingSpec.explicit(Padding.of(p)));
    }

    /** {@code ph} rows above and below, {@code pw} columns left and right. */
    public Conv2d padding(int ph, int pw) {
        return padding(PaddingSpec.explicit(Padding.of(ph, pw)));
    }

    /** "valid", "same", "N" or "T,B,L,R". */
    public Conv2d padding(String spec) {
        return padding(PaddingSpec.parse(spec));
    }

    public Conv2d padding(PaddingSpec spec) {
        requireUnbuilt("padding");
        if (spec == null) {
            throw new IllegalArgumentException(describe() + ": padding must not be null");
        }
        padding = spec;
        return this;
    }

    public Conv2d padMode(PadMode mode) {
        requireUnbuilt("padMode");
        if (mode == null) {
            throw new IllegalArgumentException(describe() + ": pad mode must not be null");
        }
        padMode = mode;
        return this;
    }

    /** Channel groups: 1 is an ordinary convolution, C (with F a multiple of C) a depthwise one. */
    public Conv2d groups(int g) {
        requireUnbuilt("groups");
        positive("groups", g, g);
        if (filters % g != 0) {
            throw new IllegalArgumentException(describe() + ": groups=" + g + " does not divide filters=" + filters);
        }
        groups = g;
        return this;
    }

    public Conv2d useBias(boolean on) {
        requireUnbuilt("useBias");
        useBias = on;
        return this;
    }

    /** Kernel initializer (before the layer is built). */
    public Conv2d init(Initializer init) {
        requireUnbuilt("init");
        kernelInit = init;
        return this;
    }

    public int filters() {
        return filters;
    }

    public Parameter kernel() {
        return kernel;
    }

    public Parameter bias() {
        return bias;
    }

    /** The operator parameters with the padding resolved (null until built). */
    public ConvParams convParams() {
        return params;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(describe() + ": expects an image input [C, H, W], got " + input);
        }
        if (built != null) {
            if (!built.equals(input)) {
                throw new IllegalArgumentException(describe() + ": built for input " + built + ", given " + input);
            }
            return outputOf(input);
        }
        int c = input.dim(0);
        if (c % groups != 0) {
            throw new IllegalArgumentException(describe() + ": groups=" + groups + " does not divide the " + c
                    + " input channels of " + input);
        }
        Padding pad = padding.resolve(input.dim(1), input.dim(2), kh, kw, strideH, strideW, dilationH, dilationW);
        ConvParams p = new ConvParams(strideH, strideW, dilationH, dilationW, pad, padMode, groups);
        Shape w = Shape.of(filters, c / groups, kh, kw);
        Shape out = Convolution.outputShape(input.prepend(1), w, p).dropFirst(); // validates before building
        params = p;
        built = input;
        int fanIn = c / groups * kh * kw;
        int fanOut = filters * kh * kw;
        kernel = Parameter.learnable("kernel", w, kernelInit, fanIn, fanOut);
        kernel.setFrozen(!isTrainable());
        if (useBias) {
            bias = Parameter.learnable("bias", Shape.of(filters), Initializer.ZEROS, fanIn, fanOut);
            bias.setFrozen(!isTrainable());
        }
        return out;
    }

    private Shape outputOf(Shape input) {
        return Convolution.outputShape(input.prepend(1), kernel.shape(), params).dropFirst();
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        requireBuilt();
        requireSample(input, built);
        if (GradMode.isEnabled()) {
            // A pass that tracks gradients is training: a hand-written loop may write the weights after it without
            // calling Parameter.changed() (p.value().data()[i] -= lr * g[i]); the next predict packs them afresh.
            kernel.changed();
        }
        this.x = GradMode.keep(input);
        Shape ys = outputOf(built).prepend(input.dim(0));
        // the convolution writes every output: last step's buffer needs no clearing
        Tensor into = skipClearing ? buffers.overwritten(0, ys) : buffers.zeros(0, ys);
        return Convolution.forward(input, kernel.value(), bias == null ? null : bias.value(), params, null, into,
                packedWeights(training));
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} packs the weights for the GEMM on every inference call again
     * instead of keeping them packed until they change (same bits); {@code -Dconvnet4j.inference.packedWeights=false}.
     */
    static volatile boolean keepPackedWeights =
            !"false".equals(System.getProperty("convnet4j.inference.packedWeights"));

    /**
     * In inference without gradients (predict, evaluation, feature extraction, serving) the weights stay packed in
     * the kernel parameter ({@link Parameter#derived}) until its values change (an optimiser step, a load: see
     * {@link Parameter#changed()}); training packs them per call, as they change every step.
     */
    private PackedWeights packedWeights(boolean training) {
        return keepPackedWeights && InferenceFusion.active(training) ? kept : null;
    }

    /**
     * The kernel's kept packings, as left operand (tiles), right operand (one-sample tiles computed transposed), for
     * the direct products of shifted tiles and transformed for Winograd's 3x3 products.
     */
    private final PackedWeights kept = new PackedWeights() {
        @Override
        public PreparedMatrix[] get(Kernels k, java.util.function.Supplier<PreparedMatrix[]> pack) {
            return kernel.derived(k, () -> new Packings(k)).left(pack);
        }

        @Override
        public PreparedMatrix[] getRight(Kernels k, java.util.function.Supplier<PreparedMatrix[]> pack) {
            return kernel.derived(k, () -> new Packings(k)).right(pack);
        }

        @Override
        public Object getDirect(Kernels k, java.util.function.Supplier<Object> pack) {
            return kernel.derived(k, () -> new Packings(k)).direct(pack);
        }

        @Override
        public Object getWinograd(Kernels k, java.util.function.Supplier<Object> transform) {
            return kernel.derived(k, () -> new Packings(k)).winograd(transform);
        }
    };

    /**
     * What one weight version keeps for one kernel set, each form packed on first use. Two threads may pack a form
     * at once: both get the same values, one is kept.
     */
    private static final class Packings {
        private final Kernels kernels;
        private volatile PreparedMatrix[] left;
        private volatile PreparedMatrix[] right;
        private volatile Object direct;
        private volatile Object winograd;

        Packings(Kernels kernels) {
            this.kernels = kernels;
        }

        PreparedMatrix[] left(java.util.function.Supplier<PreparedMatrix[]> pack) {
            PreparedMatrix[] l = left;
            if (l == null) {
                l = pack.get();
                left = l;
            }
            return l;
        }

        PreparedMatrix[] right(java.util.function.Supplier<PreparedMatrix[]> pack) {
            PreparedMatrix[] r = right;
            if (r == null) {
                r = pack.get();
                right = r;
            }
            return r;
        }

        Object direct(java.util.function.Supplier<Object> pack) {
            Object d = direct;
            if (d == null) {
                d = pack.get();
                direct = d;
            }
            return d;
        }

        Object winograd(java.util.function.Supplier<Object> transform) {
            Object w = winograd;
            if (w == null) {
                w = transform.get();
                winograd = w;
            }
            return w;
        }

        @Override
        public String toString() {
            return "packed weights for " + kernels.name();
        }
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} clears the reused output and input-gradient buffers before
     * the convolution, as before the operators cleared only where they add (same bits).
     */
    static volatile boolean skipClearing = true;

    /**
     * Switch for A/B runs: {@code false} fuses only ReLU after a convolution (as before SiLU and clips were fused);
     * {@code -Dconvnet4j.conv.fuseActivations=false}.
     */
    static volatile boolean fuseActivations = !"false".equals(System.getProperty("convnet4j.conv.fuseActivations"));

    /**
     * A following 2-D batch norm over this layer's filters, then an element-wise activation (ReLU, SiLU, a clip such
     * as ReLU6, ...); or the activation alone.
     */
    @Override
    public int absorbable(List<Layer> following) {
        if (following.isEmpty()) {
            return 0;
        }
        if (following.get(0) instanceof BatchNorm2d bn && bn.channels() == filters) {
            return following.size() > 1 && activation(following.get(1)) != null ? 2 : 1;
        }
        return activation(following.get(0)) != null ? 1 : 0;
    }

    private static ConvEpilogue.Activation activation(Layer layer) {
        if (layer instanceof ReLU relu) {
            return relu.epilogueActivation();
        }
        return fuseActivations && layer instanceof FusableActivation a ? a.epilogueActivation() : null;
    }

    @Override
    public Tensor forwardAbsorbing(List<Tensor> inputs, List<Layer> following, int count) {
        requireInputs(inputs);
        Tensor input = inputs.get(0);
        requireBuilt();
        requireSample(input, built);
        this.x = GradMode.keep(input);
        ConvEpilogue epilogue;
        if (following.get(0) instanceof BatchNorm2d bn) {
            // kept by the batch norm from call to call (no arrays copied per call)
            epilogue = bn.inferenceEpilogue(count > 1 ? activation(following.get(1)) : null);
        } else {
            epilogue = ConvEpilogue.activationOnly(activation(following.get(0)));
        }
        // outside a training step the slot hands out a new tensor, or in Model.predict one of the thread's buffers
        Tensor into = buffers.overwritten(0, outputOf(built).prepend(input.dim(0)));
        return Convolution.forward(input, kernel.value(), bias == null ? null : bias.value(), params, epilogue, into,
                packedWeights(false));
    }

    /**
     * A residual sum after this layer, or after its batch norm (ResNet's conv3 → bn3 → add), with an activation after
     * the sum or not: the convolution's epilogue adds the skip after the batch norm, before the activation.
     */
    @Override
    public int absorbableWithResidual(List<Layer> following, int sumAt) {
        if (sumAt < 0 || sumAt > 1 || following.size() <= sumAt || !(following.get(sumAt) instanceof Add)) {
            return 0;
        }
        if (sumAt == 1 && !(following.get(0) instanceof BatchNorm2d bn && bn.channels() == filters)) {
            return 0;
        }
        return following.size() > sumAt + 1 && activation(following.get(sumAt + 1)) != null ? sumAt + 2 : sumAt + 1;
    }

    @Override
    public Tensor forwardAbsorbingResidual(List<Tensor> inputs, List<Layer> following, int count, Tensor skip) {
        requireInputs(inputs);
        Tensor input = inputs.get(0);
        requireBuilt();
        requireSample(input, built);
        this.x = GradMode.keep(input);
        int sumAt = following.get(0) instanceof BatchNorm2d ? 1 : 0;
        ConvEpilogue.Activation act = count > sumAt + 1 ? activation(following.get(sumAt + 1)) : null;
        ConvEpilogue epilogue = sumAt == 1 ? ((BatchNorm2d) following.get(0)).inferenceEpilogue(act)
                : ConvEpilogue.activationOnly(act);
        Shape ys = outputOf(built).prepend(input.dim(0));
        Tensor into = buffers.overwritten(0, ys);
        Tensor.requireSameShape(describe(), into, skip);
        if (into.data() == skip.data()) {
            into = Tensor.zeros(ys); // never sum into the skip while reading it
        }
        return Convolution.forward(input, kernel.value(), bias == null ? null : bias.value(), params,
                epilogue.withResidual(skip.data()), into, packedWeights(false));
    }

    @Override
    public Tensor backward(Tensor dy) {
        fromForward(x);
        Convolution.backwardWeights(x, dy, kernel.grad(), bias == null ? null : bias.grad(), params);
        // the operator clears it only where it adds into it (not for a 1x1 stride-1 convolution)
        Tensor into = skipClearing ? buffers.gradientOverwritten(1, x.shape()) : buffers.gradientZeros(1, x.shape());
        Tensor dx = Convolution.backwardInput(dy, kernel.value(), x.shape(), params, into);
        if (dx.data() != into.data()) {
            buffers.gradientUnused(into); // else a pooled gradient stays taken for the rest of the step
        }
        return dx;
    }

    /** Backward reads the input and the weights, never the output: a following batch norm may normalise over it. */
    @Override
    public boolean backwardReadsOutput() {
        return false;
    }

    @Override
    public void backwardParametersOnly(Tensor dy) {
        fromForward(x);
        Convolution.backwardWeights(x, dy, kernel.grad(), bias == null ? null : bias.grad(), params);
    }

    @Override
    protected long macsOf(Shape input) {
        Shape out = built != null ? outputOf(input) : outputShapeOf(input);
        return ConvGeometry.convMacs(filters, out.dim(1), out.dim(2), input.dim(0) / groups, kh, kw);
    }

    @Override
    public List<Parameter> parameters() {
        if (kernel == null) {
            return List.of();
        }
        return bias == null ? List.of(kernel) : List.of(kernel, bias);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("filters", filters);
        c.put("kernel_size", List.of(kh, kw));
        c.put("strides", List.of(strideH, strideW));
        c.put("padding", padding.toString());
        c.put("dilation", List.of(dilationH, dilationW));
        c.put("groups", groups);
        c.put("use_bias", useBias);
        c.put("pad_mode", padMode.name().toLowerCase(java.util.Locale.ROOT));
        c.put("kernel_init", kernelInit.id());
        return c;
    }

    private void requireBuilt() {
        if (built == null) {
            throw new IllegalStateException(describe() + ": not built yet; add it to a model (or call outputShape) first");
        }
    }

    @Override
    protected boolean isBuilt() {
        return built != null;
    }

    private void positive(String what, int a, int b) {
        if (a < 1 || b < 1) {
            throw new IllegalArgumentException(describe() + ": " + what + " must be >= 1, got " + a + "x" + b);
        }
    }
}
