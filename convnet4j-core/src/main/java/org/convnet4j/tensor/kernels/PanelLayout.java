package org.convnet4j.tensor.kernels;

/**
 * The packed layout in which an implementation's {@link Kernels#sgemmPreparedB} reads a right operand op(B)
 * [k x n] (see {@link Kernels#patchPanels}): k is cut into slices of {@code depth} rows (the last may be shorter,
 * {@code kc = min(depth, k - pc)}), n into panels of {@code width} columns, the last padded with zeros to the full
 * width. Element (p, j), with {@code pc = p - p % depth}, {@code nPad = roundUp(n, width)} and {@code q = j / width},
 * lives at
 * <pre>
 *   pc * nPad + q * width * kc + (p - pc) * width + j % width
 * </pre>
 * so each slice's panels lie one after the other, and inside a panel each row's {@code width} values are
 * contiguous. The padding columns ({@code n <= j < nPad}) hold zeros.
 */
public record PanelLayout(int width, int depth) {
    public PanelLayout {
        if (width < 1 || depth < 1) {
            throw new IllegalArgumentException("PanelLayout: width and depth must be positive, got " + width + ", "
                    + depth);
        }
    }

    /** The columns of the packed form: n rounded up to whole panels. */
    public int paddedColumns(int n) {
        return (n + width - 1) / width * width;
    }

    /** Floats of the packed form of a k x n operand. */
    public long size(int k, int n) {
        return (long) k * paddedColumns(n);
    }

    /** Where element (p, j) of a k x n operand lives (the formula above). */
    public int index(int k, int n, int p, int j) {
        int pc = p - p % depth;
        int kc = Math.min(depth, k - pc);
        return pc * paddedColumns(n) + j / width * width * kc + (p - pc) * width + j % width;
    }
}
