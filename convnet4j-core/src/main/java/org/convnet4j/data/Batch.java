package org.convnet4j.data;

import java.util.List;
import org.convnet4j.tensor.Tensor;

/**
 * A mini-batch: one tensor per model input, each of shape [B, ...that input's sample shape], and the B labels.
 * Most models have one input ({@link #x()}); multi-input (fusion) models get every tensor from {@link #inputs()}.
 */
public record Batch(List<Tensor> inputs, int[] labels) {
    public Batch {
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("Batch: no input tensors");
        }
        for (Tensor x : inputs) {
            if (x.dim(0) != labels.length) {
                throw new IllegalArgumentException("Batch: " + x.dim(0) + " samples in " + x.shape() + " but "
                        + labels.length + " labels");
            }
        }
    }

    /** A single-input batch. */
    public Batch(Tensor x, int[] labels) {
        this(List.of(x), labels);
    }

    /** The input of a single-input batch; fails for a multi-input batch rather than silently dropping inputs. */
    public Tensor x() {
        if (inputs.size() != 1) {
            throw new IllegalStateException("Batch.x(): this batch has " + inputs.size()
                    + " inputs; use inputs() for multi-input models");
        }
        return inputs.get(0);
    }

    /** Number of samples B. */
    public int size() {
        return labels.length;
    }
}
