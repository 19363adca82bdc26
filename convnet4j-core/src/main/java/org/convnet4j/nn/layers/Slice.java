package org.convnet4j.nn.layers;

import java.util.Arrays;
import java.util.Map;
import org.convnet4j.tensor.Shape;

/**
 * Takes every {@code step}-th value from {@code start} towards {@code end} along each per-sample axis (ONNX
 * Slice and Split with constant bounds, already clamped and made non-negative by the importer; a negative step
 * walks backwards and then {@code end} may be -1, meaning before the first value).
 */
public final class Slice extends IndexMapLayer {
    private final int[] starts;
    private final int[] ends;
    private final int[] steps;

    public Slice(int[] starts, int[] ends, int[] steps) {
        if (starts.length != ends.length || starts.length != steps.length) {
            throw new IllegalArgumentException("Slice: starts, ends and steps differ in length");
        }
        for (int s : steps) {
            if (s == 0) {
                throw new IllegalArgumentException("Slice: step 0");
            }
        }
        this.starts = starts.clone();
        this.ends = ends.clone();
        this.steps = steps.clone();
    }

    private int[] indices(int axis, int dim) {
        int s = starts[axis];
        int e = ends[axis];
        int st = steps[axis];
        if (s < 0 || s >= dim && st > 0 || s > dim - 1 && st < 0 || e < -1 || e > dim) {
            throw new IllegalArgumentException(describe() + ": bounds " + s + ".." + e + " outside axis " + axis
                    + " of size " + dim);
        }
        int count = st > 0 ? Math.max(0, (e - s + st - 1) / st) : Math.max(0, (s - e + (-st) - 1) / (-st));
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = s + i * st;
        }
        return out;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != starts.length) {
            throw new IllegalArgumentException(describe() + ": " + starts.length + " axes for input " + input);
        }
        int[] out = new int[input.rank()];
        for (int j = 0; j < out.length; j++) {
            out[j] = indices(j, input.dim(j)).length;
            if (out[j] == 0) {
                throw new IllegalArgumentException(describe() + ": empty slice along axis " + j + " of " + input);
            }
        }
        return Shape.of(out);
    }

    @Override
    protected int[] sourceMap(Shape in, Shape out) {
        int[][] per = new int[in.rank()][];
        for (int j = 0; j < per.length; j++) {
            per[j] = indices(j, in.dim(j));
        }
        return separable(in, per);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        put(c, "starts", starts);
        put(c, "ends", ends);
        put(c, "steps", steps);
        return c;
    }

    @Override
    public String toString() {
        return describe() + Arrays.toString(starts) + Arrays.toString(ends);
    }
}
