package org.convnet4j.vision;

import java.util.Locale;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;

/**
 * A 2-D tensor as text, as the CLI's kernels, edges, pool and convolve commands print it: right-aligned columns, whole
 * numbers as they are, others with 4 decimals; a tensor's value range; a picture's size; one number written short.
 */
public final class MatrixText {
    private MatrixText() {
    }

    /** The last two axes as rows and columns, each row starting with {@code indent}. */
    public static String format(Tensor m, String indent) {
        int rows = m.dim(-2);
        int cols = m.dim(-1);
        float[] d = m.data();
        String[] cells = new String[rows * cols];
        int width = 1;
        for (int i = 0; i < cells.length; i++) {
            float v = d[i];
            cells[i] = v == Math.rint(v) ? Images.formatNumber(v) : String.format(Locale.ROOT, "%.4f", v);
            width = Math.max(width, cells[i].length());
        }
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            b.append(indent);
            for (int c = 0; c < cols; c++) {
                String s = cells[r * cols + c];
                b.append(c == 0 ? "" : "  ").append(" ".repeat(width - s.length())).append(s);
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** "MIN..MAX" of the values, each as {@link #num} writes it. */
    public static String range(Tensor t) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : t.data()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return num(min) + ".." + num(max);
    }

    /** A [C, H, W] picture's size and kind: "HxW grey" for one channel, "HxW RGB" otherwise. */
    public static String size(Tensor chw) {
        return chw.dim(1) + "x" + chw.dim(2) + (chw.dim(0) == 1 ? " grey" : " RGB");
    }

    /** A whole number below 10^9 as an integer, else 4 significant digits. */
    public static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
