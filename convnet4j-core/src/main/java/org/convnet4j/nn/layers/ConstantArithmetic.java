package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.ops.ConvEpilogue;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * {@code x op c} (or {@code c op x}) with a stored constant {@code c} broadcast NumPy-style: ONNX's
 * Add/Sub/Mul/Div with an initializer, such as input normalisation ({@code (x - mean) / std}). The
 * constant is a per-sample tensor of the input's rank (dimensions equal or 1), named {@code constant}. It is
 * either learnable (a model parameter, such as ConvNeXt's layer scale or the bias of a linear layer that
 * PyTorch exports as MatMul + Add: fine-tuning updates it, as PyTorch does) or a buffer (a fixed value, such as
 * input normalisation or epsilon: saved with the model, never learned).
 */
public final class ConstantArithmetic extends UnaryLayer {
    private final ArithmeticOp op;
    private final boolean constantFirst;
    private final Parameter constant;
    private final boolean learnable;
    // the output and the input gradient: reused between training steps and taken from the inference buffers in
    // Model.predict (every element is written), instead of a fresh zeroed array per call
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2);
    private Tensor x;
    private int[] xMap;
    private int[] cMap;
    private int[] mapDims;
    // the constant read with a period instead of index maps (see periodicRepeat): each constant value covers
    // `repeat` consecutive outputs, and the constant repeats every constant-size * repeat outputs; 0 = use the maps
    private int repeat;

    /** The order of the operands: {@code x op value} or {@code value op x}. */
    public enum Order {
        INPUT_FIRST, CONSTANT_FIRST;

        /** {@code CONSTANT_FIRST} for true (as read from a file's flag). */
        public static Order constantFirst(boolean constantFirst) {
            return constantFirst ? CONSTANT_FIRST : INPUT_FIRST;
        }
    }

    /** Whether the value is a fixed buffer or a parameter that gets gradients (initialised to the value). */
    public enum Kind {
        FIXED, LEARNABLE;

        /** {@code LEARNABLE} for true (as read from a file's flag). */
        public static Kind learnable(boolean learnable) {
            return learnable ? LEARNABLE : FIXED;
        }
    }

    /** {@code x op value} with a fixed value (buffer). */
    public ConstantArithmetic(ArithmeticOp op, Tensor value) {
        this(op, value, Order.INPUT_FIRST, Kind.FIXED);
    }

    /** {@code x op value} or {@code value op x} ({@code order}), the value fixed or learnable ({@code kind}). */
    public ConstantArithmetic(ArithmeticOp op, Tensor value, Order order, Kind kind) {
        this(op, value, order == Order.CONSTANT_FIRST, kind == Kind.LEARNABLE, true);
    }

    /**
     * @deprecated a positional boolean: use {@link #ConstantArithmetic(ArithmeticOp, Tensor, Order, Kind)}
     */
    @Deprecated
    public ConstantArithmetic(ArithmeticOp op, Tensor value, boolean constantFirst) {
        this(op, value, constantFirst, false, true);
    }

    /**
     * @deprecated positional booleans: use {@link #ConstantArithmetic(ArithmeticOp, Tensor, Order, Kind)}
     */
    @Deprecated
    public ConstantArithmetic(ArithmeticOp op, Tensor value, boolean constantFirst, boolean learnable) {
        this(op, value, constantFirst, learnable, true);
    }

    private ConstantArithmetic(ArithmeticOp op, Tensor value, boolean constantFirst, boolean learnable, boolean checked) {
        if (op == null || value == null) {
            throw new IllegalArgumentException("ConstantArithmetic: op and value must not be null");
        }
        this.op = op;
        this.constantFirst = constantFirst;
        this.learnable = learnable;
        if (learnable) {
            Tensor start = value.copy();
            this.constant = Parameter.learnable("constant", value.shape(), (t, in, out, r) ->
                    System.arraycopy(start.data(), 0, t.data(), 0, t.size()), 1, 1);
        } else {
            this.constant = Parameter.buffer("constant", value);
        }
    }

    public ArithmeticOp op() {
        return op;
    }

    public boolean constantFirst() {
        return constantFirst;
    }

    public Tensor constant() {
        return constant.value();
    }

    /** True if the constant is a learnable parameter, false if it is a fixed buffer. */
    public boolean learnable() {
        return learnable;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        int[] out = Broadcasting.shape(input.dims(), constant.shape().dims());
        if (out == null) {
            throw new IllegalArgumentException(describe() + ": input " + input + " and constant " + constant.shape()
                    + " do not broadcast (same rank, each dimension equal or 1)");
        }
        return Shape.of(out);
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        Shape sample = outputShapeOf(input.shape().dropFirst());
        int[] out = sample.prepend(input.dim(0)).dims();
        x = input;
        int[] in = input.shape().dims();
        if (!java.util.Arrays.equals(in, mapDims)) {
            // the index maps depend only on the input's shape (the constant's is fixed): built once per shape, not
            // per pass (building them cost more than the arithmetic). A constant over consecutive axes (a bias
            // [C] against [.., C], a per-channel scale [C, 1, 1] against [N, C, H, W], a scalar) against an
            // input that is not stretched needs none: its index is (k / repeat) % size
            int[] c = constant.shape().prepend(1).dims();
            repeat = java.util.Arrays.equals(in, out) ? periodicRepeat(c, out) : 0;
            xMap = repeat > 0 ? null : Broadcasting.indexMap(in, out);
            cMap = repeat > 0 ? null : Broadcasting.indexMap(c, out);
            mapDims = in.clone();
        }
        Tensor y = buffers.overwritten(0, Shape.of(out)); // every element written below, on either path
        float[] yd = y.data();
        float[] xd = input.data();
        float[] cd = constant.value().data();
        if (repeat > 0) {
            forwardPeriodic(xd, cd, yd);
            return y;
        }
        for (int k = 0; k < yd.length; k++) {
            yd[k] = constantFirst ? op.apply(cd[cMap[k]], xd[xMap[k]]) : op.apply(xd[xMap[k]], cd[cMap[k]]);
        }
        return y;
    }

    /**
     * If the constant {@code c} (batch axis included) equals {@code out} on one run of consecutive axes and is 1
     * on all others, the number of outputs each constant value covers in a row (the product of {@code out}'s
     * axes after the run; all of them for a constant of one value); else 0. Then output {@code k} reads constant
     * value {@code (k / repeat) % c.size}.
     */
    static int periodicRepeat(int[] c, int[] out) {
        int first = -1;
        int last = -1;
        for (int i = 0; i < c.length; i++) {
            if (c[i] != 1 && c[i] == out[i]) {
                if (first < 0) {
                    first = i;
                }
                last = i;
            }
        }
        int repeat = 1;
        for (int i = 0; i < c.length; i++) {
            boolean inRun = first >= 0 && i >= first && i <= last;
            if (inRun ? c[i] != out[i] : c[i] != 1) {
                return 0;
            }
            if (i > last) {
                repeat *= out[i];
            }
        }
        return repeat;
    }

    // y = x op c (or c op x) with c's value i covering `repeat` consecutive outputs, c repeating after them all:
    // the same values as the maps give (one operation per output, the same operands)
    private void forwardPeriodic(float[] xd, float[] cd, float[] yd) {
        int period = cd.length;
        if (repeat == 1) { // a constant over the last axes: one row of the constant per stretch of the output
            rows(xd, cd, yd, 0, yd.length);
            return;
        }
        for (int k = 0; k < yd.length; ) {
            for (int i = 0; i < period; i++) {
                float c = cd[i];
                int end = k + repeat;
                switch (op) {
                    case ADD -> {
                        for (; k < end; k++) {
                            yd[k] = xd[k] + c;
                        }
                    }
                    case MUL -> {
                        for (; k < end; k++) {
                            yd[k] = xd[k] * c;
                        }
                    }
                    default -> {
                        for (; k < end; k++) {
                            yd[k] = constantFirst ? op.apply(c, xd[k]) : op.apply(xd[k], c);
                        }
                    }
                }
            }
        }
    }

    // y = x op c for the outputs [from, to), whole rows of c's length (the constant over the last axes)
    private void rows(float[] xd, float[] cd, float[] yd, int from, int to) {
        int period = cd.length;
        for (int o = from; o < to; o += period) {
            switch (op) {
                case ADD -> {
                    for (int i = 0; i < period; i++) {
                        yd[o + i] = xd[o + i] + cd[i];
                    }
                }
                case MUL -> {
                    for (int i = 0; i < period; i++) {
                        yd[o + i] = xd[o + i] * cd[i];
                    }
                }
                default -> {
                    for (int i = 0; i < period; i++) {
                        yd[o + i] = constantFirst ? op.apply(cd[i], xd[o + i]) : op.apply(xd[o + i], cd[i]);
                    }
                }
            }
        }
    }

    /**
     * This layer's forward pass in place on runs of whole rows of {@code row} values, for a layer before it that
     * writes such rows (a {@link Dense} absorbing it in inference, {@link org.convnet4j.nn.InferenceFusion}): when
     * the constant is one such row ({@code [1, .., 1, row]}, the bias Add of an exported Linear), so that it
     * stretches no input and output k reads constant value {@code k % row}, the arithmetic {@link #forward} does
     * on that path (the same bits); else null. The constant's current value is read on every call.
     */
    ConvEpilogue.Activation rowEpilogue(int row) {
        int[] c = constant.shape().dims();
        if (row < 1 || c.length == 0 || c[c.length - 1] != row || constant.shape().size() != row) {
            return null;
        }
        return (k, y, off, len) -> {
            if (off % row != 0 || len % row != 0) {
                throw new IllegalArgumentException(describe() + ": rows of " + row + " expected, got [" + off + ", "
                        + (off + len) + ")");
            }
            rows(y, constant.value().data(), y, off, off + len);
        };
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (x == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        // the periodic path writes every input gradient (d[k] = 0 + ...); the maps' loop adds into zeros
        Tensor dx = repeat > 0 ? buffers.gradientOverwritten(1, x.shape()) : buffers.gradientZeros(1, x.shape());
        float[] g = dy.data();
        float[] xd = x.data();
        float[] cd = constant.value().data();
        float[] d = dx.data();
        float[] dc = learnable ? constant.grad().data() : null;
        if (repeat > 0) {
            backwardPeriodic(g, xd, cd, d, dc);
            return dx;
        }
        for (int k = 0; k < g.length; k++) {
            float v = xd[xMap[k]];
            float c = cd[cMap[k]];
            d[xMap[k]] += g[k] * (constantFirst ? op.dB(c, v) : op.dA(v, c));
            if (dc != null) {
                dc[cMap[k]] += g[k] * (constantFirst ? op.dA(c, v) : op.dB(v, c));
            }
        }
        return dx;
    }

    // the maps' backward without them: the input is not stretched, so each input gradient is one product (added to
    // zero, as the maps' loop does, so a -0 becomes +0 there too); the constant's gradient sums in the same order
    private void backwardPeriodic(float[] g, float[] xd, float[] cd, float[] d, float[] dc) {
        int period = cd.length;
        if (repeat == 1 && (op == ArithmeticOp.ADD || op == ArithmeticOp.MUL)) { // a bias or scale over the last axes
            boolean add = op == ArithmeticOp.ADD;
            for (int o = 0; o < g.length; o += period) {
                for (int i = 0; i < period; i++) {
                    float gk = g[o + i];
                    d[o + i] = 0f + (add ? gk : gk * cd[i]);
                }
                if (dc != null) {
                    for (int i = 0; i < period; i++) {
                        dc[i] += add ? g[o + i] : g[o + i] * xd[o + i];
                    }
                }
            }
            return;
        }
        for (int k = 0; k < g.length; ) {
            for (int i = 0; i < period; i++) {
                float c = cd[i];
                int end = k + repeat;
                if (op == ArithmeticOp.ADD) {
                    float sum = dc == null ? 0f : dc[i];
                    for (; k < end; k++) {
                        d[k] = 0f + g[k];
                        sum += g[k];
                    }
                    if (dc != null) {
                        dc[i] = sum;
                    }
                    continue;
                }
                if (op == ArithmeticOp.MUL) {
                    float sum = dc == null ? 0f : dc[i];
                    for (; k < end; k++) {
                        d[k] = 0f + g[k] * c;
                        sum += g[k] * xd[k];
                    }
                    if (dc != null) {
                        dc[i] = sum;
                    }
                    continue;
                }
                for (; k < end; k++) {
                    float v = xd[k];
                    d[k] = 0f + g[k] * (constantFirst ? op.dB(c, v) : op.dA(v, c));
                    if (dc != null) {
                        dc[i] += g[k] * (constantFirst ? op.dA(c, v) : op.dB(v, c));
                    }
                }
            }
        }
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(constant);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("op", op.id());
        List<Integer> shape = new ArrayList<>();
        for (int d : constant.shape().dims()) {
            shape.add(d);
        }
        c.put("shape", shape);
        c.put("constant_first", constantFirst);
        if (learnable) {
            c.put("learnable", true);
        }
        return c;
    }
}
