package org.convnet4j.data;

import org.convnet4j.tensor.Tensor;

/** A mini-batch: inputs {@code x} of shape [B, ...sample shape] and the B labels. */
public record Batch(Tensor x, int[] labels) {
    public Batch {
        if (x.dim(0) != labels.length) {
            throw new IllegalArgumentException("Batch: " + x.dim(0) + " samples in " + x.shape() + " but "
                    + labels.length + " labels");
        }
    }

    /** Number of samples B. */
    public int size() {
        return labels.length;
    }
}
