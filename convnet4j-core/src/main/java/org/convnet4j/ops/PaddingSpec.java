package org.convnet4j.ops;

import java.util.Locale;

/**
 * What the user asked for: "valid" (no padding), "same" (output size ceil(n/stride), kernel centred) or an
 * explicit {@link Padding}. {@link #resolve} turns it into a concrete padding once the input, kernel, stride
 * and dilation are known.
 */
public final class PaddingSpec {
    private enum Kind { VALID, SAME, EXPLICIT }

    private static final PaddingSpec VALID = new PaddingSpec(Kind.VALID, Padding.valid());
    private static final PaddingSpec SAME = new PaddingSpec(Kind.SAME, null);

    private final Kind kind;
    private final Padding explicit;

    private PaddingSpec(Kind kind, Padding explicit) {
        this.kind = kind;
        this.explicit = explicit;
    }

    public static PaddingSpec valid() {
        return VALID;
    }

    public static PaddingSpec same() {
        return SAME;
    }

    public static PaddingSpec explicit(Padding p) {
        if (p == null) {
            throw new IllegalArgumentException("explicit padding must not be null");
        }
        return new PaddingSpec(Kind.EXPLICIT, p);
    }

    public boolean isSame() {
        return kind == Kind.SAME;
    }

    public boolean isValid() {
        return kind == Kind.VALID;
    }

    /**
     * Parses "valid", "same", a single number N (all sides) or "T,B,L,R" (top, bottom, left, right).
     */
    public static PaddingSpec parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("padding: missing value; use valid, same, N or T,B,L,R");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("valid")) {
            return VALID;
        }
        if (t.equals("same")) {
            return SAME;
        }
        String[] parts = t.split("\\s*,\\s*");
        if (parts.length != 1 && parts.length != 4) {
            throw new IllegalArgumentException("padding '" + text + "': expected valid, same, N or T,B,L,R (4 numbers),"
                    + " got " + parts.length + " numbers");
        }
        int[] v = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("padding '" + text + "': '" + parts[i]
                        + "' is not a whole number; use valid, same, N or T,B,L,R");
            }
            if (v[i] < 0) {
                throw new IllegalArgumentException("padding '" + text + "': " + v[i] + " is negative");
            }
        }
        return explicit(v.length == 1 ? Padding.of(v[0]) : new Padding(v[0], v[1], v[2], v[3]));
    }

    /**
     * The concrete padding for this input/kernel geometry.
     *
     * <p>"same" follows the Keras/TensorFlow rule: output {@code ceil(n/stride)}, total padding
     * {@code max((out-1)*s + d*(k-1)+1 - n, 0)}. We split it evenly; when the total is odd the kernel cannot be
     * centred, and rather than silently shifting the image by one pixel (TensorFlow pads the extra row at the
     * bottom, other tools at the top) we fail and ask for explicit padding.
     */
    public Padding resolve(int inH, int inW, int kh, int kw, int strideH, int strideW, int dilationH,
                           int dilationW) {
        switch (kind) {
            case VALID:
                return Padding.valid();
            case EXPLICIT:
                return explicit;
            default:
                break;
        }
        if (inH < 1 || inW < 1 || kh < 1 || kw < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException("padding 'same': input " + inH + "x" + inW + ", kernel " + kh + "x" + kw
                    + ", stride " + strideH + "x" + strideW + ", dilation " + dilationH + "x" + dilationW
                    + ": every size, stride and dilation must be >= 1");
        }
        int th = sameTotal(inH, kh, strideH, dilationH);
        int tw = sameTotal(inW, kw, strideW, dilationW);
        if (th % 2 != 0 || tw % 2 != 0) {
            String axis = th % 2 != 0 ? "height" : "width";
            int total = th % 2 != 0 ? th : tw;
            throw new IllegalArgumentException("padding 'same' cannot centre a " + kh + "x" + kw + " kernel on a "
                    + inH + "x" + inW + " input (stride " + strideH + "x" + strideW + ", dilation " + dilationH + "x"
                    + dilationW + "): total padding " + total + " is odd (along the " + axis + "); use explicit"
                    + " padding T,B,L,R, e.g. " + (th / 2) + "," + (th - th / 2) + "," + (tw / 2) + ","
                    + (tw - tw / 2) + " (extra row/column at the bottom/right, as TensorFlow does)");
        }
        return new Padding(th / 2, th / 2, tw / 2, tw / 2);
    }

    private static int sameTotal(int n, int k, int s, int d) {
        int out = (n + s - 1) / s;
        long total = (long) (out - 1) * s + (long) d * (k - 1) + 1 - n;
        return (int) Math.max(total, 0);
    }

    @Override
    public String toString() {
        switch (kind) {
            case VALID:
                return "valid";
            case SAME:
                return "same";
            default:
                return explicit.top() + "," + explicit.bottom() + "," + explicit.left() + "," + explicit.right();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PaddingSpec && ((PaddingSpec) o).kind == kind
                && java.util.Objects.equals(((PaddingSpec) o).explicit, explicit);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + java.util.Objects.hashCode(explicit);
    }
}
