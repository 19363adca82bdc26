package org.convnet4j.ops;

/** Rows/columns added on each side of an image, all &gt;= 0. */
public record Padding(int top, int bottom, int left, int right) {

    private static final Padding VALID = new Padding(0, 0, 0, 0);

    public Padding {
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
            throw new IllegalArgumentException("padding must be >= 0 on every side, got top=" + top + ", bottom="
                    + bottom + ", left=" + left + ", right=" + right);
        }
    }

    /** No padding (the lecture's "valid" convolution: an n x n input shrinks to n-k+1). */
    public static Padding valid() {
        return VALID;
    }

    /** The same padding {@code p} on all four sides ("padding by p" in the lecture). */
    public static Padding of(int p) {
        return new Padding(p, p, p, p);
    }

    /** {@code ph} rows above and below, {@code pw} columns left and right. */
    public static Padding of(int ph, int pw) {
        return new Padding(ph, ph, pw, pw);
    }

    public boolean isZero() {
        return top == 0 && bottom == 0 && left == 0 && right == 0;
    }

    /** Padded height of an input of height {@code h}. */
    public int paddedHeight(int h) {
        return h + top + bottom;
    }

    /** Padded width of an input of width {@code w}. */
    public int paddedWidth(int w) {
        return w + left + right;
    }

    /** For example {@code top=1,bottom=0,left=1,right=0}. */
    @Override
    public String toString() {
        return "top=" + top + ",bottom=" + bottom + ",left=" + left + ",right=" + right;
    }
}
