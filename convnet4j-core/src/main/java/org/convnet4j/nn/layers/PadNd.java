package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Pads every per-sample axis by {@code before[i]} and {@code after[i]} (ONNX Pad): with a constant,
 * by reflection (the edge is not repeated: 1 2 3 gives 3 2 | 1 2 3 | 2 1) or by repeating the edge.
 * Each output cell reads one input cell or the constant; the backward pass routes each gradient back to
 * the cell it was read from, summing where a cell was read several times.
 */
public final class PadNd extends UnaryLayer {
    /** How cells outside the input are filled. */
    public enum Mode { CONSTANT, REFLECT, EDGE }

    private final int[] before;
    private final int[] after;
    private final Mode mode;
    private final float value;
    private Shape built;
    private int[] source; // per output cell of one sample: input cell index, or -1 for the constant
    private Shape inShape;

    public PadNd(int[] before, int[] after, Mode mode, double value) {
        if (before.length != after.length || mode == null) {
            throw new IllegalArgumentException("PadNd: need as many 'before' as 'after' pads and a mode");
        }
        for (int i = 0; i < before.length; i++) {
            if (before[i] < 0 || after[i] < 0) {
                throw new IllegalArgumentException("PadNd: pads must be >= 0, got before=" + java.util.Arrays.toString(
                        before) + ", after=" + java.util.Arrays.toString(after));
            }
        }
        this.before = before.clone();
        this.after = after.clone();
        this.mode = mode;
        this.value = (float) value;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != before.length) {
            throw new IllegalArgumentException(describe() + ": has pads for " + before.length + " axes, input "
                    + input + " has " + input.rank());
        }
        int[] out = new int[input.rank()];
        for (int i = 0; i < out.length; i++) {
            if (mode == Mode.REFLECT && (before[i] >= input.dim(i) || after[i] >= input.dim(i))) {
                throw new IllegalArgumentException(describe() + ": reflect padding of " + before[i] + "/" + after[i]
                        + " needs more than " + input.dim(i) + " cells along axis " + i);
            }
            out[i] = input.dim(i) + before[i] + after[i];
        }
        if (built == null || !built.equals(input)) {
            built = input;
            source = sourceMap(input, Shape.of(out));
        }
        return Shape.of(out);
    }

    private int[] sourceMap(Shape in, Shape out) {
        int[] map = new int[out.size()];
        int[] inStrides = in.strides();
        int[] idx = new int[out.rank()];
        for (int k = 0; k < map.length; k++) {
            int src = 0;
            for (int ax = 0; ax < idx.length && src >= 0; ax++) {
                int j = idx[ax] - before[ax];
                int n = in.dim(ax);
                if (j < 0 || j >= n) {
                    if (mode == Mode.CONSTANT) {
                        src = -1;
                        break;
                    }
                    j = mode == Mode.EDGE ? (j < 0 ? 0 : n - 1) : (j < 0 ? -j : 2 * (n - 1) - j);
                }
                src += j * inStrides[ax];
            }
            map[k] = src;
            for (int ax = idx.length - 1; ax >= 0; ax--) {
                if (++idx[ax] < out.dim(ax)) {
                    break;
                }
                idx[ax] = 0;
            }
        }
        return map;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Shape outSample = outputShapeOf(x.shape().dropFirst());
        inShape = x.shape();
        int n = x.dim(0);
        int inSize = built.size();
        Tensor y = Tensor.zeros(outSample.prepend(n));
        float[] xd = x.data();
        float[] yd = y.data();
        for (int b = 0; b < n; b++) {
            int yo = b * source.length;
            int xo = b * inSize;
            for (int k = 0; k < source.length; k++) {
                yd[yo + k] = source[k] < 0 ? value : xd[xo + source[k]];
            }
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (inShape == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        Tensor dx = Tensor.zeros(inShape);
        int n = inShape.dim(0);
        int inSize = built.size();
        float[] g = dy.data();
        float[] d = dx.data();
        for (int b = 0; b < n; b++) {
            int yo = b * source.length;
            int xo = b * inSize;
            for (int k = 0; k < source.length; k++) {
                if (source[k] >= 0) {
                    d[xo + source[k]] += g[yo + k];
                }
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        List<Integer> b = new ArrayList<>();
        List<Integer> a = new ArrayList<>();
        for (int i = 0; i < before.length; i++) {
            b.add(before[i]);
            a.add(after[i]);
        }
        c.put("before", b);
        c.put("after", a);
        c.put("mode", mode.name().toLowerCase(Locale.ROOT));
        c.put("value", (double) value);
        return c;
    }

    public static Mode parseMode(String text) {
        for (Mode m : Mode.values()) {
            if (m.name().equalsIgnoreCase(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("PadNd: mode '" + text + "': expected constant, reflect or edge");
    }
}
