package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.ops.ConvGeometry;
import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.Convolution;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.Padding;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Transposed 2-D convolution ("deconvolution", ONNX ConvTranspose): [C, H, W] to [F, OH, OW] with
 * {@code OH = (H - 1) * strideH - padTop - padBottom + dilationH * (KH - 1) + 1 + outputPaddingH}.
 *
 * <p>It is the adjoint of {@link Conv2d}: the forward pass is a convolution's input gradient
 * ({@link Convolution#backwardInput}) for a convolution from [F, OH, OW] to [C, H, W] with the same stride,
 * padding, dilation and groups, and its backward pass is that convolution's forward pass (for the input
 * gradient) and weight gradient. Reusing the convolution kernels this way means one tested implementation
 * serves both layers. The kernel has shape [C, F/groups, KH, KW] (PyTorch/ONNX order: input channels first);
 * the optional bias has shape [F]. {@code outputPadding} adds rows/columns at the bottom/right so that every
 * output size a strided convolution maps to H can be produced; it must be smaller than the stride or the
 * dilation.
 */
public final class ConvTranspose2d extends UnaryLayer {
    private final int filters;
    private final int kh;
    private final int kw;
    private int strideH = 1;
    private int strideW = 1;
    private int dilationH = 1;
    private int dilationW = 1;
    private int groups = 1;
    private Padding padding = Padding.valid();
    private int outPadH;
    private int outPadW;
    private boolean useBias = true;
    private Initializer kernelInit = Initializer.GLOROT_UNIFORM;

    private Shape built;
    private Shape outSample;
    private ConvParams params;
    private Parameter kernel;
    private Parameter bias;
    private Tensor x;

    public ConvTranspose2d(int filters, int kernel) {
        this(filters, kernel, kernel);
    }

    public ConvTranspose2d(int filters, int kernelH, int kernelW) {
        if (filters < 1 || kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("ConvTranspose2d: filters and kernel size must be >= 1, got filters="
                    + filters + ", kernel " + kernelH + "x" + kernelW);
        }
        this.filters = filters;
        this.kh = kernelH;
        this.kw = kernelW;
    }

    public ConvTranspose2d stride(int s) {
        return stride(s, s);
    }

    public ConvTranspose2d stride(int sh, int sw) {
        requireUnbuilt("stride");
        positive("stride", sh, sw);
        strideH = sh;
        strideW = sw;
        return this;
    }

    public ConvTranspose2d dilation(int dh, int dw) {
        requireUnbuilt("dilation");
        positive("dilation", dh, dw);
        dilationH = dh;
        dilationW = dw;
        return this;
    }

    /** Rows/columns removed from the full transposed output (the padding of the adjoint convolution). */
    public ConvTranspose2d padding(Padding p) {
        requireUnbuilt("padding");
        if (p == null) {
            throw new IllegalArgumentException(describe() + ": padding must not be null");
        }
        padding = p;
        return this;
    }

    public ConvTranspose2d padding(int p) {
        return padding(Padding.of(p));
    }

    public ConvTranspose2d outputPadding(int oh, int ow) {
        requireUnbuilt("outputPadding");
        if (oh < 0 || ow < 0) {
            throw new IllegalArgumentException(describe() + ": output padding must be >= 0, got " + oh + "x" + ow);
        }
        outPadH = oh;
        outPadW = ow;
        return this;
    }

    public ConvTranspose2d groups(int g) {
        requireUnbuilt("groups");
        positive("groups", g, g);
        if (filters % g != 0) {
            throw new IllegalArgumentException(describe() + ": groups=" + g + " does not divide filters=" + filters);
        }
        groups = g;
        return this;
    }

    public ConvTranspose2d useBias(boolean on) {
        requireUnbuilt("useBias");
        useBias = on;
        return this;
    }

    public ConvTranspose2d init(Initializer init) {
        requireUnbuilt("init");
        kernelInit = init;
        return this;
    }

    public Parameter kernel() {
        return kernel;
    }

    public Parameter bias() {
        return bias;
    }

    public int filters() {
        return filters;
    }

    /** The adjoint convolution's parameters (stride, dilation, padding, groups); null until built. */
    public ConvParams convParams() {
        return params;
    }

    /** {outputPaddingH, outputPaddingW}. */
    public int[] outputPadding() {
        return new int[] {outPadH, outPadW};
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
            return outSample;
        }
        int c = input.dim(0);
        if (c % groups != 0) {
            throw new IllegalArgumentException(describe() + ": groups=" + groups + " does not divide the " + c
                    + " input channels of " + input);
        }
        // output padding beyond the stride (and dilation) would add rows no window of the adjoint reaches twice
        if (outPadH >= Math.max(strideH, dilationH) || outPadW >= Math.max(strideW, dilationW)) {
            throw new IllegalArgumentException(describe() + ": output padding " + outPadH + "x" + outPadW
                    + " must be smaller than the stride " + strideH + "x" + strideW + " or the dilation");
        }
        int oh = (input.dim(1) - 1) * strideH - padding.top() - padding.bottom() + dilationH * (kh - 1) + 1 + outPadH;
        int ow = (input.dim(2) - 1) * strideW - padding.left() - padding.right() + dilationW * (kw - 1) + 1 + outPadW;
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException(describe() + ": input " + input + " with padding " + padding
                    + " gives an empty output " + oh + "x" + ow);
        }
        ConvParams p = new ConvParams(strideH, strideW, dilationH, dilationW, padding, PadMode.ZERO, groups);
        Shape w = Shape.of(c, filters / groups, kh, kw);
        Shape out = Shape.of(filters, oh, ow);
        // the adjoint convolution must map the output back onto the input exactly
        Shape back = Convolution.outputShape(out.prepend(1), w, p).dropFirst();
        if (!back.equals(input)) {
            throw new IllegalArgumentException(describe() + ": output " + out + " does not convolve back to the input "
                    + input + " (got " + back + ")");
        }
        params = p;
        built = input;
        outSample = out;
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

    @Override
    public Tensor forward(Tensor input, boolean training) {
        requireBuilt();
        requireSample(input, built);
        this.x = input;
        Tensor y = Convolution.backwardInput(input, kernel.value(), outSample.prepend(input.dim(0)), params);
        if (bias != null) {
            float[] d = y.data();
            float[] b = bias.value().data();
            int plane = outSample.dim(1) * outSample.dim(2);
            for (int n = 0; n < input.dim(0); n++) {
                for (int f = 0; f < filters; f++) {
                    int off = (n * filters + f) * plane;
                    for (int i = 0; i < plane; i++) {
                        d[off + i] += b[f];
                    }
                }
            }
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (x == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        // in the adjoint convolution dy is the input and x the output: its weight gradient is ours
        Convolution.backwardWeights(dy, x, kernel.grad(), null, params);
        if (bias != null) {
            float[] g = bias.grad().data();
            float[] d = dy.data();
            int plane = outSample.dim(1) * outSample.dim(2);
            for (int n = 0; n < dy.dim(0); n++) {
                for (int f = 0; f < filters; f++) {
                    double s = 0;
                    int off = (n * filters + f) * plane;
                    for (int i = 0; i < plane; i++) {
                        s += d[off + i];
                    }
                    g[f] += (float) s;
                }
            }
        }
        return Convolution.forward(dy, kernel.value(), null, params);
    }

    @Override
    protected long macsOf(Shape input) {
        outputShapeOf(input);
        return ConvGeometry.convMacs(input.dim(0), input.dim(1), input.dim(2), filters / groups, kh, kw);
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
        c.put("padding", List.of(padding.top(), padding.bottom(), padding.left(), padding.right()));
        c.put("output_padding", List.of(outPadH, outPadW));
        c.put("dilation", List.of(dilationH, dilationW));
        c.put("groups", groups);
        c.put("use_bias", useBias);
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
