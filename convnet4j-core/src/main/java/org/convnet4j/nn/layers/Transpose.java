package org.convnet4j.nn.layers;

import java.util.Arrays;
import java.util.Map;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Permutes the per-sample axes (the batch axis stays first): ONNX Transpose whose perm keeps axis 0, as
 * ShuffleNet's channel shuffle and ConvNeXt's channels-last blocks use.
 */
public final class Transpose extends IndexMapLayer {
    private final int[] perm;
    // perm = (k, ..., r-1, 0, ..., k-1) moves the first k axes last: per sample a [rows, cols] matrix transposed
    // (ConvNeXt's [C, H, W] -> [H, W, C] and back). 0: any other perm, through the index map
    private final int split;
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2); // the rotation's output and input gradient
    private Shape rotatedIn; // the input shape of the last forward pass (rotation only)
    /** Square tiles of the blocked transpose: a tile's rows and columns stay in cache. */
    private static final int TILE = 32;

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
        this.split = rotation(perm);
    }

    /** k if {@code perm} is (k, k+1, ..., r-1, 0, ..., k-1) with 0 {@code <} k {@code <} r, else 0. */
    static int rotation(int[] perm) {
        int k = perm.length == 0 ? 0 : perm[0];
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] != (k + i) % perm.length) {
                return 0;
            }
        }
        return k;
    }

    /**
     * A rotation of the axes copies each sample as one blocked matrix transpose, in the buffers of
     * {@link StepBuffers.Slots}; other perms gather through the index map. The same values either way (a copy).
     */
    @Override
    public Tensor forward(Tensor x, boolean training) {
        if (split == 0) {
            return super.forward(x, training);
        }
        Shape sample = x.shape().dropFirst();
        Shape out = outputShapeOf(sample);
        int rows = 1;
        for (int i = 0; i < split; i++) {
            rows *= sample.dim(i);
        }
        int size = sample.size();
        int cols = rows == 0 ? 0 : size / rows;
        Tensor y = buffers.overwritten(0, out.prepend(x.dim(0)));
        for (int b = 0; b < x.dim(0); b++) {
            transpose(x.data(), b * size, rows, cols, y.data(), b * size);
        }
        rotatedIn = x.shape();
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (split == 0) {
            return super.backward(dy);
        }
        Shape in = fromForward(rotatedIn);
        int rows = 1;
        for (int i = 1; i <= split; i++) {
            rows *= in.dim(i);
        }
        int size = in.sizeFrom(1);
        int cols = rows == 0 ? 0 : size / rows;
        Tensor dx = buffers.gradientOverwritten(1, in); // a permutation: every element written
        for (int b = 0; b < in.dim(0); b++) {
            transpose(dy.data(), b * size, cols, rows, dx.data(), b * size);
        }
        return dx;
    }

    /** {@code dst[d0 + c * rows + r] = src[s0 + r * cols + c]}: a [rows, cols] matrix transposed, tile by tile. */
    static void transpose(float[] src, int s0, int rows, int cols, float[] dst, int d0) {
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            int r1 = Math.min(rows, r0 + TILE);
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int c1 = Math.min(cols, c0 + TILE);
                for (int c = c0; c < c1; c++) {
                    int d = d0 + c * rows;
                    for (int r = r0; r < r1; r++) {
                        dst[d + r] = src[s0 + r * cols + c];
                    }
                }
            }
        }
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

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        put(c, "perm", perm);
        return c;
    }
}
