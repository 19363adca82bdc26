package org.convnet4j.tensor;

import java.util.Arrays;
import java.util.Random;

/**
 * A dense float32 tensor, row-major and contiguous; images are NCHW (batch, channels, height, width).
 *
 * <p>The backing array is exposed through {@link #data()} on purpose: kernels and layers work on it
 * directly, without copies. Element {@code (i0, i1, ..., ik)} lives at {@code sum(ij * stride_j)}.
 * Tensors are mutable; methods that return a new tensor say so.
 */
public final class Tensor {
    private final Shape shape;
    private final float[] data;

    private Tensor(Shape shape, float[] data) {
        this.shape = shape;
        this.data = data;
    }

    // ---- creation -------------------------------------------------------------------------------

    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new float[shape.size()]);
    }

    public static Tensor full(Shape shape, float value) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data, value);
        return t;
    }

    /** Wraps {@code data} (not copied) as a tensor of the given dimensions. */
    public static Tensor wrap(float[] data, int... dims) {
        return wrap(data, Shape.of(dims));
    }

    /** Wraps {@code data} (not copied) as a tensor of the given shape. */
    public static Tensor wrap(float[] data, Shape shape) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("Tensor.wrap: " + data.length + " values do not fill shape " + shape
                    + " (" + shape.size() + " elements)");
        }
        return new Tensor(shape, data);
    }

    /** A copy of {@code data} as a tensor of the given dimensions. */
    public static Tensor of(float[] data, int... dims) {
        return wrap(data.clone(), dims);
    }

    /** A 2-D tensor from rows (they must all have the same length). */
    public static Tensor fromRows(double[][] rows) {
        int h = rows.length;
        int w = h == 0 ? 0 : rows[0].length;
        float[] d = new float[h * w];
        for (int y = 0; y < h; y++) {
            if (rows[y].length != w) {
                throw new IllegalArgumentException("Tensor.fromRows: row " + y + " has " + rows[y].length
                        + " values, row 0 has " + w);
            }
            for (int x = 0; x < w; x++) {
                d[y * w + x] = (float) rows[y][x];
            }
        }
        return wrap(d, h, w);
    }

    /** Values drawn from N(0, std^2) with the given random source. */
    public static Tensor randn(Random random, float std, int... dims) {
        Tensor t = zeros(dims);
        for (int i = 0; i < t.data.length; i++) {
            t.data[i] = (float) (random.nextGaussian() * std);
        }
        return t;
    }

    /** Values drawn uniformly from [lo, hi). */
    public static Tensor uniform(Random random, float lo, float hi, int... dims) {
        Tensor t = zeros(dims);
        for (int i = 0; i < t.data.length; i++) {
            t.data[i] = lo + (hi - lo) * random.nextFloat();
        }
        return t;
    }

    // ---- shape ----------------------------------------------------------------------------------

    public Shape shape() {
        return shape;
    }

    public int rank() {
        return shape.rank();
    }

    public int dim(int i) {
        return shape.dim(i);
    }

    public int size() {
        return data.length;
    }

    /** The backing array (row-major). Writes through. */
    public float[] data() {
        return data;
    }

    /** The same data seen with another shape of equal size (no copy). */
    public Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("reshape: cannot view " + shape + " (" + shape.size()
                    + " elements) as " + newShape + " (" + newShape.size() + " elements)");
        }
        return new Tensor(newShape, data);
    }

    /** A new tensor with a copy of the data. */
    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    /**
     * A new [c, r] tensor holding the transpose of this [r, c] matrix (a copy: ONNX's Gemm and MatMul store the
     * weight as [in, out] where a Dense layer keeps [out, in], so export and import both turn it around).
     */
    public Tensor transposed() {
        if (rank() != 2) {
            throw new IllegalArgumentException("transposed: " + shape + " is not a matrix");
        }
        int r = dim(0);
        int c = dim(1);
        Tensor t = zeros(c, r);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                t.data[j * r + i] = data[i * c + j];
            }
        }
        return t;
    }

    // ---- element access (checked; for tests, tools and small work, not for hot loops) ----------

    public float get(int... index) {
        return data[offset("get", index)];
    }

    public void set(float value, int... index) {
        data[offset("set", index)] = value;
    }

    /** Flat offset of an index, with a message naming the operation, the index and the shape. */
    public int offset(String op, int... index) {
        if (index.length != shape.rank()) {
            throw new IllegalArgumentException(op + ": index " + Arrays.toString(index) + " has " + index.length
                    + " coordinates, tensor of shape " + shape + " has rank " + shape.rank());
        }
        int off = 0;
        for (int i = 0; i < index.length; i++) {
            int d = shape.dim(i);
            if (index[i] < 0 || index[i] >= d) {
                throw new IndexOutOfBoundsException(op + ": index " + Arrays.toString(index)
                        + " is outside shape " + shape + " (coordinate " + i + " must be in 0.." + (d - 1) + ")");
            }
            off = off * d + index[i];
        }
        return off;
    }

    // ---- small whole-tensor operations ----------------------------------------------------------

    public Tensor fill(float value) {
        Arrays.fill(data, value);
        return this;
    }

    /** Sample {@code n} of a batched tensor (first dimension), as a copy with batch size 1. */
    public Tensor sample(int n) {
        int per = shape.sizeFrom(1);
        if (n < 0 || n >= shape.dim(0)) {
            throw new IndexOutOfBoundsException("sample: index " + n + " outside batch of " + shape.dim(0)
                    + " in shape " + shape);
        }
        float[] d = Arrays.copyOfRange(data, n * per, (n + 1) * per);
        return new Tensor(shape.withDim(0, 1), d);
    }

    public float min() {
        float m = Float.POSITIVE_INFINITY;
        for (float v : data) {
            m = Math.min(m, v);
        }
        return m;
    }

    public float max() {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : data) {
            m = Math.max(m, v);
        }
        return m;
    }

    public double sum() {
        double s = 0;
        for (float v : data) {
            s += v;
        }
        return s;
    }

    /** Index of the largest element in the flat data. */
    public int argmax() {
        return RowOps.argmax(data, 0, data.length);
    }

    /** Largest absolute element-wise difference to another tensor of the same shape. */
    public float maxAbsDiff(Tensor other) {
        requireSameShape("maxAbsDiff", this, other);
        float m = 0;
        for (int i = 0; i < data.length; i++) {
            m = Math.max(m, Math.abs(data[i] - other.data[i]));
        }
        return m;
    }

    /** Fails naming the operation and both shapes unless {@code a} and {@code b} have equal shapes. */
    public static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!a.shape.equals(b.shape)) {
            throw new IllegalArgumentException(op + ": shapes differ: " + a.shape + " vs " + b.shape);
        }
    }

    /** Fails naming the operation unless the tensor has the given rank. */
    public Tensor requireRank(String op, int rank) {
        if (shape.rank() != rank) {
            throw new IllegalArgumentException(op + ": expected a rank-" + rank + " tensor, got shape " + shape);
        }
        return this;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Tensor").append(shape).append(' ');
        int n = Math.min(data.length, 8);
        b.append('[');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(data[i]);
        }
        if (data.length > n) {
            b.append(", ...");
        }
        return b.append(']').toString();
    }
}
