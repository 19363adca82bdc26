package org.convnet4j.data;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

import java.util.List;
import java.util.Random;

/**
 * A fixed-size collection of labelled samples, all of the same shape (for images [C, H, W]). Samples are
 * produced on demand into a caller's array, so a dataset can keep compact storage (bytes, files) and
 * convert per batch.
 *
 * <p>Implementations need not be thread-safe: {@link DataLoader} calls them from one thread at a time.
 */
public interface Dataset {
    /** Number of samples. */
    int size();

    /** Shape of one sample, without a batch dimension, e.g. [1, 28, 28]. */
    Shape sampleShape();

    /** Number of classes; labels are 0 .. numClasses() - 1. */
    int numClasses();

    /** Class names, index = label. */
    List<String> classNames();

    /**
     * Writes sample {@code index} ({@code sampleShape().size()} floats) to {@code dest} from {@code destOff},
     * deterministically, without random augmentation.
     */
    void copySample(int index, float[] dest, int destOff);

    /** Label of sample {@code index}. */
    int label(int index);

    /**
     * Like {@link #copySample(int, float[], int)}, but random augmentation (if the dataset has any) draws from
     * {@code random}. Datasets without augmentation ignore it; {@code random == null} means no augmentation.
     */
    default void copySample(int index, float[] dest, int destOff, Random random) {
        copySample(index, dest, destOff);
    }

    /**
     * Per-sample shapes of the model inputs this dataset feeds: one ({@link #sampleShape()}) for ordinary
     * datasets, several for multi-input (fusion) datasets, which override this and {@link #copyInput}.
     * {@link DataLoader} builds batches through these two methods only.
     */
    default List<Shape> inputShapes() {
        return List.of(sampleShape());
    }

    /**
     * Writes input {@code input} of sample {@code index} ({@code inputShapes().get(input).size()} floats); for a
     * single-input dataset, input 0 is {@link #copySample(int, float[], int, Random)}.
     */
    default void copyInput(int input, int index, float[] dest, int destOff, Random random) {
        if (input != 0) {
            throw new IndexOutOfBoundsException("Dataset.copyInput: input " + input + " of a single-input dataset");
        }
        copySample(index, dest, destOff, random);
    }

    /** Sample {@code index} as a new tensor of {@link #sampleShape()} (no augmentation). */
    default Tensor sample(int index) {
        Tensor t = Tensor.zeros(sampleShape());
        copySample(index, t.data(), 0);
        return t;
    }

    /** Fails with a message naming the dataset operation unless {@code index} is in 0 .. size() - 1. */
    default void checkIndex(String op, int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException(op + ": sample " + index + " outside dataset of " + size() + " samples");
        }
    }
}
