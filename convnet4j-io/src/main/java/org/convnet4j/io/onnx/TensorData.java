package org.convnet4j.io.onnx;

import java.util.Arrays;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A decoded TensorProto: name, ONNX data type, dims and values. Every numeric type is held as floats
 * (what the engine computes with); integer types also keep exact longs (shapes, axes, pads).
 */
public record TensorData(String name, int dataType, long[] dims, float[] floats, long[] longs) {

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** The values as a tensor of shape {@code dims} (a scalar becomes shape [1]). */
    public Tensor toTensor() {
        if (dims.length == 0) {
            return Tensor.wrap(floats.clone(), 1);
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < d.length; i++) {
            if (dims[i] < 1 || dims[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor '" + name + "': dims " + Arrays.toString(dims)
                        + " cannot be held (every dimension must be 1.." + Integer.MAX_VALUE + ")");
            }
            d[i] = (int) dims[i];
        }
        return Tensor.wrap(floats.clone(), Shape.of(d));
    }

    public boolean isInteger() {
        return longs != null;
    }

    /** A float tensor with the given values. */
    public static TensorData of(String name, Tensor t) {
        long[] dims = new long[t.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.dim(i);
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, t.data().clone(), null);
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
