package org.convnet4j.io.onnx;

import java.util.Arrays;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A decoded TensorProto: name, ONNX data type, dims and values. Every numeric type is held as floats
 * (what the engine computes with); integer types also keep exact longs (shapes, axes, pads; a UINT64 above
 * 2^63 - 1 as the long of the same bits), DOUBLE tensors exact doubles ({@code doubles}, null for other types).
 * FLOAT16 and BFLOAT16 values are exact as floats.
 */
public record TensorData(String name, int dataType, long[] dims, float[] floats, long[] longs, double[] doubles,
                         java.util.List<String> strings) {

    /**
     * A numeric tensor ({@code strings} null). A STRING tensor (data_type 8) has {@code strings} (UTF-8, row-major)
     * and no numbers ({@code floats} empty): a classifier's label path reads one (its class names), and the typed
     * path of {@link OnnxProgram} computes with them where {@code OnnxStrings} does; the float layers never see one.
     */
    public TensorData(String name, int dataType, long[] dims, float[] floats, long[] longs, double[] doubles) {
        this(name, dataType, dims, floats, longs, doubles, null);
    }

    /** Whether this is a STRING tensor (its values in {@link #strings}). */
    public boolean isString() {
        return strings != null;
    }

    /** A tensor without exact doubles (every type but DOUBLE). */
    public TensorData(String name, int dataType, long[] dims, float[] floats, long[] longs) {
        this(name, dataType, dims, floats, longs, null);
    }

    /** Element {@code i} exactly as a double where the type allows (integers up to 2^53, UINT64 unsigned). */
    public double value(int i) {
        if (longs != null) {
            long v = longs[i];
            return dataType == OnnxModel.UINT64 && v < 0 ? (double) (v >>> 1) * 2 + (v & 1) : v;
        }
        return doubles != null ? doubles[i] : floats[i];
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** The values as a tensor of shape {@code dims} (a scalar becomes shape [1]). */
    public Tensor toTensor() {
        return tensorOf(floats.clone());
    }

    /**
     * The values as a tensor of shape {@code dims} that shares this tensor's array: for reading only, e.g. a parameter's
     * {@code load}, which copies them (an importer that cloned each initializer first held the largest one twice).
     */
    Tensor view() {
        return tensorOf(floats);
    }

    private Tensor tensorOf(float[] values) {
        if (dims.length == 0) {
            return Tensor.wrap(values, 1);
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < d.length; i++) {
            if (dims[i] < 1 || dims[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor '" + name + "': dims " + Arrays.toString(dims)
                        + " cannot be held (every dimension must be 1.." + Integer.MAX_VALUE + ")");
            }
            d[i] = (int) dims[i];
        }
        return Tensor.wrap(values, Shape.of(d));
    }

    public boolean isInteger() {
        return longs != null;
    }

    /** A DOUBLE tensor holding {@code values} exactly (and as floats for the float layers). */
    public static TensorData ofDoubles(String name, double[] values, long... dims) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return new TensorData(name, OnnxModel.DOUBLE, dims, f, null, values.clone());
    }

    /** A float tensor with the given values. */
    public static TensorData of(String name, Tensor t) {
        long[] dims = new long[t.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.dim(i);
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, t.data().clone(), null);
    }

    /** A float tensor over {@code t}'s own array (no copy: what changes it changes this), for writing at once. */
    static TensorData sharing(String name, Tensor t) {
        long[] dims = new long[t.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.dim(i);
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, t.data(), null);
    }

    /** An INT64 tensor (shapes, pads) with the given values and dims. */
    public static TensorData ofLongs(String name, long[] values, long... dims) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = values[i];
        }
        return new TensorData(name, OnnxModel.INT64, dims, f, values.clone());
    }
}
