package org.convnet4j.nn.layers;

import java.util.Arrays;
import java.util.Map;
import org.convnet4j.tensor.Shape;

/**
 * Permutes the per-sample axes (the batch axis stays first): ONNX Transpose whose perm keeps axis 0, as
 * ShuffleNet's channel shuffle and ConvNeXt's channels-last blocks use.
 */
public final class Transpose extends IndexMapLayer {
    private final int[] perm;

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

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        put(c, "perm", perm);
        return c;
    }
}
