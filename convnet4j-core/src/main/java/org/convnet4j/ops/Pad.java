package org.convnet4j.ops;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Spatial padding of the last two dimensions (H, W) of a tensor of rank &gt;= 2, and its gradient.
 *
 * <p>Both directions use one index map per axis: padded coordinate -&gt; source coordinate (or -1 for a zero
 * cell). The forward pass copies source to padded cell; the backward pass adds each padded cell's gradient to
 * its source, so replicate/reflect padding send their gradient back onto the pixels they copied.
 */
public final class Pad {
    private Pad() {
    }

    /** A new tensor with {@code p} rows/columns added around every H x W plane, filled per {@code mode}. */
    public static Tensor pad(Tensor x, Padding p, PadMode mode) {
        Shape s = x.shape();
        requireSpatial("pad", s);
        int h = s.dim(-2);
        int w = s.dim(-1);
        int[] rows = sourceMap("pad", h, p.top(), p.bottom(), mode, "height");
        int[] cols = sourceMap("pad", w, p.left(), p.right(), mode, "width");
        int ph = rows.length;
        int pw = cols.length;
        int planes = s.size() / (h * w);
        Tensor out = Tensor.zeros(s.withDim(-2, ph).withDim(-1, pw));
        float[] src = x.data();
        float[] dst = out.data();
        for (int plane = 0; plane < planes; plane++) {
            int sBase = plane * h * w;
            int dBase = plane * ph * pw;
            for (int i = 0; i < ph; i++) {
                int r = rows[i];
                if (r < 0) {
                    continue;
                }
                int sRow = sBase + r * w;
                int dRow = dBase + i * pw;
                for (int j = 0; j < pw; j++) {
                    int c = cols[j];
                    if (c >= 0) {
                        dst[dRow + j] = src[sRow + c];
                    }
                }
            }
        }
        return out;
    }

    /**
     * Gradient of {@link #pad}: given dL/d(padded), returns dL/dx of shape {@code xShape}. Zero cells drop their
     * gradient; replicated/reflected cells add theirs to the source pixel they were copied from.
     */
    public static Tensor padBackward(Tensor dPadded, Shape xShape, Padding p, PadMode mode) {
        return padBackward(dPadded, xShape, p, mode, null);
    }

    /**
     * As above; {@code into} (may be null), zeros of shape {@code xShape}, is filled and returned (the same
     * additions in the same order as into a new tensor, so the same bits).
     */
    public static Tensor padBackward(Tensor dPadded, Shape xShape, Padding p, PadMode mode, Tensor into) {
        requireSpatial("padBackward", xShape);
        int h = xShape.dim(-2);
        int w = xShape.dim(-1);
        int[] rows = sourceMap("padBackward", h, p.top(), p.bottom(), mode, "height");
        int[] cols = sourceMap("padBackward", w, p.left(), p.right(), mode, "width");
        int ph = rows.length;
        int pw = cols.length;
        Shape expected = xShape.withDim(-2, ph).withDim(-1, pw);
        if (!dPadded.shape().equals(expected)) {
            throw new IllegalArgumentException("padBackward: gradient of shape " + dPadded.shape()
                    + " does not match input " + xShape + " padded by " + p + " (expected " + expected + ")");
        }
        if (into != null && !into.shape().equals(xShape)) {
            throw new IllegalArgumentException("padBackward: output buffer " + into.shape() + " does not have the"
                    + " shape " + xShape);
        }
        Tensor dx = into == null ? Tensor.zeros(xShape) : into;
        float[] src = dPadded.data();
        float[] dst = dx.data();
        int planes = xShape.size() / (h * w);
        for (int plane = 0; plane < planes; plane++) {
            int xBase = plane * h * w;
            int pBase = plane * ph * pw;
            for (int i = 0; i < ph; i++) {
                int r = rows[i];
                if (r < 0) {
                    continue;
                }
                int xRow = xBase + r * w;
                int pRow = pBase + i * pw;
                for (int j = 0; j < pw; j++) {
                    int c = cols[j];
                    if (c >= 0) {
                        dst[xRow + c] += src[pRow + j];
                    }
                }
            }
        }
        return dx;
    }

    /**
     * For each of the {@code before + n + after} padded coordinates, the source coordinate in 0..n-1, or -1
     * where {@link PadMode#ZERO} fills a zero.
     */
    static int[] sourceMap(String op, int n, int before, int after, PadMode mode, String axis) {
        if (before < 0 || after < 0) {
            throw new IllegalArgumentException(op + ": padding must be >= 0, got " + before + " and " + after
                    + " along the " + axis);
        }
        if (mode == PadMode.REFLECT && (before >= n || after >= n)) {
            throw new IllegalArgumentException(op + ": reflect padding " + before + "+" + after + " along the " + axis
                    + " needs each side < input size " + n + " (reflection does not repeat the edge pixel);"
                    + " use replicate or zero padding, or a smaller padding");
        }
        int[] map = new int[before + n + after];
        for (int i = 0; i < map.length; i++) {
            int c = i - before;
            if (c >= 0 && c < n) {
                map[i] = c;
            } else if (mode == PadMode.ZERO) {
                map[i] = -1;
            } else if (mode == PadMode.REPLICATE) {
                map[i] = c < 0 ? 0 : n - 1;
            } else {
                map[i] = c < 0 ? -c : 2 * (n - 1) - c;
            }
        }
        return map;
    }

    private static void requireSpatial(String op, Shape s) {
        if (s.rank() < 2) {
            throw new IllegalArgumentException(op + ": needs a tensor with at least 2 (height, width) dimensions,"
                    + " got shape " + s);
        }
    }
}
