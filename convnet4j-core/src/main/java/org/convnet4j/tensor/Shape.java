package org.convnet4j.tensor;

import java.util.Arrays;

/**
 * The dimensions of a {@link Tensor}, outermost first (NCHW for images: batch, channels, height, width).
 * Immutable; every dimension is at least 1 and the total element count must fit an int, because a
 * tensor is backed by one Java array.
 */
public final class Shape {
    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + ": every dimension must be >= 1");
            }
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than 2^31 elements");
            }
        }
        this.dims = dims;
        this.size = (int) n;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end, as in NumPy. */
    public int dim(int i) {
        int j = i < 0 ? dims.length + i : i;
        if (j < 0 || j >= dims.length) {
            throw new IndexOutOfBoundsException("dimension " + i + " of shape " + this + " (rank " + dims.length + ")");
        }
        return dims[j];
    }

    /** Total number of elements. */
    public int size() {
        return size;
    }

    public int[] dims() {
        return dims.clone();
    }

    /** Row-major strides in elements. */
    public int[] strides() {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Product of the dimensions from {@code from} (inclusive) to the end. */
    public int sizeFrom(int from) {
        int n = 1;
        for (int i = from; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** A shape with the first dimension replaced, e.g. a batch size. */
    public Shape withDim(int i, int value) {
        int[] d = dims.clone();
        d[i < 0 ? d.length + i : i] = value;
        return new Shape(d);
    }

    /** This shape with {@code n} prepended (e.g. a batch dimension). */
    public Shape prepend(int n) {
        int[] d = new int[dims.length + 1];
        d[0] = n;
        System.arraycopy(dims, 0, d, 1, dims.length);
        return new Shape(d);
    }

    /** This shape without its first dimension. */
    public Shape dropFirst() {
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    /** This shape without its first dimension; a rank-1 shape gives an empty list (for comparisons only). */
    public java.util.List<Integer> dropFirstOrEmpty() {
        java.util.List<Integer> l = new java.util.ArrayList<>();
        for (int i = 1; i < dims.length; i++) {
            l.add(dims[i]);
        }
        return l;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape && Arrays.equals(dims, ((Shape) o).dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** For example {@code [8, 3, 224, 224]}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }

    /** For example {@code 3x224x224}, the form the CLI accepts and prints. */
    public String toCompactString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                b.append('x');
            }
            b.append(dims[i]);
        }
        return b.toString();
    }

    /**
     * Parses a picture shape {@code CxHxW} such as {@code 3x224x224}: three positive whole numbers. The one
     * parser behind every {@code --input} option.
     */
    public static Shape parsePicture(String text) {
        int[] d = parseDims(text); // the numbers first: Shape's own check would word a 0 as "shape [0, 28, 28]"
        if (d.length != 3) {
            throw new IllegalArgumentException("'" + text + "' is not CxHxW, e.g. 1x28x28");
        }
        for (int i = 0; i < 3; i++) {
            if (d[i] < 1) {
                throw new IllegalArgumentException("'" + text + "' is not CxHxW with positive whole numbers, e.g. 1x28x28");
            }
        }
        return new Shape(d);
    }

    /**
     * {@link #parsePicture} for pictures as the image files give them: 1 (grey) or 3 (RGB) channels; another
     * channel count is an IllegalArgumentException "pictures have 1 (grey) or 3 (RGB) channels, not C".
     */
    public static Shape parseGreyOrRgbPicture(String text) {
        Shape s = parsePicture(text);
        if (s.dim(0) != 1 && s.dim(0) != 3) {
            throw new IllegalArgumentException("pictures have 1 (grey) or 3 (RGB) channels, not " + s.dim(0));
        }
        return s;
    }

    /** Parses {@code 3x224x224} (also with ',' or '*' between numbers). */
    public static Shape parse(String text) {
        return new Shape(parseDims(text));
    }

    /**
     * The numbers of {@code 3x224x224} (also with ',', '*' or 'X' between them), not yet checked as a shape's
     * dimensions: for callers that word their own range checks. A part that is not a whole number is an
     * IllegalArgumentException naming it.
     */
    public static int[] parseDims(String text) {
        String[] parts = text.trim().split("[x,*X]");
        int[] d = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                d[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("shape '" + text + "': '" + parts[i] + "' is not a whole number");
            }
        }
        return d;
    }
}
