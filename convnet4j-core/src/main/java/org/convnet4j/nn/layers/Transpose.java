package org.convnet4j.nn.layers;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.InferenceFusion;
import org.convnet4j.nn.Layer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Permutes the per-sample axes (the batch axis stays first): ONNX Transpose whose perm keeps axis 0, as
 * ShuffleNet's channel shuffle and ConvNeXt's channels-last blocks use.
 */
public final class Transpose extends IndexMapLayer implements InferenceFusion {
    private final int[] perm;
    private ConstantArithmetic absorbed; // during forwardAbsorbing only: applied to each value as it is copied

    /** {@code perm[i]} is the input axis (per sample, 0-based) that becomes output axis i. */
    public Transpose(int... perm) {
        boolean[] seen = new boolean[perm.length];
        for (int p : perm) {
            if (p < 0 || p >= perm.length || seen[p]) {
                throw new IllegalArgumentException("Transpose: perm " + Arrays.toString(perm) + " is not a permutation");
            }
            seen[p] = true;
        }
        this.perm = perm.clone();
    }

    public int[] perm() {
        return perm.clone();
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != perm.length) {
            throw new IllegalArgumentException(describe() + ": perm " + Arrays.toString(perm) + " for input " + input);
        }
        int[] out = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            out[i] = input.dim(perm[i]);
        }
        return Shape.of(out);
    }

    @Override
    protected int[] sourceMap(Shape in, Shape out) {
        int[] st = in.strides();
        int[] s = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            s[i] = st[perm[i]];
        }
        return strided(out.dims(), s);
    }

    /**
     * Switch for A/B runs ({@code -Dconvnet4j.transpose.blocked=false}): every Transpose runs the index map's gather
     * again instead of the blocked 2-D copy ({@link #copiesSample}; same values either way).
     */
    static volatile boolean blocked = !"false".equals(System.getProperty("convnet4j.transpose.blocked"));

    /** Side of the square blocks of the 2-D copy: 16 rows of 16 floats are 16 cache lines of 64 bytes. */
    private static final int BLOCK = 16;

    /**
     * A perm that rotates the axes, {@code (k, k + 1, ..., r - 1, 0, 1, ..., k - 1)} (ConvNeXt's [C, H, W] to
     * [H, W, C] and back, any 2-D transpose), is the transpose of the sample seen as a matrix [A, B], A the product of
     * the first k dims: copied in 16 x 16 blocks, so that both the reads and the writes stay within a few cache
     * lines, instead of the gather's one index load and one scattered read per value.
     */
    @Override
    protected boolean copiesSample(Shape inSample, float[] xd, int xo, float[] yd, int yo) {
        if (!rotates()) {
            return false;
        }
        int a = 1;
        for (int i = 0; i < perm[0]; i++) {
            a *= inSample.dim(i);
        }
        int b = inSample.size() / Math.max(1, a);
        if (absorbed == null) {
            transpose(a, b, xd, xo, yd, yo);
        } else { // the copy's rows j run over the output's leading axes; the constant's value is the first one's index
            transpose(a, b, xd, xo, yd, yo, absorbed, b / Math.max(1, inSample.dim(perm[0])));
        }
        return true;
    }

    /** Whether the blocked copy applies: on, and the perm rotates the axes by one or more. */
    private boolean rotates() {
        int k = perm[0];
        if (!blocked || k == 0) {
            return false;
        }
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] != (k + i) % perm.length) {
                return false;
            }
        }
        return true;
    }

    /** y[j][i] = x[i][j] for x [rows, cols] at {@code xo}, y [cols, rows] at {@code yo}, in square blocks. */
    static void transpose(int rows, int cols, float[] x, int xo, float[] y, int yo) {
        for (int i0 = 0; i0 < rows; i0 += BLOCK) {
            int i1 = Math.min(rows, i0 + BLOCK);
            for (int j0 = 0; j0 < cols; j0 += BLOCK) {
                int j1 = Math.min(cols, j0 + BLOCK);
                for (int j = j0; j < j1; j++) {
                    int dst = yo + j * rows;
                    for (int i = i0; i < i1; i++) {
                        y[dst + i] = x[xo + i * cols + j];
                    }
                }
            }
        }
    }

    /**
     * {@link #transpose}, each value then combined with the constant of its output row j ({@code ca}'s value
     * {@code j / per}, {@code per} rows per index of the output's first axis, or its only value) by exactly
     * {@link ConstantArithmetic}'s operation: y = v op c (c op v for a constant first).
     */
    private static void transpose(int rows, int cols, float[] x, int xo, float[] y, int yo, ConstantArithmetic ca,
                                  int per) {
        float[] cd = ca.constant().data();
        ArithmeticOp op = ca.op();
        boolean first = ca.constantFirst();
        for (int i0 = 0; i0 < rows; i0 += BLOCK) {
            int i1 = Math.min(rows, i0 + BLOCK);
            for (int j0 = 0; j0 < cols; j0 += BLOCK) {
                int j1 = Math.min(cols, j0 + BLOCK);
                for (int j = j0; j < j1; j++) {
                    int dst = yo + j * rows;
                    float c = cd[cd.length == 1 ? 0 : j / per];
                    if (op == ArithmeticOp.MUL) {
                        for (int i = i0; i < i1; i++) {
                            y[dst + i] = x[xo + i * cols + j] * c;
                        }
                    } else {
                        for (int i = i0; i < i1; i++) {
                            float v = x[xo + i * cols + j];
                            y[dst + i] = first ? op.apply(c, v) : op.apply(v, c);
                        }
                    }
                }
            }
        }
    }

    /**
     * Switch for A/B runs ({@code -Dconvnet4j.inference.transposeConstant=false}): a constant arithmetic after the
     * Transpose runs as its own layer again (same bits either way).
     */
    static volatile boolean absorbConstant =
            !"false".equals(System.getProperty("convnet4j.inference.transposeConstant"));

    /**
     * In inference, a rotating Transpose absorbs a {@link ConstantArithmetic} right after it whose constant has one
     * value per output row of the copy: per-sample shape [C, 1, ..., 1] (ConvNeXt's layer scale, a Mul by
     * gamma [C, 1, 1] after the permute back to [C, H, W]) or a single value. Its operation is then applied to each
     * value as it is copied, instead of a second pass over the output; the same operation on the same operands, so
     * the same bits as the two layers one by one.
     */
    @Override
    public int absorbable(List<Layer> following) {
        if (!absorbConstant || !rotates() || following.isEmpty()
                || !(following.get(0) instanceof ConstantArithmetic ca)) {
            return 0;
        }
        int[] c = ca.constant().shape().dims();
        if (c.length != perm.length) {
            return 0;
        }
        for (int i = 1; i < c.length; i++) {
            if (c[i] != 1) {
                return 0;
            }
        }
        return 1;
    }

    @Override
    public Tensor forwardAbsorbing(List<Tensor> inputs, List<Layer> following, int count) {
        requireInputs(inputs);
        Tensor x = inputs.get(0);
        ConstantArithmetic ca = (ConstantArithmetic) following.get(0);
        int rows = ca.constant().shape().dim(0);
        if (rows != 1 && rows != x.dim(perm[0] + 1)) { // would not broadcast: the layer's own message
            return ca.forward(forward(x, false), false);
        }
        absorbed = ca;
        try {
            return forward(x, false);
        } finally {
            absorbed = null;
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        put(c, "perm", perm);
        return c;
    }
}
