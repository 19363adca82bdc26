package org.convnet4j.transfer;

import java.util.List;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.tensor.Shape;

/**
 * Feature vectors of a whole dataset: row i ({@code dim} floats from {@code i * dim}) belongs to sample i with
 * label {@code labels[i]}.
 */
public record Features(float[] values, int dim, int[] labels, List<String> classNames) {
    public Features {
        if (dim < 1 || (long) dim * labels.length != values.length) {
            throw new IllegalArgumentException("Features: " + values.length + " values are not " + labels.length
                    + " rows of " + dim);
        }
        classNames = List.copyOf(classNames);
    }

    public int size() {
        return labels.length;
    }

    /** Row i as a new array. */
    public float[] row(int i) {
        float[] r = new float[dim];
        System.arraycopy(values, i * dim, r, 0, dim);
        return r;
    }

    /** The features as a dataset of flat samples [dim] (shares the arrays). */
    public Dataset asDataset() {
        return ArrayDataset.ofFloats(values, Shape.of(dim), labels, classNames);
    }
}
