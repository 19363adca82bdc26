package org.convnet4j.transfer;

import org.convnet4j.data.Batch;
import org.convnet4j.data.DataLoader;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;

/**
 * Runs a (frozen) network over a whole dataset once, in inference mode, and keeps its flat outputs: the
 * bottleneck features of Case 1 and the cached prefix outputs of Cases 2 and 3 (DL4J calls this featurizing).
 */
public final class FeatureExtractor {
    /** Progress of a long extraction: {@code done} of {@code total} samples. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);

        Progress NONE = (d, t) -> { };
    }

    private FeatureExtractor() {
    }

    /** The outputs of {@code model} for every sample of {@code data}, flattened, in dataset order. */
    public static Features extract(Model model, Dataset data, int batchSize, Progress progress) {
        if (data.size() == 0) {
            throw new IllegalArgumentException("feature extraction: the dataset is empty");
        }
        if (!data.sampleShape().equals(model.inputShapes().get(0))) {
            throw new IllegalArgumentException("feature extraction: the data's samples are " + data.sampleShape()
                    + " but the network takes " + model.inputShapes().get(0));
        }
        int dim = model.outputShape().size();
        float[] values = new float[Math.multiplyExact(dim, data.size())];
        int[] labels = new int[data.size()];
        DataLoader loader = DataLoader.builder(data).batchSize(batchSize).augment(false).build();
        int at = 0;
        progress.update(0, data.size());
        try (DataLoader.BatchIterator batches = loader.iterator(0)) {
            while (batches.hasNext()) {
                Batch b = batches.next();
                Tensor out = model.predict(b.x());
                System.arraycopy(out.data(), 0, values, at * dim, b.size() * dim);
                System.arraycopy(b.labels(), 0, labels, at, b.size());
                at += b.size();
                progress.update(at, data.size());
            }
        }
        return new Features(values, dim, labels, data.classNames());
    }
}
